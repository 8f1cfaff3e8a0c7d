"""Strip boilerplate from article text: ads, share bars, app promos, bylines, related-article blocks.

Rules are line-level regular expressions kept in a registry so each can be counted: the
benchmark prints how many lines each removed on the seed and dev articles (measured, not
guessed). HTML is first reduced to its main text by trafilatura (reader.py).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from chokepoint.news.fold import folded

_I = re.IGNORECASE
# rule name -> pattern matching a whole (stripped) line that is boilerplate
LINE_RULES: dict[str, re.Pattern] = {
    "advertisement": re.compile(r"^(advertisement|ad|sponsored( content)?|scroll to continue|"
                                r"advertisement\W+scroll to continue)\W*$", _I),
    "share_bar": re.compile(r"^(share( this( article)?)?|tweet|email|print|copy link|facebook|twitter|"
                            r"linkedin|whatsapp|reddit|follow us on \w+|share on \w+|share via \w+|"
                            r"share this:?)([\s|·•,/]+(share( on| via)? )?(this( article)?|tweet|email|"
                            r"print|copy link|facebook|twitter|x|linkedin|whatsapp|reddit)\W*)*\W*$", _I),
    "app_promo": re.compile(r"(download (the|our) app|get the app|app[- ]?store|google play|"
                            r"available on (the )?(app store|ios|android)|download now on)", _I),
    "newsletter": re.compile(r"^(subscribe|sign up)\b.{0,80}$|newsletter|morning briefing", _I),
    "comments": re.compile(r"^(comments?|no comments yet\W*|leave a comment|\d+ comments?)\W*$", _I),
    "read_more": re.compile(r"^(click here|read more|more stories)\b.{0,60}$", _I),
    "byline": re.compile(r"^(-\s*)?(written by|by)\s+[\w .'-]{2,60}$|^-?\s*\d+\s+(min|minute)s?\s+read$|"
                         r"^-?\s*\d+\s+(hours?|days?|weeks?)\s+ago$|^-\s+[A-Z][\w.'-]+( [A-Z][\w.'-]+){0,3}$",
                         _I),
    "copyright": re.compile(r"^(©|\(c\)|copyright)\s", _I),
    "ai_promo": re.compile(r"^(try our ai features|explore what .{0,40} can do for you)\W*$", _I),
    # a fragment of at most three words with no sentence punctuation: logos, labels, author names
    "fragment": re.compile(r"^(?!.*[.!?\"”:])\S+(\s+\S+){0,2}$"),
}
# every rule in one pattern (named groups), tried once at the start of each line
ANY_RULE = re.compile("|".join(f"(?P<{name}>{rx.pattern})" for name, rx in LINE_RULES.items()), _I)
# rules that can also match past a line's first character, each with literals one of which every
# such match contains (lower case; a test checks it): Python's `re` tries a case-insensitive
# alternation at every position (~30 us a line), a substring test on an ASCII line costs ~1 us
FLOATING: dict[str, tuple[str, ...]] = {
    "app_promo": ("app", "google play", "available on", "download now on"),
    "newsletter": ("newsletter", "morning briefing"),
}
FLOATING_RULE = re.compile("|".join(f"(?P<{name}>{LINE_RULES[name].pattern})" for name in FLOATING), _I)
_FLOATING_LITERALS = tuple(lit for lits in FLOATING.values() for lit in lits)
# a heading that starts a block of other stories: everything from it to the end is dropped
RELATED = re.compile(r"^(related (articles?|stories|news|posts)|you may also like|more from|"
                     r"recommended( for you)?|most read|trending( now)?|read next)\W*$", _I)
# a dateline opening the body: "SEOUL —", "JAKARTA, Feb 10 (Reuters) -", "BEIJING, Nov. 14 (Xinhua) --",
# "LUBUMBASHI / LOBITO –"; a place in title case ("Hanoi - ") only as the article's first dateline
_DASH = r"\s+(?:—|–|-{1,2}|&mdash;)\s+"
_WIRE = r"(?:,\s+[A-Z][a-z]{2,4}\.?\s+\d{1,2})?(?:\s+\([A-Z][\w .&-]{1,30}\))?"
_DASH_END = re.compile(r"\s*(?:—|–|-{1,2}|&mdash;)\s*$")
DATELINE = re.compile(rf"^[A-Z][A-Z .,'/-]{{2,40}}?{_WIRE}{_DASH}")
TITLE_DATELINE = re.compile(rf"^[A-Z][a-z]+(?:\s[A-Z][a-z]+){{0,2}}{_WIRE}{_DASH}")


@dataclass
class CleanResult:
    """Cleaned text and, per rule, how many lines it removed."""

    text: str
    removed: Counter = field(default_factory=Counter)
    dateline: str | None = None  # the first dateline's place ("SEOUL"): the article's home


_LOWER_RULE, _LOWER_FLOATING = folded(ANY_RULE), folded(FLOATING_RULE)
_LITERALS = re.compile("|".join(re.escape(lit) for lit in _FLOATING_LITERALS))


def rule_hit(line: str) -> re.Match | None:
    """The leftmost boilerplate-rule match in a stripped line, as `ANY_RULE.search(line)` finds it:
    at the start every rule is tried (in registry order); past it only floating rules can match,
    and on an ASCII line (where lower() is exact case folding, fold.py) only if one of their literals
    occurs; an ASCII line is matched lower-cased by the rules' folded twins (same groups and spans)."""
    if not line.isascii():
        hit = ANY_RULE.match(line)
        return hit if hit is not None or len(line) < 2 else FLOATING_RULE.search(line, 1)
    low = line.lower()
    hit = _LOWER_RULE.match(low)
    if hit is not None or len(line) < 2 or not _LITERALS.search(low):
        return hit
    return _LOWER_FLOATING.search(low, 1)


def clean(text: str) -> CleanResult:
    """Article body without boilerplate lines, related blocks, repeated lines and datelines."""
    removed: Counter = Counter()
    kept: list[str] = []
    seen: set[str] = set()
    place: str | None = None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            if kept and kept[-1] != "":
                kept.append("")
            continue
        if RELATED.match(line):
            removed["related_block"] += len(lines) - i
            break
        hit = rule_hit(line)
        if hit is not None:
            removed[hit.lastgroup] += 1
            continue
        if line in seen:
            removed["repeated_line"] += 1
            continue
        seen.add(line)
        stripped = (DATELINE if place else TITLE_DATELINE if TITLE_DATELINE.match(line) else DATELINE).sub("", line)
        if stripped != line:
            removed["dateline"] += 1
            head = line[:len(line) - len(stripped)].split("(")[0]
            place = place or _DASH_END.sub("", head).split(",")[0].strip()
        kept.append(stripped)
    return CleanResult("\n".join(kept).strip(), removed, place)
