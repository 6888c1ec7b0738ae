"""Auction pressure from daily data: how the CPM rises with the day's spend.

The engine's curve is cpm = cpm0 * (1 + (s / s_half) ** k) (`simulator.curves.auction_cpm`). On
log scale, log cpm_d = log cpm0 + log(1 + (s_d / s_half) ** k) + e_d, fitted by least squares over
days and kept only when it beats a constant CPM by an F-test: with spend that barely varies the
curve is not identified, and inventing one would put a made-up price rise into every plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from smmsim.calibration.shrinkage import INTERVAL
from smmsim.scenarios.distributions import chi2_quantiles, f_survival, normal_quantile

SIGNIFICANCE = 0.05
MIN_DAYS = 8
# Without detected pressure the written s_half sits this far above the largest observed daily
# spend: the curve then adds at most 1% to the CPM where the data were seen.
UNDETECTED_HEADROOM = 100.0
K_MIN = 0.05
MAX_NOISE = 1.0  # the scenario schema's upper limit on `noise`
K_AT_BOUND = 0.98


@dataclass(frozen=True)
class Pressure:
    detected: bool
    s_half: float  # daily spend that doubles the CPM (UNDETECTED_HEADROOM x max spend if not)
    k: float
    s_half_interval: tuple[float, float] | None
    k_interval: tuple[float, float] | None
    p_value: float | None
    log_cpm_sd: float  # residual daily sd of log CPM: the engine's daily `noise`
    # Variance of log cpm0 that comes from not knowing the curve: its marginal variance in the fit
    # less what it would be with s_half and k known (sigma^2 / days).
    curve_log_cpm0_var: float
    spend_range: tuple[float, float]
    days: int
    note: str
    log_cpm0_fit: float = 0.0  # the fit's intercept: log cpm0 of the curve through the days

    def log_residuals(self, spend: np.ndarray, impressions: np.ndarray) -> np.ndarray:
        """Each day's log CPM less the fitted curve's (NaN on days without a price)."""
        priced = (spend > 0) & (impressions > 0)
        out = np.full(len(spend), np.nan)
        s = spend[priced]
        curve = np.log(self.factor(s)) if self.detected else 0.0
        out[priced] = np.log(1000 * s / impressions[priced]) - self.log_cpm0_fit - curve
        return out

    @property
    def noise(self) -> float:
        """The engine's daily price noise for this arm: the residual sd, within the schema's
        limit of 1 (beyond it the scenario cannot carry the spread, so neither does the fit)."""
        return min(self.log_cpm_sd, MAX_NOISE)

    def log_cpm_sd_interval(self) -> tuple[float, float] | None:
        """The residual sd's 90% interval, sd sqrt(dof / chi2_q(dof)) for normal residuals."""
        dof = self.days - (3 if self.detected else 1)
        if dof < 1 or self.log_cpm_sd <= 0:
            return None
        tail = (1 - INTERVAL) / 2
        hi_q, lo_q = chi2_quantiles(np.array([1 - tail, tail]), dof)
        return self.log_cpm_sd * math.sqrt(dof / hi_q), self.log_cpm_sd * math.sqrt(dof / lo_q)

    def factor(self, spend: np.ndarray) -> np.ndarray:
        """cpm / cpm0 at daily spend `spend`."""
        return 1 + (np.asarray(spend, dtype=float) / self.s_half) ** self.k


def _curve(params: np.ndarray, spend: np.ndarray) -> np.ndarray:
    """log cpm at `spend`; params (log cpm0, log s_half, logit k), or without k for k = 1."""
    k = special.expit(params[2]) if len(params) == 3 else 1.0
    return params[0] + np.log1p((spend / math.exp(params[1])) ** k)


def fit_pressure(spend: np.ndarray, impressions: np.ndarray) -> Pressure:
    """Fit the curve to days with both spend and impressions."""
    keep = (spend > 0) & (impressions > 0)
    s, log_cpm = spend[keep], np.log(1000 * spend[keep] / impressions[keep])
    days = int(keep.sum())
    span = (float(s.min()), float(s.max())) if days else (0.0, 0.0)
    flat_sd = float(np.std(log_cpm, ddof=1)) if days > 1 else 0.0
    if days < MIN_DAYS or span[1] <= span[0] * 1.05:
        note = f"not identified: {days} days with spend from {span[0]:.4g} to {span[1]:.4g}"
        return _undetected(span, days, flat_sd, None, note, log_cpm)
    found = _least_squares(s, log_cpm)
    rss1 = float(np.sum(found.fun**2))
    rss0 = float(np.sum((log_cpm - log_cpm.mean()) ** 2))
    dof = days - 3
    f_stat = ((rss0 - rss1) / 2) / (rss1 / dof) if rss1 > 0 else math.inf
    p_value = f_survival(f_stat, 2, dof)
    residual_sd = math.sqrt(rss1 / dof)
    if p_value >= SIGNIFICANCE:
        note = f"not detected: a flat CPM fits as well (F-test p = {p_value:.2g})"
        return _undetected(span, days, flat_sd, p_value, note, log_cpm)
    k = float(special.expit(found.x[2]))
    if k > K_AT_BOUND:
        # k sits on its bound 1, where a logit scale has no curvature to measure: refit with k
        # fixed at 1 so that s_half and cpm0 get honest intervals.
        found, k = _least_squares(s, log_cpm, fix_k=True), 1.0
    s_half_int, k_int, cpm0_var = _intervals(found, residual_sd)
    return Pressure(
        detected=True,
        s_half=math.exp(found.x[1]),
        k=k,
        s_half_interval=s_half_int,
        k_interval=k_int,
        p_value=p_value,
        log_cpm_sd=residual_sd,
        curve_log_cpm0_var=max(cpm0_var - residual_sd**2 / days, 0.0),
        spend_range=span,
        days=days,
        note=f"detected (F-test p = {p_value:.2g}) over daily spend {span[0]:.4g}-{span[1]:.4g}",
        log_cpm0_fit=float(found.x[0]),
    )


def _least_squares(s: np.ndarray, log_cpm: np.ndarray, fix_k: bool = False):
    """Bounded fit: s_half between the smallest observed daily spend and 1000x the largest, k in
    [K_MIN, 1]. Below the observed spend the curve is a pure power law whose cpm0 and s_half trade
    off without limit; the bounds keep both meaningful."""
    lo = np.array([log_cpm.min() - 10, math.log(s.min()), special.logit(K_MIN)])
    hi = np.array([log_cpm.max() + 1, math.log(1000 * s.max()), special.logit(1 - 1e-6)])
    starts = [
        np.clip(np.array([log_cpm.min(), math.log(np.median(s)), z]), lo + 1e-9, hi - 1e-9)
        for z in (0.0, 3.0)
    ]
    if fix_k:
        lo, hi, starts = lo[:2], hi[:2], [x[:2] for x in starts[:1]]
    fits = [
        optimize.least_squares(
            lambda p: _curve(p, s) - log_cpm, x0, bounds=(lo, hi), method="trf", max_nfev=4000
        )
        for x0 in starts
    ]
    return min(fits, key=lambda f: float(np.sum(f.fun**2)))


def _intervals(found, residual_sd: float) -> tuple[tuple, tuple, float]:
    """Wald intervals from the Jacobian, on log s_half and logit k, mapped back; and the
    variance of log cpm0."""
    jac = found.jac
    try:
        cov = np.linalg.inv(jac.T @ jac) * residual_sd**2
    except np.linalg.LinAlgError:
        cov = np.full((len(found.x),) * 2, np.inf)
    z = normal_quantile(0.5 + INTERVAL / 2)
    se_half = math.sqrt(max(cov[1, 1], 0))
    log_half = found.x[1]
    half = (math.exp(log_half - z * se_half), math.exp(min(log_half + z * se_half, 700)))
    k = None  # k fixed at its bound 1
    if len(found.x) == 3:
        se_k, zk = math.sqrt(max(cov[2, 2], 0)), found.x[2]
        k = (float(special.expit(zk - z * se_k)), float(special.expit(zk + z * se_k)))
    return half, k, float(cov[0, 0]) if np.isfinite(cov[0, 0]) else 0.0


def _undetected(span, days, sd, p_value, note, log_cpm: np.ndarray) -> Pressure:
    top = span[1] if span[1] > 0 else 1.0
    return Pressure(
        detected=False,
        s_half=UNDETECTED_HEADROOM * top,
        k=1.0,
        s_half_interval=None,
        k_interval=None,
        p_value=p_value,
        log_cpm_sd=sd,
        curve_log_cpm0_var=0.0,
        spend_range=span,
        days=days,
        note=note,
        log_cpm0_fit=float(log_cpm.mean()) if len(log_cpm) else 0.0,
    )


def not_priced(days: int, why: str) -> Pressure:
    """No curve for data without a price (no spend): flat, and nothing measured."""
    return _undetected((0.0, 0.0), days, 0.0, None, f"not fitted: {why}", np.zeros(0))
