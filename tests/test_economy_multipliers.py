"""Static kernels against Miller & Blair (2009), 2nd ed., section 2.3's two-sector example."""
from __future__ import annotations

import numpy as np
import pytest

from chokepoint.economy import multipliers as m

# Miller & Blair (2009), Table 2.3: Z, total output x and final demand f (sector 1, sector 2).
Z = np.array([[150.0, 500.0], [200.0, 100.0]])
X = np.array([1000.0, 2000.0])
F = np.array([350.0, 1700.0])
V = X - Z.sum(axis=0)  # 650, 1400 (the table's "payments sector")


def test_coefficients_and_leontief_inverse_match_the_book():
    A = m.technical(Z, X)
    np.testing.assert_allclose(A, [[0.15, 0.25], [0.20, 0.05]])
    L = m.leontief(A)
    # eq. (2.13): L = [[1.254, 0.330], [0.264, 1.122]]
    np.testing.assert_allclose(L, [[1.254, 0.330], [0.264, 1.122]], atol=5e-4)
    np.testing.assert_allclose(m.demand_driven(L, F), X)
    # section 2.3.4: f = (600, 1500) needs x = (1247.52, 1841.58)
    np.testing.assert_allclose(m.demand_driven(L, np.array([600.0, 1500.0])), [1247.52, 1841.58], atol=0.01)
    np.testing.assert_allclose(m.output_multipliers(L), [1.518, 1.452], atol=5e-4)


def test_ghosh_inverse_reproduces_output_from_value_added():
    B = m.allocation(Z, X)
    np.testing.assert_allclose(B, [[0.15, 0.50], [0.10, 0.05]])
    G = m.ghosh(B)
    np.testing.assert_allclose(G, np.array([[0.95, 0.5], [0.1, 0.85]]) / 0.7575)
    np.testing.assert_allclose(m.supply_driven(G, V), X)
    np.testing.assert_allclose(m.forward_multipliers(G), [1.45 / 0.7575, 0.95 / 0.7575])  # 1.914, 1.254
    # G = x̂⁻¹ L x̂ (Miller & Blair eq. 12.9)
    np.testing.assert_allclose(G, np.diag(1 / X) @ m.leontief(m.technical(Z, X)) @ np.diag(X))


def test_va_multipliers_sum_to_one_per_unit_of_final_demand():
    L = m.leontief(m.technical(Z, X))
    vc = m.va_coefficients(V, X)
    np.testing.assert_allclose(m.va_multipliers(L, vc), [1.0, 1.0])  # all final demand is value added


@pytest.mark.parametrize("share", [0.0, 0.3, 1.0])
def test_uniform_capacity_loss_removes_the_same_share_of_value_added(share):
    L, G = m.leontief(m.technical(Z, X)), m.ghosh(m.allocation(Z, X))
    out = m.capacity_loss(np.full(2, share), X, F, V, L, G)
    for key in ("backward_va", "forward_va", "direct_va"):
        np.testing.assert_allclose(out[key], share * V, atol=1e-9)


def test_single_sector_loss_spreads_forward_and_backward():
    L, G = m.leontief(m.technical(Z, X)), m.ghosh(m.allocation(Z, X))
    out = m.capacity_loss(np.array([0.5, 0.0]), X, F, V, L, G)
    assert out["forward_va"][1] > 0 and out["backward_va"][1] > 0
    np.testing.assert_allclose(out["backward_output"], 0.5 * 350 * L[:, 0])
    np.testing.assert_allclose(out["forward_output"], 0.5 * 650 * G[0, :])


def test_kernels_agree_with_pymrio_on_its_test_system():
    pymrio = pytest.importorskip("pymrio")
    io = pymrio.load_test().calc_system()
    Zt, xt = io.Z.to_numpy(), io.x.to_numpy().ravel()
    np.testing.assert_allclose(m.technical(Zt, xt), io.A.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(m.leontief(m.technical(Zt, xt)), io.L.to_numpy(), rtol=1e-9, atol=1e-12)
