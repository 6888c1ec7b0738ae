"""The samplers behind every count: exact where small, Cornish-Fisher where large, block-seeded."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.special import ndtri

from smmsim.simulator import elementary, kernels, randomness
from smmsim.simulator.kernels import normal_quantile, normal_quantiles
from smmsim.simulator.randomness import (
    APPROXIMATE_FROM_VARIANCE,
    RNG_BLOCK,
    BlockDraws,
    ExpectedDraws,
    binomial_from_uniforms,
    block_seeds,
    poisson_from_uniforms,
)

SAMPLES = 400_000
# Total-variation distance a sample of SAMPLES draws shows even from the exact law (sampling
# noise), plus the approximation's own error documented in randomness.py (< 1% from variance 1).
TV_BUDGET = 0.012


ARMS = [f"platform{i}/ads" for i in range(8)]


def total_variation(draws: np.ndarray, pmf: np.ndarray) -> float:
    counts = np.bincount(draws.astype(int), minlength=len(pmf))
    tail = counts[len(pmf) :].sum()
    return 0.5 * (np.abs(counts[: len(pmf)] / len(draws) - pmf).sum() + tail / len(draws))


# (300, 0.995): (1 - p)^n is below the smallest double, so the count is n less the failures.
@pytest.mark.parametrize("n, p", [(5, 0.2), (200, 0.004), (3, 0.5), (1000, 0.0005), (300, 0.995)])
def test_binomial_inversion_is_exact(n, p):
    u = np.random.default_rng(1).random(SAMPLES)
    assert n * p * (1 - p) < APPROXIMATE_FROM_VARIANCE  # the inversion branch
    draws = binomial_from_uniforms(u, np.full(SAMPLES, float(n)), np.full(SAMPLES, p))
    pmf = stats.binom.pmf(np.arange(n + 1), n, p)
    # Exact sampling: only Monte Carlo noise, about sqrt(k / SAMPLES) for k support points.
    assert total_variation(draws, pmf) < 0.005
    assert draws.max() <= n


@pytest.mark.parametrize("lam", [0.05, 0.5, 0.99])
def test_poisson_inversion_is_exact(lam):
    u = np.random.default_rng(2).random(SAMPLES)
    draws = poisson_from_uniforms(u, np.full(SAMPLES, lam))
    pmf = stats.poisson.pmf(np.arange(30), lam)
    assert total_variation(draws, pmf) < 0.005


def test_the_largest_uniform_gives_a_count_in_the_far_tail_not_past_it():
    """At u = 1 - 2**-53 rounding leaves the walked cdf a hair below u: the count is where the
    cdf stops growing (about the 1 - 1e-16 quantile), never past n, nor hundreds for a mean of
    a few (the walk once ran on until the pmf underflowed)."""
    top = np.array([1 - 2.0**-53])
    for n in range(1, 60):
        for p in np.linspace(0.001, 0.999, 199):
            if n * p * (1 - p) < APPROXIMATE_FROM_VARIANCE:
                count = binomial_from_uniforms(top, np.array([float(n)]), np.array([p]))[0]
                assert count <= n, (n, p)
                assert stats.binom.sf(count - 1, n, p) > 1e-25, (n, p)  # P(X >= count)
    for lam in np.linspace(0.01, 2.99, 150):
        count = poisson_from_uniforms(top, np.array([lam]))[0]
        assert stats.poisson.sf(count - 1, lam) > 1e-25, lam


def _cdf_steps(pmf: float, factors: list[float]) -> list[float]:
    """F(0), F(1), ... as the walk adds them up, P(k + 1) = P(k) * factors[k], in the same
    floating-point arithmetic."""
    cdf, out = pmf, [pmf]
    for factor in factors:
        pmf *= factor
        cdf += pmf
        out.append(cdf)
    return out


def test_the_first_steps_taken_at_once_give_the_walks_count():
    """The inversions take their first four steps without a loop (`kernels._steps_passed`): the
    count is the one the plain walk gives, for uniforms anywhere, exactly on a step's cdf, just
    above it and near 1, for fractional n, and where the cdf stops growing within those steps."""
    rng = np.random.default_rng(12)
    for _ in range(3000):
        n = float(rng.integers(0, 40)) + rng.choice([0.0, 0.5])
        p = float(rng.choice([rng.random(), rng.random() ** 6, 1 - rng.random() ** 6]))
        if not 0.0 < p < 1.0 or n == 0.0:
            continue
        odds, start = p / (1 - p), (1 - p) ** n
        steps = _cdf_steps(start, [(n - k) / (k + 1.0) * odds for k in range(5)])
        uniforms = [rng.random(), 1 - 2.0**-53, *steps, *(np.nextafter(f, 1) for f in steps)]
        for u in uniforms:
            if u < 1.0:
                walked = kernels._walk_on(u, n, odds, start, start, 0.0)
                assert kernels._walk_up(u, n, odds, start) == walked, (u, n, p)
    for lam in rng.random(300) * 3:
        start = elementary.exp(-lam)  # the sampler's own F(0): the walk's end near 1 hangs on it
        steps = _cdf_steps(start, [lam / (k + 1.0) for k in range(5)])
        near_one = 1 - rng.random(5) ** 8
        for u in [rng.random(), 1 - 2.0**-53, *near_one, *steps, *np.nextafter(steps, 1)]:
            walked = kernels._poisson_walk_on(u, lam, start, start, 0.0)
            assert kernels._poisson_by_inversion(u, lam) == walked, (u, lam)
    # A cdf that stops growing at the first step: P(1) below the rounding of F(0).
    assert kernels._walk_up(0.75, 10.0, 1e-20, 0.5) == kernels._walk_on(
        0.75, 10.0, 1e-20, 0.5, 0.5, 0.0
    )


def test_the_array_walks_first_steps_give_the_walks_count():
    """The array samplers take every walked cell's first steps in one pass on SIMD lanes and walk
    on only where those do not settle the count: not a count changes against the scalar walk,
    for uniforms on each of the first cdf steps and just above them, near 1, for n of 3 and
    less (fractional too, where a walk ends at n) and where F(0) underflows (p near 1)."""
    rng = np.random.default_rng(31)
    cells = []
    for n in [0.5, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 7.0, 40.0, 300.0, 2000.0]:
        for p in [0.9, 0.4, 0.05, 0.001, 0.995, 1 - 1e-9]:
            if not 0 < n * p * (1 - p) < APPROXIMATE_FROM_VARIANCE:
                continue
            odds, start = p / (1 - p), (1 - p) ** n
            steps = _cdf_steps(start, [(n - k) / (k + 1.0) * odds for k in range(5)])
            near_one = 1 - rng.random(4) ** 8
            for u in [*rng.random(6), *near_one, *steps, *np.nextafter(steps, 1)]:
                if u < 1.0:
                    cells.append((u, n, p))
    u, n, p = (np.array(column) for column in zip(*cells, strict=True))
    one_by_one = [kernels.binomial(*cell) for cell in cells]
    assert np.array_equal(binomial_from_uniforms(u, n, p), one_by_one)
    lam = rng.uniform(0.01, APPROXIMATE_FROM_VARIANCE, 200)
    u = np.concatenate([rng.random(200), 1 - rng.random(200) ** 8])
    lam = np.concatenate([lam, lam])
    one_by_one = [kernels.poisson(*cell) for cell in zip(u, lam, strict=True)]
    assert np.array_equal(poisson_from_uniforms(u, lam), one_by_one)


@pytest.mark.parametrize("mean", [APPROXIMATE_FROM_VARIANCE + 0.01, 3.5, 9.0, 30.0, 400.0])
def test_cornish_fisher_counts_are_close_to_the_binomial(mean):
    n, p = 100_000, mean / 100_000
    u = np.random.default_rng(3).random(SAMPLES)
    var = n * p * (1 - p)
    draws = binomial_from_uniforms(u, np.full(SAMPLES, float(n)), np.full(SAMPLES, p))
    k = np.arange(int(mean + 12 * np.sqrt(mean) + 12))
    assert total_variation(draws, stats.binom.pmf(k, n, p)) < TV_BUDGET
    assert draws.mean() == pytest.approx(n * p, rel=0.01)
    assert draws.var() == pytest.approx(var, rel=0.05)


def test_binomial_never_exceeds_n_nor_goes_negative():
    draws = BlockDraws(block_seeds(5, 2000), [1000, 1000], ARMS[:5])
    n = np.tile([0.0, 1.0, 7.0, 50.0, 5000.0], (2000, 1))
    p = np.tile([0.5, 0.999, 0.001, 0.9, 0.3], (2000, 1))
    out = draws.binomial(n, p)
    assert (out >= 0).all() and (out <= n).all()
    assert (out == np.floor(out)).all()


def test_counts_without_variance_are_certain():
    """Binomial(n, 0) and Poisson(0) are 0 every time, and Binomial(n, 1) is n: a rate of zero
    (no member purchases, no recommendations from an empty community) must create nothing. The
    Cornish-Fisher skew term does not vanish with the variance, so such counts are not drawn."""
    draws = BlockDraws(block_seeds(9, 2000), [1000, 1000], ARMS[:3])
    n = np.tile([40.0, 500.0, 12.0], (2000, 1))
    assert (draws.binomial(n, np.zeros_like(n)) == 0).all()
    assert (draws.binomial(n, np.ones_like(n)) == n).all()
    assert (draws.poisson(np.zeros_like(n)) == 0).all()


def test_each_block_draws_from_its_own_stream():
    """A block's numbers do not depend on which other blocks share its chunk."""
    seeds = block_seeds(11, 3 * RNG_BLOCK)
    together = BlockDraws(seeds, [RNG_BLOCK] * 3, ARMS[:2]).binomial(
        np.full((3 * RNG_BLOCK, 2), 40.0), np.full((3 * RNG_BLOCK, 2), 0.01)
    )
    alone = BlockDraws(seeds[1:2], [RNG_BLOCK], ARMS[:2]).binomial(
        np.full((RNG_BLOCK, 2), 40.0), np.full((RNG_BLOCK, 2), 0.01)
    )
    assert np.array_equal(together[RNG_BLOCK : 2 * RNG_BLOCK], alone)


def test_each_arm_draws_from_its_own_stream():
    """Common random numbers across scenarios: an arm's numbers depend on its name, not on which
    other arms the scenario has or where it sits in the list."""
    seeds = block_seeds(11, RNG_BLOCK)
    three = BlockDraws(seeds, [RNG_BLOCK], ["vk/ads", "ok/ads", "tg/ads"])
    one = BlockDraws(seeds, [RNG_BLOCK], ["tg/ads"])
    assert np.array_equal(three.noise(np.full(3, 0.2))[:, 2], one.noise(np.full(1, 0.2))[:, 0])


def test_strategy_draws_do_not_shift_the_market_streams():
    seeds = block_seeds(11, RNG_BLOCK)
    quiet = BlockDraws(seeds, [RNG_BLOCK], ARMS[:2])
    busy = BlockDraws(seeds, [RNG_BLOCK], ARMS[:2])
    busy.strategy_normals(50, 2)
    busy.strategy_beta(np.ones((RNG_BLOCK, 2)), np.ones((RNG_BLOCK, 2)), 10)
    assert np.array_equal(quiet.noise(np.full(2, 0.2)), busy.noise(np.full(2, 0.2)))


def test_expected_draws_return_expectations():
    draws = ExpectedDraws(3)
    n, p = np.array([[10.0, 20.0]] * 3), np.array([0.1, 0.5])
    assert np.array_equal(draws.binomial(n, p), n * p)
    assert np.array_equal(draws.noise(np.array([0.3, 0.5])), np.ones((3, 2)))


@pytest.mark.parametrize("lam", [3.5, 12.0, 250.0])
def test_cornish_fisher_counts_are_close_to_the_poisson(lam):
    u = np.random.default_rng(4).random(SAMPLES)
    draws = poisson_from_uniforms(u, np.full(SAMPLES, lam))
    k = np.arange(int(lam + 12 * np.sqrt(lam) + 12))
    assert total_variation(draws, stats.poisson.pmf(k, lam)) < TV_BUDGET
    assert draws.mean() == pytest.approx(lam, rel=0.01)


def test_normal_quantile_matches_scipy_in_the_body_and_the_tails():
    """The compiled sampler's z (AS 241) is scipy's ndtri to rounding, out to the extreme
    uniforms the generator can give (2**-53 from either end)."""
    u = np.concatenate(
        [np.random.default_rng(6).random(20_000), [2.0**-53, 1e-300, 1e-12, 0.075, 0.925]]
    )
    u = np.concatenate([u, 1 - u[u > 0.5]])
    z = np.array([normal_quantile(x) for x in u])
    assert np.allclose(z, ndtri(u), rtol=1e-14, atol=1e-14)


def test_the_array_quantiles_are_the_scalar_ones_bit_for_bit():
    """The samplers' two-pass quantiles (the central region on SIMD lanes, then the tails) are
    the same arithmetic as one cell at a time: not a number changes, at the region's edges
    (|u - 0.5| = 0.425), the far tails and the extremes (0 and 1: infinite) included."""
    edges = [0.075, 0.925, np.nextafter(0.075, 1), np.nextafter(0.925, 0), 2.0**-53, 1 - 2.0**-53]
    rng = np.random.default_rng(9)
    far = 10.0 ** -rng.uniform(1, 300, 2_000)
    u = np.concatenate([rng.random(20_000), edges, far, 1 - far, [0.0, 1.0]])
    z = np.empty(u.size)
    normal_quantiles(u, z)
    assert np.array_equal(z, [normal_quantile(x) for x in u])


def _every_kind_of_count(rng: np.random.Generator, cells: int) -> tuple[np.ndarray, ...]:
    """(u, n, p) mixing, cell by cell, every way a count is drawn: certain (n = 0, p = 0 or 1,
    p clipped from outside [0, 1]), stopped at 0, walked (p near 1 and n in the hundreds too,
    whose F(0) underflows), approximated in the central region and in the tails; the uniforms
    include the central region's edges, values on the stop at 0, and the extremes."""
    n = rng.choice([0.0, 1.0, 3.0, 7.5, 40.0, 300.0, 5_000.0, 2e6], cells)
    p = rng.choice([-0.2, 0.0, 1e-4, 0.004, 0.3, 0.995, 1.0, 1.3], cells) * rng.uniform(0.5, 1.0)
    u = rng.random(cells)
    deep = rng.random(cells) < 0.3  # far into either tail: 1e-12 to 1e-1 from 0 or 1
    u[deep] = 10.0 ** -rng.uniform(1, 12, deep.sum())
    mirrored = deep & (rng.random(cells) < 0.5)
    u[mirrored] = 1 - u[mirrored]
    edges = [0.075, 0.925, np.nextafter(0.075, 1), np.nextafter(0.925, 0), 2.0**-53, 1 - 2.0**-53]
    picked = rng.random(cells) < 0.05
    u[picked] = rng.choice(edges, picked.sum())
    on_the_stop = rng.random(cells) < 0.02  # u = 1 - np exactly: stopped at 0
    u[on_the_stop] = np.clip(1.0 - n * np.clip(p, 0, 1), 2.0**-53, 1 - 2.0**-53)[on_the_stop]
    return u, n, p


def _some_and_most(approximated: np.ndarray, rng: np.random.Generator) -> list:
    """Cells to draw together: all, a few approximated among the rest, mostly approximated, and
    arrays of a cell or two; the approximated share below and above the quarter where the
    samplers switch from their list to a pass over every cell."""
    few = ~approximated | (rng.random(approximated.size) < 0.05)
    most = approximated | (rng.random(approximated.size) < 0.05)
    assert approximated[few].mean() < 0.25 < approximated[most].mean()
    return [slice(None), few, most, slice(0, 1), slice(1, 3)]


def test_the_array_counts_are_the_scalar_ones_bit_for_bit():
    """The array samplers draw in phases (the cells sorted by kind without a branch, then the
    approximated ones over the whole array or over their list, whichever is cheaper, the tails
    and the walks): not a count changes against `binomial` and `poisson` one cell at a time,
    with every kind of count mixed in one array as a day's arrays mix them."""
    rng = np.random.default_rng(21)
    u, n, p = _every_kind_of_count(rng, 60_000)
    q = np.clip(p, 0, 1)
    for cells in _some_and_most(n * q * (1 - q) >= APPROXIMATE_FROM_VARIANCE, rng):
        one_by_one = [kernels.binomial(*c) for c in zip(u[cells], n[cells], p[cells], strict=True)]
        assert np.array_equal(binomial_from_uniforms(u[cells], n[cells], p[cells]), one_by_one)
    lam = n * q / 10
    for cells in _some_and_most(lam >= APPROXIMATE_FROM_VARIANCE, rng):
        one_by_one = [kernels.poisson(*c) for c in zip(u[cells], lam[cells], strict=True)]
        assert np.array_equal(poisson_from_uniforms(u[cells], lam[cells]), one_by_one)


def test_a_row_still_held_keeps_its_numbers():
    """The group writes new uniforms over a buffer it handed out earlier only once nothing holds
    a view of it: a row kept for later (a consumer's choice) is never overwritten."""
    draws = BlockDraws(block_seeds(5, RNG_BLOCK), [RNG_BLOCK], ["x", "y"])
    kept = draws.uniforms(1)
    copy = kept.copy()
    for _ in range(5 * randomness.MAX_ROWS_AHEAD):
        draws.uniforms(1)
    assert np.array_equal(kept, copy)


def test_lognormal_noise_has_mean_one():
    draws = BlockDraws(block_seeds(8, 100_000), [RNG_BLOCK] * 100, ["a", "b"])
    noise = draws.noise(np.array([0.2, 0.6]))
    assert noise.mean(axis=0) == pytest.approx([1.0, 1.0], rel=0.01)
    assert np.log(noise).std(axis=0) == pytest.approx([0.2, 0.6], rel=0.02)


@pytest.mark.parametrize("streams", [2, kernels.STREAMS_ACROSS + 1])  # one by one, side by side
def test_the_compiled_streams_give_numpys_sfc64_numbers(streams):
    """`draw_streams` runs numpy's SFC64 on from the states numpy seeds: each stream's uniforms
    are the ones `Generator(SFC64(seed)).random` would give, block by block, in order."""
    seeds = block_seeds(11, 2 * RNG_BLOCK)
    names = ["vk/ads", "community/vk/ads", *(f"tiktok/{i}" for i in range(streams - 2))]
    group = randomness.StreamGroup(seeds, [RNG_BLOCK] * 2, names)
    rows = np.concatenate([group.rows(3), group.rows(70)])  # across a fetch
    for b, seed in enumerate(seeds):
        for column, name in enumerate(names):
            generator = randomness.substream(seed, randomness.stream_key(name))
            expected = generator.random((73, RNG_BLOCK))
            drawn = rows[:, b * RNG_BLOCK : (b + 1) * RNG_BLOCK, column]
            assert np.array_equal(drawn, expected)


def test_kept_replications_get_their_numbers_in_the_whole_block():
    """A group that keeps some replications of each block hands them the uniforms they get in
    the whole block, row after row (every number of the block is drawn, only those written)."""
    seeds, names = block_seeds(12, 2 * RNG_BLOCK), ["a", "b", "c"]
    keep = [np.array([0, 5, RNG_BLOCK - 1]), np.array([3])]
    whole = randomness.StreamGroup(seeds, [RNG_BLOCK] * 2, names).rows(70)
    kept = randomness.StreamGroup(seeds, [RNG_BLOCK] * 2, names, keep).rows(70)
    assert np.array_equal(kept, whole[:, [0, 5, RNG_BLOCK - 1, RNG_BLOCK + 3]])


def test_fetching_ahead_never_changes_a_number(monkeypatch):
    """A stream's uniforms are one sequence of doubles: fetching one day at a time or many days
    ahead gives every draw the same numbers."""

    def a_month_of_draws():
        draws = BlockDraws(block_seeds(3, 2 * RNG_BLOCK), [RNG_BLOCK] * 2, ["x", "y", "z"])
        n = np.full((2 * RNG_BLOCK, 3), 30.0)
        rates = draws.rates([_Uniform()] * 3)
        days = [draws.binomial(n, rates) + draws.poisson(rates) for _ in range(30)]
        return np.stack([rates, *days, draws.noise(np.full(3, 0.3))])

    monkeypatch.setattr(randomness, "MAX_ROWS_AHEAD", 1)
    one_at_a_time = a_month_of_draws()
    monkeypatch.setattr(randomness, "MAX_ROWS_AHEAD", 64)
    assert np.array_equal(a_month_of_draws(), one_at_a_time)


def test_a_stream_belongs_to_one_view():
    """Two views drawing from one stream would take each other's prefetched numbers."""
    draws = BlockDraws(block_seeds(1, RNG_BLOCK), [RNG_BLOCK], ["vk/ads"])
    draws.view(["community/vk/ads"])
    with pytest.raises(ValueError, match="named twice"):
        draws.view(["vk/ads"])


class _Uniform:
    """A prior whose quantile is the uniform itself: the rates show the raw numbers."""

    def quantile(self, u: np.ndarray) -> np.ndarray:
        return u
