"""`chokepoint montecarlo SCENARIO` and `chokepoint sensitivity SCENARIO`: distributions of a stress test."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from chokepoint import settings
from chokepoint.cli.common import DbOption, Format, FormatOption, console, emit, emit_json, err_console, workbench

BAND_STEP = 4  # weeks between rows of the printed band table (the CSV and chart have every week)
DeviceOption = typer.Option("cpu", "--device", help="cpu (compiled kernel), numpy (the reference engine) or gpu.")


def _bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=err_console, transient=True)


def _band_table(bands: pd.DataFrame) -> pd.DataFrame:
    from chokepoint.chain import montecarlo as mc

    b = bands[(bands["variable"] == "shortfall_share") & (bands["week"] % BAND_STEP == 0)]
    wide = b.pivot_table(index=["week", "sector"], columns="quantile", values="value").reset_index()
    pct = mc.pct
    wide["cell"] = [f"{pct(r[0.05])} · {pct(r[0.5])} · {pct(r[0.95])}" for _, r in wide.iterrows()]
    return wide.pivot(index="week", columns="sector", values="cell").reset_index()


def montecarlo(scenario: str = typer.Argument(..., help="Shipped scenario name or a YAML path (its `uncertain`)."),
               n: int = typer.Option(1000, "--n", help="Number of draws."),
               country: str = typer.Option(settings.get("country"), "--country", "-c", help="Focal country (ISO3)."),
               seed: int | None = typer.Option(None, "--seed", help="Seed (default: a fresh one, printed and stored)."),
               chunk: int | None = typer.Option(None, "--chunk", help="Draws per engine call (memory ∝ chunk, "
                                                "not n; default: chain.montecarlo.CHUNK)."),
               backend: str = typer.Option("local", "--backend", help="local or ray."),
               address: str | None = typer.Option(None, "--address", help="Ray cluster: 'auto' or host:port "
                                                  "(default: a local Ray)."),
               workers: int | None = typer.Option(None, "--workers", help="Processes for the local backend "
                                                   "(default 1), or CPUs of a local Ray (default all)."),
               device: str = DeviceOption,
               out: Path = typer.Option(Path("out"), "--out", help="Folder for the bands CSV and the fan chart."),
               fmt=FormatOption, db: str | None = DbOption) -> None:
    """Run N draws of SCENARIO's uncertain parameters; print risk figures and shortfall bands."""
    from chokepoint.chain import charts
    from chokepoint.chain import montecarlo as mc

    wb = workbench(db)
    c = country.upper()
    with _bar() as bar:
        task = bar.add_task(f"{scenario} ({backend}, {n:,} draws)", total=n)
        r = wb.chain.montecarlo(scenario, country=c, n=n, seed=seed, chunk=mc.CHUNK if chunk is None else chunk,
                                backend=backend, address=address,
                                device=device, workers=workers,
                                progress=lambda done, total: bar.update(task, completed=done))
    s = r.summary
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{r.spec['name']}-{c}-mc"
    r.bands.to_csv(out / f"{stem}-bands.csv", index=False)
    title = f"{r.spec['name']} · {c} · {n:,} draws · seed {r.spec['seed']}"
    charts.fan(r.bands, out / f"{stem}.png", title)
    if fmt == Format.json:
        emit_json({"run_id": r.run_id, "seed": r.spec["seed"], **s})
        return
    if fmt == Format.csv:
        emit(r.bands, fmt)
        return
    emit(mc.risk_table(s), fmt, title=f"{title}: risk figures (run {r.run_id})")
    emit(mc.sector_table(s), fmt, title="by sector (peak = the worst week's shortfall share)")
    emit(_band_table(r.bands), fmt, title="shortfall share by week, p5 · p50 · p95")
    if not wb.chain.load_scenario(scenario).uncertain:
        console.print(f"{r.spec['name']} has no `uncertain`: the default distributions were drawn "
                      f"({', '.join(r.spec['uncertain'])}; docs/model.md, Monte Carlo)")
    console.print(f"wrote {out / stem}-bands.csv and {out / stem}.png · per-draw table: run_draw "
                  f"(wb.chain.draws('{r.run_id}'))")


def sensitivity(scenario: str = typer.Argument(..., help="Shipped scenario name or a YAML path (its `uncertain`)."),
                n: int = typer.Option(128, "--n", help="Base sample N (a power of 2); N·(D+2) runs."),
                country: str = typer.Option(settings.get("country"), "--country", "-c", help="Focal country (ISO3)."),
                metric: str = typer.Option("shortfall_pct", "--metric", help="Per-draw figure to explain, e.g. "
                                           "shortfall_pct, peak_shortfall_pct, weeks_over_20pct, peak_price."),
                seed: int = typer.Option(0, "--seed", help="Seed of the Saltelli design and the bootstrap."),
                device: str = DeviceOption,
                out: Path = typer.Option(Path("out"), "--out", help="Folder for the chart."),
                fmt=FormatOption, db: str | None = DbOption) -> None:
    """Sobol indices: which of SCENARIO's uncertain parameters drive a Monte Carlo figure."""
    from chokepoint.chain import charts

    wb = workbench(db)
    c = country.upper()
    with _bar() as bar:
        task = bar.add_task(f"{scenario} (Sobol, N={n})", total=None)
        df = wb.chain.sensitivity(scenario, country=c, base=n, metric=metric, seed=seed, device=device,
                                  progress=lambda done, total: bar.update(task, completed=done, total=total))
    out.mkdir(parents=True, exist_ok=True)
    name = wb.chain.load_scenario(scenario).name
    path = out / f"{name}-{c}-sobol-{metric}.png"
    title = f"{name} · {c} · Sobol indices of {metric} ({df.attrs['runs']:,} runs)"
    charts.sensitivity(df, path, title)
    emit(df.round(3), fmt, title=title)
    if fmt == Format.table:
        console.print(f"S1: share of the variance of {metric} due to the parameter alone; ST: including its "
                      f"interactions. ±conf: 95% bootstrap half-width. wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("montecarlo")(montecarlo)
    app.command("sensitivity")(sensitivity)
