"""Policy levers, loan finance and the budgeted optimizer on the bundled Korean rare-earth chain."""
from __future__ import annotations

import math

import numpy as np
import pytest

import chokepoint
from chokepoint.chain.scenario import Scenario
from chokepoint.cli import main
from chokepoint.errors import BadInput
from chokepoint.policy import finance, levers, money, optimize
from chokepoint.policy.sample import cvar, measure

N = 48
TOL = 1e-6


@pytest.fixture(scope="module")
def pwb(tmp_path_factory):
    path = tmp_path_factory.mktemp("policy") / "p.duckdb"
    with chokepoint.open(path) as wb:
        wb.build()
        yield wb


def _spec(pwb, **over) -> Scenario:
    base = pwb.chain.load_scenario("cn-ree-6m").model_dump()
    return Scenario.model_validate({**base, "weeks": 52, **over})


def _sample(pwb, spec=None, lever_set=None, n=N, seed=3):
    return pwb.policy.sample(spec or _spec(pwb), "KOR", n=n, seed=seed, lever_set=lever_set)


def _long_ban(pwb) -> Scenario:
    """A ban longer than the horizon in every draw (duration drawn in [60, 80] weeks)."""
    r = {**pwb.chain.load_scenario("cn-ree-6m").restrictions[0].model_dump(), "duration_weeks": 70}
    return _spec(pwb, restrictions=[r], uncertain={"restrictions.0.duration_weeks": {"dist": "uniform", "low": 60,
                                                                                       "high": 80},
                                                   "elasticity": {"dist": "uniform", "low": 0.1, "high": 0.4}})


def test_more_stock_is_never_worse_draw_by_draw(pwb):
    s = _sample(pwb, lever_set=[levers.make("stock", max_level=4000)])
    runs = [s.shortfall({"stock": t}) for t in (0.0, 300.0, 1000.0, 3000.0)]
    for a, b in zip(runs, runs[1:]):
        assert np.all(b <= a + TOL)
    assert runs[-1].mean() < 0.5 * runs[0].mean()  # and it matters


def test_an_oxide_stock_cannot_reach_a_country_without_magnet_capacity(pwb):
    s = _sample(pwb, lever_set=[levers.make("stock", max_level=4000, stage="separation")])
    np.testing.assert_allclose(s.shortfall({"stock": 3000.0}), s.shortfall({}), atol=TOL)


def test_an_offtake_from_the_restricting_supplier_does_not_help_during_its_ban(pwb):
    lv = [levers.make("offtake", max_level=4000, supplier="CHN", start_week=0)]
    s = _sample(pwb, spec=_long_ban(pwb), lever_set=lv)
    base, more = s.shortfall({}), s.shortfall({"offtake": 4000.0})
    assert np.all(more >= base - TOL)


def test_a_project_starting_after_the_shock_ends_does_not_help(pwb):
    spec = _spec(pwb, uncertain={"elasticity": {"dist": "uniform", "low": 0.1, "high": 0.4}})  # ban weeks 4-30
    early = [levers.make("offtake", max_level=4000, start_week=0)]
    late = [levers.make("offtake", max_level=4000, start_week=31)]
    s_early, s_late = _sample(pwb, spec=spec, lever_set=early), _sample(pwb, spec=spec, lever_set=late)
    base = s_late.shortfall({})
    np.testing.assert_allclose(s_late.shortfall({"offtake": 4000.0}), base, atol=1e-6 * max(base.max(), 1))
    assert s_early.shortfall({"offtake": 4000.0}).mean() < base.mean()
    proj = _sample(pwb, spec=spec, lever_set=[levers.make("project", max_level=5000)])  # 104-week lead time
    np.testing.assert_allclose(proj.shortfall({"project": 5000.0}), base, atol=1e-6 * max(base.max(), 1))


def test_recycling_and_substitution_do_not_hurt_and_substitution_helps(pwb):
    s = _sample(pwb, lever_set=[levers.make("recycling", max_level=0.3), levers.make("substitution", max_level=0.5)])
    base = s.shortfall({})
    assert np.all(s.shortfall({"recycling": 0.3}) <= base + TOL)
    assert s.shortfall({"substitution": 0.5}).mean() < base.mean()


def test_lever_costs_convert_with_the_bundled_fx(pwb):
    s = _sample(pwb, lever_set=levers.defaults(), n=1)
    stock = s.levers[0]
    usd = 1000 * stock.price_usd_per_kg + stock.holding_usd_per_t_year * 52 / 52.0
    assert math.isclose(stock.cost_krw(1.0, s.ctx), usd * money.per_usd("KRW"), rel_tol=1e-12)
    assert math.isclose(money.per_usd("KRW", 2025), 1421.3963)
    proj = s.levers[2]
    assert math.isclose(proj.expected_capacity(1000), 1000 * 0.5 * 0.9)
    with pytest.raises(BadInput, match="not in this network"):
        levers.make("offtake", max_level=1, supplier="ATL").apply(s.scenarios[0], 1.0, s.ctx)
    with pytest.raises(BadInput, match="levers are"):
        levers.make("quota")
    sub = s.levers[4]  # one year of substitution at the added rate: level × annual use × cost per kg
    assert math.isclose(sub.cost_krw(0.2, s.ctx), 0.2 * s.ctx.use_t_per_year * 1000 * 30.0 * money.per_usd("KRW"))


# -- tolling and price instruments ----------------------------------------------------------------

def test_an_oxide_stock_held_abroad_without_tolling_never_reaches_korea(pwb):
    """Why tolling is needed: a stock is drawn only for its holder's own use, and an oxide stock in a
    country without magnet output (JPN, USA) or with a capacity-bound magnet plant (ROW) serves no one."""
    from chokepoint.chain import fast, problem

    spec = _spec(pwb)
    net, blocs = pwb.chain.network(spec.family, "KOR", spec.year), pwb.chain.blocs()
    k = net.index("KOR")

    def korea(**over):
        tr = fast.simulate([problem.compile(Scenario.model_validate({**spec.model_dump(), **over}), net, blocs)])[0]
        return tr.shortfall()[:, k].sum()

    base = korea()
    for holder in ("ROW", "JPN", "USA"):
        assert korea(strategic_stage="separation", strategic_days={"KOR": 0.0, holder: 365.0}) == pytest.approx(base)


def test_tolling_compiles_to_the_holders_stock_and_the_hosts_reserved_capacity(pwb):
    from chokepoint.chain import problem

    spec = _spec(pwb)
    net, blocs = pwb.chain.network(spec.family, "KOR", spec.year), pwb.chain.blocs()
    k, row, chn = net.index("KOR"), net.index("ROW"), net.index("CHN")
    toll = {"holder": "KOR", "stage": "separation", "tonnes": 500.0, "capacity_t_per_year": 1040.0, "lead_weeks": 2}
    plain = problem.compile(spec, net, blocs)
    p = problem.compile(Scenario.model_validate({**spec.model_dump(), "tolling": [{**toll, "host": "ROW"}]}), net, blocs)
    start = spec.restrictions[0].start_week + 2
    made = 500.0 * net.eta[2, row]
    assert p.strategic0[2, k] == pytest.approx(plain.strategic0[2, k] + made)
    rate = p.release[:, 2, k] - plain.release[:, 2, k]
    assert np.all(rate[:start] == 0) and rate[start] == pytest.approx(20.0)  # 1,040 t/yr
    assert rate.sum() == pytest.approx(made)                                  # reserved until it is all made
    np.testing.assert_allclose(plain.cap[:, 2, row] - p.cap[:, 2, row], rate / 1.0, atol=1e-9)
    c = problem.compile(Scenario.model_validate({**spec.model_dump(), "tolling": [{**toll, "host": "CHN"}]}), net, blocs)
    ban = slice(spec.restrictions[0].start_week, spec.restrictions[0].start_week + spec.restrictions[0].duration_weeks)
    assert np.all(c.release[ban, 2, k] == plain.release[ban, 2, k])          # China's magnet route is closed
    assert np.all(c.cap[ban, 2, chn] == plain.cap[ban, 2, chn])
    j = problem.compile(Scenario.model_validate({**spec.model_dump(), "tolling": [{**toll, "host": "JPN"}]}), net, blocs)
    np.testing.assert_array_equal(j.release, plain.release)                   # no magnet capacity in Japan
    np.testing.assert_array_equal(j.strategic0, plain.strategic0)             # so nothing joins the stock
    with pytest.raises(BadInput, match="before the last stage"):
        problem.compile(Scenario.model_validate({**spec.model_dump(), "tolling": [{**toll, "host": "ROW",
                                                                                    "stage": "magnet"}]}), net, blocs)


def test_tolling_helps_only_where_conversion_capacity_exists(pwb):
    hosts = {"ROW": "ROW", "JPN": "JPN", "USA": "USA", "CHN": "CHN"}
    lv = [levers.make("tolling", name=h, host=h, max_level=3000) for h in hosts]
    s = _sample(pwb, spec=_long_ban(pwb), lever_set=lv)
    base = s.shortfall({})
    row = s.shortfall({"ROW": 1500.0})
    assert np.all(row <= base + TOL) and row.mean() < 0.8 * base.mean()
    for host in ("JPN", "USA"):    # no magnet plant in the bundled data: nothing to convert with
        np.testing.assert_allclose(s.shortfall({host: 1500.0}), base, atol=TOL)
    np.testing.assert_allclose(s.shortfall({"CHN": 1500.0}), base, atol=TOL)  # capacity, but its route is closed


def test_tolling_the_existing_stock_costs_only_the_fee_and_uses_korea_s_oxide(pwb):
    own = levers.make("tolling", name="own", existing=True, max_level=5000)
    bought = levers.make("tolling", name="bought", max_level=5000)
    s = _sample(pwb, lever_set=[own, bought], n=8)
    held = 180.0 / 7.0 * s.ctx.use_t_per_week  # the stock table's 180 days, as oxide (yield 1 to magnets)
    y = s.ctx.net.eta[2, s.ctx.net.index("ROW")]
    assert math.isclose(own.cost_krw(1.0, s.ctx), 20_000.0 * y * money.per_usd("KRW"))
    assert bought.cost_krw(1.0, s.ctx) > 5 * own.cost_krw(1.0, s.ctx)
    sc = own.apply(s.scenarios[0], 1e6, s.ctx)               # capped at what is held, and it leaves home
    assert sc.tolling[0].tonnes == pytest.approx(held, rel=1e-6) and sc.strategic_days["KOR"] == pytest.approx(0)
    part = own.apply(s.scenarios[0], 0.25 * held, s.ctx)
    assert part.strategic_days["KOR"] == pytest.approx(135.0)
    both = bought.apply(own.apply(s.scenarios[0], held, s.ctx), 3000, s.ctx)  # one host share for both contracts
    host = s.ctx.net.q[-1, s.ctx.net.index("ROW")] * 52.0
    assert sum(t.capacity_t_per_year for t in both.tolling) == pytest.approx(0.25 * host)
    np.testing.assert_allclose(s.shortfall({"own": held}), s.shortfall({"bought": held}), atol=TOL)


def test_unconvertible_tolled_oxide_never_leaks_through_a_magnet_stock_and_prune_drops_it(pwb):
    """Tolled oxide that no reservation can convert (no host capacity, or the host's share already
    taken) must not reach Korea through the magnet stock's release; the optimizer's prune drops it."""
    lv = [levers.make("stock", max_level=4000), levers.make("tolling", name="own", existing=True, max_level=2000),
          levers.make("tolling", name="bought", max_level=4000), levers.make("tolling", name="jpn", host="JPN",
                                                                              max_level=4000)]
    s = _sample(pwb, lever_set=lv, n=8)
    stock = s.shortfall({"stock": 300.0})
    np.testing.assert_allclose(s.shortfall({"stock": 300.0, "jpn": 1000.0}), stock, atol=TOL)
    own = s.shortfall({"stock": 300.0, "own": 2000.0})
    np.testing.assert_allclose(s.shortfall({"stock": 300.0, "own": 2000.0, "bought": 500.0}), own, atol=TOL)
    levels, joint = optimize.prune(s, {"stock": 300.0, "own": 2000.0, "bought": 500.0},
                                   s.shortfall({"stock": 300.0, "own": 2000.0, "bought": 500.0}), "expected")
    assert levels == {"stock": 300.0, "own": 2000.0}
    np.testing.assert_allclose(joint, own, atol=TOL)


def test_a_floor_helps_only_with_unrestricted_supply_arriving_within_the_horizon(pwb):
    mk = lambda name, **f: levers.make("floor", name=name, stage="magnet", max_level=8000, **f)  # noqa: E731
    lv = [mk("free", lead_weeks=0), mk("china", lead_weeks=0, producers=["CHN"]), mk("late", lead_weeks=60)]
    s = _sample(pwb, lever_set=lv, n=16)                                   # ban weeks 4-30 drawn, 52-week horizon
    base = s.shortfall({})
    assert s.shortfall({"free": 8000.0}).mean() < 0.97 * base.mean()
    np.testing.assert_allclose(s.shortfall({"late": 8000.0}), base, atol=TOL)  # arrives after the horizon
    banned = _sample(pwb, spec=_long_ban(pwb), lever_set=lv, n=16)          # China's extra output, under its ban
    assert banned.shortfall({"china": 8000.0}).mean() >= banned.shortfall({}).mean() - TOL
    sc = lv[0].apply(s.scenarios[0], 8000.0, s.ctx)
    assert [p.country for p in sc.projects] == ["ROW"]                   # the only non-Chinese magnet maker
    assert sum(p.capacity_t_per_year for p in sc.projects) == pytest.approx(0.3 * (110 / 51 - 1) * 8000.0)


def test_floor_and_tariff_cost_models(pwb):
    s = _sample(pwb, lever_set=levers.defaults(), n=1)
    fx, years = money.per_usd("KRW"), 52 / 52.0
    gov = levers.make("floor", max_level=1)
    assert math.isclose(gov.cost_krw(1000.0, s.ctx), 1000.0 * 1000 * (110 - 51) * years * fx)
    assert gov.buyers_cost_krw(1000.0, s.ctx) == 0
    buyers = levers.make("floor", max_level=1, payer="buyers")
    assert buyers.cost_krw(1000.0, s.ctx) == 0
    assert math.isclose(buyers.buyers_cost_krw(1000.0, s.ctx), gov.cost_krw(1000.0, s.ctx))
    assert levers.make("floor", max_level=1, floor_usd_per_kg=40.0).cost_krw(1000.0, s.ctx) == 0  # below market
    tariff = levers.make("tariff", max_level=1)
    assert tariff.cost_krw(0.25, s.ctx) == 0
    assert math.isclose(tariff.buyers_cost_krw(0.25, s.ctx), 0.25 * 200_000 * s.ctx.use_t_per_year * years * fx)
    assert "tariff" not in {lv.kind for lv in levers.defaults()} and "floor" in {lv.kind for lv in levers.defaults()}


def test_a_tariff_helps_only_through_unrestricted_producers(pwb):
    lv = [levers.make("tariff", name="t", lead_weeks=0, max_level=0.5),
          levers.make("tariff", name="t-china", lead_weeks=0, producers=["CHN"], max_level=0.5)]
    s = _sample(pwb, lever_set=lv, n=16)
    assert s.shortfall({"t": 0.5}).mean() < s.shortfall({}).mean()
    banned = _sample(pwb, spec=_long_ban(pwb), lever_set=lv, n=16)
    assert banned.shortfall({"t-china": 0.5}).mean() >= banned.shortfall({}).mean() - TOL


# -- finance: hand-computed cases -------------------------------------------------------------------

def _one(p=0.3, capex=100e9, s=0.0, cap=1000.0, h=0.0, lead=52, appetite=1.0):
    return [finance.Candidate(name="a", host="VNM", capex_krw=capex, success_probability=p, capacity_t_per_year=cap,
                              lead_time_weeks=lead, political_haircut=h, interest_subsidy=s,
                              firm_max_loss_share=appetite)]


def test_finance_one_project_by_hand():
    o = finance.outcome(100e9, finance.OLD, _one(), draws=200_000)
    assert o["loans_krw"] == 50e9 and o["projects_funded"] == 1
    assert math.isclose(o["expected_fiscal_cost_krw"], 50e9 * 0.7 * 0.8)           # 28 bn
    assert math.isclose(o["fiscal_cost_sd_krw"], 50e9 * 0.8 * math.sqrt(0.3 * 0.7))
    assert math.isclose(o["expected_capacity_t_per_year"], 300.0)
    assert abs(o["simulated_mean_krw"] - 28e9) < 0.01 * 28e9
    n = finance.outcome(100e9, finance.NEW, _one(s=0.1, h=0.2))
    assert math.isclose(n["expected_fiscal_cost_krw"], 70e9 * (0.7 * 0.9 + 0.3 * 0.1))  # 46.2 bn
    assert math.isclose(n["expected_capacity_t_per_year"], 1000 * 0.3 * 0.8)


def test_finance_budget_firm_appetite_and_lead_time():
    pipe = _one(capex=100e9) + _one(capex=40e9, appetite=0.5) + _one(capex=10e9)
    old = finance.fund(60e9, finance.OLD, pipe)        # loans 50, (declined: loss 0.6 > 0.5), 5 → both fit
    assert old["funded"].tolist() == [True, False, True] and old["applies"].tolist() == [True, False, True]
    new = finance.fund(80e9, finance.NEW, pipe)        # loans 70, 28 (no longer fits), 7
    assert new["funded"].tolist() == [True, False, True] and new["applies"].all()
    assert math.isclose(finance.OLD.firm_loss_share, 0.6) and math.isclose(finance.NEW.firm_loss_share, 0.37)
    assert finance.outcome(100e9, finance.OLD, _one(lead=200), by_week=78)["expected_capacity_t_per_year"] == 0


def test_finance_old_vs_new_on_the_seed_budgets():
    df = finance.compare(finance.FUND_KRW)
    old, new = df.iloc[0], df.iloc[1]
    assert old["terms"].startswith("old") and new["projects_funded"] >= old["projects_funded"]
    assert new["expected_fiscal_cost_krw"] > old["expected_fiscal_cost_krw"]
    assert finance.LOAN_BUDGET_KRW == 67.5e9 and finance.FUND_KRW == 250e9


# -- optimizer -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_plan(pwb):
    s = _sample(pwb, lever_set=levers.defaults(), n=N)
    return s, optimize.plan(s, 150e9, "expected", "cn-ree-6m", budgets=(0.5, 1.0))


def test_the_portfolio_beats_nothing_and_every_single_lever_in_and_out_of_sample(small_plan):
    s, r = small_plan
    fresh = s.fresh(s.plan.seed + optimize.OOS_SEED_OFFSET)
    assert r.choice.cost_krw <= r.budget_krw * (1 + 1e-9)
    for risk in ("expected", "cvar95"):
        assert measure(r.choice.shortfall, risk) <= measure(r.curves.base, risk) + TOL
    assert measure(r.chosen_oos, "expected") <= measure(r.base_oos, "expected") + TOL
    for i, lv in enumerate(s.levers):   # the lever alone, at the budget's worth (a grid point)
        x = min(lv.max_level, r.budget_krw / lv.cost_krw(1.0, s.ctx))
        j = int(np.argmin(abs(r.curves.levels[i] - x)))
        assert measure(r.choice.shortfall, "expected") <= r.curves.shortfall[i, j].mean() + TOL
        assert r.chosen_oos.mean() <= fresh.shortfall({lv.name: x}).mean() + TOL


def test_cvar_plan_and_the_frontier_falls_with_budget(pwb, small_plan):
    s, r = small_plan
    risks = r.frontier.sort_values("budget_krw")["risk_t"].to_numpy()
    assert np.all(np.diff(risks) <= TOL)
    for row in r.frontier.itertuples():  # every frontier point beats each lever alone at that budget
        for i, lv in enumerate(s.levers):
            x = min(lv.max_level, row.budget_krw / lv.cost_krw(1.0, s.ctx))
            j = int(np.argmin(abs(r.curves.levels[i] - x)))
            assert math.isclose(r.curves.levels[i, j], x, rel_tol=1e-9, abs_tol=1e-9)
            assert row.risk_t <= r.curves.shortfall[i, j].mean() + TOL
    c = optimize.plan(s, 150e9, "cvar95", budgets=(1.0,))
    assert cvar(c.choice.shortfall) <= cvar(c.curves.base) + TOL
    assert set(r.portfolio()["lever"]) == {lv.name for lv in s.levers}
    assert len(r.risk_table()) == 2 and set(r.marginal["lever"]) == {lv.name for lv in s.levers}


def test_milp_follows_the_cheaper_response(pwb):
    """Two synthetic levers: the MILP spends on the one with the better fitted response."""
    base = np.array([10.0, 20.0, 30.0])
    lv = np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]])
    cost = np.array([[0.0, 1e9, 2e9], [0.0, 1e9, 2e9]])
    sf = np.stack([np.stack([base, base * 0.5, base * 0.25]), np.stack([base, base * 0.9, base * 0.8])])
    c = optimize.Curves(["good", "poor"], lv, cost, sf, base)
    got = optimize.solve(c, 2e9, "expected")
    assert math.isclose(got["good"], 2.0, abs_tol=1e-6) and got["poor"] < 1e-6
    got = optimize.solve(c, 1e9, "cvar95")
    assert math.isclose(got["good"], 1.0, abs_tol=1e-6)
    got = optimize.solve(c, 2e9, "expected", frozenset({"good"}))  # a pruned lever's money goes elsewhere
    assert got["good"] < 1e-6 and math.isclose(got["poor"], 2.0, abs_tol=1e-6)


def test_cli_plan_and_finance(pwb, tmp_path, capsys):
    code = main(["plan", "--db", str(pwb.path), "--country", "KOR", "--scenario", "cn-ree-6m", "--budget", "100e9",
                 "--currency", "KRW", "--n", "16", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "portfolio" in out and "out-of-sample" in out and "frontier" in out
    assert (tmp_path / "cn-ree-6m-KOR-plan-expected.png").stat().st_size > 0
    row = pwb.store.df("SELECT kind, seed, spec->>'budget_krw' AS b FROM run WHERE kind = 'plan'")
    assert len(row) >= 1 and float(row["b"].iloc[-1]) == 100e9
    assert main(["finance", "--db", str(pwb.path), "--budget", "67.5e9"]) == 0
    assert "new (70% / 90%)" in capsys.readouterr().out
    assert main(["plan", "--db", str(pwb.path), "--risk", "worst", "--n", "4", "--out", str(tmp_path)]) == 2


def test_every_lever_field_is_documented_and_docs_name_every_lever():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "policy.md").read_text(encoding="utf-8")
    for kind, cls in levers.KINDS.items():
        assert f"`{kind}`" in text, f"docs/policy.md lacks lever {kind}"
        for name, f in cls.model_fields.items():
            assert name == "kind" or f.description, f"{kind}.{name} has no description"
    assert "chokepoint plan" in text and "chokepoint finance" in text


def test_the_common_sample_reproduces_the_monte_carlo_run(pwb):
    """Do-nothing on the policy sample is `montecarlo.run` draw by draw (same seed, same engine)."""
    from chokepoint.chain import montecarlo as mc

    s = _sample(pwb, n=24, seed=11)
    r = mc.run(s.plan)
    np.testing.assert_allclose(s.shortfall({}), r.draws["total_shortfall_t"].to_numpy(), rtol=1e-12, atol=1e-9)
    fresh = s.fresh(12)
    assert fresh.plan.seed == 12 and not np.allclose(fresh.shortfall({}), s.shortfall({}))
    runs = s.evaluations
    np.testing.assert_array_equal(s.shortfall({"stock": 0.0}), s.shortfall({}))
    assert s.evaluations == runs  # a portfolio already run is not run again (level 0 = not held)
