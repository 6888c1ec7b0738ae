"""Row sums: numpy's sums to rounding, and a row's sum never depends on the other rows."""

from __future__ import annotations

import numpy as np

from smmsim.simulator.rows import row_sum


def test_row_sums_are_numpys_to_rounding_and_keep_their_shape():
    x = np.random.default_rng(1).gamma(1.0, 100.0, (1000, 7))
    assert np.allclose(row_sum(x), x.sum(axis=1), rtol=1e-14)
    assert row_sum(x, keepdims=True).shape == (1000, 1)
    assert np.array_equal(row_sum(np.zeros((5, 0))), np.zeros(5))


def test_a_rows_sum_is_the_same_in_any_chunk():
    """Bit-identical chunking: the engine sums a chunk's rows, and a replication's total must
    not change with the chunk it falls in."""
    x = np.random.default_rng(2).gamma(1.0, 100.0, (3000, 5))
    whole = row_sum(x)
    parts = np.concatenate([row_sum(x[:1000]), row_sum(x[1000:2500]), row_sum(x[2500:])])
    assert np.array_equal(whole, parts)
