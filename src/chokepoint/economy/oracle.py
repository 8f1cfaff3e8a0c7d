"""BoARIO as the validation oracle for the ARIO kernel (BoARIO is an optional test dependency).

BoARIO's `ARIOPsiModel` is stepped exactly as `Simulation.next_step` steps it (overproduction
from the third day, production, distribution, orders), with the capacity loss of each step
set through its `prod_cap_delta_arbitrary` property; BoARIO's own `EventArbitraryProd` is
documented in 0.7.2 as not recovering properly, so no event object is used.
"""
from __future__ import annotations

import warnings

import numpy as np

from chokepoint.economy.ario import Params
from chokepoint.economy.table import IOTable


def available() -> bool:
    try:
        import boario  # noqa: F401
    except ImportError:
        return False
    return True


def model(t: IOTable, params: Params = Params()):
    """A BoARIO ARIOPsiModel of the table with the same parameters as the kernel."""
    from boario.extended_models import ARIOPsiModel

    io = t.to_pymrio()
    io.calc_system()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ARIOPsiModel(io, order_type="alt", alpha_base=1.0, alpha_max=params.alpha_max,
                            alpha_tau=int(params.alpha_tau), main_inv_dur=params.inventory_days,
                            monetary_factor=1, temporal_units_by_step=int(params.step_days),
                            iotable_year_to_temporal_unit_factor=int(params.year_days),
                            psi_param=float(params.psi),
                            inventory_restoration_tau=int(params.restoration_days))


def production(t: IOTable, delta: np.ndarray, params: Params = Params()) -> np.ndarray:
    """BoARIO's production (T, N), in the table's industry order, under capacity losses (T, N)."""
    mdl = model(t, params)
    order = mdl.industries.get_indexer(t.industries)  # BoARIO sorts regions and sectors
    out = np.empty(delta.shape)
    for step in range(delta.shape[0]):
        d = np.empty(delta.shape[1])
        d[order] = delta[step]
        mdl.prod_cap_delta_arbitrary = d
        if step * params.step_days > 1:
            mdl.calc_overproduction()
        mdl.calc_production(step)
        mdl.distribute_production()
        mdl.calc_orders()
        out[step] = mdl.production[order]
    return out
