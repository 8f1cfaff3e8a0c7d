"""The fast engine's rules compiled (numba): one draw per thread, many draws in parallel.

The same mathematics as `fast` (whose NumPy code is the readable definition and the test
oracle), written as loops over one draw so a batch costs no temporaries, no per-draw Python
steps and no shipment history: only the demand, served and price paths come back (of one
focal country, or of all). Inputs are a `chain.draws.Draws`: arrays that vary over draws
carry a leading draw axis, shared ones a leading axis of 1 (read, never copied per draw).
Hand-written because no library runs this rationing rule; numba is already a dependency.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from chokepoint.chain.draws import Draws
from chokepoint.chain.fast import REROUTE_ROUNDS
from chokepoint.chain.problem import SHORT_TRIGGER, Problem


@njit(cache=True, inline="always", error_model="numpy")
def _at(a, b):
    """Row b of a per-draw array, row 0 of a shared one (leading axis 1)."""
    return a[b] if a.shape[0] > 1 else a[0]


@njit(cache=True, error_model="numpy")
def _reroute(x, surplus, gap, elig, w, g, wsum):
    """Pro-rata allocation of exporters' surplus to eligible buyers' gaps (in place on x, surplus, gap).

    As `fast._reroute`, factored: exporter i offers buyer j surplus_i · gap_j / tot_i, so the offer
    matrix is w_i · gap_j (w_i = surplus_i / tot_i), each buyer scaled to its gap."""
    C = x.shape[0]
    for _ in range(REROUTE_ROUNDS):
        if surplus.max() <= 0.0 or gap.max() <= 0.0:
            return  # nothing to place or nowhere to place it: every further offer is zero
        for i in range(C):
            tot = 0.0
            for j in range(C):
                if elig[i, j]:
                    tot += gap[j]
            w[i] = surplus[i] / tot if tot > 0 else 0.0
        wsum[:] = 0.0
        for i in range(C):
            if w[i] != 0.0:
                for j in range(C):
                    if elig[i, j]:
                        wsum[j] += w[i]
        for j in range(C):
            got = gap[j] * wsum[j]
            g[j] = gap[j] * min(gap[j] / got, 1.0) if got > 0 else 0.0
        for i in range(C):
            if w[i] != 0.0:
                sent = 0.0
                for j in range(C):
                    if elig[i, j]:
                        o = w[i] * g[j]
                        x[i, j] += o
                        sent += o
                surplus[i] -= sent
        for j in range(C):
            gap[j] -= g[j] * wsum[j]


@njit(cache=True, error_model="numpy")
def _swap(x, surplus, gap, mask, elig, restrictor, inflow, a, take, w, g, wsum):
    """Withheld output to unrestricted buyers, who release free supply to restricted gaps (as `fast._swap`)."""
    C = x.shape[0]
    if not restrictor.any():
        _reroute(x, surplus, gap, elig, w, g, wsum)
        return
    inflow[:] = 0.0
    for i in range(C):
        if not restrictor[i]:
            for j in range(C):
                inflow[j] += x[i, j]
    a[:] = 0.0
    for i in range(C):
        if restrictor[i] and surplus[i] != 0.0:
            tot = 0.0
            for j in range(C):
                if not mask[i, j]:
                    tot += inflow[j]
            if tot > 0:
                for j in range(C):
                    if not mask[i, j]:
                        a[i, j] = surplus[i] * inflow[j] / tot
    total = 0.0
    for j in range(C):
        got = 0.0
        for i in range(C):
            got += a[i, j]
        f = min(inflow[j] / got, 1.0) if got > 0 else 0.0
        for i in range(C):
            a[i, j] *= f
            total += a[i, j]
    if total > 0:
        lim = gap.sum()
        f = min(lim / total, 1.0)
        for j in range(C):
            s = 0.0
            for i in range(C):
                a[i, j] *= f
                s += a[i, j]
            take[j] = s / inflow[j] if inflow[j] > 0 else 0.0
        for i in range(C):
            for j in range(C):
                released = x[i, j] * take[j] if not restrictor[i] else 0.0
                x[i, j] += a[i, j] - released
                surplus[i] += released - a[i, j]
    _reroute(x, surplus, gap, elig, w, g, wsum)


@njit(cache=True, error_model="numpy")
def _cap_routes(x, mask, allow):
    """Scale each restriction's routes (R, C, C) down to its allowance (R, C), in turn."""
    C = x.shape[0]
    for r in range(mask.shape[0]):
        for i in range(C):
            if not np.isfinite(allow[r, i]):
                continue
            masked = 0.0
            for j in range(C):
                if mask[r, i, j]:
                    masked += x[i, j]
            if masked > 0:
                keep = min(allow[r, i] / masked, 1.0)
                for j in range(C):
                    if mask[r, i, j]:
                        x[i, j] *= keep


@njit(cache=True, error_model="numpy")
def _ration(avail, demand, priority, levels, served):
    """Sectors served by descending priority, pro rata within a level (as `fast._ration`)."""
    C, K = demand.shape
    for c in range(C):
        left = avail[c]
        for level in levels:
            tot = 0.0
            for k in range(K):
                if priority[k] == level:
                    tot += demand[c, k]
            frac = min(left, tot) / tot if tot > 0 else 0.0
            for k in range(K):
                if priority[k] == level:
                    served[c, k] = demand[c, k] * frac
                    left -= served[c, k]


@njit(cache=True, error_model="numpy")
def _draw(cap, eta, source, mask, allow, stock_target, industry0, strategic0, release, recycled, demand0,
          priority, levels, starts, el, del_, pcap, gain, unwind, ceiling, restock_weeks, world_final, focal,
          dem_out, srv_out, price_out):
    """One draw over its horizon; writes demand and served (T, C or 1, K) and price (T,)."""
    T, S, C = cap.shape
    K = demand0.shape[1]
    R = mask.shape[0]
    ind, strat = industry0.copy(), strategic0.copy()
    unmet = np.zeros((S, C))
    sub, mult, last = np.zeros(C), 1.0, 0
    wanted, got_acc = np.zeros(C), np.zeros(C)
    demand = np.zeros((C, K))
    routes, elig = np.zeros((S, C, C), np.bool_), np.ones((S, C, C), np.bool_)
    restrictor = np.zeros((S, C), np.bool_)
    book, target, restock = np.zeros((S, C, C)), np.zeros((S, C)), np.zeros((S, C))
    prod, cut, ship = np.zeros((S, C)), np.zeros((S, C)), np.zeros((S, C, C))
    served, wants, want, out = np.zeros((C, K)), np.zeros(C), np.zeros(C), np.zeros(C)
    x, surplus, gap, use, returned = np.zeros((C, C)), np.zeros(C), np.zeros(C), np.zeros(C), np.zeros(C)
    inflow, a, take, w, g, wsum = np.zeros(C), np.zeros((C, C)), np.zeros(C), np.zeros(C), np.zeros(C), np.zeros(C)
    demtot = np.zeros(C)
    thresh = 1e-9 * max(world_final, 1.0)
    was_biting = True  # routes and elig start cleared below
    for t in range(T):
        if starts[t] and t > 0:
            mult = price_out[t - 1] ** (-del_)
            for c in range(C):
                short = 1.0 - got_acc[c] / wanted[c] if wanted[c] > 0 else 0.0
                step = (gain if short > SHORT_TRIGGER else -unwind) * (t - last)
                sub[c] = min(max(sub[c] + step, 0.0), ceiling)
                wanted[c], got_acc[c] = 0.0, 0.0
            last = t
        for c in range(C):
            s_ = 0.0
            for k in range(K):
                demand[c, k] = demand0[c, k] * (1 - sub[c]) * mult
                s_ += demand[c, k]
            demtot[c] = s_
        allow_t = allow[t]
        biting = False
        for r in range(R):
            for s in range(S):
                for i in range(C):
                    if np.isfinite(allow_t[r, s, i]):
                        biting = True
        if biting or was_biting:
            routes[:] = False
            if biting:
                for r in range(R):
                    for s in range(S):
                        for i in range(C):
                            if np.isfinite(allow_t[r, s, i]):
                                for j in range(C):
                                    if mask[r, s, i, j]:
                                        routes[s, i, j] = True
            for s in range(S):
                for i in range(C):
                    any_ = False
                    for j in range(C):
                        elig[s, i, j] = not routes[s, i, j]
                        any_ = any_ or routes[s, i, j]
                    restrictor[s, i] = any_
            was_biting = biting
        # orders and targets, downstream first (as fast._targets)
        for s in range(S):
            for c in range(C):
                restock[s, c] = (stock_target[t, s, c] - ind[s, c]) / restock_weeks
        for c in range(C):
            wants[c] = max(demtot[c] + restock[S - 1, c], 0.0)
        short_after = 0.0
        for s in range(S - 1, -1, -1):
            for c in range(C):
                short_after += unmet[s, c]
            for i in range(C):
                for j in range(C):
                    book[s, i, j] = source[s, i, j] * wants[j]
            if biting:
                _cap_routes(book[s], mask[:, s], allow_t[:, s])
            gaps = biting or short_after > thresh
            for i in range(C):
                if gaps:
                    target[s, i] = max(cap[t, s, i], 0.0)
                else:
                    orders = 0.0
                    for j in range(C):
                        orders += book[s, i, j]
                    target[s, i] = max(min(orders, cap[t, s, i]), 0.0)
            if s > 0:
                for c in range(C):
                    wants[c] = max(target[s, c] / eta[s, c] + restock[s - 1, c], 0.0)
        prod[:] = 0.0
        cut[:] = 0.0
        prod[0] = target[0]
        for s in range(S):
            for c in range(C):
                want[c] = target[s + 1, c] / eta[s + 1, c] if s + 1 < S else demtot[c]
                out[c] = prod[s, c] + recycled[t, s, c]
            for j in range(C):
                gap[j] = 0.0
            for i in range(C):
                booked = 0.0
                for j in range(C):
                    booked += book[s, i, j]
                fill = min(out[i], booked) / booked if booked > 0 else 0.0
                shipped = 0.0
                for j in range(C):
                    v = book[s, i, j] * fill
                    x[i, j] = v
                    shipped += v
                    gap[j] += v
                surplus[i] = out[i] - shipped
            for j in range(C):
                gap[j] = max(want[j] - gap[j], 0.0)
            _reroute(x, surplus, gap, elig[s], w, g, wsum)
            _swap(x, surplus, gap, routes[s], elig[s], restrictor[s], inflow, a, take, w, g, wsum)
            for j in range(C):
                got = 0.0
                for i in range(C):
                    got += x[i, j]
                u = min(got, want[j])
                refused = max(got - u - max(stock_target[t, s, j] - ind[s, j], 0.0), 0.0)
                if refused > 0 and got > 0:
                    f = refused / got
                    for i in range(C):
                        back = x[i, j] * f
                        x[i, j] -= back
                        surplus[i] += back
                    got -= refused
                ind[s, j] += got - u
                short = want[j] - u
                d_ind = min(ind[s, j], short)
                ind[s, j] -= d_ind
                d_str = min(min(strat[s, j], release[t, s, j]), short - d_ind)
                strat[s, j] -= d_str
                use[j] = u + d_ind + d_str
                unmet[s, j] = want[j] - use[j]
            for i in range(C):
                unsold = max(surplus[i], 0.0)
                cut[s, i] = min(unsold, prod[s, i])
                prod[s, i] -= cut[s, i]
                x[i, i] += unsold - cut[s, i]
                ind[s, i] += unsold - cut[s, i]
            if s + 1 < S:
                ship[s] = x  # the inputs of stage s + 1, for sending back what it cuts
                for c in range(C):
                    prod[s + 1, c] = use[c] * eta[s + 1, c]
            else:
                _ration(use, demand, priority, levels, served)
        # send back the inputs of output that was cut (as fast._unorder)
        for s in range(S - 1, 0, -1):
            if cut[s].max() <= 0.0:
                continue  # nothing cut at stage s: nothing to send back (every share below is zero)
            returned[:] = 0.0
            for j in range(C):
                spare = cut[s, j] / eta[s, j]
                got = 0.0
                for i in range(C):
                    got += ship[s - 1, i, j]
                f = min(spare, got) / got if got > 0 else 0.0
                sent = 0.0
                for i in range(C):
                    back = ship[s - 1, i, j] * f
                    ship[s - 1, i, j] -= back
                    sent += back
                    returned[i] += back
                ind[s - 1, j] += spare - sent
            for i in range(C):
                less = min(returned[i], prod[s - 1, i])
                prod[s - 1, i] -= less
                cut[s - 1, i] += less
                ship[s - 1, i, i] += returned[i] - less
                ind[s - 1, i] += returned[i] - less
        tot_d, tot_s = 0.0, 0.0
        for c in range(C):
            for k in range(K):
                if focal < 0 or c == focal:
                    o = c if focal < 0 else 0
                    dem_out[t, o, k] = demand[c, k]
                    srv_out[t, o, k] = served[c, k]
                wanted[c] += demand[c, k]
                got_acc[c] += served[c, k]
                tot_d += demand[c, k]
                tot_s += served[c, k]
        ratio = tot_s / tot_d if tot_d > 0 else 1.0
        price_out[t] = min(max(max(ratio, 1e-12) ** (-1.0 / el), 1.0), pcap)


@njit(cache=True, parallel=True, nogil=True, error_model="numpy")
def _batch(cap, eta, source, mask, allow, stock_target, industry0, strategic0, release, recycled, demand0,
           priority, levels, starts, el, del_, pcap, gain, unwind, ceiling, restock, world_final, focal,
           dem, srv, price):
    for b in prange(dem.shape[0]):
        _draw(_at(cap, b), _at(eta, b), _at(source, b), _at(mask, b), _at(allow, b), _at(stock_target, b),
              _at(industry0, b), _at(strategic0, b), _at(release, b), _at(recycled, b), _at(demand0, b),
              priority, levels, _at(starts, b), _at(el, b), _at(del_, b), _at(pcap, b), _at(gain, b),
              _at(unwind, b), _at(ceiling, b), _at(restock, b), _at(world_final, b), focal,
              dem[b], srv[b], price[b])


def run(d: Draws, focal: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Demand and served (B, T, C, K) — (B, T, 1, K) of country `focal` where one is given — and price (B, T)."""
    d.require_linear("the compiled kernel")
    B, T, K = d.n, d.T, d.demand0.shape[-1]
    C = d.demand0.shape[-2] if focal < 0 else 1
    dem, srv, price = np.zeros((B, T, C, K)), np.zeros((B, T, C, K)), np.ones((B, T))
    f = lambda a: np.ascontiguousarray(a, dtype=np.float64)  # noqa: E731 (numba wants one layout per type)
    _batch(f(d.cap), f(d.eta), f(d.source), np.ascontiguousarray(d.mask), f(d.allow), f(d.stock_target),
           f(d.industry0), f(d.strategic0), f(d.release), f(d.recycled), f(d.demand0), f(d.priority),
           f(d.levels), np.ascontiguousarray(d.starts), f(d.el), f(d.del_), f(d.pcap), f(d.gain), f(d.unwind),
           f(d.ceiling), f(d.restock), f(d.world_final), int(focal), dem, srv, price)
    return dem, srv, price


def simulate(problems: list[Problem]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Demand (B, T, C, K), served (B, T, C, K) and price (B, T) of every problem, as `fast.simulate` gives."""
    return run(Draws.stack(problems))
