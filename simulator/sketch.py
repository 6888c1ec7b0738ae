"""A mergeable quantile sketch: counts on a fixed logarithmic grid of values (a log histogram).

A value x > 0 falls in bucket i = ceil(log(x) / log(g)), which holds (g^(i-1), g^i], with
g = (1 + a) / (1 - a); negative values mirror it and zeros are counted apart. The grid is the same
for every scenario, chunk and run, so two sketches merge by adding integer counts: the merged
counts never depend on how the replications were chunked or in which order chunks finished.

Each bucket is read as 2 g^i / (g + 1), which lies within a relative `a` of every value in the
bucket. A quantile is read as numpy's default (linear interpolation between the order statistics
of ranks k and k + 1 around q (n - 1)) with each order statistic replaced by its bucket's value,
so |estimate - exact| <= a * max(|x_k|, |x_k+1|): at most a relative `a` of the exact quantile
when both neighbours have one sign. NaN is not counted (a CPA without conversions has no value).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# The relative precision of every streamed quantile: 0.1%.
RELATIVE_ERROR = 0.001
GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
LOG_GAMMA = math.log(GAMMA)


@dataclass
class QuantileSketch:
    """Counts per bucket: `negative` and `positive` map bucket index -> count (sorted index
    arrays with their counts), `zeros` counts exact zeros."""

    neg_index: np.ndarray
    neg_count: np.ndarray
    zeros: int
    pos_index: np.ndarray
    pos_count: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray) -> QuantileSketch:
        """The sketch of the finite values in `values` (NaN and infinities are left out)."""
        values = np.asarray(values, dtype=float).ravel()
        values = values[np.isfinite(values)]
        neg_index, neg_count = _buckets(-values[values < 0])
        pos_index, pos_count = _buckets(values[values > 0])
        return cls(neg_index, neg_count, int(np.count_nonzero(values == 0)), pos_index, pos_count)

    @property
    def count(self) -> int:
        return int(self.neg_count.sum() + self.zeros + self.pos_count.sum())

    def merge(self, other: QuantileSketch) -> QuantileSketch:
        return QuantileSketch(
            *_add(self.neg_index, self.neg_count, other.neg_index, other.neg_count),
            self.zeros + other.zeros,
            *_add(self.pos_index, self.pos_count, other.pos_index, other.pos_count),
        )

    def values_and_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Each non-empty bucket's value, ascending, with its count."""
        values = np.concatenate(
            [-_value(self.neg_index[::-1]), [0.0] if self.zeros else [], _value(self.pos_index)]
        )
        counts = np.concatenate(
            [self.neg_count[::-1], [self.zeros] if self.zeros else [], self.pos_count]
        )
        return values, counts.astype(np.int64)

    def quantiles(self, qs: list[float]) -> list[float | None]:
        """The quantiles `qs` (0-1) as numpy's linear interpolation reads them (see the module)."""
        values, counts = self.values_and_counts()
        n = int(counts.sum())
        if n == 0:
            return [None] * len(qs)
        ends = np.cumsum(counts)  # the order statistics of ranks ends[j-1] .. ends[j]-1 are j's

        def order_statistic(rank: int) -> float:
            return float(values[np.searchsorted(ends, rank, side="right")])

        out = []
        for q in qs:
            position = q * (n - 1)
            k = math.floor(position)
            low, high = order_statistic(k), order_statistic(min(k + 1, n - 1))
            out.append(low + (position - k) * (high - low))
        return out


def _buckets(magnitudes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if magnitudes.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    index = np.ceil(np.log(magnitudes) / LOG_GAMMA).astype(np.int64)
    unique, counts = np.unique(index, return_counts=True)
    return unique, counts.astype(np.int64)


def _value(index: np.ndarray) -> np.ndarray:
    return 2.0 * np.exp(index * LOG_GAMMA) / (GAMMA + 1.0)


def _add(a_index, a_count, b_index, b_count) -> tuple[np.ndarray, np.ndarray]:
    if a_index.size == 0:
        return b_index, b_count
    if b_index.size == 0:
        return a_index, a_count
    index, inverse = np.unique(np.concatenate([a_index, b_index]), return_inverse=True)
    counts = np.zeros(index.size, dtype=np.int64)
    np.add.at(counts, inverse, np.concatenate([a_count, b_count]))
    return index, counts
