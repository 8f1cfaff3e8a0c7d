"""Build the bundled 6-region × 10-sector table from your own copy of the WIOD 2013 release (WIOT 2011).

    python scripts/build_io_table.py DIR [--out src/chokepoint/economy/data/wiod2011-6x10]

DIR holds the WIOT 2011 as converted from the R package bquast/wiod (`data/wiot_2011.RData`):
`wiod2013_wiot2011_intermediate_musd.parquet` (1435 × 1435, rows and columns `<ISO3>_c<N>`),
`wiod2013_wiot2011_final_demand_musd.parquet` (1435 × 205, columns `<ISO3>_FD<k>`) and
`wiod2013_wiot2011_gross_output.csv`. With `--xlsx FILE` it reads the release's own
`WIOT11_ROW_Sep12.xlsx` through pymrio's WIOD parser instead. Nothing here runs at run time:
the package ships the result and `chokepoint.economy.table.bundled()` reads it.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from chokepoint.economy import table as iot

# The EU as it stood in 2011 (27 members, United Kingdom included, Croatia not yet).
EU27_2011 = ("AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GBR GRC HUN IRL ITA LTU LUX LVA MLT NLD "
             "POL PRT ROU SVK SVN SWE").split()
REGIONS = {"KOR": "KOR", "CHN": "CHN", "JPN": "JPN", "USA": "USA", **{c: "EU" for c in EU27_2011}}

# WIOD 2013 35 industries (c1..c35) onto ten sectors an analyst of the mineral chain can read.
SECTORS = {
    "c1": "agri-food", "c3": "agri-food",
    "c2": "mining",
    "c8": "chemicals-fuels", "c9": "chemicals-fuels", "c10": "chemicals-fuels",
    "c11": "metals-minerals", "c12": "metals-minerals",
    "c13": "machinery",
    "c14": "electrical-optical",
    "c15": "transport-equipment",
    "c4": "other-manufacturing", "c5": "other-manufacturing", "c6": "other-manufacturing",
    "c7": "other-manufacturing", "c16": "other-manufacturing",
    "c17": "utilities-construction", "c18": "utilities-construction",
    **{f"c{i}": "services" for i in range(19, 36)},
}
LABELS = {
    "agri-food": "Agriculture, forestry, fishing; food, beverages, tobacco (c1, c3)",
    "mining": "Mining and quarrying (c2)",
    "chemicals-fuels": "Coke, refined petroleum, nuclear fuel; chemicals; rubber and plastics (c8-c10)",
    "metals-minerals": "Other non-metallic minerals; basic and fabricated metals (c11-c12)",
    "machinery": "Machinery n.e.c. (c13)",
    "electrical-optical": "Electrical and optical equipment: electronics, semiconductors, motors, batteries (c14)",
    "transport-equipment": "Transport equipment: motor vehicles, ships, aircraft (c15)",
    "other-manufacturing": "Textiles, leather, wood, paper, printing; manufacturing n.e.c., recycling (c4-c7, c16)",
    "utilities-construction": "Electricity, gas and water; construction (c17-c18)",
    "services": "Trade, transport, finance, public administration and defence, other services (c19-c35)",
}
SOURCE = "WIOD2013_WIOT2011"


def read_converted(folder: Path) -> iot.IOTable:
    """The 41 × 35 WIOT 2011 from the parquet/CSV files converted from bquast/wiod."""
    Z = pd.read_parquet(folder / "wiod2013_wiot2011_intermediate_musd.parquet").set_index("row_country_industry")
    Y = pd.read_parquet(folder / "wiod2013_wiot2011_final_demand_musd.parquet").set_index("row_country_industry")
    x = pd.read_csv(folder / "wiod2013_wiot2011_gross_output.csv").set_index("row_country_industry")
    labels = list(Z.index)
    if list(Z.columns) != labels or list(Y.index) != labels or list(x.index) != labels:
        raise SystemExit("row and column labels of Z, Y and x do not agree")
    regions = tuple(dict.fromkeys(lbl.split("_")[0] for lbl in labels))
    sectors = tuple(dict.fromkeys(lbl.split("_")[1] for lbl in labels))
    fd = Y.T.groupby(Y.columns.str.split("_").str[0], sort=False).sum().T.reindex(columns=list(regions))
    return iot.IOTable(Z.to_numpy(float), fd.to_numpy(float), x["gross_output_musd"].to_numpy(float),
                       regions, sectors, "WIOT2011 (WIOD 2013 release)", "million USD", 2011, SOURCE)


def read_xlsx(path: Path) -> iot.IOTable:
    """The release's own workbook through pymrio's WIOD parser."""
    import pymrio

    t = iot.from_pymrio(pymrio.parse_wiod(path), "WIOT2011 (WIOD 2013 release)", "million USD", 2011, SOURCE)
    return iot.IOTable(t.Z, t.Y, t.x, t.regions, tuple(f"c{i + 1}" for i in range(len(t.sectors))),
                       t.name, t.unit, t.year, t.source)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, nargs="?", help="folder with the converted WIOT 2011 files")
    ap.add_argument("--xlsx", type=Path, help="WIOT11_ROW_Sep12.xlsx from the WIOD 2013 release")
    ap.add_argument("--full", action="store_true", help="save the whole table, not aggregated (for benchmarks)")
    ap.add_argument("--out", type=Path, default=Path(__file__).parents[1] / "src/chokepoint/economy/data" / iot.BUNDLED)
    args = ap.parse_args()
    full = read_xlsx(args.xlsx) if args.xlsx else read_converted(args.folder)
    full.check()
    if args.full:
        Y = np.clip(full.Y, 0, None)
        whole = iot.IOTable(full.Z, Y, full.Z.sum(axis=1) + Y.sum(axis=1), full.regions, full.sectors, full.name,
                            full.unit, full.year, full.source)
        print(f"wrote {iot.save(whole, args.out)}: {len(whole.regions)} regions × {len(whole.sectors)} industries")
        return
    small = iot.aggregate(full, REGIONS, SECTORS, iot.BUNDLED)
    negative = {f"{small.industries[i]} -> {small.regions[j]}": float(small.Y[i, j])
                for i, j in zip(*np.nonzero(small.Y < 0))}
    Y = np.clip(small.Y, 0, None)  # inventory drawdowns would make final demand negative in ARIO
    balanced = small.Z.sum(axis=1) + Y.sum(axis=1)  # rounded source cells: rebalance output
    fix = np.abs(balanced - small.x).max()
    small = iot.IOTable(small.Z, Y, balanced, small.regions, small.sectors, small.name, small.unit, 2011,
                        SOURCE, {"sector_labels": LABELS, "regions": REGIONS, "sectors": SECTORS,
                                 "from": f"{full.name}: {len(full.regions)} regions × {len(full.sectors)} industries",
                                 "negative_final_demand_set_to_zero": negative,
                                 "output": f"row sums of Z and Y (largest change {fix:,.0f} {small.unit})",
                                 "value_added": "output minus intermediate inputs (includes net taxes on products "
                                                "and international transport margins)"})
    iot.save(small, args.out)
    print(f"wrote {args.out}: {len(small.regions)} regions × {len(small.sectors)} sectors, "
          f"output {small.x.sum():,.0f} {small.unit}, output rebalanced by at most {fix:,.0f}; "
          f"negative final demand set to zero: {negative}")


if __name__ == "__main__":
    main()
