"""Round-9 error categories on real text, each shown by a sentence written for this test:
compositional frames (verb class near object class) where no listed trigger names the event, a
frame as a clause's second event, subordinate-clause hedges, 'X comes as Y', listed subjects,
received money, the country of 'the South Korean company', merging and story conflicts."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from chokepoint.news import conflicts, frames, sentences
from chokepoint.news.events import Event, merge
from chokepoint.news.extract import extract
from chokepoint.news.triggers import find_triggers

PUB = dt.date(2025, 12, 10)  # a Wednesday


def _events(gaz, text, published=PUB):
    return [(e.type, e.actor, e.target) for e in extract("t", text, published, gaz)]


# -- frames ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("sentence, type_", [
    ("Beijing tightened its oversight of rare earth magnets in May.", "EXPORT_CONTROL"),
    ("Canada took steps to limit exports of nickel to Russia.", "EXPORT_CONTROL"),
    ("Chile finalized a $300 million loan for the mine.", "INVEST"),
    ("The parliament of Peru approved the bill on Tuesday.", "POLICY"),
    ("Japan agreed to extend the suspension until March.", "EXPORT_EASING"),
    ("Rio Tinto will form a lithium joint venture with Codelco.", "DEAL"),
])
def test_a_frame_names_an_event_without_a_listed_trigger(sentence, type_):
    assert type_ in {t.type for t in find_triggers(sentence)}


def test_a_frame_inside_a_name_is_no_event():
    assert not find_triggers("POSCO Holdings shares closed 2.2% higher on Thursday.")  # no stake


@pytest.mark.parametrize("sentence", [
    "Measures imposed during their long tariff war were dropped.",  # the gap opens another clause
    "The price of 40 billion won and increasing the loan ratio.",  # "won" is the currency
])
def test_frames_do_not_fire_on_names_and_across_clauses(sentence):
    hit = [(m.lastgroup, m.group()) for m in frames.ANY_FRAME.finditer(sentence)]
    assert not [h for h in hit if h[0] in ("INVEST", "TARIFF")], hit


def test_a_frame_after_a_reference_back_adds_no_event():
    # "Under the deal, ..." details an event already reported
    assert not find_triggers("Under the deal, Vale will provide $40 million in financing to the mine.")


def test_a_frame_of_another_type_is_a_second_event_of_its_clause():
    s = "Japan signed the trade deal on Monday and approved the bill on critical minerals."
    assert [t.type for t in find_triggers(s)] == ["DEAL", "POLICY"]


def test_the_opposition_party_is_no_stance(gaz):
    evs = _events(gaz, "Peru's main opposition party approved the bill on Monday.")
    assert evs == [("POLICY", "PER", None)]


# -- filters --------------------------------------------------------------------------------------
def test_a_subordinate_clause_is_outside_the_main_clauses_hedge(gaz):
    text = "The ministry has been seeking to pass the law after China imposed export controls on graphite in May."
    assert ("EXPORT_CONTROL", "CHN", None) in _events(gaz, text)


def test_what_comes_after_the_move_is_news():
    s = "The move comes as Japan tightened its oversight of exports of gallium."
    assert [t.type for t in find_triggers(s)] == ["EXPORT_CONTROL"]


def test_the_need_to_is_no_deontic_modal(gaz):
    text = "Japan's prime minister and Australia's prime minister met on Friday and stressed the need to cooperate."
    assert ("TALKS", "JPN", "AUS") in _events(gaz, text)


def test_a_threat_is_a_statement_but_what_it_threatens_is_not(gaz):
    evs = _events(gaz, "The White House threatened to raise tariffs on Canadian steel in January.")
    assert ("STATEMENT", "USA", "CAN") in evs and not [e for e in evs if e[0] == "TARIFF"]


def test_a_reporting_verb_before_that_opens_a_complement():
    s = "The ministry flagged in the middle of May that some export applications had been approved."
    assert [t.type for t in find_triggers(s)] == ["EXPORT_EASING"]


def test_a_sentence_glued_to_the_next_is_split():
    text = "Prices fell sharply.Korea Zinc signed a deal."
    assert [text[a:b] for a, b in sentences.split(text)] == ["Prices fell sharply.", "Korea Zinc signed a deal."]


# -- actors ---------------------------------------------------------------------------------------
def test_each_government_of_a_listed_subject_acts(gaz):
    evs = _events(gaz, "Canada, Japan, and the Netherlands took steps to limit exports of chips to China.")
    assert {e[1] for e in evs if e[0] == "EXPORT_CONTROL"} == {"CAN", "JPN", "NLD"}


def test_a_deal_between_listed_parties_stays_one_event(gaz):
    evs = _events(gaz, "Japan and Australia signed an agreement on critical minerals on Monday.")
    assert [e for e in evs if e[0] == "DEAL"] == [("DEAL", "JPN", "AUS")]


def test_a_lender_named_after_with_pays_for_a_received_loan(gaz):
    evs = _events(gaz, "Lynas Rare Earths secured a $200 million loan from Japan on Monday.")
    assert ("INVEST", "JPN", "Lynas Rare Earths") in evs


def test_the_korean_company_is_the_latest_korean_company(gaz):
    text = ("LG Energy Solution signed an offtake deal with Lynas Rare Earths in 2022. SoftBank Group "
            "bought shares in a fund. In 2023, the South Korean company signed a supply deal with Chile's SQM.")
    assert ("DEAL", "LG Energy Solution", "SQM") in _events(gaz, text)


# -- merging and conflicts ------------------------------------------------------------------------
def _ev(date, unresolved=False, amount=None):
    return Event(doc="d", type="DEAL", actor="LG Energy Solution", target="WesCEF", commodities=[], sectors=[],
                 amount=amount, unit="t" if amount else None, date=date, tilt=0, evidence="",
                 extra={"time_unresolved": unresolved})


def test_an_undated_mention_whose_own_time_did_not_resolve_stays_apart():
    assert len(merge([_ev(None, unresolved=True), _ev(dt.date(2022, 1, 1))])) == 2
    assert len(merge([_ev(None), _ev(dt.date(2022, 1, 1))])) == 1


def test_an_undated_article_keeps_its_deal_of_tuesday_apart_from_the_deal_of_2022(gaz):
    text = ("LG Energy Solution signed a second offtake agreement with Lynas Rare Earths on Tuesday. "
            "LG Energy Solution struck a deal with Lynas Rare Earths in 2022.")
    assert [e[0] for e in _events(gaz, text, published=None)].count("DEAL") == 2


def test_an_event_the_other_article_tells_in_agreement_is_no_conflict():
    a = SimpleNamespace(doc_id="a", events=[_ev(dt.date(2024, 2, 14))], published=None, outlet=None)
    b = SimpleNamespace(doc_id="b", events=[_ev(dt.date(2024, 2, 14)), _ev(dt.date(2022, 1, 1))],
                        published=None, outlet=None)
    assert conflicts._story_events({"a": a, "b": b}, [["a", "b"]], None) == []
    c = SimpleNamespace(doc_id="c", events=[_ev(dt.date(2023, 5, 1))], published=None, outlet=None)
    assert len(conflicts._story_events({"a": a, "c": c}, [["a", "c"]], None)) == 1


def test_a_telling_without_the_figure_neither_agrees_nor_disagrees():
    """B tells the deal twice, once with its tonnes and once without: A's other tonnes still conflict."""
    a = SimpleNamespace(doc_id="a", events=[_ev(dt.date(2024, 2, 14), amount=20000.0)], published=None, outlet=None,
                        text="")
    b = SimpleNamespace(doc_id="b", events=[_ev(dt.date(2024, 2, 14), amount=55000.0), _ev(dt.date(2024, 2, 13))],
                        published=None, outlet=None, text="")
    rows = conflicts._story_events({"a": a, "b": b}, [["a", "b"]], None)
    assert [(r["kind"], r["value_a"], r["value_b"]) for r in rows] == [("amount", "20,000 t", "55,000 t")]


@pytest.mark.parametrize("sentence, linked", [
    ("Wang Yi, director of the Office of the Central Commission for Foreign Affairs, met Cho.", False),
    ("The Federal Trade Commission sued the firm.", False),
    ("The Commission said it would act.", True),
])
def test_commission_is_the_european_one_only_unqualified(gaz, sentence, linked):
    assert ("EUN" in {e.value for e in gaz.entities(sentence, None)}) == linked


def test_the_ministry_after_a_leading_phrase_is_the_last_government_body(gaz):
    text = ("Japan's trade ministry suspended a ban on exports of gallium to Canada on Monday. "
            "In its statement, the ministry also announced the easing of restrictions on exports of graphite.")
    evs = [e for e in extract("t", text, PUB, gaz) if e.type == "EXPORT_EASING"]
    assert [(e.actor, e.commodities) for e in evs] == [("JPN", ["gallium"]), ("JPN", ["graphite"])]


@pytest.mark.parametrize("sentence, talks", [
    ("Samsung SDI will add lines to meet the growing demand.", False),
    ("The smelter met its output targets.", False),
    ("Yoon met Kishida in Tokyo on Monday.", True),
])
def test_meeting_demand_is_no_meeting(sentence, talks):
    assert ("TALKS" in {t.type for t in find_triggers(sentence)}) == talks


def test_a_stance_someone_should_take_is_no_statement():
    assert not find_triggers("As partners, both countries should jointly oppose protectionism, he said.")
    assert [t.type for t in find_triggers("Both countries jointly opposed protectionism.")] == ["STATEMENT"]


def test_deal_the_verb_is_no_deal():
    assert not find_triggers("Korea will deal with both issues under the alliance.")
    assert [t.type for t in find_triggers("Korea and Japan reached a trade deal on Monday.")] == ["DEAL"]


def test_an_offtake_names_its_tonnes_and_a_stake_its_percent(gaz):
    evs = extract("t", "LG Energy Solution signed an offtake deal with Lynas Rare Earths for 50,000 tonnes of "
                       "lithium on Monday. Korea Zinc bought a 10% stake in Lynas Rare Earths on Monday.", PUB, gaz)
    assert {(e.type, e.amount, e.unit) for e in evs} >= {("DEAL", 50000.0, "t"), ("INVEST", 10.0, "percent")}


def test_a_deals_price_and_tonnes_do_not_tell_two_deals_apart():
    a, b = _ev(None), _ev(None, amount=30000.0)
    a.amount, a.unit = 40e6, "USD"
    assert len(merge([a, b])) == 1
    c = _ev(None, amount=50000.0)
    assert len(merge([b, c])) == 2
