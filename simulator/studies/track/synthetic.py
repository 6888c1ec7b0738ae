"""Synthetic actuals: a campaign simulated from known true rates, written as an ad export.

The tests feed such a campaign's first weeks to `track` and check the re-forecast against the
truth; `make demo`'s bundled export for kids-shop was made with it (`python -m
smmsim.simulator.studies.track.synthetic`, arguments below).
"""

from __future__ import annotations

import copy
import sys
from datetime import date

from smmsim.scenarios.files import csv_table
from smmsim.scenarios.loader import scenario_from_data
from smmsim.scenarios.plan_edits import Plan
from smmsim.simulator.engine import simulate
from smmsim.simulator.result import Result

COLUMNS = ("date", "platform", "campaign", "spend", "impressions", "reach", "clicks", "joins",
           "conversions")  # fmt: skip
# What an export's columns are in the engine's daily record (the platform's own conversions).
MEASURE = {"conversions": "direct_conversions"}


def truth_plan(plan: Plan, truth: dict[str, dict[str, float]]) -> dict:
    """The plan's data with each named arm's beliefs replaced by known values ('platform/tool'
    -> {'cpm': 3.1, 'ctr': 0.012, ...}): every replication then draws the same true rates."""
    data = copy.deepcopy(plan.data)
    for platform in data["platforms"]:
        for tool in platform["tools"]:
            label = f"{platform['name']}/{tool.get('name', tool.get('type'))}"
            for key, value in truth.get(label, {}).items():
                tool[key] = value
    return data


def simulate_truth(data: dict, replications: int, seed: int) -> Result:
    """Campaigns run under the true rates; each replication is one possible real campaign (the
    first 1,000 keep their days)."""
    return simulate(scenario_from_data(data, "truth"), replications=replications, seed=seed)


def export_rows(result: Result, rep: int, until: date, campaigns: dict[str, str]) -> list[list]:
    """Replication `rep`'s days up to `until` as export rows, one per arm and day with spend;
    `campaigns` names each arm's campaign ('platform/tool' -> name, default the tool's name)."""
    rows = []
    n_arms = result.budget_arms.n
    for i, day in enumerate(result.dates):
        if day > until:
            break
        for j in range(n_arms):
            values = {
                c: float(result.daily_sample[MEASURE.get(c, c)][i, rep, j]) for c in COLUMNS[3:]
            }
            if values["spend"] <= 0:
                continue
            arm = result.budget_arms.names[j]
            platform, tool = arm.split("/", 1)
            rows.append(
                [day.isoformat(), platform, campaigns.get(arm, tool)]
                + [round(values["spend"], 2)]
                + [round(values[c]) for c in COLUMNS[4:]]
            )
    return rows


def export_csv(rows: list[list]) -> str:
    return csv_table(list(COLUMNS), rows)


KIDS_SHOP_TRUTH = {
    # March's "true" rates for the bundled example: Facebook clicks better and sells worse than
    # planned, Instagram costs more, TikTok is cheap but converts poorly.
    "facebook/paid_ads": {"cpm": 3.2, "ctr": 0.0095, "join_rate": 0.03, "cvr": 0.008},
    "instagram/paid_ads": {"cpm": 4.4, "ctr": 0.008, "join_rate": 0.05, "cvr": 0.010},
    "tiktok/paid_ads": {"cpm": 2.1, "ctr": 0.009, "join_rate": 0.025, "cvr": 0.004},
}
KIDS_SHOP_CAMPAIGNS = {
    "facebook/paid_ads": "LS Spring - Prospecting",
    "instagram/paid_ads": "LS Spring - Prospecting",
    "tiktok/paid_ads": "LS Spring - TikTok test",
}


# Rows a real download carries besides the campaign's days: a total line (the importer rejects
# it) and a brand-search campaign on a platform the plan does not have (set aside by `track`).
KIDS_SHOP_EXTRA_ROWS = [
    ["Total", "", "", 2656.98, "", "", "", "", ""],
    ["2027-03-15", "google", "LS Brand search", 41.2, 3120, 2810, 188, 0, 6],
]


def main(argv: list[str]) -> None:
    """python -m smmsim.simulator.studies.track.synthetic PLAN UNTIL SEED > export.csv"""
    plan_path, until, seed = argv
    plan = Plan.read(plan_path)
    data = truth_plan(plan, KIDS_SHOP_TRUTH)
    result = simulate_truth(data, replications=1, seed=int(seed))
    rows = export_rows(result, 0, date.fromisoformat(until), KIDS_SHOP_CAMPAIGNS)
    sys.stdout.write(export_csv(rows + KIDS_SHOP_EXTRA_ROWS))


if __name__ == "__main__":
    main(sys.argv[1:])
