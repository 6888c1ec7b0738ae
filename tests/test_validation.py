"""Every validation rule of a scenario file, with the message the planner reads pinned.

Each rendered line names the file, the key path, the rule broken and (where there is one) the bad
value: `s.yaml: platforms[0].tools[0].ctr: p5 must be below p95 (got {...})`.
"""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from smmsim.scenarios.errors import Issue, ScenarioError
from smmsim.scenarios.loader import load_scenario, scenario_from_data
from smmsim.scenarios.schema import Scenario
from tests.helpers import minimal_scenario_data

FILE = "s.yaml"
TOOL = "platforms[0].tools[0]"


def issue_lines(data: Any, source: str = FILE) -> list[str]:
    """The rendered lines of the ScenarioError that `data` must raise."""
    with pytest.raises(ScenarioError) as info:
        scenario_from_data(data, source)
    assert info.value.file == source
    assert str(info.value) == "\n".join(info.value.lines())
    return info.value.lines()


def issues_of(data: Any) -> list[Issue]:
    with pytest.raises(ScenarioError) as info:
        scenario_from_data(data, FILE)
    return info.value.issues


def tool(data: dict[str, Any], platform: int = 0, index: int = 0) -> dict[str, Any]:
    return data["platforms"][platform]["tools"][index]


def second_tool(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of the first tool, changed; the caller appends it where it wants."""
    return {**tool(data), **changes}


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# --- the baseline --------------------------------------------------------------------------------


def test_minimal_scenario_is_valid():
    scenario = scenario_from_data(minimal_scenario_data(), FILE)
    assert isinstance(scenario, Scenario)
    assert scenario.campaign.start == date(2027, 3, 1)
    assert scenario.campaign.currency == "EUR"
    assert scenario.platforms[0].tools[0].name == "paid_ads"


def test_minimal_scenario_loads_from_a_file(tmp_path):
    scenario = load_scenario(write_yaml(tmp_path / "ok.yaml", minimal_scenario_data()))
    assert scenario == scenario_from_data(minimal_scenario_data(), FILE)


def test_scenario_error_exit_code_and_rendering():
    data = minimal_scenario_data()
    data["campaign"]["days"] = 0
    with pytest.raises(ScenarioError) as info:
        scenario_from_data(data, FILE)
    error = info.value
    assert error.exit_code == 2
    assert error.issues == [
        Issue("campaign.days", "Input should be greater than 0", 0, True),
    ]
    assert str(error) == "s.yaml: campaign.days: Input should be greater than 0 (got 0)"


# --- unknown and missing keys --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "bad_key", "line"),
    [
        (
            "top",
            "platfroms",
            "s.yaml: platfroms: unknown key (did you mean 'platforms'?)",
        ),
        (
            "campaign",
            "budgt",
            "s.yaml: campaign.budgt: unknown key (did you mean 'budget'?)",
        ),
        (
            "tool",
            "budgetshare",
            f"s.yaml: {TOOL}.budgetshare: unknown key (did you mean 'budget_share'?)",
        ),
        (
            "platform",
            "audiance",
            "s.yaml: platforms[0].audiance: unknown key (did you mean 'audience'?)",
        ),
        (
            "belief",
            "meen",
            f"s.yaml: {TOOL}.ctr.meen: unknown key (did you mean 'mean'?)",
        ),
        (
            "auction",
            "s_halff",
            f"s.yaml: {TOOL}.auction.s_halff: unknown key (did you mean 's_half'?)",
        ),
        (
            "kpi",
            "platfrom",
            "s.yaml: kpis[0].platfrom: unknown key (did you mean 'platform'?)",
        ),
    ],
)
def test_unknown_key_suggests_the_closest_known_key(where, bad_key, line):
    data = minimal_scenario_data()
    data["kpis"] = [{"target": "cpa <= 25"}]
    target = {
        "top": data,
        "campaign": data["campaign"],
        "tool": tool(data),
        "platform": data["platforms"][0],
        "belief": tool(data)["ctr"],
        "auction": tool(data).setdefault("auction", {}),
        "kpi": data["kpis"][0],
    }[where]
    target[bad_key] = 1
    assert issue_lines(data) == [line]


def test_unknown_key_with_nothing_close_has_no_hint():
    data = minimal_scenario_data()
    data["campaign"]["colour"] = "blue"
    assert issue_lines(data) == ["s.yaml: campaign.colour: unknown key"]


def test_unknown_key_keeps_the_typed_value_out_of_the_message():
    data = minimal_scenario_data()
    data["kpi"] = [{"target": "cpa <= 25"}]
    with pytest.raises(
        ScenarioError, match=r"^s\.yaml: kpi: unknown key \(did you mean 'kpis'\?\)$"
    ):
        scenario_from_data(data, FILE)


@pytest.mark.parametrize(
    ("remove", "path"),
    [
        (("campaign", "budget"), "campaign.budget"),
        (("campaign", "start"), "campaign.start"),
        (("campaign",), "campaign"),
        (("platforms",), "platforms"),
        (("tool", "cpm"), f"{TOOL}.cpm"),
        (("tool", "type"), f"{TOOL}.type"),
        (("platform", "audience"), "platforms[0].audience"),
    ],
)
def test_missing_required_key(remove, path):
    data = minimal_scenario_data()
    parent = {"campaign": data["campaign"], "tool": tool(data), "platform": data["platforms"][0]}
    if len(remove) == 1:
        del data[remove[0]]
    else:
        del parent[remove[0]][remove[1]]
    assert issue_lines(data) == [f"s.yaml: {path}: required key is missing"]


def test_missing_required_key_carries_no_value():
    data = minimal_scenario_data()
    del data["campaign"]["budget"]
    [issue] = issues_of(data)
    assert issue == Issue("campaign.budget", "required key is missing")
    assert "(got" not in issue.render(FILE)


# --- the file itself -----------------------------------------------------------------------------


def test_yaml_syntax_error_reports_line_and_column(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("campaign:\n  name: t\n  budget: 10000: 2\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.lines() == [
        f"{path}: line 3, column 16: YAML syntax error: mapping values are not allowed here"
    ]


def test_yaml_syntax_error_in_a_flow_list(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("campaign:\n  name: [t\n  days: 60\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r": line 3, column 7: YAML syntax error: expected"):
        load_scenario(path)


def test_file_not_found(tmp_path):
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.file == str(path)
    assert info.value.lines() == [f"{path}: no such file"]


def test_a_directory_cannot_be_read(tmp_path):
    with pytest.raises(ScenarioError, match=r"cannot read the file"):
        load_scenario(tmp_path)


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_text(yaml.safe_dump(minimal_scenario_data()), encoding="utf-8-sig")
    assert load_scenario(path).campaign.days == 60


@pytest.mark.parametrize("data", [[1, 2], None, "hello", 3])
def test_top_level_not_a_mapping(data):
    assert issue_lines(data) == [
        f"s.yaml: a scenario is a mapping with campaign and platforms (got {data!r})"
    ]


@pytest.mark.parametrize(
    ("text", "got"), [("- campaign\n- platforms\n", "['campaign', 'platforms']"), ("", "None")]
)
def test_top_level_not_a_mapping_in_a_file(tmp_path, text, got):
    path = tmp_path / "list.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.lines() == [
        f"{path}: a scenario is a mapping with campaign and platforms (got {got})"
    ]


# --- beliefs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "belief", "message"),
    [
        # both forms at once
        (
            "ctr",
            {"mean": 0.01, "p5": 0.005, "p95": 0.02},
            "give either mean (and sd) or p5 and p95, not both",
        ),
        ("cpm", {"sd": 1, "p5": 4, "p95": 8}, "give either mean (and sd) or p5 and p95, not both"),
        # half an interval
        ("ctr", {"p5": 0.005}, "a 90% interval needs both p5 and p95"),
        ("cpm", {"p95": 9}, "a 90% interval needs both p5 and p95"),
        # interval the wrong way round or empty
        ("ctr", {"p5": 0.02, "p95": 0.02}, "p5 must be below p95"),
        ("cpm", {"p5": 9, "p95": 4}, "p5 must be below p95"),
        # neither form
        ("ctr", {"sd": 0.1}, "a belief needs a mean (with an optional sd) or p5 and p95"),
        ("cpm", {}, "a belief needs a mean (with an optional sd) or p5 and p95"),
        # a price must be positive
        ("cpm", {"mean": 0, "sd": 1}, "mean of a price must be greater than 0"),
        ("cpm", {"mean": -3}, "mean of a price must be greater than 0"),
        ("cpm", 0, "mean of a price must be greater than 0"),
        ("cpm", {"p5": -1, "p95": 2}, "p5 of a price must be greater than 0"),
        ("cpm", {"p5": 0, "p95": 2}, "p5 of a price must be greater than 0"),
        # a rate lives in (0, 1)
        ("ctr", {"mean": 0}, "mean of a rate must be between 0 and 1"),
        ("join_rate", {"mean": 1, "sd": 0}, "mean of a rate must be between 0 and 1"),
        ("cvr", {"mean": 1.2, "sd": 0.1}, "mean of a rate must be between 0 and 1"),
        ("cvr", 1.5, "mean of a rate must be between 0 and 1"),
        ("ctr", {"p5": 0, "p95": 0.5}, "p5 of a rate must be between 0 and 1"),
        ("ctr", {"p5": 0.1, "p95": 1}, "p95 of a rate must be between 0 and 1"),
        # a rate's sd must leave room for a Beta: sd^2 < mean (1 - mean)
        ("ctr", {"mean": 0.01, "sd": 0.1}, "sd of a rate with mean 0.01 must be below 0.0995"),
        ("cvr", {"mean": 0.5, "sd": 0.5}, "sd of a rate with mean 0.5 must be below 0.5"),
    ],
)
def test_belief_rules(field, belief, message):
    data = minimal_scenario_data()
    tool(data)[field] = belief
    assert issue_lines(data) == [f"s.yaml: {TOOL}.{field}: {message} (got {belief!r})"]


def test_belief_rule_with_pytest_match():
    data = minimal_scenario_data()
    tool(data)["ctr"] = {"p5": 0.03, "p95": 0.01}
    expected = f"s.yaml: {TOOL}.ctr: p5 must be below p95 (got {{'p5': 0.03, 'p95': 0.01}})"
    with pytest.raises(ScenarioError, match=f"^{re.escape(expected)}$"):
        scenario_from_data(data, FILE)


def test_belief_sd_must_not_be_negative():
    data = minimal_scenario_data()
    tool(data)["cpm"] = {"mean": 6, "sd": -1}
    assert issue_lines(data) == [
        f"s.yaml: {TOOL}.cpm.sd: Input should be greater than or equal to 0 (got -1)"
    ]


def test_belief_of_the_wrong_type():
    data = minimal_scenario_data()
    tool(data)["ctr"] = True
    assert issue_lines(data) == [
        f"s.yaml: {TOOL}.ctr: Input should be a valid dictionary or instance of RateBelief "
        "(got True)"
    ]


@pytest.mark.parametrize(
    ("field", "belief"),
    [
        ("cpm", 6),
        ("cpm", 6.5),
        ("cpm", {"mean": 6}),
        ("cpm", {"mean": 6, "sd": 0}),
        ("cpm", {"p5": 4, "p95": 9}),
        ("ctr", 0.01),
        ("ctr", {"mean": 0.01}),
        ("ctr", {"p5": 0.006, "p95": 0.018}),
        # just inside the spread limit sqrt(0.25) = 0.5
        ("cvr", {"mean": 0.5, "sd": 0.4999}),
    ],
)
def test_belief_forms_that_are_accepted(field, belief):
    data = minimal_scenario_data()
    tool(data)[field] = belief
    scenario_from_data(data, FILE)


# --- a paid-ads tool -----------------------------------------------------------------------------


@pytest.mark.parametrize("days", [[1, 1, 1], [1] * 8, []])
def test_day_of_week_needs_seven_multipliers(days):
    data = minimal_scenario_data()
    tool(data)["day_of_week"] = days
    assert issue_lines(data) == [
        f"s.yaml: {TOOL}.day_of_week: needs 7 multipliers, Monday to Sunday (got {days!r})"
    ]


def test_day_of_week_with_seven_multipliers_is_accepted():
    data = minimal_scenario_data()
    tool(data)["day_of_week"] = [1.2, 1, 1, 1, 1, 0.9, 0.9]
    assert len(scenario_from_data(data, FILE).platforms[0].tools[0].day_of_week) == 7


def test_day_of_week_multipliers_must_be_positive():
    data = minimal_scenario_data()
    tool(data)["day_of_week"] = [1, 1, 1, 0, 1, 1, 1]
    assert issue_lines(data) == [
        f"s.yaml: {TOOL}.day_of_week[3]: Input should be greater than 0 (got 0)"
    ]


def test_budget_share_and_daily_budget_both_given():
    data = minimal_scenario_data()
    tool(data)["daily_budget"] = 100
    [issue] = issues_of(data)
    assert issue.path == TOOL
    assert issue.message == "give either budget_share or daily_budget, not both"
    assert issue.has_value
    assert issue.value["budget_share"] == 1.0
    assert issue.value["daily_budget"] == 100
    assert issue.render(FILE).startswith(
        f"s.yaml: {TOOL}: give either budget_share or daily_budget, not both (got {{"
    )


def test_neither_budget_share_nor_daily_budget_given_under_the_fixed_strategy():
    data = minimal_scenario_data()
    del tool(data)["budget_share"]
    with pytest.raises(
        ScenarioError,
        match=rf"^s\.yaml: {re.escape(TOOL)}: strategy 'fixed' needs budget_share or "
        r"daily_budget on every tool$",
    ):
        scenario_from_data(data, FILE)


def test_tools_need_no_budget_when_the_strategy_allocates():
    data = minimal_scenario_data()
    del tool(data)["budget_share"]
    data["strategy"] = {"type": "spread"}
    assert scenario_from_data(data, FILE).platforms[0].tools[0].budget_share is None


def test_daily_budget_alone_is_accepted():
    data = minimal_scenario_data()
    del tool(data)["budget_share"]
    tool(data)["daily_budget"] = 150
    assert scenario_from_data(data, FILE).platforms[0].tools[0].daily_budget == 150


@pytest.mark.parametrize(
    ("share", "message"),
    [
        (-0.1, "Input should be greater than or equal to 0"),
        (1.5, "Input should be less than or equal to 1"),
    ],
)
def test_budget_share_range(share, message):
    data = minimal_scenario_data()
    tool(data)["budget_share"] = share
    assert issue_lines(data) == [f"s.yaml: {TOOL}.budget_share: {message} (got {share!r})"]


@pytest.mark.parametrize(
    ("k", "message"),
    [(1.5, "Input should be less than or equal to 1"), (0, "Input should be greater than 0")],
)
def test_auction_k_must_be_in_zero_one(k, message):
    data = minimal_scenario_data()
    tool(data)["auction"] = {"k": k}
    assert issue_lines(data) == [f"s.yaml: {TOOL}.auction.k: {message} (got {k!r})"]


def test_auction_k_of_one_is_accepted():
    data = minimal_scenario_data()
    tool(data)["auction"] = {"k": 1}
    assert scenario_from_data(data, FILE).platforms[0].tools[0].auction.k == 1


# --- the campaign --------------------------------------------------------------------------------


@pytest.mark.parametrize("pacing", ["fast", "Even", ""])
def test_pacing_must_be_one_of_the_choices(pacing):
    data = minimal_scenario_data()
    data["campaign"]["pacing"] = pacing
    assert issue_lines(data) == [
        f"s.yaml: campaign.pacing: Input should be 'even' or 'front-loaded' (got {pacing!r})"
    ]


@pytest.mark.parametrize("pacing", ["even", "front-loaded"])
def test_pacing_choices_are_accepted(pacing):
    data = minimal_scenario_data()
    data["campaign"]["pacing"] = pacing
    assert scenario_from_data(data, FILE).campaign.pacing == pacing


@pytest.mark.parametrize("currency", ["eur", "EURO", "E1R", "US"])
def test_currency_is_a_three_letter_code(currency):
    data = minimal_scenario_data()
    data["campaign"]["currency"] = currency
    assert issue_lines(data) == [
        f"s.yaml: campaign.currency: String should match pattern '^[A-Z]{{3}}$' (got {currency!r})"
    ]


def test_currency_code_is_accepted():
    data = minimal_scenario_data()
    data["campaign"]["currency"] = "USD"
    assert scenario_from_data(data, FILE).campaign.currency == "USD"


# --- rules across the file -----------------------------------------------------------------------


def test_budget_shares_must_sum_to_one():
    data = minimal_scenario_data()
    tool(data)["budget_share"] = 0.5
    assert issue_lines(data) == ["s.yaml: platforms: budget_share values must sum to 1 (got 0.5)"]


def test_budget_shares_over_platforms_must_sum_to_one():
    data = minimal_scenario_data()
    tool(data)["budget_share"] = 0.6
    data["platforms"].append(
        {"name": "instagram", "audience": 400000, "tools": [second_tool(data, budget_share=0.6)]}
    )
    assert issue_lines(data) == ["s.yaml: platforms: budget_share values must sum to 1 (got 1.2)"]


def test_budget_shares_summing_to_one_within_rounding_are_accepted():
    data = minimal_scenario_data()
    tool(data)["budget_share"] = 0.7
    data["platforms"][0]["tools"].append(second_tool(data, name="retargeting", budget_share=0.3))
    data["platforms"].append(
        # the shares sum to 1 + 1e-7, inside the tolerance of 1e-6
        {"name": "instagram", "audience": 400000, "tools": [second_tool(data, budget_share=1e-7)]}
    )
    scenario_from_data(data, FILE)


def test_duplicate_platform_names():
    data = minimal_scenario_data()
    tool(data)["budget_share"] = 0.5
    data["platforms"].append(
        {"name": "facebook", "audience": 400000, "tools": [second_tool(data, budget_share=0.5)]}
    )
    assert issue_lines(data) == [
        "s.yaml: platforms[0].name: platform names must be unique (got 'facebook')",
        "s.yaml: platforms[1].name: platform names must be unique (got 'facebook')",
    ]


def test_duplicate_tool_names_in_a_platform():
    data = minimal_scenario_data()
    tool(data)["budget_share"] = 0.5
    data["platforms"][0]["tools"].append(second_tool(data, budget_share=0.5))
    assert issue_lines(data) == [
        f"s.yaml: {TOOL}.name: tool names must be unique within a platform (got 'paid_ads')",
        "s.yaml: platforms[0].tools[1].name: tool names must be unique within a platform "
        "(got 'paid_ads')",
    ]


def test_same_tool_name_on_two_platforms_is_accepted():
    data = minimal_scenario_data()
    tool(data)["budget_share"] = 0.5
    data["platforms"].append(
        {"name": "instagram", "audience": 400000, "tools": [second_tool(data, budget_share=0.5)]}
    )
    scenario_from_data(data, FILE)


def test_monthly_cap_beyond_the_calendar():
    # 60 days from 1 March 2027 end on 29 April: two calendar months.
    data = minimal_scenario_data()
    data["campaign"]["monthly_caps"] = {1: 5000, 3: 100}
    assert issue_lines(data) == [
        "s.yaml: campaign.monthly_caps.3: the campaign spans 2 calendar month(s) (got 3)"
    ]


def test_monthly_caps_count_calendar_months_not_thirty_day_blocks():
    # Two days, 31 March and 1 April, touch two calendar months.
    data = minimal_scenario_data()
    data["campaign"].update(start=date(2027, 3, 31), days=2, monthly_caps={2: 100})
    assert scenario_from_data(data, FILE).campaign.monthly_caps == {2: 100}
    data["campaign"]["monthly_caps"] = {3: 100}
    assert issue_lines(data) == [
        "s.yaml: campaign.monthly_caps.3: the campaign spans 2 calendar month(s) (got 3)"
    ]


def test_monthly_cap_must_be_positive():
    data = minimal_scenario_data()
    data["campaign"]["monthly_caps"] = {2: -100}
    [line] = issue_lines(data)
    assert line == "s.yaml: campaign.monthly_caps.2: Input should be greater than 0 (got -100)"


def test_monthly_cap_month_must_be_at_least_one():
    data = minimal_scenario_data()
    data["campaign"]["monthly_caps"] = {0: 100}
    [line] = issue_lines(data)
    assert line == (
        "s.yaml: campaign.monthly_caps.0: Input should be greater than or equal to 1 (got 0)"
    )


# --- KPI targets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["cpa is 25", "cpa <= ", "<= 25", "cpa == 25", "CPA <= 25"])
def test_kpi_target_syntax(target):
    data = minimal_scenario_data()
    data["kpis"] = [{"target": target}]
    assert issue_lines(data) == [
        "s.yaml: kpis[0].target: a target reads 'metric op number', e.g. 'cpa <= 25' "
        f"(got {target!r})"
    ]


def test_kpi_target_number_must_parse():
    data = minimal_scenario_data()
    data["kpis"] = [{"target": "cpa <= 1.2.3"}]
    assert issue_lines(data) == [
        "s.yaml: kpis[0].target: '1.2.3' is not a number (got 'cpa <= 1.2.3')"
    ]


def test_unknown_kpi_suggests_the_closest():
    data = minimal_scenario_data()
    data["kpis"] = [{"target": "cpaa <= 25"}]
    assert issue_lines(data) == [
        "s.yaml: kpis[0].target: unknown KPI 'cpaa' (did you mean 'cpa'?) (got 'cpaa <= 25')"
    ]


def test_unknown_kpi_with_nothing_close():
    data = minimal_scenario_data()
    data["kpis"] = [{"target": "happiness >= 3"}]
    assert issue_lines(data) == [
        "s.yaml: kpis[0].target: unknown KPI 'happiness' (got 'happiness >= 3')"
    ]


@pytest.mark.parametrize(
    ("target", "metric", "op", "value"),
    [
        ("cpa <= 25", "cpa", "<=", 25.0),
        ("joins>=1500", "joins", ">=", 1500.0),
        ("  ctr > 1.5 % ", "ctr", ">", 0.015),
        ("cost_per_join < 2e1", "cost_per_join", "<", 20.0),
    ],
)
def test_kpi_targets_that_parse(target, metric, op, value):
    data = minimal_scenario_data()
    data["kpis"] = [{"target": target}]
    [kpi] = scenario_from_data(data, FILE).kpis
    assert (kpi.metric, kpi.op) == (metric, op)
    assert kpi.value == pytest.approx(value)


def test_kpi_month_beyond_the_calendar():
    data = minimal_scenario_data()
    data["kpis"] = [{"target": "joins >= 100", "month": 2}, {"target": "cpa <= 25", "month": 3}]
    assert issue_lines(data) == [
        "s.yaml: kpis[1].month: the campaign spans 2 calendar month(s) (got 3)"
    ]


def test_kpi_month_must_be_at_least_one():
    data = minimal_scenario_data()
    data["kpis"] = [{"target": "cpa <= 25", "month": 0}]
    assert issue_lines(data) == [
        "s.yaml: kpis[0].month: Input should be greater than or equal to 1 (got 0)"
    ]


def test_kpi_platform_unknown_suggests_the_closest():
    data = minimal_scenario_data()
    data["kpis"] = [{"target": "cpa <= 25", "platform": "facebok"}]
    assert issue_lines(data) == [
        "s.yaml: kpis[0].platform: no such platform (did you mean 'facebook'?) (got 'facebok')"
    ]


def test_kpi_platform_unknown_with_nothing_close():
    data = minimal_scenario_data()
    data["kpis"] = [{"target": "cpa <= 25", "platform": "tiktok"}]
    assert issue_lines(data) == ["s.yaml: kpis[0].platform: no such platform (got 'tiktok')"]


def test_kpi_platform_known_is_accepted():
    data = minimal_scenario_data()
    data["kpis"] = [{"target": "cpa <= 25", "platform": "facebook", "month": 2}]
    [kpi] = scenario_from_data(data, FILE).kpis
    assert kpi.label == "cpa <= 25 on facebook in month 2"


@pytest.mark.parametrize("target", ["revenue >= 2000", "roas >= 2"])
def test_revenue_kpis_need_average_order_value(target):
    data = minimal_scenario_data()
    data["kpis"] = [{"target": target}]
    metric = target.split()[0]
    assert issue_lines(data) == [
        f"s.yaml: kpis[0].target: {metric} needs campaign.average_order_value (got {target!r})"
    ]


@pytest.mark.parametrize("target", ["revenue >= 2000", "roas >= 2"])
def test_revenue_kpis_with_average_order_value_are_accepted(target):
    data = minimal_scenario_data()
    data["campaign"]["average_order_value"] = 40
    data["kpis"] = [{"target": target}]
    scenario_from_data(data, FILE)


# --- every problem at once -----------------------------------------------------------------------


def three_field_errors() -> dict[str, Any]:
    data = minimal_scenario_data()
    data["campaign"]["currency"] = "eur"
    tool(data)["ctr"]["mean"] = 2
    tool(data)["auction"] = {"k": 2}
    return data


EXPECTED_THREE = [
    ("campaign.currency", "String should match pattern '^[A-Z]{3}$' (got 'eur')"),
    (f"{TOOL}.ctr", "mean of a rate must be between 0 and 1 (got {'mean': 2, 'sd': 0.003})"),
    (f"{TOOL}.auction.k", "Input should be less than or equal to 1 (got 2)"),
]


def test_every_field_problem_is_reported_at_once():
    lines = issue_lines(three_field_errors())
    assert lines == [f"s.yaml: {path}: {rest}" for path, rest in EXPECTED_THREE]


def test_every_field_problem_in_a_file_is_reported_at_once(tmp_path):
    path = write_yaml(tmp_path / "three.yaml", three_field_errors())
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert len(info.value.issues) == 3
    assert info.value.lines() == [f"{path}: {where}: {rest}" for where, rest in EXPECTED_THREE]


def test_every_cross_file_problem_is_reported_at_once():
    data = minimal_scenario_data()
    tool(data)["budget_share"] = 0.5
    data["kpis"] = [
        {"target": "roas >= 2", "month": 4, "platform": "instagram"},
    ]
    data["campaign"]["monthly_caps"] = {5: 100}
    assert issue_lines(data) == [
        "s.yaml: platforms: budget_share values must sum to 1 (got 0.5)",
        "s.yaml: campaign.monthly_caps.5: the campaign spans 2 calendar month(s) (got 5)",
        "s.yaml: kpis[0].month: the campaign spans 2 calendar month(s) (got 4)",
        "s.yaml: kpis[0].platform: no such platform (got 'instagram')",
        "s.yaml: kpis[0].target: roas needs campaign.average_order_value (got 'roas >= 2')",
    ]


# --- non-finite numbers and YAML 1.2 floats ------------------------------------------------------


@pytest.mark.parametrize(
    "belief", [{"mean": math.nan}, {"mean": math.inf}, {"mean": 6, "sd": math.inf}]
)
def test_price_belief_rejects_non_finite_numbers(belief):
    data = minimal_scenario_data()
    tool(data)["cpm"] = belief
    [line] = issue_lines(data)
    assert line.startswith("s.yaml: platforms[0].tools[0].cpm.")
    assert ": Input should be a finite number (got " in line


def test_campaign_budget_rejects_infinity():
    data = minimal_scenario_data()
    data["campaign"]["budget"] = math.inf
    assert issue_lines(data) == [
        "s.yaml: campaign.budget: Input should be a finite number (got inf)"
    ]


def test_bare_belief_in_exponent_notation_from_yaml(tmp_path):
    text = yaml.safe_dump(minimal_scenario_data(), sort_keys=False)
    text = text.replace("ctr:\n      mean: 0.01\n      sd: 0.003\n", "ctr: 1e-2\n")
    assert "ctr: 1e-2" in text
    path = tmp_path / "exp.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_scenario(path).platforms[0].tools[0].ctr.mean == 0.01


def test_rules_across_sections_still_run_beside_a_field_error():
    """A broken platform does not hide a KPI month outside the calendar: every problem at once."""
    data = minimal_scenario_data()
    data["platforms"][0]["audience"] = -5
    data["kpis"] = [{"target": "cpa <= 30", "month": 9}]
    assert issue_lines(data) == [
        "s.yaml: platforms[0].audience: Input should be greater than 0 (got -5)",
        "s.yaml: kpis[0].month: the campaign spans 2 calendar month(s) (got 9)",
    ]


def test_rules_skip_sections_that_failed_validation():
    """Shares are not summed over a platform list that did not validate."""
    data = minimal_scenario_data()
    tool(data)["budget_share"] = 0.5
    tool(data)["cpm"] = {"mean": -1}
    lines = issue_lines(data)
    assert lines == [
        "s.yaml: platforms[0].tools[0].cpm: mean of a price must be greater than 0 "
        "(got {'mean': -1})"
    ]
