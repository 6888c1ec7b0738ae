"""Ratio KPIs (CPA, CPC, CPM, cost per join, CTR, ROAS, ...): one definition for every command.

A ratio KPI's expected value is the ratio of expected totals, E[spend] / E[conversions]: what the
campaign costs per conversion on average, as an accountant computes it. The mean of per-campaign
ratios is not that number: a few unlucky campaigns with a handful of conversions carry huge CPAs
and pull the mean up (and a campaign with none has no CPA at all). Because expectations add up, a
total's expected CPA is the conversion-weighted mean of its parts' expected CPAs, so it always lies
within their range.

Its 90% interval is the Monte Carlo uncertainty of that ratio over the replications, by the delta
method: with r = mean(num) / mean(den), Var(r) ~ Var(num - r den) / (n mean(den)^2) (the ratio
estimator's linearisation). It narrows as replications grow; how much one campaign's own ratio
varies is a separate figure (the 5/50/95% quantiles of the per-campaign ratios).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Z90 = 1.6448536269514722  # a two-sided 90% interval spans +-Z90 standard errors


@dataclass(frozen=True)
class RatioEstimate:
    """E[num] / E[den] over the replications and its 90% Monte Carlo interval (None where E[den]
    is 0: a CPA without any conversion is undefined). One replication has no spread: the
    interval is the point."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    standard_error: float | None


UNDEFINED = RatioEstimate(None, None, None, None)


def expected_ratio(num: np.ndarray, den: np.ndarray, scale: float = 1.0) -> RatioEstimate:
    """scale x E[num] / E[den] with its 90% interval (delta method, see the module)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    mean_den = float(den.mean()) if den.size else 0.0
    if mean_den <= 0:
        return UNDEFINED
    r = float(num.mean()) / mean_den
    se = _standard_error((num - r * den) / mean_den)
    return scaled_estimate(r, se, scale)


def paired_ratio_difference(
    ours: tuple[np.ndarray, np.ndarray], theirs: tuple[np.ndarray, np.ndarray], scale: float = 1.0
) -> RatioEstimate:
    """E[num]/E[den] of `ours` minus that of `theirs`, both read on the same replications
    (common random numbers), with the paired 90% interval: the two linearisations are
    subtracted replication by replication, so the market's shared luck cancels."""
    (num_a, den_a), (num_b, den_b) = ours, theirs
    mean_a, mean_b = float(np.mean(den_a)), float(np.mean(den_b))
    if mean_a <= 0 or mean_b <= 0:
        return UNDEFINED
    r_a, r_b = float(np.mean(num_a)) / mean_a, float(np.mean(num_b)) / mean_b
    influence = (num_a - r_a * den_a) / mean_a - (num_b - r_b * den_b) / mean_b
    return scaled_estimate(r_a - r_b, _standard_error(influence), scale)


def probability_below_zero(estimate: RatioEstimate) -> float | None:
    """P(the true difference is below 0) on the normal approximation of the estimate's sampling
    error: how sure the replications make us that `ours` has the smaller ratio."""
    if estimate.value is None:
        return None
    if not estimate.standard_error:
        return float(estimate.value < 0)
    return 0.5 * math.erfc(estimate.value / (estimate.standard_error * math.sqrt(2)))


def _standard_error(influence: np.ndarray) -> float:
    n = influence.size
    return float(influence.std(ddof=1)) / math.sqrt(n) if n > 1 else 0.0


def scaled_estimate(r: float, se: float, scale: float) -> RatioEstimate:
    value, half = scale * r, Z90 * scale * se
    return RatioEstimate(value, value - half, value + half, scale * se)


def wilson(hits: float, n: int) -> dict[str, float]:
    """A Monte Carlo probability, `hits` out of `n`, with its 90% Wilson interval."""
    p = hits / n if n else math.nan
    centre = (p + Z90**2 / (2 * n)) / (1 + Z90**2 / n)
    half = Z90 * math.sqrt(p * (1 - p) / n + Z90**2 / (4 * n * n)) / (1 + Z90**2 / n)
    return {"probability": p, "p5": max(0.0, centre - half), "p95": min(1.0, centre + half)}
