"""A run's cost estimate, known before it starts, and the limit that refuses one too large.

The unit is the cell-week: one LP variable (or one fast-engine array cell) for one week.
Per week a chain of S stages, C countries and K sectors carries S·C·C shipments, 2·S·C
stocks and C·K served demands. The LP solves ceil(T / commit) windows of `window` weeks
each, so its cost grows with weeks × window / commit; the fast engine steps each week once.
A Monte Carlo draw runs in a batch and costs a fraction of a one-off fast run (`DRAW_SHARE`).
"""
from __future__ import annotations

import math

from chokepoint.chain.problem import Problem
from chokepoint.errors import BadInput


def cells(p: Problem) -> int:
    """Variables in one week of the chain."""
    S, C = p.q.shape
    return S * C * C + 2 * S * C + C * p.demand0.shape[1]


def estimate(p: Problem, engine: str) -> int:
    """Cell-weeks a run of `p` with `engine` will compute."""
    if engine == "lp":
        return math.ceil(p.T / p.commit) * min(p.window, p.T) * cells(p)
    return p.T * cells(p)


# One Monte Carlo draw as a share of a one-off fast-engine run of the same scenario. Measured on
# cn-ree-6m (2-core machine, Dec 2026): a one-off fast run 0.41 s; a draw in a batch ~0.5 ms of CPU on
# the compiled kernel (linear chains) and ~5 ms on the batched NumPy engine (multi-input chains).
# Rounded up about fourfold, so the estimate stays an upper bound on a loaded machine.
DRAW_SHARE = {"compiled": 1 / 200, "numpy": 1 / 20}


def draws(p: Problem, n: int) -> int:
    """Cell-weeks n Monte Carlo draws of `p` will compute, in one-off fast-run units."""
    return n * math.ceil(estimate(p, "fast") * DRAW_SHARE["compiled" if p.linear else "numpy"])


def check(p: Problem, engine: str, limit: float) -> int:
    """The estimate, or BadInput when it is over `limit` (saying which parameters drive it)."""
    cost = estimate(p, engine)
    if cost > limit:
        drivers = "weeks, window_weeks / commit_weeks" if engine == "lp" else "weeks"
        raise BadInput(f"run too large: about {cost:,} cell-weeks, the limit is {limit:,.0f}", field="weeks",
                       hint=f"shorten {drivers}, or raise the limit (CHOKEPOINT_MAX_RUN_COST; "
                            "the web server's is CHOKEPOINT_WEB_MAX_RUN_COST)")
    return cost
