"""Public loan programmes for overseas mineral projects: what a budget buys under given terms.

A programme lends `loan_ratio` × capex to each project of a pipeline, in order, while the
loan fits the remaining budget. A project succeeds with its probability; on failure the
state forgives `forgiveness` of the loan (the fiscal loss), on success the loan is repaid
and the state bears only an interest subsidy (a share of the loan). A firm goes ahead only
if its own loss on failure, (1 − ratio) + ratio × (1 − forgiveness) of capex, is within its
`firm_max_loss_share` (the one behavioural rule: better terms can bring projects in).

Closed form (independent projects, loan L_i, forgiveness f, subsidy s_i, success p_i):
  E[cost]   = Σ L_i ((1 − p_i) f + p_i s_i)
  Var[cost] = Σ L_i² (f − s_i)² p_i (1 − p_i)
  E[capacity] = Σ p_i (1 − h_i) capacity_i          (h_i: political-risk haircut)
and a seeded simulation of the outcomes gives the distribution (quantiles, P(loss > x)).
Seed figures: 67.5 bn KRW loan budget, loan ratio 50% → 70%, forgiveness 80% → 90%, and
250 bn KRW for projects with the US, Vietnam and Laos [NEWS_SEED_KR_REE_STRATEGY_2026].
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from chokepoint.policy import money

SEED = "NEWS_SEED_KR_REE_STRATEGY_2026"
LOAN_BUDGET_KRW = 67.5e9   # this year's overseas-development loan budget [SEED]
FUND_KRW = 250e9           # public funds for projects with the US, Vietnam and Laos [SEED]
SIM_DRAWS = 20000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Terms(_Strict):
    """Loan terms of a programme."""

    name: str
    loan_ratio: float = Field(ge=0, le=1, description="Public loan share of a project's capex.")
    forgiveness: float = Field(ge=0, le=1, description="Share of the loan forgiven if exploration fails.")

    @property
    def firm_loss_share(self) -> float:
        """A firm's loss on failure as a share of capex: its equity plus the unforgiven loan."""
        return (1 - self.loan_ratio) + self.loan_ratio * (1 - self.forgiveness)


OLD = Terms(name="old (50% / 80%)", loan_ratio=0.5, forgiveness=0.8)   # [SEED]
NEW = Terms(name="new (70% / 90%)", loan_ratio=0.7, forgiveness=0.9)   # [SEED]


class Candidate(_Strict):
    """A project seeking a loan (every default pipeline figure is an assumption)."""

    name: str
    host: str
    stage: str = "mine"
    capex_krw: float = Field(gt=0)
    success_probability: float = Field(ge=0, le=1)
    capacity_t_per_year: float = Field(ge=0)
    lead_time_weeks: int = Field(ge=0)
    political_haircut: float = Field(0.0, ge=0, le=1)
    interest_subsidy: float = Field(0.0, ge=0, le=1, description="Fiscal cost on success, share of the loan "
                                    "(present value of the rate subsidy).")
    firm_max_loss_share: float = Field(1.0, ge=0, le=1, description="The firm goes ahead only if its loss "
                                       "on failure, share of capex, is at most this.")


def default_pipeline() -> list[Candidate]:
    """An illustrative pipeline in the seed's host countries (every figure CHOKEPOINT_ASSUMPTION)."""
    c = Candidate
    return [
        c(name="US separation JV", host="USA", stage="separation", capex_krw=120e9, success_probability=0.7,
          capacity_t_per_year=2000, lead_time_weeks=156, political_haircut=0.05, interest_subsidy=0.05),
        c(name="Vietnam REE mine exploration", host="VNM", capex_krw=40e9, success_probability=0.3,
          capacity_t_per_year=3000, lead_time_weeks=260, political_haircut=0.15, interest_subsidy=0.05,
          firm_max_loss_share=0.5),
        c(name="Laos ionic-clay exploration", host="LAO", capex_krw=25e9, success_probability=0.25,
          capacity_t_per_year=1500, lead_time_weeks=208, political_haircut=0.2, interest_subsidy=0.05,
          firm_max_loss_share=0.45),
        c(name="Vietnam separation plant", host="VNM", stage="separation", capex_krw=60e9,
          success_probability=0.6, capacity_t_per_year=2000, lead_time_weeks=156, political_haircut=0.15,
          interest_subsidy=0.05),
        c(name="US heavy-REE exploration", host="USA", capex_krw=30e9, success_probability=0.2,
          capacity_t_per_year=500, lead_time_weeks=260, political_haircut=0.05, interest_subsidy=0.05,
          firm_max_loss_share=0.4),
    ]


def fund(budget_krw: float, terms: Terms, pipeline: list[Candidate]) -> pd.DataFrame:
    """The pipeline with each project's loan, whether the firm goes ahead and whether it is funded
    (in order, while the loan fits what is left of the budget)."""
    left, rows = budget_krw, []
    for cand in pipeline:
        loan = terms.loan_ratio * cand.capex_krw
        applies = terms.firm_loss_share <= cand.firm_max_loss_share + 1e-12
        funded = applies and loan <= left + 1e-6
        left -= loan if funded else 0.0
        rows.append({**cand.model_dump(), "loan_krw": loan, "applies": applies, "funded": funded})
    return pd.DataFrame(rows)


def outcome(budget_krw: float, terms: Terms, pipeline: list[Candidate], seed: int = 0,
            draws: int = SIM_DRAWS, by_week: int | None = None) -> dict:
    """Expected capacity funded and the fiscal cost (closed form and a seeded simulation)."""
    df = fund(budget_krw, terms, pipeline)
    f = df[df["funded"]]
    L, p = f["loan_krw"].to_numpy(), f["success_probability"].to_numpy()
    s, h, cap = f["interest_subsidy"].to_numpy(), f["political_haircut"].to_numpy(), f["capacity_t_per_year"].to_numpy()
    lead = f["lead_time_weeks"].to_numpy()
    online = np.ones(len(f), bool) if by_week is None else lead <= by_week
    fl = terms.forgiveness
    mean = float((L * ((1 - p) * fl + p * s)).sum())
    sd = math.sqrt(float((L ** 2 * (fl - s) ** 2 * p * (1 - p)).sum()))
    rng = np.random.default_rng(seed)
    ok = rng.random((draws, len(f))) < p[None]
    cost = np.where(ok, L * s, L * fl).sum(axis=1)
    usd = money.per_usd("KRW")
    return {
        "terms": terms.name, "budget_krw": budget_krw, "projects_funded": int(len(f)),
        "projects_declined": int((~df["applies"]).sum()), "loans_krw": float(L.sum()),
        "unspent_krw": float(budget_krw - L.sum()),
        "private_capex_krw": float(((1 - terms.loan_ratio) * f["capex_krw"]).sum()),
        "nameplate_t_per_year": float(cap.sum()),
        "expected_capacity_t_per_year": float((p * (1 - h) * cap * online).sum()),
        "first_output_week": int(lead.min()) if len(f) else None,
        "expected_fiscal_cost_krw": mean, "fiscal_cost_sd_krw": sd,
        "fiscal_cost_p50_krw": float(np.quantile(cost, 0.5)), "fiscal_cost_p95_krw": float(np.quantile(cost, 0.95)),
        "simulated_mean_krw": float(cost.mean()), "expected_fiscal_cost_usd": mean / usd,
        "firm_loss_share": terms.firm_loss_share,
        "t_per_year_per_bn_krw": float((p * (1 - h) * cap * online).sum()) / (mean / 1e9) if mean > 0 else math.nan,
    }


def compare(budget_krw: float, pipeline: list[Candidate] | None = None, terms: tuple[Terms, ...] = (OLD, NEW),
            seed: int = 0, by_week: int | None = None) -> pd.DataFrame:
    """Old vs new terms (or any terms) on the same pipeline and budget, one row each; `by_week`
    adds the expected capacity online by then (lead times counted)."""
    pipe = default_pipeline() if pipeline is None else pipeline
    rows = []
    for t in terms:
        row = outcome(budget_krw, t, pipe, seed)
        if by_week is not None:
            row[f"expected_capacity_by_week_{by_week}"] = outcome(budget_krw, t, pipe, seed, 1, by_week)[
                "expected_capacity_t_per_year"]
        rows.append(row)
    return pd.DataFrame(rows)
