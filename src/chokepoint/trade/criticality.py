"""Supply-risk scores in the style of the EU CRM assessment (JRC 2017) and USGS 2022.

Pure formulas first, then `assess`, which gathers their inputs per stage of a material's
chain for one importing country. Inputs the store does not hold (end-of-life recycling
input rate, substitution index, economic vulnerability) are parameters whose defaults are
the neutral "not assessed" values and are reported as such in the output.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from chokepoint.trade.concentration import AGGREGATE_CODES, stage_shares
from chokepoint.trade.exposure import import_reliance

WGI_MIN, WGI_MAX = -2.5, 2.5


def wgi_scaled(estimate: float) -> float:
    """WGI estimate (about -2.5 weak .. +2.5 strong) on the JRC 0-10 scale, 10 = weakest:
    g = 10 * (2.5 - wgi) / 5, clipped to [0, 10]."""
    return float(np.clip(10 * (WGI_MAX - estimate) / (WGI_MAX - WGI_MIN), 0, 10))


def hhi_wgi(shares: Mapping[str, float], governance: Mapping[str, float],
            trade_factor: Mapping[str, float] | None = None) -> float:
    """Governance-weighted concentration, HHI_WGI = sum_i s_i^2 * g_i * t_i (JRC 2017).

    s_i supply shares (0-1), g_i scaled WGI (0-10), t_i trade-restriction factor (1 when
    none). Countries without a governance value are left out (the result is a lower bound;
    `coverage` in `assess` says how much share was scored).
    """
    t = trade_factor or {}
    scored = [(c, s) for c, s in shares.items() if c in governance]
    if not scored:
        return math.nan
    return float(sum(s * s * governance[c] * t.get(c, 1.0) for c, s in scored))


def jrc_supply_risk(hhi_global: float, hhi_sourcing: float, ir: float, eol_rir: float = 0.0,
                    si: float = 1.0) -> float:
    """EU CRM supply risk (JRC 2017 method):
    SR = [HHI_WGI,GS * IR + HHI_WGI,sourcing * (1 - IR)] * (1 - EOL_RIR) * SI_SR,
    with IR import reliance clipped to [0, 1], EOL_RIR the end-of-life recycling input rate
    and SI_SR the substitution index for supply risk (1 = no substitute)."""
    ir = min(max(ir, 0.0), 1.0) if not math.isnan(ir) else 1.0
    return (hhi_global * ir + hhi_sourcing * (1 - ir)) * (1 - eol_rir) * si


def usgs_supply_risk(disruption_potential: float, trade_exposure: float,
                     economic_vulnerability: float = 1.0) -> float:
    """USGS 2022-style supply risk = DP * TE * EV: disruption potential (governance-weighted
    concentration of world production, 0-1), trade exposure (net import reliance, 0-1) and
    economic vulnerability (0-1; 1 when not assessed)."""
    return disruption_potential * trade_exposure * economic_vulnerability


def disruption_potential(shares: Mapping[str, float], governance: Mapping[str, float]) -> float:
    """DP = sum_i s_i^2 * g_i / 10: HHI_WGI of world production rescaled to 0-1."""
    return hhi_wgi(shares, governance) / 10


def governance_scores(store, year: int | None = None) -> dict[str, float]:
    """Scaled WGI per country: the mean of the latest year's indicators (at or before `year`)."""
    gov = store.df("SELECT iso3, year, value FROM governance" + (" WHERE year <= ?" if year else ""),
                   [year] if year else [])
    if gov.empty:
        return {}
    gov = gov[gov["year"] == gov.groupby("iso3")["year"].transform("max")]
    return {iso: wgi_scaled(v) for iso, v in gov.groupby("iso3")["value"].mean().items()}


def _stage_inputs(exp, iso: str, material: str, year: int | None) -> pd.DataFrame:
    """Per stage: world production shares and the importer's supplier shares and flows."""
    world = stage_shares(exp.store, material, year)
    world = world[~world["iso3"].isin(AGGREGATE_CODES)]
    sup = exp.supplier_shares(iso, material, None, None, year)
    flows = exp.flows(None, material, None, None, year)
    rows = []
    for stage in sorted(set(world["stage"]) | set(sup.get("stage", pd.Series(dtype=str)))):
        w = world[world["stage"] == stage]
        s = sup[sup["stage"] == stage] if len(sup) else sup
        f = flows[flows["stage"] == stage]
        rows.append({"stage": stage, "world": dict(zip(w["iso3"], w["share"])),
                     "sourcing": dict(zip(s["exporter"], s["share"])) if len(s) else {},
                     "imports_t": f.loc[f["importer"] == iso, "quantity_t"].sum(),
                     "exports_t": f.loc[f["exporter"] == iso, "quantity_t"].sum(),
                     "production_t": w.loc[w["iso3"] == iso, "value_t"].sum() if "value_t" in w else 0.0,
                     "sources": ", ".join(sorted(set(w["source"]) | set(s.get("source", [])))) })
    return pd.DataFrame(rows)


def assess(exp, iso: str, material: str, year: int | None = None, *, eol_rir: float = 0.0,
           substitution: float = 1.0, economic_vulnerability: float = 1.0) -> pd.DataFrame:
    """JRC- and USGS-style supply risk per stage of `material` for importer `iso`.

    Import reliance is computed from traded and produced tonnes where the country's
    production is recorded; with no recorded production it is taken as 1 (`ir_basis`
    says which). Without bilateral flows for a stage, sourcing falls back to world supply.
    """
    gov = governance_scores(exp.store, year)
    gov_src = ", ".join(exp.store.df("SELECT DISTINCT source FROM governance ORDER BY 1")["source"])
    out = []
    for r in _stage_inputs(exp, iso, material, year).itertuples():
        sourcing = r.sourcing or r.world
        if r.production_t > 0:
            ir, basis = import_reliance(r.imports_t, r.exports_t, r.production_t), "computed"
        else:
            ir, basis = 1.0, "assumed 1 (no domestic production recorded)"
        hg, hs = hhi_wgi(r.world, gov), hhi_wgi(sourcing, gov)
        dp = disruption_potential(r.world, gov)
        out.append({
            "stage": r.stage, "importer": iso, "import_reliance": ir, "ir_basis": basis,
            "hhi_wgi_global": hg, "hhi_wgi_sourcing": hs,
            "governance_coverage": sum(s for c, s in r.world.items() if c in gov),
            "eol_rir": eol_rir, "substitution": substitution,
            "jrc_supply_risk": jrc_supply_risk(hg, hs, ir, eol_rir, substitution),
            "disruption_potential": dp, "trade_exposure": max(ir, 0.0),
            "economic_vulnerability": economic_vulnerability,
            "usgs_supply_risk": usgs_supply_risk(dp, max(ir, 0.0), economic_vulnerability),
            "sourcing_basis": "bilateral" if r.sourcing else "world supply (no bilateral rows)",
            "sources": ", ".join(x for x in (r.sources, gov_src) if x),
        })
    df = pd.DataFrame(out)
    df.attrs["unit"] = {"import_reliance": "fraction", "hhi_wgi_global": "0-10",
                        "hhi_wgi_sourcing": "0-10", "jrc_supply_risk": "index",
                        "disruption_potential": "0-1", "usgs_supply_risk": "0-1"}
    return df
