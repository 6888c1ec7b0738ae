"""exp, expm1, log and log1p that compiled loops run on SIMD lanes: numba source, like `kernels.py`.

A loop that calls the C library's `exp` or `log1p` makes one call a number, 5-11 ns each on the
development machine; these are multiplications, additions and a division or two, with no branch
and no call, so LLVM runs four numbers at once: 2-3 ns a number. They are the C library's
algorithms (fdlibm's, as FreeBSD and musl ship them: the same reductions and the same Remez
coefficients), with the branches between ranges turned into selections, so that every number
takes the same instructions. `exp`, `log` and `log1p` are within 1 ulp of the exact value and
`expm1` within 2 (tests/test_elementary.py checks them against 40-digit values); they do not
always give the C library's last bit.

A double's exponent is read and written by reinterpreting its 64 bits as an integer
(`_bits_of`, `_double_of`); numba has no such cast, so they are LLVM's `bitcast`. Scaling by
2^k is then a shift of k into the exponent's bits, and the integer k itself a double's last
bits after adding 1.5 * 2^52 (AVX2 has no instruction converting 64-bit integers).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic


@intrinsic
def _bits_of(typingctx, x):
    """The 64 bits of a double, as an unsigned integer."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.uint64(types.float64), codegen


@intrinsic
def _double_of(typingctx, bits):
    """The double whose 64 bits are `bits`."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.uint64), codegen


# ln 2 in two parts, the first with enough trailing zeros that k * LN2_HI is exact for |k| < 2^11.
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
INV_LN2 = 1.44269504088896338700e00
# Adding 1.5 * 2^52 rounds a double of magnitude below 2^51 to an integer in its last bits.
ROUNDER = 6755399441055744.0
ROUNDER_BITS = np.uint64(0x4338000000000000)
# x is clamped to [EXP_LOW, EXP_HIGH] (exp is 0 below, inf above), so k + K_OFFSET >= 0.
EXP_LOW, EXP_HIGH = -746.0, 710.0
K_OFFSET = np.uint64(2048)
MANTISSA_BITS = np.uint64(52)
# 2^m is (m + 1023) << 52; k is split in two halves m1 + m2, each biased by K_OFFSET / 2.
HALF_OFFSET_BIAS = np.uint64(1024 - 1023)
ONE_BIT = np.uint64(1)
# exp(r) on |r| <= ln2 / 2 as 1 + 2r / (2 - R(r)), R's Remez coefficients (fdlibm e_exp.c).
EXP_R = (
    1.66666666666666019037e-01,
    -2.77777777770155933842e-03,
    6.61375632143793436117e-05,
    -1.65339022054652515390e-06,
    4.13813679705723846039e-08,
)
# expm1(r) on |r| <= ln2 / 2 (fdlibm s_expm1.c).
EXPM1_Q = (
    -3.33333333333331316428e-02,
    1.58730158725481460165e-03,
    -7.93650757867487942473e-05,
    4.00821782732936239552e-06,
    -2.01099218183624371326e-07,
)
# log(1 + f) = 2 atanh(s), s = f / (2 + f), on sqrt(2)/2 <= 1 + f < sqrt(2) (fdlibm e_log.c).
LOG_LG = (
    6.666666666666735130e-01,
    3.999999999940941908e-01,
    2.857142874366239149e-01,
    2.222219843214978396e-01,
    1.818357216161805012e-01,
    1.531383769920937332e-01,
    1.479819860511658591e-01,
)
# A double's bits less those of sqrt(2)/2 carry into the exponent exactly where its mantissa is
# at least sqrt(2)'s, so the exponent read from them puts the mantissa in [sqrt(2)/2, sqrt(2)).
SQRT_HALF_BITS = np.uint64(0x3FE6A09E667F3BCD)
ONE_BITS = np.uint64(0x3FF0000000000000)
FRACTION_MASK = np.uint64(0x000FFFFFFFFFFFFF)
TWO_52_BITS = np.uint64(0x4330000000000000)  # 2^52: OR-ing an integer below 2^52 into it adds it
TWO_52 = 4503599627370496.0
TINY = 2.0**-54
SMALLEST_NORMAL = 2.2250738585072014e-308
TWO_54 = 18014398509481984.0
LOG_TWO_54 = 54.0 * math.log(2.0)


@njit(cache=True, nogil=True, error_model="numpy")
def _power_of_two(biased_half: np.uint64) -> float:
    """2^m for m = biased_half - 1024 (the half of k's split that one factor carries)."""
    return _double_of((biased_half - HALF_OFFSET_BIAS) << MANTISSA_BITS)


@njit(cache=True, nogil=True, error_model="numpy")
def _reduced(x: float):
    """(r_hi, r_lo, k + K_OFFSET as an integer) with x = k ln2 + (r_hi - r_lo) for the integer
    k nearest x / ln2, so |r_hi - r_lo| <= ln2 / 2."""
    shifted = x * INV_LN2 + ROUNDER
    k = shifted - ROUNDER
    biased = _bits_of(shifted) - ROUNDER_BITS + K_OFFSET
    return x - k * LN2_HI, k * LN2_LO, biased


@njit(cache=True, nogil=True, error_model="numpy")
def _scaled(y: float, biased: np.uint64) -> float:
    """y * 2^k, as two factors 2^floor(k/2) and 2^ceil(k/2): each is a normal double for every
    k of a clamped x, so results below the smallest normal double come out subnormal, as the C
    library's do, rather than 0."""
    half = biased >> ONE_BIT
    return y * _power_of_two(half) * _power_of_two(biased - half)


@njit(cache=True, nogil=True, error_model="numpy")
def exp(x: float) -> float:
    """e^x: 0 below -746 (where e^x is below half the smallest subnormal), inf above 709.78."""
    hi, lo, biased = _reduced(min(max(x, EXP_LOW), EXP_HIGH))
    r = hi - lo
    t = r * r
    c = r - t * (EXP_R[0] + t * (EXP_R[1] + t * (EXP_R[2] + t * (EXP_R[3] + t * EXP_R[4]))))
    return _scaled(1.0 - ((lo - (r * c) / (2.0 - c)) - hi), biased)


@njit(cache=True, nogil=True, error_model="numpy")
def _expm1_core(x: float) -> float:
    """e^x - 1 for |x| <= ln2 / 2, to a relative error of an ulp however small x is."""
    half = 0.5 * x
    hxs = x * half
    q = EXPM1_Q
    r1 = 1.0 + hxs * (q[0] + hxs * (q[1] + hxs * (q[2] + hxs * (q[3] + hxs * q[4]))))
    t = 3.0 - r1 * half
    e = hxs * ((r1 - t) / (6.0 - x * t))
    return x - (x * e - hxs)


@njit(cache=True, nogil=True, error_model="numpy")
def expm1(x: float) -> float:
    """e^x - 1 = (2^k - 1) + 2^k expm1(r), with x = k ln2 + r as `exp` reduces it and expm1(r)
    from the core's series (plus the reduction's rounding, to first order). Both terms are exact
    or one rounding from exact, so the sum is within 2 ulp of e^x - 1 for every x; near 0
    (k = 0) it is the core itself."""
    hi, lo, biased = _reduced(min(max(x, EXP_LOW), EXP_HIGH))
    r = hi - lo
    lost = (hi - r) - lo
    series = _expm1_core(r)
    reduced = series + lost * (1.0 + series)
    # Halved and doubled back (both exact): 2^k itself overflows where x is within ln2 / 2 of
    # the largest e^x, 2^(k - 1) does not.
    half_power = _scaled(0.5, biased)
    value = 2.0 * ((half_power - 0.5) + half_power * reduced)
    return x if abs(x) < TINY else value  # e^x - 1 rounds to x, subnormals included


@njit(cache=True, nogil=True, error_model="numpy")
def _log_of(u: float, correction: float) -> float:
    """log(u) + correction for a positive normal double u: u = 2^k (1 + f) with 1 + f in
    [sqrt(2)/2, sqrt(2)), log(1 + f) from its atanh series."""
    bits = _bits_of(u) + (ONE_BITS - SQRT_HALF_BITS)
    k = _double_of((bits >> MANTISSA_BITS) | TWO_52_BITS) - TWO_52 - 1023.0
    f = _double_of((bits & FRACTION_MASK) + SQRT_HALF_BITS) - 1.0
    half_f_squared = 0.5 * f * f
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    lg = LOG_LG
    t1 = w * (lg[1] + w * (lg[3] + w * lg[5]))
    t2 = z * (lg[0] + w * (lg[2] + w * (lg[4] + w * lg[6])))
    tail = s * (half_f_squared + t1 + t2) + (k * LN2_LO + correction)
    return tail - half_f_squared + f + k * LN2_HI


@njit(cache=True, nogil=True, error_model="numpy")
def _log_domain(value: float, u: float) -> float:
    """The log's value where its argument u is positive and finite, else log's value at u:
    -inf at 0, inf at inf, nan below 0 or at nan."""
    if u > 0.0 and u < math.inf:
        return value
    return -math.inf if u == 0.0 else (math.inf if u == math.inf else math.nan)


@njit(cache=True, nogil=True, error_model="numpy")
def log(x: float) -> float:
    """The natural logarithm: -inf at 0, nan below. A subnormal x is first scaled by 2^54 into
    the normal doubles, where `_log_of` reads its exponent."""
    subnormal = x < SMALLEST_NORMAL
    scaled = x * TWO_54 if subnormal else x
    value = _log_of(scaled, 0.0) - (LOG_TWO_54 if subnormal else 0.0)
    return _log_domain(value, x)


@njit(cache=True, nogil=True, error_model="numpy")
def log1p(x: float) -> float:
    """log(1 + x) for x > -1, accurate however small x is: the log of u = 1 + x as rounded,
    plus the first-order correction for what the rounding lost, as fdlibm's s_log1p.c makes
    it: (x - (u - 1)) / u below u = 2, (1 - (u - x)) / u up to 2^54, none above."""
    u = 1.0 + x
    lost = (x - (u - 1.0)) if u < 2.0 else ((1.0 - (u - x)) if u < 2.0**54 else 0.0)
    value = _log_of(u, lost / u)
    return _log_domain(value, u)


@njit(cache=True, nogil=True, error_model="numpy")
def exponentials(x: np.ndarray, out: np.ndarray) -> None:
    """out = e^x, cell by cell (1-d, one length)."""
    for i in range(x.size):
        out[i] = exp(x[i])


@njit(cache=True, nogil=True, error_model="numpy")
def exponentials_less_one(x: np.ndarray, out: np.ndarray) -> None:
    """out = e^x - 1, cell by cell (1-d, one length)."""
    for i in range(x.size):
        out[i] = expm1(x[i])
