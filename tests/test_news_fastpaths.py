"""The news pipeline's speed-ups give exactly what the plain forms give: cleaning rules tried at a
line's start plus floating rules, the hoisted trigger alternation, batched and multi-process
MinHash signatures."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.news import clean, dedup, sentences, triggers

FIX = Path(__file__).parent / "fixtures" / "news"
# pieces that make the rules fire (and nearly fire), mixed with arbitrary text
PIECES = ["Download our app", "get the APP", "App Store", "google play", "Available on iOS",
          "newsletter", "Morning Briefing", "Subscribe now", "sign up", "Advertisement", "Share",
          "| Tweet", "By Kim Lee", "3 min read", "© 2024", "comments", "read more", "ſ", "ı", "İ",
          "K", " ", ".", "\t", "export controls", "signed", "talks", "invested", "Korea", "won't",
          "imposed a 25% tariff", "exercises", "joined the alliance", "easing its ban"]
lines = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=8).map("".join)


def _naive_rule(line: str) -> tuple | None:
    m = clean.ANY_RULE.search(line)
    return (m.lastgroup, m.span()) if m else None


@settings(max_examples=400, deadline=None)
@given(lines)
def test_rule_hit_is_the_full_search(line):
    line = line.strip()
    if line:
        m = clean.rule_hit(line)
        assert ((m.lastgroup, m.span()) if m else None) == _naive_rule(line)


def _anchored(items) -> bool:
    """A parsed pattern that can only match at the string's start (every branch begins with ^)."""
    from re import _parser  # the standard library's own regex parser

    if not len(items):
        return False
    op, av = items[0]
    if op == _parser.AT:
        return av == _parser.AT_BEGINNING
    if op == _parser.SUBPATTERN:
        return _anchored(av[-1])
    if op == _parser.BRANCH:
        return all(_anchored(branch) for branch in av[1])
    return False


def test_only_floating_rules_can_match_past_the_line_start():
    from re import _parser

    for name, rx in clean.LINE_RULES.items():
        assert _anchored(_parser.parse(rx.pattern)) == (name not in clean.FLOATING), name
    assert all(lit == lit.lower() for lits in clean.FLOATING.values() for lit in lits)


def _sentences() -> list[str]:
    out = []
    for path in sorted(FIX.glob("*.txt")):
        text = path.read_text("utf-8")
        out += [text[a:b] for a, b in sentences.split(text)]
    return out


NAIVE_TRIGGER = re.compile("|".join(f"(?P<{t}>{rx.pattern})" for t, rx in triggers.TRIGGERS.items()),
                           re.IGNORECASE)


def _triggers(rx: re.Pattern, s: str) -> list[tuple]:
    return [(m.lastgroup, m.span()) for m in rx.finditer(s)]


def test_hoisted_trigger_alternation_finds_the_same_matches_on_fixtures():
    found = 0
    for s in _sentences():
        assert _triggers(triggers.ANY_TRIGGER, s) == _triggers(NAIVE_TRIGGER, s)
        found += bool(_triggers(NAIVE_TRIGGER, s))
    assert found > 20


@settings(max_examples=300, deadline=None)
@given(lines)
def test_hoisted_trigger_alternation_finds_the_same_matches(s):
    assert _triggers(triggers.ANY_TRIGGER, s) == _triggers(NAIVE_TRIGGER, s)


texts = st.lists(st.one_of(st.text(max_size=80), st.lists(st.sampled_from(
    ["alpha", "Beta", "ΣΑΣ", "straße", "x", "İ", "\ud800", "1", "_"]), max_size=30).map(" ".join)),
    max_size=12)


@settings(max_examples=150, deadline=None)
@given(texts)
def test_batched_signatures_equal_one_by_one(batch):
    perms = dedup.permutations()
    expected = np.array([dedup.signature(dedup.shingle_hashes(t), perms) for t in batch],
                        dtype=np.uint32).reshape(len(batch), dedup.NUM_PERM)
    assert np.array_equal(dedup.signatures(batch, perms), expected)


def test_signatures_across_batches_and_processes(monkeypatch):
    words = [f"w{i}" for i in range(500)]
    batch = [" ".join(words[i:i + 40 + i % 7]) for i in range(300)] + ["", "one two"]
    perms = dedup.permutations()
    expected = np.stack([dedup.signature(dedup.shingle_hashes(t), perms) for t in batch])
    monkeypatch.setattr(dedup, "BATCH", 16)
    assert np.array_equal(dedup.signatures(batch, perms), expected)
    monkeypatch.setattr(dedup, "PARALLEL_MIN", 0)
    assert np.array_equal(dedup.all_signatures(batch, workers=2), expected)


@pytest.mark.parametrize("workers", [1, 2])
def test_minhash_pairs_same_with_workers(monkeypatch, workers):
    monkeypatch.setattr(dedup, "PARALLEL_MIN", 0)
    base = " ".join(f"word{i}" for i in range(300))
    docs = [base, base.replace("word150", "changed"), " ".join(f"other{i}" for i in range(300))]
    assert dedup.minhash_pairs(docs, workers=workers) == {(0, 1)}
