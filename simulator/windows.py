"""Trailing windows: running sums over the last few days of a per-replication quantity."""

from __future__ import annotations

import numpy as np


class Trailing:
    """A running sum over the last `days` days of an array quantity (a ring of the days and
    their total, updated in one step a day instead of summed over the ring)."""

    def __init__(self, days: int, shape: tuple[int, ...]):
        self.ring = np.zeros((days, *shape))
        self.total = np.zeros(shape)
        self.held = np.zeros(days, dtype=bool)  # the slots a day's values were written to

    def add(self, day: int, value: np.ndarray) -> np.ndarray:
        slot = day % len(self.ring)
        self.total += value - self.ring[slot]
        self.ring[slot] = value
        self.held[slot] = True
        return self.total

    def add_nothing(self, day: int) -> np.ndarray:
        """`add` of a day of zeros: the day leaving the window is taken off the total, where
        one was written (x - y is x + (0 - y), bit for bit); nothing to do where none was (the
        backlash's events on most days of most plans)."""
        slot = day % len(self.ring)
        if self.held[slot]:
            self.total -= self.ring[slot]
            self.ring[slot] = 0.0
            self.held[slot] = False
        return self.total
