"""Daily delivery of paid ads: learning phase, auction price, frequency cap, fatigue and funnel.

`AdsDelivery` holds the state of every arm in every replication of a chunk as (reps, arms) arrays
and advances all of them one day at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smmsim.simulator.arms import ArmTable
from smmsim.simulator.compiled import (
    ads_price,
    ads_reach,
    laid_out,
    learning_day,
    learning_record,
)
from smmsim.simulator.curves import is_linear
from smmsim.simulator.randomness import Draws

RESET_TOLERANCE = 1e-9  # relative: rounding, not a budget change


@dataclass(frozen=True)
class TrueRates:
    """What the planner does not know: each replication's true rates, drawn from the priors."""

    cpm: np.ndarray
    ctr: np.ndarray
    join_rate: np.ndarray
    cvr: np.ndarray

    @classmethod
    def draw(cls, arms: ArmTable, draws: Draws) -> TrueRates:
        return cls(**{rate: draws.rates(arms.priors[rate]) for rate in arms.priors})


@dataclass(frozen=True)
class DayOutcome:
    """One day of every arm in every replication, (reps, arms) each."""

    spend: np.ndarray
    impressions: np.ndarray
    clicks: np.ndarray
    joins: np.ndarray
    direct_conversions: np.ndarray
    learning: np.ndarray  # 1.0 where the arm spent the day in the learning phase, else 0.0
    entered_learning: np.ndarray  # 1.0 where it (re-)entered learning today
    pressure: np.ndarray  # the auction's factor on the day's CPM, 1 + (budget / s_half) ** k


class LearningPhase:
    """The platform's learning phase: delivery is less efficient until an arm has gathered
    `conversions` conversions, and a daily-budget change larger than `reset_change` starts it over.
    Its flags are 1.0 or 0.0 in float arrays, which its compiled day reads and writes in one pass
    (`delivery_kernels.learning_day`).
    """

    def __init__(self, arms: ArmTable, n_reps: int):
        shape = (n_reps, arms.n)
        self.arms = arms
        self.started = np.zeros(shape)  # 1.0 once the arm has spent
        self.active = np.zeros(shape)  # 1.0 while it learns
        self.conversions = np.zeros(shape)
        self.previous_budget = np.zeros(shape)

    def update(self, budget: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Apply today's budget (reps, arms). Returns, cell by cell, 1.0 where the arm
        (re-)entered learning today (else 0.0), 1.0 where it learns today while spending, and
        its delivery efficiency: the same result costs 1/efficiency as much while it learns."""
        a = self.arms
        entered, learning, efficiency = (np.empty(budget.shape) for _ in range(3))
        # A change of exactly `reset_change` (a ramp's full step) stays within it: the tolerance
        # keeps the rounding of previous x (1 + limit) from reading as a larger change.
        learning_day(
            laid_out(budget, budget.shape), self.previous_budget, self.started, self.active,
            self.conversions, a.learn_reset, a.learn_conversions, a.learn_efficiency,
            1 + RESET_TOLERANCE, entered, learning, efficiency,
        )  # fmt: skip
        return entered, learning, efficiency

    def record(self, conversions: np.ndarray) -> None:
        counted = laid_out(conversions, self.conversions.shape)
        learning_record(counted, self.conversions, self.arms.learn_conversions, self.active)


class AdsDelivery:
    """Ads of every arm. Retargeting arms show to a pool of recent visitors that the engine
    passes in as their audience each day; their exposure memory fades with the pool's window,
    so frequency is measured among the people in the pool now."""

    def __init__(self, arms: ArmTable, rates: TrueRates, draws: Draws):
        self.arms = arms
        self.rates = rates
        self.draws = draws
        self.cumulative_impressions = np.zeros((draws.n_reps, arms.n))
        self.learning = LearningPhase(arms, draws.n_reps)
        self.memory = np.where(arms.retargeting, 1 - 1 / np.maximum(arms.window, 1), 1.0)

    def refresh(self, renewed: np.ndarray) -> None:
        """New creatives where `renewed` (reps, arms): wear-out starts over from frequency 0."""
        self.cumulative_impressions[renewed] = 0.0

    def step(
        self,
        budget: np.ndarray,
        weekday: int,
        audience: np.ndarray | None = None,
        ctr_multiplier: np.ndarray | float = 1.0,
        cvr_multiplier: np.ndarray | float = 1.0,
    ) -> DayOutcome:
        """One day: `audience` (reps, arms) the people each arm can reach today (default: the
        platform audience); the multipliers (reps, arms) are reputation's and backlash's effect
        on the true CTR and conversion rate."""
        a, r, draws = self.arms, self.rates, self.draws
        shape = budget.shape
        audience = laid_out(a.audience if audience is None else audience, shape)
        entered, learning, efficiency = self.learning.update(budget)
        pressure, cpm, wanted = np.empty(shape), np.empty(shape), np.empty(shape)
        ads_price(
            laid_out(budget, shape), laid_out(r.cpm, shape), a.s_half, a.k, is_linear(a.k),
            np.ascontiguousarray(a.day_of_week[:, weekday]), draws.noise(a.noise),
            efficiency, a.frequency_cap, audience, pressure, cpm, wanted,
        )  # fmt: skip
        impressions = draws.whole(wanted)
        # Only delivered impressions are paid for; the exposure memory, reach, frequency and
        # wear-out follow from them (`ads_reach`).
        spend, click_rate = np.empty(shape), np.empty(shape)
        ads_reach(
            impressions, cpm, self.cumulative_impressions, self.memory, audience,
            laid_out(r.ctr, shape), a.f0, a.phi, laid_out(ctr_multiplier, shape),
            draws.noise(a.noise), spend, click_rate,
        )  # fmt: skip
        clicks = draws.binomial(impressions, click_rate)
        joins = draws.binomial(clicks, r.join_rate)
        direct = draws.binomial(clicks, r.cvr * cvr_multiplier)
        self.learning.record(direct)
        return DayOutcome(spend, impressions, clicks, joins, direct, learning, entered, pressure)
