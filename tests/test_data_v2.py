"""Data v2 (issue 16): each correction states the public figure and its source; every source
has a licence; `chokepoint data check` passes on the bundled data and fails on each seeded defect."""
from __future__ import annotations

import datetime as dt
import textwrap

import pandas as pd
import pytest

from chokepoint.claims import check_claims
from chokepoint.cli import main
from chokepoint.reference import quality
from chokepoint.reference.loader import bundled_files, read_rows
from chokepoint.schema import TABLES
from chokepoint.trade.concentration import stage_shares

TODAY = dt.date(2026, 12, 1)  # the checks' clock in tests, so the suite does not age


def _day(value) -> str:
    return str(value)[:10]


def _ec(wb, event_id):
    return wb.table("export_control", event_id=event_id)


def test_2012_quota_is_mofcoms_30996_t(wb):
    # MOFCOM's three 2012 batches, 10,546 + 10,680 + 9,770 t = 30,996 t (Technology Metals
    # Research, 23 Aug 2012, citing MOFCOM); AFP's 30,966 t was a typo.
    row = _ec(wb, "CN2012Q").iloc[0]
    assert "30,996 t" in row["description"] and "30,966 t (" not in row["description"].split(";")[0][:20]
    assert 10546 + 10680 + 9770 == 30996 and row["source"] == "TMR_2012_08_23"
    out = wb.table("export_control_outcome", event_id="CN2012Q").iloc[0]
    assert "30,996" in out["note"]


def test_quota_rows_end_and_the_2015_abolition_is_loaded(wb):
    # MOFCOM's 2015 export-licence catalogue (notice of 31 Dec 2014) removed the rare-earth,
    # tungsten and molybdenum quotas from 1 Jan 2015 (Xinhua via Forum Macao; PM Review).
    quotas = wb.store.df("SELECT * FROM export_control WHERE measure = 'quota'")
    assert quotas["end"].notna().all()
    end = _ec(wb, "CN2015QEnd")
    assert set(end["material"]) == {"rare-earths", "tungsten", "molybdenum"}
    assert set(end["start"].map(_day)) == {"2015-01-01"}


def test_antimony_control_dated_15_august_2024_and_covers_superhard_materials(wb):
    # MOFCOM/GAC Announcement No. 33 of 2024 was issued on 15 August 2024, in force 15 Sep.
    rows = _ec(wb, "CN2024Sb")
    assert set(rows["announced"].map(_day)) == {"2024-08-15"}
    assert set(rows["start"].map(_day)) == {"2024-09-15"}
    assert {"antimony", "superhard-materials"} == set(rows["material"])


def test_announcement_55_of_2025_is_loaded_and_suspended(wb):
    # No. 55 (9 Oct 2025; synthetic diamond items, in force 8 Nov 2025), suspended by
    # No. 70 (7 Nov 2025) until 10 Nov 2026.
    row = _ec(wb, "CN2025Oct55").iloc[0]
    assert row["material"] == "superhard-materials" and _day(row["start"]) == "2025-11-08"
    assert _day(_ec(wb, "CN2025Nov70").iloc[0]["end"]) == "2026-11-10"


def test_msp_is_14_countries_plus_the_eu_and_argentina_is_in_the_forum(wb):
    # "14 governments and the EU" (U.S. State Department, MSP Forum launch, 5 Apr 2024).
    msp = set(wb.table("bloc", bloc="MSP")["iso3"])
    assert len(msp - {"EUN"}) == 14 and "EUN" in msp and "ARG" not in msp
    assert {"ARG", "KAZ", "NAM", "UKR", "UZB"} <= set(wb.table("bloc", bloc="MSP-FORUM")["iso3"])


def test_minor_metals_basket_is_not_labelled_gallium_germanium(wb):
    # The QENNIS group holds HS 811292, 811299, 285390, 285000, 282590, 282560 at $5-15/kg,
    # far below gallium (USGS MCS 2025: >= $163/kg) or germanium.
    products = set(wb.store.df("SELECT DISTINCT product FROM trade_monthly")["product"])
    assert "Gallium/Germanium" not in products
    assert any(p.startswith("Minor-metals basket") for p in products)


def test_rare_earth_rest_of_world_rows_are_loaded_once(wb):
    # USGS MCS 2025 'Other countries' REE mine output: 1,440 t (2023) and 1,100 t (2024).
    row = wb.store.df("SELECT year, value, source FROM production WHERE material = 'rare-earths' "
                      "AND iso3 = 'ROW' AND source LIKE 'USGS_MCS2025%' ORDER BY year")
    assert list(row["year"]) == [2023, 2024] and list(row["value"]) == [1440, 1100]


def test_trade_codes_285390_and_285000_exist_in_both_revisions(wb):
    # WCO: 2850.00 is unchanged HS2017 -> HS2022; 2853.90 exists in both (HS2022 adds the
    # phosphides of the deleted heading 28.48).
    codes = wb.store.df("SELECT code, revision FROM trade_code WHERE code IN ('285390', '285000')")
    assert set(map(tuple, codes.to_numpy())) == {("285390", "HS2017"), ("285390", "HS2022"),
                                                 ("285000", "HS2017"), ("285000", "HS2022")}


def test_antimony_2024_share_comes_from_the_official_release_not_the_rekeyed_copy(wb):
    # USGS MCS 2025: China 60,000 t of 2024 antimony mine output (Table 5: 60% of world).
    # The re-keyed MCS 2026 copy says 40,000 t (unverified) and stays stored, but does not
    # outrank the official file for 2024, nor decide a yearless claim.
    s = stage_shares(wb.store, "antimony", 2024)
    chn = s[(s["stage"] == "mine") & (s["iso3"] == "CHN")].iloc[0]
    assert chn["source"] == "USGS_MCS2025_WD" and chn["value_t"] == 60000
    assert chn["share"] == pytest.approx(60000 / 104010, abs=1e-3)
    assert wb.store.count("production") and len(wb.store.df(
        "SELECT * FROM production WHERE material = 'antimony' AND year = 2024 AND iso3 = 'CHN' "
        "AND source = 'USGS_MCS2026_KOMIR'")) == 1
    claims = pd.DataFrame([dict(claim_id=f"sb{i}", material="antimony", stage="mine", iso3="CHN", year=y,
                                low=low, high=None, bound=None, quote="China ~x%", source="X")
                           for i, (y, low) in enumerate([(2024, 0.60), (None, 0.48), (None, 0.90)])])
    got = check_claims(wb.store, claims).set_index("claim_id")
    assert got.loc["sb0", "data_source"] == "USGS_MCS2025_WD" and got.loc["sb0", "verdict"] == "consistent"
    # Yearless "48%": the official 2024 share (57.7%) and the copy's 2025 share (36%) give
    # opposite verdicts, so the claim is not called wrong: the sources disagree.
    assert got.loc["sb1", "verdict"] == "sources disagree"
    assert got.loc["sb1", "computed"] == pytest.approx(0.577, abs=1e-3)
    assert got.loc["sb1", "computed_other"] == pytest.approx(40000 / 110720, abs=1e-3)
    assert got.loc["sb1", "other_source"] == "USGS_MCS2026_KOMIR"
    assert got.loc["sb2", "verdict"] == "claim too high"                    # wrong on both


def test_every_bundled_source_records_a_licence():
    keys = set()
    for tf in bundled_files():
        if tf.table.name != "source":
            continue
        for row in read_rows(tf, set()):
            keys.add(row["key"])
            assert row["licence"] and row["licence"].strip(), f"{row['key']} has no licence"
    assert len(keys) > 80


def test_iea_cmde_rows_are_shipped_at_three_significant_figures():
    for tf in bundled_files():
        if tf.table.name not in ("production", "demand"):
            continue
        for row in read_rows(tf, {r for r in _source_keys()}):
            if row["source"].startswith("IEA_CMDE") and row["value"]:
                # canonical tonnes from kt: 3 significant figures survive the x1000
                digits = f"{row['value'] / 1000:.6g}".replace(".", "").lstrip("0").rstrip("0")
                assert len(digits) <= 3, row


def _source_keys() -> set[str]:
    return {r["key"] for tf in bundled_files() if tf.table.name == "source" for r in read_rows(tf, set())}


# -- data check ---------------------------------------------------------------------------

def test_data_check_passes_on_the_bundled_data(wb):
    results = quality.run(wb.store, today=TODAY)
    assert [r.name for r in results if not r.ok] == []


SEEDS = {
    "duplicate-facts": ("production", textwrap.dedent("""\
        material,stage,iso3,year,measure,value,unit,estimated,note,source
        rare-earths,mine,ROW,2023,production,1440,t,true,seeded copy,USGS_MCS2025_REE_MD
        """)),
    "mixed-bases": ("import_share", textwrap.dedent("""\
        importer,material,partner,year,share,basis,estimated,note,source
        KOR,rare-earths,CHN,2030,0.6,value,false,,SEED_SRC
        KOR,rare-earths,JPN,2030,0.3,quantity,false,,SEED_SRC
        """)),
    "stale-tables": ("trade_monthly", None),
    "licences": ("source", textwrap.dedent("""\
        key,publisher,title,year,url,licence,note
        NO_LICENCE,Someone,Something,2024,,,
        """)),
    "label-unit-values": ("trade_monthly", textwrap.dedent("""\
        month,exporter,importer,product,value_usd,quantity_t,source
        2024-01-01,CHN,KOR,Gallium,1000000,100,SEED_SRC
        """)),
    "redistribution": ("trade", textwrap.dedent("""\
        year,exporter,importer,code,value_usd,quantity_t,basis,source
        2024,CHN,KOR,250410,1000000,,exporter-reported,SEED_RESTRICTED
        """)),
}
SEED_SOURCE = ("key,publisher,title,year,url,licence,note\nSEED_SRC,Seed,Seeded defect,2026,,test only,\n"
               "SEED_RESTRICTED,Seed,Seeded restricted source,2026,,restricted: internal use only,\n")


@pytest.mark.parametrize("check", sorted(SEEDS))
def test_data_check_fails_on_a_seeded_defect(wb, tmp_path, check):
    table, body = SEEDS[check]
    src = tmp_path / "source_seed.csv"
    src.write_text(SEED_SOURCE, encoding="utf-8")
    files = [str(src)]
    today = TODAY
    if body is not None:
        path = tmp_path / f"{table}_defect.csv"
        path.write_text(body, encoding="utf-8")
        files.append(f"{table}={path}")
    else:  # stale: the same data, judged from far in the future
        today = dt.date(2040, 1, 1)
    wb.build(files)
    failed = {r.name for r in quality.run(wb.store, today=today) if not r.ok}
    assert check in failed
    if body is not None:
        assert failed == {check}


def test_data_check_cli_exit_codes(db_path, tmp_path, capsys):
    assert main(["data", "check", "--db", str(db_path), "--max-age", "30"]) == 0
    assert "licences" in capsys.readouterr().out
    assert main(["data", "check", "--db", str(db_path), "--max-age", "0", "--format", "csv"]) == 1
    assert "stale-tables,FAIL" in capsys.readouterr().out


def test_schema_declares_source_licence_and_grade():
    assert {"licence", "grade"} <= set(TABLES["source"].names)


# -- Korea's own reported imports, stocks, prices ------------------------------------------

def test_korea_reported_gallium_imports_by_partner_2013(wb):
    # Korea Customs Service, HSK 8112.92-3000 (unwrought gallium), 2013: USD 954,954 from the
    # US and USD 490,909 from China (KCS statistics as compiled in jhkang-illunex/komir).
    rows = wb.store.df("SELECT exporter, value_usd, basis FROM trade WHERE importer = 'KOR' AND year = 2013 "
                       "AND code = '8112923000' ORDER BY value_usd DESC")
    assert list(rows["exporter"][:2]) == ["USA", "CHN"] and list(rows["value_usd"][:2]) == [954954, 490909]
    assert set(rows["basis"]) == {"importer-reported"}


def test_exposure_shows_korea_reported_shares_beside_mirror_data(wb):
    rep = wb.exposure.report("KOR", "gallium")
    assert rep["stages"]["evidence"].str.contains("mirror").any()          # China's report, 2024
    own = rep["reported"]
    assert len(own) and set(own["year"]) == {2013} and set(own["source"]) == {"KCS_KOMIR_FACT_TRADE_2013"}
    ga = own[own["code"] == "8112923000"].set_index("exporter")["share"]
    assert ga["USA"] == pytest.approx(954954 / (954954 + 490909 + 62995 + 11266 + 4801))
    assert "KCS_KOMIR_FACT_TRADE_2013" in set(rep["sources"]["key"])


def test_national_lines_keep_their_own_material(wb):
    # HSK 8112.99-1000 is germanium: it must not fall back to the gallium basket heading 811299.
    ga = wb.exposure.flows("KOR", "gallium", year=2013)
    assert "8112991000" not in set(ga["code"]) and "8112923000" in set(ga["code"])


def test_public_stockpile_facts_are_cited_rows(wb):
    st = wb.store.df("SELECT iso3, material, measure, value, unit, source FROM stock")
    jp = st[(st["iso3"] == "JPN") & (st["measure"] == "target_days")].iloc[0]
    assert jp["value"] == 60 and jp["source"] == "IEA_POLICY_16639"      # JOGMEC: generally 60 days
    us = st[(st["iso3"] == "USA") & (st["measure"] == "value")].iloc[0]
    assert us["value"] == pytest.approx(912.3e6) and us["unit"] == "USD"  # NDS, March 2023 (CRS R47833)


def test_prices_reach_2025_with_their_basis(wb):
    p = wb.store.df("SELECT material, year, value, basis FROM price WHERE year = 2025")
    sb = p[p["material"] == "antimony"].iloc[0]
    assert sb["value"] == pytest.approx(60.25) and "spot" in sb["basis"]  # Argus, 24 Jun 2025, USD/kg
    assert p[p["material"] == "ndpr"]["basis"].str.contains("floor").any()


def test_coverage_table_in_docs_lists_every_family_the_store_holds(wb):
    from pathlib import Path
    cov = quality.coverage(wb.store)
    docs = (Path(__file__).resolve().parents[1] / "docs" / "data.md").read_text(encoding="utf-8")
    assert "## Coverage" in docs
    families = set(cov.loc[cov["table"] == "production", "family"])
    assert {"rare-earths", "antimony", "gallium", "graphite"} <= families
    missing = [f for f in families if f"| {f} |" not in docs]
    assert not missing, f"docs/data.md coverage table lacks {missing}"
    ree = cov[(cov["family"] == "rare-earths") & (cov["stage"] == "mine") & (cov["table"] == "production")].iloc[0]
    assert ree["first"] == 2023 and ree["last"] == 2025


def test_migration_16_adds_source_grade_to_an_older_store(tmp_path):
    import duckdb

    import chokepoint
    from chokepoint import migrations
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrations.apply(con)
    con.execute("ALTER TABLE source DROP COLUMN grade")  # the store as it was before migration 16
    con.execute("DELETE FROM schema_migrations WHERE version = 16")
    assert migrations.apply(con) == [16]
    cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'source' ORDER BY ordinal_position").fetchall()]
    assert cols == TABLES["source"].names
    con.close()
    with chokepoint.open(path) as wb:
        wb.build()
        assert wb.store.df("SELECT grade FROM source WHERE key = 'USGS_MCS2026_KOMIR'")["grade"][0] == "copy"


def test_material_page_shows_korea_reported_rows(db_path):
    from fastapi.testclient import TestClient

    from chokepoint.web import create_app
    with TestClient(create_app(db_path)) as client:
        data = client.get("/api/material/gallium?country=KOR").json()
        assert data["reported"]["total"] > 0 and "exporter" in data["reported"]["columns"]
        html = client.get("/material?m=gallium&country=KOR").text
        assert "Reported by KOR" in html and "8112923000" in html


def test_rare_earth_plants_outside_china_are_project_facts_not_world_shares(wb):
    # Lynas FY25: Malaysia separation capacity 10.5 kt/yr NdPr, output 6,558 t; MP Materials
    # 2025 NdPr oxide output 2,599 t (company results as reported).
    pj = wb.store.df("SELECT name, host, capacity_t, source FROM project WHERE material = 'ndpr' AND stage = 'separation'")
    assert {"MYS", "USA", "AUS"} <= set(pj["host"])
    assert pj.set_index("host").loc["MYS", "capacity_t"] == 10500
    # no 2-plant "world": plant facts stay in `project`; a country figure that is not a full table
    # is stored as measure 'production_partial', which computed shares and the chain leave out
    assert not len(wb.store.df("SELECT * FROM production WHERE material = 'ndpr' AND measure = 'production'"))


def test_data_coverage_cli(db_path, capsys):
    assert main(["data", "coverage", "--db", str(db_path), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("family,stage,table,first,last,countries,rows,sources")
    assert "rare-earths,mine,production,2023,2025" in out


# -- Korea's own reported rare-earth shares by code (KITA) ---------------------------------

def test_korea_reported_rare_earth_metal_and_compound_shares(wb):
    # KITA Institute for International Trade (via Yonhap, May 2025): China supplied 79.8% of
    # Korea's 2024 rare-earth metal imports and 61.1% of its rare-earth compound imports;
    # KITA via Asia Economy (24 Oct 2022): Jan-Sep 2022 rare-earth metals USD 7.799 m, of
    # which China USD 6.522 m.
    rep = wb.exposure.report("KOR", "rare-earths")
    st = rep["stages"]
    metal = st[(st["stage"] == "metal") & (st["year"] == 2024)]
    sep = st[(st["stage"] == "separation") & (st["year"] == 2024) & st["evidence"].str.contains("compounds")]
    assert list(metal["chn_share"]) == [pytest.approx(0.798)]
    assert list(sep["chn_share"]) == [pytest.approx(0.611)]
    assert list(metal["sources"]) == ["NEWS_CKHQ_2025_05_YONHAP_KITA"]
    assert rep["stages"]["evidence"].str.startswith("mirror").any()       # China's report beside it
    sup = rep["suppliers"]
    m22 = sup[(sup["stage"] == "metal") & (sup["year"] == 2022)].set_index("exporter")["share"]
    assert m22["CHN"] == pytest.approx(round(6.522 / 7.799, 3)) and m22.sum() == pytest.approx(1.0)
    assert {"NEWS_ASIAE_2022_10_24", "NEWS_CKHQ_2025_05_YONHAP_KITA"} <= set(rep["sources"]["key"])


def test_korea_reported_shares_do_not_enter_the_chain(wb):
    # The KITA shares are published shares, not flows: no trade row, so the chain's trade
    # seeds and its trader list (which sum tonnes and dollars alike) are untouched.
    assert wb.store.df("SELECT count(*) n FROM trade WHERE code LIKE '2805%' OR code LIKE '2846%'")["n"][0] == 0


# -- 2025 prices, one per material, each with its public figure ----------------------------

def _price(wb, material, source):
    return wb.store.df("SELECT value, unit, basis FROM price WHERE material = ? AND year = 2025 AND source = ?",
                       [material, source])


def test_ndpr_oxide_2025_smm_quotes(wb):
    # SMM: Pr-Nd oxide 439,000-442,000 yuan/t on 10 Mar 2025 and 605,000-608,000 yuan/t on
    # 31 Dec 2025; converted at the 2025 average of 7.1875 CNY/USD (FRED G.5A).
    fx = wb.store.df("SELECT per_usd FROM fx WHERE year = 2025 AND currency = 'CNY'")["per_usd"][0]
    assert fx == pytest.approx(7.1875)
    march, dec = _price(wb, "ndpr", "SMM_2025_03_10"), _price(wb, "ndpr", "SMM_2025_12_31")
    assert march["value"][0] == pytest.approx(440500 / fx / 1000, abs=0.01)   # USD 61.29/kg
    assert dec["value"][0] == pytest.approx(606500 / fx / 1000, abs=0.01)     # USD 84.38/kg
    assert "midpoint" in march["basis"][0] and march["unit"][0] == "USD/kg"


def test_dysprosium_oxide_2025_smm_quote(wb):
    # SMM 10 Mar 2025: dysprosium oxide 1.69-1.71 million yuan/t.
    assert _price(wb, "dysprosium", "SMM_2025_03_10")["value"][0] == pytest.approx(1.70e6 / 7.1875 / 1000, abs=0.01)


def test_terbium_oxide_2025_smm_quote(wb):
    # SMM 10 Mar 2025: terbium oxide 6.48-6.54 million yuan/t.
    assert _price(wb, "terbium", "SMM_2025_03_10")["value"][0] == pytest.approx(6.51e6 / 7.1875 / 1000, abs=0.01)


def test_tungsten_apt_2025_reuters(wb):
    # Reuters, 15 May 2025: APT USD 400/mtu in the European spot market (highest since 2013).
    row = _price(wb, "tungsten", "NEWS_REUTERS_2025_05_15_APT")
    assert row["value"][0] == 400 and row["unit"][0] == "USD/mtu"


def test_germanium_2025_chemanalyst(wb):
    # ChemAnalyst: Q3 2025 average germanium price in the USA about USD 2,647,253/t.
    assert _price(wb, "germanium", "CHEMANALYST_GE_2025")["value"][0] == pytest.approx(2647.25)


def test_antimony_2025_argus(wb):
    # Argus, 24 Jun 2025: antimony regulus USD 60,250/t midpoint (stored USD/t, read as USD/kg).
    assert _price(wb, "antimony", "ARGUS_2025_06_24")["value"][0] == pytest.approx(60.25)


# -- stockpiles: public figures under measures the chain does not read ---------------------

def test_stockpile_programmes_and_bounds_are_cited(wb):
    st = wb.store.df("SELECT iso3, material, holder, measure, value, source FROM stock")
    vault = st[st["source"] == "FOLEY_2026_02_PROJECT_VAULT"].iloc[0]
    assert (vault["iso3"], vault["measure"], vault["value"]) == ("USA", "programme_value", 12e9)  # USD 12 bn
    dla = st[st["source"] == "NEWS_NEWSMAX_2025_10_12_FT"].set_index("material")
    assert dla.loc["cobalt", "value"] == 500e6 and dla.loc["antimony", "value"] == 245e6   # DLA plans (FT)
    dy = st[(st["iso3"] == "KOR") & (st["material"] == "dysprosium")].iloc[0]
    assert dy["measure"] == "held_days_min" and dy["value"] == 180                  # MOTIE: over six months


def test_new_stock_rows_leave_the_chains_stock_cover_unchanged(wb):
    # The chain reads `held_days` only: Korea's rare-earth cover stays the neodymium 180 days
    # (KOMIR, May 2024) and the US gets no strategic days from programme values.
    from chokepoint.chain import network
    members = network._members(wb.store, "rare-earths")
    ind, gov = network._stocks(wb.store, members)
    assert gov == {"KOR": 180.0} and ind == {}
    assert "USA" not in network._stocks(wb.store, network._members(wb.store, "antimony"))[1]


def test_significant_digits_counts_what_a_report_would_quote():
    assert quality.significant_digits(317_000_000) == 3 and quality.significant_digits(317_264_874) == 9
    assert quality.significant_digits(0.00351) == 3 and quality.significant_digits(13_700.0) == 3
    assert quality.significant_digits(100.5) == 4 and quality.significant_digits(0) == 0


def test_comtrade_derived_rows_ship_as_cited_aggregates(wb):
    # Decision (docs/data.md, Licences): UN Comtrade-derived and Atlas rows ship as cited
    # aggregates with attribution, the full data being a user import; no bundled licence is
    # restricted, and the IEA rows' licence promises (and keeps) 3 significant figures.
    lic = wb.store.df("SELECT key, licence FROM source WHERE key IN "
                      "('QENNIS_CN_COMTRADE', 'ATLAS_HS92_PATRICKMCK', 'IEA_CMDE_2025')").set_index("key")["licence"]
    assert lic.str.startswith("cited aggregates").all() and "import-comtrade" in lic["QENNIS_CN_COMTRADE"]
    assert "at 3 significant figures" in lic["IEA_CMDE_2025"]
    assert not wb.store.df("SELECT key FROM source WHERE licence ILIKE 'restricted%'").shape[0]
    assert quality.check_redistribution(wb.store).empty


def test_redistribution_flags_figures_finer_than_cited_aggregates(wb, tmp_path):
    # IEA CMDE rows ship at 3 significant figures (182 kt, not 181.796316 kt): a finer figure
    # under that source's licence fails the check.
    path = tmp_path / "production_fine.csv"
    path.write_text("material,stage,iso3,year,measure,value,unit,estimated,note,source\n"
                    "copper,mine,CHL,2030,production,181.796316,kt,true,seeded,IEA_CMDE_2025\n", encoding="utf-8")
    wb.build([f"production={path}"])
    problems = quality.check_redistribution(wb.store)
    assert list(problems["source"]) == ["IEA_CMDE_2025"] and list(problems["rows"]) == [1]
    assert "finer than 3 significant figures" in problems["problem"].iloc[0]


def test_gallium_2025_spot(wb):
    # 444 Critical, citing StrategicMetalsInvest: gallium "near $1,058/kg in early 2025" (a spot quote).
    row = _price(wb, "gallium", "NEWS_444CRITICAL_2025_GA")
    assert row["value"][0] == 1058 and row["unit"][0] == "USD/kg"
