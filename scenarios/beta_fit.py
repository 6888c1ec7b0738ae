"""The Beta whose 5th and 95th percentiles are a planner's interval, solved in plain Python.

Fitting an interval is the only use of a Beta's quantile at scenario load, and importing
scipy.stats and scipy.optimize for it cost most of `smmsim validate`'s second (about 0.6 s of
imports for a few milliseconds of arithmetic). The fit needs no quantile: the Beta with
percentiles (p5, p95) is the one whose CDF is 0.05 at p5 and 0.95 at p95. This module evaluates
that CDF (the regularised incomplete beta function, by its continued fraction) and solves the two
equations by Newton's method in (log a, log b), so both shapes stay positive. `solve` returns
None when it cannot vouch for its answer; the caller then falls back to a general solver.
"""

from __future__ import annotations

import math

STIRLING_FROM = 100.0  # shapes from here on use Stirling's series for log B(a, b)
# Shapes beyond LARGEST_SHAPE (intervals narrower than about 0.1% of p5) go to the fallback at
# once: the continued fraction would need more than MAX_TERMS terms (about sqrt(max(a, b))).
LARGEST_SHAPE = 2e7
MAX_TERMS = 5000
TINY = 1e-300  # keeps the continued fraction's denominators off zero (Lentz's method)
CF_EPSILON = 1e-15  # the continued fraction stops when a step changes it by less than this
NEWTON_STEPS = 100
STEP_CAP = 2.0  # at most a factor e^2 on a shape per Newton step: the CDF bends sharply
SOLVED = 1e-12  # residual (in log-odds of the CDF) at which the fit is exact to float precision
TRUSTED = 1e-9  # the largest residual `solve` still returns rather than asking for the fallback
LOGIT = {0.05: math.log(0.05 / 0.95), 0.95: math.log(0.95 / 0.05)}


class NoConvergence(ArithmeticError):
    """The continued fraction or Newton's method did not settle (shapes far outside practice)."""


def continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) (Numerical Recipes' betacf), by Lentz's method.

    It converges fast for x < (a + 1) / (a + b + 2), in about sqrt(max(a, b)) terms."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > TINY else TINY)
    h = d
    for m in range(1, min(200 + 10 * int(math.sqrt(max(a, b))), MAX_TERMS)):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > TINY else TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > TINY else TINY
            h *= d * c
        if abs(d * c - 1.0) < CF_EPSILON:
            return h
    raise NoConvergence(f"incomplete beta continued fraction at a={a}, b={b}, x={x}")


def log_odds_cdf(x: float, a: float, b: float) -> float:
    """log(I / (1 - I)) for I = I_x(a, b), the Beta(a, b) CDF at x in (0, 1).

    The tail nearer x is computed in logs (the continued fraction converges there), so neither
    side underflows while Newton's method is still far from the answer."""
    log_kernel = a * math.log(x) + b * math.log1p(-x) - log_beta(a, b)
    if x < (a + 1.0) / (a + b + 2.0):
        log_low = log_kernel + math.log(continued_fraction(a, b, x) / a)
        return log_low - log1m_exp(log_low)
    log_high = log_kernel + math.log(continued_fraction(b, a, 1.0 - x) / b)
    return log1m_exp(log_high) - log_high


def log_beta(a: float, b: float) -> float:
    """log B(a, b). For a large shape, lgamma(b) - lgamma(a + b) loses digits to cancellation
    (lgamma(1e6) is 1.3e7: 2e-9 of rounding); Stirling's series, as differences, keeps them."""
    small, large = min(a, b), max(a, b)
    if large < STIRLING_FROM:
        return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    total = small + large
    # lgamma(large) - lgamma(total), with the large terms of Stirling's formula cancelled by hand
    tail = -(large - 0.5) * math.log1p(small / large) + stirling_rest(large) - stirling_rest(total)
    if small < STIRLING_FROM:
        return math.lgamma(small) + tail - small * math.log(total) + small
    # ... and lgamma(small) - small log(total) + small, likewise
    head = small * math.log(small / total) - 0.5 * math.log(small) + 0.5 * math.log(2 * math.pi)
    return head + stirling_rest(small) + tail


def stirling_rest(z: float) -> float:
    """lgamma(z) - ((z - 1/2) log z - z + log(2 pi) / 2): Stirling's series, within 1e-16 from
    z = 100 on."""
    return 1 / (12 * z) - 1 / (360 * z**3) + 1 / (1260 * z**5)


def log1m_exp(log_p: float) -> float:
    """log(1 - p) from log p, accurate for p near 0 and near 1."""
    if log_p > -math.log(2.0):
        return math.log(-math.expm1(log_p))
    return math.log1p(-math.exp(log_p))


def residual(log_ab: tuple[float, float], p5: float, p95: float) -> tuple[float, float]:
    """How far the CDF at p5 and p95 is from 0.05 and 0.95, in log-odds (so a residual means the
    same whether the CDF is near 0, 1/2 or 1)."""
    a, b = math.exp(log_ab[0]), math.exp(log_ab[1])
    return (log_odds_cdf(p5, a, b) - LOGIT[0.05], log_odds_cdf(p95, a, b) - LOGIT[0.95])


def newton_step(log_ab, r, p5, p95) -> tuple[float, float]:
    """The Newton step for the 2 x 2 system, its Jacobian by forward differences (an
    approximate Jacobian still converges to the exact root, only a little less fast)."""
    columns = []
    for i in range(2):
        h = 1e-7 * max(1.0, abs(log_ab[i]))
        moved = list(log_ab)
        moved[i] += h
        moved_r = residual((moved[0], moved[1]), p5, p95)
        columns.append(((moved_r[0] - r[0]) / h, (moved_r[1] - r[1]) / h))
    (j00, j10), (j01, j11) = columns
    det = j00 * j11 - j01 * j10
    if det == 0 or not math.isfinite(det):
        raise NoConvergence("singular Jacobian")
    step = ((j11 * r[0] - j01 * r[1]) / det, (j00 * r[1] - j10 * r[0]) / det)
    scale = min(1.0, STEP_CAP / max(abs(step[0]), abs(step[1])))
    return (-step[0] * scale, -step[1] * scale)


def size(r: tuple[float, float]) -> float:
    return max(abs(r[0]), abs(r[1]))


def solve(p5: float, p95: float, start: tuple[float, float]) -> tuple[float, float] | None:
    """(a, b) of the Beta with percentiles p5 and p95, from starting shapes `start`; None when
    Newton's method does not reach a residual it can vouch for."""
    if not max(start) < LARGEST_SHAPE:  # also refuses a NaN start
        return None
    try:
        return _newton(p5, p95, (math.log(start[0]), math.log(start[1])))
    except (NoConvergence, ValueError, OverflowError, ZeroDivisionError):
        return None


def _newton(p5, p95, log_ab) -> tuple[float, float] | None:
    r = residual(log_ab, p5, p95)
    for _ in range(NEWTON_STEPS):
        if size(r) < SOLVED:
            break
        step = newton_step(log_ab, r, p5, p95)
        # Backtrack: halve the step until the residual shrinks (Newton can overshoot far away).
        for _ in range(40):
            trial = (log_ab[0] + step[0], log_ab[1] + step[1])
            trial_r = residual(trial, p5, p95)
            if size(trial_r) < size(r):
                break
            step = (step[0] / 2, step[1] / 2)
        else:
            break  # no step reduces the residual: it is as small as floats allow
        log_ab, r = trial, trial_r
    if size(r) > TRUSTED:
        return None
    return math.exp(log_ab[0]), math.exp(log_ab[1])
