"""Read and validate reference CSVs (bundled or the user's, same format) and load them.

Validation happens entirely before the store is touched, and the load is one transaction,
so a bad file leaves the store exactly as it was.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from chokepoint import countries, units
from chokepoint.errors import BadInput, BadInputs, list_as_string
from chokepoint.schema import TABLES, Column, Table

BUNDLED = "chokepoint.reference"
# Reference tables are loaded in this order: sources first, so rows can be checked against them.
LOAD_ORDER = ["source"] + [t for t in TABLES if t not in ("source", "country")]
MAX_ERRORS = 50


@dataclass
class TableFile:
    """One CSV to load into one table; `label` is how messages name it."""

    table: Table
    text: str
    label: str


def bundled_files() -> list[TableFile]:
    """The CSVs shipped inside the package: `<table>.csv`, plus `<table>__<part>.csv` files
    so each subsystem can ship its own rows (e.g. its sources) without sharing one file."""
    root = resources.files(BUNDLED) / "data"
    names = sorted(r.name for r in root.iterdir() if r.name.endswith(".csv"))
    out = []
    for table in LOAD_ORDER:
        for fname in names:
            if fname == f"{table}.csv" or fname.startswith(f"{table}__"):
                text = (root / fname).read_text(encoding="utf-8")
                out.append(TableFile(TABLES[table], text, fname))
    return out


def table_for(path: Path, explicit: str | None = None) -> Table:
    """Which table a user file feeds: named explicitly, or by its file name's prefix."""
    loadable = LOAD_ORDER
    if explicit:
        if explicit not in loadable:
            raise BadInput(f"unknown table '{explicit}'", file=str(path),
                           hint=f"tables are {list_as_string(loadable)}")
        return TABLES[explicit]
    stem = path.name.split(".")[0].lower()
    matches = [t for t in loadable if stem == t or stem.startswith(t + "_") or stem.startswith(t + "-")]
    if not matches:
        raise BadInput("cannot tell which table this file is for", file=str(path),
                       hint=f"name it after a table ({list_as_string(loadable)}) or pass TABLE=PATH")
    return TABLES[max(matches, key=len)]


def user_file(spec: str) -> TableFile:
    """A user file given as PATH or TABLE=PATH."""
    explicit, raw = "", spec
    if "=" in spec and not Path(spec).exists():
        explicit, _, raw = spec.partition("=")
    path = Path(raw)
    if not path.is_file():
        raise BadInput("file not found", file=str(path))
    table = table_for(path, explicit or None)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"not UTF-8 text (byte {exc.start})", file=str(path), line=1) from exc
    return TableFile(table, text, str(path))


def _parse(col: Column, raw: str, label: str, line: int) -> object:
    """Typed value of one cell, or BadInput naming file, line and field."""
    def bad(msg: str) -> BadInput:
        return BadInput(msg, file=label, line=line, field=col.name)

    if col.type == "str":
        return raw
    try:
        if col.type == "int":
            return int(raw)
        if col.type == "float":
            value = float(raw.replace(",", ""))
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError
            return value
        if col.type == "date":
            return dt.date.fromisoformat(raw)
        if col.type == "bool":
            low = raw.lower()
            if low in ("true", "1", "yes"):
                return True
            if low in ("false", "0", "no"):
                return False
            raise ValueError
    except ValueError:
        raise bad(f"'{raw}' is not a valid {col.type}") from None
    raise bad(f"column type {col.type} cannot be loaded from CSV")


def read_rows(tf: TableFile, source_keys: set[str]) -> list[dict]:
    """Validate every row of a file; returns typed rows or raises BadInputs listing the errors."""
    table, label = tf.table, tf.label
    reader = csv.reader(io.StringIO(tf.text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise BadInput("file is empty (no header row)", file=label, line=1) from None
    except csv.Error as exc:
        raise BadInput(f"unreadable CSV header: {exc}", file=label, line=1) from None
    missing = [c for c in table.required if c not in header]
    if missing:
        raise BadInput(f"missing column '{missing[0]}'", file=label, line=1, field=missing[0],
                       hint=f"table {table.name} needs {list_as_string(table.required)}")
    unknown = [h for h in header if h not in table.names]
    if unknown:
        raise BadInput(f"unknown column '{unknown[0]}'", file=label, line=1, field=unknown[0],
                       hint=f"table {table.name} has {list_as_string(table.names)}")
    rows, errors, seen = [], [], {}
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(BadInput(f"malformed CSV ({exc}); is the file truncated?", file=label,
                                   line=reader.line_num))
            break
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            errors.append(BadInput(f"expected {len(header)} fields, found {len(cells)}; "
                                   "is the file truncated?", file=label, line=line,
                                   field=header[min(len(cells), len(header) - 1)]))
            continue
        nul = next((h for h, c in zip(header, cells) if "\x00" in c), None)
        if nul is not None:
            errors.append(BadInput("NUL byte in the cell", file=label, line=line, field=nul))
            continue
        try:
            row = _row(table, dict(zip(header, (c.strip() for c in cells))), label, line, source_keys)
        except BadInput as exc:
            errors.append(exc)
            if len(errors) >= MAX_ERRORS:
                break
            continue
        key = tuple(row[k] for k in table.key)
        if key in seen:
            errors.append(BadInput(f"duplicate key {key} (first on line {seen[key]})",
                                   file=label, line=line, field=table.key[0]))
            continue
        seen[key] = line
        rows.append(row)
    if errors:
        raise BadInputs(errors)
    return rows


def _row(table: Table, raw: dict[str, str], label: str, line: int, source_keys: set[str]) -> dict:
    row: dict[str, object] = {}
    for col in table.columns:
        text = raw.get(col.name, "")
        if text == "":
            if col.required:
                raise BadInput("required value is empty", file=label, line=line, field=col.name)
            row[col.name] = None
            continue
        value = _parse(col, text, label, line)
        if col.kind == "quantity" and value < 0:
            raise BadInput(f"negative quantity {value}", file=label, line=line, field=col.name)
        if col.kind == "unit" and not units.known(value):
            raise BadInput(f"unknown unit '{value}'", file=label, line=line, field=col.name,
                           hint=f"known units are {list_as_string(units.UNITS)}")
        if col.kind == "iso3":
            code = countries.to_iso3(value)
            if code is None:
                raise BadInput(f"cannot resolve country '{value}'", file=label, line=line,
                               field=col.name, hint="use an ISO3 code or an English country name")
            value = code
        if col.kind == "source" and table.name != "source" and value not in source_keys:
            raise BadInput(f"unknown source key '{value}'", file=label, line=line, field=col.name,
                           hint="add it to the source table")
        row[col.name] = value
    if "unit" in row and row["unit"] and isinstance(row.get("value"), float):
        row["value"], row["unit"] = units.to_canonical(row["value"], row["unit"])
    return row


def frame(table: Table, rows: list[dict]) -> pd.DataFrame:
    """Rows as a DataFrame in the table's column order, sorted by its key (deterministic)."""
    df = pd.DataFrame(rows, columns=table.names)
    if len(df):
        keys = list(table.sort_keys())
        df = df.sort_values(keys, key=lambda s: s.astype(str), kind="mergesort").reset_index(drop=True)
    return df


def validate(files: list[TableFile]) -> dict[str, pd.DataFrame]:
    """Validate all files (sources first) and merge them per table; raises on the first bad file."""
    by_table: dict[str, list[dict]] = {}
    ordered = sorted(files, key=lambda f: LOAD_ORDER.index(f.table.name))
    source_keys: set[str] = set()
    for tf in ordered:
        rows = read_rows(tf, source_keys)
        if tf.table.name == "source":
            source_keys |= {r["key"] for r in rows}
        by_table.setdefault(tf.table.name, []).extend(rows)
    out = {}
    for name, rows in by_table.items():
        table = TABLES[name]
        seen: set[tuple] = set()
        for row in rows:
            key = tuple(row[k] for k in table.key)
            if key in seen:
                raise BadInput(f"duplicate key {key} across files", field=table.key[0],
                               hint=f"table {name}: a user row repeats a bundled row's key")
            seen.add(key)
        out[name] = frame(table, rows)
    return out
