"""One definition of every ratio KPI: the ratio of expected totals, with a 90% Monte Carlo interval.

The tables' expected CPA, CPC, CPM, cost per join, CTR and ROAS must be what an accountant gets by
dividing the expected totals, so that platforms and tools add up to the campaign: spend and
conversions sum, and the campaign's CPA lies within its platforms' range (it is their
conversion-weighted mean).
"""

from __future__ import annotations

import numpy as np
import pytest

import smmsim
from smmsim.simulator.ratios import expected_ratio, paired_ratio_difference, probability_below_zero

REPS = 300
SEED = 11


@pytest.fixture(scope="module")
def runs():
    """Two bundled plans: kids-shop (paid ads, an order value) and reputation-rush (tactics,
    backlash and repairs paid from the budget)."""
    return {
        name: smmsim.simulate(smmsim.load(smmsim.example(name)), reps=REPS, seed=SEED, workers=1)
        for name in ("kids-shop", "reputation-rush")
    }


@pytest.fixture(params=["kids-shop", "reputation-rush"])
def run(request, runs):
    return runs[request.param]


def test_a_ratio_of_proportional_totals_is_exact():
    """spend = 25 x conversions in every campaign: the CPA is 25 with no uncertainty at all."""
    conversions = np.array([1.0, 4.0, 10.0, 0.0, 7.0])
    found = expected_ratio(25 * conversions, conversions)
    assert found.value == pytest.approx(25.0)
    assert found.ci_low == pytest.approx(25.0) and found.ci_high == pytest.approx(25.0)


def test_the_expected_ratio_is_not_the_mean_of_ratios():
    """Two campaigns of 100: one buys 1 conversion, one 9. The mean of their CPAs is 55.6; what
    the money buys on average is 200 / 10 = 20 each."""
    found = expected_ratio(np.array([100.0, 100.0]), np.array([1.0, 9.0]))
    assert found.value == pytest.approx(20.0)


def test_no_conversion_anywhere_has_no_cpa():
    found = expected_ratio(np.full(10, 50.0), np.zeros(10))
    assert found.value is None and found.ci_low is None


def test_the_interval_covers_the_true_ratio_nine_times_in_ten():
    """Delta-method coverage: 2,000 studies of 400 campaigns each, spend ~ Gamma and conversions
    ~ Poisson(spend / 30); the true expected CPA is 30. The share of 90% intervals that cover it
    is within sampling error (sd 0.7 points) of 90%."""
    rng = np.random.default_rng(3)
    spend = rng.gamma(4.0, 250.0, size=(2000, 400))
    conversions = rng.poisson(spend / 30.0)
    covered = 0
    for s, c in zip(spend, conversions, strict=True):
        found = expected_ratio(s, c)
        covered += found.ci_low <= 30.0 <= found.ci_high
    assert covered / 2000 == pytest.approx(0.90, abs=0.025)


def test_a_paired_difference_of_a_plan_with_itself_is_zero():
    rng = np.random.default_rng(5)
    spend, conversions = rng.gamma(4.0, 250.0, 200), rng.poisson(30.0, 200).astype(float)
    found = paired_ratio_difference((spend, conversions), (spend, conversions))
    assert found.value == 0.0 and found.ci_low == 0.0 and found.ci_high == 0.0


def test_pairing_removes_the_shared_luck():
    """Plan B pays 10% more for the same conversions in every campaign: its CPA is 10% higher,
    and the paired interval is far narrower than either plan's own."""
    rng = np.random.default_rng(6)
    spend, conversions = rng.gamma(4.0, 250.0, 500), rng.poisson(30.0, 500).astype(float)
    own = expected_ratio(spend, conversions)
    found = paired_ratio_difference((spend, conversions), (1.1 * spend, conversions))
    assert found.value == pytest.approx(-0.1 * own.value)
    assert found.ci_high - found.ci_low < 0.2 * (own.ci_high - own.ci_low)
    assert probability_below_zero(found) > 0.99


def test_every_ratio_kpi_is_the_ratio_of_its_expected_totals(run):
    """Each ratio the tables show, recomputed from the same document's expected totals."""
    total = run.totals
    spend, media = total["spend"].mean, total["spend"].mean - total_repairs(run)
    assert total["cpa"].mean == pytest.approx(spend / total["conversions"].mean)
    assert total["cpc"].mean == pytest.approx(media / total["clicks"].mean)
    assert total["cpm"].mean == pytest.approx(1000 * media / total["impressions"].mean)
    assert total["cost_per_join"].mean == pytest.approx(media / total["joins"].mean)
    assert total["ctr"].mean == pytest.approx(total["clicks"].mean / total["impressions"].mean)
    assert total["frequency"].mean == pytest.approx(total["impressions"].mean / total["reach"].mean)
    if "roas" in total:
        assert total["roas"].mean == pytest.approx(total["revenue"].mean / spend)


def total_repairs(run) -> float:
    """What repairs took from the budget: the platforms' spend beyond their tools' own."""
    tools = sum(arm.metrics["spend"].mean for arm in run.arms.values())
    return run.totals["spend"].mean - tools


def test_platforms_add_up_to_the_campaign_and_its_cpa_lies_within_theirs(run):
    platforms = run.platforms.values()
    for measure in ("spend", "conversions", "clicks", "impressions"):
        parts = sum(p[measure].mean for p in platforms)
        assert parts == pytest.approx(run.totals[measure].mean, rel=1e-9)
    # A platform that spends and converts nobody is infinitely dear (its CPA is undefined).
    cpas = [np.inf if p["cpa"].mean is None else p["cpa"].mean for p in platforms]
    assert min(cpas) - 1e-9 <= run.totals["cpa"].mean <= max(cpas) + 1e-9


def test_tools_add_up_to_their_platform_and_months_to_the_campaign(run):
    for platform, kpis in run.platforms.items():
        tools = [a for a in run.arms.values() if a.platform == platform]
        converted = sum(a.metrics["conversions"].mean for a in tools)
        # Referral conversions come from members of the platform's community, not one tool.
        assert converted <= kpis["conversions"].mean + 1e-9
        spent = sum(a.metrics["spend"].mean for a in tools)
        assert spent <= kpis["spend"].mean + 1e-9  # the rest is repair spend
    for measure in ("spend", "conversions"):
        months = sum(m.total[measure].mean for m in run.monthly.values())
        assert months == pytest.approx(run.totals[measure].mean, rel=1e-9)


def test_the_interval_is_the_expected_values_and_the_range_is_single_campaigns(run):
    """The CPA's 90% CI (of the estimate) is much narrower than the spread of single campaigns,
    and holds the expected value."""
    cpa = run.totals["cpa"]
    assert cpa.ci_low <= cpa.mean <= cpa.ci_high
    assert cpa.ci_high - cpa.ci_low < 0.5 * (cpa.p95 - cpa.p5)
