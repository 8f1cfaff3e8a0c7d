"""A chunk of Monte Carlo draws as arrays: what varies over draws stacked, the rest shared.

`compile_draws` is `problem.compile` over a whole chunk at once: each uncertain parameter is
a column of values, and every weekly array is computed with a leading draw axis only where a
varying parameter reaches it (shared arrays keep a leading axis of 1, so a batch engine
broadcasts them instead of copying them per draw). It follows `problem.compile` operation
for operation, so each draw's arrays are the ones `problem.compile` gives for that draw's
scenario (tests/test_montecarlo.py checks every field, exactly). `Draws.stack` builds the
same structure from compiled problems.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from chokepoint.chain import problem
from chokepoint.chain.network import WEEKS_PER_YEAR, Network
from chokepoint.chain.problem import PROJECT_RAMP_WEEKS, Problem
from chokepoint.chain.scenario import Scenario
from chokepoint.errors import BadInput

# Problem's fields this module knows; a Problem with others (a multi-input chain) is refused
KNOWN = {"T", "q", "cap", "eta", "flows", "mask", "allow", "announced", "industry0", "stock_target", "strategic0",
         "release", "recycled", "demand0", "priority", "sectors", "elasticity", "demand_elasticity", "price_cap",
         "substitution", "restock_weeks", "commit", "window"}
NONE = np.inf  # a week that never comes: "no shock", "no start" as a number


@dataclass
class Draws:
    """Problem arrays of n draws, each with a leading axis of n (varies) or 1 (shared)."""

    n: int
    T: int
    q: np.ndarray             # (·, S, C)
    cap: np.ndarray           # (·, T, S, C)
    eta: np.ndarray           # (·, S, C)
    flows: np.ndarray         # (·, S, C, C)
    mask: np.ndarray          # (·, R, S, C, C)
    allow: np.ndarray         # (·, T, R, S, C)
    announced: np.ndarray     # (·, R)
    industry0: np.ndarray     # (·, S, C)
    stock_target: np.ndarray  # (·, T, S, C)
    strategic0: np.ndarray    # (·, S, C)
    release: np.ndarray       # (·, T, S, C)
    recycled: np.ndarray      # (·, T, S, C)
    demand0: np.ndarray       # (·, C, K)
    priority: np.ndarray      # (K,) shared by every draw
    sectors: list[str]
    el: np.ndarray            # (·,) price elasticity
    del_: np.ndarray          # (·,) demand elasticity
    pcap: np.ndarray          # (·,) price cap
    gain: np.ndarray          # (·,) substitution gained per week while short
    unwind: np.ndarray        # (·,) ... and unwound per week once not short
    ceiling: np.ndarray       # (·,) most demand that can be substituted
    restock: np.ndarray       # (·,) restock weeks
    commit: int
    window: int
    linear: bool = True       # a linear chain (every engine); False: multi-input stages (NumPy engine only)

    @property
    def source(self) -> np.ndarray:
        """Each buyer's baseline supplier shares (·, S, C, C)."""
        need_in = self.flows.sum(axis=2, keepdims=True)
        return np.divide(self.flows, need_in, out=np.zeros_like(self.flows), where=need_in > 0)

    @property
    def world_final(self) -> np.ndarray:
        """World final-stage use (·,): the scale of the 'any unmet gap' test."""
        return self.flows.sum(axis=2)[:, -1].sum(axis=1)

    @property
    def starts(self) -> np.ndarray:
        """(·, T) first weeks of decision blocks: every `commit` weeks and at each announcement."""
        t = np.arange(self.T)
        ann = self.announced[:, :, None] == t[None, None]
        return (t % self.commit == 0)[None] | (ann & (t > 0)[None, None]).any(axis=1)

    @property
    def levels(self) -> np.ndarray:
        """Priority levels, highest first."""
        return np.unique(self.priority)[::-1].astype(np.float64)

    def require_linear(self, what: str) -> None:
        if not self.linear:
            raise BadInput(f"{what} runs linear chains only; this network has multi-input stages",
                           field="device", hint="its Monte Carlo runs on the NumPy engine (--device numpy)")

    def problem(self, i: int) -> Problem:
        """Draw i as a Problem (for the NumPy engine)."""
        def row(a: np.ndarray) -> np.ndarray:
            return a[i if len(a) > 1 else 0]

        return Problem(self.T, row(self.q), row(self.cap), row(self.eta), row(self.flows), row(self.mask),
                       row(self.allow), row(self.announced), row(self.industry0), row(self.stock_target),
                       row(self.strategic0), row(self.release), row(self.recycled), row(self.demand0), self.priority,
                       self.sectors, float(row(self.el)), float(row(self.del_)), float(row(self.pcap)),
                       (float(row(self.gain)), float(row(self.unwind)), float(row(self.ceiling))),
                       float(row(self.restock)), self.commit, self.window)

    def problems(self) -> list[Problem]:
        return [self.problem(i) for i in range(self.n)]

    @classmethod
    def stack(cls, problems: list[Problem]) -> Draws:
        """Compiled problems of one network shape as Draws (an array every problem shares stays shared)."""
        p0 = problems[0]
        extra = [f.name for f in dataclasses.fields(p0)
                 if f.name not in KNOWN | {"inputs", "yields"} and getattr(p0, f.name) is not None]

        def col(name: str) -> np.ndarray:
            first = getattr(p0, name)
            if all(getattr(p, name) is first for p in problems):
                return np.asarray(first)[None]
            return np.stack([getattr(p, name) for p in problems])

        def num(get) -> np.ndarray:
            return np.array([get(p) for p in problems], dtype=float)

        return cls(len(problems), p0.T, col("q"), col("cap"), col("eta"), col("flows"), col("mask"), col("allow"),
                   col("announced"), col("industry0"), col("stock_target"), col("strategic0"), col("release"),
                   col("recycled"), col("demand0"), p0.priority, p0.sectors, num(lambda p: p.elasticity),
                   num(lambda p: p.demand_elasticity), num(lambda p: p.price_cap),
                   num(lambda p: p.substitution[0]), num(lambda p: p.substitution[1]),
                   num(lambda p: p.substitution[2]), num(lambda p: p.restock_weeks), p0.commit, p0.window,
                   linear=p0.linear and not extra)


class _Values:
    """The draws' value of a scenario field: (B,) where it varies, (1,) where it does not."""

    def __init__(self, paths: list[str], vals: np.ndarray):
        self.cols = {p: vals[:, j].astype(float) for j, p in enumerate(paths)}

    def __call__(self, path: str, base) -> np.ndarray | None:
        if path in self.cols:
            return self.cols[path]
        return None if base is None else np.array([float(base)])


def compile_draws(sc: Scenario, net: Network, blocs: dict[str, set[str]] | None, paths: list[str],
                  vals: np.ndarray) -> Draws:
    """`problem.compile` of every draw at once: scenario `sc` (any one draw) with the uncertain fields
    at `paths` taking the columns of `vals` (draws, paths; integer fields already whole)."""
    get = _Values(paths, vals)
    w = np.arange(sc.weeks, dtype=float)[None]            # weeks as a row (1, T)
    mask = problem._restrict(sc, net, blocs or {})[0][None]  # routes depend on no numeric field: shared
    allow, announced, rs = _restrictions(sc, net, mask[0], get, w)
    # shock_start and shock_known: the first biting restriction's start and announcement (NONE: no shock)
    t0 = _first([np.where(bites, start, NONE) for start, _, bites in rs])
    known = _first([np.where(bites, ann, NONE) for _, ann, bites in rs])
    industry0, strategic0, release = _stocks(sc, net, get, w, t0)
    sectors, demand0 = net.final_demand()
    cap = _capacity(sc, net, known, get, w)
    target = _stock_target(sc, net, mask[0], industry0, rs, get, w)
    gain = get("substitution_per_year", sc.substitution_per_year) / WEEKS_PER_YEAR
    unwind = get("substitution_unwind_per_year", sc.substitution_unwind_per_year) / WEEKS_PER_YEAR
    return Draws(len(vals), sc.weeks, net.q[None], cap, net.eta[None], net.flows[None], mask, allow, announced,
                 industry0, target, strategic0, release, _recycled(sc, net, get, w, t0), demand0[None],
                 problem._priorities(sc, sectors), sectors, get("elasticity", sc.elasticity),
                 get("demand_elasticity", sc.demand_elasticity), get("price_cap", sc.price_cap), gain, unwind,
                 get("substitution_max", sc.substitution_max), get("restock_weeks", sc.restock_weeks),
                 sc.commit_weeks, sc.window_weeks, linear=getattr(net, "linear", True))


def _restrictions(sc: Scenario, net: Network, mask: np.ndarray, get: _Values, w: np.ndarray) -> tuple:
    """Each restriction's weekly allowance (·, T, R, S, C) and announcement week (·, R), as
    `problem._restrict` and `problem.profile`; and per restriction (start, announced, bites) (·,)."""
    S, C = net.shape
    T, R = sc.weeks, max(len(sc.restrictions), 1)
    allow, announced, rs = np.full((1, T, R, S, C), np.inf), np.zeros((1, R)), []
    for n, r in enumerate(sc.restrictions):
        at = f"restrictions.{n}."
        start, dur = get(at + "start_week", r.start_week), get(at + "duration_weeks", r.duration_weeks)
        depth, ann = get(at + "depth", r.depth), get(at + "announced_week", r.announced_week)
        ann = start if ann is None else ann
        if (ann > start).any():
            raise BadInput("a draw's announced_week is after its start_week", field=f"uncertain.{at}announced_week",
                           hint="draw announcement and start so that announced_week <= start_week")
        end = np.minimum(T, start + dur)
        on = ~((dur == 0) | (depth == 0) | (start >= T))[:, None] & (w >= start[:, None]) & (w < end[:, None])
        f = np.where(on, depth[:, None], 0.0)
        if r.profile == "licensing":
            eased = start + get(at + "licence_delay_weeks", r.licence_delay_weeks)
            late = depth * (1 - get(at + "approval_share", r.approval_share))
            f = np.where(on & (w >= np.minimum(eased, end)[:, None]), late[:, None], f)
        if len(f) > len(allow):
            allow = np.repeat(allow, len(f), axis=0)
        out = allow[:, :, n]
        np.multiply((1 - f)[:, :, None, None], (net.flows * mask[n]).sum(axis=2)[None, None], out=out)
        np.copyto(out, np.inf, where=~((f > 0)[:, :, None, None] & mask[n].any(axis=2)[None, None]))
        announced = np.broadcast_to(announced, (max(len(announced), len(ann)), R)).copy()
        announced[:, n] = ann
        rs.append((start, ann, (dur > 0) & (depth > 0)))
    return allow, announced, rs


def _stocks(sc: Scenario, net: Network, get: _Values, w: np.ndarray, t0: np.ndarray) -> tuple[np.ndarray, ...]:
    """Industry stock (·, S, C), strategic stock (·, S, C) and its weekly release ceiling (·, T, S, C)."""
    S, C = net.shape
    need = net.need()
    cover = get("industry_cover_weeks", sc.industry_cover_weeks)
    weeks = np.array([[net.industry_weeks.get(c, np.nan) for c in net.countries]])
    industry0 = need[None] * np.where(np.isnan(weeks), cover[:, None], weeks)[:, None, :]
    s_stock = problem._stage(net, sc.strategic_stage, S - 1 if net.stock_stage is None else net.stock_stage,
                             "strategic_stage")
    days = {**net.strategic_days, **sc.strategic_days}
    days.update({p.split(".", 1)[1]: None for p in get.cols if p.startswith("strategic_days.")})
    strategic0 = np.zeros((1, S, C))
    for c, d in days.items():
        if c in net.countries:
            i = net.index(c)
            v = get(f"strategic_days.{c}", d) / 7.0 * need[-1][i] / max(net.eta[s_stock + 1:, i].prod(), 1e-9)
            strategic0 = np.broadcast_to(strategic0, (max(len(strategic0), len(v)), S, C)).copy()
            strategic0[:, s_stock, i] = v
    start = get("release_start_week", sc.release_start_week)
    start = t0 if start is None else np.where(start < 0, np.maximum(sc.weeks + start, 0), start)  # a slice's start
    rate = strategic0 / get("release_weeks", sc.release_weeks)[:, None, None]
    return industry0, strategic0, rate[:, None] * (w >= start[:, None])[:, :, None, None]


def _recycled(sc: Scenario, net: Network, get: _Values, w: np.ndarray, t0: np.ndarray) -> np.ndarray:
    """Recycled supply entering producers' output (·, T, S, C), from `recycling_lag_weeks` after the shock."""
    S, C = net.shape
    share = get("recycling_share", sc.recycling_share)
    if not (np.isfinite(t0) & (share > 0)).any():
        return np.zeros((1, sc.weeks, S, C))
    s_rec = problem._stage(net, sc.recycling_stage, min(1, S - 1), "recycling_stage")
    yields = net.eta[s_rec + 1:].prod(axis=0)
    where = np.ones(C) if sc.recycling_countries is None else np.isin(net.countries, sc.recycling_countries)
    on = (share > 0)[:, None] & (w >= (t0 + get("recycling_lag_weeks", sc.recycling_lag_weeks))[:, None])
    v = where[None] * share[:, None] * net.need()[-1][None] / np.maximum(yields, 1e-9)[None]
    recycled = np.zeros((len(on), sc.weeks, S, C))
    np.multiply(v[:, None], on[:, :, None], out=recycled[:, :, s_rec])
    return recycled


def _stock_target(sc: Scenario, net: Network, mask: np.ndarray, industry0: np.ndarray, rs: list, get: _Values,
                  w: np.ndarray) -> np.ndarray:
    """Industry stock buyers aim for (·, T, S, C): the opening stock, plus `hoard_weeks` of use for a
    restricted buyer between a restriction's announcement and its start (as `problem._stock_target`)."""
    S, C = net.shape
    T, need = sc.weeks, net.need()
    target = np.broadcast_to(industry0[:, None], (len(industry0), T, S, C))
    hoard = get("hoard_weeks", sc.hoard_weeks)
    for n, (start, ann, bites) in enumerate(rs):
        on = bites[:, None] & (w >= ann[:, None]) & (w < np.minimum(T, start)[:, None])
        if on.any():
            more = (industry0 + hoard[:, None, None] * need * mask[n].any(axis=1))[:, None]
            target = np.where(on[:, :, None, None], np.maximum(target, more), target)
    return np.ascontiguousarray(target)


def _first(weeks: list[np.ndarray]) -> np.ndarray:
    """The earliest of some weeks per draw (NONE where there are none)."""
    return np.min(np.broadcast_arrays(*weeks), axis=0) if weeks else np.array([NONE])


def _capacity(sc: Scenario, net: Network, known: np.ndarray, get: _Values, w: np.ndarray) -> np.ndarray:
    """Output ceilings (·, T, S, C), as `problem._capacity` with the shock known in week `known` (·,)."""
    T = sc.weeks
    restrictors = {b for r in sc.restrictions for b in r.by}
    is_known = np.nan_to_num(net.capacity * 0 + 1, nan=0).astype(bool)
    spare_cap = get("spare_capacity", sc.spare_capacity)
    K = np.where(is_known[None], np.maximum(np.nan_to_num(net.capacity), net.q)[None],
                 net.q[None] * (1 + spare_cap[:, None, None]))
    free = np.array([c not in restrictors for c in net.countries])
    spare = np.where(free[None, None], K - net.q, 0.0)
    world = net.q.sum(axis=1, keepdims=True)
    Kf = K * free
    tot = Kf.sum(axis=2, keepdims=True)
    share = np.divide(Kf, tot, out=np.zeros_like(Kf), where=tot > 0)
    rate = get("ramp_share_per_year", sc.ramp_share_per_year)[:, None, None] * world * share / WEEKS_PER_YEAR
    since = np.clip(w - known[:, None] + 1, 0, None)[:, :, None, None]  # known = NONE: 0 every week
    cap = rate[:, None] * since
    np.minimum(spare[:, None], cap, out=cap)
    np.add(net.q[None, None], cap, out=cap)
    for i, p in enumerate(sc.projects):
        s, c = problem._stage(net, p.stage, 0, "projects.stage"), net.index(p.country)
        start = get(f"projects.{i}.start_week", p.start_week)
        ramp = np.clip((w - start[:, None] + 1) / PROJECT_RAMP_WEEKS, 0, 1)
        add = ramp * get(f"projects.{i}.capacity_t_per_year", p.capacity_t_per_year)[:, None] / WEEKS_PER_YEAR
        add = np.where(np.isfinite(known)[:, None], add, 0.0)  # no shock: no projects (problem._capacity)
        if len(add) > len(cap):
            cap = np.repeat(cap, len(add), axis=0)
        cap[:, :, s, c] += add
    return cap
