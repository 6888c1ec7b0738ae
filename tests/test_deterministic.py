"""Deterministic mode against the model's arithmetic, computed by hand in each test.

With every rate known exactly (bare numbers), noise 0 and a flat week, a deterministic run must be
the closed-form arithmetic of DESIGN.md section 5, day by day. The hand computations below use
plain Python and `math` only; they never call the engine's curves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pytest

from smmsim.scenarios.loader import scenario_from_data
from smmsim.simulator.engine import simulate
from smmsim.simulator.result import Result

REL = 1e-9
DAYS_PER_MONTH = 365.25 / 12

# The scenario's known numbers, used both to write it and to compute it by hand.
DAYS = 30
BUDGET = 3000.0
AUDIENCE = 40_000
CPM0, S_HALF, K = 8.0, 250.0, 0.8
CTR0, JOIN, CVR = 0.02, 0.05, 0.03
F0, PHI = 1.5, 0.2
FREQUENCY_CAP = 3.0


def known_data(*, tool: dict[str, Any] | None = None, **campaign: Any) -> dict[str, Any]:
    """One platform, one arm, every rate a bare number, noise 0, no learning, flat week."""
    return {
        "campaign": {
            "name": "by hand",
            "start": date(2027, 3, 1),
            "days": DAYS,
            "budget": BUDGET,
            "seed": 1,
            **campaign,
        },
        "platforms": [
            {
                "name": "facebook",
                "audience": AUDIENCE,
                "tools": [
                    {
                        "type": "paid_ads",
                        "budget_share": 1.0,
                        "cpm": CPM0,
                        "ctr": CTR0,
                        "join_rate": JOIN,
                        "cvr": CVR,
                        "auction": {"s_half": S_HALF, "k": K},
                        "fatigue": {"f0": F0, "phi": PHI},
                        "frequency_cap": FREQUENCY_CAP,
                        "learning": {"conversions": 0},
                        "noise": 0.0,
                        **(tool or {}),
                    }
                ],
            }
        ],
    }


def run(data: dict[str, Any]) -> Result:
    return simulate(scenario_from_data(data, "hand.yaml"), deterministic=True)


@dataclass
class HandFunnel:
    """Daily values of the funnel, computed by hand."""

    spend: list[float] = field(default_factory=list)
    impressions: list[float] = field(default_factory=list)
    clicks: list[float] = field(default_factory=list)
    joins: list[float] = field(default_factory=list)
    direct_conversions: list[float] = field(default_factory=list)
    learning: list[bool] = field(default_factory=list)
    cumulative: float = 0.0

    def total(self, name: str) -> float:
        return math.fsum(getattr(self, name))


def hand_funnel(
    daily_spend: list[float],
    *,
    phi: float = PHI,
    learn_conversions: float = 0.0,
    efficiency: float = 1.0,
) -> HandFunnel:
    """The model of DESIGN.md section 5, one day at a time.

    An arm learns on a day when fewer than `learn_conversions` direct conversions came before it;
    learning divides the CPM by `efficiency`.
    """
    out = HandFunnel()
    converted = 0.0
    for s in daily_spend:
        learning = learn_conversions > 0 and converted < learn_conversions
        cpm = CPM0 * (1 + (s / S_HALF) ** K) / (efficiency if learning else 1.0)
        impressions = 1000 * s / cpm
        assert impressions < FREQUENCY_CAP * AUDIENCE  # the cap never binds in these scenarios
        out.cumulative += impressions
        reach = AUDIENCE * (1 - math.exp(-out.cumulative / AUDIENCE))
        frequency = out.cumulative / reach
        ctr = CTR0 * math.exp(-phi * max(0.0, frequency - F0))
        clicks = impressions * ctr
        converted += clicks * CVR
        out.spend.append(s)
        out.impressions.append(impressions)
        out.clicks.append(clicks)
        out.joins.append(clicks * JOIN)
        out.direct_conversions.append(clicks * CVR)
        out.learning.append(learning)
    return out


def even_spend(days: int = DAYS, budget: float = BUDGET) -> list[float]:
    return [budget / days] * days


# --- the daily funnel ----------------------------------------------------------------------------

FLOWS = ["spend", "impressions", "clicks", "joins", "direct_conversions"]


@pytest.mark.parametrize("measure", FLOWS)
def test_totals_equal_hand_arithmetic(measure):
    hand = hand_funnel(even_spend())
    result = run(known_data())
    assert result.totals[measure][0, 0] == pytest.approx(hand.total(measure), rel=REL)


@pytest.mark.parametrize("measure", ["spend", "impressions", "clicks", "joins"])
def test_every_day_equals_hand_arithmetic(measure):
    hand = hand_funnel(even_spend())
    daily = run(known_data()).daily_sample[measure][:, 0, 0]
    np.testing.assert_allclose(daily, getattr(hand, measure), rtol=REL)


def test_without_fatigue_ctr_is_the_base_rate():
    # phi = 0 removes wear-out, so clicks / impressions is ctr0 on every day.
    result = run(known_data(tool={"fatigue": {"f0": F0, "phi": 0.0}}))
    assert result.kpis()["ctr"][0] == pytest.approx(CTR0, rel=REL)


def test_fatigue_is_active_in_the_hand_scenario():
    # Guards the tests above: frequency passes f0 early, so they check the fatigued CTR, not ctr0.
    assert run(known_data()).kpis()["ctr"][0] < 0.8 * CTR0


def test_reach_and_frequency_equal_the_closed_form():
    hand = hand_funnel(even_spend())
    kpis = run(known_data()).kpis()
    reach = AUDIENCE * (1 - math.exp(-hand.cumulative / AUDIENCE))
    assert kpis["reach"][0] == pytest.approx(reach, rel=REL)
    assert kpis["frequency"][0] == pytest.approx(hand.cumulative / reach, rel=REL)


# --- the learning phase --------------------------------------------------------------------------


def test_learning_phase_until_enough_conversions_equals_hand_arithmetic():
    needed, efficiency = 40.0, 0.6
    hand = hand_funnel(even_spend(), learn_conversions=needed, efficiency=efficiency)
    assert 0 < sum(hand.learning) < DAYS  # the arm leaves learning mid-campaign
    result = run(known_data(tool={"learning": {"conversions": needed, "efficiency": efficiency}}))
    assert result.totals["learning_days"][0, 0] == sum(hand.learning)
    for measure in FLOWS:
        assert result.totals[measure][0, 0] == pytest.approx(hand.total(measure), rel=REL)


def test_learning_all_campaign_divides_cpa_by_efficiency():
    # Without fatigue every count is proportional to impressions, which learning multiplies by e
    # at the same spend: every kind of conversion, and so the CPA, scales by exactly 1 / e.
    efficiency = 0.6
    never_leaves = {"conversions": 1e9, "efficiency": efficiency}
    fatigue_off = {"f0": F0, "phi": 0.0}
    learning = run(known_data(tool={"learning": never_leaves, "fatigue": fatigue_off}))
    plain = run(known_data(tool={"fatigue": fatigue_off}))
    assert learning.totals["learning_days"][0, 0] == DAYS
    assert plain.totals["learning_days"][0, 0] == 0
    cpa_learning, cpa_plain = learning.kpis()["cpa"][0], plain.kpis()["cpa"][0]
    assert cpa_learning == pytest.approx(cpa_plain / efficiency, rel=REL)
    hand = hand_funnel(even_spend(), phi=0.0)
    assert cpa_plain == pytest.approx(
        BUDGET / (hand.total("direct_conversions") + plain_community_conversions(plain)), rel=REL
    )


def plain_community_conversions(result: Result) -> float:
    return float(
        result.totals["member_conversions"][0, 0] + result.totals["referral_conversions"][0, 0]
    )


# --- the community -------------------------------------------------------------------------------

CHURN, MEMBER_CONVERSION, LAG = 0.1, 0.05, 7
RECOMMENDATIONS, REFERRAL_RATE = 0.3, 0.1
COMMUNITY_DAYS = 45  # 1 March to 14 April: two calendar months
MONTH_LAST_DAYS = [30, 44]


def community_data(lag: int = LAG) -> dict[str, Any]:
    data = known_data(days=COMMUNITY_DAYS, budget=4500.0)
    data["community"] = {
        "churn_per_month": CHURN,
        "member_conversion_per_month": MEMBER_CONVERSION,
        "conversion_lag_days": lag,
        "recommendations_per_member_per_month": RECOMMENDATIONS,
        "referral_conversion_rate": REFERRAL_RATE,
    }
    return data


@dataclass
class HandCommunity:
    members: list[float]  # at the end of each day
    member_conversions: list[float]
    referral_conversions: list[float]


def hand_community(joins: list[float], lag: int) -> HandCommunity:
    """Cohort by cohort: the J_j people who join on day j are members in the pipeline on days
    j .. j + lag - 1; from day j + lag they are mature, and each day a mature member first churns
    (daily probability c) and then converts (daily probability m), so on day t >= j + lag the cohort
    holds J_j (1 - c) ** (t - j - lag + 1) members and makes m times that many conversions. Every
    member makes recommendations per month / 30.4375 recommendations a day, each a referral
    conversion with the referral rate."""
    c = 1 - (1 - CHURN) ** (1 / DAYS_PER_MONTH)
    m = 1 - (1 - MEMBER_CONVERSION) ** (1 / DAYS_PER_MONTH)
    out = HandCommunity([], [], [])
    for t in range(len(joins)):
        members = bought = 0.0
        for j in range(t + 1):
            if t < j + lag:
                members += joins[j]
            else:
                mature = joins[j] * (1 - c) ** (t - j - lag + 1)
                members += mature
                bought += mature * m
        out.members.append(members)
        out.member_conversions.append(bought)
        out.referral_conversions.append(members * RECOMMENDATIONS / DAYS_PER_MONTH * REFERRAL_RATE)
    return out


@pytest.mark.parametrize("lag", [0, 1, LAG])
def test_members_at_each_month_end_equal_the_cohort_closed_form(lag):
    joins = hand_funnel(even_spend(COMMUNITY_DAYS, 4500.0)).joins
    hand = hand_community(joins, lag)
    members = run(community_data(lag)).monthly["members"][:, 0, 0]
    np.testing.assert_allclose(members, [hand.members[d] for d in MONTH_LAST_DAYS], rtol=REL)


@pytest.mark.parametrize("lag", [0, 1, LAG])
def test_member_conversions_equal_the_cohort_closed_form(lag):
    joins = hand_funnel(even_spend(COMMUNITY_DAYS, 4500.0)).joins
    hand = hand_community(joins, lag)
    result = run(community_data(lag))
    assert result.totals["member_conversions"][0, 0] == pytest.approx(
        math.fsum(hand.member_conversions), rel=REL
    )
    march = math.fsum(hand.member_conversions[: MONTH_LAST_DAYS[0] + 1])
    assert result.monthly["member_conversions"][0, 0, 0] == pytest.approx(march, rel=REL)


def test_referral_conversions_equal_the_closed_form():
    joins = hand_funnel(even_spend(COMMUNITY_DAYS, 4500.0)).joins
    hand = hand_community(joins, LAG)
    result = run(community_data())
    assert result.totals["referral_conversions"][0, 0] == pytest.approx(
        math.fsum(hand.referral_conversions), rel=REL
    )


def test_lag_delays_member_conversions():
    # No member has matured before day `lag`, so a longer lag means fewer conversions in the run.
    joins = hand_funnel(even_spend(COMMUNITY_DAYS, 4500.0)).joins
    assert sum(hand_community(joins, LAG).member_conversions[:LAG]) == 0
    short, long_ = run(community_data(1)), run(community_data(LAG))
    assert long_.totals["member_conversions"][0, 0] < short.totals["member_conversions"][0, 0]


# --- budget pacing with a monthly cap ------------------------------------------------------------

PACED_DAYS = 60  # 1 March to 29 April: 31 days of March, 29 of April
MARCH_CAP = 2000.0


def test_capped_month_leftover_is_repaced_into_later_months():
    # Even pacing gives March cap / 31 a day (below budget / 60); what March could not spend is
    # spread evenly over April's 29 days, so the campaign still spends the whole budget.
    budget = 6000.0
    data = known_data(days=PACED_DAYS, budget=budget, monthly_caps={1: MARCH_CAP})
    result = run(data)
    expected = [MARCH_CAP / 31] * 31 + [(budget - MARCH_CAP) / 29] * 29
    np.testing.assert_allclose(result.daily_sample["spend"][:, 0, 0], expected, rtol=REL)
    np.testing.assert_allclose(
        result.monthly["spend"][:, 0, 0], [MARCH_CAP, budget - MARCH_CAP], rtol=REL
    )
    assert result.totals["spend"][0, 0] == pytest.approx(budget, rel=REL)


def test_funnel_under_a_monthly_cap_equals_hand_arithmetic():
    budget = 6000.0
    hand = hand_funnel([MARCH_CAP / 31] * 31 + [(budget - MARCH_CAP) / 29] * 29)
    result = run(known_data(days=PACED_DAYS, budget=budget, monthly_caps={1: MARCH_CAP}))
    assert result.totals["clicks"][0, 0] == pytest.approx(hand.total("clicks"), rel=REL)
