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
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from smmsim.scenarios.beliefs import AmountBelief, Belief, PriceBelief, RateBelief
from smmsim.scenarios.hints import did_you_mean
from smmsim.scenarios.kpis import KPIS
from smmsim.scenarios.optimise_schema import Optimise
from smmsim.scenarios.reputation_schema import Backlash, Reputation
from smmsim.scenarios.schema_base import NonNegative, Positive, StrictModel, rule_error
from smmsim.scenarios.strategy_schema import Strategy
from smmsim.scenarios.tool_kinds import AD_TOOLS, Tool
from smmsim.scenarios.tools_schema import (
    AdArm,
    Auction,
    Fatigue,
    Learning,
    PaidAds,
    Retargeting,
    Tactic,
)


class Platform(StrictModel):
    name: str = Field(min_length=1)
    audience: int = Field(gt=0, description="people in the target audience on this platform")
    tools: list[Tool] = Field(min_length=1)

    def ad_tools(self) -> list[AdArm]:
        return [t for t in self.tools if isinstance(t, AD_TOOLS)]

    def tactics(self) -> list[Tactic]:
        return [t for t in self.tools if isinstance(t, Tactic)]


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
    # Up to 200,000 replications every one is kept (exact quantiles: about 100 bytes per arm and
    # month each); `smmsim run` streams above that, up to 1,000,000 (quantiles within 0.1%).
    replications: int = Field(1000, ge=1, le=1_000_000)
    seed: int = Field(0, ge=0)
    average_order_value: Positive | None = None

    @field_validator("days")
    @classmethod
    def _inside_calendar(cls, days: int, info: ValidationInfo) -> int:
        """Every campaign day, and the day after the last (where reports end the calendar),
        must be a date Python can hold: the last is 9999-12-31."""
        start = info.data.get("start")  # absent when the start itself is invalid
        longest = (date.max - start).days if start is not None else days
        if days > longest:
            raise rule_error(
                "campaign_calendar",
                f"a campaign starting {start} can last at most {longest} days: its calendar "
                f"must end before {date.max}, the last date there is",
            )
        return days


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
            number = float(match.group(3))
        except ValueError:
            raise rule_error("kpi_syntax", f"{match.group(3)!r} is not a number") from None
        if not math.isfinite(number):
            raise rule_error("kpi_finite", f"the target {match.group(3)} is not a finite number")
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
        # Divided, not multiplied by 0.01: 70% is then exactly the float 0.7, which a share of
        # 56 results out of 80 equals (0.01 * 70 is 0.7000000000000001 and would miss it).
        return float(match.group(3)) / (100.0 if match.group(4) else 1.0)

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
    reputation: Reputation | None = None
    backlash: Backlash = Backlash()
    optimise: Optimise = Optimise()


__all__ = [
    "AmountBelief",
    "Auction",
    "Backlash",
    "Belief",
    "Fatigue",
    "Learning",
    "PaidAds",
    "PriceBelief",
    "RateBelief",
    "Reputation",
    "Retargeting",
]
