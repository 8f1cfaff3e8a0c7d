"""`wb.chain`: build networks, load scenarios, run either engine and keep runs in the store."""
from __future__ import annotations

import datetime as dt
import importlib.metadata as md
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from chokepoint import settings
from chokepoint.chain import cost, fast, lp, montecarlo, network, problem, recipes, scenario
from chokepoint.chain.results import SERIES_COLUMNS, RunResult, Trajectory, series, summary
from chokepoint.chain.scenario import Scenario
from chokepoint.errors import BadInput, NotFound, list_as_string

Engine = Callable[[problem.Problem, Callable | None], Trajectory]
ENGINES: dict[str, Engine] = {
    "lp": lp.simulate,
    "fast": lambda p, progress=None: fast.simulate([p], progress)[0],
}


def engine(name: str) -> Engine:
    if name not in ENGINES:
        raise BadInput(f"unknown engine '{name}'", field="engine", hint=f"engines are {list_as_string(ENGINES)}")
    return ENGINES[name]


def _versions() -> dict[str, str]:
    return {p: md.version(p) for p in ("chokepoint", "numpy", "linopy", "highspy")}


class Chain:
    """Stress tests on a material family's chain (DESIGN section 4)."""

    def __init__(self, workbench):
        self.wb = workbench

    @property
    def store(self):
        return self.wb.store

    def scenarios(self) -> list[str]:
        """Names of the shipped scenarios (a YAML path works wherever a name does)."""
        return scenario.shipped()

    def load_scenario(self, name_or_path: str | Path) -> Scenario:
        return scenario.load(str(name_or_path))

    def network(self, family: str = "rare-earths", country: str = "KOR", year: int | None = None) -> network.Network:
        """The baseline network of a family, focused on a country."""
        self.wb.ensure_built()
        if recipes.is_chain(self.store, family):
            return recipes.build(self.store, family, country, year)
        return network.build(self.store, family, country, year)

    def blocs(self) -> dict[str, set[str]]:
        df = self.store.df("SELECT bloc, iso3 FROM bloc")
        return {b: set(g["iso3"]) for b, g in df.groupby("bloc")}

    def problem(self, spec: Scenario, country: str = "KOR") -> tuple[network.Network, problem.Problem]:
        net = self.network(spec.family, country, spec.year)
        return net, problem.compile(spec, net, self.blocs())

    def estimate(self, spec: Scenario | str, country: str = "KOR", engine: str = "lp",
                 max_cost: float | None = None) -> int:
        """A run's cost in cell-weeks (`chain.cost`); BadInput when it is over `max_cost`."""
        spec = spec if isinstance(spec, Scenario) else self.load_scenario(spec)
        globals()["engine"](engine)
        _, prob = self.problem(spec, country)
        return cost.check(prob, engine, settings.number("max_run_cost") if max_cost is None else max_cost)

    def estimate_draws(self, spec: Scenario | str, country: str = "KOR", n: int = 1) -> int:
        """Cost in cell-weeks of n Monte Carlo draws (`chain.cost.draws`: batched, so a share of n runs)."""
        spec = spec if isinstance(spec, Scenario) else self.load_scenario(spec)
        _, prob = self.problem(spec, country)
        return cost.draws(prob, n)

    def run(self, spec: Scenario | str, country: str = "KOR", engine: str = "lp",
            progress: Callable[[int, int], None] | None = None, max_cost: float | None = None) -> RunResult:
        """Run a scenario for a focal country with an engine and store the result (one transaction).

        A run whose estimated cost is over `max_cost` (default: the `max_run_cost` setting) is
        refused before it starts.
        """
        spec = spec if isinstance(spec, Scenario) else self.load_scenario(spec)
        solve = globals()["engine"](engine)
        net, prob = self.problem(spec, country)
        cost.check(prob, engine, settings.number("max_run_cost") if max_cost is None else max_cost)
        tr = solve(prob, progress)
        result = RunResult(uuid.uuid4().hex[:12], {**spec.model_dump(), "country": country, "engine": engine},
                           summary(tr, prob, net, country), series(tr, net, country))
        _check_finite(result)
        self._save(result, spec.name, engine)
        return result

    def _save(self, r: RunResult, name: str, engine_name: str) -> None:
        row = pd.DataFrame([{"run_id": r.run_id, "created": dt.datetime.now(), "kind": "stress",
                             "scenario": name, "engine": engine_name, "seed": None,
                             "spec": json.dumps(r.spec), "versions": json.dumps(_versions()),
                             "summary": json.dumps(r.summary, default=_json)}])
        s = r.series.assign(run_id=r.run_id)[["run_id"] + SERIES_COLUMNS]
        with self.store.transaction() as con:
            con.register("_run", row)
            con.register("_series", s)
            con.execute("INSERT INTO run SELECT run_id, created, kind, scenario, engine, CAST(seed AS INTEGER), "
                        "spec::JSON, versions::JSON, summary::JSON FROM _run")
            con.execute("INSERT INTO run_series SELECT * FROM _series")
            con.unregister("_run")
            con.unregister("_series")

    def montecarlo(self, spec: Scenario | str, country: str = "KOR", n: int = 1000, seed: int | None = None,
                   chunk: int = montecarlo.CHUNK, backend: str = "local", address: str | None = None,
                   device: str = "cpu", progress: Callable[[int, int], None] | None = None,
                   workers: int | None = None) -> montecarlo.MonteCarloResult:
        """Run n draws of a scenario's uncertain parameters and store bands, risk figures and draws."""
        montecarlo.check(n, chunk, backend, device, address, workers)
        spec = montecarlo.uncertain(spec if isinstance(spec, Scenario) else self.load_scenario(spec))
        seed = int(np.random.SeedSequence().entropy % 2**31) if seed is None else seed
        if not 0 <= seed < 2**31:
            raise BadInput("seed must be in 0..2147483647", field="seed")
        plan = montecarlo.Plan(spec, self.network(spec.family, country, spec.year), self.blocs(), country, n, seed,
                               device)
        result = montecarlo.run(plan, chunk, backend, address, progress, workers)
        montecarlo.save(self.store, result, _versions())
        return result

    def sensitivity(self, spec: Scenario | str, country: str = "KOR", base: int = 128,
                    metric: str = "shortfall_pct", seed: int = 0, device: str = "cpu",
                    progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
        """Sobol indices of a per-draw figure over the scenario's uncertain parameters (not stored)."""
        from chokepoint.chain import sensitivity

        montecarlo.engine(device)
        spec = montecarlo.uncertain(spec if isinstance(spec, Scenario) else self.load_scenario(spec))
        plan = montecarlo.Plan(spec, self.network(spec.family, country, spec.year), self.blocs(), country, 1, seed,
                               device)
        return sensitivity.sobol(plan, base, metric, progress=progress)

    def draws(self, run_id: str) -> pd.DataFrame:
        """A Monte Carlo run's per-draw table (figures, sector peaks and parameters; JSON columns as text)."""
        return self.store.df("SELECT * FROM run_draw WHERE run_id = ? ORDER BY draw", [run_id])

    def runs(self) -> pd.DataFrame:
        """The run table, newest first."""
        return self.store.df("SELECT * FROM run ORDER BY created DESC")

    def result(self, run_id: str) -> RunResult:
        """A stored run by id."""
        row = self.store.df("SELECT * FROM run WHERE run_id = ?", [run_id])
        if row.empty:
            raise NotFound(f"no run '{run_id}'", field="run_id", hint="list runs with wb.chain.runs()")
        s = self.store.df(f"SELECT {', '.join(SERIES_COLUMNS)} FROM run_series WHERE run_id = ? "
                          "ORDER BY variable, week, stage, sector", [run_id])
        r = row.iloc[0]
        return RunResult(run_id, json.loads(r["spec"]), json.loads(r["summary"]), s)


def _check_finite(r: RunResult) -> None:
    """A run whose figures are not all finite is never stored: the error names the first bad one."""
    where = scenario.non_finite(json.loads(json.dumps(r.summary, default=_json)))
    field = f"summary.{where}" if where else None
    bad = ~np.isfinite(r.series["value"].to_numpy(dtype=float))
    if field is None and bad.any():
        field = f"series.{r.series.loc[bad, 'variable'].iloc[0]}"
    if field:
        raise BadInput("the run produced a non-finite figure; nothing was stored", field=field,
                       hint="check the scenario's parameters (e.g. a tiny elasticity overflows the price)")


def _json(v):
    if isinstance(v, np.generic):
        return v.item()
    raise TypeError(type(v))
