"""A country's briefing on one material chain: stage concentration, its own supply sources
and published claims checked against the data. `chokepoint demo` and the web overview use it."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from chokepoint import countries
from chokepoint.claims import check_claims
from chokepoint.store import Store
from chokepoint.trade.concentration import chokepoint_stage, stage_concentration, stage_shares


@dataclass
class Briefing:
    material: str
    country: str
    focus: str
    top_producers: pd.DataFrame
    concentration: pd.DataFrame
    chokepoint: str | None
    supply: dict[str, pd.DataFrame] = field(default_factory=dict)
    claims: pd.DataFrame = field(default_factory=pd.DataFrame)
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)


def top_producers(shares: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The n largest producers per stage with their shares (aggregates listed last)."""
    named = shares[~shares["iso3"].isin(["ROW", "WLD"])]
    top = named.groupby("stage", sort=False, group_keys=False).head(n)
    return top.assign(country=[countries.name(c) for c in top["iso3"]])


def supply_sources(store: Store, country: str, family: str) -> dict[str, pd.DataFrame]:
    """What the store knows of a country's supply: partner shares, import totals, mirror flows."""
    members = [r[0] for r in store.con.execute(
        "SELECT material FROM material WHERE family = ? OR material = ?", [family, family]).fetchall()]
    shares = store.df("SELECT material, partner, year, share, basis, source FROM import_share "
                      "WHERE importer = ? ORDER BY material, year DESC, share DESC", [country])
    totals = store.df("SELECT material, year, value_usd, quantity_t, origin_hhi, source FROM import_total "
                      "WHERE importer = ? AND material IN (SELECT unnest(?::VARCHAR[])) "
                      "ORDER BY material, year DESC", [country, members])
    mirror = store.df(
        "SELECT t.year, t.exporter, t.code AS product, t.value_usd, t.quantity_t, t.basis, t.source "
        "FROM trade t JOIN (SELECT DISTINCT code FROM trade_code WHERE family = ?) c ON c.code = t.code "
        "WHERE t.importer = ?", [family, country])
    groups = store.df(
        "SELECT year(month) AS year, exporter, product, sum(value_usd) AS value_usd, "
        "sum(quantity_t) AS quantity_t, 'exporter-reported' AS basis, source FROM trade_monthly "
        "WHERE importer = ? AND lower(replace(product, ' ', '-')) = ? GROUP BY ALL", [country, family])
    flows = pd.concat([mirror, groups], ignore_index=True)
    flows = flows[flows["year"] >= flows["year"].max() - 2] if len(flows) else flows
    flows = flows.sort_values(["product", "exporter", "year"], ascending=[True, True, False])
    return {"partner_shares": shares, "import_totals": totals.groupby("material").head(3),
            "mirror_flows": flows.reset_index(drop=True)}


def brief(store: Store, material: str = "rare-earths", country: str = "KOR",
          focus: str = "CHN") -> Briefing:
    """Everything `chokepoint demo` prints, computed from the store at run time."""
    shares = stage_shares(store, material)
    conc = stage_concentration(store, material, focus=focus)
    claims = check_claims(store, store.table("claim", "material = ?", [material]))
    supply = supply_sources(store, country, material)
    used = set(shares["source"]) | set(claims.get("claim_source", [])) | {
        s for df in supply.values() for s in df.get("source", [])}
    sources = store.df("SELECT key, publisher, title, year, url FROM source "
                       "WHERE key IN (SELECT unnest(?::VARCHAR[])) ORDER BY key", [sorted(used)])
    return Briefing(material, country, focus, top_producers(shares), conc, chokepoint_stage(conc),
                    supply, claims, sources)
