"""Multi-input chains: NdPr and Dy+Tb linked into NdFeB magnets (`ree-magnets`), in both engines.

The heavy-only scenario must short Korea's magnets through Dy+Tb while NdPr is free to flow,
and the shortfall must go when the Dy+Tb restriction is lifted.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chokepoint
from chokepoint.chain import fast, lp, montecarlo, problem, results
from chokepoint.chain.network import Network
from chokepoint.chain.scenario import Scenario
from chokepoint.errors import BadInput

HEAVY = "cn-heavy-ree-2025"
NDPR, MINE, DYTB, MAGNET = 0, 1, 2, 3
WORLD_TOL, FOCAL_TOL = 0.02, 0.10  # docs/model.md, "Tolerance"


@pytest.fixture(scope="module")
def ro(built_db):
    with chokepoint.open(built_db, read_only=True) as wb:
        yield wb


@pytest.fixture(scope="module")
def heavy(ro):
    """The shipped heavy-only scenario on the fast engine: (network, problem, trajectory)."""
    net, prob = ro.chain.problem(ro.chain.load_scenario(HEAVY), "KOR")
    return net, prob, fast.simulate([prob])[0]


def test_magnet_stage_takes_ndpr_and_dytb_in_the_recipe_ratio(ro):
    net = ro.chain.network("ree-magnets", "KOR")
    assert net.stages == ["ndpr-separation", "dytb-mine", "dytb-separation", "magnet"]
    assert net.links() == [(), (), (MINE,), (NDPR, DYTB)] and not net.linear
    net.check()
    made = net.q[MAGNET]
    # Each magnet maker takes both inputs at the recipe (chain_input rows), nothing else.
    assert np.allclose(net.need()[NDPR], made * 0.359, rtol=1e-9, atol=1e-9)
    assert np.allclose(net.need()[DYTB], made * 0.0103, rtol=1e-9, atol=1e-9)
    # NdPr is the binding input at baseline: all of it goes into magnets; Dy+Tb beyond the recipe
    # (3,083 t/yr separated) goes to uses outside the chain, and the network says so.
    assert net.q[NDPR].sum() * 52 == pytest.approx(72_900 / 0.909, rel=1e-6)
    assert net.q[DYTB].sum() * 52 < 3_083
    assert any("782 t/yr to uses outside it" in n for n in net.notes)
    assert any("estimated" in n for n in net.notes)
    assert net.q[MAGNET, net.index("CHN")] / made.sum() == pytest.approx(0.87)
    # The heavy sub-chain starts at the mine: Myanmar's ~half of heavy-REE mining feeds the separators.
    assert net.q[MINE, net.index("MMR")] / net.q[MINE].sum() == pytest.approx(0.5)
    assert np.allclose(net.need()[MINE], net.q[DYTB], rtol=1e-9)


def test_stocks_sit_at_their_own_material_bus(ro):
    net = ro.chain.network("ree-magnets", "KOR")
    prob = problem.compile(Scenario(family="ree-magnets"), net)
    k = net.index("KOR")
    # KOMIR's ~180-day neodymium stockpile is NdPr oxide: 180 days of Korea's magnet use in NdPr form,
    # never Dy+Tb or magnets.
    expect = 180 / 7 * prob.demand0[k].sum() * 0.359
    assert prob.strategic0[NDPR, k] == pytest.approx(expect, rel=1e-9)
    assert prob.strategic0[[MINE, DYTB, MAGNET], k].sum() == 0
    # Korea makes no magnets, so the oxide cannot reach its own use: the stocks table says so.
    tr = fast.simulate([prob])[0]
    row = results.stocks(tr, prob, net, k)[NDPR]
    assert not row["convertible"] and "magnet" in row["note"]
    assert row["strategic_days"] == pytest.approx(180, rel=1e-6)


def test_korea_demand_comes_from_the_sector_estimate_not_the_basket(ro):
    net = ro.chain.network("ree-magnets", "KOR")
    kor = net.demand[net.demand["country"] == "KOR"].set_index("sector")
    assert set(kor.index) == {"ev", "wind", "other-uses"}
    assert kor["baseline"].sum() * 52 == pytest.approx(8_850, rel=1e-6)
    assert (kor["source"] == "CHOKEPOINT_KOR_NDFEB_EST").all()
    src = ro.store.df("SELECT note FROM source WHERE key = 'CHOKEPOINT_KOR_NDFEB_EST'")["note"].item()
    assert "USD 640 million" in src and "estimate" in src
    # The estimate rows stay out of the REO chain: Korea's rare-earth use there is unchanged.
    reo = ro.chain.network("rare-earths", "KOR")
    assert reo.demand.loc[reo.demand["country"] == "KOR", "baseline"].sum() * 52 == pytest.approx(4002.014, rel=1e-6)


def test_heavy_only_restriction_shorts_magnets_through_dytb_while_ndpr_flows(heavy):
    net, prob, tr = heavy
    c, k, row = net.index("CHN"), net.index("KOR"), net.index("ROW")
    weeks = slice(6, 56)
    # Dy+Tb: China ships none abroad; magnet makers outside China use up their Dy+Tb stock.
    others = [i for i in range(len(net.countries)) if i != c]
    assert tr.ship[weeks, DYTB, c][:, others].sum() <= 1e-6
    assert tr.industry[:, DYTB, row].min() < 0.1 * prob.industry0[DYTB, row]
    # NdPr: not restricted, and its buyers are never short while the restriction lasts (they never
    # draw their NdPr stock) ...
    assert not prob.mask[:, NDPR].any()
    assert tr.industry[weeks, NDPR].min(axis=0) == pytest.approx(prob.industry0[NDPR], rel=1e-9)
    # ... yet magnet output outside China collapses, and China makes less NdPr: the cut goes upstream
    # to every input of the magnet stage.
    assert tr.prod[30, MAGNET, row] < 0.2 * prob.q[MAGNET, row]
    assert tr.prod[30, NDPR, c] < 0.99 * prob.q[NDPR, c]
    assert np.all(tr.industry[1:] <= np.maximum(prob.stock_target, prob.industry0[None]) + 1e-6)
    # Korea's magnets run short.
    short = tr.shortfall()[:, k].sum()
    assert short > 0.005 * tr.demand[:, k].sum()
    assert tr.balance_residual(prob) < 1e-6 * prob.q.max()


def test_lifting_the_dytb_restriction_removes_the_magnet_shortfall(ro):
    spec = ro.chain.load_scenario(HEAVY)
    lifted = spec.model_copy(update={"restrictions": [r.model_copy(update={"duration_weeks": 0})
                                                      for r in spec.restrictions]})
    net, prob = ro.chain.problem(lifted, "KOR")
    tr = fast.simulate([prob])[0]
    assert tr.shortfall().sum() <= 1e-6 * tr.demand.sum()


def test_engines_agree_on_the_multi_input_chain(ro, heavy):
    net, prob, tr_fast = heavy
    tr_lp = lp.simulate(prob)
    a, b = (results.summary(t, prob, net, "KOR") for t in (tr_fast, tr_lp))
    assert abs(a["world_shortfall_t"] - b["world_shortfall_t"]) <= WORLD_TOL * b["world_demand_t"]
    assert abs(a["total_shortfall_t"] - b["total_shortfall_t"]) <= FOCAL_TOL * b["total_demand_t"]
    assert b["total_shortfall_t"] > 0  # the LP sees Korea's magnet shortfall too
    assert tr_lp.balance_residual(prob) < 1e-6 * prob.q.max()
    # In the LP too, Dy+Tb (not NdPr) is what magnet makers outside China lack.
    row, c = net.index("ROW"), net.index("CHN")
    outside = [i for i in range(len(net.countries)) if i != c]  # (China may run its own NdPr stock down)
    assert tr_lp.industry[6:56, NDPR][:, outside].min(axis=0) == pytest.approx(prob.industry0[NDPR, outside],
                                                                              rel=1e-6)
    assert tr_lp.prod[30, MAGNET, row] < 0.2 * prob.q[MAGNET, row]


def test_monte_carlo_runs_a_multi_input_chain_on_numpy(heavy):
    net, prob, tr = heavy
    k = net.index("KOR")
    got = montecarlo.compiled_engine([prob], k)  # the compiled kernel knows linear chains only
    assert np.array_equal(got.served, np.stack([tr.served[:, k]]))


def test_a_linear_chain_is_the_one_input_case(ro):
    net = ro.chain.network("rare-earths", "KOR")
    assert net.linear and net.links() == [()] + [(s - 1,) for s in range(1, len(net.stages))]
    Y = net.yield_matrix()
    for s in range(1, len(net.stages)):
        assert np.array_equal(Y[s, s - 1], net.eta[s])
    assert np.allclose(net.to_final()[0], net.eta[1:].prod(axis=0))


def test_a_stage_feeding_two_stages_is_bad_input(wb):
    wb.store.con.execute("INSERT INTO chain_input (family, stage, input, t_per_t, source) "
                         "VALUES ('ree-magnets', 'dytb-separation', 'ndpr-separation', 1.0, 'CHOKEPOINT_CURATION')")
    with pytest.raises(BadInput, match="exactly one later stage"):
        wb.chain.network("ree-magnets", "KOR")


def _toy() -> Network:
    """A magnet-like DAG without the store: x made in A, y made in B, z made in A from 1 t x + 0.2 t y."""
    countries = ["A", "B", "ROW"]
    q = np.array([[10.0, 0, 0], [0, 2.0, 0], [10.0, 0, 0]])
    flows = np.zeros((3, 3, 3))
    flows[0, 0, 0], flows[1, 1, 0] = 10.0, 2.0          # inputs go to A's z plant
    flows[2, 0, 0], flows[2, 0, 1] = 5.0, 5.0           # z used in A and B
    Y = np.zeros((3, 3, 3))
    Y[2, 0], Y[2, 1] = 1.0, 5.0
    demand = pd.DataFrame({"country": ["A", "B"], "sector": ["all", "all"], "baseline": [5.0, 5.0], "source": "T"})
    return Network("toy", 2024, ["x", "y", "z"], ["oxide", "oxide", "magnet"], countries, q,
                   np.full((3, 3), np.nan), np.ones((3, 3)), flows, np.full((3, 3), "estimated", dtype=object),
                   demand, inputs=[(), (), (0, 1)], yields=Y)


@pytest.mark.parametrize("engine", ["fast", "lp"])
def test_a_cut_input_limits_the_stage_and_its_other_input_is_made_less(engine):
    net = _toy()
    net.check()
    spec = Scenario(family="toy", weeks=20, industry_cover_weeks=1.0, spare_capacity=0.0, ramp_share_per_year=0.0,
                    substitution_per_year=0.0, restrictions=[{"by": ["B"], "stages": ["y"], "scope": "all",
                                                               "start_week": 2, "duration_weeks": 12, "depth": 0.5}])
    prob = problem.compile(spec, net)
    tr = fast.simulate([prob])[0] if engine == "fast" else lp.simulate(prob)
    assert tr.balance_residual(prob) < 1e-6
    week = 10  # stocks long gone: half the y, so half the z, and A makes half the x it made
    assert tr.prod[week, 2, 0] == pytest.approx(5.0, rel=1e-3)
    assert tr.prod[week, 0, 0] == pytest.approx(5.0, rel=1e-3)
    assert tr.served[week].sum() == pytest.approx(5.0, rel=1e-3)
    assert tr.industry[:, 0, 0].max() <= prob.industry0[0, 0] + 1e-6  # unused x is not made, not stocked
    assert tr.served[18].sum() == pytest.approx(10.0, rel=1e-3)      # back once the cut ends
