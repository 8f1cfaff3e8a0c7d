"""One DuckDB database per server: read-only cursors for page views, one cursor for the writer.

DuckDB lets one process hold a file read-write and no other process open it at all, and
within a process every connection to a file must share one database instance. So the
server opens the store once and hands each page view its own cursor inside a
`BEGIN TRANSACTION READ ONLY` (MVCC: it sees the last committed state, never blocks on a
run, and DuckDB refuses any write it attempts). Runs are written by `JobRunner`'s single
thread through its own cursor, one transaction per run. `read_only=True` opens the file
read-only instead (other processes may read it too) and runs are refused.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from chokepoint.store import Store
from chokepoint.workbench import Workbench


class CursorStore(Store):
    """A `Store` over a cursor of an already open database (no second open, no migrations)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool):
        self.con, self.path, self.read_only = con, path, read_only


class CursorWorkbench(Workbench):
    """A `Workbench` on a `CursorStore`: same accessors, sharing the server's database."""

    def __init__(self, store: CursorStore):
        self.store = store


class Database:
    """The server's single handle on the store file."""

    def __init__(self, path: str | Path, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        self._root = Store(self.path, read_only=read_only)
        self._lock = threading.Lock()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            return self._root.con.cursor()

    @contextmanager
    def reader(self) -> Iterator[Workbench]:
        """A workbench for one page view: its own cursor in a read-only transaction."""
        con = self._cursor()
        try:
            con.execute("BEGIN TRANSACTION READ ONLY")
            yield CursorWorkbench(CursorStore(con, self.path, read_only=True))
        finally:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass  # the view's transaction already ended (e.g. aborted by an error)
            con.close()

    @contextmanager
    def writer(self) -> Iterator[Workbench]:
        """A workbench for the job thread: the only cursor that writes."""
        if self.read_only:
            raise PermissionError("the store was opened read-only")
        con = self._cursor()
        try:
            yield CursorWorkbench(CursorStore(con, self.path, read_only=False))
        finally:
            con.close()

    def close(self) -> None:
        self._root.close()
