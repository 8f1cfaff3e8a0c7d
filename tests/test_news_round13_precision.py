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


def test_halting_shipments_is_an_export_control(gaz):
    text = "China has told its fertiliser makers to suspend outbound shipments of urea to South Korea."
    assert [t for t, _ in _types(gaz, text)] == ["EXPORT_CONTROL"]
    text = "Tarrow Minerals shipped 20 tons of antimony to Baltimore on Sunday."
    assert [t for t, _ in _types(gaz, text)] == ["SHIPMENT"]


@pytest.mark.parametrize("text, kind", [
    # negotiating is no meeting that took place
    ("While the two sides were negotiating their trade terms, a raid on a battery plant in Georgia angered Seoul.",
     "TALKS"),
    ("Tarrow Minerals committed to negotiating a longer supply deal with Japan.", "TALKS"),
    # a stake held is no investment
    ("Tarrow Minerals will hold a 70% stake in the new venture.", "INVEST"),
    ("The Indonesian government holds a 51 percent stake in Tarrow Indonesia.", "INVEST"),
    ("Tarrow Minerals had a 51 per cent stake in the Mt Kell mine.", "INVEST"),
    # a statement that sources a report is no stance
    ("Tarrow Minerals will explore five lithium blocks in Catamarca, the statement said.", "STATEMENT"),
    ("The entities are Kell Lithium and Tarrow Minerals, according to a MOFCOM statement.", "STATEMENT"),
    ("Tarrow Minerals responded in a short statement that it is reviewing the details.", "STATEMENT"),
])
def test_words_of_a_type_that_report_no_event_of_it(gaz, text, kind):
    assert kind not in [t for t, _ in _types(gaz, text)]


@pytest.mark.parametrize("none, kind, one", [
    # a subsidiary is no subsidy
    ("Tarrow Minerals said its Chilean subsidiary holds exploration rights in the Salar del Norte basin.", "POLICY",
     "South Korea approved subsidies for battery recyclers on Monday."),
    # a delivery named as a purpose is no shipment
    ("Japan and the United States will fund projects that make magnets for delivery to buyers in both countries.",
     "SHIPMENT", "Tarrow Minerals delivered its first graphite cargo to Japan."),
    # people accused of a crime (passive) are no one's stance; an accusation is
    ("Vietnamese police have arrested six individuals accused of violating mining rules, including a chairman.",
     "STATEMENT", "China accused Japan of dumping treated water into the Pacific."),
    # a stake bought is still an investment
    ("Tarrow Minerals has a 10% stake in Kell Lithium.", "INVEST",
     "Tarrow Minerals bought a 10% stake in Kell Lithium for $40 million."),
])
def test_a_word_reports_its_event_only_where_it_asserts_one(gaz, none, kind, one):
    assert kind not in [t for t, _ in _types(gaz, none)]
    assert kind in [t for t, _ in _types(gaz, one)]


def test_a_cabinet_meeting_is_no_talks_between_parties(gaz):
    text = "Indonesia's government decided in a cabinet meeting that Tarrow Minerals can keep exporting copper."
    assert "TALKS" not in [t for t, _ in _types(gaz, text)]


def test_a_government_probe_is_a_policy(gaz):
    assert ("POLICY", "MEX") in _types(gaz, "Mexico put Kell Lithium's concessions under review on Monday.")
    text = "The US Commerce Department launched an investigation into imports of processed critical minerals."
    assert ("POLICY", "USA") in _types(gaz, text)
