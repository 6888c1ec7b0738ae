"""The kernels compiled ahead of time are the JIT's kernels: same numbers, bit for bit, and a build
is only ever loaded for the source it was built from."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from smmsim.scenarios.beta_fit import log_beta
from smmsim.simulator import (
    build_kernels,
    compiled,
    delivery_kernels,
    elementary,
    kernels,
    prior_kernels,
    quantiles,
    reputation_kernels,
    row_kernels,
)
from tests.required import require_or_skip

ROOT = Path(__file__).resolve().parents[1]
CELLS = 20_000


# The build needs a C compiler: where there is none the tests skip, but CI sets
# SMMSIM_REQUIRE_AOT=1 wherever it has one, so that a broken build fails there.
REQUIRED_BY = "SMMSIM_REQUIRE_AOT"


@pytest.fixture
def checkout_build() -> None:
    """This checkout's own build (`make setup`) is loaded: the engine runs it."""
    reason = None if compiled.AHEAD_OF_TIME else "no ahead-of-time build in this checkout"
    require_or_skip(reason, REQUIRED_BY, "the checkout's kernel build")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A fresh ahead-of-time build in a scratch folder, loaded under its own name."""
    folder = tmp_path_factory.mktemp("aot")
    try:
        path = build_kernels.build(folder)
    except Exception as error:  # numba's pycc needs a C compiler
        require_or_skip(f"no ahead-of-time build: {error}", REQUIRED_BY, "a kernel build")
    spec = importlib.util.spec_from_file_location(compiled.module_name(), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_only(x: np.ndarray) -> np.ndarray:
    x = x.copy()
    x.flags.writeable = False
    return x


def test_every_kernel_is_exported(built):
    for name in compiled.KERNELS:
        assert callable(getattr(built, name)), name


def test_a_wrong_array_is_an_error_not_garbage(checkout_build):
    """An ahead-of-time export would read an int array's bytes as doubles: the check refuses."""
    u, out = np.full(3, 0.5), np.empty(3)
    with pytest.raises(TypeError, match="argument 1 must be a 1-d float64 array"):
        compiled.binomial_counts(u, np.array([10, 10, 10]), u, out)
    with pytest.raises(TypeError, match="argument 2"):
        compiled.binomial_counts(u, u, 0.5, out)


@pytest.mark.parametrize("scale", [0.3, 30.0, 3000.0])  # inversion, both, Cornish-Fisher
def test_samplers_match_the_jit_bit_for_bit(built, scale):
    rng = np.random.default_rng(7)
    u = read_only(rng.random(CELLS))
    n = np.floor(rng.random(CELLS) * scale * 10)
    p = rng.random(CELLS) / 10
    n[::50], p[::70] = 0.0, 1.0  # certain counts
    for name, args in {
        "binomial_counts": (u, n, p),
        "poisson_counts": (u, n * p),
        "lognormal_noise": (u, p * 5),
    }.items():
        ahead, jit = np.empty(CELLS), np.empty(CELLS)
        getattr(built, name)(*args, ahead)
        getattr(kernels, name)(*args, jit)
        assert np.array_equal(ahead, jit), name


def test_exponentials_match_the_jit(built):
    """The build's exp and expm1 loops (their exponent bits read and written by LLVM's bitcast,
    which the build must compile as the JIT does) give the JIT's numbers."""
    x = read_only(np.random.default_rng(9).uniform(-745.0, 709.0, CELLS))
    for name in ("exponentials", "exponentials_less_one"):
        ahead, jit = np.empty(CELLS), np.empty(CELLS)
        getattr(built, name)(x, ahead)
        getattr(elementary, name)(x, jit)
        assert np.array_equal(ahead, jit), name


def test_the_ads_day_matches_the_jit_and_keeps_its_error_model(built):
    """The ads' compiled day, its cumulative exposure updated in place. An s_half of 0 divides
    by zero: under the kernel's own error model (numpy's) that is an infinite price, as the JIT
    gives, where an export compiled with numba's defaults would test every division and raise."""
    rng = np.random.default_rng(4)
    cells, arm = rng.uniform(0.5, 2.0, (7, 200, 4)), rng.uniform(0.5, 2.0, (5, 4))
    s_half = arm[0].copy()
    s_half[2] = 0.0
    results = []
    for module in (built, delivery_kernels):
        price = np.empty((3, 200, 4))
        module.ads_price(
            cells[0], cells[1], s_half, arm[1], False, arm[2], cells[2], cells[3], arm[3],
            cells[4] * 1e4, *price,
        )  # fmt: skip
        seen, reach = cells[5].copy() * 1e3, np.empty((2, 200, 4))
        module.ads_reach(
            np.floor(price[2]), price[1], seen, arm[4], cells[4] * 1e4, cells[6] / 100,
            arm[0], arm[1], cells[6], cells[5], *reach,
        )  # fmt: skip
        results.append((price, seen, reach))
    assert np.isinf(results[0][0][0][:, 2]).all()
    for ahead, jit in zip(*results, strict=True):
        assert np.array_equal(ahead, jit, equal_nan=True)


def test_the_learning_phase_matches_the_jit(built):
    rng = np.random.default_rng(6)
    shape = (CELLS // 8, 8)
    budget = read_only(rng.uniform(0, 300, shape) * (rng.random(shape) < 0.8))
    per_arm = (rng.uniform(0.1, 0.5, 8), rng.choice([0.0, 3.0, 50.0], 8), rng.uniform(0.5, 1, 8))
    start = np.zeros((4, *shape))  # yesterday's budget, started, active, conversions
    start[0] = budget * rng.choice([0.5, 1.0, 1.3], shape)
    start[1] = start[2] = start[0] > 0
    start[3] = rng.integers(0, 60, shape)

    def day(module) -> np.ndarray:
        state, out = start.copy(), np.empty((3, *shape))
        module.learning_day(budget, *state, *per_arm, 1 + 1e-9, *out)
        module.learning_record(read_only(np.floor(budget / 40)), state[3], per_arm[1], state[2])
        return np.concatenate([state, out])

    assert np.array_equal(day(built), day(delivery_kernels))


def test_row_sums_and_rows_side_by_side_match_the_jit(built):
    x = np.random.default_rng(4).gamma(0.5, 1e3, (CELLS // 8, 8))
    ahead, jit = np.empty(len(x)), np.empty(len(x))
    built.row_sums(read_only(x), ahead)
    row_kernels.row_sums(x, jit)
    assert np.array_equal(ahead, jit)
    ahead, jit = np.empty((len(x), 11)), np.empty((len(x), 11))
    built.side_by_side(read_only(x), read_only(x[:, :3]), ahead)
    row_kernels.side_by_side(x, np.ascontiguousarray(x[:, :3]), jit)
    assert np.array_equal(ahead, jit)


def test_prior_quantiles_match_the_jit(built):
    """The normal quantiles every prior is drawn through, and a Beta table's nodes."""
    u = read_only(np.random.default_rng(5).random(CELLS))
    ahead, jit = np.empty(CELLS), np.empty(CELLS)
    built.normal_quantiles(u, ahead)
    kernels.normal_quantiles(u, jit)
    assert np.array_equal(ahead, jit)
    targets = read_only(quantiles.node_log_odds())
    for a, b in ((2.0, 200.0), (0.3, 0.3), (1e4, 1e6)):
        start = (a, b, log_beta(a, b), math.log(a / b), targets)
        ahead, jit = np.empty(targets.size), np.empty(targets.size)
        built.beta_quantile_nodes(*start, ahead)
        prior_kernels.beta_quantile_nodes(*start, jit)
        assert np.array_equal(ahead, jit), (a, b)


@pytest.mark.parametrize("streams", [3, kernels.STREAMS_ACROSS])  # one by one, side by side
def test_stream_drawing_matches_the_jit(built, streams):
    """The uniforms (of every replication, then of some, written from an offset) and the
    states left behind."""
    start = np.random.default_rng(11).integers(1, 2**63, size=(streams, 4), dtype=np.uint64)
    kept = np.array([1, 4, 6], dtype=np.int64)

    def draw(module):
        state = start.copy()
        rows, some = np.empty((5, 8, streams)), np.empty((5, 4, streams))
        module.draw_streams(state, 5, 8, 0, 0.0, rows)
        module.draw_kept_streams(state, 5, 8, kept, 1, 0.0, some)
        return rows, some[:, 1:], state

    assert all(np.array_equal(a, b) for a, b in zip(draw(built), draw(kernels), strict=True))


def test_strided_arguments_are_read_as_strided(built):
    """The exports other than the element-wise samplers take arrays of any layout: a column of a
    2-d array is read element by element, never as if it were contiguous."""
    rng = np.random.default_rng(8)
    reps, arms, grid = 200, 3, np.logspace(-8, 8, 801)
    wide = rng.random((reps, 2 * arms)) * 0.01  # every other column is an arm's lam
    targets = rng.random((reps, 2)) * 500  # the second column is the target
    s_half, k = rng.random(arms) * 300 + 10, np.array([1.0, 0.8, 0.6])
    curves = (1 + (1 - k[:, None]) * grid) / (1 + grid) ** 2
    ahead, jit = np.empty((reps, arms)), np.empty((reps, arms))
    built.water_fill(wide[:, ::2], targets[:, 1], s_half, k, curves, grid, 40.0, 60, ahead)
    lam, target = np.ascontiguousarray(wide[:, ::2]), np.ascontiguousarray(targets[:, 1])
    kernels.water_fill(lam, target, s_half, k, curves, grid, 40.0, 60, jit)
    assert np.array_equal(ahead, jit)


def test_the_element_wise_samplers_refuse_a_strided_array(checkout_build):
    """Their exports read contiguous arrays (so that their loops run on SIMD lanes): a column of
    a 2-d array would be read as if contiguous, garbage, so the check refuses it."""
    u, out = np.full((3, 2), 0.5), np.empty(3)
    with pytest.raises(TypeError, match="argument 0 must be contiguous"):
        compiled.binomial_counts(u[:, 1], np.full(3, 10.0), np.full(3, 0.5), out)
    with pytest.raises(TypeError, match="argument 2 must be contiguous"):
        compiled.lognormal_noise(u[:, 0].copy(), np.full(3, 0.5), np.empty((3, 2))[:, 0])


def test_water_fill_matches_the_jit(built):
    rng = np.random.default_rng(9)
    reps, arms, grid = 300, 5, np.logspace(-8, 8, 801)
    lam = rng.random((reps, arms)) * 0.01
    target = rng.random(reps) * 500
    s_half, k = rng.random(arms) * 300 + 10, np.array([1.0, 0.8, 0.6, 1.0, 0.9])
    curves = (1 + (1 - k[:, None]) * grid) / (1 + grid) ** 2
    ahead, jit = np.empty((reps, arms)), np.empty((reps, arms))
    built.water_fill(lam, target, s_half, k, curves, grid, 40.0, 60, ahead)
    kernels.water_fill(lam, target, s_half, k, curves, grid, 40.0, 60, jit)
    assert np.array_equal(ahead, jit)


@pytest.mark.parametrize("expected", [False, True])
def test_reputation_day_matches_the_jit(built, expected):
    rng = np.random.default_rng(10)
    reps, queries, portals = 500, 3, 4
    start = np.tile([4.0, 3.0, 10.0, 3.0], (reps, queries, 1))
    seeded, praise, unhappy, outrage = (rng.poisson(3.0, reps).astype(float) for _ in range(4))
    seeded_rank = rng.random(reps) / 2
    background = np.tile([0.3, 0.5, 0.2], (queries, 1))
    u = read_only(rng.random((9, reps, queries)))
    slots = {"ahead": start.copy(), "jit": start.copy()}
    for key, turn_over in (("ahead", built.turn_over), ("jit", reputation_kernels.turn_over)):
        day = (seeded, seeded_rank, praise, unhappy, outrage)
        turn_over(u, expected, slots[key], *day, 0.4, background, 0.3, 2.0)
    assert np.array_equal(slots["ahead"], slots["jit"])
    assert np.allclose(slots["jit"].sum(axis=2), 20.0)  # still a partition of the top 20

    u = read_only(rng.random((portals, reps, 1)))
    chance = rng.random(reps)
    state = {}
    for key, mention in (
        ("ahead", built.mention_portals),
        ("jit", reputation_kernels.mention_portals),
    ):
        ring, recent = np.zeros((3, reps, portals)), np.zeros((reps, portals))
        linked, counts = np.zeros((reps, portals)), np.zeros((reps, 2))
        for day in range(5):
            mention(u, expected, chance, chance / 2, ring, day % 3, recent, linked, counts)
        state[key] = (ring, recent, linked, counts)
    for ahead, jit in zip(state["ahead"], state["jit"], strict=True):
        assert np.array_equal(ahead, jit)


def test_a_build_is_named_after_its_source(tmp_path, monkeypatch):
    """An edited kernel changes the module's name, so a stale build is never imported."""
    for name in compiled.SOURCES:
        (tmp_path / name).write_bytes((compiled.HERE / name).read_bytes())
    monkeypatch.setattr(compiled, "HERE", tmp_path)
    same = compiled.module_name()
    with (tmp_path / "kernels.py").open("a") as f:
        f.write("\n# an edit\n")
    assert compiled.module_name() != same
    assert compiled._ahead_of_time() is None  # no build for the edited source: the JIT runs


def test_a_build_is_named_after_its_processor(tmp_path, monkeypatch):
    """A build uses its processor's instructions: on a processor described otherwise (another
    model, or one without some extension) its name differs, so a checkout moved there runs the
    JIT rather than code that could crash."""
    info = tmp_path / "cpuinfo"
    here = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx2 fma\n\n"
    info.write_text(here + here.replace(": 0", ": 1"))
    monkeypatch.setattr(compiled, "CPU_INFO", str(info))
    assert compiled.processor() == "model name\t: AMD EPYC\nflags\t\t: fpu sse2 avx2 fma"
    name = compiled.module_name()
    info.write_text(here.replace(" avx2", ""))
    assert compiled.module_name() != name
    monkeypatch.setattr(compiled, "CPU_INFO", str(tmp_path / "absent"))
    assert compiled.processor() == ""  # unreadable: a build for any processor
    assert compiled.module_name() not in (name, "")


def test_the_checkouts_build_is_for_this_processor(checkout_build):
    """`make setup` built for this machine, which therefore loads its build (no JIT)."""
    assert compiled._ahead_of_time().__name__.endswith(compiled.module_name())


def test_a_simulation_with_the_build_never_imports_numba(checkout_build):
    """What the build is for: a command that simulates starts without numba (0.4 s)."""
    code = (
        "import sys\n"
        "from smmsim.scenarios.loader import load_scenario\n"
        "from smmsim.simulator.engine import simulate\n"
        "for name in ('kids-shop', 'reputation-rush'):\n"
        "    s = load_scenario(f'scenarios/examples/{name}.yaml')\n"
        "    simulate(s, replications=50, workers=2)\n"
        "print('numba' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("reps", [0, 1, 2, 3, 1000, 10_007])
def test_laid_out_is_the_broadcast_as_contiguous_float64(reps):
    """A row doubled into place, a number, a column, a whole array of another type or layout:
    each the broadcast of x to the shape, contiguous float64; an array already so is x itself."""
    rng = np.random.default_rng(reps)
    shape = (reps, 7)
    row, column = rng.random(7), rng.random((reps, 1))
    for x in (
        row,
        row.astype(np.float32),
        rng.random(7) > 0.5,
        2.5,
        column,
        rng.random((7, reps)).T,
    ):
        out = compiled.laid_out(x, shape)
        assert out.dtype == np.float64 and out.flags.c_contiguous and out.shape == shape
        assert np.array_equal(out, np.broadcast_to(np.asarray(x, dtype=float), shape))
    ready = rng.random(shape)
    assert compiled.laid_out(ready, shape) is ready
