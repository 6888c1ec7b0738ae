"""Row sums of the engine's (replications, columns) arrays.

numpy reduces along a short last axis (a few arms, platforms or portals) about ten times slower
than it adds the columns one after another, and the engine sums such rows a dozen times a day;
a compiled loop adding each row's columns in the same order takes a quarter of even that. A row's
sum never depends on which other replications share its chunk.
"""

from __future__ import annotations

import numpy as np

from smmsim.simulator.compiled import laid_out, row_sums, unchecked


def row_sum(x: np.ndarray, keepdims: bool = False) -> np.ndarray:
    """(reps,) the sum of each row of a (reps, k) array, or (reps, 1) with `keepdims`: its
    columns added in order from 0.0, in one compiled pass over the rows (`row_kernels.py`)."""
    total = np.empty(x.shape[0])
    unchecked(row_sums)(laid_out(x, x.shape), total)
    return total[:, None] if keepdims else total
