"""Monte Carlo throughput and memory on the rare-earth chain, next to the batched NumPy engine.

Run: .venv/bin/python benchmarks/montecarlo.py [--n 10000 100000] [--chunk 128]. Prints, in
one run: the NumPy fast engine on batches of 64 and of `--chunk` compiled problems (the
baseline, best of 3), the compiled kernel (chain.kernel) on the same batches, the cost of
sampling and compiling one draw, and the whole Monte Carlo
pipeline (sampling, compiling, the engine, the reductions) in scenario-weeks/s at each n,
per wall second and per CPU second (the shared 2-core machine's load moves the first);
then the peak traced memory (tracemalloc) of the pipeline at two smaller n, which stays
flat in n (it is bounded by the chunk), and the process's peak RSS.
"""
from __future__ import annotations

import argparse
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import chokepoint
from chokepoint.chain import fast, kernel
from chokepoint.chain import montecarlo as mc


def _pipeline(plan: mc.Plan, n: int, chunk: int) -> tuple[float, float]:
    """Wall and CPU seconds of a Monte Carlo run of n draws."""
    plan = mc.Plan(plan.spec, plan.net, plan.blocs, plan.country, n, plan.seed)
    t, c = time.perf_counter(), time.process_time()
    mc.run(plan, chunk)
    return time.perf_counter() - t, time.process_time() - c


def _timed(fn, *a) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    t, c = time.perf_counter(), time.process_time()
    fn(*a)
    return time.perf_counter() - t, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[10_000])
    ap.add_argument("--chunk", type=int, default=mc.CHUNK)
    ap.add_argument("--scenario", default="cn-ree-6m-uncertain")
    ap.add_argument("--country", default="KOR")
    ap.add_argument("--memory-n", type=int, nargs=2, default=[500, 2_000])
    args = ap.parse_args()
    with chokepoint.open(Path(tempfile.mkdtemp()) / "bench.duckdb") as wb:
        wb.ensure_built()
        spec = mc.uncertain(wb.chain.load_scenario(args.scenario))
        net = wb.chain.network(spec.family, args.country, spec.year)
        plan = mc.Plan(spec, net, wb.chain.blocs(), args.country, 64, seed=1)
    T = spec.weeks
    print(f"network: {len(net.stages)} stages x {len(net.countries)} countries, {T} weeks; "
          f"{len(spec.uncertain)} uncertain parameters; chunk {args.chunk}")
    probs = plan.problems(plan.values(0, args.chunk))
    base = base_cpu = 0.0
    for batch in (64, args.chunk):
        times = [_timed(fast.simulate, probs[:batch]) for _ in range(3)]
        rate, cpu_rate = batch * T / min(w for w, _ in times), batch * T / min(c for _, c in times)
        base, base_cpu = max(base, rate), max(base_cpu, cpu_rate)
        print(f"{f'fast engine, batch of {batch}':>34}: {rate:12,.0f} scenario-weeks/s wall, "
              f"{cpu_rate:,.0f} per CPU-second (best of 3)")
    kernel.simulate(probs[:2])  # compile (or load numba's cache) before timing
    for batch in (64, args.chunk):
        times = [_timed(kernel.simulate, probs[:batch]) for _ in range(3)]
        rate, cpu_rate = batch * T / min(w for w, _ in times), batch * T / min(c for _, c in times)
        print(f"{f'compiled kernel, batch of {batch}':>34}: {rate:12,.0f} scenario-weeks/s wall "
              f"({rate / base:.1f}x the NumPy engine), {cpu_rate:,.0f} per CPU-second ({cpu_rate / base_cpu:.1f}x)")
    t = time.perf_counter()
    plan.problems(plan.values(0, 256))
    print(f"{'sample + compile one draw':>34}: {(time.perf_counter() - t) / 256 * 1e3:12.2f} ms")
    for n in args.n:
        wall, cpu = _pipeline(plan, n, args.chunk)
        rate = n * T / wall
        print(f"{f'Monte Carlo, n = {n:,}':>34}: {rate:12,.0f} scenario-weeks/s wall ({rate / base:.2f}x the "
              f"faster baseline), {wall:,.1f} s; {n * T / cpu:,.0f} per CPU-second "
              f"({n * T / cpu / base_cpu:.2f}x), {cpu:,.1f} s CPU")
    for n in args.memory_n:
        tracemalloc.start()
        _pipeline(plan, n, args.chunk)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{f'peak traced memory, n = {n:,}':>34}: {peak / 2**20:12,.1f} MiB")
    print(f"{'peak RSS of this process':>34}: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:12,.1f} MiB")


if __name__ == "__main__":
    main()
