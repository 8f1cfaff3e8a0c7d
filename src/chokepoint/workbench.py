"""`Workbench`: the handle every surface uses — the store plus one accessor per domain."""
from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from chokepoint import reference, scratch
from chokepoint.errors import BadInput, list_as_string
from chokepoint.store import Store


class Workbench:
    """The library's front door: `chokepoint.open()` returns one.

    Domains hang off it as accessors (`wb.exposure`, `wb.chain`, `wb.policy`, `wb.news`), each a small
    object holding this workbench; the CLI and web call their methods and nothing else.
    """

    def __init__(self, db_path: str | Path | None = None, read_only: bool = False):
        self.store = Store(db_path, read_only=read_only)

    @property
    def path(self) -> Path:
        return self.store.path

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workbench:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- data -------------------------------------------------------------------------
    def build(self, user_files: list[str] = ()) -> dict[str, int]:
        """Rebuild the reference tables from bundled data and user files (one transaction)."""
        return reference.build(self.store, list(user_files))

    def compact(self) -> dict[str, int]:
        """Reclaim the store file's dead space and sweep stale scratch folders (bytes before/after)."""
        swept = scratch.sweep()
        before, after = self.store.compact()
        return {"bytes_before": before, "bytes_after": after, "scratch_bytes_removed": swept}

    def is_built(self) -> bool:
        return "source" in self.store.tables() and self.store.count("source") > 0

    def ensure_built(self) -> str | None:
        """Build the bundled reference data on first use, and again when the shipped data changed
        since the store's last build, so an upgrade never runs on stale figures. A store built with
        user files (or before builds were recorded) is not rebuilt behind the user's back: the
        returned line says what to run. Returns None when nothing needed saying."""
        if not self.is_built():
            if not self.store.read_only:
                self.build()
            return None
        last = reference.last_build(self.store)
        if last is not None and last[0] == reference.fingerprint():
            return None
        if last is None or last[1] or self.store.read_only:
            files = " ".join(last[1]) if last and last[1] else "[YOUR FILES]"
            return (f"the bundled reference data changed since {self.path.name} was built; "
                    f"run `chokepoint data build {files}` to refresh it")
        self.build()
        return f"the bundled reference data changed since {self.path.name} was built: rebuilt"

    def table(self, name: str, **filters) -> pd.DataFrame:
        """A store table, filtered by equality on any columns given as keywords."""
        known = set(self.store.df(f"SELECT * FROM {self.store.ident(name)} LIMIT 0").columns)
        bad = [k for k in filters if k not in known]
        if bad:
            raise BadInput(f"table {name} has no column '{bad[0]}'", field=bad[0],
                           hint=f"columns are {list_as_string(sorted(known))}")
        where = " AND ".join(f'"{k}" = ?' for k in filters) or None
        return self.store.table(name, where, list(filters.values()))

    def sources(self, used_by: str | None = None) -> pd.DataFrame:
        """The source table; with `used_by`, only the sources that table cites."""
        if used_by is None:
            return self.store.table("source")
        table = self.store.ident(used_by)  # an existing table's name, never text from the caller
        return self.store.df(f"SELECT * FROM source WHERE key IN (SELECT DISTINCT source FROM {table}) "
                             "ORDER BY key")

    # -- domains ----------------------------------------------------------------------
    @functools.cached_property
    def exposure(self):
        from chokepoint.trade.api import Exposure

        return Exposure(self)

    @functools.cached_property
    def chain(self):
        from chokepoint.chain.api import Chain

        return Chain(self)

    @functools.cached_property
    def economy(self):
        from chokepoint.economy.api import Economy

        return Economy(self)

    @functools.cached_property
    def policy(self):
        from chokepoint.policy.api import Policy

        return Policy(self)

    @functools.cached_property
    def news(self):
        from chokepoint.news.api import News

        return News(self)


def open(db_path: str | Path | None = None, read_only: bool = False) -> Workbench:  # noqa: A001
    """Open the store (default `./chokepoint.duckdb`, or `CHOKEPOINT_DB`)."""
    return Workbench(db_path, read_only=read_only)
