"""A sweep's simulations side by side: whole simulations spread over worker processes.

A sweep point simulates a few thousand replications; splitting each into chunks over the cores
(what `simulate(workers=...)` does) pays a process pool's start-up per point and leaves the
cores idle while the last chunk of each point finishes. The sweep instead hands whole
simulations (the oracle and every point of a batch) to one pool kept for the whole sweep, each
running in one process. Every simulation has the sweep's seed and replications, and the engine's
numbers never depend on how replications are chunked or where they run, so a point is the same
number for number whichever way it is run, and the common random numbers between points survive.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed

from smmsim.scenarios.schema import Scenario
from smmsim.simulator.engine import DEFAULT_CHUNK, simulate
from smmsim.simulator.result import Result
from smmsim.simulator.stacked import same_plan_but_the_test_size, simulate_side_by_side
from smmsim.simulator.strategies import load_for


def without_days(result: Result) -> Result:
    """The result less its day-by-day record, which a sweep never reads: what a worker sends
    back is then the per-replication totals and the strategy's record, a few MB a point."""
    return dataclasses.replace(
        result, daily_mean={}, daily_sample={}, campaign_daily_mean={}, campaign_daily_sample={}
    )


def simulate_one(scenario: Scenario, replications: int, seed: int) -> Result:
    """One whole simulation in this process (a pool worker's job)."""
    return without_days(simulate(scenario, replications=replications, seed=seed, daily_sample=0))


def simulate_group(group: list[Scenario], replications: int, seed: int) -> list[Result]:
    """A pool worker's job: one simulation, or test sizes side by side."""
    if len(group) == 1:
        return [simulate_one(group[0], replications, seed)]
    return simulate_side_by_side(group, replications, seed)


class Simulations:
    """Runs a sweep's simulations at its seed and replications: in this process with one worker,
    otherwise over a pool of `workers` processes (a lone simulation is split into chunks over
    them instead). Use it as a context manager: the pool lives as long as the sweep."""

    def __init__(
        self,
        replications: int,
        seed: int,
        workers: int,
        progress: Callable[[int], None] | None = None,
    ):
        self.replications, self.seed, self.workers = replications, seed, workers
        self.progress = progress
        self._pool: Executor | None = None

    def __enter__(self) -> Simulations:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def run(self, scenarios: list[Scenario], tests: list[Scenario] = ()) -> list[Result]:
        """Every scenario simulated, results in the scenarios' order, then the `tests` (one plan
        at several test sizes), a few side by side in each simulation (`simulator.stacked`)."""
        groups = [[s] for s in scenarios] + self._side_by_side(list(tests))
        if self.workers == 1 or len(groups) < 2:
            return [r for group in groups for r in self._here(group)]
        load_for(s for group in groups for s in group)  # before the pool forks its workers
        pool = self._started()
        futures = {
            pool.submit(simulate_group, group, self.replications, self.seed): i
            for i, group in enumerate(groups)
        }
        done: list[list[Result] | None] = [None] * len(groups)
        for future in as_completed(futures):
            i = futures[future]
            done[i] = future.result()
            if self.progress:
                self.progress(self.replications * len(groups[i]))
        return [r for results in done for r in results]

    def _side_by_side(self, tests: list[Scenario]) -> list[list[Scenario]]:
        """The test sizes in groups: at least one a worker (a refinement's two or three
        sizes in one group would leave the other cores idle), and none holding more than a
        chunk's replications (`DEFAULT_CHUNK`), no more in memory than a simulation holds."""
        if len(tests) < 2 or not same_plan_but_the_test_size(tests):
            return [[s] for s in tests]
        largest = max(1, DEFAULT_CHUNK // self.replications)
        size = min(largest, -(-len(tests) // self.workers))
        return [tests[i : i + size] for i in range(0, len(tests), size)]

    def _here(self, group: list[Scenario]) -> list[Result]:
        if len(group) > 1:
            results = simulate_group(group, self.replications, self.seed)
            if self.progress:
                self.progress(self.replications * len(group))
            return results
        # Chunked over the cores: a lone simulation would otherwise leave all but one idle.
        result = simulate(
            group[0],
            replications=self.replications,
            seed=self.seed,
            workers=self.workers,
            progress=self.progress,
            daily_sample=0,
        )
        return [without_days(result)]

    def _started(self) -> Executor:
        if self._pool is None:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        return self._pool
