"""KPI targets for the brief's goals: the seed's example KPIs, mapped onto smmsim's metrics.

The seed gives numbers for the reputation KPIs only (70% positive in the top 20, 20 portals with
a link, 15% third-party results); those are written as the seed states them. For the promotion
and community KPIs it names the measure but no number, so the target is what the plan expects at
the priors' means (`funnel`): the seed's step 4 checks the test "against expectations". Counts
are rounded down and costs up to two significant figures, a number a planner can agree with the
client. Seed KPIs that smmsim has no metric for are listed as notes, not dropped silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from smmsim.scenarios.brief.answers import Brief
from smmsim.scenarios.brief.expectations import Expectations
from smmsim.scenarios.brief.seed import (
    SEED_PORTALS_WITH_LINK,
    SEED_POSITIVE_SHARE,
    SEED_THIRD_PARTY_SHARE,
)

# The seed's "Example KPIs by goal", by the goals each list serves.
PROMOTION = "seed KPIs for promotion / new sources"
AUDIENCE = "seed KPIs for a new social audience / order value"
REPUTATION = "seed KPIs for reputation / recommendation"
EXPECTED = "expected at the priors' means"


@dataclass(frozen=True)
class Target:
    target: str
    note: str
    month: int | None = None
    expected: float | None = None  # the plan's expectation behind a rounded target


def nice_down(x: float) -> float:
    """x rounded down to two significant figures: a count target a shade under the mean."""
    if x <= 0:
        return 0.0
    step = 10 ** (math.floor(math.log10(x)) - 1)
    return math.floor(x / step + 1e-9) * step


def nice_up(x: float) -> float:
    """x rounded up to two significant figures: a cost ceiling a shade over the mean."""
    step = 10 ** (math.floor(math.log10(x)) - 1)
    return math.ceil(x / step - 1e-9) * step


def _number(x: float) -> str:
    return f"{x:.10g}"


def goal_targets(brief: Brief, e: Expectations) -> tuple[list[Target], list[str]]:
    """Targets for every goal (each metric once), and notes on the seed KPIs without a metric."""
    targets: list[Target] = []
    notes: list[str] = []
    if "new-sales" in brief.goals:
        _promotion(e, brief.currency, targets, notes)
    if "order-value" in brief.goals or "recommendation" in brief.goals:
        _audience(e, targets, notes, "order-value" in brief.goals)
    if "repeat-sales" in brief.goals:
        targets.append(
            Target(
                f"member_conversions >= {_number(nice_down(e.member_conversions))}",
                "repeat sales: the seed names no KPI; members' later orders measure them "
                f"({EXPECTED}: members x the example's monthly order rate)",
                expected=e.member_conversions,
            )
        )
    if "warm-leads" in brief.goals:
        notes.append(
            "keeping leads warm: the seed names no KPI for it; retargeting's sales show in "
            "direct_conversions of its platform (smmsim run, by arm)"
        )
    if "reputation" in brief.goals or "recommendation" in brief.goals:
        _reputation(targets, notes)
    # A count the plan expects none of is no target (its money went to the tactics): say so.
    empty = [t for t in targets if t.target.endswith(">= 0")]
    notes += [f"{t.target.split()[0]}: no target, the plan expects none" for t in empty]
    return [t for t in targets if t not in empty], notes


def _promotion(e: Expectations, currency: str, targets: list[Target], notes: list[str]) -> None:
    m1, spend = e.month1, e.month1_spend
    if m1.conversions <= 0 or e.campaign.conversions <= 0:
        notes.append(f"{PROMOTION}: no targets, as the paid ads get no money in month 1")
        return
    test = f"{PROMOTION}; month 1 is the test (step 4), {EXPECTED}"
    for metric, value in (
        ("reach", e.month1_reach),
        ("impressions", m1.impressions),
        ("clicks", m1.clicks),
        ("joins", m1.joins),
    ):
        targets.append(Target(f"{metric} >= {_number(nice_down(value))}", test, 1, value))
    costs = (
        ("cpm", spend / m1.impressions * 1000),
        ("cpc", spend / m1.clicks),
        ("cost_per_join", spend / m1.joins),
        ("cpa", spend / m1.conversions),
    )
    for metric, value in costs:
        targets.append(Target(f"{metric} <= {_number(nice_up(value))}", test, 1, value))
    campaign_cpa = e.campaign_spend / e.campaign.conversions
    targets.append(
        Target(
            f"cpa <= {_number(nice_up(campaign_cpa))}",
            f"{PROMOTION} (cost per sale): {EXPECTED}, whole campaign, in {currency}",
            expected=campaign_cpa,
        )
    )
    notes += [
        "reach on networks, blogs and portals beyond the proposed platforms: no smmsim metric",
        "people active on their first visit to the group: no smmsim metric",
        "site statistics (traffic quality, goal conversions, cost per sale): conversions and "
        "cpa are smmsim's; traffic quality has no metric",
    ]


def _audience(e: Expectations, targets: list[Target], notes: list[str], order: bool) -> None:
    targets.append(
        Target(
            f"recommendations >= {_number(nice_down(e.recommendations))}",
            f"natural recommendations ({AUDIENCE}), {EXPECTED}, whole campaign",
            expected=e.recommendations,
        )
    )
    if not order:
        return
    targets.append(
        Target(
            f"members >= {_number(nice_down(e.members_end))}",
            f"growth of active members ({AUDIENCE}), {EXPECTED}: joins after churn",
            e.months,
            e.members_end,
        )
    )
    notes += [
        f"growth of feedback ({AUDIENCE}): no smmsim metric",
        "clicks from the group to the site: no separate metric; community posts' clicks count "
        "in clicks",
        "traffic quality: no smmsim metric; the average order value is an input "
        "(campaign.average_order_value), not a KPI",
    ]


def _reputation(targets: list[Target], notes: list[str]) -> None:
    targets += [
        Target(
            f"positive_share >= {SEED_POSITIVE_SHARE}%",
            f"{REPUTATION}: positive share of the top 20 of key queries above 70%",
        ),
        Target(
            f"portals_with_link >= {SEED_PORTALS_WITH_LINK}",
            f"{REPUTATION}: discussion on 20 related portals, each with a link",
        ),
        Target(
            f"third_party_share >= {SEED_THIRD_PARTY_SHARE}%",
            f"{REPUTATION}: 15% of results are third parties recommending the client",
        ),
    ]
    notes += [
        f"positive vs negative mentions on forums ({REPUTATION}): forum_positive_share measures "
        "it; the seed gives no number",
        "ratings and traffic of the portals involved: no smmsim metric",
    ]
