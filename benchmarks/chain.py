"""Scenario-weeks per second of each engine on the rare-earth chain of the bundled store.

Run: .venv/bin/python benchmarks/chain.py [--batch 64]. Prints lp, fast (one scenario) and
fast (a batch of scenarios) and the speed-up of fast over lp, measured in the same run.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import chokepoint
from chokepoint.chain import fast, lp, problem


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--scenario", default="cn-ree-6m")
    ap.add_argument("--country", default="KOR")
    args = ap.parse_args()
    with chokepoint.open(Path(tempfile.mkdtemp()) / "bench.duckdb") as wb:
        wb.ensure_built()
        spec = wb.chain.load_scenario(args.scenario)
        net, prob = wb.chain.problem(spec, args.country)
    T = prob.T
    rates = {}
    t = time.perf_counter()
    lp.simulate(prob)
    rates["lp"] = T / (time.perf_counter() - t)
    t = time.perf_counter()
    fast.simulate([prob])
    rates["fast x1"] = T / (time.perf_counter() - t)
    batch = [problem.compile(spec.model_copy(update={"restrictions": [r.model_copy(update={"depth": d / args.batch})
                                                                    for r in spec.restrictions]}), net)
             for d in range(1, args.batch + 1)]
    t = time.perf_counter()
    fast.simulate(batch)
    rates[f"fast x{args.batch}"] = args.batch * T / (time.perf_counter() - t)
    print(f"network: {len(net.stages)} stages x {len(net.countries)} countries, {T} weeks")
    for name, r in rates.items():
        print(f"{name:>10}: {r:12,.0f} scenario-weeks/s  ({r / rates['lp']:,.0f}x lp)")


if __name__ == "__main__":
    main()
