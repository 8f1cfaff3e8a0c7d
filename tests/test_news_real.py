"""Issue 15, each behaviour shown by a sentence written for this test (no real-corpus text): the
learned sentence typer, filter fixes, month-dated pages, wire copies and retold stories, share
claims and conflicts between articles."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from chokepoint.news import classifier, claims, conflicts, dates, dedup
from chokepoint.news.events import TYPES, Event, merge
from chokepoint.news.extract import extract

PUB = dt.date(2025, 11, 12)  # a Wednesday
ROOT = Path(__file__).parent.parent


def _events(gaz, text, pub=PUB):
    return [(e.type, e.actor, e.target) for e in extract("t", text, pub, gaz)]


def test_typer_training_is_deterministic_and_learns_a_word():
    pytest.importorskip("sklearn", reason="training needs the learn extra (scikit-learn)")
    xs = ["Ruritania granted a loan to Kestrel.", "Ruritania granted a loan to Zenda.",
          "Prices rose in the morning.", "The weather was fine."] * 3
    ys = [{"INVEST"}, {"INVEST"}, set(), set()] * 3
    a, b = classifier.train(xs, ys), classifier.train(xs, ys)
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.ids, b.ids)
    assert a.probabilities("Borduria granted a loan to Tintin.")["INVEST"] > 0.5
    assert a.probabilities("The weather was fine.")["INVEST"] < 0.5
    s = "Borduria granted a loan to Tintin."
    start, end = a.anchor(s, "INVEST")
    assert s[start:end] in {"granted", "loan", "a", "to"}


def test_typer_leaves_unknown_types_out_of_their_fit():
    pytest.importorskip("sklearn", reason="training needs the learn extra (scikit-learn)")
    xs = ["Ruritania granted a loan to Kestrel.", "Ruritania granted a loan to Zenda.",
          "The loan was granted again.", "The weather was fine."] * 3
    ys = [{"INVEST"}, {"INVEST"}, set(), set()] * 3
    plain = classifier.train(xs, ys)
    # the repeated mention is a negative in `plain`, unknown (left out of INVEST's fit) here
    told = classifier.train(xs, ys, unknown=[set(), set(), {"INVEST"}, set()] * 3)
    s = "The loan was granted again."
    assert told.probabilities(s)["INVEST"] > plain.probabilities(s)["INVEST"] + 0.2


def test_typer_calibration_rescales_log_odds_and_keeps_anchors(tmp_path):
    pytest.importorskip("sklearn", reason="training needs the learn extra (scikit-learn)")
    xs = ["Ruritania granted a loan to Kestrel.", "Prices rose in the morning."] * 3
    model = classifier.train(xs, [{"INVEST"}, set()] * 3)
    scale, shift = np.full(len(TYPES), 0.5), np.full(len(TYPES), -1.0)
    cal = model.calibrated(scale, shift)
    s = "Borduria granted a loan to Tintin."
    assert np.allclose(cal.logits(s), 0.5 * model.logits(s) - 1.0, atol=1e-3)
    assert cal.anchor(s, "INVEST") == model.anchor(s, "INVEST")
    cal.save(tmp_path / "m.npz")
    again = classifier.load(tmp_path / "m.npz")
    assert abs(again.probabilities(s)["INVEST"] - cal.probabilities(s)["INVEST"]) < 1e-2


def test_typer_features_name_trigger_and_frame_types():
    mask = (1 << classifier.BITS) - 1
    typed = {zlib.crc32(f"{k}:TARIFF".encode()) & mask for k in "TF"}
    assert typed & set(classifier.features("Seoul imposed tariffs on steel."))
    assert not typed & set(classifier.features("The weather was fine."))


def test_bundled_typer_holds_ids_and_weights_only():
    model = classifier.bundled()
    assert model.types == TYPES
    assert model.ids.dtype.kind == "i" and np.all(np.diff(model.ids) > 0)
    with np.load(classifier.MODEL_PATH) as z:
        assert set(z.files) == {"types", "ids", "weights", "bias"}


@pytest.mark.parametrize("text, expected", [
    # "not only" is no negation
    ("Beijing not only imposed export controls on gallium on Monday but also warned buyers.",
     ("EXPORT_CONTROL", "CHN", None)),
    # "X reports that ..." opens a complement, not a relative clause
    ("Reuters reports that China imposed export controls on antimony on Monday.",
     ("EXPORT_CONTROL", "CHN", None)),
    # suspending or lifting controls or sanctions eases them
    ("China said on Monday it would suspend export controls on gallium to the United States.",
     ("EXPORT_EASING", "CHN", "USA")),
    # background with its time is an event
    ("The announcement came after Beijing imposed controls on graphite in December.",
     ("EXPORT_CONTROL", "CHN", None)),
    # the month May is no modal
    ("In May 2025, Japan imposed export controls on gallium.", ("EXPORT_CONTROL", "JPN", None)),
])
def test_filters_keep_asserted_events(gaz, text, expected):
    assert expected in _events(gaz, text)


@pytest.mark.parametrize("text", [
    "Beijing banned dealings with Kestrel Shipping LLC and Zenda Shipping Holdings on Monday.",
    "The company is delivering on its strategy.",
    "Ruritania has been pressing to finalise the tariff deal for weeks.",
    "The two leaders will hold a summit in Seoul next month.",
])
def test_no_shipment_from_names_nor_events_from_plans(gaz, text):
    types = [t for t, _, _ in _events(gaz, text)]
    assert "SHIPMENT" not in types and "TALKS" not in types and "DEAL" not in types


def test_controls_on_two_materials_stay_two_events():
    def ev(commodity):
        return Event("d", "EXPORT_CONTROL", "CHN", None, [commodity], [], None, None, None, 0, "")
    assert len(merge([ev("gallium"), ev("graphite")])) == 2
    assert len(merge([ev("gallium"), ev("gallium")])) == 1


def test_published_to_the_month_or_year():
    month, year = dates.parse_published("2024-01"), dates.parse_published("2024")
    assert month.isoformat() == "2024-01" and year.isoformat() == "2024"
    assert dates.parse_published("2024-01-05") == dt.date(2024, 1, 5)
    with pytest.raises(ValueError):
        dates.parse_published("2024-13")
    assert dates.resolve("China acted on Monday.", month) is None  # a weekday needs a day
    assert dates.resolve("China acted on Monday.", dt.date(2024, 1, 5)) == dt.date(2024, 1, 1)
    assert dates.resolve("China acted in December.", month).isoformat() == "2023-12"
    assert dates.resolve("Vietnam banned ore exports in 2021.", PUB).isoformat() == "2021"
    assert dates.resolve("In April it acted, on April 4, 2025.", PUB) == dt.date(2025, 4, 4)


def test_cli_ingest_takes_a_month(tmp_path):
    art = tmp_path / "a.txt"
    art.write_text("China imposed export controls on graphite on Monday, the commerce ministry said.\n")
    env = {"CHOKEPOINT_DB": str(tmp_path / "x.duckdb"), "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "chokepoint", "news", "ingest", str(art), "--published"]
    ok = subprocess.run(run + ["2024-01"], capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(run + ["2024-13"], capture_output=True, text=True, env=env)
    assert bad.returncode != 0 and "YYYY-MM" in bad.stderr


def test_truncated_wire_copy_is_found_by_shared_sentences():
    body = ["Ruritania imposed export controls on widgetium on Monday, tightening its grip on supply.",
            "Overseas sales of widgetium plunged after the controls took effect at the start of the month.",
            "The restrictions apply to materials deemed sensitive, a reference to military applications."]
    a = " ".join(body) + " " + " ".join(f"Filler sentence number {i} about markets." for i in range(40))
    b = " ".join(body) + " Kestrel Mining is a producer of graphite with operations in two countries."
    assert dedup.sentence_pairs([a, b, "Something else entirely happened in another place today."]) == {(0, 1)}


def test_two_deals_with_one_tariff_rate_are_no_story():
    def ev(actor, target):
        return Event("d", "TARIFF", actor, target, [], [], 15.0, "percent", dt.date(2025, 9, 5), 0, "")
    pub = [dt.date(2025, 9, 5), dt.date(2025, 9, 6)]
    assert dedup.event_pairs([[ev("USA", "JPN")], [ev("USA", "KOR")]], pub) == set()
    assert dedup.event_pairs([[ev("USA", "JPN")], [ev("USA", "JPN")]], pub) == {(0, 1)}


@pytest.mark.parametrize("text, found", [
    ("China produces around 90% of the world's rare earths.", ("CHN", 0.9)),
    ("Rare earths come from China, which accounts for nearly 70 per cent of global refined output.", ("CHN", 0.7)),
    ("The US took a 15% stake in a Chinese rare earth miner.", None),
    ("China's rare earth exports fell 61% from a year earlier.", None),
])
def test_share_claims_only_for_shares(gaz, text, found):
    got = [(c["iso3"], c["low"]) for c in claims.find_claims("d", text, gaz)]
    assert got == ([found] if found else [])


@pytest.mark.parametrize("b, year_b, label", [
    ({"low": 0.9, "high": None, "stages": ("mine",)}, 2025, None),
    ({"low": 0.6, "high": 0.7, "stages": ("separation", "refining")}, 2025, "different scope"),
    ({"low": 0.6, "high": 0.7, "stages": ("mine", "refining")}, 2026, "different time"),
    ({"low": 0.6, "high": 0.7, "stages": ("mine", "refining")}, 2025, "contradiction"),
])
def test_share_conflict_labels(b, year_b, label):
    a = {"low": 0.88, "high": None, "stages": ("mine", "refining")}
    assert conflicts.share_label(a, b, 2025, year_b) == label


def _article(doc_id, text, events, published=dt.date(2025, 12, 10)):
    return SimpleNamespace(doc_id=doc_id, text=text, events=events, published=published,
                           outlet=None, title=None)


def test_one_story_told_with_two_amounts_is_a_contradiction(gaz):
    def deal(doc, amount, unit):
        return Event(doc, "DEAL", "Samsung SDI", None, [], [], amount, unit, dt.date(2025, 12, 10), 0,
                     "evidence", actor_country="KOR")
    arts = [_article("a", "", [deal("a", 2e12, "KRW")]), _article("b", "", [deal("b", 15e9, "USD")])]
    frame = conflicts.find(arts, gaz, None, [["a", "b"]])
    assert list(frame["label"]) == ["contradiction"] and list(frame["kind"]) == ["amount"]
    assert conflicts.pairs(frame) == {("a", "b"): "contradiction"}
    assert conflicts.find(arts, gaz, None, []).empty  # not one story: different deals


def _news_eval():
    """benchmarks/news_eval.py as a module (the benchmarks are scripts, not a package)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import news_eval
    finally:
        sys.path.pop(0)
    return news_eval


def test_news_eval_skips_without_the_real_corpus(capsys):
    news_eval = _news_eval()
    assert news_eval.main(["--real", "test", "--real-dir", "/nonexistent/news-real"]) == 0
    assert "skipped" in capsys.readouterr().out


def test_news_eval_leaves_out_a_changed_or_missing_text_and_lists_it(tmp_path, capsys):
    news_eval = _news_eval()
    text = "Korea Zinc invested $200 million in a smelter in Tennessee on Monday.\n"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(text.replace("200", "300"), encoding="utf-8")  # not the annotated text
    digest = hashlib.sha256(text.encode()).hexdigest()
    event = {"type": "INVEST", "actor": "Korea Zinc", "target": None, "amount": 2e8, "unit": "USD",
             "date": "2025-03-03", "tilt": 0, "span": [0, len(text) - 1]}
    gold = {"docs": {n: {"sha256": digest, "published": "2025-03-04", "url": f"https://example.org/{n}"}
                     for n in ("a.txt", "b.txt", "c.txt")},
            "events": [{**event, "doc": n} for n in ("a.txt", "b.txt", "c.txt")], "duplicates": []}
    path = tmp_path / "gold.json"
    path.write_text(json.dumps(gold))
    dates, kept = news_eval.load_gold(tmp_path, path)
    assert list(kept["docs"]) == ["a.txt"] and [e["doc"] for e in kept["events"]] == ["a.txt"]
    out = capsys.readouterr().out
    assert "b.txt" in out and "2 of 3 articles are not at hand" in out
    assert news_eval.main([str(tmp_path), str(path), "--absent"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [(r[1], r[2], r[3]) for r in rows] == [("b.txt", "changed", "https://example.org/b.txt"),
                                                  ("c.txt", "missing", "https://example.org/c.txt")]


def test_one_deal_with_two_figures_is_one_story():
    def deal(amount, unit):
        return Event("d", "DEAL", "Samsung SDI", "USA", ["lithium"], [], amount, unit, None, 0, "")
    pub = [dt.date(2025, 12, 10), dt.date(2025, 12, 11)]
    assert dedup.event_pairs([[deal(2e12, "KRW")], [deal(15e9, "USD")]], pub) == {(0, 1)}
    far = [dt.date(2025, 12, 10), dt.date(2025, 12, 20)]
    assert dedup.event_pairs([[deal(2e12, "KRW")], [deal(15e9, "USD")]], far) == set()


@pytest.mark.parametrize("text, expected", [
    ("Japan imposed sanctions on two Chinese firms on Monday.", ("EXPORT_CONTROL", "JPN", "CHN")),
    ("Trump met Xi Jinping on Monday. The two leaders agreed to walk back punitive measures.",
     ("DEAL", "USA", "CHN")),
    ("Seoul expressed frustration with Washington on Monday.", ("STATEMENT", "KOR", "USA")),
    ("Washington on Monday approved Seoul's plan to build nuclear-powered submarines.", ("MILITARY", "USA", "KOR")),
])
def test_vocabulary_named_in_the_issue(gaz, text, expected):
    assert expected in _events(gaz, text)


def test_country_in_an_appositive_is_no_actor(gaz):
    text = ("Kestrel Magnetics, the only operational U.S. maker of sintered magnets, and Lynas Rare "
            "Earths on Monday announced the signing of a memorandum of understanding.")
    assert ("DEAL", "Kestrel Magnetics", "Lynas Rare Earths") in _events(gaz, text)


def test_last_year_is_a_year():
    assert dates.resolve("The board approved it last year.", PUB).isoformat() == "2024"
    assert dates.resolve("The board approved it last year.", None) is None


def test_share_claim_carries_its_year(gaz):
    (claim,) = claims.find_claims("d", "China accounted for 48% of antimony production in 2023.", gaz)
    assert claim["year"] == 2023


def test_actor_is_who_acts_not_who_reports(gaz):
    text = "Trump said on Monday the EU will invest $600 billion in the United States."
    assert _events(gaz, text) == [("INVEST", "EUN", "USA")]


def test_trade_deal_and_its_tariff_rate_are_two_events(gaz):
    text = "The United States and Japan on Monday signed a trade deal setting a 15% tariff on Japanese goods."
    assert sorted(_events(gaz, text)) == [("DEAL", "USA", "JPN"), ("TARIFF", "USA", "JPN")]


def test_retold_lead_is_one_story_and_another_story_is_not():
    a = ("Ruritania's President Kestrel met Borduria's Prime Minister Zenda for the first time on Friday at the "
         "regional summit in the port city of Ostrava, where both leaders discussed cobalt supply chains.")
    b = ("President Kestrel of Ruritania held his first meeting with Borduria's Prime Minister Zenda on Friday, "
         "at the regional summit in Ostrava, the port city, to discuss supply chains for cobalt.")
    c = ("Widgetium prices rose sharply in European spot markets this week as traders scrambled for "
         "material after smelters in three countries cut their output for maintenance.")
    others = [f"Report {i}: Zembla's parliament approved budget line {i} for harbour {i} and road works "
              f"in district {i} after a debate of {i} hours on Tuesday." for i in range(10)]
    pub = [dt.date(2025, 10, 31)] * 13
    assert dedup.lead_pairs([a, b, c] + others, pub) == {(0, 1)}
    late = [dt.date(2025, 10, 31), dt.date(2025, 12, 31)] + pub[2:]
    assert dedup.lead_pairs([a, b, c] + others, late) == set()
    assert dedup.lead_pairs([a, b, c], pub[:3]) == set()  # too few documents to tell words apart
