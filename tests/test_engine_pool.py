"""How `for_each_done` spreads jobs: every job answered once, with no more processes computing
at a time than the workers asked for (the parent counts as one when it takes a job)."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from smmsim.simulator.engine import for_each_done

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="the parent's job needs fork"
)


def which_process(i: int) -> tuple[int, int]:
    return i, os.getpid()


def answers(jobs: int, workers: int) -> dict[int, int]:
    found: dict[int, int] = {}

    def done(i: int, answer: tuple[int, int]) -> None:
        assert i not in found, f"job {i} answered twice"
        assert answer[0] == i, "an answer handed to another job's place"
        found[i] = answer[1]

    for_each_done(which_process, [(i,) for i in range(jobs)], workers, done)
    assert sorted(found) == list(range(jobs))
    return found


def test_with_a_job_per_worker_the_first_runs_here_and_the_rest_elsewhere():
    # The first chunk of a run carries its sampled days: computed here, it is never shipped.
    pids = answers(jobs=2, workers=2)
    assert pids[0] == os.getpid()
    assert pids[1] != os.getpid()


def test_with_more_jobs_than_workers_none_runs_here():
    # Otherwise the parent would compute beside `workers` busy processes.
    pids = answers(jobs=5, workers=2)
    assert os.getpid() not in pids.values()
    assert len(set(pids.values())) <= 2


def test_one_worker_runs_everything_here_in_order():
    assert set(answers(jobs=3, workers=1).values()) == {os.getpid()}
