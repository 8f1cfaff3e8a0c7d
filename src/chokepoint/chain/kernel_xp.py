"""The fast engine's rules as array operations over the draw axis (the array API: NumPy, CuPy, PyTorch).

The same mathematics as `fast` and `chain.kernel`, written once against the array API
standard so a chunk of draws runs on a GPU as elementwise and reduction kernels over
(draws, country, country) arrays; `array_api_strict` in the tests keeps it to the standard.
Shared arrays of a `Draws` keep their leading axis of 1 and broadcast. Like the kernel it
keeps no shipment history: per week only the demand, served and price figures come back.
Needs `array-api-compat` (the `gpu` extra) for CuPy and PyTorch.
"""
from __future__ import annotations

import numpy as np

from chokepoint.chain.draws import Draws
from chokepoint.chain.fast import REROUTE_ROUNDS
from chokepoint.chain.problem import SHORT_TRIGGER


def gpu_missing() -> str | None:
    """What a GPU run lacks here, in words (None: CuPy or PyTorch sees a CUDA device)."""
    import importlib.util

    if importlib.util.find_spec("array_api_compat") is None:
        return "array-api-compat (pip install 'chokepoint[gpu]') and CuPy or PyTorch with a CUDA device"
    found = []
    if importlib.util.find_spec("cupy") is not None:
        try:
            import cupy

            if cupy.cuda.runtime.getDeviceCount() > 0:
                return None
            found.append("CuPy is installed but sees no CUDA device")
        except Exception as exc:  # noqa: BLE001 (CuPy raises its own CUDA errors without a driver)
            found.append(f"CuPy is installed but CUDA is not usable ({type(exc).__name__})")
    if importlib.util.find_spec("torch") is not None:
        import torch

        if torch.cuda.is_available():
            return None
        found.append("PyTorch is installed but torch.cuda sees no device")
    return "CuPy or PyTorch with a CUDA device" + (f" ({'; '.join(found)})" if found else
                                                   " (neither is installed)")


def gpu_namespace():
    """(namespace, device) of the first usable GPU library: CuPy, else PyTorch."""
    import importlib.util

    if importlib.util.find_spec("cupy") is not None:
        try:
            import cupy

            if cupy.cuda.runtime.getDeviceCount() > 0:
                from array_api_compat import array_namespace

                return array_namespace(cupy.zeros(1)), None
        except Exception:  # noqa: BLE001, S110 (no usable CuPy: try PyTorch)
            pass
    import torch
    from array_api_compat import array_namespace

    return array_namespace(torch.zeros(1)), "cuda"


def run_on_gpu(d: Draws, focal: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The engine on the GPU; the focal country's demand and served (B, T, K) and price (B, T), on the host."""
    xp, device = gpu_namespace()
    return tuple(_host(a) for a in run(d, focal, xp, device))


def _host(a) -> np.ndarray:
    if hasattr(a, "get"):          # CuPy
        return a.get()
    if hasattr(a, "cpu"):          # PyTorch
        return a.cpu().numpy()
    return np.asarray(a)


def _div(xp, a, b, fill: float = 0.0):
    """a / b where b > 0, else `fill` (no division by zero on any device)."""
    ok = b > 0
    q = a / xp.where(ok, b, xp.ones_like(b))
    return xp.where(ok, q, xp.zeros_like(q) + fill)


class _Engine:
    """One chunk's arrays on a device and the week's rules over them."""

    def __init__(self, d: Draws, xp, device=None):
        d.require_linear("the array-API engine")
        self.xp, self.B, self.T = xp, d.n, d.T
        dt = xp.float64

        def arr(a, dtype=dt):
            a = np.ascontiguousarray(a)
            return xp.asarray(a, dtype=dtype, device=device) if device is not None else xp.asarray(a, dtype=dtype)

        self.arr = arr
        self.cap, self.eta, self.source = arr(d.cap), arr(d.eta), arr(d.source)
        self.mask = arr(d.mask, xp.bool)
        self.maskf = arr(d.mask)
        self.allow = arr(np.where(np.isfinite(d.allow), d.allow, 0.0))  # where it binds; `binds` says where
        self.binds = arr(np.isfinite(d.allow), xp.bool)
        self.stock_target, self.release, self.recycled = arr(d.stock_target), arr(d.release), arr(d.recycled)
        self.industry0, self.strategic0, self.demand0 = arr(d.industry0), arr(d.strategic0), arr(d.demand0)
        self.starts = d.starts
        self.el, self.del_, self.pcap = arr(d.el), arr(d.del_), arr(d.pcap)
        self.gain, self.unwind, self.ceiling = arr(d.gain)[:, None], arr(d.unwind)[:, None], arr(d.ceiling)[:, None]
        self.restock = arr(d.restock)[:, None, None]
        self.thresh = arr(1e-9 * np.maximum(d.world_final, 1.0))
        self.levels = [arr((d.priority == lv).astype(float)) for lv in d.levels]  # (K,) 0/1 per level
        C = d.flows.shape[-1]
        self.eye = arr(np.eye(C))

    def reroute(self, x, surplus, gap, elig):
        """Pro-rata allocation of exporters' surplus to eligible buyers' gaps (as `kernel._reroute`)."""
        xp = self.xp
        for _ in range(REROUTE_ROUNDS):
            tot = xp.sum(elig * gap[:, None, :], axis=2)
            w = _div(xp, surplus, tot)
            wsum = xp.sum(elig * w[:, :, None], axis=1)
            got = gap * wsum
            g = gap * xp.clip(_div(xp, gap, got), max=1.0)
            offer = elig * (w[:, :, None] * g[:, None, :])
            x = x + offer
            surplus = surplus - xp.sum(offer, axis=2)
            gap = gap - g * wsum
        return x, surplus, gap

    def swap(self, x, surplus, gap, routes, elig):
        """Withheld output to unrestricted buyers, who release free supply to restricted gaps (as `fast._swap`)."""
        xp = self.xp
        restrictor = xp.any(routes, axis=2)
        rf = xp.astype(restrictor, x.dtype)
        inflow = xp.sum(x * (1.0 - rf)[:, :, None], axis=1)
        held = surplus * rf
        el = elig * rf[:, :, None] * inflow[:, None, :]
        tot = xp.sum(el, axis=2)
        a = _div(xp, held[:, :, None] * el, tot[:, :, None])
        got = xp.sum(a, axis=1)
        a = a * xp.clip(_div(xp, inflow, got), max=1.0)[:, None, :]
        total, limit = xp.sum(a, axis=(1, 2)), xp.sum(gap, axis=1)
        a = a * xp.clip(_div(xp, limit, total), max=1.0)[:, None, None]
        take = _div(xp, xp.sum(a, axis=1), inflow)
        released = x * (1.0 - rf)[:, :, None] * take[:, None, :]
        x = x - released + a
        surplus = surplus - xp.sum(a, axis=2) + xp.sum(released, axis=2)
        return self.reroute(x, surplus, gap, elig)

    def cap_routes(self, t: int, s: int, x):
        """Scale each restriction's routes down to its allowance, in turn."""
        xp = self.xp
        for r in range(self.mask.shape[1]):
            m, mb = self.maskf[:, r, s, ...], self.mask[:, r, s, ...]
            allow, binds = self.allow[:, t, r, s, ...], self.binds[:, t, r, s, ...]
            masked = xp.sum(x * m, axis=2)
            keep = xp.where(binds & (masked > 0), _div(xp, allow, masked, 1.0), xp.ones_like(masked))
            x = xp.where(mb, x * xp.clip(keep, max=1.0)[:, :, None], x)
        return x

    def ration(self, avail, demand):
        """Sectors served by descending priority, pro rata within a level."""
        xp = self.xp
        served = xp.zeros_like(demand)
        left = avail
        for sel in self.levels:
            want = demand * sel
            tot = xp.sum(want, axis=2)
            frac = _div(xp, xp.minimum(left, tot), tot)
            got = want * frac[:, :, None]
            served = served + got
            left = left - xp.sum(got, axis=2)
        return served

    def week(self, t: int, demand, ind: list, strat: list, unmet: list):
        """One week of every draw: returns served (B, C, K); updates ind, strat and unmet (lists by stage)."""
        xp = self.xp
        S = self.cap.shape[2]
        binds = self.binds[:, t, ...]                                     # (·, R, S, C)
        routes = xp.any(self.mask & binds[..., None], axis=1)         # (·, S, C, C)
        biting = xp.any(xp.reshape(binds, (binds.shape[0], -1)), axis=1)
        elig = 1.0 - xp.astype(routes, xp.float64)
        # orders and targets, downstream first
        restock = [(self.stock_target[:, t, s, ...] - ind[s]) / self.restock[:, :, 0] for s in range(S)]
        wants = xp.clip(xp.sum(demand, axis=2) + restock[S - 1], min=0.0)
        book, target = [None] * S, [None] * S
        short_after = xp.zeros((self.B,), dtype=xp.float64)
        for s in range(S - 1, -1, -1):
            short_after = short_after + xp.sum(unmet[s], axis=1)
            book[s] = self.cap_routes(t, s, self.source[:, s, ...] * wants[:, None, :])
            orders = xp.sum(book[s], axis=2)
            gaps = ((short_after > self.thresh) | biting)[:, None]
            cap = self.cap[:, t, s, ...]
            target[s] = xp.clip(xp.where(gaps, cap, xp.minimum(orders, cap)), min=0.0)
            if s > 0:
                wants = xp.clip(target[s] / self.eta[:, s, ...] + restock[s - 1], min=0.0)
        prod, cut, ship = [None] * S, [None] * S, [None] * S
        prod[0] = target[0]
        served = None
        for s in range(S):
            want = target[s + 1] / self.eta[:, s + 1, ...] if s + 1 < S else xp.sum(demand, axis=2)
            out = prod[s] + self.recycled[:, t, s, ...]
            booked = xp.sum(book[s], axis=2)
            fill = _div(xp, xp.minimum(out, booked), booked)
            x = book[s] * fill[:, :, None]
            surplus = out - xp.sum(x, axis=2)
            gap = xp.clip(want - xp.sum(x, axis=1), min=0.0)
            x, surplus, gap = self.reroute(x, surplus, gap, elig[:, s, ...])
            x, surplus, gap = self.swap(x, surplus, gap, routes[:, s, ...], elig[:, s, ...])
            got = xp.sum(x, axis=1)
            use = xp.minimum(got, want)
            room = xp.clip(self.stock_target[:, t, s, ...] - ind[s], min=0.0)
            refused = xp.clip(got - use - room, min=0.0)
            back = x * _div(xp, refused, got)[:, None, :]
            x = x - back
            surplus = surplus + xp.sum(back, axis=2)
            got = got - refused
            ind_s = ind[s] + got - use
            short = want - use
            d_ind = xp.minimum(ind_s, short)
            ind_s = ind_s - d_ind
            d_str = xp.minimum(xp.minimum(strat[s], self.release[:, t, s, ...]), short - d_ind)
            strat[s] = strat[s] - d_str
            use = use + d_ind + d_str
            unmet[s] = want - use
            unsold = xp.clip(surplus, min=0.0)
            cut[s] = xp.minimum(unsold, prod[s])
            prod[s] = prod[s] - cut[s]
            unsold = unsold - cut[s]
            x = x + self.eye * unsold[:, :, None]            # unsold recycled material stays at home
            ind[s] = ind_s + unsold
            ship[s] = x
            if s + 1 < S:
                prod[s + 1] = use * self.eta[:, s + 1, ...]
            else:
                served = self.ration(use, demand)
        # send back, stage by stage upstream, the inputs of output that was cut
        for s in range(S - 1, 0, -1):
            spare = cut[s] / self.eta[:, s, ...]
            x = ship[s - 1]
            got = xp.sum(x, axis=1)
            back = x * _div(xp, xp.minimum(spare, got), got)[:, None, :]
            ship[s - 1] = x - back
            ind[s - 1] = ind[s - 1] + spare - xp.sum(back, axis=1)
            returned = xp.sum(back, axis=2)
            less = xp.minimum(returned, prod[s - 1])
            prod[s - 1] = prod[s - 1] - less
            cut[s - 1] = cut[s - 1] + less
            ship[s - 1] = ship[s - 1] + self.eye * (returned - less)[:, :, None]
            ind[s - 1] = ind[s - 1] + returned - less
        return served

    def simulate(self, focal: int):
        """Demand and served (B, T, K) of country `focal` (all countries, (B, T, C, K), where focal < 0)
        and the price index (B, T)."""
        xp = self.xp
        B, T = self.B, self.T
        S, C = self.cap.shape[2], self.cap.shape[3]
        zeros = xp.zeros((B, C), dtype=xp.float64)
        ind = [self.industry0[:, s, ...] + zeros for s in range(S)]
        strat = [self.strategic0[:, s, ...] + zeros for s in range(S)]
        unmet = [zeros for _ in range(S)]
        mult = xp.ones((B,), dtype=xp.float64)
        sub, wanted, got = zeros, zeros, zeros
        last = np.zeros(self.starts.shape[0])
        price_prev = None
        dem_out, srv_out, price_out = [], [], []
        for t in range(T):
            new_np = self.starts[:, t, ...] & (t > 0)
            if new_np.any():
                new = self.arr(new_np, xp.bool)
                mult = xp.where(new, price_prev ** (-self.del_), mult)
                short = 1.0 - _div(xp, got, wanted, 1.0)
                weeks = self.arr(t - last)[:, None]
                step = xp.where(short > SHORT_TRIGGER, self.gain, -self.unwind) * weeks
                sub = xp.where(new[:, None], xp.clip(sub + step, min=0.0, max=self.ceiling), sub)
                wanted = xp.where(new[:, None], xp.zeros_like(wanted), wanted)
                got = xp.where(new[:, None], xp.zeros_like(got), got)
                last = np.where(new_np, t, last)
            demand = self.demand0 * (1.0 - sub)[:, :, None] * mult[:, None, None]
            served = self.week(t, demand, ind, strat, unmet)
            wanted = wanted + xp.sum(demand, axis=2)
            got = got + xp.sum(served, axis=2)
            tot_s, tot_d = xp.sum(served, axis=(1, 2)), xp.sum(demand, axis=(1, 2))
            ratio = _div(xp, tot_s, tot_d, 1.0)
            price_prev = xp.clip(xp.clip(ratio, min=1e-12) ** (-1.0 / self.el), min=1.0, max=self.pcap)
            dem_out.append(demand if focal < 0 else demand[:, focal, ...])
            srv_out.append(served if focal < 0 else served[:, focal, ...])
            price_out.append(price_prev)
        return xp.stack(dem_out, axis=1), xp.stack(srv_out, axis=1), xp.stack(price_out, axis=1)


def run(d: Draws, focal: int, xp, device=None):
    """The engine over a chunk in namespace `xp` (on `device`): demand and served (B, T, K) of country
    `focal` — (B, T, C, K) of every country where focal < 0 — and the price index (B, T)."""
    return _Engine(d, xp, device).simulate(focal)
