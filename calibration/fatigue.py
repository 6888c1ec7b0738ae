"""Frequency fatigue from daily reach: how CTR wears out as the same people see the ads again.

The engine's curve is ctr = ctr0 * exp(-phi * max(0, F - f0)), with F the cumulative frequency,
C / (N (1 - exp(-C / N))) after C impressions in an audience of N (`simulator.curves`). Exports
give each day's impressions and unique reach, and a day's reach r after i impressions in the same
model is N (1 - exp(-i / N)), so each day pins down N; their median is the audience. Then F
follows from the cumulative impressions, and (ctr0, phi, f0) are fitted by binomial likelihood
over days, f0 on a grid. phi's interval is Wald on the dispersion-scaled information.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from smmsim.calibration.shrinkage import INTERVAL
from smmsim.scenarios.distributions import normal_quantile
from smmsim.simulator.curves import fatigued_ctr

MIN_DAYS = 8
MIN_FREQUENCY_SPAN = 0.5  # the cumulative frequency must move this much to show any wear-out
F0_GRID = 25
DETECTION_Z = 2.576  # 0.5% one-sided at a fixed f0; the grid's search brings it near 2-3%


@dataclass(frozen=True)
class Fatigue:
    identified: bool  # the data could show wear-out (reach known, frequency moved)
    detected: bool  # and they do: phi's interval excludes 0
    audience: float | None  # people, from daily reach
    phi: float
    f0: float
    phi_interval: tuple[float, float] | None
    frequency_range: tuple[float, float] | None
    note: str
    factor_by_day: np.ndarray  # ctr / ctr0 on each day (1 where not identified)


def daily_audiences(impressions: np.ndarray, reach: np.ndarray) -> list[float]:
    """For each day with r < i, the N solving r = N (1 - exp(-i / N))."""
    sizes = []
    for i, r in zip(np.nan_to_num(impressions), np.nan_to_num(reach), strict=True):
        if not (r > 0 and i > r * (1 + 1e-6)):
            continue
        gap = lambda n, i=i, r=r: n * -math.expm1(-i / n) - r  # noqa: E731
        sizes.append(optimize.brentq(gap, r * (1 + 1e-9), r * 1e9))
    return sizes


def audience_from_reach(impressions: np.ndarray, reach: np.ndarray) -> float | None:
    """Median over days of the daily audiences; None if no day has r < i."""
    sizes = daily_audiences(impressions, reach)
    return float(np.median(sizes)) if sizes else None


def cumulative_frequency(impressions: np.ndarray, audience: float) -> np.ndarray:
    cumulative = np.cumsum(impressions)
    reach = audience * -np.expm1(-cumulative / audience)
    return np.divide(cumulative, reach, out=np.ones_like(cumulative), where=reach > 0)


def no_fatigue(days: int, note: str, audience: float | None = None, span=None) -> Fatigue:
    return Fatigue(False, False, audience, 0.0, 3.0, None, span, note, np.ones(days))


def fit_fatigue(
    impressions: np.ndarray,
    reach: np.ndarray,
    clicks: np.ndarray,
    dispersion: float,
    audience: float | None = None,
) -> Fatigue:
    """Fit wear-out to one group's consecutive days; `dispersion` scales the likelihood.

    `audience` is the N the frequency is counted in: the engine counts every arm's frequency
    in its platform's one audience, so the fit must too, or phi and f0 would mean another
    frequency than the one the scenario applies them to. Without it, the arm's own reach gives N.
    """
    days = len(impressions)
    if np.all(np.isnan(reach)):
        return no_fatigue(days, "no reach or frequency column")
    if audience is None:
        audience = audience_from_reach(impressions, np.nan_to_num(reach))
    if audience is None:
        return no_fatigue(days, "not identified: daily reach equals impressions (frequency 1)")
    freq = cumulative_frequency(impressions, audience)
    span = (float(freq.min()), float(freq.max()))
    if days < MIN_DAYS or span[1] - span[0] < MIN_FREQUENCY_SPAN:
        return no_fatigue(days, "not identified: frequency barely moves", audience, span)
    best = min(
        (_fit_at(f0, freq, impressions, clicks) for f0 in _f0_grid(span)),
        key=lambda fit: fit[0],
    )
    _, f0, log_ctr0, phi = best
    se = _phi_se(f0, log_ctr0, phi, freq, impressions, clicks) * math.sqrt(dispersion)
    z = normal_quantile(0.5 + INTERVAL / 2)
    interval = (max(0.0, phi - z * se), phi + z * se)
    # f0 is the best of a grid, which makes a Wald test at it too eager (about 3 times its
    # nominal rate under no wear-out): detection asks phi to clear 0 by DETECTION_Z standard
    # errors, while the interval reported stays the 90% one.
    detected = phi - DETECTION_Z * se > 0
    if not detected:  # a wear-out the data cannot tell from none is not put into plans
        note = f"no wear-out detected (phi {phi:.3g}, interval includes 0)"
        return Fatigue(True, False, audience, 0.0, 3.0, interval, span, note, np.ones(days))
    note = f"wear-out from frequency {f0:.3g}, phi {phi:.3g} per unit of frequency"
    factor = fatigued_ctr(1.0, freq, f0, phi)
    return Fatigue(True, True, audience, phi, f0, interval, span, note, factor)


def _f0_grid(span: tuple[float, float]) -> np.ndarray:
    return np.linspace(max(1.0, span[0]), max(1.0, span[1] - MIN_FREQUENCY_SPAN / 2), F0_GRID)


def _log_likelihood(log_ctr0, phi, f0, freq, n, k) -> float:
    p = np.clip(math.exp(log_ctr0) * np.exp(-phi * np.maximum(0.0, freq - f0)), 1e-12, 1 - 1e-12)
    return float(np.sum(k * np.log(p) + (n - k) * np.log1p(-p)))


def _fit_at(f0: float, freq, n, k) -> tuple[float, float, float, float]:
    start = math.log(max(k.sum(), 0.5) / n.sum())
    found = optimize.minimize(
        lambda x: -_log_likelihood(x[0], x[1], f0, freq, n, k),
        np.array([start, 0.01]),
        method="L-BFGS-B",
        bounds=[(start - 5, min(0.0, start + 5)), (0.0, 5.0)],
    )
    return float(found.fun), float(f0), float(found.x[0]), float(found.x[1])


def _phi_se(f0, log_ctr0, phi, freq, n, k) -> float:
    """sqrt of [inverse observed information]_phi,phi, by central differences."""
    x = np.array([log_ctr0, phi])
    h = np.array([1e-4, max(1e-5, 1e-3 * phi)])

    def ll(v):
        return _log_likelihood(v[0], max(v[1], 0.0), f0, freq, n, k)

    hess = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            e_i, e_j = np.eye(2)[i] * h[i], np.eye(2)[j] * h[j]
            hess[i, j] = (
                ll(x + e_i + e_j) - ll(x + e_i - e_j) - ll(x - e_i + e_j) + ll(x - e_i - e_j)
            ) / (4 * h[i] * h[j])
    try:
        cov = np.linalg.inv(-hess)
    except np.linalg.LinAlgError:
        return math.inf
    return math.sqrt(max(cov[1, 1], 0.0))
