"""The typer benchmarks' own logic: the oracle typer of benchmarks/typer_ceiling.py and the held-out
names of benchmarks/train_sentence_types.py, on tiny made-up articles (no real corpus needed)."""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path


ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import train_sentence_types  # noqa: E402
import typer_ceiling  # noqa: E402
from chokepoint.news import extract  # noqa: E402

# no trigger word names the investment; the bundled typer gives it 0.74, under ADD_AT
UNTRIGGERED = "LG Energy Solution will channel $1 billion into its Arizona battery plant."
# a trigger names this one; the made-up gold below holds no event in it
TRIGGERED = "Korea Zinc invested $200 million in a smelter in Tennessee."


def _corpus(tmp_path: Path, absent: bool = False, lead: str = "") -> list:
    docs = tmp_path / "docs"
    docs.mkdir()
    text = "".join(f"{x}\n" for x in (lead, UNTRIGGERED, "The plant will open in 2027.") if x)
    start = text.index(UNTRIGGERED)
    (docs / "a.txt").write_text(text, encoding="utf-8")
    gold = {"docs": {"a.txt": {"sha256": hashlib.sha256(text.encode()).hexdigest(), "published": "2025-03-04"}},
            "events": [{"doc": "a.txt", "type": "INVEST", "actor": "LG Energy Solution", "target": None,
                        "amount": 1e9, "unit": "USD", "date": None, "tilt": 0,
                        "span": [start, start + len(UNTRIGGERED)]}]}
    if absent:
        gold["docs"]["gone.txt"] = {"sha256": "0" * 64}
    path = tmp_path / "gold.json"
    path.write_text(json.dumps(gold))
    return [typer_ceiling.present(docs, path)]


def _run(sets, gaz, mode):
    oracle = typer_ceiling.Oracle(sets[0][2])
    log = {"read": set(), "event": [], "filtered": set()}
    f, p, r, pairs, gold, pred, arts = typer_ceiling.evaluate(sets, gaz, mode, oracle, log)
    return f, typer_ceiling.misses(gold, pairs, arts, log, mode.startswith("oracle")), pred


def test_oracle_finds_the_event_the_rules_miss_and_the_miss_is_counted_as_typing(tmp_path, gaz):
    sets = _corpus(tmp_path)
    f_off, why, _ = _run(sets, gaz, "off")
    assert (extract.ADD_AT, extract.KEEP_AT) == (0.9, 0.02)  # the typer's thresholds are put back
    assert f_off == 0.0
    assert why == {"no trigger of its type (typing)": 1}
    f_oracle, why, pred = _run(sets, gaz, "oracle")
    assert f_oracle == 1.0 and not why
    assert [(e.type, e.actor) for e in pred] == [("INVEST", "LG Energy Solution")]


def test_oracle_veto_drops_a_trigger_the_gold_does_not_hold(tmp_path, gaz):
    sets = _corpus(tmp_path, lead=TRIGGERED)
    keeps = {(e.type, e.actor) for e in _run(sets, gaz, "oracle")[2]}
    vetoed = {(e.type, e.actor) for e in _run(sets, gaz, "oracle+veto")[2]}
    assert ("INVEST", "Korea Zinc") in keeps  # a trigger the oracle gives 0 everywhere stays without a veto
    assert vetoed == {("INVEST", "LG Energy Solution")}


def test_absent_articles_are_counted_not_read(tmp_path):
    dates, files, events, absent = _corpus(tmp_path, absent=True)[0]
    assert absent == 1 and [p.name for p in files] == ["a.txt"] and set(events) == {"a.txt"}
    assert dates == {"a.txt": "2025-03-04"}


def test_held_out_names_the_first_batch_files_not_in_x_train(tmp_path):
    train = sorted(json.loads((train_sentence_types.GOLD / "real_x-train.json").read_text())["docs"])
    dev = json.loads((train_sentence_types.GOLD / "real_dev.json").read_text())["docs"]
    (tmp_path / "x199_made-up.txt").write_text("")
    (tmp_path / train[0]).write_text("")
    (tmp_path / "x499_second-batch.txt").write_text("")
    banned = train_sentence_types.held_out(tmp_path)
    assert "x199_made-up.txt" in banned
    assert train[0] not in banned and "x499_second-batch.txt" not in banned
    assert set(dev) <= banned and {d["sha256"] for d in dev.values()} <= banned
