"""Trailing windows: running sums over the last few days of a per-replication quantity."""

from __future__ import annotations

import numpy as np


class Trailing:
    """A running sum over the last `days` days of an array quantity (a ring of the days and
    their total, updated in one step a day instead of summed over the ring)."""

    def __init__(self, days: int, shape: tuple[int, ...]):
        self.ring = np.zeros((days, *shape))
        self.total = np.zeros(shape)

    def add(self, day: int, value: np.ndarray) -> np.ndarray:
        slot = day % len(self.ring)
        self.total += value - self.ring[slot]
        self.ring[slot] = value
        return self.total
