"""How much could any sentence typer give? Event F1 with an oracle typer (each sentence's gold types)
against the rules alone, and why the events the oracle still misses are missed, by counting.

    python benchmarks/typer_ceiling.py [--real train,dev,x-train,x2-train,x3-train,y-train,z-train]
        [--real-dir ../shared/news-real] [--extra-dir ../shared/news-real-extra]

The oracle gives probability 1 to a type when the sentence holds the start of a gold event's evidence
of that type (0 otherwise), through the extractor's own typer hook (extract._learned: a type added
where no trigger names it, a trigger of a type it scores 0 retyped); "oracle+veto" also drops every
trigger of a type the sentence has no gold event of. An added type is anchored on the word of the
evidence the bundled typer weighs most for it that the extractor's filters pass. Articles whose file
is absent are left out (counted).
Never point --real at a test split: this reads gold per sentence.
"""
from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

import news_eval
from chokepoint.news import classifier, extract, sentences, triggers
from chokepoint.news.dates import parse_published
from chokepoint.news.entities import Gazetteer
from chokepoint.news.events import TYPES
from chokepoint.news.pipeline import run
from chokepoint.news.triggers import find_triggers

ROOT = Path(__file__).parent.parent
PREFIX = 30  # characters of a gold evidence span that locate it in the cleaned text
_SPACE = re.compile(r"\s+")


def norm(s: str) -> str:
    return _SPACE.sub(" ", s).strip()


def present(folder: Path, gold_path: Path) -> tuple[dict, list[Path], dict[str, list[dict]], int]:
    """(publication dates, files, gold events by article with their evidence text, articles absent) of
    the gold's articles whose file is in `folder` with the annotated SHA-256 (news_eval.absent)."""
    gold = json.loads(gold_path.read_text())
    gone = news_eval.absent(folder, gold)
    dates, files, events = {}, [], {}
    for name, info in gold["docs"].items():
        if name in gone:
            continue
        path = folder / name
        text = path.read_text(encoding="utf-8")
        if info.get("published"):
            dates[name] = info["published"]
        files.append(path)
        events[name] = [{**e, "evidence": norm(text[e["span"][0]:e["span"][1]])} for e in gold["events"]
                        if e["doc"] == name]
    return dates, files, events, len(gone)


class Oracle:
    """A typer that knows each sentence's gold types (the article is set before it is extracted)."""

    def __init__(self, events: dict[str, list[dict]]):
        self.events, self.doc = events, ""
        self.model = classifier.bundled()

    def gold_in(self, s: str) -> list[dict]:
        n = norm(s)
        return [e for e in self.events.get(self.doc, []) if e["evidence"][:PREFIX] in n]

    def probabilities(self, s: str, scanned=None) -> dict[str, float]:
        have = {e["type"] for e in self.gold_in(s)}
        return {t: float(t in have) for t in TYPES}

    def anchor(self, s: str, type_: str) -> tuple[int, int] | None:
        """The evidence's word the bundled typer weighs most for `type_` among those the extractor's
        filters let through (the top one when none passes: the event is filtered)."""
        ev = next((e for e in self.gold_in(s) if e["type"] == type_), None)
        if ev is None:
            return None
        words = lambda t: r"\s+".join(map(re.escape, t.split()))  # noqa: E731
        m = re.search(words(ev["evidence"][:PREFIX]), s)
        whole = re.search(words(ev["evidence"]), s)
        a, b = m.start(), (whole.end() if whole else len(s))
        inside = [(x.start(), x.end()) for x in classifier._TOKEN.finditer(s.lower()) if a <= x.start() < b]
        if not inside:
            return None
        k = self.model.types.index(type_)
        mask = (1 << classifier.BITS) - 1
        ranked = sorted(inside, key=lambda sp: -self.model._weight(
            classifier.zlib.crc32(classifier.tokens(s[sp[0]:sp[1]])[0].encode()) & mask, k))
        return next((sp for sp in ranked if triggers.asserted_at(s, type_, *sp) is not None), ranked[0])


def evaluate(sets, gaz, mode: str, oracle: Oracle, log: dict):
    """(F1, precision, recall, matched pairs, gold, predictions, articles) with the typer as `mode`
    ("off", "typer": the bundled one, "oracle", "oracle+veto"); what the extractor did goes to `log`."""
    dates, files, gold = {}, [], []
    for d, f, ev, _ in sets:
        dates.update(d)
        files += f
        gold += [e for evs in ev.values() for e in evs]
    learned, event, asserted = extract._learned, extract._event, extract.asserted_at
    bundled, thresholds = classifier.bundled, (extract.ADD_AT, extract.KEEP_AT)

    def extractor(doc_id, text, *a, **k):
        oracle.doc = doc_id
        return extract.extract(doc_id, text, *a, **k)

    def vetoed(s, trigs, scanned=None):
        p = classifier.bundled().probabilities(s, scanned)
        return learned(s, [t for t in trigs if p[t.type] >= 0.5], scanned)

    def logged_learned(s, trigs, scanned=None):
        log["read"].add((oracle.doc, s))
        return (vetoed if mode == "oracle+veto" else learned)(s, trigs, scanned)

    def logged_event(doc_id, s, a, b, trig, *rest):
        ev = event(doc_id, s, a, b, trig, *rest)
        log["event"].append((doc_id, s, trig.type, ev.actor if ev else None))
        return ev

    def logged_asserted(s, type_, start, end):
        t = asserted(s, type_, start, end)
        if t is None:
            log["filtered"].add((oracle.doc, s, type_))
        return t

    try:
        extract.ADD_AT, extract.KEEP_AT = (2.0, 0.0) if mode == "off" else thresholds
        if mode.startswith("oracle"):
            classifier.bundled = lambda: oracle
        extract._learned, extract._event, extract.asserted_at = logged_learned, logged_event, logged_asserted
        batch = run(files, gaz, dates={k: parse_published(v) for k, v in dates.items()}, extractor=extractor)
    finally:
        extract._learned, extract._event, extract.asserted_at = learned, event, asserted
        classifier.bundled = bundled
        extract.ADD_AT, extract.KEEP_AT = thresholds
    pred = [ev for a in batch.articles for ev in a.events]
    pairs, n_gold, n_pred = news_eval.match(gold, pred)
    p, r = len(pairs) / max(n_pred, 1), len(pairs) / max(n_gold, 1)
    return (2 * p * r / (p + r) if p + r else 0.0), p, r, pairs, gold, pred, batch.articles


def kind(actor: str) -> str:
    """"country" for an ISO3 code or EUN, else "company or body"."""
    return "country" if re.fullmatch(r"[A-Z]{3}", actor) else "company or body"


def misses(gold, pairs, articles, log, oracle_on: bool) -> Counter:
    """Why each gold event the run missed is missed (see the categories below)."""
    matched = {id(g) for g, _ in pairs}
    texts = {a.doc_id: a.text for a in articles}
    out = Counter()
    for g in (g for g in gold if id(g) not in matched):
        text = texts.get(g["doc"], "")
        sents = [text[a:b] for a, b in sentences.split(text)]
        s = next((x for x in sents if g["evidence"][:PREFIX] in norm(x)), None)
        if s is None:
            out["evidence not in one cleaned sentence"] += 1
            continue
        calls = [c for c in log["event"] if c[0] == g["doc"] and c[1] == s and c[2] == g["type"]]
        if (g["doc"], s) not in log["read"]:
            out["sentence not read: a headline (no end punctuation)" if not extract.SENTENCE_END.search(s)
                else "sentence not read: no party named, no reference back"] += 1
        elif not calls and all(t.type != g["type"] for t in find_triggers(s)) and not any(
                k == (g["doc"], s, g["type"]) for k in log["filtered"]) and not oracle_on:
            out["no trigger of its type (typing)"] += 1
        elif not calls:
            out["filtered (hedge, negation, background) or no anchor"
                if (g["doc"], s, g["type"]) in log["filtered"] or not any(c[1] == s for c in log["event"])
                else "type lost to another in the sentence"] += 1
        elif all(c[3] is None for c in calls):
            out["no actor resolved (or a government type with a company actor)"] += 1
        elif not any(c[3] == g["actor"] for c in calls):
            got = next(c[3] for c in calls if c[3] is not None)
            out[f"wrong actor: gold a {kind(g['actor'])}, given a {kind(got)}"] += 1
        else:
            out["right actor, then merged or counted once (same type and actor)"] += 1
    return out


def dates_on(pairs) -> Counter:
    """Dates on matched events: right, missing, wrong (where the gold has one), extra (where it has none)."""
    out = Counter()
    for g, p in pairs:
        got = p.date.isoformat() if p.date else None
        if g["date"] is None:
            out["no gold date, none given" if got is None else "no gold date, one given"] += 1
        else:
            out["right" if got == g["date"] else "missing" if got is None else "wrong"] += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", default="train,dev,x-train,x2-train,x3-train,y-train,z-train", help="splits, comma-separated")
    ap.add_argument("--real-dir", default=str(ROOT.parent / "shared" / "news-real"))
    ap.add_argument("--extra-dir", default=str(ROOT.parent / "shared" / "news-real-extra"))
    args = ap.parse_args()
    gaz = Gazetteer.bundled()
    splits = args.real.split(",")
    if any("test" in s for s in splits):
        raise SystemExit("the test splits are scored once per round by news_eval.py, never read here")
    modes = ("off", "typer", "oracle", "oracle+veto")
    print(f"{'split':>9} {'articles':>8} {'gold':>5} " + " ".join(f"{m + ' P/R/F1':>18}" for m in modes))
    total = {m: Counter() for m in modes}
    dates_total = {m: Counter() for m in modes}
    for split in splits:
        folder = Path(args.extra_dir if split.startswith(news_eval.EXTRA_SPLITS) else args.real_dir)
        sets = [present(folder, news_eval.GOLD_DIR / f"real_{split}.json")]
        events = sets[0][2]
        oracle = Oracle(events)
        row = []
        for mode in modes:
            log = {"read": set(), "event": [], "filtered": set()}
            f, p, r, pairs, gold, pred, arts = evaluate(sets, gaz, mode, oracle, log)
            row.append(f"{p:.2f}/{r:.2f}/{f:.3f}")
            total[mode] += misses(gold, pairs, arts, log, mode.startswith("oracle"))
            dates_total[mode] += dates_on(pairs)
        n_gold = sum(len(v) for v in events.values())
        print(f"{split:>9} {len(events):>4}/{len(events) + sets[0][3]:<3} {n_gold:>5} "
              + " ".join(f"{x:>18}" for x in row))
    for mode in modes:
        c = total[mode]
        print(f"\ngold events missed, {mode}, all splits: {sum(c.values())}")
        for k, v in c.most_common():
            print(f"  {v:4d}  {k}")
        print("  dates on matched events: " + ", ".join(f"{k} {v}" for k, v in dates_total[mode].most_common()))


if __name__ == "__main__":
    main()
