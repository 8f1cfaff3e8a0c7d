"""Which uncertain inputs drive a Monte Carlo figure: Sobol indices (SALib, Saltelli's design).

Saltelli's design needs N·(D + 2) model runs for N base points and D varying parameters;
they run in chunks through the same batch engine as `montecarlo.run`.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from chokepoint.chain import uncertainty
from chokepoint.chain.montecarlo import CHUNK, DRAW_FIGURES, Plan, ranges, reduce
from chokepoint.errors import BadInput, list_as_string

METRICS = [m for m in DRAW_FIGURES if m != "demand_t"]


def sobol(plan: Plan, base: int = 128, metric: str = "shortfall_pct", chunk: int = CHUNK,
          progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """First-order and total Sobol indices of a per-draw figure, one row per varying parameter."""
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    if metric not in METRICS:
        raise BadInput(f"unknown metric '{metric}'", field="metric", hint=f"metrics are {list_as_string(METRICS)}")
    if base < 2 or base & (base - 1):
        raise BadInput("the base sample must be a power of 2 (Saltelli's design)", field="n")
    free = [j for j, d in enumerate(plan.spec.uncertain.values()) if d.dist != "fixed"]
    if not free:
        raise BadInput("no uncertain parameter varies", field="uncertain",
                       hint="give the scenario distributions other than 'fixed'")
    names = [plan.paths[j] for j in free]
    problem = {"num_vars": len(free), "names": names, "bounds": [[0.0, 1.0]] * len(free)}
    u_free = sample.sample(problem, base, calc_second_order=False, scramble=True, seed=plan.seed)
    u = np.full((len(u_free), len(plan.paths)), 0.5)
    u[:, free] = np.clip(u_free, uncertainty.EDGE, 1 - uncertainty.EDGE)
    vals, eng, y = plan.transform(u), plan.engine(), np.zeros(len(u))
    for a, b in ranges(len(u), chunk):
        y[a:b] = reduce(eng(plan.batch(vals[a:b]), plan.focal), vals[a:b], plan.price_max).figures[metric]
        if progress:
            progress(b, len(u))
    res = analyze.analyze(problem, y, calc_second_order=False, seed=plan.seed, print_to_console=False)
    df = pd.DataFrame({"parameter": names, "S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"],
                       "ST_conf": res["ST_conf"]})
    df.attrs.update(metric=metric, runs=len(u), mean=float(y.mean()), sd=float(y.std()))
    return df.sort_values("ST", ascending=False, ignore_index=True)
