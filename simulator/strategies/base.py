"""What every strategy shares: the engine's view of it, its record, and the ramp limit.

A strategy (a policy, to the engine) decides each day how the day's budget is split over arms, in
every replication at once: `plan(day)` gives weights for the paced budget and fixed daily budgets,
both (reps, arms). It sees what the ad platforms would report (`observe`), and changes course in
SimPy processes at its decision points (the end of a test, a weekly reallocation).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np
import simpy

from smmsim.scenarios.schema import Scenario
from smmsim.simulator.arms import ArmTable
from smmsim.simulator.delivery import DayOutcome, TrueRates
from smmsim.simulator.randomness import Draws
from smmsim.simulator.row_settings import RowSettings
from smmsim.simulator.rows import row_sum


@dataclass(frozen=True)
class StrategyContext:
    """What a strategy may know when it starts: the plan, and (for the oracle only) the truth."""

    scenario: Scenario
    arms: ArmTable
    rates: TrueRates
    draws: Draws
    # Each replication's own settings where plans run side by side (`simulator/stacked.py`).
    per_row: RowSettings = field(default_factory=RowSettings)

    @property
    def n_reps(self) -> int:
        return self.draws.n_reps

    @property
    def days(self) -> int:
        return self.scenario.campaign.days

    @property
    def budget_share(self) -> np.ndarray:
        """(arms,) each arm's share of the budget, or (reps, arms) per replication."""
        given = self.per_row.budget_share
        return self.arms.budget_share if given is None else given

    @property
    def daily_budget(self) -> np.ndarray:
        """(arms,) each arm's fixed daily budget, or (reps, arms) per replication."""
        given = self.per_row.daily_budget
        return self.arms.daily_budget if given is None else given

    @property
    def daily_level(self) -> float:
        """The campaign's average daily budget."""
        return self.scenario.campaign.budget / self.scenario.campaign.days


@dataclass(frozen=True)
class DayPlan:
    shares: np.ndarray  # (reps, arms) or (arms,): weights of the day's paced budget
    fixed: np.ndarray  # (reps, arms) or (arms,): fixed daily budgets, taken first


@dataclass(frozen=True)
class StrategyRecord:
    """What a strategy did, per replication, for the outputs (merged over chunks by rows)."""

    kept: np.ndarray  # (reps, arms) arms the strategy settled on (funded after its decision)
    dropped: np.ndarray  # (reps, arms) tested arms the decision dropped
    cut: np.ndarray  # (reps, arms) kept arms cut later by the stop-loss
    extended: np.ndarray  # (reps,) the test was extended once
    phase_spend: dict[str, np.ndarray]  # phase -> (reps,) spend in that phase
    best_arm: np.ndarray  # (reps,) the truly best arm (lowest true direct CPA)
    true_cpa: np.ndarray  # (reps, arms) true direct CPA at no auction pressure
    chosen: np.ndarray  # (reps,) the arm a decision ranked first among those kept; -1 if none

    ROWS = ("kept", "dropped", "cut", "extended", "best_arm", "true_cpa", "chosen")

    @classmethod
    def merge(cls, records: list[StrategyRecord]) -> StrategyRecord:
        first = records[0]
        return cls(
            **{name: np.concatenate([getattr(r, name) for r in records]) for name in cls.ROWS},
            phase_spend={
                p: np.concatenate([r.phase_spend[p] for r in records]) for p in first.phase_spend
            },
        )

    def rows(self, index: slice) -> StrategyRecord:
        """The record of these replications."""
        return StrategyRecord(
            **{name: getattr(self, name)[index] for name in self.ROWS},
            phase_spend={p: spend[index] for p, spend in self.phase_spend.items()},
        )


def true_conversions_per_money(rates: TrueRates) -> np.ndarray:
    """(reps, arms) direct conversions per unit of money at no auction pressure:
    1000 ctr cvr / cpm, the inverse of the true direct CPA."""
    return 1000 * rates.ctr * rates.cvr / rates.cpm


class Policy:
    """The base strategy: a static split. Subclasses override what changes over time."""

    phase_names: tuple[str, ...] = ("campaign",)
    # Whether it draws Beta posteriors, whose sampler takes as many numbers as each
    # replication's parameters need: then some replications cannot be simulated apart from
    # the rest of their block (`simulate(only=...)`).
    draws_posteriors = False

    @classmethod
    def reads_posterior_tail(cls, scenario: Scenario) -> bool:
        """Whether it judges arms by a posterior's tail (`Evidence.probability_cpa_at_most`),
        which loads scipy.special."""
        return False

    def __init__(self, ctx: StrategyContext):
        self.ctx = ctx
        n, m = ctx.n_reps, ctx.arms.n
        self.shares = np.zeros((n, m))
        self.fixed = np.zeros(m)
        self.kept = np.zeros((n, m), dtype=bool)
        self.dropped = np.zeros((n, m), dtype=bool)
        self.cut = np.zeros((n, m), dtype=bool)
        self.extended = np.zeros(n, dtype=bool)
        self.chosen = np.full(n, -1)
        self.phase_spend = {p: np.zeros(n) for p in self.phase_names}

    def plan(self, day: int) -> DayPlan:
        return DayPlan(self.shares, self.fixed)

    def limit(self, budget: np.ndarray, day: int, left: np.ndarray) -> np.ndarray:
        """Today's budgets after any limit on how fast they may change; `left` (reps,) is what
        the ads may still spend from today to the end (the pot the pacer paces)."""
        return budget

    def observe(self, day: int, budget: np.ndarray, outcome: DayOutcome) -> None:
        self.phase_spend[self.phase_names[0]] += row_sum(outcome.spend)

    def processes(self, env: simpy.Environment) -> list[Generator]:
        return []

    def record(self) -> StrategyRecord:
        per_money = true_conversions_per_money(self.ctx.rates)
        with np.errstate(divide="ignore", over="ignore"):  # an arm that cannot convert: inf
            true_cpa = 1 / per_money
        # The truly best arm is among those a strategy chooses from: retargeting is funded as
        # planned (its cheap conversions come from the visitors the other arms bring).
        retargeting = self.ctx.arms.retargeting
        per_money = np.where(retargeting, -np.inf, per_money)
        return StrategyRecord(
            kept=self.kept | (retargeting & (self.ctx.scenario.strategy.type != "fixed")),
            dropped=self.dropped,
            cut=self.cut,
            extended=self.extended,
            phase_spend=self.phase_spend,
            best_arm=per_money.argmax(axis=1),
            true_cpa=true_cpa,
            chosen=self.chosen,
        )


class RampLimit:
    """How fast an arm's daily budget may grow: the rule a media buyer follows on Meta or TikTok.

    Platforms restart an arm's learning phase when its daily budget changes by more than about
    20% at once (`learning.reset_change`). The rule:

    1. the scale-up starts each kept arm at its scale budget in one step (`restart`): one
       deliberate jump, which costs at most one learning phase. The test's budget is a test
       budget, not a level the scale-up must creep up from: ramping 20% a day from a small test
       would take weeks, and the money held back would pile up at the end of the campaign;
    2. after that no arm's budget grows by more than `limit` (relative) from one day to the next,
       so later increases (a month cap lifting, a stop-loss moving money, a reallocation) keep
       the arm out of learning, at the price of a slower rise;
    3. budget the limit holds back stays in the pot and is paced over the days left; where even
       the fastest ramp could no longer spend the pot by the campaign's end, the limit gives way
       for that replication (a learning phase costs less than a budget left unspent).
    """

    def __init__(self, limit: float | None, shape: tuple[int, int], days: int):
        self.limit = limit
        self.days = days
        self.previous = np.zeros(shape)

    def restart(self, rows: np.ndarray) -> None:
        """The scale-up of the replications `rows`: tomorrow's budgets are taken as they come
        (the one jump); the limit holds from the day after. A new array: the last one is the
        budget handed out today, which others may still hold."""
        self.previous = np.where(np.reshape(rows, (-1, 1)), 0.0, self.previous)

    def apply(
        self,
        budget: np.ndarray,
        day: int,
        left: np.ndarray,
        active: np.ndarray | bool = True,
    ) -> np.ndarray:
        """Cap increases where `active` (reps,) and the arm spent yesterday; remember today.
        `left` (reps,) is the pot the ads may spend from today on."""
        if self.limit is not None:
            ceiling = np.where(self.previous > 0, self.previous * (1 + self.limit), np.inf)
            rows = np.asarray(active) & ~self.stranding(np.minimum(ceiling, budget), day, left)
            rows = np.broadcast_to(np.asarray(rows).reshape(-1, 1), budget.shape)
            budget = np.where(rows, np.minimum(budget, ceiling), budget)
        self.previous = budget
        return budget

    def stranding(self, capped: np.ndarray, day: int, left: np.ndarray) -> np.ndarray:
        """(reps,) where the pot `left` exceeds the most the arms funded today could spend by the
        campaign's end, each starting at its capped budget and growing by the limit every day:
        sum over arms of capped x (1 + g + ... + g^(n - 1)), g = 1 + limit, n the days left."""
        n = self.days - day
        growth = 1 + self.limit
        with np.errstate(over="ignore"):
            days_worth = (growth**n - 1) / self.limit  # inf for a long campaign: never stranding
        funded = row_sum(np.where(capped > 0, capped, 0.0))
        with np.errstate(invalid="ignore"):  # inf x 0 where nothing is funded today
            capacity = np.where(funded > 0, funded * days_worth, 0.0)
        return (capacity < left * (1 - 1e-12)) & (funded > 0)
