"""Duplicate groups: copies of one wire text (MinHash LSH over word 5-gram shingles, datasketch)
and one story retold in other words (clustering on shared events; by shared rare words, retold.py).

Threshold: LSH at Jaccard 0.5 on word 5-grams with 64 permutations (standard error of the
estimate about 0.06 near the threshold). Copies of one wire story
with different headers and boilerplate score well above 0.7; two different articles on the
same topic share almost no 5-grams (under 0.05), so 0.5 leaves a wide margin on both sides.
Signatures are computed with NumPy in datasketch's default 'affine32' scheme (MurmurHash3
finalizer, then a*h+b mod 2^32): `MinHash.update_batch` with the same seed gives identical values
from the same 32-bit shingle hashes (a test checks it), but calls the hash function once per
shingle in Python, too slow for 100,000 articles. Likewise the LSH banding: datasketch's band count
and width, the bands' equal rows found by sorting in NumPy (`band_candidates`, checked against
MinHashLSH's own candidates).
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
import itertools
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from datasketch import MinHash, MinHashLSH

from chokepoint.news import amounts
from chokepoint.news.amounts import FxTable
from chokepoint.news.dates import precision
from chokepoint.news.events import measure

THRESHOLD = 0.5
NUM_PERM = 64
SHINGLE = 5
SEED = 1
EVENT_WINDOW_DAYS = 14  # retold stories: publication dates at most this far apart
_WORD = re.compile(r"\w+")
_MASK32 = np.uint64((1 << 32) - 1)
SCHEME = "affine32"
BATCH = 128  # texts hashed together: (~100k shingles x 64 permutations) x 4 bytes ~ 25 MB a batch
PARALLEL_MIN = 5_000  # below this, starting worker processes costs more than it saves


@dataclass(frozen=True)
class Permutations:
    a: np.ndarray
    b: np.ndarray


def permutations(num_perm: int = NUM_PERM, seed: int = SEED) -> Permutations:
    """datasketch's permutation parameters for this seed (taken from a MinHash instance)."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
    return Permutations(np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32))


_P = np.uint64(1099511628211)  # FNV prime: odd, so invertible modulo 2^64
_P_INV = np.uint64(pow(1099511628211, -1, 1 << 64))


def _powers(base: np.uint64, n: int) -> np.ndarray:
    out = np.empty(n, dtype=np.uint64)
    out[0] = 1
    if n > 1:
        out[1:] = base
        np.multiply.accumulate(out, out=out)  # wraps modulo 2^64, as intended
    return out


_TABLES: list[np.ndarray] = []  # [P^i, P^-i] for i < the longest input seen: reused, not recomputed


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    if not _TABLES or len(_TABLES[0]) < n:
        size = max(n, 2 * len(_TABLES[0]) if _TABLES else 1 << 16)
        _TABLES[:] = [_powers(_P, size), _powers(_P_INV, size)]
    return _TABLES[0][:n], _TABLES[1][:n]


def word_hashes(text: str) -> np.ndarray:
    """64-bit hash of every word (runs of letters/digits, lower-cased), computed without a Python
    loop: prefix sums of byte * P^i (mod 2^64) give each word's hash as a difference."""
    return _word_hashes_at(text.lower().encode("utf-8", "replace"))[0]


def _word_hashes_at(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(hash, start byte) of every word in UTF-8 bytes; a word's hash does not depend on its offset."""
    hashes, starts, _ = word_spans(data)
    return hashes, starts


def word_spans(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hash, start byte, end byte) of every word (letters, digits, underscore, any non-ASCII byte)
    in lower-cased UTF-8 bytes."""
    b = np.frombuffer(data, dtype=np.uint8)
    if not len(b):
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    word = (b >= 128) | ((b >= 48) & (b <= 57)) | ((b >= 97) & (b <= 122)) | (b == 95)
    edges = np.diff(np.concatenate(([False], word, [False])).astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    pw, inv = _power_tables(len(b) + 1)
    prefix = np.concatenate((np.zeros(1, dtype=np.uint64), np.cumsum(b.astype(np.uint64) * pw[:-1])))
    return (prefix[ends] - prefix[starts]) * inv[starts], starts, ends


def shingle_hashes(text: str, k: int = SHINGLE) -> np.ndarray:
    """Distinct 32-bit hashes of the word k-grams of a text, deterministic across runs."""
    tok = word_hashes(text)
    if len(tok) < k:
        return np.unique(tok.astype(np.uint32)) if len(tok) else np.zeros(1, dtype=np.uint32)
    acc = np.zeros(len(tok) - k + 1, dtype=np.uint64)
    for j in range(k):  # polynomial roll over the window, wrapping in uint64
        acc = acc * np.uint64(1000003) + tok[j:len(tok) - k + 1 + j]
    return np.unique((acc ^ (acc >> np.uint64(32))) & _MASK32).astype(np.uint32)


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (wrapping uint32 arithmetic), as datasketch pre-mixes."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def signature(hashes: np.ndarray, perms: Permutations) -> np.ndarray:
    """MinHash values exactly as datasketch's `MinHash.update_batch` computes them (affine32)."""
    hv = _fmix32(hashes.astype(np.uint32))
    return (np.multiply.outer(hv, perms.a) + perms.b).min(axis=0)


def signatures(texts: Sequence[str], perms: Permutations) -> np.ndarray:
    """MinHash signatures of many texts (one row each), equal to `signature(shingle_hashes(t))`
    row by row but computed BATCH texts at a time, so NumPy's per-call cost is paid per batch."""
    out = np.empty((len(texts), len(perms.a)), dtype=np.uint32)
    for lo in range(0, len(texts), BATCH):
        out[lo:lo + BATCH] = _batch_signatures(texts[lo:lo + BATCH], perms)
    return out


def _batch_signatures(texts: Sequence[str], perms: Permutations, k: int = SHINGLE) -> np.ndarray:
    """Texts joined by a non-word byte, hashed in one pass; each text's distinct shingles found
    with one np.unique over (text << 32 | hash) keys, and its minimum per permutation with reduceat.
    Texts with fewer than k words use their word hashes, as `shingle_hashes` does."""
    parts = [t.lower().encode("utf-8", "replace") for t in texts]
    starts = np.cumsum([0] + [len(b) + 1 for b in parts[:-1]])
    tok, tok_start = _word_hashes_at(b"\n".join(parts))  # word hashes do not depend on offset
    doc = np.searchsorted(starts, tok_start, side="right") - 1
    count = np.bincount(doc, minlength=len(texts))
    m = len(tok) - k + 1
    keys = [np.flatnonzero(count == 0).astype(np.uint64) << np.uint64(32)]
    if m > 0:
        acc = np.zeros(m, dtype=np.uint64)
        for j in range(k):  # the same polynomial roll as shingle_hashes
            acc = acc * np.uint64(1000003) + tok[j:m + j]
        whole = (doc[:m] == doc[k - 1:]) & (count[doc[:m]] >= k)
        keys.append((doc[:m][whole].astype(np.uint64) << np.uint64(32))
                    | ((acc[whole] ^ (acc[whole] >> np.uint64(32))) & _MASK32))
    short = count[doc] < k
    keys.append((doc[short].astype(np.uint64) << np.uint64(32)) | (tok[short] & _MASK32))
    key = np.sort(np.concatenate(keys))  # sort + mask: several times faster than np.unique here
    key = key[np.concatenate(([True], key[1:] != key[:-1]))]
    hv = _fmix32((key & _MASK32).astype(np.uint32))
    first = np.flatnonzero(np.diff(key >> np.uint64(32), prepend=np.uint64(1 << 63)))
    values = np.multiply.outer(perms.a, hv)  # permutations x shingles: each text's run is contiguous
    values += perms.b[:, None]
    return np.minimum.reduceat(values, first, axis=1).T


def _signature_chunk(args: tuple[Sequence[str], int]) -> np.ndarray:
    texts, num_perm = args
    return signatures(texts, permutations(num_perm))


def all_signatures(texts: Sequence[str], num_perm: int = NUM_PERM, workers: int = 1) -> np.ndarray:
    """`signatures` of every text, fanned out over `workers` processes for large inputs."""
    if workers <= 1 or len(texts) < PARALLEL_MIN:
        return signatures(texts, permutations(num_perm))
    size = max(BATCH, -(-len(texts) // (4 * workers)))  # a few chunks a worker: sending overlaps work
    chunks = [(texts[i:i + size], num_perm) for i in range(0, len(texts), size)]
    with ProcessPoolExecutor(workers) as pool:
        return np.concatenate(list(pool.map(_signature_chunk, chunks)))


@functools.lru_cache(maxsize=8)
def _bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """datasketch's band count and width for the threshold (it integrates to choose them: ~0.1 s)."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def band_candidates(sigs: np.ndarray, threshold: float, num_perm: int = NUM_PERM) -> np.ndarray:
    """(k, 2) row pairs (i < j, sorted) that agree on every value of at least one LSH band: the
    candidates datasketch's MinHashLSH returns, with the band count and width it picks for
    `threshold`, found by sorting each band's rows in NumPy. datasketch inserts and queries one
    document at a time in Python (about 0.1 ms each: 40% of a 100,000-article run); a test checks
    both give the same pairs."""
    bands, width = _bands(threshold, num_perm)
    n, found = len(sigs), []
    for k in range(bands):
        band = sigs[:, k * width:(k + 1) * width]
        order = np.lexsort(band.T[::-1])
        ranked = band[order]
        group = np.concatenate(([0], np.cumsum(np.any(ranked[1:] != ranked[:-1], axis=1))))
        sizes = np.bincount(group)
        firsts = np.searchsorted(group, np.arange(len(sizes)))  # each group's first place in `order`
        two = firsts[sizes == 2]  # most groups are one pair: done at once
        found.append(np.minimum(order[two], order[two + 1]) * n + np.maximum(order[two], order[two + 1]))
        for g in np.flatnonzero(sizes > 2).tolist():
            members = sorted(order[firsts[g]:firsts[g] + sizes[g]].tolist())
            found.append(np.array([i * n + j for i, j in itertools.combinations(members, 2)], dtype=np.int64))
    codes = np.unique(np.concatenate(found).astype(np.int64)) if found else np.zeros(0, dtype=np.int64)
    return np.stack((codes // n, codes % n), axis=1)


def minhash_pairs(texts: Sequence[str], threshold: float = THRESHOLD, num_perm: int = NUM_PERM,
                  workers: int = 1) -> set[tuple[int, int]]:
    """Index pairs (i < j) of texts whose estimated Jaccard similarity passes the LSH threshold;
    signatures may be computed on `workers` processes, the LSH banding is done here, in one place."""
    sigs = all_signatures(texts, num_perm, workers)
    cand = band_candidates(sigs, threshold, num_perm)
    same = np.count_nonzero(sigs[cand[:, 0]] == sigs[cand[:, 1]], axis=1) / np.float64(num_perm)
    return {(int(i), int(j)) for i, j in cand[same >= threshold]}


# amounts in two currencies are compared in USD at yearly average rates: rates move within a year
# and outlets round ("close to US$900 million" for 1.3 trillion won), so the tolerance is wider
CROSS_CURRENCY_TOLERANCE = 0.1
# a story is retold when the shared events are a good part of each article's events: one item of a
# roundup of many stories does not make the roundup a retelling of that item's article
MIN_SHARED_FRACTION = 1 / 3
# an undated document can be compared with any other: it needs twice the evidence
UNDATED_SCORE = 2.0
RETOLD_FIGURE_DAYS = 2  # one deal with two figures: articles published this close
EARLIER_DAYS = 2  # an event this many days before publication is retold, not the day's news
NEWS_DAYS = 3  # a retelling shares its news: an event at most this many days old at publication
STANDING_DOCS = 3  # a figure restated by this many documents of a party, far apart, is a standing one


def same_amount(a, b, fx: FxTable | None) -> bool:
    """Equal amounts: same unit within 0.5%, or two currencies within CROSS_CURRENCY_TOLERANCE in USD."""
    if a.unit == b.unit:
        return abs(a.amount - b.amount) <= 0.005 * max(abs(a.amount), abs(b.amount))
    if fx is None:
        return False
    usd = [fx.to_usd(e.amount, e.unit, e.date.year if e.date else None)[0] for e in (a, b)]
    if None in usd:  # a unit with no rate: percent, tonnes, an unlisted currency
        return False
    return abs(usd[0] - usd[1]) <= CROSS_CURRENCY_TOLERANCE * max(abs(usd[0]), abs(usd[1]))


def same_number(a, b) -> bool:
    """The same number (within 0.5%) in two different currencies."""
    return a.unit != b.unit and measure(a.unit) == measure(b.unit) == "money" \
        and abs(a.amount - b.amount) <= 0.005 * max(abs(a.amount), abs(b.amount))


def period(d: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of a date known to the day, the month or the year (dates.PartialDate)."""
    if isinstance(d, dt.datetime):  # a store Timestamp
        d = d.date()
    if precision(d) == "year":
        return dt.date(d.year, 1, 1), dt.date(d.year, 12, 31)
    if precision(d) == "month":
        return dt.date(d.year, d.month, 1), dt.date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])
    return d, d


def days_apart(a: dt.date, b: dt.date) -> int:
    """Days between two dates as periods: 0 where they overlap ("July" and July 30 agree)."""
    (a0, a1), (b0, b1) = period(a), period(b)
    return max((b0 - a1).days, (a0 - b1).days, 0)


def _compatible(a, b, fx: FxTable | None = None) -> bool:
    """Two events that could be one: no differing amount of one measure (a stake's percent and its
    price measure two things), no disjoint commodities, and no dates (when both are given) more
    than a day apart. One number in two currencies ("a EUR75m plant", "the $75 million plant") is
    one figure with its currency written wrong (a conflict to show), not two deals."""
    if a.amount is not None and b.amount is not None and measure(a.unit) == measure(b.unit) \
            and not same_amount(a, b, fx) and not same_number(a, b):
        return False
    if a.commodities and b.commodities and not set(a.commodities) & set(b.commodities):
        return False
    return a.date is None or b.date is None or days_apart(a.date, b.date) <= 1


# acts whose direction is the news: one side's tariff or curbs, and the other's answer, are two events
DIRECTED = frozenset({"TARIFF", "EXPORT_CONTROL", "EXPORT_EASING", "MILITARY", "STATEMENT"})


def _evidence(a, b, earlier_day: bool = False, standing: bool = False) -> float:
    """How strongly two compatible events of one type tie their documents. A shared party and the
    same amount are one story by itself (1): outlets often name the other side differently (a
    company, its project's country) and write the amount in their own currency. The same two
    parties, in either order since outlets put either side first, tie with a shared commodity (1)
    or, for a rate (percent: two trade deals may share a tariff rate), with the same amount (1)
    or else weakly (0.5: two such events are needed); so does the same actor with a shared
    commodity (0.5: the counterpart may go unnamed). The same date alone is no tie: on any day some
    government criticises another; the same earlier day (`earlier_day`: "the controls of October 9"
    retold weeks later) counts as a shared detail, as a commodity does. A `standing` figure (see
    `_standing_figures`) is no shared detail at all."""
    same_figure = a.amount is not None and (a.amount, a.unit) == (b.amount, b.unit) and not standing
    if a.amount is not None and b.amount is not None and a.unit != "percent" and measure(a.unit) == measure(b.unit) \
            and not standing and {a.actor, a.target} & {b.actor, b.target} - {None}:
        return 1.0
    shared = bool(set(a.commodities) & set(b.commodities)) or same_figure or earlier_day
    if a.target is None or b.target is None or {a.actor, a.target} != {b.actor, b.target}:
        return 0.5 if a.actor == b.actor and shared else 0.0
    if a.type in DIRECTED and a.actor != b.actor:
        return 0.0  # Washington's tariffs on Beijing and Beijing's on Washington: a trade war's two sides
    return 1.0 if shared else 0.5


def _standing_figures(events_by_doc: Sequence[Sequence], published: Sequence[dt.date | None]) -> set[tuple]:
    """(amount, unit, party) of figures that at least STANDING_DOCS documents give for one party,
    two of them published more than EVENT_WINDOW_DAYS apart: a pledge restated in every later story
    of a long negotiation (the trade deal of October and the MOU of November both carry Korea's
    "$350 billion"), no mark of one story. Two far-apart documents alone may share a figure by chance."""
    count: dict[tuple, int] = {}
    span: dict[tuple, tuple[dt.date, dt.date]] = {}  # the earliest last day, the latest first day
    for evs, pub in zip(events_by_doc, published):
        for key in {(ev.amount, ev.unit, p) for ev in evs if ev.amount is not None for p in (ev.actor, ev.target) if p}:
            count[key] = count.get(key, 0) + 1
            if pub:
                first, last = period(pub)
                lo, hi = span.get(key, (last, first))
                span[key] = (min(lo, last), max(hi, first))
    return {key for key, (lo, hi) in span.items() if count[key] >= STANDING_DOCS and (hi - lo).days > EVENT_WINDOW_DAYS}


def _is_standing(ev, standing: set[tuple]) -> bool:
    """Whether the event's amount is a standing figure (`_standing_figures`) of one of its parties."""
    return ev.amount is not None and any((ev.amount, ev.unit, p) in standing for p in (ev.actor, ev.target) if p)


def event_pairs(events_by_doc: Sequence[Sequence], published: Sequence[dt.date | None],
                fx: FxTable | None = None) -> set[tuple[int, int]]:
    """Docs telling the same story (`event_scores`)."""
    return set(event_scores(events_by_doc, published, fx))


def event_scores(events_by_doc: Sequence[Sequence], published: Sequence[dt.date | None],
                 fx: FxTable | None = None) -> dict[tuple[int, int], float]:
    """{doc pair: evidence} of docs telling the same story, published within the window: compatible
    events of the same type sharing a party (indexed by type and party, so only those are compared),
    each event tied to at most one of the other doc's (the strongest ties first: one event told once
    is one piece of evidence, however many events of the other doc it resembles), whose evidence
    (`_evidence`) adds up to 1 (UNDATED_SCORE where a document has no publication date, since the
    window cannot rule it out), the events tied making up at least MIN_SHARED_FRACTION of each
    document's news events (`_news_count`), one of them news in both (`_is_news`: a story published
    ten days after a summit recalls it, it does not retell the summit's report)."""
    out = {}
    for (i, j), (score, ks, ms, news) in _tie_totals(events_by_doc, published, fx).items():
        if news and score >= (1.0 if published[i] and published[j] else UNDATED_SCORE) \
                and len(ks) >= MIN_SHARED_FRACTION * _news_count(events_by_doc[i], published[i]) \
                and len(ms) >= MIN_SHARED_FRACTION * _news_count(events_by_doc[j], published[j]):
            out[(i, j)] = score
    return out


def event_ties(events_by_doc: Sequence[Sequence], published: Sequence[dt.date | None],
               fx: FxTable | None = None) -> dict[tuple[int, int], float]:
    """{doc pair: evidence} of every pair with a tie of one news event in both, however weak: too
    little to call a story (`event_scores`), enough to confirm one that the words suggest (retold.py)."""
    return {pair: score for pair, (score, _, _, news) in _tie_totals(events_by_doc, published, fx).items() if news}


def _tie_totals(events_by_doc: Sequence[Sequence], published: Sequence[dt.date | None],
                fx: FxTable | None) -> dict[tuple[int, int], tuple[float, set, set, bool]]:
    """{doc pair: (evidence, events of the first tied, of the second, whether one tie is news in
    both)} of the docs published within the window with a tie (`event_scores`)."""
    index: dict[tuple, list[tuple[int, int, object]]] = {}
    for i, evs in enumerate(events_by_doc):
        for k, ev in enumerate(evs):
            for party in {ev.actor, ev.target} - {None}:
                index.setdefault((ev.type, party), []).append((i, k, ev))
    best: dict[tuple[int, int, int, int], float] = {}
    standing = _standing_figures(events_by_doc, published)
    # (first, last) day ordinals of each publication; undated: a window no date rules out
    spans = [tuple(d.toordinal() for d in period(p)) if p else (-(1 << 30), 1 << 30) for p in published]
    for hits in index.values():
        for x, (i, k, a) in enumerate(hits):
            lo, hi = spans[i]
            for j, m, b in hits[x + 1:]:
                if i == j or spans[j][0] - hi > EVENT_WINDOW_DAYS or lo - spans[j][1] > EVENT_WINDOW_DAYS:
                    continue
                if _compatible(a, b, fx):
                    n = _evidence(a, b, _same_earlier_day(a, b, published[i], published[j]),
                                  _is_standing(a, standing) or _is_standing(b, standing))
                elif _retold_figure(a, b) and _close(published[i], published[j], RETOLD_FIGURE_DAYS):
                    n = 1.0
                else:
                    continue
                if n:
                    key = (i, k, j, m) if i < j else (j, m, i, k)
                    best[key] = max(best.get(key, 0.0), n)
    ties: dict[tuple[int, int], list[tuple[float, int, int]]] = {}
    for (i, k, j, m), n in best.items():
        ties.setdefault((i, j), []).append((-n, k, m))
    out = {}
    for (i, j), found in ties.items():
        ks, ms, score, news = set(), set(), 0.0, False
        for n, k, m in sorted(found):
            if k not in ks and m not in ms:
                ks.add(k)
                ms.add(m)
                score -= n
                news = news or (_is_news(events_by_doc[i][k], published[i]) and _is_news(events_by_doc[j][m], published[j]))
        out[(i, j)] = (score, ks, ms, news)
    return out


DEAL_RATIO = 3.0  # one deal's figure told two ways (rounding, currency, a part for the whole) stays within this


def different_deals(a: Sequence, b: Sequence, text_a: str, text_b: str, fx: FxTable | None = None) -> bool:
    """Whether two documents tell two deals of the same parties: an event of one type, actor and
    target in each whose money amounts are more than DEAL_RATIO apart (in USD where the currencies
    differ), neither amount stated anywhere in the other text. Sojitz and JOGMEC's $9 million in
    Lynas is not their A$200 million of years later, however alike the two articles read; a
    retelling that also recalls the earlier $250 million is still the story of its own figure."""
    for x in a:
        for y in b:
            if (x.type, x.actor, x.target) != (y.type, y.actor, y.target) or x.target is None \
                    or x.amount is None or y.amount is None or measure(x.unit) != "money" or measure(y.unit) != "money":
                continue
            values = [x.amount, y.amount] if x.unit == y.unit else [_usd(x, text_a, fx), _usd(y, text_b, fx)]
            if None in values:
                continue
            lo, hi = sorted(abs(v) for v in values)
            if hi > DEAL_RATIO * lo and not names_figure(text_b, x, fx) and not names_figure(text_a, y, fx):
                return True
    return False


CONVERSION_GAP = 4  # characters between an amount and its dollar conversion: " (", " (US"


def _usd(ev, text: str, fx: FxTable | None) -> float | None:
    """The event's amount in USD: at the yearly rate, else as the text converts it ("A$200 million
    (US$134.7 million)": a dollar figure right after the amount), else None."""
    if fx is not None:
        usd = fx.to_usd(ev.amount, ev.unit, ev.date.year if ev.date else None)[0]
        if usd is not None:
            return usd
    found = amounts.find(text)
    for x, y in zip(found, found[1:]):
        if (x.value, x.unit) == (ev.amount, ev.unit) and y.unit == "USD" and y.start - x.end <= CONVERSION_GAP:
            return y.value
    return None


def names_figure(text: str, ev, fx: FxTable | None) -> bool:
    """Whether the text states the event's amount anywhere (in its unit or, at the yearly rate, another)."""
    return any(measure(x.unit) == measure(ev.unit)
               and same_amount(ev, SimpleNamespace(amount=x.value, unit=x.unit, date=ev.date), fx)
               for x in amounts.find(text))


def _same_earlier_day(a, b, pub_a: dt.date | None, pub_b: dt.date | None) -> bool:
    """Both events on one day, told as past in two dated documents (EARLIER_DAYS before each)."""
    return a.date is not None and a.date == b.date and precision(a.date) == "day" \
        and precision(b.date) == "day" and pub_a is not None and pub_b is not None \
        and all((period(p)[0] - a.date).days >= EARLIER_DAYS for p in (pub_a, pub_b))


def _is_news(ev, published: dt.date | None) -> bool:
    """Whether the event is its article's news: undated, or dated at most NEWS_DAYS before publication."""
    return ev.date is None or published is None or (period(published)[0] - period(ev.date)[1]).days <= NEWS_DAYS


def _news_count(events: Sequence, published: dt.date | None) -> int:
    """Events that are the article's news: background dated well before publication (GUIDELINE.md
    counts it as events) does not make an article a roundup."""
    if published is None:
        return len(events)
    first = period(published)[0]
    return sum(1 for e in events if not (e.date and (first - period(e.date)[1]).days > EVENT_WINDOW_DAYS))


def _retold_figure(a, b) -> bool:
    """One deal told with two figures (a conflict to show, not two stories): same type, actor and
    named counterpart, a shared commodity, amounts in money that differ, dates (if both) a day apart."""
    return (a.type, a.actor, a.target) == (b.type, b.actor, b.target) and a.target is not None \
        and bool(set(a.commodities) & set(b.commodities)) and "percent" not in (a.unit, b.unit) \
        and (a.date is None or b.date is None or days_apart(a.date, b.date) <= 1)


def _close(a: dt.date | None, b: dt.date | None, days: int = EVENT_WINDOW_DAYS) -> bool:
    return a is None or b is None or days_apart(a, b) <= days


# wire copies cut short or padded with boilerplate fall under the MinHash threshold: sharing this many
# long sentences (each found in few documents, so no boilerplate) makes two texts copies as well
SHARED_SENTENCES = 2
LONG_SENTENCE = 80
COMMON_SENTENCE = 5
# a rough split is enough to compare texts: after end punctuation and its spaces, and at each newline.
# Written to start on a set of characters, which `re` finds by a fast scan (the look-behind form,
# r"(?<=[.!?])\s+|\n", tries every position: 3-4x slower, same pieces; a test checks both agree)
_SENTENCE_CUT = re.compile(r"[\n.!?](?:(?<=\n)|(?<=[.!?])\s+)")


def _rough_sentences(text: str) -> list[str]:
    """The text cut after end punctuation followed by spaces (which are dropped) and at newlines."""
    out, prev = [], 0
    for m in _SENTENCE_CUT.finditer(text):
        a = m.start()
        out.append(text[prev:a if text[a] == "\n" else a + 1])
        prev = m.end()
    out.append(text[prev:])
    return out


def sentence_pairs(texts: Sequence[str]) -> set[tuple[int, int]]:
    """Pairs of texts sharing SHARED_SENTENCES long sentences, word for word (case and spacing aside).
    Each text's long sentences are hashed once (an ASCII text lower-cased whole, not per sentence) and
    grouped by sorting, in NumPy: a dict of a set per sentence cost ten times as much."""
    keys: list[int] = []
    docs: list[int] = []
    for i, text in enumerate(texts):
        plain = text.isascii()  # lower() keeps an ASCII text's length, so its split points stay
        found = {hash(" ".join((sent if plain else sent.lower()).split()))
                 for sent in _rough_sentences(text.lower() if plain else text) if len(sent) >= LONG_SENTENCE}
        keys.extend(found)
        docs.extend([i] * len(found))
    if not keys:
        return set()
    k, d = np.array(keys, dtype=np.int64), np.array(docs, dtype=np.int64)
    order = np.lexsort((d, k))
    k, d = k[order], d[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    sizes = np.diff(np.r_[starts, len(k)])
    shared = (sizes > 1) & (sizes <= COMMON_SENTENCE)  # in a few texts, not boilerplate of many
    count: dict[tuple[int, int], int] = {}
    for a, n in zip(starts[shared].tolist(), sizes[shared].tolist()):
        ordered = d[a:a + n].tolist()
        for x, i in enumerate(ordered):
            for j in ordered[x + 1:]:
                count[(i, j)] = count.get((i, j), 0) + 1
    return {pair for pair, n in count.items() if n >= SHARED_SENTENCES}


# retold stories share the words of their lead (names, places, the action) even when no 5-gram
# survives the rewording: Jaccard of the first LEAD_SENTENCES sentences' distinctive words (in at
# most LEAD_COMMON of the batch's documents, and at least two, so topic words such as "china" or "rare" do not tie),
# LSH candidates then the exact test. Measured on the real train/dev splits: retold pairs 0.20-0.97,
# all other pairs at most 0.06. Below LEAD_MIN_DOCS documents word counts say too little, above
# LEAD_MAX_DOCS the pass is skipped (its LSH runs at a low threshold); both are reported as off.
LEAD_THRESHOLD = 0.15
LEAD_SENTENCES = 3
LEAD_COMMON = 0.1
LEAD_MIN_DOCS = 10
LEAD_MAX_DOCS = 20_000
LEAD_WINDOW_DAYS = 3
_LEAD_WORD = re.compile(r"[a-z]{3,}")
_STOP = frozenset("the and for with from that this its their his her has have had was were are been will would "
                  "said says after over into than more about also not but which who when what while".split())


def lead_words(text: str) -> frozenset[str]:
    """Content words of the text's first LEAD_SENTENCES full sentences (lower case, no stop words)."""
    from chokepoint.news import sentences

    picked = []
    for a, b in sentences.split(text):
        if b - a > 60 and text[b - 1] in ".!?\"”’":
            picked.append(text[a:b])
            if len(picked) == LEAD_SENTENCES:
                break
    return frozenset(w for w in _LEAD_WORD.findall(" ".join(picked).lower()) if w not in _STOP)


def lead_pairs(texts: Sequence[str], published: Sequence[dt.date | None]) -> set[tuple[int, int]]:
    """Pairs of texts whose leads share LEAD_THRESHOLD of their distinctive words (Jaccard),
    published within LEAD_WINDOW_DAYS when both are dated (a lead alike a week later is the next
    story of the same people: the invitation to talks after the response to a control; in the real
    gold sets every retelling with both dates came within three days); none outside
    LEAD_MIN_DOCS..LEAD_MAX_DOCS."""
    if not LEAD_MIN_DOCS <= len(texts) <= LEAD_MAX_DOCS:
        return set()
    words = [lead_words(t) for t in texts]
    df: dict[str, int] = {}
    for ws in words:
        for w in ws:
            df[w] = df.get(w, 0) + 1
    limit = max(2, LEAD_COMMON * len(texts))
    words = [frozenset(w for w in ws if df[w] <= limit) for ws in words]
    keep = [i for i, w in enumerate(words) if w]
    if len(keep) < 2:
        return set()
    sigs = _batch_signatures([" ".join(sorted(words[i])) for i in keep], permutations(), k=1)
    out = set()
    for n, o in band_candidates(sigs, LEAD_THRESHOLD).tolist():
        i, j = sorted((keep[n], keep[o]))
        if _close(published[i], published[j], LEAD_WINDOW_DAYS) \
                and len(words[i] & words[j]) >= LEAD_THRESHOLD * len(words[i] | words[j]):
            out.add((i, j))
    return out


def groups(n: int, pairs: Iterable[tuple[int, int]], published: Sequence[dt.date | None] | None = None,
           retold: Iterable[tuple[int, int]] = ()) -> list[list[int]]:
    """Connected components (groups of two or more) of the pair graph, via union-find: every pair
    of `pairs` (copies of one text) joins; then each pair of `retold` (retellings, strongest first)
    unless it would put in one group two documents `published` more than EVENT_WINDOW_DAYS apart:
    an undated article tied to a trade deal of October and to an MOU of November does not make the
    deal and the MOU one story."""
    parent = list(range(n))
    # per group: the earliest last day and the latest first day of its dated members (their gap is
    # how far apart its two farthest members are)
    bounds: list[tuple[dt.date, dt.date] | None] = [None] * n
    for i, d in enumerate(published or ()):
        if d:
            first, last = period(d)
            bounds[i] = (last, first)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(i: int, j: int, checked: bool) -> None:
        ri, rj = find(i), find(j)
        a, b = bounds[ri], bounds[rj]
        if ri == rj or (checked and a and b and max((b[1] - a[0]).days, (a[1] - b[0]).days) > EVENT_WINDOW_DAYS):
            return
        bounds[rj] = (min(a[0], b[0]), max(a[1], b[1])) if a and b else a or b
        parent[ri] = rj

    for i, j in pairs:
        join(i, j, False)
    for i, j in retold:
        join(i, j, True)
    comp: dict[int, list[int]] = {}
    for i in range(n):
        comp.setdefault(find(i), []).append(i)
    return sorted((sorted(c) for c in comp.values() if len(c) > 1), key=lambda c: c[0])
