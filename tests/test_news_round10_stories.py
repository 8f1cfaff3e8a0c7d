"""Round 10 of the news pipeline (issue 15): retold stories and conflicts between articles, one
invented sentence or event list per error category read on the real x-train, train and dev splits."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from chokepoint.news import conflicts, dedup
from chokepoint.news.dates import PartialDate
from chokepoint.news.events import Event


def _ev(type_, actor, target, amount=None, unit=None, commodities=(), date=None, tilt=0, countries=(None, None),
        evidence="evidence"):
    return Event("d", type_, actor, target, list(commodities), [], amount, unit, date, tilt, evidence,
                 actor_country=countries[0], target_country=countries[1])


def _article(doc_id, events, published=dt.date(2025, 11, 1), text=""):
    return SimpleNamespace(doc_id=doc_id, text=text, events=events, published=published, outlet=None, title=None)


# -- dates known to the month or the year are periods -----------------------------------------------
def test_a_month_agrees_with_a_day_in_it(gaz):
    a = _article("a", [_ev("TALKS", "KOR", None, date=PartialDate(2025, 7), countries=("KOR", None))])
    b = _article("b", [_ev("TALKS", "KOR", None, date=dt.date(2025, 7, 30), countries=("KOR", None))])
    assert conflicts.find([a, b], gaz, None, [["a", "b"]]).empty  # "back in July" and "on July 30"
    c = _article("c", [_ev("TALKS", "KOR", None, date=dt.date(2025, 8, 30), countries=("KOR", None))])
    assert list(conflicts.find([a, c], gaz, None, [["a", "c"]])["kind"]) == ["date"]


def test_a_page_dated_to_the_month_is_close_to_any_day_of_it():
    ban = _ev("EXPORT_CONTROL", "CHN", "JPN", commodities=["rare earths"])
    assert dedup.event_pairs([[ban], [ban]], [PartialDate(2026, 1), dt.date(2026, 1, 28)]) == {(0, 1)}
    assert dedup.event_pairs([[ban], [ban]], [PartialDate(2026, 1), dt.date(2026, 2, 28)]) == set()


# -- retold stories ---------------------------------------------------------------------------------
def test_each_event_ties_its_document_once():
    # an undated article on a trade deal and a dated one on a later investment MOU share a pledge
    # figure and the two governments: one tie and one weak tie, not one event counted four times
    pledge, deal = _ev("DEAL", "KOR", "USA", 350e9, "USD"), _ev("DEAL", "USA", "KOR")
    pub = [None, dt.date(2025, 11, 14)]
    assert dedup.event_pairs([[pledge, deal], [pledge, deal]], pub) == set()
    cash = _ev("INVEST", "KOR", "USA", 200e9, "USD")
    assert dedup.event_pairs([[pledge, deal, cash], [pledge, deal, cash]], pub) == {(0, 1)}


def test_the_same_earlier_day_is_a_shared_detail():
    # "the controls first revealed on October 9" retold three weeks later by two outlets
    def story(day, commodities):
        return [_ev("EXPORT_CONTROL", "CHN", None, commodities=commodities, date=day),
                _ev("TALKS", "USA", "CHN", commodities=["rare earths"], date=dt.date(2025, 10, 30))]
    pub = [dt.date(2025, 10, 31), dt.date(2025, 10, 30)]
    earlier = dt.date(2025, 10, 9)
    a, b = story(earlier, ["rare earths"]), story(earlier, [])
    b[1].target = "KOR"  # the other outlet names the summit's host, not the counterpart
    assert dedup.event_pairs([a, b], pub) == {(0, 1)}
    same_day = dt.date(2025, 10, 30)  # the day's news: on any day some government acts
    a, b = story(same_day, ["rare earths"]), story(same_day, [])
    b[1].target = "KOR"
    assert dedup.event_pairs([a, b], pub) == set()


def test_an_undated_article_does_not_join_two_stories():
    oct29, nov14 = dt.date(2025, 10, 29), dt.date(2025, 11, 14)
    assert dedup.groups(3, [], [oct29, nov14, None], [(0, 2), (1, 2)]) == [[0, 2]]
    assert dedup.groups(3, [], [oct29, dt.date(2025, 11, 2), None], [(0, 2), (1, 2)]) == [[0, 1, 2]]
    assert dedup.groups(2, [(0, 1)], [oct29, nov14]) == [[0, 1]]  # a late wire copy is still a copy


# -- framings ---------------------------------------------------------------------------------------
def test_a_framing_is_of_one_relation(gaz):
    us_deal = [_ev("DEAL", "KOR", "USA", tilt=1, countries=("KOR", "USA"))] * 2
    china_swap = [_ev("DEAL", "KOR", "CHN", tilt=-1, countries=("KOR", "CHN"))] * 2
    protest = [_ev("STATEMENT", "KOR", "CHN", tilt=1, countries=("KOR", "CHN"))] * 2
    deal, swap, clash = _article("a", us_deal), _article("b", china_swap), _article("c", protest)
    assert conflicts.find([deal, swap], gaz).empty  # one country, two partners
    frame = conflicts.find([swap, clash], gaz)
    assert set(frame["kind"]) == {"framing"} and conflicts.pairs(frame) == {("b", "c"): "contradiction"}


# -- conflict labels --------------------------------------------------------------------------------
def _pledge(doc, amount, text, published):
    ev = _ev("INVEST", "KOR", "USA", amount, "USD", countries=("KOR", "USA"))
    return _article(doc, [ev], published, text)


def test_a_part_beside_its_whole_is_a_different_scope(gaz):
    day = dt.date(2025, 11, 14)
    cash = _pledge("a", 200e9, "Seoul agreed to invest $200 billion in cash installments.", day)
    total = _pledge("b", 350e9, "Seoul will invest $350 billion, of which $200 billion in cash.", day)
    assert list(conflicts.find([cash, total], gaz, None, [["a", "b"]])["label"]) == ["different scope"]
    other = _pledge("c", 350e9, "Seoul will invest $350 billion in the United States.", day)
    assert list(conflicts.find([cash, other], gaz, None, [["a", "c"]])["label"]) == ["contradiction"]


def test_a_figure_told_weeks_later_is_a_different_time(gaz):
    early = _pledge("a", 200e9, "Seoul agreed to invest $200 billion.", dt.date(2025, 10, 29))
    late = _pledge("b", 250e9, "Seoul agreed to invest $250 billion.", dt.date(2025, 11, 14))
    assert list(conflicts.find([early, late], gaz, None, [["a", "b"]])["label"]) == ["different time"]


def test_a_conflict_with_a_copy_is_told_once(gaz):
    old = "China produces 60% of the world's germanium, a 2023 report said."
    new = "China makes up 83% of germanium production, a 2024 report found."
    arts = [_article("a", [], dt.date(2023, 7, 4), old), _article("b", [], dt.date(2025, 11, 9), new),
            _article("c", [], dt.date(2025, 11, 9), new)]
    assert conflicts.pairs(conflicts.find(arts, gaz, None, [["b", "c"]])) == {("a", "b"): "different time"}
    assert set(conflicts.pairs(conflicts.find(arts, gaz))) == {("a", "b"), ("a", "c")}  # no copies known


def test_a_stakes_percent_and_its_price_do_not_part_two_tellings():
    day = dt.date(2025, 11, 12)
    sale = [_ev("INVEST", "Mineral Resources", "POSCO Holdings", 765e6, "USD", ["lithium"]),
            _ev("INVEST", "POSCO Holdings", None, 30.0, "percent", ["lithium"])]
    plan = [_ev("INVEST", "KOR", "Mineral Resources", 765e6, "USD"),
            _ev("INVEST", "POSCO Holdings", "AUS", 1.2e12, "KRW", ["lithium"]),
            _ev("POLICY", "ARG", None, commodities=["lithium"]), _ev("INVEST", "ARG", None)]
    assert dedup.event_pairs([sale, plan], [day, day]) == {(0, 1)}  # two ties: a third of the plan's news
    assert dedup.event_pairs([sale[:1], plan], [day, day]) == set()


def test_a_figure_restated_for_weeks_marks_no_story():
    # Korea's "$350 billion" in the trade deal of late October and in the MOU of mid-November
    def telling():
        return [_ev("DEAL", "USA", "KOR"), _ev("DEAL", "KOR", "USA"), _ev("INVEST", "KOR", "USA", 350e9, "USD")]
    undated, mou = telling(), telling()
    pub = [None, dt.date(2025, 11, 14)]
    assert dedup.event_pairs([undated, mou], pub) == {(0, 1)}  # the figure ties them: one story
    deal = [_ev("INVEST", "KOR", "USA", 350e9, "USD"), _ev("TALKS", "USA", "KOR", date=dt.date(2025, 10, 29))]
    assert dedup.event_pairs([undated, mou, deal], pub + [dt.date(2025, 10, 29)]) == set()


def test_a_share_takes_its_stage_from_its_own_phrase(gaz):
    from chokepoint.news import claims

    text = "China refines about 85% of the world's graphite and has tightened licences, raising supply worries."
    (claim,) = claims.find_claims("d", text, gaz)
    assert claim["stages"][0] != "mine" and claim["low"] == 0.85  # "supply" belongs to another clause
    (claim,) = claims.find_claims("d", "China accounts for 60% of graphite supply, the agency said.", gaz)
    assert claim["stages"][0] == "mine"


def test_leads_alike_a_week_apart_are_two_stories():
    # the bloc's response to a control on Tuesday, talks with the same commissioner the next Tuesday
    a = ("Trade Commissioner Zenda Kestrel said on Tuesday the bloc was coordinating with partners on a "
         "response to Borduria's unjustified curbs on widgetium exports, calling them a serious concern.")
    b = ("Trade Commissioner Zenda Kestrel said on Tuesday he had invited Borduria's commerce minister for "
         "urgent talks on the widgetium export curbs, calling them a serious concern for the bloc.")
    others = [f"Report {i}: Zembla's parliament approved budget line {i} for harbour {i} and road works "
              f"in district {i} after a debate of {i} hours on Tuesday." for i in range(10)]
    day = dt.date(2025, 10, 14)
    assert dedup.lead_pairs([a, b] + others, [day, day + dt.timedelta(days=1)] + [day] * 10) == {(0, 1)}
    assert dedup.lead_pairs([a, b] + others, [day, day + dt.timedelta(days=7)] + [day] * 10) == set()


def test_a_retelling_shares_its_news_not_only_its_background():
    # a suspension announced on November 9 recalls the summit of October 30 that the other article reported
    summit = dt.date(2025, 10, 30)
    later = [_ev("EXPORT_EASING", "CHN", "USA", commodities=["gallium"], date=dt.date(2025, 11, 9)),
             _ev("TALKS", "CHN", "USA", date=summit), _ev("DEAL", "CHN", "USA", date=summit)]
    report = [_ev("TALKS", "USA", "CHN", date=summit), _ev("DEAL", "CHN", "USA")]
    assert dedup.event_pairs([later, report], [dt.date(2025, 11, 9), summit]) == set()
    assert dedup.event_pairs([later[1:], report], [dt.date(2025, 10, 31), summit]) == {(0, 1)}
