"""Benchmark: one scenario-year of the ARIO model with chokepoint's kernel and with BoARIO, same run.

    .venv/bin/python benchmarks/economy.py [--sizes 20x30 40x35] [--boario-steps 365] [--batch 16]
                                           [--threads 2] [--gpu-batch 1000] [--table wiod-full]

For each size (regions × sectors; 20×30 = 600 and 40×35 = 1,400 industries) it builds a
seeded synthetic table (input coefficients with column sums about 0.5, domestic blocks
heavier, positive final demand; output x = L y, so the table is balanced), applies the same
capacity shock (40% of three industries in region 0 for 90 days, from day 10) and times:

- chokepoint's numba kernel over 365 daily steps for one scenario (after a warm-up that
  loads the compiled kernel), and for a batch of `--batch` scenarios (scenario-steps/s);
- BoARIO 0.7.x's ARIOPsiModel stepped the same way (economy.oracle) over `--boario-steps`
  steps (default the whole year; fewer steps are timed and reported as steps/s);
- checks that both production paths agree over the steps BoARIO ran, and prints steps/s,
  the ratio and PASS/FAIL against issue 14's target (≥ 10× BoARIO).
With `--gpu-batch B` and CuPy or PyTorch with a GPU present, it also times B one-year
scenarios through the array-API step (target: 1,000 draws at ~1,400 industries in < 60 s).
"""
from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path

import numba
import numpy as np

from chokepoint.economy import ario, ario_xp, oracle
from chokepoint.economy.table import IOTable, load

TARGET = 10.0


def synthetic(m: int, n: int, seed: int = 0) -> IOTable:
    """A balanced m-region × n-sector table with positive value added (million USD per year)."""
    rng = np.random.default_rng(seed)
    N = m * n
    A = rng.gamma(0.3, 1.0, (N, N))
    same = np.kron(np.eye(m), np.ones((n, n)))
    A *= np.where(same > 0, 1.0, 0.05)
    A *= rng.uniform(0.3, 0.7, N)[None, :] / A.sum(axis=0)[None, :]
    Y = rng.gamma(1.0, 1000.0, (N, m)) * np.where(np.kron(np.eye(m), np.ones((n, 1))) > 0, 1.0, 0.1)
    x = np.linalg.solve(np.eye(N) - A, Y.sum(axis=1))
    return IOTable(A * x[None, :], Y, x, tuple(f"r{i}" for i in range(m)), tuple(f"s{i}" for i in range(n)),
                   f"synthetic {m}x{n}", year=2011, source="synthetic")


def shock(t: IOTable, T: int) -> np.ndarray:
    d = np.zeros((T, t.n))
    d[10:100, [0, 1, 2]] = 0.4
    return d


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def run_table(t: IOTable, boario_steps: int, batch: int, gpu_batch: int) -> dict:
    b = ario.baseline(t)
    d = shock(t, 365)
    ario.simulate(b, d[:3])  # warm-up: compiled kernel from cache
    ours, s_ours = timed(ario.simulate, b, d)
    many = np.broadcast_to(d, (batch, *d.shape)) * np.linspace(0.5, 1.5, batch)[:, None, None]
    _, s_batch = timed(ario.simulate, b, np.clip(many, 0, 1))
    row = {"industries": t.n, "ours_steps_s": 365 / s_ours, "batch_scenario_steps_s": batch * 365 / s_batch}
    if oracle.available():
        theirs, s_theirs = timed(oracle.production, t, d[:boario_steps])
        row["boario_steps_s"] = boario_steps / s_theirs
        row["ratio"] = row["ours_steps_s"] / row["boario_steps_s"]
        scale = np.where(b.x > 0, b.x, 1.0)  # real tables have zero-output industries
        row["max_rel_diff"] = float((np.abs(ours[0, :boario_steps] - theirs) / scale).max())
    if gpu_batch:
        row.update(gpu(b, d, gpu_batch))
    return row


def gpu(b: ario.Baseline, d: np.ndarray, B: int) -> dict:
    """B one-year draws through the array-API step on a GPU, if CuPy or PyTorch sees one."""
    if importlib.util.find_spec("cupy") is not None:
        import cupy as cp

        if cp.cuda.runtime.getDeviceCount() > 0:
            dd = cp.asarray(np.broadcast_to(d, (B, *d.shape)))
            ario_xp.simulate(b, dd[:2, :3])
            _, s = timed(lambda: (ario_xp.simulate(b, dd), cp.cuda.Device().synchronize()))
            return {"gpu": "cupy", "gpu_batch": B, "gpu_seconds": s}
    if importlib.util.find_spec("torch") is not None:
        import torch

        if torch.cuda.is_available():
            dd = torch.as_tensor(np.broadcast_to(d, (B, *d.shape)).copy(), device="cuda")
            ario_xp.simulate(b, dd[:2, :3])
            _, s = timed(lambda: (ario_xp.simulate(b, dd), torch.cuda.synchronize()))
            return {"gpu": "torch", "gpu_batch": B, "gpu_seconds": s}
    return {"gpu": "none found: no GPU figure measured"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["20x30", "40x35"])
    ap.add_argument("--boario-steps", type=int, default=365)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--gpu-batch", type=int, default=0)
    ap.add_argument("--table", type=Path, help="also a real table: a pymrio folder (e.g. scripts/build_io_table.py "
                                               "DIR --full --out wiod-full)")
    args = ap.parse_args()
    numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    print(f"numba threads: {numba.get_num_threads()} · BoARIO installed: {oracle.available()}")
    tables = [synthetic(*map(int, size.split("x"))) for size in args.sizes]
    for t in tables + ([load(args.table)] if args.table else []):
        r = run_table(t, args.boario_steps, args.batch, args.gpu_batch)
        line = (f"{t.name}, {r['industries']:>5} industries: chokepoint {r['ours_steps_s']:8.1f} steps/s "
                f"(batch of {args.batch}: {r['batch_scenario_steps_s']:8.1f} scenario-steps/s)")
        if "ratio" in r:
            verdict = "PASS" if r["ratio"] >= TARGET else "FAIL"
            line += (f" · BoARIO {r['boario_steps_s']:6.2f} steps/s · ratio {r['ratio']:6.1f}× "
                     f"(target ≥ {TARGET:.0f}×: {verdict}) · paths agree to {r['max_rel_diff']:.1e} of output")
        if "gpu" in r:
            line += f" · GPU: {r['gpu']}"
            if "gpu_seconds" in r:
                line += f", {r['gpu_batch']} draws in {r['gpu_seconds']:.1f} s"
        print(line, flush=True)


if __name__ == "__main__":
    main()
