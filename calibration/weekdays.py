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
from scipy import stats

from calibration.shrinkage import INTERVAL

SIGNIFICANCE = 0.05
MIN_DAYS = 14
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


def detrended(dates: np.ndarray, residuals: np.ndarray) -> np.ndarray:
    """Residuals less their centred 7-day mean (NaN where the week around a day is not all
    there). Real prices drift over weeks; left in, the drift makes neighbouring days alike, and
    an F-test that takes days as independent then finds weekly patterns that are not there."""
    day = dates.astype("datetime64[D]").astype(np.int64)
    series = np.full(int(day.max() - day.min()) + 1, np.nan)
    series[day - day.min()] = residuals
    windows = np.lib.stride_tricks.sliding_window_view(series, 7)
    trend = np.full(len(series), np.nan)
    trend[3:-3] = windows.mean(axis=1)  # NaN if any day of the week is missing
    return (series - trend)[day - day.min()]


def fit_weekdays(dates: np.ndarray, residuals: np.ndarray) -> Weekdays:
    """Weekday multipliers from daily log-CPM residuals (NaN where a day has no price)."""
    if len(dates) >= 7:
        residuals = detrended(dates, residuals)
    keep = np.isfinite(residuals)
    days, r, w = int(keep.sum()), residuals[keep], weekday_of(dates[keep])
    counts = np.bincount(w, minlength=7)
    if days < MIN_DAYS or counts.min() < 2:
        return flat(f"not identified: {days} priced days, fewer than 2 of some weekday")
    means = np.bincount(w, weights=r, minlength=7) / counts
    within = float(np.sum((r - means[w]) ** 2))
    between = float(np.sum(counts * (means - r.mean()) ** 2))
    dof_within = days - 7
    if within <= 0:
        return flat("not identified: no day-to-day variation")
    p_value = float(stats.f.sf((between / 6) / (within / dof_within), 6, dof_within))
    if p_value >= SIGNIFICANCE:
        return flat(f"no weekly pattern (F-test p = {p_value:.2g})", p_value)
    centre = math.log(np.mean(np.exp(means)))  # the engine normalises multipliers to mean 1
    z = stats.norm.ppf(0.5 + INTERVAL / 2)
    se = math.sqrt(within / dof_within) / np.sqrt(counts)
    multipliers = tuple(float(x) for x in np.exp(means - centre))
    intervals = tuple(
        (float(math.exp(m - centre - z * s)), float(math.exp(m - centre + z * s)))
        for m, s in zip(means, se, strict=True)
    )
    return Weekdays(
        True, multipliers, intervals, p_value, f"weekly pattern (F-test p = {p_value:.2g})"
    )
