"""The scenario's `strategy:` block: how the budget is split over arms, and when that changes.

One block holds the settings of every strategy; `type` picks the one that runs. Settings of the
other strategies may stay in the file, so `--strategy` and `smmsim compare` can switch between them
without editing it. Every default is documented in the README's scenario reference.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from smmsim.scenarios.schema_base import NonNegative, Positive, StrictModel, rule_error
from smmsim.scenarios.strategy_names import STRATEGIES

StrategyName = Literal[STRATEGIES]  # the registry's names, in its order


class TestPhase(StrictModel):
    """The test: a small budget on several arms for a few days, before anything is scaled."""

    days: int = Field(14, ge=1, description="length of the test in days")
    budget: NonNegative | None = Field(
        None,
        description="test budget in the campaign's currency; 0: no test, decide on the priors",
    )
    budget_share: float | None = Field(
        None, gt=0, lt=1, description="test budget as a share of the campaign budget"
    )
    arms: list[str] | None = Field(
        None,
        min_length=1,
        description="arms to test, as 'platform/tool' or 'platform'; default every arm",
    )
    split: Literal["even", "planned"] = Field(
        "even", description="even, or in proportion to the tools' budget_share / daily_budget"
    )
    min_conversions: int = Field(
        10, ge=0, description="conversions each tested arm needs before it is judged"
    )
    if_insufficient: Literal["extend", "drop"] = Field(
        "extend", description="without enough evidence: extend the test once, or drop the arm"
    )
    extend_days: int = Field(7, ge=1, description="length of the one extension")

    @model_validator(mode="after")
    def _one_budget(self) -> TestPhase:
        if self.budget is not None and self.budget_share is not None:
            raise rule_error("test_budget", "give either budget or budget_share, not both")
        return self

    def budget_of(self, campaign_budget: float) -> float:
        """The test budget in currency; 10% of the campaign when neither form is given."""
        if self.budget is not None:
            return self.budget
        return campaign_budget * (self.budget_share or DEFAULT_TEST_SHARE)

    @property
    def skipped(self) -> bool:
        """A zero test budget: the decision is taken before day 1, on the priors alone (the
        no-test end of a test-size sweep)."""
        return self.budget == 0


DEFAULT_TEST_SHARE = 0.1


class Decision(StrictModel):
    """How the test is read: keep arms that are probably under the target CPA, or the top k."""

    rule: Literal["probability", "top_k"] = "probability"
    target_cpa: Positive | None = Field(
        None, description="default: the campaign-wide 'cpa <=' KPI target"
    )
    q: float = Field(
        0.5, gt=0, lt=1, description="keep an arm if P(its CPA <= target) is at least q"
    )
    k: int = Field(1, ge=1, description="arms kept by the top_k rule")
    if_none_kept: Literal["best", "stop"] = Field(
        "best", description="when no arm passes: scale the best one anyway, or stop spending"
    )


class StopLoss(StrictModel):
    """Cut a scaled arm whose running CPA is above the target by more than `margin`."""

    margin: float = Field(0.5, ge=0, description="cut above target x (1 + margin)")
    min_spend: Positive | None = Field(
        None, description="spend an arm needs before it can be cut; default 3 x the target CPA"
    )


class ScalePhase(StrictModel):
    ramp_limit: Positive | None = Field(
        0.2,
        description="largest daily budget increase per arm, relative; null scales at once",
    )
    stop_loss: StopLoss | None = None


class Adaptive(StrictModel):
    """Thompson sampling: every `every_days`, each arm gets the share of posterior draws in which
    it is the best arm (probability matching)."""

    every_days: int = Field(7, ge=1)
    draws: int = Field(64, ge=2, le=1000, description="posterior draws per reallocation")
    ramp_limit: Positive | None = Field(
        None, description="largest daily budget increase per arm, relative; null: none"
    )


class BestGuess(StrictModel):
    arms: int = Field(1, ge=1, description="how many arms with the best prior CPA get the budget")


class Strategy(StrictModel):
    type: StrategyName = "fixed"
    test: TestPhase = TestPhase()
    decision: Decision = Decision()
    scale: ScalePhase = ScalePhase()
    adaptive: Adaptive = Adaptive()
    best_guess: BestGuess = BestGuess()

    @model_validator(mode="before")
    @classmethod
    def _a_mapping(cls, data: Any) -> Any:
        """`strategy: test-then-scale` is a likely slip for `strategy: {type: test-then-scale}`."""
        if isinstance(data, dict | Strategy):
            return data
        if data is None:
            message = (
                "the strategy block is empty: write settings such as 'type: spread' under it, "
                "or remove it for the default ('fixed')"
            )
        elif isinstance(data, str) and data in STRATEGIES:
            message = (
                f"the strategy is a mapping of settings: write 'type: {data}' on its own line "
                "under 'strategy:'"
            )
        else:
            message = "the strategy is a mapping of settings, such as 'type: test-then-scale'"
        raise rule_error("strategy_form", message)

    def as_type(self, name: str) -> Strategy:
        """The same settings with another strategy type (for `--strategy` and comparisons)."""
        return self.model_copy(update={"type": name})
