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
