"""BACI and Comtrade importers on small files the tests write, good and malformed."""
from __future__ import annotations

import gzip
import zipfile

import duckdb
import pytest

from chokepoint.errors import BadInput, BadInputs
from chokepoint.store import Store
from chokepoint.trade.baci import import_baci
from chokepoint.trade.comtrade import import_comtrade
from chokepoint.trade.importer import Filters, flows_sql

COUNTRIES = [(156, "China", "CN", "CHN"), (410, "Korea, Republic of", "KR", "KOR"),
             (392, "Japan", "JP", "JPN"), (36, "Australia", "AU", "AUS"),
             (490, "Other Asia, nes", "", "S19"), (842, "USA", "US", "USA")]
CODE = {c[3]: c[0] for c in COUNTRIES}


def write_dictionaries(folder, products=("284690", "280530", "850511", "010121")):
    """BACI-shaped country and product dictionaries."""
    lines = ["country_code,country_name,country_iso2,country_iso3"]
    lines += [f'{n},"{name}",{iso2},{iso3}' for n, name, iso2, iso3 in COUNTRIES]
    (folder / "country_codes_V202501.csv").write_text("\n".join(lines) + "\n")
    (folder / "product_codes_HS22_V202501.csv").write_text(
        "code,description\n" + "".join(f"{p},generated\n" for p in products))


def write_baci(path, rows, header="t,i,j,k,v,q"):
    """A BACI yearly file; rows are (year, exporter ISO3 or code, importer, code, v, q)."""
    out = [header]
    for t, i, j, k, v, q in rows:
        i = CODE.get(i, i)
        j = CODE.get(j, j)
        out.append(f"{t},{i},{j},{k},{v},{q}")
    path.write_text("\n".join(out) + "\n")
    return path


GOOD = [(2022, "CHN", "KOR", "284690", 600, 10), (2022, "JPN", "KOR", "284690", 300, "NA"),
        (2022, "AUS", "KOR", "284690", 100, 1.5), (2022, "S19", "KOR", "850511", 50, "         NA"),
        (2022, "CHN", "JPN", "280530", 80, 2), (2022, "KOR", "JPN", "10121", 5, 1)]


def flows(store: Store) -> str:
    """The stored flows decoded (ISO3 countries, 6-digit codes), as every reader sees them."""
    return flows_sql(store.con)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "s.duckdb") as s:
        yield s


@pytest.fixture
def baci_dir(tmp_path):
    folder = tmp_path / "baci"
    folder.mkdir()
    write_dictionaries(folder)
    write_baci(folder / "BACI_HS22_Y2022_V202501.csv", GOOD)
    return folder


def test_baci_import_maps_countries_codes_and_units(store, baci_dir):
    rep = import_baci(store, baci_dir / "BACI_HS22_Y2022_V202501.csv")
    assert (rep.rows, rep.skipped, rep.bad, rep.years) == (6, 0, [], [2022])
    assert rep.dataset == "BACI_HS22_V202501"
    df = store.df(f"SELECT * FROM {flows(store)} ORDER BY exporter, importer, code")
    assert set(df["basis"]) == {"reconciled"} and set(df["dataset"]) == {"BACI_HS22_V202501"}
    row = df[(df.exporter == "CHN") & (df.importer == "KOR")].iloc[0]
    assert row.value_usd == 600_000 and row.quantity_t == 10  # v is thousand USD
    assert "TWN" in set(df["exporter"])  # BACI's 490 'S19' is Taiwan
    assert "010121" in set(df["code"])  # leading zero restored
    assert df.loc[df.exporter == "JPN", "quantity_t"].isna().all()  # NA quantity
    assert store.df("SELECT rows, format FROM trade_import").iloc[0].tolist() == [6, "baci"]


def test_baci_zip_gives_the_same_rows_as_the_folder(store, baci_dir, tmp_path):
    archive = tmp_path / "BACI_HS22_V202501.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in baci_dir.iterdir():
            zf.write(f, f"BACI_HS22_V202501/{f.name}")
    import_baci(store, archive)
    from_zip = store.df(f"SELECT * EXCLUDE (dataset) FROM {flows(store)} ORDER BY ALL")
    with Store(tmp_path / "other.duckdb") as other:
        import_baci(other, baci_dir)
        assert other.df(f"SELECT * EXCLUDE (dataset) FROM {flows(other)} ORDER BY ALL").equals(from_zip)


def test_baci_filters_skip_rows(store, baci_dir):
    rep = import_baci(store, baci_dir, filters=Filters(codes=("2846", "2805"), reporters=("KOR",)))
    assert rep.rows == 3 and rep.skipped == 3
    assert set(store.df(f"SELECT code FROM {flows(store)}")["code"]) == {"284690"}


MALFORMED = [
    ((2022, "CHN", "KOR", "28A690", 5, 1), "k", "bad HS6 code '28A690'"),
    ((2022, "CHN", "KOR", "284690", "abc", 1), "v", "value 'abc' is not a non-negative number"),
    ((2022, 999, "KOR", "284690", 5, 1), "i", "unknown exporter code '999'"),
    ((2022, "CHN", "KOR", "284690", 7, 1), "key", "duplicated key (first on line 2)"),
    ((2022, "CHN", "KOR", "999999", 5, 1), "k", "code '999999' is not in the product dictionary"),
    ((2022, "CHN", "KOR", "280530", -5, 1), "v", "value '-5' is not a non-negative number"),
]


@pytest.mark.parametrize("bad,field,message", MALFORMED, ids=[m[1] + ":" + m[2][:20] for m in MALFORMED])
def test_baci_malformed_row_refused_by_line_and_store_untouched(store, baci_dir, bad, field, message):
    import_baci(store, baci_dir)
    before = store.checksums()
    path = write_baci(baci_dir / "BACI_HS22_Y2023_V202501.csv",
                      [(2023, *GOOD[0][1:])] + [(2023, *bad[1:])] + [(2023, *r[1:]) for r in GOOD[1:]])
    with pytest.raises(BadInputs) as info:
        import_baci(store, path)
    errors = info.value.errors
    assert "import refused" in errors[0].message and "store is unchanged" in errors[0].message
    assert [(e.line, e.field) for e in errors[1:]] == [(3, field)]
    assert message.split("'")[0] in errors[1].message and str(errors[1]).startswith(f"{path}:3")
    if "'" in message:
        assert message.split("'")[1] in errors[1].message
    assert store.checksums() == before


def test_bad_rows_under_the_threshold_are_left_out_and_listed(store, baci_dir):
    path = write_baci(baci_dir / "BACI_HS22_Y2023_V202501.csv",
                      [(2023, *r[1:]) for r in GOOD] + [(2023, "CHN", "KOR", "28469X", 1, 1),
                                                        (2023, "CHN", "KOR", "284690", 9, 9)])
    rep = import_baci(store, path, max_bad=0.5)
    assert rep.rows == 6 and [(e.line, e.field) for e in rep.bad] == [(8, "k"), (9, "key")]
    # the first row of a duplicated key stays
    assert store.df(f"SELECT value_usd FROM {flows(store)} WHERE exporter = 'CHN' AND importer = 'KOR' "
                    "AND code = '284690'")["value_usd"].tolist() == [600_000]


def test_clean_files_take_the_fast_path_and_a_bad_one_the_text_pass(store, baci_dir):
    steps: list[str] = []
    import_baci(store, baci_dir, progress=steps.append)
    assert steps and not any("locating bad rows" in s for s in steps)
    path = write_baci(baci_dir / "BACI_HS22_Y2023_V202501.csv",
                      [(2023, *r[1:]) for r in GOOD] + [(2023, "CHN", "KOR", "28469X", 1, 1)])
    steps.clear()
    import_baci(store, path, max_bad=0.5, progress=steps.append)
    assert any("locating bad rows" in s for s in steps)


def test_reimport_is_refused_unless_replace(store, baci_dir):
    import_baci(store, baci_dir)
    before = store.checksums()
    with pytest.raises(BadInput, match="already imported") as info:
        import_baci(store, baci_dir)
    assert "--replace" in str(info.value)
    assert store.checksums() == before
    rep = import_baci(store, baci_dir, replace=True)
    assert rep.rows == 6 and store.count("trade_flow") == 6


def test_missing_dictionary_and_missing_file_are_bad_input(store, tmp_path):
    path = write_baci(tmp_path / "BACI_HS22_Y2022_V202501.csv", GOOD)
    with pytest.raises(BadInput, match="country_codes"):
        import_baci(store, path)
    with pytest.raises(BadInput, match="file not found"):
        import_baci(store, tmp_path / "nope.csv")


COMTRADE_HEADER = ("typeCode\tfreqCode\trefYear\treporterCode\treporterISO\tflowCode\tpartnerCode\t"
                   "partnerISO\tpartner2Code\tcmdCode\tcustomsCode\tmotCode\tnetWgt\tprimaryValue")


def comtrade_rows(rows):
    """Tab-separated Comtrade+ rows: (year, reporter, flow, partner, code, netwgt_kg, value)."""
    out = [COMTRADE_HEADER]
    for year, rep, flow, par, code, kg, value, *extra in rows:
        p2, mot = (extra + [0, 0])[:2]
        out.append("\t".join(str(x) for x in ("C", "A", year, CODE.get(rep, 0), rep, flow,
                                               CODE.get(par, 0 if par == "W00" else 998), par, p2,
                                               code, "C00", mot, kg, value)))
    return "\n".join(out) + "\n"


COMTRADE_GOOD = [
    (2022, "KOR", "M", "CHN", "284690", 1000, 500), (2022, "KOR", "M", "JPN", "284690", "", 300),
    (2022, "KOR", "X", "JPN", "284690", 5, 10),
    (2022, "KOR", "M", "W00", "284690", "", 800),     # partner World: skipped
    (2022, "KOR", "M", "CHN", "2846", "", 500),       # heading total: skipped
    (2022, "KOR", "M", "_X", "284690", "", 1),        # area not elsewhere specified: skipped
    (2022, "KOR", "M", "CHN", "284690", "", 99, 0, 1),  # transport-mode breakdown: skipped
]


def test_comtrade_import_orients_flows_and_skips_aggregates(store, tmp_path):
    path = tmp_path / "comtrade.tsv"
    path.write_text(comtrade_rows(COMTRADE_GOOD))
    rep = import_comtrade(store, path)
    assert (rep.rows, rep.skipped, rep.bad) == (3, 4, [])
    df = store.df(f"SELECT exporter, importer, value_usd, quantity_t, basis FROM {flows(store)} ORDER BY ALL")
    assert df.values.tolist()[0][:2] == ["CHN", "KOR"] and df.values.tolist()[0][2:4] == [500.0, 1.0]
    assert set(zip(df.exporter, df.importer, df.basis)) == {
        ("CHN", "KOR", "importer-reported"), ("JPN", "KOR", "importer-reported"),
        ("KOR", "JPN", "exporter-reported")}


def test_comtrade_legacy_header_and_gzip(store, tmp_path):
    path = tmp_path / "legacy.csv.gz"
    text = ("Year,Trade Flow Code,Reporter Code,Reporter ISO,Partner Code,Partner ISO,Commodity Code,"
            "Netweight (kg),Trade Value (US$)\n2021,1,410,KOR,156,CHN,850511,2000,700\n"
            "2021,2,410,KOR,842,USA,850511,,40\n")
    with gzip.open(path, "wt") as fh:
        fh.write(text)
    rep = import_comtrade(store, path)
    assert rep.rows == 2
    assert store.df(f"SELECT exporter, importer FROM {flows(store)} ORDER BY 1").values.tolist() == [
        ["CHN", "KOR"], ["KOR", "USA"]]


COMTRADE_BAD = [
    ((2022, "KOR", "M", "CHN", "2846A0", 1, 5), "cmdCode", "bad HS6 code '2846A0'"),
    ((2022, "KOR", "M", "CHN", "280530", 1, "abc"), "primaryValue", "value 'abc' is not"),
    ((2022, "KOR", "M", "ZZZ", "280530", 1, 5), "partnerISO", "unknown country 'ZZZ'"),
    ((2022, "KOR", "M", "CHN", "284690", 1, 5), "key", "duplicated key (first on line 2)"),
]


@pytest.mark.parametrize("bad,field,message", COMTRADE_BAD, ids=[b[1] for b in COMTRADE_BAD])
def test_comtrade_malformed_refused_and_store_untouched(store, tmp_path, bad, field, message):
    ok = tmp_path / "ok.tsv"
    ok.write_text(comtrade_rows(COMTRADE_GOOD))
    import_comtrade(store, ok, dataset="FIRST")
    before = store.checksums()
    path = tmp_path / "bad.tsv"
    path.write_text(comtrade_rows([COMTRADE_GOOD[0], bad] + COMTRADE_GOOD[1:]))
    with pytest.raises(BadInputs) as info:
        import_comtrade(store, path, dataset="SECOND")
    err = info.value.errors[1]
    assert (err.line, err.field) == (3, field) and message in err.message
    assert store.checksums() == before


def test_comtrade_missing_column_names_it(store, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("refYear,reporterISO\n2022,KOR\n")
    with pytest.raises(BadInput) as info:
        import_comtrade(store, path)
    assert info.value.line == 1 and info.value.field in ("reporterCode", "partnerISO", "flowCode",
                                                         "cmdCode", "primaryValue", "partnerCode")


def _text_layout_store(path, rows) -> None:
    """A store whose trade_flow has the text keys of the layout before migration 13."""
    with Store(path) as s:
        s.con.execute("DROP TABLE trade_flow")
        s.con.execute("CREATE TABLE trade_flow (year INTEGER, exporter VARCHAR, importer VARCHAR, "
                      "code VARCHAR, value_usd DOUBLE, quantity_t DOUBLE, basis VARCHAR, dataset VARCHAR)")
        s.con.executemany("INSERT INTO trade_flow VALUES (?, ?, ?, ?, ?, NULL, 'reconciled', 'D')", rows)
        s.con.execute("DELETE FROM schema_migrations WHERE version >= 13")


def test_migration_13_converts_text_keys_and_keeps_every_row(tmp_path):
    rows = [(2022, "CHN", "KOR", "284690", 600.0), (2022, "TWN", "KOR", "010121", 5.0),
            (2021, "KOR", "USA", "850511", 7.5)]
    _text_layout_store(tmp_path / "old.duckdb", rows)
    with Store(tmp_path / "old.duckdb") as s:
        types = dict(s.con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                   "WHERE table_name = 'trade_flow'").fetchall())
        assert (types["exporter"], types["importer"], types["code"]) == ("INTEGER",) * 3
        assert s.con.execute("SELECT exporter, code FROM trade_flow WHERE importer = 840").fetchall() == [(410, 850511)]
        back = s.df(f"SELECT year, exporter, importer, code, value_usd FROM {flows(s)} ORDER BY ALL")
    assert [tuple(r) for r in back.itertuples(index=False)] == sorted(rows)


def test_migration_13_refuses_unknown_countries_and_leaves_the_store(tmp_path):
    _text_layout_store(tmp_path / "old.duckdb", [(2022, "XXX", "KOR", "284690", 1.0)])
    with pytest.raises(ValueError, match="XXX"):
        Store(tmp_path / "old.duckdb")
    con = duckdb.connect(str(tmp_path / "old.duckdb"), read_only=True)
    assert con.execute("SELECT exporter FROM trade_flow").fetchall() == [("XXX",)]
    con.close()


def test_malformed_lines_are_bad_rows_named_by_line(store, baci_dir):
    """A stray field, separator or quote is one bad row, not a misread file; blank lines are skipped."""
    path = baci_dir / "BACI_HS22_Y2023_V202501.csv"
    good = [f"2023,{CODE[e]},{CODE[i]},{k},{v},{q}" for _, e, i, k, v, q in GOOD]
    path.write_text("\n".join(["t,i,j,k,v,q", good[0], "2023,156,410,280530,1,1,7", good[1], "",
                               '"2023;156,410,850511,1,1', "2023,156", *good[2:]]) + "\n")
    def stored() -> dict:  # the store's tables (an import's temp tables are not the store)
        return {k: v for k, v in store.checksums().items() if not k.startswith("_")}
    before = stored()
    with pytest.raises(BadInputs) as info:
        import_baci(store, path)
    assert stored() == before
    assert [(e.line, e.field) for e in info.value.errors[1:]] == [(3, "line"), (6, "line"), (7, "line")]
    rep = import_baci(store, path, max_bad=0.5)
    assert rep.rows == len(GOOD) and rep.tiers == ["text"]
    assert "expected 6 comma-separated fields (t,i,j,k,v,q), found 7" in str(rep.bad[0])


def test_a_file_without_the_baci_header_is_refused_on_line_one(store, baci_dir):
    path = write_baci(baci_dir / "BACI_HS22_Y2023_V202501.csv", GOOD, header="year,i,j,k,v,q")
    with pytest.raises(BadInput, match="header") as info:
        import_baci(store, path)
    assert (info.value.line, info.value.field) == (1, "header")
