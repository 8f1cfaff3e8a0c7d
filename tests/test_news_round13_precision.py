"""Round 13 of the news pipeline (issue 15): words that read as a trigger but report no event of its
type (GUIDELINE.md). A subsidiary is no subsidy, a halt to shipments is an export control, a stake
held is no investment, a statement that sources a report is no stance. Every sentence here is written
for the test."""
from __future__ import annotations

import datetime as dt

import pytest

from chokepoint.news.extract import extract


def _types(gaz, text, published=dt.date(2025, 3, 4)):
    return [(e.type, e.actor) for e in extract("d", text, published, gaz)]


def test_a_subsidiary_is_no_subsidy(gaz):
    text = "Tarrow Minerals said its Chilean subsidiary holds exploration rights in the Salar del Norte basin."
    assert "POLICY" not in [t for t, _ in _types(gaz, text)]
    assert ("POLICY", "KOR") in _types(gaz, "South Korea approved subsidies for battery recyclers on Monday.")


def test_halting_shipments_is_an_export_control(gaz):
    text = "China has told its fertiliser makers to suspend outbound shipments of urea to South Korea."
    assert [t for t, _ in _types(gaz, text)] == ["EXPORT_CONTROL"]
    text = "Tarrow Minerals shipped 20 tons of antimony to Baltimore on Sunday."
    assert [t for t, _ in _types(gaz, text)] == ["SHIPMENT"]


def test_a_delivery_named_as_a_purpose_is_no_shipment(gaz):
    text = "Japan and the United States will fund projects that make magnets for delivery to buyers in both countries."
    assert "SHIPMENT" not in [t for t, _ in _types(gaz, text)]
    assert "SHIPMENT" in [t for t, _ in _types(gaz, "Tarrow Minerals delivered its first graphite cargo to Japan.")]


@pytest.mark.parametrize("text", [
    "While the two sides were negotiating their trade terms, a raid on a battery plant in Georgia angered Seoul.",
    "Tarrow Minerals committed to negotiating a longer supply deal with Japan.",
])
def test_negotiating_is_no_meeting_that_took_place(gaz, text):
    assert "TALKS" not in [t for t, _ in _types(gaz, text)]


@pytest.mark.parametrize("text", [
    "Tarrow Minerals will hold a 70% stake in the new venture.",
    "The Indonesian government holds a 51 percent stake in Tarrow Indonesia.",
    "Tarrow Minerals had a 51 per cent stake in the Mt Kell mine.",
])
def test_a_stake_held_is_no_investment(gaz, text):
    assert "INVEST" not in [t for t, _ in _types(gaz, text)]


def test_a_stake_bought_is_still_an_investment(gaz):
    text = "Tarrow Minerals bought a 10% stake in Kell Lithium for $40 million."
    assert "INVEST" in [t for t, _ in _types(gaz, text)]


@pytest.mark.parametrize("text", [
    "Tarrow Minerals will explore five lithium blocks in Catamarca, the statement said.",
    "The entities are Kell Lithium and Tarrow Minerals, according to a MOFCOM statement.",
    "Tarrow Minerals responded in a short statement that it is reviewing the details.",
])
def test_a_statement_that_sources_a_report_is_no_stance(gaz, text):
    assert "STATEMENT" not in [t for t, _ in _types(gaz, text)]


def test_people_accused_of_a_crime_are_no_statement_but_an_accusation_is(gaz):
    text = "Vietnamese police have arrested six individuals accused of violating mining rules, including a chairman."
    assert "STATEMENT" not in [t for t, _ in _types(gaz, text)]
    assert ("STATEMENT", "CHN") in _types(gaz, "China accused Japan of dumping treated water into the Pacific.")


def test_a_cabinet_meeting_is_no_talks_between_parties(gaz):
    text = "Indonesia's government decided in a cabinet meeting that Tarrow Minerals can keep exporting copper."
    assert "TALKS" not in [t for t, _ in _types(gaz, text)]


def test_a_government_probe_is_a_policy(gaz):
    assert ("POLICY", "MEX") in _types(gaz, "Mexico put Kell Lithium's concessions under review on Monday.")
    text = "The US Commerce Department launched an investigation into imports of processed critical minerals."
    assert ("POLICY", "USA") in _types(gaz, text)
