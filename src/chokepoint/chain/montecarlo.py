"""Monte Carlo over a scenario's uncertain parameters: draws → chunks compiled at once
(`chain.draws`) → a batch engine (compiled kernel, NumPy, or GPU) → per-chunk summaries
(DESIGN section 4).

Memory is bounded by the chunk, not by n: each chunk's trajectories are reduced at once to
a few figures per draw and to histograms of the focal country's weekly shortfall share (by
sector) and of the price index. Bands are read from the summed histograms and the risk
figures from the per-draw figures in draw order, so a seed gives identical results for any
chunk size, task split or backend.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import multiprocessing
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np
import pandas as pd

from chokepoint.chain import fast, problem, scenario, uncertainty
from chokepoint.chain.draws import Draws, compile_draws
from chokepoint.chain.network import Network
from chokepoint.chain.problem import Problem
from chokepoint.chain.results import RECOVERED, SERIES_COLUMNS
from chokepoint.chain.scenario import Scenario
from chokepoint.errors import BadInput, list_as_string
from chokepoint.units import pct

BINS = 2000            # weekly shortfall share histogram: 0.05 percentage-point bins on [0, 1]
PRICE_BINS = 2000      # price index histogram on [1, highest possible cap]
PRICE_LIMIT = 100.0    # top of the price histogram when the cap's distribution is unbounded
QUANTILES = (0.05, 0.5, 0.95)
OVER = 0.20            # "a week more than 20% short"
TAIL = 0.95            # CVaR level
CHUNK = 512            # draws per engine call (the compiled kernel gains little past ~512; 62 MB of arrays)
ALL = "all sectors"
DRAW_FIGURES = ["total_shortfall_t", "demand_t", "shortfall_pct", "peak_shortfall_pct", "weeks_over_20pct",
                "first_shortfall_week", "recovery_week", "peak_price"]


@dataclass
class Focal:
    """What a batch engine returns for the focal country: arrays over draws B, weeks T, sectors K."""

    demand: np.ndarray  # (B, T, K) final demand, t/week
    served: np.ndarray  # (B, T, K)
    price: np.ndarray   # (B, T) world price index


class BatchEngine(Protocol):
    """A chunk of draws (compiled problems, or `Draws`) in, the focal country's figures out."""

    def __call__(self, batch: list[Problem] | Draws, focal: int) -> Focal: ...


def numpy_engine(batch: list[Problem] | Draws, focal: int) -> Focal:
    """The fast engine (NumPy, CPU) over a chunk, reduced to the focal country at once."""
    trs = fast.simulate(batch.problems() if isinstance(batch, Draws) else batch)
    return Focal(np.stack([t.demand[:, focal] for t in trs]), np.stack([t.served[:, focal] for t in trs]),
                 np.stack([t.price for t in trs]))


def compiled_engine(batch: list[Problem] | Draws, focal: int) -> Focal:
    """The fast engine's rules compiled (chain.kernel, numba, draws in parallel): same figures, no history."""
    from chokepoint.chain import kernel

    if not isinstance(batch, Draws) and not batch[0].linear:  # the kernel knows linear chains only
        return numpy_engine(batch, focal)
    demand, served, price = kernel.run(batch if isinstance(batch, Draws) else Draws.stack(batch), focal)
    return Focal(demand[:, :, 0], served[:, :, 0], price)


def gpu_engine(batch: list[Problem] | Draws, focal: int) -> Focal:
    """The same rules as array operations over the draw axis on a CUDA device (chain.kernel_xp)."""
    from chokepoint.chain import kernel_xp

    demand, served, price = kernel_xp.run_on_gpu(batch if isinstance(batch, Draws) else Draws.stack(batch), focal)
    return Focal(demand, served, price)


def gpu_present() -> bool:
    """True where CuPy or PyTorch sees a CUDA device."""
    return gpu_missing() is None


def gpu_missing() -> str | None:
    """What a GPU run lacks here (None: CuPy or PyTorch sees a CUDA device)."""
    from chokepoint.chain import kernel_xp

    return kernel_xp.gpu_missing()


DEVICES: dict[str, BatchEngine] = {"cpu": compiled_engine, "numpy": numpy_engine, "gpu": gpu_engine}


def engine(device: str) -> BatchEngine:
    """The batch engine for a device: 'cpu' (the compiled kernel), 'numpy' (the reference) or 'gpu'."""
    if device not in DEVICES:
        raise BadInput(f"unknown device '{device}'", field="device", hint=f"devices are {list_as_string(DEVICES)}")
    if device == "gpu":
        missing = gpu_missing()
        if missing:
            raise BadInput(f"no GPU found: --device gpu needs {missing}", field="device",
                           hint="run with --device cpu")
    return DEVICES[device]


def uncertain(spec: Scenario) -> Scenario:
    """The scenario as sampled: its own `uncertain`, or the default distributions where it has none."""
    if spec.uncertain:
        return spec
    return Scenario.model_validate({**spec.model_dump(), "uncertain": uncertainty.defaults(spec)})


@dataclass
class Plan:
    """Everything a worker needs to run any range of draws (picklable, for Ray)."""

    spec: Scenario
    net: Network
    blocs: dict[str, set[str]]
    country: str
    n: int
    seed: int
    device: str = "cpu"

    @cached_property
    def base(self) -> dict:
        return {**self.spec.model_dump(), "uncertain": {}}

    @cached_property
    def paths(self) -> list[str]:
        return list(self.spec.uncertain)

    @cached_property
    def kinds(self) -> list[type]:
        return uncertainty.kinds(Scenario, self.base, self.paths)

    @cached_property
    def focal(self) -> int:
        return self.net.index(self.country)

    @cached_property
    def sectors(self) -> list[str]:
        return sorted(self.net.demand["sector"].unique())

    @property
    def price_max(self) -> float:
        cap = self.spec.uncertain.get("price_cap")
        return max(self.spec.price_cap, min(cap.support()[1], PRICE_LIMIT) if cap is not None else 1.0)

    def values(self, start: int, stop: int) -> np.ndarray:
        """Parameter values of draws start..stop−1 (draws, paths)."""
        return self.transform(uncertainty.uniforms(len(self.paths), self.seed, self.spec.sampler, start, stop,
                                                   self.n))

    def transform(self, u: np.ndarray) -> np.ndarray:
        """Parameter values from uniform points (draws, paths); integer fields rounded."""
        v = uncertainty.values(self.spec.uncertain, u)
        ints = [j for j, k in enumerate(self.kinds) if k is int]
        v[:, ints] = np.floor(v[:, ints] + 0.5)
        return v

    def scenario(self, row: np.ndarray) -> Scenario:
        """The scenario of one draw's parameter values (a draw no scenario allows is bad input, named)."""
        return scenario.validate(uncertainty.apply(self.base, self.paths, self.kinds, row),
                                 f"a draw of {self.spec.name}")

    def problems(self, vals: np.ndarray) -> list[Problem]:
        return [problem.compile(self.scenario(row), self.net, self.blocs) for row in vals]

    @property
    def linear(self) -> bool:
        """A linear chain (every engine); a multi-input network runs on the NumPy engine only."""
        return getattr(self.net, "linear", True)

    def batch(self, vals: np.ndarray) -> Draws | list[Problem]:
        """Draws compiled at once (a linear chain), else one problem per draw (multi-input chains, and
        tolling, which `chain.draws` does not compile)."""
        if not self.linear or self.base.get("tolling"):
            return self.problems(vals)
        return compile_draws(self.scenario(vals[0]), self.net, self.blocs, self.paths, vals)

    def engine(self) -> BatchEngine:
        """The device's batch engine; a multi-input network's CPU runs take the NumPy engine."""
        if not self.linear:
            if self.device == "gpu":
                raise BadInput("the GPU engine runs linear chains only; this network has multi-input stages",
                               field="device", hint="run with --device cpu (the NumPy engine)")
            return numpy_engine
        return engine(self.device)


@dataclass
class Partial:
    """One chunk's reduction: per-draw figures and histograms that add up across chunks."""

    figures: dict[str, np.ndarray]   # name -> (B,)
    sector_peak: np.ndarray          # (B, K) peak weekly shortfall share by sector
    sector_over: np.ndarray          # (B, K) weeks over 20% short by sector
    values: np.ndarray               # (B, D) parameter values
    hist: np.ndarray                 # (T, K + 1, BINS) weekly shortfall share counts (last = all sectors)
    price_hist: np.ndarray           # (T, PRICE_BINS)


def _share(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


def _counts(bins: np.ndarray, width: int) -> np.ndarray:
    """Counts per (week, series, bin) of bin indices (B, T, J)."""
    _, T, J = bins.shape
    flat = (np.arange(T)[None, :, None] * J + np.arange(J)[None, None, :]) * width + bins
    return np.bincount(flat.ravel(), minlength=T * J * width).reshape(T, J, width)


def reduce(f: Focal, vals: np.ndarray, price_max: float) -> Partial:
    """Per-draw figures and histograms of one chunk's focal results."""
    short = np.clip(f.demand - f.served, 0, None)
    dem_t, short_t = f.demand.sum(axis=2), short.sum(axis=2)
    share_k, share_t = _share(short, f.demand), _share(short_t, dem_t)
    shares = np.concatenate([share_k, share_t[:, :, None]], axis=2)
    hist = _counts(np.minimum((shares * BINS).astype(np.int64), BINS - 1), BINS)
    scale = PRICE_BINS / (price_max - 1) if price_max > 1 else 0.0
    pbins = np.clip(((f.price - 1) * scale).astype(np.int64), 0, PRICE_BINS - 1)
    price_hist = _counts(pbins[:, :, None], PRICE_BINS)[:, 0]
    T = short_t.shape[1]
    tol = 1e-6 * np.maximum(dem_t.max(axis=1), 1e-9)
    hit = short_t > tol[:, None]
    first = np.where(hit.any(axis=1), hit.argmax(axis=1), -1)
    peak = short_t.argmax(axis=1)
    ok = (np.arange(T)[None] >= peak[:, None]) & (dem_t - short_t >= RECOVERED * dem_t)
    recovery = np.where(ok.any(axis=1) & (first >= 0), ok.argmax(axis=1), -1)
    figures = {"total_shortfall_t": short_t.sum(axis=1), "demand_t": dem_t.sum(axis=1),
               "shortfall_pct": _share(short_t.sum(axis=1), dem_t.sum(axis=1)),
               "peak_shortfall_pct": share_t.max(axis=1), "weeks_over_20pct": (share_t > OVER).sum(axis=1),
               "first_shortfall_week": first, "recovery_week": recovery, "peak_price": f.price.max(axis=1)}
    return Partial(figures, share_k.max(axis=1), (share_k > OVER).sum(axis=1), vals, hist, price_hist)


def prepare(plan: Plan, start: int, stop: int) -> tuple[np.ndarray, Draws | list[Problem]]:
    """Draws start..stop−1 sampled and compiled: (parameter values, the engine's batch)."""
    vals = plan.values(start, stop)
    return vals, plan.batch(vals)


def simulate_range(plan: Plan, start: int, stop: int, eng: BatchEngine | None = None) -> Partial:
    """Draws start..stop−1: sample, compile, run the batch engine, reduce."""
    vals, batch = prepare(plan, start, stop)
    return reduce((eng or plan.engine())(batch, plan.focal), vals, plan.price_max)


def ranges(n: int, chunk: int) -> list[tuple[int, int]]:
    """Draw ranges of at most `chunk` draws covering 0..n−1."""
    return [(a, min(a + chunk, n)) for a in range(0, n, chunk)]


_PLAN: Plan | None = None  # a pool worker's plan, set once by its initializer


def _init_worker(plan: Plan) -> None:
    global _PLAN
    _PLAN = plan


def _pool_task(start: int, stop: int) -> tuple[int, Partial]:
    return start, simulate_range(_PLAN, start, stop)


def run_local(plan: Plan, chunks: list[tuple[int, int]], address: str | None = None,
              workers: int | None = None) -> Iterator[tuple[int, Partial]]:
    """Run the chunks in this process, or in a pool of `workers` processes; yield as they finish."""
    if not workers or workers == 1:
        eng = plan.engine()
        # the next chunk is sampled and compiled in a thread while the engine (which releases the GIL)
        # runs this one, so neither core waits for the other's serial part
        with ThreadPoolExecutor(1) as pool:
            ahead = pool.submit(prepare, plan, *chunks[0]) if chunks else None
            for k, (a, _) in enumerate(chunks):
                vals, batch = ahead.result()
                if k + 1 < len(chunks):
                    ahead = pool.submit(prepare, plan, *chunks[k + 1])
                yield a, reduce(eng(batch, plan.focal), vals, plan.price_max)
        return
    ctx = multiprocessing.get_context("spawn")  # not fork: the store's threads live in this process
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(plan,)) as pool:
        for done in as_completed([pool.submit(_pool_task, a, b) for a, b in chunks]):
            yield done.result()


def _ray(plan: Plan, chunks: list[tuple[int, int]], address: str | None = None,
         workers: int | None = None) -> Iterator[tuple[int, Partial]]:
    from chokepoint.chain import mc_ray

    return mc_ray.run(plan, chunks, address, workers)


BACKENDS: dict[str, Callable[..., Iterable[tuple[int, Partial]]]] = {"local": run_local, "ray": _ray}


@dataclass
class Accumulator:
    """Per-draw figures in draw order and summed histograms (n × a few numbers, no trajectories)."""

    plan: Plan
    figures: dict[str, np.ndarray] = field(init=False)

    def __post_init__(self) -> None:
        n, T, K, D = self.plan.n, self.plan.spec.weeks, len(self.plan.sectors), len(self.plan.paths)
        self.figures = {k: np.zeros(n, dtype=np.int64 if k.endswith("week") or k.startswith("weeks") else float)
                        for k in DRAW_FIGURES}
        self.sector_peak, self.sector_over = np.zeros((n, K)), np.zeros((n, K), np.int64)
        self.values = np.zeros((n, D))
        self.hist, self.price_hist = np.zeros((T, K + 1, BINS), np.int64), np.zeros((T, PRICE_BINS), np.int64)

    def add(self, start: int, p: Partial) -> None:
        stop = start + len(p.values)
        for k, v in p.figures.items():
            self.figures[k][start:stop] = v
        self.sector_peak[start:stop], self.sector_over[start:stop] = p.sector_peak, p.sector_over
        self.values[start:stop] = p.values
        self.hist += p.hist
        self.price_hist += p.price_hist


def _hist_quantile(counts: np.ndarray, q: float, edges: np.ndarray) -> np.ndarray:
    """Lower bin edge of the ⌈q·n⌉-th smallest value, for counts (..., bins)."""
    cum = counts.cumsum(axis=-1)
    rank = np.maximum(np.ceil(q * cum[..., -1:]), 1)
    return edges[(cum < rank).sum(axis=-1)]


def bands(acc: Accumulator) -> pd.DataFrame:
    """Weekly p5/p50/p95 of the focal shortfall share by sector (and all sectors) and of the price index."""
    T = acc.hist.shape[0]
    edges = np.arange(BINS) / BINS
    pmax = acc.plan.price_max
    pedges = 1 + np.arange(PRICE_BINS) * (pmax - 1) / PRICE_BINS
    rows = []
    for q in QUANTILES:
        v = _hist_quantile(acc.hist, q, edges)
        for j, sector in enumerate([*acc.plan.sectors, ALL]):
            rows.append(pd.DataFrame({"week": np.arange(T), "variable": "shortfall_share", "sector": sector,
                                      "quantile": q, "value": v[:, j], "unit": "fraction"}))
        rows.append(pd.DataFrame({"week": np.arange(T), "variable": "price_index", "sector": None, "quantile": q,
                                  "value": _hist_quantile(acc.price_hist, q, pedges), "unit": "index"}))
    df = pd.concat(rows, ignore_index=True)
    df["country"], df["stage"] = acc.plan.country, None
    return df.reindex(columns=SERIES_COLUMNS)


def _q(x: np.ndarray, q: float) -> float | None:
    return float(np.quantile(x, q, method="inverted_cdf")) if len(x) else None


def _cvar(x: np.ndarray) -> float:
    k = max(1, math.ceil(round((1 - TAIL) * len(x), 9)))  # round: 0.05 · 200 is 10, not 10.000…01
    return float(np.sort(x)[-k:].mean())


def risk(acc: Accumulator) -> dict:
    """Headline risk figures from the per-draw figures (expected shortfall, CVaR 95%, timing, price)."""
    f = acc.figures
    tot, pct = f["total_shortfall_t"], f["shortfall_pct"]
    first, rec = f["first_shortfall_week"], f["recovery_week"]
    hit = first >= 0
    return {
        "draws": acc.plan.n, "country": acc.plan.country, "weeks": acc.plan.spec.weeks,
        "expected_shortfall_t": float(tot.mean()), "expected_shortfall_pct": float(pct.mean()),
        "shortfall_t": {f"p{round(q * 100)}": _q(tot, q) for q in QUANTILES},
        "shortfall_pct": {f"p{round(q * 100)}": _q(pct, q) for q in QUANTILES},
        "var95_shortfall_t": _q(tot, TAIL), "cvar95_shortfall_t": _cvar(tot), "cvar95_shortfall_pct": _cvar(pct),
        "p_any_shortfall": float(hit.mean()),
        "p_any_week_over_20pct": float((f["peak_shortfall_pct"] > OVER).mean()),
        "first_shortfall_week": {f"p{round(q * 100)}": _q(first[hit], q) for q in QUANTILES},
        "recovery_week": {f"p{round(q * 100)}": _q(rec[rec >= 0], q) for q in QUANTILES},
        "p_no_recovery": float(((rec < 0) & hit).mean()),
        "peak_price": {f"p{round(q * 100)}": _q(f["peak_price"], q) for q in QUANTILES},
        "sectors": {k: {"peak_shortfall_pct_p50": _q(acc.sector_peak[:, i], 0.5),
                        "peak_shortfall_pct_p95": _q(acc.sector_peak[:, i], TAIL),
                        "weeks_over_20pct_p95": _q(acc.sector_over[:, i], TAIL),
                        "p_any_week_over_20pct": float((acc.sector_over[:, i] > 0).mean())}
                    for i, k in enumerate(acc.plan.sectors)},
    }


@dataclass
class MonteCarloResult:
    """A Monte Carlo run: spec (with n and seed), risk figures, bands and per-draw figures."""

    run_id: str
    spec: dict
    summary: dict
    bands: pd.DataFrame = field(repr=False)
    draws: pd.DataFrame = field(repr=False)


def draws_frame(acc: Accumulator) -> pd.DataFrame:
    """One row per draw: its figures, its peak shortfall share by sector and its parameter values."""
    df = pd.DataFrame({"draw": np.arange(acc.plan.n), **acc.figures})
    for col in ("first_shortfall_week", "recovery_week"):
        df[col] = df[col].where(df[col] >= 0).astype("Int64")
    for i, k in enumerate(acc.plan.sectors):
        df[f"peak:{k}"] = acc.sector_peak[:, i]
    for j, p in enumerate(acc.plan.paths):
        df[f"param:{p}"] = acc.values[:, j]
    return df


def check(n: int, chunk: int, backend: str, device: str, address: str | None = None,
          workers: int | None = None) -> None:
    """Fail early, naming the option, on a bad n, chunk, backend, address, workers or device (or Ray missing)."""
    if n < 1:
        raise BadInput("n must be at least 1", field="n")
    if chunk < 1:
        raise BadInput("chunk must be at least 1", field="chunk")
    if backend not in BACKENDS:
        raise BadInput(f"unknown backend '{backend}'", field="backend", hint=f"backends are {list_as_string(BACKENDS)}")
    if address is not None and backend != "ray":
        raise BadInput("an address is only for the ray backend", field="address", hint="add --backend ray")
    if workers is not None and (workers < 1 or address is not None):
        raise BadInput("workers must be at least 1, and a Ray cluster at an address has its own", field="workers")
    if backend == "ray":
        from chokepoint.chain import mc_ray

        mc_ray.ray_module()
    engine(device)


def run(plan: Plan, chunk: int = CHUNK, backend: str = "local", address: str | None = None,
        progress: Callable[[int, int], None] | None = None, workers: int | None = None) -> MonteCarloResult:
    """Run n draws in chunks on a backend; same seed → same result for any chunk, backend and workers."""
    check(plan.n, chunk, backend, plan.device, address, workers)
    acc, done = Accumulator(plan), 0
    for start, part in BACKENDS[backend](plan, ranges(plan.n, chunk), address, workers):
        acc.add(start, part)
        done += len(part.values)
        if progress:
            progress(done, plan.n)
    spec = {**plan.spec.model_dump(), "country": plan.country, "engine": "fast", "n": plan.n, "seed": plan.seed,
            "device": plan.device}
    return MonteCarloResult(uuid.uuid4().hex[:12], spec, risk(acc), bands(acc), draws_frame(acc))


def save(store, r: MonteCarloResult, versions: dict) -> None:
    """The run row (spec and seed), the bands in run_series and the per-draw table, in one transaction."""
    row = pd.DataFrame([{"run_id": r.run_id, "created": dt.datetime.now(), "kind": "montecarlo",
                         "scenario": r.spec["name"], "engine": "fast", "seed": r.spec["seed"],
                         "spec": json.dumps(r.spec), "versions": json.dumps(versions),
                         "summary": json.dumps(r.summary)}])
    series = r.bands.assign(run_id=r.run_id)[["run_id"] + SERIES_COLUMNS]
    d = r.draws
    peaks = ", ".join(f"{_lit(c[5:])}, {_ident(c)}" for c in d.columns if c.startswith("peak:"))
    params = ", ".join(f"{_lit(c[6:])}, {_ident(c)}" for c in d.columns if c.startswith("param:"))
    with store.transaction() as con:
        con.register("_run", row)
        con.register("_series", series)
        con.register("_draws", d)
        con.execute("INSERT INTO run SELECT run_id, created, kind, scenario, engine, CAST(seed AS INTEGER), "
                    "spec::JSON, versions::JSON, summary::JSON FROM _run")
        con.execute("INSERT INTO run_series SELECT * FROM _series")
        con.execute(f"INSERT INTO run_draw SELECT ?, draw, {', '.join(DRAW_FIGURES)}, "
                    f"json_object({peaks}), json_object({params}) FROM _draws ORDER BY draw", [r.run_id])
        for name in ("_run", "_series", "_draws"):
            con.unregister(name)


def _lit(s: str) -> str:
    """A string as an SQL literal (quotes doubled): parameter paths come from the user's YAML."""
    return "'" + s.replace("'", "''") + "'"


def _ident(s: str) -> str:
    """A column name of the draws frame as a quoted SQL identifier (quotes doubled)."""
    return '"' + s.replace('"', '""') + '"'


def week(v: float | None) -> str:
    """7 → 'week 7' (None → '')."""
    return "" if v is None else f"week {v:.0f}"


def risk_table(s: dict) -> pd.DataFrame:
    """The risk figures of a summary as rows an analyst reads (percentages as percentages)."""
    def q(d: dict, f: Callable) -> str:
        return " · ".join(f(d[k]) for k in ("p5", "p50", "p95"))

    rows = [
        ("expected shortfall", f"{s['expected_shortfall_t']:,.0f} t ({pct(s['expected_shortfall_pct'])} of demand)"),
        ("shortfall p5 · p50 · p95", q(s["shortfall_pct"], pct)),
        ("CVaR 95% (mean of the worst 5%)", f"{s['cvar95_shortfall_t']:,.0f} t ({pct(s['cvar95_shortfall_pct'])})"),
        ("P(any shortfall)", pct(s["p_any_shortfall"])),
        ("P(any week > 20% short)", pct(s["p_any_week_over_20pct"])),
        ("first shortfall p5 · p50 · p95", q(s["first_shortfall_week"], week)),
        ("recovery p5 · p50 · p95", q(s["recovery_week"], week)),
        ("P(no recovery within the horizon)", pct(s["p_no_recovery"])),
        ("peak price index p5 · p50 · p95", q(s["peak_price"], lambda v: f"{v:.2f}×")),
    ]
    return pd.DataFrame(rows, columns=["figure", "value"])


def sector_table(s: dict) -> pd.DataFrame:
    """Peak shortfall and weeks over 20% short by sector, formatted."""
    return pd.DataFrame([{"sector": k, "peak shortfall p50": pct(v["peak_shortfall_pct_p50"]),
                          "peak shortfall p95": pct(v["peak_shortfall_pct_p95"]),
                          "P(a week > 20% short)": pct(v["p_any_week_over_20pct"]),
                          "weeks > 20% short, p95": f"{v['weeks_over_20pct_p95']:.0f}"}
                         for k, v in s["sectors"].items()])
