"""Empirical-Bayes shrinkage: small groups borrow strength from the groups around them.

Rates (CTR, join rate, conversion rate) are Beta-Binomial: each group's true rate is drawn from a
Beta(a, b) shared by its platform, fitted by maximising the marginal likelihood of every group's
counts. Prices are Gamma-Poisson: impressions per unit of (pressure-adjusted) spend, Gamma(alpha,
beta) across groups. A group's posterior is the conjugate update of that shared prior.

Real daily counts vary far more than Binomial or Poisson noise (prices and CTRs move from day to
day), so counts are first divided by a dispersion factor phi, the Pearson chi-square per degree of
freedom over days (quasi-likelihood). A group seen on many noisy days then carries the evidence of
fewer, cleaner trials, and its interval is honest about the day-to-day variation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from smmsim.scenarios.distributions import beta_quantiles, gamma_quantiles

INTERVAL = 0.90
# With fewer groups than this the spread between groups cannot be estimated from them.
MIN_GROUPS_FOR_PRIOR = 3
# A weak prior (worth this many trials) centred on the pooled rate, when there is nothing to
# borrow from: it keeps a group with no clicks from a 0% estimate without moving a real one.
WEAK_PRIOR_TRIALS = 2.0
JEFFREYS = 0.5  # the smallest Beta shape a prior gets: Jeffreys' prior for a binomial rate
# The price's weak prior: Gamma shape 3 is the smallest whose 1000 / theta has a finite sd.
WEAK_PRICE_SHAPE = 3.0


@dataclass(frozen=True)
class BetaEstimate:
    """A rate's posterior Beta(a, b), and the prior it was shrunk towards."""

    a: float
    b: float
    prior_a: float
    prior_b: float
    dispersion: float

    @property
    def mean(self) -> float:
        return self.a / (self.a + self.b)

    @property
    def sd(self) -> float:
        s = self.a + self.b
        return math.sqrt(self.a * self.b / (s * s * (s + 1)))

    def interval(self, level: float = INTERVAL) -> tuple[float, float]:
        tail = (1 - level) / 2
        lo, hi = beta_quantiles(np.array([tail, 1 - tail]), self.a, self.b)
        return float(lo), float(hi)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.beta(self.a, self.b, size)


@dataclass(frozen=True)
class PriceEstimate:
    """Posterior Gamma(alpha, beta) of impressions per unit of exposure; cpm0 = 1000 / theta when
    exposure is spend / pressure (see `fit_price`)."""

    alpha: float
    beta: float
    prior_alpha: float
    prior_beta: float
    dispersion: float

    @property
    def cpm_mean(self) -> float:
        """E[1000 / theta] for theta ~ Gamma(alpha, rate beta) is 1000 beta / (alpha - 1)."""
        return 1000 * self.beta / (self.alpha - 1)

    @property
    def cpm_sd(self) -> float:
        a = self.alpha
        return self.cpm_mean / math.sqrt(a - 2) if a > 2 else math.inf

    def interval(self, level: float = INTERVAL) -> tuple[float, float]:
        tail = (1 - level) / 2
        theta = gamma_quantiles(np.array([1 - tail, tail]), self.alpha, self.beta)
        lo, hi = 1000 / theta
        return float(lo), float(hi)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return 1000 / rng.gamma(self.alpha, 1 / self.beta, size)


def pearson_dispersion(observed: np.ndarray, expected: np.ndarray, variance: np.ndarray) -> tuple:
    """(chi-square, degrees of freedom) of daily counts around their expectation."""
    keep = variance > 0
    chi2 = float(np.sum((observed[keep] - expected[keep]) ** 2 / variance[keep]))
    return chi2, max(int(keep.sum()) - 1, 0)


def pooled_dispersion(parts: list[tuple[float, int]]) -> float:
    """phi = sum chi2 / sum dof over groups, never below 1 (no less noise than the count model)."""
    chi2 = sum(c for c, _ in parts)
    dof = sum(d for _, d in parts)
    return max(1.0, chi2 / dof) if dof > 0 else 1.0


def binomial_dispersion(k_days: np.ndarray, n_days: np.ndarray) -> tuple[float, int]:
    n = n_days.sum()
    p = k_days.sum() / n if n > 0 else 0.0
    return pearson_dispersion(k_days, n_days * p, n_days * p * (1 - p))


def poisson_dispersion(counts: np.ndarray, exposure: np.ndarray) -> tuple[float, int]:
    total = exposure.sum()
    rate = counts.sum() / total if total > 0 else 0.0
    return pearson_dispersion(counts, exposure * rate, exposure * rate)


def fit_beta_prior(k: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Beta(a, b) maximising the Beta-Binomial marginal likelihood of groups (k_i of n_i).

    log p(k | n, a, b) = log B(a + k, b + n - k) - log B(a, b) (+ a constant); real-valued
    counts are fine, which the dispersion-scaled counts are. The concentration a + b is capped
    at the median arm's trials: with a handful of arms the marginal likelihood often prefers
    complete pooling, which would pull a large, genuinely different arm onto its platform's
    mean; capped, the prior weighs like one typical arm, so small arms borrow and large ones
    keep their own evidence.
    """
    pooled = (k.sum() + 0.5) / (n.sum() + 1.0)
    if len(k) < MIN_GROUPS_FOR_PRIOR or k.sum() == 0 or k.sum() == n.sum():
        # Too few arms to see their spread, or no success (or no failure) anywhere: the marginal
        # likelihood then runs the prior's mean to 0 (or 1); the weak prior keeps it honest.
        a, b = pooled * WEAK_PRIOR_TRIALS, (1 - pooled) * WEAK_PRIOR_TRIALS
        return max(a, JEFFREYS), max(b, JEFFREYS)
    cap = max(float(np.median(n)), WEAK_PRIOR_TRIALS)

    def negative_log_likelihood(x: np.ndarray) -> float:
        mean = special.expit(x[0])
        concentration = min(math.exp(x[1]), cap)
        a, b = mean * concentration, (1 - mean) * concentration
        return -float(np.sum(special.betaln(a + k, b + n - k) - special.betaln(a, b)))

    start = np.array([special.logit(pooled), math.log(min(10.0, cap))])
    found = optimize.minimize(
        negative_log_likelihood,
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000},
    )
    mean = float(special.expit(found.x[0]))
    concentration = min(math.exp(found.x[1]), cap)
    # Neither shape below Jeffreys' 1/2: a prior that piles up at 0 or 1 says more than any set
    # of arms can.
    return max(mean * concentration, JEFFREYS), max((1 - mean) * concentration, JEFFREYS)


def fit_gamma_prior(counts: np.ndarray, exposure: np.ndarray) -> tuple[float, float]:
    """Gamma(alpha, rate beta) maximising the Gamma-Poisson (negative binomial) marginal
    likelihood: log p = lgamma(alpha + y) - lgamma(alpha) + alpha log(beta / (beta + x))
    + y log(x / (beta + x)). alpha is capped at the median arm's count for the reason given
    above, and kept at least WEAK_PRICE_SHAPE so that every arm's 1000 / theta has a mean and sd."""
    if exposure.sum() <= 0:
        raise ValueError("no group spent anything: there is no price to put a prior on")
    rate = (counts.sum() + 0.5) / exposure.sum()
    if len(counts) < MIN_GROUPS_FOR_PRIOR:
        return WEAK_PRICE_SHAPE, WEAK_PRICE_SHAPE / rate  # centred on the pooled rate
    cap = max(float(np.median(counts)), WEAK_PRICE_SHAPE)

    def negative_log_likelihood(x: np.ndarray) -> float:
        alpha = float(np.clip(math.exp(x[0]), WEAK_PRICE_SHAPE, cap))
        beta = alpha / math.exp(x[1])  # parametrised by the mean rate, which the data pin down
        return -float(
            np.sum(
                special.gammaln(alpha + counts)
                - special.gammaln(alpha)
                + alpha * np.log(beta / (beta + exposure))
                + counts * np.log(exposure / (beta + exposure))
            )
        )

    start = np.array([math.log(10.0), math.log(rate)])
    found = optimize.minimize(
        negative_log_likelihood,
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000},
    )
    alpha = float(np.clip(math.exp(found.x[0]), WEAK_PRICE_SHAPE, cap))
    return alpha, alpha / math.exp(found.x[1])


def shrink_rates(k: np.ndarray, n: np.ndarray, dispersion: np.ndarray) -> list[BetaEstimate]:
    """Each group's posterior under the prior fitted to all of them (dispersion-scaled); a group
    with no trials has nothing to say about the spread, so it only receives the prior."""
    k_eff, n_eff = k / dispersion, n / dispersion
    seen = n_eff > 0
    a, b = fit_beta_prior(k_eff[seen], n_eff[seen])
    return [
        BetaEstimate(a + ki, b + ni - ki, a, b, float(phi))
        for ki, ni, phi in zip(k_eff, n_eff, dispersion, strict=True)
    ]


def shrink_prices(counts: np.ndarray, exposure: np.ndarray, dispersion: np.ndarray) -> list:
    """As `shrink_rates`, for prices: the prior is fitted to the groups that spent."""
    y, x = counts / dispersion, exposure / dispersion
    spent = x > 0
    alpha, beta = fit_gamma_prior(y[spent], x[spent])
    return [
        PriceEstimate(alpha + yi, beta + xi, alpha, beta, float(phi))
        for yi, xi, phi in zip(y, x, dispersion, strict=True)
    ]
