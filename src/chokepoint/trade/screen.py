"""The full dependency screen at trade-database scale: every metric of `exposure.screen_sql`,
computed over dense integer group keys in NumPy.

Why by hand: the screen needs ten aggregates per (year, importer, product) group plus each
group's total for the meaningful-supplier count, over ~10 million rows and ~1 million groups.
DuckDB's hash aggregate does that in 3-4x the time of a plain HHI query (list, window or
join-back for the count; measured in benchmarks/exposure.py). Countries (a few hundred) and
HS6 codes (at most 10^6) give every group a dense integer id, so each metric is one
`np.bincount` (a sequential O(n) scatter, no hashing) and the group totals are an array
lookup. DuckDB does the scan and the filter; the store's keys are integers already.

Only for flows with one row per (year, exporter, importer, code) (a BACI import); other
sources go through `exposure.screen_sql`, which stays the reference definition (the tests
check both give the same frame).
"""
from __future__ import annotations

from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd

from chokepoint.errors import ChokepointError
from chokepoint.trade.exposure import EU_EXPORT_RATIO, EU_HHI, EU_IMPORT_SHARE, Selection
from chokepoint.trade.importer import country_codes

COLUMNS = ["year", "importer", "code", "value", "hhi", "top_supplier", "top_share", "partner_share",
           "bloc_share", "n_suppliers", "n_any", "extra_hhi", "extra_share", "extra_value",
           "exports", "export_ratio", "c_concentration", "c_import_share", "c_substitution",
           "dependent"]
DIGITS = 1_000_000  # HS6 codes are 6-digit strings (both importers check it), so code::INTEGER < 10^6


def _fetch(con: duckdb.DuckDBPyConnection, src: str, sel: Selection) -> tuple[dict, list[str], list[int]]:
    """The selected flows as integer arrays: year offset, exporter and importer (index into the
    sorted country names), code, value; with the names and the years (min to max).

    `src` has `trade_flow`'s integer keys (ISO numeric countries, integer codes): they are
    read as they are and turned into name indices by a 1000-entry lookup table.
    """
    codes = country_codes(con)
    names = sorted(codes)
    lut = np.full(1000, -1, dtype=np.int16)  # ISO 3166-1 numeric codes have 3 digits
    lut[[codes[n] for n in names]] = np.arange(len(names))
    where, params = replace(sel, code=None, country=None).where()
    if sel.code is not None:
        prefixes = [sel.code] if isinstance(sel.code, str) else list(sel.code)
        where += " AND (" + " OR ".join("starts_with(lpad(code::VARCHAR, 6, '0'), ?)" for _ in prefixes) + ")"
        params += prefixes
    if sel.country is not None:
        wanted = [sel.country] if isinstance(sel.country, str) else list(sel.country)
        where += f" AND importer IN ({', '.join(str(codes.get(c, -1)) for c in wanted)})"
    arrays = con.execute(f'SELECT year AS y, exporter AS e, importer AS i, code AS k, "{sel.measure}" AS v '
                         f"FROM {src} WHERE {where}", params).fetchnumpy()
    a = {k: np.asarray(v) for k, v in arrays.items()}
    a["e"], a["i"] = lut[a["e"]], lut[a["i"]]
    if len(a["e"]) and min(a["e"].min(), a["i"].min()) < 0:
        raise ChokepointError("trade_flow has a country code missing from the country table")
    lo = int(a["y"].min()) if len(a["y"]) else 0
    a["y"] = a["y"] - lo
    return a, names, list(range(lo, lo + int(a["y"].max()) + 1)) if len(a["y"]) else []


def _groups(a: dict, n_countries: int, n_years: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Dense group ids (year, importer, code) per row, the codes present, and the id space."""
    present = np.flatnonzero(np.bincount(a["k"], minlength=DIGITS))
    lut = np.zeros(DIGITS, dtype=np.int64)
    lut[present] = np.arange(len(present))
    n_codes = len(present)
    kk = lut[a["k"]]
    g = (a["y"].astype(np.int64) * n_countries + a["i"]) * n_codes + kk
    return g, present, n_codes, n_years * n_countries * n_codes


def _metrics(a: dict, names: list[str], years: list[int], sel: Selection) -> pd.DataFrame:
    """Every screen column per group, one bincount per aggregate (see module docstring)."""
    e, i, v = a["e"], a["i"], a["v"]
    n_c = len(names)
    g, codes, n_codes, size = _groups(a, n_c, len(years))
    total = np.bincount(g, v, size)
    ss = np.bincount(g, v * v, size)
    n_any = np.bincount(g, minlength=size)
    top_v = np.zeros(size)
    np.maximum.at(top_v, g, v)
    is_top = v == top_v[g]
    top_e = np.full(size, n_c, dtype=e.dtype)  # same dtype as e: ufunc.at's fast path
    np.minimum.at(top_e, g[is_top], e[is_top])  # ties: the first supplier in ISO3 order
    in_bloc = np.isin(np.array(names, dtype=object), list(sel.bloc))
    partner = names.index(sel.partner) if sel.partner in names else -1
    partner_v = np.bincount(g, np.where(e == partner, v, 0.0), size)
    bloc_v = np.bincount(g, np.where(in_bloc[e], v, 0.0), size)
    extra = np.where(in_bloc[e] & in_bloc[i], 0.0, v)
    extra_v = np.bincount(g, extra, size)
    extra_ss = np.bincount(g, extra * extra, size)
    n_sup = np.bincount(g, minlength=size, weights=v > sel.threshold * total[g]).astype(np.int64)
    # The importer's own exports of the product: the same rows keyed by exporter instead.
    own = g + (e.astype(np.int64) - i) * n_codes  # (year, e, code) in the layout of g
    exports = np.bincount(own, v, size)
    idx = np.flatnonzero(n_any)
    with np.errstate(divide="ignore", invalid="ignore"):
        hhi = ss / (total * total)
        extra_hhi = np.where(extra_v > 0, extra_ss / (extra_v * extra_v), np.nan)
        ratio = np.where(exports > 0, extra_v / exports, np.inf)
    concentrated = np.nan_to_num(extra_hhi, nan=0.0) > EU_HHI
    import_share = extra_v > EU_IMPORT_SHARE * total
    substitution = (exports == 0) | (ratio > EU_EXPORT_RATIO)
    dependent = concentrated & import_share & substitution
    # Ranked here, on the arrays, so each column is gathered once: dependent, HHI, value.
    # Three stable argsorts, last key first (what np.lexsort does, in about half the time).
    for key in (-total, -hhi, ~dependent):
        idx = idx[np.argsort(key[idx], kind="stable")]
    tot, ev, ex = total[idx], extra_v[idx], exports[idx]
    names_arr = np.array(names + [None], dtype=object)
    labels = np.array([f"{c:06d}" for c in codes], dtype=object)
    out = pd.DataFrame({
        "year": np.asarray(years, dtype=np.int32)[idx // (n_c * n_codes)],
        "importer": names_arr[(idx // n_codes) % n_c], "code": labels[idx % n_codes],
        "value": tot, "hhi": hhi[idx], "top_supplier": names_arr[top_e[idx]],
        "top_share": top_v[idx] / tot, "partner_share": partner_v[idx] / tot,
        "bloc_share": bloc_v[idx] / tot, "n_suppliers": n_sup[idx], "n_any": n_any[idx].astype(np.int64),
        "extra_hhi": extra_hhi[idx], "extra_share": ev / tot, "extra_value": ev, "exports": ex,
        "export_ratio": ratio[idx], "c_concentration": concentrated[idx],
        "c_import_share": import_share[idx], "c_substitution": substitution[idx],
        "dependent": dependent[idx]}, copy=False)  # no block consolidation: one copy less
    return out


def screen_frame(con: duckdb.DuckDBPyConnection, src: str, sel: Selection) -> pd.DataFrame:
    """`exposure.screen_sql` for unique flows of every importer, ranked dependent first, then
    by HHI and value (same columns and values; ties of the top supplier go to the first ISO3)."""
    a, names, years = _fetch(con, src, sel)
    if not len(a["v"]):
        types = {"year": "int32", "importer": object, "code": object, "top_supplier": object,
                 "n_suppliers": "int64", "n_any": "int64"} | dict.fromkeys(COLUMNS[-4:], bool)
        return pd.DataFrame({c: pd.Series(dtype=types.get(c, "float64")) for c in COLUMNS})
    return _metrics(a, names, years, sel)
