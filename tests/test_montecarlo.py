"""Monte Carlo: distributions and sampling, chunk- and backend-independent results, storage, CLI."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from test_chain_api import spec, tiny  # noqa: F401 (the tiny store fixture)
from test_web_app import _wait, client, store  # noqa: F401 (the web fixtures)

import chokepoint
from chokepoint.chain import montecarlo as mc
from chokepoint.chain import scenario, uncertainty
from chokepoint.chain.uncertainty import Choice, Fixed, LogNormal, Normal, Triangular, Uniform
from chokepoint.errors import BadInput

UNCERTAIN = {"restrictions.0.duration_weeks": {"dist": "triangular", "low": 4, "mode": 8, "high": 16},
             "restrictions.0.depth": {"dist": "uniform", "low": 0.3, "high": 1.0},
             "restrictions.0.start_week": {"dist": "choice", "values": [1, 2, 4], "weights": [1, 2, 1]},
             "elasticity": {"dist": "lognormal", "median": 0.2, "sigma": 0.3, "high": 1.0},
             "strategic_days.KOR": {"dist": "normal", "mean": 30, "sd": 10, "low": 0, "high": 90},
             "recycling_lag_weeks": {"dist": "fixed", "value": 10}}


def mc_spec(**kw) -> scenario.Scenario:
    return spec(uncertain=UNCERTAIN, **kw)


def test_distributions_map_uniforms_through_their_inverse_cdf():
    u = np.array([1e-12, 0.25, 0.5, 0.75, 1 - 1e-12])
    assert np.allclose(Uniform(low=2, high=4).ppf(u)[1:4], [2.5, 3, 3.5])
    assert Triangular(low=0, mode=1, high=2).ppf(np.array([0.5]))[0] == pytest.approx(1.0)
    assert Normal(mean=5, sd=1).ppf(np.array([0.5]))[0] == pytest.approx(5)
    assert Normal(mean=5, sd=1, low=4, high=6).ppf(u).tolist()[::4] == [4, 6]
    assert LogNormal(median=0.04, sigma=0.5).ppf(np.array([0.5]))[0] == pytest.approx(0.04)
    assert Choice(values=[1, 2, 3], weights=[1, 0, 1]).ppf(u).tolist() == [1, 1, 3, 3, 3]  # 0.5 is the edge
    assert Fixed(value=7).ppf(u).tolist() == [7] * 5


@pytest.mark.parametrize("bad, words", [
    ({"restrictions.0.depth": {"dist": "uniform", "low": 0.5, "high": 1.2}}, "allows [0, 1]"),
    ({"restrictions.0.depth": {"dist": "normal", "mean": 0.5, "sd": 0.1}}, "give low/high"),
    ({"restrictions.3.depth": {"dist": "fixed", "value": 1}}, "not an index"),
    ({"weeks": {"dist": "fixed", "value": 5}}, "shared by every draw"),
    ({"priorities.defence": {"dist": "fixed", "value": 5}}, "shared by every draw"),
    ({"restrictions.0.by": {"dist": "fixed", "value": 1}}, "not a numeric scalar"),
    ({"nope": {"dist": "fixed", "value": 1}}, "no field 'nope'"),
    ({"elasticity": {"dist": "gamma"}}, "does not match"),
])
def test_bad_uncertain_names_the_path(tmp_path, bad, words):
    path = tmp_path / "u.yaml"
    path.write_text(json.dumps({**spec().model_dump(mode="json"), "uncertain": bad}))
    with pytest.raises(BadInput) as err:
        scenario.load(str(path))
    assert err.value.field.startswith("uncertain") and words in str(err.value)
    assert list(bad)[0] in str(err.value) or "gamma" in str(err.value)


@pytest.mark.parametrize("sampler", ["sobol", "lhs", "random"])
def test_draw_i_is_the_same_for_any_split(sampler):
    whole = uncertainty.uniforms(3, 11, sampler, 0, 3000, 3000)
    parts = [uncertainty.uniforms(3, 11, sampler, a, b, 3000) for a, b in mc.ranges(3000, 97)]
    assert np.array_equal(whole, np.concatenate(parts))
    assert not np.array_equal(whole, uncertainty.uniforms(3, 12, sampler, 0, 3000, 3000))
    assert whole.min() > 0 and whole.max() < 1
    # a space-filling design: every tenth of each axis holds about a tenth of the points
    counts = np.stack([np.histogram(whole[:, j], bins=10, range=(0, 1))[0] for j in range(3)])
    assert counts.min() > 240 and counts.max() < 360


def test_defaults_are_valid_for_every_shipped_scenario():
    for name in scenario.shipped():
        sc = mc.uncertain(scenario.load(name))
        assert sc.uncertain
        assert "restrictions.0.duration_weeks" in sc.uncertain


def _run(path, sc, n=24, seed=5, chunk=8, backend="local", workers=None):
    with chokepoint.open(path) as wb:
        return wb.chain.montecarlo(sc, country="KOR", n=n, seed=seed, chunk=chunk, backend=backend, workers=workers)


def _same(a: mc.MonteCarloResult, b: mc.MonteCarloResult) -> None:
    pd.testing.assert_frame_equal(a.draws, b.draws, check_exact=True)
    pd.testing.assert_frame_equal(a.bands, b.bands, check_exact=True)
    assert a.summary == b.summary


def test_same_seed_same_results_for_any_chunk_size(tiny):
    sc = mc_spec()
    first = _run(tiny, sc, chunk=24)
    for chunk in (1, 5, 64):
        _same(first, _run(tiny, sc, chunk=chunk))
    assert not first.draws.equals(_run(tiny, sc, seed=6).draws)
    assert first.draws["total_shortfall_t"].nunique() > 10, "the draws should differ"
    ints = first.draws["param:restrictions.0.duration_weeks"]
    assert (ints == ints.round()).all() and ints.between(4, 16).all()
    assert set(first.draws["param:restrictions.0.start_week"]) <= {1, 2, 4}


def test_a_pool_of_processes_gives_the_in_process_results(tiny):
    sc = mc_spec()
    _same(_run(tiny, sc, chunk=24), _run(tiny, sc, chunk=5, workers=2))


def test_fixed_draws_reproduce_the_deterministic_fast_run(tiny):
    """An independent oracle: with every parameter fixed, each draw is the `stress` fast run."""
    sc = spec(strategic_days={"KOR": 0}, uncertain={"restrictions.0.depth": {"dist": "fixed", "value": 0.8}})
    det = spec(strategic_days={"KOR": 0}, restrictions=[{**spec().restrictions[0].model_dump(), "depth": 0.8}])
    with chokepoint.open(tiny) as wb:
        ref = wb.chain.run(det, engine="fast").summary
    r = _run(tiny, sc, n=4, chunk=3)
    row = r.draws.iloc[3]
    assert row["total_shortfall_t"] == pytest.approx(ref["total_shortfall_t"], rel=1e-12)
    assert row["first_shortfall_week"] == ref["first_shortfall_week"]
    assert row["recovery_week"] == ref["recovery_week"]
    assert row["peak_price"] == pytest.approx(ref["price_multiple"])
    peak = max(v["peak_shortfall_share"] for v in ref["sectors"].values())
    assert max(row[c] for c in r.draws if c.startswith("peak:")) == pytest.approx(peak)
    assert r.summary["expected_shortfall_t"] == pytest.approx(ref["total_shortfall_t"])


def test_risk_figures_and_bands_match_a_direct_computation(tiny):
    r = _run(tiny, mc_spec(), n=200, chunk=64)
    d, s = r.draws, r.summary
    tot = np.sort(d["total_shortfall_t"].to_numpy())
    assert s["expected_shortfall_t"] == pytest.approx(tot.mean())
    assert s["cvar95_shortfall_t"] == pytest.approx(tot[-10:].mean())  # the worst 5% of 200
    assert s["p_any_week_over_20pct"] == pytest.approx((d["peak_shortfall_pct"] > 0.2).mean())
    assert s["shortfall_t"]["p50"] == tot[99]
    b = r.bands
    worst = b[(b["variable"] == "shortfall_share") & (b["sector"] == mc.ALL)]
    q = worst.pivot_table(index="week", columns="quantile", values="value")
    assert (q[0.05] <= q[0.5]).all() and (q[0.5] <= q[0.95]).all()
    assert q.to_numpy().max() <= 1 and q[0.95].max() >= d["peak_shortfall_pct"].quantile(0.5) - 1 / mc.BINS


def test_run_row_keeps_spec_and_seed_and_draws_are_stored(tiny):
    r = _run(tiny, mc_spec(), n=10, seed=42)
    with chokepoint.open(tiny) as wb:
        row = wb.chain.runs().iloc[0]
        assert row["kind"] == "montecarlo" and row["seed"] == 42
        stored = json.loads(row["spec"])
        assert stored["n"] == 10 and stored["uncertain"]["restrictions.0.depth"]["dist"] == "uniform"
        draws = wb.chain.draws(r.run_id)
        assert len(draws) == 10 and list(draws["draw"]) == list(range(10))
        assert json.loads(draws["params"][0]).keys() == UNCERTAIN.keys()
        assert draws["total_shortfall_t"].tolist() == r.draws["total_shortfall_t"].tolist()
        series = wb.store.df("SELECT * FROM run_series WHERE run_id = ?", [r.run_id])
        assert set(series["quantile"]) == {0.05, 0.5, 0.95}
        # the stored spec and seed reproduce the run
        again = wb.chain.montecarlo(scenario.Scenario.model_validate(
            {k: v for k, v in stored.items() if k in scenario.Scenario.model_fields}), n=10, seed=42)
    _same(r, again)


def test_bad_options_name_the_option(tiny):
    with chokepoint.open(tiny) as wb:
        for kw, field in (({"n": 0}, "n"), ({"chunk": 0}, "chunk"), ({"backend": "spark"}, "backend"),
                          ({"device": "tpu"}, "device"), ({"seed": -1}, "seed"), ({"address": "auto"}, "address"),
                          ({"workers": 0}, "workers")):
            with pytest.raises(BadInput) as err:
                wb.chain.montecarlo(mc_spec(), **{"n": 2, **kw})
            assert err.value.field == field


def test_sensitivity_finds_the_parameter_that_matters(tiny):
    sc = spec(strategic_days={"KOR": 0},
              uncertain={"restrictions.0.depth": {"dist": "uniform", "low": 0.2, "high": 1.0},
                         "recycling_lag_weeks": {"dist": "uniform", "low": 2, "high": 20}})  # no recycling: no effect
    with chokepoint.open(tiny) as wb:
        df = wb.chain.sensitivity(sc, base=16, metric="shortfall_pct")
    st = df.set_index("parameter")["ST"]
    assert st["restrictions.0.depth"] > 0.5 and abs(st["recycling_lag_weeks"]) < 0.05
    assert df.attrs["runs"] == 16 * 4


def test_cli_prints_tables_and_writes_the_fan_chart(tiny, tmp_path):
    from chokepoint.cli import main

    user = tmp_path / "u.yaml"
    user.write_text(mc_spec().model_dump_json())
    out = tmp_path / "out"
    assert main(["montecarlo", str(user), "--n", "16", "--seed", "1", "--chunk", "8", "--out", str(out),
                 "--db", str(tiny)]) == 0
    assert sorted(p.suffix for p in out.iterdir()) == [".csv", ".png"]
    assert main(["sensitivity", str(user), "--n", "4", "--out", str(out), "--db", str(tiny)]) == 0
    assert len(list(out.glob("*sobol*.png"))) == 1
    assert main(["montecarlo", str(user), "--n", "0", "--db", str(tiny)]) == 2


def test_cli_ray_without_ray_exits_2_with_the_install_hint(tiny, monkeypatch, capsys):
    import builtins

    from chokepoint.cli import main

    real = builtins.__import__

    def no_ray(name, *a, **kw):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("no ray")
        return real(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    assert main(["montecarlo", "cn-ree-6m", "--n", "4", "--backend", "ray", "--db", str(tiny)]) == 2
    assert "chokepoint[ray]" in capsys.readouterr().err


def test_cli_gpu_without_a_gpu_exits_2(tiny, capsys):
    from chokepoint.cli import main

    if mc.gpu_present():
        pytest.skip("a GPU is present")
    assert main(["montecarlo", "cn-ree-6m", "--n", "4", "--device", "gpu", "--db", str(tiny)]) == 2
    assert "no GPU" in capsys.readouterr().err


def test_a_monte_carlo_run_started_on_the_web_is_stored_and_charted(client):  # noqa: F811
    r = client.post("/api/runs", json={"scenario": "cn-ree-6m-uncertain", "country": "KOR", "draws": 12, "seed": 3})
    assert r.status_code == 202, r.text
    job = _wait(client, r.json()["job_id"])
    assert job["state"] == "done", job["error"]
    run = client.get(f"/api/runs/{job['run_id']}").json()
    assert run["has_bands"] and run["spec"]["seed"] == 3 and run["summary"]["draws"] == 12
    assert {"shortfall_share", "price_index"} <= set(run["figures"])
    assert run["risk"]["columns"] == ["figure", "value"] and "%" in run["risk"]["rows"][0][1]
    assert 'id="mc-button"' in client.get("/scenario?name=cn-ree-6m-uncertain").text
    assert 'id="mc-risk"' in client.get(f"/scenario?run={job['run_id']}").text
    assert client.post("/api/runs", json={"scenario": "cn-ree-6m", "draws": 10**6}).status_code in (400, 422)


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_gives_the_local_results_for_any_chunk_and_worker_count(tiny, local_ray):
    sc = mc_spec()
    local = _run(tiny, sc, n=20, chunk=20)
    _same(local, _run(tiny, sc, n=20, chunk=3, backend="ray"))
    _same(local, _run(tiny, sc, n=20, chunk=20, backend="ray"))
    assert math.isclose(local.summary["expected_shortfall_t"], local.draws["total_shortfall_t"].mean())


def test_the_report_of_a_monte_carlo_run_shows_its_risk_figures(tiny):
    from chokepoint.report import run_report

    res = _run(tiny, mc_spec(), n=8)
    with chokepoint.open(tiny) as wb:
        html = run_report.render(wb, res.run_id)
        stress = wb.chain.run(spec(), engine="fast")
        plain = run_report.render(wb, stress.run_id)
    assert "<h1>Monte Carlo" in html and "CVaR 95%" in html and "Risk figures" in html
    assert "<h1>Stress test" in plain and "Shortfall by sector" in plain and "%</td>" in plain


# --- draws compiled at once, the compiled kernel and the array-API (GPU) engine -------------------------

from test_chain_properties import random_network  # noqa: E402

from chokepoint.chain import draws as dr  # noqa: E402
from chokepoint.chain import fast, kernel, kernel_xp, problem  # noqa: E402

EVERY_PATH = {  # every numeric field problem.compile reads, varying at once
    "restrictions.0.start_week": {"dist": "choice", "values": [3, 5, 9]},
    "restrictions.0.announced_week": {"dist": "choice", "values": [0, 1, 3]},
    "restrictions.0.duration_weeks": {"dist": "choice", "values": [0, 4, 8, 30]},
    "restrictions.0.depth": {"dist": "choice", "values": [0.0, 0.5, 1.0]},
    "restrictions.0.licence_delay_weeks": {"dist": "choice", "values": [0, 3, 40]},
    "restrictions.0.approval_share": {"dist": "uniform", "low": 0, "high": 1},
    "restrictions.1.start_week": {"dist": "choice", "values": [2, 12]},
    "restrictions.1.depth": {"dist": "uniform", "low": 0.5, "high": 1.0},
    "ramp_share_per_year": {"dist": "lognormal", "median": 0.04, "sigma": 0.5, "high": 0.3},
    "spare_capacity": {"dist": "uniform", "low": 0, "high": 0.5},
    "substitution_per_year": {"dist": "uniform", "low": 0, "high": 0.5},
    "substitution_unwind_per_year": {"dist": "uniform", "low": 0, "high": 0.5},
    "substitution_max": {"dist": "uniform", "low": 0, "high": 0.5},
    "hoard_weeks": {"dist": "uniform", "low": 0, "high": 8},
    "restock_weeks": {"dist": "uniform", "low": 1, "high": 8},
    "elasticity": {"dist": "uniform", "low": 0.1, "high": 0.5},
    "demand_elasticity": {"dist": "uniform", "low": 0, "high": 0.3},
    "price_cap": {"dist": "uniform", "low": 2, "high": 9},
    "recycling_share": {"dist": "choice", "values": [0.0, 0.05]},
    "recycling_lag_weeks": {"dist": "choice", "values": [0, 5, 40]},
    "industry_cover_weeks": {"dist": "uniform", "low": 0, "high": 6},
    "strategic_days.KOR": {"dist": "uniform", "low": 0, "high": 90},
    "strategic_days.BBB": {"dist": "uniform", "low": 0, "high": 30},
    "release_start_week": {"dist": "choice", "values": [-3, 0, 6, 50]},
    "release_weeks": {"dist": "uniform", "low": 2, "high": 12},
    "projects.0.capacity_t_per_year": {"dist": "uniform", "low": 0, "high": 2000},
    "projects.0.start_week": {"dist": "choice", "values": [0, 10]},
}


def _net_spec(uncertain: dict, **kw) -> scenario.Scenario:
    """A two-restriction scenario on `random_network`'s countries (AAA restricts KOR and BBB, then everyone)."""
    r = {"by": ["AAA"], "scope": "named", "targets": ["KOR", "BBB"], "start_week": 9, "duration_weeks": 8,
         "profile": "licensing"}
    base = {"weeks": 24, "window_weeks": 6, "commit_weeks": 3,
            "restrictions": [r, {**r, "profile": "ban", "scope": "all"}],
            "projects": [{"country": "CCC", "stage": "s1", "capacity_t_per_year": 500, "start_week": 4}],
            "release_start_week": 0, "uncertain": uncertain}
    return scenario.Scenario.model_validate({**base, **kw})


def _shipped_on_random_network(name: str) -> scenario.Scenario:
    """A shipped scenario with its uncertain parameters (or the defaults), its restrictions by AAA."""
    sc = mc.uncertain(scenario.load(name))
    data = sc.model_dump()
    for r in data["restrictions"]:
        r.update(by=["AAA"], stages=None, allies=[], targets=["KOR"] if r["scope"] == "named" else r["targets"])
    data.update(projects=[], recycling_stage=None, strategic_stage=None, recycling_countries=None, priorities={})
    return scenario.Scenario.model_validate(data)


def _plan(sc: scenario.Scenario, n: int = 40, seed: int = 3, device: str = "cpu") -> mc.Plan:
    return mc.Plan(sc, random_network(5), {}, "KOR", n, seed, device)


@pytest.mark.parametrize("case", ["every path", *scenario.shipped()])
def test_draws_compiled_at_once_are_the_problems_compiled_one_by_one(case):
    """chain.draws follows problem.compile exactly: every array of every draw is the same number."""
    sc = _net_spec(EVERY_PATH) if case == "every path" else _shipped_on_random_network(case)
    plan = _plan(sc, n=64 if case == "every path" else 12)
    vals = plan.values(0, plan.n)
    vals = vals[[i for i, row in enumerate(vals) if case != "every path" or row[1] <= row[0]]]  # announced <= start
    d = plan.batch(vals)
    assert isinstance(d, dr.Draws) and d.n == len(vals) >= 10
    fields = [f for f in dr.KNOWN if f not in ("T", "sectors", "commit", "window")]
    for i, p in enumerate(plan.problems(vals)):
        q = d.problem(i)
        for f in fields:
            a, b = getattr(p, f), getattr(q, f)
            assert np.shape(a) == np.shape(b) and np.array_equal(a, b), (case, i, f)
        assert p.blocks() == q.blocks() and p.sectors == q.sectors
    if case == "every path":  # the shared arrays stay shared, the varying ones vary
        assert len(d.q) == len(d.flows) == len(d.demand0) == 1 and len(d.cap) == len(d.allow) == d.n
        assert {len(np.unique(getattr(d, f), axis=0)) > 1 for f in ("cap", "allow", "release", "stock_target",
                                                                    "recycled", "industry0", "strategic0")} == {True}


def test_a_draw_announced_after_it_starts_is_refused_naming_the_field():
    for values in ([12], [0, 12]):  # the first draw, or a later one, announced after the start (week 9)
        plan = _plan(_net_spec({"restrictions.0.announced_week": {"dist": "choice", "values": values}}), n=4)
        with pytest.raises(BadInput) as err:
            plan.batch(plan.values(0, 4))
        assert "restrictions.0" in err.value.field and "announced_week" in str(err.value)


@pytest.mark.parametrize("case", ["every path", "cn-ree-6m-uncertain", "cn-2025-licensing-uncertain"])
def test_the_kernel_on_compiled_draws_gives_the_numpy_engines_figures(case):
    sc = _net_spec(EVERY_PATH) if case == "every path" else _shipped_on_random_network(case)
    plan = _plan(sc, n=16)
    vals = plan.values(0, 16)
    d = plan.batch(vals[vals[:, 1] <= vals[:, 0]] if case == "every path" else vals)
    dem, srv, price = kernel.run(d)
    for i, tr in enumerate(fast.simulate(d.problems())):
        assert np.allclose(srv[i], tr.served, rtol=1e-9, atol=1e-9) and np.allclose(dem[i], tr.demand, rtol=1e-9)
        assert np.allclose(price[i], tr.price, rtol=1e-9)
    focal = kernel.run(d, plan.focal)
    assert np.array_equal(focal[1][:, :, 0], srv[:, :, plan.focal]) and np.array_equal(focal[2], price)
    assert (srv.sum(axis=(1, 2, 3)) < dem.sum(axis=(1, 2, 3)) * 0.999).any()  # the shocks bite


def test_the_cpu_and_numpy_devices_give_the_same_monte_carlo(tiny):
    a = _run_device(tiny, "cpu")
    b = _run_device(tiny, "numpy")
    for col in mc.DRAW_FIGURES:
        assert np.allclose(a.draws[col].astype(float), b.draws[col].astype(float), rtol=1e-9, atol=1e-9,
                           equal_nan=True), col
    assert a.draws["total_shortfall_t"].max() > 0


def _run_device(path, device):
    with chokepoint.open(path) as wb:
        return wb.chain.montecarlo(mc_spec(), country="KOR", n=12, seed=2, chunk=5, device=device)


def _xp_case(weeks: int = 16, n: int = 6) -> tuple[mc.Plan, dr.Draws]:
    plan = _plan(_shipped_on_random_network("cn-2025-licensing-uncertain").model_copy(update={"weeks": weeks}), n=n)
    return plan, plan.batch(plan.values(0, n))


def test_the_array_api_engine_on_numpy_gives_the_kernels_figures():
    for case in ("every path", "cn-ree-6m-uncertain"):
        sc = _net_spec(EVERY_PATH) if case == "every path" else _shipped_on_random_network(case)
        plan = _plan(sc, n=24)
        vals = plan.values(0, 24)
        d = plan.batch(vals[vals[:, 1] <= vals[:, 0]] if case == "every path" else vals)
        dem, srv, price = kernel.run(d)
        xd, xs_, xpr = kernel_xp.run(d, -1, np)
        scale = dem.max()
        assert np.abs(xs_ - srv).max() <= 1e-9 * scale and np.abs(xd - dem).max() <= 1e-9 * scale, case
        assert np.abs(xpr - price).max() <= 1e-9, case
        assert (srv.sum(axis=(1, 2, 3)) < dem.sum(axis=(1, 2, 3)) * 0.999).any()


def test_the_array_api_engine_uses_only_the_standard():
    """array-api-strict rejects anything outside the standard, so what passes here runs on CuPy and PyTorch."""
    xs = pytest.importorskip("array_api_strict", reason="array-api-strict is in the test extra")
    plan, d = _xp_case()
    dem, srv, price = kernel.run(d, plan.focal)
    xd, xsv, xpr = (np.asarray(a) for a in kernel_xp.run(d, plan.focal, xs))
    scale = dem.max()
    assert np.abs(xsv - srv[:, :, 0]).max() <= 1e-9 * scale and np.abs(xd - dem[:, :, 0]).max() <= 1e-9 * scale
    assert np.abs(xpr - price).max() <= 1e-9


def _gpu_libs() -> list[str]:
    import importlib.util

    return [m for m in ("cupy", "torch") if importlib.util.find_spec(m) is not None] or ["none"]


@pytest.mark.parametrize("lib", _gpu_libs())
def test_the_gpu_engine_gives_the_kernels_figures(lib):
    if lib == "none":
        pytest.skip("no CuPy or PyTorch installed: the GPU engine is not exercised here")
    pytest.importorskip("array_api_compat", reason="the GPU path needs array-api-compat (the gpu extra)")
    from array_api_compat import array_namespace

    if lib == "cupy":
        cp = pytest.importorskip("cupy")
        try:
            if cp.cuda.runtime.getDeviceCount() == 0:
                pytest.skip("CuPy is installed but sees no GPU")
        except Exception:  # noqa: BLE001 (no driver)
            pytest.skip("CuPy is installed but CUDA is not usable")
        xp, device = array_namespace(cp.zeros(1)), None
    else:
        torch = pytest.importorskip("torch")
        if not torch.cuda.is_available():
            pytest.skip("PyTorch is installed but sees no CUDA GPU")
        xp, device = array_namespace(torch.zeros(1)), "cuda"
    plan, d = _xp_case(weeks=24, n=64)
    dem, srv, price = kernel.run(d, plan.focal)
    got = [kernel_xp._host(a) for a in kernel_xp.run(d, plan.focal, xp, device)]
    scale = dem.max()
    assert np.abs(got[1] - srv[:, :, 0]).max() <= 1e-9 * scale and np.abs(got[2] - price).max() <= 1e-9


def test_gpu_without_a_gpu_names_what_is_missing(monkeypatch):
    monkeypatch.setattr(kernel_xp, "gpu_missing", lambda: "CuPy or PyTorch with a CUDA device (neither is installed)")
    with pytest.raises(BadInput) as err:
        mc.engine("gpu")
    assert err.value.field == "device" and "CuPy or PyTorch" in str(err.value) and "no GPU" in str(err.value)


def test_a_multi_input_network_runs_on_the_numpy_engine_and_the_compiled_ones_refuse_it():
    import dataclasses

    net = random_network(5)
    dag = type("DAG", (type(net),), {"linear": False})(**{f: getattr(net, f) for f in net.__dataclass_fields__})
    plan = mc.Plan(_shipped_on_random_network("cn-ree-6m-uncertain"), dag, {}, "KOR", 4, 1)
    assert plan.engine() is mc.numpy_engine and isinstance(plan.batch(plan.values(0, 4)), list)
    with pytest.raises(BadInput, match="linear"):
        mc.Plan(plan.spec, dag, {}, "KOR", 4, 1, "gpu").engine()

    probs = [dataclasses.replace(p, inputs=((), (0,), (0, 1))) for p in plan.problems(plan.values(0, 2))]
    assert not probs[0].linear
    for run in (kernel.simulate, lambda ps: kernel_xp.run(dr.Draws.stack(ps), -1, np)):
        with pytest.raises(BadInput, match="multi-input"):
            run(probs)


def test_a_monte_carlo_of_a_tolling_scenario_counts_the_tolled_stock(wb):
    # chain.draws does not compile tolling, so such draws are compiled one by one (and still batch).
    sc = type(wb.chain.load_scenario("cn-ree-6m")).model_validate({
        **wb.chain.load_scenario("cn-ree-6m").model_dump(), "name": "tolled", "tolling": [
            {"holder": "KOR", "host": "ROW", "stage": "separation", "tonnes": 2000, "capacity_t_per_year": 4000}]})
    base = wb.chain.montecarlo("cn-ree-6m", country="KOR", n=8, seed=3)
    tolled = wb.chain.montecarlo(sc, country="KOR", n=8, seed=3)
    assert tolled.summary["expected_shortfall_t"] < base.summary["expected_shortfall_t"]
