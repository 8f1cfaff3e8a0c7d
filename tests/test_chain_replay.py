"""Replays of the 2010-11 quota cut and the April 2025 licensing (docs/validation.md), fast engine.

These check the qualitative shape the model must get right on the bundled store, not its
figures: China's restricted exports fall in the window and recover after it, an importer
outside China with no strategic stock runs short during the window and not after it, and the
price index rises above 1 during the window and is back at 1 at the end.
"""
from __future__ import annotations

import numpy as np
import pytest

from chokepoint.chain import api
from chokepoint.chain.results import summary

REPLAYS = ["replay-2010-quota", "replay-2025-licensing"]
SETTLE = 8  # weeks after the window for industry stocks and the price to settle


def _run(wb, name: str, focal: str, **override):
    spec = wb.chain.load_scenario(name).model_copy(update=override)
    net, prob = wb.chain.problem(spec, focal)
    tr = api.engine("fast")(prob, None)
    r = spec.restrictions[0]
    return spec, net, prob, tr, r.start_week, r.start_week + r.duration_weeks


@pytest.mark.parametrize("name", REPLAYS)
def test_exports_and_price_move_in_the_window_and_recover(wb, name):
    # Trade mechanics only: substitution (which unwinds over years, by design) is held off here.
    spec, net, prob, tr, w0, w1 = _run(wb, name, "JPN", substitution_per_year=0.0)
    c = net.index("CHN")
    stages = [net.stages.index(s) for s in spec.restrictions[0].stages or net.stages]
    exports = tr.ship[:, stages, c, :].sum(axis=2) - tr.ship[:, stages, c, c]
    base = prob.flows[stages, c, :].sum(axis=1) - prob.flows[stages, c, c]
    assert (base > 0).all()
    assert (exports[:w0] >= 0.999 * base).all()  # untouched before the shock
    assert (exports[w0:w1].mean(axis=0) < (1 - 0.3) * base).all()  # both replays withhold > 30% on average
    assert (exports[w1 + SETTLE:] >= 0.99 * base).all()
    assert np.allclose(tr.price[:w0], 1.0)
    assert tr.price[w0:w1].max() > 1.05
    assert np.allclose(tr.price[w1 + SETTLE:], 1.0)


@pytest.mark.parametrize("name", REPLAYS)
def test_an_importer_without_stock_runs_short_only_in_the_window(wb, name):
    _, net, prob, tr, w0, w1 = _run(wb, name, "JPN", strategic_days={"JPN": 0.0})
    s = summary(tr, prob, net, "JPN")
    assert s["first_shortfall_week"] is not None
    assert w0 < s["first_shortfall_week"] < w1  # industry stock delays it, but not past the window
    c = net.index("JPN")
    short = tr.shortfall()[:, c].sum(axis=1)
    assert short[w0:w1].sum() > 0.01 * tr.demand[w0:w1, c].sum()
    assert short[w1 + SETTLE:].sum() <= 1e-6 * tr.demand[:, c].sum()


def test_strategic_stock_is_reported_in_its_stage_and_form(wb):
    spec, net, prob, tr, _, _ = _run(wb, "replay-2025-licensing", "JPN", strategic_days={"JPN": 90.0})
    s = summary(tr, prob, net, "JPN")
    held = {r["stage"]: r for r in s["stocks"]}
    stage = net.stages[net.stock_stage if net.stock_stage is not None else -1]
    row = held[stage]
    assert row["form"] == net.forms[net.stages.index(stage)]
    assert row["strategic_t"] > 0 and row["strategic_days"] > 0
    assert s["days_of_cover"][stage] == pytest.approx(row["days"])
    c, k = net.index("JPN"), net.stages.index(stage)
    can_convert = all(prob.cap[:, j, c].max() > 0 for j in range(k + 1, len(net.stages)))
    assert row["convertible"] == can_convert
    assert bool(row["note"]) == (not can_convert)
