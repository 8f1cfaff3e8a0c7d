"""`chokepoint news ...` and `chokepoint tilt`: thin commands over `wb.news`."""
from __future__ import annotations

import enum
import json
import os
import sys

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from chokepoint.cli.common import DbOption, Format, FormatOption, console, emit, emit_json, err_console, workbench


class EventFormat(str, enum.Enum):
    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"


news_app = typer.Typer(help="News signals: ingest articles, list events, claims, signals, duplicates.",
                       no_args_is_help=True)


@news_app.command("ingest")
def ingest(paths: list[str] = typer.Argument(..., help="Files (.txt, .html, .jsonl), folders or globs."),
           published: str = typer.Option(None, "--published", help="Publication date (YYYY-MM-DD, or "
                                         "YYYY-MM / YYYY for pages dated only to the month or year) for "
                                         "articles whose file gives none."),
           llm_url: str = typer.Option(None, "--llm-url", help="Extract with an LLM at this OpenAI-compatible "
                                       "endpoint (e.g. http://localhost:8080/v1) instead of the rules; "
                                       "the key, if any, from OPENAI_API_KEY; answers cached in the store."),
           llm_model: str = typer.Option(None, "--llm-model", help="Model name for --llm-url."),
           db: str = DbOption) -> None:
    """Read, clean, deduplicate and extract events from articles into the store."""
    with workbench(db) as wb, Progress(TextColumn("{task.description}"), BarColumn(),
                                       MofNCompleteColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task("ingesting", total=None)
        report = wb.news.ingest(paths, published=published, llm_url=llm_url, llm_model=llm_model,
                                llm_key=os.environ.get("OPENAI_API_KEY"),
                                progress=lambda n, total, name: bar.update(task, total=total, completed=n,
                                                                           description=name[:40]))
    console.print(f"{report.files} files, {report.articles} articles, {report.events} events, "
                  f"{report.duplicate_groups} duplicate groups")
    for err in report.errors:
        console.print(f"[red]skipped[/] {err['name']}: {err['error']}", markup=True, highlight=False)


@news_app.command("events")
def events(fmt: EventFormat = typer.Option(EventFormat.table, "--format", "-f", help="Output format."),
           type: str = typer.Option(None, "--type", help="Event type, e.g. EXPORT_CONTROL."),
           actor: str = typer.Option(None, "--actor"), target: str = typer.Option(None, "--target"),
           commodity: str = typer.Option(None, "--commodity"), doc: str = typer.Option(None, "--doc"),
           db: str = DbOption) -> None:
    """Extracted events; --format jsonl prints DESIGN section 6's event objects."""
    with workbench(db) as wb:
        df = wb.news.events(type=type, actor=actor, target=target, commodity=commodity, doc=doc)
    if fmt == EventFormat.jsonl:
        keys = ["doc", "type", "actor", "target", "commodities", "sectors", "amount", "unit", "date",
                "tilt", "evidence"]
        for rec in df[keys].to_dict("records"):
            rec["date"] = rec["date"].isoformat() if rec["date"] is not None and rec["date"] == rec["date"] else None
            rec["amount"] = None if rec["amount"] != rec["amount"] else rec["amount"]
            sys.stdout.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
        return
    cols = ["doc", "type", "actor", "target", "commodities", "amount", "unit", "amount_usd", "date",
            "tilt", "evidence"] if fmt == EventFormat.table else list(df.columns)
    emit(df[cols], Format(fmt.value), title="events")


@news_app.command("duplicates")
def duplicates(fmt: Format = FormatOption, db: str = DbOption) -> None:
    """Groups of duplicate articles (wire copies by MinHash, retold stories by shared events)."""
    with workbench(db) as wb:
        df = wb.news.duplicates()
    df["docs"] = df["docs"].map(", ".join)
    emit(df, fmt, title="duplicate groups")


@news_app.command("claims")
def claims(fmt: Format = FormatOption, db: str = DbOption) -> None:
    """Share claims checked against reference data, and conflicts between articles side by side."""
    with workbench(db) as wb:
        checked, conflicts = wb.news.claims(), wb.news.conflicts()
    if fmt == Format.json:
        emit_json({"claims": checked.to_dict("records"), "conflicts": conflicts.to_dict("records")})
        return
    emit(checked, fmt, title="numeric claims vs reference data")
    emit(conflicts, fmt, title="conflicts between articles (contradiction / different scope / different time)")


@news_app.command("signals")
def signals(fmt: Format = FormatOption, db: str = DbOption) -> None:
    """Export-control and alliance events mapped to the stress-test scenarios they bear on."""
    with workbench(db) as wb:
        emit(wb.news.signals(), fmt, title="scenario signals")


def tilt(country: str = typer.Option("KOR", "--country", help="ISO3 code of the country."),
         by: str = typer.Option("month", "--by", help="month | quarter | year | week"),
         chart: str = typer.Option("tilt.png", "--chart", help="Chart file to write (.png, .svg, .pdf)."),
         fmt: Format = FormatOption, db: str = DbOption) -> None:
    """Alignment index of a country per period from news events (+1 US camp, -1 China)."""
    with workbench(db) as wb:
        df = wb.news.tilt(country=country, by=by, chart=chart)
    emit(df, fmt, title=f"{country.upper()} alignment index by {by}")
    if df.empty:
        err_console.print(f"no dated events involving {country.upper()}: events of articles without a "
                          "publication date are left out; give one with `chokepoint news ingest PATH "
                          "--published YYYY-MM-DD`")
    if fmt == Format.table:
        console.print(f"chart written to {chart}")


def register(app: typer.Typer) -> None:
    app.add_typer(news_app, name="news")
    app.command("tilt")(tilt)
