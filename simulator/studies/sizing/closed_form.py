"""Closed forms for choosing between two arms after a test: the normal approximation and the
classical two-proportion sample size.

A test that spends the same money on two arms sees Poisson-like conversion counts X1, X2 with means
n1 > n2, and picks the arm with more (its posterior mean is higher when both priors are alike).
By the normal approximation to X1 - X2 (mean n1 - n2, variance n1 + n2):

    P(correct selection) = Phi((n1 - n2) / sqrt(n1 + n2)).

With r = n1 / n2, the ratio of the two arms' CPAs, this is Phi(sqrt(n1) (r - 1) / sqrt(r (r + 1))),
which inverts in closed form for the smallest CPA ratio a test tells apart (`detectable_cpa_ratio`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import ndtr, ndtri

from smmsim.scenarios.documents import Document

USUAL_ALPHA = 0.05  # two-sided significance of the textbook A/B test
USUAL_POWER = 0.8


def pcs_two_arms(n_better: float, n_worse: float) -> float:
    """P(the arm with more expected test conversions also shows more), normal approximation."""
    if n_better + n_worse <= 0:
        return 0.5
    return float(ndtr((n_better - n_worse) / math.sqrt(n_better + n_worse)))


def detectable_cpa_ratio(n_better: float, pcs: float) -> float | None:
    """The smallest ratio r = CPA(worse) / CPA(better) that a test picks correctly with probability
    `pcs`, when the better arm has `n_better` expected test conversions; None when no ratio is
    enough (even an arm that never converts is mistaken too often: sqrt(n_better) < z).

    Solves (r - 1)^2 = a r (r + 1) with a = z^2 / n_better for its root above 1."""
    if not 0.5 < pcs < 1:
        raise ValueError(f"pcs must lie in (0.5, 1), got {pcs}")
    if n_better <= 0:
        return None
    a = ndtri(pcs) ** 2 / n_better
    if a >= 1:
        return None
    return float(((2 + a) + math.sqrt(a * a + 8 * a)) / (2 * (1 - a)))


@dataclass(frozen=True)
class ClassicalSize(Document):
    """The two-proportion test's sample size, per arm, and what it costs as a test."""

    base_rate: float  # conversion rate per click of the reference arm
    other_rate: float  # the rate an arm with a `relative_gap` higher CPA has
    relative_gap: float
    alpha: float
    power: float
    clicks_per_arm: int
    budget: float  # clicks_per_arm x cost per click x the tested arms


# Newton's steps at most for the two-proportion size: the far tail's term is tiny, so two or
# three reach the double's precision.
NEWTON_STEPS = 20


def two_proportion_clicks(p1: float, p2: float, alpha: float, power: float) -> float:
    """Clicks per arm for a two-sided test of p1 against p2 at level `alpha` with `power`: the
    A/B calculators' answer, what statsmodels' `NormalIndPower().solve_power` gives for Cohen's
    arcsine effect size h = |2 asin(sqrt(p1)) - 2 asin(sqrt(p2))| (tests/test_sizing.py compares
    them; statsmodels takes a second to import, as long as a small sweep).

    With n clicks per arm the test statistic is normal with mean h sqrt(n / 2), so its power is
    Phi(h sqrt(n / 2) - z) + Phi(-h sqrt(n / 2) - z) with z = z_(1 - alpha / 2). Solved by
    Newton's method from n = 2 ((z + z_power) / h)^2, the root without the far tail's term."""
    h = abs(2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2)))
    z = float(ndtri(1 - alpha / 2))
    n = 2 * ((z + float(ndtri(power))) / h) ** 2
    for _ in range(NEWTON_STEPS):
        shift = h * math.sqrt(n / 2)
        gap = float(ndtr(shift - z) + ndtr(-shift - z)) - power
        slope = (_density(shift - z) - _density(shift + z)) * h / (2 * math.sqrt(2 * n))
        step = gap / slope
        n -= step
        if abs(step) <= 1e-12 * n:
            break
    return n


def _density(x: float) -> float:
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def classical_size(
    base_rate: float,
    cost_per_click: float,
    arms: int,
    relative_gap: float,
    alpha: float = USUAL_ALPHA,
    power: float = USUAL_POWER,
) -> ClassicalSize:
    """The A/B-calculator answer for telling apart two arms whose CPAs differ by `relative_gap`
    at the same cost per click: conversion rates p and p / (1 + gap), converted to test money."""
    other = base_rate / (1 + relative_gap)
    clicks = math.ceil(two_proportion_clicks(base_rate, other, alpha, power))
    return ClassicalSize(
        base_rate=base_rate,
        other_rate=other,
        relative_gap=relative_gap,
        alpha=alpha,
        power=power,
        clicks_per_arm=clicks,
        budget=clicks * cost_per_click * arms,
    )
