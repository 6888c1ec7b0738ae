"""Budget shares as points of a simplex, from unit-cube coordinates a sampler can search.

Stick-breaking: with K parts and coordinates u_1..u_{K-1} in [0, 1], part i takes the fraction

    b_i = 1 - (1 - u_i) ** (1 / (K - i))

of what is left. b_i is the Beta(1, K - i) quantile of u_i, so uniform coordinates give uniform
shares over the simplex (a flat Dirichlet), no split is favoured before any trial has run, and
the map is one-to-one: every split has exactly one set of coordinates (`coordinates_of`), which is
how a known allocation (the water-filling start) is handed to the sampler.
"""

from __future__ import annotations

import numpy as np

BISECTION_STEPS = 100


def shares_from(coordinates: np.ndarray) -> np.ndarray:
    """(K,) shares summing to 1 from K - 1 coordinates in [0, 1]."""
    u = np.asarray(coordinates, dtype=float)
    k = u.size + 1
    shares = np.zeros(k)
    left = 1.0
    for i, ui in enumerate(u):
        taken = left * (1.0 - (1.0 - ui) ** (1.0 / (k - 1 - i)))
        shares[i] = taken
        left -= taken
    shares[-1] = max(left, 0.0)
    return shares


def coordinates_of(shares: np.ndarray) -> np.ndarray:
    """The K - 1 coordinates whose `shares_from` is `shares` (the inverse map)."""
    w = np.asarray(shares, dtype=float) / np.sum(shares)
    k = w.size
    u = np.zeros(k - 1)
    left = 1.0
    for i in range(k - 1):
        fraction = min(w[i] / left, 1.0) if left > 1e-15 else 0.0
        u[i] = 1.0 - (1.0 - fraction) ** (k - 1 - i)
        left -= w[i]
    return np.clip(u, 0.0, 1.0)


def project_to_limits(shares: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The nearest split (in Euclidean distance) with low <= share <= high and sum 1:
    clip(shares - tau, low, high) with tau found by bisection, since the sum falls with tau.
    A split already inside the limits comes back unchanged. Needs sum(low) <= 1 <= sum(high)."""
    w, lo, hi = (np.asarray(x, dtype=float) for x in (shares, low, high))
    if lo.sum() > 1 + 1e-9 or hi.sum() < 1 - 1e-9:
        raise ValueError(f"no split fits the limits: low sums to {lo.sum()}, high to {hi.sum()}")
    if np.all((w >= lo) & (w <= hi)) and abs(w.sum() - 1) < 1e-12:
        return w
    below, above = (w - hi).min(), (w - lo).max()
    for _ in range(BISECTION_STEPS):
        tau = (below + above) / 2
        if np.clip(w - tau, lo, hi).sum() > 1:
            below = tau
        else:
            above = tau
    projected = np.clip(w - (below + above) / 2, lo, hi)
    return projected / projected.sum()
