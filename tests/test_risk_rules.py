"""The static risk rules of `smmsim check`, against hand arithmetic.

Each rule must fire at the level its numbers say, never fall when the plan grows more intense,
and offer a safer plan that, written back into the scenario, really is safe. The seed's warning
is pinned: 30% -> 70% positive search results in one week is high, the same work over a quarter
is fine.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest

from smmsim.scenarios.loader import scenario_from_data
from smmsim.scenarios.reputation_schema import SIGNALS
from smmsim.scenarios.schema import Scenario
from smmsim.simulator.studies.risk_rules import Finding, static_findings
from tests.helpers import minimal_scenario_data

# --- building scenarios ---------------------------------------------------------------------------

# A price or amount with sd 0 is known exactly; a huge s_half switches auction pressure off, so
# impressions are exactly 1000 x spend / cpm.
FLAT_AUCTION = {"s_half": 1e12}


def load(data: dict[str, Any]) -> Scenario:
    return scenario_from_data(data, "test.yaml")


def base(days: int = 60, audience: int = 500000) -> dict[str, Any]:
    data = minimal_scenario_data()
    data["campaign"]["days"] = days
    data["platforms"][0]["audience"] = audience
    return data


def ads(daily_budget: float, name: str = "paid_ads", **extra: Any) -> dict[str, Any]:
    """Paid ads at cpm 10, ctr 1%, join rate 4%, with no auction pressure unless overridden."""
    return {
        "type": "paid_ads",
        "name": name,
        "daily_budget": daily_budget,
        "cpm": 10,
        "ctr": 0.01,
        "join_rate": 0.04,
        "cvr": 0.02,
        "auction": FLAT_AUCTION,
        **extra,
    }


def with_ads(data: dict[str, Any], *tools: dict[str, Any]) -> dict[str, Any]:
    data["platforms"][0]["tools"] = list(tools)
    return data


def reputation(*queries: tuple[int, int, int, int]) -> dict[str, Any]:
    names = ("positive_own", "positive_third", "neutral", "negative")
    return {
        "queries": [
            {"query": f"query {n}", **dict(zip(names, q, strict=True))}
            for n, q in enumerate(queries)
        ]
    }


START_30 = (2, 4, 8, 6)  # 6 of 20 positive: 30%


def seeding(schedule: Any, natural: float = 100, rank: float = 0.05) -> dict[str, Any]:
    return {
        "type": "seeding",
        "cost_per_item": 1,
        "natural_posts_per_week": natural,
        "rank_probability": rank,
        "schedule": schedule,
    }


def with_seeding(data: dict[str, Any], *tools: dict[str, Any], queries=(START_30,)):
    data["reputation"] = reputation(*queries)
    data["platforms"][0]["tools"] += list(tools)
    return data


def community(per_week: float, promotional: float, name: str = "posts") -> dict[str, Any]:
    return {
        "type": "community_content",
        "name": name,
        "cost_per_post": 1,
        "promotional_share": promotional,
        "schedule": {"per_week": per_week},
    }


# Two placements of 10000 views, 2% click, 10% of clicks join.
INFLUENCER = {
    "type": "influencer",
    "fee": 100,
    "reach": 10000,
    "ctr": 0.02,
    "join_rate": 0.1,
    "cvr": 0.01,
    "schedule": {"days": [1, 30]},
}


def contest(schedule: Any, joins: float = 30) -> dict[str, Any]:
    """Contests whose joins all arrive on the contest's day."""
    return {
        "type": "contest",
        "prize": 10,
        "joins": joins,
        "duration_days": 1,
        "schedule": schedule,
    }


def last_days(n: int, days: int = 60) -> dict[str, Any]:
    """The campaign's last n days: the window up to its last day then holds all of them and
    all 60 days of the other tools' joins, so the worst share is the campaign's."""
    return {"days": list(range(days - n + 1, days + 1))}


def reveal(data: dict[str, Any], rule: str) -> dict[str, Any]:
    """Thresholds that flag any positive value as medium, so a rule's value can be read."""
    data.setdefault("backlash", {})[rule] = {"safe": 0, "high": 1e9, "hazard_at_high": 0.01}
    return data


def of_rule(data: dict[str, Any], rule: str) -> list[Finding]:
    return [f for f in static_findings(load(data)) if f.rule == rule]


def value_of(data: dict[str, Any], rule: str) -> float:
    """The rule's value of the plan (0 when it has nothing to judge)."""
    found = of_rule(reveal(data, rule), rule)
    return max((f.value for f in found), default=0.0)


def frequency(x: float) -> float:
    """Impressions per person reached when C = x N: C / (N (1 - exp(-x)))."""
    return x / -math.expm1(-x)


def number_after(text: str, pattern: str) -> float:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in {text!r}"
    return float(match.group(1))


# --- 1. seeding ratio -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_week", "level", "threshold"),
    [(60, "high", 0.5), (20, "medium", 0.15), (15, None, None), (10, None, None)],
)
def test_seeding_ratio_is_items_a_week_over_natural_posts(per_week, level, threshold):
    # 60 / 100 = 0.6 >= high 0.5; 20 / 100 = 0.2 > safe 0.15; 15 / 100 is safe exactly.
    found = of_rule(with_seeding(base(), seeding({"per_week": per_week})), "seeding_ratio")
    if level is None:
        assert found == []
        return
    (f,) = found
    assert (f.level, f.threshold, f.value) == (level, threshold, pytest.approx(per_week / 100))
    assert (f.tool, f.path) == ("seeding", "platforms[0].tools[1].schedule")


def test_seeding_ratio_reads_the_worst_week_not_the_average():
    # 40 items on days 1-7 and nothing after: the campaign averages under 5 a week, but one
    # week holds all 40 (0.4 against 100 natural posts).
    data = with_seeding(base(), seeding({"per_week": 40, "start_day": 1, "end_day": 7}))
    assert value_of(data, "seeding_ratio") == pytest.approx(0.4)


def test_seeding_ratio_counts_only_items_the_tools_budget_pays():
    # 60 a week, but a budget of 20 items: at most 20 are placed, in the first week.
    tool = seeding({"per_week": 60}) | {"budget": 20}
    assert value_of(with_seeding(base(), tool), "seeding_ratio") == pytest.approx(0.2)


def test_seeding_safer_spreads_the_same_total_over_enough_weeks():
    data = with_seeding(base(), seeding({"per_week": 60, "start_day": 1, "end_day": 14}))
    (f,) = of_rule(data, "seeding_ratio")
    # 120 items at floor(0.15 x 100) = 15 a week need ceil(120 / 15) = 8 weeks.
    assert f.safer == "spread the 120 items over at least 8 weeks (at most 15 a week)"
    per_week = number_after(f.safer, r"at most (\d+) a week")
    weeks = number_after(f.safer, r"at least (\d+) weeks")
    data["platforms"][0]["tools"][1]["schedule"] = {"per_week": per_week, "end_day": 7 * weeks}
    assert of_rule(data, "seeding_ratio") == []
    assert per_week * weeks >= 120  # the same total still fits


def test_seeding_safer_says_when_the_campaign_is_too_short_for_the_total():
    data = with_seeding(base(days=28), seeding({"per_week": 60}))
    (f,) = of_rule(data, "seeding_ratio")
    assert "at most 15 a week" in f.safer and "holds only 60" in f.safer
    data["platforms"][0]["tools"][1]["schedule"] = {"per_week": 15}
    assert of_rule(data, "seeding_ratio") == []


# --- 2. sponsored share ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("promotional", "level"), [(0.8, "high"), (0.6, "high"), (0.5, "medium"), (0.3, None)]
)
def test_sponsored_share_is_the_promotional_share_of_posts(promotional, level):
    data = base()
    data["platforms"][0]["tools"].append(community(7, promotional))
    found = of_rule(data, "sponsored_share")
    assert [f.level for f in found] == ([level] if level else [])
    if found:
        assert found[0].value == pytest.approx(promotional)
        assert found[0].tool == "posts"


def test_a_contest_is_one_fully_promotional_post():
    # 7 posts at 20% (1.4 promotional) + 2 contests a week: (1.4 + 2) / 9 = 0.378 > safe 0.3.
    data = base()
    data["platforms"][0]["tools"] += [community(7, 0.2), contest({"per_week": 2})]
    (f,) = of_rule(data, "sponsored_share")
    assert (f.level, f.value) == ("medium", pytest.approx(3.4 / 9))
    assert (f.tool, f.path) == (None, "platforms[0].tools")  # two tools sell in that week


def test_weeks_without_posts_do_not_dilute_the_share():
    data = base()
    tool = community(7, 0.5) | {"schedule": {"per_week": 7, "start_day": 1, "end_day": 7}}
    data["platforms"][0]["tools"].append(tool)
    assert value_of(data, "sponsored_share") == pytest.approx(0.5)


def test_sponsored_safer_adds_enough_plain_posts():
    data = base()
    data["platforms"][0]["tools"].append(community(7, 0.8))
    (f,) = of_rule(data, "sponsored_share")
    # 5.6 promotional posts a week are at most 30% of 5.6 / 0.3 = 18.67 posts: 12 more.
    extra = number_after(f.safer, r"add (\d+) non-promotional posts? a week")
    assert extra == 12
    data["platforms"][0]["tools"].append(community(extra, 0.0, name="plain"))
    assert of_rule(data, "sponsored_share") == []


def test_sponsored_safer_cuts_promotional_posts_enough():
    data = base()
    data["platforms"][0]["tools"].append(community(14, 0.5))
    (f,) = of_rule(data, "sponsored_share")
    # 7 plain posts carry floor(0.3 x 7 / 0.7) = 3 promotional ones.
    cut = number_after(f.safer, r"to at most (\d+)")
    assert cut == 3
    data["platforms"][0]["tools"][1]["promotional_share"] = cut / 14
    assert of_rule(data, "sponsored_share") == []


# --- 3. ad frequency ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("daily_budget", "x", "level"),
    [
        (50, 3.5, None),  # 5000 impressions a day on 10000 people: 35000 a week, x = 3.5
        (150, 10.5, "medium"),  # 10.5 / (1 - e^-10.5) = 10.50 > safe 7
        (300, 14.0, "high"),  # 30000 a day, capped at 2 x 10000: x = 14, frequency >= high 14
    ],
)
def test_ad_frequency_against_hand_arithmetic(daily_budget, x, level):
    data = with_ads(base(audience=10000), ads(daily_budget))
    found = of_rule(data, "ad_frequency")
    assert [f.level for f in found] == ([level] if level else [])
    assert value_of(data, "ad_frequency") == pytest.approx(frequency(x))


def test_auction_pressure_raises_the_cpm():
    # s_half 100 at spend 100 doubles the cpm to 20: 5000 impressions a day, x = 3.5.
    data = with_ads(base(audience=10000), ads(100, auction={"s_half": 100, "k": 1}))
    assert value_of(data, "ad_frequency") == pytest.approx(frequency(3.5))


def test_budget_share_splits_what_the_tactics_leave():
    # Budget 10000 - 50 posts x 100 = 5000 over 50 days: 100 a day, 10000 impressions, x = 7.
    data = base(days=50, audience=10000)
    tool = ads(None, budget_share=1.0)
    del tool["daily_budget"]
    post = community(7, 0.0) | {"cost_per_post": 100}
    with_ads(data, tool, post)
    assert value_of(data, "ad_frequency") == pytest.approx(frequency(7.0))
    (f,) = of_rule(data, "ad_frequency")
    assert f.path == "platforms[0].tools[0].budget_share"


def test_retargeting_saturates_its_pool_of_recent_clickers():
    # Paid ads: 10000 impressions a day x 1% = 100 clicks a day, x 30 days = a pool of 3000.
    data = base(audience=1_000_000)
    retarget = ads(45, name="retargeting") | {"type": "retargeting", "window_days": 30}
    with_ads(data, ads(100), retarget)
    # 4500 impressions a day on 3000 people: x = 4500 x 7 / 3000 = 10.5.
    (f,) = of_rule(data, "ad_frequency")
    assert (f.tool, f.level, f.value) == ("retargeting", "medium", pytest.approx(frequency(10.5)))
    # 10000 a day would be capped at 2 x 3000: x = 14.
    data["platforms"][0]["tools"][1]["daily_budget"] = 100
    (f,) = of_rule(data, "ad_frequency")
    assert (f.level, f.value) == ("high", pytest.approx(frequency(14.0)))


def test_influencer_clicks_also_fill_the_retargeting_pool():
    # 100 ad clicks a day + 2 placements x 10000 views x 2% / 60 days = 6.67 a day: pool 3200.
    data = base(audience=1_000_000)
    retarget = ads(45, name="retargeting") | {"type": "retargeting", "window_days": 30}
    with_ads(data, ads(100), retarget, INFLUENCER)
    (f,) = of_rule(data, "ad_frequency")
    assert f.value == pytest.approx(frequency(4500 * 7 / 3200))


def test_frequency_safer_spend_is_safe_and_not_wastefully_low():
    data = with_ads(base(audience=10000), ads(300, auction={"s_half": 200}))
    (f,) = of_rule(data, "ad_frequency")
    spend = number_after(f.safer, r"daily_budget to at most ([\d.]+)")
    data["platforms"][0]["tools"][0]["daily_budget"] = spend
    assert of_rule(data, "ad_frequency") == []
    data["platforms"][0]["tools"][0]["daily_budget"] = spend + 0.02
    assert of_rule(data, "ad_frequency") != []  # the bisection found the line, to the cent


def test_frequency_safer_budget_share_is_safe():
    data = base(audience=10000)
    data["strategy"] = {"type": "spread"}  # the shares need not sum to 1 when nothing reads them
    tool = ads(None, budget_share=1.0)
    del tool["daily_budget"]
    with_ads(data, tool)
    (f,) = of_rule(data, "ad_frequency")
    share = number_after(f.safer, r"budget_share to at most ([\d.]+)")
    data["platforms"][0]["tools"][0]["budget_share"] = share
    assert of_rule(data, "ad_frequency") == []


def test_an_ad_tool_without_a_budget_is_judged_on_the_strategys_even_split():
    # The only tool, split by the strategy: it spends the whole budget, 300 a day, as if it had
    # daily_budget 300; the finding points at the strategy that sets it.
    planned = with_ads(base(audience=10000), ads(300))
    planned["strategy"] = {"type": "spread"}
    planned["campaign"]["budget"] = 300 * 60
    (expected,) = of_rule(planned, "ad_frequency")
    del planned["platforms"][0]["tools"][0]["daily_budget"]
    (found,) = of_rule(planned, "ad_frequency")
    assert (found.level, found.value) == (expected.level, pytest.approx(expected.value))
    assert found.path == "strategy" and "daily_budget of at most" in found.safer


# --- 4. contest share -----------------------------------------------------------------------------


def contest_plan(contests: int, influencer: bool = False) -> dict[str, Any]:
    """Ads bring 10000 impressions x 60 days x 1% x 4% = 240 joins; each contest 30, in the
    campaign's last days."""
    data = with_ads(base(audience=1_000_000), ads(100))
    data["platforms"][0]["tools"].append(contest(last_days(contests)))
    if influencer:  # 2 placements x 10000 views x 2% x 10% = 40 joins
        data["platforms"][0]["tools"].append(INFLUENCER)
    return data


@pytest.mark.parametrize(
    ("contests", "share", "level"),
    [(2, 60 / 300, None), (4, 120 / 360, "medium"), (12, 360 / 600, "high")],
)
def test_contest_share_of_joins(contests, share, level):
    data = contest_plan(contests)
    found = of_rule(data, "contest_share")
    assert [f.level for f in found] == ([level] if level else [])
    assert value_of(data, "contest_share") == pytest.approx(share)


def test_influencer_joins_count_as_other_joins():
    # 4 contests: 120 / (120 + 240 + 40) = 0.3, safe exactly; a fifth tips it over.
    assert of_rule(contest_plan(4, influencer=True), "contest_share") == []
    assert value_of(contest_plan(4, influencer=True), "contest_share") == pytest.approx(0.3)
    (f,) = of_rule(contest_plan(5, influencer=True), "contest_share")
    assert f.value == pytest.approx(150 / 430)


def test_contest_safer_count_is_safe():
    data = contest_plan(12)
    (f,) = of_rule(data, "contest_share")
    # n x 30 / (n x 30 + 240) <= 0.3: n <= 3.43.
    allowed = int(number_after(f.safer, r"at most (\d+) contests"))
    assert allowed == 3
    data["platforms"][0]["tools"][1]["schedule"] = last_days(allowed)
    assert of_rule(data, "contest_share") == []


def test_a_contest_early_in_the_campaign_has_little_beside_it():
    # One contest on day 10: the 90-day window up to day 10 holds 10 days of ads' joins (40), so
    # its share is 30 / 70, where the whole campaign's would be 30 / 270.
    data = with_ads(base(audience=1_000_000), ads(100))
    data["platforms"][0]["tools"].append(contest({"days": [10]}))
    assert value_of(data, "contest_share") == pytest.approx(30 / 70)


# --- 5. reputation speed and the seed's example ---------------------------------------------------

# 229 items x 5% rank probability x 70% non-positive = 8.0 slots of 20: 30% -> 70% in a week.
ONE_WEEK = {"per_week": 229, "start_day": 1, "end_day": 7}
QUARTER = {"per_week": 18}  # 231 items over the 90 days, about 13 weeks


def seed_example(schedule: dict[str, Any], target: str | None = "positive_share >= 70%"):
    data = with_seeding(base(days=90), seeding(schedule, natural=200))
    if target:
        data["kpis"] = [{"target": target}]
    return data


def test_the_seeds_one_week_push_is_high():
    found = {f.rule: f for f in static_findings(load(seed_example(ONE_WEEK)))}
    assert found["reputation_speed"].level == "high"
    assert found["reputation_speed"].value == pytest.approx(100 * 229 * 0.05 * 0.7 / 20)
    assert found["reputation_speed"].value >= 40 - 0.5  # 40 points in one week
    assert found["seeding_ratio"].level == "high"  # 229 items among 200 natural posts


def test_the_same_work_over_a_quarter_is_fine():
    assert static_findings(load(seed_example(QUARTER))) == []


def test_ranked_items_are_capped_at_the_non_positive_slots():
    # 1000 items x 5% = 50 ranked, but only 14 results are not positive: 100 x 14 / 20 = 70.
    data = seed_example({"per_week": 1000, "start_day": 1, "end_day": 7}, target=None)
    assert value_of(data, "reputation_speed") == pytest.approx(70)


def test_speed_is_the_mean_over_the_key_queries():
    # Starting at 30% and 50% positive: 20 ranked items a week x (0.7 + 0.5) / 2 x 100 / 20.
    data = with_seeding(base(), seeding({"per_week": 400}, natural=10000))
    data["reputation"] = reputation(START_30, (5, 5, 5, 5))
    assert value_of(data, "reputation_speed") == pytest.approx(100 * 20 * 0.6 / 20)


def test_a_target_that_needs_a_fast_rise_is_flagged_at_the_target():
    # 30% -> 70% by the end of March (31 days): 40 points in 31 / 7 weeks = 9.03 a week.
    data = seed_example(QUARTER, target=None)
    data["kpis"] = [{"target": "positive_share >= 70%", "month": 1}]
    (f,) = of_rule(data, "reputation_speed")
    assert (f.level, f.path, f.tool) == ("medium", "kpis[0].target", None)
    assert f.value == pytest.approx(40 / (31 / 7))
    assert "reach 70% over at least 5 weeks" in f.safer  # ceil(40 / 8), 8 the default safe


def test_targets_below_the_start_or_other_kpis_demand_nothing():
    for target in ("positive_share >= 20%", "positive_share <= 90%", "cpa <= 25"):
        data = seed_example(QUARTER, target=None)
        data["kpis"] = [{"target": target, "month": 1}]
        assert of_rule(data, "reputation_speed") == [], target


def test_no_speed_rule_without_seeding():
    data = base(days=30)
    data["reputation"] = reputation(START_30)
    data["kpis"] = [{"target": "positive_share >= 90%"}]
    assert of_rule(data, "reputation_speed") == []


def test_speed_safer_pace_and_weeks_are_safe():
    data = seed_example(ONE_WEEK, target=None)
    data["kpis"] = [{"target": "positive_share >= 70%", "month": 1}]
    (f,) = of_rule(data, "reputation_speed")
    # floor(8 x 20 / (100 x 0.7 x 0.05)) = 45 items a week; 40 points at 8 a week: 5 weeks.
    items = number_after(f.safer, r"at most (\d+) items a week")
    weeks = number_after(f.safer, r"over at least (\d+) weeks")
    assert (items, weeks) == (45, 5)
    data["campaign"]["days"] = 7 * weeks
    data["kpis"] = [{"target": "positive_share >= 70%"}]
    data["platforms"][0]["tools"][1]["schedule"] = {"per_week": items}
    assert of_rule(data, "reputation_speed") == []


# --- properties of every rule ---------------------------------------------------------------------


def seeding_at(n: float) -> dict[str, Any]:
    return with_seeding(base(), seeding({"per_week": n}))


def feed_at(share: float) -> dict[str, Any]:
    data = base()
    data["platforms"][0]["tools"].append(community(7, share))
    return data


def spend_at(daily: float) -> dict[str, Any]:
    return with_ads(base(audience=10000), ads(daily, auction={}))  # default auction pressure


@pytest.mark.parametrize(
    ("rule", "plan", "intensities"),
    [
        ("seeding_ratio", seeding_at, [0, 1, 5, 20, 60, 200]),
        ("sponsored_share", feed_at, [0, 0.1, 0.3, 0.5, 0.9, 1.0]),
        ("ad_frequency", spend_at, [1, 10, 50, 100, 300, 1000, 10000]),
        ("contest_share", contest_plan, [1, 2, 3, 6, 12, 30]),
        ("reputation_speed", seeding_at, [0, 5, 50, 229, 1000, 5000]),
    ],
)
def test_more_intensity_never_lowers_the_value(rule, plan, intensities):
    values = [value_of(plan(n), rule) for n in intensities]
    assert values == sorted(values), values
    assert values[-1] > values[0]


def test_modest_paid_ads_alone_give_no_finding():
    assert static_findings(load(minimal_scenario_data())) == []


def aggressive_plan() -> dict[str, Any]:
    """Every rule firing: two platforms, the second one's tools the more intense."""
    data = seed_example(ONE_WEEK)
    data["platforms"][0]["tools"] += [community(7, 0.5), contest({"per_week": 1})]
    second = with_ads(base(audience=10000), ads(300))["platforms"][0]
    second["name"] = "instagram"
    second["tools"] += [community(7, 0.9), contest({"per_week": 5})]
    data["platforms"].append(second)
    return data


def resolve(data: Any, path: str) -> Any:
    """The value at a key path like `platforms[1].tools[0].schedule`."""
    for name, index in re.findall(r"(\w+)(?:\[(\d+)\])?", path):
        data = data[name]
        if index:
            data = data[int(index)]
    return data


def test_every_finding_is_complete_and_points_at_the_plan():
    data = aggressive_plan()
    scenario = load(data)
    found = static_findings(scenario)
    assert {f.rule for f in found} == set(SIGNALS)
    signals = scenario.backlash.signals()
    for f in found:
        signal = signals[f.rule]
        assert f.threshold == (signal.high if f.level == "high" else signal.safe)
        assert f.value >= f.threshold and f.value > signal.safe
        assert f.unit and f.why.endswith(".") and re.search(r"\d", f.safer)
        assert f.platform in ("facebook", "instagram")
        assert resolve(data, f.path) is not None  # a key the planner wrote
        assert json.loads(json.dumps(f.as_dict()))["rule"] == f.rule


def test_findings_come_high_first_then_in_platform_order():
    found = static_findings(load(aggressive_plan()))
    keys = [(f.level != "high", ["facebook", "instagram"].index(f.platform)) for f in found]
    assert keys == sorted(keys)
    assert any(f.level == "medium" for f in found) and any(f.level == "high" for f in found)


def test_the_rules_judge_the_plan_even_with_backlash_switched_off():
    data = seed_example(ONE_WEEK)
    data["backlash"] = {"enabled": False}
    assert {f.rule for f in static_findings(load(data))} == {"seeding_ratio", "reputation_speed"}


def test_thresholds_come_from_the_scenario():
    data = seeding_at(20)  # 0.2: medium under the defaults
    data["backlash"] = {"seeding_ratio": {"safe": 0.25, "high": 0.5, "hazard_at_high": 0.03}}
    assert of_rule(data, "seeding_ratio") == []
    data["backlash"]["seeding_ratio"] = {"safe": 0.1, "high": 0.2, "hazard_at_high": 0.03}
    assert [f.level for f in of_rule(data, "seeding_ratio")] == ["high"]


def test_ad_tools_the_strategy_splits_get_an_even_share_of_what_is_left():
    # Under spread two paid-ads tools without budgets share the budget evenly: one contest of
    # 30 joins beside their 2 x 240 joins is 30 / 510, below safe; read as unfunded, the
    # contest would be all the platform's joins.
    data = contest_plan(1)
    data["strategy"] = {"type": "spread"}
    tools = data["platforms"][0]["tools"]
    del tools[0]["daily_budget"]
    tools.insert(1, {**tools[0], "name": "second"})
    data["campaign"]["budget"] = 2 * 100 * 60 + 10  # 100 a day each, and the contest's 10
    assert value_of(data, "contest_share") == pytest.approx(30 / 510)


def test_a_lone_giveaway_is_not_a_feed_that_mostly_sells():
    # One contest, no community posts: one promotional post in the week, below MIN_FEED_POSTS.
    data = with_ads(base(), ads(100))
    data["platforms"][0]["tools"].append(contest({"days": [20]}))
    assert of_rule(data, "sponsored_share") == []
    # Three contests in one week are three posts, all promotional: high.
    data["platforms"][0]["tools"][1]["schedule"] = {"days": [20, 22, 24]}
    (found,) = of_rule(data, "sponsored_share")
    assert (found.level, found.value) == ("high", 1.0)
