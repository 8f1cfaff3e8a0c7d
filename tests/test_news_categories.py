"""Extraction rules that generalise past the gazetteer: unlisted companies, offices and seats of
government, licence easing, added triggers, and background clauses (sentences written for these tests)."""
from __future__ import annotations

import datetime as dt

import pytest

from chokepoint.news.clean import clean
from chokepoint.news.extract import extract

PUB = dt.date(2025, 6, 12)


def _events(gaz, text, dateline=None):
    return [(e.type, e.actor, e.target) for e in extract("t", text, PUB, gaz, dateline=dateline)]


@pytest.mark.parametrize("text, expected", [
    ("Kestrel Peak Mining signed a supply agreement with Albemarle on Monday.",
     ("DEAL", "Kestrel Peak Mining", "Albemarle")),
    ("Samsung SDI invested $40 million in Northgate Lithium Holdings on Monday.",
     ("INVEST", "Samsung SDI", "Northgate Lithium Holdings")),
    ("Ostrava, a Czech battery maker, signed a cathode supply deal with Albemarle on Friday.",
     ("DEAL", "Ostrava", "Albemarle")),
])
def test_unlisted_companies_become_actor_or_target(gaz, text, expected):
    got = _events(gaz, text)
    assert got and got[0] == expected
    ev = extract("t", text, PUB, gaz)[0]
    assert ev.actor_country is None or len(ev.actor_country) == 3  # never a name posing as a country


def test_short_name_of_unlisted_company_refers_back(gaz):
    text = ("Kestrel Peak Mining said on Monday it had raised its output target.\n"
            "Albemarle signed a ten-year offtake agreement with Kestrel on Tuesday.")
    assert ("DEAL", "Albemarle", "Kestrel Peak Mining") in _events(gaz, text)


def test_name_of_an_act_is_not_a_company(gaz):
    text = "The Commission adopted the Sovereign Battery Materials Act on Monday."
    assert _events(gaz, text) == [("POLICY", "EUN", None)]


@pytest.mark.parametrize("text, dateline, expected", [
    ("Trade Minister Park Min-su met Albemarle executives in Santiago on Friday.", "SEOUL",
     ("TALKS", "KOR", "Albemarle")),
    ("The Trump administration raised tariffs on Chinese graphite anodes to 40% on Monday.", None,
     ("TARIFF", "USA", "CHN")),
    ("The White House imposed new tariffs on Chinese cobalt on Tuesday.", None, ("TARIFF", "USA", "CHN")),
    ("Tokyo lodged a protest with Beijing on Monday over the new rules.", None, ("STATEMENT", "JPN", "CHN")),
])
def test_offices_seats_and_administrations_map_to_countries(gaz, text, dateline, expected):
    assert _events(gaz, text, dateline)[0] == expected


def test_office_without_dateline_or_known_holder_is_not_linked(gaz):
    assert _events(gaz, "Trade Minister Okafor will meet buyers in Lagos on Friday.") == []


def test_dateline_place_is_kept_by_cleaning():
    assert clean("HANOI — Vietnam said it would act.\n").dateline == "HANOI"


@pytest.mark.parametrize("verb", ["granted", "approved", "issued"])
def test_export_licences_are_easing_not_shipment(gaz, verb):
    text = f"China on Monday {verb} export licences for gallium shipments to two Korean chipmakers."
    assert _events(gaz, text)[0][:2] == ("EXPORT_EASING", "CHN")


@pytest.mark.parametrize("text, expected", [
    ("Seoul protested the new rare earth rules on Friday.", ("STATEMENT", "KOR")),
    ("Japan demanded that China withdraw the measure on Thursday.", ("STATEMENT", "JPN")),
    ("JOGMEC will contribute 3 billion yen in equity to the refinery, the agency said.", ("INVEST", "JPN")),
    ("The Commission selected 14 strategic projects outside the bloc on Monday.", ("POLICY", "EUN")),
    ("India unveiled a national critical minerals plan on Monday.", ("POLICY", "IND")),
])
def test_added_triggers(gaz, text, expected):
    assert _events(gaz, text)[0][:2] == expected


def test_hostile_protest_tilts_away(gaz):
    ev = extract("t", "Tokyo protested to Washington over the tariffs on Monday.", PUB, gaz)[0]
    assert ev.type == "STATEMENT" and ev.extra["actor_entity"].iso3 == "JPN" and ev.tilt == -1


@pytest.mark.parametrize("text", [
    "Indonesia is a large producer of nickel, most of which is shipped to refiners in China.",
    "Prices have risen since 2019, when China banned exports of the metal to Japan.",
    "Trade slowed after Vietnam imposed tariffs on Chinese steel in 2019.",
    "Australia has restricted exports of lithium concentrate since 2021.",
])
def test_background_clauses_yield_no_event(gaz, text):
    assert _events(gaz, text) == []


def test_foreground_clause_beside_background_is_kept(gaz):
    text = "China banned exports of gallium to Japan on Monday, as it did in 2010."
    assert _events(gaz, text) == [("EXPORT_CONTROL", "CHN", "JPN")]
