"""Scheduled tactics and retargeting: each tool's cost and effect against hand arithmetic.

In deterministic mode every draw is its expectation and the rates below are bare numbers, so a
run is the closed-form model of `simulator/tactics.py` day by day. Where a tactic's effect needs
an input that other tools make (the community members that see a post, the clicks that fill a
retargeting pool), the hand computation takes those from the run and checks only the tactic's own
formula. The budget rules (no tool spends after its budget is gone; spend never exceeds the
campaign's budget or a month's cap) are checked over random scenarios in every replication.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smmsim.scenarios.calendar import campaign_months
from smmsim.scenarios.loader import scenario_from_data
from smmsim.scenarios.schedule import planned_units
from smmsim.simulator.engine import simulate
from tests.smm_helpers import (
    CTR,
    ads,
    daily,
    daily_probability,
    deterministic,
    line,
    quiet_reputation,
    random_run,
    rounding_schedule,
    scenario_data,
    seeding,
)

REL = 1e-9

# --- influencer placements ------------------------------------------------------------------------

FEE, REACH, HALF_LIFE = 300.0, 20_000.0, 2.0
INF_CTR, INF_JOIN, INF_CVR = 0.03, 0.2, 0.04
INFLUENCER = "facebook/influencer"


def influencer(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "influencer",
        "fee": FEE,
        "reach": REACH,
        "half_life_days": HALF_LIFE,
        "ctr": INF_CTR,
        "join_rate": INF_JOIN,
        "cvr": INF_CVR,
        "schedule": {"days": [3, 8]},
        **overrides,
    }


def hand_influencer_views(placement_days: list[int], days: int, half_life: float) -> list[float]:
    """A placement on day p (0-based) is seen (1 - r) r^(t - p) x reach on day t >= p, with
    r = 0.5 ** (1 / half_life): the daily views halve every `half_life` days."""
    r = 0.5 ** (1 / half_life)
    return [
        math.fsum(REACH * (1 - r) * r ** (t - p) for p in placement_days if p <= t)
        for t in range(days)
    ]


@pytest.fixture(scope="module")
def influencer_run():
    return deterministic(scenario_data([ads(), influencer()], days=20))


def test_influencer_spend_is_the_fee_per_placement(influencer_run):
    spend = daily(influencer_run, "spend", INFLUENCER)
    assert spend == pytest.approx([FEE if d in (2, 7) else 0.0 for d in range(20)], rel=REL)
    assert influencer_run.totals["units"][0, line(influencer_run, INFLUENCER)] == 2


def test_influencer_views_spike_and_decay_by_the_half_life(influencer_run):
    views = daily(influencer_run, "impressions", INFLUENCER)
    assert views == pytest.approx(hand_influencer_views([2, 7], 20, HALF_LIFE), rel=REL)
    r = 0.5**0.5
    assert views[2] == pytest.approx((1 - r) * REACH, rel=REL)  # the placement day's spike


def test_influencer_clicks_and_joins_follow_the_views(influencer_run):
    views = hand_influencer_views([2, 7], 20, HALF_LIFE)
    clicks = daily(influencer_run, "clicks", INFLUENCER)
    assert clicks == pytest.approx([v * INF_CTR for v in views], rel=REL)
    joins = daily(influencer_run, "joins", INFLUENCER)
    assert joins == pytest.approx([v * INF_CTR * INF_JOIN for v in views], rel=REL)
    direct = influencer_run.totals["direct_conversions"][0, line(influencer_run, INFLUENCER)]
    assert direct == pytest.approx(math.fsum(views) * INF_CTR * INF_CVR, rel=REL)


def test_influencer_views_add_up_to_the_reach_of_every_placement():
    # Over 120 days the views left after a placement, r^(days left), are below 1e-17.
    result = deterministic(
        scenario_data([ads(), influencer(half_life_days=1.0)], days=120, budget=50_000)
    )
    total = result.totals["impressions"][0, line(result, INFLUENCER)]
    assert total == pytest.approx(2 * REACH, rel=REL)


# --- community content ----------------------------------------------------------------------------

POST_COST, ORGANIC, POST_CTR, POST_JOIN, POST_CVR = 20.0, 0.1, 0.05, 0.02, 0.03
COMFORTABLE = 3.0
CONTENT = "facebook/community_content"


def content(per_week: float = 7, crowding: float = 1.5, **overrides: Any) -> dict[str, Any]:
    return {
        "type": "community_content",
        "cost_per_post": POST_COST,
        "organic_reach": ORGANIC,
        "ctr": POST_CTR,
        "join_rate": POST_JOIN,
        "cvr": POST_CVR,
        "comfortable_per_week": COMFORTABLE,
        "crowding": crowding,
        "schedule": {"per_week": per_week},
        **overrides,
    }


def test_community_posts_reach_members_times_organic_reach_times_crowding():
    # One post a day: the last 7 days hold min(d + 1, 7) posts, above the comfortable 3 from the
    # fourth day on. No churn: the members who see day d's post are every join before day d
    # (the ads' and the posts' own shares), taken from the run.
    days = 20
    result = deterministic(scenario_data([ads(), content()], days=days, budget=3000))
    joins = result.daily_sample["joins"][:, 0, :].sum(axis=1)
    members_before = np.concatenate([[0.0], np.cumsum(joins)[:-1]])
    crowd = [min(1.0, (COMFORTABLE / min(d + 1, 7)) ** 1.5) for d in range(days)]
    views = [members_before[d] * ORGANIC * crowd[d] for d in range(days)]
    assert daily(result, "impressions", CONTENT) == pytest.approx(views, rel=REL)
    assert daily(result, "clicks", CONTENT) == pytest.approx([v * POST_CTR for v in views], rel=REL)
    assert daily(result, "joins", CONTENT) == pytest.approx([v * POST_JOIN for v in views], rel=REL)
    direct = result.totals["direct_conversions"][0, line(result, CONTENT)]
    assert direct == pytest.approx(math.fsum(views) * POST_CTR * POST_CVR, rel=REL)
    assert daily(result, "spend", CONTENT) == pytest.approx([POST_COST] * days, rel=REL)


MEMBERS = 1000.0


def fixed_members_run(per_week: float, crowding: float):
    """1000 members from a one-day contest on day 1, and (almost) nobody else: the ads' and the
    posts' join rates are 1e-12, so every post is seen by the same community."""
    contest = {
        "type": "contest",
        "prize": 100,
        "joins": MEMBERS,
        "duration_days": 1,
        "schedule": {"days": [1]},
    }
    tools = [ads(join_rate=1e-12), content(per_week, crowding, join_rate=1e-12), contest]
    return deterministic(scenario_data(tools, days=28, budget=5000))


STEADY = slice(7, 28)  # from the 8th day the 7-day window holds a full week of posts


@pytest.mark.parametrize("crowding", [0.5, 1.5])
def test_engagement_per_post_falls_above_the_comfortable_rate(crowding):
    # Per post: M x reach x (3 / posts last week) ** crowding, 1 at the comfortable rate.
    per_post = {}
    for per_week in (3, 7, 14):
        result = fixed_members_run(per_week, crowding)
        views = np.array(daily(result, "impressions", CONTENT))[STEADY].sum()
        posts = np.array(daily(result, "spend", CONTENT))[STEADY].sum() / POST_COST
        per_post[per_week] = views / posts
    assert per_post[3] == pytest.approx(MEMBERS * ORGANIC, rel=1e-6)
    for per_week in (7, 14):
        crowd = (COMFORTABLE / per_week) ** crowding
        assert per_post[per_week] == pytest.approx(MEMBERS * ORGANIC * crowd, rel=1e-6)
    assert per_post[3] > per_post[7] > per_post[14]


@pytest.mark.parametrize(("crowding", "more_is_better"), [(0.5, True), (1.5, False)])
def test_total_engagement_falls_with_more_posts_only_when_crowding_exceeds_one(
    crowding, more_is_better
):
    # A week of n posts above the comfortable rate is seen n (3 / n) ** crowding x M x reach
    # times: doubling the posts multiplies it by 2 ** (1 - crowding).
    seven, fourteen = (
        np.array(daily(fixed_members_run(n, crowding), "clicks", CONTENT))[STEADY].sum()
        for n in (7, 14)
    )
    assert fourteen / seven == pytest.approx(2 ** (1 - crowding), rel=1e-6)
    assert bool(fourteen > seven) == more_is_better


def test_content_tools_on_one_platform_crowd_one_feed():
    # Two tools posting 3 a week each fill one feed with 6: each post is seen (3 / 6) ** 1.5 as
    # often as one tool's posts alone, at the comfortable rate.
    contest = {"type": "contest", "prize": 100, "joins": MEMBERS, "duration_days": 1,
               "schedule": {"days": [1]}}  # fmt: skip
    quiet = {"join_rate": 1e-12}
    alone = [ads(join_rate=1e-12), content(3, name="a", **quiet), contest]
    both = [*alone[:2], content(3, name="b", **quiet), contest]
    per_post = []
    for tools in (alone, both):
        result = deterministic(scenario_data(tools, days=28, budget=5000))
        views = np.array(daily(result, "impressions", "facebook/a"))[STEADY].sum()
        posts = np.array(daily(result, "spend", "facebook/a"))[STEADY].sum() / POST_COST
        per_post.append(views / posts)
    assert per_post[0] == pytest.approx(MEMBERS * ORGANIC, rel=1e-6)
    assert per_post[1] == pytest.approx(MEMBERS * ORGANIC * 0.5**1.5, rel=1e-6)


# --- contests -------------------------------------------------------------------------------------

PRIZE, CONTEST_FEE, CONTEST_JOINS, DURATION = 400.0, 50.0, 600.0, 5
CONTEST = "facebook/contest"


def contest(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "contest",
        "prize": PRIZE,
        "fee": CONTEST_FEE,
        "joins": CONTEST_JOINS,
        "duration_days": DURATION,
        "schedule": {"days": [2, 4]},
        **overrides,
    }


def contest_joins_by_hand(starts: list[int], days: int) -> list[float]:
    """Each contest's mean joins arrive evenly over its `duration_days`, from its own day."""
    return [
        sum(CONTEST_JOINS / DURATION for s in starts if s <= d < s + DURATION) for d in range(days)
    ]


def test_contest_costs_prize_plus_fee_and_spreads_its_joins():
    # Contests on days 2 and 4 (1-based) overlap on days 4 to 6.
    result = deterministic(scenario_data([ads(), contest()], days=15, budget=3000))
    spend = daily(result, "spend", CONTEST)
    cost = PRIZE + CONTEST_FEE
    assert spend == pytest.approx([cost if d in (1, 3) else 0.0 for d in range(15)], rel=REL)
    joins = daily(result, "joins", CONTEST)
    assert joins == pytest.approx(contest_joins_by_hand([1, 3], 15), rel=REL)
    assert sum(joins) == pytest.approx(2 * CONTEST_JOINS, rel=REL)


CHURN, MEMBER_CONVERSION = 0.1, 0.05


def hand_cohorts(joins: list[float], churn: float, conversion: float, lag: int):
    """Members at the end and member conversions of one line, cohort by cohort (as in
    tests/test_deterministic.py): a cohort is in the pipeline for `lag` days, then each day its
    mature members first churn (daily probability c) and then buy (daily probability m)."""
    c, m = daily_probability(churn), daily_probability(conversion)
    days = len(joins)
    bought = members = 0.0
    for t in range(days):
        for j in range(t + 1):
            if t >= j + lag:
                bought += joins[j] * (1 - c) ** (t - j - lag + 1) * m
    for j in range(days):
        t = days - 1
        members += joins[j] if t < j + lag else joins[j] * (1 - c) ** (t - j - lag + 1)
    return members, bought


@pytest.mark.parametrize(
    ("conversion_multiplier", "churn_multiplier", "lag"),
    [(0.3, 3.0, 0), (0.3, 3.0, 4), (0.5, 20.0, 2)],  # 20 x 10% is capped at 95% a month
)
def test_contest_entrants_churn_more_and_buy_less_by_their_multipliers(
    conversion_multiplier, churn_multiplier, lag
):
    days = 40
    community = {
        "churn_per_month": CHURN,
        "member_conversion_per_month": MEMBER_CONVERSION,
        "conversion_lag_days": lag,
        "recommendations_per_member_per_month": 0.0,
    }
    tool = contest(
        member_conversion_multiplier=conversion_multiplier, churn_multiplier=churn_multiplier
    )
    result = deterministic(
        scenario_data([ads(), tool], days=days, budget=4000, community=community)
    )
    entrant_churn = min(CHURN * churn_multiplier, 0.95)
    members, bought = hand_cohorts(
        contest_joins_by_hand([1, 3], days),
        entrant_churn,
        MEMBER_CONVERSION * conversion_multiplier,
        lag,
    )
    c = line(result, CONTEST)
    assert result.totals["members"][0, c] == pytest.approx(members, rel=REL)
    assert result.totals["member_conversions"][0, c] == pytest.approx(bought, rel=REL)
    # The ads' members, from the same community, keep the scenario's own rates.
    a = line(result, "facebook/paid_ads")
    ad_members, ad_bought = hand_cohorts(
        daily(result, "joins", "facebook/paid_ads"), CHURN, MEMBER_CONVERSION, lag
    )
    assert result.totals["members"][0, a] == pytest.approx(ad_members, rel=REL)
    assert result.totals["member_conversions"][0, a] == pytest.approx(ad_bought, rel=REL)
    # Per member who joined, entrants buy less and stay less than ad members.
    joined = result.totals["joins"][0]
    assert bought / joined[c] < ad_bought / joined[a]
    assert members / joined[c] < ad_members / joined[a]


# --- seeding and schedules ------------------------------------------------------------------------

SEEDING = "forums/seeding"
ITEM_COST = 10.0


def seeding_units(schedule: Any, days: int) -> list[float]:
    data = scenario_data(
        [ads()],
        days=days,
        budget=100_000,
        forum_tools=[seeding(schedule=schedule)],
        reputation=quiet_reputation(),
    )
    return [s / ITEM_COST for s in daily(deterministic(data), "spend", SEEDING)]


def test_seeding_costs_the_item_cost_per_item_and_three_a_week_are_six_in_two_weeks():
    # round(3 (d + 1) / 7) - round(3 d / 7) places units on days 2, 4, 6, 9, 11 and 13.
    units = seeding_units({"per_week": 3}, 14)
    assert units == pytest.approx(
        [1.0 if d + 1 in (2, 4, 6, 9, 11, 13) else 0.0 for d in range(14)]
    )
    assert sum(units) == pytest.approx(6)
    assert sum(units[:7]) == sum(units[7:]) == pytest.approx(3)


@pytest.mark.parametrize("per_week", [0.5, 3, 10, 44, 340])
def test_per_week_rates_are_cumulatively_rounded(per_week):
    units = seeding_units({"per_week": per_week}, 28)
    assert units == pytest.approx(rounding_schedule(per_week, 28))
    assert sum(units) == pytest.approx(round(4 * per_week))  # four whole weeks


def test_a_rate_below_one_a_week_spaces_its_units_out():
    assert seeding_units({"per_week": 0.5}, 28) == pytest.approx(
        [1.0 if d + 1 in (7, 21) else 0.0 for d in range(28)]
    )


def test_listed_days_and_phases_add_up():
    # A phase of 7 a week on days 5-9, one of listed days (day 3 twice, day 12), one of
    # 3 a week from day 15.
    schedule = [
        {"per_week": 7, "start_day": 5, "end_day": 9},
        {"days": [3, 3, 12]},
        {"per_week": 3, "start_day": 15},
    ]
    expected = [0.0] * 21
    for d in range(4, 9):
        expected[d] += 1
    expected[2] += 2
    expected[11] += 1
    for d, n in enumerate(rounding_schedule(3, 21, start_day=15)):
        expected[d] += n
    assert seeding_units(schedule, 21) == pytest.approx(expected)


def test_a_tools_own_budget_stops_its_units():
    # 300 a placement, a budget of 700: the first two placements (600) fit, the third does not.
    tool = influencer(schedule={"per_week": 7}, budget=700)
    result = deterministic(scenario_data([ads(), tool], days=10))
    assert daily(result, "spend", INFLUENCER) == pytest.approx([FEE, FEE] + [0.0] * 8, rel=REL)


def test_tactics_stop_when_the_campaign_budget_is_gone():
    # Ten posts of 12 a day against a budget of 1000: 8 full days (960), three posts on the 9th
    # (36), none after. The schedule wants more than the budget, so the ads get only what no
    # later post is reserved for: the last day's 4.
    tool = content(per_week=70, cost_per_post=12)
    result = deterministic(scenario_data([ads(), tool], days=30, budget=1000))
    assert daily(result, "spend", CONTENT) == pytest.approx([120.0] * 8 + [36.0] + [0.0] * 21)
    assert daily(result, "spend", "facebook/paid_ads") == pytest.approx([0.0] * 29 + [4.0])
    assert result.kpis()["spend"][0] == pytest.approx(1000.0, rel=REL)
    assert result.totals["units"][0, line(result, CONTENT)] == math.floor(1000 / 12)


def test_tactics_pause_at_a_months_cap_and_resume_next_month():
    # Two posts of 12 a day; March's cap of 500 pays 41 posts (20 days, then one), April's 14 days
    # all 28.
    tool = content(per_week=14, cost_per_post=12)
    data = scenario_data([ads(), tool], days=45, budget=5000, monthly_caps={1: 500})
    result = deterministic(data)
    c = line(result, CONTENT)
    assert result.monthly["units"][:, 0, c] == pytest.approx([41, 28])
    assert result.kpis(month=0)["spend"][0] <= 500 * (1 + REL)


@pytest.mark.parametrize("pacing", ["even", "front-loaded"])
def test_paced_ads_leave_the_money_the_schedules_still_need(pacing):
    # Ads alone would spend all 3000; three placements of 500 late in the campaign still get
    # bought, and the ads spend the rest.
    tool = influencer(fee=500, schedule={"days": [25, 28, 30]})
    result = deterministic(scenario_data([ads(), tool], days=30, budget=3000, pacing=pacing))
    assert result.totals["units"][0, line(result, INFLUENCER)] == 3
    assert result.kpis()["spend"][0] == pytest.approx(3000, rel=1e-6)


def test_paced_ads_leave_the_schedules_money_under_a_monthly_cap_in_every_replication():
    # March's cap is 1500 and two placements of 400 fall at its end; the ads (noisy, learning)
    # must leave them 800 of March's money.
    tool = influencer(fee=400, schedule={"days": [29, 31, 40]})
    noisy = ads(noise=0.3, learning={"conversions": 30}, cpm={"mean": 8, "sd": 3})
    data = scenario_data([noisy, tool], days=45, budget=4000, monthly_caps={1: 1500})
    result = random_run(data, replications=100, daily_sample=0)
    assert np.all(result.totals["units"][:, line(result, INFLUENCER)] == 3)
    assert np.all(result.kpis(month=0)["spend"] <= 1500 * (1 + REL))
    assert np.all(result.kpis()["spend"] <= 4000 * (1 + REL))


def test_money_a_later_cap_leaves_to_the_schedules_is_paced_earlier():
    # April's cap of 1000 is all reserved for April's two placements, March is uncapped: the ads
    # can spend the other 4000 in March, and the campaign its whole budget.
    tool = influencer(fee=500, schedule={"days": [35, 40]})
    result = deterministic(
        scenario_data([ads(), tool], days=45, budget=5000, monthly_caps={2: 1000})
    )
    assert result.totals["units"][0, line(result, INFLUENCER)] == 2
    assert result.kpis()["spend"][0] == pytest.approx(5000, rel=1e-6)


# --- creative refresh -----------------------------------------------------------------------------

REFRESH_COST = 500.0
F0, PHI = 1.2, 0.5


def two_arms(refresh: dict[str, Any] | None) -> dict[str, Any]:
    """Two ad tools with a fixed 100 a day each: every day buys the same impressions, so the CTR
    path is wear-out alone. One day's 12,500 impressions in 50,000 people are a frequency of 1.13,
    below f0 = 1.2: a fresh creative has its base CTR."""
    arm = {"daily_budget": 100.0, "fatigue": {"f0": F0, "phi": PHI}}
    tools = [ads("a", **arm), ads("b", **arm)]
    for tool in tools:
        del tool["budget_share"]
    if refresh is not None:
        tools.append({"type": "creative_refresh", "cost": REFRESH_COST, **refresh})
    return scenario_data(tools, days=30, budget=10_000)


def ctr_path(result, name: str) -> np.ndarray:
    return np.array(daily(result, "clicks", name)) / np.array(daily(result, "impressions", name))


@pytest.fixture(scope="module")
def refresh_runs():
    plain = deterministic(two_arms(None))
    only_a = deterministic(two_arms({"targets": ["a"], "schedule": {"days": [10]}}))
    return plain, only_a


def test_a_refresh_costs_its_cost_per_refresh():
    result = deterministic(two_arms({"schedule": {"days": [10, 20]}}))
    spend = daily(result, "spend", "facebook/creative_refresh")
    assert spend == pytest.approx([REFRESH_COST if d in (9, 19) else 0.0 for d in range(30)])


def test_a_refresh_resets_its_targets_fatigue(refresh_runs):
    plain, refreshed = refresh_runs
    before, after = ctr_path(plain, "facebook/a"), ctr_path(refreshed, "facebook/a")
    assert before[9] < 0.9 * CTR  # worn out by day 10 without a refresh
    assert after[9] == pytest.approx(CTR, rel=REL)  # the refresh day shows the new creative
    # From the refresh on, wear-out starts over: the CTR path repeats the campaign's first days.
    np.testing.assert_allclose(after[9:], before[: 30 - 9], rtol=REL)
    np.testing.assert_allclose(after[:9], before[:9], rtol=REL)
    # The same impressions every day (a fixed budget), so the renewed creative gets more clicks
    # from the refresh on.
    clicks_before, clicks_after = (np.array(daily(r, "clicks", "facebook/a")) for r in refresh_runs)
    assert np.all(clicks_after[9:] > clicks_before[9:])


def test_a_refresh_leaves_tools_it_does_not_target_alone(refresh_runs):
    plain, refreshed = refresh_runs
    assert daily(refreshed, "clicks", "facebook/b") == daily(plain, "clicks", "facebook/b")


def test_a_refresh_without_targets_renews_every_ad_tool_on_the_platform():
    result = deterministic(two_arms({"schedule": {"days": [10]}}))
    for name in ("facebook/a", "facebook/b"):
        assert ctr_path(result, name)[9] == pytest.approx(CTR, rel=REL)


# --- retargeting ----------------------------------------------------------------------------------

WINDOW, RT_CAP = 10, 1.0
RETARGETING = "facebook/retargeting"
FEEDERS = ("facebook/paid_ads", INFLUENCER)


def retargeting_data(**overrides: Any) -> dict[str, Any]:
    """Ads and an influencer bring visitors; retargeting has budget to show every one of them
    its frequency cap each day, so the cap binds."""
    retargeting = ads(
        "retargeting",
        type="retargeting",
        budget_share=0.5,
        window_days=WINDOW,
        frequency_cap=RT_CAP,
    )
    retargeting.update(overrides)
    tools = [ads(budget_share=0.5), retargeting, influencer(schedule={"days": [5]})]
    return scenario_data(tools, days=30, budget=3000)


def hand_pool(feeder_clicks: np.ndarray) -> np.ndarray:
    """(days, ...) the pool each day: yesterday's pool less the 1 / window who leave, plus
    yesterday's clicks of the feeders (paid ads, influencer, community content)."""
    pool = np.zeros_like(feeder_clicks)
    for t in range(1, len(pool)):
        pool[t] = pool[t - 1] * (1 - 1 / WINDOW) + feeder_clicks[t - 1]
    return pool


def feeder_clicks(result) -> np.ndarray:
    columns = [line(result, name) for name in FEEDERS]
    return result.daily_sample["clicks"][:, :, columns].sum(axis=2)


def test_retargeting_shows_its_cap_to_the_decayed_pool_of_feeder_clicks():
    result = deterministic(retargeting_data())
    pool = hand_pool(feeder_clicks(result))[:, 0]
    impressions = np.array(daily(result, "impressions", RETARGETING))
    assert impressions[0] == pytest.approx(0.0, abs=1e-6)  # nobody has clicked yet on day 1
    np.testing.assert_allclose(impressions[1:], RT_CAP * pool[1:], rtol=REL)
    assert daily(result, "clicks", RETARGETING)[0] == pytest.approx(0.0, abs=1e-6)


def test_retargeting_never_exceeds_its_cap_on_the_pool_in_any_replication():
    data = retargeting_data(noise=0.3, ctr={"mean": 0.02, "sd": 0.01}, cpm={"mean": 8, "sd": 3})
    result = random_run(data, replications=100, daily_sample=100)
    pool = hand_pool(feeder_clicks(result))
    impressions = result.daily_sample["impressions"][:, :, line(result, RETARGETING)]
    assert np.all(impressions[0] == 0)  # an empty pool delivers nothing
    assert np.all(impressions <= RT_CAP * pool * (1 + REL))
    assert np.all(result.daily_sample["clicks"][:, :, line(result, RETARGETING)] <= impressions)
    assert impressions[1:].sum() > 0


# --- budgets over random scenarios, in every replication -----------------------------------------

BUDGET_REL = 1e-6  # floating-point slack: sums of many daily spends


@st.composite
def tactic(draw, kind: str, days: int, scale: float) -> dict[str, Any]:
    """One scheduled tactic of `kind` with a random schedule, cost and (maybe) own budget."""
    phase = draw(
        st.one_of(
            st.fixed_dictionaries({"per_week": st.floats(0.2, 40)}),
            st.fixed_dictionaries({"days": st.lists(st.integers(1, days), min_size=1, max_size=6)}),
        )
    )
    cost = scale * draw(st.floats(0.01, 2))
    tool: dict[str, Any] = {"type": kind, "schedule": phase}
    if kind == "influencer":
        tool.update(fee=cost, reach={"mean": 5000, "sd": 2000}, ctr=0.02, join_rate=0.1, cvr=0.02)
    elif kind == "community_content":
        tool.update(cost_per_post=cost, promotional_share=draw(st.floats(0, 1)))
    elif kind == "contest":
        tool.update(
            prize=cost, joins={"mean": 200, "sd": 100}, duration_days=draw(st.integers(1, 9))
        )
    elif kind == "seeding":
        tool.update(cost_per_item=cost, natural_posts_per_week=draw(st.floats(5, 300)))
    else:
        tool.update(cost=cost)
    if draw(st.booleans()):
        tool["budget"] = cost * draw(st.floats(0.5, 8))
    return tool


@st.composite
def scenarios_with_tactics(draw) -> dict[str, Any]:
    """1-2 platforms, each with noisy paid ads and 1-3 tactics; reputation, backlash that bites
    (high hazards, big repair bills) and random monthly caps."""
    days = draw(st.integers(5, 40))
    start = date(2027, 1, 1) + timedelta(days=draw(st.integers(0, 364)))
    budget = draw(st.floats(500, 50_000))
    n_months = len(campaign_months(start, days))
    caps = draw(
        st.dictionaries(st.integers(1, n_months), st.floats(budget / 20, budget), max_size=n_months)
    )
    scale = budget / days
    kinds = ["influencer", "community_content", "contest", "seeding", "creative_refresh"]
    platforms = []
    n_platforms = draw(st.integers(1, 2))
    for p in range(n_platforms):
        noisy = {"noise": 0.3, "cpm": {"mean": 6, "sd": 2}, "ctr": {"mean": 0.02, "sd": 0.01}}
        tools = [ads(budget_share=1 / n_platforms, **noisy)]
        if draw(st.booleans()):
            tools[0]["budget_share"] /= 2
            retargeting = ads("retargeting", type="retargeting", budget_share=0.5 / n_platforms)
            tools.append({**retargeting, **noisy, "frequency_cap": draw(st.floats(0.2, 3))})
        chosen = draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=3, unique=True))
        tools += [draw(tactic(k, days, scale)) for k in chosen]
        platforms.append(
            {"name": f"p{p}", "audience": draw(st.integers(5000, 500_000)), "tools": tools}
        )
    data = scenario_data([], days=days, budget=budget, monthly_caps=caps)
    data["platforms"] = platforms
    data["campaign"].update(start=start, seed=draw(st.integers(0, 2**32)))
    data["campaign"]["pacing"] = draw(st.sampled_from(["even", "front-loaded"]))
    data["reputation"] = {
        "queries": [
            {"query": "q", "positive_own": 4, "positive_third": 2, "neutral": 8, "negative": 6}
        ]
    }
    data["backlash"] = {
        "base_hazard": draw(st.floats(0, 0.3)),
        "max_daily_hazard": 1.0,
        "repair_cost": {"mean": scale * draw(st.floats(1, 30)), "sd": scale},
    }
    return data


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios_with_tactics())
def test_no_tool_campaign_or_month_overspends_in_any_replication(data):
    scenario = scenario_from_data(data, "random.yaml")
    result = simulate(scenario, replications=40, daily_sample=0)
    budget = scenario.campaign.budget
    assert np.all(result.kpis()["spend"] <= budget * (1 + BUDGET_REL))
    for month, cap in scenario.campaign.monthly_caps.items():
        assert np.all(result.kpis(month=month - 1)["spend"] <= cap * (1 + BUDGET_REL)), month
    n_arms = result.lines.n_arms
    found = [t for p in scenario.platforms for t in p.tactics()]
    for i, tool in enumerate(found):
        spend = result.totals["spend"][:, n_arms + i]
        units = result.totals["units"][:, n_arms + i]
        np.testing.assert_allclose(spend, units * tool.unit_cost(), rtol=1e-9)
        assert np.all(units <= planned_units(tool, scenario.campaign.days).sum())
        if tool.budget is not None:
            assert np.all(spend <= tool.budget * (1 + BUDGET_REL))
    assert np.all(result.totals["repair_spend"] <= result.totals["repair_cost"] * (1 + BUDGET_REL))
    for name, values in result.totals.items():
        assert np.all(values >= 0), name  # NaN fails this too
    # Clicks come from views, and a tool's conversions from its clicks (contests' joins have no
    # clicks behind them, so joins are not bounded by clicks on every line).
    t = result.totals
    assert np.all(t["clicks"] <= t["impressions"] + 1e-9)
    assert np.all(t["direct_conversions"] <= t["clicks"] + 1e-9)
