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


@pytest.mark.parametrize("sentence, expected", [
    ("Earlier this week the EU suspended the duties it imposed in 2025.", None),   # the week, not 2025
    ("Officials met last week to review the quotas set in March.", None),
    ("The ministry set up the fund earlier this month.", "2025-03"),
    ("The ban took effect last month.", "2025-02"),
    ("Talks are planned for next month.", "2025-04"),
    ("Last week, on February 27, the two sides signed the deal.", None),  # the first time expression
    ("On February 27 the two sides signed the deal, officials said this week.", "2025-02-27"),
])
def test_period_words_follow_the_guideline(sentence, expected):
    from chokepoint.news import dates
    got = dates.resolve(sentence, dt.date(2025, 3, 4))
    assert (got.isoformat() if got else None) == expected


def test_an_event_of_last_week_is_undated_even_with_a_dateline(gaz):
    events = _events(gaz, "Japan and India held talks on rare earth supply last week in Tokyo.")
    assert [e[3] for e in events if e[0] == "TALKS"] == [None]


@pytest.mark.parametrize("text, actor", [
    ("HD Hyundai Heavy Industries signed an MOU with Huntington Ingalls Industries on Monday.", "HD Hyundai Heavy Industries"),
    ("SK on Co. has signed a graphite supply deal with Syrah Resources.", "SK On"),
    ("Jogmec will invest $5 million in Lynas.", "JPN"),
    ("Mitsubishi Corp. will invest $20 million in Frontier Lithium.", "Mitsubishi"),
])
def test_a_listed_company_keeps_its_own_name(gaz, text, actor):
    assert [e[1] for e in _events(gaz, text)][:1] == [actor]
