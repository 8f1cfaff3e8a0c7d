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
    from the claim's own source is left out: a claim is checked against other evidence.

    A claim without a year is judged on the latest year a publisher's own release covers;
    where a newer year exists only in a third party's re-keyed copy (source.grade = 'copy')
    and that copy would give another verdict, the verdict is 'sources disagree' and the copy's
    share is shown as `computed_other` (the claim is not called wrong on unverified data)."""
    claims = store.table("claim") if claims is None else claims
    copies = tuple(store.df("SELECT key FROM source WHERE grade = 'copy'")["key"])
    rows = []
    for c in claims.itertuples():
        own = tuple(c.source.split(";"))
        high = None if pd.isna(c.high) else float(c.high)
        st = _stage(store, c.material, c.stage, int(c.year), own) if pd.notna(c.year) else None
        other = None
        if st is None or st.empty or (st["year"] != c.year).all():
            st = _stage(store, c.material, c.stage, None, own + copies)
            latest = _stage(store, c.material, c.stage, None, own) if copies else st
            if st.empty:
                st = latest
            elif not latest.equals(st):
                other = latest
        value = _share(st, c.iso3)
        judged = verdict(value, float(c.low), high, c.bound)
        other_value = _share(other, c.iso3) if other is not None else float("nan")
        if other is not None and verdict(other_value, float(c.low), high, c.bound) not in (judged, "no data"):
            judged = "sources disagree"
        rows.append({
            "claim_id": c.claim_id, "stage": c.stage, "iso3": c.iso3, "quote": c.quote,
            "claimed": _claimed(c.low, high, c.bound), "computed": value,
            "computed_year": int(st["year"].max()) if len(st) else None,
            "basis": st["basis"].iloc[0] if len(st) else None,
            "verdict": judged,
            "claim_source": c.source,
            "data_source": ", ".join(sorted(st["source"].unique())) if len(st) else None,
            "computed_other": other_value,
            "other_source": ", ".join(sorted(other["source"].unique())) if other is not None else None,
        })
    return pd.DataFrame(rows)


def _share(st: pd.DataFrame, iso3: str) -> float:
    hit = st[st["iso3"] == iso3]
    return float(hit["share"].sum()) if len(hit) else float("nan")


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
