"""What a trial measures: one candidate simulated on the study's common random numbers.

Every trial simulates with the same seed and replications, so each replication draws the same true
rates and daily noise in every trial (common random numbers): two plans are compared on the same
luck, and the difference between trials is the plans', not the noise's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from smmsim.scenarios.checks import scenario_issues
from smmsim.scenarios.errors import ScenarioError
from smmsim.scenarios.schema import Scenario
from smmsim.simulator.engine import simulate
from smmsim.simulator.ratios import expected_ratio
from smmsim.simulator.result import Result
from smmsim.simulator.stacked import side_by_side, simulate_side_by_side
from smmsim.simulator.studies.optimiser.candidate import Candidate, plan_of
from smmsim.simulator.studies.risk import event_probability


@dataclass(frozen=True)
class TrialOutcome:
    cpa: float  # expected spend over expected conversions (inf with no conversions)
    conversions: float  # expected conversions
    spend: float  # expected spend, repairs included
    risk: float  # P(at least one backlash event on any platform)

    def value(self, objective: str) -> float:
        return self.cpa if objective == "cpa" else self.conversions

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def outcome_of(result: Result) -> TrialOutcome:
    kpis = result.kpis()
    spend = float(kpis["spend"].mean())
    conversions = float(kpis["conversions"].mean())
    events = kpis.get("backlash_events")
    risk = 0.0 if events is None else event_probability(events, result.deterministic)["probability"]
    # The expected CPA of every command; a plan with no conversion has an infinite price.
    expected = expected_ratio(*kpis.parts["cpa"])
    cpa = float(np.inf) if expected.value is None else expected.value
    return TrialOutcome(cpa=cpa, conversions=conversions, spend=spend, risk=risk)


def checked_plan(scenario: Scenario, candidate: Candidate, source: str) -> Scenario:
    """The candidate's plan, with the whole-file rules run on it: a plan that breaks one is a
    defect of the search space, reported rather than simulated. The `optimise:` block's own
    rules were checked on the file as written; a candidate's tactics may leave the limits too
    little, and the search space relaxes them (the final evaluation says so)."""
    plan = plan_of(scenario, candidate)
    issues = scenario_issues(plan, without=("optimise",))
    if issues:
        raise ScenarioError(f"{source} (optimised plan)", issues)
    return plan


def simulate_candidate(
    scenario: Scenario,
    candidate: Candidate,
    *,
    replications: int,
    seed: int,
    source: str,
    deterministic: bool = False,
    workers: int = 1,
) -> Result:
    plan = checked_plan(scenario, candidate, source)
    return simulate(
        plan,
        replications=replications,
        seed=seed,
        deterministic=deterministic,
        workers=workers,
        daily_sample=0,  # a trial is measured on its KPIs (`outcome_of`), never day by day
    )


def simulate_candidates(
    scenario: Scenario,
    candidates: list[Candidate],
    *,
    replications: int,
    seed: int,
    source: str,
    deterministic: bool = False,
) -> list[Result]:
    """A batch of candidates, each as `simulate_candidate` gives it: side by side in one
    simulation where their plans differ only in the split and the test policy
    (`simulator/stacked.py`: a few hundred replications are mostly a day's fixed cost, which
    the batch then pays once), else one after another. The numbers are the same either way."""
    plans = [checked_plan(scenario, c, source) for c in candidates]
    if len(plans) > 1 and not deterministic and side_by_side(plans):
        return simulate_side_by_side(plans, replications, seed)
    return [
        simulate_candidate(
            scenario,
            c,
            replications=replications,
            seed=seed,
            source=source,
            deterministic=deterministic,
        )
        for c in candidates
    ]
