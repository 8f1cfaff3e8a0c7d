"""The adapter from a chain run to the economy: weekly end-use shortfall → capacity loss per industry and day."""
from __future__ import annotations

import numpy as np
import pandas as pd

from chokepoint.economy.table import IOTable
from chokepoint.errors import NotFound, list_as_string


def shortfall_fractions(series: pd.DataFrame) -> pd.DataFrame:
    """Share of each end use's demand the focal country went without, week × chain sector (0-1).

    A Monte Carlo run's series carry percentiles: the median's are used."""
    s = series[series["variable"].isin(["shortfall", "demand"])]
    if "quantile" in s and s["quantile"].notna().any():  # a Monte Carlo run: its median path
        qs = s["quantile"].dropna().unique()
        s = s[s["quantile"] == min(qs, key=lambda q: abs(q - 0.5))]
    wide = s.pivot_table(index="week", columns=["variable", "sector"], values="value", aggfunc="sum")
    short, dem = wide["shortfall"], wide["demand"]
    frac = short.div(dem.where(dem > 0)).fillna(0.0).clip(0, 1)
    return frac.sort_index()


def region_of(iso3: str, t: IOTable) -> str:
    """The table region a country belongs to: itself, the aggregate the table's build mapped it to, else RoW."""
    if iso3 in t.regions:
        return iso3
    mapped = (t.meta.get("regions") or {}).get(iso3)
    if mapped in t.regions:
        return mapped
    if "RoW" in t.regions:
        return "RoW"
    raise NotFound(f"{iso3} is not a region of table {t.name} and it has no RoW", field="country",
                   hint=f"regions are {list_as_string(t.regions)}")


def capacity_loss(fractions: pd.DataFrame, W: np.ndarray, t: IOTable, region: str) -> np.ndarray:
    """Weekly capacity loss (weeks, N): δ = min(1, Σ_k W[k, s] f_k) in the focal region's sectors, 0 elsewhere."""
    delta = np.zeros((len(fractions), t.n))
    delta[:, t.index(region)] = np.clip(fractions.to_numpy() @ W, 0, 1)
    return delta


def daily(weekly: np.ndarray, tail_weeks: int = 0) -> np.ndarray:
    """Weekly losses held for 7 days each, then `tail_weeks` of zeros to watch the recovery."""
    return np.repeat(np.vstack([weekly, np.zeros((tail_weeks, weekly.shape[1]))]), 7, axis=0)
