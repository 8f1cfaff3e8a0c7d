"""The fast engine: vectorised weekly rationing rules over a batch of scenarios (NumPy).

Per week, downstream to upstream, buyers order what they will use plus a restocking term
(their stock's gap to its target over `restock_weeks`) from their baseline suppliers in
baseline proportions, restricted routes only up to their allowance; a producer's output
target is its orders plus ramped spare capacity, shared in proportion to last week's
unmet gaps at the stage. Then per stage, upstream to downstream: producers fill their
orders; surplus (withheld exports, output above orders) is rerouted pro rata to the
remaining gaps of eligible buyers, then swapped through unrestricted buyers; output nobody
can take is not produced; buyers draw industry stock, then strategic stock (rate-limited);
final supply goes to sectors by priority. A multi-input stage (a DAG of stages) makes what
its scarcest input allows (input / coefficient) and hands back the inputs it cannot use, so
its suppliers make less; orders and cuts go upstream to every input. Per block of `commit`
weeks, demand responds to the last block's price and each country's substitution to its last
block's shortage, as in `lp`. Arrays carry a leading batch axis B.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chokepoint.chain.network import consumers
from chokepoint.chain.problem import Problem, demand_multiplier, price_index, substituted
from chokepoint.chain.results import Trajectory

REROUTE_ROUNDS = 4


def _stack(problems: list[Problem], name: str) -> np.ndarray:
    return np.stack([getattr(p, name) for p in problems])


def _reroute(x: np.ndarray, surplus: np.ndarray, gap: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Allocate exporters' surplus (B, C) to buyers' gaps (B, C) pro rata; adds to x (B, C, C) and
    takes what it delivers off `gap` in place (a later step must not fill the same gap twice)."""
    for _ in range(REROUTE_ROUNDS):
        want = eligible * gap[:, None, :]
        tot = want.sum(axis=2, keepdims=True)
        offer = np.divide(surplus[:, :, None] * want, tot, out=np.zeros_like(want), where=tot > 0)
        got = offer.sum(axis=1)
        scale = np.divide(gap, got, out=np.zeros_like(gap), where=got > 0).clip(max=1.0)
        offer *= scale[:, None, :]
        x += offer
        surplus = surplus - offer.sum(axis=2)
        gap -= offer.sum(axis=1)
    return surplus


def _swap(x: np.ndarray, surplus: np.ndarray, gap: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Market reshuffle: withheld output goes to unrestricted buyers, who release as much of
    their supply from unrestricting producers to the restricted buyers' gaps (as an LP would)."""
    restrictor = mask.any(axis=2)                                   # (B, C)
    free = ~restrictor
    inflow = (x * free[:, :, None]).sum(axis=1)                      # (B, C) buyers' free supply
    held = surplus * restrictor
    elig = ~mask * restrictor[:, :, None] * inflow[:, None, :]
    tot = elig.sum(axis=2, keepdims=True)
    a = np.divide(held[:, :, None] * elig, tot, out=np.zeros_like(elig), where=tot > 0)
    got = a.sum(axis=1)
    a *= np.divide(inflow, got, out=np.zeros_like(got), where=got > 0).clip(max=1.0)[:, None, :]
    total, limit = a.sum(axis=(1, 2)), gap.sum(axis=1)
    a *= np.divide(limit, total, out=np.zeros_like(total), where=total > 0).clip(max=1.0)[:, None, None]
    take = np.divide(a.sum(axis=1), inflow, out=np.zeros_like(inflow), where=inflow > 0)  # share released
    released = x * free[:, :, None] * take[:, None, :]
    x -= released
    x += a
    surplus = surplus - a.sum(axis=2) + released.sum(axis=2)
    left = gap.copy()
    surplus = _reroute(x, surplus, left, ~mask)
    gap[:] = left
    return surplus


def _ration(avail: np.ndarray, demand: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """Serve sectors (B, C, K) from supply (B, C) by descending priority, pro rata within a level."""
    served = np.zeros_like(demand)
    left = avail.copy()
    for level in np.unique(priority)[::-1]:
        sel = priority == level
        want = demand[:, :, sel]
        tot = want.sum(axis=2)
        frac = np.divide(np.minimum(left, tot), tot, out=np.zeros_like(tot), where=tot > 0)
        served[:, :, sel] = want * frac[:, :, None]
        left = left - served[:, :, sel].sum(axis=2)
    return served


class Batch:
    """Stacked problem arrays (one network shape, many scenarios)."""

    def __init__(self, problems: list[Problem]):
        p0 = problems[0]
        self.T, self.priority = p0.T, p0.priority
        for name in ("q", "cap", "eta", "flows", "mask", "allow", "industry0", "stock_target", "strategic0",
                     "release", "recycled", "demand0"):
            setattr(self, name, _stack(problems, name))
        self.el = np.array([p.elasticity for p in problems])
        self.del_ = np.array([p.demand_elasticity for p in problems])
        self.pcap = np.array([p.price_cap for p in problems])
        self.sub_rule = tuple(np.array([p.substitution[i] for p in problems])[:, None] for i in range(3))
        self.restock = np.array([p.restock_weeks for p in problems])[:, None, None]
        self.need = self.flows.sum(axis=2)
        self.starts = np.zeros((len(problems), self.T), bool)  # each draw's own decision blocks
        for i, p in enumerate(problems):
            self.starts[i, [t0 for t0, _ in p.blocks()]] = True
        need_in = self.flows.sum(axis=2, keepdims=True)  # (B, S, 1, C): each buyer's baseline receipts
        self.source = np.divide(self.flows, need_in, out=np.zeros_like(self.flows), where=need_in > 0)
        # Multi-input chains only (the compiled kernel reads the linear fields above): each stage's
        # inputs and its one consumer, the (B, S, S, C) yields, and the stages downstream of each.
        self.linear = p0.linear
        self.links = p0.links()
        self.consumer = consumers(self.links)
        self.yields = np.stack([p.yield_matrix() for p in problems])
        self.down = [slice(s, None) if self.linear else np.array(sorted(_downstream(self.consumer, s)))
                     for s in range(len(self.links))]

    def routes(self, t: int) -> np.ndarray:
        """Routes restricted in week t by any restriction (B, S, C, C)."""
        return (self.mask & np.isfinite(self.allow[:, t])[..., None]).any(axis=1)


def _downstream(consumer: list[int | None], s: int) -> set[int]:
    """A stage and every stage its product flows into."""
    out = {s}
    while consumer[s] is not None:
        s = consumer[s]
        out.add(s)
    return out


def _input_want(b: Batch, target: np.ndarray, s: int) -> np.ndarray:
    """Input bus s needs for its consumer's output target (B, C); η of the next stage in a linear chain."""
    if b.linear:
        return target[:, s + 1] / b.eta[:, s + 1]
    k = b.consumer[s]
    return target[:, k] / b.yields[:, k, s]


def _cap_routes(b: Batch, t: int, s: int, x: np.ndarray) -> np.ndarray:
    """Scale each restriction's routes down to its own allowance (in turn; later caps never undo earlier ones)."""
    for r in range(b.mask.shape[1]):
        mask, allow = b.mask[:, r, s], b.allow[:, t, r, s]
        masked = (x * mask).sum(axis=2)
        keep = np.divide(allow, masked, out=np.ones_like(masked), where=np.isfinite(allow) & (masked > 0))
        x = np.where(mask, x * keep.clip(max=1.0)[:, :, None], x)
    return x


def _stage_week(b: Batch, t: int, s: int, prod: np.ndarray, orders: np.ndarray, want: np.ndarray,
                ind: np.ndarray, strat: np.ndarray, routes: np.ndarray) -> tuple[np.ndarray, ...]:
    """Ship stage s, then meet buyers' wants from receipts and stocks; returns (ship, use, unmet, unsold).

    Output fills the producer's orders (B, C, C) pro rata, then the rest is rerouted to gaps."""
    out = prod + b.recycled[:, t, s]
    booked = orders.sum(axis=2)
    fill = np.divide(np.minimum(out, booked), booked, out=np.zeros_like(booked), where=booked > 0)
    x = orders * fill[:, :, None]
    surplus = out - x.sum(axis=2)
    gap = np.clip(want - x.sum(axis=1), 0, None)
    surplus = _reroute(x, surplus, gap, ~routes)
    surplus = _swap(x, surplus, gap, routes)
    got = x.sum(axis=1)
    use = np.minimum(got, want)
    # Receipts beyond want go to industry stock up to its target; buyers refuse the rest,
    # which goes back to the producers that shipped it (and is not produced).
    room = np.clip(b.stock_target[:, t, s] - ind, 0, None)
    refused = np.clip(got - use - room, 0, None)
    back = x * np.divide(refused, got, out=np.zeros_like(got), where=got > 0)[:, None, :]
    x -= back
    surplus = surplus + back.sum(axis=2)
    got = got - refused
    ind += got - use
    short = want - use
    d_ind = np.minimum(ind, short)
    ind -= d_ind
    d_str = np.minimum(np.minimum(strat, b.release[:, t, s]), short - d_ind)
    strat -= d_str
    use = use + d_ind + d_str
    return x, use, want - use, np.clip(surplus, 0, None)


def _targets(b: Batch, t: int, demand: np.ndarray, ind: np.ndarray,
             unmet: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Orders (B, S, C, C) and output targets (B, S, C), downstream first: buyers order their use
    plus restocking from their baseline suppliers (restricted routes only up to their allowance);
    a producer's target is its orders plus its ramped spare capacity, shared out in proportion to
    last week's unmet gaps at the stage."""
    S = b.q.shape[1]
    restock = (b.stock_target[:, t] - ind) / b.restock
    biting = np.isfinite(b.allow[:, t]).any(axis=(1, 2, 3))  # a restriction binds this week
    target, book = np.zeros_like(b.q), np.zeros_like(b.flows)
    for s in range(S - 1, -1, -1):
        if s == S - 1:
            wants = np.clip(demand.sum(axis=2) + restock[:, -1], 0, None)
        else:
            wants = np.clip(_input_want(b, target, s) + restock[:, s], 0, None)
        book[:, s] = _cap_routes(b, t, s, b.source[:, s] * wants[:, None, :])
        orders = book[:, s].sum(axis=2)
        # A restriction binding this week, or unmet gaps at this stage or a later one last
        # week: producers run up to capacity (what the LP does in a shortage); output nobody
        # can take is cut again within the week.
        gaps = (unmet[:, b.down[s]].sum(axis=(1, 2)) > 1e-9 * np.maximum(b.need[:, -1].sum(axis=1), 1.0)) | biting
        gaps = gaps[:, None]
        target[:, s] = np.clip(np.where(gaps, b.cap[:, t, s], np.minimum(orders, b.cap[:, t, s])), 0, None)
    return book, target


def _unorder(b: Batch, cut: np.ndarray, prod: np.ndarray, ship: np.ndarray, ind: np.ndarray,
             left: np.ndarray | None = None) -> None:
    """Send back, stage by stage upstream, the inputs of output that was cut: a producer that
    makes less takes less, so its suppliers make less too (instead of stock piling up at it).
    In a multi-input chain every input goes back, plus `left` (B, S, C): input a stage received
    but could not use because another of its inputs was scarcer."""
    C = prod.shape[2]
    idx = np.arange(C)
    for k in range(prod.shape[1] - 1, 0, -1):
        for j in b.links[k]:
            if b.linear:
                spare = cut[:, k] / b.eta[:, k]              # input no longer needed at bus (k-1, c)
            else:
                spare = cut[:, k] / b.yields[:, k, j] + left[:, j]
            x = ship[:, j]
            got = x.sum(axis=1)
            back = x * np.divide(np.minimum(spare, got), got, out=np.zeros_like(got), where=got > 0)[:, None, :]
            x -= back
            ind[:, j] += spare - back.sum(axis=1)            # what came from stock goes back to stock
            returned = back.sum(axis=2)                      # per supplier at stage j
            less = np.minimum(returned, prod[:, j])
            prod[:, j] -= less
            cut[:, j] += less
            x[:, idx, idx] += returned - less                # recycled material stays at home
            ind[:, j] += returned - less


def _make(b: Batch, k: int, use: np.ndarray, left: np.ndarray) -> np.ndarray:
    """Output of multi-input stage k (B, C): its scarcest input / coefficient (Leontief); each
    input's unused part is noted in `left` for `_unorder` to send back."""
    Y = b.yields[:, k]
    made = np.min(np.stack([use[:, j] * Y[:, j] for j in b.links[k]]), axis=0)
    for j in b.links[k]:
        left[:, j] = np.clip(use[:, j] - np.divide(made, Y[:, j], out=np.zeros_like(made), where=Y[:, j] > 0),
                             0, None)
    return made


def simulate(problems: list[Problem], progress: Callable[[int, int], None] | None = None) -> list[Trajectory]:
    """Run every problem of the batch over its horizon; one trajectory per problem."""
    b = Batch(problems)
    B, S, C = b.q.shape
    T, K = b.T, b.demand0.shape[2]
    prod_t, ship_t = np.zeros((B, T, S, C)), np.zeros((B, T, S, C, C))
    ind_t, str_t = np.zeros((B, T + 1, S, C)), np.zeros((B, T + 1, S, C))
    served_t, dem_t, price = np.zeros((B, T, C, K)), np.zeros((B, T, C, K)), np.ones((B, T))
    ind, strat = b.industry0.copy(), b.strategic0.copy()
    ind_t[:, 0], str_t[:, 0] = ind, strat
    unmet = np.zeros((B, S, C))
    mult, sub, last = np.ones(B), np.zeros((B, C)), np.zeros(B, dtype=int)
    wanted, got = np.zeros((B, C)), np.zeros((B, C))  # demand and served since the block began
    for t in range(T):
        new = b.starts[:, t] & (t > 0)
        if new.any():
            mult = np.where(new, demand_multiplier(price[:, t - 1], b.del_), mult)
            short = 1 - np.divide(got, wanted, out=np.ones_like(wanted), where=wanted > 0)
            weeks = (t - last)[:, None]
            sub = np.where(new[:, None], substituted(sub, short, b.sub_rule, weeks), sub)
            wanted, got = np.where(new[:, None], 0.0, wanted), np.where(new[:, None], 0.0, got)
            last = np.where(new, t, last)
        demand = b.demand0 * (1 - sub)[:, :, None] * mult[:, None, None]
        routes = b.routes(t)
        book, target = _targets(b, t, demand, ind, unmet)
        prod, cut = np.zeros((B, S, C)), np.zeros((B, S, C))
        used, left = (None, None) if b.linear else (np.zeros((B, S, C)), np.zeros((B, S, C)))
        prod[:, 0] = target[:, 0]
        for s in range(S):
            if not b.linear:  # roots run to target; a multi-input stage makes what its inputs allow
                prod[:, s] = _make(b, s, used, left) if b.links[s] else target[:, s]
            want = _input_want(b, target, s) if s + 1 < S else demand.sum(axis=2)
            x, use, unmet[:, s], unsold = _stage_week(b, t, s, prod[:, s], book[:, s], want, ind[:, s],
                                                      strat[:, s], routes[:, s])
            cut[:, s] = np.minimum(unsold, prod[:, s])  # output nobody can take is not produced
            prod[:, s] -= cut[:, s]
            unsold = unsold - cut[:, s]
            idx = np.arange(C)
            x[:, idx, idx] += unsold                # unsold recycled material stays at home
            ind[:, s] += unsold
            ship_t[:, t, s] = x
            if s + 1 < S:
                if b.linear:
                    prod[:, s + 1] = use * b.eta[:, s + 1]
                else:
                    used[:, s] = use
            else:
                served_t[:, t] = _ration(use, demand, b.priority)
        _unorder(b, cut, prod, ship_t[:, t], ind, left)
        prod_t[:, t], dem_t[:, t] = prod, demand
        wanted += demand.sum(axis=2)
        got += served_t[:, t].sum(axis=2)
        ind_t[:, t + 1], str_t[:, t + 1] = ind, strat
        price[:, t] = price_index(served_t[:, t].sum(axis=(1, 2)), demand.sum(axis=(1, 2)), b.el, b.pcap)
        if progress:
            progress(t + 1, T)
    return [Trajectory(prod_t[i], ship_t[i], ind_t[i], str_t[i], served_t[i], dem_t[i], price[i])
            for i in range(B)]
