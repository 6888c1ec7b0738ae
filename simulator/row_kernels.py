"""Row sums of the engine's (replications, columns) arrays as a compiled loop: numba source,
like `kernels.py`.

A row is summed from 0.0 column by column, left to right, the order `rows.row_sum` always added
them in, so the sums are the same bit for bit. numpy adds a short row's columns one strided
pass after another; one pass over the rows takes a quarter of that time.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def row_sums(x, out) -> None:
    """out[r] = x[r, 0] + x[r, 1] + ..., added in that order from 0.0; x is (rows, columns)."""
    n_rows, n_columns = x.shape
    for r in range(n_rows):
        total = 0.0
        for c in range(n_columns):
            total += x[r, c]
        out[r] = total
