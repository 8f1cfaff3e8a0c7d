"""Round 18 of the news pipeline (issue 15): counterparts listed after a measure's or a meeting's
role word are one event each (GUIDELINE.md: events of one actor and type with different targets stay
separate); a list after any other word names none. Every sentence here is written for the test."""
from __future__ import annotations

import datetime as dt

from chokepoint.news.extract import extract


def _pairs(gaz, text):
    return sorted((e.type, e.actor, e.target) for e in extract("d", text, dt.date(2025, 3, 4), gaz))


def test_a_measure_on_listed_countries_is_one_event_per_country(gaz):
    text = "The United States imposed new export controls on Iran, Belarus and Venezuela on Monday."
    assert _pairs(gaz, text) == [("EXPORT_CONTROL", "USA", t) for t in ("BLR", "IRN", "VEN")]


def test_a_tour_of_listed_countries_is_one_meeting_each(gaz):
    text = "President Yoon visited Kazakhstan, Uzbekistan and Turkmenistan this week, holding talks with their leaders."
    assert [t for typ, _, t in _pairs(gaz, text) if typ == "TALKS"] == ["KAZ", "TKM", "UZB"]


def test_a_list_after_another_word_adds_no_counterparts(gaz):
    text = ("China imposed export controls on Japan in April, prompting carmakers in Germany, France and "
            "India to cut output.")
    assert [t for typ, _, t in _pairs(gaz, text) if typ == "EXPORT_CONTROL"] == ["JPN"]


def test_a_deal_with_one_party_is_not_split(gaz):
    text = "Tarrow Minerals signed a supply agreement with Kell Lithium on Friday."
    assert len([p for p in _pairs(gaz, text) if p[0] == "DEAL"]) == 1
