"""The news pipeline's speed-ups give exactly what the plain forms give: cleaning rules tried at a
line's start plus floating rules, the hoisted trigger alternation, batched and multi-process
MinHash signatures."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chokepoint.news import clean, dedup, offices, sentences, triggers

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


# -- round 3: case-folded twins, scans without a leading look-behind ---------------------------------
ascii_lines = st.lists(st.one_of(st.sampled_from(PIECES + [
    "Korea", "xKorea", "U.S.", "US$", "Minister Kim", "the Finance Ministry", "The Cabinet", "government",
    "Korea Zinc Co.", "Kestrel, a miner", "could", "Analysts said", "denied reports", "would", "since 2019",
    "which", "on Monday", "last week", "June 3, 2024", "2025-01-02", "Yesterday", "yet to", "called on",
    "after", "a day after", "It is the first", "The deal is", "Under Secretary", "dialogue"]),
    st.text(alphabet=st.characters(max_codepoint=127), max_size=12)), max_size=10).map("".join)


def _spans(rx, s):
    return [(m.lastgroup, m.span()) for m in rx.finditer(s)]


@settings(max_examples=60, deadline=None)
@given(lines)
def test_trigger_matches_equal_the_ignorecase_scan(s):
    assert [(m.lastgroup, m.span()) for m in triggers.trigger_matches(s)] == _triggers(NAIVE_TRIGGER, s)


def test_folded_filters_equal_ignorecase_on_fixtures():
    for s in (x for x in _sentences() if x.isascii()):
        for rx, low in triggers.FOLDED.items():
            assert _spans(rx, s) == _spans(low, s.lower()), rx.pattern


@settings(max_examples=60, deadline=None)
@given(ascii_lines)
def test_folded_twins_equal_ignorecase_on_ascii(s):
    from chokepoint.news import dates
    assume(s.isascii())  # the pieces hold "İ", which lower() turns into two characters
    for rx, low in triggers.FOLDED.items():
        assert _spans(rx, s) == _spans(low, s.lower()), rx.pattern
    for (rx, _), (low, _) in zip(dates.PATTERNS, dates.LOWER_PATTERNS):
        assert [(m.span(), m.groupdict().keys()) for m in rx.finditer(s)] == \
               [(m.span(), m.groupdict().keys()) for m in low.finditer(s.lower())]


def _naive_resolve(sentence, published):
    """dates.resolve without its pre-filter and folding: every pattern in turn."""
    from chokepoint.news import dates
    best = None
    for pattern, resolver in dates.PATTERNS:
        for m in pattern.finditer(sentence):
            if best is not None and m.start() >= best[0]:
                break
            value = resolver(m, published)
            if value is not None:
                best = (m.start(), value)
                break
    return best[1] if best and best[1] is not dates.UNDATED else None  # a week names no date


@settings(max_examples=60, deadline=None)
@given(st.one_of(lines, ascii_lines))
def test_date_prefilter_and_folding_change_nothing(s):
    import datetime as dt

    from chokepoint.news import dates
    for pub in (None, dt.date(2025, 6, 20)):
        assert dates.resolve(s, pub) == _naive_resolve(s, pub)


@settings(max_examples=60, deadline=None)
@given(st.one_of(lines, ascii_lines))
def test_entity_scan_equals_the_lookbehind_alternation(gaz, s):
    from chokepoint.news import entities
    full = entities._alternation({**gaz.forms, **gaz.cues}, flags=0)
    assert [m.span(1) for m in entities._scan(gaz._entity_re, s)] == [m.span(1) for m in full.finditer(s)]
    ref = {}
    for rx in (gaz._term_re, gaz._acronym_re):
        for m in rx.finditer(s):
            key = m.group(1) if m.group(1) in gaz.terms else m.group(1).lower()
            ref.setdefault(*gaz.terms[key])
    assert gaz.terms_in(s) == ([c for c, k in ref.items() if k == "commodity"],
                               [c for c, k in ref.items() if k == "sector"])


# the office patterns as first written, with their boundary test in front
NAIVE_OFFICES = {
    "OFFICE": r"\b(?:Minister|minister|Secretary|President|Premier|Chancellor)\b(?:\s+[A-Z][\w-]+){0,3}",
    "ADMINISTRATION": r"\b(?:administration|government|cabinet)\b",
    "ORG": rf"(?<![\w.])((?:{offices._CAP}\s+){{1,4}}{offices.ORG_SUFFIX})(?![\w])(?!\s+[A-Z])",
}


@settings(max_examples=60, deadline=None)
@given(st.one_of(lines, ascii_lines))
def test_word_start_patterns_equal_their_boundary_forms(s):
    for name, pattern in NAIVE_OFFICES.items():
        assert [m.span() for m in getattr(offices, name).finditer(s)] == \
               [m.span() for m in re.finditer(pattern, s)], name


def _naive_split(text):
    """sentences.split as first written: the abbreviation test on the whole segment."""
    pos = 0
    for line in text.split("\n"):
        start = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        seg = start
        for m in sentences._END.finditer(line):
            end = start + m.end()
            if sentences._ABBREV.search(text[seg:start + m.start() + 1]):
                continue
            yield from sentences._trim(text, seg, end)
            seg = end
        yield from sentences._trim(text, seg, start + len(line))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["Mr. Kim", "U.S. ", "e.g. ", "Sept. 5 ", "He left. ", "A. ", "xA. B",
                                 "No. 5", "\n", "Then", " ", "St. Louis. "]), max_size=20).map("".join))
def test_abbreviation_window_changes_no_split(text):
    assert list(sentences.split(text)) == list(_naive_split(text))


# -- round 14: the rough sentence cut and the NumPy LSH banding ---------------------------------------
rough = st.text(alphabet=st.sampled_from(list("ab .!?\n\t\r\u00a0\u2029\"")), max_size=40)


@given(rough)
def test_rough_sentences_equal_the_lookbehind_split(text):
    assert dedup._rough_sentences(text) == re.split(r"(?<=[.!?])\s+|\n", text)


def test_sentence_pairs_need_two_shared_long_sentences_and_ignore_case_and_spacing():
    s1 = "The ministry said the new export licence rules for gallium would apply from next month on."
    s2 = "Shipments of refined germanium fell by a third in the quarter, customs data showed on Friday."
    s3 = "A third long sentence that only the first article carries, about something else entirely."
    docs = [f"{s1} {s2}\n{s3}", f"{s1.upper()}   {s2}", f"{s1} Other words.", "Ünïcode lead.\n" + s1 + "\n" + s2]
    assert dedup.sentence_pairs(docs) == {(0, 1), (0, 3), (1, 3)}


@pytest.mark.parametrize("threshold", [dedup.THRESHOLD, dedup.LEAD_THRESHOLD])
def test_band_candidates_are_datasketchs_lsh_candidates(threshold):
    from datasketch import LeanMinHash, MinHashLSH

    rng = np.random.default_rng(5)
    base = rng.integers(0, 50, size=(60, dedup.NUM_PERM), dtype=np.uint32)  # few values: many bands agree
    sigs = np.concatenate([base, np.where(rng.random(base.shape) < 0.3, base + 1, base)])
    lsh = MinHashLSH(threshold=threshold, num_perm=dedup.NUM_PERM)
    hashes = [LeanMinHash(seed=dedup.SEED, hashvalues=row, scheme=dedup.SCHEME) for row in sigs]
    for i, m in enumerate(hashes):
        lsh.insert(i, m, check_duplication=False)
    expected = {(min(i, j), max(i, j)) for i, m in enumerate(hashes) for j in lsh.query(m) if j != i}
    found = {tuple(p) for p in dedup.band_candidates(sigs, threshold).tolist()}
    assert expected and found == expected
