"""BACI's yearly CSV read by a compiled parser: six numeric columns parsed, mapped to the
store's country codes and checked in one parallel pass, then appended as Arrow batches.

Why by hand: DuckDB's and Arrow's CSV readers are general (any columns, quoting, type
sniffing) and read this file at about the same speed (~3 M rows/s on the 2-core machine);
writing `trade_flow` from DuckDB's CSV scan then cost about 2.5 s more per 10 M rows than
appending Arrow arrays, and the checks another scan. A BACI year has exactly the columns
t,i,j,k,v,q, all numbers, so a parser for that shape alone can check each row while it has
it (year, known countries, HS6 code in the product dictionary, value present and not
negative, quantity not negative or NA) and note the key order for the duplicate check
(benchmarks/exposure.py measures it against DuckDB's bare read of the same file).

It reads exactly: optional spaces around each field, integers for t, i, j and k, decimals
(optionally signed, optionally with an exponent) for v, and those or `NA` or nothing for q, `\\n` or `\\r\\n` line ends. Any other
shape (quotes, other columns, a blank line, a number with more than 15 significant digits,
where this parser could not promise the same double as DuckDB's) raises `Unreadable`, and
`importer.load` reads the file with DuckDB instead; a row that breaks a rule raises `Invalid`,
and the text pass names it by line. Decimals use Clinger's exact fast path: a mantissa below
2^53 divided or multiplied by an exact power of ten up to 10^22 is correctly rounded, so the
values equal DuckDB's parse of the same text.
"""
from __future__ import annotations

import mmap
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np
import pyarrow as pa

from chokepoint.trade.importer import Invalid, Unreadable

HEADER = ("t", "i", "j", "k", "v", "q")
BLOCK = 64 << 20  # bytes parsed at a time: memory stays bounded whatever the file
PAD = 64  # newlines after a copied last line: a malformed one cannot read past its buffer
MIN_ROW = 13  # bytes of the shortest row that can pass, "1,1,1,1000,0,\n": sizes the outputs
CHUNKS = 8  # pieces of a block parsed in parallel (more than the threads: they balance)
MAX_RUNS = 64  # sorted runs remembered per piece; a file with more is checked by sorting
OK, ODD, BAD = 0, 1, 2
POW10 = np.array([10.0 ** n for n in range(23)])  # exact in binary64 up to 10^22
SCHEMA = pa.schema([("year", pa.int32()), ("exporter", pa.int32()), ("importer", pa.int32()),
                    ("code", pa.int32()), ("value_usd", pa.float64()), ("quantity_t", pa.float64())])


# The field readers are inlined into the row loop (numba inline="always"): as calls, numba's
# calling convention made the parse three times slower (measured).
@numba.njit(nogil=True, inline="always")
def _digits(buf, p, m):  # pragma: no cover (JIT)
    """The digits at p appended to m: (m, how many, p after them)."""
    start = p
    while True:
        d = np.int64(buf[p]) - 48
        if d < 0 or d > 9:
            return m, p - start, p
        m = m * 10 + d
        p += 1


@numba.njit(nogil=True, inline="always")
def _spaces(buf, p):  # pragma: no cover (JIT)
    while buf[p] == 32:
        p += 1
    return p


@numba.njit(nogil=True, inline="always")
def _integer(buf, p):  # pragma: no cover (JIT)
    """An integer field and the comma after it: (value, p after the comma), value -1 when
    the field is not 1-9 digits followed by a comma."""
    p = _spaces(buf, p)
    m, n, p = _digits(buf, p, 0)
    p = _spaces(buf, p)
    if n == 0 or n > 9 or buf[p] != 44:
        return -1, p
    return m, p + 1


@numba.njit(nogil=True, inline="always")
def _decimal(buf, p):  # pragma: no cover (JIT)
    """A decimal field, `NA` or empty (NaN): (readable, value, p at the delimiter)."""
    p = _spaces(buf, p)
    if buf[p] == 78 and buf[p + 1] == 65:  # NA
        return True, np.nan, _spaces(buf, p + 2)
    negative = buf[p] == 45
    p += negative
    m, whole, p = _digits(buf, p, 0)
    frac = 0
    if buf[p] == 46:
        m, frac, p = _digits(buf, p + 1, m)
        if whole + frac == 0:
            return False, 0.0, p
    elif whole == 0:
        return not negative, np.nan, _spaces(buf, p)
    e = -frac
    if buf[p] == 101 or buf[p] == 69:  # e, E
        p += 1
        sign = 1
        if buf[p] == 45 or buf[p] == 43:
            sign = 44 - np.int64(buf[p])  # '-' is 45, '+' is 43
            p += 1
        x, n, p = _digits(buf, p, 0)
        if n == 0 or n > 3:
            return False, 0.0, p
        e += sign * x
    p = _spaces(buf, p)
    if whole + frac > 15 or e < -22 or e > 22:  # outside the exact fast path
        return False, 0.0, p
    v = float(m)
    if e < 0:
        v = v / POW10[-e]
    elif e > 0:
        v = v * POW10[e]
    return True, -v if negative else v, p


@numba.njit(nogil=True, inline="always")
def _row(buf, p):  # pragma: no cover (JIT)
    """One line t,i,j,k,v,q: (readable, t, i, j, k, v, q, p at the next line). Never moves
    past the line's end when the line is malformed."""
    t, p = _integer(buf, p)
    i, p = _integer(buf, p)
    j, p = _integer(buf, p)
    k, p = _integer(buf, p)
    ok, v, p = _decimal(buf, p)
    if not ok or buf[p] != 44 or t < 0 or i < 0 or j < 0 or k < 0:
        return False, 0, 0, 0, 0, 0.0, 0.0, p
    ok, q, p = _decimal(buf, p + 1)
    if buf[p] == 13:
        p += 1
    return ok and buf[p] == 10, t, i, j, k, v, q, p + 1


@numba.njit(nogil=True)
def _piece(buf, p, end, r, lut, allowed, year, exporter, importer, code, value, qty, runs):  # pragma: no cover (JIT)
    """Parse the lines in buf[p:end] into the outputs from row r on: (status, rows, runs).

    Stops at the first line it cannot read (ODD) or that breaks a rule (BAD). Notes the
    runs of strictly increasing keys (t, i, j, k: the file's own codes, in which BACI sorts
    it) as (first, last); after MAX_RUNS runs it stops noting and reports -1 runs.
    """
    start, prev, nr, status = r, np.int64(-1), 0, OK
    while p < end:
        ok, t, i, j, k, v, q, p = _row(buf, p)
        if not ok:
            status = ODD
            break
        if t < 1 or t > 9999 or i >= lut.shape[0] or j >= lut.shape[0] or k >= allowed.shape[0] \
                or not v >= 0 or q < 0:
            status = BAD
            break
        e, m = lut[i], lut[j]
        if e < 0 or m < 0 or not allowed[k]:
            status = BAD
            break
        year[r], exporter[r], importer[r], code[r] = t, e, m, k
        value[r], qty[r] = v * 1000.0, q  # BACI's values are thousand USD
        key = ((np.int64(t) * lut.shape[0] + i) * lut.shape[0] + j) * 1000000 + k
        if nr >= 0 and (key <= prev or nr == 0):
            if nr == runs.shape[0]:
                runs[nr - 1, 1] = prev
                nr = -1
            else:
                if nr > 0:
                    runs[nr - 1, 1] = prev
                runs[nr, 0] = key
                nr += 1
        prev = key
        r += 1
    if nr > 0:
        runs[nr - 1, 1] = prev
    return status, r - start, nr


@numba.njit(nogil=True, parallel=True, cache=True)
def _parse(buf, cuts, first_row, lut, allowed, year, exporter, importer, code, value, qty,
           status, rows, nruns, runs):  # pragma: no cover (JIT)
    """The pieces buf[cuts[c]:cuts[c+1]] in parallel, piece c writing from row first_row[c]."""
    for c in numba.prange(cuts.shape[0] - 1):
        status[c], rows[c], nruns[c] = _piece(buf, cuts[c], cuts[c + 1], first_row[c], lut, allowed,
                                              year, exporter, importer, code, value, qty, runs[c])


def _cuts(buf: np.ndarray, end: int) -> np.ndarray:
    """Where the pieces of buf[:end] start (each just after a newline) and end."""
    cuts = [0]
    for c in range(1, CHUNKS):
        at = max(cuts[-1], end * c // CHUNKS)
        nl = _next_newline(buf, at, end)
        cuts.append(nl + 1 if nl >= 0 else end)
    cuts.append(end)
    return np.array(cuts, dtype=np.int64)


def _next_newline(buf: np.ndarray, at: int, end: int) -> int:
    """Index of the first newline in buf[at:end], or -1 (looks at 64 KB windows: lines are short)."""
    step = 1 << 16
    for lo in range(at, end, step):
        nl = np.flatnonzero(buf[lo:min(end, lo + step)] == 10)
        if len(nl):
            return lo + int(nl[0])
    return -1


def _last_newline(buf: np.ndarray, end: int) -> int:
    """Index of the last newline in buf[:end], or -1."""
    step = 1 << 16
    for hi in range(end, 0, -step):
        nl = np.flatnonzero(buf[max(0, hi - step):hi] == 10)
        if len(nl):
            return max(0, hi - step) + int(nl[-1])
    return -1


MADVISE = hasattr(mmap.mmap, "madvise")  # not on Windows


def _advise(mm: mmap.mmap, option: int, *span: int) -> None:
    """Tell the kernel how the map is used, where it can be told."""
    if MADVISE:
        mm.madvise(option, *span)


def _quantities(q: np.ndarray) -> pa.Array:
    """Quantities with NA (NaN from the parser) as Arrow nulls, without copying the values."""
    missing = np.isnan(q)
    if not missing.any():
        return pa.array(q)
    bitmap = np.packbits(~missing, bitorder="little")
    return pa.Array.from_buffers(pa.float64(), len(q), [pa.py_buffer(bitmap), pa.py_buffer(q)],
                                 null_count=int(missing.sum()))


@dataclass
class YearFile:
    """One BACI yearly CSV as Arrow tables of `trade_flow` columns, read block by block.

    `lut` maps BACI country codes to the store's ISO numeric codes (-1: unknown), `allowed`
    marks the HS6 codes a row may carry (the product dictionary, or every code 1000-999999),
    `keep` selects the rows to load from the parsed columns (filters; None keeps all).
    After iterating: `rows` parsed, `kept`, and `unique` (True when the key runs prove no key
    repeats; False means unknown, not duplicated).
    """

    path: Path
    lut: np.ndarray
    allowed: np.ndarray
    keep: Callable[[dict[str, np.ndarray]], np.ndarray] | None = None
    progress: Callable[[str], None] = lambda step: None
    rows: int = 0
    kept: int = 0
    sorted_runs: list[tuple[int, int]] | None = field(default_factory=list)

    @property
    def unique(self) -> bool:
        """No stored key repeats: the runs of increasing file keys, ordered by their first
        key, do not overlap, and no two known BACI codes map to the same country (else two
        distinct file keys could become one stored key)."""
        known = self.lut[self.lut >= 0]
        if self.sorted_runs is None or len(np.unique(known)) < len(known):
            return False
        runs = np.array(self.sorted_runs, dtype=np.int64).reshape(-1, 2)
        runs = runs[np.argsort(runs[:, 0], kind="stable")]
        return bool(np.all(runs[1:, 0] > runs[:-1, 1]))

    def tables(self) -> Iterator[pa.Table]:
        """The file's rows as Arrow tables, a block at a time; raises Unreadable or Invalid.

        The file is memory-mapped (no copy through a read buffer) and parsed a block of
        whole lines at a time; pages already parsed are handed back, so resident memory
        stays about one block whatever the file's size. A last line without its newline
        is parsed from a small copy that has one.
        """
        with open(self.path, "rb") as f:
            header = f.readline().decode("utf-8", "replace").strip()
            if tuple(c.strip() for c in header.split(",")) != HEADER:
                raise Unreadable(f"header '{header[:60]}' is not {','.join(HEADER)}")
            start, size = f.tell(), os.fstat(f.fileno()).st_size
            if size == start:
                return
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        # No explicit close: the map goes with its last view (an exception's traceback may
        # still hold one, and closing under a view raises BufferError).
        _advise(mm, mmap.MADV_SEQUENTIAL if MADVISE else 0)
        yield from self._blocks(np.frombuffer(mm, dtype=np.uint8), start, mm)

    def _blocks(self, data: np.ndarray, pos: int, mm: mmap.mmap) -> Iterator[pa.Table]:
        size, released = len(data), 0
        while pos < size:
            end = min(pos + BLOCK, size)
            stop = _last_newline(data[pos:end], end - pos) + 1
            if stop == 0:
                if end < size:
                    raise Unreadable("a line longer than the read block")
                tail = np.full(end - pos + PAD, 10, dtype=np.uint8)  # the last line, given its newline
                tail[:end - pos] = data[pos:end]
                tail.flags.writeable = False  # as the map is: one compiled version of the parser
                table, pos = self._block(tail, end - pos + 1), size
            else:
                table, pos = self._block(data[pos:pos + stop], stop), pos + stop
            page = pos - pos % mmap.PAGESIZE
            if page > released:  # parsed pages leave this process's resident memory
                _advise(mm, mmap.MADV_DONTNEED if MADVISE else 0, released, page - released)
                released = page
            self.progress(f"reading {self.path.name}: {pos / size:.0%}, {self.rows:,} rows")
            if table.num_rows:
                yield table

    def _block(self, buf: np.ndarray, end: int) -> pa.Table:
        """Parse buf[:end] (whole lines) into one table, its pieces as record batches."""
        cuts = _cuts(buf, end)
        first = np.zeros(CHUNKS, dtype=np.int64)
        first[1:] = np.cumsum(np.diff(cuts) // MIN_ROW + 1)[:-1]
        n = int(first[-1] + (cuts[-1] - cuts[-2]) // MIN_ROW + 1)
        cols = {"year": np.empty(n, np.int32), "exporter": np.empty(n, np.int32),
                "importer": np.empty(n, np.int32), "code": np.empty(n, np.int32),
                "value_usd": np.empty(n), "quantity_t": np.empty(n)}
        status, rows, nruns = (np.zeros(CHUNKS, dtype=np.int64) for _ in range(3))
        runs = np.zeros((CHUNKS, MAX_RUNS, 2), dtype=np.int64)
        _parse(buf, cuts, first, self.lut, self.allowed, *cols.values(), status, rows, nruns, runs)
        if (status == ODD).any():
            raise Unreadable(f"a line the compiled reader does not read, near byte {int(cuts[np.argmax(status == ODD)])}")
        if (status == BAD).any():
            raise Invalid("a row breaks a rule")
        for c in range(CHUNKS):
            if self.sorted_runs is not None and nruns[c] >= 0:
                self.sorted_runs += [tuple(r) for r in runs[c, :nruns[c]].tolist()]
            elif nruns[c] < 0:
                self.sorted_runs = None
        self.rows += int(rows.sum())
        batches = []
        for c in range(CHUNKS):
            piece = {k: v[first[c]:first[c] + rows[c]] for k, v in cols.items()}
            if self.keep is not None:
                mask = self.keep(piece)
                piece = {k: v[mask] for k, v in piece.items()}
            if len(piece["year"]):
                arrays = [pa.array(piece[c]) for c in SCHEMA.names[:-1]] + [_quantities(piece["quantity_t"])]
                batches.append(pa.record_batch(arrays, schema=SCHEMA))
        table = pa.Table.from_batches(batches, schema=SCHEMA)
        self.kept += table.num_rows
        return table
