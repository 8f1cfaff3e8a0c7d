"""Round-11 merging and dating on real text, each shown by a sentence written for this test: an undated
first mention and a later one dated well before publication are two events, a sentence opened as one
more item ("In addition, ...") is never folded into an earlier event, a day of the month with no month
named ("on the 14th") dates its event, and a page-furniture date yields to the sentence's own."""
from __future__ import annotations

import datetime as dt

import pytest

from chokepoint.news import dates
from chokepoint.news.events import Event, merge
from chokepoint.news.extract import extract

PUB = dt.date(2025, 9, 5)  # a Friday


def _events(gaz, text, published=PUB):
    return [(e.type, e.actor, e.target, e.date.isoformat() if e.date else None)
            for e in extract("t", text, published, gaz)]


def _ev(date, past=False) -> Event:
    return Event(doc="t", type="EXPORT_CONTROL", actor="CHN", target=None, commodities=[], sectors=[],
                 amount=None, unit=None, date=date, tilt=0, evidence="", extra={"past": past})


def test_a_background_mention_after_the_news_is_an_event_of_its_own(gaz):
    """The lead's undated halt is today's; the one 'in 2019' an earlier halt, not its date."""
    text = ("Indonesia has halted exports of nickel ore to Japan, officials said. "
            "Indonesia previously halted exports of nickel ore in 2019, causing a price spike.")
    got = [e for e in _events(gaz, text) if e[0] == "EXPORT_CONTROL"]
    assert len(got) == 2
    assert {e[3] for e in got} == {None, "2019"}


def test_an_undated_mention_after_a_dated_one_still_refers_back():
    """Only an undated *first* mention is the news of the day; an undated later one restates the earlier."""
    old = dates.PartialDate(2019, precision="year")
    assert len(merge([_ev(None), _ev(old, past=True)])) == 2
    folded = merge([_ev(old, past=True), _ev(None)])
    assert len(folded) == 1 and folded[0].date == old
    assert len(merge([_ev(None), _ev(dt.date(2025, 9, 1))])) == 1  # a recent date: the same event


@pytest.mark.parametrize("opening", ["In addition,", "Separately,", "Additionally,", "In a separate move,"])
def test_a_sentence_opened_as_one_more_item_is_another_event(gaz, opening):
    text = ("Korea signed a memorandum of understanding with Chile on Monday. "
            f"{opening} Korea signed a memorandum of understanding with Chile on port logistics.")
    got = [e for e in _events(gaz, text) if e[0] == "DEAL"]
    assert len(got) == 2, got


def test_without_an_opening_marker_the_restatement_folds(gaz):
    text = ("Korea signed a memorandum of understanding with Chile on Monday. "
            "Korea signed the memorandum of understanding with Chile at a ceremony in Santiago.")
    assert len([e for e in _events(gaz, text) if e[0] == "DEAL"]) == 1


@pytest.mark.parametrize("sentence, expected", [
    ("The ministry said on the 14th that the two sides had signed a deal.", "2025-11-14"),
    ("The ministry announced on the 25th the new plan.", "2025-10-25"),  # after the 20th: the month before
    ("The previous agreement expired on the 10th of last month.", "2025-10-10"),
    ("The two sides met on the 3rd, officials said.", "2025-11-03"),
    ("Negotiators gathered on the 13th round of talks.", None),  # an ordinal noun, no day
])
def test_a_day_of_the_month_alone(sentence, expected):
    got = dates.resolve(sentence, dt.date(2025, 11, 20))
    assert (got.isoformat() if got else None) == expected


def test_a_day_of_the_month_needs_a_day_precise_publication():
    assert dates.resolve("The ministry said on the 14th.", dates.PartialDate(2025, 11)) is None


def test_page_furniture_date_yields_to_the_sentence(gaz):
    """'date 2025-09-05 ... on Thursday': the sentence's Thursday, not the page's date; alone, the page's."""
    own = _events(gaz, "date 2025-09-05 Japan signed a trade deal with India on Thursday evening.")
    assert [e[3] for e in own if e[0] == "DEAL"] == ["2025-09-04"]
    bare = _events(gaz, "date 2025-09-05 Japan signed a trade deal with India.")
    assert [e[3] for e in bare if e[0] == "DEAL"] == ["2025-09-05"]


def test_a_date_that_ends_a_period_is_not_the_events():
    """'suspended until Nov. 27, 2026': when the measure lapses; the action's own date is the other one."""
    pub = dt.date(2025, 11, 20)
    got = dates.resolve("Announced on Monday, the ban will be suspended until Nov. 27, 2026.", pub)
    assert got == dt.date(2025, 11, 17)
    assert dates.resolve("The waiver runs until March 3.", pub) is None
    assert dates.resolve("The waiver was granted on March 3.", pub) == dt.date(2025, 3, 3)


def test_also_on_the_verb_of_a_trigger_noun_marks_one_more(gaz):
    """'also announced the easing of ...' is a second easing; 'also said the easing ...' restates the first."""
    lead = "China eased export curbs on gallium to the United States on Monday. "
    more = _events(gaz, lead + "The ministry also announced the easing of restrictions on exports to the United States.")
    assert len([e for e in more if e[0] == "EXPORT_EASING"]) == 2, more
    same = _events(gaz, lead + "China also said the easing of restrictions on exports to the United States was final.")
    assert len([e for e in same if e[0] == "EXPORT_EASING"]) == 1, same
