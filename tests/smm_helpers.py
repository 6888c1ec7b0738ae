"""Scenario builders shared by the tests of tactics, reputation and backlash (plain helpers).

Every number is known exactly (bare numbers, noise 0, no learning phase, no auction pressure to
speak of), so a deterministic run is the model's arithmetic and tests can compute it by hand.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from smmsim.scenarios.loader import scenario_from_data
from smmsim.scenarios.reputation_schema import SIGNALS
from smmsim.simulator.engine import simulate
from smmsim.simulator.result import Result

DAYS_PER_MONTH = 365.25 / 12
AUDIENCE = 50_000
CPM, CTR, JOIN, CVR = 8.0, 0.02, 0.05, 0.03
NO_PRESSURE = 1e12  # an s_half no daily budget comes near: the CPM is cpm0 to 1e-9 and better


def ads(name: str = "paid_ads", **overrides: Any) -> dict[str, Any]:
    """Paid ads with known rates, no noise, no learning phase and no wear-out."""
    return {
        "type": "paid_ads",
        "name": name,
        "budget_share": 1.0,
        "cpm": CPM,
        "ctr": CTR,
        "join_rate": JOIN,
        "cvr": CVR,
        "auction": {"s_half": NO_PRESSURE, "k": 1.0},
        "fatigue": {"f0": 3.0, "phi": 0.0},
        "frequency_cap": 10.0,
        "learning": {"conversions": 0},
        "noise": 0.0,
        **overrides,
    }


def no_backlash() -> dict[str, Any]:
    return {"enabled": False}


def quiet_signals(**active: Any) -> dict[str, Any]:
    """A backlash section where only the signals named in `active` can raise the hazard: the
    others start at an intensity no test reaches. Other keys of `active` go in as they are."""
    out: dict[str, Any] = {
        name: {"safe": 1e6, "high": 2e6, "hazard_at_high": 0.01} for name in SIGNALS
    }
    out.update(active)
    return out


def queries(n: int = 2) -> list[dict[str, Any]]:
    """`n` key queries at 30% positive (3 own + 3 third-party of 20), 25% negative."""
    return [
        {
            "query": f"brand query {i}",
            "positive_own": 3,
            "positive_third": 3,
            "neutral": 9,
            "negative": 5,
        }
        for i in range(n)
    ]


def quiet_reputation(**overrides: Any) -> dict[str, Any]:
    """A reputation that only seeding, turnover and backlash move: no reviews, no public
    recommendations, no feedback into the funnel unless asked."""
    return {
        "queries": queries(),
        "turnover_per_week": 0.0,
        "reviews_per_conversion": 0.0,
        "mentions_per_recommendation": 0.0,
        "ctr_elasticity": 0.0,
        "cvr_elasticity": 0.0,
        **overrides,
    }


def seeding(per_week: float = 20, **overrides: Any) -> dict[str, Any]:
    return {
        "type": "seeding",
        "cost_per_item": 10,
        "natural_posts_per_week": 400,
        "rank_probability": 0.05,
        "link_probability": 0.5,
        "schedule": {"per_week": per_week},
        **overrides,
    }


def scenario_data(
    tools: list[dict[str, Any]],
    *,
    days: int = 30,
    budget: float = 30_000.0,
    forum_tools: list[dict[str, Any]] | None = None,
    community: dict[str, Any] | None = None,
    reputation: dict[str, Any] | None = None,
    backlash: dict[str, Any] | None = None,
    **campaign: Any,
) -> dict[str, Any]:
    """facebook with `tools` (add `ads()` yourself), and a forums platform for `forum_tools`."""
    platforms = [{"name": "facebook", "audience": AUDIENCE, "tools": tools}]
    if forum_tools:
        platforms.append({"name": "forums", "audience": 100_000, "tools": forum_tools})
    data: dict[str, Any] = {
        "campaign": {
            "name": "tactics by hand",
            "start": date(2027, 3, 1),
            "days": days,
            "budget": budget,
            "seed": 3,
            **campaign,
        },
        "platforms": platforms,
        "community": community
        or {
            "churn_per_month": 0.0,
            "member_conversion_per_month": 0.0,
            "conversion_lag_days": 0,
            "recommendations_per_member_per_month": 0.0,
        },
        "backlash": no_backlash() if backlash is None else backlash,
    }
    if reputation is not None:
        data["reputation"] = reputation
    return data


def deterministic(data: dict[str, Any]) -> Result:
    return simulate(scenario_from_data(data, "test.yaml"), deterministic=True)


def random_run(data: dict[str, Any], replications: int, seed: int = 1, **kwargs: Any) -> Result:
    return simulate(
        scenario_from_data(data, "test.yaml"), replications=replications, seed=seed, **kwargs
    )


def line(result: Result, name: str) -> int:
    """Column of the line 'platform/tool' in every per-line measure."""
    return result.lines.names.index(name)


def daily(result: Result, measure: str, name: str) -> list[float]:
    """A deterministic run's daily values of one line."""
    return [float(v) for v in result.daily_sample[measure][:, 0, line(result, name)]]


def daily_probability(per_month: float) -> float:
    """The daily probability that compounds to a monthly one, by hand."""
    return 1 - (1 - per_month) ** (1 / DAYS_PER_MONTH)


def rounding_schedule(per_week: float, days: int, start_day: int = 1) -> list[int]:
    """Units per campaign day (0-based list) of `per_week` from `start_day` by the documented
    cumulative rounding: day d of the phase gets round(rate (d + 1) / 7) - round(rate d / 7),
    halves rounding up."""
    out = [0] * days
    for d in range(days - start_day + 1):
        placed = math.floor(per_week * (d + 1) / 7 + 0.5) - math.floor(per_week * d / 7 + 0.5)
        out[start_day - 1 + d] = placed
    return out
