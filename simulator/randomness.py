"""Where the randomness comes from, and its deterministic twin.

Replications are grouped in fixed blocks of `RNG_BLOCK`; block b has the seed sequence
`SeedSequence(seed).spawn(...)[b]`. A chunk of work is a run of whole blocks, so a replication's
numbers depend only on the seed and its block, never on how the work is chunked or spread over
processes.

Every draw is made from uniforms, one per cell: a true rate by inversion of its prior, a count by
inversion of its cdf or, where its variance is large, by the Cornish-Fisher approximation at the
uniform's normal quantile (simulator/kernels.py), a daily noise multiplier from the uniform's normal
quantile. A stream's uniforms are one sequence of doubles from its generator, so they can be
fetched many days ahead in one compiled call per block (`StreamGroup`, numpy's SFC64 run on by
`kernels.draw_streams`) without changing a number: the k-th draw of a stream gets the same uniforms
however far ahead they were fetched.

Common random numbers. Within a block every arm draws from its own streams, keyed by the arm's
name (its delivery) and by "community/" and the name (its members' churn, purchases and
recommendations); tactics, the reputation and the backlash have streams of their own, and the
strategies one more. So two runs that share a seed share each arm's true rates and daily noise,
whatever the strategy (a strategy's posterior draws never shift the market's numbers) and whatever
other arms the scenario has: comparisons are paired replication by replication.

`ExpectedDraws` returns expectations instead of draws: priors at their means and no noise, so a
deterministic run equals the closed-form arithmetic of the model.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from smmsim.simulator.compiled import (
    binomial_counts,
    draw_kept_streams,
    draw_streams,
    laid_out,
    lognormal_noise,
    poisson_counts,
    unchecked,
)
from smmsim.simulator.quantiles import draw_quantile
from smmsim.simulator.sampler_rule import APPROXIMATE_FROM_VARIANCE

__all__ = ["APPROXIMATE_FROM_VARIANCE", "RNG_BLOCK", "BlockDraws", "Draws", "ExpectedDraws"]

RNG_BLOCK = 1000
# Stream keys: named streams use the CRC-32 of their name (below 2**32); strategies use this one.
STRATEGY_STREAM = 2**32
# How many uniforms a stream group fetches ahead: about this many bytes of rows, so a chunk of
# 10,000 replications of 8 arms fetches 13 rows (a few days of draws) at a time.
PREFETCH_BYTES = 8 * 2**20
MAX_ROWS_AHEAD = 64
# The generator's [0, 1) without its zero (once in 2**53 draws), whose quantile is no value.
SMALLEST_UNIFORM = np.finfo(float).tiny


class Draws(Protocol):
    n_reps: int
    sizes: list[int]  # replications in each RNG block, in order
    expected: bool  # every draw is its expectation (the deterministic twin)

    def uniforms(self, k: int) -> np.ndarray: ...

    def rates(self, distributions: Sequence, where: np.ndarray | None = None) -> np.ndarray: ...
    def noise(self, sigma: np.ndarray) -> np.ndarray: ...
    def binomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray: ...
    def poisson(self, lam: np.ndarray) -> np.ndarray: ...
    def whole(self, x: np.ndarray) -> np.ndarray: ...
    def strategy_beta(self, a: np.ndarray, b: np.ndarray, n_draws: int) -> np.ndarray: ...
    def strategy_normals(self, n_draws: int, n_arms: int) -> np.ndarray: ...
    def view(self, names: Sequence[str]) -> Draws: ...


def block_seeds(seed: int, n_reps: int) -> list[np.random.SeedSequence]:
    n_blocks = -(-n_reps // RNG_BLOCK)
    return np.random.SeedSequence(seed).spawn(n_blocks)


def stream_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def substream(seed: np.random.SeedSequence, key: int) -> np.random.Generator:
    """A generator for one stream of a block, derived without touching the block's own state.
    SFC64 rather than numpy's default PCG64: it passes the same statistical batteries, is
    seeded from a SeedSequence the same way, and makes doubles about twice as fast, which is
    most of what fetching uniforms costs."""
    child = np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, key))
    return np.random.Generator(np.random.SFC64(child))


def stream_states(seed: np.random.SeedSequence, names: Sequence[str]) -> np.ndarray:
    """(streams, 4) the SFC64 states of a block's named streams, as `substream` seeds them; the
    compiled `draw_streams` runs them on, giving the numbers their generators would."""
    states = [substream(seed, stream_key(name)).bit_generator.state for name in names]
    return np.array([s["state"]["state"] for s in states], dtype=np.uint64).reshape(-1, 4)


class StreamGroup:
    """The uniforms of a few named streams (one column each) over a run of whole blocks, handed
    out a row at a time (one uniform per replication and stream) and fetched many rows ahead in
    one compiled call per block. With `keep`, only those replications of each block are handed
    out (`BlockDraws`)."""

    def __init__(
        self,
        seeds: Sequence[np.random.SeedSequence],
        sizes: Sequence[int],
        names,
        keep: Sequence[np.ndarray | None] | None = None,
    ):
        self.sizes = list(sizes)
        self.keep = [  # sorted positions in the block, as the compiled loop reads them
            None if k is None else np.ascontiguousarray(k, dtype=np.int64)
            for k in (keep if keep is not None else [None] * len(self.sizes))
        ]
        self.copy_of = copies(seeds, self.sizes, self.keep)
        self.states = [
            None if copy is not None else stream_states(s, names)
            for s, copy in zip(seeds, self.copy_of, strict=True)
        ]
        kept = [
            size if k is None else len(k) for size, k in zip(self.sizes, self.keep, strict=True)
        ]
        self.shape = (sum(kept), len(names))
        row_bytes = 8 * max(self.shape[0] * self.shape[1], 1)
        self.ahead = int(np.clip(PREFETCH_BYTES // row_bytes, 1, MAX_ROWS_AHEAD))
        self.buffer = np.empty((0, *self.shape))
        self.next = 0
        self.spare: np.ndarray | None = None  # the last buffer, once fully handed out

    def rows(self, k: int = 1) -> np.ndarray:
        """(k, reps, streams) the next k rows; read-only views of the prefetched uniforms."""
        if self.next + k > len(self.buffer):
            left = self.buffer[self.next :]
            # A whole number of k-row requests ahead, so a stream read k rows a day (the
            # reputation's queries and portals) leaves nothing over to copy at the next fetch.
            fresh = self._fetch(max(-(-self.ahead // k) * k, k) - len(left))
            self.spare = self.buffer
            self.buffer = np.concatenate([left, fresh]) if len(left) else fresh
            self.buffer.flags.writeable = False  # rows handed out are views of it
            self.next = 0
        rows = self.buffer[self.next : self.next + k]
        self.next += k
        return rows

    def _fetch(self, k: int) -> np.ndarray:
        out = self._reuse(self.spare, (k, *self.shape))
        self.spare = None
        start, starts = 0, []
        for block, (state, size, keep) in enumerate(
            zip(self.states, self.sizes, self.keep, strict=True)
        ):
            width = size if keep is None else len(keep)
            starts.append(start)
            if (first := self.copy_of[block]) is not None:
                out[:, start : start + width] = out[:, starts[first] : starts[first] + width]
            elif keep is None:
                draw_streams(state, k, size, start, SMALLEST_UNIFORM, out)
            else:
                draw_kept_streams(state, k, size, keep, start, SMALLEST_UNIFORM, out)
            start += width
        return out

    @staticmethod
    def _reuse(old: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
        """An array of `shape` to write over: `old`'s memory where it has that shape and nothing
        outside this group still holds it or a view of it, else a new one. Fresh memory is
        faulted in page by page at its first write: about 0.8 ns a number, more than half of
        what drawing the number costs."""
        # Referenced by `old` here, getrefcount's argument and the caller's attribute only.
        if old is None or old.shape != shape or sys.getrefcount(old) > 3:
            return np.empty(shape)
        old.flags.writeable = True
        return old


def copies(
    seeds: Sequence[np.random.SeedSequence], sizes: Sequence[int], keep: Sequence
) -> list[int | None]:
    """For each block, the first earlier block with the same seed and size (whose uniforms it
    copies instead of drawing them again: plans side by side hold one copy of each block per
    plan, `simulator/stacked.py`); None for a block drawn itself."""
    first: dict[tuple, int] = {}
    found: list[int | None] = []
    for block, (seed, size, kept) in enumerate(zip(seeds, sizes, keep, strict=True)):
        key = (seed.entropy, tuple(seed.spawn_key), seed.pool_size, size)
        alike = first.get(key) if kept is None else None
        found.append(alike)
        if kept is None:
            first.setdefault(key, block)
    return found


class BlockDraws:
    """Random draws for the replications of a run of whole blocks, one column per named stream.

    Views split one run's draws into groups of streams; a stream belongs to one group only
    (naming it twice raises), so each group can fetch its uniforms ahead without taking numbers
    another group would have drawn.

    `keep` (per block, the indices of the replications to keep, None for all) makes draws for
    some replications of each block only, each with the numbers it gets in the whole block: every
    stream is drawn for the whole block and the kept columns are taken. It holds for every draw
    of one uniform per cell, and for the strategy's normals; not for its Beta draws, whose
    rejection sampler takes as many numbers as each replication's parameters need."""

    def __init__(
        self,
        seeds: Sequence[np.random.SeedSequence],
        block_sizes: Sequence[int],
        names: Sequence[str],
        taken: set[str] | None = None,
        keep: Sequence[np.ndarray | None] | None = None,
    ):
        self.seeds = list(seeds)
        self.block_sizes = [int(b) for b in block_sizes]
        self.keep = list(keep) if keep is not None else [None] * len(self.block_sizes)
        self.sizes = [  # replications drawn in each block
            size if k is None else len(k)
            for size, k in zip(self.block_sizes, self.keep, strict=True)
        ]
        self.n_reps = sum(self.sizes)
        self.taken = set() if taken is None else taken
        shared = self.taken.intersection(names)
        if shared or len(set(names)) < len(names):
            raise ValueError(f"random streams named twice: {sorted(shared) or list(names)}")
        self.taken.update(names)
        self.uniforms_group = StreamGroup(self.seeds, self.block_sizes, names, self.keep)
        self.strategy_generators = [substream(s, STRATEGY_STREAM) for s in self.seeds]

    expected = False

    def view(self, names: Sequence[str]) -> BlockDraws:
        """Draws of the same replications from streams of their own, one column per name."""
        return BlockDraws(self.seeds, self.block_sizes, names, self.taken, self.keep)

    def uniforms(self, k: int) -> np.ndarray:
        """(k, reps, streams) the next k rows of raw uniforms, for a compiled step that makes
        its k draws a cell itself (read-only)."""
        return self.uniforms_group.rows(k)

    def _uniform(self) -> np.ndarray:
        return self.uniforms_group.rows(1)[0]

    def rates(self, distributions: Sequence, where: np.ndarray | None = None) -> np.ndarray:
        """(reps, streams): each replication's true value of one rate for every stream, by
        inversion of one uniform, so a changed prior moves every replication's value
        monotonically (common random numbers across scenarios). With `where` (reps, streams)
        only those cells are drawn (the rest are 0); the uniforms are used up all the same."""
        u = self._uniform()
        if where is None:
            return np.column_stack([draw_quantile(d, u[:, i]) for i, d in enumerate(distributions)])
        out = np.zeros(u.shape)
        for i in np.flatnonzero(where.any(axis=0)):
            rows = where[:, i]
            out[rows, i] = draw_quantile(distributions[i], u[rows, i])
        return out

    def noise(self, sigma: np.ndarray) -> np.ndarray:
        """(reps, streams) mean-one lognormal multipliers exp(sigma z - sigma^2 / 2)."""
        u = self._uniform()
        return _elementwise(lognormal_noise, u, sigma)

    def binomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray:
        return _elementwise(binomial_counts, self._uniform(), n, p)

    def poisson(self, lam: np.ndarray) -> np.ndarray:
        return _elementwise(poisson_counts, self._uniform(), lam)

    def whole(self, x: np.ndarray) -> np.ndarray:
        return np.floor(x)

    def strategy_beta(self, a: np.ndarray, b: np.ndarray, n_draws: int) -> np.ndarray:
        """(reps, n_draws, arms) Beta draws with (reps, arms) parameters, from the strategy
        stream (posterior sampling never shifts the market's random numbers)."""
        if any(k is not None for k in self.keep):
            raise NotImplementedError(
                "Beta draws for some replications of a block would not be theirs in the whole "
                "block (the sampler's use of numbers depends on every replication's parameters)"
            )
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
                _kept(g.standard_normal((size, n_draws, n_arms)), keep)
                for g, size, keep in zip(
                    self.strategy_generators, self.block_sizes, self.keep, strict=True
                )
            ]
        )


def _kept(block: np.ndarray, keep: np.ndarray | None) -> np.ndarray:
    return block if keep is None else block[keep]


def _elementwise(kernel, u: np.ndarray, *parameters) -> np.ndarray:
    """Run a compiled sampler over every cell: the parameters broadcast to the uniforms' shape
    and are laid out flat as float64 (a copy only where they are not already), so the kernel's
    own check of its arrays is skipped."""
    flat = [laid_out(x, u.shape).reshape(-1) for x in parameters]
    out = np.empty(u.shape)
    unchecked(kernel)(laid_out(u, u.shape).reshape(-1), *flat, out.reshape(-1))
    return out


def binomial_from_uniforms(u: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Binomial(n, p) counts from uniforms u, the sampler every `binomial` draw uses."""
    return _elementwise(binomial_counts, np.asarray(u, dtype=float), n, p)


def poisson_from_uniforms(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Poisson(lam) counts from uniforms u, the sampler every `poisson` draw uses."""
    return _elementwise(poisson_counts, np.asarray(u, dtype=float), lam)


class ExpectedDraws:
    """The deterministic twin: every draw replaced by its expectation."""

    expected = True

    def __init__(self, n_reps: int):
        self.n_reps = n_reps
        self.sizes = [n_reps]

    def uniforms(self, k: int) -> np.ndarray:
        """No random numbers: a compiled step told `expected` takes every draw's mean."""
        return np.empty((k, self.n_reps, 0))

    def rates(self, distributions: Sequence, where: np.ndarray | None = None) -> np.ndarray:
        means = np.tile([d.mean for d in distributions], (self.n_reps, 1))
        return means if where is None else np.where(where, means, 0.0)

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
