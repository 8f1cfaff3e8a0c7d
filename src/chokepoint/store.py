"""The DuckDB store: one file, migrations on open, one transaction per import, read-only readers."""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from chokepoint import migrations, settings
from chokepoint.errors import ChokepointError, NotFound, list_as_string
from chokepoint.schema import ALL_TABLES


def default_path() -> Path:
    return Path(settings.get("db"))


class Store:
    """A connection to the store file. Writers migrate on open; readers open read-only."""

    def __init__(self, path: str | Path | None = None, read_only: bool = False):
        self.path = Path(path) if path is not None else default_path()
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise NotFound(f"no store at {self.path}", hint="run 'chokepoint data build' first")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            raise ChokepointError(f"cannot open store {self.path}: {exc}") from exc
        # DuckDB's own progress bar writes to stdout and would corrupt CSV/JSON output.
        self.con.execute("SET enable_progress_bar = false")
        if not read_only:
            migrations.apply(self.con)

    def close(self) -> None:
        self.con.close()

    def compact(self) -> tuple[int, int]:
        """Rewrite the file without the dead space aborted imports leave; (bytes before, after).

        DuckDB reuses freed blocks but never shrinks its file, so the live contents are copied
        into a fresh file next to it, which then replaces the store in one rename: a crash
        part-way leaves the old file whole (and at worst a stray `.compact` file).
        """
        if self.read_only:
            raise ChokepointError("the store was opened read-only; compact needs it writable")
        before = self.path.stat().st_size
        target = self.path.with_name(self.path.name + ".compact")
        target.unlink(missing_ok=True)
        self.con.execute("CHECKPOINT")
        source = self.con.execute("SELECT current_database()").fetchone()[0]
        # ATTACH and COPY FROM DATABASE take no parameters: the path is a quoted literal, the
        # database name a quoted identifier.
        self.con.execute("ATTACH '" + str(target).replace("'", "''") + "' AS chokepoint_compact")
        try:
            self.con.execute('COPY FROM DATABASE "' + source.replace('"', '""') + '" TO chokepoint_compact')
        finally:
            self.con.execute("DETACH chokepoint_compact")
        self.con.close()
        os.replace(target, self.path)
        self.con = duckdb.connect(str(self.path))
        self.con.execute("SET enable_progress_bar = false")
        return before, self.path.stat().st_size

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Everything inside commits together or not at all."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def tables(self) -> list[str]:
        rows = self.con.execute("SELECT table_name FROM information_schema.tables "
                                "WHERE table_schema = 'main' ORDER BY table_name").fetchall()
        return [r[0] for r in rows]

    def ident(self, name: str) -> str:
        """`name` quoted as an identifier, if it is one of the store's tables (else NotFound).

        SQL built with a table name takes it from here: the allow-list is the store itself.
        """
        known = self.tables()
        if name not in known:
            raise NotFound(f"no table '{name}'", field="table", hint=f"tables are {list_as_string(known)}")
        return '"' + name.replace('"', '""') + '"'

    def df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def table(self, name: str, where: str | None = None, params: list | None = None) -> pd.DataFrame:
        """A whole table (optionally filtered), rows in the table's key order."""
        table = self.ident(name)
        spec = ALL_TABLES.get(name)
        order = ", ".join(f'"{k}"' for k in spec.sort_keys()) if spec else "1"
        clause = f" WHERE {where}" if where else ""
        return self.df(f"SELECT * FROM {table}{clause} ORDER BY {order}", params)

    def count(self, name: str) -> int:
        return self.con.execute(f"SELECT count(*) FROM {self.ident(name)}").fetchone()[0]

    def checksum(self, name: str) -> str:
        """Order-independent digest of a table's contents (for 'identical store' checks)."""
        rows = self.con.execute(f"SELECT * FROM {self.ident(name)}").fetchall()
        digests = sorted(hashlib.sha256(repr(r).encode()).hexdigest() for r in rows)
        return hashlib.sha256("".join(digests).encode()).hexdigest()

    def checksums(self) -> dict[str, str]:
        """A checksum per data table; the logs of migrations and builds (when, not what) are left out."""
        return {t: self.checksum(t) for t in self.tables() if t not in ("schema_migrations", "reference_build")}
