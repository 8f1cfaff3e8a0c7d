"""`chokepoint stress SCENARIO`: run a chain stress test and print its summary."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.progress import Progress

from chokepoint import settings, spreadsheet
from chokepoint.cli.common import DbOption, FormatOption, console, emit, emit_json, err_console, workbench
from chokepoint.names import slug


def stress(scenario: str = typer.Argument(..., help="Shipped scenario name or a YAML path."),
           country: str = typer.Option(settings.get("country"), "--country", "-c", help="Focal country (ISO3)."),
           engine: str = typer.Option("lp", "--engine", "-e", help="Engine: lp or fast."),
           out: Path = typer.Option(Path("out"), "--out", help="Folder for the CSV, PNG and HTML."),
           fmt=FormatOption, db: str | None = DbOption) -> None:
    """Run SCENARIO for a country; print peak shortfall by sector, timing, cover and price."""
    from chokepoint.chain import charts

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
        emit_json({"run_id": result.run_id, **s})
        return
    table = pd.DataFrame([{"sector": k, **v} for k, v in s["sectors"].items()])
    emit(table, fmt, title=f"{title}: shortfall by sector (run {result.run_id})")
    if fmt.value == "table":
        cover = ", ".join(f"{k} {v:.0f}" for k, v in s["days_of_cover"].items() if v is not None)
        console.print(f"first shortfall: week {s['first_shortfall_week']} · peak: week {s['peak_week']} · "
                      f"recovery: week {s['recovery_week']} · price multiple: {s['price_multiple']:.2f}×\n"
                      f"days of cover by stage: {cover or 'none'} · edges: {s['edges']}\n"
                      f"wrote {out / stem}.csv, .png, .html")


def register(app: typer.Typer) -> None:
    app.command("stress")(stress)
