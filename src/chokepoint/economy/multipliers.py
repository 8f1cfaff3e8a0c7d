"""Pure static input-output kernels: Leontief and Ghosh inverses, multipliers, output and value added at risk.

Conventions follow Miller & Blair (2009), *Input-Output Analysis*, 2nd ed., chapters 2 and 12:
`Z` is the intermediate matrix (rows sell to columns), `x` gross output, `f` final demand,
`v` value added (all in the table's money unit). Zero-output industries get zero coefficients.
"""
from __future__ import annotations

import numpy as np


def _safe_inv(x: np.ndarray) -> np.ndarray:
    return np.divide(1.0, x, out=np.zeros_like(x, dtype=float), where=x != 0)


def technical(Z: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Input coefficients A = Z x̂⁻¹ (column j: inputs per unit of j's output)."""
    return Z * _safe_inv(x)[None, :]


def allocation(Z: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Output (allocation) coefficients B = x̂⁻¹ Z (row i: share of i's output sold to each buyer)."""
    return Z * _safe_inv(x)[:, None]


def leontief(A: np.ndarray) -> np.ndarray:
    """Leontief inverse L = (I - A)⁻¹."""
    return np.linalg.inv(np.eye(len(A)) - A)


def ghosh(B: np.ndarray) -> np.ndarray:
    """Ghosh inverse G = (I - B)⁻¹."""
    return np.linalg.inv(np.eye(len(B)) - B)


def va_coefficients(v: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Value added per unit of output, v / x."""
    return v * _safe_inv(x)


def output_multipliers(L: np.ndarray) -> np.ndarray:
    """Simple output multipliers: column sums of L (output everywhere per unit of final demand for j)."""
    return L.sum(axis=0)


def va_multipliers(L: np.ndarray, va_coef: np.ndarray) -> np.ndarray:
    """Value-added multipliers: value added everywhere per unit of final demand for j."""
    return va_coef @ L


def forward_multipliers(G: np.ndarray) -> np.ndarray:
    """Ghosh (forward) multipliers: row sums of G (output everywhere per unit of i's primary inputs)."""
    return G.sum(axis=1)


def demand_driven(L: np.ndarray, df: np.ndarray) -> np.ndarray:
    """Output change Δx = L Δf after a final-demand change (backward linkages)."""
    return L @ df


def supply_driven(G: np.ndarray, dv: np.ndarray) -> np.ndarray:
    """Output change Δx' = Δv' G after a primary-input change (forward linkages)."""
    return dv @ G


def capacity_loss(delta: np.ndarray, x: np.ndarray, f: np.ndarray, v: np.ndarray,
                  L: np.ndarray, G: np.ndarray) -> dict[str, np.ndarray]:
    """Output and value added lost when each industry keeps only (1 - δ) of its capacity.

    Backward (Leontief): the industries' lost final deliveries δ∘f propagate to suppliers.
    Forward (Ghosh): their lost primary inputs δ∘v propagate to buyers, with no substitution
    (an upper bound). A uniform δ gives δ∘x either way. Returns per-industry arrays.
    """
    vc = va_coefficients(v, x)
    back = demand_driven(L, delta * f)
    fwd = supply_driven(G, delta * v)
    return {"direct_va": delta * v, "backward_output": back, "backward_va": vc * back,
            "forward_output": fwd, "forward_va": vc * fwd}
