"""Read a scenario file into a validated, frozen `Scenario`, or say everything that is wrong."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from scenarios.checks import scenario_issues
from scenarios.errors import Issue, ScenarioError
from scenarios.hints import did_you_mean
from scenarios.schema import Scenario


def load_scenario(path: str | Path) -> Scenario:
    """Parse and validate a YAML scenario; raise `ScenarioError` listing every problem."""
    path = Path(path)
    return scenario_from_data(read_yaml(path), str(path))


class ScenarioYamlLoader(yaml.SafeLoader):
    """Safe YAML that reads `1e-2` as a number, as YAML 1.2 does (YAML 1.1 wants `1.0e-2`)."""


ScenarioYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^[-+]?(?:[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
        r"|[0-9][0-9_]*[eE][-+]?[0-9]+|\.inf|\.Inf|\.INF|\.nan|\.NaN|\.NAN)$"
    ),
    list("-+0123456789."),
)


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError(str(path), [Issue("", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), [Issue("", f"cannot read the file: {exc}")]) from None
    try:
        return yaml.load(text, Loader=ScenarioYamlLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ScenarioError(str(path), [yaml_issue(exc)]) from None


def yaml_issue(exc: yaml.YAMLError) -> Issue:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return Issue("", f"YAML syntax error: {problem}")
    return Issue(f"line {mark.line + 1}, column {mark.column + 1}", f"YAML syntax error: {problem}")


def scenario_from_data(data: Any, source: str) -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(
            source, [Issue("", "a scenario is a mapping with campaign and platforms", data, True)]
        )
    try:
        scenario = Scenario.model_validate(data)
        issues = []
    except ValidationError as exc:
        issues = [pydantic_issue(e) for e in exc.errors()]
        scenario = valid_sections(data)
    issues += scenario_issues(scenario)
    if issues:
        raise ScenarioError(source, issues)
    return scenario


def valid_sections(data: dict) -> Scenario:
    """A scenario holding only the top-level sections that validate on their own, so the rules
    across sections can still run where their sections are sound: every problem, at once."""
    sections = {}
    for name, field in Scenario.model_fields.items():
        if name not in data and not field.is_required():
            sections[name] = field.get_default(call_default_factory=True)
            continue
        try:
            sections[name] = TypeAdapter(field.annotation).validate_python(data.get(name))
        except ValidationError:
            continue
    partial = Scenario.model_construct(**sections)
    # model_construct fills a missing field with its default; a section that failed must stay
    # absent, or the rules that read it would judge the default instead of what was written.
    for name in Scenario.model_fields:
        if name not in sections:
            partial.__dict__.pop(name, None)
    return partial


def key_path(loc: tuple[int | str, ...]) -> str:
    """('platforms', 2, 'ctr', 'mean') -> 'platforms[2].ctr.mean'; mapping keys read as keys,
    ('campaign', 'monthly_caps', 3) -> 'campaign.monthly_caps.3'."""
    out = ""
    for part, is_index in zip(loc, _list_positions(loc), strict=True):
        if part == "[key]":  # pydantic's marker for "the key itself is bad"
            continue
        out += f"[{part}]" if is_index else (f".{part}" if out else str(part))
    return out


def _list_positions(loc: tuple[int | str, ...]) -> list[bool]:
    """For each part of a key path, whether it indexes a list (True) or names a key (False)."""
    flags, annotation = [], Scenario
    for part in loc:
        annotation = _without_none(annotation)
        origin = typing.get_origin(annotation)
        is_index = isinstance(part, int) and origin in (list, tuple)
        flags.append(is_index)
        if is_index or origin is dict:
            args = typing.get_args(annotation)
            annotation = args[-1] if args else None
        else:
            model = _model_in(annotation)
            field = model.model_fields.get(str(part)) if model else None
            annotation = field.annotation if field else None
    return flags


def _without_none(annotation: Any) -> Any:
    """`X | None` -> X (an optional list is still a list)."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def pydantic_issue(error: dict[str, Any]) -> Issue:
    loc = tuple(error["loc"])
    path = key_path(loc)
    if error["type"] == "extra_forbidden":
        allowed = model_fields_at(loc[:-1])
        return Issue(path, "unknown key" + did_you_mean(str(loc[-1]), allowed))
    if error["type"] == "missing":
        return Issue(path, "required key is missing")
    message = error["msg"].removeprefix("Value error, ")
    return Issue(path, message, error.get("input"), "input" in error)


def model_fields_at(loc: tuple[int | str, ...]) -> list[str]:
    """The keys allowed at a key path, found by walking the schema's type annotations."""
    model: type[BaseModel] | None = Scenario
    for part in loc:
        if model is None:
            return []
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        model = _model_in(field.annotation) if field else None
    return list(model.model_fields) if model else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside `list[M]`, `M | None` and the like, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found:
                return found
    return None
