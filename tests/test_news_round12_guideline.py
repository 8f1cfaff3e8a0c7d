"""Round 12 of the news pipeline (issue 15): the extractor follows GUIDELINE.md where the project's
own early conventions differed. An agency, state bank or bureau is its country (ISO3), like a
ministry; a government bureau is no company for "the company" to refer back to. Every sentence here
is written for the test."""
from __future__ import annotations

import datetime as dt

import pytest

from chokepoint.news.extract import extract


def _events(gaz, text, published=dt.date(2025, 3, 4)):
    return [(e.type, e.actor, e.target, e.date) for e in extract("d", text, published, gaz)]


@pytest.mark.parametrize("text, actor", [
    ("The Export-Import Bank of Korea will lend $200 million to the Tarrow nickel project.", "KOR"),
    ("The Export-Import Bank will lend $90 million to Tarrow Minerals.", "USA"),
    ("JBIC will provide a loan of 30 billion yen to the Tarrow refinery.", "JPN"),
    ("The US International Development Finance Corporation will invest $40 million in Tarrow Minerals.", "USA"),
    ("Korea Trade Insurance Corporation (K-SURE) will provide a $50 million loan to Tarrow Minerals.", "KOR"),
])
def test_a_state_lender_is_its_country(gaz, text, actor):
    assert [e[1] for e in _events(gaz, text) if e[0] == "INVEST"] == [actor]


def test_a_bureau_is_its_country_and_not_the_company(gaz):
    text = ("Tarrow Minerals signed a supply contract with the Defense Logistics Agency on Monday. "
            "The company shipped 12 tons of germanium to Japan last month.")
    events = _events(gaz, text)
    assert ("SHIPMENT", "Tarrow Minerals") in [e[:2] for e in events]
    assert [e[1] for e in events if e[0] == "SHIPMENT"] == ["Tarrow Minerals"]


def test_a_bureau_imposes_controls_as_its_country(gaz):
    text = "The Bureau of Industry and Security added 14 Chinese firms to the Entity List on Friday."
    assert [e[1] for e in _events(gaz, text) if e[0] == "EXPORT_CONTROL"] == ["USA"]
