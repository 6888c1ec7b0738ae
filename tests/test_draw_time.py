"""The draw clock of the benchmarks (`benchmarks/draw_time.py`): it counts the draws the model
makes, changes none of them, and leaves the engine as it found it."""

from __future__ import annotations

import numpy as np

from benchmarks.draw_time import SAMPLERS, UNIFORMS, draw_clock
from smmsim.scenarios.loader import scenario_from_data
from smmsim.simulator import randomness
from smmsim.simulator.engine import simulate
from tests.helpers import minimal_scenario_data

REPS, DAYS = 300, 20


def two_arms():
    data = minimal_scenario_data()
    data["campaign"]["days"] = DAYS
    facebook = data["platforms"][0]
    facebook["tools"][0]["budget_share"] = 0.5
    data["platforms"].append({**facebook, "name": "tiktok", "audience": 300_000})
    return scenario_from_data(data, "two arms")


def test_the_clock_counts_each_arm_days_two_noise_multipliers_and_changes_no_number():
    """Each ad arm-day draws two lognormal multipliers (its price's and its click rate's), so
    the clock's noise cells are 2 x arms x days x replications; the run under the clock is the
    same run, number for number."""
    scenario = two_arms()
    plain = simulate(scenario, replications=REPS)
    with draw_clock() as clock:
        clocked = simulate(scenario, replications=REPS)
    assert clock.cells["lognormal_noise"] == 2 * 2 * DAYS * REPS
    assert clock.draws_seconds > 0
    for name, values in plain.totals.items():
        np.testing.assert_array_equal(clocked.totals[name], values, err_msg=name)


def test_the_clock_puts_every_kernel_back():
    kernels = {
        name: getattr(module, name)
        for table in (SAMPLERS, UNIFORMS)
        for module, names in table.items()
        for name in names
    }
    with draw_clock():
        assert randomness.binomial_counts is not kernels["binomial_counts"]
    for name, kernel in kernels.items():
        assert getattr(randomness, name) is kernel, name
