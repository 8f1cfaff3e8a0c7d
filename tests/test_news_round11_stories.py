"""Round 11 of the news pipeline (issue 15): retold stories found by their words where the events
are not all extracted, two deals of the same parties kept apart, and conflicts within a story
(one number in two currencies, one pledge typed as an investment and as a deal). Every text here is
invented for the test."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from chokepoint.news import conflicts, dedup, retold
from chokepoint.news.amounts import FxTable
from chokepoint.news.events import Event
from chokepoint.news.pipeline import Article, find_duplicates


def _ev(type_, actor, target, amount=None, unit=None, date=None, countries=(None, None), doc="d"):
    return Event(doc, type_, actor, target, [], [], amount, unit, date, 0, "evidence",
                 actor_country=countries[0], target_country=countries[1])


# two tellings of one invented story: distinctive names and figures shared, sentences reworded
STORY_A = ("Quorvex Metals will build a cobalt hydroxide refinery at Tamsk, its chief executive Idris Velmont "
           "said, with first output of 18,400 tonnes due in 2027. The Tamsk plant will take ore from the "
           "Ondavi mine under a ten-year supply pact, and Velmont said Brennholt Capital would fund the "
           "first phase.")
STORY_B = ("Cobalt refiner Quorvex Metals plans a hydroxide plant in Tamsk able to turn out 18,400 tonnes "
           "from 2027, Idris Velmont told reporters. Ore will come from the Ondavi mine, and the Brennholt "
           "Capital fund is to pay for the first phase of the Tamsk project, Velmont added.")
# the background both tell, and the topic words every story here shares, without the story's names
TOPIC = ("The company said cobalt demand from battery makers would keep rising this year, and the "
         "ministry said refinery output was growing.")


def _fillers(n: int = 10) -> list[str]:
    """Unrelated stories of one batch, each with its own names: document frequencies to learn from."""
    return [f"Firm{k}ix opened a depot in Port{k}avel. " + TOPIC + f" Analyst Zed{k}or expected more{k}." for k in range(n)]


# -- retold stories by their words -----------------------------------------------------------------
def test_two_tellings_of_one_story_are_similar_by_their_rare_words():
    texts = [STORY_A, STORY_B] + _fillers()
    sim = retold.similar_pairs(texts, 0.0)
    assert sim[(0, 1)] >= retold.STRONG
    assert all(c < retold.WEAK for pair, c in sim.items() if pair != (0, 1))  # topic words weigh nothing


def test_few_documents_tell_no_rare_words():
    assert retold.similar_pairs([STORY_A, STORY_B], 0.0) == {}


def test_a_story_by_its_words_alone_needs_dates_close_or_missing():
    texts = [STORY_A, STORY_B] + _fillers()
    day = dt.date(2026, 3, 2)
    pub = [day, day + dt.timedelta(days=1)] + [day] * 10
    assert set(retold.story_pairs(texts, pub, {})) == {(0, 1)}
    pub[1] = day + dt.timedelta(days=retold.WINDOW_DAYS + 1)  # the next story of the same people
    assert retold.story_pairs(texts, pub, {}) == {}
    assert set(retold.story_pairs(texts, [None] * 12, {})) == {(0, 1)}


def test_a_weaker_likeness_needs_an_event_tie():
    # one telling adds a roundup of other stories of the batch: its likeness is diluted below STRONG
    extra = " In other news: " + " ".join(f"Firm{k}ix, Port{k}avel, Zed{k}or." for k in range(10)) * 2
    texts = [STORY_A, STORY_B + extra] + _fillers()
    cos = retold.similar_pairs(texts, 0.0)[(0, 1)]
    assert retold.WEAK <= cos < retold.STRONG
    assert retold.story_pairs(texts, [None] * 12, {}) == {}
    assert set(retold.story_pairs(texts, [None] * 12, {(0, 1): retold.WEAK_TIE})) == {(0, 1)}
    # diluted further, even a full tie is too little: the same firms' next deal ties as fully
    texts[1] += extra * 2
    assert retold.similar_pairs(texts, 0.0)[(0, 1)] < retold.WEAK
    assert retold.story_pairs(texts, [None] * 12, {(0, 1): 1.0}) == {}


def test_two_deals_of_the_same_parties_are_never_one_story_by_words():
    texts = [STORY_A, STORY_B] + _fillers()
    assert retold.story_pairs(texts, [None] * 12, {}, lambda i, j: (i, j) == (0, 1)) == {}


def test_a_retelling_whose_events_were_not_extracted_is_found():
    # the second telling yields no event at all (the extractor misses most events of unseen text),
    # and opens with three sentences of context, so the leads differ (dedup.lead_pairs finds nothing)
    intro = ("Investors have waited years for new refining capacity outside the established hubs. "
             "Prices swung widely in the last quarter as buyers hoarded stock ahead of new rules. "
             "Against that backdrop, a newcomer has now stepped forward with an ambitious plan. ")
    day = dt.date(2026, 3, 2)
    texts = [STORY_A, intro + STORY_B] + _fillers()
    assert dedup.lead_pairs(texts, [day] * 12) == set()
    arts = [Article(f"d{k}", f"d{k}", t, len(t), None, None, day) for k, t in enumerate(texts)]
    arts[0].events = [_ev("INVEST", "Quorvex Metals", None, 0.5e9, "USD", doc="d0")]
    groups = find_duplicates(arts)
    assert [(g["docs"], g["method"]) for g in groups] == [(["d0", "d1"], "words")]


# -- two deals of the same parties -----------------------------------------------------------------
JOGMEC_LATE = "Hanzo Trading will invest A$200 million (US$134.7 million) in Korrin Rare Earths, it said."
JOGMEC_EARLY = "Hanzo Trading has invested $9 million in Korrin Rare Earths to help its expansion."


def _stake(amount, unit):
    return [_ev("INVEST", "Hanzo Trading", "Korrin Rare Earths", amount, unit)]


def test_figures_far_apart_for_the_same_parties_are_two_deals():
    late, early = _stake(200e6, "AUD"), _stake(9e6, "USD")
    # no AUD rate is bundled: the text's own conversion gives the dollar figure
    assert dedup.different_deals(late, early, JOGMEC_LATE, JOGMEC_EARLY, FxTable.bundled())
    assert not dedup.different_deals(late, early, JOGMEC_LATE, JOGMEC_LATE[:40], FxTable.bundled())  # no conversion
    # a retelling that also recalls the other figure tells the same two deals
    recall = JOGMEC_EARLY + " It follows the A$200 million stake announced last year."
    assert not dedup.different_deals(late, early, JOGMEC_LATE, recall, FxTable.bundled())
    # within DEAL_RATIO: one deal told with two figures (a conflict to show, not two stories)
    assert not dedup.different_deals(_stake(9e6, "USD"), _stake(12e6, "USD"), "", "", None)


def test_two_deals_of_the_same_parties_are_no_story_by_events_or_leads_either():
    # the two stake stories tie by their events (the same investor and miner, a shared commodity)
    late = [_ev("INVEST", "Hanzo Trading", "Korrin Rare Earths", 200e6, "AUD", doc="d0")]
    early = [_ev("INVEST", "Hanzo Trading", "Korrin Rare Earths", 9e6, "USD", doc="d1")]
    for ev in late + early:
        ev.commodities = ["rare earths"]
    day = dt.date(2026, 3, 2)
    arts = [Article("d0", "d0", JOGMEC_LATE, 90, None, None, day, late),
            Article("d1", "d1", JOGMEC_EARLY, 90, None, None, day, early)]
    assert dedup.event_pairs([late, early], [day, day]) == {(0, 1)}
    assert find_duplicates(arts) == []


def test_a_tariff_and_the_answer_to_it_are_two_stories():
    # Washington's tariff on Beijing and Beijing's counter-tariff, both "from November 1"
    nov1 = dt.date(2025, 11, 1)
    us = [_ev("TARIFF", "USA", "CHN", date=nov1), _ev("STATEMENT", "USA", "CHN")]
    china = [_ev("TARIFF", "CHN", "USA", date=nov1), _ev("STATEMENT", "CHN", "USA")]
    pub = [dt.date(2025, 10, 10), dt.date(2025, 10, 12)]
    assert dedup.event_pairs([us, china], pub) == set()
    assert dedup.event_pairs([us, us], pub) == {(0, 1)}
    deal, signed = [_ev("DEAL", "USA", "CHN", date=nov1)], [_ev("DEAL", "CHN", "USA", date=nov1)]
    assert dedup.event_ties([deal, signed], pub) == {(0, 1): 0.5}  # a deal is the same whichever side goes first


# -- conflicts within a story ----------------------------------------------------------------------
def _article(doc_id, events, published, text=""):
    return SimpleNamespace(doc_id=doc_id, text=text, events=events, published=published, outlet=None, title=None)


def test_one_number_in_two_currencies_is_one_story_and_a_contradiction(gaz):
    plant = [_ev("INVEST", "Norvik Magnets", "EST", 75e6, "EUR", countries=("CAN", "EST"))]
    dollars = [_ev("INVEST", "Norvik Magnets", "EST", 75e6, "USD", countries=("CAN", "EST"))]
    day = dt.date(2025, 9, 19)
    assert dedup.event_pairs([plant, dollars], [day, day], FxTable.bundled()) == {(0, 1)}
    assert dedup.event_pairs([plant, _stake(30e6, "USD")], [day, day], FxTable.bundled()) == set()
    # told three days later, still no update: only the currency changed
    arts = [_article("a", plant, day, "a EUR75m plant"), _article("b", dollars, day + dt.timedelta(days=3), "a $75m plant")]
    assert conflicts.pairs(conflicts.find(arts, gaz, FxTable.bundled(), [["a", "b"]])) == {("a", "b"): "contradiction"}


def test_one_pledge_typed_as_an_investment_and_as_a_deal_is_compared(gaz):
    day = dt.date(2025, 11, 7)
    invest = _ev("INVEST", "UZB", "USA", 100e9, "USD", countries=("UZB", "USA"))
    deal = _ev("DEAL", "USA", "UZB", 35e9, "USD", countries=("USA", "UZB"))
    a = _article("a", [invest], day, "Uzbekistan will invest more than $100 billion over a decade.")
    b = _article("b", [deal], day, "Deals worth nearly $35 billion were signed; $100 billion is projected.")
    frame = conflicts.find([a, b], gaz, None, [["a", "b"]])
    assert list(frame["kind"]) == ["amount"] and list(frame["label"]) == ["different scope"]
    other = _article("c", [_ev("DEAL", "USA", "KAZ", 35e9, "USD", countries=("USA", "KAZ"))], day, "")
    assert conflicts.find([a, other], gaz, None, [["a", "c"]]).empty  # another counterpart: another deal
