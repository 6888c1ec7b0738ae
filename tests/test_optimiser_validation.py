"""Every field and rule of the scenario's `optimise:` block, with the line the planner reads
pinned: the key path, the rule broken and the bad value
(`s.yaml: optimise.platforms.tiktk: no such platform (did you mean 'tiktok'?) (got 'tiktk')`).

Also the budget rules the optimiser relies on: a `budget_share` of 0 keeps a tool in the plan
with no budget, but a 'planned' test split cannot read only zeros.

Field cases are tables per model; `test_every_optimise_field_has_a_case` keeps them complete as
fields are added (tests/test_tools_validation.py's coverage test does not cover these models).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from smmsim.scenarios.budget import paid_ads_budget
from smmsim.scenarios.loader import scenario_from_data
from smmsim.scenarios.optimise_schema import Intensity, Optimise, PolicyRanges, SpendBounds
from smmsim.simulator.studies.optimiser.space import search_space
from tests.helpers import minimal_scenario_data
from tests.validation_cases import FILE, Location, case, line, lines_of

GT0 = "Input should be greater than 0"
GE0 = "Input should be greater than or equal to 0"
GE1 = "Input should be greater than or equal to 1"
LT1 = "Input should be less than 1"
INT = "Input should be a valid integer, got a number with a fractional part"
NUMBER = "Input should be a valid number, unable to parse string as a number"
TACTICS = "the optimiser searches the intensity of influencer, community_content, seeding"


def base_data() -> dict[str, Any]:
    """facebook and tiktok with paid ads (half the budget each), and forums with one tactic of
    each kind a planner may list or mistype: community content and a contest."""
    data = minimal_scenario_data()
    ads = data["platforms"][0]["tools"][0]
    ads["budget_share"] = 0.5
    data["platforms"].append(
        {"name": "tiktok", "audience": 200_000, "tools": [copy.deepcopy(ads)]},
    )
    data["platforms"].append(
        {
            "name": "forums",
            "audience": 100_000,
            "tools": [
                {"type": "community_content", "cost_per_post": 20, "schedule": {"per_week": 2}},
                {"type": "contest", "prize": 100, "joins": 200, "schedule": {"days": [10]}},
            ],
        }
    )
    return data


def with_optimise(**block: Any) -> dict[str, Any]:
    data = base_data()
    data["optimise"] = block
    return data


def test_the_base_scenario_and_an_empty_block_are_valid():
    assert scenario_from_data(base_data(), FILE).optimise == Optimise()
    assert scenario_from_data(with_optimise(), FILE).optimise == Optimise()


def test_a_full_block_is_read():
    data = with_optimise(
        objective="conversions",
        max_risk=0.05,
        trials=40,
        replications=50,
        platforms={"tiktok": {"min_spend": 1000, "max_spend": 4000}},
        tactics=["forums/community_content"],
        intensity={"low": 0.5, "high": 3},
        policy=True,
        policy_ranges={"test_share": [0.1, 0.2], "test_days": [7, 14], "keep_q": [0.4, 0.6]},
    )
    data["strategy"] = {"decision": {"target_cpa": 30}}
    o = scenario_from_data(data, FILE).optimise
    assert (o.objective, o.max_risk, o.trials, o.replications) == ("conversions", 0.05, 40, 50)
    assert o.platforms == {"tiktok": SpendBounds(min_spend=1000, max_spend=4000)}
    assert o.tactics == ["forums/community_content"]
    assert o.intensity == Intensity(low=0.5, high=3)
    assert o.policy_ranges == PolicyRanges(
        test_share=(0.1, 0.2), test_days=(7, 14), keep_q=(0.4, 0.6)
    )


# --- every field: a bad value and its line -------------------------------------------------------

# Where each model sits in a valid scenario: (data, the mapping the model validates, its key path).


def _optimise() -> Location:
    data = with_optimise()
    return data, data["optimise"], "optimise"


def _spend_bounds() -> Location:
    data = with_optimise(platforms={"tiktok": {}})
    return data, data["optimise"]["platforms"]["tiktok"], "optimise.platforms.tiktok"


def _intensity() -> Location:
    data = with_optimise(intensity={})
    return data, data["optimise"]["intensity"], "optimise.intensity"


def _policy_ranges() -> Location:
    data = with_optimise(policy_ranges={})
    return data, data["optimise"]["policy_ranges"], "optimise.policy_ranges"


LOCATIONS: dict[type, Callable[[], Location]] = {
    Optimise: _optimise,
    SpendBounds: _spend_bounds,
    Intensity: _intensity,
    PolicyRanges: _policy_ranges,
}

FIELD_CASES = [
    # the block
    case(Optimise, "objective", "roas", "Input should be 'cpa' or 'conversions'"),
    case(Optimise, "max_risk", 0, GT0),
    case(Optimise, "max_risk", 1, LT1),
    case(Optimise, "max_risk", "low", NUMBER),
    case(Optimise, "trials", 0, GE1),
    case(Optimise, "trials", 100_001, "Input should be less than or equal to 100000"),
    case(Optimise, "trials", 2.5, INT),
    case(Optimise, "replications", 9, "Input should be greater than or equal to 10"),
    case(Optimise, "replications", 100_001, "Input should be less than or equal to 100000"),
    case(Optimise, "platforms", ["tiktok"], "Input should be a valid dictionary"),
    case(Optimise, "search", "shares", "Input should be a valid list"),
    case(Optimise, "search", [], "List should have at least 1 item after validation, not 0"),
    case(
        Optimise,
        "search",
        ["shares", "polcy"],
        "the optimiser can search shares, tactics or policy (did you mean 'policy'?)",
        where="[1]",
        got="polcy",
    ),
    case(Optimise, "tactics", "forums/community_content", "Input should be a valid list"),
    case(Optimise, "tactics", [3], "Input should be a valid string", where="[0]", got=3),
    case(Optimise, "intensity", 2, "Input should be a valid dictionary or instance of Intensity"),
    case(Optimise, "policy", "maybe", "Input should be a valid boolean, unable to interpret input"),
    case(
        Optimise,
        "policy_ranges",
        0.5,
        "Input should be a valid dictionary or instance of PolicyRanges",
    ),
    # one platform's spend limits
    case(SpendBounds, "min_spend", -1, GE0),
    case(SpendBounds, "min_spend", "lots", NUMBER),
    case(SpendBounds, "max_spend", 0, GT0),
    case(SpendBounds, "max_spend", -500, GT0),
    # the intensity range
    case(Intensity, "low", -0.5, GE0),
    case(Intensity, "high", 0, GT0),
    # the policy ranges
    case(PolicyRanges, "test_share", "wide", "Input should be a valid tuple"),
    case(
        PolicyRanges,
        "test_share",
        [0.1, 0.2, 0.3],
        "Tuple should have at most 2 items after validation, not 3",
    ),
    case(PolicyRanges, "test_days", [7.5, 14], INT, where="[0]", got=7.5),
    case(PolicyRanges, "keep_q", ["high", 0.9], NUMBER, where="[0]", got="high"),
]


@pytest.mark.parametrize(("model", "field", "value", "where", "message", "got"), FIELD_CASES)
def test_a_bad_field_value(model, field, value, where, message, got):
    data, target, path = LOCATIONS[model]()
    target[field] = value
    assert lines_of(data) == [line(f"{path}.{where}", message, got)]


def test_every_optimise_field_has_a_case():
    """A field added to the `optimise:` block or its parts needs a row in FIELD_CASES."""
    covered = {(model, field) for model, field, *_ in (p.values for p in FIELD_CASES)}
    missing = [
        f"{model.__name__}.{name}"
        for model in LOCATIONS
        for name in model.model_fields
        if (model, name) not in covered
    ]
    assert missing == []


def test_the_block_must_be_a_mapping():
    data = base_data()
    data["optimise"] = 5
    assert lines_of(data) == [
        line("optimise", "Input should be a valid dictionary or instance of Optimise", 5)
    ]


def test_an_unknown_key_in_the_block_suggests_the_closest():
    assert lines_of(with_optimise(trails=50)) == [
        line("optimise.trails", "unknown key (did you mean 'trials'?)")
    ]


def test_an_unknown_spend_limit_key_suggests_the_closest():
    """Fixed: model_fields_at did not step over the platform name of a dict[str, Model] field,
    so unknown keys under optimise.platforms.NAME got no hint."""
    data = with_optimise(platforms={"tiktok": {"mx_spend": 3000}})
    assert lines_of(data) == [
        line("optimise.platforms.tiktok.mx_spend", "unknown key (did you mean 'max_spend'?)")
    ]


def test_a_tuple_of_one_number_names_the_missing_end():
    data = with_optimise(policy_ranges={"keep_q": [0.3]})
    assert lines_of(data) == [line("optimise.policy_ranges.keep_q[1]", "required key is missing")]


# --- rules inside one model ----------------------------------------------------------------------


def test_max_spend_below_min_spend():
    bounds = {"min_spend": 3000, "max_spend": 2000}
    data = with_optimise(platforms={"tiktok": bounds})
    assert lines_of(data) == [
        line("optimise.platforms.tiktok", "max_spend must not be below min_spend", bounds)
    ]


def test_max_spend_equal_to_min_spend_pins_the_platform():
    data = with_optimise(platforms={"tiktok": {"min_spend": 2000, "max_spend": 2000}})
    assert scenario_from_data(data, FILE).optimise.platforms["tiktok"].max_spend == 2000


@pytest.mark.parametrize(("low", "high"), [(1, 1), (1.5, 1)])
def test_intensity_high_must_be_above_low(low, high):
    data = with_optimise(intensity={"low": low, "high": high})
    assert lines_of(data) == [
        line("optimise.intensity", "high must be above low", {"low": low, "high": high})
    ]


def test_intensity_high_below_the_default_low_is_accepted():
    data = with_optimise(intensity={"high": 0.5})  # low defaults to 0
    assert scenario_from_data(data, FILE).optimise.intensity == Intensity(low=0, high=0.5)


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("test_share", [0, 0.2], "test_share needs 0 < low < high < 1"),
        ("test_share", [0.1, 1], "test_share needs 0 < low < high < 1"),
        ("test_share", [0.3, 0.1], "test_share needs 0 < low < high < 1"),
        ("test_share", [0.2, 0.2], "test_share needs 0 < low < high < 1"),
        ("test_days", [0, 14], "test_days needs 1 <= low < high"),
        ("test_days", [14, 7], "test_days needs 1 <= low < high"),
        ("test_days", [7, 7], "test_days needs 1 <= low < high"),
        ("keep_q", [0, 0.5], "keep_q needs 0 < low < high < 1"),
        ("keep_q", [0.5, 1], "keep_q needs 0 < low < high < 1"),
        ("keep_q", [0.9, 0.3], "keep_q needs 0 < low < high < 1"),
    ],
)
def test_policy_ranges_need_low_below_high_inside_their_bounds(key, value, rule):
    data = with_optimise(policy_ranges={key: value})
    assert lines_of(data) == [line("optimise.policy_ranges", rule, {key: value})]


# --- rules across the file -----------------------------------------------------------------------


def test_spend_limits_of_an_unknown_platform_suggest_the_closest():
    data = with_optimise(platforms={"tiktk": {"max_spend": 3000}})
    assert lines_of(data) == [
        line("optimise.platforms.tiktk", "no such platform (did you mean 'tiktok'?)", "tiktk")
    ]


def test_spend_limits_of_an_unknown_platform_with_nothing_close():
    data = with_optimise(platforms={"linkedin": {"max_spend": 3000}})
    assert lines_of(data) == [line("optimise.platforms.linkedin", "no such platform", "linkedin")]


def test_spend_limits_need_paid_ads_on_the_platform():
    data = with_optimise(platforms={"forums": {"min_spend": 100}})
    assert lines_of(data) == [
        line(
            "optimise.platforms.forums",
            "spend limits need a paid_ads tool on the platform",
            "forums",
        )
    ]


# The tactics' schedules as planned cost 17 posts x 20 and a 100 prize: the paid ads' budget as
# planned is 9,560 of the 10,000, and the spend limits split that.
ADS_BUDGET = 9560
FLOOR = (
    f"the min_spend values add up to more than the paid ads' budget as planned ({ADS_BUDGET}: "
    "the campaign's less the tactics' and retargeting's)"
)
CEILING = (
    f"the max_spend values leave part of the paid ads' budget as planned ({ADS_BUDGET}) with "
    "nowhere to go"
)


def test_the_paid_ads_budget_as_planned_is_what_the_tactics_leave():
    assert paid_ads_budget(scenario_from_data(base_data(), FILE)) == ADS_BUDGET


def test_minimums_above_the_budget_are_infeasible():
    data = with_optimise(platforms={"facebook": {"min_spend": 6000}, "tiktok": {"min_spend": 4500}})
    assert lines_of(data) == [line("optimise.platforms", FLOOR, 10500.0)]


def test_minimums_that_fit_the_campaign_but_not_what_the_tactics_leave_are_infeasible():
    """10,000 of minimums fit the campaign's budget, but 440 of it is the tactics'."""
    data = with_optimise(platforms={"facebook": {"min_spend": 6000}, "tiktok": {"min_spend": 4000}})
    assert lines_of(data) == [line("optimise.platforms", FLOOR, 10000.0)]


def test_ceilings_below_the_budget_are_infeasible():
    data = with_optimise(platforms={"facebook": {"max_spend": 3000}, "tiktok": {"max_spend": 4000}})
    assert lines_of(data) == [line("optimise.platforms", CEILING, 7000.0)]


def test_ceilings_that_cover_what_the_tactics_leave_are_feasible():
    """9,560 of ceilings fall short of the campaign's 10,000 but hold the paid ads' budget."""
    data = with_optimise(platforms={"facebook": {"max_spend": 5000}, "tiktok": {"max_spend": 4560}})
    assert scenario_from_data(data, FILE).optimise.platforms["tiktok"].max_spend == 4560


def test_the_tactics_planned_intensity_sets_the_budget_the_limits_split():
    """Posting twice as often (34 posts, 680) leaves 9,220: minimums of 9,560 no longer fit."""
    data = with_optimise(platforms={"facebook": {"min_spend": 6000}, "tiktok": {"min_spend": 3560}})
    assert scenario_from_data(data, FILE).optimise.platforms["tiktok"].min_spend == 3560
    data["platforms"][2]["tools"][0]["schedule"] = {"per_week": 4}
    assert lines_of(data) == [
        line(
            "optimise.platforms",
            "the min_spend values add up to more than the paid ads' budget as planned (9220: the "
            "campaign's less the tactics' and retargeting's)",
            9560.0,
        )
    ]


def test_minimums_that_take_the_whole_paid_ads_budget_are_feasible():
    data = with_optimise(platforms={"facebook": {"min_spend": 6000}, "tiktok": {"min_spend": 3560}})
    assert set(scenario_from_data(data, FILE).optimise.platforms) == {"facebook", "tiktok"}


def test_a_platform_without_a_ceiling_takes_what_the_others_leave():
    """One ceiling alone cannot be infeasible: the other platform takes the rest."""
    data = with_optimise(platforms={"tiktok": {"max_spend": 100}})
    assert scenario_from_data(data, FILE).optimise.platforms["tiktok"].max_spend == 100


def test_an_unknown_tactic_suggests_the_closest():
    data = with_optimise(tactics=["forums/comunity_content"])
    assert lines_of(data) == [
        line(
            "optimise.tactics[0]",
            "no such tool (did you mean 'forums/community_content'?)",
            "forums/comunity_content",
        )
    ]


@pytest.mark.parametrize("name", ["forums/contest", "facebook/paid_ads"])
def test_a_tactic_of_a_type_not_searched(name):
    data = with_optimise(tactics=["forums/community_content", name])
    assert lines_of(data) == [line("optimise.tactics[1]", TACTICS, name)]


def test_a_creative_refresh_is_not_searched():
    data = with_optimise(tactics=["facebook/creative_refresh"])
    data["platforms"][0]["tools"].append(
        {"type": "creative_refresh", "cost": 200, "schedule": {"days": [20]}}
    )
    assert lines_of(data) == [line("optimise.tactics[0]", TACTICS, "facebook/creative_refresh")]


@pytest.mark.parametrize(
    "schedule",
    [{"per_week": 0}, {"per_week": 0.05}, {"per_week": 1, "start_day": 58, "end_day": 60}],
    ids=["none-a-week", "too-few-to-round-to-one", "a-short-window"],
)
def test_a_listed_tactic_that_plans_no_unit(schedule):
    """Nothing to scale: 0 a week, or rates that round cumulatively to 0 units (0.05 a week over
    60 days, 1 a week over the last 3 days)."""
    data = with_optimise(tactics=["forums/community_content"])
    data["platforms"][2]["tools"][0]["schedule"] = schedule
    assert lines_of(data) == [
        line(
            "optimise.tactics[0]",
            "the tactic plans no unit: there is no intensity to scale",
            "forums/community_content",
        )
    ]


def test_an_unlisted_tactic_that_plans_no_unit_is_not_searched():
    """Searched by default, it is left out of the dials instead of refused."""
    data = with_optimise()
    data["platforms"][2]["tools"][0]["schedule"] = {"per_week": 0}
    s = scenario_from_data(data, FILE)
    assert search_space(s).dials == ()


POLICY_LONGER = (
    "the longest test searched ({days} days, plus {extension} if it is extended) must end "
    "before the campaign does (60 days)"
)


def with_policy(test_days: list[int], **test: Any) -> dict[str, Any]:
    data = with_optimise(policy=True, policy_ranges={"test_days": test_days})
    data["strategy"] = {"decision": {"target_cpa": 30}}
    if test:
        data["strategy"]["test"] = test
    return data


def test_the_longest_test_searched_must_end_before_the_campaign():
    """52 days and the default 7-day extension end on day 59 of 60; 53 and 7 end on day 60."""
    assert scenario_from_data(with_policy([7, 52]), FILE).optimise.policy_ranges.test_days[1] == 52
    assert lines_of(with_policy([7, 53])) == [
        line(
            "optimise.policy_ranges.test_days",
            POLICY_LONGER.format(days=53, extension=7),
            [7, 53],
        )
    ]


def test_the_longest_test_searched_counts_the_extension_it_is_given():
    assert lines_of(with_policy([7, 40], extend_days=20)) == [
        line(
            "optimise.policy_ranges.test_days",
            POLICY_LONGER.format(days=40, extension=20),
            [7, 40],
        )
    ]


def test_a_test_that_is_never_extended_may_run_to_the_day_before_the_end():
    s = scenario_from_data(with_policy([7, 59], if_insufficient="drop"), FILE)
    assert s.optimise.policy_ranges.test_days == (7, 59)
    assert lines_of(with_policy([7, 60], if_insufficient="drop")) == [
        line(
            "optimise.policy_ranges.test_days",
            POLICY_LONGER.format(days=60, extension=0),
            [7, 60],
        )
    ]


def test_policy_ranges_are_not_read_without_the_policy():
    data = with_optimise(policy_ranges={"test_days": [7, 90]})
    assert scenario_from_data(data, FILE).optimise.policy is False


def test_the_policy_needs_a_target_cpa():
    assert lines_of(with_optimise(policy=True)) == [
        line(
            "optimise.policy",
            "searching the test-then-scale policy needs a target CPA: set "
            "strategy.decision.target_cpa or a campaign-wide 'cpa <=' KPI",
            True,
        )
    ]


@pytest.mark.parametrize(
    "target",
    [
        {"strategy": {"decision": {"target_cpa": 30}}},
        {"kpis": [{"target": "cpa <= 30"}]},
        {"strategy": {"decision": {"rule": "top_k"}}},  # ranks arms: reads no target
    ],
    ids=["target_cpa", "cpa-kpi", "top_k"],
)
def test_the_policy_with_a_target_or_without_the_need_for_one(target):
    data = with_optimise(policy=True)
    data.update(target)
    assert scenario_from_data(data, FILE).optimise.policy is True


def test_a_broken_block_does_not_run_the_rules_that_read_it():
    """`optimise.trials` failed, so the block's platforms are not checked against the file;
    rules on other sections still run."""
    data = with_optimise(trials=0, platforms={"tiktk": {}})
    data["kpis"] = [{"target": "cpa <= 30", "month": 9}]
    assert lines_of(data) == [
        line("optimise.trials", GE1, 0),
        line("kpis[0].month", "the campaign spans 2 calendar month(s)", 9),
    ]


def test_every_problem_of_the_block_is_reported_at_once():
    data = with_optimise(
        platforms={"tiktk": {}, "facebook": {"min_spend": 20_000}},
        tactics=["forums/contest"],
        policy=True,
    )
    assert lines_of(data) == [
        line("optimise.platforms.tiktk", "no such platform (did you mean 'tiktok'?)", "tiktk"),
        line("optimise.platforms", FLOOR, 20000.0),
        line("optimise.tactics[0]", TACTICS, "forums/contest"),
        line(
            "optimise.policy",
            "searching the test-then-scale policy needs a target CPA: set "
            "strategy.decision.target_cpa or a campaign-wide 'cpa <=' KPI",
            True,
        ),
    ]


# --- budget shares of 0 and the planned test split -----------------------------------------------


def test_a_budget_share_of_zero_keeps_the_tool_with_no_budget():
    data = base_data()
    data["platforms"][0]["tools"][0]["budget_share"] = 1.0
    data["platforms"][1]["tools"][0]["budget_share"] = 0
    s = scenario_from_data(data, FILE)
    assert [t.budget_share for p in s.platforms for t in p.ad_tools()] == [1.0, 0.0]


def planned_split(facebook: float, tiktok: float, **test: Any) -> dict[str, Any]:
    data = base_data()
    data["platforms"][0]["tools"][0]["budget_share"] = facebook
    data["platforms"][1]["tools"][0]["budget_share"] = tiktok
    data["strategy"] = {
        "type": "test-then-scale",
        "test": {"split": "planned", **test},
        "decision": {"target_cpa": 30},
    }
    return data


PLANNED = "the 'planned' split needs a budget_share or daily_budget above 0 on a tested tool"


def test_a_planned_split_over_zero_shares_is_an_error():
    assert lines_of(planned_split(0, 0)) == [line("strategy.test.split", PLANNED, "planned")]


def test_a_planned_split_testing_only_zero_shares_is_an_error():
    """The test covers tiktok alone, planned at 0; facebook's share is not tested."""
    assert lines_of(planned_split(0.5, 0, arms=["tiktok"])) == [
        line("strategy.test.split", PLANNED, "planned")
    ]


def test_a_planned_split_with_one_tested_budget_is_accepted():
    s = scenario_from_data(planned_split(0, 0.5), FILE)
    assert s.strategy.test.split == "planned"


def test_an_even_split_over_zero_shares_is_accepted():
    data = planned_split(0, 0)
    data["strategy"]["test"]["split"] = "even"
    assert scenario_from_data(data, FILE).strategy.test.split == "even"


# --- what the optimiser may change ----------------------------------------------------------------


def test_without_search_the_split_alone_is_searched():
    """The planned strategy and tactics run as written unless the block names them."""
    assert scenario_from_data(base_data(), FILE).optimise.searched == ("shares",)


@pytest.mark.parametrize(
    ("block", "searched"),
    [
        ({"policy": True}, ("policy",)),
        ({"tactics": ["forums/community_content"]}, ("shares", "tactics")),
        ({"tactics": []}, ("shares",)),
        ({"search": ["policy", "shares", "shares"]}, ("shares", "policy")),
    ],
)
def test_the_older_keys_still_name_what_is_searched(block, searched):
    """`policy: true` searched the policy and not the split, a non-empty `tactics` list those
    tactics beside the split: files written before `search` keep their meaning."""
    assert scenario_from_data(with_target(**block), FILE).optimise.searched == searched


def with_target(**block: Any) -> dict[str, Any]:
    """The block on a plan whose decision has the target CPA a searched policy reads."""
    data = with_optimise(**block)
    data["strategy"] = {"decision": {"target_cpa": 30}}
    return data


@pytest.mark.parametrize(
    ("block", "rule"),
    [
        (
            {"search": ["shares"], "policy": True},
            "policy: true asks to search the policy, which search does not name: add 'policy' "
            "to search (and drop policy: true, its older form)",
        ),
        (
            {"search": ["shares"], "tactics": ["forums/community_content"]},
            "a tactics list names what may change when tactics are searched, which search does "
            "not name: add 'tactics' to search, or remove the list",
        ),
    ],
)
def test_search_and_an_older_key_that_disagree_are_refused(block, rule):
    assert lines_of(with_target(**block)) == [line("optimise", rule, block)]


def test_searching_the_policy_by_name_needs_a_target_cpa():
    assert lines_of(with_optimise(search=["policy"])) == [
        line(
            "optimise.search",
            "searching the test-then-scale policy needs a target CPA: set "
            "strategy.decision.target_cpa or a campaign-wide 'cpa <=' KPI",
            ["policy"],
        )
    ]
