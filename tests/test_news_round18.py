"""Round 18 of the news pipeline (issue 15): counterparts listed after a measure's or a meeting's
role word are one event each (GUIDELINE.md: events of one actor and type with different targets stay
separate); a list after any other word names none. Round 19: a further term "also agreed" is no new deal,
a signing still to come is none, the lender of money received pays (also its own country's firm, also
named by its country's possessive), "the Government of Canada" is Canada. Every sentence here is written
for the test."""
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


def test_a_further_term_agreed_at_the_same_meeting_is_no_new_deal(gaz):
    text = ("Korea and Australia signed a critical minerals agreement on Tuesday. "
            "They also agreed to coordinate efforts through the Group of 20.")
    assert len([p for p in _pairs(gaz, text) if p[0] == "DEAL"]) == 1


def test_a_signing_still_to_come_is_no_deal(gaz):
    assert _pairs(gaz, "Chile and Peru will sign an agreement on lithium supply chains on Thursday.") == []


def test_a_government_funding_its_own_countrys_firm_is_the_investor(gaz):
    text = "Perpetua Resources has received $6.9 million in new funding from the US Army."
    assert _pairs(gaz, text) == [("INVEST", "USA", "Perpetua Resources")]


def test_a_lender_named_by_its_country_is_the_investor(gaz):
    text = "Tarrow Minerals has secured a $50 million loan from Japan's JBIC."
    assert _pairs(gaz, text) == [("INVEST", "JPN", "Tarrow Minerals")]


def test_the_government_of_a_country_is_that_country(gaz):
    text = "The Government of Canada has approved a contribution of up to C$18.95 million to the project."
    assert [(t, a) for t, a, _ in _pairs(gaz, text)] == [("INVEST", "CAN")]
