"""Monte Carlo throughput and memory on the rare-earth chain, next to the batched NumPy engine.

Run: .venv/bin/python benchmarks/montecarlo.py [--n 10000 100000] [--chunk 512]
[--memory-n 10000 100000 1000000 [--summaries-n 1000000]] [--device gpu]. Prints, in one run: the NumPy fast engine
on batches of 64 and of `--chunk` draws (the baseline, best of 3), the compiled kernel
(chain.kernel) on the same draws, the cost of sampling and compiling a draw (one problem at a
time, and a chunk at once as the pipeline does), and the whole Monte Carlo pipeline
(sampling, compiling, the engine, the reductions) in scenario-weeks/s at each n, per wall
second and per CPU second (the shared 2-core machine's load moves the first; the load
average is printed next to each figure). Then the memory of the pipeline at each
`--memory-n`, each in a fresh process: peak RSS and the peak of what Python and NumPy
allocate (tracemalloc), flat in n but for the per-draw table (a few numbers a draw); 1,000,000
draws it did not run are extrapolated from that slope, and it says so. An n in `--summaries-n`
runs with a stand-in engine (baseline demand, 90% served): everything whose memory could grow
with n (sampling, compiling, reducing, the per-draw table, the bands) runs for real, in a
fraction of the time. `--device gpu` times the
array-API engine (chain.kernel_xp) on CuPy or PyTorch instead, with the bytes it allocates
per scenario-week and an achieved-bandwidth estimate; without a GPU it exits 2 naming what
is missing.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import chokepoint
from chokepoint.chain import draws, fast, kernel
from chokepoint.chain import montecarlo as mc

TARGET = 200_000  # scenario-weeks/s on the 2-core machine (issue 12)
TRAFFIC = 3       # bytes moved per byte an array operation writes: it reads about two inputs of its size


def _load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def _plan(args, n: int = 64) -> mc.Plan:
    with chokepoint.open(Path(tempfile.mkdtemp()) / "bench.duckdb") as wb:
        wb.ensure_built()
        spec = mc.uncertain(wb.chain.load_scenario(args.scenario))
        net = wb.chain.network(spec.family, args.country, spec.year)
        return mc.Plan(spec, net, wb.chain.blocs(), args.country, n, seed=1, device=args.device)


def _pipeline(plan: mc.Plan, n: int, chunk: int) -> tuple[float, float]:
    """Wall and CPU seconds of a Monte Carlo run of n draws."""
    plan = mc.Plan(plan.spec, plan.net, plan.blocs, plan.country, n, plan.seed, plan.device)
    t, c = time.perf_counter(), time.process_time()
    mc.run(plan, chunk)
    return time.perf_counter() - t, time.process_time() - c


def _best(fn, *a, repeat: int = 3) -> tuple[float, float]:
    """Best wall and best CPU seconds of `repeat` calls."""
    walls, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn(*a)
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus)


def _memory_child(args) -> None:
    """One pipeline run of --memory-child draws in this fresh process (the plan from --plan, so no
    store is built here); prints its memory as JSON."""
    plan = pickle.loads(Path(args.plan).read_bytes())
    if args.summaries_only:
        mc.DEVICES["cpu"] = _summaries_only
    mc.run(mc.Plan(plan.spec, plan.net, plan.blocs, plan.country, 64, plan.seed), args.chunk)  # warm: numba, SciPy
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    wall, _ = _pipeline(plan, args.memory_child, args.chunk)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"rss": rss, "rss_before": before, "traced": traced, "wall": wall}))


def _summaries_only(batch: draws.Draws, focal: int) -> mc.Focal:
    """A stand-in engine for the memory check at large n: each draw's baseline demand, 90% served.

    Everything else (sampling, compiling each chunk, reducing it, the per-draw table, the bands)
    runs as in a real run; the engine's own memory is per chunk and measured with the real one."""
    import numpy as np

    demand = np.broadcast_to(batch.demand0[:, focal][:, None], (batch.n, batch.T, batch.demand0.shape[-1])).copy()
    return mc.Focal(demand, 0.9 * demand, np.ones((batch.n, batch.T)))


def _memory(args, plan: mc.Plan, T: int) -> None:
    rows = []
    path = Path(tempfile.mkdtemp()) / "plan.pickle"
    path.write_bytes(pickle.dumps(mc.Plan(plan.spec, plan.net, plan.blocs, plan.country, 64, plan.seed)))
    for n in args.memory_n:
        cmd = [sys.executable, __file__, "--memory-child", str(n), "--chunk", str(args.chunk), "--plan", str(path)]
        cmd += ["--summaries-only"] if n in args.summaries_n else []
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        m = json.loads(out)
        rows.append((n, m))
        what = "summaries only" if n in args.summaries_n else "memory"
        print(f"{f'{what}, n = {n:,}':>34}: peak RSS {m['rss'] / 2**20:8,.1f} MiB ({m['rss_before'] / 2**20:,.1f} "
              f"before the run), traced peak {m['traced'] / 2**20:8,.1f} MiB; {n / m['wall']:,.0f} "
              f"draws/s under tracemalloc; {_load()}")
    real = [(n, m) for n, m in rows if n not in args.summaries_n]
    if len(real) >= 2:
        (n0, a), (n1, b) = real[0], real[-1]
        rss, traced = (b["rss"] - a["rss"]) / (n1 - n0), (b["traced"] - a["traced"]) / (n1 - n0)
        print(f"{'growth with n':>34}: {rss:12,.0f} bytes of peak RSS and {traced:,.0f} traced per draw "
              f"(the per-draw table and its frame)")
        if max(args.memory_n) < 1_000_000:
            est = b["rss"] + max(rss, traced) * (1_000_000 - n1)
            print(f"{'n = 1,000,000, extrapolated':>34}: {est / 2**30:12,.2f} GiB peak RSS (not run)")


def _gpu(args, plan: mc.Plan, T: int) -> None:
    """The array-API engine on the GPU: scenario-weeks/s, bytes allocated per scenario-week, bandwidth."""
    from chokepoint.chain import kernel_xp

    missing = kernel_xp.gpu_missing()
    if missing:
        print(f"no GPU found: --device gpu needs {missing}", file=sys.stderr)
        raise SystemExit(2)
    xp, device = kernel_xp.gpu_namespace()
    counter = _allocation_counter(xp)
    for n in args.gpu_n:
        d = plan.batch(plan.values(0, n))
        t = time.perf_counter()
        cpu_d, cpu_s, _ = kernel.run(d, plan.focal)
        cpu_rate = n * T / (time.perf_counter() - t)
        kernel_xp.run_on_gpu(d, plan.focal)  # warm: kernels compiled, memory pool grown
        eng = kernel_xp._Engine(d, xp, device)
        before = counter()
        t = time.perf_counter()
        dem, srv, price = (kernel_xp._host(a) for a in eng.simulate(plan.focal))  # to the host: synchronised
        wall = time.perf_counter() - t
        written = counter() - before
        rate = n * T / wall
        err = abs(srv - cpu_s[:, :, 0]).max() / max(cpu_d.max(), 1e-12)
        print(f"{f'GPU engine, {n:,} draws':>34}: {rate:12,.0f} scenario-weeks/s ({rate / cpu_rate:.1f}x the kernel "
              f"on this host's CPUs), {written / (n * T):,.0f} bytes written per scenario-week, about "
              f"{TRAFFIC * written / wall / 1e9:,.0f} GB/s moved; max difference to the kernel {err:.1e}")


def _allocation_counter(xp):
    """A function returning the bytes the GPU library has allocated so far (CuPy: a counting allocator)."""
    name = xp.__name__
    if "torch" in name:
        import torch

        return lambda: torch.cuda.memory_stats()["allocated_bytes.all.allocated"]
    import cupy

    pool, total = cupy.get_default_memory_pool(), [0]

    def malloc(size):
        total[0] += size
        return pool.malloc(size)

    cupy.cuda.set_allocator(malloc)
    return lambda: total[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[10_000])
    ap.add_argument("--chunk", type=int, default=mc.CHUNK)
    ap.add_argument("--scenario", default="cn-ree-6m-uncertain")
    ap.add_argument("--country", default="KOR")
    ap.add_argument("--memory-n", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    ap.add_argument("--gpu-n", type=int, nargs="+", default=[16_384, 65_536])
    ap.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--plan", help=argparse.SUPPRESS)
    ap.add_argument("--summaries-n", type=int, nargs="*", default=[],
                    help="memory-n values run with a stand-in engine (the summaries-only path; fast at n = 1,000,000)")
    ap.add_argument("--summaries-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        args.device = "cpu"
        return _memory_child(args)
    if args.device == "gpu":
        from chokepoint.chain import kernel_xp

        missing = kernel_xp.gpu_missing()
        if missing:
            print(f"no GPU found: --device gpu needs {missing}", file=sys.stderr)
            raise SystemExit(2)
    plan = _plan(args)
    spec, net = plan.spec, plan.net
    T = spec.weeks
    print(f"network: {len(net.stages)} stages x {len(net.countries)} countries, {T} weeks; "
          f"{len(spec.uncertain)} uncertain parameters; chunk {args.chunk}; {os.cpu_count()} CPUs; {_load()}")
    vals = plan.values(0, args.chunk)
    probs = plan.problems(vals)
    base = base_cpu = 0.0
    for batch in (64, args.chunk):
        wall, cpu = _best(fast.simulate, probs[:batch])
        base, base_cpu = max(base, batch * T / wall), max(base_cpu, batch * T / cpu)
        print(f"{f'NumPy engine, batch of {batch}':>34}: {batch * T / wall:12,.0f} scenario-weeks/s wall, "
              f"{batch * T / cpu:,.0f} per CPU-second (best of 3); {_load()}")
    d = plan.batch(vals)
    kernel.run(d, plan.focal)  # compile (or load numba's cache) before timing
    for batch in (64, args.chunk):
        part = plan.batch(vals[:batch])
        wall, cpu = _best(kernel.run, part, plan.focal)
        rate, cpu_rate = batch * T / wall, batch * T / cpu
        print(f"{f'compiled kernel, batch of {batch}':>34}: {rate:12,.0f} scenario-weeks/s wall "
              f"({rate / base:.1f}x the NumPy engine), {cpu_rate:,.0f} per CPU-second ({cpu_rate / base_cpu:.1f}x); "
              f"{_load()}")
    wall, _ = _best(plan.problems, vals[:128], repeat=1)
    print(f"{'sample + compile, one by one':>34}: {wall / 128 * 1e3:12.3f} ms a draw (problem.compile)")
    wall, _ = _best(lambda: draws.compile_draws(plan.scenario(vals[0]), net, plan.blocs, plan.paths, vals))
    print(f"{'compile a chunk at once':>34}: {wall / len(vals) * 1e3:12.3f} ms a draw (chain.draws)")
    if args.device == "gpu":
        return _gpu(args, plan, T)
    for n in args.n:
        wall, cpu = _pipeline(plan, n, args.chunk)
        rate = n * T / wall
        print(f"{f'Monte Carlo, n = {n:,}':>34}: {rate:12,.0f} scenario-weeks/s wall ({rate / base:.1f}x the NumPy "
              f"engine; target {TARGET:,}: {'met' if rate >= TARGET else 'not met'}), {wall:,.1f} s; "
              f"{n * T / cpu:,.0f} per CPU-second ({n * T / cpu / base_cpu:.1f}x), {cpu:,.1f} s CPU; {_load()}")
    if args.memory_n:
        _memory(args, plan, T)


if __name__ == "__main__":
    main()
