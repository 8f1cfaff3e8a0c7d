"""Fuzz: hostile files never crash ingest; bad files are named, good ones still ingested, and no
markup or script from a file reaches stored text unescaped."""
from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chokepoint
from chokepoint.news.entities import Gazetteer
from chokepoint.news.pipeline import run

GOOD = "Published: 2024-05-01\n\nChina on Monday announced export controls on gallium exports.\n"
SUFFIXES = st.sampled_from([".txt", ".html", ".jsonl"])
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check(tmp_path, name: str, data: bytes):
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for f in folder.iterdir():
        f.unlink()
    (folder / name).write_bytes(data)
    (folder / "good.txt").write_text(GOOD)
    batch = run([folder], Gazetteer.bundled())
    assert any(a.doc_id == "good.txt" and a.events for a in batch.articles)
    named = {a.doc_id.split("#")[0] for a in batch.articles} | {n for n, _ in batch.errors}
    assert name in named  # every file is either ingested or reported by name
    return batch


@FAST
@given(text=st.text(max_size=3000), suffix=SUFFIXES)
def test_arbitrary_unicode(tmp_path, text, suffix):
    _check(tmp_path, "fuzz" + suffix, text.encode("utf-8", "surrogatepass"))


@FAST
@given(data=st.binary(max_size=4000), suffix=SUFFIXES)
def test_binary_junk(tmp_path, data, suffix):
    _check(tmp_path, "junk" + suffix, data)


@FAST
@given(body=st.text(alphabet=string.printable + "<>/&\"'", max_size=800))
def test_html_with_scripts_and_broken_markup(tmp_path, body):
    html = (f"<html><head><script>document.write('<b>PWNED</b>')</script><title>t</title>"
            f"<body><p>{body}<div><p onclick=\"alert('XSS')\">Korea signed a deal with Japan."
            f"<script>alert('XSS')</script><iframe src=x>")
    batch = _check(tmp_path, "page.html", html.encode())
    for art in batch.articles:
        assert "PWNED" not in art.text and "alert(" not in art.text and "<script" not in art.text


def test_empty_and_whitespace_files(tmp_path):
    for name, data in (("empty.txt", b""), ("blank.html", b"  \n "), ("none.jsonl", b"\n\n")):
        batch = _check(tmp_path, name, data)
        assert name in {n for n, _ in batch.errors}


def test_ten_megabyte_files(tmp_path):
    big = ("Korea Zinc shipped antimony to the US yesterday. " * 210_000).encode()[:10_500_000]
    batch = _check(tmp_path, "big.txt", big)
    assert "big.txt" in {n for n, _ in batch.errors}  # over the article size limit: reported
    pad = "x" * 9_990  # one long token per line: 10 MB of JSON lines, little text to extract
    lines = "\n".join(json.dumps({"id": i, "text": f"Japan signed a deal with Korea. {pad}"})
                      for i in range(1000)).encode()
    assert len(lines) > 10_000_000
    batch = _check(tmp_path, "big.jsonl", lines)
    assert sum(a.doc_id.startswith("big.jsonl#") for a in batch.articles) == 1000


def test_jsonl_bad_lines_named_rest_kept(tmp_path):
    data = b'{"id": "a", "text": "Japan signed a deal with Korea."}\nnot json\n[1,2]\n{"id": "b"}\n'
    batch = _check(tmp_path, "mix.jsonl", data)
    assert [a.doc_id for a in batch.articles if a.doc_id.startswith("mix")] == ["mix.jsonl#a"]
    assert sum(n == "mix.jsonl" for n, _ in batch.errors) == 3


def test_store_keeps_text_as_data_not_markup(tmp_path):
    page = tmp_path / "x.html"
    page.write_text("<html><body><p>Korea &lt;script&gt;alert(1)&lt;/script&gt; signed a deal "
                    "with Japan on Monday.</p></body></html>")
    with chokepoint.open(tmp_path / "s.duckdb") as wb:
        rep = wb.news.ingest([page], published="2024-01-03")
        text = wb.news.documents()
        assert rep.errors == [] and len(text) == 1
        stored = wb.store.df("SELECT text FROM document")["text"][0]
        assert "<script>alert(1)</script>" in stored  # kept as inert text; surfaces must escape it
