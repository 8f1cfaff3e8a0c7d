"""Exposure metrics against hand-computed cases, property tests, and the API on the bundled store."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chokepoint.trade import exposure

# KOR imports 284690 from CHN 60, JPN 30, USA 10 and 280530 from CHN 10; JPN imports from CHN 5.
FLOWS = pd.DataFrame({
    "year": [2022] * 6,
    "exporter": ["CHN", "JPN", "USA", "CHN", "CHN", "KOR"],
    "importer": ["KOR", "KOR", "KOR", "JPN", "KOR", "KOR"],
    "code": ["284690", "284690", "284690", "284690", "280530", "284690"],
    "material": ["rare-earths"] * 6,
    "stage": ["separation", "separation", "separation", "separation", "metal", "separation"],
    "value_usd": [60.0, 30.0, 10.0, 5.0, 10.0, 99.0],  # the KOR->KOR row is self-trade: ignored
})


def row(df, **keys):
    mask = pd.Series(True, index=df.index)
    for k, v in keys.items():
        mask &= df[k] == v
    assert mask.sum() == 1
    return df[mask].iloc[0]


def test_hand_computed_by_code():
    out = exposure.summary(FLOWS, by=("importer", "code"), bloc={"JPN", "USA", "KOR"}, bloc_name="MSP")
    r = row(out, importer="KOR", code="284690")
    assert r.value == 100
    assert r.hhi == pytest.approx(0.6 ** 2 + 0.3 ** 2 + 0.1 ** 2)  # 0.46
    assert (r.top_supplier, r.top_share, r.chn_share) == ("CHN", 0.6, 0.6)
    assert r.msp_share == pytest.approx(0.4) and r.n_suppliers == 3
    # extra-bloc (KOR is a member): only CHN's 60 -> HHI 1, 60% of imports
    assert (r.extra_hhi, r.extra_share) == (1.0, 0.6)
    assert out.attrs["unit"]["hhi"] == "0-1" and out.attrs["unit"]["chn_share"] == "fraction"


def test_material_level_sums_codes_per_supplier():
    r = row(exposure.summary(FLOWS, country="KOR", by=("importer",)), importer="KOR")
    assert r.value == 110 and r.hhi == pytest.approx((70 ** 2 + 30 ** 2 + 10 ** 2) / 110 ** 2)
    assert r.top_share == pytest.approx(70 / 110)


def test_stage_and_code_filters():
    sep = exposure.hhi(FLOWS, country="KOR", stage="separation", by=("importer", "stage"))
    assert sep["hhi"].tolist() == [pytest.approx(0.46)]
    metal = exposure.top_supplier(FLOWS, country="KOR", code="2805", by=("importer",))
    assert metal[["top_supplier", "top_share"]].values.tolist() == [["CHN", 1.0]]


def test_supplier_shares_and_named_partner_and_threshold():
    shares = exposure.supplier_shares(FLOWS, country="KOR", code="284690", by=("importer",))
    assert shares[["exporter", "share"]].values.tolist() == [["CHN", 0.6], ["JPN", 0.3], ["USA", 0.1]]
    assert exposure.partner_share(FLOWS, partner="JPN", country="KOR", code="284690",
                                  by=("importer",))["jpn_share"].tolist() == [0.3]
    assert exposure.n_suppliers(FLOWS, country="KOR", code="284690", by=("importer",),
                                threshold=0.2)["n_suppliers"].tolist() == [2]
    assert exposure.bloc_share(FLOWS, bloc={"USA"}, country="KOR", code="284690",
                               by=("importer",))["bloc_share"].tolist() == [pytest.approx(0.1)]


def test_import_reliance():
    assert exposure.import_reliance(imports=80, exports=20, production=40) == pytest.approx(60 / 100)
    assert exposure.import_reliance(imports=10, exports=30, production=100) == pytest.approx(-20 / 80)
    assert math.isnan(exposure.import_reliance(imports=0, exports=10, production=10))


@pytest.mark.parametrize("values,exports,expect", [
    ({"CHN": 90, "JPN": 10}, 0, (True, True, True, True)),       # concentrated, all extra, no exports
    ({"CHN": 40, "JPN": 30, "USA": 30}, 0, (False, True, True, False)),  # HHI 0.34 < 0.4
    ({"CHN": 90, "JPN": 10}, 200, (True, True, False, False)),   # exports exceed extra imports
])
def test_eu_dependency_criteria(values, exports, expect):
    flows = pd.DataFrame({"year": 2022, "exporter": list(values), "importer": "KOR", "code": "284690",
                          "value_usd": [float(v) for v in values.values()]})
    ex = pd.DataFrame({"year": [2022], "importer": ["KOR"], "exports": [float(exports)]})
    r = exposure.eu_dependency(flows, exports=ex).iloc[0]
    assert (r.c_concentration, r.c_import_share, r.c_substitution, r.dependent) == expect


def test_eu_dependency_extra_bloc_share():
    flows = pd.DataFrame({"year": 2022, "exporter": ["CHN", "JPN"], "importer": "KOR", "code": "1",
                          "value_usd": [40.0, 60.0]})
    r = exposure.eu_dependency(flows, bloc={"KOR", "JPN"}).iloc[0]
    assert r.extra_share == pytest.approx(0.4) and not r.c_import_share and r.extra_hhi == 1.0


# -- properties -----------------------------------------------------------------------
suppliers = st.sampled_from(["CHN", "JPN", "USA", "AUS", "VNM", "MYS", "DEU"])
flows_strategy = st.lists(
    st.tuples(suppliers, st.sampled_from(["KOR", "IND"]), st.sampled_from(["284690", "850511"]),
              st.floats(min_value=0.001, max_value=1e9, allow_nan=False)),
    min_size=1, max_size=40,
).map(lambda rows: pd.DataFrame(rows, columns=["exporter", "importer", "code", "value_usd"])
      .assign(year=2022))
BY = ("importer", "code")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flows_strategy, st.sets(suppliers))
def test_properties_shares_hhi_bloc(flows, bloc):
    shares = exposure.supplier_shares(flows, by=BY)
    sums = shares.groupby(list(BY))["share"].sum()
    assert ((sums - 1).abs() < 1e-9).all()
    out = exposure.summary(flows, by=BY, bloc=bloc)
    n = shares.groupby(list(BY))["exporter"].nunique().rename("n").reset_index()
    out = out.merge(n, on=list(BY))
    assert (out["hhi"] >= 1 / out["n"] - 1e-12).all() and (out["hhi"] <= 1 + 1e-12).all()
    assert (out["bloc_share"] <= 1 + 1e-12).all() and (out["bloc_share"] >= 0).all()
    assert (out["chn_share"] <= out["top_share"] + 1e-12).all()
    assert (out["n_suppliers"] <= out["n"]).all()


@settings(max_examples=40, deadline=None)
@given(flows_strategy, st.randoms(use_true_random=False))
def test_property_row_order_does_not_matter(flows, rnd):
    shuffled = flows.sample(frac=1, random_state=rnd.randint(0, 2 ** 31)).reset_index(drop=True)
    a = exposure.summary(flows, by=BY)
    b = exposure.summary(shuffled, by=BY)
    num = ["value", "hhi", "top_share", "chn_share", "bloc_share", "n_suppliers", "extra_hhi"]
    pd.testing.assert_frame_equal(a[list(BY) + num], b[list(BY) + num], check_exact=False, rtol=1e-12)


# -- the API on the bundled store -----------------------------------------------------
def test_report_for_kor_rare_earths_has_stages_china_share_and_sources(wb):
    rep = wb.exposure.report("KOR", "rare-earths")
    stages = rep["stages"]
    assert len(stages) and "chn_share" in stages and stages["chn_share"].notna().any()
    assert stages["sources"].notna().all()
    cited = {k.strip() for v in stages["sources"] for k in v.split(",")}
    assert cited <= set(rep["sources"]["key"])
    assert set(rep["suppliers"]["source"].dropna()) and "mirror" in rep["suppliers"]


def test_bundled_mirror_rows_are_flagged(wb):
    flows = wb.exposure.flows("KOR", year=2022)
    china = flows[flows["exporter"] == "CHN"]
    assert len(china) and china["mirror"].all()  # China's reported exports stand in for KOR's imports


def test_unknown_names_teach(wb):
    from chokepoint.errors import BadInput
    with pytest.raises(BadInput, match="unknown bloc"):
        wb.exposure.bloc("NOPE")
    with pytest.raises(BadInput, match="no trade codes"):
        wb.exposure.codes("unobtainium")
    assert {"DEU", "FRA"} <= wb.exposure.bloc("MSP")[1]  # 'EUN' expands to the EU's members


def test_sector_attribution_longest_prefix_and_weights():
    from chokepoint.trade import sectors
    smap = pd.DataFrame({"code": ["8505", "850511", "850511"], "sector": ["other", "ev-motors", "wind"],
                         "weight": [1.0, 0.7, 0.3]})
    flows = pd.DataFrame({"year": 2022, "exporter": ["CHN", "JPN", "CHN"], "importer": "KOR",
                          "code": ["850511", "850511", "850519"], "value_usd": [80.0, 20.0, 10.0]})
    out = sectors.exposure_by_sector(flows, smap).set_index("sector")
    assert out.loc["ev-motors", "value"] == pytest.approx(70) and out.loc["wind", "value"] == pytest.approx(30)
    assert out.loc["ev-motors", "chn_share"] == pytest.approx(0.8)
    assert out.loc["other", "value"] == 10  # 850519 falls back to its heading's row


def test_sectors_from_bundled_demand_split_cite_sources(wb):
    out = wb.exposure.sectors("KOR")
    assert len(out) and out["weight_sources"].notna().all()
    flows = wb.exposure._flows_for("KOR", None, None, None, None, None, None)
    mapped = wb.exposure.sectors("KOR")["value"].sum()
    assert mapped <= flows["value_usd"].sum() + 1e-6  # weights of a code sum to at most 1
