"""The brief's plan as scenario YAML: every choice with an end-of-line note saying where it
comes from, the verdict and the platform ranking in the header, and the seed KPIs without a
target listed above the targets.
"""

from __future__ import annotations

from typing import Any

from smmsim.scenarios.brief.answers import Brief
from smmsim.scenarios.brief.expectations import Expectations
from smmsim.scenarios.brief.layout import MIN_TEST_CONVERSIONS, Layout, test_minimum
from smmsim.scenarios.brief.options import AdOption, Tactics, community_block
from smmsim.scenarios.brief.seed import GOALS, SECTORS
from smmsim.scenarios.brief.targets import Target, nice_up
from smmsim.scenarios.brief.verdict import Verdict
from smmsim.scenarios.yaml_text import render_yaml


def scenario_data(
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
                f"keeps leads warm and brings buyers back (goals); share and priors: the "
                f"bundled example {t.retargeting.example}'s {t.retargeting.platform} retargeting"
            )
            tools.append(rt)
        if i == 0 and t.content is not None:
            content = {**t.content.tool, "schedule": {"per_week": brief.content_per_week}}
            content = {"type": "community_content", **content}
            notes[f"{here}.tools[{len(tools)}].schedule"] = (
                f"your answer: posts a week you can produce (seed step 2, content); cost and "
                f"rates: the bundled example {t.content.example}'s {t.content.platform} posts"
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
    if not money.has_test or expect.campaign.conversions <= 0:
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


def scenario_text(
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
