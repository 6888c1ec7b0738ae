"""The hold-out's spreadsheet baseline: each arm's own clicks and conversions per unit of money."""

from __future__ import annotations

import numpy as np
import pytest

from smmsim.calibration.fit import ArmDays
from smmsim.calibration.holdout import per_arm_forecast


def arm(name: str, spend, clicks, conversions, start: str = "2024-03-01") -> ArmDays:
    dates = np.arange(np.datetime64(start), np.datetime64(start) + len(spend))
    values = {"spend": np.array(spend, float), "clicks": np.array(clicks, float),
              "conversions": np.array(conversions, float)}  # fmt: skip
    return ArmDays((name,), "facebook", dates, values)


TRAIN = [
    arm("a", [100, 200, 100], [40, 80, 40], [4, 8, 4]),  # 0.4 clicks, 0.04 conversions / EUR
    arm("b", [50, 50, np.nan], [5, 5, 7], [1, np.nan, 1]),  # 0.1 clicks, 0.02 conversions / EUR
]


def test_a_fitted_arm_is_forecast_at_its_own_rates_per_unit_of_money():
    """Closed form: the forecast mean is the arm's training ratio times the day's spend, over
    the days that measured both (a day without spend or without the count does not enter)."""
    test = [arm("a", [300.0, 50.0], [0, 0], [0, 0], "2024-03-04"),
            arm("b", [80.0], [0], [0], "2024-03-04")]  # fmt: skip
    fc = per_arm_forecast(TRAIN, test, seed=1)
    assert fc.mean["clicks"] == pytest.approx([120, 20, 8], rel=0.02)
    assert fc.mean["conversions"] == pytest.approx([12, 2, 1.6], rel=0.03)
    assert fc.seen.all()


def test_an_arm_without_training_rows_takes_the_pooled_rates_and_is_flagged():
    fc = per_arm_forecast(TRAIN, [arm("c", [100.0], [0], [0], "2024-03-04")], seed=1)
    clicks_per_euro = (160 + 10) / (400 + 100)
    assert fc.mean["clicks"] == pytest.approx([100 * clicks_per_euro], rel=0.02)
    assert not fc.seen.any()
