"""Country resolution through country_converter (DESIGN section 8 asks to keep this test)."""
from chokepoint import countries


def test_names_resolve_to_iso3():
    assert countries.to_iso3_many(["Korea, Rep.", "Burma", "Laos", "Namibia"]) == ["KOR", "MMR", "LAO", "NAM"]


def test_codes_aggregates_and_unknowns():
    assert countries.to_iso3("kor") == "KOR"
    assert countries.to_iso3("Other countries") == "ROW"
    assert countries.to_iso3("World") == "WLD"
    assert countries.to_iso3("Atlantis of the North") is None
    assert countries.to_iso3("") is None


def test_country_rows_are_unique_and_sourced():
    rows = countries.country_rows("A", "B")
    codes = [r["iso3"] for r in rows]
    assert len(codes) == len(set(codes)) and {"KOR", "CHN", "ROW", "WLD"} <= set(codes)
    assert all(r["source"] in ("A", "B") for r in rows)
