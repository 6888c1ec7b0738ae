"""The sweep as a JSON document: its plain dict, its types (`SizingResult` and its sections) and
tidy CSV rows (schema in the README)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

from smmsim.scenarios.documents import Document
from smmsim.scenarios.tables import Table
from smmsim.simulator.studies.sizing.closed_form import ClassicalSize
from smmsim.simulator.studies.sizing.detectable import (
    Reference,
    classical_test,
    detectable_gap,
    expected_test_conversions,
)
from smmsim.simulator.studies.sizing.measures import (
    Estimate,
    Expectation,
    TestSize,
    estimate,
    point_summary,
)
from smmsim.simulator.studies.sizing.recommend import Recommendations, recommendations
from smmsim.simulator.studies.sizing.sweep import Sweep
from smmsim.simulator.summary import Probability

if TYPE_CHECKING:  # pandas (0.4 s to import) only where a frame is asked for
    import pandas as pd


def sizing_document(sweep: Sweep, source: str) -> dict:
    """The sweep as sizing.json's plain dict (schema in the README); `sizing_result` types it."""
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


@dataclass(frozen=True)
class DecisionSettings(Document):
    """The decision rule that reads every swept test (the scenario's `strategy.decision`)."""

    rule: str
    target_cpa: float | None
    q: float
    k: int
    if_none_kept: str

    def parameters(self) -> dict[str, Any]:
        """The rule's set parameters, by setting name: what the rule reads besides its name."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "rule" and getattr(self, f.name) is not None
        }


@dataclass(frozen=True)
class SweepPoint(TestSize):
    """What one test size achieved over the whole campaign (one row of sizing.csv)."""

    correct_selection: Probability
    kept_best: Probability
    chosen_within_margin: Probability
    conversions: Estimate
    cpa: Expectation  # expected spend over expected conversions, not a mean of CPAs
    spend: Estimate  # the whole campaign's: test, scale, tactics and repairs
    unspent: Estimate  # the budget less the spend (`spending.unspent`)
    regret: Estimate
    cost_of_test: Estimate
    test_spend: Estimate
    test_extended: Probability
    refined: bool  # added by the refinement around the answers
    reference_test_conversions: float
    detectable_cpa_gap: float | None  # None: the test tells no gap apart

    def probabilities(self) -> dict[str, Probability]:
        """The point's probabilities, by sizing.csv column, in its order."""
        return {
            "correct_selection": self.correct_selection,
            "kept_best": self.kept_best,
            "chosen_within_margin": self.chosen_within_margin,
            "test_extended": self.test_extended,
        }

    def expectations(self) -> dict[str, Expectation]:
        """The point's expected values, by sizing.csv column, in its order."""
        return {
            "conversions": self.conversions,
            "spend": self.spend,
            "unspent": self.unspent,
            "regret": self.regret,
            "cost_of_test": self.cost_of_test,
            "test_spend": self.test_spend,
            "cpa": self.cpa,
        }


@dataclass(frozen=True)
class PlannedTest(Document):
    """The scenario's own test, and the CPA gap it tells apart."""

    test_budget: float
    test_days: int
    detectable_cpa_gap: float | None


@dataclass(frozen=True)
class ClassicalTest(ClassicalSize):
    """The classical A/B size, and its budget as a share of the campaign's."""

    share_of_campaign: float


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
    decision: DecisionSettings
    points: list[SweepPoint]
    oracle: dict[str, Estimate]  # by test length in days, as text (a JSON key)
    recommendations: Recommendations
    planned_test: PlannedTest
    reference_arm: Reference
    classical: ClassicalTest

    def to_frame(self) -> pd.DataFrame:
        """One row per test size: the curves' means and intervals, flat (sizing.csv)."""
        return self.sizing_table().to_frame()

    def sizing_table(self) -> Table:
        """`to_frame`'s rows as a `Table`: sizing.csv is written from it without pandas."""
        return Table.from_rows(sizing_rows(self))


def sizing_result(sweep: Sweep, source: str) -> SizingResult:
    """The sweep's typed document: `sizing_document`, read into its types once."""
    return SizingResult.from_dict(sizing_document(sweep, source))


def sizing_rows(result: SizingResult) -> list[dict]:
    """One row per sweep point: the curves' means and intervals, flat, for sizing.csv."""
    rows = []
    for p in result.points:
        row = {"test_budget": p.test_budget, "test_days": p.test_days}
        for name, chance in p.probabilities().items():
            row |= probability_columns(name, chance)
        for name, value in p.expectations().items():
            row |= expectation_columns(name, value)
        row |= {"detectable_cpa_gap": p.detectable_cpa_gap, "refined": p.refined}
        rows.append(row)
    return rows


def probability_columns(name: str, chance: Probability) -> dict:
    """{'kept_best': probability, 'kept_best_p5': ..., 'kept_best_p95': ...}."""
    return {name: chance.probability, f"{name}_p5": chance.p5, f"{name}_p95": chance.p95}


def expectation_columns(name: str, value: Expectation) -> dict:
    """{'conversions': mean, 'conversions_ci_low': ..., 'conversions_ci_high': ...}."""
    return {name: value.mean, f"{name}_ci_low": value.ci_low, f"{name}_ci_high": value.ci_high}
