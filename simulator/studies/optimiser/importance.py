"""Parameter importances under the planner's names.

The optimiser searches the budget split in stick-breaking coordinates (`simplex.py`):
`share.facebook` is the fraction of what is *left* that goes to Facebook, so its importance says
little about Facebook's budget share, and a planner never sees the coordinate. The importances
are therefore computed on the shares themselves: each completed trial is copied into a throwaway
in-memory study whose parameters are the budget shares the trial ran (`<platform>/<tool> share`,
the part of the paid-ads budget, from the trial's candidate) beside its other dials (tactic
intensities, the test's policy) as searched, and Optuna's default evaluator (PED-ANOVA: how
differently a parameter is spread in the best trials than in all) reads that study. The shares
sum to one, so they are not independent; PED-ANOVA looks at each parameter's spread on its own,
which is what a planner asks ("does Instagram's share matter?").
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import optuna
from optuna.distributions import BaseDistribution, FloatDistribution
from optuna.trial import FrozenTrial, create_trial

SHARE_COORDINATE = "share."  # the prefix of the stick-breaking coordinates (space.py)
SHARE_RANGE = FloatDistribution(0.0, 1.0)


def share_name(tool: str) -> str:
    """The planner's name of a paid-ads tool's budget share: 'instagram/paid_ads share'."""
    return f"{tool} share"


def planner_params(trial: FrozenTrial) -> tuple[dict[str, float], dict[str, BaseDistribution]]:
    """The trial's parameters as a planner reads them, with their ranges: the budget shares it
    ran in place of the stick-breaking coordinates, every other dial as searched."""
    params, ranges = {}, {}
    if any(name.startswith(SHARE_COORDINATE) for name in trial.params):
        for tool, share in trial.user_attrs["candidate"]["shares"].items():
            params[share_name(tool)], ranges[share_name(tool)] = float(share), SHARE_RANGE
    for name, value in trial.params.items():
        if not name.startswith(SHARE_COORDINATE):
            params[name], ranges[name] = value, trial.distributions[name]
    return params, ranges


def planner_study(
    trials: list[FrozenTrial], target: Callable[[FrozenTrial], float]
) -> optuna.Study:
    """An in-memory study of the same trials under the planner's parameters, `target` its value
    (lower is better)."""
    study = optuna.create_study(direction="minimize")
    for trial in trials:
        value = target(trial)
        if value is None or not math.isfinite(value):
            continue  # a CPA without conversions has no score to rank
        params, ranges = planner_params(trial)
        study.add_trial(create_trial(params=params, distributions=ranges, value=value))
    return study


def planner_importances(
    trials: list[FrozenTrial], target: Callable[[FrozenTrial], float]
) -> dict[str, float]:
    """Each planner parameter's share of the importance (together 1); empty when the evaluator
    cannot tell them apart (too few distinct trials)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no 'A new study created' line
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = optuna.importance.get_param_importances(
                planner_study(trials, target), normalize=True
            )
    except (RuntimeError, ValueError, ZeroDivisionError):
        return {}
    return {name: float(value) for name, value in found.items()}
