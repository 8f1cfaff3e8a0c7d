"""Duplicate groups: copies of one wire text (MinHash LSH over word 5-gram shingles, datasketch)
and one story retold in other words (clustering on shared events).

Threshold: LSH at Jaccard 0.5 on word 5-grams with 64 permutations (standard error of the
estimate about 0.06 near the threshold). Copies of one wire story
with different headers and boilerplate score well above 0.7; two different articles on the
same topic share almost no 5-grams (under 0.05), so 0.5 leaves a wide margin on both sides.
Signatures are computed with NumPy in datasketch's default 'affine32' scheme (MurmurHash3
finalizer, then a*h+b mod 2^32): `MinHash.update_batch` with the same seed gives identical values
from the same 32-bit shingle hashes (a test checks it), but calls the hash function once per
shingle in Python, too slow for 100,000 articles.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

THRESHOLD = 0.5
NUM_PERM = 64
SHINGLE = 5
SEED = 1
EVENT_WINDOW_DAYS = 14  # retold stories: publication dates at most this far apart
_WORD = re.compile(r"\w+")
_MASK32 = np.uint64((1 << 32) - 1)
SCHEME = "affine32"


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


def word_hashes(text: str) -> np.ndarray:
    """64-bit hash of every word (runs of letters/digits, lower-cased), computed without a Python
    loop: prefix sums of byte * P^i (mod 2^64) give each word's hash as a difference."""
    b = np.frombuffer(text.lower().encode("utf-8", "replace"), dtype=np.uint8)
    if not len(b):
        return np.zeros(0, dtype=np.uint64)
    word = (b >= 128) | ((b >= 48) & (b <= 57)) | ((b >= 97) & (b <= 122)) | (b == 95)
    edges = np.diff(np.concatenate(([False], word, [False])).astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    pw, inv = _powers(_P, len(b) + 1), _powers(_P_INV, len(b) + 1)
    prefix = np.concatenate((np.zeros(1, dtype=np.uint64), np.cumsum(b.astype(np.uint64) * pw[:-1])))
    return (prefix[ends] - prefix[starts]) * inv[starts]


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


def lean(hashvalues: np.ndarray) -> LeanMinHash:
    """A datasketch LeanMinHash from precomputed values (no permutation set-up per document)."""
    return LeanMinHash(seed=SEED, hashvalues=hashvalues, scheme=SCHEME)


def minhash_pairs(texts: Sequence[str], threshold: float = THRESHOLD,
                  num_perm: int = NUM_PERM) -> set[tuple[int, int]]:
    """Index pairs (i < j) of texts whose estimated Jaccard similarity passes the LSH threshold."""
    perms = permutations(num_perm)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sigs = []
    with lsh.insertion_session() as session:
        for i, text in enumerate(texts):
            m = lean(signature(shingle_hashes(text), perms))
            sigs.append(m)
            session.insert(i, m, check_duplication=False)
    pairs = set()
    for i, m in enumerate(sigs):
        for j in lsh.query(m):
            if j != i and sigs[i].jaccard(sigs[j]) >= threshold:
                pairs.add((min(i, j), max(i, j)))
    return pairs


def event_key(ev) -> tuple:
    return (ev.type, ev.actor, round(ev.amount, 6) if ev.amount is not None else None, ev.unit)


def event_pairs(events_by_doc: Sequence[Iterable], published: Sequence[dt.date | None]) -> set[tuple[int, int]]:
    """Docs telling the same story: they share an event with the same type, actor and amount, or
    two events with the same type, actor and target, published within the window."""
    strong: dict[tuple, list[int]] = {}
    weak: dict[tuple, list[int]] = {}
    for i, evs in enumerate(events_by_doc):
        for ev in evs:
            if ev.amount is not None:
                strong.setdefault(event_key(ev), []).append(i)
            weak.setdefault((ev.type, ev.actor, ev.target), []).append(i)
    pairs: set[tuple[int, int]] = set()
    weak_count: dict[tuple[int, int], int] = {}
    for table, need in ((strong, 1), (weak, 2)):
        for docs in table.values():
            docs = sorted(set(docs))
            for x, i in enumerate(docs):
                for j in docs[x + 1:]:
                    if not _close(published[i], published[j]):
                        continue
                    if need == 1:
                        pairs.add((i, j))
                    else:
                        weak_count[(i, j)] = weak_count.get((i, j), 0) + 1
    pairs |= {p for p, n in weak_count.items() if n >= 2}
    return pairs


def _close(a: dt.date | None, b: dt.date | None) -> bool:
    return a is None or b is None or abs((a - b).days) <= EVENT_WINDOW_DAYS


def groups(n: int, pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components of the pair graph (groups of two or more), via union-find."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs:
        parent[find(i)] = find(j)
    comp: dict[int, list[int]] = {}
    for i in range(n):
        comp.setdefault(find(i), []).append(i)
    return sorted((sorted(c) for c in comp.values() if len(c) > 1), key=lambda c: c[0])
