"""Per-element rare-earth rows (NdPr, Dy+Tb, NdFeB) for the linked sub-chains: the headline rows
exist with their sources, partial output never enters computed shares, and the REO chain's stages
are unchanged by them."""
from __future__ import annotations

from chokepoint.trade.concentration import stage_shares


def _one(wb, sql, params=()):
    df = wb.store.df(sql, list(params))
    assert len(df) == 1, df
    return df.iloc[0]


def test_china_separates_nearly_all_heavy_rare_earths(wb):
    # Benchmark Mineral Intelligence via Reuters (Dec 2023): China separates 99.9% of heavy REE.
    row = _one(wb, "SELECT * FROM stage_share WHERE material = 'dy-tb' AND stage = 'separation' "
                   "AND iso3 = 'CHN'")
    assert row["share"] >= 0.9 and row["year"] == 2023
    assert row["source"] == "NEWS_NATION_REUTERS_2023_12_24"
    src = _one(wb, "SELECT * FROM source WHERE key = ?", [row["source"]])
    assert "99.9%" in src["note"] and src["licence"]


def test_myanmar_mines_about_half_of_heavy_rare_earths(wb):
    df = wb.store.df("SELECT * FROM stage_share WHERE material = 'dy-tb' AND stage = 'mine' AND iso3 = 'MMR'")
    assert set(df["source"]) == {"NEWS_REUTERS_2025_03_28", "NEWS_JAPANTIMES_2025_07_08"}
    assert (df["share"] == 0.5).all()
    assert df.set_index("year").loc[2025, "bound"] == "max"  # 'nearly half'


def test_separation_and_magnet_plants_outside_china_are_projects(wb):
    # Plant facts go to `project` (never a 2-plant "world" in production).
    pj = wb.store.df("SELECT name, host, material, stage, capacity_t, source FROM project")
    mp = pj[(pj["host"] == "USA") & (pj["material"] == "ndfeb-magnet") & (pj["source"] == "MP_PR_2025_01")]
    assert mp["capacity_t"].item() == 1000
    est = pj[pj["host"] == "EST"].set_index("stage")
    assert est.loc["magnet", "capacity_t"] == 2000 and est.loc["separation", "capacity_t"] == 3000
    assert set(pj.loc[pj["host"] == "FRA", "source"]) == {"NEWS_SEAISI_KALLANISH_2025_04_09"}
    heavy = pj[(pj["material"] == "dy-tb") & (pj["host"] == "MYS")]
    assert len(heavy) == 1 and heavy["capacity_t"].isna().all()  # 1,500 t/yr is SEGH feed, not Dy+Tb
    assert not len(wb.store.df("SELECT * FROM production WHERE material IN ('ndpr', 'dy-tb') "
                               "AND iso3 <> 'CHN'"))


def test_derived_rows_say_how_they_were_derived(wb):
    df = wb.store.df("SELECT * FROM production WHERE measure = 'production_partial' AND estimated "
                     "AND note LIKE 'Derived:%'")
    assert len(df) == 4  # China NdPr and Dy+Tb run-rates, China and Japan 2010 magnets
    dytb = df[df["material"] == "dy-tb"].iloc[0]
    assert dytb["iso3"] == "CHN" and round((215.5 + 40.8) * 12, -1) == dytb["value"]
    ndpr = df[df["material"] == "ndpr"].iloc[0]
    assert round((6094 + 6392 + 5750) / 3 * 12, -2) == ndpr["value"]
    jpn = df[(df["material"] == "ndfeb-magnet") & (df["iso3"] == "JPN")].iloc[0]
    assert round(98200 * 0.193, -1) == jpn["value"]


def test_china_ndfeb_output_and_korea_magnet_imports(wb):
    df = wb.store.df("SELECT year, value, source FROM production WHERE material = 'ndfeb-magnet' "
                     "AND iso3 = 'CHN' AND measure = 'production_partial' ORDER BY year")
    assert dict(zip(df["year"], df["value"])) == {2010: 77970, 2019: 170000, 2023: 280000, 2024: 300000}
    share = _one(wb, "SELECT * FROM import_share WHERE importer = 'KOR' AND material = 'ndfeb-magnet' "
                     "AND year = 2024")
    assert share["partner"] == "CHN" and share["share"] == 0.899
    tot = _one(wb, "SELECT * FROM import_total WHERE importer = 'KOR' AND material = 'permanent-magnet' "
                   "AND source = 'NEWS_YONHAP_2023_08_10'")
    assert tot["value_usd"] == 640e6 and tot["year"] == 2022


def test_every_new_row_has_a_licensed_source(wb):
    keys = wb.store.df(
        "SELECT DISTINCT source FROM production WHERE measure = 'production_partial' UNION "
        "SELECT source FROM stage_share WHERE material IN ('ndpr', 'dy-tb') OR year = 2010")["source"]
    src = wb.store.df("SELECT key, licence, url FROM source").set_index("key")
    for k in keys:
        assert k in src.index and src.loc[k, "licence"] and str(src.loc[k, "url"]).startswith("http")


def test_recipe_sources_are_bundled(wb):
    # The NdFeB recipe (docs/data.md) has no table yet; its figures live in these source notes.
    notes = wb.store.df("SELECT key, note FROM source WHERE key IN ('COURAGEMAGNET_FAQ', "
                        "'NEWS_YONHAP_2023_08_10', 'NEWS_REX_2025_MAGNET_GRADES')").set_index("key")["note"]
    assert "Nd 29-32.5%" in notes["COURAGEMAGNET_FAQ"] and "Dy 0.6-1.2%" in notes["COURAGEMAGNET_FAQ"]
    assert "under 10%" in notes["NEWS_YONHAP_2023_08_10"]
    assert "8-11%" in notes["NEWS_REX_2025_MAGNET_GRADES"]


def test_partial_output_stays_out_of_computed_shares(wb):
    # One company's or one country's tonnes must not become a 100% computed share: the REO chain
    # keeps its USGS/IEA country tables and the published magnet share.
    new = ["SMM_PRND_2022", "SMM_2024_06_17", "NEWS_MINELISTINGS_2025_01", "CHINAORG_JP_2013_08_12",
           "ADAMAS_2020_02_18"]
    out = stage_shares(wb.store, "rare-earths")
    assert not out["source"].isin(new).any()
    magnet = out[out["stage"] == "magnet"]
    assert (magnet["basis"] == "published").all()
    ndpr = stage_shares(wb.store, "ndpr")
    assert not ndpr["source"].isin(new).any()
    assert not stage_shares(wb.store, "ndfeb-magnet")["source"].isin(new).any()
