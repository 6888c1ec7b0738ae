"""What a test has seen of each arm, and the Bayesian posterior on its cost per conversion.

A strategy judges arms by what the ad platform reports: spend, impressions and direct conversions.
Per impression an arm converts with probability rho = ctr * cvr; the prior on rho is the Beta with
the mean and variance of the product of the planner's CTR and CVR priors, and the conjugate update
after X conversions from I impressions is Beta(a0 + X, b0 + I - X). The CPM is observed directly
(thousands of impressions pin it down), so an arm's CPA is CPM / (1000 rho) and

    P(CPA <= target) = P(rho >= CPM / (1000 target)),

a Beta tail probability. To compare arms at other spend levels the observed CPM is divided by the
auction-pressure factor (1 + (s / s_half) ** k) of each day's budget, which the planner knows.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from smmsim.simulator.arms import ArmTable
from smmsim.simulator.delivery import DayOutcome

# A rate known exactly becomes a Beta prior this concentrated: data barely moves it.
KNOWN_RATE_CONCENTRATION = 1e8


def conversion_prior(arms: ArmTable) -> tuple[np.ndarray, np.ndarray]:
    """(a0, b0) per arm: the Beta matching mean and variance of ctr * cvr under the priors."""
    ctr, cvr = arms.priors["ctr"], arms.priors["cvr"]
    mean = np.array([c.mean * v.mean for c, v in zip(ctr, cvr, strict=True)])
    second = np.array([c.second_moment * v.second_moment for c, v in zip(ctr, cvr, strict=True)])
    var = second - mean**2
    concentration = np.divide(
        mean * (1 - mean),
        var,
        out=np.full_like(mean, KNOWN_RATE_CONCENTRATION),
        where=var > mean * (1 - mean) / KNOWN_RATE_CONCENTRATION,
    )
    concentration = np.maximum(concentration - 1, 1e-6)
    return mean * concentration, (1 - mean) * concentration


def prior_mean_cpm(arms: ArmTable) -> np.ndarray:
    return np.array([d.mean for d in arms.priors["cpm"]])


def prior_conversions_per_money(arms: ArmTable) -> np.ndarray:
    """(arms,) expected direct conversions per unit of money under the priors:
    1000 E[ctr] E[cvr] E[1 / cpm], with E[1 / cpm] = exp(-mu + sigma^2 / 2) for a lognormal."""
    inverse_cpm = np.array([d.power_mean(-1) for d in arms.priors["cpm"]])
    ctr = np.array([d.mean for d in arms.priors["ctr"]])
    cvr = np.array([d.mean for d in arms.priors["cvr"]])
    return 1000 * ctr * cvr * inverse_cpm


class Evidence:
    """Per replication and arm: spend, impressions and direct conversions seen so far."""

    def __init__(self, arms: ArmTable, n_reps: int):
        shape = (n_reps, arms.n)
        self.arms = arms
        self.a0, self.b0 = conversion_prior(arms)
        self.prior_cpm = prior_mean_cpm(arms)
        self.spend = np.zeros(shape)
        self.impressions = np.zeros(shape)
        self.conversions = np.zeros(shape)
        self.pressured_impressions = np.zeros(shape)  # impressions x the day's pressure factor

    def add(self, outcome: DayOutcome) -> None:
        """A day's report; its CPM's auction pressure is the delivery's own, of the day's
        budget (which the planner sets, so knows)."""
        self.spend += outcome.spend
        self.impressions += outcome.impressions
        self.conversions += outcome.direct_conversions
        self.pressured_impressions += outcome.impressions * outcome.pressure

    def posterior(self) -> tuple[np.ndarray, np.ndarray]:
        """Beta(a, b) on conversions per impression, (reps, arms) each."""
        failures = np.maximum(self.impressions - self.conversions, 0.0)
        return self.a0 + self.conversions, self.b0 + failures

    def observed_cpm(self) -> np.ndarray:
        """The CPM the platform reported; the prior mean where an arm has no impression yet."""
        return self._per_thousand(self.spend, self.impressions)

    def base_cpm(self) -> np.ndarray:
        """The CPM at no auction pressure, as estimated from the days seen."""
        return self._per_thousand(self.spend, self.pressured_impressions)

    def _per_thousand(self, spend: np.ndarray, impressions: np.ndarray) -> np.ndarray:
        seen = impressions > 0
        ratio = np.divide(1000 * spend, impressions, out=np.zeros_like(spend), where=seen)
        return np.where(seen, ratio, self.prior_cpm)

    def probability_cpa_at_most(self, target: float) -> np.ndarray:
        """(reps, arms) posterior P(CPA <= target) at the CPM observed."""
        a, b = self.posterior()
        threshold = np.minimum(self.observed_cpm() / (1000 * target), 1.0)
        return 1 - incomplete_beta()(a, b, threshold)

    def mean_conversions_per_money(self) -> np.ndarray:
        """(reps, arms) posterior mean conversions per unit of money at no pressure."""
        a, b = self.posterior()
        return 1000 * (a / (a + b)) / self.base_cpm()


@cache
def incomplete_beta():
    """scipy's regularised incomplete beta, imported on first use: scipy.special takes 0.2-0.3 s
    to load, and only a strategy judging arms by a posterior's tail needs it (`Policy.
    reads_posterior_tail`). Its shapes reach the impressions seen, millions, where a continued
    fraction like the prior tables' (`prior_kernels.py`) would need thousands of terms a value."""
    from scipy.special import betainc

    return betainc
