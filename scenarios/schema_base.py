"""What every part of the scenario schema shares: strict frozen models and rule errors."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]


def rule_error(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose text is shown as written (braces are not templates here)."""
    return PydanticCustomError(kind, message.replace("{", "{{").replace("}", "}}"))


class StrictModel(BaseModel):
    # No NaN or infinity anywhere: a plan with an infinite budget is a typo, not a plan.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
