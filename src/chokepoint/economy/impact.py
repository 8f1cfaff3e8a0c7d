"""Value added at risk from a capacity shock: the dynamic ARIO path next to static Leontief and Ghosh estimates."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chokepoint.economy import ario, multipliers as mx, shock
from chokepoint.economy.table import IOTable

RECOVERED = 0.99  # recovery = first week after the trough with output ≥ 99% of baseline (as the chain's)


@dataclass
class Impact:
    """Per-industry losses (`sectors`), weekly output by region (`weekly`), totals, and where figures come from."""

    sectors: pd.DataFrame
    weekly: pd.DataFrame = field(repr=False)
    totals: dict
    sources: list[str]
    notes: list[str]


def _recovery(ratio: np.ndarray) -> int | None:
    """First week after the trough with output back to RECOVERED of baseline (None: no dip or no recovery)."""
    if ratio.min() >= RECOVERED:
        return None
    trough = int(np.argmin(ratio))
    after = np.nonzero(ratio[trough:] >= RECOVERED)[0]
    return int(trough + after[0]) if len(after) else None


def assess(t: IOTable, weekly_delta: np.ndarray, params: ario.Params = ario.Params(), tail_weeks: int = 26) -> Impact:
    """Losses over the run's weeks plus `tail_weeks`: ARIO (daily steps) and static multipliers on the year-average δ."""
    b = ario.baseline(t, params)
    days = shock.daily(weekly_delta, tail_weeks)
    prod = ario.simulate(b, days)[0]
    W = len(days) // 7
    weekly_out = prod[: W * 7].reshape(W, 7, t.n).sum(axis=1)
    base_week = b.x * 7
    vc = mx.va_coefficients(t.va, t.x)
    lost = ((b.x[None, :] - prod) * vc[None, :]).sum(axis=0)
    ratio = weekly_out / np.where(base_week > 0, base_week, 1.0)
    year_delta = np.clip(weekly_delta.sum(axis=0) / 52.0, 0, 1)  # capacity lost, as a share of one year
    f = t.Y.sum(axis=1)
    static = mx.capacity_loss(year_delta, t.x, f, t.va, mx.leontief(mx.technical(t.Z, t.x)),
                              mx.ghosh(mx.allocation(t.Z, t.x)))
    labels = t.meta.get("sector_labels", {})
    idx = t.industries
    df = pd.DataFrame({
        "region": idx.get_level_values(0), "sector": idx.get_level_values(1),
        "va_baseline": t.va, "va_at_risk": lost,
        "va_at_risk_pct": 100 * np.divide(lost, t.va, out=np.zeros(t.n), where=t.va > 0),
        "peak_output_loss_pct": 100 * np.clip(1 - ratio.min(axis=0), 0, None),
        "recovery_week": pd.Series([_recovery(ratio[:, k]) for k in range(t.n)], dtype=object),
        "static_direct": static["direct_va"], "static_leontief": static["backward_va"],
        "static_ghosh": static["forward_va"],
        "label": [labels.get(s, s) for s in idx.get_level_values(1)],
    })
    R, S = len(t.regions), len(t.sectors)
    weekly = pd.DataFrame(weekly_out.reshape(W, R, S).sum(axis=2) / base_week.reshape(R, S).sum(axis=1),
                          columns=list(t.regions)).rename_axis("week")
    totals = {"va_at_risk": float(lost.sum()), "va_world": float(t.va.sum()), "unit": t.unit,
              "weeks": W, "days": len(days), "params": params.__dict__}
    return Impact(df, weekly, totals, [t.source], [])


def va_at_risk_draws(t: IOTable, weekly_deltas: np.ndarray, params: ario.Params = ario.Params(),
                     tail_weeks: int = 26) -> np.ndarray:
    """Value added lost per industry for each of B draws of weekly capacity loss (B, weeks, N) → (B, N)."""
    b = ario.baseline(t, params)
    days = np.stack([shock.daily(d, tail_weeks) for d in weekly_deltas])
    prod = ario.simulate(b, days)
    return ((b.x[None, None, :] - prod) * mx.va_coefficients(t.va, t.x)[None, None, :]).sum(axis=1)
