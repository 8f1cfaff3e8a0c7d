"""`chokepoint exposure`, `screen` and `trade import-*` through the CLI entry point."""
from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from test_importers import GOOD, write_baci, write_dictionaries

from chokepoint.cli import main


def test_exposure_kor_rare_earths_shows_stages_china_share_and_sources(db_path, capsys):
    assert main(["exposure", "--country", "KOR", "--material", "rare-earths", "--db", str(db_path),
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"stages", "suppliers", "production", "sources"} <= set(out)
    stages = out["stages"]
    assert stages and all(r["sources"] for r in stages)
    assert any(r.get("chn_share") is not None for r in stages)
    assert {s["key"] for s in out["sources"]} and any(r["exporter"] == "CHN" for r in out["suppliers"])
    assert main(["exposure", "-c", "KOR", "-m", "rare-earths", "--db", str(db_path)]) == 0
    table = capsys.readouterr().out
    assert "stages" in table and "chn_share" in table and "sources" in table


@pytest.mark.parametrize("suffix", [".png", ".html"])
def test_exposure_chart(db_path, tmp_path, capsys, suffix):
    chart = tmp_path / f"kor{suffix}"
    assert main(["exposure", "-c", "KOR", "--db", str(db_path), "--chart", str(chart), "-f", "csv"]) == 0
    assert chart.stat().st_size > 1000
    assert main(["exposure", "-c", "KOR", "--db", str(db_path), "--chart", str(tmp_path / "x.svg")]) == 2


def test_import_then_screen_and_bad_file_exit_2(db_path, tmp_path, capsys):
    write_dictionaries(tmp_path)
    good = write_baci(tmp_path / "BACI_HS22_Y2022_V202501.csv", GOOD)
    assert main(["trade", "import-baci", str(good), "--db", str(db_path), "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["rows"] == len(GOOD)
    assert main(["screen", "--db", str(db_path), "-f", "csv", "--top", "0"]) == 0
    df = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"code": str})
    kor = df[(df.importer == "KOR") & (df.code == "284690")].iloc[0]
    assert kor.hhi == pytest.approx(0.46) and kor.top_supplier == "CHN" and bool(kor.dependent)
    bad = write_baci(tmp_path / "BACI_HS22_Y2023_V202501.csv", [(2023, "CHN", "KOR", "28x690", 1, 1)])
    assert main(["trade", "import-baci", str(bad), "--db", str(db_path)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2" in err and "bad HS6 code" in err


def test_screen_country_on_bundled_extracts(db_path, capsys):
    assert main(["screen", "-c", "KOR", "--db", str(db_path), "-f", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {r["importer"] for r in rows} == {"KOR"}
