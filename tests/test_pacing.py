"""Pacing against monthly caps: the budget is spent, and no cap is ever exceeded."""

from __future__ import annotations

import numpy as np
import pytest

from smmsim.scenarios.loader import scenario_from_data
from smmsim.simulator.engine import simulate
from tests.helpers import minimal_scenario_data


def capped_run(caps: dict[int, float]):
    data = minimal_scenario_data()  # 60 days from 1 March: March, April
    data["campaign"]["monthly_caps"] = caps
    data["platforms"][0]["tools"][0]["learning"] = {"conversions": 0}
    return simulate(scenario_from_data(data, "s.yaml"), deterministic=True)


def test_a_tight_cap_in_the_last_month_moves_its_money_earlier():
    # Even pacing would give April about 5,000 of the 10,000; its cap allows 1,000, so March must
    # spend the other 9,000 or the budget is left unspent.
    result = capped_run({2: 1000.0})
    assert result.kpis(month=1)["spend"][0] == pytest.approx(1000.0, rel=1e-6)
    assert result.kpis()["spend"][0] == pytest.approx(10000.0, rel=1e-6)


def test_caps_that_cannot_hold_the_budget_leave_the_rest_unspent():
    result = capped_run({1: 2000.0, 2: 1000.0})
    assert result.kpis(month=0)["spend"][0] <= 2000.0 + 1e-9
    assert result.kpis()["spend"][0] == pytest.approx(3000.0, rel=1e-6)


def test_loose_caps_change_nothing():
    assert np.array_equal(
        capped_run({1: 9000.0, 2: 9000.0}).totals["spend"], capped_run({}).totals["spend"]
    )
