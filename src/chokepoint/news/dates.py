"""Dates in a sentence, relative ones resolved against the publication date.

Written by hand rather than with dateparser's `search_dates`: news needs a fixed reading of
"on Monday" (the latest Monday on or before publication) and of period words ("earlier
this week" -> the Monday of that week, "earlier this month" -> the 1st, "next week" -> the
next Monday), and the registry below is what the gold annotations assume (benchmarks/gold/README.md).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from chokepoint.news.fold import folded

MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july",
                                      "august", "september", "october", "november", "december"], 1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MON = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WD = r"(?P<wd>" + "|".join(WEEKDAYS) + r")"
Resolver = Callable[[re.Match, dt.date | None], dt.date | None]


def _month_day(m: re.Match, pub: dt.date | None) -> dt.date | None:
    month, day = MONTHS[m.group("mon").lower()], int(m.group("day"))
    year = int(m.group("year")) if m.groupdict().get("year") else None
    if year is None:
        if pub is None:
            return None
        # the year that puts the date within ~10 months before to ~2 months after publication
        year = pub.year
        for cand in (pub.year, pub.year - 1, pub.year + 1):
            try:
                d = dt.date(cand, month, day)
            except ValueError:
                return None
            if -300 <= (d - pub).days <= 65:
                year = cand
                break
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _shift(days: int) -> Resolver:
    return lambda m, pub: pub + dt.timedelta(days=days) if pub else None


def _weekday(m: re.Match, pub: dt.date | None) -> dt.date | None:
    if pub is None:
        return None
    back = (pub.weekday() - WEEKDAYS.index(m.group("wd").lower())) % 7
    if m.group(0).lower().startswith("last") and back == 0:
        back = 7
    return pub - dt.timedelta(days=back)


def _week_start(weeks_back: int) -> Resolver:
    return lambda m, pub: (pub - dt.timedelta(days=pub.weekday() + 7 * weeks_back)) if pub else None


def _month_start(months_back: int) -> Resolver:
    def resolve(m: re.Match, pub: dt.date | None) -> dt.date | None:
        if pub is None:
            return None
        y, mo = divmod(pub.year * 12 + pub.month - 1 - months_back, 12)
        return dt.date(y, mo + 1, 1)
    return resolve


def _days_ago(m: re.Match, pub: dt.date | None) -> dt.date | None:
    return pub - dt.timedelta(days=int(m.group("n"))) if pub else None


def _iso(m: re.Match, pub: dt.date | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(m.group(0))
    except ValueError:
        return None


# pattern -> resolver; the earliest match in a sentence is the event's date
PATTERNS: list[tuple[re.Pattern, Resolver]] = [(re.compile(p, re.I), r) for p, r in [
    (r"\b\d{4}-\d{2}-\d{2}\b", _iso),
    (rf"\b{_MON}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>(?:19|20)\d\d))?\b", _month_day),
    (rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MON}(?:,?\s+(?P<year>(?:19|20)\d\d))?\b", _month_day),
    (r"\byesterday\b|\b(?:on )?the (?:previous|prior) day\b|\bthe day before\b", _shift(-1)),
    (r"\btoday\b|\bthis morning\b|\bearlier today\b", _shift(0)),
    (r"\btomorrow\b", _shift(1)),
    (rf"\b(?:on|last|this past)\s+{_WD}\b", _weekday),
    (r"\b(?:earlier|later)? ?(?:this|in the) week\b", _week_start(0)),
    (r"\blast week\b", _week_start(1)),
    (r"\bnext week\b", _week_start(-1)),
    (r"\b(?:earlier |later )?this month\b", _month_start(0)),
    (r"\blast month\b", _month_start(1)),
    (r"\bnext month\b", _month_start(-1)),
    (r"\b(?P<n>\d{1,2}) days ago\b", _days_ago),
]]


# every pattern at once, without group names: most sentences hold no date, and one scan that finds
# none answers for all of them (the patterns are then tried one by one only where it finds one)
ANY_DATE = re.compile("|".join(re.sub(r"\(\?P<\w+>", "(?:", p.pattern) for p, _ in PATTERNS), re.I)
# their case-folded twins, for lower-cased ASCII text (fold.py says why)
LOWER_PATTERNS = [(folded(p), r) for p, r in PATTERNS]
LOWER_ANY_DATE = folded(ANY_DATE)


def resolve(sentence: str, published: dt.date | None) -> dt.date | None:
    """The first date expression in the sentence, resolved; None when there is none."""
    patterns, any_date = PATTERNS, ANY_DATE
    if sentence.isascii():
        sentence, patterns, any_date = sentence.lower(), LOWER_PATTERNS, LOWER_ANY_DATE
    if not any_date.search(sentence):
        return None
    best: tuple[int, dt.date] | None = None
    for pattern, resolver in patterns:
        for m in pattern.finditer(sentence):
            if best is not None and m.start() >= best[0]:
                break
            value = resolver(m, published)
            if value is not None:
                best = (m.start(), value)
                break
    return best[1] if best else None
