"""The fast engine: vectorised weekly rationing rules over a batch of scenarios (NumPy).

Per week and stage, upstream to downstream: producers ship up to baseline along baseline
routes (restricted routes capped at (1 − f)·baseline); surplus (withheld exports, output
above baseline) is rerouted pro rata to the largest remaining gaps among eligible buyers;
buyers then draw industry stock, then strategic stock (rate-limited); spare capacity
ramps towards last week's unmet gaps; final supply goes to sectors by priority.
All arrays carry a leading batch axis B (scenarios of the same network shape).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chokepoint.chain.problem import Problem, demand_multiplier, price_index
from chokepoint.chain.results import Trajectory

REROUTE_ROUNDS = 4


def _stack(problems: list[Problem], name: str) -> np.ndarray:
    return np.stack([getattr(p, name) for p in problems])


def _reroute(x: np.ndarray, surplus: np.ndarray, gap: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Allocate exporters' surplus (B, C) to buyers' gaps (B, C) pro rata; adds to x (B, C, C)."""
    for _ in range(REROUTE_ROUNDS):
        want = eligible * gap[:, None, :]
        tot = want.sum(axis=2, keepdims=True)
        offer = np.divide(surplus[:, :, None] * want, tot, out=np.zeros_like(want), where=tot > 0)
        got = offer.sum(axis=1)
        scale = np.divide(gap, got, out=np.zeros_like(gap), where=got > 0).clip(max=1.0)
        offer *= scale[:, None, :]
        x += offer
        surplus = surplus - offer.sum(axis=2)
        gap = gap - offer.sum(axis=1)
    return surplus


def _swap(x: np.ndarray, surplus: np.ndarray, gap: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Market reshuffle: withheld output goes to unrestricted buyers, who release as much of
    their supply from unrestricting producers to the restricted buyers' gaps (as an LP would)."""
    restrictor = mask.any(axis=2)                                   # (B, C)
    free = ~restrictor
    inflow = (x * free[:, :, None]).sum(axis=1)                      # (B, C) buyers' free supply
    held = surplus * restrictor
    elig = ~mask * restrictor[:, :, None] * inflow[:, None, :]
    tot = elig.sum(axis=2, keepdims=True)
    a = np.divide(held[:, :, None] * elig, tot, out=np.zeros_like(elig), where=tot > 0)
    got = a.sum(axis=1)
    a *= np.divide(inflow, got, out=np.zeros_like(got), where=got > 0).clip(max=1.0)[:, None, :]
    total, limit = a.sum(axis=(1, 2)), gap.sum(axis=1)
    a *= np.divide(limit, total, out=np.zeros_like(total), where=total > 0).clip(max=1.0)[:, None, None]
    take = np.divide(a.sum(axis=1), inflow, out=np.zeros_like(inflow), where=inflow > 0)  # share released
    released = x * free[:, :, None] * take[:, None, :]
    x -= released
    x += a
    surplus = surplus - a.sum(axis=2) + released.sum(axis=2)
    left = gap.copy()
    surplus = _reroute(x, surplus, left, ~mask)
    gap[:] = left
    return surplus


def _ration(avail: np.ndarray, demand: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """Serve sectors (B, C, K) from supply (B, C) by descending priority, pro rata within a level."""
    served = np.zeros_like(demand)
    left = avail.copy()
    for level in np.unique(priority)[::-1]:
        sel = priority == level
        want = demand[:, :, sel]
        tot = want.sum(axis=2)
        frac = np.divide(np.minimum(left, tot), tot, out=np.zeros_like(tot), where=tot > 0)
        served[:, :, sel] = want * frac[:, :, None]
        left = left - served[:, :, sel].sum(axis=2)
    return served


class Batch:
    """Stacked problem arrays (one network shape, many scenarios)."""

    def __init__(self, problems: list[Problem]):
        p0 = problems[0]
        self.T, self.priority, self.commit = p0.T, p0.priority, p0.commit
        for name in ("q", "cap", "eta", "flows", "mask", "allow", "industry0", "strategic0", "release",
                     "recycled", "demand0", "substitution"):
            setattr(self, name, _stack(problems, name))
        self.el = np.array([p.elasticity for p in problems])
        self.del_ = np.array([p.demand_elasticity for p in problems])
        self.pcap = np.array([p.price_cap for p in problems])
        self.need = self.flows.sum(axis=2)
        self.share = np.divide(self.flows, self.q[..., None], out=np.zeros_like(self.flows),
                               where=self.q[..., None] > 0)


def _stage_week(b: Batch, t: int, s: int, prod: np.ndarray, want: np.ndarray, ind: np.ndarray,
                strat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ship stage s, then meet buyers' wants from receipts and stocks; returns (ship, use, unmet)."""
    q = b.q[:, s]
    out = prod + b.recycled[:, t, s]
    x = np.minimum(out, q)[:, :, None] * b.share[:, s]
    mask = b.mask[:, s]
    masked = (x * mask).sum(axis=2)
    keep = np.divide(b.allow[:, t, s], masked, out=np.ones_like(masked), where=masked > 0).clip(max=1.0)
    x = np.where(mask, x * keep[:, :, None], x)
    surplus = out - x.sum(axis=2)
    gap = np.clip(want - x.sum(axis=1), 0, None)
    surplus = _reroute(x, surplus, gap, ~mask)
    surplus = _swap(x, surplus, gap, mask)
    idx = np.arange(x.shape[1])
    x[:, idx, idx] += surplus                       # unsold output stays at home
    got = x.sum(axis=1)
    use = np.minimum(got, want)
    ind += got - use                                # receipts beyond want go to industry stock
    short = want - use
    d_ind = np.minimum(ind, short)
    ind -= d_ind
    d_str = np.minimum(np.minimum(strat, b.release[:, t, s]), short - d_ind)
    strat -= d_str
    use = use + d_ind + d_str
    return x, use, want - use


def simulate(problems: list[Problem], progress: Callable[[int, int], None] | None = None) -> list[Trajectory]:
    """Run every problem of the batch over its horizon; one trajectory per problem."""
    b = Batch(problems)
    B, S, C = b.q.shape
    T, K = b.T, b.demand0.shape[2]
    prod_t, ship_t = np.zeros((B, T, S, C)), np.zeros((B, T, S, C, C))
    ind_t, str_t = np.zeros((B, T + 1, S, C)), np.zeros((B, T + 1, S, C))
    served_t, dem_t, price = np.zeros((B, T, C, K)), np.zeros((B, T, C, K)), np.ones((B, T))
    ind, strat = b.industry0.copy(), b.strategic0.copy()
    ind_t[:, 0], str_t[:, 0] = ind, strat
    unmet = np.zeros((B, S, C))
    mult = np.ones(B)
    for t in range(T):
        if t % b.commit == 0 and t > 0:
            mult = demand_multiplier(price[:, t - 1], b.del_)
        base = b.demand0 * b.substitution[:, t, None, None]
        demand = base * mult[:, None, None]
        spare = np.clip(b.cap[:, t] - b.q, 0, None)
        tot = spare.sum(axis=2, keepdims=True)
        extra = spare * np.divide(unmet.sum(axis=2, keepdims=True), tot, out=np.zeros_like(tot),
                                  where=tot > 0).clip(max=1.0)
        target = np.minimum(b.q + extra, b.cap[:, t])
        prod = np.zeros((B, S, C))
        prod[:, 0] = target[:, 0]
        for s in range(S):
            if s + 1 < S:
                want = target[:, s + 1] / b.eta[:, s + 1]
            else:
                want = demand.sum(axis=2)
            x, use, unmet[:, s] = _stage_week(b, t, s, prod[:, s], want, ind[:, s], strat[:, s])
            ship_t[:, t, s] = x
            if s + 1 < S:
                prod[:, s + 1] = use * b.eta[:, s + 1]
            else:
                served_t[:, t] = _ration(use, demand, b.priority)
        prod_t[:, t], dem_t[:, t] = prod, demand
        ind_t[:, t + 1], str_t[:, t + 1] = ind, strat
        price[:, t] = price_index(served_t[:, t].sum(axis=(1, 2)), base.sum(axis=(1, 2)), b.el, b.pcap)
        if progress:
            progress(t + 1, T)
    return [Trajectory(prod_t[i], ship_t[i], ind_t[i], str_t[i], served_t[i], dem_t[i], price[i])
            for i in range(B)]
