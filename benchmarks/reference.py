"""The reference scenario the engine benchmark times: 8 platforms, one paid-ads arm each, 120 days.

Priors are plausible planning figures for a mid-sized EU e-commerce brand (CPM in EUR, rates as
fractions), chosen to differ across platforms so that no two arms behave alike. They are benchmark
inputs, not advice. Asking for more platforms than there are templates repeats them with a numeric
suffix; budget shares are the templates' weights normalised to sum to one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from smmsim.scenarios.loader import scenario_from_data
from smmsim.scenarios.schema import Scenario

DAILY_BUDGET = 1000.0  # EUR a day for the whole campaign, split by budget share
START = "2027-01-04"
SEED = 20270104


@dataclass(frozen=True)
class PlatformTemplate:
    """One platform's paid-ads arm; each prior is (mean, sd)."""

    name: str
    audience: int
    weight: float  # relative budget weight
    cpm: tuple[float, float]
    ctr: tuple[float, float]
    join_rate: tuple[float, float]
    cvr: tuple[float, float]
    extra: dict[str, Any] = field(default_factory=dict)  # further paid_ads keys


TEMPLATES = (
    PlatformTemplate(
        "facebook", 2_600_000, 0.22, (3.0, 0.8), (0.011, 0.003), (0.035, 0.012), (0.012, 0.004)
    ),
    PlatformTemplate(
        "instagram", 2_100_000, 0.18, (3.8, 1.0), (0.009, 0.003), (0.05, 0.02), (0.010, 0.004)
    ),
    PlatformTemplate(
        "tiktok",
        1_700_000,
        0.14,
        (2.6, 1.1),
        (0.008, 0.003),
        (0.03, 0.015),
        (0.007, 0.003),
        {"fatigue": {"f0": 2.0, "phi": 0.15}},
    ),
    PlatformTemplate(
        "youtube",
        2_400_000,
        0.12,
        (5.5, 1.5),
        (0.006, 0.002),
        (0.02, 0.008),
        (0.009, 0.003),
        {"frequency_cap": 1.5},
    ),
    PlatformTemplate(
        "linkedin",
        450_000,
        0.10,
        (28.0, 7.0),
        (0.005, 0.0015),
        (0.04, 0.015),
        (0.02, 0.007),
        {"day_of_week": [1.2, 1.2, 1.2, 1.1, 1.0, 0.6, 0.7]},
    ),
    PlatformTemplate(
        "x", 900_000, 0.08, (4.5, 1.5), (0.007, 0.0025), (0.025, 0.01), (0.006, 0.0025)
    ),
    PlatformTemplate(
        "pinterest", 700_000, 0.08, (3.4, 1.0), (0.010, 0.0035), (0.03, 0.012), (0.011, 0.004)
    ),
    PlatformTemplate(
        "snapchat",
        800_000,
        0.08,
        (2.2, 0.7),
        (0.006, 0.002),
        (0.02, 0.01),
        (0.005, 0.002),
        {"learning": {"conversions": 30, "efficiency": 0.6}},
    ),
)

COMMUNITY = {
    "churn_per_month": 0.05,
    "member_conversion_per_month": 0.03,
    "conversion_lag_days": 14,
    "recommendations_per_member_per_month": 0.12,
    "referral_conversion_rate": 0.05,
}


def reference_scenario(platforms: int = 8, days: int = 120) -> Scenario:
    """The benchmark scenario: `platforms` platforms with one paid-ads arm each over `days` days."""
    if platforms < 1:
        raise ValueError(f"platforms must be at least 1 (got {platforms})")
    data = {
        "campaign": {
            "name": f"Engine benchmark ({platforms} platforms, {days} days)",
            "start": START,
            "days": days,
            "currency": "EUR",
            "budget": DAILY_BUDGET * days,
            "pacing": "even",
            "average_order_value": 45.0,
            "replications": 10_000,
            "seed": SEED,
        },
        "platforms": platform_entries(platforms),
        "community": dict(COMMUNITY),
    }
    return scenario_from_data(data, "benchmarks/reference.py")


def platform_entries(count: int) -> list[dict[str, Any]]:
    """`count` platform mappings, cycling through the templates."""
    chosen = [TEMPLATES[i % len(TEMPLATES)] for i in range(count)]
    shares = normalised_shares([t.weight for t in chosen])
    return [
        _platform(t, i // len(TEMPLATES), share)
        for i, (t, share) in enumerate(zip(chosen, shares, strict=True))
    ]


def normalised_shares(weights: list[float]) -> list[float]:
    """Weights scaled to sum to one; the rounding remainder goes to the first share."""
    total = sum(weights)
    shares = [round(w / total, 9) for w in weights]
    shares[0] = round(1.0 - sum(shares[1:]), 9)
    return shares


def _platform(t: PlatformTemplate, repeat: int, share: float) -> dict[str, Any]:
    def belief(pair: tuple[float, float]) -> dict[str, float]:
        return {"mean": pair[0], "sd": pair[1]}

    tool = {
        "type": "paid_ads",
        "budget_share": share,
        "cpm": belief(t.cpm),
        "ctr": belief(t.ctr),
        "join_rate": belief(t.join_rate),
        "cvr": belief(t.cvr),
        **t.extra,
    }
    name = t.name if repeat == 0 else f"{t.name}_{repeat + 1}"
    return {"name": name, "audience": t.audience, "tools": [tool]}
