"""Reading a finished study: the best feasible trial and the Pareto front.

A trial is feasible when its backlash probability is within the study's limit (every trial is,
without a limit). The best trial is the feasible one with the best objective; when none is
feasible, the least risky trial is returned and marked so, because a planner needs to see how far
the limit is from what any plan achieved.
"""

from __future__ import annotations

from dataclasses import dataclass

from optuna.trial import FrozenTrial

from smmsim.simulator.studies.optimiser.study import StudySettings


@dataclass(frozen=True)
class Choice:
    trial: FrozenTrial
    feasible: bool


def is_feasible(trial: FrozenTrial, settings: StudySettings) -> bool:
    return settings.max_risk is None or trial.user_attrs["risk"] <= settings.max_risk


def objective_value(trial: FrozenTrial, settings: StudySettings) -> float:
    return trial.user_attrs["cpa" if settings.objective == "cpa" else "conversions"]


def best_choice(trials: list[FrozenTrial], settings: StudySettings) -> Choice | None:
    if not trials:
        return None
    feasible = [t for t in trials if is_feasible(t, settings)]
    sign = 1 if settings.objective == "cpa" else -1
    if not feasible:  # risks tie often (k events in n replications): the objective decides
        least = min(
            trials,
            key=lambda t: (t.user_attrs["risk"], sign * objective_value(t, settings), t.number),
        )
        return Choice(least, False)
    best = min(feasible, key=lambda t: (sign * objective_value(t, settings), t.number))
    return Choice(best, True)


def pareto_front(trials: list[FrozenTrial], settings: StudySettings) -> list[FrozenTrial]:
    """Trials no other trial beats on both the objective and the backlash risk, by risk."""
    sign = 1 if settings.objective == "cpa" else -1
    points = [(sign * objective_value(t, settings), t.user_attrs["risk"], t) for t in trials]
    front = [
        t
        for value, risk, t in points
        if not any((v <= value and r <= risk) and (v < value or r < risk) for v, r, _ in points)
    ]
    return sorted(front, key=lambda t: (t.user_attrs["risk"], t.number))
