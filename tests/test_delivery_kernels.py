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
