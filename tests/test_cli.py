"""The CLI surface: formats, exit codes, help everywhere, and the demo on the bundled store."""
from __future__ import annotations

import io
import json

import pandas as pd
import pytest
import typer

from chokepoint.cli import app, main


def _commands(group: typer.Typer, prefix=()):
    for cmd in group.registered_commands:
        yield (*prefix, cmd.name or cmd.callback.__name__.replace("_", "-")), cmd
    for sub in group.registered_groups:
        yield from _commands(sub.typer_instance, (*prefix, sub.name))


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_data_show_formats(db_path, capsys, fmt):
    assert main(["data", "show", "material", "--db", str(db_path), "--format", fmt, "--limit", "0",
                 "--where", "family=rare-earths"]) == 0
    out = capsys.readouterr().out
    if fmt == "csv":
        df = pd.read_csv(io.StringIO(out))
        assert set(df["family"]) == {"rare-earths"} and "neodymium" in set(df["material"])
    elif fmt == "json":
        rows = json.loads(out)
        assert {r["family"] for r in rows} == {"rare-earths"} and len(rows) >= 17
    else:
        assert "neodymium" in out and "material" in out


def test_rare_earths_cover_the_17_elements_with_classes(wb):
    ree = wb.table("material", family="rare-earths")
    elements = ree[~ree["is_aggregate"].fillna(False).astype(bool) & ree["symbol"].notna()]
    symbols = set(elements["symbol"])
    assert {"Sc", "Y", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb",
            "Lu"} <= symbols
    classes = elements.set_index("symbol")["ree_class"]
    assert classes["Nd"] == "light" and classes["Dy"] == "heavy"


def test_unknown_table_and_bad_filter_exit_2(db_path, capsys):
    assert main(["data", "show", "nosuchtable", "--db", str(db_path)]) == 2
    assert "nosuchtable" in capsys.readouterr().err
    assert main(["data", "show", "material", "--db", str(db_path), "--where", "colour=red"]) == 2
    assert main(["data", "show", "material", "--db", str(db_path), "--where", "oops"]) == 2


def test_sources_lists_publishers(db_path, capsys):
    assert main(["sources", "--db", str(db_path), "--format", "json", "--table", "production"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["publisher"] and r["title"] and r["year"] for r in rows)


def test_every_command_has_help():
    for path, cmd in _commands(app):
        assert (cmd.help or (cmd.callback and cmd.callback.__doc__)), f"{' '.join(path)} lacks help"
        assert main([*path, "--help"]) == 0


def test_demo_json_is_computed_from_the_store(db_path, capsys):
    assert main(["demo", "--db", str(db_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    stages = {r["stage"]: r for r in out["concentration"]}
    assert {"mine", "separation", "magnet"} <= set(stages)
    assert out["chokepoint"] in stages
    assert max(stages, key=lambda s: stages[s]["hhi"]) == out["chokepoint"]
    assert 0 < stages["mine"]["chn_share"] < 1
    seed = [c for c in out["claims"] if c["claim_source"].startswith("NEWS_SEED")]
    assert len(seed) == 3 and all(c["verdict"] != "no data" for c in seed)


def test_demo_follows_the_data_for_another_country(db_path, capsys):
    """A different focal country and focus supplier work from data, nothing hard-coded."""
    assert main(["demo", "--db", str(db_path), "--json", "--country", "Japan", "--focus", "USA"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert all("usa_share" in r for r in out["concentration"])


def test_demo_prints_tables_and_next_commands(db_path, capsys):
    assert main(["demo", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "Chokepoint stage" in out and "Next, try" in out and "USGS" in out


def test_machine_readable_output_is_clean_in_a_real_process(db_path, tmp_path):
    """stdout of a real process carries only the JSON (no solver banners or progress bars)."""
    import subprocess
    import sys

    env = {"CHOKEPOINT_DB": str(db_path), "PATH": "", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "chokepoint", "stress", "cn-ree-6m", "--engine", "lp",
                          "--format", "json", "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["country"] == "KOR"


def test_share_columns_print_as_percentages_in_tables_only(capsys):
    """Analysts read 61.1%, not 0.611; CSV keeps the fraction for spreadsheets."""
    import pandas as pd
    from chokepoint.cli.common import Format, emit

    df = pd.DataFrame({"exporter": ["CHN", "ROW"], "share": [0.611, 0.389], "hhi": [0.52, 0.52],
                       "value_share": [1.5, None]})
    emit(df, Format.table)
    out = capsys.readouterr().out
    assert "61.1%" in out and "38.9%" in out and "0.611" not in out
    assert "0.52" in out and "150" not in out  # not a share by name; a 'share' over 1 is not a fraction
    emit(df, Format.csv)
    assert "0.611" in capsys.readouterr().out
