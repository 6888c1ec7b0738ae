"""Row sums of the engine's (replications, columns) arrays.

numpy reduces along a short last axis (a few arms, platforms or portals) about ten times slower
than it adds the columns one after another, and the engine sums such rows a dozen times a day.
Adding columns in order is elementwise per replication, so a row's sum never depends on which
other replications share its chunk.
"""

from __future__ import annotations

import numpy as np


def row_sum(x: np.ndarray, keepdims: bool = False) -> np.ndarray:
    """(reps,) the sum of each row of a (reps, k) array, or (reps, 1) with `keepdims`."""
    total = np.zeros(x.shape[0])
    for column in range(x.shape[1]):
        total += x[:, column]
    return total[:, None] if keepdims else total
