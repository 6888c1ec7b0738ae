"""The optimisation as a document: settings, search space, best plan, its evaluation against the
baselines, history, Pareto front and importances.

The builders below read the study into a JSON-shaped dict; `finish` (job.py) turns it once into
the typed `OptimisationResult`, whose sections are the dataclasses at the end of this module, so
the console, the page and the CSV writers read attributes. Every number a planner reads comes with
the seed and replications it was computed with; the storage is shown with its password redacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from smmsim.scenarios.documents import ABSENT, Document
from smmsim.simulator.studies.comparison import PairedStats
from smmsim.simulator.studies.optimiser.candidate import Candidate, unit_count
from smmsim.simulator.studies.optimiser.convergence import convergence
from smmsim.simulator.studies.optimiser.importance import planner_importances
from smmsim.simulator.studies.optimiser.selection import (
    Choice,
    is_feasible,
    objective_value,
    pareto_front,
)
from smmsim.simulator.studies.optimiser.space import SearchSpace
from smmsim.simulator.studies.optimiser.storage import shown
from smmsim.simulator.studies.optimiser.study import (
    Optimisation,
    StudySettings,
    candidate_from_record,
)
from smmsim.simulator.summary import Probability, Stats

if TYPE_CHECKING:  # pandas (0.4 s to import) only where a frame is asked for
    import pandas as pd


def history_rows(trials: list[FrozenTrial], settings: StudySettings) -> list[dict]:
    """Every trial in number order, with the best feasible objective reached so far."""
    rows, best = [], None
    better = min if settings.objective == "cpa" else max
    for t in sorted(trials, key=lambda t: t.number):
        row = {"number": t.number, "state": t.state.name, "worker": t.user_attrs.get("worker")}
        if t.state == TrialState.COMPLETE:
            value = objective_value(t, settings)
            feasible = is_feasible(t, settings)
            if feasible:
                best = value if best is None else better(best, value)
            row.update(
                value=value,
                risk=t.user_attrs["risk"],
                feasible=feasible,
                best_so_far=best,
                conversions=t.user_attrs["conversions"],
                cpa=t.user_attrs["cpa"],
                spend=t.user_attrs["spend"],
            )
        row["params"] = dict(t.params)
        rows.append(row)
    return rows


def importances(study: optuna.Study, settings: StudySettings) -> dict[str, float]:
    """Each parameter's importance for the objective, under the planner's names: budget shares,
    not stick-breaking coordinates (`importance.py`); empty until there is a spread of completed
    trials to learn from."""
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if len(complete) < 4 or not complete[0].params:
        return {}
    # The evaluator reads lower as better: conversions are negated.
    sign = 1 if settings.objective == "cpa" else -1
    return planner_importances(complete, lambda t: sign * objective_value(t, settings))


def space_document(space: SearchSpace) -> dict:
    return {
        "searched": list(space.searched),
        "paid_ads": list(space.paid_ads),
        "platform_limits": {
            p.platform: {"min_spend": p.min_spend, "max_spend": p.max_spend}
            for p in space.platforms
        },
        "tactics": [
            {"tool": d.tool, "type": d.kind, "planned_units": d.planned, "parameter": d.parameter}
            for d in space.dials
        ],
        "intensity_range": list(space.intensity),
        "policy": None if space.policy is None else space.policy.model_dump(),
    }


def optimisation_document(
    run: Optimisation,
    choice: Choice | None,
    evaluation: dict | None,
    *,
    storage_url: str,
    study_name: str,
    this_worker: int,
    at_a_time: int = 1,
) -> dict:
    settings = run.settings
    trials = run.study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    history = history_rows(trials, settings)
    currency = run.scenario.campaign.currency
    marginal = [] if evaluation is None else evaluation["marginal_cpa"]
    return {
        "scenario": run.source,
        "seed": settings.seed,
        "study": study_name,
        "storage": shown(storage_url),
        "objective": settings.objective,
        "max_risk": settings.max_risk,
        "pareto": settings.pareto,
        "replications_per_trial": 1 if settings.deterministic else settings.replications,
        "deterministic": settings.deterministic,
        "trials": {
            "completed": len(complete),
            "failed": sum(t.state == TrialState.FAIL for t in trials),
            "by_this_worker": this_worker,
            "target": settings.trials,
            "at_a_time": at_a_time,
        },
        "search_space": space_document(run.space),
        "currency": run.scenario.campaign.currency,
        "best": None if choice is None else _best(choice, settings, run),
        "evaluation": evaluation,
        "convergence": None
        if choice is None
        else convergence(history, marginal, settings.objective, currency),
        "history": history,
        "pareto_front": [
            {
                "number": t.number,
                "value": objective_value(t, settings),
                "risk": t.user_attrs["risk"],
            }
            for t in pareto_front(complete, settings)
        ],
        "importances": importances(run.study, settings),
    }


def _best(choice: Choice, settings: StudySettings, run: Optimisation) -> dict:
    t = choice.trial
    return {
        "number": t.number,
        "feasible": choice.feasible,
        "value": objective_value(t, settings),
        "cpa": t.user_attrs["cpa"],
        "conversions": t.user_attrs["conversions"],
        "spend": t.user_attrs["spend"],
        "risk": t.user_attrs["risk"],
        "candidate": t.user_attrs["candidate"],
        "params": dict(t.params),
        "tactics": tactic_rows(run, t.user_attrs["candidate"]["intensities"]),
    }


def tactic_rows(run: Optimisation, intensities: dict[str, float]) -> list[dict]:
    """Each searched tactic at the best plan: its multiple of the plan and its units (posts,
    seeded items, placements) over the campaign, against the plan as written."""
    tools = {f"{p.name}/{t.name}": t for p in run.scenario.platforms for t in p.tactics()}
    days = run.scenario.campaign.days
    rows = []
    for dial in run.space.dials:
        factor = intensities.get(dial.tool, 1.0)
        units = unit_count(tools[dial.tool], factor, days)
        rows.append(
            {
                "tool": dial.tool,
                "type": dial.kind,
                "intensity": factor,
                "planned_units": dial.planned,
                "units": units,
                "per_week": units * 7 / days,
            }
        )
    return rows


# --- the document's sections ---


@dataclass(frozen=True)
class TrialCounts(Document):
    """How far the study is: trials completed and failed (by every worker), run by this one, and
    the target."""

    completed: int
    failed: int
    by_this_worker: int
    target: int
    # Trials this worker proposed and simulated side by side (`--parallel-trials`): each number
    # gives its own study, so it is part of what reproduces one. ABSENT in older documents.
    at_a_time: int


@dataclass(frozen=True)
class SpendLimits(Document):
    """A platform's paid-ads spend limits over the campaign (money; no ceiling is None)."""

    min_spend: float
    max_spend: float | None


@dataclass(frozen=True)
class SearchedTactic(Document):
    """A tactic whose intensity the search dials: its planned units and its Optuna parameter."""

    tool: str
    type: str
    planned_units: float
    parameter: str


@dataclass(frozen=True)
class SpaceDocument(Document):
    """What the study searches: what `optimise.search` names (ABSENT in older documents), the
    paid-ads tools split, the platforms' limits, the tactics' intensities and, for
    test-then-scale, the policy's ranges (echoed as the file gives them)."""

    searched: list[str]
    paid_ads: list[str]
    platform_limits: dict[str, SpendLimits]  # platform name ->
    tactics: list[SearchedTactic]
    intensity_range: list[float]
    policy: dict[str, Any] | None


@dataclass(frozen=True)
class PolicyRecord(Document):
    """The best trial's test-then-scale settings."""

    test_share: float
    test_days: int
    keep_q: float


@dataclass(frozen=True)
class CandidateRecord(Document):
    """A trial's plan as stored: paid-ads shares, tactic intensities, the policy (or None)."""

    shares: dict[str, float]  # 'platform/tool' -> share of the paid-ads budget
    intensities: dict[str, float]  # 'platform/tool' -> multiple of the planned tactic
    policy: PolicyRecord | None

    def candidate(self) -> Candidate:
        """The plan to apply to the scenario (older records without a policy have none)."""
        return candidate_from_record(self.to_dict())


@dataclass(frozen=True)
class TacticAtOptimum(Document):
    """A searched tactic at the best plan: its multiple of the plan and its units over the
    campaign, against the plan as written."""

    tool: str
    type: str
    intensity: float
    planned_units: float
    units: float
    per_week: float


@dataclass(frozen=True)
class BestTrial(Document):
    """The chosen trial, scored on its own replications; not `feasible` when no trial met the
    risk limit and this is the least risky."""

    number: int
    feasible: bool
    value: float | None  # the objective: a CPA without conversions is None
    cpa: float | None
    conversions: float
    spend: float
    risk: float
    candidate: CandidateRecord
    params: dict[str, float]  # Optuna parameter -> value
    tactics: list[TacticAtOptimum]


@dataclass(frozen=True)
class PlanFigures(Document):
    """A plan on the final evaluation: its KPIs over the replications, the objective's CPA
    (expected spend over expected conversions; ABSENT in older documents) and its backlash
    risk."""

    conversions: Stats
    cpa: Stats
    spend: Stats
    joins: Stats
    reach: Stats
    roas: Stats
    expected_cpa: float | None
    backlash_probability: Probability
    unspent: Stats  # the budget less the spend (`spending.unspent`); ABSENT in older documents

    def objective_cpa(self) -> float | None:
        """The expected CPA, rebuilt from the two means for a document written before it was."""
        if self.expected_cpa is not ABSENT:
            return self.expected_cpa
        spend, conversions = self.spend.mean, self.conversions.mean
        return spend / conversions if spend is not None and conversions else None


@dataclass(frozen=True)
class CpaDifference(Document):
    """Optimised - baseline in expected CPA (a ratio of totals): the difference with a 90%
    interval and P(cheaper) from a paired bootstrap."""

    mean: float | None
    ci_low: float | None
    ci_high: float | None
    probability_better: float | None

    def spreads(self) -> tuple[float | None, ...]:
        return (self.ci_low, self.ci_high)


@dataclass(frozen=True)
class BaselineDifferences(Document):
    """The optimised plan against one baseline, on common random numbers."""

    conversions: PairedStats
    cpa: PairedStats
    joins: PairedStats
    roas: PairedStats
    expected_cpa: CpaDifference

    def cost(self) -> PairedStats | CpaDifference | None:
        """The difference in cost: expected CPA, or the mean CPA's in older documents."""
        for found in (self.expected_cpa, self.cpa):
            if found is not ABSENT:
                return found
        return None


@dataclass(frozen=True)
class ToolRow(Document):
    """A tool of the optimised plan: its share and planned budget (paid ads) or its multiple of
    the plan (tactics), and what it spent and brought over the final replications."""

    tool: str
    type: str
    share: float | None
    planned_budget: float | None
    intensity: float | None
    spend: Stats | None
    conversions: Stats | None
    cpa: Stats | None


@dataclass(frozen=True)
class MarginalCpa(Document):
    """A paid-ads tool's extra spend over extra conversions when it alone gets a little more
    budget (None when the extra budget bought nothing), with its 90% interval and whether its
    platform spends at a spend limit (both ABSENT in older documents)."""

    tool: str
    share: float
    extra_spend: float
    extra_conversions: float
    marginal_cpa: float | None
    ci_low: float | None
    ci_high: float | None
    at_limit: bool


@dataclass(frozen=True)
class Convergence(Document):
    """Whether more trials would likely help, why, and how many trials to aim at
    (`convergence.py`)."""

    more_trials_likely_help: bool
    reasons: list[str]
    suggested_trials: int | None


@dataclass(frozen=True)
class Evaluation(Document):
    """The best plan simulated again beside the baselines, on the final replications."""

    replications: int
    seed: int
    plans: dict[str, PlanFigures]  # 'optimised' and each baseline ->
    notes: list[str]
    against: dict[str, BaselineDifferences]  # baseline ->
    tools: list[ToolRow]
    marginal_cpa: list[MarginalCpa]


@dataclass(frozen=True)
class HistoryRow(Document):
    """One trial; a trial that did not complete has its number, state, worker and parameters
    only (the rest ABSENT)."""

    number: int
    state: str
    worker: str | None
    value: float | None
    risk: float
    feasible: bool
    best_so_far: float | None  # the best feasible objective up to this trial
    conversions: float
    cpa: float | None
    spend: float
    params: dict[str, float]

    def flat(self) -> dict[str, Any]:
        """The trial as one table row: its figures, then its parameters as columns."""
        figures = {k: v for k, v in self.to_dict().items() if k != "params"}
        return {**figures, **self.params}


@dataclass(frozen=True)
class ParetoPoint(Document):
    """A trial on the Pareto front of objective against backlash risk."""

    number: int
    value: float | None
    risk: float


@dataclass(frozen=True)
class OptimisationResult(Document):
    """The study's best plan, evaluated against the baselines, with its history (optimise.json).
    `best` and `evaluation` are None before any trial has completed."""

    scenario: str
    seed: int
    study: str
    storage: str
    objective: str
    max_risk: float | None
    pareto: bool
    replications_per_trial: int
    deterministic: bool
    trials: TrialCounts
    search_space: SpaceDocument
    currency: str  # ABSENT in documents written before it was added
    best: BestTrial | None
    evaluation: Evaluation | None
    convergence: Convergence | None  # None before any trial; ABSENT in older documents
    history: list[HistoryRow]
    pareto_front: list[ParetoPoint]
    importances: dict[str, float]  # planner parameter (a budget share, a dial) -> its share

    def to_frame(self) -> pd.DataFrame:
        """One row per trial: state, objective, risk, conversions, CPA, spend and its parameters."""
        import pandas as pd

        return pd.DataFrame([row.flat() for row in self.history])

    def by_platform(self) -> pd.DataFrame:
        """The best plan per tool: share, planned budget, intensity, spend, conversions, CPA."""
        import pandas as pd

        tools = [] if self.evaluation is None else self.evaluation.tools
        return pd.json_normalize([row.to_dict() for row in tools])
