"""Stage concentration from production data: who produces each stage of a chain, how
concentrated it is, and which stage is the chain's chokepoint (DESIGN section 3).

Pure kernels (`hhi`, `top_share`) are separate from the store queries that feed them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from chokepoint.errors import NotFound, list_as_string
from chokepoint.store import Store

AGGREGATE_CODES = ("ROW", "WLD")


def hhi(shares) -> float:
    """Herfindahl-Hirschman index, HHI = sum_j s_j^2 on 0-1 shares (1 = monopoly)."""
    s = np.asarray(shares, dtype=float)
    return float(np.sum(s * s))


def top_share(shares, n: int = 3) -> float:
    """Combined share of the n largest suppliers (IEA's top-3 concentration for n=3)."""
    s = np.sort(np.asarray(shares, dtype=float))[::-1]
    return float(s[:n].sum())


def family_of(store: Store, material: str) -> str:
    """The chain family a material (or a family name itself) belongs to."""
    row = store.con.execute("SELECT family FROM material WHERE material = ?", [material]).fetchone()
    if row:
        return row[0]
    fams = [r[0] for r in store.con.execute("SELECT DISTINCT family FROM material ORDER BY 1").fetchall()]
    if material in fams:
        return material
    raise NotFound(f"unknown material '{material}'", field="material",
                   hint=f"materials include families {list_as_string(fams)}")


def _pick_source(rows: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Keep one source per stage-year: a publisher's own release before a third party's
    re-keyed copy (source.grade = 'copy'), then the most recent publication, then the most
    countries."""
    if rows.empty:
        return rows
    keyed = sources.set_index("key")
    pub = keyed["year"]
    copy = (keyed["grade"] == "copy") if "grade" in keyed else pd.Series(False, index=keyed.index)
    stats = (rows.groupby(["stage", "year", "source"]).size().rename("n").reset_index()
             .assign(pub=lambda d: d["source"].map(pub).fillna(0),
                     copy=lambda d: d["source"].map(copy).fillna(False).astype(bool)))
    best = (stats.sort_values(["stage", "year", "copy", "pub", "n", "source"],
                              ascending=[True, True, True, False, False, True])
            .drop_duplicates(["stage", "year"]))
    return rows.merge(best[["stage", "year", "source"]], on=["stage", "year", "source"])


def stage_shares(store: Store, material: str, year: int | None = None,
                 exclude_sources: tuple[str, ...] = ()) -> pd.DataFrame:
    """World production shares by stage and country for a material's chain.

    Computed stages: share_j = q_j / sum_k q_k over one source's country rows (the 'Rest of
    world' row counts in the denominator). Stages with no country table fall back to
    published shares (stage_share table) and are marked basis='published'.
    `exclude_sources` leaves out rows of those sources (so a claim is never checked against itself).
    Columns: stage, ord, material, year, iso3, value_t, share, bound, basis, source.
    """
    family = family_of(store, material)
    members = [r[0] for r in store.con.execute(
        "SELECT material FROM material WHERE family = ?", [family]).fetchall()] or [material]
    stages = store.df("SELECT stage, ord FROM stage WHERE family = ? ORDER BY ord", [family])
    prod = store.df("SELECT material, stage, iso3, year, value, source FROM production "
                    "WHERE measure = 'production' AND material IN (SELECT unnest(?::VARCHAR[]))",
                    [members])
    prod = prod[~prod["source"].isin(exclude_sources)]
    prod = prod.assign(pref=(prod["material"] != material).astype(int))
    # Per stage, the asked material's own rows first; other family members only fill gaps.
    prod = prod[prod["pref"] == prod.groupby("stage")["pref"].transform("min")].drop(columns="pref")
    if year is not None:
        prod = prod[prod["year"] == year]
    prod = prod[prod["year"] == prod.groupby("stage")["year"].transform("max")]
    prod = _pick_source(prod, store.table("source"))
    total = prod.groupby("stage")["value"].transform("sum")
    computed = prod.assign(share=prod["value"] / total, bound=None, basis="computed").rename(
        columns={"value": "value_t"})
    published = _published(store, members, material, year, set(computed["stage"]), exclude_sources)
    out = pd.concat([computed, published], ignore_index=True)
    out = out.merge(stages, on="stage", how="left")
    out = out.sort_values(["ord", "stage", "share"], ascending=[True, True, False], kind="mergesort")
    out = out[["stage", "ord", "material", "year", "iso3", "value_t", "share", "bound", "basis", "source"]]
    out.attrs["unit"] = {"value_t": "t", "share": "fraction"}
    return out.reset_index(drop=True)


def _published(store: Store, members: list[str], material: str, year: int | None,
               covered: set[str], exclude_sources: tuple[str, ...]) -> pd.DataFrame:
    """Published shares for stages the production table does not cover (latest year, one source)."""
    pub = store.df("SELECT material, stage, iso3, year, share, bound, source FROM stage_share "
                   "WHERE material IN (SELECT unnest(?::VARCHAR[]))", [members])
    pub = pub[~pub["stage"].isin(covered) & ~pub["source"].isin(exclude_sources)]
    if year is not None:
        pub = pub[pub["year"] <= year]
    if pub.empty:
        return pub.assign(value_t=np.nan, basis="published")
    pub = pub.assign(pref=(pub["material"] != material).astype(int))
    pub = pub[pub["pref"] == pub.groupby("stage")["pref"].transform("min")].drop(columns="pref")
    pub = pub[pub["year"] == pub.groupby("stage")["year"].transform("max")]
    pub = _pick_source(pub, store.table("source"))
    return pub.assign(value_t=np.nan, basis="published")


def stage_concentration(store: Store, material: str, year: int | None = None,
                        focus: str = "CHN") -> pd.DataFrame:
    """Per stage: top producer and share, the focus country's share, top-3 share, HHI.

    HHI and top-3 are taken over named countries (aggregates such as 'Rest of world' are
    not one producer), so they are lower bounds when an aggregate row exists; for published
    stages only the known shares enter, again a lower bound (`hhi_is_lower_bound`).
    """
    shares = stage_shares(store, material, year)
    rows = []
    for (stage, ord_), grp in shares.groupby(["stage", "ord"], sort=False, dropna=False):
        named = grp[~grp["iso3"].isin(AGGREGATE_CODES)].sort_values("share", ascending=False)
        top = named.iloc[0] if len(named) else None
        focus_rows = grp[grp["iso3"] == focus]
        rows.append({
            "stage": stage, "ord": ord_, "year": int(grp["year"].max()),
            "n_producers": int(len(named)),
            "top_producer": top["iso3"] if top is not None else None,
            "top_share": float(top["share"]) if top is not None else np.nan,
            f"{focus.lower()}_share": float(focus_rows["share"].sum()) if len(focus_rows) else np.nan,
            f"{focus.lower()}_bound": (focus_rows["bound"].dropna().iloc[0]
                                       if len(focus_rows) and focus_rows["bound"].notna().any() else None),
            "top3_share": top_share(named["share"], 3),
            "hhi": hhi(named["share"]),
            "hhi_is_lower_bound": bool(grp["basis"].eq("published").any()
                                       or grp["iso3"].isin(AGGREGATE_CODES).any()),
            "basis": grp["basis"].iloc[0], "source": ", ".join(sorted(grp["source"].unique())),
        })
    out = pd.DataFrame(rows)
    out.attrs["unit"] = {"top_share": "fraction", "top3_share": "fraction", "hhi": "0-1"}
    return out


def chokepoint_stage(concentration: pd.DataFrame) -> str | None:
    """The chain's chokepoint: the stage with the highest HHI (DESIGN section 3)."""
    if concentration.empty:
        return None
    return str(concentration.sort_values(["hhi", "ord"], ascending=[False, True]).iloc[0]["stage"])
