"""The storage a batch of trials is asked and told through (`batch_storage.py`, `bulk_writes.py`):
it must give the study Optuna's own reads and writes would give, row for row, and leave the
database the arbiter between workers."""

from __future__ import annotations

import math
from contextlib import nullcontext

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.exceptions import UpdateFinishedTrialError
from optuna.storages import RDBStorage
from optuna.trial import TrialState

from smmsim.simulator.studies.optimiser.batch_storage import BatchStorage
from smmsim.simulator.studies.optimiser.bulk_writes import BulkWriter
from tests.test_optimiser_study import open_kids

optuna.logging.set_verbosity(optuna.logging.WARNING)


def everything(optimisation) -> list[tuple]:
    """Each trial as stored: number, state, params, distributions, values and attributes."""
    trials = sorted(optimisation.study.get_trials(), key=lambda t: t.number)
    return [
        (
            t.number,
            t.state,
            t.params,
            t.distributions,
            t.values,
            {k: v for k, v in t.user_attrs.items() if k != "worker"},
            t.system_attrs,
        )
        for t in trials
    ]


def read_through(monkeypatch) -> None:
    """Every batch read from and written to the database call by call, as Optuna does."""
    monkeypatch.setattr(BatchStorage, "batch", lambda self, study_id: nullcontext())
    monkeypatch.setattr(BatchStorage, "write_proposal", lambda self, trial_id: None)


@pytest.mark.parametrize("max_risk", [None, 0.5])  # with a risk cap, a constraint is stored too
def test_a_batch_stores_the_study_optuna_reading_the_database_each_time_stores(
    tmp_path, monkeypatch, max_risk
):
    """Past TPE's random start-up, so model-based proposals, which read the running trials
    of their own batch (the constant liar), are compared."""
    batched = open_kids(tmp_path / "batched.db", max_risk=max_risk)
    batched.run_batches(4)
    read_through(monkeypatch)
    direct = open_kids(tmp_path / "direct.db", max_risk=max_risk)
    direct.run_batches(4)
    assert everything(batched) == everything(direct)
    assert len(batched.completed()) == len(direct.completed()) > 10


def test_without_optunas_tables_every_row_is_written_by_optunas_own_call(tmp_path, monkeypatch):
    """The path for a storage whose tables smmsim cannot write itself."""
    fast = open_kids(tmp_path / "fast.db")
    fast.run_batches(4)
    monkeypatch.setattr(BulkWriter, "__init__", slow_writer)
    slow = open_kids(tmp_path / "slow.db")
    slow.run_batches(4)
    assert everything(fast) == everything(slow)


def slow_writer(self, storage, rdb) -> None:
    self.storage, self.engine = storage, None


def running_trials(tmp_path, n: int) -> tuple[RDBStorage, list[int]]:
    storage = RDBStorage(f"sqlite:///{tmp_path / 'rows.db'}")
    study_id = storage.create_new_study([optuna.study.StudyDirection.MINIMIZE], "rows")
    return storage, [storage.create_new_trial(study_id) for _ in range(n)]


PARAMS = {
    "share": (0.25, FloatDistribution(0.0, 1.0)),
    "days": (14, IntDistribution(7, 35)),
    "tool": (1, CategoricalDistribution(["ads", "forum", "contest"])),
}
USER = {"cpa": math.inf, "candidate": {"shares": {"a": 0.4}, "policy": None}, "worker": "w:1"}
SYSTEM = {"constraints": [-0.1]}


def test_bulk_rows_are_the_rows_optuna_writes(tmp_path):
    storage, (by_optuna, in_bulk) = running_trials(tmp_path, 2)
    for name, (value, distribution) in PARAMS.items():
        storage.set_trial_param(by_optuna, name, value, distribution)
    for key, value in USER.items():
        storage.set_trial_user_attr(by_optuna, key, value)
    for key, value in SYSTEM.items():
        storage.set_trial_system_attr(by_optuna, key, value)
    writer = BulkWriter(storage, storage)
    writer.params(in_bulk, PARAMS)
    writer.attrs(in_bulk, USER, SYSTEM)
    ours, theirs = storage.get_trial(in_bulk), storage.get_trial(by_optuna)
    assert ours.params == theirs.params == {"share": 0.25, "days": 14, "tool": "forum"}
    assert ours.distributions == theirs.distributions
    assert ours.user_attrs == theirs.user_attrs == USER
    assert ours.system_attrs == theirs.system_attrs == SYSTEM


def test_bulk_attributes_replace_those_a_retried_trial_inherited(tmp_path):
    """Optuna's retry of a failed trial copies its user attributes: a worker killed after
    writing them, before its state, leaves a retry that already holds the keys its tell sets."""
    storage, (trial_id,) = running_trials(tmp_path, 1)
    storage.set_trial_user_attr(trial_id, "cpa", 99.0)
    storage.set_trial_system_attr(trial_id, "constraints", [1.0])
    BulkWriter(storage, storage).attrs(trial_id, USER, SYSTEM)
    trial = storage.get_trial(trial_id)
    assert trial.user_attrs == USER and trial.system_attrs == SYSTEM


def test_rows_for_a_trial_another_worker_failed_are_refused_and_not_written(tmp_path):
    storage, (trial_id,) = running_trials(tmp_path, 1)
    storage.set_trial_state_values(trial_id, TrialState.FAIL)  # found stale elsewhere
    writer = BulkWriter(storage, storage)
    with pytest.raises(UpdateFinishedTrialError):
        writer.params(trial_id, PARAMS)
    with pytest.raises(UpdateFinishedTrialError):
        writer.attrs(trial_id, USER, SYSTEM)
    trial = storage.get_trial(trial_id)
    assert trial.params == {} and trial.user_attrs == {} and trial.system_attrs == {}


def test_a_batch_trial_another_worker_failed_is_dropped_not_told(tmp_path):
    """A stall past the grace period: another worker failed the trial and runs its plan again,
    so this worker's result is dropped, as Optuna's own tell would refuse it."""
    optimisation = open_kids(tmp_path / "taken.db")
    other = RDBStorage(f"sqlite:///{tmp_path / 'taken.db'}")
    storage = optimisation.study._storage
    with storage.batch(optimisation.study._study_id):
        trial = optimisation._ask()
        candidate = optimisation.space.suggest(trial)
        storage.write_proposal(trial._trial_id)
        other.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        outcome = study_outcome(optimisation, candidate)
        assert optimisation._tell(trial, candidate, outcome) is None
    stored = other.get_trial(trial._trial_id)
    assert stored.state == TrialState.FAIL
    assert stored.params == trial.params  # written when proposed, for the retry to run
    assert stored.user_attrs == {}


def study_outcome(optimisation, candidate):
    from smmsim.simulator.studies.optimiser.study import evaluate_candidate

    s = optimisation
    return evaluate_candidate(s.scenario, candidate, s.settings, s.source)


def test_a_queued_plan_another_worker_claimed_first_is_not_run_twice(tmp_path):
    """The batch's snapshot still shows the plan waiting; the database says it is taken."""
    optimisation = open_kids(tmp_path / "queue.db")
    study, storage = optimisation.study, optimisation.study._storage
    other = RDBStorage(f"sqlite:///{tmp_path / 'queue.db'}")
    waiting = [t._trial_id for t in study.get_trials(states=(TrialState.WAITING,))]
    assert len(waiting) == 3  # the known plans
    with storage.batch(study._study_id):
        assert other.set_trial_state_values(waiting[0], TrialState.RUNNING)
        asked = [optimisation._ask()._trial_id]
        seen = [t.number for t in storage.get_all_trials(study._study_id, deepcopy=False)]
        asked += [optimisation._ask()._trial_id for _ in range(2)]
    assert asked[:2] == waiting[1:]  # the other two plans, in order
    assert seen == [1, 2]  # as the sampler reads them: in their order (0 runs elsewhere)
    assert asked[2] not in waiting  # then a fresh trial, not the claimed plan
    assert other.get_trial(waiting[0]).state == TrialState.RUNNING
