"""Trailing windows: the running total is the sum of the last `days` days written, and a day of
nothing is the same as a day of zeros, bit for bit."""

from __future__ import annotations

import numpy as np

from smmsim.simulator.windows import Trailing

DAYS = 3


def test_the_total_is_the_sum_of_the_last_days_and_a_day_of_nothing_adds_zeros():
    rng = np.random.default_rng(4)
    with_zeros, with_nothing = Trailing(DAYS, (5,)), Trailing(DAYS, (5,))
    written = []
    for day in range(12):
        quiet = day % 4 in (1, 2)  # runs of quiet days, some longer than the window
        value = np.zeros(5) if quiet else rng.random(5) * 10
        written.append(value)
        total = with_zeros.add(day, value)
        other = with_nothing.add_nothing(day) if quiet else with_nothing.add(day, value)
        np.testing.assert_array_equal(other, total)  # the same arithmetic, bit for bit
        np.testing.assert_allclose(total, sum(written[-DAYS:]), rtol=1e-12, atol=1e-12)
