"""Check published share claims ("China holds 60-70% of mining") against computed shares."""
from __future__ import annotations

import math

import pandas as pd

from chokepoint.store import Store
from chokepoint.trade.concentration import stage_shares

# A claim written as a point ("~60%") is read as that value give or take this much (shares are
# rounded to whole percent in prose, and "about" usually spans a few points).
POINT_TOLERANCE = 0.03


def verdict(value: float, low: float, high: float | None, bound: str | None) -> str:
    """'consistent', 'claim too high' or 'claim too low' for a computed share against a claim."""
    if value is None or math.isnan(value):
        return "no data"
    if bound == "min":
        return "consistent" if value >= low else "claim too high"
    if bound == "max":
        return "consistent" if value <= low else "claim too low"
    lo, hi = (low, high) if high is not None and not math.isnan(high) else (low - POINT_TOLERANCE,
                                                                             low + POINT_TOLERANCE)
    if value < lo:
        return "claim too high"
    return "claim too low" if value > hi else "consistent"


def check_claims(store: Store, claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each claim beside the share computed from the store for the same material, stage,
    country and (when the claim names one and data exists) year, with both sources. Data
    from the claim's own source is left out: a claim is checked against other evidence."""
    claims = store.table("claim") if claims is None else claims
    rows = []
    for c in claims.itertuples():
        own = tuple(c.source.split(";"))
        st = _stage(store, c.material, c.stage, int(c.year), own) if pd.notna(c.year) else None
        if st is None or st.empty or (st["year"] != c.year).all():
            st = _latest(store, c.material, c.stage, own)
        hit = st[st["iso3"] == c.iso3]
        value = float(hit["share"].sum()) if len(hit) else float("nan")
        high = None if pd.isna(c.high) else float(c.high)
        rows.append({
            "claim_id": c.claim_id, "stage": c.stage, "iso3": c.iso3, "quote": c.quote,
            "claimed": _claimed(c.low, high, c.bound), "computed": value,
            "computed_year": int(st["year"].max()) if len(st) else None,
            "basis": st["basis"].iloc[0] if len(st) else None,
            "verdict": verdict(value, float(c.low), high, c.bound),
            "claim_source": c.source,
            "data_source": ", ".join(sorted(st["source"].unique())) if len(st) else None,
        })
    return pd.DataFrame(rows)


def _latest(store: Store, material: str, stage: str, own: tuple[str, ...]) -> pd.DataFrame:
    """The latest year's shares, judged on publishers' own releases where any cover the stage:
    a newer year found only in a third party's re-keyed copy (source.grade = 'copy') is not
    used to call a claim wrong."""
    copies = tuple(store.df("SELECT key FROM source WHERE grade = 'copy'")["key"])
    st = _stage(store, material, stage, None, own + copies) if copies else None
    return st if st is not None and not st.empty else _stage(store, material, stage, None, own)


def _stage(store: Store, material: str, stage: str, year: int | None,
           exclude: tuple[str, ...]) -> pd.DataFrame:
    shares = stage_shares(store, material, year, exclude)
    return shares[shares["stage"] == stage]


def _claimed(low: float, high: float | None, bound: str | None) -> str:
    if bound == "min":
        return f">{low:.0%}"
    if bound == "max":
        return f"<{low:.0%}"
    return f"{low:.0%}-{high:.0%}" if high is not None else f"~{low:.0%}"
