"""Where the randomness comes from, and its deterministic twin.

Replications are grouped in fixed blocks of `RNG_BLOCK`; block b has the seed sequence
`SeedSequence(seed).spawn(...)[b]`. A chunk of work is a run of whole blocks and every raw draw
(normals, uniforms, prior samples) is made block by block, so a replication's numbers depend only on
the seed and its block, never on how the work is chunked or spread over processes.

Common random numbers. Within a block every arm draws from its own stream, keyed by the arm's name,
and strategies draw from one more stream of their own. So two runs that share a seed share each
arm's true rates and daily noise, whatever the strategy (a strategy's posterior draws never shift
the market's numbers) and whatever other arms the scenario has: comparisons are paired replication
by replication.

`ExpectedDraws` returns expectations instead of draws: priors at their means and no noise, so a
deterministic run equals the closed-form arithmetic of the model.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

RNG_BLOCK = 1000
# Counts whose variance is at least this are drawn from the normal approximation with the
# Cornish-Fisher skewness correction, rounded and clipped to the support: its total-variation
# distance to the exact binomial is under 1% from variance 3 up and falls with size (0.3% at 9,
# 0.15% at 30) and its mean within 0.2% (tests/test_randomness.py measures both). Smaller counts
# are drawn exactly by inversion.
APPROXIMATE_FROM_VARIANCE = 3.0
# Stream keys: arms use the CRC-32 of their name (below 2**32); strategies use this one.
STRATEGY_STREAM = 2**32


class Draws(Protocol):
    n_reps: int
    sizes: list[int]  # replications in each RNG block, in order

    def rates(self, distributions: Sequence) -> np.ndarray: ...
    def noise(self, sigma: np.ndarray) -> np.ndarray: ...
    def binomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray: ...
    def poisson(self, lam: np.ndarray) -> np.ndarray: ...
    def whole(self, x: np.ndarray) -> np.ndarray: ...
    def strategy_beta(self, a: np.ndarray, b: np.ndarray, n_draws: int) -> np.ndarray: ...
    def strategy_normals(self, n_draws: int, n_arms: int) -> np.ndarray: ...
    def view(self, names: Sequence[str]) -> Draws: ...
    def bernoulli_wide(self, p: np.ndarray) -> np.ndarray: ...


def block_seeds(seed: int, n_reps: int) -> list[np.random.SeedSequence]:
    n_blocks = -(-n_reps // RNG_BLOCK)
    return np.random.SeedSequence(seed).spawn(n_blocks)


def arm_stream_key(arm_name: str) -> int:
    return zlib.crc32(arm_name.encode("utf-8"))


def substream(seed: np.random.SeedSequence, key: int) -> np.random.Generator:
    """A generator for one stream of a block, derived without touching the block's own state."""
    return np.random.default_rng(
        np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, key))
    )


class BlockDraws:
    """Random draws for the replications of a run of whole blocks, block by block and arm by arm."""

    def __init__(
        self,
        seeds: Sequence[np.random.SeedSequence],
        block_sizes: Sequence[int],
        arm_names: Sequence[str],
        streams: dict[str, list[np.random.Generator]] | None = None,
    ):
        # One generator per stream name and block, shared by every view that names the stream,
        # so a stream advances in one sequence whichever view draws from it.
        self.seeds = list(seeds)
        self.streams = {} if streams is None else streams
        for name in arm_names:
            if name not in self.streams:
                key = arm_stream_key(name)
                self.streams[name] = [substream(s, key) for s in self.seeds]
        self.arm_generators = [
            [self.streams[name][b] for name in arm_names] for b in range(len(self.seeds))
        ]
        self.strategy_generators = [substream(s, STRATEGY_STREAM) for s in seeds]
        self.sizes = [int(b) for b in block_sizes]
        self.n_reps = sum(self.sizes)

    def bernoulli_wide(self, p: np.ndarray) -> np.ndarray:
        """(reps, k) 0/1 draws with probabilities `p`, all k columns from the first stream of
        this view: for many exchangeable columns (portals) one generator call a block, not k."""
        out, start = [], 0
        for generators, size in zip(self.arm_generators, self.sizes, strict=True):
            rows = p[start : start + size]
            out.append((generators[0].random(rows.shape) < rows).astype(float))
            start += size
        return np.concatenate(out)

    def view(self, names: Sequence[str]) -> BlockDraws:
        """Draws with one column per name: an arm's or line's own stream (shared with every other
        view naming it), or a new stream for any other name (the reputation's, the backlash's)."""
        return BlockDraws(self.seeds, self.sizes, names, self.streams)

    def _per_arm(self, draw: Callable[[np.random.Generator, int, int], np.ndarray]) -> np.ndarray:
        """(reps, arms) from `draw(generator, size, arm)`, one column per arm stream per block."""
        return np.concatenate(
            [
                np.column_stack([draw(g, size, a) for a, g in enumerate(generators)])
                for generators, size in zip(self.arm_generators, self.sizes, strict=True)
            ]
        )

    def rates(self, distributions: Sequence) -> np.ndarray:
        """(reps, arms): each replication's true value of one rate for every arm."""
        return self._per_arm(lambda g, size, a: distributions[a].sample(g, size))

    def _normals(self) -> np.ndarray:
        return self._per_arm(lambda g, size, a: g.standard_normal(size))

    def _uniforms(self) -> np.ndarray:
        return self._per_arm(lambda g, size, a: g.random(size))

    def noise(self, sigma: np.ndarray) -> np.ndarray:
        """(reps, arms) mean-one lognormal multipliers exp(sigma z - sigma^2 / 2)."""
        return np.exp(sigma * self._normals() - sigma**2 / 2)

    def binomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray:
        n, p = np.broadcast_arrays(n, np.clip(p, 0.0, 1.0))
        mean = n * p
        var = mean * (1 - p)
        out = approximate_count(mean, var, 1 - 2 * p, self._normals(), n)
        small = (var > 0) & (var < APPROXIMATE_FROM_VARIANCE)  # var == 0: the count is certain
        u = self._uniforms()
        out[small] = binomial_by_inversion(u[small], n[small], p[small])
        return out

    def poisson(self, lam: np.ndarray) -> np.ndarray:
        out = approximate_count(lam, lam, 1.0, self._normals(), np.inf)
        small = (lam > 0) & (lam < APPROXIMATE_FROM_VARIANCE)
        u = self._uniforms()
        out[small] = poisson_by_inversion(u[small], lam[small])
        return out

    def whole(self, x: np.ndarray) -> np.ndarray:
        return np.floor(x)

    def strategy_beta(self, a: np.ndarray, b: np.ndarray, n_draws: int) -> np.ndarray:
        """(reps, n_draws, arms) Beta draws with (reps, arms) parameters, from the strategy
        stream (posterior sampling never shifts the market's random numbers)."""
        out, start = [], 0
        for g, size in zip(self.strategy_generators, self.sizes, strict=True):
            rows = slice(start, start + size)
            out.append(g.beta(a[rows, None, :], b[rows, None, :], (size, n_draws, a.shape[1])))
            start += size
        return np.concatenate(out)

    def strategy_normals(self, n_draws: int, n_arms: int) -> np.ndarray:
        """(reps, n_draws, arms) standard normals from the strategy stream."""
        return np.concatenate(
            [
                g.standard_normal((size, n_draws, n_arms))
                for g, size in zip(self.strategy_generators, self.sizes, strict=True)
            ]
        )


def approximate_count(mean, var, skew_term, z, upper) -> np.ndarray:
    """Cornish-Fisher: x = mean + sd z + sd g (z^2 - 1) / 6 with skewness g = skew_term / sd
    ((1 - 2p) for a binomial, 1 for a Poisson), rounded and clipped to [0, upper]. A count with
    no variance is certain: sd g stays finite as sd -> 0, so it is set to its mean, not drawn."""
    drawn = np.rint(mean + np.sqrt(var) * z + skew_term * (z * z - 1) / 6)
    return np.clip(np.where(var > 0, drawn, mean), 0, upper)


def binomial_by_inversion(u: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Exact Binomial(n, p) draws from uniforms u: the smallest k with F(k) >= u."""
    return _invert(
        u,
        np.exp(n * np.log1p(-p)),
        lambda k, at: (n[at] - k) / (k + 1) * p[at] / (1 - p[at]),
    )


def poisson_by_inversion(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Exact Poisson(lam) draws from uniforms u: the smallest k with F(k) >= u."""
    return _invert(u, np.exp(-lam), lambda k, at: lam[at] / (k + 1))


def _invert(u: np.ndarray, pmf0: np.ndarray, ratio: Callable) -> np.ndarray:
    """Walk the pmf up from k = 0 (pmf(k+1) = pmf(k) * ratio(k, at)), moving on only the cells
    whose uniform is still above the cdf. With small means most stop at k = 0, so that first step
    runs on whole arrays and only the few cells left walk on, by index."""
    above = u > pmf0
    counts = above.astype(float)
    at = np.flatnonzero(above)
    pmf = pmf0[at] * ratio(0, at)
    cdf = pmf0[at] + pmf
    k = 1
    while at.size:
        # pmf == 0 ends the walk where rounding left the cdf a hair below 1.
        more = (u[at] > cdf) & (pmf > 0)
        at, pmf, cdf = at[more], pmf[more], cdf[more]
        counts[at] += 1
        pmf = pmf * ratio(k, at)
        cdf += pmf
        k += 1
    return counts


class ExpectedDraws:
    """The deterministic twin: every draw replaced by its expectation."""

    def __init__(self, n_reps: int):
        self.n_reps = n_reps
        self.sizes = [n_reps]

    def rates(self, distributions: Sequence) -> np.ndarray:
        return np.tile([d.mean for d in distributions], (self.n_reps, 1))

    def noise(self, sigma: np.ndarray) -> np.ndarray:
        return np.ones((self.n_reps, len(sigma)))

    def binomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray:
        return n * np.clip(p, 0.0, 1.0)

    def poisson(self, lam: np.ndarray) -> np.ndarray:
        return np.asarray(lam, dtype=float).copy()

    def whole(self, x: np.ndarray) -> np.ndarray:
        return x

    def strategy_beta(self, a: np.ndarray, b: np.ndarray, n_draws: int) -> np.ndarray:
        return np.repeat((a / (a + b))[:, None, :], n_draws, axis=1)

    def strategy_normals(self, n_draws: int, n_arms: int) -> np.ndarray:
        return np.zeros((self.n_reps, n_draws, n_arms))

    def view(self, names: Sequence[str]) -> ExpectedDraws:
        return ExpectedDraws(self.n_reps)

    def bernoulli_wide(self, p: np.ndarray) -> np.ndarray:
        return np.asarray(p, dtype=float).copy()
