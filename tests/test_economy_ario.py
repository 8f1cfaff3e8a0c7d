"""The ARIO kernel against BoARIO 0.7.2 (the oracle), and its invariants.

Tolerance: production paths agree with BoARIO's to 1e-9 of each industry's baseline output
at every step (measured: about 1e-15, i.e. rounding).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.economy import ario, oracle, table

TOL = 1e-9
needs_boario = pytest.mark.skipif(not oracle.available(),
                                  reason="BoARIO is not installed: pip install 'boario>=0.7,<0.8' (the test extra) "
                                         "to check the ARIO kernel against it")


@pytest.fixture(scope="module")
def bundled():
    return table.bundled()


@pytest.fixture(scope="module")
def test_system():
    pymrio = pytest.importorskip("pymrio")
    return table.from_pymrio(pymrio.load_test().calc_system(), name="pymrio test system")


def _shock(t: table.IOTable, T: int, hits: dict[tuple[str, str], tuple[int, int, float]]) -> np.ndarray:
    d = np.zeros((T, t.n))
    for (region, sector), (start, end, depth) in hits.items():
        d[start:end, t.index(region, sector)] = depth
    return d


def _rel(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> float:
    return float((np.abs(p - q) / x[None, :]).max())


@needs_boario
def test_same_path_as_boario_on_pymrios_test_system(test_system):
    t = test_system
    d = _shock(t, 240, {("reg2", "manufactoring"): (5, 120, 0.5), ("reg4", "mining"): (30, 60, 0.8)})
    ours = ario.simulate(ario.baseline(t), d)[0]
    theirs = oracle.production(t, d)
    assert _rel(ours, theirs, ario.baseline(t).x) < TOL
    assert (ours[:, t.index("reg1")] < ario.baseline(t).x[t.index("reg1")] * (1 - 1e-4)).any()  # it spread


@needs_boario
def test_same_path_as_boario_on_the_bundled_table(bundled):
    t = bundled
    d = _shock(t, 300, {("KOR", "electrical-optical"): (7, 190, 0.6), ("KOR", "transport-equipment"): (14, 100, 0.3)})
    b = ario.baseline(t)
    ours, theirs = ario.simulate(b, d)[0], oracle.production(t, d)
    assert _rel(ours, theirs, b.x) < TOL
    assert (ours[:, t.index("JPN")] < b.x[t.index("JPN")] * (1 - 1e-4)).any()


@needs_boario
def test_same_path_as_boario_with_other_parameters(test_system):
    p = ario.Params(alpha_max=1.1, alpha_tau=180, psi=0.9, inventory_days=30, restoration_days=20)
    d = _shock(test_system, 150, {("reg3", "electricity"): (3, 80, 0.7)})
    b = ario.baseline(test_system, p)
    assert _rel(ario.simulate(b, d)[0], oracle.production(test_system, d, p), b.x) < TOL


@needs_boario
def test_same_path_as_a_boario_simulation_with_an_event(bundled):
    """BoARIO's own Simulation loop and EventArbitraryProd (60% and 30% losses in Korea for 90 days, then a
    30-day recovery): the capacity loss it applies each step, fed to the kernel, gives its production path."""
    pytest.importorskip("progressbar", reason="boario.simulation needs progressbar2 (in the test extra)")
    import tempfile
    import warnings

    from boario import logger
    from boario.event import EventArbitraryProd
    from boario.simulation import Simulation

    t = bundled
    mdl = oracle.model(t)
    hit = pd.Series([0.6, 0.3], index=pd.MultiIndex.from_tuples(
        [("KOR", "electrical-optical"), ("KOR", "transport-equipment")], names=["region", "sector"]))
    handlers = list(logger.handlers)
    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as tmp:
        warnings.simplefilter("ignore")
        sim = Simulation(mdl, n_temporal_units_to_sim=200, boario_output_dir=tmp)
        sim.add_event(EventArbitraryProd(impact=hit, occurrence=10, duration=90, recovery_tau=30))
        order = mdl.industries.get_indexer(t.industries)
        deltas, theirs = [], []
        for _ in range(200):
            sim.next_step()
            deltas.append(np.asarray(mdl.prod_cap_delta_tot)[order])
            theirs.append(mdl.production[order].copy())
        for h in [h for h in logger.handlers if h not in handlers]:  # Simulation adds a log file per run
            logger.removeHandler(h)
            h.close()
    d = np.array(deltas)
    assert d.max() == pytest.approx(0.6) and 0 < (d.max(axis=1) > 0).sum() < 200
    b = ario.baseline(t)
    assert _rel(ario.simulate(b, d)[0], np.array(theirs), b.x) < TOL


def test_zero_shock_leaves_output_unchanged(bundled):
    b = ario.baseline(bundled)
    path = ario.simulate(b, np.zeros((365, bundled.n)))[0]
    assert _rel(path, np.broadcast_to(b.x, path.shape), b.x) < 1e-12


def test_a_batch_is_its_scenarios_run_one_by_one(bundled):
    b = ario.baseline(bundled)
    rng = np.random.default_rng(7)
    d = np.zeros((3, 120, bundled.n))
    d[:, 10:60, :] = rng.uniform(0, 0.4, (3, 1, bundled.n))
    batch = ario.simulate(b, d)
    for s in range(3):
        np.testing.assert_allclose(batch[s], ario.simulate(b, d[s])[0], rtol=0, atol=1e-9 * b.x.max())


def _losses(b: ario.Baseline, d: np.ndarray, k: int) -> tuple[float, float]:
    """(output the shocked industry lost, output the world lost) over the run."""
    gap = b.x[None, None, :] - ario.simulate(b, d)
    return float(gap[..., k].sum()), float(gap.sum())


def _three(t, k, depth, extra, weeks, T=200):
    region, sector = t.industries[k]
    return (_shock(t, T, {(region, sector): (5, 5 + 7 * weeks, depth)}),
            _shock(t, T, {(region, sector): (5, 5 + 7 * weeks, min(depth + extra, 1.0))}),
            _shock(t, T, {(region, sector): (5, 12 + 7 * weeks, depth)}))


@settings(max_examples=15, deadline=None)
@given(k=st.integers(0, 59), depth=st.floats(0.05, 1.0), extra=st.floats(0.01, 0.1), weeks=st.integers(1, 20))
def test_a_bigger_or_longer_shock_never_reduces_the_shocked_industrys_loss(k, depth, extra, weeks):
    t = table.bundled()
    b = ario.baseline(t)
    base, bigger, longer = (_losses(b, d, k)[0] for d in _three(t, k, depth, extra, weeks))
    assert base > 0
    assert bigger >= base * (1 - 1e-12) and longer >= base * (1 - 1e-12)


@settings(max_examples=15, deadline=None)
@given(k=st.integers(0, 59), depth=st.floats(0.05, 0.7), extra=st.floats(0.01, 0.1), weeks=st.integers(1, 20))
def test_below_80_percent_a_bigger_or_longer_shock_never_reduces_world_losses(k, depth, extra, weeks):
    t = table.bundled()
    b = ario.baseline(t)
    base, bigger, longer = (_losses(b, d, k)[1] for d in _three(t, k, depth, extra, weeks))
    assert base > 0
    assert bigger >= base * (1 - 1e-12) and longer >= base * (1 - 1e-12)


@needs_boario
def test_near_total_losses_reroute_orders_as_in_boario(bundled):
    """Past about 85% the shocked supplier's clients re-route orders to other regions ("alt" orders),
    so the world can lose less than under a milder shock; BoARIO does the same."""
    t = bundled
    b = ario.baseline(t)
    world = []
    for depth in (0.884, 0.98):
        d = _shock(t, 200, {("KOR", "other-manufacturing"): (5, 131, depth)})
        ours, theirs = ario.simulate(b, d)[0], oracle.production(t, d)
        assert _rel(ours, theirs, b.x) < TOL
        world.append(float((b.x - theirs).sum()))
    assert world[1] < 0.6 * world[0]


def test_rejects_shocks_outside_zero_one(bundled):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ario.simulate(ario.baseline(bundled), np.full((3, bundled.n), 1.5))
