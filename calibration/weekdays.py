"""Day-of-week prices: weekday CPM multipliers from what is left after the auction curve.

The engine multiplies each day's CPM by `day_of_week[weekday]` (Monday first, mean 1). After the
auction curve, the residual log CPMs of each weekday are averaged; the multipliers are their
exponentials scaled to mean 1. They are kept only when a one-way analysis of variance says the
weekdays differ (F-test, p < 0.05) over at least two full weeks: otherwise a flat week is written,
since a weekly pattern read into noise would move every plan's daily prices for nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from smmsim.calibration.shrinkage import INTERVAL
from smmsim.scenarios.distributions import f_survival, normal_quantile

SIGNIFICANCE = 0.05
MIN_DAYS = 14
DRIFT_DEGREE = 4
FLAT = (1.0,) * 7


@dataclass(frozen=True)
class Weekdays:
    detected: bool
    multipliers: tuple[float, ...]  # Monday..Sunday, mean 1
    intervals: tuple[tuple[float, float], ...] | None
    p_value: float | None
    note: str

    def on(self, dates: np.ndarray) -> np.ndarray:
        """Each date's multiplier."""
        return np.asarray(self.multipliers)[weekday_of(dates)]


def weekday_of(dates: np.ndarray) -> np.ndarray:
    """Monday 0 .. Sunday 6 of datetime64[D] dates (1970-01-01 was a Thursday)."""
    return (dates.astype("datetime64[D]").astype(np.int64) + 3) % 7


def flat(note: str, p_value: float | None = None) -> Weekdays:
    return Weekdays(False, FLAT, None, p_value, note)


def _design(day: np.ndarray, weekday: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(drift-only design, drift plus weekday contrasts). The drift is a smooth polynomial in
    time, one degree per two weeks up to DRIFT_DEGREE: smooth enough that no weekly wiggle
    fits into it, flexible enough for the slow moves of real prices. (Week-by-week levels are no
    alternative: with them a drift within the week is exactly a Monday-to-Sunday pattern.)"""
    span = max(float(np.ptp(day)), 1.0)
    x = 2 * (day - day.min()) / span - 1
    degree = int(np.clip(span // 14, 1, DRIFT_DEGREE))
    drift = np.polynomial.legendre.legvander(x, degree)
    contrasts = (weekday[:, None] == np.arange(1, 7)[None, :]).astype(float)
    return drift, np.hstack([drift, contrasts])


def _rss(design: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, int]:
    coef, _, rank, _ = np.linalg.lstsq(design, y, rcond=None)
    return float(np.sum((y - design @ coef) ** 2)), coef, int(rank)


def fit_weekdays(dates: np.ndarray, residuals: np.ndarray) -> Weekdays:
    """Weekday multipliers from daily log-CPM residuals (NaN where a day has no price).

    A regression on a smooth drift plus weekday contrasts: prices drift, and read against the
    whole period's mean any trend would pass for a weekly pattern. The F-test of the weekday
    contrasts is exact for independent noise around such a drift.
    """
    keep = np.isfinite(residuals)
    days, r = int(keep.sum()), residuals[keep]
    day_number = dates[keep].astype("datetime64[D]").astype(np.int64)
    weekday = weekday_of(dates[keep])
    counts = np.bincount(weekday, minlength=7)
    if days < MIN_DAYS or counts.min() < 2:
        return flat(f"not identified: {days} priced days, fewer than 2 of some weekday")
    blocks, full = _design(day_number, weekday)
    rss_blocks, _, rank_blocks = _rss(blocks, r)
    rss_full, coef, rank_full = _rss(full, r)
    dof = days - rank_full
    if dof < 1 or rss_full <= 0 or rank_full - rank_blocks < 6:
        return flat("not identified: too few days beside the weekly blocks")
    p_value = f_survival(((rss_blocks - rss_full) / 6) / (rss_full / dof), 6, dof)
    if p_value >= SIGNIFICANCE:
        return flat(f"no weekly pattern (F-test p = {p_value:.2g})", p_value)
    effects = np.concatenate([[0.0], coef[-6:]])  # log multipliers against Monday
    cov = np.linalg.pinv(full.T @ full)[-6:, -6:] * rss_full / dof
    se = np.sqrt(np.concatenate([[0.0], np.diag(cov)]))
    # The engine normalises multipliers to mean 1; Monday's own uncertainty is then that of the
    # others' mean, which the contrasts' average carries: approximate it by the mean variance.
    se[0] = math.sqrt(float(np.mean(np.diag(cov))))
    centre = math.log(np.mean(np.exp(effects)))
    z = normal_quantile(0.5 + INTERVAL / 2)
    multipliers = tuple(float(x) for x in np.exp(effects - centre))
    intervals = tuple(
        (float(math.exp(e - centre - z * s)), float(math.exp(e - centre + z * s)))
        for e, s in zip(effects, se, strict=True)
    )
    return Weekdays(
        True, multipliers, intervals, p_value, f"weekly pattern (F-test p = {p_value:.2g})"
    )
