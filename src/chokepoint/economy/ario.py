"""The ARIO dynamic input-output model as a pure kernel, batched over scenarios (numba on CPU).

The equations are those of BoARIO's `ARIOPsiModel` with "alt" orders (Hallegatte 2014; Guan
et al. 2020; Juhel 2023): production is the least of total demand, capacity (1 - δ) α x₀ and
what each input inventory allows (ψ of its target); production is shared among clients in
proportion to their orders; inventories are restored towards τ_inv-day targets; orders go
to suppliers in proportion to their capacity; overproduction α rises towards α_max while
demand exceeds production. Rebuilding demand (disasters) is not modelled: the shocks here
are capacity losses δ per industry and step, from material shortfalls.

`Baseline` holds the table's per-step arrays (shared by all scenarios); `simulate` runs B
scenarios of T steps and returns production (B, T, N). `economy.ario_xp` is the same step
written against the array API for GPUs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from chokepoint.economy.table import IOTable

INPUT_THRESHOLD = 1e-5  # BoARIO's TECHNOLOGY_THRESHOLD: inputs below this share never constrain


@dataclass(frozen=True)
class Params:
    """Model parameters in days (BoARIO's defaults); one step is `step_days` days."""

    alpha_max: float = 1.25          # overproduction ceiling α_max
    alpha_tau: float = 365.0         # overproduction characteristic time τ_α
    psi: float = 0.8                 # share of the inventory target below which production is cut
    inventory_days: float = 90.0     # inventory target per input (np.inf: never constraining)
    restoration_days: float = 60.0   # inventory restoration time τ_inv
    step_days: float = 1.0
    year_days: float = 365.0


@dataclass(frozen=True)
class Baseline:
    """Per-step flows of a table and the coefficients the kernel needs (N industries, n products)."""

    Z: np.ndarray      # (N, N) intermediate flows per step
    ZT: np.ndarray     # (N, N) its transpose, contiguous by buyer
    x: np.ndarray      # (N,) output per step
    y: np.ndarray      # (N,) final demand per step
    tech: np.ndarray   # (n, N) input of each product per unit of output (summed over supplier regions)
    uses: np.ndarray   # (n, N) bool: the input counts (above INPUT_THRESHOLD)
    inv: np.ndarray    # (n,) inventory target in steps (inf: never constraining)
    rest: np.ndarray   # (n,) share of an inventory gap restored per step
    params: Params

    @property
    def n_products(self) -> int:
        return self.tech.shape[0]


def baseline(t: IOTable, params: Params = Params()) -> Baseline:
    """The per-step baseline of a table under parameters (the steady state every run starts from)."""
    n, N = len(t.sectors), t.n
    f = params.step_days / params.year_days
    Zc = t.Z.reshape(N // n, n, N).sum(axis=0)
    tech = Zc * np.divide(1.0, t.x, out=np.zeros(N), where=t.x != 0)[None, :]
    inv = np.full(n, params.inventory_days / params.step_days)
    inv[inv <= 1] = 2.0  # as BoARIO: a target under one step is raised to two
    Z = np.ascontiguousarray(t.Z * f)
    return Baseline(Z, np.ascontiguousarray(Z.T), t.x * f, t.Y.sum(axis=1) * f, tech,
                    Zc > t.x[None, :] * f * INPUT_THRESHOLD, inv,
                    np.full(n, params.step_days / params.restoration_days), params)


def simulate(b: Baseline, delta: np.ndarray) -> np.ndarray:
    """Production (B, T, N) under capacity losses `delta` (B, T, N) or (T, N), fractions in [0, 1]."""
    d = np.asarray(delta, dtype=np.float64)
    d = d[None] if d.ndim == 2 else d
    if d.shape[2] != len(b.x):
        raise ValueError(f"delta has {d.shape[2]} industries, the table {len(b.x)}")
    if (d < 0).any() or (d > 1).any():
        raise ValueError("capacity losses must lie in [0, 1]")
    p = b.params
    out = np.empty(d.shape)
    _run(b.ZT, b.x, b.y, b.tech, b.uses, b.inv, b.rest, p.psi, p.alpha_max,
         p.step_days / p.alpha_tau, p.step_days, np.ascontiguousarray(d), out, min(len(d), nb.get_num_threads()))
    return out


@nb.njit(parallel=True, cache=True)
def _run(ZT, x0, y, tech, uses, inv, rest, psi, amax, otau, step_days, delta, out, chunks):
    B = delta.shape[0]
    for c in nb.prange(chunks):  # each thread steps its own scenarios: no barrier between steps
        lo, hi = c * B // chunks, (c + 1) * B // chunks
        _scenarios(ZT, x0, y, tech, uses, inv, rest, psi, amax, otau, step_days, delta[lo:hi], out[lo:hi])


@nb.njit(cache=True)
def _scenarios(ZT, x0, y, tech, uses, inv, rest, psi, amax, otau, step_days, delta, out):  # noqa: C901
    """Steps S scenarios in lock-step so each row of Z is read once per step for all of them."""
    S, T, N = delta.shape
    n = tech.shape[0]
    m = N // n
    finite = np.isfinite(inv)
    base = ZT.sum(axis=0) + y
    over = np.ones((S, N))
    prod = np.empty((S, N))
    dem = np.empty((S, N))          # total demand addressed to each industry (orders + final)
    ratio = np.ones((S, N))         # capacity / baseline output behind the current orders
    ratio_new = np.empty((S, N))
    gd = np.ones((S, N, n))         # orders of product i by buyer j per unit of capacity-weighted flow
    stock = np.empty((S, N, n))
    for s in range(S):
        for j in range(N):
            prod[s, j] = x0[j]
            dem[s, j] = base[j]
            for i in range(n):
                stock[s, j, i] = x0[j] * tech[i, j] * inv[i] if finite[i] else np.inf
    cap = np.empty((S, N))
    opt = np.empty((S, N))
    w = np.empty((S, N))
    acc = np.empty((S, N))
    add = np.empty(n)
    den = np.empty(n)
    for t in range(T):
        for s in range(S):
            for k in range(N):
                if t * step_days > 1:  # BoARIO leaves α untouched on the first two days
                    sc = (dem[s, k] - prod[s, k]) / dem[s, k] if dem[s, k] != 0 else 0.0
                    a = over[s, k]
                    a += (amax - a) * sc * otau + ((1.0 - a) * otau if sc == 0 else 0.0)
                    over[s, k] = max(a, 1.0)
                cap[s, k] = x0[k] * (1.0 - delta[s, t, k]) * over[s, k]
                opt[s, k] = min(dem[s, k], cap[s, k])
            for j in range(N):
                lim = 1.0
                for i in range(n):
                    need = opt[s, j] * tech[i, j] * psi * (inv[i] if finite[i] else 0.0)
                    if uses[i, j] and need != 0:
                        lim = min(lim, stock[s, j, i] / need)
                prod[s, j] = opt[s, j] * lim
            for k in range(N):
                w[s, k] = ratio[s, k] * prod[s, k] / dem[s, k] if dem[s, k] != 0 else 0.0
                ratio_new[s, k] = cap[s, k] / x0[k] if x0[k] != 0 else 1.0
                acc[s, k] = 0.0
        for j in range(N):  # one pass over Z by buyer: deliveries, stocks, new orders, demand
            row = ZT[j]
            for s in range(S):
                add[:] = 0.0
                den[:] = 0.0
                for r in range(m):
                    for i in range(n):
                        k = r * n + i
                        add[i] += row[k] * w[s, k]
                        den[i] += row[k] * ratio_new[s, k]
                for i in range(n):
                    use = prod[s, j] * tech[i, j]
                    st = stock[s, j, i] + gd[s, j, i] * add[i] - use
                    stock[s, j, i] = st
                    gap = max(opt[s, j] * tech[i, j] * inv[i] - st, 0.0) * rest[i] if finite[i] else 0.0
                    gd[s, j, i] = (gap + use) / den[i] if den[i] != 0 else 0.0
                g = gd[s, j]
                for r in range(m):
                    for i in range(n):
                        k = r * n + i
                        acc[s, k] += row[k] * g[i]
        for s in range(S):
            for k in range(N):
                dem[s, k] = ratio_new[s, k] * acc[s, k] + y[k]
                ratio[s, k] = ratio_new[s, k]
                out[s, t, k] = prod[s, k]
