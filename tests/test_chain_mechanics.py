"""Chain mechanics, one test per fixed defect (issue "Chain model v2"): each would have caught it."""
from __future__ import annotations

import numpy as np
import pytest

from chokepoint.chain import fast, lp, problem, results
from chokepoint.chain.network import WEEKS_PER_YEAR
from chokepoint.chain.scenario import Restriction, Scenario
from chokepoint.errors import BadInput, NotFound

from test_chain_properties import LP_NET, random_network

ENGINES = {"fast": lambda p: fast.simulate([p])[0], "lp": lp.simulate}


def _spec(**kw) -> Scenario:
    base = {"weeks": 30, "industry_cover_weeks": 1.0, "window_weeks": 6, "commit_weeks": 3,
            "restrictions": [Restriction(by=["AAA"], scope="named", targets=["KOR", "BBB"], start_week=2,
                                         duration_weeks=8)]}
    return Scenario(**{**base, **kw})


def test_spare_capacity_ramps_at_the_documented_rate():
    """ramp_share_per_year of world output per year: after 26 weeks, half of 4% (was 52x slower)."""
    net = random_network(3)
    sc = _spec(spare_capacity=1.0, ramp_share_per_year=0.04)
    p = problem.compile(sc, net)
    free = [i for i, c in enumerate(net.countries) if c != "AAA"]
    added = (p.cap[2 + 25] - p.q)[:, free].sum(axis=1)  # 26 weeks of ramp, from the shock's week
    expected = np.minimum(0.04 * net.q.sum(axis=1) * 26 / WEEKS_PER_YEAR, net.q[:, free].sum(axis=1))
    assert np.allclose(added, expected, rtol=1e-9)


@pytest.mark.parametrize("engine", ENGINES)
def test_price_returns_to_baseline_after_the_shock_with_demand_response(engine):
    """Demand lost to price is not a shortage: the price falls back once supply returns."""
    sc = _spec(demand_elasticity=0.2, weeks=30, restrictions=[Restriction(by=["AAA"], scope="all", start_week=2,
                                                                          duration_weeks=8)])
    p = problem.compile(sc, LP_NET)
    tr = ENGINES[engine](p)
    end = 2 + 8
    assert tr.price[2:end].max() > 1.05
    settle = 2 * sc.commit_weeks  # one block for demand to see the price, one for the price to see supply
    assert (tr.price[end + settle:] <= 1.1).all(), tr.price


def test_price_index_measures_served_against_current_demand():
    assert problem.price_index(np.array([80.0]), np.array([80.0]), 0.2, 9.0)[0] == 1.0
    assert problem.price_index(np.array([80.0]), np.array([100.0]), 0.2, 9.0)[0] == pytest.approx(0.8 ** -5)


@pytest.mark.parametrize("engine", ENGINES)
def test_substitution_only_where_short_and_it_unwinds(engine):
    sc = _spec(substitution_per_year=1.0, substitution_unwind_per_year=1.0, weeks=40,
               restrictions=[Restriction(by=["AAA"], scope="all", start_week=2, duration_weeks=8)])
    p = problem.compile(sc, LP_NET)
    tr = ENGINES[engine](p)
    d, d0 = tr.demand.sum(axis=2), p.demand0.sum(axis=1)
    short = tr.shortfall().sum(axis=(0, 2)) > 1e-6
    never = [i for i in range(len(d0)) if not short[i] and d0[i] > 0]
    assert np.allclose(d[:, never], d0[never])                # nobody substitutes without a shortage
    hit = [i for i in range(len(d0)) if short[i]]
    assert hit and (d[:, hit].min(axis=0) < 0.999 * d0[hit]).all()
    assert np.allclose(d[-1], d0)                               # and it unwinds once supply is back


@pytest.mark.parametrize("engine", ENGINES)
def test_each_restriction_applies_its_own_profile_to_its_own_targets(engine):
    """A ban on KOR and a 50% cut on BBB by the same exporter: BBB is not cut to zero."""
    cuts = [Restriction(by=["AAA"], scope="named", targets=["KOR"], start_week=2, duration_weeks=6, depth=1.0),
            Restriction(by=["AAA"], scope="named", targets=["BBB"], start_week=2, duration_weeks=6, depth=0.5)]
    net = LP_NET
    p = problem.compile(_spec(restrictions=cuts, weeks=12), net)
    tr = ENGINES[engine](p)
    a, k, b = (net.countries.index(c) for c in ("AAA", "KOR", "BBB"))
    tol = 1e-6 * p.q.max()
    assert (tr.ship[2:8, :, a, k] <= tol).all()
    base = net.flows[:, a, b]
    assert (tr.ship[2:8, :, a, b] <= 0.5 * base + tol).all()
    assert (tr.ship[2:8, :, a, b].sum(axis=0) >= 0.45 * 6 * base - tol).all()


@pytest.mark.parametrize("engine", ENGINES)
def test_no_engine_acts_before_an_announcement(engine):
    """Announced at its start, a ban leaves every stock and output at baseline until it starts."""
    p = problem.compile(_spec(restrictions=[Restriction(by=["AAA"], scope="all", start_week=6,
                                                        duration_weeks=6)]), LP_NET)
    tr = ENGINES[engine](p)
    assert np.allclose(tr.industry[:7], p.industry0[None], atol=1e-6 * p.q.max())
    assert np.allclose(tr.prod[:6], p.q[None], atol=1e-6 * p.q.max())


@pytest.mark.parametrize("engine", ENGINES)
def test_an_early_announcement_helps_and_the_run_says_so(engine):
    """Known six weeks ahead, a ban costs no more; the fast engine's buyers pre-position stock."""
    runs = {}
    for known in (6, 0):
        ban = Restriction(by=["AAA"], scope="all", start_week=6, announced_week=known, duration_weeks=6)
        p = problem.compile(_spec(restrictions=[ban], spare_capacity=0.5, ramp_share_per_year=2.0,
                                  hoard_weeks=2.0), LP_NET)
        runs[known] = (p, ENGINES[engine](p))
    (p, early), (_, late) = runs[0], runs[6]
    assert early.shortfall().sum() <= late.shortfall().sum() + 1e-6 * late.demand.sum()
    assert any("announced in week 0" in n and "pre-position" in n for n in results.foresight_notes(early, p))
    assert not results.foresight_notes(late, runs[6][0])
    if engine == "fast":
        buyers = p.mask[0].any(axis=1)
        assert (early.industry[6] * buyers).sum() > (p.industry0 * buyers).sum() * 1.01


@pytest.mark.parametrize("engine", ENGINES)
def test_stocks_never_grow_past_their_target(engine):
    """Demand falls (substitution) and a restrictor cannot sell: nobody's stock grows past its target."""
    p = problem.compile(_spec(substitution_per_year=1.0, weeks=40, restrictions=[
        Restriction(by=["AAA"], scope="all", start_week=2, duration_weeks=8)]), LP_NET)
    tr = ENGINES[engine](p)
    assert tr.industry[-1].sum() <= 1.01 * p.industry0.sum()
    assert (tr.industry[1:] - p.stock_target).max() <= 1e-6 * p.q.max()  # never above its target, anywhere


def test_a_priority_for_a_sector_the_network_lacks_is_an_error():
    with pytest.raises(BadInput, match="defense") as err:
        problem.compile(_spec(priorities={"defense": 3.0}), LP_NET)
    assert err.value.field == "priorities"
    assert problem.compile(_spec(priorities={"defence": 3.0}), LP_NET).priority.max() == 3.0


def test_a_family_without_output_data_fails_naming_what_is_missing(wb):
    with pytest.raises(NotFound, match="germanium.*no stage with output") as err:
        wb.chain.network("germanium", "KOR")
    assert err.value.field == "family" and "mine" in err.value.hint


def test_allied_buyers_are_served_first(wb):
    """cn-ree-6m-rcep: China spares RCEP; Korea and Japan keep supply while Germany runs short."""
    spec = wb.chain.load_scenario("cn-ree-6m-rcep")
    assert spec.restrictions[0].allies == ["RCEP"]
    net, p = wb.chain.problem(spec, "KOR")
    tr = fast.simulate([p])[0]
    ratio = tr.shortfall().sum(axis=(0, 2)) / np.maximum(tr.demand.sum(axis=(0, 2)), 1e-9)
    for ally in ("KOR", "JPN"):
        assert ratio[net.index(ally)] < 0.01
    assert ratio[net.index("DEU")] > 0.1


def test_stocks_stay_within_targets_on_the_bundled_chain(wb):
    """cn-ree-6m (fast): China's withheld output is not produced, so its stocks do not pile up."""
    net, p = wb.chain.problem(wb.chain.load_scenario("cn-ree-6m"), "KOR")
    tr = fast.simulate([p])[0]
    assert (tr.industry[1:] - p.stock_target).max() <= 1e-6 * p.q.max()
    assert tr.industry[-1].sum() <= p.industry0.sum() * 1.001


def test_a_draw_gives_the_same_answer_alone_and_in_a_batch():
    """Draws with other announcement weeks (other decision blocks) do not change each other."""
    probs = [problem.compile(_spec(substitution_per_year=1.0, demand_elasticity=0.2, restrictions=[
        Restriction(by=["AAA"], scope="all", start_week=7, announced_week=a, duration_weeks=6)]), LP_NET)
        for a in (1, 5, 7)]
    batch = fast.simulate(probs)
    for p, tr in zip(probs, batch):
        alone = fast.simulate([p])[0]
        assert np.allclose(tr.served, alone.served) and np.allclose(tr.demand, alone.demand)


def test_the_compiled_kernel_gives_the_fast_engines_figures():
    """chain.kernel (numba) against fast (NumPy), its definition: random networks and shocks."""
    from chokepoint.chain import kernel

    probs = [problem.compile(_spec(demand_elasticity=0.2, substitution_per_year=1.0, restrictions=[
        Restriction(by=["AAA"], scope=scope, targets=["KOR"], start_week=3, announced_week=a, duration_weeks=d,
                    depth=depth, profile=profile)]), random_network(seed))
        for seed, scope, a, d, depth, profile in [(1, "all", 3, 6, 1.0, "ban"), (2, "named", 0, 10, 0.6, "ban"),
                                                  (3, "all", 1, 12, 1.0, "licensing"), (4, "named", 3, 0, 1.0, "ban")]]
    demand, served, price = kernel.simulate(probs)
    for i, tr in enumerate(fast.simulate(probs)):
        assert np.allclose(served[i], tr.served, rtol=1e-9, atol=1e-9)
        assert np.allclose(demand[i], tr.demand, rtol=1e-9, atol=1e-9)
        assert np.allclose(price[i], tr.price, rtol=1e-9)
    assert served[0].sum() < demand[0].sum()  # the shock bites: the comparison is not of two baselines


def test_an_lp_solution_that_breaks_its_bounds_is_solved_again():
    """HiGHS has reported 'Optimal' for a re-solve whose rows were violated by hundreds of
    tonnes; the window checks every solution itself and solves such a window again."""
    p = problem.compile(_spec(), LP_NET)
    clean = lp.simulate(p)
    win = lp.window(p)
    true_solution = win.h.getSolution
    calls = []

    def false_optimum():
        sol = true_solution()
        if not calls:  # the first solve of the run: every column doubled, as a solver bug could return
            sol.col_value = [2 * v + 1.0 for v in sol.col_value]
        calls.append(1)
        return sol

    win.h.getSolution = false_optimum
    try:
        x = np.asarray(true_solution().col_value)
        assert win.violation(x) <= lp.FEASIBILITY_TOL
        assert win.violation(2 * x + 1.0) > lp.FEASIBILITY_TOL
        again = lp.simulate(p)
    finally:
        del win.h.getSolution
    assert len(calls) == len(p.blocks()) + 1  # the bad window was solved twice, the others once
    assert np.allclose(again.served, clean.served, atol=1e-6)
    assert np.allclose(again.industry, clean.industry, atol=1e-6)




def test_a_code_listed_under_two_hs_revisions_is_counted_once(wb):
    """`trade_code` lists a code once per HS revision; a trade row must weigh the same however many
    revisions list its code (a join on the table itself counted it once per revision)."""
    from chokepoint.chain import network
    countries = ["AUS", "CHN", "KOR", "USA", network.ROW]
    codes = list(wb.store.df("SELECT DISTINCT code FROM trade_code WHERE family = 'gallium' AND stage = 'refining' "
                             "ORDER BY code LIMIT 2")["code"])
    # an exporter shipping 10 t under each of two codes, to two partners
    for code, partner in zip(codes, ("KOR", "USA")):
        wb.store.con.execute("INSERT INTO trade VALUES (2024, 'AUS', ?, ?, 1e6, 10.0, 'exporter-reported', "
                             "'QENNIS_CN_COMTRADE')", [partner, code])
    wb.store.con.execute("INSERT INTO trade_code SELECT code, 'HS2012', description, family, material, stage, "
                         "note, source FROM trade_code WHERE code = ? LIMIT 1", [codes[0]])
    seed = network._trade_seed(wb.store, "gallium", "refining", 2024, countries)
    assert np.allclose(seed["AUS"], [0, 0, 0.5, 0.5, 0])


def test_a_stage_split_by_a_basket_code_says_so(wb):
    """Gallium's annual trade code also carries germanium, indium and more (its trade_code note): the
    network's notes name it, so a run does not pass the basket's partner shares off as gallium's."""
    from chokepoint.chain import network
    notes = network.build(wb.store, "gallium", "KOR").notes
    assert any("basket" in n and "811292" in n for n in notes)
    wb.store.con.execute("UPDATE trade_code SET note = 'Gallium only.' WHERE code = '811292'")
    assert not any("basket" in n for n in network.build(wb.store, "gallium", "KOR").notes)


def test_an_importers_customs_rows_split_its_imports_not_its_suppliers_exports(wb):
    """Korea's customs rows (importer-reported) name what Korea bought from Japan; taken as Japan's whole
    partner split they sent half of Japan's gallium to Korea. They now shape Korea's column only, and
    Korea's own tonnes there measure its use instead of the basket code's partner split (363 t/yr)."""
    from chokepoint.chain import network
    net = network.build(wb.store, "gallium", "KOR")
    jpn, kor = net.countries.index("JPN"), net.countries.index("KOR")
    assert net.flows[0, jpn, kor] / net.flows[0, jpn].sum() < 0.2  # was 0.5
    reported = wb.store.con.execute(
        "SELECT sum(quantity_t) FROM trade t WHERE basis = 'importer-reported' AND importer = 'KOR' AND code IN "
        "(SELECT code FROM trade_code WHERE family = 'gallium' AND stage = 'refining')").fetchone()[0]
    assert net.flows[0, :, kor].sum() * WEEKS_PER_YEAR == pytest.approx(reported, rel=1e-6)
    assert any("KOR's final use: its customs-reported imports" in n for n in net.notes)
    edges = net.edges()
    into = edges[(edges["importer"] == "KOR") & (edges["exporter"] != "KOR")]
    assert set(into["basis"]) == {"importer-reported"}
    net.check()


def test_a_seed_whose_zeros_leave_no_fit_gets_a_dense_prior_and_ships_only_real_output():
    """Trade shares that send nothing where use must go (here no one ships to the second country,
    which must take 0.5 t) have no exact RAS fit: rows were left off their totals, and output was then
    read "as shipped", inventing production. The fit mixes in a 1% production-share seed and says so."""
    from chokepoint.chain import network
    rows, cols = np.array([1.0, 1.0]), np.array([1.5, 0.5])
    seed = np.array([[1.0, 0.0], [1.0, 0.0]])
    assert not np.allclose(network.ras(seed, rows, cols).sum(axis=1), rows, rtol=1e-3)
    m, mixed = network._fit(seed, rows, cols)
    assert mixed and np.allclose(m.sum(axis=1), rows, rtol=1e-6) and np.allclose(m.sum(axis=0), cols, rtol=1e-6)
    fine, mixed = network._fit(np.ones((2, 2)), rows, cols)
    assert not mixed and np.allclose(fine.sum(axis=1), rows)


def test_value_only_customs_rows_give_the_importer_its_share_of_each_suppliers_exports(wb):
    """With values alone an importer's tonnes are its value share of each supplier's exports: exact
    where the supplier's total exports are in the store, an upper bound (said so) where they are not."""
    from chokepoint.chain import network
    wb.store.con.execute("UPDATE trade SET quantity_t = NULL WHERE basis = 'importer-reported'")
    wb.store.con.execute("DELETE FROM trade WHERE basis = 'importer-reported' AND exporter <> 'CHN'")
    v = wb.store.con.execute(
        "SELECT sum(value_usd) FROM trade WHERE basis = 'importer-reported' AND code IN "
        "(SELECT code FROM trade_code WHERE family = 'gallium')").fetchone()[0]
    total = wb.store.con.execute(
        "SELECT sum(value_usd) FROM trade WHERE basis = 'exporter-reported' AND exporter = 'CHN' AND year = 2024 AND "
        "code IN (SELECT code FROM trade_code WHERE family = 'gallium')").fetchone()[0]
    net = network.build(wb.store, "gallium", "KOR")
    chn, kor = net.countries.index("CHN"), net.countries.index("KOR")
    use = net.flows[0, :, kor].sum()
    assert use == pytest.approx((1 - network.HOME_SHARE) * net.q[0, chn] * v / total, rel=1e-3)
    assert any("values only" in n and "upper bound" not in n for n in net.notes)
    wb.store.con.execute("DELETE FROM trade WHERE basis = 'exporter-reported'")
    net = network.build(wb.store, "gallium", "KOR")
    use, notes = network._customs_use(wb.store, "gallium", "refining", 2024, net.countries, net.q[0], {})
    assert use["KOR"] == pytest.approx((1 - network.HOME_SHARE) * net.q[0, net.countries.index("CHN")]
                                       * WEEKS_PER_YEAR, rel=1e-6)
    assert any("values only" in n and "upper bound" in n for n in net.notes)


def test_an_imported_trade_file_seeds_the_chain_network(wb, tmp_path):
    """A user's BACI file is read by the stress test, not only by exposure: Malaysia's separated rare
    earths, estimated from production shares on the bundled data, take the file's partner split as their
    seed (the bundled magnet stage has no Japanese or Korean output to take them: RAS decides the rest)."""
    from chokepoint.chain import network
    before = network.build(wb.store, "rare-earths", "KOR")
    sep, mys = before.stages.index("separation"), before.countries.index("MYS")
    assert before.basis[sep, mys] == "estimated"
    folder = tmp_path / "baci"
    folder.mkdir()
    (folder / "country_codes_V202501.csv").write_text(
        "country_code,country_name,country_iso2,country_iso3\n458,Malaysia,MY,MYS\n392,Japan,JP,JPN\n"
        "410,\"Korea, Republic of\",KR,KOR\n")
    (folder / "product_codes_HS22_V202501.csv").write_text("code,description\n284690,generated\n")
    # t, exporter, importer, code, value (kUSD), quantity (t): 9 parts to Japan, 1 to Korea
    (folder / "BACI_HS22_Y2022_V202501.csv").write_text("t,i,j,k,v,q\n2022,458,392,284690,9000,900\n"
                                                       "2022,458,410,284690,1000,100\n")
    wb.exposure.import_baci(folder)
    after = network.build(wb.store, "rare-earths", "KOR")
    i, jpn, kor = after.countries.index("MYS"), after.countries.index("JPN"), after.countries.index("KOR")
    assert after.basis[sep, i] == "trade"
    seed = network._trade_seed(wb.store, "rare-earths", "separation", after.year, after.countries)
    assert seed["MYS"][jpn] == pytest.approx(0.9) and seed["MYS"][kor] == pytest.approx(0.1)
    after.check()


def test_a_final_use_from_a_basket_and_its_scaling_are_said(wb):
    """Korea's nickel use comes from KOMIR's import basket (ores, mattes, chemicals, batteries weighed
    together), 3.0 Mt against the world's 3.6 Mt of refined nickel, and is scaled to fit world output: the
    network's notes say both, so a run does not pass the figure off as Korea's contained use."""
    from chokepoint.chain import network
    net = network.build(wb.store, "nickel", "KOR")
    given = wb.store.con.execute("SELECT quantity_t FROM import_total WHERE importer = 'KOR' AND material = 'nickel' "
                                 "ORDER BY year DESC LIMIT 1").fetchone()[0]
    got = net.flows[-1, :, net.countries.index("KOR")].sum() * WEEKS_PER_YEAR
    assert got < given
    assert any("KOR's final use: its total imports" in n and "basket" in n and "upper bound" in n for n in net.notes)
    assert any(f"scaled from {given:,.0f} to {got:,.0f} t/yr" in n for n in net.notes)
