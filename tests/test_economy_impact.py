"""From a chain run to value added at risk: table, concordance, adapter, impact and the CLI."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from chokepoint.cli import main
from chokepoint.economy import concordance, impact, shock, table
from chokepoint.errors import BadInput, BadInputs


@pytest.fixture(scope="module")
def bundled():
    return table.bundled()


def test_bundled_table_is_balanced_with_its_source(bundled, wb):
    t = bundled
    assert t.regions == ("KOR", "CHN", "JPN", "USA", "EU", "RoW") and len(t.sectors) == 10
    np.testing.assert_allclose(t.Z.sum(axis=1) + t.Y.sum(axis=1), t.x, rtol=1e-12)
    assert (t.va > 0).all() and (t.Y >= 0).all()
    assert t.source == "WIOD2013_WIOT2011" and t.year == 2011 and t.unit == "million USD"
    keys = set(wb.sources()["key"])
    assert {"WIOD2013_WIOT2011", "CHOKEPOINT_CONCORDANCE"} <= keys
    assert set(concordance.load()["source"]) <= keys


def test_aggregation_keeps_totals_and_saved_tables_read_back(tmp_path):
    pymrio = pytest.importorskip("pymrio")
    full = table.from_pymrio(pymrio.load_test().calc_system(), name="test")
    small = table.aggregate(full, {"reg1": "A", "reg2": "A", "reg3": "B"},
                            {s: ("goods" if s in ("food", "mining", "manufactoring") else "other") for s in full.sectors},
                            "small")
    assert small.regions == ("A", "B", "RoW") and small.sectors == ("goods", "other")
    assert small.Z.sum() == pytest.approx(full.Z.sum()) and small.x.sum() == pytest.approx(full.x.sum())
    np.testing.assert_allclose(small.va.sum(), full.va.sum())
    back = table.load(table.save(small, tmp_path / "small"))
    np.testing.assert_allclose(back.Z, small.Z)
    assert back.regions == small.regions and back.sectors == small.sectors


def test_unknown_formats_and_labels_list_the_valid_ones(bundled, tmp_path):
    with pytest.raises(BadInput, match="formats are 'pymrio'"):
        table.load(tmp_path, "xlsx")
    with pytest.raises(BadInput, match="regions are 'KOR'"):
        bundled.index("ATL")
    with pytest.raises(BadInput, match="sectors not mapped"):
        table.aggregate(bundled, {}, {"mining": "m"}, "x")


def _series(weeks: int, short: dict[str, list[float]], demand: float = 10.0) -> pd.DataFrame:
    rows = []
    for sector, vals in short.items():
        for w in range(weeks):
            rows += [{"week": w, "variable": "demand", "sector": sector, "value": demand},
                     {"week": w, "variable": "shortfall", "sector": sector, "value": vals[w]}]
    rows.append({"week": 0, "variable": "price_index", "sector": None, "value": 2.0})
    return pd.DataFrame(rows)


def test_shortfall_becomes_a_capacity_loss_in_the_focal_region_only(bundled):
    frac = shock.shortfall_fractions(_series(3, {"ev": [0, 5, 10], "wind": [0, 0, 2]}))
    np.testing.assert_allclose(frac.to_numpy(), [[0, 0], [0.5, 0], [1.0, 0.2]])
    applied = concordance.rows(concordance.load(), "rare-earths", list(frac.columns))
    W = concordance.weights(applied, list(frac.columns), bundled.sectors)
    delta = shock.capacity_loss(frac, W, bundled, "KOR")
    k = bundled.index("KOR", "transport-equipment")
    assert delta[2, k] == pytest.approx(0.08 * 0.9)
    assert delta[:, bundled.index("KOR", "machinery")].max() == pytest.approx(0.2 * 0.01 * 0.7)
    outside = np.ones(bundled.n, bool)
    outside[bundled.index("KOR")] = False
    assert not delta[:, outside].any()
    assert shock.daily(delta, 2).shape == (35, bundled.n)


def test_a_monte_carlo_runs_median_path_is_used():
    low = _series(2, {"ev": [1, 1]}).assign(quantile=0.05)
    mid = _series(2, {"ev": [5, 2]}).assign(quantile=0.5)
    high = _series(2, {"ev": [9, 9]}).assign(quantile=0.95)
    frac = shock.shortfall_fractions(pd.concat([low, mid, high]))
    np.testing.assert_allclose(frac["ev"].to_numpy(), [0.5, 0.2])


def test_a_familys_own_rows_win_over_the_generic_ones():
    conc = concordance.load()
    ree = concordance.rows(conc, "rare-earths", ["ev", "other-uses", "battery-storage"])
    assert set(ree.loc[ree["chain_sector"] == "ev", "family"]) == {"rare-earths"}
    assert set(ree.loc[ree["chain_sector"] == "battery-storage", "family"]) == {"*"}
    ga = concordance.rows(conc, "gallium", ["all"])
    assert list(ga["io_sector"]) == ["electrical-optical"] and list(ga["family"]) == ["gallium"]


def test_bad_concordance_rows_name_line_and_field(tmp_path, bundled):
    bad = concordance.load().head(2).copy()
    bad.loc[1, "intensity"] = 1.5
    bad.to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(BadInputs, match=r"c.csv:3, field 'intensity'"):
        concordance.load(tmp_path / "c.csv")
    odd = concordance.load().head(1).assign(io_sector="shipbuilding")
    with pytest.raises(BadInput, match="sectors are 'agri-food'"):
        concordance.weights(odd, ["ev"], bundled.sectors)


def test_countries_map_to_the_tables_regions(bundled):
    assert shock.region_of("KOR", bundled) == "KOR"
    assert shock.region_of("DEU", bundled) == "EU"
    assert shock.region_of("BRA", bundled) == "RoW"
    no_row = table.IOTable(bundled.Z[:50, :50], bundled.Y[:50, :5], bundled.x[:50], bundled.regions[:5],
                           bundled.sectors, "five")
    with pytest.raises(BadInput, match="regions are 'KOR'"):
        shock.region_of("BRA", no_row)


def test_no_shortfall_no_loss_and_a_deeper_one_costs_more(bundled):
    zero = impact.assess(bundled, np.zeros((10, bundled.n)), tail_weeks=2)
    assert np.abs(zero.sectors["va_at_risk"]).max() < 1e-6 * bundled.va.max()
    assert zero.sectors["recovery_week"].isna().all()
    d = np.zeros((30, bundled.n))
    d[2:14, bundled.index("KOR", "electrical-optical")] = 0.2
    small, big = impact.assess(bundled, d), impact.assess(bundled, 2 * d)
    assert 0 < small.totals["va_at_risk"] < big.totals["va_at_risk"]
    kor = big.sectors[big.sectors["region"] == "KOR"].set_index("sector")
    assert kor.loc["electrical-optical", "peak_output_loss_pct"] == pytest.approx(40, abs=0.5)
    assert kor.loc["electrical-optical", "recovery_week"] is not None
    va = bundled.va[bundled.index("KOR", "electrical-optical")]
    assert kor.loc["electrical-optical", "static_direct"] == pytest.approx(0.4 * 12 / 52 * va)


def test_draws_in_one_batch_give_each_draws_value_added_at_risk(bundled):
    d = np.zeros((3, 20, bundled.n))
    d[:, 2:10, bundled.index("KOR", "transport-equipment")] = [[0.1], [0.3], [0.5]]
    draws = impact.va_at_risk_draws(bundled, d, tail_weeks=4)
    assert draws.shape == (3, bundled.n) and np.all(np.diff(draws.sum(axis=1)) > 0)
    np.testing.assert_allclose(draws[1], impact.assess(bundled, d[1], tail_weeks=4).sectors["va_at_risk"], rtol=1e-9)


@pytest.mark.slow
def test_stress_with_impact_prints_value_added_at_risk_with_sources(db_path, tmp_path, capsys):
    assert main(["stress", "cn-ree-6m", "--country", "KOR", "--impact", "--db", str(db_path),
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Value added at risk" in out and "transport-equipment" in out and "electrical-optical" in out
    assert "source WIOD2013_WIOT2011" in out and "source CHOKEPOINT_CONCORDANCE" in out
    run_id = out.split("(run ")[1].split(")")[0]
    assert (tmp_path / f"cn-ree-6m-KOR-impact-{run_id}.png").stat().st_size > 10_000
    assert len(pd.read_csv(tmp_path / f"cn-ree-6m-KOR-impact-{run_id}.csv")) == 60
    assert main(["impact", run_id, "--format", "json", "--db", str(db_path), "--out", str(tmp_path)]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["totals"]["region"] == "KOR" and got["totals"]["va_at_risk"] > 0
    assert {r["region"] for r in got["sectors"]} == {"KOR"}
    weekly = got["weekly_output_vs_baseline"]
    assert len(weekly) == got["totals"]["weeks"] == 78 + 26 and weekly[0]["KOR"] == pytest.approx(1.0)
    assert min(w["KOR"] for w in weekly) < 0.999
    assert main(["impact", "nosuchrun", "--db", str(db_path), "--out", str(tmp_path)]) == 2
    from chokepoint import open as open_store, report  # `chokepoint report` opens read-only: not beside a writer

    with open_store(db_path) as wb:
        report.write(wb, run_id, tmp_path / "r.html", impact=True)
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="impact"' in html and 'id="chart-impact"' in html and "<code>WIOD2013_WIOT2011</code>" in html


def test_build_script_aggregates_a_mock_wiod_release(tmp_path):
    """scripts/build_io_table.py on WIOD-shaped files (4 countries × 35 industries), as a user would run it."""
    import subprocess
    import sys
    from pathlib import Path

    rng = np.random.default_rng(5)
    labels = [f"{c}_c{i}" for c in ("KOR", "CHN", "DEU", "BRA") for i in range(1, 36)]
    Z = rng.uniform(0, 10, (140, 140)).round()
    Y = rng.uniform(0, 50, (140, 20)).round()
    Y[3, 0] = -5.0  # an inventory drawdown
    fd = [f"{c}_FD{k}" for c in ("KOR", "CHN", "DEU", "BRA") for k in range(1, 6)]
    pd.DataFrame(Z, columns=labels).assign(row_country_industry=labels)[["row_country_industry", *labels]] \
        .to_parquet(tmp_path / "wiod2013_wiot2011_intermediate_musd.parquet")
    pd.DataFrame(Y, columns=fd).assign(row_country_industry=labels)[["row_country_industry", *fd]] \
        .to_parquet(tmp_path / "wiod2013_wiot2011_final_demand_musd.parquet")
    pd.DataFrame({"row_country_industry": labels, "gross_output_musd": Z.sum(1) + Y.sum(1) + 1}) \
        .to_csv(tmp_path / "wiod2013_wiot2011_gross_output.csv", index=False)
    script = Path(__file__).resolve().parents[1] / "scripts" / "build_io_table.py"
    done = subprocess.run([sys.executable, str(script), str(tmp_path), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, check=True)
    assert "negative final demand set to zero" in done.stdout
    t = table.load(tmp_path / "out")
    assert t.regions == ("KOR", "CHN", "EU", "RoW") and len(t.sectors) == 10 and t.source == "WIOD2013_WIOT2011"
    assert t.Z.sum() == pytest.approx(Z.sum())
    np.testing.assert_allclose(t.x, t.Z.sum(axis=1) + t.Y.sum(axis=1))
    assert (t.Y >= 0).all() and t.meta["sector_labels"]["mining"].startswith("Mining")


@pytest.mark.slow
def test_scenario_page_shows_value_added_at_risk_on_request(db_path):
    from fastapi.testclient import TestClient

    import chokepoint
    from chokepoint.web import create_app

    with chokepoint.open(db_path) as wb:
        run_id = wb.chain.run("cn-ree-6m", country="KOR", engine="fast").run_id
    with TestClient(create_app(db_path, read_only=True)) as client:
        plain = client.get(f"/scenario?run={run_id}&country=KOR")
        page = client.get(f"/scenario?run={run_id}&country=KOR&impact=1")
    assert plain.status_code == 200 and "impact=1" in plain.text and 'id="impact-table"' not in plain.text
    assert page.status_code == 200
    assert 'id="impact-table"' in page.text and 'id="chart-impact"' in page.text
    assert "electrical-optical" in page.text and "WIOD2013_WIOT2011" in page.text
