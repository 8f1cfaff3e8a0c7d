"""Case-folded twins of case-insensitive patterns, for lower-cased ASCII text.

Python's `re` skips a branch whose first literal differs from the next character with one
comparison, and scans ahead for a pattern's possible first characters; in IGNORECASE mode it can
do neither, and tries every branch at every position (several times slower on news sentences).
On ASCII text `str.lower()` is exact case folding and keeps every offset, so a case-sensitive
pattern with lower-case letters, run on the lower-cased text, finds the same matches at the same
spans (tests check this for each pattern that uses it).
"""
from __future__ import annotations

import re

# what folding leaves as written: escapes (\W is not \w) and group names ("(?P<DEAL>")
_KEPT_OR_LETTER = re.compile(r"\\.|\(\?P<\w+>|[A-Z]")


def fold_pattern(pattern: str) -> str:
    """The pattern's letters in lower case; escapes and group names kept as written."""
    return _KEPT_OR_LETTER.sub(lambda m: m.group() if len(m.group()) > 1 else m.group().lower(), pattern)


def folded(rx: re.Pattern) -> re.Pattern:
    """The case-sensitive lower-case twin of an IGNORECASE pattern."""
    assert rx.flags & re.IGNORECASE, rx.pattern
    return re.compile(fold_pattern(rx.pattern), rx.flags & ~re.IGNORECASE)
