"""The shared import pipeline for bilateral trade files: stage, validate, load in one transaction.

A format (BACI, Comtrade) says how to read its CSV into canonical columns; this module does
the rest, the same for every format:

1. fast pass: DuckDB reads the file with typed columns (streaming, parallel) into a temporary
   table; cast failures go to DuckDB's reject table; a per-row `problem` expression flags bad
   codes, unknown countries and bad numbers; duplicated keys are found by sorting a packed
   integer key in NumPy (cheaper than a hash aggregate over 10 million distinct keys);
2. only when something is wrong, a second pass re-reads the file as text with line numbers
   so each bad row is reported as `file:line, field: message`;
3. the import is refused when the bad rows exceed `max_bad` (default 0.1% of the data rows:
   BACI and Comtrade bulk files are machine-written, so more than that means a wrong file,
   not a few bad lines); otherwise the bad rows are left out and listed in the report;
4. the good rows and one `trade_import` provenance row are written in one transaction: a
   refused or failed import leaves the store exactly as it was.

`trade_flow` stores exporter and importer as ISO 3166-1 numeric codes and the HS6 code as an
integer: writing three text columns was half the import time, and the screen reads integer
keys directly. Readers go through `flows_sql`, which decodes them to ISO3 and 6-digit text.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np

from chokepoint import countries
from chokepoint.errors import BadInput, BadInputs
from chokepoint.store import Store

MAX_BAD = 0.001
STAGE = "_trade_stage"
CANONICAL = ("year", "exporter", "importer", "code", "value_usd", "quantity_t", "basis")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Filters:
    """Optional filters: code prefixes, years, and reporters (ISO3 of the reporting country)."""

    codes: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    reporters: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        bad = [c for c in self.codes if not str(c).isdigit()]
        if bad:
            raise BadInput(f"code filter '{bad[0]}' is not digits", field="--code")
        bad = [r for r in self.reporters if not (len(r) == 3 and r.isalpha() and r.isupper())]
        if bad:
            raise BadInput(f"reporter filter '{bad[0]}' is not an ISO3 code", field="--reporter")


@dataclass
class ImportReport:
    """What an import did: rows loaded, rows skipped by filters, bad rows left out."""

    dataset: str
    path: str
    rows: int = 0
    skipped: int = 0
    bad: list[BadInput] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else float("nan")

    def summary(self) -> dict:
        return {"dataset": self.dataset, "path": self.path, "rows": self.rows,
                "skipped": self.skipped, "bad_rows": len(self.bad), "years": self.years,
                "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class Staging:
    """How one file becomes canonical rows.

    `typed_sql` reads the file (typed, fast) into the stage table, with a `keep` column
    (passes the filters) and a packed BIGINT `key`; `check_sql` counts the kept rows with a
    problem; `select_sql` gives the CANONICAL columns of the kept rows. `text_sql` is the
    slow pass: every cell read as text, giving `line`, CANONICAL, `key`, `keep`, `problem`
    and `field`. Each SQL refers to the stage table as {stage}.
    """

    label: str
    typed_sql: str
    check_sql: str
    select_sql: str
    text_sql: str


def _rejects(store: Store) -> list[BadInput]:
    """Rows DuckDB's typed reader rejected (non-numeric values), by line."""
    rows = store.con.execute("SELECT line, column_name, error_message FROM reject_errors "
                             "ORDER BY line LIMIT 1").fetchall()
    return [BadInput(msg.split("\n")[0], line=int(line), field=col) for line, col, msg in rows]


def _duplicates(store: Store) -> int:
    """How many rows repeat an earlier row's key (sort of the packed key, NumPy)."""
    key = store.con.execute(f"SELECT key FROM {STAGE} WHERE keep").fetchnumpy()["key"]
    if len(key) < 2:
        return 0
    key = np.asarray(key)
    if np.all(key[1:] > key[:-1]):  # BACI files come sorted by (t, i, j, k): no sort needed
        return 0
    key = np.sort(key)
    return int(np.count_nonzero(key[1:] == key[:-1]))


def _problems_with_lines(store: Store, label: str, limit: int) -> list[BadInput]:
    """Bad rows of the text pass, each named by line and field, duplicates included."""
    bad = store.con.execute(
        f"SELECT line, field, problem FROM {STAGE} WHERE keep AND problem IS NOT NULL "
        f"ORDER BY line LIMIT {limit}").fetchall()
    dups = store.con.execute(
        f"SELECT line, first_line FROM (SELECT line, min(line) OVER (PARTITION BY key) AS first_line "
        f"FROM {STAGE} WHERE keep AND problem IS NULL) WHERE line > first_line ORDER BY line "
        f"LIMIT {limit}").fetchall()
    out = [BadInput(msg, file=label, line=int(line), field=fld) for line, fld, msg in bad]
    out += [BadInput(f"duplicated key (first on line {first})", file=label, line=int(line),
                     field="key") for line, first in dups]
    return sorted(out, key=lambda e: e.line)[:limit]


def _count_bad(store: Store) -> tuple[int, int]:
    """(kept rows, bad rows) of the text pass, a duplicated key counting every repeat."""
    kept, bad = store.con.execute(
        f"SELECT count(*) FILTER (WHERE keep), count(*) FILTER (WHERE keep AND problem IS NOT NULL) "
        f"FROM {STAGE}").fetchone()
    dups = store.con.execute(
        f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {STAGE} "
        f"WHERE keep AND problem IS NULL GROUP BY key HAVING count(*) > 1)").fetchone()[0]
    return int(kept), int(bad) + int(dups)


def _stage(store: Store, sql: str) -> None:
    store.con.execute(f"DROP TABLE IF EXISTS {STAGE}")
    store.con.execute("DROP TABLE IF EXISTS reject_errors")
    store.con.execute("DROP TABLE IF EXISTS reject_scans")
    store.con.execute(f"CREATE TEMP TABLE {STAGE} AS " + sql.replace("{stage}", STAGE))


def stage_file(store: Store, staging: Staging, max_bad: float,
               progress: Progress = lambda step: None) -> tuple[int, int, list[BadInput], str]:
    """Stage one file and validate it; returns (kept rows, skipped rows, bad rows left out,
    SELECT of the canonical rows to load).

    Raises BadInputs when the bad rows pass `max_bad` (a fraction of the data rows).
    """
    progress(f"reading {staging.label}")
    _stage(store, staging.typed_sql)
    progress(f"validating {staging.label}")
    rejected = _rejects(store)
    kept, skipped = store.con.execute(f"SELECT count(*) FILTER (WHERE keep), count(*) FILTER "
                                      f"(WHERE NOT keep) FROM {STAGE}").fetchone()
    flagged = store.con.execute(staging.check_sql.replace("{stage}", STAGE)).fetchone()[0]
    if not rejected and not flagged and not _duplicates(store):
        return int(kept), int(skipped), [], staging.select_sql.replace("{stage}", STAGE)
    progress(f"locating bad rows in {staging.label}")
    _stage(store, staging.text_sql)
    kept, n_bad = _count_bad(store)
    skipped = store.con.execute(f"SELECT count(*) FILTER (WHERE NOT keep) FROM {STAGE}").fetchone()[0]
    errors = _problems_with_lines(store, staging.label, 200)
    if n_bad > max_bad * max(kept, 1):
        summary = BadInput(f"{n_bad} bad row(s) of {kept}: import refused (limit {max_bad:.2%} of "
                           f"rows); the store is unchanged", file=staging.label,
                           hint="fix the rows listed, or pass --max-bad to leave them out")
        raise BadInputs([summary] + errors)
    # Bad rows leave; of a duplicated key the first row stays (the messages say so).
    store.con.execute(
        f"DELETE FROM {STAGE} WHERE problem IS NOT NULL OR line IN (SELECT line FROM (SELECT line, "
        f"min(line) OVER (PARTITION BY key) AS first FROM {STAGE} WHERE keep AND problem IS NULL) "
        f"WHERE line > first)")
    return kept - n_bad, int(skipped), errors, f"SELECT {', '.join(CANONICAL)} FROM {STAGE} WHERE keep"


def country_codes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """ISO3 -> ISO 3166-1 numeric, the integer key of `trade_flow`'s exporter and importer.

    From the store's `country` table; a store without reference data yet (a bare import
    store) uses `countries.country_rows`, the rows that table is built from.
    """
    rows = con.execute("SELECT iso3, iso_numeric FROM country WHERE iso_numeric IS NOT NULL").fetchall()
    if not rows:
        rows = [(r["iso3"], r["iso_numeric"]) for r in countries.country_rows("", "")
                if r["iso_numeric"] is not None]
    return dict(rows)


def codes_relation(con: duckdb.DuckDBPyConnection) -> str:
    """The country codes as an inline relation `(num, iso3)` (no temp table: works read-only)."""
    pairs = ", ".join(f"({num}, '{iso3}')" for iso3, num in sorted(country_codes(con).items()))
    return f"(SELECT * FROM (VALUES {pairs}) v(num, iso3))"


def flows_sql(con: duckdb.DuckDBPyConnection, where: str = "true") -> str:
    """`trade_flow` decoded: ISO3 exporter and importer, 6-digit text codes (the reading view)."""
    codes = codes_relation(con)
    return (f"(SELECT f.year, e.iso3 AS exporter, i.iso3 AS importer, lpad(f.code::VARCHAR, 6, '0') "
            f"AS code, f.value_usd, f.quantity_t, f.basis, f.dataset FROM trade_flow f "
            f"JOIN {codes} e ON e.num = f.exporter JOIN {codes} i ON i.num = f.importer WHERE {where})")


def _overlap(store: Store, rows_sql: str, dataset: str) -> int:
    """Rows to load whose key already exists in the store under the same dataset."""
    return store.con.execute(
        f"SELECT count(*) FROM ({rows_sql}) s JOIN trade_flow f ON f.dataset = ? AND f.year = s.year "
        f"AND f.exporter = s.exporter AND f.importer = s.importer AND f.code = s.code "
        f"AND f.basis = s.basis", [dataset]).fetchone()[0]


def load(store: Store, stagings: Sequence[Staging], dataset: str, fmt: str, path: str,
         max_bad: float = MAX_BAD, replace: bool = False,
         progress: Progress = lambda step: None) -> ImportReport:
    """Validate and load files as one import (one transaction over all of them)."""
    start = time.perf_counter()
    report = ImportReport(dataset=dataset, path=path)
    known = store.con.execute("SELECT count(*) FROM trade_flow WHERE dataset = ?", [dataset]).fetchone()[0]
    cols = ", ".join(CANONICAL)
    with store.transaction() as con:
        for staging in stagings:
            kept, skipped, bad, rows_sql = stage_file(store, staging, max_bad, progress)
            years = [r[0] for r in con.execute(f"SELECT DISTINCT year FROM ({rows_sql}) "
                                               "ORDER BY 1").fetchall()]
            if known and replace:
                con.execute("DELETE FROM trade_flow WHERE dataset = ? AND year IN "
                            "(SELECT unnest(?::INTEGER[]))", [dataset, years])
            elif known and (n := _overlap(store, rows_sql, dataset)):
                raise BadInput(f"{n} row(s) repeat keys already imported as dataset '{dataset}'",
                               file=staging.label, field="key",
                               hint="pass --replace to reload those years, or --dataset to name a new one")
            progress(f"writing {staging.label}")
            con.execute(f"INSERT INTO trade_flow ({cols}, dataset) SELECT {cols}, ? FROM ({rows_sql})",
                        [dataset])
            con.execute(f"DROP TABLE {STAGE}")
            report.rows += kept
            report.skipped += skipped
            report.bad += bad
            report.years = sorted(set(report.years) | set(years))
        next_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM trade_import").fetchone()[0]
        con.execute("INSERT INTO trade_import VALUES (?, ?, ?, ?, ?, ?, ?, now())",
                    [next_id, dataset, fmt, path, report.rows, report.skipped,
                     json.dumps(report.years)])
    report.seconds = time.perf_counter() - start
    return report


def filter_sql(filters: Filters, year: str, code: str, reporter: str) -> str:
    """The `keep` expression: NULL-safe, so unparseable rows are kept and reported, not skipped."""
    parts = []
    if filters.codes:
        parts.append(" OR ".join(f"starts_with({code}, '{c}')" for c in filters.codes))
    if filters.years:
        parts.append(f"{year} IN ({', '.join(str(int(y)) for y in filters.years)})")
    if filters.reporters:
        parts.append(f"{reporter} IN ({', '.join(repr(str(r)) for r in filters.reporters)})")
    return " AND ".join(f"coalesce(({p}), true)" for p in parts) or "true"


def check_path(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise BadInput("file not found", file=str(p))
    return p
