"""A plan as tables an analyst reads, built from its JSON summary (what a `run` row of kind
'plan' keeps), so the CLI, the web page and the report show the same figures the same way.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pandas as pd
from pydantic import TypeAdapter

from chokepoint.units import pct
from chokepoint.errors import BadInput, NotFound
from chokepoint.policy import levers, money

RISK_NAMES = {"expected": "expected shortfall", "cvar95": "CVaR 95% shortfall"}
ROWS = {"expected": "expected shortfall (t)", "cvar95": "CVaR 95% shortfall (t)"}  # keys of summary["risk_figures"]
KEY = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")  # a source key named in a field's description


@dataclass
class PlanRecord:
    """A stored plan run: its id, spec (scenario, country, n, seed, risk, budget, levers) and summary."""

    run_id: str
    spec: dict
    summary: dict

    @property
    def levers(self) -> list:
        return TypeAdapter(list[levers.Lever]).validate_python(self.spec.get("levers", []))

    def title(self) -> str:
        s = self.summary
        return (f"{s['scenario']} · {s['country']} · {s['n']:,} draws · seed {s['seed']} · "
                f"minimise {RISK_NAMES.get(s['risk'], s['risk'])}")


def load(wb, run_id: str) -> PlanRecord:
    """A stored plan run by id (NotFound when there is none; BadInput when the run is not a plan)."""
    row = wb.store.df("SELECT kind, spec, summary FROM run WHERE run_id = ?", [run_id])
    if row.empty:
        raise NotFound(f"no run '{run_id}'", field="run_id", hint="list plan runs with chokepoint runs")
    if row["kind"].iloc[0] != "plan":
        raise BadInput(f"run '{run_id}' is a {row['kind'].iloc[0]} run, not a plan", field="run_id",
                       hint="open it on the scenario page, or chokepoint report it")
    return PlanRecord(run_id, json.loads(row["spec"].iloc[0]), json.loads(row["summary"].iloc[0]))


def runs(wb) -> pd.DataFrame:
    """Stored plan runs, newest first: id, when, scenario, country, budget, risk, draws, seed."""
    df = wb.store.df("SELECT run_id, created, scenario, seed, summary FROM run WHERE kind = 'plan' "
                     "ORDER BY created DESC")
    rows = []
    for r in df.itertuples(index=False):
        s = json.loads(r.summary)
        rows.append({"run_id": r.run_id, "created": r.created, "scenario": r.scenario, "country": s.get("country"),
                     "budget_bn_krw": s.get("budget_krw", 0.0) / 1e9, "risk": s.get("risk"), "n": s.get("n"),
                     "seed": r.seed, "chosen_by": s.get("chosen_by")})
    return pd.DataFrame(rows, columns=["run_id", "created", "scenario", "country", "budget_bn_krw", "risk", "n",
                                       "seed", "chosen_by"])


def _t(v: float) -> str:
    return f"{v:,.0f} t"


def level_text(level: float, unit: str) -> str:
    """A lever level with its unit; shares as percentages: 0.024 'share of use' → '2.4% of use'."""
    if unit.startswith("share"):
        return pct(level) + unit.removeprefix("share").replace(" /", "/").rstrip()
    return f"{level:,.4g} {unit}"


def _change(before: float, after: float) -> str:
    return "" if before == 0 else f"{(after - before) / before:+.1%}".replace("-", "−")


def risk(summary: dict) -> pd.DataFrame:
    """Risk before and after the portfolio, in-sample and out-of-sample side by side (and the additive fit)."""
    rows = []
    for name, key in ROWS.items():
        f = summary["risk_figures"][key]
        b_in, a_in = f["before (in-sample)"], f["after (in-sample, joint)"]
        b_out, a_out = f["before (out-of-sample)"], f["after (out-of-sample)"]
        rows.append({"figure": RISK_NAMES[name] + (" (minimised)" if name == summary["risk"] else ""),
                     "in-sample before": _t(b_in), "in-sample after": _t(a_in),
                     "in-sample change": _change(b_in, a_in),
                     "out-of-sample before": _t(b_out), "out-of-sample after": _t(a_out),
                     "out-of-sample change": _change(b_out, a_out),
                     "after, additive fit": _t(f["after, fitted (additive)"])})
    return pd.DataFrame(rows)


def unit_costs_krw(summary: dict) -> dict[str, float]:
    """KRW per unit of each lever's level, from the 'each lever alone' rows (every lever's cost is linear)."""
    return {a["lever"]: a["cost_bn_krw"] * 1e9 / a["level"] for a in summary["alone"] if a["level"] > 0}


def portfolio(rec: PlanRecord) -> pd.DataFrame:
    """Each lever: what it is, its chosen level with its unit, cost in KRW and USD, share of the budget,
    and its marginal value (the fitted risk cut by the next slice of budget spent on it)."""
    s, usd = rec.summary, money.per_usd("KRW")
    unit_cost = unit_costs_krw(s)
    marginal = {m["lever"]: m for m in s["marginal"]}
    rows = []
    for lv in rec.levers:
        level = s["levels"].get(lv.name, 0.0)
        krw = level * unit_cost.get(lv.name, 0.0)
        m = marginal.get(lv.name, {})
        rows.append({"lever": lv.name, "what": lv.describe(), "level": level_text(level, lv.unit),
                     "cost (bn KRW)": round(krw / 1e9, 1), "cost (m USD)": round(krw / usd / 1e6, 1),
                     "share of budget": pct(krw / s["budget_krw"]),
                     "marginal value (t per bn KRW)": m.get("t_per_bn_krw"), "note": m.get("note", "")})
    return pd.DataFrame(rows)


def frontier(rec: PlanRecord) -> pd.DataFrame:
    """The efficient frontier: for each budget, what the chosen portfolio costs, its risk and its levels."""
    s, units = rec.summary, {lv.name: lv.unit for lv in rec.levers}
    rows = []
    for f in s["frontier"]:
        levels = {k.removeprefix("level:"): v for k, v in f.items() if k.startswith("level:")}
        rows.append({"budget (bn KRW)": round(f["budget_krw"] / 1e9, 1), "cost (bn KRW)": round(f["cost_krw"] / 1e9, 1),
                     RISK_NAMES[s["risk"]]: _t(f["risk_t"]), "expected shortfall": _t(f["expected_t"]),
                     "chosen by": f["chosen_by"],
                     **{k: level_text(v, units.get(k, "")) for k, v in levels.items()}})
    return pd.DataFrame(rows)


def alone(summary: dict) -> pd.DataFrame:
    """Each lever alone at the budget's worth (or its maximum level), in-sample."""
    return pd.DataFrame([{"lever": a["lever"], "level": level_text(a["level"], a["unit"]),
                          "cost (bn KRW)": round(a["cost_bn_krw"], 1), "expected shortfall": _t(a["expected_t"]),
                          "CVaR 95% shortfall": _t(a["cvar95_t"])} for a in summary["alone"]])


def headline(rec: PlanRecord) -> pd.DataFrame:
    """Budget and cost in KRW and USD, and what chose the portfolio."""
    s, usd = rec.summary, money.per_usd("KRW")
    return pd.DataFrame([
        {"figure": "budget", "value": f"{s['budget_krw'] / 1e9:,.1f} bn KRW (USD {s['budget_krw'] / usd / 1e6:,.1f} m)"},
        {"figure": "portfolio cost", "value": f"{s['cost_krw'] / 1e9:,.1f} bn KRW (USD {s['cost_krw'] / usd / 1e6:,.1f} m)"},
        {"figure": "chosen by", "value": s["chosen_by"]},
        {"figure": "out-of-sample seed", "value": str(rec.spec.get("oos_seed", ""))},
        {"figure": "FX", "value": f"{usd:,.2f} KRW per USD ({money.fx_year()}, {money.FX_SOURCE})"}])


def source_keys(rec: PlanRecord) -> list[str]:
    """Source keys behind the plan: those its levers' field descriptions name, and the FX table."""
    keys = {money.FX_SOURCE}
    for lv in rec.levers:
        for f in type(lv).model_fields.values():
            keys |= set(KEY.findall(f.description or ""))
    return sorted(keys - {levers.ASSUMPTION})
