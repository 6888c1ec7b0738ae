"""Every worker of a study beats at the study's pace.

A worker that expects heartbeats more often than another sends them would declare that worker's
live trials stale and fail them, so the pace is fixed when the study is created.
"""

from __future__ import annotations

import pytest

from smmsim.scenarios.errors import SmmsimError
from smmsim.scenarios.loader import load_scenario
from smmsim.simulator.studies.optimiser.storage import default_url
from smmsim.simulator.studies.optimiser.study import open_optimisation, settings_of

KIDS = "scenarios/examples/kids-shop.yaml"


def opened(tmp_path, heartbeat):
    scenario = load_scenario(KIDS)
    return open_optimisation(
        scenario,
        settings_of(scenario, trials=1, replications=10),
        storage_url=default_url(tmp_path),
        study_name="beats",
        source=KIDS,
        heartbeat_seconds=heartbeat,
    )


def test_a_resuming_worker_takes_the_study_heartbeat(tmp_path):
    opened(tmp_path, 5)
    resumed = opened(tmp_path, None)
    assert not resumed.created
    assert resumed.study._storage.get_heartbeat_interval() == 5


def test_a_worker_with_another_heartbeat_is_refused(tmp_path):
    opened(tmp_path, 5)
    with pytest.raises(SmmsimError, match=r"runs with --heartbeat 5; a worker with --heartbeat 7"):
        opened(tmp_path, 7)


def test_a_study_file_commits_to_its_log_without_waiting_for_the_disk(tmp_path):
    """SQLite studies run in write-ahead-log mode with synchronous=NORMAL, so a commit (Optuna
    makes about twenty a trial) does not wait for the disk; closing the study folds the log back
    into the one study file."""
    from smmsim.simulator.studies.optimiser.storage import open_storage

    storage = open_storage(default_url(tmp_path), heartbeat_seconds=None)
    with storage.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        sync = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    assert (mode, sync) == ("wal", 1)  # 1: NORMAL (2 is FULL, SQLite's default)
    storage.engine.dispose()
    assert [p.name for p in tmp_path.iterdir()] == ["study.db"]
