"""Sector exposure: trade codes mapped to the downstream sectors that use them, aggregated.

`sector_map` rows give, for a code (HS6, or a shorter HS prefix standing for all codes under
it), the weight w_cs of its trade attributed to sector s. A flow of value m becomes m * w_cs
in each sector, and the supplier metrics are computed per sector on those weighted flows.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from chokepoint.errors import NotFound, list_as_string
from chokepoint.trade import exposure


def attribute(flows: pd.DataFrame, sector_map: pd.DataFrame) -> pd.DataFrame:
    """Flows times sector weights: one row per flow and sector, `value_usd` = m * w_cs.

    A flow matches the longest sector_map code that prefixes its code, so an HS6 row
    overrides its heading's row.
    """
    if flows.empty or sector_map.empty:
        return flows.iloc[0:0].assign(sector=pd.Series(dtype=str))
    con = duckdb.connect()
    try:
        con.register("f", flows)
        con.register("m", sector_map[["code", "sector", "weight"]])
        return con.execute("""
            WITH hit AS (SELECT f.*, m.sector, m.weight, length(m.code) AS depth,
                                max(length(m.code)) OVER (PARTITION BY f.year, f.exporter, f.importer,
                                                          f.code) AS best
                         FROM f JOIN m ON starts_with(f.code, m.code))
            SELECT * EXCLUDE (weight, depth, best, value_usd), value_usd * weight AS value_usd
            FROM hit WHERE depth = best""").df()
    finally:
        con.close()


def derived_map(store, country: str | None = None) -> pd.DataFrame:
    """Code -> sector weights from the bundled end-use demand split of each code's material.

    For a code of material m (else its family), w_cs = D_ms / sum_s D_ms over the latest
    observed year of the `demand` table, the importing country's own split when it has one,
    else the world's (WLD). Each weight cites the demand rows it comes from.
    """
    demand = store.df("SELECT iso3, material, sector, year, value, unit, source FROM demand "
                      "WHERE scenario = 'observed' AND iso3 IN (?, 'WLD')", [country or "WLD"])
    if demand.empty:
        return pd.DataFrame(columns=["code", "sector", "weight", "note", "source"])
    demand["own"] = demand["iso3"] != "WLD"
    demand = demand[demand["own"] == demand.groupby("material")["own"].transform("max")]
    demand = demand[demand["year"] == demand.groupby("material")["year"].transform("max")]
    demand = demand[demand["unit"] == demand.groupby("material")["unit"].transform("first")]
    split = demand.groupby(["material", "sector"]).agg(value=("value", "sum"),
                                                      source=("source", "first")).reset_index()
    split["weight"] = split["value"] / split.groupby("material")["value"].transform("sum")
    codes = store.df("SELECT DISTINCT code, coalesce(material, family) AS material, family FROM trade_code")
    own = codes.merge(split, on="material")
    fam = codes[~codes["code"].isin(own["code"])].drop(columns="material").rename(
        columns={"family": "material"}).merge(split, on="material")
    out = pd.concat([own, fam], ignore_index=True)
    out["note"] = "derived from the " + out["material"] + " end-use split (demand table)"
    return out[["code", "sector", "weight", "note", "source"]].drop_duplicates(["code", "sector"])


def combined_map(store, country: str | None = None) -> pd.DataFrame:
    """Curated `sector_map` rows, and derived weights for codes the curated rows do not cover."""
    curated = store.table("sector_map")
    derived = derived_map(store, country)
    return pd.concat([curated, derived[~derived["code"].isin(curated["code"])]], ignore_index=True)


def weighted(flows: pd.DataFrame, sector_map: pd.DataFrame, sector: str) -> pd.DataFrame:
    """Flows attributed to one sector (BadInput listing the mapped sectors otherwise)."""
    known = sorted(set(sector_map["sector"]))
    if sector not in known:
        raise NotFound(f"unknown sector '{sector}'", field="--sector",
                       hint=f"sectors are {list_as_string(known)}" if known else
                       "the sector_map table is empty")
    out = attribute(flows, sector_map)
    return out[out["sector"] == sector]


def exposure_by_sector(flows: pd.DataFrame, sector_map: pd.DataFrame, **kw) -> pd.DataFrame:
    """Supplier metrics per (year, importer, sector) over sector-weighted flows."""
    attributed = attribute(flows, sector_map)
    return exposure.summary(attributed, by=("year", "importer", "sector"), **kw)
