"""Every field of the tools, the schedules, `reputation:` and `backlash:`, and every rule across the
file that reads them, with the line the planner reads pinned: the key path, the rule broken and the
bad value (`s.yaml: platforms[0].tools[1].fee: Input should be greater than 0 (got 0)`).

Field cases are tables per model; `test_every_new_field_has_a_case` keeps the tables complete as
fields are added.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from smmsim.scenarios.errors import ScenarioError
from smmsim.scenarios.kpis import REPUTATION_KPIS
from smmsim.scenarios.loader import scenario_from_data
from smmsim.scenarios.reputation_schema import (
    SIGNALS,
    Backlash,
    Mix,
    QueryResults,
    Reputation,
    RiskLevels,
    Signal,
)
from smmsim.scenarios.tool_kinds import TOOL_TYPES
from smmsim.scenarios.tools_schema import (
    AdArm,
    CommunityContent,
    Contest,
    CreativeRefresh,
    Influencer,
    Phase,
    Retargeting,
    Seeding,
    Tactic,
)
from tests.helpers import minimal_scenario_data
from tests.validation_cases import FILE, Location, case, line, lines_of

NEW = "platforms[0].tools[1]"  # where `with_tool` puts the tool under test

GT0 = "Input should be greater than 0"
GE0 = "Input should be greater than or equal to 0"
GE1 = "Input should be greater than or equal to 1"
LE1 = "Input should be less than or equal to 1"
LT1 = "Input should be less than 1"
INT = "Input should be a valid integer, got a number with a fractional part"
EMPTY = "String should have at least 1 character"
NO_ITEMS = "List should have at least 1 item after validation, not 0"
AMOUNT = "mean of an amount must be greater than 0"
RATE = "mean of a rate must be between 0 and 1"

AD = {
    "cpm": {"mean": 6, "sd": 1},
    "ctr": {"mean": 0.01, "sd": 0.003},
    "join_rate": {"mean": 0.04, "sd": 0.01},
    "cvr": {"mean": 0.02, "sd": 0.005},
}
# The smallest valid tool of each type (ad tools take half the budget beside the base paid ads).
TOOLS: dict[str, dict[str, Any]] = {
    "paid_ads": {"type": "paid_ads", "name": "more_ads", "budget_share": 0.5, **AD},
    "retargeting": {"type": "retargeting", "budget_share": 0.5, **AD},
    "influencer": {
        "type": "influencer",
        "schedule": [{"per_week": 1}],
        "fee": 300,
        "reach": {"mean": 8000, "sd": 3000},
        "ctr": 0.01,
        "join_rate": 0.05,
        "cvr": 0.01,
    },
    "community_content": {
        "type": "community_content",
        "schedule": [{"per_week": 3}],
        "cost_per_post": 40,
    },
    "contest": {
        "type": "contest",
        "schedule": [{"days": [14]}],
        "prize": 200,
        "joins": {"mean": 300, "sd": 100},
    },
    "seeding": {
        "type": "seeding",
        "schedule": [{"per_week": 1}],
        "cost_per_item": 30,
        "natural_posts_per_week": 40,
    },
    "creative_refresh": {"type": "creative_refresh", "schedule": [{"days": [30]}], "cost": 500},
}
TACTIC_KINDS = [kind for kind, model in TOOL_TYPES.items() if issubclass(model, Tactic)]
QUERY = {"query": "best crm", "positive_own": 3, "positive_third": 5, "neutral": 8, "negative": 4}
MIX = {"positive": 0.3, "neutral": 0.5, "negative": 0.2}
SIGNAL = {"safe": 0.15, "high": 0.5, "hazard_at_high": 0.03}
RISK = {"medium": 0.05, "high": 0.25}


def with_tool(kind: str, **changes: Any) -> dict[str, Any]:
    """The minimal scenario (60 days, facebook/paid_ads) with a valid `kind` tool appended as
    `platforms[0].tools[1]`; seeding brings the reputation section it needs."""
    data = minimal_scenario_data()
    new = {**copy.deepcopy(TOOLS[kind]), **changes}
    if kind in ("paid_ads", "retargeting"):
        data["platforms"][0]["tools"][0]["budget_share"] = 0.5
    if kind == "seeding":
        data["reputation"] = {"queries": [dict(QUERY)]}
    data["platforms"][0]["tools"].append(new)
    return data


def tool(data: dict[str, Any], platform: int = 0, index: int = 1) -> dict[str, Any]:
    return data["platforms"][platform]["tools"][index]


def with_reputation(**changes: Any) -> dict[str, Any]:
    data = minimal_scenario_data()
    data["reputation"] = {"queries": [dict(QUERY)], **changes}
    return data


# Where each model sits in a valid scenario: (data, the mapping the model validates, its key path).


def _tool_location(kind: str) -> Callable[[], Location]:
    def location() -> Location:
        data = with_tool(kind)
        return data, tool(data), NEW

    return location


def _phase() -> Location:
    data = with_tool("influencer")
    return data, tool(data)["schedule"][0], f"{NEW}.schedule[0]"


def _query() -> Location:
    data = with_reputation()
    return data, data["reputation"]["queries"][0], "reputation.queries[0]"


def _mix() -> Location:
    data = with_reputation(background=dict(MIX))
    return data, data["reputation"]["background"], "reputation.background"


def _reputation() -> Location:
    data = with_reputation()
    return data, data["reputation"], "reputation"


def _signal() -> Location:
    data = minimal_scenario_data()
    data["backlash"] = {"seeding_ratio": dict(SIGNAL)}
    return data, data["backlash"]["seeding_ratio"], "backlash.seeding_ratio"


def _risk() -> Location:
    data = minimal_scenario_data()
    data["backlash"] = {"risk": dict(RISK)}
    return data, data["backlash"]["risk"], "backlash.risk"


def _backlash() -> Location:
    data = minimal_scenario_data()
    data["backlash"] = {}
    return data, data["backlash"], "backlash"


LOCATIONS: dict[type, Callable[[], Location]] = {
    **{model: _tool_location(kind) for kind, model in TOOL_TYPES.items()},
    Phase: _phase,
    QueryResults: _query,
    Mix: _mix,
    Reputation: _reputation,
    Signal: _signal,
    RiskLevels: _risk,
    Backlash: _backlash,
}


# --- every field: a bad value and its line -------------------------------------------------------

FIELD_CASES = [
    # retargeting (the fields it shares with paid ads are in test_validation.py)
    case(Retargeting, "window_days", 0, GE1),
    case(Retargeting, "window_days", 181, "Input should be less than or equal to 180"),
    case(Retargeting, "window_days", 7.5, INT),
    case(Retargeting, "name", "", EMPTY),
    # a schedule phase
    case(Phase, "per_week", -1, GE0),
    case(
        Phase,
        "per_week",
        "often",
        "Input should be a valid number, unable to parse string as a number",
    ),
    case(Phase, "days", [0], GE1, where="[0]", got=0),
    case(Phase, "days", [3, 1.5], INT, where="[1]", got=1.5),
    case(Phase, "days", 3, "Input should be a valid list"),
    case(Phase, "start_day", 0, GE1),
    case(Phase, "start_day", 2.5, INT),
    case(Phase, "end_day", 0, GE1),
    # influencer
    case(Influencer, "fee", 0, GT0),
    case(Influencer, "fee", -300, GT0),
    case(Influencer, "reach", 0, AMOUNT),
    case(Influencer, "reach", {"p5": 9000, "p95": 2000}, "p5 must be below p95"),
    case(Influencer, "half_life_days", 0, GT0),
    case(Influencer, "ctr", 1.5, RATE),
    case(Influencer, "join_rate", 0, RATE),
    case(
        Influencer, "cvr", {"mean": 0.5, "sd": 0.6}, "sd of a rate with mean 0.5 must be below 0.5"
    ),
    # community content
    case(CommunityContent, "cost_per_post", -1, GE0),
    case(CommunityContent, "organic_reach", 1, RATE),
    case(CommunityContent, "ctr", 0, RATE),
    case(CommunityContent, "join_rate", {"mean": 2}, RATE),
    case(CommunityContent, "cvr", -0.1, RATE),
    case(CommunityContent, "comfortable_per_week", 0, GT0),
    case(CommunityContent, "crowding", -0.5, GE0),
    case(CommunityContent, "promotional_share", 1.1, LE1),
    case(CommunityContent, "promotional_share", -0.1, GE0),
    # contest
    case(Contest, "prize", -1, GE0),
    case(Contest, "fee", -1, GE0),
    case(Contest, "joins", {"mean": -300}, AMOUNT),
    case(Contest, "duration_days", 0, GE1),
    case(Contest, "duration_days", 61, "Input should be less than or equal to 60"),
    case(Contest, "member_conversion_multiplier", 0, GT0),
    case(Contest, "member_conversion_multiplier", 1.5, LE1),
    case(Contest, "churn_multiplier", 0.5, GE1),
    case(Contest, "churn_multiplier", 25, "Input should be less than or equal to 20"),
    # seeding
    case(Seeding, "cost_per_item", 0, GT0),
    case(Seeding, "natural_posts_per_week", 0, GT0),
    case(Seeding, "rank_probability", 1, RATE),
    case(Seeding, "link_probability", 1.5, LE1),
    case(Seeding, "link_probability", -0.5, GE0),
    # creative refresh
    case(CreativeRefresh, "cost", 0, GT0),
    case(CreativeRefresh, "targets", "paid_ads", "Input should be a valid list"),
    case(CreativeRefresh, "targets", [3], "Input should be a valid string", where="[0]", got=3),
    # a key query's top 20
    case(QueryResults, "query", "", EMPTY),
    case(QueryResults, "positive_own", -1, GE0),
    case(QueryResults, "positive_third", -2, GE0),
    case(QueryResults, "neutral", 2.5, INT),
    case(QueryResults, "negative", -4, GE0),
    # the background mix
    case(Mix, "positive", 1.5, LE1),
    case(Mix, "neutral", -0.1, GE0),
    case(Mix, "negative", 2, LE1),
    # reputation
    case(Reputation, "queries", [], NO_ITEMS),
    case(Reputation, "turnover_per_week", -1, GE0),
    case(Reputation, "background", 0.5, "Input should be a valid dictionary or instance of Mix"),
    case(Reputation, "reviews_per_conversion", 1.5, LE1),
    case(Reputation, "unhappy_share", -0.1, GE0),
    case(Reputation, "mentions_per_recommendation", 2, LE1),
    case(Reputation, "mention_rank_probability", 1.1, LE1),
    case(Reputation, "mention_link_probability", -1, GE0),
    case(Reputation, "portals", 0, GE1),
    case(Reputation, "portals", 501, "Input should be less than or equal to 500"),
    case(Reputation, "discussion_days", 0, GE1),
    case(Reputation, "discussion_days", 366, "Input should be less than or equal to 365"),
    case(Reputation, "ctr_elasticity", -0.5, GE0),
    case(Reputation, "cvr_elasticity", -1, GE0),
    # one backlash signal
    case(Signal, "safe", -0.1, GE0),
    case(Signal, "high", 0, GT0),
    case(Signal, "hazard_at_high", 0, GT0),
    case(Signal, "hazard_at_high", 1.5, LE1),
    # the risk levels
    case(RiskLevels, "medium", 0, GT0),
    case(RiskLevels, "medium", 1, LT1),
    case(RiskLevels, "high", 0, GT0),
    case(RiskLevels, "high", 1, LT1),
    # backlash
    case(
        Backlash, "enabled", "maybe", "Input should be a valid boolean, unable to interpret input"
    ),
    *(
        case(Backlash, name, 3, "Input should be a valid dictionary or instance of Signal")
        for name in SIGNALS
    ),
    case(Backlash, "platforms", "facebook", "Input should be a valid list"),
    case(Backlash, "spillover", 1.5, LE1),
    case(Backlash, "base_hazard", -0.1, GE0),
    case(Backlash, "base_hazard", 1, LT1),
    case(Backlash, "max_daily_hazard", 0, GT0),
    case(Backlash, "max_daily_hazard", 1.5, LE1),
    case(Backlash, "negative_results", -1, GE0),
    case(Backlash, "negative_mentions", -20, GE0),
    case(Backlash, "rate_penalty", 1, LT1),
    case(Backlash, "rate_penalty", -0.3, GE0),
    case(Backlash, "penalty_days", 0, GE1),
    case(Backlash, "penalty_days", 366, "Input should be less than or equal to 365"),
    case(Backlash, "repair_cost", {"mean": 0}, AMOUNT),
    case(Backlash, "repair_budget_days", 0, GT0),
    case(Backlash, "risk", "high", "Input should be a valid dictionary or instance of RiskLevels"),
]
# What every scheduled tactic has, checked on each of them.
TACTIC_CASES = [
    ("schedule", [], NO_ITEMS),
    ("schedule", "weekly", "Input should be a valid list"),
    ("budget", 0, GT0),
    ("budget", -100, GT0),
    ("name", "", EMPTY),
]


@pytest.mark.parametrize(("model", "field", "value", "where", "message", "got"), FIELD_CASES)
def test_a_bad_field_value(model, field, value, where, message, got):
    data, target, path = LOCATIONS[model]()
    target[field] = value
    assert lines_of(data) == [line(f"{path}.{where}", message, got)]


@pytest.mark.parametrize(("field", "value", "message"), TACTIC_CASES)
@pytest.mark.parametrize("kind", TACTIC_KINDS)
def test_a_bad_tactic_field_value(kind, field, value, message):
    data = with_tool(kind, **{field: value})
    assert lines_of(data) == [line(f"{NEW}.{field}", message, value)]


REQUIRED = [
    pytest.param(model, name, id=f"{model.__name__}.{name}")
    for model in LOCATIONS
    if not issubclass(model, AdArm)  # the ad tools' required keys: test_validation.py
    for name, field in model.model_fields.items()
    if field.is_required() and name != "type"
]


@pytest.mark.parametrize(("model", "field"), REQUIRED)
def test_a_required_key_is_missing(model, field):
    data, target, path = LOCATIONS[model]()
    del target[field]
    assert lines_of(data) == [line(f"{path}.{field}", "required key is missing")]


def test_every_new_field_has_a_case():
    """A field added to a tool, a phase, reputation or backlash needs a row in a table above."""
    covered = {(model, field) for model, field, *_ in (p.values for p in FIELD_CASES)}
    tactic_fields = {field for field, *_ in TACTIC_CASES}
    missing = [
        f"{model.__name__}.{name}"
        for model in LOCATIONS
        for name in model.model_fields
        if name != "type"  # test_an_unknown_tool_type
        and (model, name) not in covered
        and not (issubclass(model, Tactic) and name in tactic_fields)
        and not (issubclass(model, AdArm) and name in AdArm.model_fields)  # test_validation.py
        and not (model.__name__ == "PaidAds" and name == "name")  # test_validation.py
    ]
    assert missing == []


# --- rules inside one model ----------------------------------------------------------------------

RULE_CASES = [
    pytest.param(
        Phase, {"per_week": None}, "a schedule phase needs either per_week or days", id="neither"
    ),
    pytest.param(Phase, {"days": [3]}, "a schedule phase needs either per_week or days", id="both"),
    pytest.param(
        Phase,
        {"per_week": None, "days": [3], "start_day": 2},
        "start_day and end_day go with per_week, not days",
        id="days-with-start",
    ),
    pytest.param(
        Phase,
        {"per_week": None, "days": [3], "end_day": 20},
        "start_day and end_day go with per_week, not days",
        id="days-with-end",
    ),
    pytest.param(
        Phase, {"start_day": 10, "end_day": 9}, "end_day must not be before start_day", id="order"
    ),
    pytest.param(
        Contest, {"prize": 0}, "a contest needs a prize or a fee above 0", id="contest-free"
    ),
    pytest.param(
        Contest,
        {"prize": 0, "fee": 0},
        "a contest needs a prize or a fee above 0",
        id="contest-zero-fee",
    ),
    pytest.param(
        QueryResults,
        {"negative": 5},
        "the four counts must add up to 20 (they add to 21)",
        id="top-21",
    ),
    pytest.param(
        QueryResults,
        {"neutral": 0, "negative": 0},
        "the four counts must add up to 20 (they add to 8)",
        id="top-8",
    ),
    pytest.param(
        Mix, {"negative": 0.3}, "positive, neutral and negative must sum to 1", id="mix-1.1"
    ),
    pytest.param(
        Mix, {"positive": 0}, "positive, neutral and negative must sum to 1", id="mix-0.7"
    ),
    pytest.param(Signal, {"high": 0.15}, "high must be above safe", id="signal-equal"),
    pytest.param(Signal, {"safe": 0.6}, "high must be above safe", id="signal-below"),
    pytest.param(RiskLevels, {"medium": 0.25}, "high must be above medium", id="risk-equal"),
    pytest.param(RiskLevels, {"high": 0.01}, "high must be above medium", id="risk-below"),
]


@pytest.mark.parametrize(("model", "changes", "message"), RULE_CASES)
def test_a_rule_inside_a_model(model, changes, message):
    data, target, path = LOCATIONS[model]()
    for key, value in changes.items():
        if value is None:
            del target[key]
        else:
            target[key] = value
    assert lines_of(data) == [line(path, message, target)]


@pytest.mark.parametrize("signal", SIGNALS)
def test_every_signal_must_have_high_above_safe(signal):
    data = minimal_scenario_data()
    data["backlash"] = {signal: {"safe": 1, "high": 1, "hazard_at_high": 0.01}}
    assert lines_of(data) == [
        line(f"backlash.{signal}", "high must be above safe", data["backlash"][signal])
    ]


def test_a_contest_with_only_a_fee_is_accepted():
    scenario = scenario_from_data(with_tool("contest", prize=0, fee=150), FILE)
    assert scenario.platforms[0].tools[1].unit_cost() == 150


def test_one_phase_may_be_written_without_a_list():
    scenario = scenario_from_data(with_tool("influencer", schedule={"per_week": 2}), FILE)
    assert scenario.platforms[0].tools[1].schedule[0].per_week == 2


def test_a_bad_phase_is_reported_once():
    data = with_tool("influencer", schedule=[{"per_week": -1}])
    with pytest.raises(ScenarioError) as info:
        scenario_from_data(data, FILE)
    assert info.value.lines() == [line(f"{NEW}.schedule[0].per_week", GE0, -1)]


def test_a_phase_with_no_days_is_rejected():
    with pytest.raises(ScenarioError, match=r"schedule\[0\]\.days: "):
        scenario_from_data(with_tool("influencer", schedule=[{"days": []}]), FILE)


# --- tool types and misspelt keys ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "hint"),
    [
        ("influncer", " (did you mean 'influencer'?)"),
        ("retarget", " (did you mean 'retargeting'?)"),
        ("Contest", " (did you mean 'contest'?)"),
        ("creative-refresh", " (did you mean 'creative_refresh'?)"),
        ("billboard", ""),
    ],
)
def test_an_unknown_tool_type(kind, hint):
    data = minimal_scenario_data()
    data["platforms"][0]["tools"].append({"type": kind, "fee": 100})
    assert lines_of(data) == [line(f"{NEW}.type", "unknown tool type" + hint, kind)]


def test_a_tool_without_a_type():
    data = minimal_scenario_data()
    data["platforms"][0]["tools"].append({"fee": 100})
    assert lines_of(data) == [line(f"{NEW}.type", "required key is missing")]


@pytest.mark.parametrize(
    ("model", "bad", "known"),
    [
        (Retargeting, "window_day", "window_days"),
        (Influencer, "fe", "fee"),
        (Influencer, "half_life", "half_life_days"),
        (CommunityContent, "promotional_shar", "promotional_share"),
        (Contest, "prise", "prize"),
        (Seeding, "link_probabilty", "link_probability"),
        (CreativeRefresh, "target", "targets"),
        (Phase, "per_weak", "per_week"),
        (QueryResults, "negatives", "negative"),
        (Mix, "postive", "positive"),
        (Reputation, "portal", "portals"),
        (Signal, "hazard_at_hi", "hazard_at_high"),
        (RiskLevels, "meduim", "medium"),
        (Backlash, "penalty_day", "penalty_days"),
    ],
)
def test_a_misspelt_key_suggests_the_known_one(model, bad, known):
    """The path is the keys as written: a tool's `type` tag is no part of it."""
    data, target, path = LOCATIONS[model]()
    target[bad] = 1
    [found] = lines_of(data)
    assert found == line(f"{path}.{bad}", f"unknown key (did you mean {known!r}?)")
    assert not any(f".{kind}." in found for kind in TOOL_TYPES)


# --- rule: schedule_inside_calendar --------------------------------------------------------------

DAYS_60 = "the campaign has 60 days"


@pytest.mark.parametrize(
    ("schedule", "where", "got"),
    [
        ([{"days": [10, 61]}], "schedule[0].days[1]", 61),
        ([{"per_week": 1, "start_day": 61}], "schedule[0].start_day", 61),
        ([{"per_week": 1, "end_day": 90}], "schedule[0].end_day", 90),
        ([{"per_week": 1}, {"days": [200]}], "schedule[1].days[0]", 200),
    ],
)
def test_a_schedule_must_stay_inside_the_campaign(schedule, where, got):
    data = with_tool("community_content", schedule=schedule)
    assert lines_of(data) == [line(f"{NEW}.{where}", DAYS_60, got)]


def test_a_schedule_reports_every_day_outside_the_campaign():
    data = with_tool("contest", schedule=[{"per_week": 1, "start_day": 70, "end_day": 80}])
    assert lines_of(data) == [
        line(f"{NEW}.schedule[0].start_day", DAYS_60, 70),
        line(f"{NEW}.schedule[0].end_day", DAYS_60, 80),
    ]


def test_a_schedule_up_to_the_last_day_is_accepted():
    schedule = [{"days": [1, 60]}, {"per_week": 2, "start_day": 60, "end_day": 60}]
    scenario = scenario_from_data(with_tool("influencer", schedule=schedule), FILE)
    assert len(scenario.platforms[0].tools[1].schedule) == 2


# --- rule: seeding_needs_reputation --------------------------------------------------------------


def test_seeding_needs_a_reputation_section():
    data = with_tool("seeding")
    del data["reputation"]
    assert lines_of(data) == [
        line(NEW, "seeding moves the top-20 results: add a reputation section with the key queries")
    ]


def test_seeding_beside_a_broken_reputation_section_reports_only_the_section():
    data = with_tool("seeding")
    data["reputation"]["portals"] = 0
    assert lines_of(data) == [line("reputation.portals", GE1, 0)]


# --- rule: refresh_targets_exist -----------------------------------------------------------------


def refresh_beside_influencer(targets: list[str]) -> dict[str, Any]:
    data = with_tool("creative_refresh", targets=targets)
    data["platforms"][0]["tools"].append(copy.deepcopy(TOOLS["influencer"]))
    return data


@pytest.mark.parametrize(
    ("targets", "index", "message"),
    [
        (
            ["paid_ad"],
            0,
            "no paid_ads or retargeting tool of that name on facebook (did you mean 'paid_ads'?)",
        ),
        (["paid_ads", "banners"], 1, "no paid_ads or retargeting tool of that name on facebook"),
        (
            ["influencer"],
            0,
            "is a scheduled tactic; a refresh resets paid_ads and retargeting",
        ),
    ],
)
def test_a_refresh_target_must_be_an_ad_tool_of_its_platform(targets, index, message):
    data = refresh_beside_influencer(targets)
    assert lines_of(data) == [line(f"{NEW}.targets[{index}]", message, targets[index])]


def test_a_refresh_target_on_another_platform_is_not_found():
    data = with_tool("creative_refresh", targets=["insta_ads"])
    data["platforms"].append(
        {"name": "instagram", "audience": 400000, "tools": [copy.deepcopy(TOOLS["paid_ads"])]}
    )
    tool(data, 1, 0)["name"] = "insta_ads"
    data["platforms"][0]["tools"][0]["budget_share"] = 0.5
    assert lines_of(data) == [
        line(
            f"{NEW}.targets[0]",
            "no paid_ads or retargeting tool of that name on facebook",
            "insta_ads",
        )
    ]


def test_a_refresh_needs_an_ad_tool_on_its_platform():
    data = minimal_scenario_data()
    data["platforms"].append(
        {
            "name": "instagram",
            "audience": 400000,
            "tools": [copy.deepcopy(TOOLS["creative_refresh"])],
        }
    )
    assert lines_of(data) == [
        line(
            "platforms[1].tools[0]",
            "a creative refresh resets the fatigue of ads, and instagram has no paid_ads or "
            "retargeting tool",
        )
    ]


@pytest.mark.parametrize("targets", [None, ["paid_ads"]])
def test_refresh_targets_that_name_ad_tools_are_accepted(targets):
    data = with_tool("creative_refresh", **({"targets": targets} if targets else {}))
    assert scenario_from_data(data, FILE).platforms[0].tools[1].targets == targets


# --- rule: retargeting_has_visitors --------------------------------------------------------------


def instagram_with(*kinds: str) -> dict[str, Any]:
    """facebook/paid_ads at half the budget, and instagram with these tools (its ad tools share the
    other half)."""
    data = minimal_scenario_data()
    data["platforms"][0]["tools"][0]["budget_share"] = 0.5
    tools = [copy.deepcopy(TOOLS[kind]) for kind in kinds]
    ads = [t for t in tools if t["type"] in ("paid_ads", "retargeting")]
    for t in ads:
        t["budget_share"] = 0.5 / len(ads)
    data["platforms"].append({"name": "instagram", "audience": 400000, "tools": tools})
    if "seeding" in kinds:
        data["reputation"] = {"queries": [dict(QUERY)]}
    return data


NO_VISITORS = (
    "retargeting shows ads to the platform's recent visitors: add a paid_ads, influencer or "
    "community_content tool on instagram that brings them"
)


@pytest.mark.parametrize(
    "kinds", [("retargeting",), ("retargeting", "contest", "seeding", "creative_refresh")]
)
def test_retargeting_needs_a_tool_that_brings_visitors(kinds):
    assert lines_of(instagram_with(*kinds)) == [line("platforms[1].tools[0]", NO_VISITORS)]


@pytest.mark.parametrize("source", ["paid_ads", "influencer", "community_content"])
def test_retargeting_beside_a_source_of_clicks_is_accepted(source):
    scenario = scenario_from_data(instagram_with("retargeting", source), FILE)
    assert [t.type for t in scenario.platforms[1].tools] == ["retargeting", source]


# --- rule: some_ad_tool --------------------------------------------------------------------------


def test_a_scenario_needs_an_ad_tool():
    data = minimal_scenario_data()
    data["platforms"][0]["tools"] = [copy.deepcopy(TOOLS["influencer"])]
    assert lines_of(data) == [
        line(
            "platforms",
            "the paced budget is split over paid_ads tools: add at least one",
        )
    ]


# --- rule: reputation_targets --------------------------------------------------------------------


@pytest.mark.parametrize("metric", REPUTATION_KPIS)
def test_a_reputation_target_needs_the_reputation_section(metric):
    data = minimal_scenario_data()
    data["kpis"] = [{"target": f"{metric} >= 0.5"}]
    assert lines_of(data) == [
        line(
            "kpis[0].target",
            f"{metric} needs a reputation section with the key queries",
            f"{metric} >= 0.5",
        )
    ]


@pytest.mark.parametrize("metric", REPUTATION_KPIS)
def test_a_reputation_target_names_no_platform(metric):
    data = with_reputation()
    data["kpis"] = [{"target": f"{metric} >= 0.5", "platform": "facebook"}]
    with pytest.raises(
        ScenarioError,
        match=rf"^s\.yaml: kpis\[0\]\.platform: {metric} is a campaign-wide target: "
        r"reputation is the brand's, not a platform's \(got 'facebook'\)$",
    ):
        scenario_from_data(data, FILE)


def test_a_campaign_wide_reputation_target_is_accepted():
    data = with_reputation()
    data["kpis"] = [{"target": "positive_share >= 60%", "month": 2}]
    assert scenario_from_data(data, FILE).kpis[0].metric == "positive_share"


# --- rule: test_arms_exist on tactics ------------------------------------------------------------


def tts_with(arms: list[str], data: dict[str, Any]) -> dict[str, Any]:
    data["strategy"] = {"type": "test-then-scale", "test": {"arms": arms}}
    data["kpis"] = [{"target": "cpa <= 30"}]
    return data


def test_a_test_arm_cannot_be_a_scheduled_tactic():
    data = tts_with(["facebook/paid_ads", "facebook/influencer"], with_tool("influencer"))
    assert lines_of(data) == [
        line(
            "strategy.test.arms[1]",
            "is a scheduled tactic; the test splits budget over paid_ads and retargeting tools",
            "facebook/influencer",
        )
    ]


def test_a_test_arm_cannot_be_a_platform_without_ad_tools():
    data = tts_with(["facebook", "instagram"], instagram_with("influencer"))
    data["platforms"][0]["tools"][0]["budget_share"] = 1.0
    assert lines_of(data) == [
        line(
            "strategy.test.arms[1]",
            "has no paid_ads or retargeting; the test splits budget over paid_ads and "
            "retargeting tools",
            "instagram",
        )
    ]


# --- a scenario with everything ------------------------------------------------------------------


def everything() -> dict[str, Any]:
    data = minimal_scenario_data()
    tools = data["platforms"][0]["tools"]
    tools[0]["budget_share"] = 0.6
    tools.append({**copy.deepcopy(TOOLS["retargeting"]), "budget_share": 0.4, "window_days": 14})
    tools += [
        {**copy.deepcopy(TOOLS["influencer"]), "budget": 3000, "half_life_days": 2},
        {
            **copy.deepcopy(TOOLS["community_content"]),
            "schedule": [{"per_week": 7, "end_day": 14}, {"per_week": 4, "start_day": 15}],
            "organic_reach": {"p5": 0.02, "p95": 0.1},
            "comfortable_per_week": 4,
            "crowding": 2,
            "promotional_share": 0.25,
        },
        {**copy.deepcopy(TOOLS["contest"]), "fee": 50, "duration_days": 10},
        {**copy.deepcopy(TOOLS["seeding"]), "link_probability": 0.3, "budget": 600},
        {**copy.deepcopy(TOOLS["creative_refresh"]), "targets": ["paid_ads", "retargeting"]},
    ]
    data["reputation"] = {
        "queries": [QUERY, {**QUERY, "query": "crm reviews", "negative": 2, "neutral": 10}],
        "turnover_per_week": 2,
        "background": MIX,
        "reviews_per_conversion": 0.08,
        "unhappy_share": 0.2,
        "mentions_per_recommendation": 0.15,
        "mention_rank_probability": 0.03,
        "mention_link_probability": 0.25,
        "portals": 30,
        "discussion_days": 45,
        "ctr_elasticity": 0.4,
        "cvr_elasticity": 0.8,
    }
    data["backlash"] = {
        "enabled": True,
        **{name: {"safe": 1, "high": 3, "hazard_at_high": 0.02} for name in SIGNALS},
        "base_hazard": 0.001,
        "max_daily_hazard": 0.3,
        "negative_results": 3,
        "negative_mentions": 15,
        "rate_penalty": 0.2,
        "penalty_days": 21,
        "repair_cost": {"p5": 1000, "p95": 8000},
        "repair_budget_days": 12,
        "risk": {"medium": 0.1, "high": 0.3},
    }
    data["kpis"] = [
        {"target": "positive_share >= 50%"},
        {"target": "backlash_events <= 0", "platform": "facebook"},
    ]
    return data


def test_a_scenario_with_every_tool_type_and_full_reputation_and_backlash_is_valid():
    scenario = scenario_from_data(everything(), FILE)
    assert [t.type for t in scenario.platforms[0].tools] == list(TOOL_TYPES)
    assert [q.query for q in scenario.reputation.queries] == ["best crm", "crm reviews"]
    assert scenario.reputation.background.negative == 0.2
    assert scenario.backlash.risk.high == 0.3
    assert scenario.backlash.signals()["reputation_speed"].high == 3


def test_backlash_platforms_must_exist():
    data = with_tool("influencer")
    data["backlash"] = {"platforms": ["facebok"]}
    assert lines_of(data) == [
        line("backlash.platforms[0]", "no such platform (did you mean 'facebook'?)", "facebok")
    ]
