"""What the field-by-field validation tables share: the error lines a bad file gives, and one
row per bad value of a model's field (import them; they are not fixtures)."""

from __future__ import annotations

from typing import Any

import pytest

from smmsim.scenarios.errors import ScenarioError
from smmsim.scenarios.loader import scenario_from_data

FILE = "s.yaml"
# Where a model sits in a test scenario: (the data, the mapping holding its fields, key path).
Location = tuple[dict[str, Any], dict[str, Any], str]

_SAME = object()


def lines_of(data: Any) -> list[str]:
    """The rendered lines of the ScenarioError `data` must raise."""
    with pytest.raises(ScenarioError) as info:
        scenario_from_data(data, FILE)
    return info.value.lines()


def line(path: str, message: str, *got: Any) -> str:
    """`s.yaml: path: message (got value)`; without a value, no `(got ...)`."""
    return f"{FILE}: {path}: {message}" + (f" (got {got[0]!r})" if got else "")


def case(model: type, field: str, value: Any, message: str, where: str = "", got: Any = _SAME):
    """A bad `value` for `model.field`; the line names `field` + `where` and `got`."""
    got = value if got is _SAME else got
    return pytest.param(
        model, field, value, field + where, message, got, id=f"{model.__name__}.{field}={value!r}"
    )
