"""The brief's arithmetic: the calendar, what each month spends on what, and the test it buys.

The money flows as the engine funds it (`scenarios.budget`): the scheduled tactics (community
posts, seeding) are bought first, retargeting takes its planned share of the rest, and the paid
ads split what is left. Month 1 is the test (the seed's step 4): the paid-ads money is split
evenly over the proposed platforms, as the test-then-scale strategy's even test split does, and a
platform is proposed only if its part can buy the conversions the test needs to judge it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from smmsim.scenarios.brief.answers import Brief
from smmsim.scenarios.brief.options import AdOption
from smmsim.scenarios.brief.seed import MAX_PLATFORMS
from smmsim.scenarios.strategy_schema import TestPhase

# Conversions each tested platform needs before the test can judge it: the test-then-scale
# strategy's own default (`strategy.test.min_conversions`).
MIN_TEST_CONVERSIONS = TestPhase.model_fields["min_conversions"].default
WEEK = 7.0


def add_months(start: date, months: int) -> date:
    """The same day `months` calendar months later (the month's last day where it has none)."""
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


def month_days(start: date, days: int) -> list[int]:
    """Days in each calendar month the campaign touches, in order (the KPI months' lengths)."""
    counts: dict[tuple[int, int], int] = {}
    for d in range(days):
        day = start + timedelta(days=d)
        counts[(day.year, day.month)] = counts.get((day.year, day.month), 0) + 1
    return list(counts.values())


@dataclass(frozen=True)
class Layout:
    """The campaign's calendar and money, month by month, with even pacing."""

    days: int
    months: list[int]  # days in each calendar month
    budget: float  # the whole campaign's
    tactics_per_week: float  # what the scheduled tactics cost a week
    retargeting_share: float

    @property
    def has_test(self) -> bool:
        """A plan of two months or more tests in month 1 and scales after it; one month has
        no time to scale."""
        return len(self.months) >= 2

    @property
    def daily(self) -> float:
        return self.budget / self.days

    def spend(self, month: int) -> float:
        """Everything month `month` (1-based) spends: even pacing spends the same each day."""
        return self.daily * self.months[month - 1]

    def tactics(self, month: int) -> float:
        return self.tactics_per_week * self.months[month - 1] / WEEK

    def paid_ads(self, month: int) -> float:
        """What the paid ads get in a month, after the tactics and retargeting take theirs."""
        return max(self.spend(month) - self.tactics(month), 0.0) * (1 - self.retargeting_share)

    def retargeting(self, month: int) -> float:
        return max(self.spend(month) - self.tactics(month), 0.0) * self.retargeting_share


def layout(brief: Brief, tactics_per_week: float, retargeting_share: float) -> Layout:
    days = (add_months(brief.start, brief.months) - brief.start).days
    return Layout(
        days=days,
        months=month_days(brief.start, days),
        budget=brief.budget_per_month * brief.months,
        tactics_per_week=tactics_per_week,
        retargeting_share=retargeting_share,
    )


def test_minimum(option: AdOption) -> float:
    """What a platform's test must spend to expect MIN_TEST_CONVERSIONS sales at the priors'
    means, in the learning phase (a test of a few sales never leaves it)."""
    return MIN_TEST_CONVERSIONS * option.learning_cpa


def testable(ranked: list[AdOption], test_budget: float) -> list[AdOption]:
    """The most top-ranked platforms (at most MAX_PLATFORMS, the seed's "few") whose even share
    of the test budget each buys its test minimum; empty when not even the first does."""
    for count in range(min(MAX_PLATFORMS, len(ranked)), 0, -1):
        kept = ranked[:count]
        if all(test_budget / count >= test_minimum(o) for o in kept):
            return kept
    return []
