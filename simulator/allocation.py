"""Splitting a daily budget over arms so that the last unit of money buys as much everywhere.

With auction pressure an arm's expected direct conversions from a daily spend s are

    conv(s) = lam * s / (1 + (s / h) ** k),

where lam is its conversions per unit of money at no pressure (1000 * ctr * cvr / cpm0), h its
half-saturation spend and k the steepness. For k <= 1 this is concave, with the marginal return

    conv'(s) = lam * (1 + (1 - k) x) / (1 + x) ** 2,    x = (s / h) ** k,

falling from lam at s = 0 towards 0. The best split of a total S equalises the marginal return (so
the marginal cost per conversion, its inverse) over every arm that gets money, and gives nothing to
an arm whose first unit of money already returns less: water-filling.
"""

from __future__ import annotations

import numpy as np

from smmsim.simulator.compiled import water_fill
from smmsim.simulator.rows import row_sum

# The level mu is found by bisection on log(mu) over this many e-folds below the best arm's lam.
LEVEL_RANGE_EFOLDS = 40.0
BISECTION_STEPS = 60
# Grid of x = (s / h) ** k on which the marginal-return curve is inverted for k < 1.
X_GRID = np.logspace(-8, 8, 801)


def marginal_return(spend, lam, s_half, k) -> np.ndarray:
    """conv'(s) = lam (1 + (1 - k) x) / (1 + x) ** 2 with x = (s / h) ** k."""
    x = (spend / s_half) ** k
    return lam * (1 + (1 - k) * x) / (1 + x) ** 2


def spend_at_level(mu, lam, s_half, k) -> np.ndarray:
    """The daily spend at which an arm's marginal return has fallen to mu; 0 where lam <= mu.

    For k = 1 it is closed form, s = h (sqrt(lam / mu) - 1); otherwise the decreasing curve
    (1 + (1 - k) x) / (1 + x) ** 2 is inverted on a fine log grid.
    """
    mu, lam, s_half, k = np.broadcast_arrays(mu, lam, s_half, k)
    ratio = np.divide(mu, lam, out=np.full(mu.shape, np.inf), where=lam > 0)
    x = np.zeros(mu.shape)
    linear = k == 1
    x[linear] = np.sqrt(1 / np.minimum(ratio[linear], 1)) - 1
    for kk in np.unique(k[~linear]):
        at = (k == kk) & ~linear
        curve = (1 + (1 - kk) * X_GRID) / (1 + X_GRID) ** 2  # decreasing in x
        x[at] = np.interp(-np.minimum(ratio[at], 1), -curve, X_GRID, left=0.0)
        x[at & (ratio >= 1)] = 0.0
    return s_half * x ** (1 / k)


def equal_marginal_split(
    lam: np.ndarray, eligible: np.ndarray, daily_spend: np.ndarray, s_half, k
) -> np.ndarray:
    """(reps, arms) shares of `daily_spend` (reps,) over the eligible arms that equalise their
    marginal cost per conversion. Rows with no eligible arm get no share at all; rows whose
    eligible arms all have lam == 0 split evenly among them (nothing to tell them apart)."""
    lam = np.ascontiguousarray(np.where(eligible, lam, 0.0))
    n_arms = lam.shape[1]
    s_half = np.ascontiguousarray(np.broadcast_to(np.asarray(s_half, dtype=float), n_arms))
    k = np.ascontiguousarray(np.broadcast_to(np.asarray(k, dtype=float), n_arms))
    curves = (1 + (1 - k[:, None]) * X_GRID) / (1 + X_GRID) ** 2  # decreasing in x
    target = np.ascontiguousarray(np.broadcast_to(daily_spend, lam.shape[0]), dtype=float)
    spend = np.empty_like(lam)
    water_fill(lam, target, s_half, k, curves, X_GRID, LEVEL_RANGE_EFOLDS, BISECTION_STEPS, spend)
    total = row_sum(spend, keepdims=True)
    shares = np.divide(spend, total, out=np.zeros_like(spend), where=total > 0)
    undecided = (total[:, 0] == 0) & eligible.any(axis=1)
    shares[undecided] = eligible[undecided] / eligible[undecided].sum(axis=1, keepdims=True)
    return shares
