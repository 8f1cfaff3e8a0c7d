"""Build the bundled sentence typer (src/chokepoint/news/data/sentence_types.npz).

    python benchmarks/train_sentence_types.py [--real-dir ../shared/news-real]
        [--extra-dir ../shared/news-real-extra] [--c C | --cv] [--out PATH] [--leave-out SPLIT]

Labelled sentences: every sentence of each annotated .txt file, labelled with the types of the
gold events whose evidence span starts in it (none: a negative). Sources: the project's own
fixture sets (dev, dev2, heldout, heldout2, heldout3, heldout4; heldout5 stays unseen), the train
split of the real corpus, the x-train split of the extra real set and its later training batches
(`gold_x4.json` ... in the extra folder, every article of which is training data), each when its
folder is there. Never the dev or test splits: an article of either found in a batch stops the run.
`--cv` picks the regularisation C by cross-validation grouped by article (no article's sentences
on both sides). Only hashed feature ids and weights are written, no text. Needs scikit-learn
(`pip install -e ".[learn]"`).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from chokepoint.news import classifier, sentences

ROOT = Path(__file__).parent.parent
GOLD = ROOT / "benchmarks" / "gold"
FIXTURES = [("tests/fixtures/news", "dev"), ("tests/fixtures/news_dev2", "dev2"),
            ("tests/fixtures/news_heldout", "heldout"), ("tests/fixtures/news_heldout2", "heldout2"),
            ("tests/fixtures/news_heldout3", "heldout3"), ("tests/fixtures/news_heldout4", "heldout4")]
# later training batches of the extra real set (written after its split; all of it training data)
BATCHES = ("gold_x4.json", "gold_x5.json", "gold_x6.json")
# the regularisation strengths --cv tries
GRID = (0.1, 0.3, 1.0, 3.0, 10.0)


def labelled(docs: Path, gold: dict) -> tuple[list[str], list[set[str]], list[str]]:
    """(sentences, type sets, article names) of the gold's .txt files."""
    starts: dict[str, list[tuple[int, str]]] = {}
    for ev in gold["events"]:
        starts.setdefault(ev["doc"], []).append((ev["span"][0], ev["type"]))
    out_s, out_y, out_g = [], [], []
    for name in gold["docs"]:
        if not name.endswith(".txt"):
            continue
        text = (docs / name).read_text(encoding="utf-8")
        for a, b in sentences.split(text):
            out_s.append(text[a:b])
            out_y.append({t for s, t in starts.get(name, []) if a <= s < b})
            out_g.append(name)
    return out_s, out_y, out_g


def held_out_names(extra: Path) -> set[str]:
    """Article names of the extra set's first batches that are not in x-train (its test side), and
    of the real dev split: never trained on. Read from the batch files, not the test gold."""
    train = set(json.loads((GOLD / "real_x-train.json").read_text())["docs"])
    names = set(json.loads((GOLD / "real_dev.json").read_text())["docs"])
    for path in sorted(extra.glob("gold_x[123].json")):
        names |= set(json.loads(path.read_text())["docs"]) - train
    return names


def corpus(real_dir: Path, extra_dir: Path, leave_out: str | None = None) -> tuple[list[str], list[set[str]], list[str]]:
    """Every labelled training sentence, with the article it comes from; `leave_out` ("train",
    "x-train") drops that split, to score the typer on it unseen (benchmarks/typer_eval.py)."""
    sources = [(ROOT / docs, json.loads((GOLD / f"{name}.json").read_text())) for docs, name in FIXTURES]
    if leave_out == "train":
        pass
    elif real_dir.is_dir():
        sources.append((real_dir, json.loads((GOLD / "real_train.json").read_text())))
    else:
        print(f"the real corpus is not at {real_dir}: trained without its train split")
    if extra_dir.is_dir():
        if leave_out != "x-train":
            sources.append((extra_dir, json.loads((GOLD / "real_x-train.json").read_text())))
        banned = held_out_names(extra_dir)
        for name in BATCHES:
            path = extra_dir / name
            if not path.is_file():
                print(f"{path} is not there: trained without it")
                continue
            gold = json.loads(path.read_text())
            if leaked := sorted(set(gold["docs"]) & banned):
                raise SystemExit(f"{path}: holds dev or test articles ({', '.join(leaked[:3])} ...)")
            sources.append((extra_dir, gold))
    else:
        print(f"the extra real set is not at {extra_dir}: trained without it")
    xs, ys, groups = [], [], []
    for docs, gold in sources:
        s, y, g = labelled(docs, gold)
        xs += s
        ys += y
        groups += [f"{docs}/{n}" for n in g]
    return xs, ys, groups


def cv_loss(xs: list[str], ys: list[set[str]], groups: list[str], c: float, folds: int = 5) -> float:
    """Mean log loss per sentence and type on held-out folds of whole articles (each article goes to
    the fold given by its index in sorted order, so the split is fixed)."""
    names = sorted(set(groups))
    fold = {n: i % folds for i, n in enumerate(names)}
    total, count = 0.0, 0
    for k in range(folds):
        tr = [i for i, g in enumerate(groups) if fold[g] != k]
        te = [i for i, g in enumerate(groups) if fold[g] == k]
        model = classifier.train([xs[i] for i in tr], [ys[i] for i in tr], c=c)
        for i in te:
            p = model.probabilities(xs[i])
            for t, v in p.items():
                v = min(max(v, 1e-6), 1 - 1e-6)
                total -= np.log(v) if t in ys[i] else np.log(1 - v)
                count += 1
    return total / count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real-dir", default=str(ROOT.parent / "shared" / "news-real"))
    ap.add_argument("--extra-dir", default=str(ROOT.parent / "shared" / "news-real-extra"))
    ap.add_argument("--c", type=float, default=classifier.C, help="regularisation (inverse strength)")
    ap.add_argument("--cv", action="store_true", help="choose C from GRID by article-grouped cross-validation")
    ap.add_argument("--out", default=str(classifier.MODEL_PATH))
    ap.add_argument("--leave-out", choices=("train", "x-train"), help="train without this split (to score on it)")
    args = ap.parse_args()
    xs, ys, groups = corpus(Path(args.real_dir), Path(args.extra_dir), args.leave_out)
    c = args.c
    if args.cv:
        losses = {g: cv_loss(xs, ys, groups, g) for g in GRID}
        for g, loss in losses.items():
            print(f"C {g:g}: held-out log loss {loss:.4f}")
        c = min(losses, key=losses.get)
    model = classifier.train(xs, ys, c=c)
    model.save(Path(args.out))
    print(f"{len(xs)} sentences from {len(set(groups))} articles, {sum(bool(y) for y in ys)} with events; "
          f"C {c:g}; {len(model.ids)} features kept -> {args.out}")


if __name__ == "__main__":
    main()
