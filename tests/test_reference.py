"""Bundled reference data and `data build`: sources, units, idempotence, and bad user files."""
from __future__ import annotations

import textwrap

import pytest

import chokepoint
from chokepoint.cli import main
from chokepoint.errors import BadInput
from chokepoint.reference.loader import bundled_files
from chokepoint.schema import TABLES
from chokepoint.units import UNITS

SOURCE_CSV = textwrap.dedent("""\
    key,publisher,title,year,url,licence,note
    TEST_SRC,Test publisher,Test document,2024,,,
    """)
GOOD_PRODUCTION = textwrap.dedent("""\
    material,stage,iso3,year,measure,value,unit,estimated,note,source
    rare-earths,mine,Korea,2031,production,1.5,kt,true,,TEST_SRC
    """)

BAD_FILES = {
    # case: (file body, line, field)
    "truncated": ("material,stage,iso3,year,measure,value,unit,estimated,note,source\n"
                  "rare-earths,mine,KOR,2031,production,10,t,false,,TEST_SRC\n"
                  "rare-earths,mine,JPN,2031,produc", 3, None),
    "missing column": ("material,stage,iso3,year,measure,unit,source\n"
                       "rare-earths,mine,KOR,2031,production,t,TEST_SRC\n", 1, "value"),
    "negative quantity": ("material,stage,iso3,year,measure,value,unit,source\n"
                          "rare-earths,mine,KOR,2031,production,-5,t,TEST_SRC\n", 2, "value"),
    "unknown unit": ("material,stage,iso3,year,measure,value,unit,source\n"
                     "rare-earths,mine,KOR,2031,production,5,t,TEST_SRC\n"
                     "rare-earths,mine,JPN,2031,production,5,furlongs,TEST_SRC\n", 3, "unit"),
    "unknown country": ("material,stage,iso3,year,measure,value,unit,source\n"
                        "rare-earths,mine,Atlantis of the North,2031,production,5,t,TEST_SRC\n", 2, "iso3"),
    "bad number": ("material,stage,iso3,year,measure,value,unit,source\n"
                   "rare-earths,mine,KOR,2031,production,lots,t,TEST_SRC\n", 2, "value"),
    "unknown source": ("material,stage,iso3,year,measure,value,unit,source\n"
                       "rare-earths,mine,KOR,2031,production,5,t,NOBODY\n", 2, "source"),
}


def _write(tmp_path, name: str, body: str):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_every_reference_table_ships_a_file():
    shipped = {f.table.name for f in bundled_files()}
    assert set(TABLES) - {"country"} <= shipped


def test_every_row_cites_a_known_source(wb):
    for name in TABLES:
        if name == "source":
            continue
        missing = wb.store.df(f'SELECT count(*) AS n FROM "{name}" t LEFT JOIN source s ON s.key = t.source '
                              "WHERE t.source IS NULL OR s.key IS NULL")["n"][0]
        assert missing == 0, f"{name}: {missing} rows without a resolvable source"
    assert wb.store.count("source") > 0
    assert wb.store.df("SELECT count(*) n FROM source WHERE publisher IS NULL OR title IS NULL")["n"][0] == 0


def test_units_are_known_and_mass_is_in_tonnes(wb):
    canonical = {u for u, _ in UNITS.values()}
    for name, table in TABLES.items():
        if "unit" in table.names:
            units = set(wb.store.df(f'SELECT DISTINCT unit FROM "{name}"')["unit"])
            assert units <= canonical, f"{name} has non-canonical units {units - canonical}"
    assert set(wb.store.df("SELECT DISTINCT unit FROM production")["unit"]) == {"t"}


def test_build_twice_gives_an_identical_store(wb):
    first = wb.store.checksums()
    wb.build()
    assert wb.store.checksums() == first


def test_user_file_adds_rows_and_a_rebuild_without_it_removes_them(wb, tmp_path):
    src = _write(tmp_path, "source_test.csv", SOURCE_CSV)
    good = _write(tmp_path, "production_mine.csv", GOOD_PRODUCTION)
    base = wb.store.count("production")
    wb.build([str(src), str(good)])
    rows = wb.table("production", year=2031)
    assert list(rows["iso3"]) == ["KOR"] and rows["value"][0] == pytest.approx(1500.0)
    assert rows["unit"][0] == "t"
    wb.build()
    assert wb.store.count("production") == base


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_user_file_names_file_line_field_and_leaves_store_untouched(wb, tmp_path, case):
    body, line, field = BAD_FILES[case]
    src = _write(tmp_path, "source_test.csv", SOURCE_CSV)
    bad = _write(tmp_path, "production_bad.csv", body)
    before = wb.store.checksums()
    with pytest.raises(BadInput) as info:
        wb.build([str(src), str(bad)])
    err = info.value
    assert err.file == str(bad) and err.line == line
    if field:
        assert err.field == field
    assert wb.store.checksums() == before


def test_cli_exit_code_2_names_file_line_and_field(db_path, tmp_path, capsys):
    src = _write(tmp_path, "source_test.csv", SOURCE_CSV)
    bad = _write(tmp_path, "production_bad.csv", BAD_FILES["unknown unit"][0])
    with chokepoint.open(db_path) as wb:
        before = wb.store.checksums()
    code = main(["data", "build", "--db", str(db_path), str(src), f"production={bad}"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{bad}:3" in err and "unit" in err and "furlongs" in err
    with chokepoint.open(db_path) as wb:
        assert wb.store.checksums() == before


def test_file_of_unknown_table_is_refused(wb, tmp_path):
    path = _write(tmp_path, "mystery.csv", "a,b\n1,2\n")
    with pytest.raises(BadInput, match="which table"):
        wb.build([str(path)])


def test_unknown_column_is_refused(wb, tmp_path):
    src = _write(tmp_path, "source_test.csv", SOURCE_CSV)
    path = _write(tmp_path, "fx_extra.csv", "year,currency,per_usd,source,colour\n2020,KRW,1,TEST_SRC,red\n")
    with pytest.raises(BadInput) as info:
        wb.build([str(src), str(path)])
    assert info.value.field == "colour" and info.value.line == 1


def _bundled_with_price(usd: float):
    """The bundled files with the first price row's value replaced: a newer release's data."""
    def files():
        out = []
        for f in bundled_files():
            if f.label == "price.csv":
                head, first, *rest = f.text.split("\n")
                cells = first.split(",")
                cells[head.split(",").index("value")] = str(usd)
                f = type(f)(f.table, "\n".join([head, ",".join(cells), *rest]), f.label)
            out.append(f)
        return out
    return files


def _first_price(wb) -> float:
    """The stored price of price.csv's first row (antimony metal, 2020), in the store's unit."""
    return wb.store.con.execute("SELECT value FROM price WHERE material = 'antimony' AND year = 2020 "
                                "AND product LIKE 'antimony metal%'").fetchone()[0]


def test_a_store_built_from_older_bundled_data_is_rebuilt_on_open(wb, monkeypatch):
    assert wb.ensure_built() is None  # built from these data: nothing to do
    before = _first_price(wb)
    monkeypatch.setattr("chokepoint.reference.bundled_files", _bundled_with_price(5.34))  # was 2.67
    line = wb.ensure_built()
    assert "changed" in line and "rebuilt" in line
    assert _first_price(wb) == pytest.approx(2 * before)
    assert wb.ensure_built() is None


def test_a_store_built_with_user_files_is_flagged_not_rebuilt(wb, tmp_path, monkeypatch, db_path, capsys):
    src = _write(tmp_path, "source_test.csv", SOURCE_CSV)
    good = _write(tmp_path, "production_mine.csv", GOOD_PRODUCTION)
    wb.build([str(src), str(good)])
    before = wb.store.checksums()
    monkeypatch.setattr("chokepoint.reference.bundled_files", _bundled_with_price(5.34))
    line = wb.ensure_built()
    assert f"chokepoint data build {src} {good}" in line and "rebuilt" not in line
    assert wb.store.checksums() == before  # the user's rows are still there
    wb.close()
    assert main(["sources", "--db", str(db_path)]) == 0
    assert "changed since" in capsys.readouterr().err
