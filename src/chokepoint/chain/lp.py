"""The LP engine: linopy + HiGHS over a rolling horizon, the reference for correctness.

Each window of `window` weeks maximises served demand (earlier weeks weigh a little more,
higher-priority sectors a little more) minus a fairness penalty on each buyer's receipts
straying from its baseline share of what the stage ships (the fast engine's pro-rata
rule), small penalties for output above baseline and shipments above baseline routes, plus
a small value on stocks left at the window's end, and tie-breakers that make the optimum
unique; the first `commit` weeks are kept and their end stocks start the next window. A
window sees only restrictions announced by its first week; industry stocks stay within
their targets. Demand responds per block to the previous block's price and shortage, as
in `fast`.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
from collections.abc import Callable, Iterator

import highspy
import linopy
import pandas as pd
import numpy as np
import scipy.sparse as sp
import xarray as xr

from chokepoint.chain.problem import Problem, demand_multiplier, price_index, substituted
from chokepoint.chain.results import Trajectory
from chokepoint.errors import ChokepointError

EXTRA_OUTPUT_COST = 1e-3    # per t above baseline output: no needless production
REROUTE_COST = 1e-3         # per t above a baseline route: no needless rerouting
INDUSTRY_DRAW_COST = 5e-4  # per t drawn from industry stock: stocks drawn only when needed
STRATEGIC_VALUE = 8e-4      # per t of strategic stock left (it cannot be refilled): drawn after industry
EARLY_BONUS = 1e-3          # served earlier weighs up to 0.1% more (greedy in time, like `fast`)
# Served weighs 1 + PRIORITY_BONUS·(w_k − 1): priorities order sectors, never trade volume away.
PRIORITY_BONUS = 0.05
# Fairness: − FAIR_COST · v_s · Σ_c |recv_c − share_c·Σ recv| per stage and week, v_s the
# final-product value of a stage-s tonne: each buyer's receipts are pulled to its baseline
# share of what the stage ships (the fast engine's pro-rata rule). 2·FAIR_COST < 1, so volume
# is never given up for fairness; FAIR_COST > PRIORITY_BONUS·(3 − 1)/2, so one country's
# defence demand does not pull supply from another's (priorities act within a country).
FAIR_COST = 0.1
# Uniqueness (docs/model.md, "Engines"). Two short buyers can trade supply, two stocks can
# be drawn in either order, at equal value: the answer would depend on the vertex a solver
# reaches. Two terms remove the ties. (1) Equal proportional shortfall: each buyer-sector's
# shortfall is split into SHORT_SEGMENTS bands of 1/SHORT_SEGMENTS of its demand, band j
# costing j·SHORT_STEP per t (a convex, piecewise-linear stand-in for the quadratic
# (D − served)²/D, which HiGHS's QP solver takes minutes over): deeper shortfalls cost more,
# so scarce supply is shared in proportion to demand. The steepest band stays below one
# week's EARLY_BONUS, so timing preferences are kept. (2) What is left (choices inside one
# band, stocks) is broken by a fixed generic perturbation of the value of each served and
# stocked tonne, drawn from TIE_SEED: a generic objective has a single optimum. Its spread
# (TIE_SIZE) is below one band step, so it never reorders bands.
SHORT_SEGMENTS = 40
SHORT_STEP = 2e-6
TIE_SIZE = 1e-6
TIE_SEED = 20261201
# HiGHS settings each run starts from; `simulate(options=...)` overrides them (the
# uniqueness test solves every shipped scenario under two settings that reach different vertices).
# Tolerances are tighter than HiGHS's defaults (1e-7) so that the tie-breakers below, whose
# differences are ~1e-6, are seen by every path.
SOLVER_OPTIONS = {"output_flag": False, "presolve": "choose", "solver": "choose", "random_seed": 0,
                  "dual_feasibility_tolerance": 1e-9, "primal_feasibility_tolerance": 1e-8}
CACHE_SIZE = 8              # built windows kept per process (a batch of scenarios on one network)
# A solution HiGHS reports optimal is checked against the window's own rows and bounds: a
# re-solve of a modified model with IPM and presolve off has returned "Optimal" with rows
# violated by hundreds of tonnes (HiGHS 1.16, replay-2010-quota on rounded trade data). Such
# a solution is thrown away and the window solved again from a cleared solver by simplex.
FEASIBILITY_TOL = 1e-6      # relative to 1 + |bound|


def _da(arr: np.ndarray, dims: tuple[str, ...]) -> xr.DataArray:
    return xr.DataArray(arr, coords={d: np.arange(n) for d, n in zip(dims, arr.shape)}, dims=dims)


class Window:
    """The LP of one window length, built once; each window only updates bounds and right-hand sides.

    Building a linopy model costs far more than solving it here, so rolling the horizon by
    re-using one model (and `io_api='direct'`) keeps `chokepoint stress` under a minute.
    """

    def __init__(self, p: Problem, H: int):
        S, C = p.q.shape
        K = p.demand0.shape[1]
        self.H, self.shape = H, (H, S, C)
        m = self.m = linopy.Model()
        tsc = ("t", "s", "c")
        coords = [np.arange(H), np.arange(S), np.arange(C)]
        zeros = _da(np.zeros((H, S, C)), tsc)
        prod = m.add_variables(lower=0, upper=zeros, name="prod")
        ship = m.add_variables(lower=0, coords=coords + [np.arange(C)], dims=tsc + ("d",), name="ship")
        ind = m.add_variables(lower=0, upper=zeros, name="ind")
        strat = m.add_variables(lower=0, coords=coords, dims=tsc, name="strat")
        served = m.add_variables(lower=0, upper=_da(np.zeros((H, C, K)), ("t", "c", "k")), name="served")
        extra = m.add_variables(lower=0, coords=coords, dims=tsc, name="extra")
        reroute = m.add_variables(lower=0, coords=coords + [np.arange(C)], dims=tsc + ("d",), name="reroute")
        draw = m.add_variables(lower=0, coords=coords, dims=tsc, name="draw")
        ind_prev, str_prev = ind.shift(t=1).fillna(0), strat.shift(t=1).fillna(0)
        last = np.zeros(S)
        last[-1] = 1.0
        if p.linear:
            inv_eta = np.zeros((S, C))
            inv_eta[:-1] = 1.0 / p.eta[1:]
            made = prod.shift(s=-1).fillna(0) * _da(inv_eta, ("s", "c"))
        else:  # multi-input stages: bus j supplies Σ_k prod_k / Y_kj (Leontief: each input at its coefficient)
            Y = p.yield_matrix()
            coef = np.divide(1.0, Y, out=np.zeros_like(Y), where=Y > 0).transpose(1, 0, 2)  # (j, k, c)
            made = (prod.rename(s="k") * _da(coef, ("s", "k", "c"))).sum("k")
        use = made + served.sum("k") * _da(last, ("s",))
        m.add_constraints(prod - ship.sum("d") == zeros, name="producer")
        m.add_constraints(ship.sum("c").rename(d="c") + ind_prev - ind + str_prev - strat - use == zeros,
                          name="buyer")
        mask = _da(p.mask.astype(float), ("r", "s", "c", "d"))
        m.add_constraints((ship * mask).sum("d") <= _da(np.zeros((p.mask.shape[0], H, S, C)), ("r",) + tsc),
                          name="restriction")
        m.add_constraints(draw + ind - ind_prev >= zeros, name="draw_def")
        m.add_constraints(str_prev - strat <= zeros, name="release")
        m.add_constraints(strat - str_prev <= zeros, name="no_refill")
        m.add_constraints(extra - prod >= zeros, name="extra_def")
        m.add_constraints(reroute - ship >= _da(np.zeros((H, S, C, C)), tsc + ("d",)), name="reroute_def")
        dev = m.add_variables(lower=0, coords=coords, dims=tsc, name="dev")
        recv = ship.sum("c").rename(d="c")
        stray = recv - recv.sum("c") * _da(fair_shares(p), ("s", "c"))
        m.add_constraints(dev - stray >= zeros, name="fair_up")
        m.add_constraints(dev + stray >= zeros, name="fair_down")
        end = _da(np.eye(H)[:, -1:].repeat(S * C, 1).reshape(H, S, C), tsc)
        weight = (1 + PRIORITY_BONUS * (p.priority[None, None, :] - 1)) * \
            (1 + EARLY_BONUS * (H - np.arange(H)) / H)[:, None, None]
        seg = m.add_variables(lower=0, upper=_da(np.zeros((SHORT_SEGMENTS, H, C, K)), ("j", "t", "c", "k")),
                              name="short_band")
        m.add_constraints(served + seg.sum("j") >= _da(np.zeros((H, C, K)), ("t", "c", "k")), name="short_def")
        band_cost = _da(SHORT_STEP * np.arange(SHORT_SEGMENTS, dtype=float), ("j",))
        tie = np.random.default_rng(TIE_SEED).uniform(TIE_SIZE, 2 * TIE_SIZE, (3, H, max(S, K), C))
        m.add_objective((served * _da(np.broadcast_to(weight, (H, C, K)) + tie[0, :, :K].transpose(0, 2, 1),
                                      ("t", "c", "k"))).sum()
                        + (ind * _da(tie[1, :, :S], tsc)).sum() + (strat * _da(tie[2, :, :S], tsc)).sum()
                        - (dev * _da(FAIR_COST * final_value(p), ("s",))).sum() - (seg * band_cost).sum()
                        - EXTRA_OUTPUT_COST * extra.sum() - REROUTE_COST * reroute.sum()
                        - INDUSTRY_DRAW_COST * draw.sum() + STRATEGIC_VALUE * (strat * end).sum(),
                        sense="max")

        with _quiet_stdout():
            self.h = m.to_highspy()
        mat = m.matrices
        self.vpos = pd.Series(np.arange(len(mat.vlabels)), index=mat.vlabels)
        self.cpos = pd.Series(np.arange(len(mat.clabels)), index=mat.clabels)
        lp = self.h.getLp()
        a = lp.a_matrix_
        kind = sp.csr_matrix if a.format_ == highspy.MatrixFormat.kRowwise else sp.csc_matrix
        self.A = kind((np.asarray(a.value_), np.asarray(a.index_), np.asarray(a.start_)),
                      shape=(lp.num_row_, lp.num_col_)).tocsr()
        self.bounds = {"col": [np.asarray(lp.col_lower_, float), np.asarray(lp.col_upper_, float)],
                       "row": [np.asarray(lp.row_lower_, float), np.asarray(lp.row_upper_, float)]}

    def _cols(self, name: str, upper: np.ndarray) -> None:
        idx = self.vpos[self.m.variables[name].labels.values.ravel()].to_numpy()
        lo, up = np.zeros(len(idx)), upper.ravel().astype(float)
        self.bounds["col"][0][idx], self.bounds["col"][1][idx] = lo, up
        self.h.changeColsBounds(len(idx), idx, lo, up)

    def _rows(self, name: str, rhs: np.ndarray, dims: tuple[str, ...] | None = None) -> None:
        """Set a constraint's right-hand sides; `dims` names rhs's axes when they differ from the rows' order."""
        con = self.m.constraints[name]
        idx = self.cpos[con.labels.values.ravel()].to_numpy()
        sign = con.sign.values.ravel()[0]
        inf = np.full(len(idx), highspy.kHighsInf)
        if dims is not None:
            rhs = np.transpose(rhs, [dims.index(d) for d in con.labels.dims])
        r = np.minimum(rhs.ravel().astype(float), highspy.kHighsInf)
        lo, up = {"=": (r, r), "<=": (-inf, r), ">=": (r, inf)}[sign]
        self.bounds["row"][0][idx], self.bounds["row"][1][idx] = lo, up
        self.h.changeRowsBounds(len(idx), idx, lo, up)

    def violation(self, x: np.ndarray) -> float:
        """Largest violation of a row or column bound by `x`, relative to 1 + |bound|."""
        worst = 0.0
        for value, (lo, up) in ((self.A @ x, self.bounds["row"]), (x, self.bounds["col"])):
            with np.errstate(invalid="ignore"):
                below = np.where(np.isfinite(lo), (lo - value) / (1 + np.abs(lo)), 0.0)
                above = np.where(np.isfinite(up), (value - up) / (1 + np.abs(up)), 0.0)
            worst = max(worst, float(below.max(initial=0.0)), float(above.max(initial=0.0)))
        return worst

    def _run(self) -> np.ndarray | None:
        """Solve; the primal solution when HiGHS reports it optimal and it holds every bound."""
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        x = np.asarray(self.h.getSolution().col_value)
        return x if self.violation(x) <= FEASIBILITY_TOL else None

    def solve(self, p: Problem, t0: int, demand: np.ndarray, ind0: np.ndarray, str0: np.ndarray) -> dict:
        """Solve weeks t0..t0+H-1 from the given stocks (HiGHS model updated in place)."""
        w = slice(t0, t0 + self.H)
        first_i, first_s = np.zeros(self.shape), np.zeros(self.shape)
        first_i[0], first_s[0] = ind0, str0
        self._cols("prod", p.cap[w])
        self._cols("ind", np.maximum(p.stock_target[w], ind0[None]))
        self._cols("served", demand)
        self._cols("short_band", np.broadcast_to(demand / SHORT_SEGMENTS, (SHORT_SEGMENTS,) + demand.shape))
        self._rows("short_def", demand)
        self._rows("producer", -p.recycled[w])
        self._rows("buyer", -first_i - first_s)
        self._rows("restriction", p.visible(t0)[w], ("t", "r", "s", "c"))
        self._rows("draw_def", first_i)
        self._rows("release", p.release[w] - first_s)
        self._rows("no_refill", first_s)
        self._rows("extra_def", -np.broadcast_to(p.q, self.shape))
        self._rows("reroute_def", -np.broadcast_to(p.flows, (self.H,) + p.flows.shape))
        x = self._run()
        if x is None:  # a numerical failure or a false optimum on one path: the optimum is unique,
            self.h.clearSolver()                       # so another path gives the same answer
            self.h.setOptionValue("solver", "simplex")
            self.h.setOptionValue("presolve", "on")
            x = self._run()
        if x is None:
            status = self.h.modelStatusToString(self.h.getModelStatus())
            raise ChokepointError(f"LP window at week {t0} not solved: {status}"
                                  + (" (its solution breaks the window's bounds)" if status == "Optimal" else ""))
        out = {}
        for n in ("prod", "ship", "ind", "strat", "served"):
            lab = self.m.variables[n].labels.values
            out[n] = np.clip(x[self.vpos[lab.ravel()].to_numpy()].reshape(lab.shape), 0, None)
        return out


def fair_shares(p: Problem) -> np.ndarray:
    """Each buyer's baseline share of a stage's receipts (S, C): the pro-rata rationing key."""
    need = p.need
    tot = need.sum(axis=1, keepdims=True)
    return np.divide(need, tot, out=np.zeros_like(need), where=tot > 0)


def final_value(p: Problem) -> np.ndarray:
    """Final-product t per t of stage-s product at world yields (S,), to price penalties alike."""
    world = p.need.sum(axis=1)
    made = p.q.sum(axis=1)
    if p.linear:
        eta = np.divide(made[1:], world[:-1], out=np.ones(len(world) - 1), where=world[:-1] > 0)
        return np.append(np.cumprod(eta[::-1])[::-1], 1.0)
    return p.world_final_factor()


_windows: dict[tuple, Window] = {}


def window(p: Problem) -> Window:
    """A built window for the problem's coefficients, re-used across runs on the same network.

    Only yields, restricted routes, priorities and baseline shares enter the matrix; bounds
    and right-hand sides are set per solve, so Monte Carlo batches and property tests on one
    network pay the (slow) linopy build once per process.
    """
    key = (p.window, p.q.shape, p.demand0.shape, p.eta.tobytes(), p.yield_matrix().tobytes(), p.inputs,
           p.mask.tobytes(), p.priority.tobytes(),
           fair_shares(p).tobytes(), final_value(p).tobytes())
    if key not in _windows:
        if len(_windows) >= CACHE_SIZE:
            _windows.pop(next(iter(_windows)))
        _windows[key] = Window(p, p.window)
    return _windows[key]


def _pad(a: np.ndarray, extra: int) -> np.ndarray:
    """Extend an array over weeks by repeating its last week (windows past the horizon)."""
    return np.concatenate([a, np.repeat(a[-1:], extra, axis=0)]) if extra else a


def simulate(p: Problem, progress: Callable[[int, int], None] | None = None,
             options: dict | None = None) -> Trajectory:
    """Solve the problem window by window; returns the committed trajectory.

    `options` are HiGHS settings over `SOLVER_OPTIONS`; the answer does not depend on them.
    """
    S, C = p.q.shape
    T, K = p.T, p.demand0.shape[1]
    tr = Trajectory(np.zeros((T, S, C)), np.zeros((T, S, C, C)), np.zeros((T + 1, S, C)),
                    np.zeros((T + 1, S, C)), np.zeros((T, C, K)), np.zeros((T, C, K)), np.ones(T))
    tr.industry[0], tr.strategic[0] = p.industry0, p.strategic0
    win = window(p)
    win.h.clearSolver()  # no warm start from an earlier run: a run's result must not depend on history
    for name, value in {**SOLVER_OPTIONS, **(options or {})}.items():
        win.h.setOptionValue(name, value)
    p = dataclasses.replace(p, **{n: _pad(getattr(p, n), p.window) for n in
                                  ("cap", "allow", "stock_target", "release", "recycled")})
    sub, last = np.zeros(C), 0
    for t0, n in p.blocks():
        mult = demand_multiplier(tr.price[t0 - 1], p.demand_elasticity) if t0 > 0 else 1.0
        if t0 > 0:
            block = slice(last, t0)
            wanted = tr.demand[block].sum(axis=(0, 2))
            short = 1 - np.divide(tr.served[block].sum(axis=(0, 2)), wanted, out=np.ones_like(wanted),
                                  where=wanted > 0)
            sub = substituted(sub, short, p.substitution, t0 - last)
        demand = np.broadcast_to(p.demand0 * (1 - sub)[:, None] * mult, (p.window,) + p.demand0.shape)
        sol = win.solve(p, t0, demand, tr.industry[t0], tr.strategic[t0])
        last, w = t0, slice(t0, t0 + n)
        tr.prod[w], tr.ship[w], tr.served[w] = sol["prod"][:n], sol["ship"][:n], sol["served"][:n]
        tr.industry[t0 + 1:t0 + n + 1], tr.strategic[t0 + 1:t0 + n + 1] = sol["ind"][:n], sol["strat"][:n]
        tr.demand[w] = demand[:n]
        tr.price[w] = price_index(tr.served[w].sum(axis=(1, 2)), demand[:n].sum(axis=(1, 2)), p.elasticity,
                                  p.price_cap)
        if progress:
            progress(t0 + n, T)
    return tr


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence HiGHS's banner, which its C++ side prints to fd 1 when a model is created and
    which would otherwise corrupt CSV/JSON written to stdout (Python-level redirects miss it)."""
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # captured streams (pytest) have no fd
        yield
        return
    saved = os.dup(fd)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), fd)
        try:
            yield
        finally:
            os.dup2(saved, fd)
            os.close(saved)
