"""The campaign plan: everything about a campaign that is the same in every replication (its arms,
lines, tactic schedules, pacing and calendar), built once from a scenario and shared by the chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smmsim.scenarios.calendar import month_index, weekday_index
from smmsim.scenarios.schema import Scenario
from smmsim.simulator.arms import ArmTable, build_arm_table
from smmsim.simulator.lines import LineTable, build_line_table
from smmsim.simulator.pacing import Pacer, pacing_weights
from smmsim.simulator.tactics import TacticTable, build_tactic_table


@dataclass(frozen=True)
class CampaignPlan:
    """Everything about the campaign that is the same in every replication."""

    scenario: Scenario
    arms: ArmTable  # what the budget is split over: paid ads and retargeting
    lines: LineTable  # every tool, as the results report them
    tactics: TacticTable  # the scheduled tactics
    pacer: Pacer
    weekday: np.ndarray
    month_of_day: np.ndarray
    n_months: int
    checkpoint_days: tuple[int, ...]  # per-replication totals are kept after these many days
    reserved_total: np.ndarray  # (days,) what the tactics' schedules will cost after each day
    reserved_month: np.ndarray  # (days, months) the same, by calendar month

    @property
    def retargeting_daily(self) -> np.ndarray:
        """(arms,) the planned daily budget of each retargeting arm (0 elsewhere): its
        daily_budget, or its budget_share of what the tactics' schedules leave, per day."""
        c, arms = self.scenario.campaign, self.arms
        media = max(c.budget - self.tactics.planned_cost, 0.0)
        planned = arms.daily_budget + arms.budget_share * media / c.days
        return np.where(arms.retargeting, planned, 0.0)

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> CampaignPlan:
        c = scenario.campaign
        arms = build_arm_table(scenario)
        months = month_index(c.start, c.days)
        n_months = int(months.max()) + 1
        caps = np.array([c.monthly_caps.get(m + 1, np.inf) for m in range(n_months)])
        pacer = Pacer(
            budget=c.budget,
            monthly_caps=caps,
            weights=pacing_weights(c.pacing, c.days),
            month_of_day=months,
        )
        # The test's end, whatever the strategy: so that every strategy's conversions during the
        # test can be set against the oracle's (the cost of testing).
        test_days = scenario.strategy.test.days
        checkpoints = (test_days,) if test_days < c.days else ()
        weekdays = weekday_index(c.start, c.days)
        tactics = build_tactic_table(scenario, arms)
        reserved_total, reserved_month = tactics.reserved_after(months, n_months)
        return cls(
            scenario,
            arms,
            build_line_table(scenario),
            tactics,
            pacer,
            weekdays,
            months,
            n_months,
            checkpoints,
            reserved_total,
            reserved_month,
        )

    @property
    def days(self) -> int:
        return self.scenario.campaign.days

    def month_last_days(self) -> list[int]:
        return [int(np.flatnonzero(self.month_of_day == m)[-1]) for m in range(self.n_months)]
