"""Property: importing a file whole or split in two imports gives the same store and screen."""
from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_importers import write_baci, write_dictionaries

from chokepoint.store import Store
from chokepoint.trade.baci import import_baci
from chokepoint.trade.exposure import Selection, screen_sql
from chokepoint.trade.importer import flows_sql

PARTIES = ["CHN", "KOR", "JPN", "AUS", "S19", "USA"]
ROWS = st.lists(
    st.tuples(st.sampled_from(PARTIES), st.sampled_from(PARTIES), st.sampled_from(["284690", "280530", "850511"]),
              st.integers(min_value=1, max_value=10 ** 7)),
    min_size=2, max_size=25, unique_by=lambda r: r[:3],
).filter(lambda rows: any(e != i for e, i, _, _ in rows))


def _screen(store: Store) -> pd.DataFrame:
    sql, params = screen_sql(flows_sql(store.con), Selection(year=2022, by=("year", "importer", "code")),
                             unique=True)
    return store.df(sql, params).sort_values(["importer", "code"]).reset_index(drop=True)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ROWS, st.data())
def test_split_file_equals_whole_file(tmp_path_factory, rows, data):
    folder = tmp_path_factory.mktemp("split")
    write_dictionaries(folder)
    recs = [(2022, e, i, k, v, 1) for e, i, k, v in rows]
    cut = data.draw(st.integers(min_value=1, max_value=len(recs) - 1))
    whole = write_baci(folder / "BACI_HS22_Y2022_V202501.csv", recs)
    part1 = write_baci(folder / "p1.csv", recs[:cut])
    part2 = write_baci(folder / "p2.csv", recs[cut:])
    with Store(folder / "a.duckdb") as a, Store(folder / "b.duckdb") as b:
        import_baci(a, whole, dataset="D")
        import_baci(b, part1, dataset="D", countries_file=folder / "country_codes_V202501.csv")
        import_baci(b, part2, dataset="D", countries_file=folder / "country_codes_V202501.csv")
        # the same flows; only their provenance differs (one trade_import row per file)
        flows = "SELECT * FROM {} ORDER BY ALL"
        assert a.df(flows.format(flows_sql(a.con))).equals(b.df(flows.format(flows_sql(b.con))))
        assert a.count("trade_import") == 1 and b.count("trade_import") == 2
        pd.testing.assert_frame_equal(_screen(a), _screen(b))
