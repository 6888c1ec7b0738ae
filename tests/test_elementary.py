"""The compiled exp, expm1, log and log1p (`simulator/elementary.py`) against exact values.

The engine's samplers and curves take their exponentials and logarithms from these instead of
the C library, for speed; a simulated number may then differ from the C library's in its last
bit, never by more. Here each function is held to the exact value, computed with 40 significant
digits by Python's `decimal`, over every range the engine reaches and beyond, and to the C
library's own answer at its edges (overflow, subnormal results, infinities, 0 and nan).
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np
import pytest
from numba import njit

from smmsim.simulator import elementary, exponentials


@njit
def _log_each(x, out):
    for i in range(x.size):
        out[i] = elementary.log(x[i])


@njit
def _log1p_each(x, out):
    for i in range(x.size):
        out[i] = elementary.log1p(x[i])


def exact(name: str, x: float) -> Decimal:
    with localcontext() as context:
        context.prec = 40
        d = Decimal(x)
        if name == "exp":
            return d.exp()
        if name == "expm1":
            return d.exp() - 1
        if name == "log":
            return d.ln()
        return (1 + d).ln()


def ulps_from_exact(name: str, x: np.ndarray, got: np.ndarray) -> np.ndarray:
    """|got - exact| in units of the last place of the exact value rounded to a double."""
    errors = []
    for xi, gi in zip(x, got, strict=True):
        value = exact(name, float(xi))
        nearest = float(value)
        errors.append(float(abs(Decimal(float(gi)) - value)) / math.ulp(nearest))
    return np.array(errors)


RUNS = {
    "exp": elementary.exponentials,
    "expm1": elementary.exponentials_less_one,
    "log": _log_each,
    "log1p": _log1p_each,
}
# Each range, and the most ulps from the exact value allowed there: fdlibm's algorithms stay
# within one ulp; expm1's sum of 2^k - 1 and 2^k expm1(r) may add a second rounding.
RANGES = {
    "exp": [((-1.0, 1.0), 1), ((-40.0, 0.0), 1), ((-700.0, 700.0), 1), ((-1e-9, 1e-9), 1)],
    "expm1": [((-0.34, 0.34), 1), ((-3.0, 3.0), 2), ((-40.0, 40.0), 2), ((-1e-12, 1e-12), 1)],
    "log": [((1e-300, 1e-290), 1), ((1e-3, 1.0), 1), ((0.5, 2.0), 1), ((1.0, 1e300), 1)],
    "log1p": [((-0.999, 0.0), 1), ((-1e-9, 1e-9), 1), ((-0.3, 0.5), 1), ((1.0, 1e20), 1)],
}


@pytest.mark.parametrize("name", list(RUNS))
def test_each_is_within_an_ulp_or_two_of_the_exact_value(name):
    rng = np.random.default_rng(11)
    for (low, high), allowed in RANGES[name]:
        x = rng.uniform(low, high, 1500)
        got = np.empty_like(x)
        RUNS[name](x, got)
        worst = ulps_from_exact(name, x, got).max()
        assert worst <= allowed, (name, low, high, worst)


@pytest.mark.parametrize("name", list(RUNS))
def test_each_gives_the_c_librarys_answer_within_an_ulp_on_a_wide_grid(name):
    """A million points spread over the whole domain, against `math`: the cheap check that no
    range was missed (the exact check above takes a few thousand)."""
    rng = np.random.default_rng(3)
    domain = {
        "exp": rng.uniform(-745.0, 709.7, 10**6),
        "expm1": rng.uniform(-745.0, 709.7, 10**6),
        "log": np.exp(rng.uniform(-708.0, 709.0, 10**6)),
        "log1p": np.expm1(rng.uniform(-36.0, 709.0, 10**6)),
    }[name]
    got = np.empty_like(domain)
    RUNS[name](domain, got)
    reference = np.array([getattr(math, name)(v) for v in domain])
    ulps = np.abs(got - reference) / np.spacing(np.abs(reference))
    assert ulps.max() <= (2 if name == "expm1" else 1), ulps.max()


EDGES = {
    "exp": [0.0, -0.0, -math.inf, math.inf, math.nan, 709.78, 710.0, -745.1, -745.2, -1000.0],
    "expm1": [0.0, -0.0, 5e-324, -1e-310, 1e-20, -math.inf, math.inf, math.nan, 709.78, -50.0],
    "log": [1.0, 0.0, -0.0, -1.0, math.inf, -math.inf, math.nan, 5e-324, 1e-310, 2.2e-308],
    "log1p": [0.0, -0.0, 5e-324, 1e-300, -1.0, -1.5, math.inf, math.nan, 1e300, -1 + 2**-53],
}


def c_library(name: str, x: float) -> float:
    """`math`'s answer, or the IEEE value where `math` raises instead (a domain or range error)."""
    try:
        return getattr(math, name)(x)
    except OverflowError:
        return math.inf
    except ValueError:
        return -math.inf if x == (-1.0 if name == "log1p" else 0.0) else math.nan


@pytest.mark.parametrize("name", list(RUNS))
def test_each_edge_is_the_c_librarys(name):
    x = np.array(EDGES[name])
    got = np.empty_like(x)
    RUNS[name](x, got)
    for xi, gi in zip(x, got, strict=True):
        want = c_library(name, float(xi))
        if math.isnan(want):
            assert math.isnan(gi), (name, xi, gi)
        elif math.isinf(want) or want == 0.0:
            assert gi == want, (name, xi, gi, want)
        else:
            assert abs(gi - want) <= math.ulp(want), (name, xi, gi, want)


def test_the_array_functions_keep_the_shape_and_give_a_number_for_a_number():
    x = np.linspace(-3.0, 3.0, 24).reshape(4, 6)[:, ::2]  # not contiguous
    assert exponentials.exp(x).shape == (4, 3)
    assert np.allclose(exponentials.exp(x), np.exp(x), rtol=3e-16, atol=0)
    assert np.allclose(exponentials.expm1(x), np.expm1(x), rtol=5e-16, atol=0)
    one = exponentials.expm1(1e-30)
    assert isinstance(one, np.floating) and one == 1e-30
    assert exponentials.exp(0) == 1.0
