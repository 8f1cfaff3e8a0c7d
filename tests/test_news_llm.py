"""The optional LLM extractor against a local stub of an OpenAI-compatible server: the request it
sends, the deterministic checks on what comes back, and the cache that makes re-runs identical."""
from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from chokepoint.errors import BadInput
from chokepoint.news.llm import LlmExtractor, validate

TEXT = ("Ruritania's Kestrel Mining said on Monday it had signed a supply deal with Korea Zinc. "
        "China imposed export controls on gallium on Tuesday.")
ANSWER = {"events": [
    # valid; the amount and date the model gives are replaced by what the evidence says
    {"type": "EXPORT_CONTROL", "actor": "China", "target": None, "commodities": ["gallium"],
     "amount": 999, "unit": "USD", "date": "2020-01-01",
     "evidence": "China imposed export controls on gallium on Tuesday."},
    # evidence not in the text: dropped
    {"type": "DEAL", "actor": "Kestrel Mining", "target": "Korea Zinc", "commodities": [],
     "amount": None, "unit": None, "date": None, "evidence": "Kestrel signed a deal worth $5 billion."},
    # no such type: dropped
    {"type": "RUMOUR", "actor": "China", "target": None, "commodities": [], "amount": None,
     "unit": None, "date": None, "evidence": "China imposed export controls on gallium on Tuesday."},
]}


class Stub(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Stub.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        out = json.dumps({"choices": [{"message": {"role": "assistant", "content": json.dumps(ANSWER)}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(out.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def stub():
    Stub.requests = []
    server = HTTPServer(("127.0.0.1", 0), Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()
    server.server_close()


def test_request_is_deterministic_and_schema_bound(stub, gaz):
    llm = LlmExtractor(stub, "tiny-model", api_key="k")
    events = llm("d", TEXT, dt.date(2025, 11, 12), gaz)
    (req,) = Stub.requests
    assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer k"
    body = req["body"]
    assert body["temperature"] == 0 and body["model"] == "tiny-model"
    assert body["response_format"]["type"] == "json_schema"
    assert body["messages"][0]["role"] == "system" and body["messages"][1]["content"] == TEXT
    assert [(e.type, e.actor, e.date, e.amount) for e in events] == \
        [("EXPORT_CONTROL", "CHN", dt.date(2025, 11, 11), None)]
    assert TEXT[events[0].start:events[0].end] == events[0].evidence


def test_cached_answer_is_reused(stub, gaz):
    cache: dict[str, str] = {}
    first = LlmExtractor(stub, "m", cache=cache)("d", TEXT, None, gaz)
    again = LlmExtractor(stub, "m", cache=cache)("d", TEXT, None, gaz)
    assert len(Stub.requests) == 1 and [e.record() for e in first] == [e.record() for e in again]
    LlmExtractor(stub, "other-model", cache=cache)("d", TEXT, None, gaz)
    assert len(Stub.requests) == 2  # another model is another key


def test_answers_that_are_no_events_give_none(gaz):
    assert validate("d", "not json", TEXT, None, gaz) == []
    assert validate("d", json.dumps({"events": "x"}), TEXT, None, gaz) == []
    assert validate("d", json.dumps({"events": [{"type": "DEAL"}]}), TEXT, None, gaz) == []


def test_unreachable_endpoint_is_a_bad_input(gaz):
    with pytest.raises(BadInput, match="LLM endpoint"):
        LlmExtractor("http://127.0.0.1:9/v1", "m", timeout=2)("d", TEXT, None, gaz)


def test_ingest_with_llm_caches_in_the_store(stub, wb, tmp_path):
    art = tmp_path / "a.txt"
    art.write_text(TEXT + "\n")
    wb.news.ingest([art], published="2025-11-12", llm_url=stub, llm_model="m")
    wb.news.ingest([art], published="2025-11-12", llm_url=stub, llm_model="m")
    assert len(Stub.requests) == 1 and wb.store.count("llm_cache") == 1
    assert list(wb.news.events()["type"]) == ["EXPORT_CONTROL"]
