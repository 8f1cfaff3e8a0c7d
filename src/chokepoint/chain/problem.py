"""A scenario applied to a network: the weekly arrays both engines read (one input, two engines)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chokepoint.chain.network import WEEKS_PER_YEAR, Network
from chokepoint.chain.scenario import Restriction, Scenario
from chokepoint.errors import BadInput, list_as_string

PROJECT_RAMP_WEEKS = 26.0  # a new plant reaches nameplate over half a year (assumption)


@dataclass
class Problem:
    """Arrays over weeks T, stages S, countries C, sectors K; masses in t, rates in t/week."""

    T: int
    q: np.ndarray          # (S, C) baseline output
    cap: np.ndarray        # (T, S, C) output ceiling each week (baseline + ramped spare + projects)
    eta: np.ndarray        # (S, C)
    flows: np.ndarray      # (S, C, C) baseline shipments
    mask: np.ndarray       # (S, C, C) restricted routes
    allow: np.ndarray      # (T, S, C) ceiling on each exporter's restricted shipments
    industry0: np.ndarray  # (S, C) industry stock at the start
    strategic0: np.ndarray  # (S, C)
    release: np.ndarray    # (T, S, C) ceiling on strategic draw per week
    recycled: np.ndarray   # (T, S, C) exogenous supply entering producers' output
    demand0: np.ndarray    # (C, K) baseline final demand
    substitution: np.ndarray  # (T,) demand multiplier from substitution
    priority: np.ndarray   # (K,)
    sectors: list[str]
    elasticity: float
    demand_elasticity: float
    price_cap: float
    commit: int
    window: int

    @property
    def need(self) -> np.ndarray:
        return self.flows.sum(axis=1)


def _targets(r: Restriction, countries: list[str], blocs: dict[str, set[str]]) -> set[str]:
    if r.scope == "all":
        return set(countries)
    if r.scope == "named":
        return set(r.targets)
    allies = set()
    for name in r.allies:
        allies |= blocs.get(name, {name})
    return set(countries) - allies - set(r.by)


def profile(r: Restriction, T: int) -> np.ndarray:
    """f(t): the share of baseline restricted exports withheld in each week."""
    f = np.zeros(T)
    end = min(T, r.start_week + r.duration_weeks)
    if r.duration_weeks == 0 or r.depth == 0 or r.start_week >= T:
        return f
    f[r.start_week:end] = r.depth
    if r.profile == "licensing":
        eased = r.start_week + r.licence_delay_weeks
        f[min(eased, end):end] = r.depth * (1 - r.approval_share)
    return f


def _stage(net: Network, name: str | None, default: int, field: str) -> int:
    if name is None:
        return default
    if name not in net.stages:
        raise BadInput(f"unknown stage '{name}'", field=field, hint=f"stages are {list_as_string(net.stages)}")
    return net.stages.index(name)


def _restrict(sc: Scenario, net: Network, blocs: dict[str, set[str]]) -> tuple[np.ndarray, np.ndarray]:
    S, C = net.shape
    mask, f_max = np.zeros((S, C, C), bool), np.zeros((sc.weeks, S, C))
    for r in sc.restrictions:
        stages = [_stage(net, s, 0, "restrictions.stages") for s in r.stages] if r.stages else range(S)
        f = profile(r, sc.weeks)
        tgt = [net.countries.index(c) for c in _targets(r, net.countries, blocs) if c in net.countries]
        for by in r.by:
            if by not in net.countries:
                continue
            i = net.countries.index(by)
            for s in stages:
                mask[s, i, tgt] = True
                mask[s, i, i] = False
                f_max[:, s, i] = np.maximum(f_max[:, s, i], f)
    base = (net.flows * mask).sum(axis=2)
    return mask, (1 - f_max) * base[None]


def _capacity(sc: Scenario, net: Network, restrictors: set[str], t0: int | None) -> np.ndarray:
    S, C = net.shape
    T = sc.weeks
    known = np.nan_to_num(net.capacity * 0 + 1, nan=0).astype(bool)
    K = np.where(known, np.maximum(np.nan_to_num(net.capacity), net.q), net.q * (1 + sc.spare_capacity))
    cap = np.repeat(net.q[None], T, axis=0)
    if t0 is None:
        return cap
    free = np.array([c not in restrictors for c in net.countries])
    spare = np.where(free[None], K - net.q, 0.0)
    world = net.q.sum(axis=1, keepdims=True)
    share = np.divide(K * free, (K * free).sum(axis=1, keepdims=True), out=np.zeros_like(K),
                      where=(K * free).sum(axis=1, keepdims=True) > 0)
    rate = sc.ramp_share_per_year * world / WEEKS_PER_YEAR * share / WEEKS_PER_YEAR  # t/wk gained per week
    since = np.clip(np.arange(T) - t0 + 1, 0, None)[:, None, None]
    cap = cap + np.minimum(spare[None], rate[None] * since)
    for p in sc.projects:
        s, c = _stage(net, p.stage, 0, "projects.stage"), net.index(p.country)
        ramp = np.clip((np.arange(T) - p.start_week + 1) / PROJECT_RAMP_WEEKS, 0, 1)
        cap[:, s, c] += ramp * p.capacity_t_per_year / WEEKS_PER_YEAR
    return cap


def compile(sc: Scenario, net: Network, blocs: dict[str, set[str]] | None = None) -> Problem:
    """Turn a scenario and a network into the weekly arrays the engines solve."""
    S, C = net.shape
    T = sc.weeks
    t0 = sc.shock_start()
    restrictors = {b for r in sc.restrictions for b in r.by}
    mask, allow = _restrict(sc, net, blocs or {})
    need = net.need()
    industry0 = net.need() * np.array([net.industry_weeks.get(c, sc.industry_cover_weeks) for c in net.countries])
    s_stock = _stage(net, sc.strategic_stage, S - 1 if net.stock_stage is None else net.stock_stage,
                     "strategic_stage")
    days = {**net.strategic_days, **sc.strategic_days}
    strategic0 = np.zeros((S, C))
    final_use = need[-1]
    for c, d in days.items():
        if c in net.countries:
            strategic0[s_stock, net.index(c)] = d / 7.0 * final_use[net.index(c)] / max(net.eta[s_stock + 1:, net.index(c)].prod(), 1e-9)
    start = sc.release_start_week if sc.release_start_week is not None else t0
    release = np.zeros((T, S, C))
    if start is not None:
        release[start:] = strategic0 / sc.release_weeks
    recycled = np.zeros((T, S, C))
    if t0 is not None and sc.recycling_share > 0:
        s_rec = _stage(net, sc.recycling_stage, min(1, S - 1), "recycling_stage")
        yields = net.eta[s_rec + 1:].prod(axis=0)
        recycled[t0 + sc.recycling_lag_weeks:, s_rec] = sc.recycling_share * final_use / np.maximum(yields, 1e-9)
    sectors = sorted(net.demand["sector"].unique())
    demand0 = np.zeros((C, len(sectors)))
    for r in net.demand.itertuples():
        demand0[net.index(r.country), sectors.index(r.sector)] += r.baseline
    substitution = np.ones(T)
    if t0 is not None:
        substitution = 1 - np.clip(sc.substitution_per_year * np.clip(np.arange(T) - t0, 0, None) / WEEKS_PER_YEAR,
                                   0, 1)
    priority = np.array([sc.priorities.get(k, 1.0) for k in sectors])
    return Problem(T, net.q, _capacity(sc, net, restrictors, t0), net.eta, net.flows, mask, allow,
                   industry0, strategic0, release, recycled, demand0, substitution, priority, sectors,
                   sc.elasticity, sc.demand_elasticity, sc.price_cap, sc.commit_weeks, sc.window_weeks)


def price_index(served: np.ndarray, baseline: np.ndarray, elasticity: float, cap: float) -> np.ndarray:
    """p/p0 = (served / baseline)^(−1/ε), within [1, cap] (DESIGN section 4)."""
    ratio = np.divide(served, baseline, out=np.ones_like(served, dtype=float), where=baseline > 0)
    with np.errstate(divide="ignore"):
        p = np.power(np.clip(ratio, 1e-12, None), -1.0 / elasticity)
    return np.clip(p, 1.0, cap)


def demand_multiplier(price_prev: np.ndarray, demand_elasticity: float) -> np.ndarray:
    """Demand left after price destruction, from the previous block's price."""
    return np.power(price_prev, -demand_elasticity)
