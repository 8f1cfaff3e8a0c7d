"""The data behind each page, as JSON: one function per panel, each a call into the library.

A panel whose library API has not landed yet answers `{"available": false, "missing": ...}`
so the page can say "not available yet" instead of failing.
"""
from __future__ import annotations

import json

import numpy as np
from collections.abc import Callable

import pandas as pd

from chokepoint import briefing
from chokepoint.errors import NotFound, list_as_string
from chokepoint.trade import concentration
from chokepoint.web import charts
from chokepoint.workbench import Workbench


class Unavailable(Exception):
    """A library API the panel needs is not installed in this build yet."""

    def __init__(self, api: str):
        self.api = api
        super().__init__(f"{api} is not available yet")


def api(wb: Workbench, dotted: str) -> Callable:
    """Resolve 'news.events' to `wb.news.events`, or raise Unavailable naming it."""
    obj = wb
    for i, part in enumerate(dotted.split(".")):
        try:
            obj = getattr(obj, part)
        except (ModuleNotFoundError, AttributeError) as exc:
            raise Unavailable("wb." + ".".join(dotted.split(".")[: i + 1])) from exc
    return obj


def table(df: pd.DataFrame, limit: int | None = None) -> dict:
    """A frame as {columns, rows} of JSON values (NaN → null, dates → ISO strings)."""
    df = df if limit is None else df.head(limit)
    df = df.mask(df.isin([np.inf, -np.inf]))  # not `replace`: it would downcast object columns (FutureWarning)
    for col in df.columns[[pd.api.types.is_datetime64_any_dtype(t) for t in df.dtypes]]:
        midnight = (df[col].dropna().dt.normalize() == df[col].dropna()).all()
        df[col] = df[col].dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M")
    records = json.loads(df.to_json(orient="split", date_format="iso", index=False, default_handler=str))
    return {"columns": records["columns"], "rows": records["data"], "total": int(len(df))}


def guarded(fn: Callable[..., dict]) -> Callable[..., dict]:
    """Wrap a panel so a missing API becomes a payload the page renders as 'not available yet'."""
    def run(*args, **kwargs) -> dict:
        try:
            return {"available": True, **fn(*args, **kwargs)}
        except Unavailable as exc:
            return {"available": False, "missing": exc.api}
    run.__name__, run.__doc__ = fn.__name__, fn.__doc__
    return run


def _families(wb: Workbench) -> list[str]:
    rows = wb.store.con.execute("SELECT DISTINCT family FROM stage ORDER BY family").fetchall()
    return [r[0] for r in rows]


def merge_sources(*panels: dict) -> dict:
    """One source list from several panels' `sources` tables (deduplicated by key)."""
    tables = [p["sources"] for p in panels if p.get("available") and p.get("sources")]
    rows = {r[0]: r for t in tables for r in t["rows"]}
    columns = tables[0]["columns"] if tables else ["key", "publisher", "title", "year", "url"]
    return {"columns": columns, "rows": [rows[k] for k in sorted(rows)], "total": len(rows)}


def _sources(wb: Workbench, keys) -> dict:
    keys = sorted({k for k in keys if isinstance(k, str) and k})
    df = wb.store.df("SELECT key, publisher, title, year, url FROM source "
                     "WHERE key IN (SELECT unnest(?::VARCHAR[])) ORDER BY key", [keys])
    return table(df)


# -- overview -------------------------------------------------------------------------
@guarded
def chokepoints(wb: Workbench, focus: str = "CHN") -> dict:
    """Per material family: the chokepoint stage (highest HHI) and each stage's concentration."""
    rows, details, keys = [], [], set()
    for family in _families(wb):
        conc = concentration.stage_concentration(wb.store, family, focus=focus)
        if conc.empty:
            continue
        keys |= {s.strip() for v in conc["source"] for s in str(v).split(",")}
        stage = concentration.chokepoint_stage(conc)
        rows.append(conc[conc["stage"] == stage].iloc[0].to_dict() | {"family": family})
        details.append({"family": family, "chokepoint": stage, "stages": table(conc.drop(columns=["ord"]))})
    summary = pd.DataFrame(rows)
    figure = None
    if len(summary):
        summary = summary.sort_values("hhi", ascending=False)
        cols = ["family", "stage", "year", "top_producer", "top_share", f"{focus.lower()}_share", "top3_share",
                "hhi", "hhi_is_lower_bound", "source"]
        summary = summary[cols].rename(columns={"stage": "chokepoint"})
        figure = charts.to_json(charts.chokepoint_figure(summary, focus))
    return {"summary": table(summary), "figure": figure, "families": details, "sources": _sources(wb, keys)}


@guarded
def dependencies(wb: Workbench, country: str) -> dict:
    """A country's published supplier shares and import totals, largest first."""
    found = {}
    for family in _families(wb):
        for name, df in briefing.supply_sources(wb.store, country, family).items():
            found.setdefault(name, []).append(df)
    frames = {k: pd.concat(v, ignore_index=True).drop_duplicates() for k, v in found.items()}
    shares = frames.get("partner_shares", pd.DataFrame())
    totals = frames.get("import_totals", pd.DataFrame())
    keys = set(shares.get("source", [])) | set(totals.get("source", []))
    return {"partner_shares": table(shares, 40), "import_totals": table(totals, 40),
            "sources": _sources(wb, keys)}


@guarded
def exposure(wb: Workbench, country: str) -> dict:
    """The country's imported products ranked by dependency (`wb.exposure.screen`), with names."""
    df = api(wb, "exposure.screen")(country=country, top=25)
    codes = wb.store.df("SELECT code, min(description) AS description, min(family) AS family, "
                        "min(stage) AS stage FROM trade_code GROUP BY code")
    df = df.merge(codes, on="code", how="left")
    cols = ["code", "description", "family", "stage", "year", "value", "top_supplier", "top_share", "chn_share",
            "hhi", "n_suppliers", "dependent"]
    return {"screen": table(df[[c for c in cols if c in df.columns]])}


@guarded
def signals(wb: Workbench) -> dict:
    """Latest news signals (scenario hints raised by events)."""
    return {"signals": table(api(wb, "news.signals")(), 20)}


# -- material -------------------------------------------------------------------------
@guarded
def material(wb: Workbench, material: str, country: str) -> dict:
    """Stage shares by country, flows into the country as a Sankey, and the sources used."""
    shares = concentration.stage_shares(wb.store, material)
    family = concentration.family_of(wb.store, material)
    flows = briefing.supply_sources(wb.store, country, family)["mirror_flows"]
    figures = {}
    if not shares.empty:
        figures["stage_shares"] = charts.to_json(charts.stage_share_figure(
            shares, f"World output of {material} by stage and country"))
    sankey = _sankey_frame(wb, flows, family, country)
    if not sankey.empty:
        figures["sankey"] = charts.to_json(charts.sankey_figure(
            sankey, f"Imports into {country} by supplier and stage, latest year per product (USD)"))
    try:  # the country's own customs figures, beside the mirror flows (which may be other years)
        reported = api(wb, "exposure.reported")(country, family)
    except NotFound:
        reported = pd.DataFrame()
    keys = set(shares.get("source", [])) | set(flows.get("source", [])) | set(reported.get("source", []))
    return {"material": material, "family": family, "figures": figures,
            "shares": table(shares), "flows": table(flows, 100), "reported": table(reported, 100),
            "sources": _sources(wb, keys)}


def _sankey_frame(wb: Workbench, flows: pd.DataFrame, family: str, country: str) -> pd.DataFrame:
    """Supplier → stage → country links from each product's latest year of flows (value in USD).

    A product that maps to a stage of the family (trade_code) is drawn under that stage;
    a named group (e.g. 'Rare Earths') under its own name.
    """
    if flows.empty:
        return pd.DataFrame(columns=["source", "target", "value"])
    f = flows.dropna(subset=["value_usd"])
    f = f[f["value_usd"] > 0]
    f = f[f["year"] == f.groupby("product")["year"].transform("max")]
    codes = wb.store.df("SELECT code, min(stage) AS stage FROM trade_code WHERE family = ? GROUP BY code",
                        [family]).set_index("code")["stage"]
    f = f.assign(node=[f"stage: {codes[p]}" if p in codes.index else str(p) for p in f["product"]])
    first = f.groupby(["exporter", "node"], as_index=False)["value_usd"].sum()
    second = f.groupby("node", as_index=False)["value_usd"].sum()
    return pd.concat([
        pd.DataFrame({"source": first["exporter"], "target": first["node"], "value": first["value_usd"]}),
        pd.DataFrame({"source": second["node"], "target": country, "value": second["value_usd"]}),
    ], ignore_index=True)


# -- scenario -------------------------------------------------------------------------
@guarded
def scenarios(wb: Workbench) -> dict:
    """Named scenarios and the runs stored so far."""
    names = api(wb, "chain.scenarios")()
    runs = api(wb, "chain.runs")()
    cols = [c for c in ("run_id", "created", "scenario", "kind", "engine", "seed") if c in runs.columns]
    return {"scenarios": list(names), "runs": table(runs[cols], 50)}


@guarded
def montecarlo_limit(wb: Workbench, scenario: str, country: str, limit: float) -> dict:
    """The most Monte Carlo draws of `scenario` the server's cost limit allows (`chain.cost.draws`)."""
    one = api(wb, "chain.estimate_draws")(load_named(wb, scenario), country=country, n=1)
    return {"most_draws": int(limit // one)}


@guarded
def scenario_spec(wb: Workbench, name: str) -> dict:
    """A named scenario's full specification (editable on the page)."""
    sc = load_named(wb, name)
    return {"name": name, "spec": json.loads(sc.model_dump_json())}


def run_scenario(wb: Workbench, run_id: str | None, names: list[str]) -> str | None:
    """The named scenario a stored run ran, so the picker shows the run on display (None if unnamed)."""
    if not run_id:
        return None
    row = wb.store.con.execute("SELECT scenario FROM run WHERE run_id = ?", [run_id]).fetchone()
    return row[0] if row and row[0] in names else None


def load_named(wb: Workbench, name: str):
    """A named scenario; only listed names, so a web request can never make it read a file path."""
    names = list(api(wb, "chain.scenarios")())
    if name not in names:
        raise NotFound(f"unknown scenario '{name}'", field="scenario",
                       hint=f"scenarios are {list_as_string(names)}")
    return api(wb, "chain.load_scenario")(name)


@guarded
def run_result(wb: Workbench, run_id: str) -> dict:
    """A stored run: its spec, summary and one chart per variable."""
    res = api(wb, "chain.result")(run_id)
    figs = charts.run_figures(res.series)
    from chokepoint.chain.results import readable

    tables = {k: table(v) for k, v in readable(res.summary).items()} if "stocks" in res.summary else {}
    out = {"run_id": res.run_id, "spec": _json_safe(res.spec), "summary": _json_safe(res.summary), "tables": tables,
           "figures": {k: charts.to_json(f) for k, f in figs.items()},
           "has_bands": bool(res.series["quantile"].nunique() > 1) if len(res.series) else False}
    if "cvar95_shortfall_t" in res.summary:  # a Monte Carlo run: its risk figures as the CLI prints them
        from chokepoint.chain import montecarlo

        out["risk"] = table(montecarlo.risk_table(res.summary))
        out["risk_sectors"] = table(montecarlo.sector_table(res.summary))
    return out


@guarded
def impact(wb: Workbench, run_id: str) -> dict:
    """A stored run's value added at risk (wb.economy.impact): focal sectors, weekly output, sources."""
    from chokepoint.cli.impact import COLUMNS
    from chokepoint.economy.charts import figure

    imp = api(wb, "economy.impact")(run_id)
    focal = imp.sectors[imp.sectors["region"] == imp.totals["region"]].sort_values("va_at_risk", ascending=False)
    return {"totals": _json_safe(imp.totals), "notes": imp.notes,
            "sectors": table(focal[list(COLUMNS)].rename(columns=COLUMNS)),
            "figure": charts.to_json(figure(imp)), "sources": table(api(wb, "economy.sources")(imp.sources))}


def _json_safe(obj):
    """Round-trip through JSON so NaN/inf, numpy scalars and dates serialise."""
    def default(v):
        return v.item() if hasattr(v, "item") else str(v)
    text = json.dumps(obj, default=default, allow_nan=True)
    return json.loads(text, parse_constant=lambda c: None if c in ("NaN", "Infinity", "-Infinity") else c)


# -- plan -----------------------------------------------------------------------------
@guarded
def plans(wb: Workbench) -> dict:
    """Named scenarios a plan can run on, and the plan runs stored so far."""
    api(wb, "policy.plan")
    from chokepoint.policy import results

    return {"scenarios": list(api(wb, "chain.scenarios")()), "runs": table(results.runs(wb), 50)}


@guarded
def plan_limit(wb: Workbench, scenario: str, country: str, limit: float) -> dict:
    """The most draws a plan of `scenario` may ask for under the server's cost limit."""
    api(wb, "policy.plan")
    from chokepoint.policy import limits

    sc = load_named(wb, scenario)
    return {"most_draws": limits.most_draws(wb, sc, country, limit), "evaluations": limits.evaluations()}


@guarded
def plan_result(wb: Workbench, run_id: str) -> dict:
    """A stored plan: portfolio, risk in and out of sample, frontier (table and chart), each lever alone."""
    api(wb, "policy.plan")
    from chokepoint.policy import results

    rec = results.load(wb, run_id)
    return {"run_id": rec.run_id, "title": rec.title(), "scenario": rec.summary["scenario"],
            "summary": _json_safe(rec.summary),
            "tables": {"headline": table(results.headline(rec)), "portfolio": table(results.portfolio(rec)),
                       "risk": table(results.risk(rec.summary)), "frontier": table(results.frontier(rec)),
                       "alone": table(results.alone(rec.summary))},
            "figure": charts.to_json(charts.frontier_figure(rec.summary, f"Efficient frontier: {rec.title()}")),
            "sources": _sources(wb, results.source_keys(rec))}


# -- news -----------------------------------------------------------------------------
EVENT_FILTERS = ("type", "actor", "target", "commodity", "doc")
EVENT_COLUMNS = ["published", "type", "actor", "target", "commodities", "evidence", "amount", "unit", "date",
                 "tilt", "doc"]


@guarded
def events(wb: Workbench, **filters) -> dict:
    """Events matching the filters (type, actor, target, commodity, doc), newest articles first."""
    given = {k: v for k, v in filters.items() if k in EVENT_FILTERS and v}
    df = api(wb, "news.events")(**given)
    cols = [c for c in EVENT_COLUMNS if c in df.columns]
    return {"filters": given, "events": table(df[cols], 500)}


@guarded
def tilt(wb: Workbench, country: str, by: str = "month") -> dict:
    """The alignment index of a country per period (mean tilt, −1 China … +1 US), with its chart."""
    df = api(wb, "news.tilt")(country, by=by)
    fig = charts.tilt_figure(df, f"Alignment index of {country} by {by} (−1 toward China, +1 toward the US)") \
        if len(df) else None
    return {"tilt": table(df), "figure": charts.to_json(fig) if fig is not None else None}


@guarded
def duplicates(wb: Workbench) -> dict:
    """Groups of copied or retold articles, with their titles."""
    dups = api(wb, "news.duplicates")()
    docs = api(wb, "news.documents")().set_index("doc_id")
    rows = [{"group": g.group, "method": g.method, "doc": d, "outlet": docs.at[d, "outlet"] if d in docs.index else None,
             "title": docs.at[d, "title"] if d in docs.index else None}
            for g in dups.itertuples() for d in g.docs]
    return {"duplicates": table(pd.DataFrame(rows, columns=["group", "method", "doc", "outlet", "title"]), 200),
            "groups": int(len(dups))}


@guarded
def claims(wb: Workbench, country: str | None = None) -> dict:
    """Numeric claims checked against the reference data, and contradictory framings."""
    found = api(wb, "news.claims")()
    conflicts = api(wb, "news.conflicts")(country)
    return {"claims": table(found, 200), "conflicts": table(conflicts, 200)}
