"""Row sums: numpy's sums to rounding, and a row's sum never depends on the other rows; two
arrays side by side as numpy concatenates them."""

from __future__ import annotations

import numpy as np

from smmsim.simulator.rows import beside, row_sum


def in_column_order(x: np.ndarray) -> np.ndarray:
    """Each row's columns added left to right from 0.0, as numpy adds them one after another."""
    total = np.zeros(x.shape[0])
    with np.errstate(invalid="ignore"):  # inf - inf is nan, as it is in the loop
        for column in range(x.shape[1]):
            total += x[:, column]
    return total


def test_row_sums_are_numpys_to_rounding_and_keep_their_shape():
    x = np.random.default_rng(1).gamma(1.0, 100.0, (1000, 7))
    assert np.allclose(row_sum(x), x.sum(axis=1), rtol=1e-14)
    assert row_sum(x, keepdims=True).shape == (1000, 1)
    assert np.array_equal(row_sum(np.zeros((5, 0))), np.zeros(5))


def test_row_sums_add_the_columns_in_order_bit_for_bit():
    """The compiled loop adds a row's columns in the order the engine always added them, so no
    simulated number moved: for any layout the engine hands it (a column slice, a transposed
    view, flags as booleans, integers), and with signed zeros, infinities and nan."""
    rng = np.random.default_rng(3)
    x = rng.gamma(0.5, 1e3, (500, 9)) * rng.choice([1.0, -1.0, 1e-12, 1e12], (500, 9))
    x[:5] = [
        [-0.0] * 9,
        [np.inf, 1.0, *[0.0] * 7],
        [np.nan, *[1.0] * 8],
        [-np.inf, np.inf, *[0.0] * 7],
        [0.1] * 9,
    ]
    for cells in (x, x[:, 2:6], x[:9].T, x > 1.0, (x[5:] * 10).astype(np.int64)):
        summed, expected = row_sum(cells), in_column_order(cells)
        assert np.array_equal(summed, expected, equal_nan=True)
        assert np.array_equal(np.signbit(summed), np.signbit(expected))  # 0.0 is not -0.0


def test_a_rows_sum_is_the_same_in_any_chunk():
    """Bit-identical chunking: the engine sums a chunk's rows, and a replication's total must
    not change with the chunk it falls in."""
    x = np.random.default_rng(2).gamma(1.0, 100.0, (3000, 5))
    whole = row_sum(x)
    parts = np.concatenate([row_sum(x[:1000]), row_sum(x[1000:2500]), row_sum(x[2500:])])
    assert np.array_equal(whole, parts)


def test_arrays_side_by_side_are_numpys_concatenation():
    """The day's lines are the arms' columns then the tactics': every number where
    `np.concatenate` puts it, for views, flags and an empty side."""
    rng = np.random.default_rng(5)
    arms, tactics = rng.random((300, 8)), rng.gamma(0.3, 5.0, (300, 11))
    for left, right in (
        (arms, tactics),
        (arms[:, ::2], tactics[:, 3:5]),
        (arms > 0.5, tactics),
        (arms, tactics[:, :0]),
        (arms.T[:5], tactics.T[:5]),
    ):
        together = beside(left, right)
        assert together.dtype == np.float64
        assert np.array_equal(together, np.concatenate([left, right], axis=1))
