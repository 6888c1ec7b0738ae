"""Beliefs with uncertainty as a planner writes them: a number, `{mean, sd}` or `{p5, p95}`.

Each kind knows its support (a price is positive, a rate lies in (0, 1)) and the prior family it
is drawn from (`scenarios.priors`): lognormal for positive amounts, Beta for rates.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from pydantic import model_validator

from smmsim.scenarios.priors import (
    Beta,
    LogNormal,
    beta_from_interval,
    beta_from_mean_sd,
    lognormal_from_interval,
    lognormal_from_mean_sd,
)
from smmsim.scenarios.schema_base import NonNegative, StrictModel, rule_error


class Belief(StrictModel):
    """A belief with uncertainty: a number, `{mean, sd}` or a 90% interval `{p5, p95}`."""

    noun: ClassVar[str] = "a belief"  # what the errors call it
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
        self._check_drawable()
        return self

    def _check_drawable(self) -> None:
        """Numbers within the support can still give a prior the engine cannot draw: an sd of
        1e200 on a price overflows its lognormal; an interval too narrow has no Beta to fit."""
        try:
            drawable = self.distribution().drawable()
        except (ArithmeticError, ValueError):  # overflow, or a log of 0 after underflow
            drawable = False
        if not drawable:
            raise rule_error(
                "belief_drawable",
                f"{self.noun} with these numbers has no prior a simulation can draw from: its "
                "draws would overflow, vanish or be undefined",
            )

    def _check_support(self) -> None:
        raise NotImplementedError


class PriceBelief(Belief):
    """A positive price (CPM), drawn lognormal per replication."""

    noun: ClassVar[str] = "a price"

    def _check_support(self) -> None:
        for name in ("mean", "p5"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise rule_error("belief_positive", f"{name} of {self.noun} must be greater than 0")

    def distribution(self) -> LogNormal:
        if self.p5 is not None:
            return lognormal_from_interval(self.p5, self.p95)
        return lognormal_from_mean_sd(self.mean, self.sd or 0.0)


class RateBelief(Belief):
    """A rate in (0, 1) (CTR, join rate, conversion rate), drawn Beta per replication."""

    noun: ClassVar[str] = "a rate"

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


class AmountBelief(PriceBelief):
    """A positive amount other than a price (an influencer post's reach, a contest's joins, a
    repair bill), drawn lognormal: amounts like these are right-skewed."""

    noun: ClassVar[str] = "an amount"
