"""Rules across the whole scenario, each returning every problem it finds.

These run after the per-field validation has passed, because they read several fields at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from scenarios.calendar import campaign_months
from scenarios.errors import Issue
from scenarios.hints import did_you_mean
from scenarios.schema import Scenario
from scenarios.strategy_settings import (
    arm_names,
    arms_named,
    needs_planned_budgets,
    needs_target_cpa,
    target_cpa,
    tested_arms,
)
from simulator.metrics import REVENUE_KPIS

SHARE_TOLERANCE = 1e-6


def unique_platform_names(s: Scenario) -> Iterator[Issue]:
    counts = Counter(p.name for p in s.platforms)
    for i, platform in enumerate(s.platforms):
        if counts[platform.name] > 1:
            yield Issue(
                f"platforms[{i}].name", "platform names must be unique", platform.name, True
            )


def unique_tool_names(s: Scenario) -> Iterator[Issue]:
    for i, platform in enumerate(s.platforms):
        counts = Counter(t.name for t in platform.tools)
        for j, tool in enumerate(platform.tools):
            if counts[tool.name] > 1:
                yield Issue(
                    f"platforms[{i}].tools[{j}].name",
                    "tool names must be unique within a platform",
                    tool.name,
                    True,
                )


def shares_sum_to_one(s: Scenario) -> Iterator[Issue]:
    shares = [t.budget_share for p in s.platforms for t in p.tools if t.budget_share is not None]
    if shares and abs(sum(shares) - 1) > SHARE_TOLERANCE:
        yield Issue("platforms", "budget_share values must sum to 1", round(sum(shares), 6), True)


def caps_inside_calendar(s: Scenario) -> Iterator[Issue]:
    n_months = len(campaign_months(s.campaign.start, s.campaign.days))
    for month in s.campaign.monthly_caps:
        if month > n_months:
            yield Issue(
                f"campaign.monthly_caps.{month}",
                f"the campaign spans {n_months} calendar month(s)",
                month,
                True,
            )


def target_months_inside_calendar(s: Scenario) -> Iterator[Issue]:
    n_months = len(campaign_months(s.campaign.start, s.campaign.days))
    for i, kpi in enumerate(s.kpis):
        if kpi.month is not None and kpi.month > n_months:
            yield Issue(
                f"kpis[{i}].month",
                f"the campaign spans {n_months} calendar month(s)",
                kpi.month,
                True,
            )


def target_platforms_exist(s: Scenario) -> Iterator[Issue]:
    names = [p.name for p in s.platforms]
    for i, kpi in enumerate(s.kpis):
        if kpi.platform is not None and kpi.platform not in names:
            yield Issue(
                f"kpis[{i}].platform",
                "no such platform" + did_you_mean(kpi.platform, names),
                kpi.platform,
                True,
            )


def revenue_targets_have_order_value(s: Scenario) -> Iterator[Issue]:
    for i, kpi in enumerate(s.kpis):
        if kpi.metric in REVENUE_KPIS and s.campaign.average_order_value is None:
            yield Issue(
                f"kpis[{i}].target",
                f"{kpi.metric} needs campaign.average_order_value",
                kpi.target,
                True,
            )


def tools_have_budgets(s: Scenario) -> Iterator[Issue]:
    if not needs_planned_budgets(s):
        return
    reader = "strategy 'fixed'" if s.strategy.type == "fixed" else "the test's 'planned' split"
    for i, platform in enumerate(s.platforms):
        for j, tool in enumerate(platform.tools):
            if tool.budget_share is None and tool.daily_budget is None:
                yield Issue(
                    f"platforms[{i}].tools[{j}]",
                    f"{reader} needs budget_share or daily_budget on every tool",
                )


def test_arms_exist(s: Scenario) -> Iterator[Issue]:
    if s.strategy.type != "test-then-scale" or s.strategy.test.arms is None:
        return
    names = arm_names(s) + [p.name for p in s.platforms]
    for i, name in enumerate(s.strategy.test.arms):
        if not arms_named(name, s):
            yield Issue(
                f"strategy.test.arms[{i}]",
                "no such arm ('platform/tool' or 'platform')" + did_you_mean(name, names),
                name,
                True,
            )


def test_fits_campaign(s: Scenario) -> Iterator[Issue]:
    test, c = s.strategy.test, s.campaign
    if s.strategy.type != "test-then-scale":
        return
    if test.budget_of(c.budget) >= c.budget:
        yield Issue(
            "strategy.test.budget",
            f"the test budget must be below the campaign budget ({c.budget:g})",
            test.budget,
            True,
        )
    extension = test.extend_days if test.if_insufficient == "extend" else 0
    if test.days + extension >= c.days:
        yield Issue(
            "strategy.test.days",
            f"the test ({test.days} days + {extension} days of extension) must end before "
            f"the campaign does ({c.days} days)",
            test.days,
            True,
        )


def decision_has_target(s: Scenario) -> Iterator[Issue]:
    if needs_target_cpa(s) and target_cpa(s) is None:
        yield Issue(
            "strategy.decision.target_cpa",
            "the probability rule and the stop-loss need a target CPA: set it here or add a "
            "campaign-wide KPI target such as 'cpa <= 25'",
        )


def kept_arms_fit(s: Scenario) -> Iterator[Issue]:
    strategy = s.strategy
    if strategy.type == "test-then-scale" and strategy.decision.rule == "top_k":
        tested = len(tested_arms(s))
        if strategy.decision.k > tested:
            yield Issue(
                "strategy.decision.k",
                f"keeps more arms than the test covers ({tested})",
                strategy.decision.k,
                True,
            )
    if strategy.type == "best-guess" and strategy.best_guess.arms > len(arm_names(s)):
        yield Issue(
            "strategy.best_guess.arms",
            f"more arms than the scenario has ({len(arm_names(s))})",
            strategy.best_guess.arms,
            True,
        )


# Each rule with the top-level sections it reads: it runs when those sections are valid.
RULES: tuple[tuple[Callable[[Scenario], Iterator[Issue]], tuple[str, ...]], ...] = (
    (unique_platform_names, ("platforms",)),
    (unique_tool_names, ("platforms",)),
    (shares_sum_to_one, ("platforms",)),
    (caps_inside_calendar, ("campaign",)),
    (target_months_inside_calendar, ("campaign", "kpis")),
    (target_platforms_exist, ("platforms", "kpis")),
    (revenue_targets_have_order_value, ("campaign", "kpis")),
    (tools_have_budgets, ("platforms", "strategy")),
    (test_arms_exist, ("platforms", "strategy")),
    (test_fits_campaign, ("campaign", "strategy")),
    (decision_has_target, ("kpis", "strategy")),
    (kept_arms_fit, ("platforms", "strategy")),
)


def scenario_issues(s: Scenario) -> list[Issue]:
    """Every problem across sections, from the rules whose sections all validated."""
    present = set(s.__dict__)  # a section that failed validation is absent
    return [issue for rule, sections in RULES if set(sections) <= present for issue in rule(s)]
