"""Build the bundled sentence typer (src/chokepoint/news/data/sentence_types.npz).

    python benchmarks/train_sentence_types.py [--real-dir ../shared/news-real]

Labelled sentences: every sentence of each annotated .txt file, labelled with the types of the
gold events whose evidence span starts in it (none: a negative). Sources: the project's own
fixture sets (dev, dev2, heldout, heldout2, heldout3, heldout4; heldout5 stays unseen) and the
train split of the real corpus when its folder is there. Only hashed feature ids and weights are
written, no text. Needs scikit-learn (`pip install -e ".[learn]"`).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from chokepoint.news import classifier, sentences

ROOT = Path(__file__).parent.parent
FIXTURES = [("tests/fixtures/news", "dev"), ("tests/fixtures/news_dev2", "dev2"),
            ("tests/fixtures/news_heldout", "heldout"), ("tests/fixtures/news_heldout2", "heldout2"),
            ("tests/fixtures/news_heldout3", "heldout3"), ("tests/fixtures/news_heldout4", "heldout4")]


def labelled(docs: Path, gold_path: Path) -> tuple[list[str], list[set[str]]]:
    """(sentences, type sets) of the gold's .txt files."""
    gold = json.loads(gold_path.read_text())
    starts: dict[str, list[tuple[int, str]]] = {}
    for ev in gold["events"]:
        starts.setdefault(ev["doc"], []).append((ev["span"][0], ev["type"]))
    out_s, out_y = [], []
    for name in gold["docs"]:
        if not name.endswith(".txt"):
            continue
        text = (docs / name).read_text(encoding="utf-8")
        for a, b in sentences.split(text):
            out_s.append(text[a:b])
            out_y.append({t for s, t in starts.get(name, []) if a <= s < b})
    return out_s, out_y


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real-dir", default=str(ROOT.parent / "shared" / "news-real"))
    args = ap.parse_args()
    xs, ys = [], []
    for docs, name in FIXTURES:
        s, y = labelled(ROOT / docs, ROOT / "benchmarks/gold" / f"{name}.json")
        xs += s
        ys += y
    if Path(args.real_dir).is_dir():
        s, y = labelled(Path(args.real_dir), ROOT / "benchmarks/gold/real_train.json")
        xs += s
        ys += y
    else:
        print(f"the real corpus is not at {args.real_dir}: trained on the fixtures alone")
    model = classifier.train(xs, ys)
    model.save()
    print(f"{len(xs)} sentences, {sum(bool(y) for y in ys)} with events; {len(model.ids)} features "
          f"kept -> {classifier.MODEL_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
