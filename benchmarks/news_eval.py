"""Evaluate news event extraction and duplicate detection against gold annotations.

    python benchmarks/news_eval.py DOCS GOLD [DOCS GOLD ...]
    python benchmarks/news_eval.py --real test [--real-dir ../shared/news-real]

DOCS is a folder of articles, GOLD a JSON file (benchmarks/gold/*.json) whose events point
into the files by character offsets and whose `docs` entries carry each file's SHA-256 (checked)
and, where the file has no date of its own, its publication date (YYYY-MM-DD, YYYY-MM or YYYY).
Only the files the gold names are read; one missing, or changed since it was annotated, is left out
with its events and pairs (`--absent` lists those with their URL and SHA-256, to find them again).
`--real SPLIT` scores benchmarks/gold/real_SPLIT.json on the real corpus (kept outside the project;
skipped with a message when the folder is absent).
All pairs run as one batch, so duplicates are also checked across sets. An event matches on
document, type and actor; target, amount (value and unit, 0.5% tolerance) and date accuracy are
reported over matched events; `--llm-url` scores the LLM extractor instead of the rules.
Conflicts (gold `conflicts`) are scored as article pairs found, with their label; pairs in
`not_conflicts` (one body under two names) must not be flagged.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

from chokepoint.errors import BadInput
from chokepoint.news import conflicts
from chokepoint.news.dates import parse_published
from chokepoint.news.extract import extract
from chokepoint.news.llm import LlmExtractor
from chokepoint.news.amounts import FxTable
from chokepoint.news.entities import Gazetteer
from chokepoint.news.pipeline import run


GOLD_DIR = Path(__file__).parent / "gold"
# the extra real set's texts live outside the repo: beside the real corpus, or beside the checkout
_EXTRA = [Path(__file__).parent.parent.parent / "shared" / "news-real-extra",
          Path(__file__).parent.parent.parent / "news-real-extra"]
EXTRA_DIR = next((p for p in _EXTRA if p.is_dir()), _EXTRA[0])
EXTRA_SPLITS = ("x", "y", "z")  # splits named x-..., y-..., z-... are of the extra set


def absent(docs_dir: Path, gold: dict) -> dict[str, str]:
    """The gold's articles not at hand in `docs_dir`: name -> 'missing', or 'changed' where the file's
    SHA-256 differs from the annotated text's (its offsets would point at other words)."""
    out = {}
    for name, info in gold["docs"].items():
        path = docs_dir / name
        if not path.is_file():
            out[name] = "missing"
        elif hashlib.sha256(path.read_bytes()).hexdigest() != info["sha256"]:
            out[name] = "changed"
    return out


def load_gold(docs_dir: Path, gold_path: Path) -> tuple[dict, dict]:
    """Publication dates by file, and the gold itself. An article missing from the folder, or whose
    file differs from the annotated text (sha256), is left out with its events and pairs, and said so."""
    gold = json.loads(gold_path.read_text())
    gone = absent(docs_dir, gold)
    changed = sorted(n for n, why in gone.items() if why == "changed")
    if changed:
        print(f"{gold_path.name}: {len(changed)} file(s) differ from the annotated text and are left out: "
              + ", ".join(changed))
    gold = without(gold, set(gone), gold_path.name)
    dates = {name: info["published"] for name, info in gold["docs"].items() if info.get("published")}
    return dates, gold


def list_absent(todo: list[tuple[str, str]]) -> None:
    """For each article the gold names that is not at hand: split, file, why, URL, SHA-256 and length,
    enough to find the page again and check the copy (the texts are kept outside the project)."""
    for docs, gpath in todo:
        gold = json.loads(Path(gpath).read_text())
        for name, why in sorted(absent(Path(docs), gold).items()):
            info = gold["docs"][name]
            print(f"{Path(gpath).stem}\t{name}\t{why}\t{info.get('url', '')}\t{info['sha256']}\t{info.get('chars', '')}")


def without(gold: dict, missing: set[str], label: Path | str) -> dict:
    """The gold less the articles not at hand (a page that changed or vanished since it was
    annotated): their events and every pair naming one go too, and a line says how many."""
    if not missing:
        return gold
    out = {**gold, "docs": {n: d for n, d in gold["docs"].items() if n not in missing},
           "events": [e for e in gold["events"] if e["doc"] not in missing]}
    for key in ("duplicates", "wire_copies", "conflicts", "not_conflicts"):
        out[key] = [r for r in gold.get(key, []) if not set(_docs(r)) & missing]
    print(f"{label}: {len(missing)} of {len(gold['docs'])} articles are not at hand and are left out "
          f"({len(gold['events']) - len(out['events'])} gold events; "
          f"{sum(len(gold.get(k, [])) - len(out[k]) for k in ('duplicates', 'wire_copies', 'conflicts', 'not_conflicts'))} pairs)")
    return out


def _docs(row) -> list[str]:
    """The articles a gold pair names: a [a, b] list, or a conflict's {"docs": [a, b], ...}."""
    return row["docs"] if isinstance(row, dict) else row


def _pairs(rows) -> set[tuple[str, str]]:
    return {tuple(sorted(_docs(r))) for r in rows}


def _amount_ok(g: dict, p) -> bool:
    if g["amount"] is None or p.amount is None:
        return g["amount"] is None and p.amount is None
    return g["unit"] == p.unit and abs(p.amount - g["amount"]) <= 0.005 * abs(g["amount"])


def match(gold: list[dict], pred: list) -> tuple[list[tuple[dict, object]], int, int]:
    """Greedy one-to-one matching on (doc, type, actor), preferring agreeing target, amount, date."""
    by_key = defaultdict(list)
    for p in pred:
        by_key[(p.doc, p.type, p.actor)].append(p)
    pairs = []
    for g in gold:
        cands = by_key.get((g["doc"], g["type"], g["actor"]), [])
        if not cands:
            continue
        best = max(cands, key=lambda p: (p.target == g["target"], _amount_ok(g, p),
                                         (p.date.isoformat() if p.date else None) == g["date"]))
        cands.remove(best)
        pairs.append((g, best))
    return pairs, len(gold), len(pred)


def _score_pairs(name: str, gold: set, pred: set) -> None:
    hit = len(gold & pred)
    print(f"{name}: gold {len(gold)}  predicted {len(pred)}  found {hit}  "
          f"recall {hit / max(len(gold), 1):.3f}  precision {hit / max(len(pred), 1):.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("pairs", nargs="*", help="DOCS GOLD [DOCS GOLD ...]")
    ap.add_argument("--real", action="append", default=[], metavar="SPLIT",
                    help="score benchmarks/gold/real_SPLIT.json (train, dev, test on the real corpus; x-test and the "
                         "x-, y-, z- training splits on the extra set)")
    ap.add_argument("--real-dir", default=str(Path(__file__).parent.parent.parent / "shared" / "news-real"),
                    help="folder of the real corpus (default ../shared/news-real)")
    ap.add_argument("--extra-dir", default=str(EXTRA_DIR),
                    help="folder of the extra real set, splits x-test and the x-, y-, z- training splits "
                         "(default ../shared/news-real-extra, else ../news-real-extra)")
    ap.add_argument("--show", action="store_true", help="list misses and false alarms")
    ap.add_argument("--absent", action="store_true",
                    help="only list the articles not at hand (missing or changed) with URL and SHA-256, tab-separated")
    ap.add_argument("--llm-url", help="score the LLM extractor at this OpenAI-compatible endpoint instead")
    ap.add_argument("--llm-model", default="default", help="model name for --llm-url")
    args = ap.parse_args(argv)
    if len(args.pairs) % 2:
        ap.error("give DOCS and GOLD in pairs")
    todo = list(zip(args.pairs[::2], args.pairs[1::2]))
    for split in args.real:
        folder = args.extra_dir if split.startswith(EXTRA_SPLITS) else args.real_dir
        if not Path(folder).is_dir():
            print(f"skipped {split}: the real corpus is not at {folder} (give --real-dir or --extra-dir)")
            continue
        todo.append((folder, str(GOLD_DIR / f"real_{split}.json")))
    if args.absent:
        list_absent(todo)
        return 0
    if not todo:
        return 0
    dates, gold, gold_dups, gold_conf, not_conf, files = {}, [], set(), {}, set(), []
    for docs, gpath in todo:
        d, g = load_gold(Path(docs), Path(gpath))
        dates.update(d)
        gold += g["events"]
        gold_dups |= _pairs(g["duplicates"])
        gold_conf.update({tuple(sorted(c["docs"])): c["label"] for c in g.get("conflicts", [])})
        not_conf |= _pairs(g.get("not_conflicts", []))
        files += [Path(docs) / name for name in g["docs"]]
    extractor = LlmExtractor(args.llm_url, args.llm_model, os.environ.get("OPENAI_API_KEY")) if args.llm_url \
        else extract
    try:
        batch = run(files, Gazetteer.bundled(), dates={k: parse_published(v) for k, v in dates.items()},
                    extractor=extractor)
    except BadInput as exc:
        sys.exit(exc.describe())
    pred = [ev for a in batch.articles for ev in a.events]
    pairs, n_gold, n_pred = match(gold, pred)
    tp = len(pairs)
    p, r = tp / n_pred if n_pred else 0.0, tp / n_gold if n_gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    acc = {
        "target": sum(pp.target == g["target"] for g, pp in pairs) / max(tp, 1),
        "amount": sum(_amount_ok(g, pp) for g, pp in pairs) / max(tp, 1),
        "date": sum(_date(pp) == g["date"] for g, pp in pairs) / max(tp, 1),
        "tilt": sum(pp.tilt == g.get("tilt") for g, pp in pairs) / max(tp, 1),
    }
    with_amount = [(g, pp) for g, pp in pairs if g["amount"] is not None]
    with_date = [(g, pp) for g, pp in pairs if g["date"] is not None]
    pred_dups = {tuple(sorted((x, y))) for grp in batch.duplicates for x in grp["docs"]
                 for y in grp["docs"] if x < y}
    print(f"articles {len(batch.articles)}  files {batch.files}  errors {len(batch.errors)}")
    print(f"events: gold {n_gold}  predicted {n_pred}  matched {tp}")
    print(f"event precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}")
    print("matched-event accuracy: " + "  ".join(f"{k} {v:.3f}" for k, v in acc.items()))
    print(f"  amount right where gold has one: {sum(_amount_ok(g, pp) for g, pp in with_amount)} of "
          f"{len(with_amount)}; date right where gold has one: "
          f"{sum(_date(pp) == g['date'] for g, pp in with_date)} of {len(with_date)}")
    _score_pairs("duplicate pairs", gold_dups, pred_dups)
    for x, y in sorted(pred_dups - gold_dups):
        print(f"  false pair: {x} / {y}")
    if gold_conf or not_conf:
        found = _conflicts(batch)
        _score_pairs("conflict pairs", set(gold_conf), set(found))
        right = sum(found.get(k) == v for k, v in gold_conf.items())
        print(f"  label right on {right} of {len(gold_conf)}; flagged among same-body-two-names pairs: "
              f"{len(not_conf & set(found))} of {len(not_conf)}")
    for grp in batch.duplicates:
        print(f"  group {grp['method']}: {', '.join(grp['docs'])}")
    if args.show:
        _show(gold, pred, pairs)
    return 0


def _date(p) -> str | None:
    return p.date.isoformat() if p.date else None


def _conflicts(batch) -> dict[tuple[str, str], str]:
    """Article pairs the pipeline flags as conflicting, with the label it gives."""
    frame = conflicts.find(batch.articles, Gazetteer.bundled(), FxTable.bundled(),
                           [g["docs"] for g in batch.duplicates])
    return conflicts.pairs(frame)


def _show(gold, pred, pairs) -> None:
    matched_g = {id(g) for g, _ in pairs}
    matched_p = {id(p) for _, p in pairs}
    for g in gold:
        if id(g) not in matched_g:
            print(f"MISS  {g['doc']} {g['type']} {g['actor']} -> {g['target']}")
    for p in pred:
        if id(p) not in matched_p:
            print(f"FALSE {p.doc} {p.type} {p.actor} -> {p.target} | {p.evidence[:110]}")
    for g, p in pairs:
        bad = [k for k, ok in (("target", p.target == g["target"]), ("amount", _amount_ok(g, p)),
               ("date", (p.date.isoformat() if p.date else None) == g["date"])) if not ok]
        if bad:
            print(f"DIFF  {g['doc']} {g['type']} {g['actor']} {bad}: target {p.target} (gold {g['target']}) "
                  f"amount {p.amount} {p.unit} (gold {g.get('amount')} {g.get('unit')}) date {p.date} "
                  f"(gold {g['date']}) | {p.evidence[:90]}")


if __name__ == "__main__":
    sys.exit(main())
