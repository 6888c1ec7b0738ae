"""The plain-Python Beta interval fit: its CDF against scipy's, its roots against scipy's
quantiles, and the fallback for intervals too narrow for it."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import special, stats

from smmsim.scenarios import beta_fit
from smmsim.scenarios.priors import beta_by_least_squares, beta_from_interval, interval_start

SHAPES = [0.05, 0.3, 1.0, 2.5, 12.0, 900.0, 2.0e4]
LARGE_SHAPES = [150.0, 2.0e4, 3.0e6, 7.0e8]
POINTS = [1e-6, 1e-3, 0.02, 0.3, 0.5, 0.7, 0.98, 0.999999]
# Intervals across locations and widths: from a factor of 100 down to half a percent of p5.
INTERVALS = [
    (p5, p5 * ratio)
    for p5 in (1e-5, 1e-3, 0.01, 0.1, 0.3, 0.6, 0.9)
    for ratio in (100.0, 10.0, 3.0, 1.5, 1.1, 1.005)
    if p5 * ratio < 1
]


@pytest.mark.parametrize("a", SHAPES)
@pytest.mark.parametrize("b", SHAPES)
def test_log_odds_cdf_matches_scipy_betainc(a, b):
    # The same function as scipy's regularised incomplete beta. Both tails come from scipy
    # (1 - I_x(a, b) = I_(1-x)(b, a)), so a CDF near 1 keeps its digits in the reference too.
    for x in POINTS:
        low, high = special.betainc(a, b, x), special.betainc(b, a, 1 - x)
        if low > 1e-300 and high > 1e-300:
            reference = math.log(low) - math.log(high)
            assert beta_fit.log_odds_cdf(x, a, b) == pytest.approx(reference, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("b", [*SHAPES, *LARGE_SHAPES])
def test_log_odds_cdf_of_a_beta_with_a_equal_1(b):
    # Closed form: I_x(1, b) = 1 - (1 - x)^b, so log(1 - I) = b log(1 - x), for any b.
    for x in POINTS:
        log_high = b * math.log1p(-x)
        if log_high > -700:
            reference = math.log(-math.expm1(log_high)) - log_high
            assert beta_fit.log_odds_cdf(x, 1.0, b) == pytest.approx(reference, rel=1e-9)


@pytest.mark.parametrize("a", [*SHAPES, *LARGE_SHAPES])
@pytest.mark.parametrize("b", LARGE_SHAPES)
def test_log_beta_keeps_its_digits_for_large_shapes(a, b):
    # B(a, b + 1) = B(a, b) b / (a + b), and B(1, b) = 1 / b: identities that plain lgamma
    # differences miss by 1e-9 and more once a shape passes a million. The step is a difference
    # of two values of log B, so it is good to a few roundings of log B itself.
    size = abs(beta_fit.log_beta(a, b))
    step = beta_fit.log_beta(a, b + 1) - beta_fit.log_beta(a, b)
    assert step == pytest.approx(math.log(b / (a + b)), rel=1e-9, abs=1e-12 + 1e-15 * size)
    assert beta_fit.log_beta(1.0, b) == pytest.approx(-math.log(b), rel=1e-14)
    assert beta_fit.log_beta(a, b) == beta_fit.log_beta(b, a)


@pytest.mark.parametrize(("p5", "p95"), INTERVALS)
def test_newton_fit_puts_the_percentiles_where_stated(p5, p95):
    dist = beta_from_interval(p5, p95)
    q = stats.beta.ppf([0.05, 0.95], dist.a, dist.b)
    np.testing.assert_allclose(q, [p5, p95], rtol=1e-8)


@pytest.mark.parametrize(("p5", "p95"), INTERVALS)
def test_newton_answers_itself_wherever_its_start_is_in_range(p5, p95):
    # The fallback is for shapes beyond LARGEST_SHAPE only (intervals narrower than about 0.1%
    # of p5): every other interval is solved without scipy.
    start = interval_start(p5, p95)
    shapes = beta_fit.solve(p5, p95, start)
    assert (shapes is None) == (max(start) >= beta_fit.LARGEST_SHAPE)


@pytest.mark.parametrize(("p5", "p95"), [(0.007, 0.018), (0.003, 0.012), (0.2, 0.8), (1e-4, 2e-4)])
def test_newton_and_least_squares_find_the_same_shapes(p5, p95):
    # Two solvers of the same two equations (whose root is unique) agree where the problem is
    # well conditioned: the shapes, and so every draw, are those the scipy fit gave.
    newton = beta_fit.solve(p5, p95, (1.0, 1.0))
    assert newton is not None
    np.testing.assert_allclose(newton, beta_by_least_squares(p5, p95, (1.0, 1.0)), rtol=1e-6)


def test_an_interval_too_narrow_for_newton_falls_back_to_least_squares():
    # Shapes near 1e11: the continued fraction would take too long, and Newton gives up at once.
    p5, p95 = 0.3, 0.300003
    assert beta_fit.solve(p5, p95, (7.6e10, 1.8e11)) is None
    dist = beta_from_interval(p5, p95)
    np.testing.assert_allclose(stats.beta.ppf([0.05, 0.95], dist.a, dist.b), [p5, p95], rtol=1e-6)


def test_loading_a_scenario_with_intervals_imports_no_scipy_solver():
    # Why the fit is in plain Python: scipy.stats and scipy.optimize take longer to import than
    # `smmsim validate` may take altogether.
    code = (
        "import sys; from smmsim.scenarios.loader import load_scenario; "
        "from smmsim.scenarios.bundled import example_path; "
        "load_scenario(example_path('kids-shop')); "
        "print(sorted(m for m in ('scipy.stats', 'scipy.optimize') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
