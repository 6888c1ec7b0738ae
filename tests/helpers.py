"""Plain helpers shared by tests (import them; they are not fixtures)."""

from __future__ import annotations

from datetime import date
from typing import Any


def minimal_scenario_data() -> dict[str, Any]:
    """A fresh dict of the smallest valid scenario: one platform with one paid-ads tool."""
    return {
        "campaign": {
            "name": "test campaign",
            "start": date(2027, 3, 1),
            "days": 60,
            "budget": 10000,
            "seed": 1,
        },
        "platforms": [
            {
                "name": "facebook",
                "audience": 500000,
                "tools": [
                    {
                        "type": "paid_ads",
                        "budget_share": 1.0,
                        "cpm": {"mean": 6, "sd": 1},
                        "ctr": {"mean": 0.01, "sd": 0.003},
                        "join_rate": {"mean": 0.04, "sd": 0.01},
                        "cvr": {"mean": 0.02, "sd": 0.005},
                    }
                ],
            }
        ],
    }
