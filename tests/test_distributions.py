"""The distribution functions read from scipy.special are scipy.stats' own numbers, bit for bit.

Why it matters: the calibration's intervals and tests and `track`'s updated beliefs took them
from scipy.stats, whose import cost up to 1.4 s; `scenarios/distributions.py` evaluates the same
expressions without it. Any difference, even in the last bit, would move a written interval or
flip a test at its threshold, so each is compared exactly, over shapes from the small to the
millions that a month of impressions gives.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from smmsim.scenarios.distributions import (
    beta_quantiles,
    chi2_quantiles,
    f_survival,
    gamma_quantiles,
    normal_quantile,
)

TAILS = np.array([0.05, 0.95])
CASES = 400


@pytest.fixture
def rng():
    return np.random.default_rng(20261207)


def test_normal_quantile(rng):
    for p in rng.uniform(1e-9, 1 - 1e-9, CASES):
        assert normal_quantile(p) == stats.norm.ppf(p)


def test_chi2_quantiles(rng):
    for dof in rng.integers(1, 20_000, CASES):
        assert np.array_equal(chi2_quantiles(TAILS, dof), stats.chi2.ppf(TAILS, dof))


def test_f_survival(rng):
    for x, dfn, dfd in zip(
        10 ** rng.uniform(-4, 4, CASES),
        rng.integers(1, 12, CASES),
        rng.integers(1, 5000, CASES),
        strict=True,
    ):
        assert f_survival(x, dfn, dfd) == float(stats.f.sf(x, dfn, dfd))
    assert f_survival(np.inf, 2, 7) == float(stats.f.sf(np.inf, 2, 7)) == 0.0  # a perfect fit
    # a fit no better than the flat one: the statistic is 0, or below it by rounding (the
    # online-advertising export's calibration has nine such arms)
    for x in (0.0, -0.2038107468707255, -1e-12):
        assert f_survival(x, 2, 70) == float(stats.f.sf(x, 2, 70)) == 1.0
    assert np.isnan(f_survival(np.nan, 2, 70)) and np.isnan(stats.f.sf(np.nan, 2, 70))


def test_beta_quantiles(rng):
    for a, b in 10 ** rng.uniform([-1, -1], [6, 7.5], (CASES, 2)):
        assert np.array_equal(beta_quantiles(TAILS, a, b), stats.beta.ppf(TAILS, a, b)), (a, b)


def test_gamma_quantiles(rng):
    for alpha, rate in 10 ** rng.uniform([-1, -3], [8, 6], (CASES, 2)):
        expected = stats.gamma.ppf(TAILS, alpha, scale=1 / rate)
        assert np.array_equal(gamma_quantiles(TAILS, alpha, rate), expected), (alpha, rate)


def test_loading_the_module_loads_no_scipy():
    # a scenario's loader may import it: scipy must wait until a number is asked for
    code = "import sys, smmsim.scenarios.distributions; print('scipy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
