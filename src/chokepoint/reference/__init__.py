"""Bundled reference data (curated facts with citations) and the build that loads it."""
from __future__ import annotations

import hashlib
import json

import pandas as pd

from chokepoint import countries
from chokepoint.errors import BadInput
from chokepoint.reference.loader import TableFile, bundled_files, user_file, validate
from chokepoint.schema import SQL_TYPES, TABLES, Table
from chokepoint.store import Store

COUNTRY_SOURCE = "COUNTRY_CONVERTER"
AGGREGATE_SOURCE = "CHOKEPOINT_CODES"


def insert(store: Store, table: Table, df: pd.DataFrame) -> None:
    """Append a validated frame to a table, casting each column to its declared type."""
    if df.empty:
        return
    casts = ", ".join(f'CAST("{c.name}" AS {SQL_TYPES[c.type]})' for c in table.columns)
    store.con.register("_incoming", df)
    try:
        store.con.execute(f'INSERT INTO "{table.name}" SELECT {casts} FROM _incoming')
    finally:
        store.con.unregister("_incoming")


def build(store: Store, user_specs: list[str] = ()) -> dict[str, int]:
    """Rebuild every reference table from the bundled CSVs plus user files (PATH or TABLE=PATH).

    All files are validated before the store is touched; the reload is one transaction.
    Returns the row count per table.
    """
    files: list[TableFile] = bundled_files() + [user_file(s) for s in user_specs]
    frames = validate(files)
    keys = set(frames["source"]["key"]) if "source" in frames else set()
    missing = {COUNTRY_SOURCE, AGGREGATE_SOURCE} - keys
    if missing:
        raise BadInput(f"source table lacks the key(s) {sorted(missing)} the country table cites",
                       file="source.csv")
    frames["country"] = pd.DataFrame(countries.country_rows(COUNTRY_SOURCE, AGGREGATE_SOURCE),
                                     columns=TABLES["country"].names)
    with store.transaction():
        for name, table in TABLES.items():
            store.con.execute(f'DELETE FROM "{name}"')
            if name in frames:
                insert(store, table, frames[name])
        store.con.execute("INSERT INTO reference_build VALUES (now(), ?, ?)",
                          [fingerprint(), json.dumps(list(user_specs))])
    return {name: len(frames.get(name, ())) for name in TABLES}


def fingerprint() -> str:
    """SHA-256 over the bundled CSVs' names and texts: changes whenever the shipped data do."""
    h = hashlib.sha256()
    for f in bundled_files():
        h.update(f.label.encode() + b"\0" + f.text.encode() + b"\0")
    return h.hexdigest()


def last_build(store: Store) -> tuple[str, list[str]] | None:
    """The bundled data's fingerprint and the user files of the store's latest build, if recorded."""
    row = store.con.execute("SELECT bundled_sha256, user_files FROM reference_build "
                            "ORDER BY built DESC LIMIT 1").fetchone()
    return (row[0], json.loads(row[1] or "[]")) if row else None
