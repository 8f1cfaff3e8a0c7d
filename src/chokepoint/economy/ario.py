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
    _run(b.Z, b.ZT, b.x, b.y, b.tech, b.uses, b.inv, b.rest, p.psi, p.alpha_max,
         p.step_days / p.alpha_tau, p.step_days, np.ascontiguousarray(d), out)
    return out


@nb.njit(parallel=True, cache=True)
def _run(Z, ZT, x0, y, tech, uses, inv, rest, psi, amax, otau, step_days, delta, out):
    for s in nb.prange(delta.shape[0]):  # scenarios are independent: no barrier between steps
        _scenario(Z, ZT, x0, y, tech, uses, inv, rest, psi, amax, otau, step_days, delta[s], out[s])


@nb.njit(cache=True)
def _scenario(Z, ZT, x0, y, tech, uses, inv, rest, psi, amax, otau, step_days, delta, out):  # noqa: C901
    T, N = delta.shape
    n = tech.shape[0]
    m = N // n
    finite = np.isfinite(inv)
    over = np.ones(N)
    prod = x0.copy()
    dem = Z.sum(axis=1) + y     # total demand addressed to each industry (orders + final)
    ratio = np.ones(N)          # capacity / baseline output behind the current orders
    ratio_new = np.ones(N)
    gd = np.ones((n, N))        # orders of product i by buyer j per unit of capacity-weighted flow
    stock = np.empty((n, N))
    for i in range(n):
        for j in range(N):
            stock[i, j] = x0[j] * tech[i, j] * inv[i] if finite[i] else np.inf
    cap = np.empty(N)
    opt = np.empty(N)
    w = np.empty(N)
    add = np.empty(n)
    den = np.empty(n)
    for t in range(T):
        for k in range(N):
            if t * step_days > 1:  # BoARIO leaves α untouched on the first two days
                sc = (dem[k] - prod[k]) / dem[k] if dem[k] != 0 else 0.0
                a = over[k]
                a += (amax - a) * sc * otau + ((1.0 - a) * otau if sc == 0 else 0.0)
                over[k] = max(a, 1.0)
            cap[k] = x0[k] * (1.0 - delta[t, k]) * over[k]
            opt[k] = min(dem[k], cap[k])
        for j in range(N):
            lim = 1.0
            for i in range(n):
                need = opt[j] * tech[i, j] * psi * (inv[i] if finite[i] else 0.0)
                if uses[i, j] and need != 0:
                    lim = min(lim, stock[i, j] / need)
            prod[j] = opt[j] * lim
        for k in range(N):
            w[k] = ratio[k] * prod[k] / dem[k] if dem[k] != 0 else 0.0
            ratio_new[k] = cap[k] / x0[k] if x0[k] != 0 else 1.0
        for j in range(N):
            row = ZT[j]
            add[:] = 0.0
            den[:] = 0.0
            for r in range(m):
                for i in range(n):
                    k = r * n + i
                    add[i] += row[k] * w[k]
                    den[i] += row[k] * ratio_new[k]
            for i in range(n):
                use = prod[j] * tech[i, j]
                st = stock[i, j] + gd[i, j] * add[i] - use
                stock[i, j] = st
                gap = max(opt[j] * tech[i, j] * inv[i] - st, 0.0) * rest[i] if finite[i] else 0.0
                gd[i, j] = (gap + use) / den[i] if den[i] != 0 else 0.0
        for k in range(N):
            zk = Z[k]
            g = gd[k % n]
            acc = 0.0
            for j in range(N):
                acc += zk[j] * g[j]
            dem[k] = ratio_new[k] * acc + y[k]
            ratio[k] = ratio_new[k]
            out[t, k] = prod[k]
