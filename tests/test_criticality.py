"""Supply-risk formulas (JRC 2017, USGS 2022 style) by hand, and `assess` on the bundled store."""
from __future__ import annotations

import math

import pytest

from chokepoint.trade import criticality as cr
from chokepoint.trade.concentration import AGGREGATE_CODES, stage_shares


def test_wgi_scaling_and_governance_weighted_hhi():
    assert (cr.wgi_scaled(2.5), cr.wgi_scaled(0.0), cr.wgi_scaled(-2.5), cr.wgi_scaled(-3)) == (0, 5, 10, 10)
    shares, gov = {"CHN": 0.7, "AUS": 0.2, "XXX": 0.1}, {"CHN": 6.0, "AUS": 1.0}
    assert cr.hhi_wgi(shares, gov) == pytest.approx(0.49 * 6 + 0.04 * 1)  # XXX unscored
    assert cr.hhi_wgi(shares, gov, {"CHN": 1.2}) == pytest.approx(0.49 * 6 * 1.2 + 0.04)
    assert math.isnan(cr.hhi_wgi({"XXX": 1.0}, gov))


def test_jrc_and_usgs_formulas():
    # SR = (HHI_GS * IR + HHI_sourcing * (1 - IR)) * (1 - EOL_RIR) * SI
    assert cr.jrc_supply_risk(3.0, 1.0, ir=0.75, eol_rir=0.1, si=0.9) == pytest.approx(
        (3 * 0.75 + 1 * 0.25) * 0.9 * 0.9)
    assert cr.jrc_supply_risk(3.0, 1.0, ir=1.7) == 3.0  # IR clipped to 1
    assert cr.jrc_supply_risk(3.0, 1.0, ir=math.nan) == 3.0  # unknown IR counts as full reliance
    assert cr.usgs_supply_risk(0.4, 0.5, 0.8) == pytest.approx(0.16)
    assert cr.disruption_potential({"CHN": 1.0}, {"CHN": 5.0}) == 0.5


def test_assess_uses_stage_shares_and_governance(wb):
    con = wb.store.con
    con.execute("DELETE FROM governance")  # the test controls every governance input
    con.execute("INSERT INTO source (key, publisher, title, year) VALUES ('TEST_WGI', 'test', 'test values', 2024)")
    con.execute("INSERT INTO governance VALUES ('CHN', 'GE', 2020, -0.5, NULL, 'TEST_WGI'), "
                "('CHN', 'RL', 2020, -0.3, NULL, 'TEST_WGI'), ('AUS', 'GE', 2020, 1.5, NULL, 'TEST_WGI')")
    out = wb.exposure.criticality("KOR", "rare-earths")
    assert len(out) and set(out["importer"]) == {"KOR"}
    mine = out[out["stage"] == "mine"].iloc[0]
    world = stage_shares(wb.store, "rare-earths")
    world = world[(world["stage"] == "mine") & ~world["iso3"].isin(AGGREGATE_CODES)]
    gov = {"CHN": cr.wgi_scaled(-0.4), "AUS": cr.wgi_scaled(1.5)}
    shares = dict(zip(world["iso3"], world["share"]))
    expect = sum(s * s * gov[c] for c, s in shares.items() if c in gov)
    assert mine["hhi_wgi_global"] == pytest.approx(expect)
    assert mine["governance_coverage"] == pytest.approx(sum(s for c, s in shares.items() if c in gov))
    assert mine["jrc_supply_risk"] == pytest.approx(
        cr.jrc_supply_risk(mine["hhi_wgi_global"], mine["hhi_wgi_sourcing"], mine["import_reliance"]))
    assert out.attrs["unit"]["jrc_supply_risk"] == "index"


def test_bundled_governance_gives_scores_with_sources(wb):
    out = wb.exposure.criticality("KOR", "rare-earths")
    scored = out[out["governance_coverage"] > 0]
    assert len(scored) and scored["jrc_supply_risk"].notna().all()
    assert scored["sources"].str.contains("OHI_WGI_V2022").all()
