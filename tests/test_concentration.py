"""Stage concentration and claim checks against hand-computed cases on a tiny store."""
from __future__ import annotations

import pandas as pd
import pytest

from chokepoint.claims import check_claims, verdict
from chokepoint.reference import insert
from chokepoint.schema import TABLES
from chokepoint.store import Store
from chokepoint.trade.concentration import chokepoint_stage, hhi, stage_concentration, stage_shares, top_share


def _put(store: Store, table: str, rows: list[dict]) -> None:
    cols = TABLES[table].names
    insert(store, TABLES[table], pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols))


@pytest.fixture
def tiny(tmp_path):
    store = Store(tmp_path / "tiny.duckdb")
    _put(store, "source", [{"key": "A", "publisher": "P", "title": "T", "year": 2024},
                           {"key": "B", "publisher": "P", "title": "T2", "year": 2025}])
    _put(store, "material", [{"material": "widgetium", "name": "Widgetium", "family": "widgets", "source": "A"},
                             {"material": "widget-magnet", "name": "Magnet", "family": "widgets", "source": "A"}])
    _put(store, "stage", [{"family": "widgets", "stage": s, "ord": i, "form": s, "source": "A"}
                          for i, s in enumerate(["mine", "refining", "magnet"], 1)])
    prod = [("mine", "AAA", 2023, 50), ("mine", "BBB", 2023, 30), ("mine", "ROW", 2023, 20),
            ("mine", "AAA", 2024, 60), ("mine", "BBB", 2024, 40),
            ("refining", "AAA", 2024, 90), ("refining", "CCC", 2024, 10)]
    _put(store, "production", [{"material": "widgetium", "stage": s, "iso3": c, "year": y,
                                "measure": "production", "value": v, "unit": "t", "source": "A"}
                               for s, c, y, v in prod])
    # an older, competing source for refining 2024 that must lose to the newer publication
    _put(store, "production", [{"material": "widgetium", "stage": "refining", "iso3": "AAA", "year": 2024,
                                "measure": "production", "value": 1, "unit": "t", "source": "B"},
                               {"material": "widgetium", "stage": "refining", "iso3": "CCC", "year": 2024,
                                "measure": "production", "value": 1, "unit": "t", "source": "B"}])
    _put(store, "stage_share", [{"material": "widget-magnet", "stage": "magnet", "iso3": "AAA", "year": 2022,
                                 "share": 0.95, "bound": "min", "source": "A"}])
    yield store
    store.close()


def test_kernels_match_hand_computation():
    assert hhi([0.5, 0.3, 0.2]) == pytest.approx(0.38)
    assert hhi([1.0]) == 1.0
    assert top_share([0.1, 0.5, 0.2, 0.2], 3) == pytest.approx(0.9)
    assert top_share([0.4], 3) == pytest.approx(0.4)


def test_stage_shares_use_latest_year_newest_source_and_fallbacks(tiny):
    s = stage_shares(tiny, "widgetium")
    mine = s[s["stage"] == "mine"].set_index("iso3")["share"]
    assert mine.to_dict() == pytest.approx({"AAA": 0.6, "BBB": 0.4})  # 2024 only
    ref = s[s["stage"] == "refining"]
    assert set(ref["source"]) == {"B"} and ref.set_index("iso3")["share"]["AAA"] == pytest.approx(0.5)
    mag = s[s["stage"] == "magnet"]
    assert mag["basis"].tolist() == ["published"] and mag["material"].tolist() == ["widget-magnet"]
    old = stage_shares(tiny, "widgetium", 2023)
    assert old[old["stage"] == "mine"].set_index("iso3")["share"]["ROW"] == pytest.approx(0.2)


def test_concentration_and_chokepoint(tiny):
    c = stage_concentration(tiny, "widgetium", year=2023, focus="BBB").set_index("stage")
    assert c.loc["mine", "hhi"] == pytest.approx(0.5**2 + 0.3**2)  # ROW is not one producer
    assert c.loc["mine", "bbb_share"] == pytest.approx(0.3)
    assert c.loc["mine", "hhi_is_lower_bound"]
    latest = stage_concentration(tiny, "widgetium", focus="AAA")
    assert chokepoint_stage(latest) == "magnet"  # 0.95^2 lower bound beats 0.5^2+0.5^2
    assert latest.set_index("stage").loc["mine", "top3_share"] == pytest.approx(1.0)


@pytest.mark.parametrize("value,low,high,bound,expected", [
    (0.69, 0.60, 0.70, None, "consistent"), (0.91, 0.85, 0.90, None, "claim too low"),
    (0.50, 0.60, 0.70, None, "claim too high"), (0.92, 0.80, None, "min", "consistent"),
    (0.70, 0.80, None, "min", "claim too high"), (0.62, 0.60, None, None, "consistent"),
    (0.66, 0.60, None, None, "claim too low"), (0.2, 0.3, None, "max", "consistent"),
])
def test_claim_verdicts(value, low, high, bound, expected):
    assert verdict(value, low, high, bound) == expected


def test_check_claims_uses_the_claimed_year_when_data_exists(tiny):
    claims = pd.DataFrame([{"claim_id": "c1", "material": "widgetium", "stage": "mine", "iso3": "AAA",
                            "year": 2023, "low": 0.5, "high": None, "bound": None, "quote": "q", "source": "B"},
                           {"claim_id": "c2", "material": "widgetium", "stage": "mine", "iso3": "AAA",
                            "year": 1999, "low": 0.5, "high": None, "bound": None, "quote": "q", "source": "B"}])
    out = check_claims(tiny, claims).set_index("claim_id")
    assert out.loc["c1", "computed"] == pytest.approx(0.5) and out.loc["c1", "verdict"] == "consistent"
    assert out.loc["c2", "computed_year"] == 2024 and out.loc["c2", "verdict"] == "claim too low"
    same = claims.assign(source="A")  # data from the claim's own source is never its evidence
    assert check_claims(tiny, same)["computed"].isna().all()
