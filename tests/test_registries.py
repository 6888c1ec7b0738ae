"""One registry per extension point: tool kinds, strategies and import formats are declared once,
and every list that other modules, the schema and the command line show is read from them.

Each test here fails when a hand-written list drifts from its registry, or when a registered name
lacks what the rest of smmsim needs to run it (a schema class, a policy, a layout).
"""

from __future__ import annotations

import inspect
import re
import typing
from pathlib import Path

import click
import pytest

from smmsim.calibration.layouts import GENERIC, IMPORT_FORMATS, LAYOUTS, layout_named
from smmsim.cli import main
from smmsim.scenarios import tools_schema
from smmsim.scenarios.checks import optimise_tactics_exist, retargeting_has_visitors
from smmsim.scenarios.loader import scenario_from_data
from smmsim.scenarios.schema import Platform, Scenario
from smmsim.scenarios.schema_base import StrictModel
from smmsim.scenarios.strategy_names import STRATEGIES
from smmsim.scenarios.strategy_schema import Strategy
from smmsim.scenarios.tool_kinds import (
    CLICK_SOURCES,
    KINDS,
    PACED_ADS,
    RETARGETING,
    SEARCHED_TACTICS,
    TOOL_KINDS,
    TOOL_TYPES,
    ToolKind,
    check_kinds,
)
from smmsim.simulator.arms import build_arm_table
from smmsim.simulator.engine import simulate
from smmsim.simulator.lines import build_line_table
from smmsim.simulator.strategies import POLICIES
from smmsim.simulator.studies.optimiser.space import search_space
from smmsim.simulator.tactics import build_tactic_table
from smmsim.simulator.visitors import VisitorPool
from tests.helpers import minimal_scenario_data
from tests.test_tools_validation import TOOLS, everything

ROOT = Path(__file__).resolve().parents[1]


def every_tool():
    """One platform with one tool of every registered kind (the tool tests' own example)."""
    return scenario_from_data(everything(), "every-tool.yaml")


def choices(command: str, option: str) -> tuple[str, ...]:
    params = {p.name: p for p in main.commands[command].params}
    assert isinstance(params[option].type, click.Choice)
    return tuple(params[option].type.choices)


# --- tools ----------------------------------------------------------------------------------------


def schema_classes_with_a_type() -> set[type]:
    """Every tool schema class a scenario could name: a concrete model with a `type` literal."""
    return {
        cls
        for _, cls in inspect.getmembers(tools_schema, inspect.isclass)
        if issubclass(cls, StrictModel) and "type" in cls.model_fields
    }


def test_every_tool_schema_class_is_registered_once():
    # A schema class left out of the registry could never be written in a scenario file.
    models = [kind.model for kind in TOOL_KINDS]
    assert len(set(models)) == len(models)
    assert set(models) == schema_classes_with_a_type()


def test_the_scenario_accepts_exactly_the_registered_kinds():
    # The platform's `tools` union is built from the registry, not listed beside it.
    union = typing.get_args(Platform.model_fields["tools"].annotation)[0]
    members = typing.get_args(typing.get_args(union)[0])
    assert members == tuple(TOOL_TYPES.values())


def test_every_registered_kind_has_a_tool_test_example():
    # The tool tests validate one smallest example per kind; a new kind needs one there.
    assert list(TOOLS) == list(KINDS)


def test_a_kind_string_outside_the_registry_fails_loudly():
    # Engine masks check their kind names, so a renamed kind cannot silently match no tool.
    with pytest.raises(KeyError, match="not a tool kind: influencers"):
        check_kinds("influencer", "influencers")


def test_a_tool_kind_must_match_its_schema_base():
    # The engine reads ad fields from ad kinds and schedules from tactics: a mismatch is refused.
    with pytest.raises(TypeError, match="must be a Tactic"):
        ToolKind(tools_schema.PaidAds, "tactic", unit="post")
    with pytest.raises(TypeError, match="only a scheduled tactic has a dial"):
        ToolKind(tools_schema.PaidAds, "paced_ads", dial="intensity")


def test_the_engine_puts_each_kind_in_the_table_its_role_names():
    s = every_tool()
    arms, tactics = build_arm_table(s), build_tactic_table(s, build_arm_table(s))
    ad_kinds = [KINDS[t.type] for t in s.platforms[0].tools if KINDS[t.type].role != "tactic"]
    assert [kind.name for kind in ad_kinds] == [t.type for t in s.platforms[0].ad_tools()]
    assert set(tactics.kinds) == {k.name for k in TOOL_KINDS if k.role == "tactic"}
    # The arm table's own retargeting flag (it has a visitor window) agrees with the registry.
    assert list(arms.retargeting) == [kind.name in RETARGETING for kind in ad_kinds]


def test_only_the_kinds_that_bring_clicks_fill_retargeting_pools():
    s = every_tool()
    lines, arms = build_line_table(s), build_arm_table(s)
    feeds = VisitorPool(arms, lines, n_reps=1).feeds.any(axis=1)
    assert {kind for kind, fed in zip(lines.kinds, feeds, strict=True) if fed} == set(CLICK_SOURCES)


def test_every_kind_declared_to_bring_clicks_delivers_clicks():
    # The registry's fact must be true of the delivery code, or the pools it feeds stay empty.
    result = simulate(every_tool(), deterministic=True)
    clicks = {
        kind: float(result.kpis(result.arm_mask(i), tools_only=True)["clicks"].mean())
        for i, kind in enumerate(result.lines.kinds)
    }
    assert all(clicks[kind] > 0 for kind in CLICK_SOURCES), clicks


@pytest.mark.parametrize("kind", list(KINDS))
def test_retargeting_needs_a_kind_that_brings_clicks(kind):
    # The check reads the registry: each click source alone makes retargeting valid, others don't.
    data = minimal_scenario_data()
    pool = {**TOOLS["retargeting"], "name": "pool", "budget_share": None, "daily_budget": 10}
    tools = [TOOLS[kind], pool]
    data["platforms"].append({"name": "other", "audience": 1000, "tools": tools})
    s = Scenario.model_validate(data)  # the fields alone: the check under test runs below
    flagged = [i.path for i in retargeting_has_visitors(s)]
    pools = [f"platforms[1].tools[{j}]" for j, t in enumerate(tools) if t["type"] in RETARGETING]
    assert flagged == ([] if kind in CLICK_SOURCES else pools)


def test_the_optimiser_turns_the_registered_dial_of_every_searched_kind():
    data = everything()
    data["optimise"] = {"search": ["shares", "tactics"]}
    space = search_space(scenario_from_data(data, "every-tool.yaml"))
    assert [d.kind for d in space.dials] == list(SEARCHED_TACTICS)
    for d in space.dials:
        assert d.parameter == f"{KINDS[d.kind].dial}.{d.tool}"
    # The split is over the paced ads alone; retargeting keeps its planned funding.
    split = {tool.split("/")[1] for tool in space.paid_ads}
    assert split == {t.name for t in every_tool().platforms[0].tools if t.type in PACED_ADS}


def test_the_optimise_block_allows_exactly_the_kinds_with_a_dial():
    # `optimise.tactics` may name a tool whose kind has a dial, and no other.
    data = everything()
    for tool in every_tool().platforms[0].tools:
        data["optimise"] = {"tactics": [f"facebook/{tool.name}"]}
        issues = list(optimise_tactics_exist(Scenario.model_validate(data)))
        assert (not issues) == (tool.type in SEARCHED_TACTICS), (tool.type, issues)


# --- strategies -----------------------------------------------------------------------------------


def test_every_registered_strategy_has_a_policy_and_no_policy_is_unnamed():
    assert tuple(POLICIES) == STRATEGIES


def test_the_schema_and_the_command_line_offer_the_registered_strategies():
    assert typing.get_args(Strategy.model_fields["type"].annotation) == STRATEGIES
    assert choices("run", "strategy") == STRATEGIES


# --- import formats -------------------------------------------------------------------------------


def test_calibrate_offers_auto_every_layout_and_generic():
    assert choices("calibrate", "fmt") == IMPORT_FORMATS == ("auto", *LAYOUTS, GENERIC.name)


@pytest.mark.parametrize("name", [f for f in IMPORT_FORMATS if f != "auto"])
def test_every_named_format_has_its_layout(name):
    layout = layout_named(name)
    assert layout.name == name
    assert layout.date_order in ("dmy", "mdy")


# --- the README's recipe --------------------------------------------------------------------------


def test_the_adding_a_tool_recipe_names_files_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Adding a tool", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`((?:scenarios|simulator|tests)/[\w/]+\.py)`", section))
    assert {"scenarios/tools_schema.py", "scenarios/tool_kinds.py"} <= named
    assert [path for path in sorted(named) if not (ROOT / path).exists()] == []
