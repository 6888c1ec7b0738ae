"""What every part of the scenario schema shares: strict frozen models and rule errors."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]


def rule_error(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose text is shown as written (braces are not templates here)."""
    return PydanticCustomError(kind, message.replace("{", "{{").replace("}", "}}"))


class StrictModel(BaseModel):
    # No NaN or infinity anywhere: a plan with an infinite budget is a typo, not a plan.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _booleans_are_not_numbers(cls, data: Any) -> Any:
        """pydantic reads `budget: true` as 1; in a plan it is a slip, not a number. A true/false
        where a number belongs is wrapped so that the field's own validation fails at its key."""
        if not isinstance(data, dict):
            return data
        return {
            key: _flag_booleans(value)
            if key in cls.model_fields and _numbers_only(cls, key)
            else value
            for key, value in data.items()
        }


@dataclass(frozen=True)
class NotANumber:
    """A true/false written where a number belongs; no number validator accepts it."""

    value: bool

    def __repr__(self) -> str:
        return repr(self.value)


def _flag_booleans(value: Any) -> Any:
    if isinstance(value, bool):
        return NotANumber(value)
    if isinstance(value, list | tuple):
        return type(value)(_flag_booleans(item) for item in value)
    if isinstance(value, dict):
        return {_flag_booleans(k): _flag_booleans(v) for k, v in value.items()}
    return value


@cache
def _numbers_only(model: type[BaseModel], field: str) -> bool:
    """Whether the field takes numbers (alone or in lists and maps) and no true/false at all.
    A field holding a model is left to that model's own fields."""
    leaves = _leaves(model.model_fields[field].annotation)
    takes_bool = any(
        leaf is bool or leaf is Any or isinstance(leaf, bool) or _is_model(leaf) for leaf in leaves
    )
    return not takes_bool and any(leaf in (int, float) for leaf in leaves)


def _leaves(annotation: Any) -> list[Any]:
    """The types (and literal values) at the ends of an annotation: `dict[int, float] | None` ->
    [int, float, NoneType]."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _leaves(args[0])
    if origin is typing.Literal:
        return list(args)
    if args and (origin is not None or isinstance(annotation, types.UnionType)):
        return [leaf for arg in args if arg is not Ellipsis for leaf in _leaves(arg)]
    return [annotation]


def _is_model(leaf: Any) -> bool:
    return isinstance(leaf, type) and issubclass(leaf, BaseModel)
