"""A common Monte Carlo sample on which portfolios are compared (common random numbers).

The draws (uniform points → parameter values) are fixed once per seed; a portfolio is
applied on top of each draw's scenario, so two portfolios differ only by their levers,
never by their luck. Each evaluation runs the batched engine (`montecarlo.engine`) in
chunks and keeps one figure per draw: the focal country's total shortfall, t.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from chokepoint.chain import montecarlo as mc
from chokepoint.chain import problem, uncertainty
from chokepoint.chain.scenario import Scenario
from chokepoint.policy import levers as lv

RISKS = ("expected", "cvar95")


def cvar(x: np.ndarray, tail: float = mc.TAIL) -> float:
    """Mean of the worst (1 − tail) share of draws (the same rule as `montecarlo.risk`)."""
    k = max(1, math.ceil(round((1 - tail) * len(x), 9)))
    return float(np.sort(x)[-k:].mean())


def measure(x: np.ndarray, risk: str) -> float:
    """Expected shortfall or CVaR 95% of per-draw shortfalls."""
    return float(x.mean()) if risk == "expected" else cvar(x)


@dataclass
class Sample:
    """n draws of a scenario's uncertain parameters for one seed, and the levers to try on them."""

    plan: mc.Plan
    levers: list
    chunk: int = mc.CHUNK
    evaluations: int = field(default=0, init=False)
    _memo: dict = field(default_factory=dict, init=False, repr=False)

    @cached_property
    def ctx(self) -> lv.Context:
        return lv.Context(self.plan.net, self.plan.country, self.plan.spec.weeks)

    @cached_property
    def vals(self) -> np.ndarray:
        return self.plan.values(0, self.plan.n)

    @cached_property
    def scenarios(self) -> list[Scenario]:
        p = self.plan
        return [Scenario.model_validate(uncertainty.apply(p.base, p.paths, p.kinds, row)) for row in self.vals]

    def fresh(self, seed: int) -> Sample:
        """The same plan and levers on another seed (out-of-sample)."""
        plan = mc.Plan(self.plan.spec, self.plan.net, self.plan.blocs, self.plan.country, self.plan.n, seed,
                       self.plan.device)
        return Sample(plan, self.levers, self.chunk)

    def shortfall(self, levels: dict[str, float], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Per-draw total shortfall (t) of the focal country with the levers at `levels` (a portfolio
        already run on this sample is not run again: the optimizer revisits many)."""
        key = tuple(sorted((k, float(v)) for k, v in levels.items() if v != 0))
        if key in self._memo:
            if progress:
                progress(self.plan.n)
            return self._memo[key].copy()
        eng, p = mc.engine(self.plan.device), self.plan
        out = np.zeros(p.n)
        for a, b in mc.ranges(p.n, self.chunk):
            probs = [problem.compile(lv.apply(sc, self.levers, levels, self.ctx), p.net, p.blocs)
                     for sc in self.scenarios[a:b]]
            f = eng(probs, p.focal)
            out[a:b] = np.clip(f.demand - f.served, 0, None).sum(axis=(1, 2))
            if progress:
                progress(b - a)
        self.evaluations += 1
        self._memo[key] = out.copy()
        return out

    def cost_krw(self, levels: dict[str, float]) -> float:
        return lv.cost_krw(self.levers, levels, self.ctx)
