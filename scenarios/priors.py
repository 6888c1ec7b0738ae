"""Beliefs with uncertainty: the prior distributions a planner writes for costs and rates.

A planner states a belief as a bare number (known exactly), a mean with a spread (`sd`), or a 90%
interval (`p5`, `p95`). Prices (CPM) are positive and right-skewed, so they are lognormal; rates
(CTR, join rate, conversion rate) live in (0, 1), so they are Beta. Both families are fitted so that
the stated numbers hold exactly: the mean and sd by the method of moments, an interval by matching
its 5th and 95th percentiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import TYPE_CHECKING

from smmsim.scenarios import beta_fit

if TYPE_CHECKING:  # numpy loads when a prior first draws: loading a scenario needs none
    import numpy as np

Z95 = 1.6448536269514722  # standard normal 95th percentile: a 90% interval spans +-Z95 sd


def open_uniforms(rng: np.random.Generator, size: int) -> np.ndarray:
    """Uniforms on (0, 1): the generator's [0, 1) without its zero, whose quantile is no value."""
    import numpy as np

    return np.maximum(rng.random(size), np.finfo(float).tiny)


# The standard normal quantiles of the smallest and largest uniforms but one that `open_uniforms`
# gives (the generator's 53-bit grid; its 0, raised to `tiny`, comes once in 2**53 draws): a
# lognormal's draws lie between exp(mu + sigma z) at these two.
EXTREME_Z = tuple(NormalDist().inv_cdf(u) for u in (2.0**-53, 1 - 2.0**-53))


@dataclass(frozen=True)
class LogNormal:
    """log X ~ Normal(mu, sigma). sigma == 0 is a point mass at exp(mu)."""

    mu: float
    sigma: float

    @property
    def mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draws by inversion of one uniform each, so that a changed prior moves every
        replication's value monotonically (common random numbers across scenarios)."""
        return self.quantile(open_uniforms(rng, size))

    def quantile(self, u: np.ndarray) -> np.ndarray:
        import numpy as np
        from scipy.special import ndtri

        return np.exp(self.mu + self.sigma * ndtri(u))

    def power_mean(self, n: int) -> float:
        """E[X^n] = exp(n mu + n^2 sigma^2 / 2), for any integer n (negative too)."""
        return math.exp(n * self.mu + n * n * self.sigma**2 / 2)

    def drawable(self) -> bool:
        """Every draw is a positive finite number, and so are the mean and E[1/X] that the
        strategies read (a price of 0 or infinity would buy infinite or no impressions).
        Raises OverflowError where a draw or moment is too large for a float."""
        tails = [math.exp(self.mu + self.sigma * z) for z in EXTREME_Z]
        moments = [self.power_mean(1), self.power_mean(-1)]
        return all(math.isfinite(x) and x > 0 for x in tails + moments)


@dataclass(frozen=True)
class Beta:
    """X ~ Beta(a, b); `point` set means a point mass (a rate known exactly)."""

    a: float
    b: float
    point: float | None = None

    @property
    def mean(self) -> float:
        return self.point if self.point is not None else self.a / (self.a + self.b)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draws by inversion of one uniform each (see `LogNormal.sample`)."""
        return self.quantile(open_uniforms(rng, size))

    def quantile(self, u: np.ndarray) -> np.ndarray:
        import numpy as np

        if self.point is not None:
            return np.full(np.shape(u), self.point)
        from scipy.special import betaincinv

        return betaincinv(self.a, self.b, u)

    def drawable(self) -> bool:
        """Finite positive shapes (or a point mass): every draw is then a rate in [0, 1]."""
        if self.point is not None:
            return True
        shapes = (self.a, self.b)
        return all(math.isfinite(x) and x > 0 for x in shapes)

    @property
    def second_moment(self) -> float:
        """E[X^2] = a (a + 1) / ((a + b) (a + b + 1))."""
        if self.point is not None:
            return self.point**2
        a, b = self.a, self.b
        return a * (a + 1) / ((a + b) * (a + b + 1))


def lognormal_from_mean_sd(mean: float, sd: float) -> LogNormal:
    """Moments: sigma^2 = ln(1 + sd^2/mean^2), mu = ln(mean) - sigma^2/2."""
    sigma2 = math.log1p((sd / mean) ** 2)
    return LogNormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))


def lognormal_from_interval(p5: float, p95: float) -> LogNormal:
    """Percentiles: mu is the log-midpoint, sigma = (ln p95 - ln p5) / (2 z95)."""
    lo, hi = math.log(p5), math.log(p95)
    return LogNormal((lo + hi) / 2, (hi - lo) / (2 * Z95))


def beta_from_mean_sd(mean: float, sd: float) -> Beta:
    """Moments: a + b = mean(1-mean)/sd^2 - 1. Needs sd^2 < mean(1-mean) (checked by the schema)."""
    if sd**2 == 0:  # also an sd so small that its square underflows: known exactly
        return Beta(math.nan, math.nan, point=mean)
    concentration = mean * (1 - mean) / sd**2 - 1
    if math.isinf(concentration):  # an sd so small that the shapes overflow: known exactly too
        return Beta(math.nan, math.nan, point=mean)
    return Beta(mean * concentration, (1 - mean) * concentration)


@lru_cache(maxsize=256)
def beta_from_interval(p5: float, p95: float) -> Beta:
    """The Beta whose 5th and 95th percentiles are p5 and p95, found by a 2-d root search.

    Starts from the moment fit of a normal reading of the interval, then solves in log(a), log(b)
    so both shape parameters stay positive: by Newton's method on the Beta CDF in plain Python
    (`beta_fit`, no scipy import at scenario load), else by scipy's least squares on the quantiles.
    """
    start = interval_start(p5, p95)
    shapes = beta_fit.solve(p5, p95, start)
    if shapes is None:
        shapes = beta_by_least_squares(p5, p95, start)
    return Beta(*shapes)


def interval_start(p5: float, p95: float) -> tuple[float, float]:
    """Both solvers' starting shapes: the moment fit of a normal reading of the interval."""
    mid, sd = (p5 + p95) / 2, (p95 - p5) / (2 * Z95)
    start = beta_from_mean_sd(mid, min(sd, 0.99 * math.sqrt(mid * (1 - mid))))
    return start.a, start.b


def beta_by_least_squares(p5: float, p95: float, start: tuple[float, float]) -> tuple[float, float]:
    """The same fit by scipy's trust-region least squares on the log quantiles: slower to import
    (scipy.stats and scipy.optimize) but robust from any start."""
    import numpy as np
    from scipy import optimize, stats

    def mismatch(log_ab: np.ndarray) -> np.ndarray:
        a, b = np.exp(log_ab)
        return np.log(stats.beta.ppf([0.05, 0.95], a, b)) - np.log([p5, p95])

    sol = optimize.least_squares(mismatch, np.log(start), xtol=1e-12, ftol=1e-12)
    a, b = np.exp(sol.x)
    return float(a), float(b)
