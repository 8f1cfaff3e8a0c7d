"""Benchmark: import a BACI-shaped year and run the full dependency screen at scale.

    .venv/bin/python benchmarks/exposure.py [--rows 10000000] [--threads 2]

Generates (once, cached in --workdir) a BACI-shaped yearly CSV with its country and product
dictionaries: about 230 countries and 5,000 HS6 codes, with exporters, importers and
products drawn from skewed (power-law-like) distributions so that, as in BACI, large
economies trade most products and small ones few (about 4% of the possible triples exist).
Then, in one run, prints:

- the baseline: DuckDB's bare read of the same file (every column parsed, nothing written);
- a warm-up: a 1,000-row import into a scratch store, which loads numba and the compiled
  BACI parser from its cache (once per process; printed, not counted as import time);
- import rows/s (validation included) through `Exposure.import_baci`, the whole call;
- screen seconds: `Exposure.screen()`, every metric for every importer and product;
- the floor: one hand-written DuckDB aggregate (HHI and top share per importer and product);
- the pandas reference: a plain single-pass pandas version of the same metrics (data
  already in memory, so only the computation is timed), also used to check the screen;
- peak memory (RSS high-water mark of this process, reset per phase via /proc/self/clear_refs)
and compares them with the targets of issue 3, saying PASS or FAIL for each.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

import chokepoint
from chokepoint import countries
from chokepoint.trade.importer import Filters, flows_sql

BIG = ["CHN", "USA", "DEU", "JPN", "KOR", "FRA", "ITA", "GBR", "NLD", "IND", "CAN", "BEL",
       "MEX", "ESP", "SGP", "TWN", "CHE", "VNM", "MYS", "AUS", "BRA", "POL", "THA", "RUS"]
BLOC = "USA,JPN,KOR,AUS,CAN,GBR,FRA,DEU,ITA,IND"  # a user-defined bloc for the bloc metrics
TARGET_ROWS_PER_S = 2_000_000
TARGET_PEAK_GB = 4.0


def rss_peak_mb() -> float:
    """Peak resident memory of this process since the last reset (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def country_table(n: int) -> pd.DataFrame:
    """n real countries (ISO numeric + ISO3), the largest traders first."""
    data = countries._coco().data[["ISO3", "ISOnumeric", "name_short"]].dropna()
    data = data[data["ISOnumeric"].astype(str).str.isdigit()]
    data["num"] = data["ISOnumeric"].astype(int)
    data = data.drop_duplicates("ISO3")
    first = data.set_index("ISO3").loc[[c for c in BIG if c in set(data["ISO3"])]].reset_index()
    rest = data[~data["ISO3"].isin(BIG)].sort_values("ISO3")
    out = pd.concat([first, rest]).head(n)
    if "TWN" in set(out["ISO3"]):  # BACI writes Taiwan as 490 'S19'
        out.loc[out["ISO3"] == "TWN", ["num", "ISO3"]] = [490, "S19"]
    return pd.DataFrame({"country_code": out["num"].values, "country_name": out["name_short"].values,
                         "country_iso2": "", "country_iso3": out["ISO3"].values})


def generate(folder: Path, rows: int, n_countries: int, n_codes: int, seed: int) -> Path:
    """Write BACI_HS22_Y2022_VBENCH.csv plus dictionaries into `folder` (cached)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / f"BACI_HS22_Y2022_VBENCH{rows}.csv"
    if data.exists():
        return data
    rng = np.random.default_rng(seed)
    ctab = country_table(n_countries)
    ctab.to_csv(folder / "country_codes_VBENCH.csv", index=False)
    chapters = rng.integers(1, 98, n_codes)
    codes = np.unique(chapters * 10000 + rng.integers(100, 9999, n_codes))
    while len(codes) < n_codes:
        codes = np.unique(np.concatenate([codes, rng.integers(10100, 979999, n_codes - len(codes))]))
    pd.DataFrame({"code": [f"{c:06d}" for c in codes], "description": "generated"}).to_csv(
        folder / "product_codes_HS22_VBENCH.csv", index=False)
    con = duckdb.connect()
    con.execute(f"SELECT setseed({(seed % 1000) / 1000})").fetchall()
    con.register("cc", pd.DataFrame({"idx": range(len(ctab)), "num": ctab["country_code"]}))
    con.register("pc", pd.DataFrame({"idx": range(len(codes)), "k": codes}))
    n_c, n_k = len(ctab), len(codes)
    t0 = time.perf_counter()
    # Skewed draws: index = floor(n * u^a), a > 1 favours the first (largest) countries and
    # the first codes; duplicates and self-trade are dropped, leaving `rows` distinct keys.
    con.execute(f"""
      COPY (
        WITH r AS (
          SELECT floor({n_c} * pow(random(), 2.2))::INT AS ei, floor({n_c} * pow(random(), 1.6))::INT AS ii,
                 floor({n_k} * pow(random(), 1.3))::INT AS ki, random() AS u1, random() AS u2
          FROM range({int(rows * 1.3)})),
        d AS (SELECT DISTINCT ON (ei, ii, ki) * FROM r WHERE ei <> ii LIMIT {rows})
        SELECT 2022 AS t, e.num AS i, m.num AS j, p.k AS k,
          round(exp(2 + 2.3 * sqrt(-2 * ln(greatest(u1, 1e-12))) * cos(2 * pi() * u2)), 3) AS v,
          CASE WHEN u2 < 0.05 THEN '         NA'
               ELSE round(exp(0.5 + 2 * sqrt(-2 * ln(greatest(u1, 1e-12))) * sin(2 * pi() * u2)), 3)::VARCHAR END AS q
        FROM d JOIN cc e ON e.idx = d.ei JOIN cc m ON m.idx = d.ii JOIN pc p ON p.idx = d.ki
        ORDER BY i, j, k
      ) TO '{data}' (HEADER)""")
    print(f"generated {rows:,} rows in {time.perf_counter() - t0:.1f} s: {data}", flush=True)
    return data


def pandas_screen(df: pd.DataFrame, partner: str, bloc: set[str]) -> pd.DataFrame:
    """The same metrics as `Exposure.screen`, written plainly in pandas (single pass of groupbys)."""
    keys = ["importer", "code"]
    v = df["value_usd"]
    g = df.groupby(keys, sort=False)
    total = g["value_usd"].transform("sum")
    share = v / total
    intra = df["exporter"].isin(bloc) & df["importer"].isin(bloc)
    extra_v = v.where(~intra, 0.0)
    extra_total = extra_v.groupby([df["importer"], df["code"]], sort=False).transform("sum")
    work = pd.DataFrame({
        "importer": df["importer"], "code": df["code"], "value": v, "sq": share * share,
        "partner": v.where(df["exporter"] == partner, 0.0), "bloc": v.where(df["exporter"].isin(bloc), 0.0),
        "meaningful": share > 0.01, "extra": extra_v,
        "extra_sq": (extra_v / extra_total.where(extra_total > 0)) ** 2})
    out = work.groupby(keys, sort=False).agg(
        value=("value", "sum"), hhi=("sq", "sum"), top_v=("value", "max"), partner=("partner", "sum"),
        bloc=("bloc", "sum"), n_suppliers=("meaningful", "sum"), extra=("extra", "sum"),
        extra_hhi=("extra_sq", "sum"))
    top = df.loc[v.groupby([df["importer"], df["code"]], sort=False).idxmax(), keys + ["exporter"]]
    out = out.join(top.set_index(keys)["exporter"].rename("top_supplier"))
    out["top_share"] = out.pop("top_v") / out["value"]
    out["partner_share"] = out.pop("partner") / out["value"]
    out["bloc_share"] = out.pop("bloc") / out["value"]
    out["extra_share"] = out["extra"] / out["value"]
    exports = df.groupby(["exporter", "code"], sort=False)["value_usd"].sum()
    exports.index = exports.index.set_names(keys)
    out = out.join(exports.rename("exports"))
    out["exports"] = out["exports"].fillna(0.0)
    ratio = (out["extra"] / out["exports"]).where(out["exports"] > 0, np.inf)
    out["dependent"] = (out["extra_hhi"] > 0.4) & (out["extra_share"] > 0.5) & (ratio > 1.0)
    return out.reset_index()


BARE_SUMS = "sum(t), sum(i), sum(j), sum(k), sum(v), sum(q)"


def bare_read(path: Path) -> str:
    """The yearly file read by DuckDB with the importer's column types, as a baseline."""
    return (f"read_csv('{path}', header=true, nullstr=['NA', '         NA', ''], columns={{'t': 'INTEGER', "
            "'i': 'INTEGER', 'j': 'INTEGER', 'k': 'INTEGER', 'v': 'DOUBLE', 'q': 'DOUBLE'})")


def timed(fn, repeat: int):
    """(median seconds, last result) over `repeat` runs."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result, times


def warm_up(work: Path, data: Path) -> float:
    """Import the first 1,000 rows of the data into a scratch store; returns the seconds."""
    head = work / "baci" / "warm" / "BACI_HS22_Y2022_VWARM.csv"
    head.parent.mkdir(exist_ok=True)
    with open(data) as src, open(head, "w") as dst:
        dst.writelines(line for _, line in zip(range(1001), src))
    scratch = work / "warm.duckdb"
    for f in (scratch, Path(f"{scratch}.wal")):
        f.unlink(missing_ok=True)
    t0 = time.perf_counter()
    with chokepoint.open(scratch) as wb:
        wb.exposure.import_baci(head, countries_file=work / "baci" / "country_codes_VBENCH.csv")
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--countries", type=int, default=230)
    ap.add_argument("--codes", type=int, default=5000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", default="/tmp/chokepoint-bench")
    ap.add_argument("--seed", type=int, default=20250404)
    ap.add_argument("--generate-only", action="store_true", help="Write the input files and stop.")
    args = ap.parse_args(argv)
    work = Path(args.workdir)
    data = generate(work / "baci", args.rows, args.countries, args.codes, args.seed)
    if args.generate_only:
        return 0
    store = work / "bench.duckdb"
    for f in (store, Path(f"{store}.wal")):
        f.unlink(missing_ok=True)

    wb = chokepoint.open(store)
    wb.build()  # a user's store has its reference data (countries) before any import
    wb.store.con.execute(f"SET threads = {args.threads}")
    wb.store.con.execute("SET enable_progress_bar = false")
    bare_s, _, _ = timed(lambda: wb.store.con.execute(f"SELECT {BARE_SUMS} FROM {bare_read(data)}").fetchall(), 1)
    print(f"bare CSV read (DuckDB, every column parsed, nothing written): {args.rows / bare_s:,.0f} rows/s "
          f"({bare_s:.2f} s)", flush=True)
    warm_s = warm_up(work, data)
    print(f"warm-up: a 1,000-row import into a scratch store, {warm_s:.2f} s (loads numba and the "
          f"compiled parser from its cache: once per process, not per row)", flush=True)
    reset_peak()
    t0 = time.perf_counter()  # the whole call: dictionaries, read, checks, write, commit
    report = wb.exposure.import_baci(data, countries_file=work / "baci" / "country_codes_VBENCH.csv",
                                     products_file=work / "baci" / "product_codes_HS22_VBENCH.csv",
                                     filters=Filters())
    import_s = time.perf_counter() - t0
    import_peak = rss_peak_mb()
    import_rate = report.rows / import_s
    print(f"import: {report.rows:,} rows in {import_s:.2f} s = {import_rate:,.0f} rows/s "
          f"({import_rate * bare_s / args.rows:.0%} of the bare read), bad rows {len(report.bad)}, "
          f"peak RSS {import_peak:,.0f} MB", flush=True)

    reset_peak()
    screen_s, screen, screen_runs = timed(lambda: wb.exposure.screen(bloc=BLOC), args.repeat)
    screen_peak = rss_peak_mb()
    print(f"screen: {len(screen):,} importer-product rows, median {screen_s:.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in screen_runs)}; the first includes compiling the "
          f"kernels when numba's cache is cold), peak RSS {screen_peak:,.0f} MB", flush=True)

    floor_sql = ("SELECT importer, code, sum(value_usd * value_usd) / (sum(value_usd) ^ 2) AS hhi, "
                 "max(value_usd) / sum(value_usd) AS top_share FROM trade_flow GROUP BY importer, code")
    floor_s, floor, floor_runs = timed(lambda: wb.store.df(floor_sql), args.repeat)
    print(f"floor query: {len(floor):,} rows, median {floor_s:.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in floor_runs)})", flush=True)

    flows = wb.store.df(f"SELECT exporter, importer, code, value_usd FROM {flows_sql(wb.store.con)} "
                        "WHERE value_usd > 0 AND exporter <> importer")
    members = {countries.to_iso3(c) for c in BLOC.split(",")}
    reset_peak()
    pandas_s, ref, pandas_runs = timed(lambda: pandas_screen(flows, "CHN", members), 1)
    pandas_peak = rss_peak_mb()
    print(f"pandas reference: {len(ref):,} rows in {pandas_s:.2f} s, peak RSS {pandas_peak:,.0f} MB",
          flush=True)

    merged = screen.merge(ref, on=["importer", "code"], suffixes=("", "_pd"))
    diffs = {c: float(np.nanmax(np.abs(merged[c].astype(float) - merged[f"{c}_pd"].astype(float))))
             for c in ("hhi", "top_share", "bloc_share", "extra_hhi", "extra_share", "n_suppliers")}
    agree = (len(merged) == len(ref) == len(screen) and max(diffs.values()) < 1e-9
             and (merged["dependent"] == merged["dependent_pd"]).all()
             and (merged["chn_share"] - merged["partner_share"]).abs().max() < 1e-9)
    wb.close()

    peak_gb = max(import_peak, screen_peak) / 1024
    checks = [
        ("import rows/s (validation included)", f"{import_rate:,.0f}", f">= {TARGET_ROWS_PER_S:,}",
         import_rate >= TARGET_ROWS_PER_S),
        ("screen / floor query", f"{screen_s / floor_s:.2f}x ({screen_s:.2f} s / {floor_s:.2f} s)", "<= 2x",
         screen_s <= 2 * floor_s),
        ("pandas / screen", f"{pandas_s / screen_s:.2f}x ({pandas_s:.2f} s / {screen_s:.2f} s)", ">= 2x",
         pandas_s >= 2 * screen_s),
        ("peak RSS, import and screen", f"{peak_gb:.2f} GB", f"< {TARGET_PEAK_GB} GB", peak_gb < TARGET_PEAK_GB),
        ("screen agrees with pandas", f"max |diff| {max(diffs.values()):.1e}", "< 1e-9, same rows",
         agree),
    ]
    print(f"\nrows {report.rows:,}, threads {args.threads}, duckdb {duckdb.__version__}")
    width = max(len(c[0]) for c in checks)
    for name, got, target, ok in checks:
        print(f"{name:<{width}}  {got:<32} target {target:<18} {'PASS' if ok else 'FAIL'}")
    return 0 if all(c[3] for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
