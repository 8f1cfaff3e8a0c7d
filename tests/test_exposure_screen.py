"""The array screen (trade/screen.py) gives the same frame as the SQL definition (screen_sql)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chokepoint.store import Store
from chokepoint.trade.exposure import Selection, screen_sql
from chokepoint.trade.importer import country_codes, flows_sql
from chokepoint.trade.screen import COLUMNS, screen_frame

PARTIES = ["CHN", "KOR", "JPN", "AUS", "TWN", "USA", "DEU"]
FLOWS = st.lists(
    st.tuples(st.sampled_from([2021, 2023]), st.sampled_from(PARTIES), st.sampled_from(PARTIES),
              st.sampled_from(["284690", "010121", "850511", "280530"]),
              st.sampled_from([0.0, 1.0, 5.0, 50.0, 1000.0, 123456.5])),
    min_size=1, max_size=60, unique_by=lambda r: r[:4])
KEYS = ["year", "importer", "code"]


def insert(store: Store, rows: list[tuple]) -> None:
    """Store (year, exporter, importer, code, value) rows with trade_flow's integer keys."""
    num = country_codes(store.con)
    store.con.execute("INSERT INTO trade_import VALUES (1, 'D', 'baci', 'test', ?, 0, '[]', now())", [len(rows)])
    store.con.executemany("INSERT INTO trade_flow VALUES (?, ?, ?, ?, ?, NULL, 0, 1)",
                          [(y, num[e], num[i], int(k), v) for y, e, i, k, v in rows])


def _both(store: Store, sel: Selection) -> tuple[pd.DataFrame, pd.DataFrame]:
    fast = screen_frame(store.con, "trade_flow", sel)
    fast = fast.astype({c: object for c in ("importer", "code", "top_supplier")})  # categoricals
    sql, params = screen_sql(flows_sql(store.con), sel, unique=True)
    return fast, store.df(sql, params)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(FLOWS, st.sets(st.sampled_from(PARTIES)), st.sampled_from(["CHN", "USA", "XXX"]))
def test_array_screen_equals_sql_screen(tmp_path_factory, rows, bloc, partner):
    with Store(tmp_path_factory.mktemp("scr") / "s.duckdb") as store:
        insert(store, rows)
        for year in (None, 2023):
            sel = Selection(year=year, by=tuple(KEYS), partner=partner, bloc=frozenset(bloc))
            fast, ref = _both(store, sel)
            assert list(fast.columns) == COLUMNS == list(ref.columns)
            assert len(fast) == len(ref)
            # same ranking keys in the same order (ties may come in any order)
            for col in ("dependent", "hhi", "value"):
                np.testing.assert_allclose(fast[col].astype(float), ref[col].astype(float), rtol=1e-12)
            fast, ref = (d.sort_values(KEYS).reset_index(drop=True) for d in (fast, ref))
            # the top supplier is any supplier with the largest value (ties: SQL picks any)
            top = ref["top_share"] * ref["value"]
            assert (fast["top_share"] * fast["value"] >= top * (1 - 1e-12)).all()
            pd.testing.assert_frame_equal(fast.drop(columns="top_supplier"), ref.drop(columns="top_supplier"),
                                          check_exact=False, rtol=1e-12)


def test_array_screen_hand_case_and_empty(tmp_path):
    rows = [(2022, "CHN", "KOR", "284690", 600.0), (2022, "JPN", "KOR", "284690", 300.0),
            (2022, "AUS", "KOR", "284690", 100.0), (2022, "KOR", "JPN", "284690", 2000.0),
            (2022, "KOR", "KOR", "284690", 9.0)]
    with Store(tmp_path / "s.duckdb") as store:
        assert screen_frame(store.con, "trade_flow", Selection(by=tuple(KEYS))).empty
        insert(store, rows)
        out = screen_frame(store.con, "trade_flow", Selection(by=tuple(KEYS), bloc=frozenset({"JPN", "KOR"})))
        kor = out.set_index("importer").loc["KOR"]
        assert kor["value"] == 1000 and abs(kor["hhi"] - 0.46) < 1e-12 and kor["top_supplier"] == "CHN"
        assert kor["partner_share"] == 0.6 and kor["bloc_share"] == 0.3 and kor["n_suppliers"] == 3
        # extra-bloc (KOR is a member): CHN 600 + AUS 100; KOR exports 2000 of the product
        assert kor["extra_value"] == 700 and abs(kor["extra_hhi"] - (36 + 1) / 49) < 1e-12
        assert kor["exports"] == 2000 and not kor["c_substitution"] and not kor["dependent"]
