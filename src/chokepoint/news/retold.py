"""Retold stories by their distinctive words: TF-IDF cosine of the opening STORY_CHARS characters of
two cleaned texts, with document frequencies from the batch. Evidence that does not need an
article's events to be extracted (the extractor finds about 0.4 of them on unseen text).

Words are hashed as dedup.py hashes them (NumPy, no Python loop per word); a word in more than
MAX_DF of the batch's documents is a topic word ("china", "minerals", "said") and weighs nothing.
Only pairs sharing MIN_SHARED rare words (each in at most `rare_limit` documents) are scored, so the
pass scales with the batch's rare words, not with its number of pairs.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse

from chokepoint.news.dedup import LEAD_WINDOW_DAYS, days_apart, word_spans

STORY_CHARS = 3000  # a retelling restates its lead; background comes later, in any story
MIN_DOCS = 10  # below this, document frequencies cannot tell rare words from common ones
MAX_DOCS = 1 << 20  # a document's number takes the 20 bits above a word's hash in one key
MAX_DF = 0.1
RARE_DF = 30  # candidate pairs share words found in at most this many documents (and MAX_DF of them)
MIN_SHARED = 2  # rare words a candidate pair shares: one name in common is chance, a retelling shares several
MIN_WORD = 3  # bytes: "of", "in", single digits say nothing
# measured on each real training split (benchmarks/gold/README.md, "Round 11"): retold pairs 0.10-1.0,
# other pairs at most 0.53 (a related story of the same firms; an earlier stage of the same deal). Round 14,
# all training splits in one batch (267 texts): every pair at 0.45 or more within the window was a
# retelling (41 of 42 pairs at 0.45+ overall); three at 0.45-0.55 had been missed, none false was added
STRONG = 0.45  # a story by its words alone
# a weaker likeness, confirmed by an event tie (dedup.event_ties: 0.5 for the same actor and a commodity,
# 1 for a shared party and the same figure). Below WEAK even a full tie is too little: on the training
# splits the pairs at 0.25-0.40 with one all had a date missing, and some were the same firms' next deal
WEAK = 0.4
WEAK_TIE = 0.5
WINDOW_DAYS = LEAD_WINDOW_DAYS
BATCH = 1000
_HASH_BITS = 44  # a word's hash in a (document, word) key; the document takes the 20 bits above
_CHUNK = 200_000  # pairs scored at once


def _doc_terms(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(document, word hash, count) of every distinct word of MIN_WORD bytes or more in each text's
    opening STORY_CHARS characters, texts hashed BATCH at a time."""
    docs, terms, counts = [], [], []
    mask = np.uint64((1 << _HASH_BITS) - 1)
    for lo in range(0, len(texts), BATCH):
        parts = [t[:STORY_CHARS].lower().encode("utf-8", "replace") for t in texts[lo:lo + BATCH]]
        starts = np.cumsum([0] + [len(b) + 1 for b in parts[:-1]])
        h, s, e = word_spans(b"\n".join(parts))
        keep = (e - s) >= MIN_WORD
        doc = (np.searchsorted(starts, s[keep], side="right") - 1 + lo).astype(np.uint64)
        key, n = np.unique((doc << np.uint64(_HASH_BITS)) | (h[keep] >> np.uint64(64 - _HASH_BITS)), return_counts=True)
        docs.append((key >> np.uint64(_HASH_BITS)).astype(np.int64))
        terms.append(key & mask)
        counts.append(n)
    if not docs:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64), np.zeros(0, np.int64)
    return np.concatenate(docs), np.concatenate(terms), np.concatenate(counts)


def rare_limit(n: int) -> int:
    """The most documents a word may be in and still make two of them candidates."""
    return max(2, min(RARE_DF, int(MAX_DF * n)))


def similar_pairs(texts: Sequence[str], threshold: float) -> dict[tuple[int, int], float]:
    """{(i, j): cosine} of text pairs (i < j) sharing MIN_SHARED rare words whose TF-IDF cosine (sublinear tf,
    idf log(n/df), words in 2..max(2, MAX_DF*n) documents) is at least `threshold`; empty outside
    MIN_DOCS..MAX_DOCS texts."""
    n = len(texts)
    if not MIN_DOCS <= n < MAX_DOCS:
        return {}
    doc, term, count = _doc_terms(texts)
    uniq, tid = np.unique(term, return_inverse=True)
    df = np.bincount(tid, minlength=len(uniq))
    keep = (df[tid] >= 2) & (df[tid] <= max(2, MAX_DF * n))
    weight = (1 + np.log(count[keep])) * np.log(n / df[tid[keep]])
    x = sparse.csr_matrix((weight, (doc[keep], tid[keep])), shape=(n, len(uniq)))
    norm = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    x = sparse.diags(1 / np.where(norm > 0, norm, 1)) @ x
    i, j = _candidates(doc[keep], tid[keep], df, rare_limit(n), n)
    out: dict[tuple[int, int], float] = {}
    for lo in range(0, len(i), _CHUNK):
        a, b = i[lo:lo + _CHUNK], j[lo:lo + _CHUNK]
        cos = np.asarray(x[a].multiply(x[b]).sum(axis=1)).ravel()
        for p, q, c in zip(a[cos >= threshold], b[cos >= threshold], cos[cos >= threshold]):
            out[(int(p), int(q))] = float(c)
    return out


def _candidates(doc: np.ndarray, tid: np.ndarray, df: np.ndarray, limit: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct document pairs (i < j) sharing MIN_SHARED words each in at most `limit` documents: the
    words of each document frequency k are a (words x k) table of documents, its column pairs the pairs."""
    rare = df[tid] <= limit
    order = np.lexsort((doc[rare], tid[rare]))
    d, t = doc[rare][order], tid[rare][order]
    codes = []
    for k in range(2, limit + 1):
        rows = d[df[t] == k].reshape(-1, k)
        for a in range(k):
            for b in range(a + 1, k):
                codes.append(rows[:, a].astype(np.int64) * n + rows[:, b])  # sorted by document within a word
    if not codes:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    code, shared = np.unique(np.concatenate(codes), return_counts=True)
    code = code[shared >= MIN_SHARED]
    return code // n, code % n


def story_pairs(texts: Sequence[str], published: Sequence, ties: dict[tuple[int, int], float],
                apart: Callable[[int, int], bool] = lambda i, j: False) -> dict[tuple[int, int], float]:
    """{(i, j): cosine} of the texts telling one story by their words: published within WINDOW_DAYS
    when both are dated, not two deals of the same parties (`apart`: dedup.different_deals), and a
    cosine of STRONG, or of WEAK with an event tie of WEAK_TIE (`ties`: dedup.event_ties)."""
    out = {}
    for (i, j), cos in similar_pairs(texts, WEAK).items():
        if published[i] is not None and published[j] is not None \
                and days_apart(published[i], published[j]) > WINDOW_DAYS:
            continue
        if (cos >= STRONG or ties.get((i, j), 0.0) >= WEAK_TIE) and not apart(i, j):
            out[(i, j)] = cos
    return out
