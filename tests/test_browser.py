"""The dashboard in a real browser: Playwright driving Debian's chromium against a live server.

One server and one browser per session. `CHOKEPOINT_SCREENSHOTS=docs/screenshots` also
writes a screenshot of every page on the bundled store. Without a chromium binary every test here skips
with a message saying so (install it with `apt-get install -y chromium`).
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

import chokepoint
from test_web_app import FIXTURES, HOSTILE, add_news, make_store

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")
SHOTS = os.environ.get("CHOKEPOINT_SCREENSHOTS")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PAGES = ["/", "/material", "/material?m=neodymium", "/scenario", "/plan", "/news"]


def need(module: str, api: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{api} has not landed yet ({module} missing); this test exercises it once it does")


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium binary on PATH: browser tests need Debian's chromium "
                    "(apt-get install -y chromium); never run 'playwright install'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def live_server(path):
    """A uvicorn server on the store at `path`, in a thread of this process; yields its base URL."""
    import uvicorn

    from chokepoint.web import create_app

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(path), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started:
        assert time.time() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("browser")
    path = workdir / "web.duckdb"
    make_store(path)
    add_news(path, workdir)  # ingested before the server takes the file, when wb.news exists
    with live_server(path) as base:
        yield base


class Watched:
    """A page that records console errors, page errors, dialogs and any off-host request."""

    def __init__(self, context, base: str):
        self.page = context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.offhost: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

        def route(r):
            if r.request.url.startswith(base) or r.request.url.startswith("data:"):
                r.continue_()
            else:
                self.offhost.append(r.request.url)
                r.abort()
        self.page.route("**/*", route)

    def close(self) -> None:
        self.page.close()


@pytest.fixture(scope="session")
def context(browser):
    """One browser context for the session, so plotly.js is parsed from cache after the first page."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


@pytest.fixture
def watched(context, server):
    w = Watched(context, server)
    yield w
    w.close()


def test_every_page_loads_without_console_errors(watched, server):
    for url in PAGES:
        resp = watched.page.goto(server + url, wait_until="load")
        assert resp is not None and resp.status == 200, (url, resp and resp.status, resp and resp.text()[:500])
        assert (watched.errors, watched.dialogs, watched.offhost) == ([], [], []), url


def test_material_charts_are_drawn_and_hostile_source_text_stays_text(watched, server):
    page = watched.page
    page.goto(server + "/material?m=rare-earths&country=KOR", wait_until="load")
    page.wait_for_selector("#chart-sankey .main-svg")
    page.wait_for_selector("#chart-stage-shares .main-svg")
    assert page.locator("#chart-sankey .sankey-node").count() == 6  # CHN, VNM, JPN → two stages → KOR
    assert HOSTILE in page.locator("section.sources").inner_text()
    assert page.locator("section.sources img").count() == 0
    assert watched.errors == [] and watched.dialogs == [] and watched.offhost == []


def _rows(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(f"{selector} tbody tr",
                                     "rows => rows.map(r => [...r.cells].map(c => c.textContent))")


def test_events_filters_change_the_table(watched, server):
    need("chokepoint.news.api", "wb.news.events")
    page = watched.page
    page.goto(server + "/news", wait_until="load")
    header = page.eval_on_selector_all("#events-table thead th", "hs => hs.map(h => h.textContent)")
    every = _rows(page, "#events-table")
    page.fill("#event-filters input[name=type]", "EXPORT_CONTROL")
    with page.expect_navigation():
        page.click("#event-filters button[type=submit]")
    filtered = _rows(page, "#events-table")
    assert "type=EXPORT_CONTROL" in page.url
    assert 0 < len(filtered) < len(every)
    assert {r[header.index("type")] for r in filtered} == {"EXPORT_CONTROL"}
    assert watched.errors == []


def test_hostile_article_is_shown_as_text(watched, server):
    need("chokepoint.news.api", "wb.news.events")
    page = watched.page
    page.goto(server + "/news?doc=hostile.txt", wait_until="load")
    text = page.locator("#events-table").inner_text()
    assert HOSTILE in text
    assert page.locator("#events-table img").count() == 0
    assert page.locator("#events-table script").count() == 0
    assert watched.dialogs == [] and watched.errors == []


def test_scenario_run_from_the_page_draws_its_chart(watched, server):
    need("chokepoint.chain.api", "wb.chain.run")
    page = watched.page
    page.goto(server + "/scenario?name=cn-ree-6m&country=KOR", wait_until="load")
    page.select_option("#engine", "fast")
    page.click("#run-button")
    page.wait_for_url("**/scenario?run=*", timeout=120_000)
    page.wait_for_selector("#chart-shortfall .main-svg", timeout=20_000)
    assert page.locator("#result .chart .main-svg").count() >= 3
    assert page.locator("#runs-table a").count() >= 1
    assert watched.errors == [] and watched.dialogs == [] and watched.offhost == []


def test_a_plan_from_the_page_shows_its_portfolio_risk_and_frontier(watched, server, monkeypatch):
    need("chokepoint.policy.api", "wb.policy.plan")
    from chokepoint.policy import levers

    monkeypatch.setenv("CHOKEPOINT_WEB_MAX_RUN_COST", "1e9")  # the default allows 4 draws on this store
    page = watched.page
    page.goto(server + "/plan?name=cn-ree-6m&country=KOR", wait_until="load")
    page.fill("#plan-budget", "300e9")
    page.select_option("#plan-risk", "cvar95")
    page.fill("#plan-n", "30")
    page.fill("#plan-seed", "5")
    page.click("#plan-button")
    page.wait_for_url("**/plan?run=*", timeout=120_000)
    page.wait_for_selector("#chart-frontier .main-svg", timeout=20_000)
    header = page.eval_on_selector_all("#plan-portfolio thead th", "hs => hs.map(h => h.textContent)")
    rows = _rows(page, "#plan-portfolio")
    names = [lv.name for lv in levers.defaults()]
    assert [r[0] for r in rows] == names
    assert {"level", "cost (bn KRW)", "cost (m USD)", "marginal value (t per bn KRW)"} <= set(header)
    risk = page.eval_on_selector_all("#plan-risk thead th", "hs => hs.map(h => h.textContent)")
    assert "in-sample after" in risk and "out-of-sample after" in risk
    assert _rows(page, "#plan-risk")[1][0] == "CVaR 95% shortfall (minimised)"
    assert "30 draws · seed 5" in page.locator("#plan-result h2").inner_text()
    assert page.locator("#chart-frontier .scatterlayer .trace").count() == 1 + len(names)  # portfolio, levers alone
    assert page.locator("#plans-table a").count() >= 1
    assert watched.errors == [] and watched.dialogs == [] and watched.offhost == []


def test_report_opens_offline_and_shows_its_charts(browser, tmp_path):
    need("chokepoint.chain.api", "wb.chain.run")
    from chokepoint.cli import main

    path = tmp_path / "report.duckdb"
    make_store(path)
    with chokepoint.open(path) as wb:
        run_id = wb.chain.run("cn-ree-6m", country="KOR", engine="fast").run_id
    out = tmp_path / "report.html"
    assert main(["report", run_id, "-o", str(out), "--db", str(path)]) == 0
    context = browser.new_context(offline=True)
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(out.as_uri(), wait_until="load")
        page.wait_for_selector("#chart-shortfall .main-svg")
        assert page.locator(".js-plotly-plot .main-svg").count() >= 3
        assert "cn-ree-6m" in page.locator("#spec").inner_text()
        assert page.locator("#sources li").count() >= 1
    finally:
        context.close()
    assert errors == []
    assert all(u.startswith("file:") or u.startswith("data:") for u in requests), requests


def _store_with_run(src: Path, dst: Path) -> None:
    """A copy of the bundled store with a cn-ree-6m run, a 100-draw plan and the fixture news, where those
    APIs exist."""
    shutil.copy(src, dst)
    with chokepoint.open(dst) as wb:
        try:
            if "cn-ree-6m" in wb.chain.scenarios():
                wb.chain.run("cn-ree-6m", country="KOR", engine="fast")
                wb.policy.plan("cn-ree-6m", country="KOR", budget=250e9, risk="cvar95", n=100, seed=0)
            wb.news.ingest(sorted(FIXTURES.iterdir()))
        except ModuleNotFoundError:
            pass  # a page whose API is missing shows 'not available yet', and so does its screenshot


@pytest.mark.skipif(not SHOTS, reason="set CHOKEPOINT_SCREENSHOTS=DIR to write page screenshots")
def test_screenshots(context, built_db, tmp_path):
    """Screenshots of every page on the bundled store, for docs/screenshots (run on demand)."""
    path = tmp_path / "shots.duckdb"
    _store_with_run(built_db, path)
    out = Path(SHOTS)
    out.mkdir(parents=True, exist_ok=True)
    with chokepoint.open(path, read_only=True) as wb:
        runs = wb.chain.runs() if "run" in wb.store.tables() else None
    stress = runs[runs["kind"] == "stress"] if runs is not None else []
    plans = runs[runs["kind"] == "plan"] if runs is not None else []
    run_id = stress["run_id"].iloc[0] if len(stress) else None
    plan_id = plans["run_id"].iloc[0] if len(plans) else None
    pages = {"overview": "/?country=KOR", "material": "/material?m=lithium&country=KOR",
             "scenario": f"/scenario?country=KOR&name=cn-ree-6m{f'&run={run_id}' if run_id else ''}",
             "plan": f"/plan?country=KOR{f'&run={plan_id}' if plan_id else ''}",
             "news": "/news?country=KOR"}
    with live_server(path) as base:
        w = Watched(context, base)
        try:
            for name, url in pages.items():
                w.page.goto(base + url, wait_until="networkidle")
                w.page.wait_for_timeout(500)
                w.page.screenshot(path=str(out / f"{name}.png"), full_page=True)
        finally:
            w.close()
    assert w.errors == [] and w.offhost == []
