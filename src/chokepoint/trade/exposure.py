"""Import-dependency metrics (DESIGN section 3) as pure functions over bilateral flows.

Every metric takes the same keywords — `country` (importer), `material`, `code`, `stage`,
`year` and `by` (grouping columns) — and returns a DataFrame whose `attrs["unit"]` names
each column's unit. The formulas run as one DuckDB aggregate, so the same code serves a
100-row frame in a test and a 10-million-row store table in the full screen.

Flows: one row per (year, exporter, importer, code[, basis]) with a value column
(`value_usd` by default). For importer i, product or material k, year t, the supplier
shares are s_j = m_ij / sum_j m_ij over exporters j != i.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from chokepoint.errors import BadInput, list_as_string

MEASURES = ("value_usd", "quantity_t")  # the flow columns a metric may sum
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a grouping column: a plain name, nothing to escape
DEFAULT_BY: tuple[str, ...] = ("year", "importer")
MEANINGFUL = 0.01  # a supplier "counts" above 1% of the importer's supply (DESIGN section 3)

# EU 2021 strategic-dependency thresholds (Commission Staff Working Document SWD(2021) 352):
# concentration of extra-EU imports, their weight in total imports, and their ratio to EU exports.
EU_HHI = 0.4
EU_IMPORT_SHARE = 0.5
EU_EXPORT_RATIO = 1.0


@dataclass(frozen=True)
class Selection:
    """The shared keywords of every metric: which flows, grouped how."""

    country: str | Sequence[str] | None = None
    material: str | Sequence[str] | None = None
    code: str | Sequence[str] | None = None
    stage: str | Sequence[str] | None = None
    year: int | Sequence[int] | None = None
    by: tuple[str, ...] = DEFAULT_BY
    measure: str = "value_usd"
    partner: str = "CHN"
    bloc: frozenset[str] = field(default_factory=frozenset)
    bloc_name: str = "bloc"
    threshold: float = MEANINGFUL

    def __post_init__(self) -> None:
        # measure and by become SQL identifiers: only known measures and plain column names
        if self.measure not in MEASURES:
            raise BadInput(f"unknown measure '{self.measure}'", field="measure",
                           hint=f"measures are {list_as_string(MEASURES)}")
        bad = [b for b in self.by if not IDENT.fullmatch(b)]
        if bad:
            raise BadInput(f"'{bad[0]}' is not a column name", field="by")

    def where(self) -> tuple[str, list]:
        """SQL filter and parameters for the selection (codes match exactly or as prefixes)."""
        clauses, params = [f'"{self.measure}" > 0', "exporter <> importer"], []
        for col, val in (("importer", self.country), ("material", self.material),
                         ("stage", self.stage), ("year", self.year)):
            if val is not None:
                vals = [val] if isinstance(val, (str, int)) else list(val)
                clauses.append(f'"{col}" IN ({", ".join("?" * len(vals))})')
                params += vals
        if self.code is not None:
            codes = [self.code] if isinstance(self.code, str) else list(self.code)
            clauses.append("(" + " OR ".join("starts_with(code, ?)" for _ in codes) + ")")
            params += codes
        return " AND ".join(clauses), params


def _q(values: Iterable[str]) -> str:
    """A SQL list literal of quoted codes (ISO3 codes are validated upstream; quotes doubled)."""
    return "(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in sorted(values)) + ")" if values else "(NULL)"


def summary_sql(src: str, sel: Selection, unique: bool = False, order: bool = True) -> tuple[str, list]:
    """The one aggregate behind every metric, as SQL over relation `src`.

    `unique=True` skips the per-supplier pre-sum when `src` already has one row per group
    and exporter (a single BACI import grouped by year, importer and code).
    """
    by = ", ".join(f'"{b}"' for b in sel.by)
    where, params = sel.where()
    m = f'"{sel.measure}"'
    bloc = _q(sel.bloc)
    # Per row once: is the exporter the partner, in the bloc, and is the flow extra-bloc
    # (from outside the bloc when the importer is a member; every import otherwise).
    flags = (f"exporter = ? AS is_partner, coalesce(exporter IN {bloc}, false) AS in_bloc, "
             f"(exporter IN {bloc} AND importer IN {bloc}) IS NOT TRUE AS extra")
    if unique:
        sup = f"SELECT {by}, exporter, {m} AS v, {flags} FROM {src} WHERE {where}"
    else:
        sup = (f"SELECT *, {flags} FROM (SELECT {by}, exporter, any_value(importer) AS importer_, "
               f"sum({m}) AS v FROM {src} WHERE {where} GROUP BY ALL)").replace(
            "importer IN", "importer_ IN")
    # One hash aggregate does it all: the meaningful-supplier count needs the group total,
    # so the group's values are collected as a list and counted against it afterwards
    # (cheaper than a second pass joining every row back to its group's total).
    sql = f"""
    WITH s AS ({sup}),
    g AS (
      SELECT {by}, sum(v) AS total, sum(v * v) AS ss, arg_max(exporter, v) AS top_supplier,
             max(v) AS top_v, count(*) AS n_any, list(v) AS vs,
             coalesce(sum(v) FILTER (WHERE is_partner), 0) AS partner_v,
             coalesce(sum(v) FILTER (WHERE in_bloc), 0) AS bloc_v,
             coalesce(sum(v) FILTER (WHERE extra), 0) AS extra_v,
             coalesce(sum(v * v) FILTER (WHERE extra), 0) AS extra_ss
      FROM s GROUP BY {by})
    SELECT {by}, total AS value, ss / (total * total) AS hhi, top_supplier,
           top_v / total AS top_share, partner_v / total AS partner_share,
           bloc_v / total AS bloc_share,
           len(list_filter(vs, lambda x: x > ? * total)) AS n_suppliers, n_any,
           CASE WHEN extra_v > 0 THEN extra_ss / (extra_v * extra_v) END AS extra_hhi,
           extra_v / total AS extra_share, extra_v AS extra_value
    FROM g"""
    sql += f" ORDER BY {by}" if order else ""
    return sql, [sel.partner] + params + [sel.threshold]


def screen_sql(src: str, sel: Selection, unique: bool = False) -> tuple[str, list]:
    """The full dependency screen: every metric plus the EU 2021 criteria, in one statement.

    Adds, per group: `exports` (the importer's own exports of the same product, the EU
    substitutability proxy), `export_ratio` = extra-bloc imports / exports, the three
    criteria and `dependent`; rows are ranked dependent first, then by HHI and value.
    """
    inner, params = summary_sql(src, sel, unique, order=False)
    by = [b for b in sel.by if b != "importer"]
    xsel = Selection(year=sel.year, code=sel.code, material=sel.material, stage=sel.stage,
                     measure=sel.measure)
    xwhere, xparams = xsel.where()
    if sel.country is not None:
        countries = [sel.country] if isinstance(sel.country, str) else list(sel.country)
        xwhere += f" AND exporter IN ({', '.join('?' * len(countries))})"
        xparams += countries
    cols = ", ".join(f'"{b}"' for b in by)
    keys = ", ".join(f'"{b}"' for b in sel.by)
    sql = f"""
    WITH m AS ({inner}),
    x AS (SELECT exporter AS importer{", " + cols if cols else ""}, sum("{sel.measure}") AS exports
          FROM {src} WHERE {xwhere} GROUP BY ALL)
    SELECT m.*, coalesce(x.exports, 0) AS exports,
           CASE WHEN coalesce(x.exports, 0) > 0 THEN extra_value / x.exports
                ELSE 'Infinity'::DOUBLE END AS export_ratio,
           coalesce(extra_hhi, 0) > {EU_HHI} AS c_concentration,
           extra_share > {EU_IMPORT_SHARE} AS c_import_share,
           (x.exports IS NULL OR x.exports = 0 OR extra_value / x.exports > {EU_EXPORT_RATIO}) AS c_substitution,
           c_concentration AND c_import_share AND c_substitution AS dependent
    FROM m LEFT JOIN x USING ({keys})
    ORDER BY dependent DESC, hhi DESC, value DESC"""
    return sql, params + xparams


UNITS = {"value": "USD", "hhi": "0-1", "top_share": "fraction", "partner_share": "fraction",
         "bloc_share": "fraction", "n_suppliers": "count", "n_any": "count", "extra_hhi": "0-1",
         "extra_share": "fraction", "extra_value": "USD", "share": "fraction",
         "import_reliance": "fraction", "export_ratio": "ratio", "exports": "USD"}


def _run(flows: pd.DataFrame, sql: str, params: list) -> pd.DataFrame:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # keep stdout clean for CSV/JSON output
    try:
        con.register("flows", flows)
        return con.execute(sql, params).df()
    finally:
        con.close()


def _tag(df: pd.DataFrame, sel: Selection) -> pd.DataFrame:
    rename = {"partner_share": f"{sel.partner.lower()}_share",
              "bloc_share": f"{sel.bloc_name.lower()}_share"}
    units = {rename.get(c, c): UNITS[c] for c in df.columns if c in UNITS}
    df.columns = [rename.get(c, c) for c in df.columns]  # in place: rename() would copy every column
    df.attrs["unit"] = units
    return df


def _selection(kw: dict) -> Selection:
    if "bloc" in kw and kw["bloc"] is not None:
        kw["bloc"] = frozenset(kw["bloc"])
    if "by" in kw:
        kw["by"] = tuple([kw["by"]] if isinstance(kw["by"], str) else kw["by"])
    return Selection(**{k: v for k, v in kw.items() if v is not None})


def summary(flows: pd.DataFrame, **kw) -> pd.DataFrame:
    """Every supplier metric per group of `by` (see the individual functions for formulas)."""
    sel = _selection(kw)
    sql, params = summary_sql("flows", sel)
    return _tag(_run(flows, sql, params), sel)


def supplier_shares(flows: pd.DataFrame, **kw) -> pd.DataFrame:
    """Supplier shares s_j = m_ij / sum_j m_ij of each exporter j in each group of `by`."""
    sel = _selection(kw)
    by = ", ".join(f'"{b}"' for b in sel.by)
    where, params = sel.where()
    sql = (f'SELECT {by}, exporter, sum("{sel.measure}") AS value, sum("{sel.measure}") / '
           f'sum(sum("{sel.measure}")) OVER (PARTITION BY {by}) AS share FROM flows WHERE {where} '
           f"GROUP BY {by}, exporter ORDER BY {by}, share DESC, exporter")
    return _tag(_run(flows, sql, params), sel)


def _pick(flows: pd.DataFrame, cols: list[str], kw: dict) -> pd.DataFrame:
    sel = _selection(dict(kw))
    out = summary(flows, **kw)
    keep = list(sel.by) + [{"partner_share": f"{sel.partner.lower()}_share",
                            "bloc_share": f"{sel.bloc_name.lower()}_share"}.get(c, c) for c in cols]
    res = out[keep].copy()
    res.attrs["unit"] = {c: u for c, u in out.attrs["unit"].items() if c in keep}
    return res


def hhi(flows: pd.DataFrame, **kw) -> pd.DataFrame:
    """Herfindahl-Hirschman index of suppliers, HHI = sum_j s_j^2 (1/n <= HHI <= 1)."""
    return _pick(flows, ["hhi"], kw)


def top_supplier(flows: pd.DataFrame, **kw) -> pd.DataFrame:
    """Largest supplier j* = argmax_j m_ij and its share s_j* = max_j m_ij / sum_j m_ij."""
    return _pick(flows, ["top_supplier", "top_share"], kw)


def partner_share(flows: pd.DataFrame, **kw) -> pd.DataFrame:
    """Share of a named supplier p (keyword `partner`, default CHN): s_p = m_ip / sum_j m_ij."""
    return _pick(flows, ["partner_share"], kw)


def bloc_share(flows: pd.DataFrame, **kw) -> pd.DataFrame:
    """Share of a bloc B (keyword `bloc`, a set of ISO3 codes): sum_{j in B} m_ij / sum_j m_ij."""
    return _pick(flows, ["bloc_share"], kw)


def n_suppliers(flows: pd.DataFrame, **kw) -> pd.DataFrame:
    """Number of meaningful suppliers: #{j : s_j > threshold}, threshold 1% by default."""
    return _pick(flows, ["n_suppliers"], kw)


def import_reliance(imports: float, exports: float, production: float) -> float:
    """Import reliance = (M - X) / (P + M - X): net imports over apparent consumption.

    NaN when apparent consumption is not positive; negative for net exporters.
    """
    consumption = production + imports - exports
    return (imports - exports) / consumption if consumption > 0 else math.nan


def eu_dependency(flows: pd.DataFrame, exports: pd.DataFrame | None = None, **kw) -> pd.DataFrame:
    """EU 2021 strategic-dependency screen (SWD(2021) 352), per group of `by`.

    Criteria, all three must hold for `dependent`:
      1. concentration: HHI of extra-bloc imports = sum_j (m_ij / M_extra)^2 > 0.4;
      2. import share: M_extra / M_total > 0.5 (extra-bloc imports in total imports);
      3. substitutability: M_extra / X_i > 1, X_i the importer's own exports of the product
         (`exports`: frame with the `by` columns and `exports`; infinite when X_i = 0).
    Extra-bloc means from outside `bloc` when the importer is a member; all imports otherwise.
    """
    out = summary(flows, **kw)
    sel = _selection(dict(kw))
    if exports is not None and len(exports):
        out = out.merge(exports, on=list(sel.by), how="left")
    else:
        out["exports"] = 0.0
    return _tag(dependency_flags(out), sel)


def dependency_flags(df: pd.DataFrame) -> pd.DataFrame:
    """Add the three EU criteria and the `dependent` flag to a summary with an `exports` column."""
    exports = df["exports"].fillna(0.0)
    ratio = (df["extra_value"] / exports).where(exports > 0, math.inf)
    return df.assign(export_ratio=ratio,
                     c_concentration=df["extra_hhi"].fillna(0) > EU_HHI,
                     c_import_share=df["extra_share"] > EU_IMPORT_SHARE,
                     c_substitution=ratio > EU_EXPORT_RATIO,
                     dependent=lambda d: d.c_concentration & d.c_import_share & d.c_substitution)
