"""Read a scenario file into a validated, frozen `Scenario`, or say everything that is wrong."""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from smmsim.scenarios.checks import scenario_issues
from smmsim.scenarios.errors import Issue, ScenarioError
from smmsim.scenarios.hints import did_you_mean
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.schema_base import NotANumber
from smmsim.scenarios.yaml_reader import ScenarioYamlError, ScenarioYamlLoader


def load_scenario(path: str | Path) -> Scenario:
    """Parse and validate a YAML scenario; raise `ScenarioError` listing every problem."""
    path = Path(path)
    return scenario_from_data(read_yaml(path), str(path))


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
    message = problem if isinstance(exc, ScenarioYamlError) else f"YAML syntax error: {problem}"
    if mark is None:
        return Issue("", message)
    return Issue(f"line {mark.line + 1}, column {mark.column + 1}", message)


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


INDEX, KEY, TAG = "index", "key", "tag"


def key_path(loc: tuple[int | str, ...]) -> str:
    """('platforms', 2, 'ctr', 'mean') -> 'platforms[2].ctr.mean'; mapping keys read as keys,
    ('campaign', 'monthly_caps', 3) -> 'campaign.monthly_caps.3'. The tag pydantic puts after a
    tool's index (its `type`) is not a key the planner wrote, so it is left out."""
    out = ""
    for part, kind in zip(loc, _part_kinds(loc), strict=True):
        if part == "[key]" or kind == TAG:  # "[key]": pydantic's marker for a bad key itself
            continue
        out += f"[{part}]" if kind == INDEX else (f".{part}" if out else str(part))
    return out


def _part_kinds(loc: tuple[int | str, ...]) -> list[str]:
    """For each part of a key path: a list index, a key, or a tagged union's tag."""
    kinds, annotation = [], Scenario
    for part in loc:
        annotation = _without_none(_unannotated(annotation))
        origin = typing.get_origin(annotation)
        tagged = _tagged_models(annotation)
        if isinstance(part, int) and origin in (list, tuple):
            kinds.append(INDEX)
            args = typing.get_args(annotation)
            annotation = args[0] if args else None
        elif isinstance(part, str) and part in tagged:
            kinds.append(TAG)
            annotation = tagged[part]
        elif origin is dict:
            kinds.append(KEY)
            annotation = typing.get_args(annotation)[-1]
        else:
            kinds.append(KEY)
            model = _model_in(annotation)
            field = model.model_fields.get(str(part)) if model else None
            annotation = field.annotation if field else None
    return kinds


def _unannotated(annotation: Any) -> Any:
    """`Annotated[X, ...]` -> X."""
    if typing.get_origin(annotation) is typing.Annotated:
        return typing.get_args(annotation)[0]
    return annotation


def _tagged_models(annotation: Any) -> dict[str, type[BaseModel]]:
    """The models of a union discriminated by a literal `type` field, by tag."""
    if not (
        isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union
    ):
        return {}
    found = {}
    for arg in typing.get_args(annotation):
        field = getattr(arg, "model_fields", {}).get("type")
        if field is not None and typing.get_origin(field.annotation) is typing.Literal:
            found.update(dict.fromkeys(typing.get_args(field.annotation), arg))
    return found


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
    if error["type"] == "union_tag_invalid":
        tag, expected = error["ctx"]["tag"], str(error["ctx"]["expected_tags"])
        tags = [t.strip(" '") for t in expected.split(",")]
        return Issue(f"{path}.type", "unknown tool type" + did_you_mean(tag, tags), tag, True)
    if error["type"] == "union_tag_not_found":
        return Issue(f"{path}.type", "required key is missing")
    if isinstance(error.get("input"), NotANumber):
        return Issue(path, "true/false is not a number", error["input"].value, True)
    message = error["msg"].removeprefix("Value error, ")
    return Issue(path, message, error.get("input"), "input" in error)


def model_fields_at(loc: tuple[int | str, ...]) -> list[str]:
    """The keys allowed at a key path, found by walking the schema's type annotations."""
    model: type[BaseModel] | None = Scenario
    annotation: Any = None
    keyed = False  # the last field maps names to models: this part is a name, not a field
    for part in loc:
        if model is None and not annotation:
            return []
        if isinstance(part, int) or keyed:
            keyed = False
            continue
        tagged = _tagged_models(_without_none(_unannotated(_list_item(annotation))))
        if part in tagged:
            model, annotation = tagged[part], None
            continue
        field = model.model_fields.get(str(part)) if model else None
        annotation = field.annotation if field else None
        model = _model_in(annotation)
        keyed = typing.get_origin(_without_none(_unannotated(annotation))) is dict
    return list(model.model_fields) if model else []


def _list_item(annotation: Any) -> Any:
    """`list[X]` -> X; anything else as it is."""
    if typing.get_origin(annotation) in (list, tuple):
        args = typing.get_args(annotation)
        return args[0] if args else None
    return annotation


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
