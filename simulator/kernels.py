"""Compiled samplers: one uniform in, one count out, for every cell of a day in one pass.

A count is drawn from one uniform: exactly by inversion of its cdf where its variance is small,
and by the Cornish-Fisher normal approximation (the uniform's normal quantile, with the skewness
correction) where it is large. Doing both in compiled loops over the whole array avoids a dozen
temporary arrays per draw; the array samplers go in phases (see `binomial_counts`).

Their logarithms and exponentials are `elementary.py`'s, which loops run on SIMD lanes, not
the C library's, which they call once a number.

This is the kernels' numba source; the engine takes them from `compiled.py`: the ahead-of-time
build that `make setup` makes, or, without one, numba's JIT of this module (compiled the first
time they run, a few seconds, and cached beside this file in `__pycache__` or in NUMBA_CACHE_DIR).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from smmsim.simulator import elementary
from smmsim.simulator.sampler_rule import APPROXIMATE_FROM_VARIANCE

# AS 241's coefficients, constant term first: numerator and denominator of the central region
# (|u - 0.5| <= 0.425), of the tails up to r = sqrt(-log(min(u, 1 - u))) = 5, and beyond.
CENTRAL = (
    (3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
     45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727),
    (1.0, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077,
     21213.794301586595867, 39307.89580009271061, 28729.085735721942674, 5226.495278852545925),
)  # fmt: skip
NEAR_TAIL = (
    (1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504,
     1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833,
     7.7454501427834140764e-4),
    (1.0, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455,
     0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4,
     1.05075007164441684324e-9),
)  # fmt: skip
FAR_TAIL = (
    (6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123,
     0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5,
     2.01033439929228813265e-7),
    (1.0, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525,
     7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7,
     2.04426310338993978564e-15),
)  # fmt: skip


# The error model "numpy" lets a division by zero give inf rather than raise: no test of the
# divisor before each division, so that a loop of them runs on SIMD lanes (the numbers are the
# same; no divisor here is ever zero).
@njit(cache=True, nogil=True, error_model="numpy")
def _rational(coefficients: tuple, r: float) -> float:
    """num(r) / den(r), both polynomials evaluated by Horner's rule from the highest term."""
    num, den = 0.0, 0.0
    for i in range(len(coefficients[0]) - 1, -1, -1):
        num = num * r + coefficients[0][i]
        den = den * r + coefficients[1][i]
    return num / den


@njit(cache=True, nogil=True, error_model="numpy")
def _central_quantile(q: float) -> float:
    """The normal quantile of u = 0.5 + q for |q| <= 0.425, AS 241's central region."""
    return q * _rational(CENTRAL, 0.180625 - q * q)


@njit(cache=True, nogil=True)
def normal_quantile(u: float) -> float:
    """The standard normal quantile of u in (0, 1): Wichura's AS 241 (PPND16), accurate to
    about 1e-16 relative, so the approximation's z is the one scipy's ndtri would give."""
    q = u - 0.5
    if abs(q) <= 0.425:
        return _central_quantile(q)
    r = u if q < 0 else 1.0 - u
    return _tail_quantile(q, math.sqrt(-elementary.log(r)) if r > 0.0 else r)


@njit(cache=True, nogil=True)
def _tail_quantile(q: float, r: float) -> float:
    """The normal quantile of u = 0.5 + q in the tails, from r = sqrt(-log(min(u, 1 - u))), or
    from that minimum itself where it is not above 0 (u = 0 or 1: an infinite quantile)."""
    if r <= 0.0:
        return -math.inf if q < 0 else math.inf
    z = _rational(NEAR_TAIL, r - 1.6) if r <= 5.0 else _rational(FAR_TAIL, r - 5.0)
    return -z if q < 0 else z


@njit(cache=True, nogil=True)
def _binomial_by_inversion(u: float, n: float, p: float) -> float:
    """The smallest k with F(k) >= u. F(0) = (1 - p)^n >= 1 - np, so most cells of a small mean
    stop at 0 without a logarithm."""
    if u <= 1.0 - n * p:
        return 0.0
    return _binomial_walk(u, n, p, elementary.exp(_log_of_none(n, p)))


@njit(cache=True, nogil=True)
def _log_of_none(n: float, p: float) -> float:
    """log F(0) = n log(1 - p), the log of the chance of no success."""
    return n * elementary.log1p(-p)


@njit(cache=True, nogil=True)
def _binomial_walk(u: float, n: float, p: float, none: float) -> float:
    """The inversion's count past the stop at 0, from F(0) = `none` = exp(`_log_of_none`).
    Where that is below the smallest double (p near 1 and n in the hundreds) the count is n
    less the failures, drawn the same way from 1 - u."""
    if none > 0.0:
        return _walk_up(u, n, p / (1.0 - p), none)
    failures_first = elementary.exp(n * elementary.log(p))
    return n - _walk_up(1.0 - u, n, (1.0 - p) / p, failures_first)


@njit(cache=True, nogil=True)
def _walk_up(u: float, n: float, odds: float, pmf: float) -> float:
    """Binomial inversion from F(0) = `pmf`: the count `_walk_on` finds, with the same arithmetic,
    its first steps taken by `_steps_passed`. For n > 3 every factor n - k of those steps is
    positive, so F grows over them."""
    if not n > 3.0:
        return _walk_on(u, n, odds, pmf, pmf, 0.0)
    passed, p3, f3 = _binomial_first_steps(u, n, odds, pmf)
    if passed < 0.0:
        return _walk_on(u, n, odds, pmf, pmf, 0.0)
    if passed < 4.0:
        return passed
    return _walk_on(u, n, odds, p3, f3, 3.0)


@njit(cache=True, nogil=True)
def _binomial_first_steps(u: float, n: float, odds: float, pmf: float):
    """(`_steps_passed`, P(3), F(3)): the walk's first four steps from F(0) = `pmf`."""
    p1 = _next_pmf(pmf, n, 0.0, odds)
    p2 = _next_pmf(p1, n, 1.0, odds)
    p3 = _next_pmf(p2, n, 2.0, odds)
    f1 = pmf + p1
    f2 = f1 + p2
    f3 = f2 + p3
    return _steps_passed(u, pmf, f1, f2, f3), p3, f3


@njit(cache=True, nogil=True)
def _steps_passed(u: float, f0: float, f1: float, f2: float, f3: float) -> float:
    """The first four steps of an inversion, F(0) to F(3) (non-decreasing), taken whether needed
    or not: the count is the number of them below u, the same as walking up to the first that
    reaches u, without a loop whose exit, the count, is mispredicted about once a cell (most
    counts drawn by inversion are 0 to 3). -1 where the cdf stopped growing at a step the walk
    takes: the walk ends there, and is left to the loop. The comparisons are combined with & and
    |, not `and` and `or`, so that they are not branches either."""
    passed = (
        (1.0 if u > f0 else 0.0)
        + (1.0 if u > f1 else 0.0)
        + (1.0 if u > f2 else 0.0)
        + (1.0 if u > f3 else 0.0)
    )
    stalled = (
        ((passed >= 1.0) & (f1 == f0))
        | ((passed >= 2.0) & (f2 == f1))
        | ((passed >= 3.0) & (f3 == f2))
    )
    return -1.0 if stalled else passed


@njit(cache=True, nogil=True)
def _next_pmf(pmf: float, n: float, k: float, odds: float) -> float:
    """P(k + 1) from P(k) of a binomial: one step of the walk, the one expression every step
    uses."""
    return pmf * ((n - k) / (k + 1.0) * odds)


@njit(cache=True, nogil=True)
def _walk_on(u: float, n: float, odds: float, pmf: float, cdf: float, k: float) -> float:
    """The binomial walk from count k (`pmf` = P(k), `cdf` = F(k)) to the smallest count whose
    cdf reaches u. Where rounding leaves the cdf a hair below a uniform near 1, the walk ends
    where the cdf stops growing (the tail left is below its rounding), and never past n."""
    while u > cdf and k < n:
        pmf = _next_pmf(pmf, n, k, odds)
        if cdf + pmf == cdf:
            break
        cdf += pmf
        k += 1.0
    return k


@njit(cache=True, nogil=True)
def _poisson_by_inversion(u: float, lam: float) -> float:
    """The smallest k with F(k) >= u, the pmf walked up from F(0) = exp(-lam) >= 1 - lam (most
    cells of a small mean stop at 0 without an exponential)."""
    if u <= 1.0 - lam:
        return 0.0
    return _poisson_walk(u, lam, elementary.exp(-lam))


@njit(cache=True, nogil=True)
def _poisson_walk(u: float, lam: float, pmf: float) -> float:
    """The inversion's count past the stop at 0, from F(0) = `pmf` = exp(-lam): the count
    `_poisson_walk_on` finds, its first steps taken by `_steps_passed`."""
    passed, p3, f3 = _poisson_first_steps(u, lam, pmf)
    if passed < 0.0:
        return _poisson_walk_on(u, lam, pmf, pmf, 0.0)
    if passed < 4.0:
        return passed
    return _poisson_walk_on(u, lam, p3, f3, 3.0)


@njit(cache=True, nogil=True)
def _poisson_first_steps(u: float, lam: float, pmf: float):
    """`_binomial_first_steps` for a Poisson walk."""
    p1 = _next_poisson_pmf(pmf, lam, 0.0)
    p2 = _next_poisson_pmf(p1, lam, 1.0)
    p3 = _next_poisson_pmf(p2, lam, 2.0)
    f1 = pmf + p1
    f2 = f1 + p2
    f3 = f2 + p3
    return _steps_passed(u, pmf, f1, f2, f3), p3, f3


@njit(cache=True, nogil=True)
def _next_poisson_pmf(pmf: float, lam: float, k: float) -> float:
    return pmf * (lam / (k + 1.0))


@njit(cache=True, nogil=True)
def _poisson_walk_on(u: float, lam: float, pmf: float, cdf: float, k: float) -> float:
    """The Poisson walk from count k, ending, as `_walk_on` does, where the cdf stops growing."""
    while u > cdf:
        pmf = _next_poisson_pmf(pmf, lam, k)
        if cdf + pmf == cdf:
            break
        cdf += pmf
        k += 1.0
    return k


@njit(cache=True, nogil=True, error_model="numpy")
def _cornish_fisher_at(z: float, mean: float, var: float, skew_term: float) -> float:
    """x = mean + sd z + sd g (z^2 - 1) / 6 with skewness g = skew_term / sd, rounded, at the
    normal quantile z."""
    return np.rint(mean + math.sqrt(var) * z + skew_term * (z * z - 1.0) / 6.0)


@njit(cache=True, nogil=True)
def _probability(p: float) -> float:
    return min(max(p, 0.0), 1.0)


@njit(cache=True, nogil=True, error_model="numpy")
def _binomial_approximation(z: float, n: float, p: float) -> float:
    """The Cornish-Fisher Binomial(n, p) count at normal quantile z, kept within 0 to n."""
    p = _probability(p)
    mean = n * p
    return min(max(_cornish_fisher_at(z, mean, mean * (1.0 - p), 1.0 - 2.0 * p), 0.0), n)


@njit(cache=True, nogil=True, error_model="numpy")
def _poisson_approximation(z: float, lam: float) -> float:
    """The Cornish-Fisher Poisson(lam) count at normal quantile z, at least 0."""
    return max(_cornish_fisher_at(z, lam, lam, 1.0), 0.0)


@njit(cache=True, nogil=True)
def binomial(u: float, n: float, p: float) -> float:
    """One Binomial(n, p) count from uniform u; p is clipped to [0, 1]. A count with no variance
    (n = 0, p = 0 or p = 1) is certain: its mean."""
    p = _probability(p)
    mean = n * p
    var = mean * (1.0 - p)
    if not var > 0.0:
        return mean
    if var < APPROXIMATE_FROM_VARIANCE:
        return _binomial_by_inversion(u, n, p)
    return _binomial_approximation(normal_quantile(u), n, p)


@njit(cache=True, nogil=True)
def poisson(u: float, lam: float) -> float:
    """One Poisson(lam) count from uniform u."""
    if not lam > 0.0:
        return lam
    if lam < APPROXIMATE_FROM_VARIANCE:
        return _poisson_by_inversion(u, lam)
    return _poisson_approximation(normal_quantile(u), lam)


# The array samplers below give `binomial`'s and `poisson`'s count in every cell, the same
# numbers, in phases rather than cell by cell. Cell by cell, a day's cells of different kinds
# (certain, stopped at 0, walked, approximated) take branches the processor cannot predict, and
# a walked cell's logarithm, exponential and steps form one chain that the next cell waits on.
# In phases: one pass without branches gives the certain cells and those stopped at 0 their
# count and lists the others by kind; the approximated cells get their count at the central
# region's quantile (in a pass over every cell, on SIMD lanes, where they are many) and those in
# the tails are drawn again; the walks are made in loops of independent cells, their logarithms
# first, then their exponentials, then their first steps, then the rest of the few walks that
# go further (`_walked_binomials_at_first_steps`). On the reference scenario's draws a count
# takes about a quarter less time; where most cells are certain or stopped at 0 (a day's
# tactics), about what one cell at a time took. The tails' and the walks' parameters are
# gathered into arrays of their own first, so that their logarithms and exponentials
# (`elementary.py`'s, not the C library's) run four cells at once: another tenth less.


@njit(cache=True, nogil=True)
def _binomial_kind(u: float, n: float, p: float):
    """(count, approximated, walked): a certain cell's count (its mean), a cell stopped at 0's,
    else 0 for now, and whether the cell is approximated or walked."""
    p = _probability(p)
    mean = n * p
    var = mean * (1.0 - p)
    small = var < APPROXIMATE_FROM_VARIANCE
    count = mean if not var > 0.0 else 0.0
    return count, (var > 0.0) & (not small), (var > 0.0) & small & (not u <= 1.0 - n * p)


@njit(cache=True, nogil=True)
def _listed(order: np.ndarray, i: int, approximated: int, walks: int, kind) -> tuple[int, int]:
    """Cell i listed by its kind (count, approximated, walked): the approximated cells from the
    front of `order`, the walked ones from its back; returns how many of each are listed. Both
    slots written are free (approximated + walks <= i); where they are one, both hold i."""
    order[approximated] = i
    order[order.size - 1 - walks] = i
    return approximated + (1 if kind[1] else 0), walks + (1 if kind[2] else 0)


@njit(cache=True, nogil=True)
def _binomial_sort(u: np.ndarray, n: np.ndarray, p: np.ndarray, out: np.ndarray, order):
    """The certain cells' and stopped cells' counts into `out`, the others listed in `order`;
    returns how many are approximated and walked."""
    approximated, walks = 0, 0
    for i in range(u.size):
        kind = _binomial_kind(u[i], n[i], p[i])
        out[i] = kind[0]
        approximated, walks = _listed(order, i, approximated, walks, kind)
    return approximated, walks


@njit(cache=True, nogil=True, error_model="numpy")
def _binomial_approximated_everywhere(u, n, p, out) -> None:
    """Every approximated cell's count at the central region's quantile, in one pass over all
    cells on SIMD lanes (the others keep theirs)."""
    for i in range(u.size):
        q = _probability(p[i])
        approximated = _binomial_approximation(_central_quantile(u[i] - 0.5), n[i], p[i])
        out[i] = approximated if n[i] * q * (1.0 - q) >= APPROXIMATE_FROM_VARIANCE else out[i]


@njit(cache=True, nogil=True)
def _many(listed: int, cells: int) -> bool:
    """Whether to approximate in a pass over every cell rather than over the listed ones: above
    a quarter of the cells, a threshold between the reference scenario's days (a third of its
    binomial cells approximated: faster over every cell) and travel-agency's (a tenth: faster
    over the list)."""
    return 4 * listed > cells


@njit(cache=True, nogil=True)
def _listed_tails(u: np.ndarray, order: np.ndarray, listed: int) -> int:
    """Move the listed cells whose uniform lies in the normal quantile's tails to the front of
    `order`, in place; returns how many."""
    tails = 0
    for j in range(listed):
        i = order[j]
        order[tails] = i
        tails += 0 if abs(u[i] - 0.5) <= 0.425 else 1
    return tails


# The walked cells' first four steps (`_steps_passed`) are taken together, in a loop with no
# branch and no exit, on SIMD lanes: a count of 0 to 3 is found there, and only the cells left
# (a count past 3, a cdf that stops growing, F(0) below the smallest double, n of 3 or less) are
# walked one by one, each from its start with `_binomial_walk`'s own arithmetic, so that every
# count is the one the walk gives. Most walked counts are 0 to 3: a fifth less time a binomial
# of the reference scenario's joins and conversions.


@njit(cache=True, nogil=True, error_model="numpy")
def _walked_binomials_at_first_steps(u, n, p, none, count) -> None:
    """Each walked binomial's count where its first steps find it (`_walk_up`'s, in the same
    arithmetic), else -1. F(0) = `none`; where that is 0 or n <= 3 the walk goes another way."""
    for j in range(u.size):
        odds = p[j] / (1.0 - p[j])  # inf at p = 1 (no exception), where F(0) = 0: not taken
        passed = _binomial_first_steps(u[j], n[j], odds, none[j])[0]
        taken = (none[j] > 0.0) & (n[j] > 3.0) & (passed >= 0.0) & (passed < 4.0)
        count[j] = passed if taken else -1.0


@njit(cache=True, nogil=True, error_model="numpy")
def _walked_poissons_at_first_steps(u, lam, none, count) -> None:
    """`_walked_binomials_at_first_steps` for Poisson counts (`_poisson_walk`'s steps)."""
    for j in range(u.size):
        passed = _poisson_first_steps(u[j], lam[j], none[j])[0]
        count[j] = passed if (passed >= 0.0) & (passed < 4.0) else -1.0


@njit(cache=True, nogil=True)
def binomial_counts(u: np.ndarray, n: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    """Binomial(n, p) counts from uniforms, all four 1-d and of one length."""
    order = np.empty(u.size, dtype=np.int64)
    approximated, walks = _binomial_sort(u, n, p, out, order)
    if _many(approximated, u.size):
        _binomial_approximated_everywhere(u, n, p, out)
    else:
        for j in range(approximated):
            i = order[j]
            out[i] = _binomial_approximation(_central_quantile(u[i] - 0.5), n[i], p[i])
    tails = _listed_tails(u, order, approximated)
    r = _tail_roots(u, order, tails)
    for j in range(tails):
        i = order[j]
        out[i] = _binomial_approximation(_tail_quantile(u[i] - 0.5, r[j]), n[i], p[i])
    walked = order[u.size - walks :]
    at, trials, chance = np.empty(walks), np.empty(walks), np.empty(walks)
    for j in range(walks):
        i = walked[j]
        at[j], trials[j], chance[j] = u[i], n[i], _probability(p[i])
    none, count = np.empty(walks), np.empty(walks)
    for j in range(walks):
        none[j] = _log_of_none(trials[j], chance[j])
    for j in range(walks):
        none[j] = elementary.exp(none[j])
    _walked_binomials_at_first_steps(at, trials, chance, none, count)
    for j in range(walks):
        if count[j] < 0.0:
            count[j] = _binomial_walk(at[j], trials[j], chance[j], none[j])
        out[walked[j]] = count[j]


@njit(cache=True, nogil=True)
def _poisson_kind(u: float, lam: float):
    """`_binomial_kind` for a Poisson count."""
    small = lam < APPROXIMATE_FROM_VARIANCE
    count = lam if not lam > 0.0 else 0.0
    return count, (lam > 0.0) & (not small), (lam > 0.0) & small & (not u <= 1.0 - lam)


@njit(cache=True, nogil=True)
def _poisson_sort(u: np.ndarray, lam: np.ndarray, out: np.ndarray, order):
    """`_binomial_sort` for Poisson counts."""
    approximated, walks = 0, 0
    for i in range(u.size):
        kind = _poisson_kind(u[i], lam[i])
        out[i] = kind[0]
        approximated, walks = _listed(order, i, approximated, walks, kind)
    return approximated, walks


@njit(cache=True, nogil=True, error_model="numpy")
def _poisson_approximated_everywhere(u: np.ndarray, lam: np.ndarray, out: np.ndarray) -> None:
    """`_binomial_approximated_everywhere` for Poisson counts."""
    for i in range(u.size):
        approximated = _poisson_approximation(_central_quantile(u[i] - 0.5), lam[i])
        out[i] = approximated if lam[i] >= APPROXIMATE_FROM_VARIANCE else out[i]


@njit(cache=True, nogil=True)
def poisson_counts(u: np.ndarray, lam: np.ndarray, out: np.ndarray) -> None:
    """Poisson(lam) counts from uniforms, all three 1-d and of one length."""
    order = np.empty(u.size, dtype=np.int64)
    approximated, walks = _poisson_sort(u, lam, out, order)
    if _many(approximated, u.size):
        _poisson_approximated_everywhere(u, lam, out)
    else:
        for j in range(approximated):
            i = order[j]
            out[i] = _poisson_approximation(_central_quantile(u[i] - 0.5), lam[i])
    tails = _listed_tails(u, order, approximated)
    r = _tail_roots(u, order, tails)
    for j in range(tails):
        i = order[j]
        out[i] = _poisson_approximation(_tail_quantile(u[i] - 0.5, r[j]), lam[i])
    walked = order[u.size - walks :]
    at, mean, none, count = np.empty(walks), np.empty(walks), np.empty(walks), np.empty(walks)
    for j in range(walks):
        at[j], mean[j] = u[walked[j]], lam[walked[j]]
    for j in range(walks):
        none[j] = elementary.exp(-mean[j])
    _walked_poissons_at_first_steps(at, mean, none, count)
    for j in range(walks):
        if count[j] < 0.0:
            count[j] = _poisson_walk(at[j], mean[j], none[j])
        out[walked[j]] = count[j]


@njit(cache=True, nogil=True, error_model="numpy")
def _central_quantiles(u: np.ndarray, z: np.ndarray) -> None:
    """Every cell's normal quantile as the central region computes it: a loop with no branch,
    run on SIMD lanes; the cells in the tails (about 15%) are put right after it."""
    for i in range(u.size):
        q = u[i] - 0.5
        z[i] = q * _rational(CENTRAL, 0.180625 - q * q)


@njit(cache=True, nogil=True, error_model="numpy")
def _tail_roots(u: np.ndarray, cells: np.ndarray, m: int) -> np.ndarray:
    """For the first m of `cells` (uniforms in the normal quantile's tails), the r that
    `normal_quantile` computes: sqrt(-log(min(u, 1 - u))), or that minimum where it is 0.
    The uniforms are gathered first, so that the logarithms run on SIMD lanes."""
    r = np.empty(m)
    for j in range(m):
        x = u[cells[j]]
        r[j] = x if x - 0.5 < 0 else 1.0 - x
    for j in range(m):
        smaller = r[j]
        root = math.sqrt(-elementary.log(smaller))  # both sides, so that this loop has no branch
        r[j] = root if smaller > 0.0 else smaller
    return r


@njit(cache=True, nogil=True)
def normal_quantiles(u: np.ndarray, z: np.ndarray) -> None:
    """z = `normal_quantile(u)` cell by cell, the same numbers, in less than half the time: the
    central region's pass, then the tails' cells listed and computed in phases, as the counts
    are (their smaller halves, logarithms and square roots, then the rational functions)."""
    _central_quantiles(u, z)
    tails = np.empty(u.size, dtype=np.int64)
    m = 0
    for i in range(u.size):
        tails[m] = i
        m += 0 if abs(u[i] - 0.5) <= 0.425 else 1
    r = _tail_roots(u, tails, m)
    for j in range(m):
        i = tails[j]
        z[i] = _tail_quantile(u[i] - 0.5, r[j])


@njit(cache=True, nogil=True)
def lognormal_noise(u: np.ndarray, sigma: np.ndarray, out: np.ndarray) -> None:
    """Mean-one lognormal multipliers exp(sigma z - sigma^2 / 2), z the normal quantile of u."""
    normal_quantiles(u, out)
    for i in range(u.size):
        s = sigma[i]
        out[i] = elementary.exp(s * out[i] - s * s / 2.0) if s > 0.0 else 1.0


# SFC64's constants as unsigned 64-bit words (a plain int would turn the arithmetic to floats).
_SHIFT_RIGHT, _SHIFT_LEFT, _ROTATE, _UNROTATE = (
    np.uint64(11),
    np.uint64(3),
    np.uint64(24),
    np.uint64(40),
)
_ONE, _DOUBLE_BITS = np.uint64(1), np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@njit(cache=True, nogil=True)
def _sfc64(a, b, w, counter):
    """One step of SFC64 from state (a, b, w, counter): numpy's algorithm, word for word
    (`numpy/random/src/sfc64`). Returns the step's word and the next state."""
    word = a + b + counter
    return (
        word,
        b ^ (b >> _SHIFT_RIGHT),
        w + (w << _SHIFT_LEFT),
        ((w << _ROTATE) | (w >> _UNROTATE)) + word,
        counter + _ONE,
    )


@njit(cache=True, nogil=True)
def _unit(word: np.uint64, floor: float) -> float:
    """The double in [0, 1) that numpy makes of a 64-bit word, its top 53 bits times 2^-53, or
    `floor` if that is larger. The 53 bits go through a signed integer, which converts to a
    double in one instruction (the unsigned conversion takes several), to the same value."""
    return max(np.float64(np.int64(word >> _DOUBLE_BITS)) * _TO_UNIT, floor)


# From this many streams on, a group's streams are drawn side by side (`_draw_across`).
STREAMS_ACROSS = 8


@njit(cache=True, nogil=True)
def draw_streams(
    state: np.ndarray, rows: int, width: int, start: int, floor: float, out: np.ndarray
) -> None:
    """out[t, start + j, c] = max(the next uniform of stream c, floor) for t < rows, j < width:
    `rows` rows of one block's `width` replications, each stream's numbers in the order
    `random((rows, width))` gives them, laid side by side as the engine reads them (a row of
    replications by streams). Each stream's SFC64 state (a, b, w, counter) runs on as numpy
    runs it, so a stream gives the doubles `np.random.Generator(SFC64(seed)).random()` would.

    A stream's next number needs its last one, so one stream runs at the pace of that chain; a
    few streams are drawn one after another, each state held in registers for its whole run;
    from `STREAMS_ACROSS` on, all of them a replication at a time (`_draw_across`)."""
    if state.shape[0] >= STREAMS_ACROSS:
        _draw_across(state, rows, width, start, floor, out)
        return
    for c in range(state.shape[0]):
        a, b, w, counter = state[c, 0], state[c, 1], state[c, 2], state[c, 3]
        for t in range(rows):
            for j in range(width):
                word, a, b, w, counter = _sfc64(a, b, w, counter)
                out[t, start + j, c] = _unit(word, floor)
        state[c, 0], state[c, 1], state[c, 2], state[c, 3] = a, b, w, counter


@njit(cache=True, nogil=True)
def _draw_across(state, rows, width, start, floor, out) -> None:
    """`draw_streams` a replication at a time: the loop over the streams, innermost, steps
    every stream's state once, with no dependence between streams, so it runs on SIMD lanes
    (four streams an instruction) and writes its row of `out` in order: a fifth to two fifths
    less time a number for eight streams, more for more. The states live in four arrays, one a
    word, for the lanes to load."""
    a, b = state[:, 0].copy(), state[:, 1].copy()
    w, counter = state[:, 2].copy(), state[:, 3].copy()
    for t in range(rows):
        for j in range(width):
            row = start + j
            for c in range(a.size):
                word, a[c], b[c], w[c], counter[c] = _sfc64(a[c], b[c], w[c], counter[c])
                out[t, row, c] = _unit(word, floor)
    state[:, 0], state[:, 1], state[:, 2], state[:, 3] = a, b, w, counter


@njit(cache=True, nogil=True)
def draw_kept_streams(
    state: np.ndarray,
    rows: int,
    width: int,
    kept: np.ndarray,
    start: int,
    floor: float,
    out: np.ndarray,
) -> None:
    """`draw_streams` for some replications of the block only: every number of the block is
    drawn, so a kept replication gets the numbers it has in the whole block, and the q-th of
    `kept` (sorted positions in the block) is written to out[t, start + q, c]. A loop of its own,
    so that `draw_streams`, which every run takes, tests nothing per number."""
    for c in range(state.shape[0]):
        a, b, w, counter = state[c, 0], state[c, 1], state[c, 2], state[c, 3]
        for t in range(rows):
            q = 0
            for j in range(width):
                word, a, b, w, counter = _sfc64(a, b, w, counter)
                if q < kept.size and kept[q] == j:
                    out[t, start + q, c] = _unit(word, floor)
                    q += 1
        state[c, 0], state[c, 1], state[c, 2], state[c, 3] = a, b, w, counter


@njit(cache=True, nogil=True)
def _spend_at_level(mu, lam, s_half, k, curve, x_grid) -> float:
    """An arm's daily spend where its marginal return has fallen to mu (see allocation.py): 0
    where even its first unit of money returns no more; closed form for k = 1, else the
    decreasing curve (1 + (1 - k) x) / (1 + x) ** 2 inverted on its grid."""
    if not lam > mu:
        return 0.0
    ratio = mu / lam
    if k == 1.0:
        return s_half * (math.sqrt(1.0 / ratio) - 1.0)
    if ratio > curve[0]:
        return 0.0
    if ratio <= curve[-1]:
        return s_half * x_grid[-1] ** (1.0 / k)
    # Bisect for the grid interval with curve[i] >= ratio > curve[i + 1]; interpolate linearly.
    i, j = 0, curve.size - 1
    while j - i > 1:
        m = (i + j) // 2
        if curve[m] >= ratio:
            i = m
        else:
            j = m
    t = (curve[i] - ratio) / (curve[i] - curve[j])
    x = x_grid[i] + t * (x_grid[j] - x_grid[i])
    return s_half * x ** (1.0 / k)


@njit(cache=True, nogil=True)
def water_fill(lam, target, s_half, k, curves, x_grid, efolds, steps, spend) -> None:
    """Each row's spends (reps, arms) at the level mu where they add up to the row's target,
    found by bisection on log(mu) over `efolds` e-folds below the row's best lam."""
    n_reps, n_arms = lam.shape
    for r in range(n_reps):
        best = lam[r].max()
        hi = math.log(best) if best > 0 else 0.0
        lo = hi - efolds
        for _ in range(steps):
            mid = (lo + hi) / 2
            mu, total = math.exp(mid), 0.0
            for a in range(n_arms):
                total += _spend_at_level(mu, lam[r, a], s_half[a], k[a], curves[a], x_grid)
            if total > target[r]:
                lo = mid
            else:
                hi = mid
        mu = math.exp(hi)
        for a in range(n_arms):
            spend[r, a] = _spend_at_level(mu, lam[r, a], s_half[a], k[a], curves[a], x_grid)


def warm_up() -> None:
    """Load (or compile) every sampler in this process, so that worker processes forked from it
    inherit the machine code instead of each loading it from the cache again."""
    one = np.ones(1)
    binomial_counts(one / 2, one, one / 2, np.empty(1))
    poisson_counts(one / 2, one, np.empty(1))
    lognormal_noise(one / 2, one, np.empty(1))
    state, one_row = np.ones((1, 4), dtype=np.uint64), np.empty((1, 1, 1))
    draw_streams(state, 1, 1, 0, 0.0, one_row)
    draw_kept_streams(state, 1, 1, np.zeros(1, dtype=np.int64), 0, 0.0, one_row)
    water_fill(
        np.ones((1, 1)),
        one,
        one,
        one / 2,
        np.ones((1, 2)),
        np.arange(2.0),
        1.0,
        1,
        np.empty((1, 1)),
    )
