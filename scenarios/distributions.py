"""The few distribution functions the fits and updates read, from scipy.special.

The calibration's intervals and tests and `track`'s updated beliefs need five numbers of textbook
distributions: normal, chi-squared, Gamma and Beta quantiles and an F test's p-value. scipy.stats
gives them, but importing it takes 0.6-1.4 s, more than the fits themselves for a small export,
while scipy.special, which scipy.stats calls for each of them, loads in 0.2-0.3 s. Each function
here is the very expression scipy.stats evaluates (`_ppf` or `_sf` of the distribution, then its
scale), so the numbers are the same bit for bit; tests/test_distributions.py holds each to its
scipy.stats twin. scipy.special is imported on first use, so loading this module costs nothing.
"""

from __future__ import annotations

import numpy as np


def normal_quantile(p: float) -> float:
    """`scipy.stats.norm.ppf(p)`."""
    from scipy.special import ndtri

    return float(ndtri(p))


def chi2_quantiles(q: np.ndarray, dof: float) -> np.ndarray:
    """`scipy.stats.chi2.ppf(q, dof)`."""
    from scipy.special import gammaincinv

    return 2 * gammaincinv(dof / 2, np.asarray(q, dtype=float))


def f_survival(x: float, dfn: float, dfd: float) -> float:
    """`scipy.stats.f.sf(x, dfn, dfd)`: an F test's p-value, for dfd >= 1. A statistic at or below
    0 (a fit no better than the flat one, rounding may make it negative) is 1, as scipy.stats
    gives below the support, where scipy.special's F would give NaN."""
    from scipy.special import fdtrc

    return 1.0 if x <= 0.0 else float(fdtrc(dfn, dfd, x))


def beta_quantiles(q: np.ndarray, a: float, b: float) -> np.ndarray:
    """`scipy.stats.beta.ppf(q, a, b)`."""
    from scipy.special import betaincinv

    return betaincinv(a, b, np.asarray(q, dtype=float))


def gamma_quantiles(q: np.ndarray, alpha: float, rate: float) -> np.ndarray:
    """`scipy.stats.gamma.ppf(q, alpha, scale=1 / rate)`: the standard quantile, scaled and
    shifted as scipy.stats does (`* scale + loc`)."""
    from scipy.special import gammaincinv

    return gammaincinv(alpha, np.asarray(q, dtype=float)) * (1 / rate) + 0.0
