"""Data-quality checks on the store's reference tables (`chokepoint data check`).

Each check is a named function taking the store and returning the offending rows (empty
when the check passes); `run` applies them all. They look for what an audit of the bundled
tables found: one fact loaded twice under two sources of the same edition, shares mixing
bases, tables whose latest year is stale, sources without a licence, labels whose unit value
contradicts the material they name, and rows their source's licence does not let the
project ship.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from chokepoint.schema import TABLES
from chokepoint.store import Store

# Facts with a `source` in their key, and the column holding the figure.
FACT_VALUES = {"production": "value", "stage_share": "share", "trade": "value_usd",
               "import_total": "value_usd", "import_share": "share", "demand": "value",
               "price": "value", "governance": "value"}
# Tables and the column dating their rows; demand counts observed rows only (projections
# are dated in the future on purpose).
DATED = {"production": "year", "stage_share": "year", "trade": "year", "trade_monthly": "month",
         "import_total": "year", "import_share": "year", "demand": "year", "price": "year",
         "fx": "year", "governance": "year", "stock": "as_of"}
MAX_AGE_YEARS = 6        # a table whose newest row is older than this is stale
SHARE_SUM_TOLERANCE = 0.02
UNIT_VALUE_FACTOR = 10   # a label is contradicted below a tenth of the material's lowest price
# Licence wording `check_redistribution` reads (docs/data.md, "Licences"): a licence that
# begins 'restricted' forbids shipping the source's rows; 'cited aggregates at N significant
# figures' allows figures rounded to N significant figures, the full sheet being a user import.
RESTRICTED = re.compile(r"^\s*restricted\b", re.IGNORECASE)
CITED_AGGREGATES = re.compile(r"\bcited aggregates at (\d+) significant figures\b", re.IGNORECASE)


@dataclass
class CheckResult:
    name: str
    help: str
    problems: pd.DataFrame

    @property
    def ok(self) -> bool:
        return self.problems.empty


def check_duplicate_facts(store: Store, **_) -> pd.DataFrame:
    """The same figure stored twice for one fact under two sources of one publisher's same
    edition (same publisher, its first clause, and publication year): one is redundant."""
    src = store.df("SELECT key, publisher, year AS pub_year FROM source")
    # 'U.S. Geological Survey, National Minerals Information Center' is 'U.S. Geological Survey'
    src["publisher"] = src["publisher"].str.split(r"[,(]").str[0].str.strip()
    out = []
    for table, col in FACT_VALUES.items():
        df = store.table(table)
        if df.empty:
            continue
        keys = [k for k in TABLES[table].key if k != "source"]
        df = df.merge(src, left_on="source", right_on="key", how="left", suffixes=("", "_src"))
        grp = df.groupby(keys + [col, "publisher", "pub_year"], dropna=False)["source"]
        dup = grp.agg(["nunique", lambda s: ", ".join(sorted(set(s)))]).reset_index()
        dup = dup[dup["nunique"] > 1]
        for r in dup.itertuples(index=False):
            fact = "; ".join(f"{k}={getattr(r, k)}" for k in keys)
            out.append({"table": table, "fact": fact, "value": getattr(r, col), "sources": r[-1]})
    return pd.DataFrame(out, columns=["table", "fact", "value", "sources"])


def check_mixed_bases(store: Store, **_) -> pd.DataFrame:
    """One published share split mixing bases: a source's partner shares for one importer,
    material and year given on more than one basis (value and quantity), or adding up to
    more than the whole."""
    df = store.table("import_share")
    if df.empty:
        return pd.DataFrame(columns=["importer", "material", "year", "source", "problem"])
    g = df.groupby(["importer", "material", "year", "source"]).agg(
        bases=("basis", lambda s: ", ".join(sorted(set(s)))), n_bases=("basis", "nunique"),
        total=("share", "sum")).reset_index()
    bad = g[(g["n_bases"] > 1) | (g["total"] > 1 + SHARE_SUM_TOLERANCE)]
    problem = bad.apply(lambda r: f"bases {r['bases']}" if r["n_bases"] > 1
                        else f"shares add up to {r['total']:.3f}", axis=1) if len(bad) else []
    return bad.assign(problem=problem)[["importer", "material", "year", "source", "problem"]]


def check_stale_tables(store: Store, today: dt.date | None = None,
                       max_age: int = MAX_AGE_YEARS, **_) -> pd.DataFrame:
    """Tables whose newest row is more than `max_age` years before today."""
    year = (today or dt.date.today()).year
    out = []
    for table, col in DATED.items():
        where = " WHERE scenario = 'observed'" if table == "demand" else ""
        latest = store.con.execute(f'SELECT max("{col}") FROM "{table}"{where}').fetchone()[0]
        if latest is None:
            continue
        latest_year = latest if isinstance(latest, int) else latest.year
        if latest_year < year - max_age:
            out.append({"table": table, "latest": latest_year, "limit": year - max_age})
    return pd.DataFrame(out, columns=["table", "latest", "limit"])


def check_licences(store: Store, **_) -> pd.DataFrame:
    """Sources that record no licence (every shipped figure must say under what terms)."""
    return store.df("SELECT key, publisher FROM source WHERE licence IS NULL OR trim(licence) = '' "
                    "ORDER BY key")


def check_label_unit_values(store: Store, **_) -> pd.DataFrame:
    """Named trade groups whose unit value (USD/kg) is under a tenth of the lowest price of a
    material their label names: the label promises a material the flows cannot be."""
    groups = store.df("SELECT product, sum(value_usd) / sum(quantity_t) / 1000 AS usd_per_kg FROM trade_monthly "
                      "WHERE quantity_t > 0 AND value_usd > 0 GROUP BY product")
    prices = store.df("SELECT m.material, m.name, min(p.value) AS low FROM price p JOIN material m "
                      "USING (material) WHERE p.unit = 'USD/kg' GROUP BY ALL")
    out = []
    for g in groups.itertuples(index=False):
        label = str(g.product).lower()
        for p in prices.itertuples(index=False):
            words = {str(p.name).lower(), p.material.replace("-", " ")}
            if any(re.search(rf"\b{re.escape(w)}\b", label) for w in words) and \
                    g.usd_per_kg < p.low / UNIT_VALUE_FACTOR:
                out.append({"product": g.product, "usd_per_kg": g.usd_per_kg, "names": p.material,
                            "lowest_price_usd_per_kg": p.low})
    return pd.DataFrame(out, columns=["product", "usd_per_kg", "names", "lowest_price_usd_per_kg"])


def significant_digits(value: float) -> int:
    """Significant figures of a stored figure (trailing zeros of an integer do not count)."""
    mantissa = f"{abs(value):.12g}".split("e")[0].replace(".", "")
    return len(mantissa.strip("0"))


def check_redistribution(store: Store, **_) -> pd.DataFrame:
    """Rows the project may not ship under their source's licence: rows of a source whose
    licence is 'restricted', or figures finer than the significant figures a 'cited
    aggregates at N significant figures' licence allows (its full sheet is a user import)."""
    src = store.df("SELECT key, coalesce(licence, '') AS licence FROM source")
    restricted = set(src.loc[src["licence"].str.contains(RESTRICTED), "key"])
    digits = {r.key: int(m.group(1)) for r in src.itertuples(index=False)
              if (m := CITED_AGGREGATES.search(r.licence))}
    out = []
    for table in TABLES.values():
        if table.name == "source" or "source" not in table.names:
            continue
        figures = [c.name for c in table.columns if c.type == "float"]
        df = store.table(table.name)
        df = df[df["source"].isin(restricted | set(digits))]
        for key, rows in df.groupby("source"):
            if key in restricted:
                out.append({"table": table.name, "source": key, "rows": len(rows),
                            "problem": "licence forbids redistribution"})
                continue
            values = pd.concat([rows[c] for c in figures]).dropna() if figures else pd.Series(dtype=float)
            fine = values[values.map(significant_digits) > digits[key]]
            if len(fine):
                out.append({"table": table.name, "source": key, "rows": len(fine),
                            "problem": f"figures finer than {digits[key]} significant figures "
                                       f"(e.g. {fine.iloc[0]:.12g})"})
    return pd.DataFrame(out, columns=["table", "source", "rows", "problem"])


CHECKS: dict[str, Callable[..., pd.DataFrame]] = {
    "duplicate-facts": check_duplicate_facts,
    "mixed-bases": check_mixed_bases,
    "stale-tables": check_stale_tables,
    "licences": check_licences,
    "label-unit-values": check_label_unit_values,
    "redistribution": check_redistribution,
}


def run(store: Store, today: dt.date | None = None, max_age: int = MAX_AGE_YEARS) -> list[CheckResult]:
    """Every check, in order, with its offending rows."""
    return [CheckResult(name, " ".join((fn.__doc__ or "").split("\n\n")[0].split()),
                        fn(store, today=today, max_age=max_age))
            for name, fn in CHECKS.items()]


def coverage(store: Store) -> pd.DataFrame:
    """What the store holds per material family, stage and table: years, countries, sources.

    Production and published shares are world tables (countries = producers); trade is
    bilateral (countries = importers and exporters); prices, stocks and demand have no stage
    of their own and are listed under 'price', 'stock' and 'end-use'.
    """
    fam = "(SELECT family FROM material m WHERE m.material = t.material)"
    code_fam = ("(SELECT any_value(family) FROM trade_code c WHERE c.code = t.code)",
                "(SELECT any_value(stage) FROM trade_code c WHERE c.code = t.code)")
    parts = {
        "production": f"SELECT {fam} f, stage s, year y, iso3 c, source FROM production t WHERE measure = 'production'",
        "production_partial": (f"SELECT {fam} f, stage s, year y, iso3 c, source FROM production t "
                               "WHERE measure = 'production_partial'"),
        "capacity/reserves": (f"SELECT {fam} f, stage s, year y, iso3 c, source FROM production t "
                              "WHERE measure NOT IN ('production', 'production_partial')"),
        "stage_share": f"SELECT {fam} f, stage s, year y, iso3 c, source FROM stage_share t",
        "trade": f"SELECT {code_fam[0]} f, {code_fam[1]} s, year y, exporter || '>' || importer c, source FROM trade t",
        "trade_monthly": ("SELECT coalesce((SELECT any_value(family) FROM trade_code c WHERE c.code = t.product), "
                          "(SELECT any_value(family) FROM material m WHERE m.family = lower(replace(t.product, ' ', '-'))), "
                          "'(group) ' || t.product) f, coalesce((SELECT any_value(stage) FROM trade_code c "
                          "WHERE c.code = t.product), 'group') s, year(month) y, exporter || '>' || importer c, "
                          "source FROM trade_monthly t"),
        "import_share": f"SELECT {fam} f, 'imports' s, year y, importer || '<' || partner c, source FROM import_share t",
        "import_total": f"SELECT {fam} f, 'imports' s, year y, importer c, source FROM import_total t",
        "project": f"SELECT {fam} f, stage s, start_year y, host c, source FROM project t",
        "price": f"SELECT {fam} f, 'price' s, year y, NULL c, source FROM price t",
        "stock": f"SELECT {fam} f, 'stock' s, year(as_of) y, iso3 c, source FROM stock t",
        "demand": f"SELECT {fam} f, 'end-use' s, year y, iso3 c, source FROM demand t WHERE scenario = 'observed'",
    }
    frames = []
    for table, sql in parts.items():
        df = store.df(f"SELECT coalesce(f, '(unmapped)') AS family, s AS stage, min(y) AS first, max(y) AS last, "
                      f"count(DISTINCT c) AS countries, string_agg(DISTINCT source, ', ' ORDER BY source) AS sources, "
                      f"count(*) AS rows FROM ({sql}) GROUP BY ALL")
        frames.append(df.assign(table=table))
    out = pd.concat(frames, ignore_index=True)
    cols = ["family", "stage", "table", "first", "last", "countries", "rows", "sources"]
    return out[cols].sort_values(["family", "stage", "table"]).reset_index(drop=True)
