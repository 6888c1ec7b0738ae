"""Every setting of the `strategy:` block, and every rule that reads it, with its message pinned.

Each rendered line names the file, the key path, the rule broken and the bad value. The rules across
sections fire only when the chosen strategy reads the setting (a test that is too long does not
matter under 'spread'), and `with_strategy` checks them again when `--strategy` changes the type.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from smmsim.scenarios.errors import ScenarioError
from smmsim.scenarios.loader import load_scenario, scenario_from_data
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.strategy_schema import STRATEGIES
from smmsim.simulator.studies.evaluation import with_strategy
from tests.helpers import minimal_scenario_data

FILE = "s.yaml"
TYPES_LISTED = "'fixed', 'spread', 'best-guess', 'test-then-scale', 'adaptive' or 'oracle'"


def two_platforms() -> dict[str, Any]:
    """The minimal scenario (60 days from 1 March 2027, 10,000 EUR) on two platforms, each with
    one paid-ads tool ('facebook/paid_ads', 'instagram/paid_ads') at half the budget."""
    data = minimal_scenario_data()
    first = data["platforms"][0]
    first["tools"][0]["budget_share"] = 0.5
    second = copy.deepcopy(first)
    second.update(name="instagram", audience=400000)
    data["platforms"].append(second)
    return data


def with_settings(strategy: dict[str, Any], data: dict[str, Any] | None = None) -> dict[str, Any]:
    data = data or two_platforms()
    data["strategy"] = strategy
    return data


def issue_lines(data: Any, source: str = FILE) -> list[str]:
    """The rendered lines of the ScenarioError that `data` must raise."""
    with pytest.raises(ScenarioError) as info:
        scenario_from_data(data, source)
    assert info.value.file == source
    assert info.value.exit_code == 2
    return info.value.lines()


def nested(path: str, value: Any) -> dict[str, Any]:
    """'test.days', 3 -> {'test': {'days': 3}}."""
    *parents, last = path.split(".")
    block: dict[str, Any] = {last: value}
    for key in reversed(parents):
        block = {key: block}
    return block


def without_budgets(data: dict[str, Any]) -> dict[str, Any]:
    for platform in data["platforms"]:
        for tool in platform["tools"]:
            tool.pop("budget_share", None)
    return data


def add_tool(data: dict[str, Any], platform: int, name: str) -> dict[str, Any]:
    tools = data["platforms"][platform]["tools"]
    tools.append({**copy.deepcopy(tools[0]), "name": name})
    return data


# --- every field: a bad value and its line -------------------------------------------------------

GE1 = "Input should be greater than or equal to 1"
GT0 = "Input should be greater than 0"
GE0 = "Input should be greater than or equal to 0"
FRACTION = "Input should be a valid integer, got a number with a fractional part"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("type", "fixd", f"Input should be {TYPES_LISTED}"),
        ("type", "test_then_scale", f"Input should be {TYPES_LISTED}"),
        ("type", 3, f"Input should be {TYPES_LISTED}"),
        ("test.days", 0, GE1),
        ("test.days", 1.5, FRACTION),
        (
            "test.days",
            "two weeks",
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        ("test.budget", -500, "Input should be greater than or equal to 0"),
        ("test.budget", math.inf, "Input should be a finite number"),
        ("test.budget_share", 0, GT0),
        ("test.budget_share", 1, "Input should be less than 1"),
        ("test.budget_share", 10, "Input should be less than 1"),
        ("test.arms", "facebook", "Input should be a valid list"),
        ("test.arms", [], "List should have at least 1 item after validation, not 0"),
        ("test.split", "uneven", "Input should be 'even' or 'planned'"),
        ("test.min_conversions", -1, GE0),
        ("test.min_conversions", 2.5, FRACTION),
        ("test.if_insufficient", "wait", "Input should be 'extend' or 'drop'"),
        ("test.extend_days", 0, GE1),
        ("decision.rule", "top-k", "Input should be 'probability' or 'top_k'"),
        ("decision.target_cpa", 0, GT0),
        ("decision.target_cpa", math.nan, "Input should be a finite number"),
        ("decision.q", 0, GT0),
        ("decision.q", 1, "Input should be less than 1"),
        ("decision.k", 0, GE1),
        ("decision.k", 1.5, FRACTION),
        ("decision.if_none_kept", "none", "Input should be 'best' or 'stop'"),
        ("scale.ramp_limit", 0, GT0),
        ("scale.ramp_limit", -0.2, GT0),
        ("scale.stop_loss", 3, "Input should be a valid dictionary or instance of StopLoss"),
        ("scale.stop_loss.margin", -0.1, GE0),
        ("scale.stop_loss.min_spend", 0, GT0),
        ("adaptive.every_days", 0, GE1),
        ("adaptive.draws", 1, "Input should be greater than or equal to 2"),
        ("adaptive.draws", 1001, "Input should be less than or equal to 1000"),
        ("adaptive.ramp_limit", 0, GT0),
        ("best_guess.arms", 0, GE1),
    ],
)
def test_a_bad_strategy_setting_names_its_path_rule_and_value(path, value, message):
    data = with_settings(nested(path, value))
    assert issue_lines(data) == [f"s.yaml: strategy.{path}: {message} (got {value!r})"]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("type", "spread"),
        ("test.days", 1),
        ("test.budget", 0.01),
        ("test.budget", 0),
        ("test.budget_share", 0.99),
        ("test.arms", ["facebook"]),
        ("test.arms", ["facebook/paid_ads", "instagram"]),
        ("test.split", "planned"),
        ("test.min_conversions", 0),
        ("test.if_insufficient", "drop"),
        ("test.extend_days", 1),
        ("decision.rule", "top_k"),
        ("decision.target_cpa", 0.5),
        ("decision.q", 0.99),
        ("decision.k", 2),
        ("decision.if_none_kept", "stop"),
        ("scale.ramp_limit", None),
        ("scale.ramp_limit", 3),
        ("scale.stop_loss", None),
        ("scale.stop_loss", {}),
        ("scale.stop_loss.margin", 0),
        ("scale.stop_loss.min_spend", 50),
        ("adaptive.every_days", 1),
        ("adaptive.draws", 2),
        ("adaptive.draws", 1000),
        ("adaptive.ramp_limit", None),
        ("best_guess.arms", 2),
    ],
)
def test_a_strategy_setting_at_its_limit_is_accepted(path, value):
    """Settings of strategies other than the chosen one ('fixed' here) may stay in the file."""
    scenario = scenario_from_data(with_settings(nested(path, value)), FILE)
    setting: Any = scenario.strategy
    for key in path.split("."):
        setting = getattr(setting, key)
    if isinstance(value, dict):
        assert setting is not None
    else:
        assert setting == value


def test_a_test_arm_that_is_not_a_string_is_named_by_its_index():
    data = with_settings({"test": {"arms": ["facebook", 3]}})
    assert issue_lines(data) == [
        "s.yaml: strategy.test.arms[1]: Input should be a valid string (got 3)"
    ]


def test_test_budget_and_budget_share_both_given():
    data = with_settings({"type": "spread", "test": {"budget": 800, "budget_share": 0.1}})
    assert issue_lines(data) == [
        "s.yaml: strategy.test: give either budget or budget_share, not both "
        "(got {'budget': 800, 'budget_share': 0.1})"
    ]


@pytest.mark.parametrize(
    ("test", "budget"),
    [({}, 1000.0), ({"budget_share": 0.25}, 2500.0), ({"budget": 700}, 700.0)],
)
def test_the_test_budget_in_either_form(test, budget):
    scenario = scenario_from_data(with_settings({"test": test}), FILE)
    assert scenario.strategy.test.budget_of(scenario.campaign.budget) == budget


# --- the block itself ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            "test-then-scale",
            "the strategy is a mapping of settings: write 'type: test-then-scale' on its own "
            "line under 'strategy:'",
        ),
        (
            "fixed",
            "the strategy is a mapping of settings: write 'type: fixed' on its own line under "
            "'strategy:'",
        ),
        ("bandit", "the strategy is a mapping of settings, such as 'type: test-then-scale'"),
        (["spread"], "the strategy is a mapping of settings, such as 'type: test-then-scale'"),
        (
            None,
            "the strategy block is empty: write settings such as 'type: spread' under it, or "
            "remove it for the default ('fixed')",
        ),
    ],
)
def test_a_strategy_that_is_not_a_mapping(block, message):
    assert issue_lines(with_settings(block)) == [f"s.yaml: strategy: {message} (got {block!r})"]


def test_a_strategy_written_as_one_word_in_a_file(tmp_path):
    text = yaml.safe_dump(two_platforms(), sort_keys=False) + "strategy: spread\n"
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.lines() == [
        f"{path}: strategy: the strategy is a mapping of settings: write 'type: spread' on its "
        "own line under 'strategy:' (got 'spread')"
    ]


@pytest.mark.parametrize(
    ("block", "line"),
    [
        ({"typ": "spread"}, "strategy.typ: unknown key (did you mean 'type'?)"),
        ({"tset": {}}, "strategy.tset: unknown key (did you mean 'test'?)"),
        ({"test": {"dayz": 7}}, "strategy.test.dayz: unknown key (did you mean 'days'?)"),
        (
            {"test": {"budgetshare": 0.1}},
            "strategy.test.budgetshare: unknown key (did you mean 'budget_share'?)",
        ),
        (
            {"decision": {"targt_cpa": 20}},
            "strategy.decision.targt_cpa: unknown key (did you mean 'target_cpa'?)",
        ),
        (
            {"scale": {"stop_loss": {"margn": 0.5}}},
            "strategy.scale.stop_loss.margn: unknown key (did you mean 'margin'?)",
        ),
        (
            {"scale": {"ramp_limt": 0.3}},
            "strategy.scale.ramp_limt: unknown key (did you mean 'ramp_limit'?)",
        ),
        (
            {"adaptive": {"every_day": 3}},
            "strategy.adaptive.every_day: unknown key (did you mean 'every_days'?)",
        ),
        ({"best_guess": {"arm": 2}}, "strategy.best_guess.arm: unknown key (did you mean 'arms'?)"),
        ({"bestguess": {}}, "strategy.bestguess: unknown key (did you mean 'best_guess'?)"),
        ({"test": {"colour": "red"}}, "strategy.test.colour: unknown key"),
    ],
)
def test_unknown_key_in_the_strategy_block_suggests_the_closest(block, line):
    assert issue_lines(with_settings(block)) == [f"s.yaml: {line}"]


# --- a valid block for every strategy ------------------------------------------------------------

FULL_BLOCKS = {
    "fixed": {"type": "fixed"},
    "spread": {"type": "spread"},
    "best-guess": {"type": "best-guess", "best_guess": {"arms": 2}},
    "test-then-scale": {
        "type": "test-then-scale",
        "test": {
            "days": 10,
            "budget": 1500,
            "arms": ["facebook", "instagram/paid_ads"],
            "split": "even",
            "min_conversions": 5,
            "if_insufficient": "extend",
            "extend_days": 5,
        },
        "decision": {"rule": "probability", "target_cpa": 30, "q": 0.6, "if_none_kept": "stop"},
        "scale": {"ramp_limit": 0.3, "stop_loss": {"margin": 0.4, "min_spend": 90}},
    },
    "adaptive": {"type": "adaptive", "adaptive": {"every_days": 5, "draws": 32, "ramp_limit": 0.5}},
    "oracle": {"type": "oracle"},
}


def leaves(block: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """{'test': {'days': 10}} -> [('test.days', 10)]."""
    found = []
    for key, value in block.items():
        if isinstance(value, dict) and value:
            found += leaves(value, f"{prefix}{key}.")
        else:
            found.append((f"{prefix}{key}", value))
    return found


@pytest.mark.parametrize("name", STRATEGIES)
def test_a_valid_block_for_every_strategy_loads(name, tmp_path):
    """Every strategy but 'fixed' allocates the budget itself: its tools need no budgets."""
    data = two_platforms() if name == "fixed" else without_budgets(two_platforms())
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(with_settings(FULL_BLOCKS[name], data)), encoding="utf-8")
    strategy = load_scenario(path).strategy
    for key_path, written in leaves(FULL_BLOCKS[name]):
        setting: Any = strategy
        for key in key_path.split("."):
            setting = getattr(setting, key)
        assert setting == written, key_path


def test_no_strategy_block_means_fixed_with_the_documented_defaults():
    strategy = scenario_from_data(two_platforms(), FILE).strategy
    assert strategy.type == "fixed"
    assert (strategy.test.days, strategy.test.budget, strategy.test.budget_share) == (
        14,
        None,
        None,
    )
    assert (strategy.test.arms, strategy.test.split, strategy.test.min_conversions) == (
        None,
        "even",
        10,
    )
    assert (strategy.test.if_insufficient, strategy.test.extend_days) == ("extend", 7)
    assert (strategy.decision.rule, strategy.decision.q, strategy.decision.k) == (
        "probability",
        0.5,
        1,
    )
    assert (strategy.decision.target_cpa, strategy.decision.if_none_kept) == (None, "best")
    assert (strategy.scale.ramp_limit, strategy.scale.stop_loss) == (0.2, None)
    assert (strategy.adaptive.every_days, strategy.adaptive.draws) == (7, 64)
    assert strategy.adaptive.ramp_limit is None
    assert strategy.best_guess.arms == 1


# --- rule: tools_have_budgets --------------------------------------------------------------------


def test_fixed_needs_a_budget_on_every_tool():
    data = with_settings({"type": "fixed"}, without_budgets(two_platforms()))
    assert issue_lines(data) == [
        "s.yaml: platforms[0].tools[0]: strategy 'fixed' needs budget_share or daily_budget on "
        "every tool",
        "s.yaml: platforms[1].tools[0]: strategy 'fixed' needs budget_share or daily_budget on "
        "every tool",
    ]


def test_a_planned_test_split_needs_a_budget_on_every_tested_tool():
    data = without_budgets(two_platforms())
    data["platforms"][0]["tools"][0]["budget_share"] = 1.0
    data["kpis"] = [{"target": "cpa <= 30"}]
    with_settings({"type": "test-then-scale", "test": {"split": "planned"}}, data)
    assert issue_lines(data) == [
        "s.yaml: platforms[1].tools[0]: the test's 'planned' split needs budget_share or "
        "daily_budget on every tested tool"
    ]


def test_a_planned_test_split_needs_no_budget_on_an_untested_tool():
    data = without_budgets(two_platforms())
    data["platforms"][0]["tools"][0]["daily_budget"] = 100
    data["kpis"] = [{"target": "cpa <= 30"}]
    block = {"type": "test-then-scale", "test": {"split": "planned", "arms": ["facebook"]}}
    scenario = scenario_from_data(with_settings(block, data), FILE)
    assert scenario.platforms[1].tools[0].daily_budget is None


@pytest.mark.parametrize("name", ["spread", "best-guess", "adaptive", "oracle"])
def test_strategies_that_allocate_need_no_tool_budgets(name):
    data = with_settings({"type": name}, without_budgets(two_platforms()))
    assert scenario_from_data(data, FILE).strategy.type == name


def test_an_even_test_split_needs_no_tool_budgets():
    data = without_budgets(two_platforms())
    data["kpis"] = [{"target": "cpa <= 30"}]
    with_settings({"type": "test-then-scale", "test": {"split": "even"}}, data)
    assert scenario_from_data(data, FILE).strategy.test.split == "even"


# --- rule: test_arms_exist -----------------------------------------------------------------------


def tts(test: dict[str, Any], data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Test-then-scale with a target CPA from the KPIs, and these test settings."""
    data = with_settings({"type": "test-then-scale", "test": test}, data)
    data["kpis"] = [{"target": "cpa <= 30"}]
    return data


@pytest.mark.parametrize(
    ("arm", "message"),
    [
        ("facebok", "no such arm ('platform/tool' or 'platform') (did you mean 'facebook'?)"),
        (
            "instagram/paid_adz",
            "no such arm ('platform/tool' or 'platform') (did you mean 'instagram/paid_ads'?)",
        ),
        ("tiktok", "no such arm ('platform/tool' or 'platform')"),
        (
            "paid_ads",
            "no such arm ('platform/tool' or 'platform') (did you mean 'facebook/paid_ads'?)",
        ),
    ],
)
def test_a_test_arm_must_name_an_arm_or_a_platform(arm, message):
    data = tts({"arms": ["facebook", arm]})
    assert issue_lines(data) == [f"s.yaml: strategy.test.arms[1]: {message} (got {arm!r})"]


ALREADY = "already listed: an earlier entry tests every arm this one names"


@pytest.mark.parametrize(
    ("arms", "index"),
    [
        (["facebook", "facebook"], 1),
        (["instagram/paid_ads", "facebook", "instagram/paid_ads"], 2),
        (["facebook", "facebook/retargeting"], 1),
        (["facebook/paid_ads", "facebook/retargeting", "facebook"], 2),
    ],
)
def test_a_test_arm_listed_twice(arms, index):
    data = tts({"arms": arms}, add_tool(two_platforms(), 0, "retargeting"))
    data["platforms"][0]["tools"][0]["budget_share"] = 0.25
    data["platforms"][0]["tools"][1]["budget_share"] = 0.25
    assert issue_lines(data) == [
        f"s.yaml: strategy.test.arms[{index}]: {ALREADY} (got {arms[index]!r})"
    ]


def test_a_tool_then_its_platform_is_accepted():
    """'facebook' after 'facebook/paid_ads' adds facebook's other tools: not a repeat."""
    data = tts(
        {"arms": ["facebook/paid_ads", "facebook"]}, add_tool(two_platforms(), 0, "retarget")
    )
    data["platforms"][0]["tools"][0]["budget_share"] = 0.25
    data["platforms"][0]["tools"][1]["budget_share"] = 0.25
    assert scenario_from_data(data, FILE).strategy.test.arms == ["facebook/paid_ads", "facebook"]


def test_test_arms_are_not_checked_when_the_strategy_does_not_test():
    data = with_settings({"type": "spread", "test": {"arms": ["tiktok", "tiktok"]}})
    assert scenario_from_data(data, FILE).strategy.test.arms == ["tiktok", "tiktok"]


# --- rule: test_fits_campaign --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("test", "got"), [({"budget": 10000}, 10000.0), ({"budget": 25000}, 25000.0)]
)
def test_the_test_budget_must_be_below_the_campaign_budget(test, got):
    assert issue_lines(tts(test)) == [
        "s.yaml: strategy.test.budget: the test budget must be below the campaign budget (10000) "
        f"(got {got!r})"
    ]


def test_a_test_with_its_extension_must_end_before_the_campaign():
    assert issue_lines(tts({"days": 53})) == [
        "s.yaml: strategy.test.days: the test (53 days, plus 7 days if it is extended) must end "
        "before the campaign does (60 days) (got 53)"
    ]


def test_a_test_without_extension_must_end_before_the_campaign():
    assert issue_lines(tts({"days": 60, "if_insufficient": "drop"})) == [
        "s.yaml: strategy.test.days: the test (60 days) must end before the campaign does "
        "(60 days) (got 60)"
    ]


@pytest.mark.parametrize(
    "test",
    [
        {"days": 52},  # 52 + 7 = 59 days, one day left to scale
        {"days": 50, "extend_days": 9},
        {"days": 59, "if_insufficient": "drop", "extend_days": 30},  # no extension is read
        {"budget": 9999.99},
    ],
)
def test_a_test_that_just_fits_is_accepted(test):
    scenario_from_data(tts(test), FILE)


@pytest.mark.parametrize("name", ["fixed", "spread", "best-guess", "adaptive", "oracle"])
def test_a_test_too_long_and_too_dear_is_ignored_when_the_strategy_does_not_test(name):
    data = with_settings({"type": name, "test": {"days": 200, "budget": 50000}})
    assert scenario_from_data(data, FILE).strategy.test.days == 200


# --- rule: decision_has_target -------------------------------------------------------------------

NEEDS_TARGET = "set it here or add a campaign-wide KPI target such as 'cpa <= 25'"


@pytest.mark.parametrize(
    ("decision", "scale", "reader"),
    [
        ({}, {}, "the probability rule needs a target CPA"),
        ({"rule": "top_k"}, {"stop_loss": {}}, "the stop-loss needs a target CPA"),
        (
            {},
            {"stop_loss": {"margin": 1}},
            "the probability rule and the stop-loss need a target CPA",
        ),
    ],
)
def test_the_decision_needs_a_target_cpa(decision, scale, reader):
    data = with_settings({"type": "test-then-scale", "decision": decision, "scale": scale})
    assert issue_lines(data) == [f"s.yaml: strategy.decision.target_cpa: {reader}: {NEEDS_TARGET}"]


@pytest.mark.parametrize(
    "kpi",
    [
        {"target": "cpa <= 30", "platform": "facebook"},
        {"target": "cpa <= 30", "month": 1},
        {"target": "cpa >= 30"},
        {"target": "cost_per_join <= 3"},
    ],
)
def test_only_a_campaign_wide_cpa_ceiling_serves_as_the_target(kpi):
    data = with_settings({"type": "test-then-scale"})
    data["kpis"] = [kpi]
    assert issue_lines(data) == [
        f"s.yaml: strategy.decision.target_cpa: the probability rule needs a target CPA: "
        f"{NEEDS_TARGET}"
    ]


@pytest.mark.parametrize(
    ("kpis", "decision", "target"),
    [
        ([{"target": "cpa <= 30"}], {}, 30.0),
        ([{"target": "cpa < 28"}], {}, 28.0),
        ([{"target": "joins >= 100"}, {"target": "cpa <= 30"}], {}, 30.0),
        ([{"target": "cpa <= 30"}], {"target_cpa": 22}, 22.0),
        ([], {"target_cpa": 22}, 22.0),
    ],
)
def test_the_target_cpa_comes_from_the_decision_or_the_kpis(kpis, decision, target):
    from smmsim.scenarios.strategy_settings import target_cpa

    data = with_settings({"type": "test-then-scale", "decision": decision})
    data["kpis"] = kpis
    assert target_cpa(scenario_from_data(data, FILE)) == target


def test_a_kpi_target_cpa_that_is_not_positive():
    data = with_settings({"type": "test-then-scale"})
    data["kpis"] = [{"target": "joins >= 100"}, {"target": "cpa <= 0"}]
    assert issue_lines(data) == [
        "s.yaml: kpis[1].target: the test's decision reads this as its target CPA, which must be "
        "greater than 0; set strategy.decision.target_cpa (got 'cpa <= 0')"
    ]


def test_a_kpi_target_cpa_of_zero_is_no_problem_when_the_decision_has_its_own():
    data = with_settings({"type": "test-then-scale", "decision": {"target_cpa": 20}})
    data["kpis"] = [{"target": "cpa <= 0"}]
    scenario_from_data(data, FILE)


def test_top_k_without_a_stop_loss_needs_no_target():
    data = with_settings({"type": "test-then-scale", "decision": {"rule": "top_k"}})
    assert scenario_from_data(data, FILE).strategy.decision.rule == "top_k"


@pytest.mark.parametrize("name", ["fixed", "spread", "best-guess", "adaptive", "oracle"])
def test_no_target_is_needed_when_the_strategy_does_not_test(name):
    data = with_settings({"type": name, "scale": {"stop_loss": {}}})
    assert scenario_from_data(data, FILE).strategy.type == name


# --- rule: kept_arms_fit -------------------------------------------------------------------------


def test_top_k_keeps_no_more_arms_than_the_scenario_tests():
    data = tts({}, with_settings({}))
    data["strategy"]["decision"] = {"rule": "top_k", "k": 3}
    assert issue_lines(data) == [
        "s.yaml: strategy.decision.k: is more than the 2 arm(s) the test covers (got 3)"
    ]


def test_top_k_keeps_no_more_arms_than_the_test_names():
    data = tts({"arms": ["instagram"]})
    data["strategy"]["decision"] = {"rule": "top_k", "k": 2}
    assert issue_lines(data) == [
        "s.yaml: strategy.decision.k: is more than the 1 arm(s) the test covers (got 2)"
    ]


def test_k_equal_to_the_tested_arms_is_accepted():
    data = tts({"arms": ["facebook", "instagram"]})
    data["strategy"]["decision"] = {"rule": "top_k", "k": 2}
    assert scenario_from_data(data, FILE).strategy.decision.k == 2


def test_k_is_not_read_by_the_probability_rule():
    data = tts({"arms": ["instagram"]})
    data["strategy"]["decision"] = {"rule": "probability", "k": 5}
    assert scenario_from_data(data, FILE).strategy.decision.k == 5


@pytest.mark.parametrize("name", ["fixed", "spread", "adaptive", "oracle"])
def test_k_and_best_guess_arms_are_not_read_by_other_strategies(name):
    block = {"type": name, "decision": {"rule": "top_k", "k": 9}, "best_guess": {"arms": 9}}
    assert scenario_from_data(with_settings(block), FILE).strategy.best_guess.arms == 9


def test_best_guess_picks_no_more_arms_than_the_scenario_has():
    data = with_settings({"type": "best-guess", "best_guess": {"arms": 3}})
    assert issue_lines(data) == [
        "s.yaml: strategy.best_guess.arms: is more than the 2 paid-ads arm(s) the scenario has "
        "(got 3)"
    ]


# --- rule: adaptive_fits_campaign ----------------------------------------------------------------


@pytest.mark.parametrize("every", [60, 90])
def test_adaptive_reallocates_at_least_once_in_the_campaign(every):
    data = with_settings({"type": "adaptive", "adaptive": {"every_days": every}})
    assert issue_lines(data) == [
        "s.yaml: strategy.adaptive.every_days: must be shorter than the campaign (60 days), or "
        f"the budget is never reallocated (got {every})"
    ]


def test_adaptive_reallocating_on_the_last_day_is_accepted():
    data = with_settings({"type": "adaptive", "adaptive": {"every_days": 59}})
    assert scenario_from_data(data, FILE).strategy.adaptive.every_days == 59


def test_every_days_is_not_read_by_other_strategies():
    data = with_settings({"type": "spread", "adaptive": {"every_days": 365}})
    assert scenario_from_data(data, FILE).strategy.adaptive.every_days == 365


# --- every problem at once -----------------------------------------------------------------------


def test_strategy_problems_are_reported_with_the_others_at_once():
    """k = 2 against no known test arm is not reported as well: the unknown arm is the cause."""
    data = tts({"days": 60, "arms": ["tiktok"]})
    data["platforms"][1]["audience"] = 0
    data["strategy"]["decision"] = {"rule": "top_k", "k": 2}
    assert issue_lines(data) == [
        "s.yaml: platforms[1].audience: Input should be greater than 0 (got 0)",
        "s.yaml: strategy.test.days: the test (60 days, plus 7 days if it is extended) must end "
        "before the campaign does (60 days) (got 60)",
    ]
    data["platforms"][1]["audience"] = 400000
    assert issue_lines(data) == [
        "s.yaml: strategy.test.arms[0]: no such arm ('platform/tool' or 'platform') (got 'tiktok')",
        "s.yaml: strategy.test.days: the test (60 days, plus 7 days if it is extended) must end "
        "before the campaign does (60 days) (got 60)",
    ]


def test_strategy_rules_on_the_campaign_wait_for_a_valid_campaign():
    data = tts({"days": 60})
    data["campaign"]["currency"] = "eur"
    assert issue_lines(data) == [
        "s.yaml: campaign.currency: String should match pattern '^[A-Z]{3}$' (got 'eur')"
    ]


def test_rules_reading_the_strategy_wait_for_a_valid_strategy_block():
    """With the type misspelt nobody knows which settings are read: only the type is reported,
    not that the default strategy 'fixed' would need tool budgets."""
    data = with_settings({"type": "sprad"}, without_budgets(two_platforms()))
    assert issue_lines(data) == [
        f"s.yaml: strategy.type: Input should be {TYPES_LISTED} (got 'sprad')"
    ]


def test_rules_reading_the_kpis_wait_for_valid_kpis():
    data = with_settings({"type": "test-then-scale"})
    data["kpis"] = [{"target": "cpa <= 30"}, {"target": "joins >= 10", "month": 0}]
    assert issue_lines(data) == [
        "s.yaml: kpis[1].month: Input should be greater than or equal to 1 (got 0)"
    ]


def test_strategy_rules_still_run_beside_an_unrelated_field_error():
    data = with_settings({"type": "adaptive", "adaptive": {"every_days": 70}})
    data["community"] = {"churn_per_month": 2}
    assert issue_lines(data) == [
        "s.yaml: community.churn_per_month: Input should be less than 1 (got 2)",
        "s.yaml: strategy.adaptive.every_days: must be shorter than the campaign (60 days), or "
        "the budget is never reallocated (got 70)",
    ]


# --- with_strategy: a `--strategy` override is checked again -------------------------------------


def loaded(data: dict[str, Any]) -> Scenario:
    return scenario_from_data(data, "plan.yaml")


def override_lines(scenario: Scenario, name: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        with_strategy(scenario, name, "plan.yaml")
    assert info.value.file == f"plan.yaml (with strategy {name})"
    assert info.value.exit_code == 2
    return info.value.lines()


def test_override_to_fixed_without_tool_budgets():
    scenario = loaded(with_settings({"type": "spread"}, without_budgets(two_platforms())))
    assert override_lines(scenario, "fixed") == [
        f"plan.yaml (with strategy fixed): platforms[{i}].tools[0]: strategy 'fixed' needs "
        "budget_share or daily_budget on every tool"
        for i in (0, 1)
    ]


def test_override_to_test_then_scale_without_a_target_cpa():
    scenario = loaded(with_settings({"type": "spread"}))
    assert override_lines(scenario, "test-then-scale") == [
        "plan.yaml (with strategy test-then-scale): strategy.decision.target_cpa: the "
        f"probability rule needs a target CPA: {NEEDS_TARGET}"
    ]


def test_override_to_test_then_scale_with_a_test_that_does_not_fit():
    block = {"type": "spread", "test": {"days": 70, "arms": ["facebok"]}}
    scenario = loaded(with_settings(block))
    assert override_lines(scenario, "test-then-scale") == [
        "plan.yaml (with strategy test-then-scale): strategy.test.arms[0]: no such arm "
        "('platform/tool' or 'platform') (did you mean 'facebook'?) (got 'facebok')",
        "plan.yaml (with strategy test-then-scale): strategy.test.days: the test (70 days, plus "
        "7 days if it is extended) must end before the campaign does (60 days) (got 70)",
        "plan.yaml (with strategy test-then-scale): strategy.decision.target_cpa: the "
        f"probability rule needs a target CPA: {NEEDS_TARGET}",
    ]


def test_override_to_best_guess_with_too_many_arms():
    scenario = loaded(with_settings({"best_guess": {"arms": 5}}))
    assert override_lines(scenario, "best-guess") == [
        "plan.yaml (with strategy best-guess): strategy.best_guess.arms: is more than the 2 "
        "paid-ads arm(s) the scenario has (got 5)"
    ]


def test_override_to_adaptive_that_never_reallocates():
    scenario = loaded(with_settings({"adaptive": {"every_days": 60}}))
    assert override_lines(scenario, "adaptive") == [
        "plan.yaml (with strategy adaptive): strategy.adaptive.every_days: must be shorter than "
        "the campaign (60 days), or the budget is never reallocated (got 60)"
    ]


def test_override_keeps_every_other_setting():
    block = {"type": "fixed", "test": {"days": 9, "arms": ["instagram"]}, "decision": {"q": 0.7}}
    data = with_settings(block)
    data["kpis"] = [{"target": "cpa <= 30"}]
    scenario = loaded(data)
    changed = with_strategy(scenario, "test-then-scale", "plan.yaml")
    assert changed.strategy.type == "test-then-scale"
    assert changed.strategy.model_dump(exclude={"type"}) == scenario.strategy.model_dump(
        exclude={"type"}
    )
    assert changed.platforms == scenario.platforms


@pytest.mark.parametrize("name", ["spread", "best-guess", "adaptive", "oracle"])
def test_override_to_a_strategy_that_allocates_from_fixed_is_accepted(name):
    scenario = loaded(two_platforms())
    assert with_strategy(scenario, name, "plan.yaml").strategy.type == name


def test_override_with_an_unknown_name_is_a_programming_error():
    with pytest.raises(ValueError, match=r"^unknown strategy 'bandit'$"):
        with_strategy(loaded(two_platforms()), "bandit", "plan.yaml")


def test_override_of_a_file_names_the_file(tmp_path):
    data = with_settings({"type": "spread"}, without_budgets(two_platforms()))
    path = Path(tmp_path / "plan.yaml")
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        with_strategy(load_scenario(path), "fixed", str(path))
    assert info.value.lines()[0] == (
        f"{path} (with strategy fixed): platforms[0].tools[0]: strategy 'fixed' needs "
        "budget_share or daily_budget on every tool"
    )


def test_budget_shares_need_not_sum_to_one_when_the_strategy_splits_the_budget():
    # Under spread the tools' shares are not read; under fixed they are the split itself.
    data = two_platforms()
    for platform in data["platforms"]:
        platform["tools"][0]["budget_share"] = 0.3
    data["strategy"] = {"type": "spread"}
    assert scenario_from_data(data, FILE).strategy.type == "spread"
    data["strategy"] = {"type": "fixed"}
    assert issue_lines(data) == ["s.yaml: platforms: budget_share values must sum to 1 (got 0.6)"]
