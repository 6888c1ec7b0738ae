"""A TPE sampler whose random numbers come from the study's seed and the trial's number.

Optuna numbers a study's trials uniquely, across every worker that shares its storage. Seeding
each trial's sampling from (seed, trial number) gives a single worker the same trials run after
run, and gives parallel workers different proposals: workers started with one seed would otherwise
draw the same random start points and evaluate the same plans twice.
"""

from __future__ import annotations

import copy
from collections.abc import Container, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler, TPESampler
from optuna.trial import FrozenTrial, TrialState


def trial_seed(seed: int, number: int) -> int:
    return int(np.random.SeedSequence([seed, number]).generate_state(1)[0])


class TrialsReadOnce:
    """A study whose trials are read once, at the first call, and served from memory after;
    everything else is the study's own."""

    def __init__(self, study: optuna.Study):
        self._study = study
        self._trials: list[FrozenTrial] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._study, name)

    def _get_trials(
        self,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
        use_cache: bool = False,
    ) -> list[FrozenTrial]:
        if self._trials is None:
            self._trials = self._study._get_trials(deepcopy=False, use_cache=use_cache)
        found = [t for t in self._trials if states is None or t.state in states]
        return copy.deepcopy(found) if deepcopy else found

    def get_trials(
        self, deepcopy: bool = True, states: Container[TrialState] | None = None
    ) -> list[FrozenTrial]:
        return self._get_trials(deepcopy=deepcopy, states=states, use_cache=False)


class TrialSeededSampler(BaseSampler):
    def __init__(self, *, seed: int, n_startup_trials: int = 10) -> None:
        # Constraints need no option: TPE reads those each trial set (`Trial.set_constraint`).
        self._seed = seed
        # The constant liar counts other workers' running trials as bad results, so parallel
        # workers spread out; a single worker never sees a running trial, and is unaffected.
        self._options = {
            "n_startup_trials": n_startup_trials,
            "multivariate": True,
            "constant_liar": True,
        }
        self._inner = self._sampler_for(0)

    def _sampler_for(self, number: int) -> TPESampler:
        # TPE keeps no state between trials but its random generator: it reads the history from
        # the storage each time, so a fresh sampler per trial loses nothing.
        return TPESampler(seed=trial_seed(self._seed, number), **self._options)

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self._inner = self._sampler_for(trial.number)
        self._history = None
        self._inner.before_trial(study, trial)

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return self._inner.infer_relative_search_space(self._read_once(study), trial)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return self._inner.sample_relative(self._read_once(study), trial, search_space)

    def _read_once(self, study: optuna.Study) -> optuna.Study:
        """The study as this trial's proposal reads it: its trials read from the storage once,
        where TPE reads them for the search space and again for the proposal (a read of the
        study's RDB storage costs a few milliseconds, most of a batch's sampling). Nothing this
        worker does changes them in between: the trial has no parameter yet."""
        if self._history is None:
            self._history = TrialsReadOnce(study)
        return self._history

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return self._inner.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._inner.after_trial(study, trial, state, values)
