"""Measure the sentence typer on a validation split: the gold type's probability for the events
the rules miss, and event F1 with the typer's thresholds (extract.ADD_AT, KEEP_AT) swept.

    python benchmarks/typer_eval.py [--real dev] [--model PATH] [--add 0.5,0.7,0.9] [--keep 0.02,0.05,0.1]

"off" is the extractor with the typer switched off (no type added, none retyped). Seeds+dev (the
project's acceptance set) is scored beside the split for every setting when ../shared/seeds is there.
Never point --real at a test split: this reads its errors.
"""
from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import news_eval
from chokepoint.news import classifier, extract, sentences
from chokepoint.news.dates import parse_published
from chokepoint.news.entities import Gazetteer
from chokepoint.news.pipeline import run
from chokepoint.news.triggers import find_triggers

ROOT = Path(__file__).parent.parent
SEEDS = [(ROOT.parent / "shared" / "seeds", news_eval.GOLD_DIR / "seeds.json"),
         (ROOT / "tests/fixtures/news", news_eval.GOLD_DIR / "dev.json")]
OFF = (2.0, 0.0)  # ADD_AT no probability reaches, KEEP_AT none falls under


def score(sets: list[tuple[Path, Path]], gaz: Gazetteer, add_at: float,
          keep_at: float) -> tuple[float, list[dict], list]:
    """Event F1 over the sets in one batch with the typer's thresholds set, the gold events missed,
    and the predicted events."""
    extract.ADD_AT, extract.KEEP_AT = add_at, keep_at
    dates, gold, files = {}, [], []
    for docs, gpath in sets:
        d, g = news_eval.load_gold(docs, gpath)
        dates.update(d)
        gold += g["events"]
        files += [docs / name for name in g["docs"]]
    batch = run(files, gaz, dates={k: parse_published(v) for k, v in dates.items()})
    pred = [ev for a in batch.articles for ev in a.events]
    pairs, n_gold, n_pred = news_eval.match(gold, pred)
    p, r = len(pairs) / max(n_pred, 1), len(pairs) / max(n_gold, 1)
    matched = {id(g) for g, _ in pairs}
    return (2 * p * r / (p + r) if p + r else 0.0), [g for g in gold if id(g) not in matched], pred


def missed_probabilities(sets: list[tuple[Path, Path]], missed: list[dict],
                         model: classifier.Model) -> list[tuple[float, bool]]:
    """For each missed event, the typer's probability of its gold type on the sentence its span
    starts in, and whether no trigger or frame of that type is in that sentence (a typing miss, the
    kind the typer can mend; the others lost their actor or a filter took them)."""
    folder = {name: docs for docs, gpath in sets for name in json.loads(gpath.read_text())["docs"]}
    out = []
    for g in missed:
        text = (folder[g["doc"]] / g["doc"]).read_text(encoding="utf-8")
        a, b = next(((a, b) for a, b in sentences.split(text) if a <= g["span"][0] < b), (0, len(text)))
        s = text[a:b]
        untyped = all(t.type != g["type"] for t in find_triggers(s))
        out.append((model.probabilities(s)[g["type"]], untyped))
    return out


def _summary(probs: list[float]) -> str:
    return (f"gold type's probability median {statistics.median(probs) if probs else float('nan'):.3f}; "
            + ", ".join(f">= {t}: {sum(p >= t for p in probs)}" for t in (0.5, 0.7, 0.9)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", default="dev", help="split of the real corpus (dev; train or x-train to read fit)")
    ap.add_argument("--real-dir", default=str(ROOT.parent / "shared" / "news-real"))
    ap.add_argument("--extra-dir", default=str(news_eval.EXTRA_DIR))
    ap.add_argument("--model", help="a typer .npz to score instead of the bundled one")
    ap.add_argument("--add", default="0.5,0.6,0.7,0.8,0.9,0.95", help="ADD_AT values, comma-separated")
    ap.add_argument("--keep", default="0,0.01,0.02,0.05,0.1", help="KEEP_AT values, comma-separated")
    args = ap.parse_args()
    if "test" in args.real:
        raise SystemExit("the test splits are scored once per round by news_eval.py, never read here")
    if args.model:
        model = classifier.load(Path(args.model))
        classifier.bundled = lambda: model  # extract.py asks classifier.bundled() for its model
    model = classifier.bundled()
    folder = Path(args.extra_dir if args.real.startswith(news_eval.EXTRA_SPLITS) else args.real_dir)
    split = [(folder, news_eval.GOLD_DIR / f"real_{args.real}.json")]
    seeds = SEEDS if SEEDS[0][0].is_dir() else []
    gaz = Gazetteer.bundled()
    f_off, missed, _ = score(split, gaz, *OFF)
    probs = missed_probabilities(split, missed, model)
    print(f"{args.real}: {len(missed)} gold events missed with the typer off; {_summary([p for p, _ in probs])}")
    untyped = [p for p, u in probs if u]
    print(f"  {len(untyped)} of them with no trigger of their type in their sentence; {_summary(untyped)}")
    print(f"{'ADD_AT':>7} {'KEEP_AT':>7} {args.real + ' F1':>10} {'seeds+dev F1':>13}")
    seeds_off = score(seeds, gaz, *OFF)[0] if seeds else float("nan")
    print(f"{'off':>7} {'off':>7} {f_off:10.3f} {seeds_off:13.3f}")
    for add_at in (float(v) for v in args.add.split(",")):
        for keep_at in (float(v) for v in args.keep.split(",")):
            f = score(split, gaz, add_at, keep_at)[0]
            fs = score(seeds, gaz, add_at, keep_at)[0] if seeds else float("nan")
            print(f"{add_at:7.2f} {keep_at:7.2f} {f:10.3f} {fs:13.3f}")


if __name__ == "__main__":
    main()
