"""Beta priors' quantiles read off a table: close to scipy's exact ones, and monotone."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import betaincinv

from smmsim.scenarios.priors import Beta, LogNormal
from smmsim.simulator.quantiles import draw_quantile

# The generator's grid from 2**-53 to 1 - 2**-53, its far tails and its body.
EXTREMES = [2.0**-53, 1e-12, 1e-6, 0.5, 1 - 1e-6, 1 - 2.0**-53]
UNIFORMS = np.concatenate([np.random.default_rng(1).random(100_000), EXTREMES])
# Its 0, raised to the smallest double (once in 2**53 draws), takes the table's first value.
ZERO = np.finfo(float).tiny


@pytest.mark.parametrize(
    "a, b, bound",
    [(2, 200, 1e-7), (50, 4000, 1e-7), (300, 300, 1e-7), (1.2, 1.5, 1e-6), (0.5, 30, 5e-6),
     (0.3, 0.3, 3e-5)],
)  # fmt: skip
def test_the_table_is_within_its_stated_error_of_the_exact_quantile(a, b, bound):
    exact = betaincinv(a, b, UNIFORMS)
    drawn = draw_quantile(Beta(a, b), UNIFORMS)
    relative = np.abs(drawn - exact) / np.maximum(exact, np.finfo(float).tiny)
    assert relative.max() < bound
    assert ((drawn >= 0) & (drawn <= 1)).all()


def test_draws_stay_monotone_in_their_uniform():
    """Common random numbers: a higher uniform never gives a lower rate."""
    u = np.sort(np.append(UNIFORMS, ZERO))
    for prior in (Beta(2, 200), Beta(0.3, 0.3), Beta(40, 60)):
        assert (np.diff(draw_quantile(prior, u)) >= 0).all()


def test_other_priors_are_drawn_exactly():
    u = np.random.default_rng(2).random(1000)
    lognormal = LogNormal(math.log(5.0), 0.4)
    assert np.array_equal(draw_quantile(lognormal, u), lognormal.quantile(u))
    point = Beta(math.nan, math.nan, point=0.02)
    assert (draw_quantile(point, u) == 0.02).all()
