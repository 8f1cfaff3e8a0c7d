"""`chokepoint data build|show|tables|compact`, `chokepoint sources` and `chokepoint config show`."""
from __future__ import annotations

import pandas as pd
import typer

from chokepoint import settings
from chokepoint.cli.common import DbOption, Format, FormatOption, emit, workbench
from chokepoint.errors import BadInput, ChokepointError
from chokepoint.reference import quality
from chokepoint.schema import ALL_TABLES

data_app = typer.Typer(help="Build and inspect the store's reference data.", no_args_is_help=True)
config_app = typer.Typer(help="Settings and their environment variables.", no_args_is_help=True)


@data_app.command("build")
def build(files: list[str] = typer.Argument(None, help="User CSVs in a bundled table's format: "
                                                "PATH (named after the table) or TABLE=PATH."),
          db: str = DbOption, fmt: Format = FormatOption) -> None:
    """Rebuild the reference tables from the bundled data plus your files (one transaction)."""
    with workbench(db, build=False) as wb:
        counts = wb.build(files or [])
    df = pd.DataFrame(sorted(counts.items()), columns=["table", "rows"])
    emit(df, fmt, title=f"store {wb.path} rebuilt")


def _filters(where: list[str]) -> dict[str, str]:
    out = {}
    for item in where or []:
        col, sep, val = item.partition("=")
        if not sep:
            raise BadInput(f"--where takes COLUMN=VALUE, got '{item}'", field="--where")
        out[col.strip()] = val.strip()
    return out


@data_app.command("show")
def show(table: str = typer.Argument(..., help="Table name (see 'chokepoint data tables')."),
         where: list[str] = typer.Option(None, "--where", "-w", help="COLUMN=VALUE filter, repeatable."),
         limit: int = typer.Option(50, help="Rows to show (0 for all)."),
         db: str = DbOption, fmt: Format = FormatOption) -> None:
    """Print a store table."""
    with workbench(db) as wb:
        filters = _filters(where)
        known = set(wb.store.df(f"SELECT * FROM {wb.store.ident(table)} LIMIT 0").columns) \
            if table in wb.store.tables() else set()
        bad = [c for c in filters if known and c not in known]
        if bad:
            raise BadInput(f"table {table} has no column '{bad[0]}'", field="--where")
        df = wb.table(table, **filters)
    emit(df if limit == 0 else df.head(limit), fmt, title=f"{table}: {len(df)} rows")


@data_app.command("tables")
def tables(db: str = DbOption, fmt: Format = FormatOption) -> None:
    """List the store's tables with row counts and what they hold."""
    with workbench(db) as wb:
        rows = [{"table": t.name, "rows": wb.store.count(t.name), "reference": t.reference,
                 "key": ", ".join(t.key), "holds": t.help} for t in ALL_TABLES.values()]
    emit(pd.DataFrame(rows), fmt)


@data_app.command("check")
def check(max_age: int = typer.Option(quality.MAX_AGE_YEARS, "--max-age",
                                      help="Years after which a table's newest row is stale."),
          db: str = DbOption, fmt: Format = FormatOption) -> None:
    """Data-quality report: duplicated facts, mixed bases, stale tables, missing licences,
    labels contradicted by unit values, rows a licence does not let us ship. Exit code 1
    when any check fails."""
    with workbench(db) as wb:
        results = quality.run(wb.store, max_age=max_age)
    summary = pd.DataFrame([{"check": r.name, "status": "ok" if r.ok else "FAIL",
                             "problems": len(r.problems), "what": r.help} for r in results])
    emit(summary, fmt, title="data check")
    if fmt == Format.table:
        for r in results:
            if not r.ok:
                emit(r.problems, fmt, title=f"{r.name}: {len(r.problems)} problem(s)")
    failed = [r.name for r in results if not r.ok]
    if failed:
        raise ChokepointError(f"data check failed: {', '.join(failed)}")


@data_app.command("coverage")
def coverage(db: str = DbOption, fmt: Format = FormatOption) -> None:
    """What the store holds per material family, stage and table: years, countries, sources."""
    with workbench(db) as wb:
        df = quality.coverage(wb.store)
    emit(df, fmt, title=f"coverage: {len(df)} family-stage-table rows")


def sources(table: str = typer.Option(None, "--table", "-t", help="Only sources cited by this table."),
            db: str = DbOption, fmt: Format = FormatOption) -> None:
    """List the sources every figure cites (publisher, document, year, URL)."""
    with workbench(db) as wb:
        df = wb.sources(table)
    emit(df[["key", "publisher", "title", "year", "url"]] if fmt == Format.table else df, fmt)


@data_app.command("compact")
def compact(db: str = DbOption, fmt: Format = FormatOption) -> None:
    """Reclaim the dead space aborted imports leave in the store file (and stale scratch folders)."""
    with workbench(db, build=False) as wb:
        got = wb.compact()
    emit(pd.DataFrame([got]), fmt, title=f"store {wb.path} compacted")


@config_app.command("show")
def config_show(fmt: Format = FormatOption) -> None:
    """Print every setting, its environment variable and current value."""
    emit(pd.DataFrame(settings.describe()), fmt)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
    app.add_typer(config_app, name="config")
    app.command("sources")(sources)
