"""Thompson sampling, the bandit alternative to a test: reallocate every few days.

Every `every_days` each replication draws `draws` samples of every arm's conversions per unit of
money from its posterior (Beta on conversions per impression, see `evidence`; the CPM as estimated,
or from the prior while an arm has not been shown yet), and gives each arm the share of samples in
which it is best (probability matching). Arms that look good get more money, and arms still
uncertain keep some, so the campaign learns while it spends.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import simpy

from smmsim.simulator.clock import DECISION_LEAD
from smmsim.simulator.delivery import DayOutcome
from smmsim.simulator.strategies.base import Policy, RampLimit, StrategyContext
from smmsim.simulator.strategies.evidence import Evidence


class Adaptive(Policy):
    draws_posteriors = True

    def __init__(self, ctx: StrategyContext):
        super().__init__(ctx)
        self.settings = ctx.scenario.strategy.adaptive
        self.evidence = Evidence(ctx.arms, ctx.n_reps)
        self.ramp = RampLimit(self.settings.ramp_limit, (ctx.n_reps, ctx.arms.n), ctx.days)
        cpm = ctx.arms.priors["cpm"]
        self.cpm_mu = np.array([d.mu for d in cpm])
        self.cpm_sigma = np.array([d.sigma for d in cpm])
        self._reallocate()

    def limit(self, budget: np.ndarray, day: int, left: np.ndarray) -> np.ndarray:
        return self.ramp.apply(budget, day, left)

    def observe(self, day: int, budget: np.ndarray, outcome: DayOutcome) -> None:
        super().observe(day, budget, outcome)
        self.evidence.add(outcome)

    def processes(self, env: simpy.Environment) -> list[Generator]:
        return [self._reallocations(env)]

    def _reallocations(self, env: simpy.Environment):
        for day in reallocation_days(self.settings.every_days, self.ctx.days):
            yield env.timeout(day - DECISION_LEAD - env.now)
            self._reallocate()

    def _reallocate(self) -> None:
        """Shares = the posterior probability that each arm is the best (probability matching)."""
        n_draws, n_arms = self.settings.draws, self.ctx.arms.n
        a, b = self.evidence.posterior()
        rho = self.ctx.draws.strategy_beta(a, b, n_draws)
        prior_cpm = np.exp(
            self.cpm_mu + self.cpm_sigma * self.ctx.draws.strategy_normals(n_draws, n_arms)
        )
        seen = (self.evidence.impressions > 0)[:, None, :]
        cpm = np.where(seen, self.evidence.base_cpm()[:, None, :], prior_cpm)
        value = np.where(self.ctx.arms.retargeting, -np.inf, rho / cpm)  # funded as planned
        best = value.argmax(axis=2)  # (reps, draws)
        self.shares = (best[:, :, None] == np.arange(n_arms)).mean(axis=1)
        self.kept = self.shares == self.shares.max(axis=1, keepdims=True)


def reallocation_days(every: int, days: int) -> list[int]:
    """The days (after the first) at whose start the shares are redrawn."""
    return list(range(every, days, every))
