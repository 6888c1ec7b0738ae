"""The ads' compiled day (`simulator/delivery_kernels.py`) is `curves.py`'s formulas, bit for bit.

The engine prices, delivers and wears creatives out in two compiled loops instead of numpy
expressions; the model's one definition of each curve stays in `curves.py`. Here the loops'
numbers are compared with those formulas composed in numpy, exactly, over cells of every kind
the engine meets: no budget, no impressions yet, capped delivery, a retargeting pool's own
audience, the learning phase's efficiency, and a price exponent other than 1.
"""

from __future__ import annotations

import numpy as np
import pytest

from smmsim.simulator import delivery_kernels
from smmsim.simulator.curves import (
    auction_pressure,
    fatigued_ctr,
    frequency,
    is_linear,
    unique_reach,
)

REPS, ARMS = 400, 6


def arms_and_cells(k: np.ndarray) -> dict:
    rng = np.random.default_rng(int(k.sum() * 1000))
    budget = rng.uniform(0.0, 900.0, (REPS, ARMS))
    budget[::7] = 0.0  # no budget today
    audience = rng.uniform(2e3, 1e6, (REPS, ARMS))
    audience[:, 0] = 150.0  # a small pool: the frequency cap binds
    return {
        "budget": budget,
        "base_cpm": rng.uniform(0.5, 12.0, (REPS, ARMS)),
        "s_half": rng.uniform(50.0, 2000.0, ARMS),
        "k": k,
        "day_factor": rng.uniform(0.8, 1.2, ARMS),
        "noise": rng.lognormal(0.0, 0.2, (REPS, ARMS)),
        "efficiency": np.where(rng.random((REPS, ARMS)) < 0.3, rng.uniform(0.5, 0.9), 1.0),
        "cap": rng.uniform(1.0, 8.0, ARMS),
        "audience": audience,
        "cumulative": np.where(rng.random((REPS, ARMS)) < 0.2, 0.0, rng.uniform(0, 5e5)),
        "memory": np.array([1.0, 1.0, 0.9, 1.0, 1 - 1 / 7, 1.0]),
        "base_ctr": rng.uniform(0.002, 0.05, (REPS, ARMS)),
        "f0": rng.uniform(0.5, 4.0, ARMS),
        "phi": rng.uniform(0.0, 0.5, ARMS),
        "multiplier": rng.uniform(0.7, 1.1, (REPS, ARMS)),
        "click_noise": rng.lognormal(0.0, 0.2, (REPS, ARMS)),
    }


@pytest.mark.parametrize("k", [np.ones(ARMS), np.array([1.0, 0.7, 1.3, 1.0, 2.0, 0.5])])
def test_the_compiled_day_is_the_curves_formulas_bit_for_bit(k):
    c = arms_and_cells(k)
    # The curves, composed as numpy expressions.
    pressure = auction_pressure(c["budget"], c["s_half"], k)
    cpm = c["base_cpm"] * pressure * c["day_factor"] * c["noise"] / c["efficiency"]
    wanted = np.minimum(1000 * c["budget"] / cpm, c["cap"] * c["audience"])
    impressions = np.floor(wanted)
    spend = impressions * cpm / 1000
    seen = c["cumulative"] * c["memory"] + impressions
    reach = unique_reach(seen, c["audience"])
    ctr = fatigued_ctr(c["base_ctr"], frequency(seen, reach), c["f0"], c["phi"])
    click_rate = ctr * c["multiplier"] * c["click_noise"]
    # The compiled loops.
    out = {name: np.empty((REPS, ARMS)) for name in ("pressure", "cpm", "wanted")}
    delivery_kernels.ads_price(
        c["budget"], c["base_cpm"], c["s_half"], k, is_linear(k), c["day_factor"], c["noise"],
        c["efficiency"], c["cap"], c["audience"], out["pressure"], out["cpm"], out["wanted"],
    )  # fmt: skip
    assert np.array_equal(out["pressure"], pressure)
    assert np.array_equal(out["cpm"], cpm)
    assert np.array_equal(out["wanted"], wanted)
    assert (wanted == c["cap"] * c["audience"]).any() and (wanted == 0).any()  # both edges met
    cumulative, compiled_spend, compiled_rate = c["cumulative"].copy(), *np.empty((2, REPS, ARMS))
    delivery_kernels.ads_reach(
        impressions, cpm, cumulative, c["memory"], c["audience"], c["base_ctr"], c["f0"],
        c["phi"], c["multiplier"], c["click_noise"], compiled_spend, compiled_rate,
    )  # fmt: skip
    assert np.array_equal(compiled_spend, spend)
    assert np.array_equal(cumulative, seen)  # the exposure memory, updated in place
    assert np.array_equal(compiled_rate, click_rate)
    assert (seen == 0).any()  # cells with no exposure yet: frequency 0, not 0 / 0


class LearningAsBooleans:
    """The learning phase as numpy boolean expressions, as the engine computed it before its
    compiled day: the reference the compiled one must equal."""

    def __init__(self, shape, reset_change, needed, efficiency, tolerance):
        self.started, self.active = np.zeros(shape, bool), np.zeros(shape, bool)
        self.conversions, self.previous = np.zeros(shape), np.zeros(shape)
        self.reset_change, self.needed = reset_change, needed
        self.efficiency, self.tolerance = efficiency, tolerance

    def update(self, budget):
        first = (budget > 0) & ~self.started
        allowed = self.reset_change * self.previous * self.tolerance
        changed = np.abs(budget - self.previous) > allowed
        reset = self.started & (self.previous > 0) & (budget > 0) & changed
        entered = (first | (reset & ~self.active)) & (self.needed > 0)
        self.conversions[first | reset] = 0.0
        self.active |= first | reset
        self.active &= self.conversions < self.needed
        self.started |= budget > 0
        self.previous = budget.copy()
        learning = self.active & (budget > 0)
        return entered, learning, np.where(self.active, self.efficiency, 1.0)

    def record(self, conversions):
        self.conversions += conversions
        self.active &= self.conversions < self.needed


def test_the_compiled_learning_phase_is_its_boolean_formulation_bit_for_bit():
    """Thirty days of budgets that start late, pause, stay, creep within the reset threshold,
    sit on it and jump past it, with conversions that end learning on different days, for arms
    with and without a learning phase (0 conversions needed) and one that restarts it at any
    change (a threshold of 0: an unchanged budget must not restart it)."""
    rng = np.random.default_rng(41)
    reset_change = np.array([0.2, 0.0, 0.5, 0.2, 0.1, 0.2])
    needed = np.array([50.0, 20.0, 5.0, 0.0, 80.0, 1.0])
    slower = np.array([0.7, 0.5, 0.8, 0.6, 0.9, 0.75])
    tolerance = 1 + 1e-9
    reference = LearningAsBooleans((REPS, ARMS), reset_change, needed, slower, tolerance)
    flags = np.zeros((4, REPS, ARMS))  # previous, started, active, conversions
    budget = rng.uniform(0.0, 400.0, (REPS, ARMS)) * (rng.random((REPS, ARMS)) < 0.5)
    for _ in range(30):
        move = rng.choice([1.0, 0.0, 1.1, 1.2, 1.2 * (1 + 1e-12), 3.0, 0.5], (REPS, ARMS))
        budget = np.where(budget > 0, budget * move, rng.uniform(0, 400, budget.shape))
        out = np.empty((3, REPS, ARMS))
        delivery_kernels.learning_day(
            budget, *flags, reset_change, needed, slower, tolerance, *out
        )  # fmt: skip
        entered, learning, efficiency = reference.update(budget)
        assert np.array_equal(out[0], entered) and np.array_equal(out[1], learning)
        assert np.array_equal(out[2], efficiency)
        conversions = np.floor(rng.exponential(4.0, (REPS, ARMS)))
        delivery_kernels.learning_record(conversions, flags[3], needed, flags[2])
        reference.record(conversions)
        assert np.array_equal(flags[2], reference.active)
        assert np.array_equal(flags[3], reference.conversions)
