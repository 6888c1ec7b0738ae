"""The platforms and tools a brief can propose, with priors taken from the bundled examples.

Nothing here is invented: each tool is copied from the bundled example that plans it for the same
kind of business (the sector's example for paid ads, the shop or agency examples for retargeting,
community posts and seeding), its prices converted into the brief's currency. What the brief
computes from them is the funnel at the priors' means: the expected cost of a click, a join and a
sale, which ranks the platforms and sizes the test.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from smmsim.scenarios.beliefs import PriceBelief, RateBelief
from smmsim.scenarios.brief.answers import Brief
from smmsim.scenarios.brief.seed import (
    COMMUNITY_GOALS,
    REPUTATION_GOALS,
    RETARGETING_GOALS,
    SECTORS,
    Candidate,
)
from smmsim.scenarios.bundled import example_text
from smmsim.scenarios.tools_schema import Learning

# Keys of a tool that hold money (prices, fees, spends): scaled into the brief's currency.
MONEY_KEYS = ("cost_per_post", "cost_per_item", "fee", "prize", "cost")
SEEDING_EXAMPLE = "reputation-steady"  # the only bundled example that seeds forums


@dataclass(frozen=True)
class AdOption:
    """One platform's paid ads as a sector's example plans them, and their funnel at the means."""

    platform: str
    reason: str
    example: str
    audience: int
    tool: dict[str, Any]  # the example's paid_ads tool, without its budget
    example_share: float  # its share of the example's budget
    cpm: float
    ctr: float
    join_rate: float
    cvr: float
    learning_efficiency: float

    @property
    def cpc(self) -> float:
        return self.cpm / 1000 / self.ctr

    @property
    def cost_per_join(self) -> float:
        return self.cpc / self.join_rate

    @property
    def cpa(self) -> float:
        """Cost of a direct sale at the priors' means, outside the learning phase."""
        return self.cpc / self.cvr

    @property
    def learning_cpa(self) -> float:
        """The same while the platform is learning, as in a test: the engine divides the CPA by
        the learning efficiency until the arm has its conversions (50 by default)."""
        return self.cpa / self.learning_efficiency


@dataclass(frozen=True)
class TacticOption:
    """A tool copied from an example: its dict (schedule left to the brief), and where from."""

    example: str
    platform: str
    tool: dict[str, Any]
    share: float | None = None  # retargeting's budget share in its example
    audience: int | None = None
    per_week: float | None = None  # a tactic's planned units a week in its example


@cache
def example_data(name: str) -> dict[str, Any]:
    return yaml.safe_load(example_text(name))


def ad_options(sector: str, per_eur: float) -> list[AdOption]:
    """The sector's candidate platforms, cheapest expected sale (while learning) first."""
    spec = SECTORS[sector]
    options = [_ad_option(spec.example, c, per_eur) for c in spec.candidates]
    return sorted(options, key=lambda o: o.learning_cpa)


def _ad_option(example: str, candidate: Candidate, per_eur: float) -> AdOption:
    data = example_data(example)
    platform = _platform(data, candidate.platform)
    raw = next(t for t in platform["tools"] if t["type"] == "paid_ads")
    tool = in_currency(
        {k: v for k, v in raw.items() if k not in ("budget_share", "daily_budget")}, per_eur
    )
    tool.pop("name", None)
    campaign = data["campaign"]
    share = raw.get("budget_share")
    if share is None:  # a fixed daily budget: its share of the example's whole budget
        share = raw["daily_budget"] * campaign["days"] / campaign["budget"]
    learning = Learning.model_validate(tool.get("learning", {}))
    return AdOption(
        platform=candidate.platform,
        reason=candidate.reason,
        example=example,
        audience=platform["audience"],
        tool=tool,
        example_share=share,
        cpm=PriceBelief.model_validate(tool["cpm"]).distribution().mean,
        ctr=RateBelief.model_validate(tool["ctr"]).distribution().mean,
        join_rate=RateBelief.model_validate(tool["join_rate"]).distribution().mean,
        cvr=RateBelief.model_validate(tool["cvr"]).distribution().mean,
        learning_efficiency=learning.efficiency,
    )


def tactic_option(example: str, kind: str, per_eur: float) -> TacticOption:
    """The first tool of `kind` in an example, its prices in the brief's currency."""
    for platform in example_data(example)["platforms"]:
        for raw in platform["tools"]:
            if raw["type"] == kind:
                tool = in_currency({k: v for k, v in raw.items() if k != "budget_share"}, per_eur)
                tool.pop("name", None)
                tool.pop("targets", None)
                schedule = tool.pop("schedule", None)
                per_week = schedule.get("per_week") if isinstance(schedule, dict) else None
                return TacticOption(
                    example,
                    platform["name"],
                    tool,
                    raw.get("budget_share"),
                    platform["audience"],
                    per_week,
                )
    raise LookupError(f"the bundled example {example} has no {kind} tool")


def community_block(sector: str) -> dict[str, Any]:
    """The sector's example's community: churn, members' orders, recommendations."""
    return dict(example_data(SECTORS[sector].example)["community"])


def in_currency(tool: dict[str, Any], per_eur: float) -> dict[str, Any]:
    """A tool's prices (CPM, fees, costs, the auction's half-price spend) times `per_eur`."""
    tool = copy.deepcopy(tool)
    if per_eur == 1:
        return tool
    if "cpm" in tool:
        cpm = tool["cpm"]
        tool["cpm"] = (
            {k: v * per_eur for k, v in cpm.items()}  # mean, sd, p5, p95 all scale with price
            if isinstance(cpm, dict)
            else cpm * per_eur
        )
    if isinstance(tool.get("auction"), dict) and "s_half" in tool["auction"]:
        tool["auction"]["s_half"] *= per_eur
    for key in MONEY_KEYS:
        if key in tool:
            tool[key] *= per_eur
    return tool


def _platform(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in data["platforms"] if p["name"] == name)


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


def goal_tactics(brief: Brief) -> Tactics:
    """The tactics and retargeting the brief's goals call for, copied from the examples."""
    sector = SECTORS[brief.sector]
    goals = set(brief.goals)
    content = None
    if goals & set(COMMUNITY_GOALS) and brief.community_people > 0 and brief.content_per_week > 0:
        found = tactic_option(sector.warm_example, "community_content", brief.per_eur)
        content = dataclasses.replace(found, per_week=brief.content_per_week)
    seeding = None
    if goals & set(REPUTATION_GOALS):
        seeding = tactic_option(SEEDING_EXAMPLE, "seeding", brief.per_eur)
    retargeting = None
    if goals & set(RETARGETING_GOALS):
        retargeting = tactic_option(sector.warm_example, "retargeting", brief.per_eur)
    return Tactics(content, seeding, retargeting)
