"""Response curves: numpy functions of the model, each with its formula.

They take and return arrays of any broadcastable shape, usually (replications, arms). Their
exponentials are the compiled loops of `exponentials.py`, three times as fast as numpy's.
"""

from __future__ import annotations

import numpy as np

from smmsim.simulator import exponentials


def auction_cpm(base_cpm: np.ndarray, spend: np.ndarray, s_half: np.ndarray, k: np.ndarray):
    """Price of attention under auction pressure: cpm = cpm0 * (1 + (s / s_half) ** k).

    Buying more of one audience on one day costs more per impression; at s = s_half the price
    doubles. With k <= 1 impressions 1000 s / cpm still grow with spend, with diminishing returns.
    """
    return base_cpm * auction_pressure(spend, s_half, k)


def auction_pressure(spend: np.ndarray, s_half: np.ndarray, k: np.ndarray):
    """The factor auction pressure puts on the CPM: 1 + (s / s_half) ** k."""
    ratio = spend / s_half
    return 1 + (ratio if is_linear(k) else ratio**k)


def is_linear(k) -> bool:
    """Whether every price exponent is 1: x ** 1 is x exactly, and a power costs more than the
    rest of the curve, so a linear price (every bundled plan's) skips it."""
    return bool(np.all(np.asarray(k) == 1))


def unique_reach(impressions: np.ndarray, audience: np.ndarray) -> np.ndarray:
    """People reached after C random impressions in an audience of N: N * (1 - exp(-C / N))."""
    return audience * -exponentials.expm1(-impressions / audience)


def frequency(impressions: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Average exposures per reached person, C / reach (0 before the first impression)."""
    return np.divide(impressions, reach, out=np.zeros_like(reach, dtype=float), where=reach > 0)


def fatigued_ctr(base_ctr: np.ndarray, freq: np.ndarray, f0: np.ndarray, phi: np.ndarray):
    """Creative wear-out: ctr = ctr0 * exp(-phi * max(0, frequency - f0))."""
    return base_ctr * exponentials.exp(-phi * np.maximum(0.0, freq - f0))


def monthly_to_daily_probability(per_month: float) -> float:
    """The daily probability that compounds to a monthly one: 1 - (1 - m) ** (1 / 30.4375)."""
    return -np.expm1(np.log1p(-per_month) / DAYS_PER_MONTH)


DAYS_PER_MONTH = 365.25 / 12
