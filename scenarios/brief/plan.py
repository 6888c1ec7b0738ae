"""The brief as a starting scenario: platforms ranked and proposed, tools per goal, the budget
split, KPI targets with where each number comes from, and the verdict; the scenario text
(`writing`) is validated as `smmsim validate` would before it is returned.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import yaml

from smmsim.scenarios.brief.answers import Brief
from smmsim.scenarios.brief.expectations import expectations
from smmsim.scenarios.brief.layout import Layout, layout, test_minimum, testable
from smmsim.scenarios.brief.options import AdOption, Tactics, ad_options, goal_tactics
from smmsim.scenarios.brief.seed import COMMUNITY_GOALS, REPUTATION_GOALS, RETARGETING_GOALS
from smmsim.scenarios.brief.targets import goal_targets
from smmsim.scenarios.brief.verdict import judge
from smmsim.scenarios.brief.writing import scenario_data, scenario_text
from smmsim.scenarios.documents import Document, in_memory
from smmsim.scenarios.loader import scenario_from_data


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


def make_brief(brief: Brief) -> BriefResult:
    """The verdict, the proposal and the scenario text for a brief."""
    ranked = ad_options(brief.sector, brief.per_eur)
    tactics = goal_tactics(brief)
    money, kept = _size(brief, ranked, tactics)
    test_budget = money.paid_ads(1)
    verdict = judge(brief, ranked, kept, test_budget, money.tactics(1))
    proposed = kept or ranked[:1]  # the cheapest, so that --write-anyway has a plan to write
    shares = _shares(proposed, money.retargeting_share)
    expect = expectations(brief, money, proposed, shares)
    targets, kpi_notes = goal_targets(brief, expect)
    data, notes = scenario_data(brief, money, proposed, shares, tactics, targets, expect)
    text = scenario_text(brief, verdict, ranked, proposed, data, notes, kpi_notes)
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
