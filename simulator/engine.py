"""The campaign engine: one SimPy calendar, every replication of a chunk advanced at once.

The SimPy environment's clock is the campaign calendar in days. The delivery process runs each day
at integer times; month-end snapshots run half a day later, after that day's delivery. All state is
numpy arrays of shape (replications, arms), so each process step moves every replication at once.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import simpy

from smmsim.scenarios.calendar import campaign_dates, campaign_months
from smmsim.scenarios.errors import SmmsimError
from smmsim.scenarios.schema import Scenario
from smmsim.simulator.allocator import keep_freed_memory
from smmsim.simulator.chunk import ChunkCampaign
from smmsim.simulator.clock import SNAPSHOT_LAG
from smmsim.simulator.compiled import warm_up
from smmsim.simulator.plan import CampaignPlan
from smmsim.simulator.randomness import RNG_BLOCK, BlockDraws, Draws, ExpectedDraws, block_seeds
from smmsim.simulator.recorder import Recorder
from smmsim.simulator.result import ChunkMerger, Result
from smmsim.simulator.row_settings import RowSettings
from smmsim.simulator.strategies import StrategyRecord, load_for

DEFAULT_CHUNK = 10_000
DEFAULT_DAILY_SAMPLE = 1000
# A simulation keeps every replication's totals and months (about 1.7 KB a replication for
# kids-shop): 200,000 of them peak at about 1.1 GB. Only `smmsim run` goes further, streaming
# (`studies.streamed`); every other study reads replications one by one and stops here.
KEEP_LIMIT = 200_000
# A chunk of a few replications costs about the day's fixed cost (travel-agency: 0.2 s for 100
# replications, 0.5 s for 1,000): a subset (`simulate(only=...)`) is not split below this.
MIN_SUBSET_CHUNK = 250


class TooManyReplications(SmmsimError):
    """More replications than a study that keeps them all may hold."""

    def __init__(self, reps: int):
        super().__init__(
            f"replications: {reps:,} is more than {KEEP_LIMIT:,}, the most a study keeps in "
            "memory (only `smmsim run` streams larger runs); ask for fewer with --reps or "
            "campaign.replications"
        )


def simulate(
    scenario: Scenario,
    *,
    replications: int | None = None,
    seed: int | None = None,
    deterministic: bool = False,
    chunk_size: int | None = None,
    workers: int = 1,
    daily_sample: int = DEFAULT_DAILY_SAMPLE,
    progress: Callable[[int], None] | None = None,
    only: np.ndarray | None = None,
) -> Result:
    """Simulate the campaign `replications` times (scenario default if None).

    `deterministic` puts priors at their means and removes all noise: one replication whose numbers
    are the model's closed-form arithmetic. `chunk_size` bounds memory (default: the replications
    split evenly over the workers, at most 10,000 a chunk) and `workers` runs chunks in parallel
    processes; neither ever changes the results. `progress` is called with the number of
    replications finished after each chunk.

    `only` (sorted replication indices) simulates those replications of the run alone, each with
    the numbers it has in the whole run (`BlockDraws`' `keep`), and returns a result of
    len(only) replications in that order; a strategy that draws Beta posteriors cannot.
    """
    if not deterministic and only is None:
        (result,) = simulate_together(
            [scenario],
            daily_samples=[daily_sample],
            replications=replications,
            seed=seed,
            chunk_size=chunk_size,
            workers=workers,
            progress=progress,
        )
        return result
    plan = CampaignPlan.from_scenario(scenario)
    seed = scenario.campaign.seed if seed is None else seed
    if deterministic:
        _check_run(1, workers)
        merger = ChunkMerger([1])
        merger.add(0, *run_chunk(plan, ExpectedDraws(1), min(1, daily_sample)))
        if progress:
            progress(1)
    else:
        reps = _check_run(replications or scenario.campaign.replications, workers)
        jobs = subset_jobs(reps, seed, np.asarray(only), workers, chunk_size, daily_sample)
        (merger,) = _run_jobs([plan], [jobs], workers, progress)
    return merger.result(scenario=scenario, **result_fields(plan, seed, deterministic))


def _check_run(reps: int, workers: int) -> int:
    """The replications, refused where no run could hold them, or where there are no workers."""
    if reps < 1:
        raise ValueError(f"replications must be at least 1 (got {reps})")
    if workers < 1:
        raise ValueError(f"workers must be at least 1 (got {workers})")
    if reps > KEEP_LIMIT:
        raise TooManyReplications(reps)
    return reps


def simulate_together(
    scenarios: list[Scenario],
    *,
    daily_samples: list[int],
    replications: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[Result]:
    """`simulate` of each scenario (with its `daily_samples` entry), all with the first's
    replications and seed, their chunks spread over one pool: a plan and its oracle run side
    by side, each whole in a process of its own, where each split over every worker in turn
    paid a day's fixed cost twice and waited on its slower half. The numbers are those of each
    simulation run alone (chunking never changes them)."""
    first = scenarios[0]
    seed = first.campaign.seed if seed is None else seed
    reps = _check_run(replications or first.campaign.replications, workers)
    # About a worker's share of all the replications a chunk, no more than a simulation's own
    # (one simulation alone: its replications split evenly over the workers).
    size = chunk_size or min(DEFAULT_CHUNK, reps, -(-reps * len(scenarios) // workers))
    plans = [CampaignPlan.from_scenario(s) for s in scenarios]
    jobs = [chunk_jobs(reps, seed, size, sample) for sample in daily_samples]
    mergers = _run_jobs(plans, jobs, workers, progress)
    return [
        merger.result(scenario=s, **result_fields(plan, seed, False))
        for merger, s, plan in zip(mergers, scenarios, plans, strict=True)
    ]


def result_fields(plan: CampaignPlan, seed: int, deterministic: bool) -> dict:
    """A run's `Result` fields beside its replications and scenario: the plan's lines and arms,
    the seed, and the calendar."""
    c = plan.scenario.campaign
    return {
        "lines": plan.lines,
        "budget_arms": plan.arms,
        "seed": seed,
        "deterministic": deterministic,
        "dates": tuple(campaign_dates(c.start, c.days)),
        "months": tuple(campaign_months(c.start, c.days)),
    }


@dataclass(frozen=True)
class ChunkJob:
    """A run of whole RNG blocks: their seeds, sizes, and how many go into the daily sample."""

    seeds: tuple[np.random.SeedSequence, ...]
    sizes: tuple[int, ...]
    n_sampled: int
    keep: tuple[np.ndarray, ...] | None = None  # per block, the replications simulated (all)

    @property
    def n_reps(self) -> int:
        return sum(self.sizes) if self.keep is None else sum(len(k) for k in self.keep)

    def only(self, rows: np.ndarray) -> ChunkJob:
        """This chunk's replications `rows` (sorted, counted from its first) alone, each with
        the numbers it has in the whole chunk, without a daily sample; blocks left with no
        replication are left out."""
        if self.keep is not None:
            raise ValueError("only: the chunk is a subset already")
        starts = np.cumsum([0, *self.sizes[:-1]])
        picked = [
            (seed, size, rows[(rows >= start) & (rows < start + size)] - start)
            for seed, size, start in zip(self.seeds, self.sizes, starts, strict=True)
        ]
        seeds, sizes, keep = zip(*[block for block in picked if len(block[2])], strict=True)
        return ChunkJob(seeds, sizes, 0, keep)


def chunk_jobs(reps: int, seed: int, chunk_size: int, daily_sample: int) -> list[ChunkJob]:
    """Split the run into chunks of whole RNG blocks, about `chunk_size` replications each."""
    seeds = block_seeds(seed, reps)
    sizes = [min(RNG_BLOCK, reps - b * RNG_BLOCK) for b in range(len(seeds))]
    per_chunk = max(1, -(-chunk_size // RNG_BLOCK))
    jobs = []
    for b in range(0, len(seeds), per_chunk):
        first = b * RNG_BLOCK
        chunk_sizes = tuple(sizes[b : b + per_chunk])
        sampled = int(np.clip(daily_sample - first, 0, sum(chunk_sizes)))
        jobs.append(ChunkJob(tuple(seeds[b : b + per_chunk]), chunk_sizes, sampled))
    return jobs


def subset_jobs(
    reps: int,
    seed: int,
    only: np.ndarray,
    workers: int,
    chunk_size: int | None,
    daily_sample: int,
) -> list[ChunkJob]:
    """Chunks of the blocks that hold a replication of `only`, each block keeping those; about
    `chunk_size` kept replications a chunk (default: spread over the workers, but none smaller
    than `MIN_SUBSET_CHUNK`: a day's fixed cost would outweigh a second process's help)."""
    if only.size == 0 or np.any(np.diff(only) <= 0) or only[0] < 0 or only[-1] >= reps:
        raise ValueError(f"only: need sorted, distinct replications below {reps}")
    size = chunk_size or min(DEFAULT_CHUNK, max(-(-only.size // workers), MIN_SUBSET_CHUNK))
    seeds = block_seeds(seed, reps)
    block_of = only // RNG_BLOCK
    blocks = np.unique(block_of)
    jobs, pending, kept_before = [], [], 0
    for b in blocks:
        keep = only[block_of == b] - b * RNG_BLOCK
        pending.append((seeds[b], min(RNG_BLOCK, reps - b * RNG_BLOCK), keep))
        kept = sum(len(k) for *_, k in pending)
        if kept >= size or b == blocks[-1]:
            chunk_seeds, sizes, keeps = zip(*pending, strict=True)
            sampled = int(np.clip(daily_sample - kept_before, 0, kept))
            jobs.append(ChunkJob(chunk_seeds, sizes, sampled, keeps))
            pending, kept_before = [], kept_before + kept
    return jobs


def run_job(plan: CampaignPlan, job: ChunkJob) -> tuple[Recorder, StrategyRecord]:
    draws = BlockDraws(job.seeds, job.sizes, plan.arms.names, keep=job.keep)
    return run_chunk(plan, draws, job.n_sampled)


def _run_jobs(
    plans: list[CampaignPlan],
    jobs: list[list[ChunkJob]],
    workers: int,
    progress: Callable[[int], None] | None,
) -> list[ChunkMerger]:
    """Run every plan's chunks (`jobs[k]` plan k's, plans in turn) in order here, or in
    `workers` processes; each is joined in its place in its run as soon as it is done
    (`ChunkMerger`), whatever order they finish in."""
    mergers = [ChunkMerger([job.n_reps for job in run]) for run in jobs]
    where = [(k, i) for k, run in enumerate(jobs) for i in range(len(run))]

    def done(j: int, chunk: tuple[Recorder, StrategyRecord]) -> None:
        k, i = where[j]
        mergers[k].add(i, *chunk)
        if progress:
            progress(jobs[k][i].n_reps)

    load_for(plan.scenario for plan in plans)  # here, so that forked workers inherit it
    for_each_done(run_job, [(plans[k], jobs[k][i]) for k, i in where], workers, done)
    return mergers


def for_each_done(
    work: Callable, arguments: list[tuple], workers: int, done: Callable[[int, object], None]
) -> None:
    """Call `work(*arguments[i])` for every i, here in order or spread over `workers` processes
    (this one among them when there are no more jobs than workers), and hand each answer to
    `done(i, answer)` as soon as it is there (in any order)."""
    if workers == 1 or len(arguments) == 1:
        for i, args in enumerate(arguments):
            done(i, work(*args))
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    if context.get_start_method() == "fork":
        warm_up()  # the workers inherit the compiled samplers
    # With a job per worker (a run's default split), the first runs here while the other
    # workers take the rest: a run's first chunk keeps the sampled days, by far the largest
    # answer (80 MB for a 150-day plan), which then never crosses a pipe. With more jobs than
    # workers all go to the pool, so that no more than `workers` processes compute at once.
    here_first = len(arguments) <= workers
    rest = range(1 if here_first else 0, len(arguments))
    with ProcessPoolExecutor(min(workers, len(rest)), mp_context=context) as pool:
        futures = {pool.submit(work, *arguments[i]): i for i in rest}
        try:
            if here_first:
                done(0, work(*arguments[0]))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        for future in as_completed(futures):
            i = futures.pop(future)
            done(i, future.result())


def run_chunk(
    plan: CampaignPlan, draws: Draws, n_sampled: int, per_row: RowSettings | None = None
) -> tuple[Recorder, StrategyRecord]:
    """Run every replication of one chunk through the whole calendar (`per_row`: each
    replication's own settings, see `ChunkCampaign`)."""
    keep_freed_memory()  # a day's arrays reuse the last day's memory, not fresh pages
    env = simpy.Environment()
    campaign = ChunkCampaign(plan, draws, n_sampled, per_row)
    # The tactics' schedules start first, so that the first day's orders precede its delivery.
    for process in campaign.processes(env):
        env.process(process)
    env.process(daily_delivery(env, campaign.day, plan.days))
    env.process(month_end_snapshots(env, campaign.month_end, plan.month_last_days()))
    for process in campaign.policy.processes(env):
        env.process(process)
    env.run()
    campaign.recorder.close()
    return campaign.recorder, campaign.policy.record()


def daily_delivery(env: simpy.Environment, deliver: Callable[[int], None], days: int):
    for day in range(days):
        deliver(day)
        yield env.timeout(1)


def month_end_snapshots(
    env: simpy.Environment, snapshot: Callable[[int], None], last_days: list[int]
):
    for month, last_day in enumerate(last_days):
        yield env.timeout(last_day + SNAPSHOT_LAG - env.now)
        snapshot(month)
