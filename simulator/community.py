"""The community stock: members who joined, churn, buy later and recommend.

A new member spends `conversion_lag_days` in a pipeline (joined, not yet buying or leaving), then
becomes mature: mature members churn and convert at daily rates compounded from the scenario's
monthly ones. Every member makes natural recommendations (Poisson), and each recommendation turns
into a referral conversion with `referral_conversion_rate`, at no media cost.

Members are counted per acquiring line (a tool on a platform). A line may bring members of its own
quality: contest entrants churn faster and buy less, through per-line multipliers of the monthly
rates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smmsim.scenarios.schema import Community
from smmsim.simulator.curves import DAYS_PER_MONTH, monthly_to_daily_probability
from smmsim.simulator.randomness import Draws

# A multiplied monthly churn is kept below certainty: a month of churn 1 would empty the stock
# in a day, which no contest does.
MAX_CHURN = 0.95


@dataclass(frozen=True)
class CommunityDay:
    member_conversions: np.ndarray
    recommendations: np.ndarray
    referral_conversions: np.ndarray


class CommunityStock:
    def __init__(
        self,
        params: Community,
        n_reps: int,
        n_arms: int,
        draws: Draws,
        churn_multiplier: np.ndarray | float = 1.0,
        conversion_multiplier: np.ndarray | float = 1.0,
    ):
        self.lag = params.conversion_lag_days
        churn = np.minimum(params.churn_per_month * np.asarray(churn_multiplier), MAX_CHURN)
        self.churn = monthly_to_daily_probability(churn)
        self.conversion = monthly_to_daily_probability(
            params.member_conversion_per_month * np.asarray(conversion_multiplier)
        )
        self.recommend = params.recommendations_per_member_per_month / DAYS_PER_MONTH
        self.referral_rate = params.referral_conversion_rate
        self.draws = draws
        # Members are counted per acquiring arm, so their later conversions are credited to it.
        self.pipeline = np.zeros((max(self.lag, 1), n_reps, n_arms))
        self.in_pipeline = np.zeros((n_reps, n_arms))
        self.mature = np.zeros((n_reps, n_arms))

    @property
    def members(self) -> np.ndarray:
        return self.mature + self.in_pipeline

    def step(self, day: int, joins: np.ndarray) -> CommunityDay:
        self._admit(day, joins)
        self.mature -= self.draws.binomial(self.mature, self.churn)
        bought = self.draws.binomial(self.mature, self.conversion)
        recommendations = self.draws.poisson(self.members * self.recommend)
        referrals = self.draws.binomial(recommendations, self.referral_rate)
        return CommunityDay(bought, recommendations, referrals)

    def _admit(self, day: int, joins: np.ndarray) -> None:
        """Today's joins enter the pipeline; those who joined `lag` days ago become mature."""
        if self.lag == 0:
            self.mature += joins
            return
        slot = day % self.lag
        matured = self.pipeline[slot]
        self.mature += matured
        self.in_pipeline += joins - matured
        self.pipeline[slot] = joins
