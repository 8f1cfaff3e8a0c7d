"""The fast engine's rules compiled (numba): one draw per thread, many draws in parallel.

The same mathematics as `fast` (whose NumPy code is the readable definition and the test
oracle), written as loops over one draw so a batch costs no temporaries, no per-draw Python
steps and no shipment history: only each draw's demand, served and price paths come back.
Hand-written because no library runs this rationing rule; numba is already a dependency.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from chokepoint.chain.fast import REROUTE_ROUNDS, Batch
from chokepoint.chain.problem import SHORT_TRIGGER, Problem


@njit(cache=True)
def _reroute(x, surplus, gap, eligible):
    """Pro-rata allocation of exporters' surplus to eligible buyers' gaps (in place on x, gap)."""
    C = x.shape[0]
    offer = np.empty((C, C))
    for _ in range(REROUTE_ROUNDS):
        if surplus.max() <= 0.0 or gap.max() <= 0.0:
            return  # nothing to place or nowhere to place it: every further offer is zero
        offer[:] = 0.0
        for i in range(C):
            tot = 0.0
            for j in range(C):
                if eligible[i, j]:
                    tot += gap[j]
            if tot > 0:
                for j in range(C):
                    if eligible[i, j]:
                        offer[i, j] = surplus[i] * gap[j] / tot
        for j in range(C):
            got = 0.0
            for i in range(C):
                got += offer[i, j]
            scale = min(gap[j] / got, 1.0) if got > 0 else 0.0
            for i in range(C):
                offer[i, j] *= scale
        for i in range(C):
            for j in range(C):
                x[i, j] += offer[i, j]
                surplus[i] -= offer[i, j]
                gap[j] -= offer[i, j]


@njit(cache=True)
def _swap(x, surplus, gap, mask):
    """Withheld output to unrestricted buyers, who release free supply to restricted gaps (as `fast._swap`)."""
    C = x.shape[0]
    restrictor = np.zeros(C, np.bool_)
    for i in range(C):
        for j in range(C):
            if mask[i, j]:
                restrictor[i] = True
    if not restrictor.any():
        _reroute(x, surplus, gap, ~mask)
        return
    inflow = np.zeros(C)
    for i in range(C):
        if not restrictor[i]:
            for j in range(C):
                inflow[j] += x[i, j]
    a = np.zeros((C, C))
    for i in range(C):
        if restrictor[i]:
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
    limit = gap.sum()
    g = min(limit / total, 1.0) if total > 0 else 0.0
    take = np.zeros(C)
    for j in range(C):
        s = 0.0
        for i in range(C):
            a[i, j] *= g
            s += a[i, j]
        take[j] = s / inflow[j] if inflow[j] > 0 else 0.0
    for i in range(C):
        for j in range(C):
            released = x[i, j] * take[j] if not restrictor[i] else 0.0
            x[i, j] += a[i, j] - released
            surplus[i] += released - a[i, j]
    eligible = ~mask
    _reroute(x, surplus, gap, eligible)


@njit(cache=True)
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


@njit(cache=True)
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


@njit(cache=True)
def _draw(q, cap, eta, source, mask, allow, stock_target, industry0, strategic0, release, recycled, demand0,
          priority, levels, starts, el, del_, pcap, gain, unwind, ceiling, restock_weeks, world_final,
          dem_out, srv_out, price_out):
    """One draw over its horizon; writes demand (T, C, K), served (T, C, K) and price (T,)."""
    T, S, C = cap.shape
    K = demand0.shape[1]
    ind, strat = industry0.copy(), strategic0.copy()
    unmet = np.zeros((S, C))
    sub, mult, last = np.zeros(C), 1.0, 0
    wanted, got_acc = np.zeros(C), np.zeros(C)
    demand = np.zeros((C, K))
    routes, book, target = np.zeros((S, C, C), np.bool_), np.zeros((S, C, C)), np.zeros((S, C))
    prod, cut, ship = np.zeros((S, C)), np.zeros((S, C)), np.zeros((S, C, C))
    served, wants, want, out = np.zeros((C, K)), np.zeros(C), np.zeros(C), np.zeros(C)
    x, surplus, gap, use, returned = np.zeros((C, C)), np.zeros(C), np.zeros(C), np.zeros(C), np.zeros(C)
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
            for k in range(K):
                demand[c, k] = demand0[c, k] * (1 - sub[c]) * mult
        biting = False
        routes[:] = False
        for r in range(mask.shape[0]):
            for s in range(S):
                for i in range(C):
                    if np.isfinite(allow[t, r, s, i]):
                        biting = True
                        for j in range(C):
                            if mask[r, s, i, j]:
                                routes[s, i, j] = True
        # orders and targets, downstream first (as fast._targets)
        restock = (stock_target[t] - ind) / restock_weeks
        for c in range(C):
            wants[c] = max(demand[c].sum() + restock[S - 1, c], 0.0)
        short_after = 0.0
        for s in range(S - 1, -1, -1):
            short_after += unmet[s].sum()
            for i in range(C):
                for j in range(C):
                    book[s, i, j] = source[s, i, j] * wants[j]
            _cap_routes(book[s], mask[:, s], allow[t, :, s])
            gaps = biting or short_after > 1e-9 * max(world_final, 1.0)
            for i in range(C):
                orders = book[s, i].sum()
                target[s, i] = max(cap[t, s, i] if gaps else min(orders, cap[t, s, i]), 0.0)
            if s > 0:
                for c in range(C):
                    wants[c] = max(target[s, c] / eta[s, c] + restock[s - 1, c], 0.0)
        prod[:] = 0.0
        cut[:] = 0.0
        prod[0] = target[0]
        for s in range(S):
            for c in range(C):
                want[c] = target[s + 1, c] / eta[s + 1, c] if s + 1 < S else demand[c].sum()
                out[c] = prod[s, c] + recycled[t, s, c]
            for i in range(C):
                booked = book[s, i].sum()
                fill = min(out[i], booked) / booked if booked > 0 else 0.0
                for j in range(C):
                    x[i, j] = book[s, i, j] * fill
                surplus[i] = out[i] - x[i].sum()
            for j in range(C):
                gap[j] = max(want[j] - x[:, j].sum(), 0.0)
            _reroute(x, surplus, gap, ~routes[s])
            _swap(x, surplus, gap, routes[s])
            for j in range(C):
                got = x[:, j].sum()
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
            ship[s] = x
            if s + 1 < S:
                for c in range(C):
                    prod[s + 1, c] = use[c] * eta[s + 1, c]
            else:
                _ration(use, demand, priority, levels, served)
        # send back the inputs of output that was cut (as fast._unorder)
        for s in range(S - 1, 0, -1):
            returned[:] = 0.0
            for j in range(C):
                spare = cut[s, j] / eta[s, j]
                got = ship[s - 1, :, j].sum()
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
                dem_out[t, c, k] = demand[c, k]
                srv_out[t, c, k] = served[c, k]
                wanted[c] += demand[c, k]
                got_acc[c] += served[c, k]
                tot_d += demand[c, k]
                tot_s += served[c, k]
        ratio = tot_s / tot_d if tot_d > 0 else 1.0
        price_out[t] = min(max(max(ratio, 1e-12) ** (-1.0 / el), 1.0), pcap)


@njit(cache=True, parallel=True)
def _batch(q, cap, eta, source, mask, allow, stock_target, industry0, strategic0, release, recycled, demand0,
           priority, levels, starts, el, del_, pcap, gain, unwind, ceiling, restock, world_final, dem, srv, price):
    for b in prange(cap.shape[0]):
        _draw(q[b], cap[b], eta[b], source[b], mask[b], allow[b], stock_target[b], industry0[b], strategic0[b],
              release[b], recycled[b], demand0[b], priority, levels, starts[b], el[b], del_[b], pcap[b], gain[b],
              unwind[b], ceiling[b], restock[b], world_final[b], dem[b], srv[b], price[b])


def simulate(problems: list[Problem]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Demand (B, T, C, K), served (B, T, C, K) and price (B, T) of every problem, as `fast.simulate` gives."""
    b = Batch(problems)
    B, S, C = b.q.shape
    T, K = b.T, b.demand0.shape[2]
    levels = np.unique(b.priority)[::-1].astype(np.float64)
    dem, srv, price = np.zeros((B, T, C, K)), np.zeros((B, T, C, K)), np.ones((B, T))
    _batch(b.q, b.cap, b.eta, b.source, b.mask, b.allow, b.stock_target, b.industry0, b.strategic0, b.release,
           b.recycled, b.demand0, b.priority.astype(np.float64), levels, b.starts, b.el, b.del_, b.pcap,
           b.sub_rule[0][:, 0], b.sub_rule[1][:, 0], b.sub_rule[2][:, 0], b.restock[:, 0, 0],
           b.need[:, -1].sum(axis=1), dem, srv, price)
    return dem, srv, price
