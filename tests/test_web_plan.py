"""The Plan page, /api/plans and the plan report, on the small store of test_web_app (plans of 20 draws)."""
from __future__ import annotations

import re
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import chokepoint
from chokepoint.policy import levers, limits, money, results
from chokepoint.web import create_app
from test_web_app import make_store

N = 20
LIMIT = "1e9"  # cell-weeks: room for a 20-draw plan on the small store (the default 5e6 allows 4 draws)


@pytest.fixture(scope="module")
def plan_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "web.duckdb"
    make_store(path)
    return path


@pytest.fixture(scope="module")
def pclient(plan_store):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHOKEPOINT_WEB_MAX_RUN_COST", LIMIT)
        with TestClient(create_app(plan_store)) as c:
            yield c


def _wait(client, job_id: str, seconds: float = 120) -> dict:
    deadline = time.time() + seconds
    while time.time() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.fixture(scope="module")
def planned(pclient) -> dict:
    """One plan run through the API: 250 bn KRW, minimise CVaR 95%, 20 draws."""
    r = pclient.post("/api/plans", json={"scenario": "cn-ree-6m", "country": "kor", "budget": 250e9,
                                         "currency": "KRW", "risk": "cvar95", "n": N, "seed": 7})
    assert r.status_code == 202, r.text
    job = _wait(pclient, r.json()["job_id"])
    assert job["state"] == "done", job["error"]
    return job


def test_a_plan_started_through_the_api_is_stored_and_read_back(pclient, planned):
    assert planned["total"] > 0 and planned["done"] == planned["total"]
    assert planned["total"] == N * limits.evaluations()
    data = pclient.get(f"/api/plans/{planned['run_id']}").json()
    s = data["summary"]
    assert (s["country"], s["n"], s["seed"], s["risk"]) == ("KOR", N, 7, "cvar95")
    assert s["budget_krw"] == pytest.approx(250e9)
    port = pd.DataFrame(data["tables"]["portfolio"]["rows"], columns=data["tables"]["portfolio"]["columns"])
    assert list(port["lever"]) == [lv.name for lv in levers.defaults()]
    assert port["cost (bn KRW)"].sum() == pytest.approx(s["cost_krw"] / 1e9, abs=0.3)  # rounded to 0.1 each
    assert s["cost_krw"] <= 250e9 * (1 + 1e-9)
    usd = money.per_usd("KRW")
    assert port["cost (m USD)"].sum() == pytest.approx(s["cost_krw"] / usd / 1e6, abs=0.3)
    risk = data["tables"]["risk"]
    row = dict(zip(risk["columns"], risk["rows"][1]))
    assert row["figure"] == "CVaR 95% shortfall (minimised)"
    f = s["risk_figures"]["CVaR 95% shortfall (t)"]
    assert row["out-of-sample before"] == f"{f['before (out-of-sample)']:,.0f} t"
    assert row["in-sample after"] == f"{f['after (in-sample, joint)']:,.0f} t"
    trace = data["figure"]["data"][0]
    assert trace["name"] == "portfolio"
    assert trace["x"] == pytest.approx([b["budget_krw"] / 1e9 for b in s["frontier"]])
    assert trace["y"] == pytest.approx([b["risk_t"] for b in s["frontier"]])
    listing = pclient.get("/api/plans").json()["runs"]
    assert planned["run_id"] in [r[0] for r in listing["rows"]]


def test_the_plan_page_shows_portfolio_risk_and_frontier(pclient, planned):
    html = pclient.get(f"/plan?run={planned['run_id']}&country=KOR").text
    for el in ('id="plan-portfolio"', 'id="plan-risk"', 'id="chart-frontier"', 'id="plan-frontier"',
               'id="plans-table"', "out-of-sample before", "marginal value"):
        assert el in html, el
    picker = html[html.index('id="plan-name"'):]
    assert re.findall(r'<option value="([^"]+)" selected>', picker[:picker.index("</select>")]) == ["cn-ree-6m"]
    assert '<a href="/plan" aria-current="page"' in html or 'href="/plan?country=KOR" class="active"' in html
    assert "at most" in html and 'id="plan-limit"' in html
    assert 'id="plan-seed" type="number" min="0" value="7"' in html  # the form holds the plan on display
    assert 'id="plan-n" type="number" min="1" max="2000" value="20"' in html
    assert '<option value="cvar95" selected>' in html and 'value="2.5e+11"' in html
    runs = pclient.get("/scenario").text  # the scenario page's run list sends a plan to the Plan page
    assert f'href="/plan?run={planned["run_id"]}&country=KOR"' in runs


def test_the_stored_tables_match_the_plan_the_library_returned_and_the_report_shows_them(tmp_path):
    from chokepoint.cli import main

    path = tmp_path / "lib.duckdb"
    make_store(path)
    with chokepoint.open(path) as wb:
        r = wb.policy.plan("cn-ree-6m", country="KOR", budget=100e6, currency="USD", n=N, seed=2)
        rec = results.load(wb, r.run_id)
    live, stored = r.portfolio(), results.portfolio(rec)
    np.testing.assert_allclose(stored["cost (bn KRW)"], live["cost_bn_krw"].round(1))
    np.testing.assert_allclose(stored["cost (m USD)"], live["cost_m_usd"].round(1))
    assert list(stored["what"]) == list(live["what"])
    assert rec.summary["budget_krw"] == pytest.approx(100e6 * money.per_usd("KRW"))
    out = tmp_path / "plan.html"
    assert main(["report", r.run_id, "-o", str(out), "--db", str(path)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "<h1>Plan cn-ree-6m" in html and "<h3>Portfolio</h3>" in html
    assert f"<td>{stored['cost (bn KRW)'].iloc[0]:,.4g}</td>" in html  # the stock lever's cost, as tabled


def test_plan_requests_are_validated(pclient):
    body = {"scenario": "cn-ree-6m", "n": N}
    for bad in ({"budget": 0}, {"budget": -5}, {"budget": "inf"}, {"budget": "nan"}, {"budget": 1e16},
                {"n": 0}, {"n": 2001}, {"risk": "median"}, {"seed": -1}, {"country": "KOREA"}):
        assert pclient.post("/api/plans", json={**body, **bad}).status_code == 422, bad
    cur = pclient.post("/api/plans", json={**body, "currency": "XYZ"})
    assert cur.status_code == 400 and cur.json()["field"] == "currency"
    assert pclient.post("/api/plans", json={**body, "scenario": "/etc/passwd"}).status_code == 404
    assert pclient.get("/api/plans/nope").status_code == 404


def test_a_plan_over_the_cost_limit_is_refused_naming_the_most_draws(tmp_path):
    plan_store = tmp_path / "web.duckdb"
    make_store(plan_store)
    with chokepoint.open(plan_store, read_only=True) as wb:
        per_draw = wb.chain.estimate_draws("cn-ree-6m", n=1) * limits.evaluations()
    limit = 10 * per_draw + 1
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHOKEPOINT_WEB_MAX_RUN_COST", str(limit))
        with TestClient(create_app(plan_store)) as c:
            r = c.post("/api/plans", json={"scenario": "cn-ree-6m", "n": 11})
            assert r.status_code == 400 and r.json()["field"] == "n"
            assert "at most 10 draws" in r.json()["hint"]
            assert f"{11 * per_draw:,} cell-weeks" in r.json()["message"]
            assert "at most 10 draws" in c.get("/plan?name=cn-ree-6m").text


def test_a_cancelled_plan_stores_nothing(pclient):
    before = pclient.get("/api/plans").json()["runs"]["total"]
    job = pclient.post("/api/plans", json={"scenario": "cn-ree-6m", "n": 400}).json()
    assert pclient.delete(f"/api/runs/{job['job_id']}").status_code == 200
    done = _wait(pclient, job["job_id"])
    assert done["state"] == "cancelled" and done["run_id"] is None
    assert pclient.get("/api/plans").json()["runs"]["total"] == before


def test_a_read_only_server_refuses_plans(tmp_path):
    plan_store = tmp_path / "web.duckdb"
    make_store(plan_store)
    with TestClient(create_app(plan_store, read_only=True)) as c:
        r = c.post("/api/plans", json={"scenario": "cn-ree-6m", "n": 5})
        assert r.status_code == 409 and "read-only" in r.json()["detail"]
        assert c.get("/plan").status_code == 200


def test_a_stress_run_is_not_a_plan(pclient):
    with pclient.app.state.db.writer() as wb, wb.store.transaction() as con:
        con.execute("INSERT INTO run (run_id, created, kind, scenario, engine, spec, versions, summary) "
                    "VALUES ('stress1', now(), 'stress', 'cn-ree-6m', 'fast', '{}', '{}', '{}')")
    pclient.app.state.responses.invalidate()  # written behind the job runner's back
    r = pclient.get("/api/plans/stress1")
    assert r.status_code == 400 and "not a plan" in r.json()["message"]


def picked(html: str) -> list[str]:
    """The selected options of the page's scenario picker."""
    picker = html[html.index('id="scenario-name"'):]
    return re.findall(r'<option value="([^"]+)" selected>', picker[:picker.index("</select>")])


def test_the_scenario_picker_shows_the_scenario_of_the_run_on_display(tmp_path):
    path = tmp_path / "web.duckdb"
    make_store(path)
    with chokepoint.open(path) as wb, wb.store.transaction() as con:
        con.execute("INSERT INTO run (run_id, created, kind, scenario, engine, spec, versions, summary) "
                    "VALUES ('r-rcep', now(), 'stress', 'cn-ree-6m-rcep', 'fast', '{}', '{}', '{}')")
        first = wb.chain.scenarios()[0]
    assert first != "cn-ree-6m-rcep"
    with TestClient(create_app(path)) as c:
        html = c.get("/scenario?run=r-rcep").text
        assert picked(html) == ["cn-ree-6m-rcep"]
        assert 'data-scenario="cn-ree-6m-rcep"' in html  # the run button runs what is shown
        assert picked(c.get(f"/scenario?run=r-rcep&name={first}").text) == [first]  # an explicit pick still wins
        assert picked(c.get("/scenario").text) == [first]


def test_tables_with_mixed_object_columns_raise_no_future_warning():
    from chokepoint.web import panels

    df = pd.DataFrame({"x": pd.Series([None, 1.5, np.inf], dtype=object), "y": [1.0, -np.inf, 2.0],
                       "s": ["a", None, "c"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = panels.table(df)
    assert t["rows"] == [[None, 1.0, "a"], [1.5, None, None], [None, 2.0, "c"]]


def test_the_report_of_a_plan_shows_portfolio_risk_and_frontier(pclient, planned):
    from chokepoint.report import run_report

    with pclient.app.state.db.reader() as wb:
        html = run_report.render(wb, planned["run_id"])
    assert "<h1>Plan cn-ree-6m" in html
    for text in ("<h3>Portfolio</h3>", "strategic stock of magnet (t)", "out-of-sample before",
                 "CVaR 95% shortfall (minimised)", 'id="chart-frontier"', "Efficient frontier", "FRED_G5A"):
        assert text in html, text
    assert "Final week" not in html and "stored no time series" not in html


def test_lever_levels_read_with_their_units_and_shares_as_percentages():
    assert results.level_text(0.02437, "share of use") == "2.4% of use"
    assert results.level_text(0.5, "share/yr") == "50.0%/yr"
    assert results.level_text(2726.87, "t") == "2,727 t"
    assert results.level_text(0.0, "t/yr") == "0 t/yr"


def test_the_monte_carlo_form_offers_only_the_draws_the_server_allows(tmp_path, monkeypatch):
    path = tmp_path / "web.duckdb"
    make_store(path)
    with chokepoint.open(path, read_only=True) as wb:
        one = wb.chain.estimate_draws("cn-ree-6m", n=1)  # batched draws: a share of a one-off fast run
        assert one * 200 >= wb.chain.estimate("cn-ree-6m", engine="fast")
    most = 300
    monkeypatch.setenv("CHOKEPOINT_WEB_MAX_RUN_COST", str(most * one))
    with TestClient(create_app(path)) as c:
        html = c.get("/scenario?name=cn-ree-6m").text
        assert f'id="mc-draws" type="number" min="1" max="2000" value="{most}"' in html
        assert f"at most {most:,} draws" in html
        over = c.post("/api/runs", json={"scenario": "cn-ree-6m", "engine": "fast", "draws": most + 1})
        assert over.status_code == 400 and over.json()["field"] == "draws"


def test_the_default_web_limit_allows_a_plan_of_a_few_hundred_draws(tmp_path):
    # Batched draws cost a share of a one-off run (chain.cost.DRAW_SHARE); before, a 3-draw plan was refused.
    path = tmp_path / "web.duckdb"
    make_store(path)
    with chokepoint.open(path, read_only=True) as wb:
        assert limits.most_draws(wb, "cn-ree-6m", "KOR", 5e6) >= 200
