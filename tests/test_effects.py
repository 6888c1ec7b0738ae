"""Monotone effects of the model's levers, on stochastic runs with fixed seeds.

Each test changes one lever and checks the direction the model says it moves a result. The effects
are built to be many times the Monte Carlo error of the runs compared (the margins are stated).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from smmsim.scenarios.loader import scenario_from_data
from smmsim.simulator.engine import simulate
from smmsim.simulator.result import Result
from tests.helpers import minimal_scenario_data

REPS = 400
SEED = 20270301


def scenario_data(*, tool: dict[str, Any] | None = None, **campaign: Any) -> dict[str, Any]:
    """One platform, one arm, with priors and daily noise, from 1 March 2027."""
    data = minimal_scenario_data()
    data["campaign"].update({"name": "effects", "days": 30, "budget": 6000.0, **campaign})
    data["platforms"][0]["audience"] = 1_000_000
    arm = data["platforms"][0]["tools"][0]
    arm.update(
        {
            "ctr": {"mean": 0.01, "sd": 0.002},
            "cvr": {"mean": 0.02, "sd": 0.004},
            "auction": {"s_half": 300.0, "k": 0.8},
            **(tool or {}),
        }
    )
    return data


def run(data: dict[str, Any], *, deterministic: bool = False) -> Result:
    scenario = scenario_from_data(data, "effects.yaml")
    return simulate(scenario, replications=REPS, seed=SEED, deterministic=deterministic)


# --- budget and auction pressure -----------------------------------------------------------------


def budget_data(budget: float) -> dict[str, Any]:
    # No learning phase: a small budget learns longer, at a higher CPM, which would blur the effect.
    return scenario_data(budget=budget, tool={"learning": {"conversions": 0}})


def test_more_budget_buys_more_impressions():
    small, large = run(budget_data(3000.0)), run(budget_data(12000.0))
    # 4x the spend at a higher price: 1000 s / cpm0 (1 + (s/s_half)^0.8) grows about 2x here.
    assert large.kpis()["impressions"].mean() > 1.5 * small.kpis()["impressions"].mean()


def test_more_budget_pays_a_higher_cpm():
    small, large = run(budget_data(3000.0)), run(budget_data(12000.0))
    # 100 vs 400 a day against s_half = 300: the auction factor goes from 1.41 to 2.26 (1.6x).
    assert large.kpis()["cpm"].mean() > 1.4 * small.kpis()["cpm"].mean()


# --- fatigue -------------------------------------------------------------------------------------


def fatigue_data(phi: float) -> dict[str, Any]:
    # A small audience bought at a frequency well past f0 within the campaign; 45 days span March
    # and the first half of April.
    data = scenario_data(days=45, tool={"fatigue": {"f0": 1.0, "phi": phi}})
    data["platforms"][0]["audience"] = 60_000
    return data


def test_stronger_fatigue_lowers_last_month_ctr():
    mild, strong = run(fatigue_data(0.05)), run(fatigue_data(0.5))
    last = len(mild.months) - 1
    ctr_mild = mild.kpis(month=last)["ctr"].mean()
    ctr_strong = strong.kpis(month=last)["ctr"].mean()
    assert ctr_strong < 0.7 * ctr_mild


def test_fatigue_lowers_ctr_from_the_first_to_the_last_month():
    result = run(fatigue_data(0.5))
    first, last = result.kpis(month=0)["ctr"], result.kpis(month=len(result.months) - 1)["ctr"]
    assert np.all(last < first)


# --- the learning phase --------------------------------------------------------------------------


def learning_data(jump: bool) -> dict[str, Any]:
    """60 days, 1 March to 29 April, learning ends after 20 conversions (a few days in). With the
    jump, March is capped at a third of the even pace, so April's daily budget is about 2.9x
    March's: far past the 20% change that re-enters learning."""
    caps = {1: 31 * 100.0 / 3} if jump else {}
    return scenario_data(
        days=60,
        monthly_caps=caps,
        tool={"cvr": {"mean": 0.05, "sd": 0.01}, "learning": {"conversions": 20}},
    )


def test_budget_jump_re_enters_learning():
    steady = run(learning_data(jump=False), deterministic=True)
    jump = run(learning_data(jump=True), deterministic=True)
    assert steady.totals["learning_entries"][0, 0] == 1
    assert jump.totals["learning_entries"][0, 0] == 2
    assert jump.monthly["learning_entries"][1, 0, 0] == 1  # the second entry is in April


def test_budget_jump_adds_learning_days():
    steady, jump = run(learning_data(jump=False)), run(learning_data(jump=True))
    assert jump.kpis()["learning_days"].mean() > steady.kpis()["learning_days"].mean() + 1


# --- day of week ---------------------------------------------------------------------------------

WEEKEND_MULTIPLIER = 1.5


def test_weekend_multipliers_raise_weekend_cpm():
    week = (1.0,) * 5 + (WEEKEND_MULTIPLIER,) * 2
    data = scenario_data(days=28, tool={"day_of_week": week, "learning": {"conversions": 0}})
    result = run(data)
    cpm = 1000 * result.daily_mean["spend"][:, 0] / result.daily_mean["impressions"][:, 0]
    weekend = np.array([d.weekday() >= 5 for d in result.dates])
    ratio = cpm[weekend].mean() / cpm[~weekend].mean()
    # Even pacing spends the same every day, so only the multiplier moves the price: the ratio is
    # 1.5, up to daily noise averaged over 400 runs and 8 weekend days.
    assert ratio == pytest.approx(WEEKEND_MULTIPLIER, rel=0.03)


def test_flat_week_leaves_weekend_cpm_unchanged():
    result = run(scenario_data(days=28, tool={"learning": {"conversions": 0}}))
    cpm = 1000 * result.daily_mean["spend"][:, 0] / result.daily_mean["impressions"][:, 0]
    weekend = np.array([d.weekday() >= 5 for d in result.dates])
    assert cpm[weekend].mean() / cpm[~weekend].mean() == pytest.approx(1.0, rel=0.03)


# --- prior uncertainty ---------------------------------------------------------------------------


def spread_90(values: np.ndarray) -> float:
    p5, p95 = np.percentile(values, [5, 95])
    return float(p95 - p5)


def uncertain_cvr_data(sd: float) -> dict[str, Any]:
    # Every other rate known exactly, so the cvr prior and daily noise are the only spread.
    known = {"cpm": 6.0, "ctr": 0.01, "join_rate": 0.04}
    return scenario_data(tool={**known, "cvr": {"mean": 0.02, "sd": sd}})


def test_more_prior_uncertainty_widens_the_conversion_range():
    narrow, wide = run(uncertain_cvr_data(0.001)), run(uncertain_cvr_data(0.008))
    conv_narrow, conv_wide = narrow.kpis()["conversions"], wide.kpis()["conversions"]
    # Direct conversions are about proportional to the cvr, whose sd is 8x larger: the 90% range
    # grows several-fold (less than 8x, as daily noise adds the same spread to both).
    assert spread_90(conv_wide) > 2.5 * spread_90(conv_narrow)
