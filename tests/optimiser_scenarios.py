"""Allocation scenarios whose best split is known in closed form, for judging the optimiser.

Each platform has one paid-ads arm with known rates (bare numbers), no noise, no fatigue, no
learning phase, caps that never bind and a flat week; the community converts nobody. A
deterministic run of such a scenario is then plain arithmetic: an arm spending s a day buys
1000 s / (cpm (1 + s / h)) impressions (k = 1), so its daily direct conversions are

    f(s) = a s / (1 + s / h),    a = 1000 ctr cvr / cpm,

concave with the marginal return f'(s) = a / (1 + s / h) ** 2. The best split of the daily
budget S = B / D over the arms equalises f'(s_i) = mu over the funded arms and funds no arm whose
first unit already returns a <= mu: s_i = h_i (sqrt(a_i / mu) - 1)+. For a given set of funded
arms the budget fixes mu in closed form,

    sqrt(1 / mu) = (S + sum h_i) / sum(h_i sqrt(a_i)),

and the funded set is found by dropping the arms whose a_i <= mu until none is left to drop.
Everything here is computed by hand in numpy and `math`, never with the engine's curves.

Used by tests/test_optimiser_quality.py and benchmarks/bench_optimiser.py.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np

# Audience and frequency cap so large that no arm ever runs into the cap.
AUDIENCE = 10_000_000
FREQUENCY_CAP = 100.0

# Three arms, all funded at the optimum (shares about 0.27 / 0.59 / 0.13); the even spread
# reaches about 95% of the optimum.
INTERIOR_ARMS: list[dict[str, Any]] = [
    {"name": "alpha", "cpm": 6.0, "ctr": 0.02, "cvr": 0.03, "s_half": 300.0},  # a = 0.10
    {"name": "beta", "cpm": 5.0, "ctr": 0.03, "cvr": 0.03, "s_half": 250.0},  # a = 0.18
    {"name": "gamma", "cpm": 4.0, "ctr": 0.014, "cvr": 0.02, "s_half": 600.0},  # a = 0.07
]
INTERIOR_BUDGET, INTERIOR_DAYS = 9000.0, 30

# Three arms, the third unfunded at the optimum: its first unit returns a = 0.06, below the
# level mu = 0.073 the other two reach (shares about 0.34 / 0.66 / 0); the even spread reaches
# about 88% of the optimum.
CORNER_ARMS: list[dict[str, Any]] = [
    {"name": "alpha", "cpm": 5.0, "ctr": 0.02, "cvr": 0.03, "s_half": 300.0},  # a = 0.12
    {"name": "beta", "cpm": 6.0, "ctr": 0.03, "cvr": 0.04, "s_half": 250.0},  # a = 0.20
    {"name": "delta", "cpm": 5.0, "ctr": 0.015, "cvr": 0.02, "s_half": 400.0},  # a = 0.06
]
CORNER_BUDGET, CORNER_DAYS = 7500.0, 30

# Six arms, all funded (shares about 0.03 / 0.10 / 0.22 / 0.15 / 0.29 / 0.22); the even spread
# reaches about 96%. With three arms about 1 split in 12 drawn uniformly over the simplex already
# reaches 99% of the optimum, so random search alone passes that bar within a few dozen trials;
# with six arms about 1 in 500 does, so reaching 99% quickly takes a sampler that learns.
WIDE_ARMS: list[dict[str, Any]] = [
    {"name": "alpha", "cpm": 5.0, "ctr": 0.01, "cvr": 0.03, "s_half": 500.0},  # a = 0.06
    {"name": "beta", "cpm": 5.0, "ctr": 0.02, "cvr": 0.02, "s_half": 300.0},  # a = 0.08
    {"name": "gamma", "cpm": 4.0, "ctr": 0.02, "cvr": 0.02, "s_half": 400.0},  # a = 0.10
    {"name": "delta", "cpm": 5.0, "ctr": 0.02, "cvr": 0.03, "s_half": 200.0},  # a = 0.12
    {"name": "epsilon", "cpm": 5.0, "ctr": 0.02, "cvr": 0.04, "s_half": 250.0},  # a = 0.16
    {"name": "zeta", "cpm": 6.0, "ctr": 0.03, "cvr": 0.04, "s_half": 150.0},  # a = 0.20
]
WIDE_BUDGET, WIDE_DAYS = 18000.0, 30

# name -> (arms, budget, days)
CASES: dict[str, tuple[list[dict[str, Any]], float, int]] = {
    "interior": (INTERIOR_ARMS, INTERIOR_BUDGET, INTERIOR_DAYS),
    "corner": (CORNER_ARMS, CORNER_BUDGET, CORNER_DAYS),
    "wide": (WIDE_ARMS, WIDE_BUDGET, WIDE_DAYS),
}


def tool_name(arm: dict[str, Any]) -> str:
    """The optimiser's 'platform/tool' name of an arm."""
    return f"{arm['name']}/paid_ads"


def concave_scenario_data(
    arms: list[dict[str, Any]],
    budget: float,
    days: int,
    seed: int,
    shares: list[float] | None = None,
) -> dict[str, Any]:
    """A scenario (as loaded data) with one platform and paid-ads arm per entry of `arms`
    (name, cpm, ctr, cvr, s_half), k = 1, whose deterministic run is closed-form arithmetic.
    `shares` are the arms' budget shares (default: even)."""
    shares = shares if shares is not None else [1 / len(arms)] * len(arms)
    platforms = [
        {
            "name": arm["name"],
            "audience": AUDIENCE,
            "tools": [
                {
                    "type": "paid_ads",
                    "budget_share": float(share),
                    "cpm": arm["cpm"],
                    "ctr": arm["ctr"],
                    "join_rate": 0.05,  # joins reach a community that converts nobody
                    "cvr": arm["cvr"],
                    "auction": {"s_half": arm["s_half"], "k": 1.0},
                    "fatigue": {"f0": 1.0, "phi": 0.0},
                    "frequency_cap": FREQUENCY_CAP,
                    "learning": {"conversions": 0},
                    "day_of_week": [1.0] * 7,
                    "noise": 0.0,
                }
            ],
        }
        for arm, share in zip(arms, shares, strict=True)
    ]
    return {
        "campaign": {
            "name": "closed form",
            "start": date(2027, 3, 1),
            "days": days,
            "budget": budget,
            "seed": seed,
        },
        "platforms": platforms,
        "community": {
            "member_conversion_per_month": 0.0,
            "recommendations_per_member_per_month": 0.0,
        },
    }


def returns_per_money(arms: list[dict[str, Any]]) -> np.ndarray:
    """a_i = 1000 ctr cvr / cpm: direct conversions per unit of money at no auction pressure."""
    return np.array([1000 * arm["ctr"] * arm["cvr"] / arm["cpm"] for arm in arms])


def half_spends(arms: list[dict[str, Any]]) -> np.ndarray:
    return np.array([float(arm["s_half"]) for arm in arms])


def hand_conversions(arms: list[dict[str, Any]], daily_spends, days: int) -> float:
    """Total direct conversions of the arms spending `daily_spends` every day, by hand."""
    a, h = returns_per_money(arms), half_spends(arms)
    per_day = math.fsum(ai * s / (1 + s / hi) for ai, s, hi in zip(a, daily_spends, h, strict=True))
    return per_day * days


def optimum_level(arms: list[dict[str, Any]], budget: float, days: int) -> float:
    """mu, the marginal return every funded arm has at the optimum."""
    a, h = returns_per_money(arms), half_spends(arms)
    total = budget / days
    funded = np.ones(len(arms), dtype=bool)
    while True:
        root = (total + h[funded].sum()) / (h[funded] * np.sqrt(a[funded])).sum()  # 1 / sqrt(mu)
        still = funded & (np.sqrt(a) * root > 1)
        if (still == funded).all():
            return float(1 / root**2)
        funded = still


def closed_form_optimum(
    arms: list[dict[str, Any]], budget: float, days: int
) -> tuple[np.ndarray, float]:
    """(daily spends, total conversions) of the best split of budget / days over the arms."""
    a, h = returns_per_money(arms), half_spends(arms)
    mu = optimum_level(arms, budget, days)
    spends = h * np.maximum(np.sqrt(a / mu) - 1, 0.0)
    return spends, hand_conversions(arms, spends, days)


def optimum_shares(arms: list[dict[str, Any]], budget: float, days: int) -> dict[str, float]:
    """The closed-form optimum as the optimiser's paid-ads shares, by 'platform/tool'."""
    spends, _ = closed_form_optimum(arms, budget, days)
    return {tool_name(arm): float(s / spends.sum()) for arm, s in zip(arms, spends, strict=True)}


def even_conversions(arms: list[dict[str, Any]], budget: float, days: int) -> float:
    """Total conversions of the even spread (every arm budget / days / arms a day), by hand."""
    return hand_conversions(arms, [budget / days / len(arms)] * len(arms), days)
