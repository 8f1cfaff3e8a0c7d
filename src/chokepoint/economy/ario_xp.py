"""The ARIO step of `economy.ario` written once against the array API (NumPy, CuPy or PyTorch arrays).

Each step is a few batched matrix products over the table's (region, product, buyer) blocks, so
on a GPU a batch of scenarios runs as dense GEMMs. Needs `array-api-compat` (the `gpu` extra)
for CuPy and PyTorch; NumPy arrays work without it.
"""
from __future__ import annotations

import numpy as np

from chokepoint.economy.ario import Baseline


def namespace(a):
    """The array namespace of `a` (NumPy's own namespace when array-api-compat is absent)."""
    try:
        from array_api_compat import array_namespace
    except ImportError:
        if isinstance(a, np.ndarray):
            return np
        raise ImportError("the array-API path needs array-api-compat: pip install 'chokepoint[gpu]'") from None
    return array_namespace(a)


def _device(a):
    try:
        from array_api_compat import device
    except ImportError:
        return None
    return device(a)


def _safe(xp, den):
    return xp.where(den != 0, den, xp.ones_like(den))


def simulate(b: Baseline, delta):
    """Production (B, T, N) under capacity losses `delta` (B, T, N), in delta's namespace and device."""
    xp = namespace(delta)
    dev = _device(delta)
    dt = delta.dtype
    B, T, N = delta.shape
    n = b.n_products
    m = N // n

    def arr(a):
        return xp.asarray(np.ascontiguousarray(a), dtype=dt, device=dev) if dev is not None else xp.asarray(a, dtype=dt)

    finite = np.isfinite(b.inv)
    Zp = arr(np.transpose(b.Z.reshape(m, n, N), (1, 0, 2)))          # (n, m, N): supplier region r of product i → buyer
    x0, y, tech = arr(b.x), arr(b.y), arr(b.tech)
    uses = xp.asarray(arr(b.uses.astype(float)) > 0)
    inv_f = arr(np.where(finite, b.inv, 0.0))[None, :, None]
    rest = arr(np.where(finite, b.rest, 0.0))[None, :, None]
    p = b.params
    otau = p.step_days / p.alpha_tau
    one = xp.ones((B, N), dtype=dt)
    over, ratio = one, one
    prod = one * x0
    dem = one * (xp.sum(arr(b.Z), axis=1) + y)
    gd = xp.ones((B, n, N), dtype=dt)
    stock = xp.where(xp.asarray(arr(finite.astype(float)) > 0)[None, :, None],
                     (one * x0)[:, None, :] * tech[None, ...] * inv_f, xp.full((B, n, N), xp.inf, dtype=dt))
    out = []
    for t in range(T):
        if t * p.step_days > 1:
            sc = xp.where(dem != 0, (dem - prod) / _safe(xp, dem), xp.zeros_like(dem))
            over = over + (p.alpha_max - over) * sc * otau + xp.where(sc == 0, (1.0 - over) * otau, xp.zeros_like(sc))
            over = xp.maximum(over, one)
        cap = x0 * (1.0 - delta[:, t, :]) * over
        opt = xp.minimum(dem, cap)
        need = opt[:, None, :] * tech[None, ...] * p.psi * inv_f
        bind = uses[None, ...] & (need != 0)
        lim = xp.min(xp.where(bind, stock / xp.where(bind, need, xp.ones_like(need)), xp.ones_like(need)), axis=1)
        prod = opt * xp.minimum(lim, one)
        w = xp.where(dem != 0, ratio * prod / _safe(xp, dem), xp.zeros_like(dem))
        ratio_new = xp.where(x0 != 0, cap / _safe(xp, x0), one)
        blocks = xp.permute_dims(xp.reshape(xp.stack([w, ratio_new]), (2 * B, m, n)), (2, 0, 1))  # (n, 2B, m)
        both = xp.permute_dims(xp.matmul(blocks, Zp), (1, 0, 2))                                 # (2B, n, N)
        add, den = both[:B, ...], both[B:, ...]
        use = prod[:, None, :] * tech[None, ...]
        stock = stock + gd * add - use
        goal = opt[:, None, :] * tech[None, ...] * inv_f
        gap = xp.maximum(goal - xp.where(rest > 0, stock, goal), xp.zeros_like(goal)) * rest + use
        gd = xp.where(den != 0, gap / _safe(xp, den), xp.zeros_like(gap))
        orders = xp.matmul(Zp, xp.permute_dims(gd, (1, 2, 0)))                                    # (n, m, B)
        dem = ratio_new * xp.reshape(xp.permute_dims(orders, (2, 1, 0)), (B, N)) + y
        ratio = ratio_new
        out.append(prod)
    return xp.stack(out, axis=1)
