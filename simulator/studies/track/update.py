"""Each arm's beliefs updated with its actuals: the conjugate updates of the plan's own priors.

Rates (CTR, join rate, conversion rate) are Beta in the plan, so the update is Beta(a + k, b + n -
k); the price is lognormal in the plan, matched by its first two moments to a Gamma on impressions
per unit of money (theta = 1000 / cpm0), so the update is Gamma(alpha + impressions, beta +
exposure). These are the updates `calibration/shrinkage.py` makes (that layer cannot be imported
from the studies), with the plan's belief as the prior instead of an empirical-Bayes one.

What the engine does to a day's numbers is taken out first, so that the update sees the base
rates the plan's beliefs are about: auction pressure, the weekday multiplier, the learning phase
and the mean-one price noise on the CPM, and creative wear-out on the CTR (from the arm's own
cumulative frequency, as the engine counts it). Real days vary more than Binomial or Poisson
noise, so counts are divided by the Pearson dispersion over days (quasi-likelihood, never below
1): a month of noisy days carries the evidence of fewer, cleaner trials.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from smmsim.scenarios.distributions import gamma_quantiles
from smmsim.scenarios.documents import Document
from smmsim.scenarios.priors import Beta, LogNormal
from smmsim.simulator.arms import ArmTable
from smmsim.simulator.curves import auction_cpm, fatigued_ctr, frequency, unique_reach
from smmsim.simulator.studies.track.actuals import Actuals

INTERVAL = 0.90
TAIL = (1 - INTERVAL) / 2
RATE_STEPS = {"ctr": ("clicks", "impressions"), "join_rate": ("joins", "clicks"),
              "cvr": ("conversions", "clicks")}  # fmt: skip


@dataclass(frozen=True)
class BeliefUpdate(Document):
    """One belief before and after the actuals: means and 90% intervals, the raw observed value,
    the dispersion the counts were divided by, and whether it moved (a belief the plan states
    as known exactly, a bare number, cannot)."""

    prior_mean: float
    prior_p5: float
    prior_p95: float
    mean: float
    sd: float
    p5: float
    p95: float
    observed: float | None  # the raw ratio of the actuals (None: no trials)
    dispersion: float
    updated: bool


@dataclass(frozen=True)
class ArmUpdate(Document):
    arm: str
    days: int  # days with spend
    cpm: BeliefUpdate
    ctr: BeliefUpdate
    join_rate: BeliefUpdate
    cvr: BeliefUpdate
    learning_left: float  # conversions still needed to leave the learning phase


def update_arms(actuals: Actuals, table: ArmTable, weekdays: np.ndarray) -> list[ArmUpdate]:
    """Every ad arm's beliefs after its actuals (`weekdays`: Monday = 0 of each tracked day)."""
    return [_update_arm(actuals, table, weekdays, j) for j in range(table.n)]


def _update_arm(actuals: Actuals, table: ArmTable, weekdays: np.ndarray, j: int) -> ArmUpdate:
    day = {v: actuals.values[v][:, j] for v in actuals.values}
    day["conversions"] = np.minimum(day["conversions"], day["clicks"])  # no rate above 1
    learning = _learning_days(day["conversions"], table.learn_conversions[j])
    efficiency = np.where(learning, table.learn_efficiency[j], 1.0)
    price = table.day_of_week[j, weekdays] / efficiency
    pressure = auction_cpm(1.0, day["spend"], table.s_half[j], table.k[j])
    # E[1 / noise] of the mean-one lognormal price noise: a noisy price buys more on average.
    exposure = day["spend"] / (pressure * price) * math.exp(table.noise[j] ** 2)
    cumulative = np.cumsum(day["impressions"])
    reach = unique_reach(cumulative, table.audience[j])
    fresh = fatigued_ctr(1.0, frequency(cumulative, reach), table.f0[j], table.phi[j])
    trials = {"impressions": day["impressions"] * fresh, "clicks": day["clicks"]}
    rates = {
        rate: _rate_update(day[k], trials[n], table.priors[rate][j], day[k].sum(), day[n].sum())
        for rate, (k, n) in RATE_STEPS.items()
    }
    left = max(float(table.learn_conversions[j] - day["conversions"].sum()), 0.0)
    return ArmUpdate(
        arm=table.names[j],
        days=int((day["spend"] > 0).sum()),
        cpm=_price_update(day["impressions"], exposure, day["spend"], table.priors["cpm"][j]),
        **rates,
        learning_left=left,
    )


def _learning_days(conversions: np.ndarray, needed: float) -> np.ndarray:
    """Days the arm was still learning: before the day it had fewer conversions than needed (a
    budget change large enough to restart learning is not seen in the totals, so not counted)."""
    before = np.concatenate([[0.0], np.cumsum(conversions)[:-1]])
    return before < needed


def _rate_update(k: np.ndarray, n: np.ndarray, prior: Beta, k_raw: float, n_raw: float):
    observed = k_raw / n_raw if n_raw > 0 else None
    lo, hi = _beta_interval(prior)
    if prior.point is not None or n.sum() <= 0:
        mean, sd = prior.mean, _beta_sd(prior)
        return BeliefUpdate(prior.mean, lo, hi, mean, sd, lo, hi, observed, 1.0, False)
    phi = _binomial_dispersion(k, n)
    post = Beta(prior.a + k.sum() / phi, prior.b + (n.sum() - k.sum()) / phi)
    p5, p95 = _beta_interval(post)
    return BeliefUpdate(prior.mean, lo, hi, post.mean, _beta_sd(post), p5, p95, observed, phi, True)


def _price_update(impressions: np.ndarray, exposure: np.ndarray, spend: np.ndarray, prior):
    """The CPM's update through theta = 1000 / cpm0 ~ Gamma(alpha, beta), moment-matched to the
    plan's lognormal: theta is lognormal(ln 1000 - mu, sigma), so alpha = 1 / (e^sigma^2 - 1)."""
    prior_lo, prior_hi = (float(x) for x in prior.quantile(np.array([TAIL, 1 - TAIL])))
    observed = 1000 * spend.sum() / impressions.sum() if impressions.sum() > 0 else None
    if prior.sigma == 0 or exposure.sum() <= 0:
        sd = prior.mean * math.sqrt(math.expm1(prior.sigma**2))
        return BeliefUpdate(
            prior.mean, prior_lo, prior_hi, prior.mean, sd, prior_lo, prior_hi, observed, 1.0, False
        )
    alpha = 1 / math.expm1(prior.sigma**2)
    beta = alpha / (1000 * math.exp(-prior.mu + prior.sigma**2 / 2))
    phi = _poisson_dispersion(impressions, exposure)
    alpha, beta = alpha + impressions.sum() / phi, beta + exposure.sum() / phi
    theta_hi, theta_lo = gamma_quantiles(np.array([1 - TAIL, TAIL]), alpha, beta)
    mean = 1000 * beta / (alpha - 1)
    sd = mean / math.sqrt(alpha - 2) if alpha > 2 else math.inf
    return BeliefUpdate(
        prior.mean, prior_lo, prior_hi, mean, sd, 1000 / theta_hi, 1000 / theta_lo, observed, phi,
        True,
    )  # fmt: skip


def _binomial_dispersion(k: np.ndarray, n: np.ndarray) -> float:
    p = k.sum() / n.sum()
    return _pearson(k, n * p, n * p * (1 - p))


def _poisson_dispersion(counts: np.ndarray, exposure: np.ndarray) -> float:
    rate = counts.sum() / exposure.sum()
    return _pearson(counts, exposure * rate, exposure * rate)


def _pearson(observed: np.ndarray, expected: np.ndarray, variance: np.ndarray) -> float:
    """Chi-square per degree of freedom over days, at least 1 (no less noise than the count
    model); 1 with fewer than two days to compare."""
    keep = variance > 0
    dof = int(keep.sum()) - 1
    if dof < 1:
        return 1.0
    chi2 = float(np.sum((observed[keep] - expected[keep]) ** 2 / variance[keep]))
    return max(1.0, chi2 / dof)


def _beta_interval(belief: Beta) -> tuple[float, float]:
    lo, hi = belief.quantile(np.array([TAIL, 1 - TAIL]))
    return float(lo), float(hi)


def _beta_sd(belief: Beta) -> float:
    return math.sqrt(max(belief.second_moment - belief.mean**2, 0.0))


__all__ = ["ArmUpdate", "BeliefUpdate", "LogNormal", "update_arms"]
