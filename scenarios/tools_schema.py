"""The tools of a platform: paid ads and retargeting (bought in the auction, paced from the budget)
and the scheduled tactics (influencers, community content, contests, seeding, creative refresh),
each with its cost model, its priors and its intensity schedule.

A tool's `type` picks its model. Defaults are documented in the README's scenario reference; the
reasoning behind each is in its field's description.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from smmsim.scenarios.beliefs import AmountBelief, PriceBelief, RateBelief
from smmsim.scenarios.schema_base import NonNegative, Positive, StrictModel, rule_error

# --- paid media -----------------------------------------------------------------------------------


class Auction(StrictModel):
    """Auction pressure: cpm = cpm0 * (1 + (spend / s_half) ** k)."""

    s_half: Positive | None = Field(
        None,
        description="daily spend that doubles the CPM; default: the spend that would buy "
        "0.5 impressions per audience member per day at the mean CPM",
    )
    k: float = Field(
        1.0, gt=0, le=1, description="steepness; k <= 1 keeps impressions increasing in spend"
    )


class Fatigue(StrictModel):
    """Creative wear-out: ctr = ctr0 * exp(-phi * max(0, frequency - f0))."""

    f0: float = Field(3.0, ge=1, description="frequency at which wear-out starts")
    phi: NonNegative = Field(0.1, description="CTR decay per unit of frequency above f0")


class Learning(StrictModel):
    """The ad platform's learning phase."""

    conversions: NonNegative = Field(50, description="conversions to leave the learning phase")
    efficiency: float = Field(
        0.7, gt=0, le=1, description="delivery efficiency while learning; the CPA is divided by it"
    )
    reset_change: Positive = Field(
        0.2, description="relative daily-budget change that re-enters learning"
    )


class AdArm(StrictModel):
    """What every tool bought in the ad auction has: a budget, priors, and the delivery model."""

    budget_share: float | None = Field(
        None, ge=0, le=1, description="0 keeps the tool in the plan with no budget"
    )
    daily_budget: Positive | None = None
    cpm: PriceBelief
    ctr: RateBelief
    join_rate: RateBelief
    cvr: RateBelief
    auction: Auction = Auction()
    fatigue: Fatigue = Fatigue()
    frequency_cap: Positive = Field(2.0, description="impressions per audience member per day")
    learning: Learning = Learning()
    day_of_week: tuple[Positive, ...] = Field(
        (1.0,) * 7, description="CPM multipliers Monday..Sunday, normalised to mean 1"
    )
    noise: float = Field(0.1, ge=0, le=1, description="daily lognormal sd on CPM and CTR")

    @field_validator("day_of_week")
    @classmethod
    def _seven_days(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if len(value) != 7:
            raise rule_error("day_of_week_length", "needs 7 multipliers, Monday to Sunday")
        return value

    @model_validator(mode="after")
    def _one_budget(self) -> AdArm:
        if self.budget_share is not None and self.daily_budget is not None:
            raise rule_error("arm_budget", "give either budget_share or daily_budget, not both")
        return self


class PaidAds(AdArm):
    """Paid ads on one platform, shown to its whole target audience."""

    type: Literal["paid_ads"]
    name: str = Field("paid_ads", min_length=1)


class Retargeting(AdArm):
    """Ads shown only to people who clicked through from this platform's other tools lately.

    The audience is the pool of recent visitors: each click adds a person, who stays for about
    `window_days`. It converts better than cold traffic (its priors say by how much) and, being
    small, saturates fast: the frequency cap and fatigue bind on the pool, not the platform."""

    type: Literal["retargeting"]
    name: str = Field("retargeting", min_length=1)
    window_days: int = Field(
        30, ge=1, le=180, description="days a visitor stays in the pool (the platforms' default)"
    )


# --- scheduled tactics ----------------------------------------------------------------------------


class Phase(StrictModel):
    """One stretch of an intensity schedule: `per_week` units spread evenly over campaign days
    `start_day`..`end_day` (1-based, inclusive), or units on the listed `days`."""

    per_week: NonNegative | None = None
    days: list[Annotated[int, Field(ge=1)]] | None = Field(None, min_length=1)
    start_day: int = Field(1, ge=1)
    end_day: int | None = Field(None, ge=1, description="default: the campaign's last day")

    @model_validator(mode="after")
    def _one_form(self) -> Phase:
        if (self.per_week is None) == (self.days is None):
            raise rule_error("schedule_form", "a schedule phase needs either per_week or days")
        if self.days is not None and (self.start_day != 1 or self.end_day is not None):
            raise rule_error("schedule_form", "start_day and end_day go with per_week, not days")
        if self.end_day is not None and self.end_day < self.start_day:
            raise rule_error("schedule_order", "end_day must not be before start_day")
        return self


class Tactic(StrictModel):
    """What every scheduled tactic has: a schedule of units and an optional budget of its own.

    A unit (a post, a placement, a contest, a seeded item, a refresh) is bought whole on its day,
    only if its cost fits in what is left of the tool's budget, the month's cap and the campaign's
    budget: no tool spends after its budget is gone."""

    schedule: list[Phase] = Field(min_length=1)
    budget: Positive | None = Field(None, description="the tool's own budget; default: none")

    @field_validator("schedule", mode="before")
    @classmethod
    def _one_phase_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    def unit_cost(self) -> float:
        raise NotImplementedError


class Influencer(Tactic):
    """Paid placements with bloggers: a fee per placement and a reach drawn per placement.

    Views come as a spike on the placement day and decay with `half_life_days`."""

    type: Literal["influencer"]
    name: str = Field("influencer", min_length=1)
    fee: Positive = Field(description="fee per placement")
    reach: AmountBelief = Field(description="views of one placement, drawn per placement")
    half_life_days: Positive = Field(
        1.0,
        description="days for a placement's daily views to halve: stories and feed posts "
        "get most of their views in the first day or two",
    )
    ctr: RateBelief = Field(description="link clicks per view")
    join_rate: RateBelief = Field(description="clicks that join the community")
    cvr: RateBelief = Field(description="clicks that buy")

    def unit_cost(self) -> float:
        return self.fee


class CommunityContent(Tactic):
    """Posts in the own community: a cost per post; organic reach proportional to the members
    gained on this platform; engagement per post falls when posting is too frequent."""

    type: Literal["community_content"]
    name: str = Field("community_content", min_length=1)
    cost_per_post: NonNegative = Field(description="content production per post")
    organic_reach: RateBelief = Field(
        RateBelief(mean=0.06, sd=0.02),
        description="members who see a post; platforms report 2-10% organic reach for pages",
    )
    ctr: RateBelief = Field(RateBelief(mean=0.01, sd=0.004), description="clicks per view")
    join_rate: RateBelief = Field(
        RateBelief(mean=0.02, sd=0.01), description="views shared on that bring a new member"
    )
    cvr: RateBelief = Field(RateBelief(mean=0.02, sd=0.008), description="clicks that buy")
    comfortable_per_week: Positive = Field(
        5.0, description="posts a week the feed absorbs without losing engagement per post"
    )
    crowding: NonNegative = Field(
        1.5,
        description="engagement per post falls as (comfortable / posts last week) ** crowding "
        "above the comfortable rate; above 1, posting more lowers total engagement",
    )
    promotional_share: float = Field(
        0.2, ge=0, le=1, description="posts that sell; the 80/20 rule of community managers"
    )

    def unit_cost(self) -> float:
        return self.cost_per_post


class Contest(Tactic):
    """Contests and giveaways: prize plus fee; cheap joins of low quality (entrants churn faster
    and buy less than members who came for the product)."""

    type: Literal["contest"]
    name: str = Field("contest", min_length=1)
    prize: NonNegative
    fee: NonNegative = Field(0.0, description="agency or platform fee per contest")
    joins: AmountBelief = Field(description="new members per contest, drawn per contest")
    duration_days: int = Field(7, ge=1, le=60, description="days a contest runs; joins spread")
    member_conversion_multiplier: float = Field(
        0.3, gt=0, le=1, description="entrants' monthly conversion relative to other members"
    )
    churn_multiplier: float = Field(
        3.0, ge=1, le=20, description="entrants' monthly churn relative to other members"
    )

    def unit_cost(self) -> float:
        return self.prize + self.fee

    @model_validator(mode="after")
    def _costs_something(self) -> Contest:
        if self.prize + self.fee <= 0:
            raise rule_error("contest_cost", "a contest needs a prize or a fee above 0")
        return self


class Seeding(Tactic):
    """Forum and review seeding (reputation work): a cost per placed post or review. Placed items
    enter the key queries' top-20 results and start discussion on the related portals."""

    type: Literal["seeding"]
    name: str = Field("seeding", min_length=1)
    cost_per_item: Positive
    natural_posts_per_week: Positive = Field(
        description="posts about the category the forums see a week on their own: seeding is "
        "judged against it (a flood of praise among few natural posts stands out)"
    )
    rank_probability: RateBelief = Field(
        RateBelief(mean=0.05, sd=0.02),
        description="chance a placed item reaches the top 20 of a key query",
    )
    link_probability: float = Field(
        0.5, ge=0, le=1, description="placed items that carry a link to the client's site"
    )

    def unit_cost(self) -> float:
        return self.cost_per_item


class CreativeRefresh(Tactic):
    """New creatives for the platform's ads: a cost per refresh; each refresh resets the fatigue
    of `targets` (default: every ad tool on the platform)."""

    type: Literal["creative_refresh"]
    name: str = Field("creative_refresh", min_length=1)
    cost: Positive = Field(description="design and production per refresh")
    targets: list[str] | None = Field(
        None, min_length=1, description="ad tools refreshed; default: all"
    )

    def unit_cost(self) -> float:
        return self.cost
