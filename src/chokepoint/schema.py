"""The store's tables declared once, as data: columns, types, units, keys and the source rule.

The DDL (migrations), the validation of bundled and user files (reference loader) and the
data-model docs (`chokepoint data tables`) are all derived from these declarations.
"""
from __future__ import annotations

from dataclasses import dataclass, field

SQL_TYPES = {"str": "VARCHAR", "int": "INTEGER", "float": "DOUBLE", "date": "DATE",
             "bool": "BOOLEAN", "json": "JSON", "timestamp": "TIMESTAMP"}


@dataclass(frozen=True)
class Column:
    """One column. `kind` adds a rule: 'iso3' resolves country names/codes, 'quantity' must be
    >= 0, 'unit' must name a known unit, 'source' must name a row of the source table."""

    name: str
    type: str = "str"
    required: bool = True
    kind: str | None = None
    unit: str | None = None
    help: str = ""

    @property
    def sql(self) -> str:
        return f'"{self.name}" {SQL_TYPES[self.type]}'


@dataclass(frozen=True)
class Table:
    """A store table: `reference=True` tables are rebuilt from bundled CSVs by `data build`."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    help: str
    reference: bool = True
    migration: int = 1
    order: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def ddl(self) -> str:
        cols = ", ".join(c.sql for c in self.columns)
        return f'CREATE TABLE IF NOT EXISTS "{self.name}" ({cols})'

    def sort_keys(self) -> tuple[str, ...]:
        """Columns that order rows deterministically (identical store on every build)."""
        return self.order or self.key


def C(name: str, type: str = "str", required: bool = True, kind: str | None = None,
      unit: str | None = None, help: str = "") -> Column:
    return Column(name, type, required, kind, unit, help)


SRC = C("source", kind="source", help="Key of the row in the source table this figure comes from.")
EST = C("estimated", "bool", required=False, help="True when the publisher flags an estimate.")
NOTE = C("note", required=False, help="Free-text remark: caveats, the published string.")

TABLES: dict[str, Table] = {t.name: t for t in [
    Table("source", (
        C("key", help="Short key other tables cite, e.g. USGS_MCS2025_WD."),
        C("publisher"), C("title"), C("year", "int"),
        C("url", required=False, help="URL or DOI."),
        C("licence", required=False,
          help="Terms the figures are shipped under (every bundled source states one: tests and "
               "'data check' enforce it)."),
        NOTE,
        C("grade", required=False,
          help="'' (the publisher's own release or a page quoting it) or 'copy' (a third party's "
               "re-keyed copy, unverified): share computations prefer non-copy sources."),
    ), key=("key",), help="Where every figure comes from (publisher, document, year, licence)."),
    Table("country", (
        C("iso3"), C("name"), C("iso_numeric", "int", required=False),
        C("region", required=False), SRC,
    ), key=("iso3",), help="Countries with ISO codes (from country_converter)."),
    Table("material", (
        C("material", help="Slug, e.g. neodymium, rare-earths, natural-graphite."),
        C("name"), C("symbol", required=False),
        C("family", help="Chain family the material belongs to, e.g. rare-earths."),
        C("ree_class", required=False, help="light / heavy for rare earths."),
        C("is_aggregate", "bool", required=False, help="A basket (e.g. all rare earths as REO)."),
        NOTE, SRC,
    ), key=("material",), help="Materials: the 17 rare earths and other critical minerals."),
    Table("stage", (
        C("family"), C("stage"), C("ord", "int"),
        C("form", help="What is held/traded at this stage: ore, oxide, metal, magnet, product."),
        C("description", required=False), SRC,
    ), key=("family", "stage"), help="Stages of each material family's chain, in order."),
    Table("trade_code", (
        C("code", help="HS6 or national 8-10 digit code, digits only."),
        C("revision", help="HS2017, HS2022, HSK (Korea 10-digit), ..."),
        C("description"), C("family"), C("material", required=False), C("stage"),
        NOTE, SRC,
    ), key=("code", "revision"), help="Trade codes mapped to material and stage."),
    Table("production", (
        C("material"), C("stage"), C("iso3", kind="iso3"), C("year", "int"),
        C("measure", help="production | capacity | reserves | production_partial (output that is not a full "
                            "country table for its stage and year: one company, one country or a world "
                            "total; left out of computed shares and of the chain)"),
        C("value", "float", kind="quantity"), C("unit", kind="unit"), EST, NOTE, SRC,
    ), key=("material", "stage", "iso3", "year", "measure", "source"),
        help="Production, capacity and reserves by country, stage and year (mass in t)."),
    Table("stage_share", (
        C("material"), C("stage"), C("iso3", kind="iso3"), C("year", "int"),
        C("share", "float", kind="quantity", unit="fraction"),
        C("bound", required=False, help="'', 'min' (over X%) or 'max' (under X%)."),
        EST, NOTE, SRC,
    ), key=("material", "stage", "iso3", "year", "source"),
        help="Published shares of world output where no country table exists (e.g. magnets)."),
    Table("trade", (
        C("year", "int"), C("exporter", kind="iso3"), C("importer", kind="iso3"),
        C("code"), C("value_usd", "float", required=False, kind="quantity", unit="USD"),
        C("quantity_t", "float", required=False, kind="quantity", unit="t"),
        C("basis", help="exporter-reported | importer-reported | mirror"), SRC,
    ), key=("year", "exporter", "importer", "code", "source"),
        help="Annual bilateral trade by code from bundled reference extracts."),
    Table("trade_monthly", (
        C("month", "date"), C("exporter", kind="iso3"), C("importer", kind="iso3"),
        C("product", help="HS6 code or a named group such as 'Rare Earths'."),
        C("value_usd", "float", required=False, kind="quantity", unit="USD"),
        C("quantity_t", "float", required=False, kind="quantity", unit="t"), SRC,
    ), key=("month", "exporter", "importer", "product", "source"),
        help="Monthly exports by partner (e.g. China's, for before/after export controls)."),
    Table("import_total", (
        C("importer", kind="iso3"), C("material"), C("year", "int"),
        C("value_usd", "float", kind="quantity", unit="USD"),
        C("quantity_t", "float", required=False, kind="quantity", unit="t"),
        C("origin_hhi", "float", required=False, help="Import-origin HHI, 0-1."),
        EST, NOTE, SRC,
    ), key=("importer", "material", "year", "source"), help="A country's total imports of a basket."),
    Table("import_share", (
        C("importer", kind="iso3"), C("material"), C("partner", kind="iso3"),
        C("year", "int"), C("share", "float", kind="quantity", unit="fraction"),
        C("basis", help="value | quantity"), EST, NOTE, SRC,
    ), key=("importer", "material", "partner", "year", "basis", "source"),
        help="Published share of a partner in a country's imports of a material."),
    Table("bloc", (
        C("bloc", help="Short name: MSP, IPEF, G7, QUAD, EU, ..."), C("name"),
        C("iso3", kind="iso3"), C("since", "date", required=False),
        C("until", "date", required=False), C("role", required=False), SRC,
    ), key=("bloc", "iso3"), help="Bloc memberships (alliances, FTAs, user-defined groups)."),
    Table("export_control", (
        C("event_id"), C("iso3", kind="iso3", help="Country imposing the control."),
        C("material"), C("stage"), C("announced", "date", required=False),
        C("start", "date"), C("end", "date", required=False),
        C("scope", help="all | non_allied | named"),
        C("targets", required=False, help="Space-separated ISO3 codes when scope is named."),
        C("measure", help="quota | licensing | ban | tech_ban | suspension | ..."),
        C("description"), SRC,
    ), key=("event_id", "material", "stage"), help="Export-control history with dates and scope."),
    Table("export_control_outcome", (
        C("event_id"), C("period"), C("indicator"), C("geography"),
        C("value", "float"), C("unit", kind="unit"), NOTE, EST, SRC,
    ), key=("event_id", "period", "indicator", "geography"),
        help="What happened to exports and prices after a control."),
    Table("stock", (
        C("iso3", kind="iso3"), C("material"), C("holder", help="government | industry"),
        C("measure", help="target_days | held_days | quantity"), C("value", "float", kind="quantity"),
        C("unit", kind="unit"), C("as_of", "date"), NOTE, SRC,
    ), key=("iso3", "material", "holder", "measure", "as_of"), help="Strategic and industry stocks and targets."),
    Table("demand", (
        C("iso3", kind="iso3"), C("material"), C("sector"), C("year", "int"),
        C("scenario", help="observed or a projection scenario name"),
        C("value", "float", kind="quantity"), C("unit", kind="unit"), EST, SRC,
    ), key=("iso3", "material", "sector", "year", "scenario", "source"),
        help="End-use demand by sector (mass in t, or shares in fraction)."),
    Table("price", (
        C("material"), C("product"), C("year", "int"), C("value", "float", kind="quantity"),
        C("unit", kind="unit"), C("basis", required=False), EST, SRC,
    ), key=("material", "product", "year", "basis", "source"), help="Annual prices."),
    Table("fx", (
        C("year", "int"), C("currency"),
        C("per_usd", "float", kind="quantity", help="Units of the currency per 1 USD, yearly average."),
        SRC,
    ), key=("year", "currency"), help="Yearly average exchange rates to USD."),
    Table("claim", (
        C("claim_id"), C("material"), C("stage"), C("iso3", kind="iso3"),
        C("year", "int", required=False, help="Year the claim describes, if it says."),
        C("low", "float", kind="quantity", unit="fraction"),
        C("high", "float", required=False, kind="quantity", unit="fraction"),
        C("bound", required=False, help="'' (range/point), 'min' (over X%) or 'max' (under X%)."),
        C("quote", help="The claim as published, short."), SRC,
    ), key=("claim_id",), help="Published share claims to check against computed shares.",
        migration=2),
    Table("project", (
        C("name"), C("host", kind="iso3"), C("sponsor"), C("material"), C("stage"),
        C("capacity_t", "float", required=False, kind="quantity", unit="t"),
        C("start_year", "int", required=False),
        C("capex_usd", "float", required=False, kind="quantity", unit="USD"),
        C("status"), NOTE, SRC,
    ), key=("name", "material", "stage"), help="Overseas and domestic supply projects."),
    Table("governance", (
        C("iso3", kind="iso3"), C("indicator", help="WGI dimension, e.g. GE (government effectiveness)."),
        C("year", "int"),
        C("value", "float", help="Published estimate, about -2.5 (weak) to +2.5 (strong)."),
        NOTE, SRC,
    ), key=("iso3", "indicator", "year", "source"), migration=11,
        help="Governance indicators (World Bank WGI) used by supply-risk scores."),
    Table("sector_map", (
        C("code", help="Trade code (HS6 or national), digits only."),
        C("sector", help="Downstream sector: ev-motors, wind, electronics, defence, ..."),
        C("weight", "float", kind="quantity", unit="fraction",
          help="Share of the code's trade attributed to the sector (weights of a code sum to <= 1)."),
        NOTE, SRC,
    ), key=("code", "sector"), migration=12,
        help="Trade codes mapped to the downstream sectors that use them, with weights."),
    Table("news_entity", (
        C("name", help="Canonical name events use as actor/target."),
        C("aliases", required=False, help="Other spellings, '|'-separated."),
        C("kind", help="company | agency | association | alliance | media | think_tank | "
                       "government | person | place (the last three resolve to the country)."),
        C("iso3", required=False, kind="iso3", help="Home country."), SRC,
    ), key=("name",), migration=30, help="Gazetteer of organisations, people and places for news."),
    Table("news_term", (
        C("term", help="Surface form as written in articles."), C("canonical"),
        C("kind", help="commodity | sector"),
        C("material", required=False, help="Material slug the commodity maps to, if any."), SRC,
    ), key=("term",), migration=30, help="Commodity and sector synonyms for news extraction."),
    Table("chain_stage", (
        C("family", help="Name of a multi-input chain (e.g. ree-magnets); not a material family."),
        C("stage"), C("ord", "int", help="Order: every input comes before the stage it feeds."),
        C("form", help="What is held/traded at this stage: oxide, metal, magnet, ..."),
        C("material", help="Material whose production and stage_share rows give the stage's output."),
        C("data_stage", help="That material's stage in the production and stage_share tables."),
        C("basis", help="Mass basis of the stage's tonnes, e.g. 't NdPr oxide'."),
        C("holds", required=False, help="Materials whose stock rows are held at this stage, space-separated."),
        NOTE, SRC,
    ), key=("family", "stage"), migration=50,
        help="Stages of multi-input chains (linked sub-chains such as NdPr and Dy+Tb into magnets)."),
    Table("chain_input", (
        C("family"), C("stage"), C("input", help="A stage of the same chain whose product this stage uses."),
        C("t_per_t", "float", kind="quantity", help="t of the input's product per t of the stage's output."),
        EST, NOTE, SRC,
    ), key=("family", "stage", "input"), migration=50,
        help="Recipes of multi-input stages: each input per t of output (Leontief, fixed proportions)."),
]}


# Non-reference tables: written by importers, runs and the news pipeline, kept across rebuilds.
RESULT_TABLES: dict[str, Table] = {t.name: t for t in [
    Table("run", (
        C("run_id"), C("created", "timestamp"), C("kind", help="stress | montecarlo | plan"),
        C("scenario"), C("engine"), C("seed", "int", required=False),
        C("spec", "json"), C("versions", "json"), C("summary", "json", required=False),
    ), key=("run_id",), help="One row per model run: spec, engine, seed and versions.",
        reference=False),
    Table("run_series", (
        C("run_id"), C("week", "int"), C("variable"), C("country", required=False),
        C("stage", required=False), C("sector", required=False),
        C("quantile", "float", required=False), C("value", "float"), C("unit"),
    ), key=("run_id", "week", "variable", "country", "stage", "sector", "quantile"),
        help="Long table of a run's time series.", reference=False),
    Table("run_draw", (
        C("run_id"), C("draw", "int", help="Draw index, 0..n-1; the run's spec and seed reproduce it."),
        C("total_shortfall_t", "float", unit="t", help="Focal country's shortfall over the horizon."),
        C("demand_t", "float", unit="t", help="Focal country's final demand over the horizon."),
        C("shortfall_pct", "float", unit="fraction", help="total_shortfall_t / demand_t."),
        C("peak_shortfall_pct", "float", unit="fraction", help="Largest weekly shortfall share (all sectors)."),
        C("weeks_over_20pct", "int", help="Weeks with more than 20% of demand unserved."),
        C("first_shortfall_week", "int", required=False, help="None: no shortfall."),
        C("recovery_week", "int", required=False, help="First week after the peak with 99% served; None: "
                                                       "no shortfall or no recovery within the horizon."),
        C("peak_price", "float", unit="index", help="Highest world price index (baseline 1)."),
        C("sector_peak", "json", help="Peak weekly shortfall share by sector."),
        C("params", "json", help="The draw's value of each uncertain parameter, by path."),
    ), key=("run_id", "draw"), migration=20, reference=False,
        help="One row per Monte Carlo draw (chokepoint montecarlo): its figures and parameters, "
             "for the decision optimizer."),
    Table("document", (
        C("doc_id"), C("path"), C("outlet", required=False), C("published", "date", required=False),
        C("title", required=False), C("text"), C("raw_chars", "int"),
        C("dup_group", required=False), C("ingested", "timestamp"),
    ), key=("doc_id",), help="Ingested news articles after cleaning.", reference=False),
    Table("event", (
        C("event_id"), C("doc_id"), C("type"), C("actor", required=False),
        C("target", required=False), C("commodities", "json"), C("sectors", "json"),
        C("amount", "float", required=False), C("unit", required=False),
        C("amount_usd", "float", required=False), C("date", "date", required=False),
        C("tilt", "int"), C("evidence"), C("start", "int"), C("end", "int"),
        C("fx_note", required=False, help="Set when the FX year used differs from the event's."),
    ), key=("event_id",), help="Events extracted from documents (DESIGN section 6).",
        reference=False),
    Table("llm_cache", (
        C("key", help="SHA-256 of model, prompt version and article text (news.llm.LlmExtractor.key)."),
        C("model"), C("response", help="The endpoint's JSON answer, as returned."), C("created", "timestamp"),
    ), key=("key",), migration=40,
        help="Answers of the optional LLM news extractor, so re-runs are identical and cost nothing.",
        reference=False),
    Table("reference_build", (
        C("built", "timestamp"),
        C("bundled_sha256", help="SHA-256 over the bundled CSVs' names and texts (reference.fingerprint)."),
        C("user_files", required=False, help="JSON list of the user files (PATH or TABLE=PATH) loaded beside them."),
    ), key=("built",), migration=60,
        help="Each build of the reference tables and what it read: a store built from older bundled "
             "data is rebuilt (or, with user files, flagged) by Workbench.ensure_built.",
        reference=False),
    Table("trade_flow", (
        C("year", "int"),
        C("exporter", "int", help="ISO 3166-1 numeric code; decode through country.iso_numeric."),
        C("importer", "int", help="ISO 3166-1 numeric code; decode through country.iso_numeric."),
        C("code", "int", help="HS6 code as an integer (6 digits with leading zeros restored)."),
        C("value_usd", "float", required=False, unit="USD"),
        C("quantity_t", "float", required=False, unit="t"),
        C("basis", "int", help="0 reconciled, 1 importer-reported, 2 exporter-reported "
                                "(trade.importer.BASES)."),
        C("import_id", "int", help="The trade_import row (file) the flow came from; its dataset "
                                   "names the flow's dataset."),
    ), key=("year", "exporter", "importer", "code", "basis", "import_id"), migration=10,
        help="Bilateral trade imported from BACI / UN Comtrade files (chokepoint exposure import); "
             "integer keys (migrations 13 and 14), read through trade.importer.flows_sql.",
        reference=False),
    Table("trade_import", (
        C("import_id", "int"), C("dataset"), C("format", help="baci | comtrade"), C("path"),
        C("rows", "int"), C("skipped", "int", help="Rows left out by filters (codes, years, ...)."),
        C("years", "json"), C("imported", "timestamp"),
    ), key=("import_id",), migration=10,
        help="One row per imported file (provenance); an import of several files writes several "
             "rows in one transaction.",
        reference=False),
]}

ALL_TABLES: dict[str, Table] = {**TABLES, **RESULT_TABLES}
