"""The sweep as a JSON document and tidy CSV rows (schema in the README)."""

from __future__ import annotations

from dataclasses import asdict

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
