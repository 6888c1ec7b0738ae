"""The equal-marginal-CPA split and the test's posterior, against closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from smmsim.scenarios.loader import scenario_from_data
from smmsim.simulator.allocation import (
    BISECTION_STEPS,
    LEVEL_RANGE_EFOLDS,
    equal_marginal_split,
    marginal_return,
    spend_at_level,
)
from smmsim.simulator.arms import build_arm_table
from smmsim.simulator.curves import auction_pressure
from smmsim.simulator.delivery import DayOutcome
from smmsim.simulator.strategies.evidence import Evidence, conversion_prior
from tests.helpers import minimal_scenario_data

H = np.array([100.0, 100.0, 100.0])


@pytest.mark.parametrize("k", [1.0, 0.7])
def test_the_split_equalises_the_marginal_return_of_the_funded_arms(k):
    lam = np.array([[0.02, 0.01, 0.001]])
    shares = equal_marginal_split(lam, np.ones((1, 3), dtype=bool), np.array([300.0]), H, k)
    spend = shares * 300
    returns = marginal_return(spend, lam, H, k)[0]
    assert shares.sum() == pytest.approx(1.0)
    assert returns[0] == pytest.approx(returns[1], rel=1e-3)
    # The third arm's first unit of money returns less than the others' last: it gets nothing.
    assert spend[0, 2] == 0 and lam[0, 2] < returns[0]


def test_the_closed_form_for_linear_pressure():
    # k = 1: lam / (1 + s / h)^2 = mu, so s = h (sqrt(lam / mu) - 1).
    assert spend_at_level(0.0025, 0.01, 100.0, 1.0) == pytest.approx(100.0)
    assert spend_at_level(0.02, 0.01, 100.0, 1.0) == 0.0


def test_equal_arms_share_equally_and_ineligible_arms_get_nothing():
    lam = np.full((2, 3), 0.01)
    eligible = np.array([[True, True, False], [False, False, False]])
    shares = equal_marginal_split(lam, eligible, np.array([300.0, 300.0]), H, 1.0)
    assert shares[0] == pytest.approx([0.5, 0.5, 0.0])
    assert (shares[1] == 0).all()


def evidence_for(conversions: float, impressions: float, spend: float) -> Evidence:
    arms = build_arm_table(scenario_from_data(minimal_scenario_data(), "s.yaml"))
    evidence = Evidence(arms, 1)
    shape = (1, 1)
    outcome = DayOutcome(
        spend=np.full(shape, spend),
        impressions=np.full(shape, impressions),
        clicks=np.zeros(shape),
        joins=np.zeros(shape),
        direct_conversions=np.full(shape, conversions),
        learning=np.zeros(shape, dtype=bool),
        entered_learning=np.zeros(shape, dtype=bool),
        pressure=auction_pressure(np.full(shape, spend), arms.s_half, arms.k),
    )
    evidence.add(outcome)
    return evidence


def test_the_prior_matches_the_moments_of_ctr_times_cvr():
    # ctr ~ (0.01, sd 0.003) and cvr ~ (0.02, sd 0.005), independent: E[rho] = 2e-4 and
    # E[rho^2] = (1e-4 + 9e-6) (4e-4 + 2.5e-5).
    arms = build_arm_table(scenario_from_data(minimal_scenario_data(), "s.yaml"))
    a, b = conversion_prior(arms)
    mean, var = a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1))
    assert mean[0] == pytest.approx(2e-4)
    assert var[0] == pytest.approx(1.09e-4 * 4.25e-4 - 4e-8, rel=1e-6)


def test_the_posterior_probability_is_the_beta_tail():
    evidence = evidence_for(conversions=30, impressions=100_000, spend=600.0)
    a, b = evidence.posterior()
    # CPM 6: CPA <= 25 means rho >= 6 / 25000.
    expected = stats.beta.sf(6 / 25_000, a[0, 0], b[0, 0])
    assert evidence.probability_cpa_at_most(25.0)[0, 0] == pytest.approx(expected, rel=1e-9)


def test_more_conversions_for_the_same_money_raise_the_odds():
    few = evidence_for(conversions=10, impressions=100_000, spend=600.0)
    many = evidence_for(conversions=40, impressions=100_000, spend=600.0)
    assert many.probability_cpa_at_most(25.0) > few.probability_cpa_at_most(25.0)
    assert many.mean_conversions_per_money() > few.mean_conversions_per_money()


def test_the_compiled_split_is_the_bisection_on_the_numpy_curve():
    """The compiled water-filling is the bisection this module's docstring states, run on
    `spend_at_level` (the numpy statement of the curve): the same shares to rounding."""
    rng = np.random.default_rng(4)
    lam = rng.gamma(2.0, 0.01, (300, 4))
    eligible = rng.random((300, 4)) > 0.2
    eligible[:, 2] = True  # so the reference's log of each row's best lam is defined
    s_half, k = np.array([50.0, 80.0, 120.0, 300.0]), np.array([1.0, 0.7, 0.5, 1.0])
    budget = rng.uniform(10, 500, 300)
    shares = equal_marginal_split(lam, eligible, budget, s_half, k)
    open_lam = np.where(eligible, lam, 0.0)
    hi = np.log(open_lam.max(axis=1, keepdims=True))
    lo = hi - LEVEL_RANGE_EFOLDS
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        spent = spend_at_level(np.exp(mid), open_lam, s_half, k).sum(axis=1, keepdims=True)
        lo, hi = (
            np.where(spent > budget[:, None], mid, lo),
            np.where(spent > budget[:, None], hi, mid),
        )
    spend = spend_at_level(np.exp(hi), open_lam, s_half, k)
    assert np.allclose(shares, spend / spend.sum(axis=1, keepdims=True), rtol=1e-9, atol=1e-12)
