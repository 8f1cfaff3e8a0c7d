"""Strip boilerplate from article text: ads, share bars, app promos, bylines, related-article blocks.

Rules are line-level regular expressions kept in a registry so each can be counted: the
benchmark prints how many lines each removed on the seed and dev articles (measured, not
guessed). HTML is first reduced to its main text by trafilatura (reader.py).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

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
# every rule in one pattern (named groups), so each line is scanned once
ANY_RULE = re.compile("|".join(f"(?P<{name}>{rx.pattern})" for name, rx in LINE_RULES.items()), _I)
# a heading that starts a block of other stories: everything from it to the end is dropped
RELATED = re.compile(r"^(related (articles?|stories|news|posts)|you may also like|more from|"
                     r"recommended( for you)?|most read|trending( now)?|read next)\W*$", _I)
DATELINE = re.compile(r"^[A-Z][A-Z .,'-]{2,40}\s+(—|–|-{1,2}|&mdash;)\s+")


@dataclass
class CleanResult:
    """Cleaned text and, per rule, how many lines it removed."""

    text: str
    removed: Counter = field(default_factory=Counter)


def clean(text: str) -> CleanResult:
    """Article body without boilerplate lines, related blocks, repeated lines and datelines."""
    removed: Counter = Counter()
    kept: list[str] = []
    seen: set[str] = set()
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
        hit = ANY_RULE.search(line)
        if hit is not None:
            removed[hit.lastgroup] += 1
            continue
        if line in seen:
            removed["repeated_line"] += 1
            continue
        seen.add(line)
        stripped = DATELINE.sub("", line)
        if stripped != line:
            removed["dateline"] += 1
        kept.append(stripped)
    return CleanResult("\n".join(kept).strip(), removed)
