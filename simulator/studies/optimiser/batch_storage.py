"""The study's storage as a worker sees it while it asks and tells a batch of trials.

Optuna reads and writes its database statement by statement: a trial's proposal reads the study's
trials (twice for the queue and the history), each suggested parameter reads the trial back and
writes one row, each attribute one more. On SQLite that was about 24 ms a trial, more than a
batch's simulation. Inside `batch()` this wrapper instead
- reads the study's trials once, at the batch's start, and serves every later read of the batch
  from that snapshot and the worker's own trials (the sampler's history, the queue of plans to
  run, each trial read back). Other workers' trials are seen at the next batch, as they would be
  had they landed a moment later;
- keeps each of its running trials in memory, and writes a trial's parameters in one statement
  once it is proposed (so a worker that dies mid-batch leaves trials whose plans can be run
  again) and its attributes in one statement when it is told, just before its state.
The database stays the arbiter: a write to a trial another worker has failed (a stall past the
heartbeat's grace period) raises UpdateFinishedTrialError as Optuna's own write would, and a
queued plan is only run by the worker whose claim on it the database accepts. Outside a batch,
and for anything else, every call is the wrapped storage's own.
"""

from __future__ import annotations

import copy
from collections.abc import Container, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from optuna.distributions import BaseDistribution
from optuna.exceptions import UpdateFinishedTrialError
from optuna.storages import BaseStorage
from optuna.storages._heartbeat import BaseHeartbeat  # what `fail_stale_trials` asks of a storage
from optuna.study import StudyDirection
from optuna.study._frozen import FrozenStudy  # only for a type hint; Optuna does not export it
from optuna.trial import FrozenTrial, TrialState

from smmsim.simulator.studies.optimiser.bulk_writes import BulkWriter


@dataclass
class Unwritten:
    """What a running trial of this worker has not written yet."""

    params: dict[str, tuple[float, BaseDistribution]] = field(default_factory=dict)
    user_attrs: dict[str, Any] = field(default_factory=dict)
    system_attrs: dict[str, Any] = field(default_factory=dict)


class BatchStorage(BaseStorage, BaseHeartbeat):
    def __init__(self, inner: BaseStorage, writer: BulkWriter):
        self._inner = inner
        self._writer = writer
        self._in_batch = False
        self._study_id: int | None = None  # the study a batch runs
        self._snapshot: dict[int, FrozenTrial] = {}  # trial id -> trial, in creation order
        self._own: dict[int, FrozenTrial] = {}  # this worker's running trials of the batch
        self._unwritten: dict[int, Unwritten] = {}

    # --- the batch ----------------------------------------------------------------------------

    @contextmanager
    def batch(self, study_id: int) -> Iterator[None]:
        """Reads served from one read of the study's trials and this worker's own; on the way
        out whatever a trial has not written is dropped (a trial not told is failed)."""
        trials = self._inner.get_all_trials(study_id, deepcopy=False)
        self._snapshot = {t._trial_id: t for t in trials}
        self._study_id, self._in_batch = study_id, True
        try:
            yield
        finally:
            self._in_batch = False
            self._snapshot, self._own, self._unwritten = {}, {}, {}

    def write_proposal(self, trial_id: int) -> None:
        """A trial's parameters, written once it is proposed: a worker that dies leaves
        trials whose plans the next worker can run again."""
        unwritten = self._unwritten[trial_id]
        self._writer.params(trial_id, unwritten.params)
        unwritten.params = {}

    def _adopt(self, trial_id: int) -> None:
        """A trial this worker now runs: read once, then kept here (a queued one in its place
        in the snapshot)."""
        trial = self._inner.get_trial(trial_id)
        self._own[trial_id] = trial
        self._snapshot[trial_id] = trial
        self._unwritten[trial_id] = Unwritten()

    def _finish(self, trial_id: int) -> None:
        """What an own trial has not written, written before its state (as Optuna writes
        attributes before it tells); from here on the trial is the database's."""
        del self._own[trial_id]
        self._snapshot.pop(trial_id)
        unwritten = self._unwritten.pop(trial_id)
        self._writer.params(trial_id, unwritten.params)
        self._writer.attrs(trial_id, unwritten.user_attrs, unwritten.system_attrs)

    # --- trials -------------------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        trial_id = self._inner.create_new_trial(study_id, template_trial)
        if self._in_batch and (template_trial is None or template_trial.state.is_running()):
            self._adopt(trial_id)
        return trial_id

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        if trial_id in self._own and state.is_finished():
            self._finish(trial_id)
        if not (self._in_batch and state == TrialState.RUNNING):
            return self._inner.set_trial_state_values(trial_id, state, values)
        # Claiming a queued plan: the database says whether this worker got it. The snapshot's
        # waiting copy is stale either way: replaced in its place by the trial this worker now
        # runs (the sampler reads the trials in their order), else dropped, so that the batch's
        # next trial does not try it again.
        try:
            claimed = self._inner.set_trial_state_values(trial_id, state, values)
        except UpdateFinishedTrialError:
            self._snapshot.pop(trial_id, None)
            raise
        if claimed:
            self._adopt(trial_id)
        else:
            self._snapshot.pop(trial_id, None)
        return claimed

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        if trial_id not in self._own:
            self._inner.set_trial_param(trial_id, param_name, param_value_internal, distribution)
            return
        trial = self._own[trial_id]
        trial.params[param_name] = distribution.to_external_repr(param_value_internal)
        trial.distributions[param_name] = distribution
        self._unwritten[trial_id].params[param_name] = (param_value_internal, distribution)

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        if trial_id not in self._own:
            self._inner.set_trial_user_attr(trial_id, key, value)
        else:
            self._keep_attr(trial_id, "user_attrs", key, value)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        if trial_id not in self._own:
            self._inner.set_trial_system_attr(trial_id, key, value)
        else:
            self._keep_attr(trial_id, "system_attrs", key, value)

    def _keep_attr(self, trial_id: int, kind: str, key: str, value: Any) -> None:
        """An own trial's attribute, kept here until the trial is told."""
        getattr(self._own[trial_id], f"_{kind}")[key] = value
        getattr(self._unwritten[trial_id], kind)[key] = value

    def get_trial(self, trial_id: int) -> FrozenTrial:
        if trial_id in self._own:
            return copy.deepcopy(self._own[trial_id])
        return self._inner.get_trial(trial_id)

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        if not self._in_batch or study_id != self._study_id:
            return self._inner.get_all_trials(study_id, deepcopy=deepcopy, states=states)
        found = [t for t in self._snapshot.values() if states is None or t.state in states]
        return copy.deepcopy(found) if deepcopy else found

    def set_trial_intermediate_value(self, trial_id: int, step: int, value: float) -> None:
        self._inner.set_trial_intermediate_value(trial_id, step, value)

    # --- the rest is the wrapped storage's own ------------------------------------------------

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        return self._inner.create_new_study(directions, study_name)

    def delete_study(self, study_id: int) -> None:
        self._inner.delete_study(study_id)

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._inner.set_study_user_attr(study_id, key, value)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._inner.set_study_system_attr(study_id, key, value)

    def get_study_id_from_name(self, study_name: str) -> int:
        return self._inner.get_study_id_from_name(study_name)

    def get_study_name_from_id(self, study_id: int) -> str:
        return self._inner.get_study_name_from_id(study_id)

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        return self._inner.get_study_directions(study_id)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        return self._inner.get_study_user_attrs(study_id)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        return self._inner.get_study_system_attrs(study_id)

    def get_all_studies(self) -> list[FrozenStudy]:
        return self._inner.get_all_studies()

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        return self._inner.get_trial_id_from_study_id_trial_number(study_id, trial_number)

    def remove_session(self) -> None:
        self._inner.remove_session()

    def record_heartbeat(self, trial_id: int) -> None:
        self._inner.record_heartbeat(trial_id)

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        return self._inner._get_stale_trial_ids(study_id)

    def get_heartbeat_interval(self) -> int | None:
        return self._inner.get_heartbeat_interval()

    def get_heartbeat_stale_trial_callback(self):
        return self._inner.get_heartbeat_stale_trial_callback()
