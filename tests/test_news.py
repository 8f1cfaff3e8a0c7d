"""News pipeline: amounts, dates, cleaning, extraction, dedup, store round trip and CLI."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash
from typer.testing import CliRunner

import chokepoint
from chokepoint.news import amounts, clean, dates, dedup, reader
from chokepoint.news.events import SCHEMA_KEYS, TYPES
from chokepoint.news.extract import extract
from chokepoint.news.pipeline import run

FIX = Path(__file__).parent / "fixtures" / "news"


@pytest.fixture(scope="module")
def batch(gaz):
    return run([FIX], gaz)


def events_of(batch, doc):
    return [e for a in batch.articles if a.doc_id == doc for e in a.events]


@pytest.mark.parametrize("text,value,unit", [
    ("invested USD 85 million", 85e6, "USD"), ("allocating 250 billion won", 250e9, "KRW"),
    ("a $12 billion reserve", 12e9, "USD"), ("a 5 percent stake", 5, "percent"),
    ("up to 70% of it", 70, "percent"), ("1,200 tonnes of oxide", 1200, "t"),
    ("€7.3 billion plant", 7.3e9, "EUR"), ("KRW 67.5 billion", 67.5e9, "KRW"),
])
def test_amounts(text, value, unit):
    got = amounts.find(text)[0]
    assert (got.value, got.unit) == (pytest.approx(value), unit)


def test_fx_nearest_year_is_flagged():
    fx = amounts.FxTable([(2023, "KRW", 1300.0), (2024, "KRW", 1400.0)])
    assert fx.to_usd(1300e6, "KRW", 2023) == (pytest.approx(1e6), None)
    usd, note = fx.to_usd(1400e6, "KRW", 2026)
    assert usd == pytest.approx(1e6) and "nearest year 2024" in note
    assert fx.to_usd(5.0, "USD", 2020) == (5.0, None)
    assert fx.to_usd(1.0, "XYZ", 2020)[0] is None


@pytest.mark.parametrize("sentence,expected", [
    ("It said yesterday that", "2025-06-19"), ("on the previous day", "2025-06-19"),
    ("announced on Monday", "2025-06-16"), ("earlier this month", "2025-06"),
    ("last week", None), ("earlier this week", None), ("last month", "2025-05"), ("on February 5", "2025-02-05"), ("on December 12", "2024-12-12"),
    ("on June 24", "2025-06-24"), ("since 2019", None), ("3 days ago", "2025-06-17"),
    ("the two sides agreed Wednesday to", "2025-06-18"), ("Mitsubishi said Friday it will", "2025-06-20"),
    ("Black Friday sales", None),
])
def test_relative_dates(sentence, expected):
    got = dates.resolve(sentence, dt.date(2025, 6, 20))  # a Friday
    assert (got.isoformat() if got else None) == expected


def test_relative_date_without_publication_is_none():
    assert dates.resolve("yesterday", None) is None
    assert dates.resolve("on June 3, 2024", None) == dt.date(2024, 6, 3)


def test_clean_removes_boilerplate_and_counts_it():
    text = ("Big news today.\nAdvertisement\nShare | Tweet | Email\nThe body sentence stays.\n"
            "Download our app for alerts\nRelated Articles\nOther story one\nOther story two")
    out = clean.clean(text)
    assert out.text == "Big news today.\nThe body sentence stays."
    assert out.removed["advertisement"] == 1 and out.removed["share_bar"] == 1
    assert out.removed["app_promo"] == 1 and out.removed["related_block"] == 3


def test_header_metadata_is_parsed():
    meta, body = reader.split_header("Title: X\nPublished: 2024-01-02\nOutlet: Y\n\nBody.")
    assert meta == {"title": "X", "published": "2024-01-02", "outlet": "Y"} and body.strip() == "Body."
    assert reader.split_header("Korea: a story.\nMore text.")[0] == {}


def test_every_event_type_is_covered_by_the_dev_set(batch):
    assert {e.type for a in batch.articles for e in a.events} == set(TYPES)


def test_speculation_only_article_yields_nothing(batch):
    assert events_of(batch, "dev11_speculation_only.txt") == []
    assert events_of(batch, "dev14_wire_bundle.jsonl#w3") == []


def test_negated_deal_is_not_an_event(batch):
    types = {e.type for e in events_of(batch, "dev17_negation_statement.txt")}
    assert "DEAL" not in types and "STATEMENT" in types


def test_won_amount_relative_date_and_actor(batch):
    (ev,) = [e for e in events_of(batch, "dev16_lges_arizona.txt") if e.type == "INVEST"]
    assert (ev.actor, ev.target, ev.amount, ev.unit) == ("LG Energy Solution", "USA", 1.5e12, "KRW")
    assert ev.date == dt.date(2023, 3, 24)


def test_html_scripts_are_not_text(batch):
    art = next(a for a in batch.articles if a.doc_id == "dev06_posco_graphite_deal.html")
    assert "Mars" not in art.text and "alert" not in art.text and "Advertisement" not in art.text
    assert art.published == dt.date(2024, 9, 25)
    art = next(a for a in batch.articles if a.doc_id == "dev23_broken_markup.html")
    assert "tungsten" not in art.text and "steal" not in art.text


def test_event_record_has_exactly_the_schema(batch):
    rec = batch.articles[0].events[0].record()
    assert tuple(rec) == SCHEMA_KEYS
    json.dumps(rec)


def test_duplicates_wire_copy_and_retold_story_only(batch):
    groups = {tuple(g["docs"]): g["method"] for g in batch.duplicates}
    assert groups == {("dev02_china_gallium_controls.txt", "dev13_gallium_wire_copy.txt"): "minhash",
                      ("dev06_posco_graphite_deal.html", "dev12_posco_graphite_retold.txt"): "events"}


def test_signature_matches_datasketch():
    h = dedup.shingle_hashes("one two three four five six seven eight nine ten eleven")
    m = MinHash(num_perm=dedup.NUM_PERM, seed=dedup.SEED, hashfunc=int)
    m.update_batch(list(h))
    assert np.array_equal(dedup.signature(h, dedup.permutations()), m.hashvalues)


def test_minhash_pairs_threshold():
    base = " ".join(f"word{i}" for i in range(300))
    edited = base.replace("word150", "changed")
    other = " ".join(f"other{i}" for i in range(300))
    assert dedup.minhash_pairs([base, edited, other]) == {(0, 1)}


def test_store_round_trip_and_filters(tmp_path):
    with chokepoint.open(tmp_path / "n.duckdb") as wb:
        report = wb.news.ingest([FIX])
        assert report.errors == [] and report.articles == 26 and report.duplicate_groups == 2
        again = wb.news.ingest([FIX / "dev03_gallium_easing.txt"])  # re-ingest replaces, no doubles
        assert again.articles == 1 and len(wb.news.documents()) == 26
        ev = wb.news.events(type="EXPORT_CONTROL", actor="CHN")
        assert len(ev) >= 2 and set(ev["type"]) == {"EXPORT_CONTROL"}
        assert all("gallium" in c for c in wb.news.events(commodity="gallium")["commodities"])
        with pytest.raises(chokepoint.errors.BadInput):
            wb.news.events(colour="red")
        sig = wb.news.signals()
        assert "cn-ga-ge-ban" in set(sig["scenario"]) and "ally-sourcing" in set(sig["scenario"])
        assert len(wb.news.duplicates()) == 2


def test_tilt_index_and_chart(tmp_path):
    with chokepoint.open(tmp_path / "n.duckdb") as wb:
        wb.news.ingest([FIX])
        frame = wb.news.tilt("KOR", by="month", chart=tmp_path / "kor.png")
        assert list(frame.columns)[:3] == ["period", "index", "n_events"]
        assert frame["index"].between(-1, 1).all() and frame["n_events"].sum() > 5
        assert (tmp_path / "kor.png").stat().st_size > 1000


def test_claims_checked_against_reference(wb, tmp_path):
    art = tmp_path / "claim.txt"
    art.write_text("Published: 2026-02-06\n\nData shows China accounts for 60-70% of global rare "
                   "earth production and over 80% of the rare earth magnet market.\n")
    wb.news.ingest([art])
    got = wb.news.claims()
    assert set(got["stage"]) >= {"mine", "magnet"} and set(got["iso3"]) == {"CHN"}
    assert got["verdict"].notna().all()


def test_cli_ingest_events_jsonl_and_tilt(tmp_path):
    from chokepoint.cli import app

    db = str(tmp_path / "c.duckdb")
    with chokepoint.open(db):
        pass
    runner = CliRunner()
    docs = tmp_path / "docs"
    shutil.copytree(FIX, docs)
    (docs / "junk.txt").write_bytes(b"\x00\xff\xfe")
    res = runner.invoke(app, ["news", "ingest", str(docs), "--db", db])
    assert res.exit_code == 0 and "junk.txt" in res.output
    res = runner.invoke(app, ["news", "events", "--format", "jsonl", "--db", db])
    lines = [json.loads(x) for x in res.output.splitlines()]
    assert lines and all(tuple(r) == SCHEMA_KEYS for r in lines)
    chart = tmp_path / "t.png"
    res = runner.invoke(app, ["tilt", "--country", "KOR", "--chart", str(chart), "--db", db])
    assert res.exit_code == 0 and chart.exists() and "alignment index" in res.output


def _ev(type_, actor, target, amount=None, commodities=(), date=None):
    from chokepoint.news.events import Event
    return Event(doc="d", type=type_, actor=actor, target=target, commodities=list(commodities), sectors=[],
                 amount=amount, unit="USD" if amount else None, date=date, tilt=0, evidence="")


def test_retold_story_grouped_with_parties_in_either_order():
    d = dt.date(2026, 1, 14)
    a = [_ev("DEAL", "Umicore", "Glencore", commodities=["cobalt"], date=d)]
    b = [_ev("DEAL", "Glencore", "Umicore", commodities=["cobalt"])]
    assert dedup.event_pairs([a, b], [d, d]) == {(0, 1)}


def test_same_parties_on_other_commodities_or_amounts_are_other_stories():
    d = dt.date(2026, 3, 5)
    a = [_ev("TARIFF", "EUN", "CHN", commodities=["graphite"]), _ev("STATEMENT", "CHN", "EUN", date=d)]
    b = [_ev("TARIFF", "EUN", "CHN", commodities=["tungsten"]), _ev("STATEMENT", "CHN", "EUN", date=d)]
    c = [_ev("INVEST", "Umicore", "POL", amount=3e8)]
    e = [_ev("INVEST", "Umicore", "POL", amount=5e8), _ev("STATEMENT", "CHN", "EUN", date=d)]
    assert dedup.event_pairs([a, b, c, e], [d] * 4) == set()
