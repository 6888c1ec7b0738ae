"""The brief as a starting scenario: platforms ranked and proposed, tools per goal, the budget
split, KPI targets with where each number comes from, and the verdict, as commented YAML that
`smmsim validate` accepts and `smmsim run` runs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import yaml

from smmsim.scenarios.brief.answers import Brief
from smmsim.scenarios.brief.funnel import Funnel, month_funnel, unique_reach
from smmsim.scenarios.brief.layout import (
    MIN_TEST_CONVERSIONS,
    Layout,
    layout,
    test_minimum,
    testable,
)
from smmsim.scenarios.brief.options import (
    SEEDING_EXAMPLE,
    AdOption,
    TacticOption,
    ad_options,
    community_block,
    tactic_option,
)
from smmsim.scenarios.brief.seed import (
    COMMUNITY_GOALS,
    GOALS,
    REPUTATION_GOALS,
    RETARGETING_GOALS,
    SECTORS,
)
from smmsim.scenarios.brief.targets import Expectations, Target, goal_targets, nice_up
from smmsim.scenarios.brief.verdict import Verdict, judge
from smmsim.scenarios.documents import Document, in_memory
from smmsim.scenarios.loader import scenario_from_data
from smmsim.scenarios.yaml_text import render_yaml

MONTH_DAYS = 365.25 / 12  # the community's rates are per month of this length


@dataclass(frozen=True)
class PlatformChoice(Document):
    rank: int
    platform: str
    proposed: bool
    reason: str
    priors_from: str  # the bundled example its priors are copied from
    expected_cpa: float  # a direct sale at the priors' means, while learning
    test_minimum: float  # what its test must spend for MIN_TEST_CONVERSIONS sales
    budget_share: float | None  # of the campaign's ad budget, when proposed


@dataclass(frozen=True)
class ToolChoice(Document):
    platform: str
    tool: str
    goals: list[str]
    priors_from: str
    budget: float  # what it is planned to spend over the campaign


@dataclass(frozen=True)
class KpiChoice(Document):
    target: str
    month: int | None
    source: str
    expected: float | None  # the plan's expectation behind the rounded target; None: the seed's


@dataclass(frozen=True)
class BriefResult(Document):
    """`smmsim brief`'s answer; `to_json()` is its --json output."""

    verdict: str
    reasons: list[str]
    sector: str
    goals: list[str]
    currency: str
    budget: float
    days: int
    test_budget: float
    platforms: list[PlatformChoice]
    tools: list[ToolChoice]
    kpis: list[KpiChoice]
    kpi_notes: list[str]  # seed KPIs without a target here, and why
    scenario_file: str | None = None
    scenario_text: str = in_memory(default="")

    @property
    def fits(self) -> bool:
        return self.verdict == "SMM fits"

    def written_to(self, path: str) -> BriefResult:
        return dataclasses.replace(self, scenario_file=path)


@dataclass(frozen=True)
class Tactics:
    """The scheduled tactics and retargeting the goals call for, and what they cost a week."""

    content: TacticOption | None
    seeding: TacticOption | None
    retargeting: TacticOption | None

    @property
    def per_week(self) -> float:
        cost = 0.0
        if self.content is not None:
            cost += self.content.per_week * self.content.tool["cost_per_post"]
        if self.seeding is not None:
            cost += self.seeding.per_week * self.seeding.tool["cost_per_item"]
        return cost


def make_brief(brief: Brief) -> BriefResult:
    """The verdict, the proposal and the scenario text for a brief."""
    ranked = ad_options(brief.sector, brief.per_eur)
    tactics = _tactics(brief)
    money, kept = _size(brief, ranked, tactics)
    if tactics.retargeting is not None and tactics.retargeting.platform not in _names(kept):
        tactics = dataclasses.replace(tactics, retargeting=None)
        money, kept = _size(brief, ranked, tactics)
    test_budget = money.paid_ads(1)
    verdict = judge(brief, ranked, kept, test_budget, money.tactics(1))
    proposed = kept or ranked[:1]  # the cheapest, so that --write-anyway has a plan to write
    shares = _shares(proposed, money.retargeting_share)
    expect = _expectations(brief, money, proposed, shares)
    targets, kpi_notes = goal_targets(brief, expect)
    data, notes = _scenario(brief, money, proposed, shares, tactics, targets, expect)
    text = _yaml(brief, verdict, ranked, proposed, data, notes, kpi_notes)
    scenario_from_data(yaml.safe_load(text), "the brief's scenario")  # what validate will say
    return BriefResult(
        verdict=verdict.verdict,
        reasons=list(verdict.reasons),
        sector=brief.sector,
        goals=list(brief.goals),
        currency=brief.currency,
        budget=money.budget,
        days=money.days,
        test_budget=test_budget,
        platforms=[
            PlatformChoice(
                rank=i + 1,
                platform=o.platform,
                proposed=o in proposed,
                reason=o.reason,
                priors_from=o.example,
                expected_cpa=o.learning_cpa,
                test_minimum=test_minimum(o),
                budget_share=shares.get(o.platform),
            )
            for i, o in enumerate(ranked)
        ],
        tools=_tool_choices(brief, money, proposed, shares, tactics),
        kpis=[KpiChoice(t.target, t.month, t.note, t.expected) for t in targets],
        kpi_notes=kpi_notes,
        scenario_text=text,
    )


def _names(options: list[AdOption]) -> set[str]:
    return {o.platform for o in options}


def _tactics(brief: Brief) -> Tactics:
    sector = SECTORS[brief.sector]
    goals = set(brief.goals)
    content = None
    if goals & set(COMMUNITY_GOALS) and brief.community_people > 0 and brief.content_per_week > 0:
        found = tactic_option(sector.retargeting_example, "community_content", brief.per_eur)
        content = dataclasses.replace(found, per_week=brief.content_per_week)
    seeding = None
    if goals & set(REPUTATION_GOALS):
        seeding = tactic_option(SEEDING_EXAMPLE, "seeding", brief.per_eur)
    retargeting = None
    if goals & set(RETARGETING_GOALS):
        retargeting = tactic_option(sector.retargeting_example, "retargeting", brief.per_eur)
    return Tactics(content, seeding, retargeting)


def _size(brief: Brief, ranked: list[AdOption], tactics: Tactics) -> tuple[Layout, list[AdOption]]:
    share = tactics.retargeting.share if tactics.retargeting is not None else 0.0
    money = layout(brief, tactics.per_week, share)
    return money, testable(ranked, money.paid_ads(1))


def _shares(proposed: list[AdOption], retargeting_share: float) -> dict[str, float]:
    """Each proposed platform's share: the examples' shares, renormalised over the proposed
    platforms and what retargeting leaves; rounded to 4 places, summing to exactly 1."""
    total = sum(o.example_share for o in proposed)
    rest = 1 - retargeting_share
    shares = {o.platform: round(o.example_share / total * rest, 4) for o in proposed}
    first = proposed[0].platform
    shares[first] = round(rest - sum(v for k, v in shares.items() if k != first), 4)
    return shares


def _month_spends(
    brief: Brief, money: Layout, proposed: list[AdOption], shares: dict[str, float], month: int
) -> dict[str, float]:
    """Each proposed platform's paid-ads money in `month`: month 1 is the even test split."""
    paid = money.paid_ads(month)
    if month == 1 and _has_test(money):
        return {o.platform: paid / len(proposed) for o in proposed}
    rest = 1 - money.retargeting_share
    return {o.platform: paid * shares[o.platform] / rest for o in proposed}


def _has_test(money: Layout) -> bool:
    return len(money.months) >= 2


def _expectations(
    brief: Brief, money: Layout, proposed: list[AdOption], shares: dict[str, float]
) -> Expectations:
    community = community_block(brief.sector)
    churn = community.get("churn_per_month", 0.05)
    orders = community.get("member_conversion_per_month", 0.02)
    recommend = community.get("recommendations_per_member_per_month", 0.1)
    months, reach = [], 0.0
    for m in range(1, len(money.months) + 1):
        spends = _month_spends(brief, money, proposed, shares, m)
        funnel = Funnel()
        for o in proposed:
            one = month_funnel(o, spends[o.platform], money.months[m - 1], m == 1)
            if m == 1:
                reach += unique_reach(one.impressions, o.audience)
            funnel = funnel + one
        months.append(funnel)
    members = conversions = recommendations = 0.0
    for m, funnel in enumerate(months):
        length = money.months[m] / MONTH_DAYS
        after = members * (1 - churn) ** length + funnel.joins
        # Members recommend from the day they join (the month's average membership); they
        # order only after the examples' conversion lag (10-45 days), so this month's joins
        # are left to the next month's orders.
        recommendations += (members + after) / 2 * recommend * length
        conversions += members * orders * length
        members = after
    campaign = sum(months, Funnel())
    return Expectations(
        month1=months[0],
        month1_reach=reach,
        month1_spend=money.spend(1),
        campaign=campaign,
        campaign_spend=money.budget,
        members_end=members,
        member_conversions=conversions,
        recommendations=recommendations,
        months=len(months),
    )


def _tool_choices(
    brief: Brief, money: Layout, proposed: list[AdOption], shares: dict[str, float], t: Tactics
) -> list[ToolChoice]:
    # The engine buys tactic units while money lasts, and the paid ads split what is left.
    tactic_cost = min(money.tactics_per_week * money.days / 7, money.budget)
    ads = money.budget - tactic_cost
    goals = [g for g in brief.goals if g in ("new-sales", "order-value")] or list(brief.goals)
    found = [
        ToolChoice(o.platform, "paid_ads", goals, o.example, ads * shares[o.platform])
        for o in proposed
    ]
    host = proposed[0].platform
    if t.retargeting is not None:
        goals = [g for g in brief.goals if g in RETARGETING_GOALS]
        found.append(
            ToolChoice(host, "retargeting", goals, t.retargeting.example, ads * t.retargeting.share)
        )
    if t.content is not None:
        goals = [g for g in brief.goals if g in COMMUNITY_GOALS]
        cost = min(
            t.content.per_week * t.content.tool["cost_per_post"] * money.days / 7, tactic_cost
        )
        found.append(ToolChoice(host, "community_content", goals, t.content.example, cost))
    if t.seeding is not None:
        goals = [g for g in brief.goals if g in REPUTATION_GOALS]
        cost = min(
            t.seeding.per_week * t.seeding.tool["cost_per_item"] * money.days / 7, tactic_cost
        )
        found.append(ToolChoice(t.seeding.platform, "seeding", goals, t.seeding.example, cost))
    return found


def _scenario(
    brief: Brief,
    money: Layout,
    proposed: list[AdOption],
    shares: dict[str, float],
    t: Tactics,
    targets: list[Target],
    expect: Expectations,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The scenario as data, and the end-of-line notes saying where each choice comes from."""
    cur = brief.currency
    campaign: dict[str, Any] = {
        "name": f"{brief.name} - SMM brief",
        "start": brief.start,
        "days": money.days,
        "currency": cur,
        "budget": round(money.budget, 2),
        "pacing": "even",
    }
    notes = {
        "campaign.days": f"{brief.months} month(s) from the start",
        "campaign.budget": f"{brief.budget_per_month:,.2f} {cur} a month x {brief.months}",
        "campaign.pacing": "the same spend every day: month 1 spends a month's budget",
    }
    if brief.order_value is not None:
        campaign["average_order_value"] = brief.order_value
        notes["campaign.average_order_value"] = "your answer: revenue and roas use it"
    campaign |= {"replications": 1000, "seed": 1}
    platforms = []
    for i, o in enumerate(proposed):
        here = f"platforms[{i}]"
        tool = {"type": "paid_ads", "budget_share": shares[o.platform], **o.tool}
        tools = [tool]
        notes[f"{here}.audience"] = f"the bundled example {o.example}'s estimate: use your own"
        notes[f"{here}.tools[0].budget_share"] = (
            f"the {o.example} example's share, renormalised over the proposed platforms"
        )
        notes[f"{here}.tools[0].cpm"] = f"priors copied from the bundled example {o.example}"
        if i == 0 and t.retargeting is not None:
            rt = {"type": "retargeting", "budget_share": t.retargeting.share, **t.retargeting.tool}
            notes[f"{here}.tools[{len(tools)}].budget_share"] = (
                f"keeps leads warm and brings buyers back (goals); share and priors from "
                f"the bundled example {t.retargeting.example}"
            )
            tools.append(rt)
        if i == 0 and t.content is not None:
            content = {**t.content.tool, "schedule": {"per_week": brief.content_per_week}}
            content = {"type": "community_content", **content}
            notes[f"{here}.tools[{len(tools)}].schedule"] = (
                f"your answer: posts a week you can produce (seed step 2, content); cost and "
                f"rates from the bundled example {t.content.example}"
            )
            tools.append(content)
        platforms.append({"name": o.platform, "audience": o.audience, "tools": tools})
    if t.seeding is not None:
        seeding = {
            "type": "seeding",
            **t.seeding.tool,
            "schedule": {"per_week": t.seeding.per_week},
        }
        here = f"platforms[{len(platforms)}]"
        notes[f"{here}.tools[0].schedule"] = (
            f"the {t.seeding.example} example's pace, under the 15% of the forums' natural posts "
            "where seeding stands out (seed: do no harm; a one-week push backfires)"
        )
        notes[f"{here}.audience"] = f"the bundled example {t.seeding.example}'s forum readers"
        platforms.append(
            {"name": t.seeding.platform, "audience": t.seeding.audience, "tools": [seeding]}
        )
    data: dict[str, Any] = {"campaign": campaign, "platforms": platforms}
    data["community"] = community_block(brief.sector)
    notes["community"] = f"the bundled example {SECTORS[brief.sector].example}'s community"
    kpis = []
    for i, target in enumerate(targets):
        item: dict[str, Any] = {"target": target.target}
        if target.month is not None:
            item["month"] = target.month
        notes[f"kpis[{i}].target"] = target.note
        kpis.append(item)
    if kpis:
        data["kpis"] = kpis
    if t.seeding is not None:
        own, third, neutral, negative = brief.top20
        data["reputation"] = {
            "queries": [
                {
                    "query": brief.name,
                    "positive_own": own,
                    "positive_third": third,
                    "neutral": neutral,
                    "negative": negative,
                }
            ]
        }
        notes["reputation.queries[0].query"] = "your answer: today's top 20 of the brand query"
    data["strategy"] = _strategy(money, expect, notes)
    return data, notes


def _strategy(money: Layout, expect: Expectations, notes: dict[str, str]) -> dict[str, Any]:
    """Test in month 1, keep what works, scale it (seed step 4); a one-month plan has no time
    to scale, so it runs as planned."""
    if not _has_test(money) or expect.campaign.conversions <= 0:
        notes["strategy"] = "no test: one month, or no money for paid ads; shares run as planned"
        return {"type": "fixed"}
    target_cpa = nice_up(expect.campaign_spend / expect.campaign.conversions)
    notes["strategy.test"] = (
        f"seed step 4: month 1's paid ads test each platform evenly; "
        f"{MIN_TEST_CONVERSIONS} sales each before it is judged"
    )
    notes["strategy.decision"] = "keep a platform if P(its CPA <= the plan's expected CPA) >= 0.5"
    return {
        "type": "test-then-scale",
        "test": {
            "days": money.months[0],
            "budget": round(money.paid_ads(1), 2),
            "split": "even",
            "min_conversions": MIN_TEST_CONVERSIONS,
        },
        "decision": {"rule": "probability", "target_cpa": target_cpa, "q": 0.5},
    }


def _yaml(
    brief: Brief,
    verdict: Verdict,
    ranked: list[AdOption],
    proposed: list[AdOption],
    data: dict[str, Any],
    notes: dict[str, str],
    kpi_notes: list[str],
) -> str:
    cur = brief.currency
    head = [
        f"{brief.name}: a starting plan written by `smmsim brief` from the seed's five steps.",
        f"Verdict: {verdict.verdict}.",
        *(f"  - {reason}" for reason in verdict.reasons),
        f"Sector: {SECTORS[brief.sector].label}. Goals: "
        + "; ".join(GOALS[g] for g in brief.goals)
        + ".",
        f"Conditions: {brief.budget_per_month:,.2f} {cur} a month for {brief.months} month(s), "
        f"people for community work: {brief.community_people:g}; posts a week: "
        f"{brief.content_per_week:g}.",
        "Platforms (step 3: few, not all), cheapest expected sale first at the priors' means, "
        "while learning:",
    ]
    for i, o in enumerate(ranked):
        mark = "proposed" if o in proposed else "not proposed"
        head.append(
            f"  {i + 1}. {o.platform} ({mark}): {o.reason}; a sale {o.learning_cpa:,.2f} {cur}, "
            f"a test {test_minimum(o):,.0f} {cur}"
        )
    head += [
        "Priors, audiences and the community's rates are copied from the bundled examples "
        "named below: assumptions to replace with your own account's numbers (smmsim calibrate).",
        "Next: smmsim validate, then smmsim run on this file.",
    ]
    sections = []
    # The seed KPIs without a target go above the targets (or above the strategy, when none).
    notes_at = "kpis" if "kpis" in data else "strategy"
    for key, value in data.items():
        block = render_yaml({key: value}, notes)
        if key == notes_at and kpi_notes:
            lines = ["Seed KPIs without a target here:", *(f"  - {u}" for u in kpi_notes)]
            block = "\n".join(f"# {line}" for line in lines) + "\n" + block
        sections.append(block)
    return "\n".join(f"# {line}" for line in head) + "\n" + "\n\n".join(sections) + "\n"
