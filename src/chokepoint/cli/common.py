"""Shared CLI pieces: the workbench to use, output formats, and option types."""
from __future__ import annotations

import enum
import json
import sys

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

import chokepoint
from chokepoint import spreadsheet
from chokepoint.units import pct
from chokepoint.workbench import Workbench

err_console = Console(stderr=True)
_tty = Console()
_wide = Console(width=200)  # piped or captured output: don't squeeze tables to 80 columns


class _Out:
    """stdout console that is terminal-width on a TTY and wide otherwise."""

    def __getattr__(self, name):
        return getattr(_tty if _tty.is_terminal else _wide, name)


console = _Out()


class Format(str, enum.Enum):
    table = "table"
    csv = "csv"
    json = "json"


FormatOption = typer.Option(Format.table, "--format", "-f", help="Output format.")
DbOption = typer.Option(None, "--db", help="Store file (default: $CHOKEPOINT_DB or ./chokepoint.duckdb).",
                        envvar="CHOKEPOINT_DB")


def workbench(db: str | None = None, read_only: bool = False, build: bool = True) -> Workbench:
    """Open the store, building the bundled reference data the first time."""
    wb = chokepoint.open(db, read_only=read_only)
    if build and not read_only and (line := wb.ensure_built()):
        err_console.print(f"[yellow]{line}[/yellow]")
    return wb


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return str(v)


def emit(df: pd.DataFrame, fmt: Format = Format.table, title: str | None = None) -> None:
    """Print a frame as a rich table, CSV or JSON records."""
    if fmt == Format.csv:
        spreadsheet.to_csv(df, sys.stdout)
    elif fmt == Format.json:
        sys.stdout.write(df.to_json(orient="records", date_format="iso", indent=1) + "\n")
    else:
        table = Table(title=title, show_lines=False, title_justify="left")
        shares = {i for i, col in enumerate(df.columns) if _is_share(df[col])}
        for col in df.columns:
            numeric = pd.api.types.is_numeric_dtype(df[col])
            table.add_column(str(col), justify="right" if numeric else "left")
        for row in df.itertuples(index=False):
            table.add_row(*(("" if pd.isna(v) else pct(float(v))) if i in shares else _cell(v) for i, v in enumerate(row)))
        console.print(table)


def _is_share(col: pd.Series) -> bool:
    """A fraction column (named `share` or `..._share`, values within 0..1): shown as percent in tables;
    CSV and JSON keep the fraction for machines."""
    name = str(col.name).lower()
    if not (name == "share" or name.endswith("_share") or name.endswith(" share")):
        return False
    if col.dtype == bool or not pd.api.types.is_numeric_dtype(col):
        return False
    values = col.dropna()
    return bool(len(values)) and bool(((values >= 0) & (values <= 1)).all())


def emit_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, indent=1, default=str) + "\n")
