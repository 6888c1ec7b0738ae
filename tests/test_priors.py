"""Closed-form checks of the prior families: the numbers a planner states hold exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from smmsim.scenarios.loader import scenario_from_data
from smmsim.scenarios.priors import (
    Z95,
    Beta,
    LogNormal,
    beta_from_interval,
    beta_from_mean_sd,
    lognormal_from_interval,
    lognormal_from_mean_sd,
)
from tests.helpers import minimal_scenario_data

PRICE_MEAN_SD = [(6.0, 1.0), (7.5, 2.0), (0.5, 0.4), (100.0, 300.0), (1e-3, 1e-4)]
RATE_MEAN_SD = [(0.01, 0.003), (0.04, 0.01), (0.5, 0.2), (0.9, 0.05), (0.2, 0.39)]
PRICE_INTERVALS = [(4.0, 9.0), (0.5, 0.6), (1.0, 100.0), (6.0, 6.000001)]
RATE_INTERVALS = [
    (0.006, 0.018),
    (0.01, 0.05),
    (0.2, 0.8),
    (0.001, 0.999),
    (0.5, 0.51),
    (1e-4, 2e-4),
    (0.9, 0.999),
    (0.97, 0.98),
]


def test_z95_is_the_standard_normal_95th_percentile():
    assert stats.norm.ppf(0.95) == pytest.approx(Z95, rel=1e-15)


# --- lognormal -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("mean", "sd"), PRICE_MEAN_SD)
def test_lognormal_from_mean_sd_closed_form(mean, sd):
    dist = lognormal_from_mean_sd(mean, sd)
    mu, s2 = dist.mu, dist.sigma**2
    assert math.exp(mu + s2 / 2) == pytest.approx(mean, rel=1e-12)
    assert (math.exp(s2) - 1) * math.exp(2 * mu + s2) == pytest.approx(sd**2, rel=1e-12)
    assert dist.mean == pytest.approx(mean, rel=1e-12)


@pytest.mark.parametrize(("mean", "sd"), PRICE_MEAN_SD)
def test_lognormal_from_mean_sd_agrees_with_scipy(mean, sd):
    dist = lognormal_from_mean_sd(mean, sd)
    frozen = stats.lognorm(s=dist.sigma, scale=math.exp(dist.mu))
    assert frozen.mean() == pytest.approx(mean, rel=1e-12)
    assert frozen.std() == pytest.approx(sd, rel=1e-9)


@pytest.mark.parametrize(("mean", "sd"), [(6.0, 1.0), (7.5, 2.0), (0.5, 0.2)])
def test_lognormal_from_mean_sd_sample_moments(mean, sd):
    n = 2_000_000
    draws = lognormal_from_mean_sd(mean, sd).sample(np.random.default_rng(20270301), n)
    assert draws.shape == (n,)
    assert (draws > 0).all()
    # Five standard errors of the sample mean; the sample sd within 1%.
    assert abs(draws.mean() - mean) < 5 * sd / math.sqrt(n)
    assert draws.std(ddof=1) == pytest.approx(sd, rel=0.01)


@pytest.mark.parametrize(("p5", "p95"), PRICE_INTERVALS)
def test_lognormal_from_interval_percentiles(p5, p95):
    dist = lognormal_from_interval(p5, p95)
    q = stats.lognorm.ppf([0.05, 0.5, 0.95], s=dist.sigma, scale=math.exp(dist.mu))
    np.testing.assert_allclose(q, [p5, math.sqrt(p5 * p95), p95], rtol=1e-10)


def test_lognormal_from_interval_sample_percentiles():
    draws = lognormal_from_interval(4.0, 9.0).sample(np.random.default_rng(7), 1_000_000)
    np.testing.assert_allclose(np.quantile(draws, [0.05, 0.95]), [4.0, 9.0], rtol=0.005)


def test_lognormal_sd_zero_is_a_point_mass():
    dist = lognormal_from_mean_sd(6.0, 0.0)
    assert dist.sigma == 0
    assert dist.mean == pytest.approx(6.0, rel=1e-15)
    draws = dist.sample(np.random.default_rng(1), 1000)
    assert draws.shape == (1000,)
    assert np.all(draws == dist.mean)


def test_lognormal_point_mass_uses_the_same_randomness_as_a_spread():
    # Common random numbers: a prior changed from known to uncertain must not shift the draws
    # that follow it in the same stream.
    point, spread = np.random.default_rng(3), np.random.default_rng(3)
    LogNormal(math.log(6.0), 0.0).sample(point, 10)
    LogNormal(math.log(6.0), 0.4).sample(spread, 10)
    assert point.random() == spread.random()


def test_changed_prior_moves_every_draw_the_same_way():
    # Draws by inversion: the same uniforms under a higher median give a higher value in every
    # replication, so two scenarios that differ in one prior are compared replication by
    # replication, not by luck.
    low = LogNormal(math.log(5.0), 0.3).sample(np.random.default_rng(5), 1000)
    high = LogNormal(math.log(6.0), 0.3).sample(np.random.default_rng(5), 1000)
    assert np.all(high > low)


# --- beta ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("mean", "sd"), RATE_MEAN_SD)
def test_beta_from_mean_sd_closed_form(mean, sd):
    dist = beta_from_mean_sd(mean, sd)
    a, b = dist.a, dist.b
    assert a > 0
    assert b > 0
    assert dist.point is None
    assert a / (a + b) == pytest.approx(mean, rel=1e-12)
    assert a * b / ((a + b) ** 2 * (a + b + 1)) == pytest.approx(sd**2, rel=1e-12)
    assert dist.mean == pytest.approx(mean, rel=1e-12)
    assert stats.beta.var(a, b) == pytest.approx(sd**2, rel=1e-9)


@pytest.mark.parametrize(("mean", "sd"), [(0.01, 0.003), (0.5, 0.2)])
def test_beta_from_mean_sd_sample_moments(mean, sd):
    n = 2_000_000
    draws = beta_from_mean_sd(mean, sd).sample(np.random.default_rng(11), n)
    assert ((draws > 0) & (draws < 1)).all()
    assert abs(draws.mean() - mean) < 5 * sd / math.sqrt(n)
    assert draws.std(ddof=1) == pytest.approx(sd, rel=0.01)


@pytest.mark.parametrize(("p5", "p95"), RATE_INTERVALS)
def test_beta_from_interval_percentiles(p5, p95):
    dist = beta_from_interval(p5, p95)
    assert dist.a > 0
    assert dist.b > 0
    assert dist.point is None
    q = stats.beta.ppf([0.05, 0.95], dist.a, dist.b)
    np.testing.assert_allclose(q, [p5, p95], rtol=1e-6, atol=0)
    np.testing.assert_allclose(q, [p5, p95], rtol=0, atol=1e-6)


def test_beta_from_interval_symmetric_interval_gives_symmetric_beta():
    dist = beta_from_interval(0.2, 0.8)
    assert dist.a == pytest.approx(dist.b, rel=1e-8)
    assert dist.mean == pytest.approx(0.5, abs=1e-9)


def test_beta_sd_zero_is_a_point_mass():
    dist = beta_from_mean_sd(0.01, 0.0)
    assert dist.point == 0.01
    assert dist.mean == 0.01
    draws = dist.sample(np.random.default_rng(1), 500)
    assert draws.shape == (500,)
    assert np.all(draws == 0.01)


def test_beta_point_mass_uses_the_same_randomness_as_a_spread():
    point, spread = np.random.default_rng(3), np.random.default_rng(3)
    Beta(math.nan, math.nan, point=0.3).sample(point, 10)
    beta_from_mean_sd(0.3, 0.05).sample(spread, 10)
    assert point.random() == spread.random()


# --- beliefs in a scenario -----------------------------------------------------------------------


def _tool_of(**beliefs):
    data = minimal_scenario_data()
    data["platforms"][0]["tools"][0].update(beliefs)
    return scenario_from_data(data, "s.yaml").platforms[0].tools[0]


def test_bare_number_price_is_a_point_mass_at_that_value():
    belief = _tool_of(cpm=6.5).cpm
    assert (belief.mean, belief.sd, belief.p5, belief.p95) == (6.5, 0.0, None, None)
    dist = belief.distribution()
    assert dist == lognormal_from_mean_sd(6.5, 0.0)
    assert dist.sigma == 0
    assert dist.mean == pytest.approx(6.5, rel=1e-15)
    np.testing.assert_allclose(dist.sample(np.random.default_rng(0), 100), 6.5, rtol=1e-15)


def test_bare_integer_price_is_a_point_mass_at_that_value():
    dist = _tool_of(cpm=6).cpm.distribution()
    assert dist.sigma == 0
    assert dist.mean == pytest.approx(6.0, rel=1e-15)


@pytest.mark.parametrize("field", ["ctr", "join_rate", "cvr"])
def test_bare_number_rate_is_a_point_mass_at_that_value(field):
    belief = getattr(_tool_of(**{field: 0.0125}), field)
    assert (belief.mean, belief.sd) == (0.0125, 0.0)
    dist = belief.distribution()
    assert dist.point == 0.0125
    assert dist.mean == 0.0125
    assert np.all(dist.sample(np.random.default_rng(0), 100) == 0.0125)


def test_mean_only_belief_is_a_point_mass():
    tool = _tool_of(cpm={"mean": 6}, ctr={"mean": 0.01})
    assert tool.cpm.distribution().sigma == 0
    assert tool.ctr.distribution().point == 0.01


def test_scenario_beliefs_use_the_matching_fit():
    tool = _tool_of(cpm={"p5": 4, "p95": 9}, ctr={"p5": 0.006, "p95": 0.018})
    assert tool.cpm.distribution() == lognormal_from_interval(4, 9)
    assert tool.ctr.distribution() == beta_from_interval(0.006, 0.018)
    assert tool.join_rate.distribution() == beta_from_mean_sd(0.04, 0.01)
    plain = _tool_of()
    assert plain.cpm.distribution() == lognormal_from_mean_sd(6, 1)
