"""A plan's cost before it starts, in the chain's unit (cell-weeks), so a server can refuse one too large."""
from __future__ import annotations

from chokepoint.chain.scenario import Scenario
from chokepoint.errors import BadInput
from chokepoint.policy import levers, optimize


def evaluations(lever_set: list | None = None) -> int:
    """Engine evaluations of a full plan (the same count its progress bar runs to; an upper bound)."""
    return optimize.evaluations(len(levers.defaults() if lever_set is None else lever_set))


def estimate(wb, spec: Scenario | str, country: str, n: int, lever_set: list | None = None) -> int:
    """Cell-weeks a plan computes: its engine evaluations × the cost of n batched draws (`chain.cost.draws`)."""
    return wb.chain.estimate_draws(spec, country=country, n=n) * evaluations(lever_set)


def most_draws(wb, spec: Scenario | str, country: str, limit: float, lever_set: list | None = None) -> int:
    """The largest n whose plan stays within `limit` cell-weeks (0 when not even one draw does)."""
    return int(limit // estimate(wb, spec, country, 1, lever_set))


def check(wb, spec: Scenario | str, country: str, n: int, limit: float, lever_set: list | None = None) -> int:
    """The plan's estimate, or BadInput naming `n` (and the largest n allowed) when it is over `limit`."""
    one = estimate(wb, spec, country, 1, lever_set)
    cost = one * n
    if cost > limit:
        most = int(limit // one)
        raise BadInput(f"a plan of {n:,} draws would cost about {cost:,} cell-weeks "
                       f"({evaluations(lever_set)} engine evaluations of every draw), over the limit of {limit:,.0f}",
                       field="n", hint=f"ask for at most {most:,} draws, raise CHOKEPOINT_WEB_MAX_RUN_COST, "
                                       "or run chokepoint plan")
    return cost
