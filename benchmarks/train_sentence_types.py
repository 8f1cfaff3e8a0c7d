"""Build the bundled sentence typer (src/chokepoint/news/data/sentence_types.npz).

    python benchmarks/train_sentence_types.py [--real-dir ../shared/news-real]
        [--extra-dir ../shared/news-real-extra] [--c C | --cv] [--out PATH] [--leave-out SPLIT]

Labelled sentences: every sentence of each annotated .txt file, labelled with the types of the
gold events whose evidence span starts in it (none: a negative). Sources: the project's own
fixture sets (dev, dev2, heldout, heldout2, heldout3, heldout4; heldout5 stays unseen), the train
split of the real corpus, and the x-train and x2-train splits of the extra real set, each when its
folder is there. Never the dev or test splits: an article of either found in a training split (by
name or SHA-256) stops the run.
`--cv` picks the regularisation C by cross-validation grouped by story (no story's sentences on
both sides) and calibrates each type's probability on the held-out scores of the real sentences
where no trigger names it (Platt scaling): a probability then means what it says on unseen stories. Only hashed feature ids and weights are written, no text. Needs scikit-learn
(`pip install -e ".[learn]"`).
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from chokepoint.news import classifier, sentences
from chokepoint.news.events import TYPES
from chokepoint.news.triggers import find_triggers

ROOT = Path(__file__).parent.parent
GOLD = ROOT / "benchmarks" / "gold"
FIXTURES = [("tests/fixtures/news", "dev"), ("tests/fixtures/news_dev2", "dev2"),
            ("tests/fixtures/news_heldout", "heldout"), ("tests/fixtures/news_heldout2", "heldout2"),
            ("tests/fixtures/news_heldout3", "heldout3"), ("tests/fixtures/news_heldout4", "heldout4")]
# the training splits of the extra real set: x-train, and x2-train and x3-train (later batches, all training data)
TRAIN_SPLITS = ("x-train", "x2-train", "x3-train")
# the regularisation strengths --cv tries
GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
# a type needs this many untriggered real sentences of its own for the typer to add it (platt)
MIN_POSITIVES = 5


def labelled(docs: Path, gold: dict) -> tuple[list[str], list[set[str]], list[str], list[set[str]]]:
    """(sentences, type sets, article names, unknown types) of the gold's .txt files. A sentence
    whose trigger names a type the article's gold has elsewhere is likely a repeated mention (the
    gold counts a story's event once): that type is unknown there, neither positive nor negative."""
    starts: dict[str, list[tuple[int, str]]] = {}
    for ev in gold["events"]:
        starts.setdefault(ev["doc"], []).append((ev["span"][0], ev["type"]))
    out_s, out_y, out_g, out_u = [], [], [], []
    for name in gold["docs"]:
        if not name.endswith(".txt"):
            continue
        text = (docs / name).read_text(encoding="utf-8")
        if "sha256" in gold["docs"][name] and hashlib.sha256(text.encode()).hexdigest() != gold["docs"][name]["sha256"]:
            raise SystemExit(f"{docs / name}: content differs from the annotated version (sha256)")
        for a, b in sentences.split(text):
            out_s.append(text[a:b])
            out_y.append({t for s, t in starts.get(name, []) if a <= s < b})
            out_g.append(name)
            told = {t for _, t in starts.get(name, [])} - out_y[-1]
            out_u.append({t.type for t in find_triggers(text[a:b])} & told)
    return out_s, out_y, out_g, out_u


def held_out(extra: Path) -> set[str]:
    """Names of the extra set's first-batch articles (x1xx-x3xx files) that are not in x-train (its
    test side; their texts are not opened), and names and SHA-256s of the real dev split: never
    trained on."""
    train = set(json.loads((GOLD / "real_x-train.json").read_text())["docs"])
    docs = dict(json.loads((GOLD / "real_dev.json").read_text())["docs"])
    test = {p.name for p in extra.glob("x[123]*.txt")} - train
    return set(docs) | {d["sha256"] for d in docs.values()} | test


def corpus(real_dir: Path, extra_dir: Path,
           leave_out: str | None = None) -> tuple[list[str], list[set[str]], list[str], list[bool], list[set[str]]]:
    """Every labelled training sentence, with the story it comes from (stories()), whether it is
    real text (the real corpus or the extra set, not the project's fixtures) and its unknown types
    (labelled()); `leave_out` ("train", "x-train", "x2-train") drops that split, to score the typer on
    it unseen (benchmarks/typer_eval.py)."""
    sources = [(ROOT / docs, json.loads((GOLD / f"{name}.json").read_text())) for docs, name in FIXTURES]
    if real_dir.is_dir():
        if leave_out != "train":
            sources.append((real_dir, json.loads((GOLD / "real_train.json").read_text())))
    else:
        print(f"the real corpus is not at {real_dir}: trained without its train split")
    if extra_dir.is_dir():
        banned = held_out(extra_dir)
        for split in TRAIN_SPLITS:
            if split == leave_out:
                continue
            gold = json.loads((GOLD / f"real_{split}.json").read_text())
            if leaked := sorted(n for n, d in gold["docs"].items() if n in banned or d["sha256"] in banned):
                raise SystemExit(f"real_{split}.json: holds dev or test articles ({', '.join(leaked[:3])} ...)")
            sources.append((extra_dir, gold))
    else:
        print(f"the extra real set is not at {extra_dir}: trained without it")
    xs, ys, groups, real, unknown = [], [], [], [], []
    for docs, gold in sources:
        s, y, g, u = labelled(docs, gold)
        story = stories(gold)
        xs += s
        ys += y
        groups += [f"{docs}/{story.get(n, n)}" for n in g]
        real += [docs in (real_dir, extra_dir)] * len(s)
        unknown += u
    return xs, ys, groups, real, unknown


def stories(gold: dict) -> dict[str, str]:
    """Each article joined to another by a duplicate, conflict or same-body pair -> its story's
    first article: retold stories stay on one side of a cross-validation split."""
    root: dict[str, str] = {}

    def find(n: str) -> str:
        while root.get(n, n) != n:
            n = root[n]
        return n

    for key in ("duplicates", "conflicts", "not_conflicts"):
        for pair in gold.get(key, []):
            a, *rest = sorted(pair["docs"] if isinstance(pair, dict) else pair)
            for b in rest:
                ra, rb = sorted((find(a), find(b)))
                root[rb] = ra
    return {n: find(n) for n in root}


def held_out_logits(xs: list[str], ys: list[set[str]], unknown: list[set[str]], groups: list[str], c: float,
                    folds: int = 5) -> np.ndarray:
    """(sentences, types) log-odds of each sentence from a model trained without its story's fold
    (each story goes to the fold given by its index in sorted order, so the split is fixed)."""
    fold = {n: i % folds for i, n in enumerate(sorted(set(groups)))}
    out = np.zeros((len(xs), len(TYPES)))
    for k in range(folds):
        tr = [i for i, g in enumerate(groups) if fold[g] != k]
        model = classifier.train([xs[i] for i in tr], [ys[i] for i in tr], c=c, unknown=[unknown[i] for i in tr])
        for i, g in enumerate(groups):
            if fold[g] == k:
                out[i] = model.logits(xs[i])
    return out


def log_loss(z: np.ndarray, y: np.ndarray) -> float:
    """Mean log loss of log-odds `z` against 0/1 labels `y`."""
    return float(np.mean(np.logaddexp(0, -z) * y + np.logaddexp(0, z) * (1 - y)))


def platt(z: np.ndarray, y: np.ndarray, untriggered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per type, the scale and shift that make held-out log-odds honest probabilities on the
    sentences where no trigger or frame names the type (where the extractor adds a type); a type
    with fewer than MIN_POSITIVES such sentences is never added (scale 0, shift -10)."""
    from sklearn.linear_model import LogisticRegression

    scale, shift = np.zeros(len(TYPES)), np.full(len(TYPES), -10.0)
    for k in range(len(TYPES)):
        m = untriggered[:, k]
        if y[m, k].sum() < MIN_POSITIVES:
            continue
        fit = LogisticRegression(C=1.0).fit(z[m, k:k + 1], y[m, k])
        scale[k], shift[k] = max(float(fit.coef_[0, 0]), 0.0), float(fit.intercept_[0])
    return scale, shift


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real-dir", default=str(ROOT.parent / "shared" / "news-real"))
    ap.add_argument("--extra-dir", default=str(ROOT.parent / "shared" / "news-real-extra"))
    ap.add_argument("--c", type=float, default=classifier.C, help="regularisation (inverse strength)")
    ap.add_argument("--cv", action="store_true", help="choose C from GRID by story-grouped cross-validation "
                    "and calibrate each type on the held-out scores (as the bundled model is built)")
    ap.add_argument("--out", default=str(classifier.MODEL_PATH))
    ap.add_argument("--leave-out", choices=("train",) + TRAIN_SPLITS, help="train without this split (to score on it)")
    args = ap.parse_args()
    xs, ys, groups, real, unknown = corpus(Path(args.real_dir), Path(args.extra_dir), args.leave_out)
    if not args.cv:
        model = classifier.train(xs, ys, c=args.c, unknown=unknown)
    else:
        r = np.array(real)
        y = np.array([[t in lab for t in TYPES] for lab in ys], dtype=float)[r]
        untriggered = np.array([[t not in have for t in TYPES] for have in
                                ({t.type for t in find_triggers(x)} for x, keep in zip(xs, real) if keep)])
        fits = {}
        for c in GRID:
            z = held_out_logits(xs, ys, unknown, groups, c)[r]
            scale, shift = platt(z, y, untriggered)
            loss = log_loss((z * scale + shift)[untriggered], y[untriggered])
            fits[c] = loss, scale, shift
            print(f"C {c:g}: held-out log loss, calibrated, on untriggered real sentence types {loss:.4f}")
        c = min(fits, key=lambda c: fits[c][0])
        _, scale, shift = fits[c]
        model = classifier.train(xs, ys, c=c, unknown=unknown).calibrated(scale, shift)
        print(f"C {c:g}; scale/shift per type: " + ", ".join(
            f"{t} {a:.2f}/{b:.2f}" for t, a, b in zip(TYPES, scale, shift)))
    model.save(Path(args.out))
    print(f"{len(xs)} sentences ({sum(real)} real) from {len(set(groups))} stories, "
          f"{sum(bool(y) for y in ys)} with events; {len(model.ids)} features kept -> {args.out}")


if __name__ == "__main__":
    main()
