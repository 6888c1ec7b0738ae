"""The scenario's `optimise:` block: what `smmsim optimise` may change, within which limits.

`search` names what may change: the split of the paid-ads budget over platforms and tools
(`shares`, the default), the intensity of the scheduled tactics that a planner tunes most
(`tactics`: posting rate, seeding rate, influencer placements) and the test-then-scale policy
(`policy`). Everything else, the plan's strategy above all, runs as written. Every default is
documented in the README's scenario reference; command-line options override the block.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from smmsim.scenarios.hints import did_you_mean
from smmsim.scenarios.schema_base import NonNegative, Positive, StrictModel, rule_error
from smmsim.scenarios.tool_kinds import SEARCHED_TACTICS, either

OBJECTIVES = ("cpa", "conversions")
# What `search` may name, in the order the optimiser's parameters are proposed.
SEARCHABLE = ("shares", "tactics", "policy")
DEFAULT_SEARCH = ("shares",)


def searchable(name: str) -> str:
    """One name of `search` (or `--search`): a thing the optimiser knows how to change."""
    if name not in SEARCHABLE:
        raise rule_error(
            "search_name",
            f"the optimiser can search {either(SEARCHABLE)}" + did_you_mean(name, SEARCHABLE),
        )
    return name


SearchName = Annotated[str, AfterValidator(searchable)]


def search_names(text: str) -> list[str]:
    """`--search shares,tactics` as a list, each name checked (ValueError with a did-you-mean)."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise ValueError(f"name at least one of {', '.join(SEARCHABLE)}")
    for name in names:
        if name not in SEARCHABLE:
            hint = did_you_mean(name, SEARCHABLE)
            raise ValueError(f"{name!r}: the optimiser can search {either(SEARCHABLE)}{hint}")
    return names


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
    search: list[SearchName] | None = Field(
        None,
        min_length=1,
        description="what may change: shares (the paid-ads split), tactics (their intensities), "
        "policy (the test-then-scale test and threshold); default shares, everything else runs "
        "as planned",
    )
    tactics: list[str] | None = Field(
        None,
        description="'platform/tool' tactics whose intensity may change when tactics are "
        f"searched; default every {either(SEARCHED_TACTICS, 'and')} tool",
    )
    intensity: Intensity = Intensity()
    policy: bool = Field(
        False, description="the older form of naming 'policy' in search (still read)"
    )
    policy_ranges: PolicyRanges = PolicyRanges()

    @model_validator(mode="after")
    def _one_answer(self) -> Optimise:
        """The older keys agree with `search` when both are given: `policy: true` is 'policy'
        in search, and a `tactics` list only means something when tactics are searched."""
        if self.search is None:
            return self
        if self.policy and "policy" not in self.search:
            raise rule_error(
                "search_conflict",
                "policy: true asks to search the policy, which search does not name: add "
                "'policy' to search (and drop policy: true, its older form)",
            )
        if self.tactics is not None and "tactics" not in self.search:
            raise rule_error(
                "search_conflict",
                "a tactics list names what may change when tactics are searched, which search "
                "does not name: add 'tactics' to search, or remove the list",
            )
        return self

    @property
    def searched(self) -> tuple[str, ...]:
        """What may change, in SEARCHABLE's order. Without `search`, the older keys decide:
        `policy: true` searches the policy (not the split, which the test then picks) and a
        non-empty `tactics` list searches those tactics; with neither, the split alone."""
        if self.search is not None:
            named = set(self.search)
        else:
            named = {"policy"} if self.policy else set(DEFAULT_SEARCH)
            if self.tactics:  # an empty list searched none, as it always did
                named.add("tactics")
        return tuple(name for name in SEARCHABLE if name in named)
