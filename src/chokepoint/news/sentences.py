"""Split cleaned text into sentences with character offsets.

Written by hand: the rules are few (line breaks, terminal punctuation, a list of
abbreviations) and a tokenizer library such as nltk would add a data download.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

_ABBREV = re.compile(r"(?:\b(?:U\.S|U\.K|U\.N|D\.C|S|N|Mr|Mrs|Ms|Dr|St|No|Co|Corp|Inc|Ltd|Jr|Sr|"
                     r"Gen|Gov|Sen|Rep|Prof|vs|etc|e\.g|i\.e|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|"
                     r"Oct|Nov|Dec|A|[A-Z])\.)$")
# a sentence end before a capital; also one glued to the next sentence ("vehicles.LG Energy"), as
# scraped pages often have, after a lower-case word (not an abbreviation: "U.S.")
_END = re.compile(r"[.!?](?:[\"”’')\]]*(?=\s+[\"“‘(\[]?[A-Z0-9])|(?<=[a-z]{2}[.!?])(?=[A-Z]))")


def split(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) offsets of each sentence; every line break also ends a sentence."""
    pos = 0
    for line in text.split("\n"):
        start = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        seg = start
        for m in _END.finditer(line):
            end = start + m.end()
            stop = start + m.start() + 1  # an abbreviation ends here; the longest is 5 characters
            if _ABBREV.search(text, max(seg, stop - 12), stop):
                continue
            yield from _trim(text, seg, end)
            seg = end
        yield from _trim(text, seg, start + len(line))


def _trim(text: str, a: int, b: int) -> Iterator[tuple[int, int]]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        yield a, b
