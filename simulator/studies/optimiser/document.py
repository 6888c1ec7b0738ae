"""The optimisation as JSON and CSV: settings, search space, best plan, history, Pareto front.

Every number a planner reads comes with the seed and replications it was computed with; the
storage is shown with its password redacted.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import optuna
import pandas as pd
from optuna.trial import FrozenTrial, TrialState

from smmsim.scenarios.documents import Document
from smmsim.simulator.studies.optimiser.candidate import unit_count
from smmsim.simulator.studies.optimiser.selection import (
    Choice,
    is_feasible,
    objective_value,
    pareto_front,
)
from smmsim.simulator.studies.optimiser.space import SearchSpace
from smmsim.simulator.studies.optimiser.storage import shown
from smmsim.simulator.studies.optimiser.study import Optimisation, StudySettings


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
    """Each parameter's importance for the objective (Optuna's default evaluator, PED-ANOVA:
    how differently the parameter is spread in the best trials than in all); empty until there
    is a spread of completed trials to learn from."""
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if len(complete) < 4 or not complete[0].params:
        return {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # The evaluator reads lower as better: conversions are negated.
            sign = 1 if settings.objective == "cpa" else -1
            found = optuna.importance.get_param_importances(
                study, target=lambda t: sign * objective_value(t, settings), normalize=True
            )
    except (RuntimeError, ValueError, ZeroDivisionError):
        return {}
    return {name: float(value) for name, value in found.items()}


def space_document(space: SearchSpace) -> dict:
    return {
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
) -> dict:
    settings = run.settings
    trials = run.study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
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
        },
        "search_space": space_document(run.space),
        "currency": run.scenario.campaign.currency,
        "best": None if choice is None else _best(choice, settings, run),
        "evaluation": evaluation,
        "history": history_rows(trials, settings),
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


@dataclass(frozen=True)
class OptimisationResult(Document):
    """The study's best plan, evaluated against the baselines, with its history (optimise.json)."""

    scenario: str
    seed: int
    study: str
    storage: str
    objective: str
    max_risk: float
    pareto: bool
    replications_per_trial: int
    deterministic: bool
    trials: dict[str, Any]
    search_space: dict[str, Any]
    currency: str
    best: dict[str, Any] | None
    evaluation: dict[str, Any] | None
    history: list[dict[str, Any]]
    pareto_front: list[dict[str, Any]]
    importances: dict[str, float]

    def to_frame(self) -> pd.DataFrame:
        """One row per trial: state, objective, risk, conversions, CPA, spend and its parameters."""
        rows = [
            {**{k: v for k, v in r.items() if k != "params"}, **r["params"]} for r in self.history
        ]
        return pd.DataFrame(rows)

    def by_platform(self) -> pd.DataFrame:
        """The best plan per tool: share, planned budget, intensity, spend, conversions, CPA."""
        tools = (self.evaluation or {}).get("tools", [])
        return pd.json_normalize(tools)
