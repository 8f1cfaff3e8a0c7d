"""A scenario applied to a network: the weekly arrays both engines read (one input, two engines)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chokepoint.chain.network import WEEKS_PER_YEAR, Network, final_factor, linear_links, linear_yields
from chokepoint.chain.scenario import Restriction, Scenario
from chokepoint.errors import BadInput, list_as_string

PROJECT_RAMP_WEEKS = 26.0  # a new plant reaches nameplate over half a year (assumption)
SHORT_TRIGGER = 0.01       # a country substitutes while over 1% of its demand goes unserved (assumption)


@dataclass
class Problem:
    """Arrays over weeks T, restrictions R, stages S, countries C, sectors K; masses in t, rates in t/week."""

    T: int
    q: np.ndarray          # (S, C) baseline output
    cap: np.ndarray        # (T, S, C) output ceiling each week (baseline + ramped spare + projects)
    eta: np.ndarray        # (S, C)
    flows: np.ndarray      # (S, C, C) baseline shipments
    mask: np.ndarray       # (R, S, C, C) each restriction's routes (exporter -> its targets)
    allow: np.ndarray      # (T, R, S, C) ceiling on each exporter's shipments on a restriction's routes; inf = not binding
    announced: np.ndarray  # (R,) week each restriction becomes known (the LP sees it from then on)
    industry0: np.ndarray  # (S, C) industry stock at the start
    stock_target: np.ndarray  # (T, S, C) industry stock buyers aim for (opening level, more while hoarding)
    strategic0: np.ndarray  # (S, C)
    release: np.ndarray    # (T, S, C) ceiling on strategic draw per week
    recycled: np.ndarray   # (T, S, C) exogenous supply entering producers' output
    demand0: np.ndarray    # (C, K) baseline final demand
    priority: np.ndarray   # (K,)
    sectors: list[str]
    elasticity: float
    demand_elasticity: float
    price_cap: float
    substitution: tuple[float, float, float]  # (gain, unwind) per week while short / not short, ceiling
    restock_weeks: float
    commit: int
    window: int
    inputs: tuple[tuple[int, ...], ...] = ()  # each stage's input stages; () = a linear chain
    yields: np.ndarray | None = None         # (S, S, C) t of stage-k output per t of stage-j input

    @property
    def need(self) -> np.ndarray:
        return self.flows.sum(axis=1)

    @property
    def linear(self) -> bool:
        return not self.inputs

    def links(self) -> list[tuple[int, ...]]:
        """Each stage's input stages (a linear chain: stage s takes stage s−1)."""
        return list(self.inputs) if self.inputs else linear_links(self.q.shape[0])

    def yield_matrix(self) -> np.ndarray:
        return self.yields if self.yields is not None else linear_yields(self.eta)

    def world_final_factor(self) -> np.ndarray:
        """World t of final product per t of each stage's product (S,), along each stage's path to
        the final stage at world yields (baseline output over the input it takes)."""
        made, need = self.q.sum(axis=1), self.need.sum(axis=1)
        links = self.links()
        Y = np.zeros((len(links), len(links), 1))
        for k, ins in enumerate(links):
            for j in ins:
                Y[k, j] = made[k] / need[j] if need[j] > 0 else 1.0
        return final_factor(links, Y)[:, 0]

    def visible(self, t0: int) -> np.ndarray:
        """Allowances as known at week t0: restrictions not yet announced do not bind (T, R, S, C)."""
        return np.where((self.announced <= t0)[None, :, None, None], self.allow, np.inf)

    def blocks(self) -> list[tuple[int, int]]:
        """(first week, weeks) of each decision block: every `commit` weeks, and anew at each
        announcement, so the LP replans the week a restriction becomes known, never before."""
        cuts = set(range(0, self.T, self.commit)) | {int(a) for a in self.announced if 0 < a < self.T}
        starts = sorted(cuts)
        return [(a, b - a) for a, b in zip(starts, starts[1:] + [self.T])]

    def routes(self, t: int) -> np.ndarray:
        """Routes restricted in week t, any restriction (S, C, C)."""
        return (self.mask & np.isfinite(self.allow[t])[..., None]).any(axis=0)


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


def _restrict(sc: Scenario, net: Network, blocs: dict[str, set[str]]) -> tuple[np.ndarray, ...]:
    """Each restriction's own routes and weekly allowance: one never takes another's profile."""
    S, C = net.shape
    R = max(len(sc.restrictions), 1)
    mask, allow = np.zeros((R, S, C, C), bool), np.full((sc.weeks, R, S, C), np.inf)
    announced = np.zeros(R, dtype=int)
    for n, r in enumerate(sc.restrictions):
        stages = [_stage(net, s, 0, f"restrictions.{n}.stages") for s in r.stages] if r.stages else range(S)
        tgt = [net.countries.index(c) for c in _targets(r, net.countries, blocs) if c in net.countries]
        for by in r.by:
            if by not in net.countries:
                continue
            i = net.countries.index(by)
            for s in stages:
                mask[n, s, i, tgt] = True
                mask[n, s, i, i] = False
        f = profile(r, sc.weeks)
        base = (net.flows * mask[n]).sum(axis=2)  # (S, C)
        on = (f > 0)[:, None, None] & mask[n].any(axis=2)[None]
        allow[:, n] = np.where(on, (1 - f)[:, None, None] * base[None], np.inf)
        announced[n] = r.announced()
    return mask, allow, announced


def _capacity(sc: Scenario, net: Network, restrictors: set[str], t0: int | None) -> np.ndarray:
    """Output ceilings: from the week a shock is known, free producers' spare capacity ramps at
    `ramp_share_per_year` of world output."""
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
    rate = sc.ramp_share_per_year * world * share / WEEKS_PER_YEAR  # t/wk of output gained per week
    since = np.clip(np.arange(T) - t0 + 1, 0, None)[:, None, None]
    cap = cap + np.minimum(spare[None], rate[None] * since)
    for p in sc.projects:
        s, c = _stage(net, p.stage, 0, "projects.stage"), net.index(p.country)
        ramp = np.clip((np.arange(T) - p.start_week + 1) / PROJECT_RAMP_WEEKS, 0, 1)
        cap[:, s, c] += ramp * p.capacity_t_per_year / WEEKS_PER_YEAR
    return cap


def _tolling(sc: Scenario, net: Network, cap: np.ndarray, mask: np.ndarray, allow: np.ndarray,
             strategic0: np.ndarray, release: np.ndarray, start: int | None) -> None:
    """Tolling, in place: a holder's stock at stage s converted at a host for it. The converted product
    joins the holder's strategic stock at the last stage; its weekly release ceiling is the reserved
    conversion (at most the host's ceiling at every conversion stage, which loses it), from `lead_weeks`
    after the release start, in weeks no restriction closes the host's last-stage route to the holder,
    until the whole stock could have been converted (the reservation then ends). Only what the
    reservation can convert within the horizon joins the stock (nothing, where the host has no capacity)."""
    S, F = net.shape[0], net.shape[0] - 1
    T = cap.shape[0]
    for n, tl in enumerate(sc.tolling):
        s = _stage(net, tl.stage, 0, f"tolling.{n}.stage")
        if s >= F:
            raise BadInput("a tolled stock is held before the last stage (it is converted into it)",
                           field=f"tolling.{n}.stage", hint=f"stages are {list_as_string(net.stages[:F])}")
        for name in ("holder", "host"):
            if getattr(tl, name) not in net.countries:
                raise BadInput(f"'{getattr(tl, name)}' is not in this network", field=f"tolling.{n}.{name}",
                               hint=f"countries are {list_as_string(net.countries)}")
        h, H = net.countries.index(tl.holder), net.countries.index(tl.host)
        fwd = np.array([net.eta[u + 1:, H].prod() for u in range(s + 1, S)])  # final t per t made at stage u
        room = (cap[:, s + 1:, H] * fwd[None]).min(axis=1)                      # (T,) final t/wk the host can make
        closed = (mask[:, F, H, h][None] & np.isfinite(allow[:, :, F, H])).any(axis=1) if H != h else np.zeros(T, bool)
        rate = np.minimum(tl.capacity_t_per_year / WEEKS_PER_YEAR, room) * ~closed
        rate[:T if start is None else min(T, start + tl.lead_weeks)] = 0.0
        made = tl.tonnes * net.eta[s + 1:, H].prod()
        rate = np.minimum(rate, np.clip(made - (np.cumsum(rate) - rate), 0, None))  # reserved until it is all made
        cap[:, s + 1:, H] -= rate[:, None] / np.maximum(fwd[None], 1e-12)
        strategic0[F, h] += rate.sum()  # what can be converted within the horizon; the rest stays oxide abroad
        release[:, F, h] += rate


def _stock_target(sc: Scenario, net: Network, mask: np.ndarray, industry0: np.ndarray) -> np.ndarray:
    """Industry stock each buyer aims for: its opening stock, plus `hoard_weeks` of use for a
    restricted buyer between a restriction's announcement and its start (pre-positioning)."""
    target = np.repeat(industry0[None], sc.weeks, axis=0)
    need = net.need()
    for n, r in enumerate(sc.restrictions):
        if r.duration_weeks == 0 or r.depth == 0:
            continue
        hit = mask[n].any(axis=1)  # (S, C) buyers on this restriction's routes
        weeks = slice(r.announced(), min(sc.weeks, r.start_week))
        target[weeks] = np.maximum(target[weeks], (industry0 + sc.hoard_weeks * need * hit)[None])
    return target


def _priorities(sc: Scenario, sectors: list[str]) -> np.ndarray:
    unknown = sorted(set(sc.priorities) - set(sectors))
    if unknown:
        raise BadInput(f"no sector {list_as_string(unknown)} in this network", field="priorities",
                       hint=f"sectors are {list_as_string(sectors)}")
    return np.array([sc.priorities.get(k, 1.0) for k in sectors])


def compile(sc: Scenario, net: Network, blocs: dict[str, set[str]] | None = None) -> Problem:
    """Turn a scenario and a network into the weekly arrays the engines solve."""
    S, C = net.shape
    T = sc.weeks
    t0 = sc.shock_start()
    restrictors = {b for r in sc.restrictions for b in r.by}
    mask, allow, announced = _restrict(sc, net, blocs or {})
    need = net.need()
    industry0 = need * np.array([net.industry_weeks.get(c, sc.industry_cover_weeks) for c in net.countries])
    s_stock = _stage(net, sc.strategic_stage, S - 1 if net.stock_stage is None else net.stock_stage,
                     "strategic_stage")
    days = {**net.strategic_days, **sc.strategic_days}
    strategic0 = np.zeros((S, C))
    final_use = need[-1]
    if net.linear:
        for c, d in days.items():
            if c in net.countries:
                strategic0[s_stock, net.index(c)] = d / 7.0 * final_use[net.index(c)] / max(net.eta[s_stock + 1:, net.index(c)].prod(), 1e-9)
    else:  # stocks keyed by country and stage (material and form); a scenario's override sits at `s_stock`
        to_final = net.to_final()
        at = {k: v for k, v in net.strategic_at.items() if k[0] not in sc.strategic_days}
        at.update({(c, s_stock): d for c, d in sc.strategic_days.items()})
        for (c, s), d in at.items():
            if c in net.countries:
                i = net.index(c)
                strategic0[s, i] = d / 7.0 * final_use[i] / max(float(to_final[s, i]), 1e-9)
    start = sc.release_start_week if sc.release_start_week is not None else t0
    release = np.zeros((T, S, C))
    if start is not None:
        release[start:] = strategic0 / sc.release_weeks
    recycled = np.zeros((T, S, C))
    if t0 is not None and sc.recycling_share > 0:
        s_rec = _stage(net, sc.recycling_stage, min(1, S - 1), "recycling_stage")
        yields = net.eta[s_rec + 1:].prod(axis=0) if net.linear else net.to_final()[s_rec]
        where = np.ones(C) if sc.recycling_countries is None else np.isin(net.countries, sc.recycling_countries)
        recycled[t0 + sc.recycling_lag_weeks:, s_rec] = where * sc.recycling_share * final_use / np.maximum(yields, 1e-9)
    cap = _capacity(sc, net, restrictors, sc.shock_known())
    _tolling(sc, net, cap, mask, allow, strategic0, release, start)
    sectors, demand0 = net.final_demand()
    substitution = (sc.substitution_per_year / WEEKS_PER_YEAR, sc.substitution_unwind_per_year / WEEKS_PER_YEAR,
                    sc.substitution_max)
    return Problem(T, net.q, cap, net.eta, net.flows, mask, allow, announced,
                   industry0, _stock_target(sc, net, mask, industry0), strategic0, release, recycled, demand0,
                   _priorities(sc, sectors), sectors, sc.elasticity, sc.demand_elasticity, sc.price_cap,
                   substitution, sc.restock_weeks, sc.commit_weeks, sc.window_weeks,
                   () if net.linear else tuple(net.links()), None if net.linear else net.yield_matrix())


def price_index(served: np.ndarray, demand: np.ndarray, elasticity: float, cap: float) -> np.ndarray:
    """p/p0 = (served / demand)^(−1/ε), within [1, cap] (DESIGN section 4).

    `demand` is what buyers still want after substitution and price-driven loss: demand that
    has gone away is not a shortage and does not hold the price up.
    """
    ratio = np.divide(served, demand, out=np.ones_like(served, dtype=float), where=demand > 0)
    with np.errstate(divide="ignore"):
        p = np.power(np.clip(ratio, 1e-12, None), -1.0 / elasticity)
    return np.clip(p, 1.0, cap)


def demand_multiplier(price_prev: np.ndarray, demand_elasticity: float) -> np.ndarray:
    """Demand left after price destruction, from the previous block's price."""
    return np.power(price_prev, -demand_elasticity)


def substituted(share: np.ndarray, short_ratio: np.ndarray, rule: tuple[float, float, float],
                weeks: int | np.ndarray) -> np.ndarray:
    """Each country's substituted share of demand after a block of `weeks`: it grows while the
    country was short in the block (> SHORT_TRIGGER of demand unserved) and unwinds once it is not."""
    gain, unwind, ceiling = rule
    step = np.where(short_ratio > SHORT_TRIGGER, gain, -unwind) * weeks
    return np.clip(share + step, 0.0, ceiling)
