"""The sweep as a JSON document and tidy CSV rows (schema in the README)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from smmsim.scenarios.documents import Document
from smmsim.simulator.studies.sizing.detectable import (
    classical_test,
    detectable_gap,
    expected_test_conversions,
)
from smmsim.simulator.studies.sizing.measures import estimate, point_summary
from smmsim.simulator.studies.sizing.recommend import recommendations
from smmsim.simulator.studies.sizing.sweep import Sweep


def sizing_document(sweep: Sweep, source: str) -> dict:
    scenario, s = sweep.scenario, sweep.settings
    c, test = scenario.campaign, scenario.strategy.test
    reference, classical = classical_test(scenario, s.margin)
    planned_budget = test.budget_of(c.budget)
    return {
        "source": source,
        "scenario": c.name,
        "seed": s.seed,
        "replications": s.replications,
        "currency": c.currency,
        "campaign_budget": c.budget,
        "margin": s.margin,
        "target_pcs": s.target_pcs,
        "decision": scenario.strategy.decision.model_dump(mode="json"),
        "points": [
            {
                **point_summary(p),
                "refined": (p.budget, p.days) in sweep.refined,
                "reference_test_conversions": expected_test_conversions(scenario, p.budget, p.days),
                "detectable_cpa_gap": detectable_gap(scenario, p.budget, p.days, s.target_pcs),
            }
            for days in sweep.durations
            for p in sweep.at_days(days)
        ],
        "oracle": {str(days): estimate(conv) for days, conv in sweep.oracle.items()},
        "recommendations": recommendations(sweep.points, s.target_pcs),
        "planned_test": {
            "test_budget": planned_budget,
            "test_days": test.days,
            "detectable_cpa_gap": detectable_gap(scenario, planned_budget, test.days, s.target_pcs),
        },
        "reference_arm": asdict(reference),
        "classical": {**asdict(classical), "share_of_campaign": classical.budget / c.budget},
    }


PROBABILITIES = ("correct_selection", "kept_best", "chosen_within_margin", "test_extended")

EXPECTATIONS = ("conversions", "regret", "cost_of_test", "test_spend", "cpa")


def sizing_rows(document: dict) -> list[dict]:
    """One row per sweep point: the curves' means and intervals, flat, for sizing.csv."""
    rows = []
    for p in document["points"]:
        row = {"test_budget": p["test_budget"], "test_days": p["test_days"]}
        for name in PROBABILITIES:
            row |= flat(name, p[name], "probability", ("p5", "p95"))
        for name in EXPECTATIONS:
            row |= flat(name, p[name], "mean", ("ci_low", "ci_high"))
        row |= {"detectable_cpa_gap": p["detectable_cpa_gap"], "refined": p["refined"]}
        rows.append(row)
    return rows


def flat(name: str, stats: dict, centre: str, bounds: tuple[str, str]) -> dict:
    """{'conversions': mean, 'conversions_ci_low': ..., 'conversions_ci_high': ...}."""
    return {name: stats[centre], **{f"{name}_{b}": stats[b] for b in bounds}}


@dataclass(frozen=True)
class SizingResult(Document):
    """Every test size swept, the recommended ones and the classical reference (sizing.json)."""

    source: str
    scenario: str
    seed: int
    replications: int
    currency: str
    campaign_budget: float
    margin: float
    target_pcs: float
    decision: dict[str, Any]
    points: list[dict[str, Any]]
    oracle: dict[str, Any]
    recommendations: dict[str, Any]
    planned_test: dict[str, Any]
    reference_arm: dict[str, Any]
    classical: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """One row per test size: the curves' means and intervals, flat (sizing.csv)."""
        return pd.DataFrame(sizing_rows(self.to_dict()))
