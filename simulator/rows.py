"""Row sums of the engine's (replications, columns) arrays, and two such arrays side by side.

numpy reduces along a short last axis (a few arms, platforms or portals) about ten times slower
than it adds the columns one after another, and the engine sums such rows a dozen times a day;
a compiled loop adding each row's columns in the same order takes a quarter of even that. A row's
sum never depends on which other replications share its chunk.
"""

from __future__ import annotations

import numpy as np

from smmsim.simulator.compiled import laid_out, row_sums, side_by_side, unchecked


def row_sum(x: np.ndarray, keepdims: bool = False) -> np.ndarray:
    """(reps,) the sum of each row of a (reps, k) array, or (reps, 1) with `keepdims`: its
    columns added in order from 0.0, in one compiled pass over the rows (`row_kernels.py`)."""
    total = np.empty(x.shape[0])
    unchecked(row_sums)(laid_out(x, x.shape), total)
    return total[:, None] if keepdims else total


def beside(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """(reps, a + b) float64: `left`'s a columns, then `right`'s b, as `np.concatenate` along
    the rows gives them, in one compiled pass over the rows (numpy copies a few numbers a call,
    a call for every row and array)."""
    out = np.empty((left.shape[0], left.shape[1] + right.shape[1]))
    unchecked(side_by_side)(laid_out(left, left.shape), laid_out(right, right.shape), out)
    return out
