"""The scenario file: what a planner writes, validated and frozen.

Every model forbids unknown keys (the loader turns them into "did you mean" hints) and every
default below is documented in the README's scenario reference. Rules that involve more than one
field of a model live in that model's validator; rules across the whole file (unique names, budget
shares summing to one, KPI months inside the calendar) live in `checks.py` so that all of them are
reported together.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from scenarios.hints import did_you_mean
from scenarios.priors import (
    Beta,
    LogNormal,
    beta_from_interval,
    beta_from_mean_sd,
    lognormal_from_interval,
    lognormal_from_mean_sd,
)
from scenarios.schema_base import NonNegative, Positive, StrictModel, rule_error
from scenarios.strategy_schema import Strategy
from simulator.metrics import KPIS


class Belief(StrictModel):
    """A belief with uncertainty: a number, `{mean, sd}` or a 90% interval `{p5, p95}`."""

    mean: float | None = None
    sd: NonNegative | None = None
    p5: float | None = None
    p95: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _number_means_known_exactly(cls, data: Any) -> Any:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return {"mean": data, "sd": 0.0}
        return data

    @model_validator(mode="after")
    def _one_form(self) -> Belief:
        has_interval = self.p5 is not None or self.p95 is not None
        if has_interval and (self.mean is not None or self.sd is not None):
            raise rule_error("belief_form", "give either mean (and sd) or p5 and p95, not both")
        if has_interval:
            if self.p5 is None or self.p95 is None:
                raise rule_error("belief_form", "a 90% interval needs both p5 and p95")
            if not self.p5 < self.p95:
                raise rule_error("belief_interval", "p5 must be below p95")
        elif self.mean is None:
            raise rule_error(
                "belief_form", "a belief needs a mean (with an optional sd) or p5 and p95"
            )
        self._check_support()
        return self

    def _check_support(self) -> None:
        raise NotImplementedError


class PriceBelief(Belief):
    """A positive price (CPM), drawn lognormal per replication."""

    def _check_support(self) -> None:
        for name in ("mean", "p5"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise rule_error("belief_positive", f"{name} of a price must be greater than 0")

    def distribution(self) -> LogNormal:
        if self.p5 is not None:
            return lognormal_from_interval(self.p5, self.p95)
        return lognormal_from_mean_sd(self.mean, self.sd or 0.0)


class RateBelief(Belief):
    """A rate in (0, 1) (CTR, join rate, conversion rate), drawn Beta per replication."""

    def _check_support(self) -> None:
        for name in ("mean", "p5", "p95"):
            value = getattr(self, name)
            if value is not None and not 0 < value < 1:
                raise rule_error("belief_rate", f"{name} of a rate must be between 0 and 1")
        if self.mean is not None and self.sd and self.sd**2 >= self.mean * (1 - self.mean):
            limit = math.sqrt(self.mean * (1 - self.mean))
            raise rule_error(
                "belief_spread", f"sd of a rate with mean {self.mean} must be below {limit:.4g}"
            )

    def distribution(self) -> Beta:
        if self.p5 is not None:
            return beta_from_interval(self.p5, self.p95)
        return beta_from_mean_sd(self.mean, self.sd or 0.0)


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


class PaidAds(StrictModel):
    """Paid ads on one platform: one arm of the campaign."""

    type: Literal["paid_ads"]
    name: str = Field("paid_ads", min_length=1)
    budget_share: float | None = Field(None, gt=0, le=1)
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
    def _one_budget(self) -> PaidAds:
        if self.budget_share is not None and self.daily_budget is not None:
            raise rule_error("arm_budget", "give either budget_share or daily_budget, not both")
        return self


class Platform(StrictModel):
    name: str = Field(min_length=1)
    audience: int = Field(gt=0, description="people in the target audience on this platform")
    tools: list[PaidAds] = Field(min_length=1)


class Community(StrictModel):
    """The community (group, page, channel) that joins flow into."""

    churn_per_month: float = Field(0.05, ge=0, lt=1)
    member_conversion_per_month: float = Field(0.02, ge=0, lt=1)
    conversion_lag_days: int = Field(14, ge=0, le=365)
    recommendations_per_member_per_month: NonNegative = 0.1
    referral_conversion_rate: float = Field(0.05, ge=0, le=1)


class Campaign(StrictModel):
    name: str = Field(min_length=1)
    start: date
    days: int = Field(gt=0, le=730)
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    budget: Positive
    monthly_caps: dict[Annotated[int, Field(ge=1)], Positive] = Field(default_factory=dict)
    pacing: Literal["even", "front-loaded"] = "even"
    # Per-replication totals and months are kept for exact quantiles: about 100 bytes per arm and
    # month per replication, so the ceiling keeps a large plan within a laptop's memory.
    replications: int = Field(1000, ge=1, le=200_000)
    seed: int = Field(0, ge=0)
    average_order_value: Positive | None = None


TARGET_PATTERN = re.compile(r"^\s*([a-z_]+)\s*(<=|>=|<|>)\s*([-+0-9.eE]+)\s*(%?)\s*$")


class KpiTarget(StrictModel):
    """A planned KPI: `cpa <= 25`; over the whole campaign or in one calendar month."""

    target: str
    month: int | None = Field(None, ge=1)
    platform: str | None = None

    @field_validator("target")
    @classmethod
    def _parse(cls, value: str) -> str:
        match = TARGET_PATTERN.match(value)
        if not match:
            raise rule_error("kpi_syntax", "a target reads 'metric op number', e.g. 'cpa <= 25'")
        metric = match.group(1)
        if metric not in KPIS:
            raise rule_error("kpi_metric", f"unknown KPI {metric!r}" + did_you_mean(metric, KPIS))
        try:
            float(match.group(3))
        except ValueError:
            raise rule_error("kpi_syntax", f"{match.group(3)!r} is not a number") from None
        return value

    @property
    def metric(self) -> str:
        return TARGET_PATTERN.match(self.target).group(1)

    @property
    def op(self) -> str:
        return TARGET_PATTERN.match(self.target).group(2)

    @property
    def value(self) -> float:
        match = TARGET_PATTERN.match(self.target)
        scale = 0.01 if match.group(4) else 1.0
        return float(match.group(3)) * scale

    @property
    def label(self) -> str:
        scope = f" on {self.platform}" if self.platform else ""
        when = f" in month {self.month}" if self.month else ""
        match = TARGET_PATTERN.match(self.target)
        written = f"{match.group(1)} {match.group(2)} {match.group(3)}{match.group(4)}"
        return f"{written}{scope}{when}"


class Scenario(StrictModel):
    campaign: Campaign
    platforms: list[Platform] = Field(min_length=1)
    community: Community = Community()
    kpis: list[KpiTarget] = Field(default_factory=list)
    strategy: Strategy = Strategy()
