"""Test-budget sizing against closed forms and obvious limits.

Every sweep point runs on the same seed, so each replication faces the same market at every test
size (common random numbers): comparisons between points are paired, and the recommended budget
moves with the scenario, not with the noise.
"""

from __future__ import annotations

import itertools
import math
from datetime import date
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import ndtri

from smmsim.scenarios.loader import scenario_from_data
from smmsim.simulator.engine import simulate
from smmsim.simulator.studies.evaluation import oracle_of
from smmsim.simulator.studies.sizing.closed_form import (
    classical_size,
    detectable_cpa_ratio,
    pcs_two_arms,
    two_proportion_clicks,
)
from smmsim.simulator.studies.sizing.document import sizing_document
from smmsim.simulator.studies.sizing.measures import point_samples
from smmsim.simulator.studies.sizing.recommend import best_point
from smmsim.simulator.studies.sizing.sweep import SweepSettings, run_sweep, with_test

SEED = 11
Z_MC = 4.0  # Monte Carlo tolerance in standard errors: a false alarm about once in 16,000 runs


def arm(name: str, cvr: Any, **extra: Any) -> dict[str, Any]:
    """A paid-ads arm whose delivery is plain arithmetic: a known CPM and CTR, no daily noise, no
    learning phase, no creative fatigue, no auction pressure worth the name. Only the
    conversion rate differs between arms (a known number, or a prior)."""
    tool = {
        "type": "paid_ads",
        "cpm": 5.0,
        "ctr": 0.01,
        "join_rate": 0.01,
        "cvr": cvr,
        "learning": {"conversions": 0},
        "noise": 0.0,
        "fatigue": {"phi": 0.0},
        "auction": {"s_half": 1e9},
        **extra,
    }
    return {"name": name, "audience": 50_000_000, "tools": [tool]}


def scenario(cvrs: list, budget: float = 10_000, days: int = 60, test_days: int = 14):
    """Arms told apart by their conversion rate only; the test keeps the single best-looking arm
    (top_k, k = 1) and scales it at once (no ramp limit), with no community effects, so
    conversions are the arms' direct conversions."""
    data = {
        "campaign": {"name": "sizing", "start": date(2027, 3, 1), "days": days, "budget": budget},
        "platforms": [arm(f"p{i}", cvr) for i, cvr in enumerate(cvrs)],
        "community": {
            "member_conversion_per_month": 0.0,
            "recommendations_per_member_per_month": 0.0,
        },
        "strategy": {
            "type": "test-then-scale",
            "test": {"days": test_days, "min_conversions": 0, "if_insufficient": "drop"},
            "decision": {"rule": "top_k", "k": 1},
            "scale": {"ramp_limit": None},
        },
    }
    return scenario_from_data(data, "sizing.yaml")


def sweep(s, reps: int = 1000, **kwargs: Any):
    settings = SweepSettings(replications=reps, seed=SEED, points=kwargs.pop("points", 10))
    return run_sweep(s, "sizing.yaml", settings, **kwargs)


def recommended_budget(s, **kwargs: Any) -> float:
    return best_point(sweep(s, **kwargs).points).budget


# --- the closed forms ----------------------------------------------------------------------------


def test_two_arm_selection_matches_the_normal_approximation():
    """Two arms, one prior on the conversion rate for both: each replication draws its own true
    rates, and an even test gives each arm n_i = spend / true CPA_i expected conversions. The test
    keeps the arm with more conversions, correct with probability Phi((n1 - n2)/sqrt(n1 + n2))
    given the replication's rates; averaged over replications, that must match how often the
    simulated test kept the truly best arm, within Monte Carlo error."""
    prior = {"mean": 0.02, "sd": 0.006}
    s = with_test(scenario([prior, prior], budget=10_000, days=20, test_days=10), 4000, 10, "t")
    reps = 4000
    result = simulate(s, replications=reps, seed=SEED)
    oracle = simulate(oracle_of(s), replications=reps, seed=SEED)
    record = result.strategy
    spend_per_arm = record.phase_spend["test"][:, None] / 2
    expected = spend_per_arm / record.true_cpa
    predicted = np.mean([pcs_two_arms(max(n), min(n)) for n in expected])
    simulated = point_samples(4000, 10, result, oracle, margin=0.0).correct_selection.mean()
    error = math.sqrt(predicted * (1 - predicted) / reps)
    assert 0.6 < predicted < 0.95  # the case is informative: neither a coin toss nor certain
    assert abs(simulated - predicted) < Z_MC * error + 0.005  # + the approximation's own error


@given(n=st.floats(5, 5000), pcs=st.floats(0.55, 0.99))
def test_the_detectable_ratio_inverts_the_selection_probability(n, pcs):
    """At the detectable CPA ratio r, arms with n and n / r expected conversions are told apart
    with exactly the asked probability (the quadratic's root is the formula's inverse)."""
    r = detectable_cpa_ratio(n, pcs)
    if r is None:
        assert math.sqrt(n) <= ndtri(pcs)  # even an arm that never converts is mistaken
        return
    assert r > 1
    assert pcs_two_arms(n, n / r) == pytest.approx(pcs, abs=1e-9)


def test_more_test_conversions_tell_apart_smaller_gaps():
    ratios = [detectable_cpa_ratio(n, 0.8) for n in (10, 40, 160, 640)]
    assert all(a > b for a, b in itertools.pairwise(ratios))


def test_the_classical_size_reproduces_cohens_table():
    """Cohen (1988), Table 6.4.1: to detect h = 0.20 between two proportions at two-sided alpha
    0.05 with power 0.80 takes n = 392 per group; 392.44 before rounding up.
    p2 is chosen so that Cohen's arcsine effect size 2 asin(sqrt p1) - 2 asin(sqrt p2) is 0.20."""
    p1 = 0.5
    p2 = math.sin(math.asin(math.sqrt(p1)) - 0.1) ** 2
    assert two_proportion_clicks(p1, p2, alpha=0.05, power=0.8) == pytest.approx(392.44, abs=0.01)


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.2])
@pytest.mark.parametrize("power", [0.5, 0.8, 0.99])
def test_the_classical_size_is_statsmodels_power_solution(alpha, power):
    """statsmodels' NormalIndPower is the reference (a second to import, so size-test solves
    the same equation itself): the same clicks, and its power equation met exactly."""
    from scipy.special import ndtr
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    for p1, gap in itertools.product([0.001, 0.02, 0.3], [0.05, 0.3, 2.0]):
        p2 = p1 / (1 + gap)
        h = abs(proportion_effectsize(p1, p2))
        reference = NormalIndPower().solve_power(h, alpha=alpha, power=power, ratio=1.0)
        clicks = two_proportion_clicks(p1, p2, alpha=alpha, power=power)
        assert clicks == pytest.approx(reference, rel=1e-6)
        assert math.ceil(clicks) == math.ceil(reference)
        shift, z = h * math.sqrt(clicks / 2), ndtri(1 - alpha / 2)
        assert ndtr(shift - z) + ndtr(-shift - z) == pytest.approx(power, abs=1e-14)


def test_the_classical_size_is_priced_per_click_over_every_tested_arm():
    size = classical_size(base_rate=0.02, cost_per_click=0.5, arms=3, relative_gap=0.25)
    assert size.other_rate == pytest.approx(0.016)  # a CPA 25% higher at the same cost per click
    assert size.budget == pytest.approx(size.clicks_per_arm * 0.5 * 3)
    wider = classical_size(base_rate=0.02, cost_per_click=0.5, arms=3, relative_gap=0.5)
    assert wider.clicks_per_arm < size.clicks_per_arm  # a bigger gap needs fewer clicks


# --- the recommendation in the limits ------------------------------------------------------------


def test_with_rates_known_exactly_the_best_test_is_no_test():
    """Nothing is left to learn: the priors already name the best arm, so any test only spends
    money on the arms that lose."""
    s = scenario([0.005, 0.01, 0.02])
    assert recommended_budget(s, reps=2000) == 0.0


def test_with_equal_priors_a_bigger_campaign_buys_a_bigger_test():
    """The value of knowing the best arm grows with the money scaled on it; the test's cost (money
    on the losers) does not, so the optimum moves up with the campaign."""
    equal = [{"p5": 0.005, "p95": 0.03}] * 3
    small = recommended_budget(scenario(equal, budget=10_000))
    large = recommended_budget(scenario(equal, budget=80_000))
    assert 0 < small < large


def test_priors_far_apart_need_a_smaller_test_than_equal_priors():
    """When the priors already rank the arms, a test mostly confirms them: it is worth less."""
    equal = [{"p5": 0.005, "p95": 0.03}] * 3
    apart = [{"p5": 0.004, "p95": 0.008}, {"p5": 0.01, "p95": 0.02}, {"p5": 0.025, "p95": 0.045}]
    assert recommended_budget(scenario(apart, budget=80_000)) < recommended_budget(
        scenario(equal, budget=80_000)
    )


def test_a_bigger_test_selects_correctly_more_often():
    """Paired across test sizes, more test money never makes the right pick much rarer."""
    equal = [{"p5": 0.005, "p95": 0.03}] * 3
    found = sweep(scenario(equal), budgets=[0.0, 300.0, 1000.0, 3000.0])
    pcs = [p.correct_selection.mean() for p in found.at_days(14)]
    assert pcs[0] < pcs[1] < pcs[2] < pcs[3]


# --- reproducibility -----------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_sweep():
    """Points, their refinement and every number of the document, twice and with two workers."""
    equal = [{"p5": 0.005, "p95": 0.03}] * 2
    s = scenario(equal)

    def document(workers: int) -> dict:
        settings = SweepSettings(replications=300, seed=SEED, points=6, workers=workers)
        return sizing_document(run_sweep(s, "sizing.yaml", settings), "sizing.yaml")

    first = document(1)
    assert first == document(1)
    assert first == document(2)
    assert first["seed"] == SEED


def test_points_run_side_by_side_equal_points_run_one_at_a_time():
    """A pool of workers runs each point whole in one process, the oracle beside them; the
    engine's numbers do not depend on where replications run, so every point's per-replication
    outcome (and its pairing with the oracle's) is the serial sweep's, number for number."""
    s = scenario([{"p5": 0.005, "p95": 0.03}] * 3)

    def points(workers: int) -> list:
        settings = SweepSettings(replications=200, seed=SEED, workers=workers)
        found = run_sweep(s, "sizing.yaml", settings, [0.0, 300.0, 1000.0], durations=[14, 21])
        return [(p.budget, p.days, p.conversions, p.regret, p.testing_cost) for p in found.points]

    serial, side_by_side = points(1), points(2)
    assert [p[:2] for p in serial] == [
        (0.0, 14),
        (300.0, 14),
        (1000.0, 14),
        (300.0, 21),
        (1000.0, 21),
    ]
    assert [p[:2] for p in side_by_side] == [p[:2] for p in serial]
    for ours, theirs in zip(side_by_side, serial, strict=True):
        for a, b in zip(ours[2:], theirs[2:], strict=True):
            np.testing.assert_array_equal(a, b)


def test_a_test_length_that_no_longer_fits_the_campaign_is_an_input_error():
    from smmsim.scenarios.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"strategy\.test\.days"):
        sweep(scenario([0.01, 0.02]), budgets=[500.0], durations=[60])
