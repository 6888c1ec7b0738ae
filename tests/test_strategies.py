"""What the budget strategies do, on stochastic runs with fixed seeds.

Every comparison between strategies is paired: runs with one seed share each replication's true
rates and daily noise (common random numbers), so a difference is judged by the 90% confidence
interval of its per-replication mean, not by two noisy averages. Margins are stated where used.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from smmsim.scenarios.loader import scenario_from_data
from smmsim.simulator.engine import simulate
from smmsim.simulator.result import Result
from smmsim.simulator.strategies.base import true_conversions_per_money
from smmsim.simulator.studies.evaluation import StrategyRun, evaluate
from smmsim.simulator.studies.outcome import strategy_outcome

SEED = 20270301
REPS = 2000
Z90 = 1.6448536269514722


def platform(name: str, cvr: float, cvr_sd: float = 0.003, **tool: Any) -> dict[str, Any]:
    """One platform with one paid-ads arm; only the conversion rate tells arms apart."""
    return {
        "name": name,
        "audience": 2_000_000,
        "tools": [
            {
                "type": "paid_ads",
                "cpm": {"mean": 5.0, "sd": 0.5},
                "ctr": {"mean": 0.01, "sd": 0.002},
                "join_rate": {"mean": 0.03, "sd": 0.005},
                "cvr": {"mean": cvr, "sd": cvr_sd} if cvr_sd else cvr,
                **tool,
            }
        ],
    }


def known_platform(name: str, cvr: float) -> dict[str, Any]:
    """An arm whose every rate is known exactly: nothing for a test to learn. No learning phase,
    and auction pressure that doubles the CPM at 1000 a day, so concentrating money costs."""
    tool = {"type": "paid_ads", "cpm": 5.0, "ctr": 0.01, "join_rate": 0.03, "cvr": cvr}
    tool |= {"learning": {"conversions": 0}, "auction": {"s_half": 1000.0}}
    return {"name": name, "audience": 2_000_000, "tools": [tool]}


def scenario(platforms: list, strategy: dict, target: float = 40.0):
    data = {
        "campaign": {"name": "strategies", "start": date(2027, 3, 1), "days": 90, "budget": 30000},
        "platforms": platforms,
        "strategy": strategy,
        "kpis": [{"target": f"cpa <= {target}"}],
    }
    return scenario_from_data(data, "strategies.yaml")


def run(platforms: list, strategy: dict, **kwargs: Any) -> Result:
    return simulate(scenario(platforms, strategy, **kwargs), replications=REPS, seed=SEED)


def run_with_oracle(platforms: list, strategy: dict) -> StrategyRun:
    return evaluate(scenario(platforms, strategy), replications=REPS, seed=SEED)


def paired_mean_interval(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """90% confidence interval of the mean of a - b over replications."""
    diff = a - b
    half = Z90 * diff.std(ddof=1) / np.sqrt(diff.size)
    return diff.mean() - half, diff.mean() + half


def conversions(result: Result) -> np.ndarray:
    return result.kpis()["conversions"]


EQUAL_UNCERTAIN = [platform(name, 0.01) for name in ("alpha", "beta", "gamma")]
ONE_CLEARLY_BEST = [platform("alpha", 0.02), platform("beta", 0.006), platform("gamma", 0.004)]
TEST_THEN_SCALE = {"type": "test-then-scale"}


# --- test-then-scale: what the decision keeps ----------------------------------------------------


def test_identical_arms_are_kept_equally_often():
    # Same priors, so by symmetry each arm is the top one in a third of the replications; four
    # standard errors of a proportion from 2000 replications is about 0.042.
    result = run(EQUAL_UNCERTAIN, {"type": "test-then-scale", "decision": {"rule": "top_k"}})
    kept = result.strategy.kept.mean(axis=0)
    tolerance = 4 * np.sqrt(1 / 3 * 2 / 3 / REPS)
    assert np.all(np.abs(kept - 1 / 3) < tolerance), kept


def test_a_clearly_best_arm_is_kept_after_an_ample_test():
    strategy = {"type": "test-then-scale", "test": {"days": 21, "budget_share": 0.2}}
    result = run(ONE_CLEARLY_BEST, strategy)
    assert result.strategy.kept[:, 0].mean() >= 0.95


def test_a_zero_test_budget_scales_the_best_prior_arm_from_day_one():
    """No test: the decision is taken before day 1 on the priors alone, with no minimum evidence
    to wait for; top_k keeps the arm with the best prior CPA in every replication, and no money
    goes to a test phase."""
    strategy = {
        "type": "test-then-scale",
        "test": {"budget": 0, "min_conversions": 40},
        "decision": {"rule": "top_k", "k": 1},
    }
    result = run(ONE_CLEARLY_BEST, strategy)
    record = result.strategy
    assert record.kept[:, 0].all() and not record.kept[:, 1:].any()
    assert (record.chosen == 0).all()
    assert not record.phase_spend["test"].any() and not record.extended.any()
    spend = result.kpis(result.arm_mask(0))["spend"]
    assert spend == pytest.approx(result.kpis()["spend"])  # every unit of money on that arm


def test_an_arm_without_enough_evidence_extends_the_test_or_is_dropped():
    # 5 conversions a day between three arms cannot give each 40 in 7 days.
    test = {"days": 7, "budget_share": 0.05, "min_conversions": 40}
    extend = run(ONE_CLEARLY_BEST, {"type": "test-then-scale", "test": test})
    drop = run(
        ONE_CLEARLY_BEST,
        {"type": "test-then-scale", "test": {**test, "if_insufficient": "drop"}},
    )
    assert extend.strategy.extended.mean() > 0.9
    assert not drop.strategy.extended.any()
    # Dropped for want of evidence, the arms leave nothing to scale but the "best" fallback.
    assert (drop.strategy.kept.sum(axis=1) == 1).all()


def test_the_test_spends_its_budget_in_its_days():
    strategy = {"type": "test-then-scale", "test": {"days": 14, "budget": 3000.0}}
    result = run(ONE_CLEARLY_BEST, {**strategy, "test": {**strategy["test"], "extend_days": 1}})
    spent = result.checkpoints[14]["spend"]
    # Fixed daily test budgets are delivered unless an audience saturates (it cannot here), less
    # the fraction of an impression each arm cannot buy each day (about a cent: 42 arm-days).
    assert (spent <= 3000.0 + 1e-9).all() and (spent > 3000.0 - 1.0).all()
    total = sum(result.strategy.phase_spend.values())
    assert total == pytest.approx(result.kpis()["spend"], rel=1e-12)


# --- strategies against each other ---------------------------------------------------------------


@pytest.mark.parametrize(
    "strategy", ["fixed", "spread", "best-guess", "test-then-scale", "adaptive"]
)
def test_the_oracle_is_at_least_as_good_as_every_strategy_on_average(strategy):
    platforms = [dict(p, tools=[dict(p["tools"][0], budget_share=1 / 3)]) for p in ONE_CLEARLY_BEST]
    found = run_with_oracle(platforms, {"type": strategy})
    assert conversions(found.oracle).mean() >= conversions(found.result).mean()


def test_test_then_scale_beats_spread_when_the_arms_differ_a_lot():
    spread = run(ONE_CLEARLY_BEST, {"type": "spread"})
    tested = run(ONE_CLEARLY_BEST, TEST_THEN_SCALE)
    low, _ = paired_mean_interval(conversions(tested), conversions(spread))
    # Spread puts two thirds of the money on arms 3-5x worse: testing should win by far.
    assert low > 0.3 * conversions(spread).mean()


def test_test_then_scale_costs_something_when_the_arms_are_equal():
    # Known, equal arms: the test cannot learn anything. It paces unevenly (slowly in the test,
    # faster after it) and then concentrates on the arm it picked, and auction pressure charges
    # for both: the price of testing when there is nothing to find.
    equal = [known_platform(name, 0.01) for name in ("alpha", "beta", "gamma")]
    spread = run(equal, {"type": "spread"})
    tested = run(equal, TEST_THEN_SCALE)
    _, high = paired_mean_interval(conversions(tested), conversions(spread))
    assert high < 0


def test_regret_and_cost_of_testing_are_paired_with_the_oracle():
    found = run_with_oracle(ONE_CLEARLY_BEST, TEST_THEN_SCALE)
    outcome = strategy_outcome(found.result, found.oracle)
    regret = conversions(found.oracle) - conversions(found.result)
    assert outcome["regret"]["conversions"]["mean"] == pytest.approx(regret.mean())
    # During the test two thirds of the money goes to arms 3-5x worse than the best.
    assert outcome["cost_of_testing"]["conversions"]["mean"] > 0


def test_thompson_sampling_settles_on_the_best_arm():
    result = run(ONE_CLEARLY_BEST, {"type": "adaptive"})
    rows = np.arange(REPS)
    assert result.strategy.kept[rows, result.strategy.best_arm].mean() > 0.9


def test_best_guess_funds_only_the_arm_with_the_best_prior():
    result = run(ONE_CLEARLY_BEST, {"type": "best-guess"})
    spend = result.totals["spend"]
    assert (spend[:, 1:] == 0).all() and (spend[:, 0] > 0).all()


def test_the_truly_best_arm_is_the_one_with_the_lowest_true_cpa():
    from smmsim.simulator.arms import build_arm_table
    from smmsim.simulator.delivery import TrueRates
    from smmsim.simulator.randomness import ExpectedDraws

    s = scenario(ONE_CLEARLY_BEST, {"type": "oracle"})
    arms = build_arm_table(s)
    rates = TrueRates.draw(arms, ExpectedDraws(1))
    lam = true_conversions_per_money(rates)
    # cpm / (1000 ctr cvr) at the prior means: 5 / (10 * 0.02) = 25 for the first arm.
    assert 1 / lam[0, 0] == pytest.approx(25.0)
    assert lam.argmax(axis=1)[0] == 0


# --- scaling: the ramp limit and the stop-loss ---------------------------------------------------

# Arms leave learning within the test (20 conversions), so a jump in budget sends them back into it
# at half efficiency. The scale-up itself is one deliberate jump under either setting (the test's
# budget is no level to creep up from); what the ramp limit governs is every rise after it. March
# is capped at 3,000, so the scale-up starts on what March has left and April lifts the level
# about fivefold: a jump there re-enters learning, a 20% ramp does not.
LEARNING = {"conversions": 20, "efficiency": 0.5}
RAMP_MARKET = [
    platform("alpha", 0.02, learning=LEARNING),
    platform("beta", 0.006, learning=LEARNING),
    platform("gamma", 0.004, learning=LEARNING),
]
MARCH_CAP = {1: 3000.0}


def ramp_run(limit: float | None) -> Result:
    test = {"budget_share": 0.05}
    s = scenario(
        RAMP_MARKET, {"type": "test-then-scale", "test": test, "scale": {"ramp_limit": limit}}
    )
    s = s.model_copy(update={"campaign": s.campaign.model_copy(update={"monthly_caps": MARCH_CAP})})
    return simulate(s, replications=REPS, seed=SEED)


def test_scaling_at_once_re_enters_the_learning_phase():
    jump, ramp = ramp_run(None), ramp_run(0.2)
    assert jump.kpis()["learning_entries"].mean() > ramp.kpis()["learning_entries"].mean()
    # A 20% step never exceeds the 20% reset threshold: one entry per tested arm at its start,
    # and at most one more per kept arm, at the scale-up's deliberate jump.
    kept = ramp.strategy.kept.sum(axis=1)
    assert (ramp.kpis()["learning_entries"] <= 3 + kept).all()


def test_the_scale_ups_jump_restarts_a_finished_learning_phase():
    """The scale-up's one jump is a budget change past `reset_change` like any other: an arm
    that left learning in the test enters it again. `RampLimit.restart` once zeroed, in place,
    the very array the learning phase kept as yesterday's budget, so the jump read as no change
    and cost nothing (in `ramp_run(0.2)` no replication ever entered learning a fourth time)."""
    from smmsim.simulator.arms import build_arm_table
    from smmsim.simulator.delivery import LearningPhase
    from smmsim.simulator.strategies.base import RampLimit

    arms = build_arm_table(scenario(RAMP_MARKET[:1], {"type": "test-then-scale"}))
    phase, ramp = LearningPhase(arms, 1), RampLimit(0.2, (1, 1), days=100)
    entered, _, efficiency = phase.update(ramp.apply(np.array([[10.0]]), 0, np.array([1e3])))
    assert entered[0, 0] == 1.0 and efficiency[0, 0] == LEARNING["efficiency"]
    phase.record(np.array([[LEARNING["conversions"]]], dtype=float))  # enough: it leaves
    ramp.restart(np.array([True]))
    entered, _, efficiency = phase.update(ramp.apply(np.array([[500.0]]), 1, np.array([1e4])))
    assert entered[0, 0] == 1.0 and efficiency[0, 0] == LEARNING["efficiency"]
    assert (ramp_run(0.2).kpis()["learning_entries"] > 3).any()


def test_the_ramp_limit_buys_more_conversions_than_jumping():
    jump, ramp = ramp_run(None), ramp_run(0.2)
    low, _ = paired_mean_interval(conversions(ramp), conversions(jump))
    assert low > 0


# Three uncertain arms and a test too small to tell them apart: the scale split rests on noise, so
# money goes to arms that are truly far above the target until the stop-loss cuts them.
STOP_LOSS_MARKET = [
    platform(name, 0.015, cvr_sd=0.007, auction={"s_half": 2000.0})
    for name in ("alpha", "beta", "gamma")
]
SHORT_TEST = {"days": 3, "budget_share": 0.005, "min_conversions": 0}


def stop_loss_run(stop_loss: dict | None) -> Result:
    strategy = {
        "type": "test-then-scale",
        "test": SHORT_TEST,
        "decision": {"rule": "top_k", "k": 3},
        "scale": {"stop_loss": stop_loss},
    }
    return run(STOP_LOSS_MARKET, strategy, target=60.0)


def spend_on_arms_above(result: Result, cpa_limit: float) -> np.ndarray:
    """(reps,) spend on arms whose true direct CPA is above `cpa_limit`."""
    from smmsim.simulator.delivery import TrueRates
    from smmsim.simulator.randomness import BlockDraws, block_seeds

    draws = BlockDraws(block_seeds(SEED, REPS), [1000] * (REPS // 1000), result.lines.names)
    true_cpa = 1 / true_conversions_per_money(TrueRates.draw(result.budget_arms, draws))
    return np.where(true_cpa > cpa_limit, result.totals["spend"], 0.0).sum(axis=1)


def test_the_stop_loss_moves_money_away_from_arms_far_above_target():
    off, on = stop_loss_run(None), stop_loss_run({"margin": 0.25})
    limit = 60.0 * 1.25
    _, high = paired_mean_interval(spend_on_arms_above(on, limit), spend_on_arms_above(off, limit))
    assert high < 0
    assert on.strategy.cut.any() and not off.strategy.cut.any()


def test_the_stop_loss_buys_more_conversions_when_the_target_is_sound():
    off, on = stop_loss_run(None), stop_loss_run({"margin": 0.25})
    low, _ = paired_mean_interval(conversions(on), conversions(off))
    assert low > 0


def test_the_stop_loss_never_cuts_the_last_arm():
    result = stop_loss_run({"margin": 0.0, "min_spend": 50.0})
    active = result.strategy.kept & ~result.strategy.cut
    assert active.any(axis=1).all()
    assert result.kpis()["spend"] == pytest.approx(np.full(REPS, 30000.0), rel=1e-6)


# --- invariants and reproducibility across strategies --------------------------------------------

ALL = ["fixed", "spread", "best-guess", "test-then-scale", "adaptive", "oracle"]


@pytest.mark.parametrize("strategy", ALL)
def test_no_strategy_spends_more_than_the_budget_or_a_monthly_cap(strategy):
    platforms = [dict(p, tools=[dict(p["tools"][0], budget_share=1 / 3)]) for p in ONE_CLEARLY_BEST]
    s = scenario(platforms, {"type": strategy})
    s = s.model_copy(
        update={"campaign": s.campaign.model_copy(update={"monthly_caps": {1: 5000.0}})}
    )
    result = simulate(s, replications=1000, seed=SEED)
    assert (result.kpis()["spend"] <= 30000.0 * (1 + 1e-12)).all()
    assert (result.kpis(month=0)["spend"] <= 5000.0 * (1 + 1e-12)).all()


@pytest.mark.parametrize("strategy", ["test-then-scale", "adaptive"])
def test_strategies_give_the_same_numbers_however_the_work_is_chunked(strategy):
    s = scenario(ONE_CLEARLY_BEST, {"type": strategy})
    whole = simulate(s, replications=2000, seed=SEED, chunk_size=2000)
    pieces = simulate(s, replications=2000, seed=SEED, chunk_size=1000, workers=2)
    assert np.array_equal(whole.totals["spend"], pieces.totals["spend"])
    assert np.array_equal(whole.strategy.kept, pieces.strategy.kept)
    assert np.array_equal(conversions(whole), conversions(pieces))


def test_a_strategy_draws_never_shift_the_market():
    # Common random numbers: the true rates each replication draws are the same whatever the
    # strategy, so the truly best arm is too.
    spread = run(ONE_CLEARLY_BEST, {"type": "spread"})
    adaptive = run(ONE_CLEARLY_BEST, {"type": "adaptive"})
    assert np.array_equal(spread.strategy.best_arm, adaptive.strategy.best_arm)


def test_comparing_a_scenario_with_itself_gives_exactly_zero():
    first = run(ONE_CLEARLY_BEST, TEST_THEN_SCALE)
    second = run(ONE_CLEARLY_BEST, TEST_THEN_SCALE)
    for name, values in first.kpis().items():
        assert np.array_equal(values, second.kpis()[name], equal_nan=True), name
