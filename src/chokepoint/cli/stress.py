"""`chokepoint stress SCENARIO`: run a chain stress test and print its summary."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress

from chokepoint import settings, spreadsheet
from chokepoint.cli import impact
from chokepoint.cli.common import DbOption, FormatOption, console, emit, emit_json, err_console, workbench
from chokepoint.names import slug


def stress(scenario: str = typer.Argument(..., help="Shipped scenario name or a YAML path."),
           country: str = typer.Option(settings.get("country"), "--country", "-c", help="Focal country (ISO3)."),
           engine: str = typer.Option("lp", "--engine", "-e", help="Engine: lp or fast."),
           out: Path = typer.Option(Path("out"), "--out", help="Folder for the CSV, PNG and HTML."),
           with_impact: bool = typer.Option(False, "--impact", help="Also print value added at risk by sector "
                                                                     "(chokepoint impact RUN_ID); CSV and PNG in --out."),
           fmt=FormatOption, db: str | None = DbOption) -> None:
    """Run SCENARIO for a country; print peak shortfall by sector, timing, cover and price."""
    from chokepoint.chain import charts
    from chokepoint.chain.results import readable

    wb = workbench(db)
    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task(f"{scenario} ({engine})", total=None)
        result = wb.chain.run(scenario, country=country.upper(), engine=engine,
                              progress=lambda done, total: bar.update(task, completed=done, total=total))
    s = result.summary
    out.mkdir(parents=True, exist_ok=True)
    stem = slug(f"{result.spec['name']}-{country.upper()}-{engine}")  # a file name, never a path
    spreadsheet.to_csv(result.series, out / f"{stem}.csv")
    title = f"{result.spec['name']} · {country.upper()} · {engine}"
    charts.png(result.series, out / f"{stem}.png", title)
    charts.html(result.series, out / f"{stem}.html", title)
    if fmt.value == "json":
        extra = {}
        if with_impact:
            economy = wb.economy.impact(result.run_id)
            impact.write(economy, out)
            extra = {"impact": impact.as_json(economy)}
        emit_json({"run_id": result.run_id, **s, **extra})
        return
    tables = readable(s)
    emit(tables["sectors"], fmt, title=f"{title}: shortfall by sector (run {result.run_id})")
    if fmt.value == "table":
        emit(tables["timing"], fmt, title="Timing and price")
        emit(tables["stocks"], fmt, title="Opening stocks by stage and form")
        emit(tables["edges"], fmt, title="Baseline edges by basis")
        for note in s["notes"]:
            console.print(f"note: {note}")
        console.print(f"wrote {out / stem}.csv, .png, .html")
    if with_impact:
        impact.show(wb, wb.economy.impact(result.run_id), fmt, out=out)


def register(app: typer.Typer) -> None:
    app.command("stress")(stress)
