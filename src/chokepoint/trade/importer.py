"""The shared import pipeline for bilateral trade files: read, check, load in one transaction.

A format (BACI, Comtrade) says how to read its CSV into canonical columns; this module does
the rest, the same for every format:

1. fast path, one parallel pass per file: a format's compiled reader (BACI: `baci_parser`),
   which checks each row as it parses it and appends Arrow batches; or, for a file it does
   not read (or a format without one), DuckDB reads the file with typed columns straight
   into `trade_flow`, a cell that does not parse failing the statement, and the rows
   written are checked with a few aggregates (required values present, codes and values in
   range); either way the packed keys are checked for duplicates (sorted files need no sort);
2. only when something is wrong, the transaction is rolled back and that file takes the slow
   path: it is re-read as text with line numbers, so each bad row is reported as
   `file:line, field: message`;
3. the import is refused when the bad rows exceed `max_bad` (default 0.1% of the data rows:
   BACI and Comtrade bulk files are machine-written, so more than that means a wrong file,
   not a few bad lines); otherwise the bad rows are left out and listed in the report;
4. every file of an import gets one `trade_import` provenance row and everything commits
   together: a refused or failed import leaves the store exactly as it was.

`trade_flow` stores exporter and importer as ISO 3166-1 numeric codes, the HS6 code as an
integer, the basis as a code and the file as `import_id`: text columns were most of the
write time, and the screen reads integer keys directly. Readers go through `flows_sql`,
which decodes them to ISO3, 6-digit text, basis names and the dataset.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import duckdb
import numpy as np
import pyarrow as pa

from chokepoint import countries
from chokepoint.errors import BadInput, BadInputs
from chokepoint.store import Store

MAX_BAD = 0.001
STAGE = "_trade_stage"
CANONICAL = ("year", "exporter", "importer", "code", "value_usd", "quantity_t", "basis")
BASES = ("reconciled", "importer-reported", "exporter-reported")  # trade_flow.basis codes
CHECK = "chokepoint: row check failed"  # the error() message of the fast path's checks
# One integer per stored key (year, exporter, importer, code, basis): countries < 1000,
# codes < 10^6, basis < 4, so it fits a BIGINT; the same expression on both paths.
KEY = "((((year::BIGINT * 1000 + exporter) * 1000 + importer) * 1000000 + code) * 4 + basis)"
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

    def __bool__(self) -> bool:
        return bool(self.codes or self.years or self.reporters)


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
    tiers: list[str] = field(default_factory=list)  # how each file was read: direct, typed or text

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else float("nan")

    def summary(self) -> dict:
        return {"dataset": self.dataset, "path": self.path, "rows": self.rows,
                "skipped": self.skipped, "bad_rows": len(self.bad), "years": self.years,
                "read": ", ".join(sorted(set(self.tiers))), "seconds": round(self.seconds, 3)}


class Unreadable(Exception):
    """A compiled reader met a shape of file it does not read: DuckDB's typed read takes it."""


class Invalid(Exception):
    """A compiled reader met a row that breaks a rule: the text pass reports it by line."""


class Direct(Protocol):
    """A compiled reader of one file (see `baci_parser.YearFile`): Arrow tables of CANONICAL
    columns without `basis`, every row already checked as `_valid` and the product
    dictionary would check it; after `tables()`, `rows` read, `kept` after filters, and
    `unique` when the keys are proven not to repeat (False: not known)."""

    rows: int
    kept: int

    @property
    def unique(self) -> bool: ...

    def tables(self) -> Iterator[pa.Table]: ...


@dataclass(frozen=True)
class Staging:
    """How one file becomes canonical rows.

    `fast_sql` gives the CANONICAL columns of the rows to keep, read typed in one pass; what
    it writes is then checked by `_valid` (a row may also call `error(CHECK)`). `codes` are
    the HS codes allowed (a product dictionary), checked on the codes written. `count_sql`
    counts the file's data rows when some may be skipped (filters, aggregate rows), else
    None. `text_sql` is the slow pass: every cell read as text, giving `line`, CANONICAL,
    `keep`, `problem` and `field`; its checks are the definition, the fast ones flag a
    superset of them. `direct`, when given, makes a compiled reader for the file, tried
    before `fast_sql`.
    """

    label: str
    fast_sql: str
    text_sql: str
    count_sql: str | None = None
    codes: frozenset[int] | None = None
    direct: Callable[[Progress], Direct] | None = None


# How a file is read, from fastest to the one that names every bad line.
DIRECT, TYPED, TEXT = range(3)


class _Recheck(Exception):
    """File `index` cannot be read the way it was: read it again the `tier` way."""

    def __init__(self, index: int, tier: int = TEXT):
        self.index, self.tier = index, tier


def _valid(store: Store, import_id: int) -> bool:
    """Every row written by one file has what `trade_flow` requires: years, countries and
    HS6 codes present and in range, values present, finite and not negative, quantities
    finite and not negative. A few aggregates over the written rows instead of a check per row."""
    return bool(store.con.execute(
        "SELECT count(*) = count(year) AND count(*) = count(exporter) AND count(*) = count(importer) "
        "AND count(*) = count(code) AND count(*) = count(value_usd) AND count(*) = count(basis) "
        "AND coalesce(min(exporter) >= 1 AND max(exporter) <= 999 AND min(importer) >= 1 "
        "AND max(importer) <= 999 AND min(code) >= 1000 AND max(code) <= 999999 "
        "AND min(value_usd) >= 0 AND bool_and(isfinite(value_usd)), true) "
        "AND coalesce(min(quantity_t) >= 0 AND bool_and(isfinite(quantity_t)), true) "
        "FROM trade_flow WHERE import_id = ?", [import_id]).fetchall()[0][0])


def _sorted_unique(key: np.ndarray) -> bool:
    """No key repeats, checked without sorting when the keys come as strictly increasing
    runs whose ranges do not overlap: files are sorted by key and a parallel read keeps
    each chunk in order, so only the few run ends need comparing. Else a stable sort."""
    breaks = np.flatnonzero(key[1:] <= key[:-1]) + 1
    if not len(breaks):
        return True
    first, last = key[np.r_[0, breaks]], key[np.r_[breaks, len(key)] - 1]
    by_first = np.argsort(first)
    if np.all(first[by_first][1:] > last[by_first][:-1]):
        return True
    key = np.sort(key, kind="stable")
    return not np.any(key[1:] == key[:-1])


def _keys(store: Store, import_id: int) -> np.ndarray:
    """The packed keys of one file's rows, in the order they were written (Arrow: no copy)."""
    table = store.con.sql(f"SELECT {KEY} AS k FROM trade_flow WHERE import_id = {int(import_id)}").to_arrow_table()
    return table.column("k").to_numpy()


def _direct(store: Store, staging: Staging, index: int, import_id: int, progress: Progress) -> tuple[int, int]:
    """Write one file through its compiled reader; (rows, skipped). Raises _Recheck on a
    problem (to the typed read for a file it does not read, else to the text pass)."""
    assert staging.direct is not None
    reader = staging.direct(progress)
    cols = ", ".join(CANONICAL[:-1])
    try:
        for table in reader.tables():
            store.con.register("_direct_batch", table)
            store.con.execute(f"INSERT INTO trade_flow ({cols}, basis, import_id) "
                              f"SELECT {cols}, 0, {int(import_id)} FROM _direct_batch").fetchall()
            store.con.unregister("_direct_batch")
    except Unreadable:
        raise _Recheck(index, TYPED) from None
    except Invalid:
        raise _Recheck(index, TEXT) from None
    if not reader.unique and not _sorted_unique(_keys(store, import_id)):
        raise _Recheck(index, TEXT)
    return reader.kept, reader.rows - reader.kept


def _fast(store: Store, staging: Staging, index: int, import_id: int) -> tuple[int, int]:
    """Write one file through DuckDB's typed read; (rows, skipped). Raises _Recheck on a problem."""
    con = store.con
    cols = ", ".join(CANONICAL)
    try:
        rows = con.execute(f"INSERT INTO trade_flow ({cols}, import_id) SELECT {cols}, {import_id} "
                           f"FROM ({staging.fast_sql})").fetchall()[0][0]
    except (duckdb.InvalidInputException, duckdb.ConversionException):
        raise _Recheck(index) from None  # a cell that does not parse, or a failed row check
    if not _valid(store, import_id):
        raise _Recheck(index)
    key = _keys(store, import_id)
    if not _sorted_unique(key):
        raise _Recheck(index)
    if staging.codes is not None:
        written = con.execute("SELECT DISTINCT code FROM trade_flow WHERE import_id = ?", [import_id]).fetchall()
        if not {c for (c,) in written} <= staging.codes:
            raise _Recheck(index)
    total = con.execute(staging.count_sql).fetchone()[0] if staging.count_sql else rows
    return int(rows), int(total) - int(rows)


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


def _count_bad(store: Store) -> tuple[int, int, int]:
    """(kept rows, skipped rows, bad rows) of the text pass, a duplicated key counting every repeat."""
    kept, skipped, bad = store.con.execute(
        f"SELECT count(*) FILTER (WHERE keep), count(*) FILTER (WHERE NOT keep), "
        f"count(*) FILTER (WHERE keep AND problem IS NOT NULL) FROM {STAGE}").fetchone()
    dups = store.con.execute(
        f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {STAGE} "
        f"WHERE keep AND problem IS NULL GROUP BY key HAVING count(*) > 1)").fetchone()[0]
    return int(kept), int(skipped), int(bad) + int(dups)


def _slow(store: Store, staging: Staging, import_id: int, max_bad: float) -> tuple[int, int, list[BadInput]]:
    """Write one file through the text pass; (rows, skipped, bad rows left out).

    Raises BadInputs when the bad rows pass `max_bad` (a fraction of the data rows).
    """
    con = store.con
    con.execute(f"DROP TABLE IF EXISTS {STAGE}")
    try:
        con.execute(f"CREATE TEMP TABLE {STAGE} AS SELECT *, {KEY} AS key FROM ({staging.text_sql})")
    except duckdb.InvalidInputException as exc:  # even the text pass cannot read it (e.g. not UTF-8)
        raise _unreadable(staging.label, str(exc)) from None
    kept, skipped, n_bad = _count_bad(store)
    errors = _problems_with_lines(store, staging.label, 200)
    if n_bad > max_bad * max(kept, 1):
        summary = BadInput(f"{n_bad} bad row(s) of {kept}: import refused (limit {max_bad:.2%} of "
                           f"rows); the store is unchanged", file=staging.label,
                           hint="fix the rows listed, or pass --max-bad to leave them out")
        raise BadInputs([summary] + errors)
    # Bad rows leave; of a duplicated key the first row stays (the messages say so).
    cols = ", ".join(CANONICAL)
    con.execute(f"INSERT INTO trade_flow ({cols}, import_id) SELECT {cols}, {import_id} FROM {STAGE} "
                f"WHERE keep AND problem IS NULL QUALIFY line = min(line) OVER (PARTITION BY key)")
    con.execute(f"DROP TABLE {STAGE}")
    return kept - n_bad, skipped, errors


def _unreadable(label: str, message: str) -> BadInput:
    """DuckDB's CSV error as bad input naming the file and the line it gives."""
    line = re.search(r"CSV Error on Line: (\d+)", message)
    what = "not UTF-8 text" if "unicode" in message.lower() else message.splitlines()[0][:160]
    return BadInput(what, file=label, line=int(line.group(1)) if line else None)


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
    """`trade_flow` decoded: ISO3 exporter and importer, 6-digit text codes, basis names and
    the dataset (the reading view). `where` may use `f.` (trade_flow) and `t.dataset`."""
    codes = codes_relation(con)
    bases = "[" + ", ".join(f"'{b}'" for b in BASES) + "]"
    return (f"(SELECT f.year, e.iso3 AS exporter, i.iso3 AS importer, lpad(f.code::VARCHAR, 6, '0') "
            f"AS code, f.value_usd, f.quantity_t, {bases}[f.basis + 1] AS basis, t.dataset "
            f"FROM trade_flow f JOIN trade_import t USING (import_id) "
            f"JOIN {codes} e ON e.num = f.exporter JOIN {codes} i ON i.num = f.importer WHERE {where})")


def _settle(con: duckdb.DuckDBPyConnection, dataset: str, import_id: int, years: list[int],
            replace: bool, label: str) -> None:
    """Rows of other files of the dataset with the same keys: deleted (`replace`, whole years)
    or refused. Only files sharing a year can share a key, so others are not scanned."""
    others = [i for i, ys in con.execute("SELECT import_id, years FROM trade_import WHERE dataset = ?",
                                         [dataset]).fetchall() if set(json.loads(ys)) & set(years)]
    if not others:
        return
    ids = ", ".join(map(str, others))
    year_list = ", ".join(map(str, years))
    if replace:
        con.execute(f"DELETE FROM trade_flow WHERE import_id IN ({ids}) AND year IN ({year_list})")
        con.execute(f"DELETE FROM trade_import WHERE import_id IN ({ids}) AND import_id NOT IN "
                    f"(SELECT DISTINCT import_id FROM trade_flow WHERE import_id IN ({ids}))")
        con.execute(f"UPDATE trade_import t SET rows = n.rows, years = n.years FROM (SELECT import_id, "
                    f"count(*) AS rows, to_json(list(DISTINCT year ORDER BY year)) AS years FROM trade_flow "
                    f"WHERE import_id IN ({ids}) GROUP BY import_id) n WHERE t.import_id = n.import_id")
        return
    cols = " AND ".join(f"o.{c} = n.{c}" for c in ("year", "exporter", "importer", "code", "basis"))
    n = con.execute(f"SELECT count(*) FROM trade_flow n JOIN trade_flow o ON {cols} "
                    f"WHERE n.import_id = {import_id} AND o.import_id IN ({ids})").fetchone()[0]
    if n:
        raise BadInput(f"{n} row(s) repeat keys already imported as dataset '{dataset}'",
                       file=label, field="key",
                       hint="pass --replace to reload those years, or --dataset to name a new one")


def _load_once(store: Store, stagings: Sequence[Staging], report: ImportReport, fmt: str,
               max_bad: float, replace: bool, tiers: dict[int, int], progress: Progress) -> None:
    """One attempt at the whole import in one transaction (see `load`)."""
    with store.transaction() as con:
        for n, staging in enumerate(stagings):
            import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM trade_import").fetchall()[0][0]
            tier = tiers.get(n, DIRECT if staging.direct is not None else TYPED)
            if tier == TEXT:
                progress(f"locating bad rows in {staging.label}")
                rows, skipped, bad = _slow(store, staging, import_id, max_bad)
            elif tier == DIRECT:
                (rows, skipped), bad = _direct(store, staging, n, import_id, progress), []
            else:
                progress(f"reading {staging.label}")
                (rows, skipped), bad = _fast(store, staging, n, import_id), []
            years = [r[0] for r in con.execute("SELECT DISTINCT year FROM trade_flow WHERE import_id = ? "
                                               "ORDER BY 1", [import_id]).fetchall()]
            _settle(con, report.dataset, import_id, years, replace, staging.label)
            where = report.path if staging.label == report.path else f"{report.path}!{Path(staging.label).name}"
            con.execute("INSERT INTO trade_import VALUES (?, ?, ?, ?, ?, ?, ?, now())",
                        [import_id, report.dataset, fmt, where, rows, skipped, json.dumps(years)])
            report.rows += rows
            report.skipped += skipped
            report.bad += bad
            report.years = sorted(set(report.years) | set(years))
            report.tiers.append(("direct", "typed", "text")[tier])


def load(store: Store, stagings: Sequence[Staging], dataset: str, fmt: str, path: str,
         max_bad: float = MAX_BAD, replace: bool = False,
         progress: Progress = lambda step: None) -> ImportReport:
    """Validate and load files as one import (one transaction over all of them).

    Every file first takes the fastest reader it has; a file in which it finds a problem
    makes the transaction roll back and is read again the next way down (compiled reader,
    DuckDB's typed read, text pass), the other files keep theirs.
    """
    start = time.perf_counter()
    tiers: dict[int, int] = {}
    while True:
        report = ImportReport(dataset=dataset, path=path)
        try:
            _load_once(store, stagings, report, fmt, max_bad, replace, tiers, progress)
            break
        except _Recheck as again:
            tiers[again.index] = again.tier
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
