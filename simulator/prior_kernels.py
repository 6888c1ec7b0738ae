"""The Beta quantile at a table's nodes, compiled: the table `quantiles.py` reads every Beta
prior's draws off, computed without scipy.

numba source, like `kernels.py` (`compiled.py` hands out the ahead-of-time build). scipy's
`betaincinv` made these nodes before, but importing scipy.special costs 0.2-0.3 s in every process
that draws a prior, the only part of scipy a simulation used.

The quantile x of Beta(a, b) at the normal quantile z solves I_x(a, b) = Phi(z). Both sides are
taken as log-odds, log(I / (1 - I)) against log(Phi(z) / Phi(-z)), and solved by Newton's method
in y = log(x / (1 - x)): neither side underflows in either tail, x stays in (0, 1), and in y the
log-odds of I are nearly straight in both tails. I_x(a, b) is its continued fraction (Numerical
Recipes' betacf by Lentz's method, as `scenarios/beta_fit.py` evaluates it, on the side of the
mean where it converges), and its log-odds' slope in y is exp(log k - log I - log(1 - I)) with
log k = a log x + b log(1 - x) - log B(a, b). The nodes are solved from the middle one outwards,
each starting at its neighbour's answer: two or three steps a node.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

MAX_TERMS = 5000  # the continued fraction's terms, about sqrt(max(a, b)): shapes are capped below
TINY = 1e-300  # keeps Lentz's denominators off zero
CF_EPSILON = 1e-15  # the continued fraction stops when a step changes it by less than this
STEP_CAP = 2.0  # at most this far in y (a factor e^2 on the odds of x) in one step
# Newton steps a node may take before it is declared unsolved: the middle node starts from the
# mean, which for a shape near 0 is hundreds of capped steps from the median (a = 0.001: x is
# 2^-1000); every other node starts from its neighbour's answer.
MIDDLE_STEPS = 2000
NODE_STEPS = 60
SOLVED = 1e-13  # a node is solved when a step moves y by less than this (relative, or absolute)


@njit(cache=True, nogil=True)
def _continued_fraction(a: float, b: float, x: float) -> float:
    """Numerical Recipes' betacf by Lentz's method; NaN where it does not settle. The same steps
    as `scenarios.beta_fit.continued_fraction`, compiled: that one fits intervals at scenario
    load in plain Python, where numba is never imported, and raises where this returns NaN."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > TINY else TINY)
    h = d
    for m in range(1, MAX_TERMS):
        m2 = 2.0 * m
        for j in range(2):
            if j == 0:
                numerator = m * (b - m) * x / ((qam + m2) * (a + m2))
            else:
                numerator = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > TINY else TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > TINY else TINY
            h *= d * c
        if abs(d * c - 1.0) < CF_EPSILON:
            return h
    return math.nan


@njit(cache=True, nogil=True)
def _softplus(t: float) -> float:
    """log(1 + e^t), without overflow for large t."""
    return max(t, 0.0) + math.log1p(math.exp(-abs(t)))


@njit(cache=True, nogil=True)
def _log1m_exp(log_p: float) -> float:
    """log(1 - p) from log p, accurate for p near 0 and near 1."""
    if log_p > -math.log(2.0):
        return math.log(-math.expm1(log_p))
    return math.log1p(-math.exp(log_p))


@njit(cache=True, nogil=True)
def _log_odds_and_slope(y: float, a: float, b: float, log_beta: float) -> tuple[float, float]:
    """log(I / (1 - I)) for I = I_x(a, b) at x = 1 / (1 + e^-y), and its derivative in y."""
    log_x, log_1mx = -_softplus(-y), -_softplus(y)
    log_k = a * log_x + b * log_1mx - log_beta
    x = math.exp(log_x)
    if x < (a + 1.0) / (a + b + 2.0):
        log_low = log_k + math.log(_continued_fraction(a, b, x) / a)
        log_high = _log1m_exp(log_low)
    else:
        log_high = log_k + math.log(_continued_fraction(b, a, math.exp(log_1mx)) / b)
        log_low = _log1m_exp(log_high)
    return log_low - log_high, math.exp(log_k - log_low - log_high)


@njit(cache=True, nogil=True)
def _solve(target: float, y: float, a: float, b: float, log_beta: float, steps: int) -> float:
    """The y whose log-odds are `target`, by Newton's method from y; NaN if it does not settle
    within `steps`."""
    for _ in range(steps):
        log_odds, slope = _log_odds_and_slope(y, a, b, log_beta)
        step = (target - log_odds) / slope
        if not math.isfinite(step):
            return math.nan
        step = min(max(step, -STEP_CAP), STEP_CAP)
        y += step
        if abs(step) <= SOLVED * max(1.0, abs(y)):
            return y
    return math.nan


@njit(cache=True, nogil=True)
def beta_quantile_nodes(
    a: float, b: float, log_beta: float, start: float, targets: np.ndarray, out: np.ndarray
) -> None:
    """out[i] = the Beta(a, b) quantile whose CDF has log-odds targets[i] (increasing); `start`
    is a first guess of y at the middle node (the log-odds of the mean). A node left unsolved
    is NaN."""
    n = targets.size
    middle = n // 2
    y_middle = _solve(targets[middle], start, a, b, log_beta, MIDDLE_STEPS)
    for direction in (1, -1):
        y = y_middle
        i = middle
        while 0 <= i < n:
            if math.isfinite(y):
                y = _solve(targets[i], y, a, b, log_beta, NODE_STEPS)
            out[i] = 1.0 / (1.0 + math.exp(-y))
            i += direction
