"""`chokepoint impact RUN_ID`: value added at risk by sector from a stored stress run."""
from __future__ import annotations

from pathlib import Path

import typer

from chokepoint.cli.common import DbOption, FormatOption, console, emit, emit_json, workbench

COLUMNS = {"sector": "sector", "va_baseline": "VA/yr", "va_at_risk": "VA at risk", "va_at_risk_pct": "% of VA",
           "peak_output_loss_pct": "peak output loss %", "recovery_week": "recovered wk",
           "static_direct": "direct", "static_leontief": "Leontief", "static_ghosh": "Ghosh"}


def write(result, out: Path) -> Path:
    """The impact's sectors as CSV and its chart as PNG in `out`; returns the common stem."""
    from chokepoint.economy import charts

    t = result.totals
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{t['scenario']}-{t['country']}-impact-{t['run_id']}"
    result.sectors.to_csv(f"{stem}.csv", index=False)
    charts.png(result, Path(f"{stem}.png"), f"{t['scenario']} · {t['country']} · value added at risk")
    return stem


def as_json(result, all_regions: bool = False) -> dict:
    """The impact as one JSON-ready object: totals, sectors (focal region unless all), weekly output, sources."""
    t = result.totals
    df = result.sectors if all_regions else result.sectors[result.sectors["region"] == t["region"]]
    return {"totals": t, "sectors": df.sort_values("va_at_risk", ascending=False).to_dict(orient="records"),
            "weekly_output_vs_baseline": result.weekly.reset_index().to_dict(orient="records"),
            "sources": result.sources, "notes": result.notes}


def show(wb, result, fmt, all_regions: bool = False, out: Path | None = None) -> None:
    """Print an Impact: the focal region's sectors (or all), totals and the sources of table and concordance."""
    t = result.totals
    stem = write(result, out) if out is not None else None
    df = result.sectors if all_regions else result.sectors[result.sectors["region"] == t["region"]]
    df = df.sort_values("va_at_risk", ascending=False)
    if fmt.value == "json":
        emit_json(as_json(result, all_regions))
        return
    cols = (["region"] if all_regions else []) + list(COLUMNS)
    emit(df[cols].rename(columns=COLUMNS), fmt,
         title=f"Value added at risk, {t['unit']} over {t['weeks']} weeks · {t['scenario']} · {t['country']} "
               f"(run {t['run_id']}, table {t['table']})")
    if fmt.value != "table":
        return
    region_loss = result.sectors.loc[result.sectors["region"] == t["region"], "va_at_risk"].sum()
    console.print(f"{t['region']}: {region_loss:,.0f} {t['unit']} at risk "
                  f"({100 * region_loss / t['va_region']:.2f}% of a year's value added) · world: "
                  f"{t['va_at_risk']:,.0f} · ARIO in daily steps; direct, Leontief and Ghosh: static "
                  "estimates on the year-average capacity loss")
    for note in result.notes:
        console.print(f"note: {note}")
    if stem is not None:
        console.print(f"wrote {stem}.csv, .png")
    src = wb.economy.sources(result.sources)
    for r in src.itertuples():
        url = f" {r.url}" if isinstance(r.url, str) else ""
        licence = f" · licence: {r.licence}" if isinstance(r.licence, str) else ""
        console.print(f"source {r.key}: {r.publisher}, {r.title} ({r.year}){url}{licence}")


def impact(run_id: str = typer.Argument(..., help="A stored stress run (see the run id `chokepoint stress` prints)."),
           table: Path | None = typer.Option(None, "--table", help="An input-output table the user has "
                                                                   "(default: the bundled WIOD 2011 6x10)."),
           table_format: str = typer.Option("pymrio", "--table-format", help="pymrio, exiobase3, oecd or wiod."),
           concordance: Path | None = typer.Option(None, "--concordance", help="A concordance CSV "
                                                                               "(default: the bundled one)."),
           tail_weeks: int = typer.Option(26, "--tail-weeks", help="Weeks simulated after the run to see recovery."),
           all_regions: bool = typer.Option(False, "--all-regions", help="Every region, not only the focal one."),
           out: Path = typer.Option(Path("out"), "--out", help="Folder for the CSV and PNG."),
           fmt=FormatOption, db: str | None = DbOption) -> None:
    """Value added at risk by sector from RUN_ID's shortfalls: ARIO dynamics and static Leontief/Ghosh estimates."""
    wb = workbench(db)
    io = wb.economy.table(table, table_format) if table else None
    conc = wb.economy.concordance(concordance) if concordance else None
    show(wb, wb.economy.impact(run_id, io, conc, tail_weeks=tail_weeks), fmt, all_regions, out)


def register(app: typer.Typer) -> None:
    app.command("impact")(impact)
