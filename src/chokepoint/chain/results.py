"""Run outputs: the engines' weekly arrays, the long series and the summary an analyst reads."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chokepoint.chain.network import Network, consumers, input_use
from chokepoint.chain.problem import Problem
from chokepoint.units import pct

SERIES_COLUMNS = ["week", "variable", "country", "stage", "sector", "quantile", "value", "unit"]
RECOVERED = 0.99  # recovery = first week after the peak with served ≥ 99% of demand


@dataclass
class Trajectory:
    """One scenario's solution, arrays over weeks (T), stages (S), countries (C), sectors (K)."""

    prod: np.ndarray       # (T, S, C) output
    ship: np.ndarray       # (T, S, C, C) shipments, diagonal = domestic
    industry: np.ndarray   # (T+1, S, C) industry stock at the start of each week
    strategic: np.ndarray  # (T+1, S, C)
    served: np.ndarray     # (T, C, K)
    demand: np.ndarray     # (T, C, K)
    price: np.ndarray      # (T,) price index, baseline = 1

    def shortfall(self) -> np.ndarray:
        return np.clip(self.demand - self.served, 0, None)

    def balance_residual(self, p: Problem) -> float:
        """Largest mass-balance error over every bus and week (producer and buyer sides)."""
        out = self.prod + p.recycled
        r1 = out - self.ship.sum(axis=3)
        use = np.zeros_like(self.prod)
        if p.linear:
            use[:, :-1] = self.prod[:, 1:] / p.eta[None, 1:]
        else:
            use = input_use(p.links(), p.yield_matrix(), self.prod)
        use[:, -1] = self.served.sum(axis=2)
        r2 = (self.ship.sum(axis=2) + self.industry[:-1] - self.industry[1:]
              + self.strategic[:-1] - self.strategic[1:] - use)
        return float(max(np.abs(r1).max(), np.abs(r2).max()))


@dataclass
class RunResult:
    """A stored run: its id, spec, summary and long time series."""

    run_id: str
    spec: dict
    summary: dict
    series: pd.DataFrame = field(repr=False)


def _rows(var: str, unit: str, arr: np.ndarray, country: list | None = None, stage: list | None = None,
          sector: list | None = None) -> pd.DataFrame:
    """Long rows from an array whose first axis is the week and the rest match the labels."""
    axes = [np.arange(arr.shape[0])] + [np.asarray(a, dtype=object) for a in (country, stage, sector) if a is not None]
    grid = np.meshgrid(*axes, indexing="ij")
    df = pd.DataFrame({"week": grid[0].ravel(), "variable": var, "value": arr.ravel(), "unit": unit})
    names = [n for n, a in (("country", country), ("stage", stage), ("sector", sector)) if a is not None]
    for n, g in zip(names, grid[1:]):
        df[n] = g.ravel()
    return df


def series(tr: Trajectory, net: Network, focal: str) -> pd.DataFrame:
    """The focal country's weekly series (plus the world price) in the long format of run_series."""
    c = net.index(focal)
    K = list(_sectors(net))
    st = net.stages
    imports = tr.ship[:, :, :, c].sum(axis=2) - tr.ship[:, :, c, c]
    parts = [
        _rows("demand", "t", tr.demand[:, c, :], sector=K),
        _rows("served", "t", tr.served[:, c, :], sector=K),
        _rows("shortfall", "t", tr.shortfall()[:, c, :], sector=K),
        _rows("supply", "t", tr.prod[:, :, c], stage=st),
        _rows("imports", "t", imports, stage=st),
        _rows("stock_industry", "t", tr.industry[1:, :, c], stage=st),
        _rows("stock_strategic", "t", tr.strategic[1:, :, c], stage=st),
        _rows("price_index", "index", tr.price),
    ]
    df = pd.concat(parts, ignore_index=True)
    df["country"] = df["country"].fillna(focal) if "country" in df else focal
    df["quantile"] = np.nan
    return df.reindex(columns=SERIES_COLUMNS)


def _sectors(net: Network) -> list[str]:
    return sorted(net.demand["sector"].unique())


def world_yields(p: Problem) -> np.ndarray:
    """World yield of each stage, W_s / W_{s-1} (stage 0 is 1), as in docs/model.md."""
    out = p.q.sum(axis=1)
    eta = np.ones(len(out))
    eta[1:] = np.divide(out[1:], out[:-1], out=np.ones(len(out) - 1), where=out[:-1] > 0)
    return eta


def final_per_t(p: Problem) -> np.ndarray:
    """World t of final product per t of each stage's product (S,): a linear chain's product of
    world yields downstream; a multi-input chain's along each stage's path to the final stage."""
    if p.linear:
        eta = world_yields(p)
        return np.array([float(eta[s + 1:].prod()) for s in range(len(eta))])
    return p.world_final_factor()


def _days(tonnes: float, weekly_need: float) -> float | None:
    return float(7 * tonnes / weekly_need) if weekly_need > 0 else None


def stocks(tr: Trajectory, p: Problem, net: Network, c: int) -> list[dict]:
    """The focal country's opening stocks by stage and form (DESIGN section 4), with days of cover.

    Each stage's stock is measured against the focal country's baseline final demand
    converted to that stage's form at world yields, so strategic oxide held at separation
    counts even where the country uses none at that stage. A stock is `convertible` only if
    the holder has capacity at every later stage (else it cannot reach its own final use).
    """
    final = p.demand0[c].sum()
    per_t = final_per_t(p)
    down = consumers(p.links())
    rows = []
    for s, stage in enumerate(net.stages):
        need = final / max(float(per_t[s]), 1e-12)
        later, k = [], down[s]
        while k is not None:
            later.append(k)
            k = down[k]
        missing = [net.stages[k] for k in later if p.cap[:, k, c].max() <= 0]
        ind, strat = float(tr.industry[0, s, c]), float(tr.strategic[0, s, c])
        rows.append({"stage": stage, "form": net.forms[s], "industry_t": ind, "strategic_t": strat,
                     "industry_days": _days(ind, need), "strategic_days": _days(strat, need),
                     "days": _days(ind + strat, need),
                     "convertible": not missing,
                     "note": f"{net.countries[c]} has no {', '.join(missing)} capacity to convert it"
                     if missing and ind + strat > 0 else ""})
    return rows


def foresight_notes(tr: Trajectory, p: Problem) -> list[str]:
    """What an early announcement let buyers do: the extra stock they held when each restriction began."""
    notes = []
    for r, known in enumerate(p.announced):
        active = np.nonzero(np.isfinite(p.allow[:, r]).any(axis=(1, 2)))[0]
        if not len(active) or active[0] <= known:
            continue
        start = int(active[0])
        buyers = p.mask[r].any(axis=1)
        extra = float(((tr.industry[start] - p.industry0) * buyers).sum())
        notes.append(f"restriction {r + 1} was announced in week {int(known)}, {start - int(known)} weeks before it "
                     f"started: restricted buyers could pre-position stock and held {extra:,.0f} t more than "
                     f"their opening stock when it began")
    return notes


def summary(tr: Trajectory, p: Problem, net: Network, focal: str) -> dict:
    """Headline figures: peak shortfall by sector, first shortfall, recovery, cover, price."""
    c = net.index(focal)
    K = _sectors(net)
    short, dem = tr.shortfall()[:, c, :], tr.demand[:, c, :]
    total = short.sum(axis=1)
    tol = 1e-6 * max(float(dem.sum(axis=1).max()), 1e-9)
    hit = np.nonzero(total > tol)[0]
    first = int(hit[0]) if len(hit) else None
    peak = int(np.argmax(total)) if len(hit) else None
    recovery = None
    if peak is not None:
        after = np.nonzero(tr.served[peak:, c].sum(axis=1) >= RECOVERED * dem[peak:].sum(axis=1))[0]
        recovery = int(peak + after[0]) if len(after) else None
    pct = np.divide(short, dem, out=np.zeros_like(short), where=dem > 0)
    held = stocks(tr, p, net, c)
    return {
        "country": focal, "family": net.family, "year": net.year, "weeks": p.T,
        "sectors": {k: {"peak_shortfall_t": float(short[:, i].max()), "peak_shortfall_share": float(pct[:, i].max()),
                        "total_shortfall_t": float(short[:, i].sum())} for i, k in enumerate(K)},
        "total_shortfall_t": float(short.sum()), "total_demand_t": float(dem.sum()),
        "world_shortfall_t": float(tr.shortfall().sum()), "world_demand_t": float(tr.demand.sum()),
        "first_shortfall_week": first, "peak_week": peak, "recovery_week": recovery,
        "days_of_cover": {r["stage"]: r["days"] for r in held}, "stocks": held,
        "price_multiple": float(tr.price.max()),
        "edges": net.edges().groupby("basis").size().to_dict(),
        "sources": net.sources, "notes": net.notes + foresight_notes(tr, p),
    }


def _num(v: float | None, digits: int = 0) -> str:
    return "" if v is None else f"{v:,.{digits}f}"


def readable(s: dict) -> dict[str, pd.DataFrame]:
    """A run summary as the small tables an analyst reads (percentages as percentages, no dicts)."""
    sectors = pd.DataFrame([{"sector": k, "peak shortfall (t/wk)": _num(v["peak_shortfall_t"], 1),
                             "peak shortfall": pct(v.get("peak_shortfall_share", v.get("peak_shortfall_pct"))),
                             "total shortfall (t)": _num(v["total_shortfall_t"])} for k, v in s["sectors"].items()])
    share = s["total_shortfall_t"] / s["total_demand_t"] if s["total_demand_t"] else None
    timing = pd.DataFrame([{"first shortfall (week)": s["first_shortfall_week"], "peak (week)": s["peak_week"],
                            "recovered (week)": s["recovery_week"], "price peak": f"{s['price_multiple']:.2f}×",
                            "total shortfall (t)": _num(s["total_shortfall_t"]), "share of demand": pct(share)}])
    stocks = pd.DataFrame([{"stage": r["stage"], "form": r["form"], "industry (t)": _num(r["industry_t"]),
                            "strategic (t)": _num(r["strategic_t"]), "days of cover": _num(r["days"]),
                            "convertible": "yes" if r["convertible"] else "no", "note": r["note"]}
                           for r in s["stocks"]])
    edges = pd.DataFrame([{"edge basis": k, "edges": v} for k, v in s["edges"].items()])
    return {"timing": timing, "sectors": sectors, "stocks": stocks, "edges": edges}
