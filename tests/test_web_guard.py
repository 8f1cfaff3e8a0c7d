"""The server's bounds (issue 17, items 1 and 4): run cost, queue cap, cancel, token, Host, limits."""
from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient
from test_web_app import make_store

from chokepoint.web import create_app
from chokepoint.web.database import Database
from chokepoint.web.guard import host_name
from chokepoint.web.jobs import JobRunner, QueueFull

HOSTILE_SPEC = {"weeks": 520, "window_weeks": 520, "commit_weeks": 1}  # the probe's hour-long run


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "web.duckdb"
    make_store(path)
    return path


@pytest.fixture
def client(store):
    with TestClient(create_app(store)) as c:
        yield c


def _wait(client, job_id: str, seconds: float = 60) -> dict:
    deadline = time.time() + seconds
    while time.time() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def test_a_run_over_the_cost_limit_is_refused_before_it_starts(client):
    r = client.post("/api/runs", json={"scenario": "cn-ree-6m", "engine": "lp", "spec": HOSTILE_SPEC})
    assert r.status_code == 400 and r.json()["field"] == "weeks"
    assert "run too large" in r.json()["message"] and "CHOKEPOINT_WEB_MAX_RUN_COST" in r.json()["hint"]
    assert client.get("/api/scenarios").json()["runs"]["rows"] == []


def test_an_accepted_run_carries_its_cost_estimate(client):
    r = client.post("/api/runs", json={"scenario": "cn-ree-6m", "engine": "fast"})
    assert r.status_code == 202 and r.json()["cost"] > 0
    assert _wait(client, r.json()["job_id"])["state"] == "done"


def test_the_library_refuses_a_run_over_its_limit(store, monkeypatch):
    import chokepoint
    from chokepoint.errors import BadInput

    monkeypatch.setenv("CHOKEPOINT_MAX_RUN_COST", "1000")
    with chokepoint.open(store) as wb:
        with pytest.raises(BadInput, match="run too large"):
            wb.chain.run("cn-ree-6m", engine="fast")
        assert wb.store.count("run") == 0


def _blocking_runner(store, max_open):
    db = Database(store)
    release = threading.Event()

    def work(wb, progress):
        while not release.wait(0.01):
            progress(0, 1)
        return "r"
    return db, JobRunner(db, max_open=max_open), work, release


def test_the_queue_is_capped(store):
    db, runner, work, release = _blocking_runner(store, max_open=2)
    try:
        runner.submit("a", work)
        runner.submit("b", work)
        with pytest.raises(QueueFull):
            runner.submit("c", work)
    finally:
        release.set()
        runner.close()
        db.close()


def test_a_full_queue_answers_429(store, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_WEB_QUEUE", "1")
    with TestClient(create_app(store)) as c:
        first = c.post("/api/runs", json={"scenario": "cn-ree-6m", "engine": "lp"})
        second = c.post("/api/runs", json={"scenario": "cn-ree-6m", "engine": "fast"})
        assert first.status_code == 202
        assert second.status_code == 429 and second.headers["retry-after"]
        c.delete(f"/api/runs/{first.json()['job_id']}")


def test_cancel_stops_a_running_job_and_stores_nothing(client):
    job = client.post("/api/runs", json={"scenario": "cn-ree-6m", "engine": "lp"}).json()
    deadline = time.time() + 30
    while client.get(f"/api/jobs/{job['job_id']}").json()["state"] == "queued" and time.time() < deadline:
        time.sleep(0.01)
    r = client.delete(f"/api/runs/{job['job_id']}")
    assert r.status_code == 200
    done = _wait(client, job["job_id"])
    assert done["state"] == "cancelled" and done["run_id"] is None
    assert client.get("/api/scenarios").json()["runs"]["rows"] == []
    assert client.delete("/api/runs/job-999").status_code == 404


def test_a_queued_job_cancelled_never_starts(store):
    db, runner, work, release = _blocking_runner(store, max_open=3)
    ran = []
    try:
        runner.submit("a", work)
        queued = runner.submit("b", lambda wb, p: ran.append(1) or "x")
        assert runner.cancel(queued.job_id).state == "cancelled"
    finally:
        release.set()
        runner.close()
        db.close()
    assert ran == [] and queued.run_id is None


def test_a_job_past_its_time_limit_is_stopped(store):
    db = Database(store)
    runner = JobRunner(db, timeout_s=0.05)

    def work(wb, progress):
        for _ in range(1000):
            time.sleep(0.01)
            progress(0, 1)
        return "never"
    try:
        job = runner.submit("slow", work)
        runner.close()
        deadline = time.time() + 10
        while job.state == "running" and time.time() < deadline:
            time.sleep(0.01)
        assert job.state == "failed" and "time limit" in job.error
    finally:
        db.close()


def test_a_token_guards_every_request(store):
    with TestClient(create_app(store, token="s3cret")) as c:
        for url in ("/", "/api/materials", "/static/app.js", "/openapi.json"):
            assert c.get(url).status_code == 401, url
        assert c.post("/api/runs", json={"scenario": "cn-ree-6m"}).status_code == 401
        assert c.get("/api/materials", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/materials", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        link = c.get("/?token=s3cret")  # the printed link: sets a cookie for the next requests
        assert link.status_code == 200 and "HttpOnly" in link.headers["set-cookie"]
        assert c.get("/api/materials").status_code == 200


def test_serving_beyond_loopback_generates_a_token(monkeypatch, tmp_path, capsys):
    import uvicorn

    from chokepoint.cli import main

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    monkeypatch.delenv("CHOKEPOINT_TOKEN", raising=False)
    db = tmp_path / "s.duckdb"
    make_store(db)
    assert main(["serve", "--host", "0.0.0.0", "--db", str(db)]) == 0
    err = capsys.readouterr().err
    assert "token" in err
    with TestClient(seen["app"]) as c:
        assert c.get("/api/materials").status_code == 401
    assert main(["serve", "--db", str(db)]) == 0  # loopback: no token, but only loopback names
    with TestClient(seen["app"], base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/materials").status_code == 200
        assert c.get("/api/materials", headers={"host": "rebound.example:8000"}).status_code == 421


def test_hosts_outside_the_allow_list_are_refused(store):
    with TestClient(create_app(store, hosts={"127.0.0.1", "localhost"}), base_url="http://localhost") as c:
        assert c.get("/api/materials").status_code == 200
        assert c.get("/api/materials", headers={"host": "evil.example"}).status_code == 421
    assert host_name("[::1]:8000") == "::1" and host_name("Localhost:80") == "localhost"


def test_every_answer_carries_security_headers(client):
    for url in ("/", "/api/materials", "/api/nope", "/static/app.js"):
        h = client.get(url).headers
        assert "frame-ancestors 'none'" in h["content-security-policy"] and "script-src 'self'" in h[
            "content-security-policy"]
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
    docs = client.get("/docs").headers["content-security-policy"]  # Swagger UI: its CDN, still unframed
    assert "cdn.jsdelivr.net" in docs and "frame-ancestors 'none'" in docs


def test_pages_have_no_inline_scripts_the_policy_would_block(client):
    import re

    for url in ("/", "/material", "/scenario", "/news"):
        html = client.get(url).text
        assert not re.search(r"<[^>]*\son[a-z]+\s*=", html), url  # an inline handler inside a tag
        assert not re.search(r"<script(?![^>]*(src=|application/json))", html), url


def test_bodies_and_fields_have_size_limits(store):
    with TestClient(create_app(store, max_body=10_000)) as c:
        big = c.post("/api/runs", content=b"{" + b" " * 20_000 + b"}", headers={"content-type": "application/json"})
        assert big.status_code == 413 and big.json()["error"] == "too_large"

        def chunks():
            for _ in range(30):
                yield b" " * 1000
        streamed = c.post("/api/runs", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413
    with TestClient(create_app(store)) as c:
        r = c.post("/api/runs", json={"scenario": "cn-ree-6m", "spec": {"description": "x" * 100_000}})
        assert r.status_code == 422
        assert c.get("/api/scenarios").json()["runs"]["rows"] == []


def test_read_answers_carry_etags_and_revalidate_with_304(client):
    first = client.get("/api/materials")
    etag = first.headers["etag"]
    again = client.get("/api/materials", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get("/api/materials?junk=1").headers["etag"] == etag  # stray parameters share one entry


def test_a_committed_run_invalidates_cached_answers(client):
    before = client.get("/api/scenarios")
    assert before.json()["runs"]["rows"] == []
    job = client.post("/api/runs", json={"scenario": "cn-ree-6m", "engine": "fast"}).json()
    done = _wait(client, job["job_id"])
    after = client.get("/api/scenarios", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert done["run_id"] in after.text


def test_a_cross_site_form_post_cannot_start_a_run(client):
    """A page elsewhere can send a 'simple' POST (no preflight) only as form or text: refused."""
    body = '{"scenario": "cn-ree-6m", "engine": "fast"}'
    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        r = client.post("/api/runs", content=body, headers={"content-type": kind})
        assert r.status_code == 422, kind
    assert client.get("/api/scenarios").json()["runs"]["rows"] == []
