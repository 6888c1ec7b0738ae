"""Test budgets simulated side by side are each budget's own simulation, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from smmsim.scenarios.loader import load_scenario
from smmsim.simulator.engine import simulate
from smmsim.simulator.stacked import same_plan_but_the_test_budget, simulate_test_budgets
from smmsim.simulator.studies.evaluation import with_strategy
from smmsim.simulator.studies.sizing import parallel
from smmsim.simulator.studies.sizing.sweep import SweepSettings, run_sweep, with_test

KIDS = "scenarios/examples/kids-shop.yaml"
REPS, SEED = 1300, 11  # two RNG blocks, the second short


def with_budgets(path: str, budgets: list[float]):
    scenario = load_scenario(path)
    if scenario.strategy.type != "test-then-scale":
        scenario = with_strategy(scenario, "test-then-scale", path)
    days = scenario.strategy.test.days
    return [with_test(scenario, b, days, path) for b in budgets]


def assert_same_run(a, b) -> None:
    for name in a.totals:
        np.testing.assert_array_equal(a.totals[name], b.totals[name], err_msg=name)
        np.testing.assert_array_equal(a.monthly[name], b.monthly[name], err_msg=name)
    for day, measures in b.checkpoints.items():
        for name, values in measures.items():
            np.testing.assert_array_equal(a.checkpoints[day][name], values, err_msg=name)
    for name in a.strategy.ROWS:
        np.testing.assert_array_equal(getattr(a.strategy, name), getattr(b.strategy, name))
    for phase, spend in b.strategy.phase_spend.items():
        np.testing.assert_array_equal(a.strategy.phase_spend[phase], spend)
    assert a.scenario == b.scenario


@pytest.mark.parametrize("path", [KIDS, "scenarios/examples/sports-nutrition.yaml"])
def test_side_by_side_budgets_are_their_own_simulations(path):
    scenarios = with_budgets(path, [150.0, 700.0, 2400.0])
    together = simulate_test_budgets(scenarios, REPS, SEED)
    for scenario, result in zip(scenarios, together, strict=True):
        alone = simulate(scenario, replications=REPS, seed=SEED, daily_sample=0)
        assert_same_run(result, alone)


def test_only_test_budgets_may_differ():
    scenarios = with_budgets(KIDS, [300.0, 600.0])
    assert same_plan_but_the_test_budget(scenarios)
    seed = scenarios[1].model_copy(
        update={"campaign": scenarios[1].campaign.model_copy(update={"seed": 99})}
    )
    assert not same_plan_but_the_test_budget([scenarios[0], seed])
    assert not same_plan_but_the_test_budget(with_budgets(KIDS, [0.0, 600.0]))  # no test: apart
    with pytest.raises(ValueError, match="test budget only"):
        simulate_test_budgets([scenarios[0], seed], REPS, SEED)


def test_a_sweep_is_the_same_with_its_tests_side_by_side(monkeypatch):
    scenario = load_scenario(KIDS)
    settings = SweepSettings(replications=REPS, seed=SEED, points=6, workers=2)
    budgets = [0.0, 200.0, 500.0, 900.0, 1500.0, 2400.0]
    together = run_sweep(scenario, "kids", settings, budgets)
    monkeypatch.setattr(parallel.Simulations, "_side_by_side", lambda self, t: [[s] for s in t])
    alone = run_sweep(scenario, "kids", settings, budgets)
    assert [p.budget for p in together.points] == budgets
    for a, b in zip(together.points, alone.points, strict=True):
        for field in ("conversions", "spend", "regret", "testing_cost", "kept_best"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
