"""The scenario's `optimise:` block: what `smmsim optimise` may change, within which limits.

The optimiser searches the split of the paid-ads budget over platforms and tools, the intensity of
the scheduled tactics that a planner tunes most (posting rate, seeding rate, influencer placements)
and, optionally, the test-then-scale policy. Every default is documented in the README's scenario
reference; command-line options override the block.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from smmsim.scenarios.schema_base import NonNegative, Positive, StrictModel, rule_error
from smmsim.scenarios.tool_kinds import SEARCHED_TACTICS, either

OBJECTIVES = ("cpa", "conversions")


class SpendBounds(StrictModel):
    """Limits on one platform's paid-ads budget over the campaign, in the campaign's currency: a
    contract minimum, or a ceiling on an unproven platform."""

    min_spend: NonNegative = 0.0
    max_spend: Positive | None = Field(None, description="default: no ceiling")

    @model_validator(mode="after")
    def _ordered(self) -> SpendBounds:
        if self.max_spend is not None and self.max_spend < self.min_spend:
            raise rule_error("spend_bounds", "max_spend must not be below min_spend")
        return self


class Intensity(StrictModel):
    """The range searched for each tactic, as a multiple of its planned schedule: 0 drops it, 1 is
    the plan as written, 2 doubles every phase's rate (or its number of listed days)."""

    low: NonNegative = 0.0
    high: Positive = 2.0

    @model_validator(mode="after")
    def _ordered(self) -> Intensity:
        if self.high <= self.low:
            raise rule_error("intensity_range", "high must be above low")
        return self


class PolicyRanges(StrictModel):
    """Ranges of the test-then-scale policy when `policy: true`: the test's share of the budget,
    its length in days and the decision's keep threshold q."""

    test_share: tuple[float, float] = (0.05, 0.3)
    test_days: tuple[int, int] = (7, 35)
    keep_q: tuple[float, float] = (0.3, 0.9)

    @model_validator(mode="after")
    def _ordered(self) -> PolicyRanges:
        share, days, q = self.test_share, self.test_days, self.keep_q
        if not 0 < share[0] < share[1] < 1:
            raise rule_error("policy_range", "test_share needs 0 < low < high < 1")
        if not 1 <= days[0] < days[1]:
            raise rule_error("policy_range", "test_days needs 1 <= low < high")
        if not 0 < q[0] < q[1] < 1:
            raise rule_error("policy_range", "keep_q needs 0 < low < high < 1")
        return self


class Optimise(StrictModel):
    objective: Literal["cpa", "conversions"] = Field(
        "cpa", description="minimise expected CPA, or maximise expected conversions"
    )
    max_risk: float | None = Field(
        None, gt=0, lt=1, description="ceiling on P(at least one backlash event); default none"
    )
    trials: int = Field(100, ge=1, le=100_000, description="completed trials the study aims at")
    replications: int = Field(
        200,
        ge=10,
        le=100_000,
        description="replications per trial, the same random numbers in every trial (common "
        "random numbers), so differences between trials are the plans', not the noise's",
    )
    platforms: dict[str, SpendBounds] = Field(
        default_factory=dict, description="paid-ads budget limits per platform"
    )
    tactics: list[str] | None = Field(
        None,
        description="'platform/tool' tactics to search; default every "
        f"{either(SEARCHED_TACTICS, 'and')} tool",
    )
    intensity: Intensity = Intensity()
    policy: bool = Field(
        False, description="also search the test-then-scale policy (test share, days, q)"
    )
    policy_ranges: PolicyRanges = PolicyRanges()
