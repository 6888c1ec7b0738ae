"""Drawing true rates fast, and without scipy: each prior's quantile at a uniform.

A replication's true rate is its prior's quantile at one uniform (randomness.py). Both families go
through the uniform's normal quantile z (AS 241, compiled: `kernels.normal_quantiles`): a
lognormal's draw is exp(mu + sigma z), and a Beta's is read off a table of its quantile.

scipy's Beta quantile costs about 3 microseconds a value, which is most of a chunk's set-up at
10,000 replications and half a minute at a million. So each Beta prior's quantile is computed at
4,097 points evenly spaced in z (from -8.3 to 8.3: every uniform the generator gives but its 0,
2**-53 to 1 - 2**-53, lies inside), and read off a monotone cubic (PCHIP's slopes) through them.
Its relative error is below 1e-7 for planning priors (both shapes 2 or more), 1e-6 with shapes
just above 1, 5e-6 for an L-shaped prior (a = 0.5) and 3e-5 for a U-shaped one (a = b = 0.3), far
inside any prior's own uncertainty; it keeps every draw monotone in its uniform, so common random
numbers across scenarios still move each replication the same way (tests/test_quantiles.py).

The nodes are solved by a compiled Newton's method on the incomplete beta function's continued
fraction (`prior_kernels.py`), within 1e-11 of the exact quantile. Importing scipy.special for
them cost 0.2-0.3 s in every process that draws a prior, as long as a whole simulation of a small
plan. scipy still solves the rare prior the kernel does not: a shape beyond `LARGEST_SHAPE` (the
continued fraction would need too many terms) or a node it leaves unsolved (a shape near 0).
"""

from __future__ import annotations

import math
from functools import cache, lru_cache

import numpy as np

from smmsim.scenarios.beta_fit import LARGEST_SHAPE, log_beta
from smmsim.scenarios.priors import Beta, LogNormal
from smmsim.simulator import compiled

Z_EDGE = 8.3
TABLE_POINTS = 4097


def draw_quantile(distribution, u: np.ndarray) -> np.ndarray:
    """The distribution's quantiles at uniforms u: a Beta's from its table, a lognormal's from
    its normal quantile, a point mass's as it is."""
    if isinstance(distribution, Beta) and distribution.point is None:
        # The generator's 0 (once in 2**53 draws) is raised to the smallest double, whose z
        # lies beyond the table: it takes the table's first value, like every u below 5e-17.
        z = np.clip(normal_quantiles(u), -Z_EDGE, Z_EDGE)
        return _beta_table(distribution.a, distribution.b).at(z)
    if isinstance(distribution, LogNormal):
        return np.exp(distribution.mu + distribution.sigma * normal_quantiles(u))
    return distribution.quantile(u)


def normal_quantiles(u: np.ndarray) -> np.ndarray:
    """The standard normal quantile of each uniform (AS 241, within about 1e-16 of scipy's
    ndtri), in u's shape; the kernel reads a flat copy where u is not laid out as one."""
    flat = np.ascontiguousarray(u, dtype=float).reshape(-1)
    z = np.empty_like(flat)
    compiled.normal_quantiles(flat, z)
    return z.reshape(np.shape(u))


class MonotoneCubic:
    """A monotone cubic Hermite interpolant (Fritsch-Carlson, the slopes scipy's PCHIP uses) on
    an evenly spaced grid, written out to keep scipy.interpolate (0.2 s to import) out of a run."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        self.x0, self.h = x[0], x[1] - x[0]
        self.y = y
        secant = np.diff(y) / self.h
        slopes = np.empty_like(y)
        slopes[0], slopes[-1] = secant[0], secant[-1]
        left, right = secant[:-1], secant[1:]
        # Evenly spaced: the weighted harmonic mean of the neighbouring secants is the plain
        # one; where they differ in sign (or one is flat) the slope is 0, keeping it monotone.
        same_sign = left * right > 0
        left, right = np.where(same_sign, left, 1.0), np.where(same_sign, right, 1.0)
        slopes[1:-1] = np.where(same_sign, 2 / (1 / left + 1 / right), 0.0)
        self.slopes = slopes

    def at(self, x: np.ndarray) -> np.ndarray:
        t = (np.asarray(x, dtype=float) - self.x0) / self.h
        i = np.clip(np.floor(t).astype(np.int64), 0, len(self.y) - 2)
        t -= i
        t2, t3 = t * t, t * t * t
        return (
            (2 * t3 - 3 * t2 + 1) * self.y[i]
            + (t3 - 2 * t2 + t) * self.h * self.slopes[i]
            + (-2 * t3 + 3 * t2) * self.y[i + 1]
            + (t3 - t2) * self.h * self.slopes[i + 1]
        )


@lru_cache(maxsize=1024)
def _beta_table(a: float, b: float) -> MonotoneCubic:
    return MonotoneCubic(table_z(), beta_quantile_nodes(a, b))


@cache
def table_z() -> np.ndarray:
    return np.linspace(-Z_EDGE, Z_EDGE, TABLE_POINTS)


@cache
def node_log_odds() -> np.ndarray:
    """log(Phi(z) / Phi(-z)) at each node: the CDF's log-odds that each node's quantile has,
    with neither tail's probability rounded to 0 or 1."""

    def log_phi(z: float) -> float:
        return math.log(0.5 * math.erfc(-z / math.sqrt(2.0)))

    return np.array([log_phi(z) - log_phi(-z) for z in table_z().tolist()])


def beta_quantile_nodes(a: float, b: float) -> np.ndarray:
    """The Beta(a, b) quantile at each node, by the compiled solver, else by scipy."""
    if max(a, b) <= LARGEST_SHAPE:
        nodes = np.empty(TABLE_POINTS)
        mean_log_odds = math.log(a / b)
        compiled.beta_quantile_nodes(a, b, log_beta(a, b), mean_log_odds, node_log_odds(), nodes)
        if np.isfinite(nodes).all():
            return nodes
    return scipy_quantile_nodes(a, b)


def scipy_quantile_nodes(a: float, b: float) -> np.ndarray:
    """The same nodes by scipy, each tail from its own side's probability: Phi(z) above the
    middle rounds to 1 where Phi(-z) still has every digit."""
    from scipy.special import betainccinv, betaincinv, ndtr

    z = table_z()
    return np.where(z <= 0, betaincinv(a, b, ndtr(z)), betainccinv(a, b, ndtr(-z)))
