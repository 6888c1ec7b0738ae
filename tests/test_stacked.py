"""Plans simulated side by side (test sizes, optimiser candidates) are each plan's own
simulation, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from smmsim.scenarios.loader import load_scenario
from smmsim.simulator.engine import simulate
from smmsim.simulator.stacked import (
    same_plan_but_the_test_size,
    side_by_side,
    simulate_side_by_side,
)
from smmsim.simulator.studies.evaluation import with_strategy
from smmsim.simulator.studies.optimiser.candidate import Candidate, Policy, plan_of
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
    together = simulate_side_by_side(scenarios, REPS, SEED)
    for scenario, result in zip(scenarios, together, strict=True):
        alone = simulate(scenario, replications=REPS, seed=SEED, daily_sample=0)
        assert_same_run(result, alone)


def test_only_test_budgets_may_differ():
    scenarios = with_budgets(KIDS, [300.0, 600.0])
    assert same_plan_but_the_test_size(scenarios)
    seed = scenarios[1].model_copy(
        update={"campaign": scenarios[1].campaign.model_copy(update={"seed": 99})}
    )
    assert not same_plan_but_the_test_size([scenarios[0], seed])
    assert not same_plan_but_the_test_size(with_budgets(KIDS, [0.0, 600.0]))  # no test: apart
    with pytest.raises(ValueError, match="differ only in"):
        simulate_side_by_side([scenarios[0], seed], REPS, SEED)


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


# Three splits of the paid ads and three test policies (lengths 7, 12 and 21 days, so that
# decisions, extensions and stop-loss checks fall on different days side by side).
SPLITS = [
    {"facebook/paid_ads": 0.6, "instagram/paid_ads": 0.3, "tiktok/paid_ads": 0.1},
    {"facebook/paid_ads": 0.2, "instagram/paid_ads": 0.2, "tiktok/paid_ads": 0.6},
    {"facebook/paid_ads": 0.34, "instagram/paid_ads": 0.33, "tiktok/paid_ads": 0.33},
]
POLICIES = [Policy(0.05, 7, 0.3), Policy(0.2, 12, 0.8), Policy(0.12, 21, 0.55)]


def candidates(scenario, policies=POLICIES) -> list:
    return [
        plan_of(scenario, Candidate(split, {}, p))
        for split, p in zip(SPLITS, policies, strict=True)
    ]


def assert_each_its_own(scenarios) -> list:
    together = simulate_side_by_side(scenarios, REPS, SEED)
    for scenario, result in zip(scenarios, together, strict=True):
        alone = simulate(scenario, replications=REPS, seed=SEED, daily_sample=0)
        assert_same_run(result, alone)
        np.testing.assert_array_equal(
            result.budget_arms.budget_share, alone.budget_arms.budget_share
        )
        assert set(result.checkpoints) == set(alone.checkpoints)
    return together


def test_candidate_policies_side_by_side_are_their_own_simulations():
    """The optimiser's test-then-scale candidates: test share, length and keep threshold, and
    the split the test follows, all differing."""
    scenario = load_scenario(KIDS)
    test = scenario.strategy.test.model_copy(update={"split": "planned"})
    scenario = scenario.model_copy(
        update={"strategy": scenario.strategy.model_copy(update={"test": test})}
    )
    results = assert_each_its_own(candidates(scenario))
    # The rules that run on a test's own days were exercised: an extension and a stop-loss cut
    # (or the comparison above would not reach them).
    assert any(r.strategy.extended.any() for r in results)
    assert any(r.strategy.cut.any() for r in results)


@pytest.mark.parametrize("strategy", ["fixed", "adaptive", "spread", "best-guess"])
def test_candidate_splits_side_by_side_are_their_own_simulations(strategy):
    scenario = with_strategy(load_scenario(KIDS), strategy, KIDS)
    assert_each_its_own(candidates(scenario, [None] * 3))


def test_what_side_by_side_plans_may_differ_in():
    scenario = load_scenario(KIDS)
    plans = candidates(scenario)
    assert side_by_side(plans)
    other = plans[1].model_copy(
        update={"campaign": plans[1].campaign.model_copy(update={"budget": 13000})}
    )
    assert not side_by_side([plans[0], other])
    no_test = plan_of(scenario, Candidate(SPLITS[0], {}, None))
    no_test = with_strategy(no_test, "best-guess", KIDS)
    assert not side_by_side([plans[0], no_test])  # another strategy
