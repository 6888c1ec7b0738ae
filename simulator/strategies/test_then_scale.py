"""Test, then scale: the seed's steps 3 and 4 as a strategy.

1. Test: the test budget is split over the tested arms as fixed daily budgets for `test.days`.
2. Decision, in each replication, from what that replication's test saw (`Evidence`): arms with
   too few conversions extend the test once (all tested arms go on testing for `extend_days`) or
   are dropped; the others are kept by the probability rule (P(CPA <= target) >= q) or as the top
   k by posterior mean conversions per unit of money.
3. Scale: the budget left is paced over the days left and split over the kept arms by equal
   expected marginal CPA. A ramp limit caps each arm's daily increase; a stop-loss cuts an arm
   whose running CPA (spend over reported conversions since the scale-up) is above the target by
   more than a margin, and moves its money to the other kept arms (the last one is never cut).
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import simpy

from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.strategy_settings import target_cpa, tested_arms
from smmsim.simulator.allocation import equal_marginal_split
from smmsim.simulator.clock import DECISION_LEAD, STOP_LOSS_LAG
from smmsim.simulator.delivery import DayOutcome
from smmsim.simulator.row_settings import column
from smmsim.simulator.rows import row_sum
from smmsim.simulator.strategies.base import (
    DayPlan,
    Policy,
    RampLimit,
    StrategyContext,
)
from smmsim.simulator.strategies.evidence import Evidence, prior_conversions_per_money

# Default min_spend: ten target CPAs, the money that buys about ten conversions at target, so
# that a cut rests on more than the first few days of Poisson noise.
STOP_LOSS_MIN_SPEND_IN_TARGETS = 10.0


class TestThenScale(Policy):
    phase_names = ("test", "scale")
    # Without a test the plan runs as best-guess (see `BestGuess`): one no-test answer.
    no_test = False

    @classmethod
    def reads_posterior_tail(cls, scenario: Scenario) -> bool:
        return not cls.no_test and scenario.strategy.decision.rule == "probability"

    def __init__(self, ctx: StrategyContext):
        super().__init__(ctx)
        settings = ctx.scenario.strategy
        self.test, self.decision, self.scale = settings.test, settings.decision, settings.scale
        self.no_test = self.no_test or self.test.skipped
        self.target = target_cpa(ctx.scenario)
        self.tested = np.zeros(ctx.arms.n, dtype=bool)
        self.tested[self._candidates()] = True
        # The test's length and the keep threshold: the scenario's, or (reps, 1) columns where
        # plans with other tests run side by side.
        self.test_days = self._per_row("test_days", self.test.days)
        self.keep_q = self._per_row("keep_q", self.decision.q)
        self.test_daily = self._test_budget() * self._split_weights() / self.test_days
        self.testing = np.ones(ctx.n_reps, dtype=bool)
        self.evidence = Evidence(ctx.arms, ctx.n_reps)
        self.ramp = RampLimit(self.scale.ramp_limit, (ctx.n_reps, ctx.arms.n), ctx.days)
        self.spent = np.zeros(ctx.n_reps)
        # What each arm has spent and converted since the scale-up: the stop-loss judges these,
        # not the test's days at a small budget.
        self.judged_spend = np.zeros((ctx.n_reps, ctx.arms.n))
        self.judged_conversions = np.zeros((ctx.n_reps, ctx.arms.n))
        self.decision_day = 0 if self.no_test else self.test_days
        if self.no_test:
            self.testing[:] = False
            self._decide(np.ones(ctx.n_reps, dtype=bool), day=0)

    def _test_budget(self) -> float | np.ndarray:
        """The test's budget: the scenario's, or each replication's as a (reps, 1) column."""
        if self.no_test:
            return 0.0
        return self._per_row("test_budget", self.test.budget_of(self.ctx.scenario.campaign.budget))

    def _per_row(self, name: str, planned: float) -> float | np.ndarray:
        """The scenario's setting, or each replication's as a (reps, 1) column."""
        given = getattr(self.ctx.per_row, name)
        return planned if given is None else column(given)

    def _candidates(self) -> list[int]:
        """The arms the test covers and the decision chooses from."""
        return tested_arms(self.ctx.scenario)

    def _split_weights(self) -> np.ndarray:
        """(arms,) shares of the test budget, even over the tested arms or as planned; (reps, arms)
        where plans with other splits run side by side."""
        ctx = self.ctx
        if self.test.split == "planned":
            planned = ctx.budget_share * ctx.scenario.campaign.budget
            weights = np.where(self.tested, planned + ctx.daily_budget * ctx.days, 0.0)
        else:
            weights = self.tested.astype(float)
        return weights / weights.sum(axis=-1, keepdims=True)

    def plan(self, day: int) -> DayPlan:
        testing = self.testing[:, None]
        return DayPlan(np.where(testing, 0.0, self.shares), np.where(testing, self.test_daily, 0))

    def limit(self, budget: np.ndarray, day: int, left: np.ndarray) -> np.ndarray:
        return self.ramp.apply(budget, day, left, active=~self.testing)

    def observe(self, day: int, budget: np.ndarray, outcome: DayOutcome) -> None:
        self.evidence.add(outcome)
        spend = row_sum(outcome.spend)
        self.spent += spend
        if "test" in self.phase_spend:  # best-guess has no test phase, only the campaign
            self.phase_spend["test"] += np.where(self.testing, spend, 0.0)
        self.phase_spend[self.phase_names[-1]] += np.where(self.testing, 0.0, spend)
        scaling = ~self.testing[:, None]
        self.judged_spend += np.where(scaling, outcome.spend, 0.0)
        self.judged_conversions += np.where(scaling, outcome.direct_conversions, 0.0)

    def processes(self, env: simpy.Environment) -> list[Generator]:
        found = [] if self.no_test else [self._decisions(env, *test) for test in self._tests()]
        if self.scale.stop_loss is not None and self.target is not None:
            found.append(self._stop_loss_checks(env))
        return found

    # --- the decision ---------------------------------------------------------------------------

    def _tests(self) -> list[tuple[int, np.ndarray]]:
        """(test days, the replications testing that long): one test, or one per length where
        plans with other tests run side by side."""
        if np.ndim(self.test_days) == 0:
            return [(self.test_days, np.ones(self.ctx.n_reps, dtype=bool))]
        days = self.test_days[:, 0]
        return [(int(d), days == d) for d in np.unique(days)]

    def _decisions(self, env: simpy.Environment, days: int, rows: np.ndarray):
        yield env.timeout(days - DECISION_LEAD)
        short = self._lacks_evidence() & rows
        if self.test.if_insufficient == "extend":
            self.extended[rows] = short[rows]
            self._decide(rows & ~short, day=days)
            if short.any():
                yield env.timeout(self.test.extend_days)
                self._decide(short, day=days + self.test.extend_days)
        else:
            self._decide(rows, day=days)

    def _lacks_evidence(self) -> np.ndarray:
        """(reps,) whether some tested arm has fewer conversions than the minimum."""
        few = self.evidence.conversions < self.test.min_conversions
        return (few & self.tested).any(axis=1)

    def _decide(self, rows: np.ndarray, day: int) -> None:
        """Keep or drop every tested arm in the replications `rows`; start scaling there."""
        if not rows.any():
            return
        evidence = self.evidence
        candidates = self.tested & (evidence.conversions >= self.test.min_conversions)
        lam = evidence.mean_conversions_per_money()
        if self.no_test:
            # Nothing to judge an arm on but its prior: the best_guess.arms arms with the best
            # prior CPA, as `best-guess` funds them (one no-test answer for size-test and compare).
            prior = np.broadcast_to(prior_conversions_per_money(self.ctx.arms), lam.shape)
            lam = np.where(self.tested, prior, 0.0)
            tested = np.broadcast_to(self.tested, lam.shape)
            keep = top_k(lam, tested, self.ctx.scenario.strategy.best_guess.arms)
        elif self.decision.rule == "probability":
            keep = candidates & (evidence.probability_cpa_at_most(self.target) >= self.keep_q)
        else:
            keep = top_k(lam, candidates, self.decision.k)
        if self.decision.if_none_kept == "best" and not self.no_test:
            keep |= best_when_none(lam, candidates, self.tested, keep)
        self.kept[rows] = keep[rows]
        self.chosen[rows] = np.where(keep, lam, -np.inf).argmax(axis=1)[rows]
        self.chosen[rows & ~keep.any(axis=1)] = -1
        self.dropped[rows] = (self.tested & ~keep)[rows]
        self.testing[rows] = False
        self.ramp.restart(rows)
        self._split(rows, lam, day)

    def _split(self, rows: np.ndarray, lam: np.ndarray, day: int) -> None:
        """Shares over the active kept arms by equal marginal CPA, at the daily budget left."""
        active = self.kept & ~self.cut
        days_left = max(self.ctx.days - day, 1)
        level = np.maximum(self.ctx.scenario.campaign.budget - self.spent, 0.0) / days_left
        arms = self.ctx.arms
        shares = equal_marginal_split(lam[rows], active[rows], level[rows], arms.s_half, arms.k)
        self.shares[rows] = shares

    # --- the stop-loss --------------------------------------------------------------------------

    def _stop_loss_checks(self, env: simpy.Environment):
        """Every day after the test, cut kept arms whose running CPA is too far above target."""
        rule = self.scale.stop_loss
        limit = self.target * (1 + rule.margin)
        min_spend = rule.min_spend or STOP_LOSS_MIN_SPEND_IN_TARGETS * self.target
        starts = np.maximum(self.decision_day - DECISION_LEAD, 0) + STOP_LOSS_LAG
        yield env.timeout(float(np.min(starts)))
        while env.now < self.ctx.days - 1:
            spend, conversions = self.judged_spend, self.judged_conversions
            over = (spend >= min_spend) & (spend > limit * conversions)
            # Side by side, a replication's checks start after its own decision. The start
            # times are whole days apart, so half a day tells them apart from rounding.
            over &= starts - 0.5 <= env.now
            active = self.kept & ~self.cut
            cut_now = spare_the_last(active & over, active, spend, conversions)
            if cut_now.any():
                self.cut |= cut_now
                rows = cut_now.any(axis=1)
                lam = self.evidence.mean_conversions_per_money()
                self._split(rows, lam, day=int(np.ceil(env.now)))
            yield env.timeout(1)


def spare_the_last(
    cut_now: np.ndarray, active: np.ndarray, spend: np.ndarray, conversions: np.ndarray
) -> np.ndarray:
    """The cuts, less one where they would cut every active arm of a replication: the arm with the
    lowest running CPA stays, so a stop-loss moves money between arms and never ends the
    campaign with its budget unspent."""
    if not cut_now.any():  # most days: nothing to spare
        return cut_now
    emptied = ~(active & ~cut_now).any(axis=1) & cut_now.any(axis=1)
    if not emptied.any():
        return cut_now
    running = np.where(cut_now, spend / np.maximum(conversions, 1e-9), np.inf)
    spare = running.argmin(axis=1)
    out = cut_now.copy()
    out[np.flatnonzero(emptied), spare[emptied]] = False
    return out


def top_k(lam: np.ndarray, candidates: np.ndarray, k: int) -> np.ndarray:
    """(reps, arms) the k candidates with the highest posterior conversions per unit of money."""
    score = np.where(candidates, lam, -np.inf)
    order = np.argsort(-score, axis=1, kind="stable")[:, :k]
    keep = np.zeros_like(candidates)
    np.put_along_axis(keep, order, True, axis=1)
    return keep & candidates


def best_when_none(
    lam: np.ndarray, candidates: np.ndarray, tested: np.ndarray, keep: np.ndarray
) -> np.ndarray:
    """Where nothing passed, the single best arm: among candidates, else among the tested."""
    pool = np.where(candidates.any(axis=1, keepdims=True), candidates, tested)
    best = np.where(pool, lam, -np.inf).argmax(axis=1)
    chosen = np.zeros_like(keep)
    chosen[np.arange(len(best)), best] = True
    return chosen & ~keep.any(axis=1, keepdims=True)
