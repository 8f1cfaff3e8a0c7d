"""News throughput: clean + extract articles per second on one core (target >= 200 articles/s of
800 words) and the time to deduplicate 100,000 generated articles on 2 cores (target < 60 s).

    python benchmarks/news.py [--articles 2000] [--dedup 100000] [--workers 2]

Articles are generated from event sentences and filler drawn from a fixed vocabulary (seeded),
with one in fifty a near copy of an earlier one, so the LSH has real work to do. The baselines
printed are measured in the same run: datasketch's own `MinHash.update_batch` signatures on a
2,000-article sample against dedup.py's vectorised signatures, one article and one batch at a time;
datasketch's MinHashLSH insert and query of 20,000 signatures against dedup.band_candidates.
The second wire-copy pass (shared long sentences) is timed on articles that have sentences, and
the retold-story pass over words (retold.py) on a Zipf corpus of its own; the three passes add up to the figure judged.
Wall and CPU time are both printed (a shared machine inflates wall time); generating the dedup
corpus is timed apart from deduplicating it. For a quiet figure pin the cores:
`taskset -c 0,1 python benchmarks/news.py` (clean+extract runs on one of them).
"""
from __future__ import annotations

import argparse
import os
import random
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from chokepoint.news import dedup, retold
from chokepoint.news.clean import clean
from chokepoint.news.entities import Gazetteer
from chokepoint.news.extract import extract

EVENTS = [
    "Korea Zinc said on Monday it had invested USD 85 million in The Metals Company.",
    "China's Ministry of Commerce yesterday announced export controls on gallium and germanium.",
    "South Korea and Japan on Tuesday signed a memorandum of understanding on critical minerals.",
    "The US Commerce Department imposed a duty of 25% on graphite anode material from China.",
    "LG Energy Solution said it would invest 1.5 trillion won in a battery plant in the US.",
    "Analysts said Seoul could join a rare earth buyers' club next year.",
]
FILLER = ("market prices supply chain demand analysts officials company minister production plant "
          "battery magnet refinery quarter growth exports imports government policy reserve project "
          "industry capacity output investors shares report data trade week month year").split()


def article(rng: random.Random, words: int = 800) -> str:
    parts, n = ["Advertisement", "Share | Tweet | Email"], 0
    while n < words:
        if rng.random() < 0.25:
            s = rng.choice(EVENTS)
        else:
            s = " ".join(rng.choice(FILLER) for _ in range(rng.randint(12, 24))).capitalize() + "."
        parts.append(s)
        n += len(s.split())
    parts += ["Related Articles", "Other story"]
    return "\n".join(parts)


def bench_extract(n: int, gaz: Gazetteer) -> float:
    rng = random.Random(7)
    docs = [article(rng) for _ in range(n)]
    t0, c0 = time.perf_counter(), time.process_time()
    events = 0
    for i, text in enumerate(docs):
        events += len(extract(f"d{i}", clean(text).text, None, gaz))
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"clean+extract: {n} articles of ~800 words on one core: wall {dt:.2f} s = {n / dt:.0f} "
          f"articles/s, CPU {cpu:.2f} s = {n / cpu:.0f} articles/s ({events} events)  target >= 200/s: "
          f"wall {'PASS' if n / dt >= 200 else 'FAIL'}, CPU {'PASS' if n / cpu >= 200 else 'FAIL'}")
    return n / dt


VOCAB = FILLER + [f"w{i}" for i in range(50_000)]


def _corpus(n: int, seed: int) -> list[str]:
    """n articles of 800 words; about 2% are copies of an earlier one with one word changed."""
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(n):
        if out and rng.random() < 0.02:
            src = out[rng.randrange(len(out))].split()
            src[rng.randrange(len(src))] = "edited"
            out.append(" ".join(src))
        else:
            out.append(" ".join(rng.choices(VOCAB, k=800)))
    return out


def _corpus_part(args: tuple[int, int]) -> list[str]:
    return _corpus(*args)


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes (the dedup workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def bench_dedup(n: int, workers: int) -> float:
    """Generation is timed apart; the dedup figure is `dedup.minhash_pairs` end to end (texts sent to
    `workers` processes for signatures, LSH index built and queried in this one)."""
    chunks = [(n // workers + (1 if i < n % workers else 0), 100 + i) for i in range(workers)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        texts = [t for part in pool.map(_corpus_part, chunks) for t in part]
    gen = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), _cpu()
    pairs = dedup.minhash_pairs(texts, workers=workers)
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    print(f"dedup: {n} generated articles of 800 words on {workers} cores: wall {wall:.1f} s, CPU "
          f"{cpu:.1f} s in all ({cpu / workers:.1f} s a core), {len(pairs)} pairs (generation apart: "
          f"{gen:.1f} s)")
    return wall


def bench_story_words(n: int) -> float:
    """`retold.similar_pairs` (the retold-story pass over words) on n articles of 500 words drawn
    from a Zipf law over a million words, so that rare words, which make its candidate pairs, abound
    (the dedup corpus has none); added to the dedup figure, since the pipeline runs every pass."""
    rng = np.random.default_rng(3)
    vocab = np.array([f"z{i}" for i in range(1_000_000)])
    t0 = time.perf_counter()
    texts = [" ".join(vocab[row]) for row in (rng.zipf(1.3, size=(n, 500)) - 1) % len(vocab)]
    gen = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    pairs = retold.similar_pairs(texts, retold.WEAK)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"retold-story words: {n} Zipf articles of 500 words on one core: wall {wall:.1f} s, CPU {cpu:.1f} s, "
          f"{len(pairs)} pairs (generation apart: {gen:.1f} s)")
    return wall


def bench_sentence_copies(n: int) -> float:
    """`dedup.sentence_pairs` (the second wire-copy pass of pipeline.find_duplicates) on n articles
    of the clean+extract kind, which have sentences (the dedup corpus has none), on one core."""
    rng = random.Random(11)
    texts = [article(rng) for _ in range(n)]
    t0, c0 = time.perf_counter(), time.process_time()
    pairs = dedup.sentence_pairs(texts)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"sentence copies: {n} articles of ~800 words on one core: wall {wall:.1f} s, CPU {cpu:.1f} s, "
          f"{len(pairs)} pairs")
    return wall


def bench_baseline(n: int = 2000) -> None:
    texts = _corpus(n, 5)
    t0 = time.perf_counter()
    for t in texts:
        m = MinHash(num_perm=dedup.NUM_PERM, seed=dedup.SEED)
        w = t.split()
        m.update_batch([" ".join(w[i:i + dedup.SHINGLE]).encode() for i in range(len(w) - 4)])
    slow = time.perf_counter() - t0
    t0 = time.perf_counter()
    perms = dedup.permutations()
    for t in texts:
        dedup.signature(dedup.shingle_hashes(t), perms)
    fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    dedup.signatures(texts, perms)
    batch = time.perf_counter() - t0
    print(f"baseline: datasketch update_batch signatures {n / slow:.0f} articles/s vs vectorised "
          f"per article {n / fast:.0f}/s ({slow / fast:.1f}x) and in batches {n / batch:.0f}/s "
          f"({slow / batch:.1f}x) on one core (wall)")
    sigs = dedup.signatures(_corpus(10 * n, 6), perms)
    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=dedup.THRESHOLD, num_perm=dedup.NUM_PERM)
    hashes = [LeanMinHash(seed=dedup.SEED, hashvalues=row, scheme=dedup.SCHEME) for row in sigs]
    with lsh.insertion_session() as session:
        for i, m in enumerate(hashes):
            session.insert(i, m, check_duplication=False)
    found = {(min(i, j), max(i, j)) for i, m in enumerate(hashes) for j in lsh.query(m) if j != i}
    slow = time.perf_counter() - t0
    t0 = time.perf_counter()
    same = {tuple(p) for p in dedup.band_candidates(sigs, dedup.THRESHOLD).tolist()} == found
    fast = time.perf_counter() - t0
    print(f"baseline: datasketch MinHashLSH insert + query of {len(sigs)} signatures {slow:.2f} s vs NumPy "
          f"banding {fast:.2f} s ({slow / fast:.1f}x), same candidates: {same}")


def cleaning_stats(gaz_dirs: list[str]) -> None:
    """Lines each cleaning rule removes on real article files (the measurement behind the rules)."""
    from chokepoint.news.reader import expand, read

    removed, lines = Counter(), 0
    files, _ = expand(gaz_dirs)
    for f in files:
        for doc in read(f):
            if hasattr(doc, "text"):
                lines += doc.text.count("\n") + 1
                removed.update(clean(doc.text).removed)
    print(f"cleaning rules on {len(files)} files ({lines} lines): " +
          ", ".join(f"{k} {v}" for k, v in removed.most_common()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--dedup", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--docs", nargs="*", default=[str(Path(__file__).parent.parent / "tests/fixtures/news")])
    args = ap.parse_args()
    cleaning_stats(args.docs)
    bench_extract(args.articles, Gazetteer.bundled())
    bench_baseline()
    passes = (bench_dedup(args.dedup, args.workers), bench_story_words(args.dedup), bench_sentence_copies(args.dedup))
    total = sum(passes)
    print(f"duplicate detection, every pass the pipeline runs (MinHash, words, sentence copies): {total:.1f} s "
          f"for {args.dedup} articles  target < 60 s: {'PASS' if total < 60 else 'FAIL'}")


if __name__ == "__main__":
    main()
