"""Fuzz and fault injection (issue 17): hostile input never crashes or half-writes the store.

Every importer, the scenario YAML and the news reader get generated input; each must either
accept it or refuse it as BadInput (file, line, field), and a refused import leaves every
table exactly as it was. The default suite runs a few hundred examples; the slow suite runs
10,000 per target and kills imports and runs with SIGKILL at several points:

    .venv/bin/python -m pytest -q -p no:xdist --slow -m slow tests/test_faults.py
"""
from __future__ import annotations

import json
import math
import os

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_importers import COMTRADE_HEADER, write_dictionaries

from chokepoint.chain import scenario
from chokepoint.errors import BadInput
from chokepoint.news.entities import Gazetteer
from chokepoint.news.pipeline import run as read_news
from chokepoint.reference import loader
from chokepoint.schema import TABLES
from chokepoint.store import Store
from chokepoint.trade.baci import import_baci
from chokepoint.trade.comtrade import import_comtrade

DEFAULT, SLOW = 60, int(os.environ.get("CHOKEPOINT_FUZZ_EXAMPLES", 10_000))
EXAMPLES = [DEFAULT, pytest.param(SLOW, marks=pytest.mark.slow, id="slow")]


def fuzz(n: int):
    return settings(max_examples=n, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


# -- strategies --------------------------------------------------------------------------
NUMBERS = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, 1, -1, 1e-300, 1e300]))
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, st.text(max_size=20))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)
PARAMS = st.dictionaries(st.sampled_from(sorted(scenario.Scenario.model_fields)), VALUES, max_size=6)
RESTRICTION = st.fixed_dictionaries({}, optional={k: VALUES for k in scenario.Restriction.model_fields})
SCENARIOS = st.one_of(PARAMS, st.builds(lambda p, r: {**p, "restrictions": r}, PARAMS, st.lists(RESTRICTION, max_size=2)))
BYTES_LINES = st.lists(st.one_of(st.text(max_size=80), st.binary(max_size=40).map(lambda b: b.decode("latin-1"))),
                       max_size=8)


def _cell(kind):
    return st.one_of(kind, st.sampled_from(["", "NA", "-1", "1e309", "nan", "\x00", '"', "=1+1", "9" * 30]),
                     st.text(max_size=12))


# -- scenario YAML ------------------------------------------------------------------------
def _finite(model) -> bool:
    return scenario.non_finite(json.loads(model.model_dump_json())) is None


@pytest.mark.parametrize("n", EXAMPLES)
def test_scenario_yaml_is_a_scenario_or_bad_input(tmp_path, n):
    path = tmp_path / "fuzz.yaml"

    @fuzz(n)
    @given(st.one_of(SCENARIOS.map(lambda d: yaml.safe_dump(d, allow_unicode=True)), st.text(max_size=200)))
    def check(text):
        path.write_text(text, encoding="utf-8")
        try:
            got = scenario.load(str(path))
        except BadInput as exc:
            assert exc.file == str(path)
            return
        assert _finite(got) and got.commit_weeks <= got.window_weeks
    check()


# -- news reader ----------------------------------------------------------------------------
GOOD_NEWS = "Published: 2024-05-01\n\nChina on Monday announced export controls on gallium exports.\n"
JSON_LINES = st.lists(st.one_of(
    st.dictionaries(st.sampled_from(["id", "text", "title", "html", "published", "url", "source"]), VALUES,
                    max_size=5).map(json.dumps),
    st.text(max_size=60), st.integers(1, 3000).map(lambda d: "[" * d + "]" * d)), max_size=6)


@pytest.mark.parametrize("n", EXAMPLES)
def test_news_files_are_read_or_named_never_crash(tmp_path, n):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD_NEWS)
    gazetteer = Gazetteer.bundled()

    @fuzz(n)
    @given(st.sampled_from([".txt", ".jsonl", ".html"]), st.one_of(JSON_LINES.map("\n".join),
                                                                  BYTES_LINES.map("\n".join)), st.binary(max_size=64))
    def check(suffix, text, tail):
        name = f"fuzz{suffix}"
        (folder / name).write_bytes(text.encode("utf-8", "surrogatepass") + tail)
        batch = read_news([folder], gazetteer)
        assert any(a.doc_id == "good.txt" for a in batch.articles)
        named = {a.doc_id.split("#")[0] for a in batch.articles} | {n for n, _ in batch.errors}
        assert name in named
        for a in batch.articles:
            assert "\x00" not in a.text and "\x00" not in (a.title or "")
    check()


# -- importers: a refused file leaves the store exactly as it was ----------------------------
def _snapshot(store: Store) -> dict:
    """Row counts of every table and full checksums of the tables an import writes."""
    counts = {t: store.count(t) for t in store.tables()}
    return {**counts, **{t: store.checksum(t) for t in ("trade_flow", "trade_import")}}


def _importer_check(store: Store, run) -> None:
    before = _snapshot(store)
    try:
        rep = run()
    except BadInput as exc:
        assert exc.file or exc.field or exc.line or str(exc)
        assert _snapshot(store) == before, "a refused import changed the store"
        return
    assert rep.rows >= 0


BACI_ROW = st.tuples(_cell(st.just("2022")), _cell(st.sampled_from(["156", "410", "392", "36", "490"])),
                     _cell(st.sampled_from(["156", "410", "392"])), _cell(st.sampled_from(["284690", "850511", "10121"])),
                     _cell(st.floats(0, 1e6).map(str)), _cell(st.floats(0, 1e3).map(str)))


@pytest.mark.parametrize("n", EXAMPLES)
def test_baci_files_import_or_are_refused_whole(tmp_path, n):
    write_dictionaries(tmp_path)
    path = tmp_path / "BACI_HS22_Y2022_V202501.csv"
    with Store(tmp_path / "s.duckdb") as store:
        @fuzz(n)
        @given(st.lists(BACI_ROW, max_size=12), st.sampled_from(["t,i,j,k,v,q", "t,i,j,k,v", "x"]),
               st.sampled_from(["\n", "\r\n"]))
        def check(rows, header, eol):
            path.write_text(eol.join([header, *(",".join(r) for r in rows)]) + eol, encoding="utf-8",
                            errors="surrogatepass")
            _importer_check(store, lambda: import_baci(store, path, dataset="F", replace=True))
        check()


COMTRADE_ROW = st.tuples(_cell(st.just("2022")), _cell(st.sampled_from(["410", "156"])),
                         _cell(st.sampled_from(["KOR", "CHN"])), _cell(st.sampled_from(["M", "X"])),
                         _cell(st.sampled_from(["156", "392", "0"])), _cell(st.sampled_from(["CHN", "JPN", "W00"])),
                         _cell(st.sampled_from(["284690", "2846"])), _cell(st.floats(0, 1e6).map(str)),
                         _cell(st.floats(0, 1e6).map(str)))


@pytest.mark.parametrize("n", EXAMPLES)
def test_comtrade_files_import_or_are_refused_whole(tmp_path, n):
    path = tmp_path / "comtrade.tsv"
    with Store(tmp_path / "s.duckdb") as store:
        @fuzz(n)
        @given(st.lists(COMTRADE_ROW, max_size=10))
        def check(rows):
            lines = [COMTRADE_HEADER] + ["\t".join(("C", "A", y, rc, ri, fl, pc, pi, "0", k, "C00", "0", kg, v))
                                         for y, rc, ri, fl, pc, pi, k, kg, v in rows]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
            _importer_check(store, lambda: import_comtrade(store, path, dataset="F", replace=True))
        check()


@pytest.mark.parametrize("n", EXAMPLES)
def test_reference_csvs_validate_or_name_the_line(n):
    table = TABLES["production"]
    header = ",".join(table.names)

    @fuzz(n)
    @given(st.lists(st.lists(_cell(st.sampled_from(["rare-earths", "mine", "CHN", "2024", "production", "1.5",
                                                     "t", "USGS_MCS2025_WD"])),
                             min_size=len(table.names) - 1, max_size=len(table.names) + 1), max_size=6))
    def check(rows):
        lines = [",".join(c.replace(",", ";") for c in r) for r in rows]
        text = "\n".join([header, *lines]) + "\n"
        try:
            got = loader.validate([loader.TableFile(table, text, "production.csv")])
        except BadInput as exc:
            assert exc.file == "production.csv" or "production.csv" in str(exc)
            return
        for df in got.values():
            for col in df.select_dtypes("float"):
                assert all(math.isfinite(v) or math.isnan(v) for v in df[col])
    check()


# -- fault injection: SIGKILL at several points leaves the store before or after, never between
def _state(db) -> dict[str, str]:
    """Checksums of every table; an import's own timestamp is left out so two imports compare."""
    with Store(db, read_only=True) as s:
        sums = s.checksums()
        sums["trade_import"] = repr(s.con.execute("SELECT dataset, rows, years::VARCHAR FROM trade_import "
                                                  "ORDER BY import_id").fetchall())
        return sums


def _big_baci(folder, rows: int, db):
    """A BACI yearly file of `rows` distinct flows between the store's countries (plus its dictionaries)."""
    import numpy as np

    with Store(db, read_only=True) as s:
        nums = s.con.execute("SELECT iso_numeric, iso3 FROM country WHERE iso_numeric IS NOT NULL "
                             "ORDER BY iso3").fetchall()
    (folder / "country_codes_V202501.csv").write_text(
        "country_code,country_name,country_iso2,country_iso3\n" + "".join(f"{n},x,,{c}\n" for n, c in nums))
    codes = np.arange(280100, 280100 + -(-rows // len(nums) ** 2) + 1)
    (folder / "product_codes_HS22_V202501.csv").write_text("code,description\n" + "".join(f"{c},g\n" for c in codes))
    n = np.array([x for x, _ in nums])
    pick = np.random.default_rng(7).permutation(len(n) * len(n) * len(codes))[:rows]
    i, rest = np.divmod(pick, len(n) * len(codes))
    j, k = np.divmod(rest, len(codes))
    path = folder / "BACI_HS22_Y2022_V202501.csv"
    with open(path, "w") as f:
        f.write("t,i,j,k,v,q\n")
        for a in range(0, rows, 200_000):
            sl = slice(a, a + 200_000)
            f.write("".join(f"2022,{x},{y},{z},{v},{q}\n" for x, y, z, v, q in
                            zip(n[i[sl]].tolist(), n[j[sl]].tolist(), codes[k[sl]].tolist(),
                                (pick[sl] % 9973 + 1).tolist(), (pick[sl] % 97 + 1).tolist())))
    return path


def _killed_at(args: list[str], delay: float, env: dict) -> int:
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-m", "chokepoint", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    return proc.wait(60)


@pytest.mark.slow
def test_a_killed_import_leaves_the_store_before_or_after(built_db, tmp_path):
    import shutil
    import subprocess
    import sys
    import zipfile

    from chokepoint import scratch

    data = tmp_path / "data"
    data.mkdir()
    csv = _big_baci(data, 2_000_000, built_db)
    source = tmp_path / "BACI_HS22_V202501.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for f in data.iterdir():
            zf.write(f, f.name)
    csv.unlink()
    before_db, after_db = tmp_path / "before.duckdb", tmp_path / "after.duckdb"
    shutil.copy(built_db, before_db)
    shutil.copy(built_db, after_db)
    temp = tmp_path / "tmp"
    temp.mkdir()
    args = ["trade", "import-baci", str(source), "--dataset", "KILL"]
    env = {**os.environ, "TMPDIR": str(temp)}
    subprocess.run([sys.executable, "-m", "chokepoint", *args, "--db", str(after_db)], env=env, check=True,
                   capture_output=True)
    before, after = _state(before_db), _state(after_db)
    assert before != after
    outcomes, left = [], []
    for delay in (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0):
        db = tmp_path / "kill.duckdb"
        shutil.copy(built_db, db)
        _killed_at([*args, "--db", str(db)], delay, env)
        state = _state(db)
        assert state in (before, after), f"killed at {delay} s: a partial write"
        outcomes.append("after" if state == after else "before")
        left.append(sum(f.stat().st_size for f in temp.rglob("*") if f.is_file()))
        scratch.sweep(temp)  # what the next import does first
        assert not list(temp.iterdir())
    print(f"import killed at 1-12 s: {outcomes}; scratch left by each kill (MB, swept): "
          f"{[round(b / 1e6) for b in left]}")


@pytest.mark.slow
def test_a_killed_run_stores_a_whole_run_or_nothing(built_db, tmp_path):
    import shutil

    spec = tmp_path / "long.yaml"
    spec.write_text("extends: cn-ree-6m\nname: long\nweeks: 156\n")
    outcomes = []
    for delay in (2.0, 4.0, 6.0, 8.0, 10.0, 14.0):
        db = tmp_path / f"run-{delay}.duckdb"
        shutil.copy(built_db, db)
        _killed_at(["stress", str(spec), "--engine", "lp", "--db", str(db), "--out", str(tmp_path / "out")],
                   delay, dict(os.environ))
        with Store(db, read_only=True) as s:
            runs = s.count("run")
            assert runs in (0, 1)
            if runs:
                weeks = s.con.execute("SELECT count(DISTINCT week) FROM run_series").fetchone()[0]
                assert weeks == 156, "a stored run must be whole"
        outcomes.append(runs)
    print("runs stored when killed at 2-14 s:", outcomes)


@pytest.mark.slow
def test_ctrl_c_in_a_real_process_exits_130_with_one_line(built_db, tmp_path):
    import shutil
    import signal
    import subprocess
    import sys
    import time

    db = tmp_path / "s.duckdb"
    shutil.copy(built_db, db)
    spec = tmp_path / "long.yaml"
    spec.write_text("extends: cn-ree-6m\nname: long\nweeks: 520\nwindow_weeks: 26\n")
    proc = subprocess.Popen([sys.executable, "-m", "chokepoint", "stress", str(spec), "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(8)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert proc.returncode == 130 and lines[-1].startswith("interrupted") and len(lines) == 1, err
    with Store(db, read_only=True) as s:
        assert s.count("run") == 0
