"""Invariants of the engine over random valid scenarios, in every replication.

Budget is the one hard invariant of the design (DESIGN.md section 5): spend never exceeds the total
or a month's cap, in any replication. The funnel is a chain of binomial thinnings, so every stage is
at most the stage before it, and nothing is ever negative. Reach N (1 - exp(-C / N)) never exceeds
the audience N, and the community only loses members (churn), so it never holds more people than
ever joined.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smmsim.scenarios.calendar import campaign_months
from smmsim.scenarios.loader import scenario_from_data
from smmsim.scenarios.schema import Scenario
from smmsim.simulator.engine import simulate
from smmsim.simulator.result import Result
from tests.helpers import minimal_scenario_data

REPS = 200
REL = 1e-6  # floating-point slack on the budget: sums of many daily spends
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- random valid scenarios ----------------------------------------------------------------------

# Relative prior spreads: known exactly, or a real spread. A vanishing but positive sd (1e-198) is
# its own case (test_rate_prior_with_a_vanishing_sd_can_be_simulated); hypothesis would otherwise
# spend its examples on subnormal floats.
SPREADS = st.one_of(st.just(0.0), st.floats(0.01, 0.6))


@st.composite
def price_beliefs(draw) -> Any:
    form = draw(st.sampled_from(["number", "mean_sd", "interval"]))
    if form == "number":
        return draw(st.floats(0.5, 60))
    if form == "mean_sd":
        mean = draw(st.floats(0.5, 60))
        return {"mean": mean, "sd": mean * draw(SPREADS)}
    p5 = draw(st.floats(0.5, 30))
    return {"p5": p5, "p95": p5 * draw(st.floats(1.05, 5))}


@st.composite
def rate_beliefs(draw, low: float, high: float) -> Any:
    form = draw(st.sampled_from(["number", "mean_sd", "interval"]))
    mean = draw(st.floats(low, high))
    if form == "number":
        return mean
    if form == "mean_sd":
        return {"mean": mean, "sd": draw(SPREADS) * (mean * (1 - mean)) ** 0.5}
    return {"p5": mean, "p95": min(0.95, mean * draw(st.floats(1.2, 3)))}


@st.composite
def paid_ads(draw, name: str, budget_kind: str, daily_scale: float) -> dict[str, Any]:
    tool: dict[str, Any] = {
        "type": "paid_ads",
        "name": name,
        "cpm": draw(price_beliefs()),
        "ctr": draw(rate_beliefs(0.001, 0.1)),
        "join_rate": draw(rate_beliefs(0.005, 0.3)),
        "cvr": draw(rate_beliefs(0.002, 0.2)),
        "auction": {"k": draw(st.floats(0.2, 1.0))},
        "fatigue": {"f0": draw(st.floats(1, 5)), "phi": draw(st.floats(0, 2))},
        "frequency_cap": draw(st.floats(0.05, 5)),
        "learning": {
            "conversions": draw(st.floats(0, 200)),
            "efficiency": draw(st.floats(0.3, 1.0)),
            "reset_change": draw(st.floats(0.05, 1.0)),
        },
        "noise": draw(st.floats(0, 1)),
    }
    if draw(st.booleans()):
        tool["auction"]["s_half"] = draw(st.floats(1, 1e5))
    if draw(st.booleans()):
        tool["day_of_week"] = draw(st.lists(st.floats(0.3, 3), min_size=7, max_size=7))
    if budget_kind == "daily":
        tool["daily_budget"] = daily_scale * draw(st.floats(0.05, 2))
    return tool


@st.composite
def scenario_data(draw) -> dict[str, Any]:
    """A valid scenario: 1-4 platforms of 1-2 paid-ads tools, random budget, calendar and priors.

    Each arm gets a budget share or a fixed daily budget (up to twice the even daily pace, so the
    fixed budgets often run the money out early and are scaled down next to the share arms).
    """
    days = draw(st.integers(5, 70))
    start = date(2027, 1, 1) + timedelta(days=draw(st.integers(0, 364)))
    budget = draw(st.floats(50, 1e6))
    n_months = len(campaign_months(start, days))
    caps = draw(
        st.dictionaries(st.integers(1, n_months), st.floats(budget / 50, budget), max_size=n_months)
    )
    daily_scale = budget / days
    platforms = []
    for p in range(draw(st.integers(1, 4))):
        n_tools = draw(st.integers(1, 2))
        kinds = [draw(st.sampled_from(["share", "daily"])) for _ in range(n_tools)]
        tools = [draw(paid_ads(f"ads{t}", kind, daily_scale)) for t, kind in enumerate(kinds)]
        platforms.append(
            {"name": f"p{p}", "audience": draw(st.integers(1000, 3_000_000)), "tools": tools}
        )
    share_tools = [t for p in platforms for t in p["tools"] if "daily_budget" not in t]
    weights = [draw(st.integers(1, 10)) for _ in share_tools]
    for tool, weight in zip(share_tools, weights, strict=True):
        tool["budget_share"] = weight / sum(weights)
    return {
        "campaign": {
            "name": "random",
            "start": start,
            "days": days,
            "budget": budget,
            "monthly_caps": caps,
            "pacing": draw(st.sampled_from(["even", "front-loaded"])),
            "seed": draw(st.integers(0, 2**32)),
        },
        "platforms": platforms,
        "community": {
            "churn_per_month": draw(st.floats(0, 0.9)),
            "member_conversion_per_month": draw(st.floats(0, 0.9)),
            "conversion_lag_days": draw(st.integers(0, 30)),
            "recommendations_per_member_per_month": draw(st.floats(0, 3)),
            "referral_conversion_rate": draw(st.floats(0, 1)),
        },
    }


def run(data: dict[str, Any]) -> tuple[Scenario, Result]:
    scenario = scenario_from_data(data, "random.yaml")
    return scenario, simulate(scenario, replications=REPS, daily_sample=50)


# --- budget --------------------------------------------------------------------------------------


@SETTINGS
@given(scenario_data())
def test_total_spend_never_exceeds_budget(data):
    scenario, result = run(data)
    spend = result.totals["spend"].sum(axis=1)
    assert np.all(spend <= scenario.campaign.budget * (1 + REL))


@SETTINGS
@given(scenario_data())
def test_monthly_spend_never_exceeds_the_months_cap(data):
    scenario, result = run(data)
    monthly_spend = result.monthly["spend"].sum(axis=2)  # (months, reps)
    for month, cap in scenario.campaign.monthly_caps.items():
        assert np.all(monthly_spend[month - 1] <= cap * (1 + REL)), f"month {month}"


# --- the funnel ----------------------------------------------------------------------------------

# (stage, the stage it thins): per arm, per replication, in the totals and in every month.
FUNNEL = [("clicks", "impressions"), ("joins", "clicks"), ("direct_conversions", "clicks")]


@SETTINGS
@given(scenario_data())
def test_each_funnel_stage_is_at_most_the_stage_before(data):
    _, result = run(data)
    for stage, before in FUNNEL:
        assert np.all(result.totals[stage] <= result.totals[before]), stage
        assert np.all(result.monthly[stage] <= result.monthly[before]), stage


@SETTINGS
@given(scenario_data())
def test_daily_clicks_are_at_most_daily_impressions(data):
    _, result = run(data)
    sample = result.daily_sample
    assert sample["clicks"].shape[1] == min(REPS, 50)
    assert np.all(sample["clicks"] <= sample["impressions"])


@SETTINGS
@given(scenario_data())
def test_no_measure_is_negative_or_undefined(data):
    _, result = run(data)
    for name in result.totals:
        assert np.all(result.totals[name] >= 0), name  # NaN fails this too
        assert np.all(result.monthly[name] >= 0), name


# --- reach and the community ---------------------------------------------------------------------


@SETTINGS
@given(scenario_data())
def test_reach_never_exceeds_the_audience(data):
    scenario, result = run(data)
    for platform in scenario.platforms:
        reach = result.kpis(arm_mask=result.platform_mask(platform.name))["reach"]
        assert np.all(reach <= platform.audience), platform.name
    assert np.all(result.kpis()["reach"] <= sum(p.audience for p in scenario.platforms))


@SETTINGS
@given(scenario_data())
def test_members_never_exceed_cumulative_joins(data):
    _, result = run(data)
    joined = np.cumsum(result.monthly["joins"], axis=0)  # (months, reps, arms)
    assert np.all(result.monthly["members"] <= joined)
    assert np.all(result.totals["members"] <= result.totals["joins"])


# --- regressions ---------------------------------------------------------------------------------


def fixed_next_to_share_data(daily_budget: float) -> dict[str, Any]:
    """1000 over 10 days; a fixed daily-budget arm overspends its pace, so near the end its budget
    is scaled down to the money left, next to a budget-share arm."""
    data = minimal_scenario_data()
    data["campaign"].update(days=10, budget=1000)
    share_arm = data["platforms"][0]["tools"][0]
    fixed_arm = copy.deepcopy(share_arm)
    del fixed_arm["budget_share"]
    fixed_arm.update(name="fixed", daily_budget=daily_budget)
    share_arm["auction"] = {"k": 0.7}
    data["platforms"][0]["tools"].append(fixed_arm)
    return data


def test_fixed_daily_budget_scaled_to_the_money_left_keeps_share_arms_defined():
    # With this daily budget the scaled fixed budgets sum to one ulp above the money left; the
    # share arm's room must floor at 0, not go negative (a negative spend ** k is NaN).
    scenario = scenario_from_data(fixed_next_to_share_data(107.98245614035088), "ulp.yaml")
    result = simulate(scenario, deterministic=True)
    for name in result.totals:
        assert np.all(result.totals[name] >= 0), name


def test_rate_prior_with_a_vanishing_sd_can_be_simulated():
    # sd = 1e-198 is valid, but its square underflows to 0: it must act as a known rate.
    data = minimal_scenario_data()
    data["platforms"][0]["tools"][0]["ctr"] = {"mean": 0.01, "sd": 1e-198}
    scenario = scenario_from_data(data, "tiny-sd.yaml")
    result = simulate(scenario, replications=50)
    assert np.all(result.kpis()["clicks"] > 0)
