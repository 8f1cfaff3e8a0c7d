"""The compiled BACI reader: same numbers as Python's own parse of the text, whatever the
spacing, line ends, NA spelling and block boundaries; files it does not read go to DuckDB's
typed read, bad rows to the text pass, and the import's result does not depend on which."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_importers import GOOD, write_baci, write_dictionaries

from chokepoint.errors import BadInput
from chokepoint.store import Store
from chokepoint.trade import baci_parser, importer
from chokepoint.trade.baci import import_baci
from chokepoint.trade.baci_parser import Unreadable, YearFile
from chokepoint.trade.importer import Filters, Invalid, flows_sql

CODES = [4, 36, 156, 392, 410, 490, 842]
LUT = np.full(900, -1, dtype=np.int32)
LUT[CODES] = [4, 36, 156, 392, 410, 158, 842]  # BACI's 490 (S19) is Taiwan, 158
ALLOWED = np.zeros(1_000_000, dtype=bool)
ALLOWED[[10121, 280530, 284690, 850511]] = True


def _number(draw, na: bool) -> tuple[str, float | None]:
    """A decimal as BACI or another writer might print it, and its value (None for NA)."""
    if na and draw(st.booleans()):
        text = draw(st.sampled_from(["NA", "", "         NA", " NA "]))
        return text, None
    whole = draw(st.integers(0, 10 ** 9))
    frac = draw(st.integers(0, 5))
    digits = f"{whole}.{draw(st.integers(0, 10 ** frac - 1)):0{frac}d}" if frac else str(whole)
    if draw(st.booleans()) and frac:
        digits = digits.rstrip("0").rstrip(".") or "0"
    if draw(st.integers(0, 5)) == 0:
        digits = f"{digits}e{draw(st.integers(-5, 5))}"
    pad = draw(st.sampled_from(["", " ", "    "]))
    text = pad + digits if draw(st.booleans()) else digits + pad
    return text, float(digits)


@st.composite
def year_files(draw):
    """(file text, whether its keys are in order, expected rows (t, exporter, importer,
    code, value_usd, quantity_t))."""
    keys = draw(st.lists(st.tuples(st.sampled_from([2022, 2023]), st.sampled_from(CODES),
                                   st.sampled_from(CODES), st.sampled_from(sorted(np.flatnonzero(ALLOWED)))),
                         min_size=1, max_size=60, unique=True))
    ordered = draw(st.booleans())
    if ordered:
        keys.sort()
    end = draw(st.sampled_from(["\n", "\r\n"]))
    lines, rows = ["t,i,j,k,v,q"], []
    for t, i, j, k in keys:
        v_text, v = _number(draw, na=False)
        q_text, q = _number(draw, na=True)
        k_text = f"{k:06d}" if draw(st.booleans()) else str(k)
        lines.append(f"{t},{i},{j},{k_text},{v_text},{q_text}")
        rows.append((t, int(LUT[i]), int(LUT[j]), k, v * 1000, q))
    text = end.join(lines) + (end if draw(st.booleans()) else "")
    return text, ordered, rows


def _read(path, **kw) -> tuple[YearFile, list[tuple]]:
    reader = YearFile(path, LUT, ALLOWED, **kw)
    rows = [tuple(r.values()) for t in reader.tables() for r in t.to_pylist()]
    return reader, rows


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(year_files(), st.sampled_from([128, 200, 1 << 20]))
def test_parse_equals_pythons_reading_of_the_text(tmp_path_factory, monkeypatch, case, block):
    text, ordered, expected = case
    path = tmp_path_factory.mktemp("yf") / "BACI_HS22_Y2022_V202501.csv"
    path.write_bytes(text.encode())
    monkeypatch.setattr(baci_parser, "BLOCK", block)  # small blocks: rows carried across reads
    reader, rows = _read(path)
    assert rows == expected  # exact: every value is the correctly rounded double
    assert reader.rows == reader.kept == len(expected)
    assert reader.unique or not ordered  # a sorted file proves its keys unique without sorting


def test_duplicate_keys_across_blocks_are_not_called_unique(tmp_path, monkeypatch):
    lines = ["t,i,j,k,v,q"] + [f"2022,156,{j},284690,1,1" for j in (4, 36, 392, 410)] * 2
    path = tmp_path / "dup.csv"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(baci_parser, "BLOCK", 64)
    reader, rows = _read(path)
    assert len(rows) == 8 and not reader.unique
    sorted_once = tmp_path / "once.csv"
    sorted_once.write_text("\n".join(lines[:5]) + "\n")
    assert _read(sorted_once)[0].unique


@pytest.mark.parametrize("line, error", [
    ('"2022","156","410","284690","1","1"', Unreadable),       # quoted fields
    ("2022,156,410,284690,1,1,7", Unreadable),                 # a seventh column
    ("2022,156,410,284690,0.12345678901234567,1", Unreadable),  # beyond the exact fast path
    ("2022;156;410;284690;1;1", Unreadable),                   # another separator
    ("2022,999,410,284690,1,1", Invalid),                      # unknown exporter
    ("2022,156,410,123456,1,1", Invalid),                      # code not in the dictionary
    ("2022,156,410,284690,-1,1", Invalid),                     # negative value
    ("2022,156,410,284690,NA,1", Invalid),                     # missing value
    ("2022,156,410,284690,1,-2", Invalid),                     # negative quantity
])
def test_lines_it_does_not_read_or_that_break_a_rule(tmp_path, line, error):
    """Unreadable sends the file to DuckDB's typed read, Invalid to the text pass."""
    path = tmp_path / "odd.csv"
    path.write_text(f"t,i,j,k,v,q\n2022,156,392,284690,1,1\n{line}\n")
    with pytest.raises(error):
        _read(path)


def test_the_other_header_is_unreadable(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("year,i,j,k,v,q\n2022,156,410,284690,1,1\n")
    with pytest.raises(Unreadable, match="header"):
        _read(path)


def _stored(store: Store) -> list[tuple]:
    return store.con.execute(f"SELECT year, exporter, importer, code, value_usd, quantity_t "
                             f"FROM {flows_sql(store.con)} ORDER BY ALL").fetchall()


@pytest.mark.parametrize("variant, tier", [
    ("plain", "direct"),
    ("quoted", "typed"),        # DuckDB's reader takes what the compiled one does not
    ("unsorted", "direct"),     # keys checked by sorting instead of by runs
    ("bad", "text"),            # a bad row: the text pass names it
])
def test_every_reader_stores_the_same_flows(tmp_path, monkeypatch, variant, tier):
    folder = tmp_path / variant
    folder.mkdir()
    write_dictionaries(folder)
    rows = list(GOOD)
    if variant == "unsorted":
        rows.reverse()
        monkeypatch.setattr(baci_parser, "MAX_RUNS", 1)  # too many runs: the keys are sorted
    if variant == "bad":
        rows.append((2022, "CHN", "KOR", "99999X", 1, 1))
    path = write_baci(folder / "BACI_HS22_Y2022_V202501.csv", rows)
    if variant == "quoted":
        lines = path.read_text().splitlines()
        path.write_text("\n".join([lines[0]] + [",".join(f'"{c}"' for c in ln.split(",")) for ln in lines[1:]]) + "\n")
    with Store(tmp_path / f"{variant}.duckdb") as store:
        rep = import_baci(store, path, max_bad=0.5)
        assert rep.tiers == [tier] and rep.rows == len(GOOD)
        got = _stored(store)
    with Store(tmp_path / "reference.duckdb") as ref:
        reference = write_baci(tmp_path / "BACI_HS22_Y2022_V202501.csv", GOOD)
        import_baci(ref, reference, countries_file=folder / "country_codes_V202501.csv",
                    products_file=folder / "product_codes_HS22_V202501.csv")
        assert got == _stored(ref)


@pytest.mark.parametrize("field, v, q", [("q", "1", "nan"), ("q", "1", "inf"), ("v", "nan", "1"),
                                         ("v", "inf", "NA")])
def test_a_number_that_is_not_finite_is_a_bad_line(tmp_path, field, v, q):
    """DuckDB reads 'nan' and 'inf' as doubles; a flow of NaN tonnes or infinite dollars is a
    damaged line, named as one, not a number stored."""
    write_dictionaries(tmp_path)
    path = write_baci(tmp_path / "BACI_HS22_Y2022_V202501.csv", GOOD)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines + [f"2022,156,410,284690,{v},{q}"]) + "\n")
    with Store(tmp_path / "s.duckdb") as store:
        rep = import_baci(store, path, max_bad=0.5)
        assert [(e.line, e.field) for e in rep.bad] == [(len(lines) + 1, field)]
        assert rep.rows == len(GOOD)
        assert store.con.execute(f"SELECT count(*) FROM {flows_sql(store.con)} "
                                 "WHERE isnan(value_usd) OR isnan(quantity_t) OR isinf(value_usd) "
                                 "OR isinf(quantity_t)").fetchone()[0] == 0


@pytest.mark.parametrize("filters", [Filters(codes=("28",)), Filters(codes=("2846", "0101")),
                                     Filters(reporters=("KOR",)), Filters(reporters=("TWN",)),
                                     Filters(years=(2022,)), Filters(years=(2021,)),
                                     Filters(codes=("85",), reporters=("KOR",))])
def test_filters_match_the_typed_read(tmp_path, monkeypatch, filters):
    folder = tmp_path / "f"
    folder.mkdir()
    write_dictionaries(folder)
    rows = GOOD + [(2022, "KOR", "S19", "284690", 7, 1)]
    path = write_baci(folder / "year.csv", sorted(rows, key=str))  # no year in the name: always read
    def refuse(self):
        raise Unreadable("switched off")

    results = []
    for direct in (True, False):
        if not direct:  # the compiled reader refuses every file: DuckDB's typed read does the work
            monkeypatch.setattr(YearFile, "tables", refuse)
        with Store(tmp_path / f"{direct}.duckdb") as store:
            rep = import_baci(store, path, filters=filters)
            assert rep.tiers == ["direct" if direct else "typed"]
            results.append((rep.rows, rep.skipped, _stored(store)))
    assert results[0] == results[1]


NOISE = ["-", ".", "e", " ", "N", "A", '"', ";", "\r", "x", "0", "9", ",", "+", "\t"]


@st.composite
def damaged_files(draw):
    """A BACI file with random characters put in or taken out: the readers must agree on it."""
    text, _, _ = draw(year_files())
    chars = list(text)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(len("t,i,j,k,v,q\n"), max(len(chars) - 1, 12)))
        if draw(st.booleans()):
            chars.insert(at, draw(st.sampled_from(NOISE)))
        elif at < len(chars) and chars[at] != "\n":
            del chars[at]
    return "".join(chars)


def _import_outcome(store: Store, path) -> tuple:
    """What an import leaves: the flows, skipped rows and bad lines, or the refusal's type."""
    try:
        rep = import_baci(store, path, max_bad=1.0, countries_file=path.parent / "country_codes_V202501.csv",
                          products_file=path.parent / "product_codes_HS22_V202501.csv")
    except BadInput as err:
        return ("refused", type(err).__name__)
    return (_stored(store), rep.skipped, [(e.line, e.field) for e in rep.bad])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damaged_files())
def test_fast_readers_store_what_the_text_pass_stores(tmp_path_factory, monkeypatch, text):
    """The text pass is the definition: a faster reader may only defer to it, never differ."""
    folder = tmp_path_factory.mktemp("damaged")
    write_dictionaries(folder)
    lines = (folder / "country_codes_V202501.csv").read_text().splitlines()
    extra = [f"{n},X{n},,X{n:02d}" for n in (4, 8)]  # codes the generated files use, unknown to the store
    (folder / "country_codes_V202501.csv").write_text("\n".join(lines[:1] + [ln for ln in lines[1:]] + extra) + "\n")
    path = folder / "BACI_HS22_Y2022_V202501.csv"
    path.write_bytes(text.encode())
    with Store(folder / "all.duckdb") as store:
        got = _import_outcome(store, path)
    with monkeypatch.context() as m:
        def text_only(store, staging, index, *rest):
            raise importer._Recheck(index, importer.TEXT)
        m.setattr(importer, "_direct", text_only)
        m.setattr(importer, "_fast", text_only)
        with Store(folder / "text.duckdb") as store:
            expected = _import_outcome(store, path)
    assert got == expected
