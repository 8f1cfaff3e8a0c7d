"""`wb.policy`: levers, loan-programme finance and the budgeted portfolio optimizer (DESIGN section 5)."""
from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable

import pandas as pd

from chokepoint.chain import montecarlo as mc
from chokepoint.chain.scenario import Scenario
from chokepoint.errors import BadInput
from chokepoint.policy import finance, levers, money, optimize
from chokepoint.policy.sample import RISKS, Sample


class Policy:
    """Decisions on a material family's chain: what to buy, and what a loan programme buys."""

    def __init__(self, workbench):
        self.wb = workbench

    def sample(self, spec: Scenario | str, country: str = "KOR", n: int = 2000, seed: int = 0,
               lever_set: list | None = None, device: str = "cpu") -> Sample:
        """A common Monte Carlo sample of a scenario (its `uncertain`, or the defaults) with levers."""
        if n < 1:
            raise BadInput("n must be at least 1", field="n")
        if not 0 <= seed < 2**31:
            raise BadInput("seed must be in 0..2147483647", field="seed")
        spec = mc.uncertain(spec if isinstance(spec, Scenario) else self.wb.chain.load_scenario(spec))
        net = self.wb.chain.network(spec.family, country, spec.year)
        plan = mc.Plan(spec, net, self.wb.chain.blocs(), country, n, seed, device)
        return Sample(plan, levers.defaults() if lever_set is None else lever_set)

    def plan(self, spec: Scenario | str, country: str = "KOR", budget: float = 500e9, currency: str = "KRW",
             risk: str = "expected", n: int = 2000, seed: int = 0, lever_set: list | None = None,
             progress: Callable[[int, int], None] | None = None) -> optimize.PlanResult:
        """Choose lever levels minimising expected shortfall or CVaR 95% under a budget; one `run` row
        (kind 'plan') keeps the spec, levers, seed and summary."""
        if risk not in RISKS:
            raise BadInput(f"unknown risk '{risk}'", field="risk", hint="risks are 'expected' or 'cvar95'")
        budget_krw = money.to_krw(budget, currency)
        s = self.sample(spec, country, n, seed, lever_set)
        name = s.plan.spec.name  # a YAML path's stem, as `load` names it
        total = optimize.evaluations(len(s.levers)) * n
        done = [0]

        def tick(k: int) -> None:
            done[0] += k
            if progress:
                progress(min(done[0], total), total)

        r = optimize.plan(s, budget_krw, risk, name, progress=tick)
        if progress:
            progress(total, total)
        r.run_id = self._save(r, s)
        return r

    def _save(self, r: optimize.PlanResult, s: Sample) -> str:
        """One `run` row (kind 'plan'): the scenario, levers, budget, n, seed, versions and the summary."""
        from chokepoint.chain.api import _json, _versions

        run_id = uuid.uuid4().hex[:12]
        spec = {**s.plan.spec.model_dump(), "country": r.country, "n": r.n, "seed": r.seed, "risk": r.risk,
                "budget_krw": r.budget_krw, "levers": [lv.model_dump() for lv in s.levers],
                "oos_seed": r.seed + optimize.OOS_SEED_OFFSET}
        row = pd.DataFrame([{"run_id": run_id, "created": dt.datetime.now(), "kind": "plan", "scenario": r.scenario,
                             "engine": "fast", "seed": r.seed, "spec": json.dumps(spec, default=_json),
                             "versions": json.dumps(_versions()), "summary": json.dumps(r.summary(), default=_json)}])
        with self.wb.store.transaction() as con:
            con.register("_run", row)
            con.execute("INSERT INTO run SELECT run_id, created, kind, scenario, engine, CAST(seed AS INTEGER), "
                        "spec::JSON, versions::JSON, summary::JSON FROM _run")
            con.unregister("_run")
        return run_id

    def finance(self, budget: float = finance.FUND_KRW, currency: str = "KRW",
                pipeline: list[finance.Candidate] | None = None, seed: int = 0,
                by_week: int | None = 78) -> pd.DataFrame:
        """Old vs new loan terms on the same pipeline and budget (one row per terms)."""
        return finance.compare(money.to_krw(budget, currency), pipeline, seed=seed, by_week=by_week)
