"""Mergeable summaries of a chunk's replications, for runs too large to keep every replication.

While `summarising_chunk(block_starts)` is active, the summary functions (`summary.describe`,
`describe_kpi`, `kpi_difference`, `proportion`, `probability_met`) return partial summaries
instead of numbers: the document of one chunk then has a partial wherever the exact document has
a summary. Two chunks' documents merge leaf by leaf (`merge_tree`), and `finish_tree` turns the
merged partials into the numbers the exact functions would give:
- counts (P(KPI met), shares of decisions) are integers: exact;
- sums, sums of squares and cross-products are kept per RNG block and added at the end with
  `math.fsum` (correctly rounded), so means, standard errors and ratio intervals do not depend
  on how blocks were chunked or in which order chunks finished; they equal the exact figures up
  to float rounding;
- quantiles come from a log-grid histogram (`simulator.sketch`) within a relative 0.1%.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np

from smmsim.simulator.ratios import UNDEFINED, RatioEstimate, scaled_estimate, wilson
from smmsim.simulator.sketch import QuantileSketch

QUANTILES = (0.05, 0.5, 0.95)

_BLOCKS: ContextVar[np.ndarray | None] = ContextVar("chunk_blocks", default=None)


@contextmanager
def summarising_chunk(block_starts: np.ndarray) -> Iterator[None]:
    """Make the summary functions return partials of a chunk whose RNG blocks start at
    `block_starts` (row offsets within the chunk)."""
    token = _BLOCKS.set(np.asarray(block_starts, dtype=np.int64))
    try:
        yield
    finally:
        _BLOCKS.reset(token)


def chunk_blocks() -> np.ndarray | None:
    """The block starts of the chunk being summarised, None when summaries are exact."""
    return _BLOCKS.get()


class Partial:
    def merge(self, other: Partial) -> Partial:
        raise NotImplementedError

    def finish(self):
        raise NotImplementedError


@dataclass
class Moments(Partial):
    """Per-block sums of 1 (the count), of each column and of each product of two columns, over
    the rows kept. Rows are (n_blocks, 1 + k + k * k)."""

    k: int
    rows: np.ndarray

    @classmethod
    def of(cls, columns: list[np.ndarray], keep: np.ndarray | None = None) -> Moments:
        blocks = chunk_blocks()
        v = np.column_stack([np.asarray(c, dtype=float) for c in columns])
        ones = np.ones(v.shape[0]) if keep is None else keep.astype(float)
        v = np.where(ones[:, None] > 0, v, 0.0)  # a dropped row adds nothing, NaN included
        products = (v[:, :, None] * v[:, None, :]).reshape(v.shape[0], -1)
        table = np.column_stack([ones, v, products])
        return cls(v.shape[1], np.add.reduceat(table, blocks, axis=0))

    def merge(self, other: Moments) -> Moments:
        return Moments(self.k, np.vstack([self.rows, other.rows]))

    def totals(self) -> tuple[float, np.ndarray, np.ndarray]:
        """(n, sums (k,), cross-products (k, k)), each added with `math.fsum`."""
        sums = np.array([math.fsum(column) for column in self.rows.T])
        k = self.k
        return sums[0], sums[1 : 1 + k], sums[1 + k :].reshape(k, k)

    def linear(self, coefficients: np.ndarray) -> tuple[float, float, float]:
        """(n, sum, sum of squares) of the combination `coefficients` . columns."""
        n, sums, products = self.totals()
        return n, float(coefficients @ sums), float(coefficients @ products @ coefficients)


def standard_error(n: float, total: float, squares: float) -> float:
    """The standard error of a mean from n, the sum and the sum of squares (ddof=1)."""
    if n < 2:
        return 0.0
    variance = max(squares - total * total / n, 0.0) / (n - 1)
    return math.sqrt(variance / n)


@dataclass
class Describe(Partial):
    """`summary.describe`: the mean of the finite values and their 5/50/95% quantiles."""

    moments: Moments
    sketch: QuantileSketch

    @classmethod
    def of(cls, values: np.ndarray) -> Describe:
        values = np.asarray(values, dtype=float)
        return cls(Moments.of([values], keep=~np.isnan(values)), QuantileSketch.of(values))

    def merge(self, other: Describe) -> Describe:
        return Describe(self.moments.merge(other.moments), self.sketch.merge(other.sketch))

    def finish(self) -> dict[str, float | None]:
        n, sums, _ = self.moments.totals()
        if n == 0:
            return dict.fromkeys(("mean", "p5", "p50", "p95"))
        p5, p50, p95 = self.sketch.quantiles(list(QUANTILES))
        return {"mean": float(sums[0] / n), "p5": p5, "p50": p50, "p95": p95}


@dataclass
class Ratio(Partial):
    """`ratios.expected_ratio` (one pair) or `paired_ratio_difference` (two pairs): the moments
    of numerators and denominators, (num, den) or (num_a, den_a, num_b, den_b)."""

    moments: Moments
    scale: float

    @classmethod
    def of(cls, columns: list[np.ndarray], scale: float) -> Ratio:
        return cls(Moments.of(columns), scale)

    def merge(self, other: Ratio) -> Ratio:
        return Ratio(self.moments.merge(other.moments), self.scale)

    def finish(self) -> RatioEstimate:
        n, sums, _ = self.moments.totals()
        pairs = sums.size // 2
        means = sums / n if n else np.zeros_like(sums)
        dens = means[1::2]
        if n == 0 or (dens <= 0).any():
            return UNDEFINED
        ratios = means[0::2] / dens
        # The influence of a replication: (num - r den) / mean(den), ours minus theirs.
        coefficients = np.zeros(sums.size)
        for p, sign in zip(range(pairs), (1.0, -1.0), strict=False):
            coefficients[2 * p] = sign / dens[p]
            coefficients[2 * p + 1] = -sign * ratios[p] / dens[p]
        n, total, squares = self.moments.linear(coefficients)
        value = ratios[0] - (ratios[1] if pairs == 2 else 0.0)
        return scaled_estimate(float(value), standard_error(n, total, squares), self.scale)


@dataclass
class Kpi(Partial):
    """`summary.describe_kpi` or `kpi_difference`: the quantiles of `values` with, as its
    expected value, a ratio of expected totals (`ratio`) or the mean difference (`mean`)."""

    values: Describe
    ratio: Ratio | None
    mean: bool = False  # a difference's mean with its interval (`summary.mean_difference`)

    def merge(self, other: Kpi) -> Kpi:
        ratio = None if self.ratio is None else self.ratio.merge(other.ratio)
        return Kpi(self.values.merge(other.values), ratio, self.mean)

    def finish(self) -> dict[str, float | None]:
        stats = self.values.finish()
        if self.ratio is not None:
            estimate = self.ratio.finish()
        elif self.mean:
            n, sums, products = self.values.moments.totals()
            if n == 0:
                estimate = UNDEFINED
            else:
                mean = float(sums[0] / n)
                se = standard_error(n, float(sums[0]), float(products[0, 0]))
                estimate = scaled_estimate(mean, se, 1.0)
        else:
            return stats
        return {
            **stats,
            "mean": estimate.value,
            "ci_low": estimate.ci_low,
            "ci_high": estimate.ci_high,
        }


@dataclass
class Count(Partial):
    """A Monte Carlo probability from integer counts: `share` a bare float, else with its 90%
    Wilson interval (`summary.proportion`)."""

    hits: int
    n: int
    share: bool = False

    @classmethod
    def of(cls, hits: np.ndarray, share: bool = False) -> Count:
        return cls(int(np.count_nonzero(hits)), int(np.size(hits)), share)

    def merge(self, other: Count) -> Count:
        return Count(self.hits + other.hits, self.n + other.n, self.share)

    def finish(self):
        if self.share:
            return self.hits / self.n if self.n else math.nan
        return wilson(self.hits, self.n)


def merge_tree(a, b):
    """Two chunks' partial documents merged leaf by leaf (other leaves must agree)."""
    if isinstance(a, dict):
        return {key: merge_tree(value, b[key]) for key, value in a.items()}
    if isinstance(a, list):
        return [merge_tree(x, y) for x, y in zip(a, b, strict=True)]
    if isinstance(a, (Partial, QuantileSketch)):
        return a.merge(b)
    return a


def finish_tree(tree):
    """The merged document with every partial turned into its numbers (sketches kept)."""
    if isinstance(tree, dict):
        return {key: finish_tree(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [finish_tree(x) for x in tree]
    if isinstance(tree, Partial):
        return finish_tree(tree.finish())
    return tree
