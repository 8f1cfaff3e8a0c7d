"""The full dependency screen at trade-database scale: every metric of `exposure.screen_sql`,
computed over dense integer group keys by a compiled two-pass kernel.

Why by hand: the screen needs ten aggregates per (year, importer, product) group plus each
group's total for the meaningful-supplier count, over ~10 million rows and ~1 million groups.
DuckDB's hash aggregate does that in 3-4x the time of a plain HHI query (list, window or
join-back for the count), and NumPy needs one full pass per aggregate (measured in
benchmarks/exposure.py). Countries (a few hundred) and HS6 codes (at most 10^6) give every
group a dense integer id, so `_accumulate` (numba) updates each group's sums in one pass with
no hashing, and counts the meaningful suppliers in a second. DuckDB does the scan and the
filter; the store's keys are integers already.

Only for flows with one row per (year, exporter, importer, code) (a BACI import); other
sources go through `exposure.screen_sql`, which stays the reference definition (the tests
check both give the same frame).
"""
from __future__ import annotations

from dataclasses import replace

import duckdb
import numba
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


def _fetch(con: duckdb.DuckDBPyConnection, src: str, sel: Selection) -> tuple[dict, list[str], np.ndarray]:
    """The selected flows as arrays y, e, i, k, v (year, exporter, importer, code, value) with
    `trade_flow`'s integer keys as stored, the sorted country names, and the lookup table from
    ISO numeric code to name index (-1 where the country table has no such code)."""
    codes = country_codes(con)
    names = sorted(codes)
    lut = np.full(1000, -1, dtype=np.int64)  # ISO 3166-1 numeric codes have 3 digits
    lut[[codes[n] for n in names]] = np.arange(len(names))
    where, params = replace(sel, code=None, country=None).where()
    if sel.code is not None:
        prefixes = [sel.code] if isinstance(sel.code, str) else list(sel.code)
        where += " AND (" + " OR ".join("starts_with(lpad(code::VARCHAR, 6, '0'), ?)" for _ in prefixes) + ")"
        params += prefixes
    if sel.country is not None:
        wanted = [sel.country] if isinstance(sel.country, str) else list(sel.country)
        where += f" AND importer IN ({', '.join(str(codes.get(c, -1)) for c in wanted)})"
    table = con.sql(f'SELECT year AS y, exporter AS e, importer AS i, code AS k, "{sel.measure}" AS v '
                    f"FROM {src} WHERE {where}", params=params).to_arrow_table()
    # Arrow columns without NULLs become NumPy arrays without a copy (the filter drops NULL values)
    return {c: table.column(c).to_numpy() for c in table.column_names}, names, lut


# Columns of the per-group accumulator, one row per group: a row's updates touch one line.
TOTAL, SQ, N_ANY, TOP_V, PARTNER, BLOC, EXTRA, EXTRA_SQ = range(8)


@numba.njit(cache=True, nogil=True, parallel=True)
def _keys(y, e, i, k, lut, y0, n_countries):  # pragma: no cover (JIT)
    """Per row: dense code index, exporter name index and bucket (year, importer), in
    parallel; with the distinct codes in order. A country code the lookup table does not
    know, or a code outside 0..999999, raises ValueError."""
    n = k.shape[0]
    seen = np.zeros(DIGITS, dtype=np.int32)
    for r in numba.prange(n):
        if 0 <= k[r] < DIGITS:
            seen[k[r]] = 1  # every thread writes the same value: the race is harmless
    codes = np.flatnonzero(seen)
    for c in range(codes.shape[0]):
        seen[codes[c]] = c
    kk = np.empty(n, dtype=np.int32)
    ex = np.empty(n, dtype=np.int16)
    bucket = np.empty(n, dtype=np.int64)
    bad = 0
    for r in numba.prange(n):
        a = lut[e[r]] if 0 <= e[r] < lut.shape[0] else -1
        b = lut[i[r]] if 0 <= i[r] < lut.shape[0] else -1
        ok = a >= 0 and b >= 0 and 0 <= k[r] < DIGITS
        if not ok:
            bad += 1
        kk[r], ex[r] = seen[k[r]] if ok else 0, a
        bucket[r] = (y[r] - y0) * n_countries + b
    if bad:
        raise ValueError("trade_flow has a country code missing from the country table, or a "
                         "code that is not HS6")
    return kk, ex, bucket, codes


@numba.njit(cache=True, nogil=True)
def _by_bucket(bucket, n_countries, n_buckets, kk, ex, v, n_codes):  # pragma: no cover (JIT)
    """Code index, exporter and value of the rows reordered by bucket (a stable counting
    sort, so rows keep their order within a bucket), where each bucket starts, and each
    (year, exporter, code)'s exports, summed in the counting pass (rows come in exporter
    order, so that scatter moves forward through memory)."""
    start = np.zeros(n_buckets + 1, dtype=np.int64)
    exports = np.zeros(n_buckets * n_codes)
    for r in range(bucket.shape[0]):
        start[bucket[r] + 1] += 1
        year = bucket[r] // n_countries
        exports[(year * n_countries + ex[r]) * n_codes + kk[r]] += v[r]
    start = np.cumsum(start)
    fill = start[:-1].copy()
    kk_s, e_s, v_s = np.empty_like(kk), np.empty_like(ex), np.empty_like(v)
    for r in range(bucket.shape[0]):
        p = fill[bucket[r]]
        kk_s[p], e_s[p], v_s[p] = kk[r], ex[r], v[r]
        fill[bucket[r]] = p + 1
    return kk_s, e_s, v_s, start, exports


@numba.njit(cache=True, nogil=True, parallel=True)
def _accumulate(kk, ex, bucket, v, n_buckets, n_codes, partner, in_bloc, threshold):  # pragma: no cover (JIT)
    """Every per-group sum of the screen, importer by importer.

    Why by hand (numba): NumPy needs one pass over all rows per aggregate (a dozen bincounts
    and ufunc.at calls) and DuckDB's hash aggregate cannot count "suppliers above 1% of the
    group total" without joining the totals back. Rows arrive sorted by exporter, so the
    groups (year, importer, code) they update are scattered over ~80 MB; a counting sort by
    bucket (year, importer) first makes each importer's rows contiguous and its groups (a
    few hundred KB) stay in cache while the rows update them, then count its meaningful
    suppliers. Buckets are independent, so they run in parallel. Sums run in row order
    within each group, as a sequential scan would. Returns (acc, top_e, n_sup, exports);
    group = bucket x code.
    """
    n_countries = in_bloc.shape[0]
    kk_s, e_s, v_s, start, exports = _by_bucket(bucket, n_countries, n_buckets, kk, ex, v, n_codes)
    size = n_buckets * n_codes
    acc = np.zeros((size, 8))
    top_e = np.full(size, n_countries, dtype=np.int64)
    n_sup = np.zeros(size, dtype=np.int64)
    for b in numba.prange(n_buckets):
        base, importer_in_bloc = b * n_codes, in_bloc[b % n_countries]
        for p in range(start[b], start[b + 1]):
            g, x, e = base + kk_s[p], v_s[p], e_s[p]
            acc[g, TOTAL] += x
            acc[g, SQ] += x * x
            acc[g, N_ANY] += 1.0
            if x > acc[g, TOP_V] or (x == acc[g, TOP_V] and e < top_e[g]):
                acc[g, TOP_V] = x
                top_e[g] = e
            if e == partner:
                acc[g, PARTNER] += x
            if in_bloc[e]:
                acc[g, BLOC] += x
            if not (in_bloc[e] and importer_in_bloc):
                acc[g, EXTRA] += x
                acc[g, EXTRA_SQ] += x * x
        for p in range(start[b], start[b + 1]):
            g = base + kk_s[p]
            if v_s[p] > threshold * acc[g, TOTAL]:
                n_sup[g] += 1
    return acc, top_e, n_sup, exports


@numba.njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def _criteria(acc, exports, group, hhi_cut, share_cut, ratio_cut):  # pragma: no cover (JIT)
    """Per group: value, HHI and the EU 2021 flag, what the ranking needs (parallel)."""
    n = group.shape[0]
    total, hhi, dependent = np.empty(n), np.empty(n), np.empty(n, dtype=np.bool_)
    for p in numba.prange(n):
        g = group[p]
        tot, extra, exp = acc[g, TOTAL], acc[g, EXTRA], exports[g]
        total[p] = tot
        hhi[p] = acc[g, SQ] / (tot * tot)
        concentrated = extra > 0 and acc[g, EXTRA_SQ] / (extra * extra) > hhi_cut
        ratio = extra / exp if exp > 0 else np.inf
        dependent[p] = concentrated and extra > share_cut * tot and (exp == 0 or ratio > ratio_cut)
    return total, hhi, dependent


@numba.njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def _columns(acc, exports, top_e, n_sup, group, hhi_cut, share_cut, ratio_cut):  # pragma: no cover (JIT)
    """Every output column of the groups in `group`'s order, in one parallel pass (as
    NumPy it was twenty passes over the output and a gather of the accumulator rows).
    Returns the FLOATS columns as a (10, n) array and the INTS as a (4, n) one; the fourth
    int packs the three EU criteria as bits 1, 2 and 4."""
    n = group.shape[0]
    f = np.empty((10, n))
    i = np.empty((4, n), dtype=np.int64)
    for p in numba.prange(n):
        g = group[p]
        tot, extra, exp = acc[g, TOTAL], acc[g, EXTRA], exports[g]
        extra_hhi = acc[g, EXTRA_SQ] / (extra * extra) if extra > 0 else np.nan
        ratio = extra / exp if exp > 0 else np.inf
        concentrated = extra > 0 and extra_hhi > hhi_cut
        import_share = extra > share_cut * tot
        substitution = exp == 0 or ratio > ratio_cut
        f[0, p], f[1, p], f[2, p] = tot, acc[g, SQ] / (tot * tot), acc[g, TOP_V] / tot
        f[3, p], f[4, p], f[5, p] = acc[g, PARTNER] / tot, acc[g, BLOC] / tot, extra_hhi
        f[6, p], f[7, p], f[8, p], f[9, p] = extra / tot, extra, exp, ratio
        i[0, p], i[1, p], i[2, p] = top_e[g], n_sup[g], np.int64(acc[g, N_ANY])
        i[3, p] = concentrated + 2 * import_share + 4 * substitution
    return f, i


FLOATS = ("value", "hhi", "top_share", "partner_share", "bloc_share", "extra_hhi", "extra_share",
          "extra_value", "exports", "export_ratio")
INTS = ("top", "n_suppliers", "n_any", "criteria")


def _rank(dependent: np.ndarray, hhi: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Order of the groups: dependent first, then by HHI, then by value, all descending.

    One unstable sort on HHI (several times faster than a stable one), then the few groups
    whose HHI ties are re-sorted by value (and group, so the order is fully determined),
    then a stable split on the flag.
    """
    order = np.argsort(-hhi)
    ranked = hhi[order]
    tied = np.zeros(len(order), dtype=bool)
    same = ranked[1:] == ranked[:-1]
    tied[1:] |= same
    tied[:-1] |= same
    at = np.flatnonzero(tied)  # runs of equal HHI: sorting them in place keeps HHI order
    sub = order[at]
    order[at] = sub[np.lexsort((sub, -total[sub], -hhi[sub]))]
    flag = dependent[order]
    return np.concatenate([order[flag], order[~flag]])


def _metrics(a: dict, names: list[str], lut: np.ndarray, sel: Selection) -> pd.DataFrame:
    """Every screen column per group, from the accumulated sums (see `_accumulate`)."""
    n_c = len(names)
    y0 = int(a["y"].min())
    n_buckets = (int(a["y"].max()) - y0 + 1) * n_c
    try:
        kk, ex, bucket, codes = _keys(a["y"], a["e"], a["i"], a["k"], lut, y0, n_c)
    except ValueError as err:
        raise ChokepointError(str(err)) from None
    in_bloc = np.isin(np.array(names, dtype=object), list(sel.bloc))
    partner = names.index(sel.partner) if sel.partner in names else -1
    n_codes = len(codes)
    acc, top_e, n_sup, exports = _accumulate(kk, ex, bucket, a["v"], n_buckets, n_codes, partner,
                                             in_bloc, sel.threshold)
    cuts = (EU_HHI, EU_IMPORT_SHARE, EU_EXPORT_RATIO)
    idx = np.flatnonzero(acc[:, N_ANY])  # the groups that exist
    total, hhi, dependent = _criteria(acc, exports, idx, *cuts)
    group = idx[_rank(dependent, hhi, total)]
    f, i = _columns(acc, exports, top_e, n_sup, group, *cuts)
    top, criteria = i[0], i[3]
    # Countries and codes as categoricals: codes into the name lists, no string per row.
    countries = pd.CategoricalDtype(names)
    out = {"year": (group // (n_c * n_codes) + y0).astype(np.int32),
           "importer": pd.Categorical.from_codes((group // n_codes) % n_c, dtype=countries, validate=False),
           "code": pd.Categorical.from_codes(group % n_codes, dtype=pd.CategoricalDtype([f"{c:06d}" for c in codes]),
                                             validate=False),
           "top_supplier": pd.Categorical.from_codes(np.where(top < n_c, top, -1), dtype=countries, validate=False),
           "n_suppliers": i[1], "n_any": i[2],
           "c_concentration": (criteria & 1) > 0, "c_import_share": (criteria & 2) > 0,
           "c_substitution": (criteria & 4) > 0, "dependent": criteria == 7}
    out |= dict(zip(FLOATS, f))
    return pd.DataFrame({c: out[c] for c in COLUMNS}, copy=False)  # no block consolidation: one copy less


def screen_frame(con: duckdb.DuckDBPyConnection, src: str, sel: Selection) -> pd.DataFrame:
    """`exposure.screen_sql` for unique flows of every importer, ranked dependent first, then
    by HHI and value (same columns and values; ties of the top supplier go to the first ISO3;
    importer, code and top supplier come as categoricals)."""
    a, names, lut = _fetch(con, src, sel)
    if not len(a["v"]):
        types = {"year": "int32", "importer": object, "code": object, "top_supplier": object,
                 "n_suppliers": "int64", "n_any": "int64"} | dict.fromkeys(COLUMNS[-4:], bool)
        return pd.DataFrame({c: pd.Series(dtype=types.get(c, "float64")) for c in COLUMNS})
    return _metrics(a, names, lut, sel)
