"""`chokepoint plan` (a budgeted lever portfolio) and `chokepoint finance` (loan terms compared)."""
from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import typer

from chokepoint import settings
from chokepoint.cli.common import DbOption, Format, FormatOption, console, emit, emit_json, workbench
from chokepoint.cli.montecarlo import _bar


def plan(country: str = typer.Option(settings.get("country"), "--country", "-c", help="Focal country (ISO3)."),
         scenario: str = typer.Option("cn-ree-6m", "--scenario", "-s", help="Shipped scenario name or a YAML path."),
         budget: float = typer.Option(500e9, "--budget", help="Budget, in --currency (e.g. 500e9)."),
         currency: str = typer.Option("KRW", "--currency", help="Currency of the budget (bundled FX: KRW, USD, "
                                      "CNY, EUR, JPY)."),
         risk: str = typer.Option("expected", "--risk", help="What to minimise: expected (shortfall, t) or "
                                  "cvar95 (mean of the worst 5% of draws)."),
         n: int = typer.Option(2000, "--n", help="Monte Carlo draws in the common sample."),
         seed: int = typer.Option(0, "--seed", help="Seed of the sample (out-of-sample: seed + 1,000,003)."),
         out: Path = typer.Option(Path("out"), "--out", help="Folder for the frontier chart and CSV."),
         fmt=FormatOption, db: str | None = DbOption) -> None:
    """Choose lever levels (stock, offtake, project, recycling, substitution, tolling, price floor) under a budget."""
    from chokepoint.policy import money, optimize

    wb = workbench(db)
    c = country.upper()
    t0 = time.perf_counter()
    with _bar() as bar:
        task = bar.add_task(f"plan {scenario} ({n:,} draws per evaluation)", total=None)
        r = wb.policy.plan(scenario, country=c, budget=budget, currency=currency, risk=risk, n=n, seed=seed,
                           progress=lambda done, total: bar.update(task, completed=done, total=total))
    wall = time.perf_counter() - t0
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{r.scenario}-{c}-plan-{risk}"
    r.frontier.to_csv(out / f"{stem}-frontier.csv", index=False)
    title = f"{r.scenario} · {c} · {n:,} draws · seed {seed} · minimise {risk}"
    optimize.chart(r, out / f"{stem}.png", title)
    if fmt == Format.json:
        emit_json({**r.summary(), "wall_s": round(wall, 1)})
        return
    usd = money.per_usd("KRW")
    emit(r.portfolio(), fmt, title=f"{title}: portfolio for {r.budget_krw / 1e9:,.0f} bn KRW "
                                   f"(USD {r.budget_krw / usd / 1e6:,.0f} m; chosen by: {r.choice.source})")
    if fmt == Format.csv:
        return
    emit(r.risk_table(), fmt, title="risk before and after (t); out-of-sample = a fresh seed, same portfolio")
    emit(r.marginal, fmt, title=f"marginal value: {risk} shortfall cut by the next "
                                f"{optimize.STEP:.0%} of the budget on each lever (fitted, t per bn KRW)")
    emit(r.alone(), fmt, title="each lever alone at the budget's worth (or its maximum), in-sample (t)")
    front = r.frontier.assign(budget_bn_krw=r.frontier["budget_krw"] / 1e9, cost_bn_krw=r.frontier["cost_krw"] / 1e9)
    cols = ["budget_bn_krw", "cost_bn_krw", "risk_t", "expected_t", "chosen_by",
            *[k for k in front.columns if k.startswith("level:")]]
    emit(front[cols], fmt, title="efficient frontier (joint re-evaluation, in-sample)")
    console.print(f"run {r.run_id} · wrote {out / stem}.png and {out / stem}-frontier.csv · {wall:.0f} s · the fit assumes levers' "
                  "effects add up; every figure above except 'fitted' is the engine run on the whole portfolio "
                  "(docs/policy.md)")


def finance(budget: float = typer.Option(250e9, "--budget", help="Programme budget, in --currency "
                                         "(250e9: Korea's fund; 67.5e9: this year's loan budget)."),
            currency: str = typer.Option("KRW", "--currency", help="Currency of the budget."),
            seed: int = typer.Option(0, "--seed", help="Seed of the outcome simulation."),
            by_week: int = typer.Option(78, "--by-week", help="Also count the expected capacity online by this "
                                        "week (lead times; 78 = the cn-ree-6m horizon)."),
            fmt=FormatOption, db: str | None = DbOption) -> None:
    """Old (50% loan / 80% forgiveness) vs new (70% / 90%) terms on the same project pipeline."""
    from chokepoint.policy import finance as fin

    wb = workbench(db)
    df = wb.policy.finance(budget, currency, seed=seed, by_week=by_week)
    if fmt == Format.json:
        emit_json(df.to_dict(orient="records"))
        return
    emit(_finance_table(df), fmt, title=f"loan programme of {df['budget_krw'].iloc[0] / 1e9:,.1f} bn KRW on "
                                        f"the default pipeline ({len(fin.default_pipeline())} projects, assumptions)")


def _finance_table(df: pd.DataFrame) -> pd.DataFrame:
    bn = ["loans_krw", "unspent_krw", "private_capex_krw", "expected_fiscal_cost_krw", "fiscal_cost_sd_krw",
          "fiscal_cost_p50_krw", "fiscal_cost_p95_krw"]
    t = df.copy()
    for k in bn:
        t[k.replace("_krw", "_bn_krw")] = t.pop(k) / 1e9
    keep = ["terms", "projects_funded", "projects_declined", *[k.replace("_krw", "_bn_krw") for k in bn],
            "nameplate_t_per_year", "expected_capacity_t_per_year",
            *[k for k in t if k.startswith("expected_capacity_by")],
            "first_output_week", "t_per_year_per_bn_krw", "firm_loss_share"]
    return t[keep].set_index("terms").T.reset_index().rename(columns={"index": "figure"})


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
    app.command("finance")(finance)
