"""Priors' quantiles without scipy: Beta priors' read off a table whose nodes a compiled solver
finds, close to scipy's exact quantiles and monotone; lognormal priors' through a compiled normal
quantile as close to scipy's as floating point allows."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy.special import betainccinv, betaincinv, ndtr, ndtri

from smmsim.scenarios.beta_fit import LARGEST_SHAPE
from smmsim.scenarios.priors import Beta, LogNormal
from smmsim.simulator import quantiles
from smmsim.simulator.quantiles import beta_quantile_nodes, draw_quantile, table_z

# The generator's grid from 2**-53 to 1 - 2**-53, its far tails and its body.
EXTREMES = [2.0**-53, 1e-12, 1e-6, 0.5, 1 - 1e-6, 1 - 2.0**-53]
UNIFORMS = np.concatenate([np.random.default_rng(1).random(100_000), EXTREMES])
# Its 0, raised to the smallest double (once in 2**53 draws), takes the table's first value.
ZERO = np.finfo(float).tiny


@pytest.mark.parametrize(
    "a, b, bound",
    [(2, 200, 1e-7), (50, 4000, 1e-7), (300, 300, 1e-7), (1.2, 1.5, 1e-6), (0.5, 30, 5e-6),
     (0.3, 0.3, 3e-5)],
)  # fmt: skip
def test_the_table_is_within_its_stated_error_of_the_exact_quantile(a, b, bound):
    exact = betaincinv(a, b, UNIFORMS)
    drawn = draw_quantile(Beta(a, b), UNIFORMS)
    relative = np.abs(drawn - exact) / np.maximum(exact, np.finfo(float).tiny)
    assert relative.max() < bound
    assert ((drawn >= 0) & (drawn <= 1)).all()


def test_draws_stay_monotone_in_their_uniform():
    """Common random numbers: a higher uniform never gives a lower rate."""
    u = np.sort(np.append(UNIFORMS, ZERO))
    for prior in (Beta(2, 200), Beta(0.3, 0.3), Beta(40, 60)):
        assert (np.diff(draw_quantile(prior, u)) >= 0).all()


def test_other_priors_are_drawn_through_the_same_normal_quantile_as_scipys():
    u = np.random.default_rng(2).random(1000)
    lognormal = LogNormal(math.log(5.0), 0.4)
    np.testing.assert_allclose(draw_quantile(lognormal, u), lognormal.quantile(u), rtol=1e-14)
    point = Beta(math.nan, math.nan, point=0.02)
    assert (draw_quantile(point, u) == 0.02).all()


def test_the_compiled_normal_quantile_is_scipys_to_rounding():
    """AS 241 against scipy's ndtri: the same z to a few units in the last place, both tails
    of the generator's grid included."""
    z = quantiles.normal_quantiles(UNIFORMS)
    np.testing.assert_allclose(z, ndtri(UNIFORMS), rtol=2e-15)
    # and in the uniforms' own shape, a strided view included, as ndtri gives them
    grid = UNIFORMS[:100].reshape(10, 10).T
    np.testing.assert_allclose(quantiles.normal_quantiles(grid), ndtri(grid), rtol=2e-15)


def exact_nodes(a: float, b: float) -> np.ndarray:
    """scipy's quantile at each node, each tail from its own side's probability: above the
    middle Phi(z) rounds towards 1 and loses the digits that Phi(-z) keeps."""
    z = table_z()
    return np.where(z <= 0, betaincinv(a, b, ndtr(z)), betainccinv(a, b, ndtr(-z)))


@pytest.mark.parametrize(
    "a, b",
    [(2, 200), (50, 4000), (300, 300), (1.2, 1.5), (0.5, 30), (0.3, 0.3), (20, 2000),
     (30, 0.7), (1e4, 1e6), (3e5, 1.5e7)],
)  # fmt: skip
def test_the_compiled_nodes_are_the_exact_quantiles(a, b):
    """The solver's nodes within 1e-11 of scipy's (compared where a node is a normal double:
    a U-shaped prior's outermost nodes are subnormal, with fewer digits to compare)."""
    nodes, exact = beta_quantile_nodes(a, b), exact_nodes(a, b)
    normal = exact > 1e-290
    assert normal.sum() > 0.9 * nodes.size
    relative = np.abs(nodes - exact)[normal] / exact[normal]
    assert relative.max() < 1e-11
    assert (np.diff(nodes) >= 0).all()


@pytest.mark.parametrize("a, b", [(1e-3, 5.0), (3e7, 1e9)])
def test_a_prior_the_solver_cannot_take_is_solved_by_scipy(a, b):
    """A shape near 0 (the solver leaves its far nodes unsolved) and one beyond LARGEST_SHAPE
    (its continued fraction would need too many terms) still get every node."""
    assert a < 0.01 or max(a, b) > LARGEST_SHAPE
    nodes = beta_quantile_nodes(a, b)
    assert np.isfinite(nodes).all()
    np.testing.assert_array_equal(nodes, quantiles.scipy_quantile_nodes(a, b))


def test_drawing_the_bundled_plans_priors_imports_no_scipy():
    """Why the nodes are solved here: scipy.special takes 0.2-0.3 s to import in every process
    that draws. A plan with no Bayesian strategy (theirs need the incomplete beta's tail at
    posterior shapes in the millions) runs without it."""
    code = (
        "import sys\n"
        "import smmsim\n"
        "for name in ('sports-nutrition', 'reputation-rush', 'travel-agency'):\n"
        "    smmsim.simulate(smmsim.load(smmsim.example(name)), reps=50, workers=1)\n"
        "print(sorted(m for m in sys.modules if m.startswith('scipy.special')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
