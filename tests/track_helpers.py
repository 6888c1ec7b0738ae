"""A small plan whose true rates differ from its priors, and exports of simulated campaigns run
under the truth, for the `smmsim track` tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from smmsim.scenarios.plan_edits import Plan
from smmsim.simulator.studies.track.synthetic import (
    export_csv,
    export_rows,
    simulate_truth,
    truth_plan,
)

AS_OF = date(2027, 3, 30)  # 30 of the plan's 60 days


def same_priors(name: str) -> dict:
    """A platform with half the ads budget and the priors every platform of the plan shares."""
    return {
        "name": name,
        "audience": 2_000_000,
        "tools": [
            {
                "type": "paid_ads",
                "budget_share": 0.5,
                "cpm": {"mean": 5.0, "sd": 1.5},
                "ctr": {"mean": 0.010, "sd": 0.003},
                "join_rate": {"mean": 0.03, "sd": 0.01},
                "cvr": {"mean": 0.020, "sd": 0.006},
            }
        ],
    }


PLAN = {
    "campaign": {
        "name": "track test",
        "start": "2027-03-01",
        "days": 60,
        "budget": 6000,
        "replications": 300,
        "seed": 3,
        "average_order_value": 40,
    },
    "platforms": [same_priors("facebook"), same_priors("tiktok")],
    "kpis": [{"target": "cpa <= 30"}, {"target": "clicks >= 9000"}],
}
# The truth: Facebook clicks more and sells less than planned, TikTok the other way round.
TRUTH = {
    "facebook/paid_ads": {"cpm": 4.0, "ctr": 0.014, "join_rate": 0.02, "cvr": 0.012},
    "tiktok/paid_ads": {"cpm": 7.0, "ctr": 0.007, "join_rate": 0.04, "cvr": 0.030},
}


def write_plan(folder: Path) -> Path:
    path = folder / "plan.yaml"
    path.write_text(yaml.safe_dump(PLAN, sort_keys=False), encoding="utf-8")
    return path


def truth_campaigns(plan_path: Path, replications: int, seed: int):
    """`replications` campaigns run under the true rates (each one a possible real campaign)."""
    return simulate_truth(truth_plan(Plan.read(plan_path), TRUTH), replications, seed)


def write_export(result, rep: int, path: Path, campaigns: dict | None = None) -> Path:
    path.write_text(export_csv(export_rows(result, rep, AS_OF, campaigns or {})), encoding="utf-8")
    return path
