"""Strategies that split the budget once, at the start: fixed, spread, best-guess and oracle."""

from __future__ import annotations

import numpy as np

from smmsim.simulator.allocation import equal_marginal_split
from smmsim.simulator.strategies.base import (
    Policy,
    StrategyContext,
    StrategyRecord,
    true_conversions_per_money,
)
from smmsim.simulator.strategies.test_then_scale import TestThenScale


class Fixed(Policy):
    """The planner's allocation as written: budget shares and fixed daily budgets."""

    def __init__(self, ctx: StrategyContext):
        super().__init__(ctx)
        self.shares[:] = ctx.budget_share
        self.fixed = ctx.daily_budget
        self.kept[:] = (ctx.budget_share > 0) | (ctx.daily_budget > 0)


class Spread(Policy):
    """The same share on every paid-ads arm all campaign long: working everywhere at once."""

    def __init__(self, ctx: StrategyContext):
        super().__init__(ctx)
        allocated = ~ctx.arms.retargeting
        self.shares[:] = allocated / allocated.sum()
        self.kept[:] = allocated


class BestGuess(TestThenScale):
    """No test: everything on the arm(s) with the best prior CPA, split by equal marginal CPA at
    the priors' expected rates, and scaled from day 1 under the plan's `scale` rules (the ramp
    limit, and the stop-loss where there is a target). It is test-then-scale with `test.budget:
    0`, the same simulation: size-test's no-test point and compare's best-guess agree."""

    phase_names = ("campaign",)
    no_test = True

    def _candidates(self) -> list[int]:
        return list(np.flatnonzero(~self.ctx.arms.retargeting))

    def record(self) -> StrategyRecord:
        # Arms left unfunded were never tried: nothing was dropped.
        self.dropped[:] = False
        return super().record()


class Oracle(Policy):
    """Knows each replication's true rates and splits the budget by equal true marginal CPA:
    the best achievable under the model's response curve, and the yardstick for regret."""

    def __init__(self, ctx: StrategyContext):
        super().__init__(ctx)
        arms = ctx.arms
        lam = true_conversions_per_money(ctx.rates)
        level = np.full(ctx.n_reps, ctx.daily_level)
        allocated = np.broadcast_to(~arms.retargeting, lam.shape)
        self.shares = equal_marginal_split(lam, allocated, level, arms.s_half, arms.k)
        self.kept = self.shares > 0
