"""Evaluate news event extraction and duplicate detection against gold annotations.

    python benchmarks/news_eval.py DOCS GOLD [DOCS GOLD ...]

DOCS is a folder of articles, GOLD a JSON file (benchmarks/gold/*.json) whose events point
into the files by character offsets and whose `docs` entries carry each file's SHA-256 (checked)
and, where the file has no date of its own, its publication date. All pairs run as one batch, so
duplicates are also checked across sets. An event matches on document, type and actor; target,
amount (value and unit, 0.5% tolerance) and date accuracy are reported over matched events.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

from chokepoint.news.entities import Gazetteer
from chokepoint.news.pipeline import run


def load_gold(docs_dir: Path, gold_path: Path) -> tuple[dict, list, list]:
    gold = json.loads(gold_path.read_text())
    dates = {}
    for name, info in gold["docs"].items():
        text = (docs_dir / name).read_text(encoding="utf-8")
        if hashlib.sha256(text.encode()).hexdigest() != info["sha256"]:
            sys.exit(f"{docs_dir / name}: content differs from the annotated version (sha256)")
        if info.get("published"):
            dates[name] = dt.date.fromisoformat(info["published"])
    return dates, gold["events"], [tuple(sorted(p)) for p in gold["duplicates"]]


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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("pairs", nargs="+", help="DOCS GOLD [DOCS GOLD ...]")
    ap.add_argument("--show", action="store_true", help="list misses and false alarms")
    args = ap.parse_args(argv)
    if len(args.pairs) % 2:
        ap.error("give DOCS and GOLD in pairs")
    dates, gold, gold_dups, folders = {}, [], set(), []
    for docs, gpath in zip(args.pairs[::2], args.pairs[1::2]):
        d, g, dups = load_gold(Path(docs), Path(gpath))
        dates.update(d)
        gold += g
        gold_dups |= set(dups)
        folders.append(docs)
    batch = run(folders, Gazetteer.bundled(), dates=dates)
    pred = [ev for a in batch.articles for ev in a.events]
    pairs, n_gold, n_pred = match(gold, pred)
    tp = len(pairs)
    p, r = tp / n_pred if n_pred else 0.0, tp / n_gold if n_gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    acc = {
        "target": sum(pp.target == g["target"] for g, pp in pairs) / max(tp, 1),
        "amount": sum(_amount_ok(g, pp) for g, pp in pairs) / max(tp, 1),
        "date": sum((pp.date.isoformat() if pp.date else None) == g["date"] for g, pp in pairs) / max(tp, 1),
        "tilt": sum(pp.tilt == g.get("tilt") for g, pp in pairs) / max(tp, 1),
    }
    pred_dups = {tuple(sorted((x, y))) for grp in batch.duplicates for x in grp["docs"]
                 for y in grp["docs"] if x < y}
    dtp = len(pred_dups & gold_dups)
    print(f"articles {len(batch.articles)}  files {batch.files}  errors {len(batch.errors)}")
    print(f"events: gold {n_gold}  predicted {n_pred}  matched {tp}")
    print(f"event precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}")
    print("matched-event accuracy: " + "  ".join(f"{k} {v:.3f}" for k, v in acc.items()))
    print(f"duplicate pairs: gold {len(gold_dups)}  predicted {len(pred_dups)}  "
          f"precision {dtp / max(len(pred_dups), 1):.3f}  recall {dtp / max(len(gold_dups), 1):.3f}")
    for grp in batch.duplicates:
        print(f"  group {grp['method']}: {', '.join(grp['docs'])}")
    if args.show:
        _show(gold, pred, pairs)
    return 0


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
            print(f"DIFF  {g['doc']} {g['type']} {g['actor']} {bad}: target {p.target} "
                  f"amount {p.amount} {p.unit} date {p.date}")


if __name__ == "__main__":
    sys.exit(main())
