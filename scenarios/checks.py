"""Rules across the whole scenario, each returning every problem it finds.

These run after the per-field validation has passed, because they read several fields at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from smmsim.scenarios.budget import paid_ads_budget
from smmsim.scenarios.calendar import campaign_months
from smmsim.scenarios.errors import Issue
from smmsim.scenarios.hints import did_you_mean
from smmsim.scenarios.kpis import REPUTATION_KPIS, REVENUE_KPIS
from smmsim.scenarios.schedule import planned_units
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.strategy_settings import (
    allocated_arms,
    arm_names,
    arms_named,
    cpa_target_kpi,
    needs_target_cpa,
    planned_budget_arms,
    retargeting_arms,
    target_cpa,
    tested_arms,
)
from smmsim.scenarios.tool_kinds import (
    AD_TOOL_TYPES,
    AD_TOOLS,
    CLICK_SOURCES,
    PACED_ADS,
    RETARGETING,
    SEARCHED_TACTICS,
    either,
)
from smmsim.scenarios.tools_schema import CreativeRefresh, Seeding, Tactic

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
    """Under `fixed` the shares are the split itself; a planned test split renormalises them."""
    if s.strategy.type != "fixed":
        return
    shares = [
        t.budget_share for p in s.platforms for t in p.ad_tools() if t.budget_share is not None
    ]
    if shares and abs(sum(shares) - 1) > SHARE_TOLERANCE:
        yield Issue("platforms", "budget_share values must sum to 1", round(sum(shares), 6), True)


def planned_split_has_budget(s: Scenario) -> Iterator[Issue]:
    """A planned test split reads the tested tools' budgets: they cannot all be 0."""
    test = s.strategy.test
    if s.strategy.type != "test-then-scale" or test.split != "planned":
        return
    tools = [t for p in s.platforms for t in p.ad_tools()]
    planned = [(tools[i].budget_share or 0) + (tools[i].daily_budget or 0) for i in tested_arms(s)]
    if planned and sum(planned) == 0:
        yield Issue(
            "strategy.test.split",
            "the 'planned' split needs a budget_share or daily_budget above 0 on a tested tool",
            "planned",
            True,
        )


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
    """Under 'fixed' every tool, under a 'planned' test split every tested tool, needs a budget."""
    reads = set(planned_budget_arms(s))
    if not reads:
        return
    if s.strategy.type == "fixed":
        reader, which = "strategy 'fixed'", "every tool"
    else:
        reader, which = "the test's 'planned' split", "every tested tool"
    arm = 0
    for i, platform in enumerate(s.platforms):
        for j, tool in enumerate(platform.tools):
            if not isinstance(tool, AD_TOOLS):
                continue
            if arm in reads and tool.budget_share is None and tool.daily_budget is None:
                if tool.type in RETARGETING and s.strategy.type != "fixed":
                    message = (
                        "retargeting needs budget_share or daily_budget: strategies fund it as "
                        "planned, since its audience is the visitors the other tools bring"
                    )
                else:
                    message = f"{reader} needs budget_share or daily_budget on {which}"
                yield Issue(f"platforms[{i}].tools[{j}]", message)
            arm += 1


def test_arms_exist(s: Scenario) -> Iterator[Issue]:
    """Each test arm names a 'platform/tool' or a platform, and no arm is listed twice."""
    if s.strategy.type != "test-then-scale" or s.strategy.test.arms is None:
        return
    names = arm_names(s) + [p.name for p in s.platforms]
    listed: set[int] = set()
    tactics = {f"{p.name}/{t.name}" for p in s.platforms for t in p.tactics()}
    retargeting = {f"{p.name}/{t.name}" for p in s.platforms for t in p.ad_tools()}
    retargeting = {n for n in retargeting if arm_names(s).index(n) in retargeting_arms(s)}
    without_ads = {p.name for p in s.platforms if not p.ad_tools()}
    for i, name in enumerate(s.strategy.test.arms):
        covered = set(arms_named(name, s)) - set(retargeting_arms(s))
        if name in retargeting:
            yield Issue(
                f"strategy.test.arms[{i}]",
                "is a retargeting tool; strategies fund it as planned and test the paid ads",
                name,
                True,
            )
        elif name in tactics or name in without_ads:
            what = "is a scheduled tactic" if name in tactics else "has no paid_ads or retargeting"
            yield Issue(
                f"strategy.test.arms[{i}]",
                f"{what}; the test splits budget over paid_ads and retargeting tools",
                name,
                True,
            )
        elif not covered:
            yield Issue(
                f"strategy.test.arms[{i}]",
                "no such arm ('platform/tool' or 'platform')" + did_you_mean(name, names),
                name,
                True,
            )
        elif covered <= listed:
            yield Issue(
                f"strategy.test.arms[{i}]",
                "already listed: an earlier entry tests every arm this one names",
                name,
                True,
            )
        listed |= covered


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
    if test.skipped:
        return  # no test: its length is not read
    if test.if_insufficient == "extend":
        length = f"the test ({test.days} days, plus {test.extend_days} days if it is extended)"
        total = test.days + test.extend_days
    else:
        length, total = f"the test ({test.days} days)", test.days
    if total >= c.days:
        yield Issue(
            "strategy.test.days",
            f"{length} must end before the campaign does ({c.days} days)",
            test.days,
            True,
        )


def decision_has_target(s: Scenario) -> Iterator[Issue]:
    if not needs_target_cpa(s):
        return
    target = target_cpa(s)
    if target is None:
        readers = [
            name
            for name, reads in (
                ("the probability rule", s.strategy.decision.rule == "probability"),
                ("the stop-loss", s.strategy.scale.stop_loss is not None),
            )
            if reads
        ]
        verb = "needs" if len(readers) == 1 else "need"
        yield Issue(
            "strategy.decision.target_cpa",
            f"{' and '.join(readers)} {verb} a target CPA: set it here or add a "
            "campaign-wide KPI target such as 'cpa <= 25'",
        )
    elif target <= 0 and s.strategy.decision.target_cpa is None:
        i = cpa_target_kpi(s)
        yield Issue(
            f"kpis[{i}].target",
            "the test's decision reads this as its target CPA, which must be greater than 0; "
            "set strategy.decision.target_cpa",
            s.kpis[i].target,
            True,
        )


def kept_arms_fit(s: Scenario) -> Iterator[Issue]:
    strategy = s.strategy
    if strategy.type == "test-then-scale" and strategy.decision.rule == "top_k":
        tested = len(tested_arms(s))  # 0 when no test arm exists: test_arms_exist says so
        if 0 < tested < strategy.decision.k:
            yield Issue(
                "strategy.decision.k",
                f"is more than the {tested} arm(s) the test covers",
                strategy.decision.k,
                True,
            )
    paid = len(allocated_arms(s))
    if strategy.type == "best-guess" and strategy.best_guess.arms > paid:
        yield Issue(
            "strategy.best_guess.arms",
            f"is more than the {paid} paid-ads arm(s) the scenario has",
            strategy.best_guess.arms,
            True,
        )


def adaptive_fits_campaign(s: Scenario) -> Iterator[Issue]:
    """Thompson sampling that never reallocates is a guess from the priors, not a bandit."""
    every, days = s.strategy.adaptive.every_days, s.campaign.days
    if s.strategy.type == "adaptive" and every >= days:
        yield Issue(
            "strategy.adaptive.every_days",
            f"must be shorter than the campaign ({days} days), or the budget is never reallocated",
            every,
            True,
        )


# --- tools and reputation -------------------------------------------------------------------------


def some_ad_tool(s: Scenario) -> Iterator[Issue]:
    """The paced budget is split over the paid ads (retargeting is funded as planned): without
    one there is nothing to pace."""
    if not any(t.type in PACED_ADS for p in s.platforms for t in p.tools):
        yield Issue(
            "platforms",
            f"the paced budget is split over {either(PACED_ADS)} tools: add at least one",
        )


def schedule_inside_calendar(s: Scenario) -> Iterator[Issue]:
    days = s.campaign.days
    message = f"the campaign has {days} days"
    for i, platform in enumerate(s.platforms):
        for j, tool in enumerate(platform.tools):
            if not isinstance(tool, Tactic):
                continue
            for k, phase in enumerate(tool.schedule):
                where = f"platforms[{i}].tools[{j}].schedule[{k}]"
                for n, day in enumerate(phase.days or ()):
                    if day > days:
                        yield Issue(f"{where}.days[{n}]", message, day, True)
                if phase.days is not None:
                    continue
                for key in ("start_day", "end_day"):
                    value = getattr(phase, key)
                    if value is not None and value > days:
                        yield Issue(f"{where}.{key}", message, value, True)


def seeding_needs_reputation(s: Scenario) -> Iterator[Issue]:
    if s.reputation is not None:
        return
    for i, platform in enumerate(s.platforms):
        for j, tool in enumerate(platform.tools):
            if isinstance(tool, Seeding):
                yield Issue(
                    f"platforms[{i}].tools[{j}]",
                    "seeding moves the top-20 results: add a reputation section with the key "
                    "queries",
                )


def refresh_targets_exist(s: Scenario) -> Iterator[Issue]:
    """A refresh resets the fatigue of ad tools on its own platform, so it needs one to reset."""
    for i, platform in enumerate(s.platforms):
        ad_names = [t.name for t in platform.ad_tools()]
        tactic_names = [t.name for t in platform.tactics()]
        for j, tool in enumerate(platform.tools):
            if not isinstance(tool, CreativeRefresh):
                continue
            where = f"platforms[{i}].tools[{j}]"
            if not ad_names:
                yield Issue(
                    where,
                    f"a creative refresh resets the fatigue of ads, and {platform.name} has no "
                    f"{either(AD_TOOL_TYPES)} tool",
                )
                continue
            for n, target in enumerate(tool.targets or ()):
                if target in ad_names:
                    continue
                if target in tactic_names:
                    message = (
                        f"is a scheduled tactic; a refresh resets {either(AD_TOOL_TYPES, 'and')}"
                    )
                else:
                    message = f"no {either(AD_TOOL_TYPES)} tool of that name on {platform.name}"
                    message += did_you_mean(target, ad_names)
                yield Issue(f"{where}.targets[{n}]", message, target, True)


def retargeting_has_visitors(s: Scenario) -> Iterator[Issue]:
    for i, platform in enumerate(s.platforms):
        if any(t.type in CLICK_SOURCES for t in platform.tools):
            continue
        for j, tool in enumerate(platform.tools):
            if tool.type in RETARGETING:
                yield Issue(
                    f"platforms[{i}].tools[{j}]",
                    "retargeting shows ads to the platform's recent visitors: add a "
                    f"{either(CLICK_SOURCES)} tool on {platform.name} that brings them",
                )


def reputation_targets_need_reputation(s: Scenario) -> Iterator[Issue]:
    if s.reputation is not None:
        return
    for i, kpi in enumerate(s.kpis):
        if kpi.metric in REPUTATION_KPIS:
            yield Issue(
                f"kpis[{i}].target",
                f"{kpi.metric} needs a reputation section with the key queries",
                kpi.target,
                True,
            )


def reputation_targets_have_no_platform(s: Scenario) -> Iterator[Issue]:
    for i, kpi in enumerate(s.kpis):
        if kpi.metric in REPUTATION_KPIS and kpi.platform is not None:
            yield Issue(
                f"kpis[{i}].platform",
                f"{kpi.metric} is a campaign-wide target: reputation is the brand's, not a "
                "platform's",
                kpi.platform,
                True,
            )


def backlash_platforms_exist(s: Scenario) -> Iterator[Issue]:
    names = [p.name for p in s.platforms]
    for i, name in enumerate(s.backlash.platforms or []):
        if name not in names:
            yield Issue(
                f"backlash.platforms[{i}]",
                "no such platform" + did_you_mean(name, names),
                name,
                True,
            )


def optimise_platforms_exist(s: Scenario) -> Iterator[Issue]:
    """Spend limits belong to platforms whose paid ads the optimiser splits the budget over."""
    with_ads = [p.name for p in s.platforms if any(t.type in PACED_ADS for t in p.tools)]
    names = [p.name for p in s.platforms]
    for name in s.optimise.platforms:
        where = f"optimise.platforms.{name}"
        if name not in names:
            yield Issue(where, "no such platform" + did_you_mean(name, names), name, True)
        elif name not in with_ads:
            message = f"spend limits need a {either(PACED_ADS)} tool on the platform"
            yield Issue(where, message, name, True)


def optimise_limits_feasible(s: Scenario) -> Iterator[Issue]:
    """The limits must leave room for the paid ads' whole budget as planned (the campaign's less
    the tactics' and retargeting's): the minimums fit in it, and the ceilings (none: the whole
    budget) add up to at least it."""
    budget = round(paid_ads_budget(s), 2)
    with_ads = [p.name for p in s.platforms if any(t.type in PACED_ADS for t in p.tools)]
    if not with_ads:
        return  # nothing to split: `some_ad_tool` or the search space says so
    limits = {name: s.optimise.platforms.get(name) for name in with_ads}
    floor = sum(b.min_spend for b in limits.values() if b is not None)
    ceiling = sum(
        budget if b is None or b.max_spend is None else b.max_spend for b in limits.values()
    )
    if floor > budget * (1 + SHARE_TOLERANCE):
        yield Issue(
            "optimise.platforms",
            f"the min_spend values add up to more than the paid ads' budget as planned "
            f"({budget:g}: the campaign's less the tactics' and retargeting's)",
            round(floor, 2),
            True,
        )
    if ceiling < budget * (1 - SHARE_TOLERANCE):
        yield Issue(
            "optimise.platforms",
            f"the max_spend values leave part of the paid ads' budget as planned ({budget:g}) "
            "with nowhere to go",
            round(ceiling, 2),
            True,
        )


def optimise_tactics_exist(s: Scenario) -> Iterator[Issue]:
    searchable = {f"{p.name}/{t.name}": t.type for p in s.platforms for t in p.tactics()}
    planned = {
        f"{p.name}/{t.name}": planned_units(t, s.campaign.days).sum()
        for p in s.platforms
        for t in p.tactics()
    }
    every = [f"{p.name}/{t.name}" for p in s.platforms for t in p.tools]
    for i, name in enumerate(s.optimise.tactics or []):
        where = f"optimise.tactics[{i}]"
        if name not in every:
            yield Issue(where, "no such tool" + did_you_mean(name, every), name, True)
        elif searchable.get(name) not in SEARCHED_TACTICS:
            kinds = ", ".join(SEARCHED_TACTICS)
            yield Issue(where, f"the optimiser searches the intensity of {kinds}", name, True)
        elif not planned[name]:
            yield Issue(
                where, "the tactic plans no unit: there is no intensity to scale", name, True
            )


def optimise_policy_fits_campaign(s: Scenario) -> Iterator[Issue]:
    """The longest test searched (and its extension) must end before the campaign does."""
    if "policy" not in s.optimise.searched:
        return
    test = s.strategy.test
    longest = s.optimise.policy_ranges.test_days[1]
    extension = test.extend_days if test.if_insufficient == "extend" else 0
    if longest + extension >= s.campaign.days:
        yield Issue(
            "optimise.policy_ranges.test_days",
            f"the longest test searched ({longest} days, plus {extension} if it is extended) must "
            f"end before the campaign does ({s.campaign.days} days)",
            list(s.optimise.policy_ranges.test_days),
            True,
        )


def optimise_policy_has_target(s: Scenario) -> Iterator[Issue]:
    """Searching the keep threshold q needs the target CPA it is read against."""
    o = s.optimise
    if (
        "policy" in o.searched
        and s.strategy.decision.rule == "probability"
        and target_cpa(s) is None
    ):
        where, value = (
            ("optimise.policy", True) if o.search is None else ("optimise.search", o.search)
        )
        yield Issue(
            where,
            "searching the test-then-scale policy needs a target CPA: set "
            "strategy.decision.target_cpa or a campaign-wide 'cpa <=' KPI",
            value,
            True,
        )


# Each rule with the top-level sections it reads: it runs when those sections are valid.
RULES: tuple[tuple[Callable[[Scenario], Iterator[Issue]], tuple[str, ...]], ...] = (
    (unique_platform_names, ("platforms",)),
    (backlash_platforms_exist, ("platforms", "backlash")),
    (unique_tool_names, ("platforms",)),
    (shares_sum_to_one, ("platforms", "strategy")),
    (planned_split_has_budget, ("platforms", "strategy")),
    (caps_inside_calendar, ("campaign",)),
    (target_months_inside_calendar, ("campaign", "kpis")),
    (target_platforms_exist, ("platforms", "kpis")),
    (revenue_targets_have_order_value, ("campaign", "kpis")),
    (tools_have_budgets, ("platforms", "strategy")),
    (test_arms_exist, ("platforms", "strategy")),
    (test_fits_campaign, ("campaign", "strategy")),
    (decision_has_target, ("kpis", "strategy")),
    (kept_arms_fit, ("platforms", "strategy")),
    (adaptive_fits_campaign, ("campaign", "strategy")),
    (some_ad_tool, ("platforms",)),
    (schedule_inside_calendar, ("campaign", "platforms")),
    (seeding_needs_reputation, ("platforms", "reputation")),
    (refresh_targets_exist, ("platforms",)),
    (retargeting_has_visitors, ("platforms",)),
    (reputation_targets_need_reputation, ("kpis", "reputation")),
    (reputation_targets_have_no_platform, ("kpis",)),
    (optimise_platforms_exist, ("platforms", "optimise")),
    (optimise_limits_feasible, ("campaign", "platforms", "optimise")),
    (optimise_tactics_exist, ("campaign", "platforms", "optimise")),
    (optimise_policy_has_target, ("kpis", "strategy", "optimise")),
    (optimise_policy_fits_campaign, ("campaign", "strategy", "optimise")),
)


def scenario_issues(s: Scenario, without: tuple[str, ...] = ()) -> list[Issue]:
    """Every problem across sections, from the rules whose sections all validated; rules that
    read a section in `without` are not run."""
    present = set(s.__dict__) - set(without)  # a section that failed validation is absent
    return [issue for rule, sections in RULES if set(sections) <= present for issue in rule(s)]
