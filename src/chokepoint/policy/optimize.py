"""A budgeted resilience portfolio by sample-average approximation (SAA) on the batched engine.

Steps (public, in order): `curves` runs each lever alone at a few levels on one common
sample (common random numbers); `solve` fits a per-draw piecewise-linear response per lever,
assumes the levers' effects add up (the one modelling assumption: interactions are ignored
in the fit, never in the reported figures), and chooses levels that minimise expected
shortfall or CVaR 95% of the fitted per-draw shortfall under the budget, as a MILP in linopy
+ HiGHS (convex-combination weights per lever with SOS2-style segment binaries); `choose`
re-evaluates that portfolio jointly with the engine, `prune`s levers that add nothing jointly,
and keeps it unless doing nothing, a single-lever grid point (already evaluated exactly) or a
smaller budget's portfolio does better in-sample; `frontier` repeats solve + choose across
budgets, smallest first; `refine` adds two grid levels per lever next to the
budget's choice and solves again; the chosen portfolio is then re-evaluated on a fresh seed
(out-of-sample).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from chokepoint.chain.montecarlo import TAIL
from chokepoint.errors import BadInput, ChokepointError, list_as_string
from chokepoint.policy import money
from chokepoint.policy.sample import RISKS, Sample, measure

FRONTIER = (0.25, 0.5, 1.0, 1.5)  # frontier budgets as multiples of the budget
GRID = (0.125, *FRONTIER)         # grid levels: each lever alone worth these multiples of the budget, so
                                  # every frontier budget's single-lever portfolio is evaluated exactly
OOS_SEED_OFFSET = 1_000_003       # out-of-sample seed = seed + this
STEP = 0.05                       # marginal value: the next 5% of the budget spent on one lever
PENNY = 1e-4                      # t of fitted risk a bn KRW must save to be spent (tie-break to the cheapest)
PRUNED = 3                        # joint re-runs a prune typically takes (for the progress bar's total only)


@dataclass
class Curves:
    """Each lever alone at grid levels (L, M) and per-draw shortfall (L, M, n); do-nothing (n,)."""

    names: list[str]
    levels: np.ndarray
    costs: np.ndarray
    shortfall: np.ndarray
    base: np.ndarray

    def table(self, risk: str) -> pd.DataFrame:
        rows = [{"lever": n, "level": float(self.levels[i, j]), "cost_krw": float(self.costs[i, j]),
                 "expected_t": float(self.shortfall[i, j].mean()), "risk_t": measure(self.shortfall[i, j], risk)}
                for i, n in enumerate(self.names) for j in range(self.levels.shape[1])]
        return pd.DataFrame(rows)

    def fitted(self, levels: dict[str, float]) -> np.ndarray:
        """Additive piecewise-linear per-draw shortfall at `levels` (clipped at 0)."""
        out = self.base.copy()
        for i, n in enumerate(self.names):
            x, g = levels.get(n, 0.0), self.levels[i]
            j = int(np.clip(np.searchsorted(g, x, side="right") - 1, 0, len(g) - 2))
            w = 0.0 if g[j + 1] == g[j] else (x - g[j]) / (g[j + 1] - g[j])
            out += (1 - w) * self.shortfall[i, j] + w * self.shortfall[i, j + 1] - self.base
        return np.clip(out, 0, None)


def grid(sample: Sample, spend_krw: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Levels (L, M): 0 and each lever alone worth each amount in `spend_krw`, within its max_level."""
    rows = []
    for lv in sample.levers:
        unit = lv.cost_krw(1.0, sample.ctx)
        rows.append(sorted([0.0, *(min(lv.max_level, b / unit) if unit > 0 else lv.max_level for b in spend_krw)]))
    levels = np.array(rows)
    costs = np.array([[lv.cost_krw(x, sample.ctx) for x in row] for lv, row in zip(sample.levers, levels)])
    return levels, costs


def curves(sample: Sample, spend_krw: list[float], progress: Callable[[int], None] | None = None) -> Curves:
    """Run do-nothing and each lever alone at its grid levels on the common sample, largest level
    first: a lever that changes no draw there is taken to change none at smaller levels (not run)."""
    levels, costs = grid(sample, spend_krw)
    base = sample.shortfall({}, progress)
    out = np.zeros((*levels.shape, len(base)))
    for i, lv in enumerate(sample.levers):
        done: dict[float, np.ndarray] = {0.0: base}
        for j in range(levels.shape[1] - 1, -1, -1):
            x = float(levels[i, j])
            if x not in done:
                done[x] = sample.shortfall({lv.name: x}, progress)
                if j == levels.shape[1] - 1 and np.allclose(done[x], base, rtol=0, atol=1e-9):
                    done.update({float(v): base for v in levels[i]})
            out[i, j] = done[x]
    return Curves([lv.name for lv in sample.levers], levels, costs, out, base)


def evaluations(n_levers: int) -> int:
    """Engine evaluations a full plan of n levers takes (for a progress bar and a server's cost limit):
    base, grid, the joint re-runs of every frontier budget and the plan's own, out-of-sample."""
    n_budgets = len(set(FRONTIER) | {1.0})
    return 1 + n_levers * (len(GRID) + 2) + (n_budgets + 1) * (1 + PRUNED) + 2


def solve(c: Curves, budget_krw: float, risk: str = "expected",
          excluded: frozenset[str] = frozenset()) -> dict[str, float]:
    """Lever levels minimising the fitted risk under the budget (MILP, linopy + HiGHS); `excluded`
    levers stay at 0."""
    import linopy
    import xarray as xr

    if risk not in RISKS:
        raise BadInput(f"unknown risk '{risk}'", field="risk", hint=f"risks are {list_as_string(RISKS)}")
    L, M, n = c.shortfall.shape
    lev, pt, seg, dr = np.arange(L), np.arange(M), np.arange(M - 1), np.arange(n)
    m = linopy.Model()
    lam = m.add_variables(0, 1, coords=[("lever", lev), ("point", pt)], name="lam")
    z = m.add_variables(coords=[("lever", lev), ("seg", seg)], name="z", binary=True)
    y = m.add_variables(0, coords=[("draw", dr)], name="y")
    m.add_constraints(lam.sum("point") == 1, name="convex")
    out = [i for i, name in enumerate(c.names) if name in excluded]
    if out:  # grid levels are sorted and start at 0
        m.add_constraints(lam.sel(lever=out, point=0) == 1, name="excluded")
    m.add_constraints(z.sum("seg") == 1, name="one_segment")
    ends = np.zeros((M, M - 1))  # SOS2: only the two ends of the chosen segment may be non-zero
    ends[seg, seg] = ends[seg + 1, seg] = 1.0
    m.add_constraints(lam - (z * xr.DataArray(ends, coords=[("point", pt), ("seg", seg)])).sum("seg") <= 0,
                      name="sos2")
    cost = xr.DataArray(c.costs / 1e9, coords=[("lever", lev), ("point", pt)])  # bn KRW keeps HiGHS well scaled
    m.add_constraints((lam * cost).sum() <= budget_krw / 1e9, name="budget")
    resp = xr.DataArray(np.moveaxis(c.shortfall - c.base, 2, 0), coords=[("draw", dr), ("lever", lev), ("point", pt)])
    m.add_constraints(y - (lam * resp).sum(["lever", "point"]) >= xr.DataArray(c.base, coords=[("draw", dr)]),
                      name="fit")
    thrift = PENNY * (lam * cost).sum()  # of equally good portfolios, the cheapest (no spending for nothing)
    if risk == "expected":
        m.add_objective(y.sum() / n + thrift)
    else:
        t = m.add_variables(coords=None, name="t")
        u = m.add_variables(0, coords=[("draw", dr)], name="u")
        m.add_constraints(u - y + t >= 0, name="tail")
        m.add_objective(t + u.sum() / ((1 - TAIL) * n) + thrift)
    from chokepoint.chain.lp import _quiet_stdout

    with _quiet_stdout():  # HiGHS's C++ banner would corrupt JSON/CSV on stdout
        status, condition = m.solve(solver_name="highs", output_flag=False, log_to_console=False)
    if status != "ok":
        raise ChokepointError(f"the portfolio MILP did not solve: {status} ({condition})")
    w = m.solution["lam"].values
    return {name: float((w[i] * c.levels[i]).sum()) for i, name in enumerate(c.names)}


def prune(sample: Sample, levels: dict[str, float], joint: np.ndarray, risk: str,
          progress: Callable[[int], None] | None = None) -> tuple[dict[str, float], np.ndarray]:
    """Drop, dearest first, each lever whose removal leaves the joint risk no worse: the additive fit
    cannot see levers that compete for one thing (two tolling contracts for one host's share)."""
    if len(levels) < 2:
        return levels, joint
    by_name = {lv.name: lv for lv in sample.levers}
    for name in sorted(levels, key=lambda k: -by_name[k].cost_krw(levels[k], sample.ctx)):
        trial = {k: v for k, v in levels.items() if k != name}
        if not trial:
            break
        x = sample.shortfall(trial, progress)
        if measure(x, risk) <= measure(joint, risk) + 1e-9:
            levels, joint = trial, x
    return levels, joint


@dataclass
class Choice:
    """A chosen portfolio and its jointly re-evaluated per-draw shortfall on the sample."""

    levels: dict[str, float]
    shortfall: np.ndarray
    fitted: np.ndarray
    source: str          # "milp", "single lever" or "nothing"
    cost_krw: float


def choose(sample: Sample, c: Curves, budget_krw: float, risk: str,
           progress: Callable[[int], None] | None = None, also: tuple[Choice, ...] = ()) -> Choice:
    """Solve, re-evaluate jointly and prune; while the prune drops a lever, solve again without it (the
    money goes elsewhere). Keep the best of these, doing nothing, every affordable single lever and
    every affordable portfolio in `also` (those chosen for smaller budgets, already run jointly)."""
    excluded: set[str] = set()
    best: Choice | None = None
    for _ in range(len(c.names)):
        wanted = {k: v for k, v in solve(c, budget_krw, risk, frozenset(excluded)).items() if v > 1e-9}
        levels, joint = prune(sample, wanted, sample.shortfall(wanted, progress), risk, progress)
        if best is None or measure(joint, risk) < measure(best.shortfall, risk) - 1e-9:
            best = Choice(levels, joint, c.fitted(levels), "milp", sample.cost_krw(levels))
        if set(wanted) == set(levels):
            break
        excluded |= set(wanted) - set(levels)
    options = [({}, c.base, "nothing", 0.0)] + [
        ({n: float(c.levels[i, j])}, c.shortfall[i, j], "single lever", float(c.costs[i, j]))
        for i, n in enumerate(c.names) for j in range(c.levels.shape[1]) if c.costs[i, j] <= budget_krw * (1 + 1e-9)]
    for lv, x, src, cost in options:
        if measure(x, risk) < measure(best.shortfall, risk) - 1e-9:
            best = Choice(lv, x, c.fitted(lv), src, cost)
    for ch in also:
        if ch.cost_krw <= budget_krw * (1 + 1e-9) and measure(ch.shortfall, risk) < measure(best.shortfall, risk) - 1e-9:
            best = ch
    return best


@dataclass
class PlanResult:
    """What `chokepoint plan` prints: portfolio, risk before/after in and out of sample, frontier."""

    country: str
    scenario: str
    n: int
    seed: int
    risk: str
    budget_krw: float
    choice: Choice
    curves: Curves
    base_oos: np.ndarray
    chosen_oos: np.ndarray
    frontier: pd.DataFrame
    marginal: pd.DataFrame
    levers: list = field(repr=False, default_factory=list)
    ctx: object = field(repr=False, default=None)
    run_id: str | None = None

    def portfolio(self) -> pd.DataFrame:
        """Each lever's level and its cost to the budget (KRW, USD) and, apart, to buyers (KRW)."""
        usd = money.per_usd("KRW")
        rows = []
        for lv in self.levers:
            x = self.choice.levels.get(lv.name, 0.0)
            rows.append({"lever": lv.name, "what": lv.describe(), "level": x, "unit": lv.unit,
                         "cost_bn_krw": lv.cost_krw(x, self.ctx) / 1e9, "cost_m_usd": lv.cost_krw(x, self.ctx) / usd / 1e6,
                         "buyers_cost_bn_krw": lv.buyers_cost_krw(x, self.ctx) / 1e9})
        return pd.DataFrame(rows)

    def risk_table(self) -> pd.DataFrame:
        """Expected shortfall and CVaR 95% (t) before and after, in-sample (fitted and joint) and out-of-sample."""
        rows = []
        for name in RISKS:
            rows.append({"figure": f"{name} shortfall (t)" if name == "expected" else "CVaR 95% shortfall (t)",
                         "before (in-sample)": measure(self.curves.base, name),
                         "after, fitted (additive)": measure(self.choice.fitted, name),
                         "after (in-sample, joint)": measure(self.choice.shortfall, name),
                         "before (out-of-sample)": measure(self.base_oos, name),
                         "after (out-of-sample)": measure(self.chosen_oos, name)})
        return pd.DataFrame(rows)

    def alone(self) -> pd.DataFrame:
        """Each lever alone at the budget's worth (or its maximum level), run on the same sample."""
        t = self.curves.table(self.risk)
        rows = []
        for i, lv in enumerate(self.levers):
            x = min(lv.max_level, self.budget_krw / lv.cost_krw(1.0, self.ctx))
            j = int(np.argmin(abs(self.curves.levels[i] - x)))
            g = t[t["lever"] == lv.name].iloc[j]
            rows.append({"lever": lv.name, "level": g["level"], "unit": lv.unit, "cost_bn_krw": g["cost_krw"] / 1e9,
                         "expected_t": g["expected_t"], "cvar95_t": measure(self.curves.shortfall[i, j], "cvar95")})
        return pd.DataFrame(rows)

    def summary(self) -> dict:
        t = self.risk_table().set_index("figure")
        return {"run_id": self.run_id, "country": self.country, "scenario": self.scenario, "n": self.n, "seed": self.seed,
                "risk": self.risk, "budget_krw": self.budget_krw, "chosen_by": self.choice.source,
                "cost_krw": self.choice.cost_krw, "levels": self.choice.levels,
                "risk_figures": t.to_dict(orient="index"), "frontier": self.frontier.to_dict(orient="records"),
                "marginal": self.marginal.to_dict(orient="records"), "alone": self.alone().to_dict(orient="records")}


def marginal(c: Curves, levels: dict[str, float], sample: Sample, budget_krw: float, risk: str) -> pd.DataFrame:
    """Fitted risk reduced by the next STEP × budget spent on each lever, t per bn KRW."""
    here = measure(c.fitted(levels), risk)
    rows = []
    for lv in sample.levers:
        unit = lv.cost_krw(1.0, sample.ctx)
        x = levels.get(lv.name, 0.0)
        step = min(STEP * budget_krw / unit, lv.max_level - x) if unit > 0 else 0.0
        if step <= 0:
            rows.append({"lever": lv.name, "t_per_bn_krw": 0.0, "note": "at its maximum level"})
            continue
        there = measure(c.fitted({**levels, lv.name: x + step}), risk)
        value = round((here - there) / (step * unit / 1e9), 3) + 0.0  # + 0.0: no "-0"
        rows.append({"lever": lv.name, "t_per_bn_krw": value, "note": ""})
    return pd.DataFrame(rows)


def frontier(sample: Sample, c: Curves, budgets: list[float], risk: str,
             progress: Callable[[int], None] | None = None) -> tuple[pd.DataFrame, dict[float, Choice]]:
    """Risk after the chosen portfolio (joint, in-sample) for each budget, smallest first: a larger
    budget may always keep a smaller one's portfolio, so the frontier never rises."""
    choices: dict[float, Choice] = {}
    for b in sorted(budgets):
        choices[b] = choose(sample, c, b, risk, progress, tuple(choices.values()))
    return frontier_table(c, choices, risk), choices


def frontier_table(c: Curves, choices: dict[float, Choice], risk: str) -> pd.DataFrame:
    """One row per budget (doing nothing at 0): cost, risk, expected shortfall, how chosen and the levels."""
    rows = [{"budget_krw": 0.0, "cost_krw": 0.0, "risk_t": measure(c.base, risk), "expected_t": float(c.base.mean()),
             "chosen_by": "nothing"}]
    for b, ch in sorted(choices.items()):
        rows.append({"budget_krw": b, "cost_krw": ch.cost_krw, "risk_t": measure(ch.shortfall, risk),
                     "expected_t": float(ch.shortfall.mean()), "chosen_by": ch.source,
                     **{f"level:{k}": v for k, v in ch.levels.items()}})
    return pd.DataFrame(rows).fillna(0.0)


def refine(sample: Sample, c: Curves, levels: dict[str, float],
           progress: Callable[[int], None] | None = None) -> Curves:
    """Two more grid levels per lever, the midpoints of the segments nearest its chosen level (a lever
    whose curve is flat at every grid level is interpolated, not run)."""
    L, M, _ = c.shortfall.shape
    new_levels, new_sf = [], []
    for i, lv in enumerate(sample.levers):
        g, x = c.levels[i], levels.get(lv.name, 0.0)
        j = int(np.clip(np.searchsorted(g, x, side="right") - 1, 0, M - 2))
        mids = [(g[k] + g[k + 1]) / 2 for k in (j - 1, j, j + 1) if 0 <= k < M - 1 and g[k + 1] > g[k]]
        mids = (sorted(mids, key=lambda v: abs(v - x)) + [float(g[j])] * 2)[:2]
        flat = np.allclose(c.shortfall[i], c.base[None], atol=1e-9)
        extra = [c.fitted({lv.name: v}) if flat or v in g else sample.shortfall({lv.name: v}, progress) for v in mids]
        order = np.argsort(np.concatenate([g, mids]), kind="stable")
        new_levels.append(np.concatenate([g, mids])[order])
        new_sf.append(np.concatenate([c.shortfall[i], np.stack(extra)])[order])
    lvl = np.array(new_levels)
    costs = np.array([[lv.cost_krw(x, sample.ctx) for x in row] for lv, row in zip(sample.levers, lvl)])
    return Curves(c.names, lvl, costs, np.stack(new_sf), c.base)


def plan(sample: Sample, budget_krw: float, risk: str = "expected", scenario: str = "",
         budgets: tuple[float, ...] = FRONTIER, progress: Callable[[int], None] | None = None) -> PlanResult:
    """The whole pipeline: curves → frontier (including the budget) → out-of-sample re-evaluation."""
    if budget_krw <= 0:
        raise BadInput("the budget must be positive", field="budget")
    if risk not in RISKS:
        raise BadInput(f"unknown risk '{risk}'", field="risk", hint=f"risks are {list_as_string(RISKS)}")
    levels = sorted({b * budget_krw for b in budgets} | {budget_krw})
    c = curves(sample, sorted({g * budget_krw for g in GRID} | set(levels)), progress)
    _, choices = frontier(sample, c, levels, risk, progress)
    c = refine(sample, c, choices[budget_krw].levels, progress)
    choice = choose(sample, c, budget_krw, risk, progress, tuple(choices.values()))  # never worse than the coarse
    choices[budget_krw] = choice
    for b in levels:  # the refined choice is open to every larger budget too
        if b > budget_krw and measure(choice.shortfall, risk) < measure(choices[b].shortfall, risk) - 1e-9:
            choices[b] = choice
    front = frontier_table(c, choices, risk)
    fresh = sample.fresh(sample.plan.seed + OOS_SEED_OFFSET)
    base_oos = fresh.shortfall({}, progress)
    chosen_oos = fresh.shortfall(choice.levels, progress) if choice.levels else base_oos
    p = sample.plan
    return PlanResult(p.country, scenario, p.n, p.seed, risk, budget_krw, choice, c, base_oos, chosen_oos, front,
                      marginal(c, choice.levels, sample, budget_krw, risk), sample.levers, sample.ctx)


def chart(r: PlanResult, path: Path, title: str) -> Path:
    """Efficient frontier (joint, in-sample) with each lever alone, risk (t) against budget (bn KRW)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    ax.plot(r.frontier["budget_krw"] / 1e9, r.frontier["risk_t"], "o-", lw=2, color="black", label="portfolio")
    t = r.curves.table(r.risk)
    for name, g in t.groupby("lever", sort=False):
        ax.plot(g["cost_krw"] / 1e9, g["risk_t"], ".--", label=f"{name} alone")
    ax.axvline(r.budget_krw / 1e9, color="grey", lw=0.8)
    ax.set_xlabel("budget (bn KRW)")
    ax.set_ylabel(("expected" if r.risk == "expected" else "CVaR 95%") + " shortfall (t)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
