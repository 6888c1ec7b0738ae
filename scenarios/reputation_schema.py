"""Reputation (the top-20 search results of key queries, the portals, the forums) and backlash
(the daily hazard that over-aggressive tactics create, and what an event costs).

Every hazard parameter has a default with its reasoning in the field's description; the README's
scenario reference lists them. The thresholds double as the static rules of `smmsim check`: `safe`
is where the hazard starts to grow (a medium flag), `high` where a planner should expect trouble.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from smmsim.scenarios.beliefs import AmountBelief
from smmsim.scenarios.schema_base import NonNegative, Positive, StrictModel, rule_error

TOP_RESULTS = 20  # the seed's KPI reads the first 20 results of a key query


class QueryResults(StrictModel):
    """A key query's top 20 results at the start: own pages and third-party results by tone."""

    query: str = Field(min_length=1)
    positive_own: int = Field(ge=0, description="the client's own pages (site, profiles)")
    positive_third: int = Field(ge=0, description="third-party results recommending the client")
    neutral: int = Field(ge=0)
    negative: int = Field(ge=0)

    @model_validator(mode="after")
    def _twenty(self) -> QueryResults:
        total = self.positive_own + self.positive_third + self.neutral + self.negative
        if total != TOP_RESULTS:
            raise rule_error(
                "top_results", f"the four counts must add up to {TOP_RESULTS} (they add to {total})"
            )
        return self


class Mix(StrictModel):
    """Shares of positive, neutral and negative among new organic results."""

    positive: float = Field(ge=0, le=1)
    neutral: float = Field(ge=0, le=1)
    negative: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _sums_to_one(self) -> Mix:
        if abs(self.positive + self.neutral + self.negative - 1) > 1e-6:
            raise rule_error("mix_sum", "positive, neutral and negative must sum to 1")
        return self


class Reputation(StrictModel):
    """How search results, portals and forums move, and how they feed back into the funnel."""

    queries: list[QueryResults] = Field(min_length=1)
    turnover_per_week: NonNegative = Field(
        1.0,
        description="results per query replaced each week by new organic content: without "
        "work, the top 20 drifts back to the market's background mix",
    )
    background: Mix | None = Field(
        None, description="tone of new organic results; default: each query's starting mix"
    )
    reviews_per_conversion: float = Field(
        0.05, ge=0, le=1, description="buyers who write a review or forum mention"
    )
    unhappy_share: float = Field(
        0.15, ge=0, le=1, description="of those mentions, the negative ones"
    )
    mentions_per_recommendation: float = Field(
        0.1, ge=0, le=1, description="members' natural recommendations made in public (forums)"
    )
    mention_rank_probability: float = Field(
        0.02, ge=0, le=1, description="chance an organic mention reaches a key query's top 20"
    )
    mention_link_probability: float = Field(
        0.2, ge=0, le=1, description="organic mentions that carry a link to the client's site"
    )
    portals: int = Field(
        20, ge=1, le=500, description="related popular portals tracked (the seed's KPI: 20)"
    )
    discussion_days: int = Field(
        30, ge=1, le=365, description="a portal has ongoing discussion if mentioned this recently"
    )
    ctr_elasticity: NonNegative = Field(
        0.25, description="CTR multiplier exp(e x change in net positive share of the top 20)"
    )
    cvr_elasticity: NonNegative = Field(
        0.5,
        description="the same for conversion, larger because people read reviews before they "
        "buy: a swing from net 0 to net +0.6 lifts conversions per impression by about 57%",
    )


class Signal(StrictModel):
    """One intensity signal: no hazard up to `safe`, `hazard_at_high` per day at `high`, growing
    with the square of the excess (a little over the line is tolerated, a lot is not)."""

    safe: NonNegative
    high: Positive
    hazard_at_high: float = Field(gt=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Signal:
        if not self.high > self.safe:
            raise rule_error("signal_order", "high must be above safe")
        return self


class RiskLevels(StrictModel):
    """Probability of at least one backlash event that makes a simulated finding medium or high."""

    medium: float = Field(0.05, gt=0, lt=1)
    high: float = Field(0.25, gt=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> RiskLevels:
        if not self.high > self.medium:
            raise rule_error("risk_order", "high must be above medium")
        return self


class Backlash(StrictModel):
    """The backlash hazard per platform and what an event does.

    Defaults: community managers' rules of thumb (80/20 content, a frequency of about 7 a week
    before people complain, seeding that stays a small part of the natural conversation) and the
    seed's warning that a reputation moved too fast "costs many times more to repair"."""

    enabled: bool = Field(True, description="false: a what-if with no backlash at all")
    platforms: list[str] | None = Field(
        None,
        description="platforms where backlash can strike; default: all (a what-if that "
        "leaves some out measures what their backlash costs)",
    )
    seeding_ratio: Signal = Field(
        Signal(safe=0.15, high=0.5, hazard_at_high=0.03),
        description="seeded items a week / the forums' natural posts a week",
    )
    sponsored_share: Signal = Field(
        Signal(safe=0.3, high=0.6, hazard_at_high=0.01),
        description="promotional share of the community feed over the last 7 days",
    )
    ad_frequency: Signal = Field(
        Signal(safe=7.0, high=14.0, hazard_at_high=0.01),
        description="impressions per person reached over the last 7 days, worst ad tool",
    )
    contest_share: Signal = Field(
        Signal(safe=0.3, high=0.6, hazard_at_high=0.01),
        description="contests' share of the platform's joins over the last 90 days",
    )
    reputation_speed: Signal = Field(
        Signal(safe=8.0, high=20.0, hazard_at_high=0.05),
        description="points a week the positive share of the top 20 rises, on platforms that "
        "seed; a launch or a press mention moves it a few points, 8 (under 2 of 20 results) is "
        "about the most a natural conversation does",
    )
    base_hazard: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="daily hazard with no aggressive tactic (outrage for other "
        "reasons); 0 models only the backlash a plan itself causes",
    )
    max_daily_hazard: float = Field(0.5, gt=0, le=1)
    negative_results: NonNegative = Field(
        4, description="negative results an event puts into each key query's top 20"
    )
    negative_mentions: NonNegative = Field(
        20, description="negative forum and portal mentions an event brings"
    )
    rate_penalty: float = Field(
        0.3, ge=0, lt=1, description="CTR and conversion fall by this share on the platform"
    )
    penalty_days: int = Field(30, ge=1, le=365, description="days an event depresses the rates")
    spillover: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of an event's penalty the other platforms feel: "
        "outrage travels (screenshots of a forum row are shared where the ads run)",
    )
    repair_cost: AmountBelief | None = Field(
        None,
        description="the repair bill of one event; default: repair_budget_days of the "
        "campaign's average daily budget, 50% sd",
    )
    repair_budget_days: Positive = Field(
        10.0, description="crisis PR, moderation and make-good offers, in days of budget"
    )
    risk: RiskLevels = RiskLevels()

    def repair_distribution(self, daily_budget: float):
        if self.repair_cost is not None:
            return self.repair_cost.distribution()
        mean = self.repair_budget_days * daily_budget
        return AmountBelief(mean=mean, sd=0.5 * mean).distribution()

    def signals(self) -> dict[str, Signal]:
        return {name: getattr(self, name) for name in SIGNALS}


SIGNALS = ("seeding_ratio", "sponsored_share", "ad_frequency", "contest_share", "reputation_speed")
