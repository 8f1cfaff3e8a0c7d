"""Dates in a sentence, relative ones resolved against the publication date.

Written by hand rather than with dateparser's `search_dates`: news needs a fixed reading of
"on Monday" (the latest Monday on or before publication) and of period words, the one
GUIDELINE.md sets for the gold: "earlier this month" / "last month" is that month (YYYY-MM), "last
year" that year, and a week ("this week", "last week", "next week") no date at all.
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


class PartialDate(dt.date):
    """A date known only to its month or year: the period's first day, `precision` 'month' or
    'year'; isoformat() gives YYYY-MM or YYYY (GUIDELINE.md). No arithmetic on it is meaningful."""

    def __new__(cls, year: int, month: int = 1, precision: str = "month") -> PartialDate:
        self = super().__new__(cls, year, month if precision == "month" else 1, 1)
        self.precision = precision
        return self

    def isoformat(self) -> str:
        return f"{self.year:04d}-{self.month:02d}" if self.precision == "month" else f"{self.year:04d}"

    __str__ = isoformat

    def __repr__(self) -> str:
        return f"PartialDate({self.isoformat()!r})"


def period_end(d: dt.date) -> dt.date:
    """The last day of the period a date stands for: the day itself, or its month's or year's last day."""
    if precision(d) == "year":
        return dt.date(d.year, 12, 31)
    if precision(d) == "month":
        y, mo = divmod(d.year * 12 + d.month, 12)
        return dt.date(y, mo + 1, 1) - dt.timedelta(days=1)
    return dt.date(d.year, d.month, d.day)


def precision(d: dt.date | None) -> str | None:
    """'day', 'month' or 'year'; None for no date."""
    return None if d is None else getattr(d, "precision", "day")


def parse_published(text: str) -> dt.date:
    """A publication date written YYYY-MM-DD, YYYY-MM or YYYY (ValueError otherwise)."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text.strip())
    if m is None:
        raise ValueError(text)
    year, month, day = (int(g) if g else None for g in m.groups())
    if day is not None:
        return dt.date(year, month, day)
    if month is not None:
        if not 1 <= month <= 12:
            raise ValueError(text)
        return PartialDate(year, month)
    return PartialDate(year, precision="year")


def _needs(level: str, resolver: Resolver) -> Resolver:
    """`resolver`, or None where the publication date is coarser than `level` ('day', 'month')."""
    order = {"day": 0, "month": 1, "year": 2}
    return lambda m, pub: resolver(m, pub) if pub is not None and order[precision(pub)] <= order[level] else None


def _month_day(m: re.Match, pub: dt.date | None) -> dt.date | None:
    month, day = MONTHS[m.group("mon").lower()], int(m.group("day"))
    year = int(m.group("year")) if m.groupdict().get("year") else None
    if year is None:
        if pub is None:
            return None
        if precision(pub) == "year":
            return _safe_date(pub.year, month, day)
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


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month_only(m: re.Match, pub: dt.date | None) -> dt.date | None:
    """'in April' (the latest April on or before publication), 'in December 2024': YYYY-MM."""
    month = MONTHS[m.group("mon").lower()]
    if m.group("year"):
        return PartialDate(int(m.group("year")), month)
    if pub is None:
        return None
    if precision(pub) == "year":
        return PartialDate(pub.year, month)
    return PartialDate(pub.year if month <= pub.month else pub.year - 1, month)


def _year_only(m: re.Match, pub: dt.date | None) -> dt.date | None:
    return PartialDate(int(m.group("year")), precision="year")


def _years_back(years: int) -> Resolver:
    """'last year', 'this year': the year only (YYYY)."""
    return lambda m, pub: PartialDate(pub.year - years, precision="year") if pub else None


def _shift(days: int) -> Resolver:
    return lambda m, pub: pub + dt.timedelta(days=days) if pub else None


def _weekday(m: re.Match, pub: dt.date | None) -> dt.date | None:
    if pub is None:
        return None
    back = (pub.weekday() - WEEKDAYS.index(m.group("wd").lower())) % 7
    if m.group(0).lower().startswith("last") and back == 0:
        back = 7
    return pub - dt.timedelta(days=back)


# what a period the guideline leaves undated resolves to ("earlier this week", "last week"): it is the
# sentence's time expression, so no other date in the sentence stands in for it, yet it names no day
UNDATED = dt.date.min


def _no_date(m: re.Match, pub: dt.date | None) -> dt.date:
    return UNDATED


def _month_of(months_back: int) -> Resolver:
    """'this month', 'last month', 'next month': that month, known only to the month (YYYY-MM)."""
    def resolve(m: re.Match, pub: dt.date | None) -> dt.date | None:
        if pub is None:
            return None
        y, mo = divmod(pub.year * 12 + pub.month - 1 - months_back, 12)
        return PartialDate(y, mo + 1)
    return resolve


def _day_of_month(m: re.Match, pub: dt.date | None) -> dt.date | None:
    """'on the 14th' (a day of the month with no month named): that day of the publication month, or
    of the month before when it lies after publication; 'the 10th of last month' the month before."""
    back = 1 if m.group("prior") or int(m.group("day")) > pub.day else 0
    y, mo = divmod(pub.year * 12 + pub.month - 1 - back, 12)
    return _safe_date(y, mo + 1, int(m.group("day")))


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
    (r"\byesterday\b|\b(?:on )?the (?:previous|prior) day\b|\bthe day before\b", _needs("day", _shift(-1))),
    (r"\btoday\b|\bthis morning\b|\bearlier today\b", _needs("day", _shift(0))),
    (r"\btomorrow\b", _needs("day", _shift(1))),
    (rf"\b(?:on|last|this past)\s+{_WD}\b", _needs("day", _weekday)),
    # a bare weekday ("agreed Saturday", "said Thursday": wire style), not a named day like Black Friday
    (rf"(?<!black )(?<!cyber )(?<!super )(?<!good )\b{_WD}\b", _needs("day", _weekday)),
    (r"\b(?:earlier|later)? ?(?:this|in the|last|next) week\b", _no_date),
    (r"\b(?:earlier |later )?this month\b", _needs("month", _month_of(0))),
    (r"\blast month\b", _needs("month", _month_of(1))),
    (r"\bnext month\b", _needs("month", _month_of(-1))),
    (r"\b(?P<n>\d{1,2}) days ago\b", _needs("day", _days_ago)),
    # "said on the 14th", "expired on the 10th of last month"; not an ordinal noun ("on the 13th round")
    (r"\bon the (?P<day>[1-9]|[12]\d|3[01])(?:st|nd|rd|th)\b(?:\s+of\s+(?:(?P<prior>last)|this)\s+month\b)?"
     r"(?=\s*(?:[.,;:)]|$)|\s+(?:that|the|and|in|at|when|as|to|with|by|for|after|before|but|while|local)\b)",
     _needs("day", _day_of_month)),
    (rf"\bin (?:early |late |mid-)?{_MON}(?:\s+(?P<year>(?:19|20)\d\d))?\b", _month_only),
    (r"\bin (?:early |late |mid-)?(?P<year>(?:19|20)\d\d)\b", _year_only),
    (r"\blast year\b", _years_back(1)),
    (r"\b(?:earlier )?this year\b", _years_back(0)),
]]


# every pattern at once, without group names: most sentences hold no date, and one scan that finds
# none answers for all of them (the patterns are then tried one by one only where it finds one)
ANY_DATE = re.compile("|".join(re.sub(r"\(\?P<\w+>", "(?:", p.pattern) for p, _ in PATTERNS), re.I)
# their case-folded twins, for lower-cased ASCII text (fold.py says why)
LOWER_PATTERNS = [(folded(p), r) for p, r in PATTERNS]
LOWER_ANY_DATE = folded(ANY_DATE)


# a date that ends a period ("suspended until Nov. 27, 2026") is when the measure lapses, not the event's date
UNTIL = re.compile(r"\b(?:until|till|through)\s+$", re.I)


def resolve(sentence: str, published: dt.date | None) -> dt.date | None:
    """The first date expression in the sentence that gives a full date, resolved, else the first
    that gives a month or year (a PartialDate); None when there is none or when the first is a week
    (UNDATED). A date after "until" (UNTIL) is skipped."""
    patterns, any_date = PATTERNS, ANY_DATE
    if sentence.isascii():
        sentence, patterns, any_date = sentence.lower(), LOWER_PATTERNS, LOWER_ANY_DATE
    if not any_date.search(sentence):
        return None
    best: dict[bool, tuple[int, dt.date]] = {}  # full date? -> (position, date)
    for pattern, resolver in patterns:
        for m in pattern.finditer(sentence):
            if UNTIL.search(sentence, max(0, m.start() - 8), m.start()):
                continue
            value = resolver(m, published)
            if value is None:
                continue
            full = precision(value) == "day"
            if full not in best or m.start() < best[full][0]:
                best[full] = (m.start(), value)
            break
    hit = best.get(True) or best.get(False)
    return hit[1] if hit and hit[1] is not UNDATED else None
