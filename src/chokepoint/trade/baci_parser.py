"""BACI's yearly CSV read by a compiled parser: six numeric columns parsed, mapped to the
store's country codes and checked in one parallel pass, then appended as Arrow batches.

Why by hand: DuckDB's and Arrow's CSV readers are general (any columns, quoting, type
sniffing). On a 10 M-row BACI year on the 2-core machine, DuckDB's bare read took 2.7–4.3 s
and Arrow's 2.4–2.7 s, and writing `trade_flow` from DuckDB's CSV scan cost about 2.5 s more
than appending Arrow arrays, plus a scan for the checks. A BACI year has exactly the columns
t,i,j,k,v,q, all numbers, so a parser for that shape alone reads it in about 1.5 s while it
checks each row (year, known countries, HS6 code in the product dictionary, value present
and not negative, quantity not negative or NA) and notes the key order for the duplicate
check (benchmarks/exposure.py measures the whole import against DuckDB's bare read).

It reads exactly: optional spaces around each field, integers for t, i, j and k, decimals
(optionally signed, optionally with an exponent) for v, and those or `NA` or nothing for q;
`\\n` or `\\r\\n` line ends. Any other shape (quotes, other columns, a blank line, a number with
more than 15 significant digits, where this parser could not promise the same double as
DuckDB's) raises `Unreadable`, and `importer.load` reads the file with DuckDB instead; a row
that breaks a rule raises `Invalid`, and the text pass names it by line. Decimals use
Clinger's exact fast path: a mantissa below 2^53 divided or multiplied by an exact power of
ten up to 10^22 is correctly rounded, so the values equal DuckDB's parse of the same text.
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
NO_EXP = -9999  # "no exponent seen" (a real one has at most 3 digits)
POW10 = np.array([10.0 ** n for n in range(23)])  # exact in binary64 up to 10^22
SCHEMA = pa.schema([("year", pa.int32()), ("exporter", pa.int32()), ("importer", pa.int32()),
                    ("code", pa.int32()), ("value_usd", pa.float64()), ("quantity_t", pa.float64())])


@numba.njit(nogil=True, inline="always")
def _number(f, m, nd, dot, neg, na, ex):  # pragma: no cover (JIT)
    """The value of field f from what the byte loop gathered: (readable, value). Integer
    fields (t, i, j, k) need 1-9 digits and nothing else; decimals (v, q) may be signed,
    have a point and an exponent, or be NA or empty (NaN), within the exact fast path."""
    if f < 4:
        return nd > 0 and nd <= 9 and dot < 0 and not neg and not na and ex == NO_EXP, float(m)
    if na or (nd == 0 and dot < 0 and not neg):
        return ex == NO_EXP and nd == 0 and dot < 0, np.nan
    e = (0 if ex == NO_EXP else ex) - (nd - dot if dot >= 0 else 0)
    if nd == 0 or nd > 15 or e < -22 or e > 22:
        return False, 0.0
    x = float(m)
    if e < 0:
        x = x / POW10[-e]
    elif e > 0:
        x = x * POW10[e]
    return True, -x if neg else x


@numba.njit(nogil=True)
def _piece(buf, p, end, r, lut, allowed, year, exporter, importer, code, value, qty, runs):  # pragma: no cover (JIT)
    """Parse the lines in buf[p:end] into the outputs from row r on: (status, rows, runs).

    One loop over the bytes of a line: digits take the first branch, every other byte a
    rarer one (a loop of field readers was twice as slow: each field's end is a branch the
    CPU mispredicts, and calls add more). Never reads past a line's newline. Stops at the
    first line it cannot read (ODD) or that breaks a rule (BAD). Notes the runs of strictly
    increasing keys (t, i, j, k: the file's own codes, in which BACI sorts it) as (first,
    last); after MAX_RUNS runs it stops noting and reports -1 runs.
    """
    start, prev, nr, status = r, np.int64(-1), 0, OK
    while p < end:
        t = i = j = k = 0.0
        k_digits = 0
        v = q = 0.0
        f, m, nd, dot, neg, na, ex = 0, np.int64(0), 0, -1, False, False, NO_EXP
        while True:
            c = buf[p]
            p += 1
            d = np.int64(c) - 48
            if d >= 0 and d <= 9:
                m = m * 10 + d
                nd += 1
            elif c == 44 or c == 10 or c == 13:  # the end of a field
                if c == 13:
                    if buf[p] != 10:
                        status = ODD
                        break
                    p += 1
                    c = 10
                ok, x = _number(f, m, nd, dot, neg, na, ex)
                if not ok or (c == 44) == (f == 5):  # unreadable, or not six fields
                    status = ODD
                    break
                if f == 0:
                    t = x
                elif f == 1:
                    i = x
                elif f == 2:
                    j = x
                elif f == 3:
                    k, k_digits = x, nd
                elif f == 4:
                    v = x
                else:
                    q = x
                    break
                f, m, nd, dot, neg, na, ex = f + 1, np.int64(0), 0, -1, False, False, NO_EXP
            elif nd == 0 and dot < 0 and not neg and not na and c != 46:  # before the number
                if c == 45 and f >= 4:
                    neg = True
                elif c == 78 and buf[p] == 65:  # NA
                    na = True
                    p += 1
                elif c != 32:
                    status = ODD
                    break
            elif c == 46 and dot < 0 and not na and ex == NO_EXP:
                dot = nd
            elif c == 32:  # spaces after the number: the field must end next
                while buf[p] == 32:
                    p += 1
                if buf[p] != 44 and buf[p] != 10 and buf[p] != 13:
                    status = ODD
                    break
            elif (c == 101 or c == 69) and nd > 0 and ex == NO_EXP:  # exponent: sign, 1-3 digits
                sign = 1
                if buf[p] == 45 or buf[p] == 43:
                    sign = 44 - np.int64(buf[p])  # '-' is 45, '+' is 43
                    p += 1
                ex, n = 0, 0
                while buf[p] >= 48 and buf[p] <= 57 and n < 4:
                    ex = ex * 10 + np.int64(buf[p]) - 48
                    p += 1
                    n += 1
                if n == 0 or n > 3:
                    status = ODD
                    break
                ex *= sign
            else:
                status = ODD
                break
        if status != OK:
            break
        if t < 1 or t > 9999 or i >= lut.shape[0] or j >= lut.shape[0] or k >= allowed.shape[0] \
                or k_digits < 4 or k_digits > 6 or not v >= 0 or q < 0:  # HS6: 4-6 digits as written
            status = BAD
            break
        ti, ii, ji, ki = np.int64(t), np.int64(i), np.int64(j), np.int64(k)
        e, mm = lut[ii], lut[ji]
        if e < 0 or mm < 0 or not allowed[ki]:
            status = BAD
            break
        year[r], exporter[r], importer[r], code[r] = ti, e, mm, ki
        value[r], qty[r] = v * 1000.0, q  # BACI's values are thousand USD
        key = ((ti * lut.shape[0] + ii) * lut.shape[0] + ji) * 1000000 + ki
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
