"""The web app through FastAPI's TestClient, on a small store the tests build themselves."""
from __future__ import annotations

import importlib.util
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import chokepoint
from chokepoint.reference import insert
from chokepoint.schema import ALL_TABLES
from chokepoint.web import create_app
from chokepoint.web.database import Database
from chokepoint.web.jobs import JobRunner

HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'

ROWS = {
    "source": [dict(key="T_USGS", publisher="USGS", title="Test summaries", year=2025, url="https://example.org/usgs"),
               dict(key="T_HOSTILE", publisher="Outlet", title=f"Title {HOSTILE}", year=2024, url="javascript:alert(3)"),
               dict(key="T_TRADE", publisher="Customs", title="Test trade", year=2025, url=None)],
    "material": [dict(material="rare-earths", name="Rare earths", family="rare-earths", is_aggregate=True, source="T_USGS"),
                 dict(material="neodymium", name="Neodymium", family="rare-earths", symbol="Nd", source="T_USGS")]
    + [dict(material=m, name=m.title(), family=m, source="T_USGS")
       for m in ("gallium", "germanium", "graphite", "antimony", "lithium", "nickel")],
    "stage": [dict(family="rare-earths", stage=s, ord=i, form=f, source="T_USGS")
              for i, (s, f) in enumerate([("mine", "ore"), ("separation", "oxide"), ("magnet", "magnet")], 1)],
    "production": [dict(material="rare-earths", stage=st, iso3=c, year=2024, measure="production", value=v,
                        unit="t", source="T_USGS")
                   for st, c, v in [("mine", "CHN", 270000), ("mine", "USA", 45000), ("mine", "MMR", 31000),
                                    ("mine", "AUS", 13000), ("separation", "CHN", 240000), ("separation", "MYS", 20000)]],
    "stage_share": [dict(material="rare-earths", stage="magnet", iso3=c, year=2024, share=s, source="T_HOSTILE")
                    for c, s in [("CHN", 0.9), ("JPN", 0.07)]],
    "trade_code": [dict(code="284690", revision="HS2022", description="RE compounds", family="rare-earths",
                        stage="separation", source="T_TRADE"),
                   dict(code="850511", revision="HS2022", description="Permanent magnets", family="rare-earths",
                        stage="magnet", source="T_TRADE")],
    "trade": [dict(year=2024, exporter=e, importer="KOR", code=k, value_usd=v, basis="importer-reported", source="T_TRADE")
              for e, k, v in [("CHN", "284690", 1e8), ("VNM", "284690", 2e7), ("CHN", "850511", 3e8),
                              ("JPN", "850511", 5e7)]],
    "import_share": [dict(importer="KOR", material="rare-earths", partner="CHN", year=2024, share=0.6,
                          basis="value", source="T_TRADE")],
}


def make_store(path) -> None:
    """A store with a tiny rare-earth chain seen from KOR (and a source with hostile markup)."""
    with chokepoint.open(path) as wb, wb.store.transaction():
        for name, rows in ROWS.items():
            table = ALL_TABLES[name]
            insert(wb.store, table, pd.DataFrame(rows).reindex(columns=table.names))


FIXTURES = Path(__file__).parent / "fixtures" / "news"
NEWS_FILES = ["dev02_china_gallium_controls.txt", "dev03_gallium_easing.txt", "dev04_us_graphite_tariff.txt",
              "dev05_korea_stockpile_policy.txt", "dev13_gallium_wire_copy.txt"]
HOSTILE_ARTICLE = f"""China tightens gallium exports {HOSTILE}
Published: 2025-03-02

BEIJING - China's commerce ministry announced export controls on gallium and germanium to the United States {HOSTILE}, effective immediately.
"""


def add_news(path, workdir) -> bool:
    """Ingest a few fixture articles and one carrying hostile markup, when wb.news exists."""
    if not has_module("chokepoint.news.api"):
        return False
    hostile = Path(workdir) / "hostile.txt"
    hostile.write_text(HOSTILE_ARTICLE, encoding="utf-8")
    with chokepoint.open(path) as wb:
        wb.news.ingest([hostile, *(FIXTURES / f for f in NEWS_FILES)])
    return True


def has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "web.duckdb"
    make_store(path)
    return path


@pytest.fixture
def news_client(store, tmp_path):
    if not add_news(store, tmp_path):
        pytest.skip("wb.news has not landed yet (chokepoint.news.api missing)")
    with TestClient(create_app(store)) as c:
        yield c


@pytest.fixture
def client(store):
    with TestClient(create_app(store)) as c:
        yield c


@pytest.mark.parametrize("url", ["/", "/material", "/material?m=neodymium", "/scenario", "/plan", "/news",
                                 "/api/overview", "/api/materials", "/api/scenarios", "/api/plans", "/api/news/events",
                                 "/openapi.json", "/vendor/plotly.min.js", "/static/app.js"])
def test_every_page_and_endpoint_answers(client, url):
    assert client.get(url).status_code == 200


def test_overview_names_the_chokepoint(client):
    # HHI by hand: separation (240/260)^2 + (20/260)^2 = 0.858 > magnet 0.9^2 + 0.07^2 = 0.815 > mine 0.59
    data = client.get("/api/overview?country=kor").json()
    fam = data["chokepoints"]["families"][0]
    assert fam["family"] == "rare-earths" and fam["chokepoint"] == "separation"
    assert {r[0] for r in data["chokepoints"]["sources"]["rows"]} == {"T_USGS", "T_HOSTILE"}
    page = client.get("/?country=KOR").text
    assert 'class="chokepoint">separation<' in page
    assert "<code>T_USGS</code>" in page and "<code>T_TRADE</code>" in page  # one merged source list


def test_material_sankey_carries_the_trade_flows(client):
    data = client.get("/api/material/rare-earths?country=KOR").json()
    sankey = data["figures"]["sankey"]["data"][0]
    labels = sankey["node"]["label"]
    links = {(labels[s], labels[t]): v for s, t, v in zip(sankey["link"]["source"], sankey["link"]["target"],
                                                          sankey["link"]["value"])}
    assert links[("CHN", "stage: magnet")] == pytest.approx(3e8)
    assert links[("stage: separation", "KOR")] == pytest.approx(1.2e8)
    assert links[("stage: magnet", "KOR")] == pytest.approx(3.5e8)
    assert "T_TRADE" in {r[0] for r in data["sources"]["rows"]}
    shares = data["figures"]["stage_shares"]["data"]
    assert {t["name"] for t in shares} >= {"CHN", "USA", "JPN"}


def test_untrusted_text_is_escaped_in_pages(client):
    html = client.get("/material?m=rare-earths").text
    assert "T_HOSTILE" in html
    assert HOSTILE not in html and "<script>alert(2)" not in html
    assert "&lt;img src=x onerror=" in html
    assert 'href="javascript:' not in html


def test_unknown_material_is_a_404_with_the_valid_names(client):
    r = client.get("/api/material/unobtainium")
    assert r.status_code == 404 and r.json()["field"] == "material"
    page = client.get("/material?m=unobtainium")
    assert page.status_code == 404 and "unobtainium" in page.text and "text/html" in page.headers["content-type"]


def test_a_missing_api_is_announced_not_failed(store):
    from chokepoint.web import panels

    @panels.guarded
    def panel(wb):
        return {"rows": panels.api(wb, "news.not_landed_yet")()}

    with chokepoint.open(store, read_only=True) as wb:
        assert panel(wb) == {"available": False, "missing": "wb.news.not_landed_yet"}


def test_page_views_cannot_write(store):
    db = Database(store)
    try:
        with db.reader() as wb, pytest.raises(Exception, match="read-only"):
            wb.store.con.execute("DELETE FROM source")
        with db.reader() as wb:
            assert wb.store.count("source") == 3
    finally:
        db.close()


def test_readers_do_not_block_on_a_running_job(store):
    """While the writer holds an open transaction, page views read the last committed state."""
    db = Database(store)
    runner = JobRunner(db)
    inside, release = threading.Event(), threading.Event()

    def work(wb, progress):
        with wb.store.transaction() as con:
            con.execute("INSERT INTO run (run_id, created, kind, scenario, engine, spec, versions) "
                        "VALUES ('r1', now(), 'stress', 'x', 'fast', '{}', '{}')")
            progress(1, 2)
            inside.set()
            assert release.wait(10)
        progress(2, 2)
        return "r1"

    try:
        job = runner.submit("test", work)
        assert inside.wait(10)
        with db.reader() as wb:  # would hang here if readers blocked on the writer
            assert wb.store.count("run") == 0
        assert job.state == "running" and (job.done, job.total) == (1, 2)
        release.set()
        for _ in range(200):
            if job.state != "running":
                break
            threading.Event().wait(0.05)
        assert job.state == "done" and job.run_id == "r1"
        with db.reader() as wb:
            assert wb.store.count("run") == 1
    finally:
        release.set()
        runner.close()
        db.close()


def test_failed_job_reports_its_error_and_writes_nothing(store):
    db = Database(store)
    runner = JobRunner(db)

    def work(wb, progress):
        with wb.store.transaction() as con:
            con.execute("INSERT INTO run (run_id, created, kind, scenario, engine, spec, versions) "
                        "VALUES ('bad', now(), 'stress', 'x', 'fast', '{}', '{}')")
            raise chokepoint.errors.BadInput("infeasible", field="weeks")

    try:
        job = runner.submit("bad", work)
        runner.close()
        assert job.state == "failed" and "infeasible" in job.error
        with db.reader() as wb:
            assert wb.store.count("run") == 0
    finally:
        db.close()


def test_read_only_server_refuses_runs(store):
    with TestClient(create_app(store, read_only=True)) as c:
        assert c.get("/").status_code == 200
        r = c.post("/api/runs", json={"scenario": "cn-ree-6m"})
        assert r.status_code == 409 and "read-only" in r.json()["detail"]


def test_unknown_job_is_404(client):
    assert client.get("/api/jobs/job-999").status_code == 404


def test_event_filters_narrow_the_events(news_client):
    every = news_client.get("/api/news/events").json()["events"]
    controls = news_client.get("/api/news/events?type=EXPORT_CONTROL").json()["events"]
    ix = controls["columns"].index("type")
    assert 0 < controls["total"] < every["total"]
    assert {r[ix] for r in controls["rows"]} == {"EXPORT_CONTROL"}
    page = news_client.get("/news?type=EXPORT_CONTROL").text
    assert f"{controls['total']} events" in page
    bad = news_client.get("/news?type=NOPE")
    assert bad.status_code == 200 and "unknown event type" in bad.text


def test_hostile_article_is_escaped_on_the_news_page(news_client):
    html = news_client.get("/news").text
    assert "hostile.txt" in html
    assert HOSTILE not in html and "<script>alert(2)" not in html
    assert "&lt;img src=x onerror=" in html


def test_news_panels_answer(news_client):
    assert news_client.get("/api/news/duplicates").json()["groups"] >= 1  # dev02 and its wire copy dev13
    tilt = news_client.get("/api/news/tilt?country=CHN").json()
    assert tilt["available"] and tilt["figure"]["data"][0]["type"] == "bar"
    assert news_client.get("/api/news/claims?country=KOR").json()["available"]


def _wait(client, job_id: str, seconds: float = 120) -> dict:
    deadline = time.time() + seconds
    while time.time() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.mark.skipif(not has_module("chokepoint.chain.api"), reason="wb.chain.run has not landed yet")
def test_a_run_started_through_the_api_is_stored_and_charted(client):
    r = client.post("/api/runs", json={"scenario": "cn-ree-6m", "engine": "fast", "country": "kor"})
    assert r.status_code == 202, r.text
    job = _wait(client, r.json()["job_id"])
    assert job["state"] == "done", job["error"]
    assert job["total"] > 0 and job["done"] == job["total"]
    run = client.get(f"/api/runs/{job['run_id']}").json()
    assert run["spec"]["country"] == "KOR" and run["spec"]["engine"] == "fast"
    assert {"shortfall", "imports"} <= set(run["figures"])
    assert "supply" not in run["figures"]  # Korea produces no rare earths in the store: no empty chart
    assert run["run_id"] in client.get("/api/scenarios").text
    page = client.get(f"/scenario?run={job['run_id']}").text
    assert 'id="chart-shortfall"' in page


@pytest.mark.skipif(not has_module("chokepoint.chain.api"), reason="wb.chain.run has not landed yet")
def test_runs_take_only_listed_scenarios_and_valid_specs(client):
    assert client.post("/api/runs", json={"scenario": "/etc/passwd"}).status_code == 404
    assert client.get("/api/scenarios/..%2F..%2Fetc%2Fpasswd").status_code == 404
    bad = client.post("/api/runs", json={"scenario": "cn-ree-6m", "spec": {"weeks": -1}})
    assert bad.status_code == 400 and bad.json()["field"] == "weeks"


def test_run_charts_draw_percentile_bands_when_quantiles_exist():
    from chokepoint.web import charts

    weeks = range(5)
    rows = [dict(week=w, variable="shortfall", country="KOR", stage=None, sector="ev", quantile=q,
                 value=10 * q + w, unit="t") for w in weeks for q in (0.05, 0.5, 0.95)]
    rows += [dict(week=w, variable="price_index", country=None, stage=None, sector=None, quantile=None,
                  value=1.0 + w, unit="index") for w in weeks]
    figs = charts.run_figures(pd.DataFrame(rows))
    band = figs["shortfall"].data
    assert [t.fill for t in band] == [None, "tonexty", None]
    assert list(band[0].y) == [9.5 + w for w in weeks] and list(band[1].y) == [0.5 + w for w in weeks]
    assert band[2].name == "KOR / ev p50" and list(band[2].y) == [5.0 + w for w in weeks]
    assert len(figs["price_index"].data) == 1 and figs["price_index"].data[0].name == "total"
