"""`smmsim optimise` as one library call: open or resume the study, run trials, read the best
plan, evaluate it against the baselines, and write the outputs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from optuna.trial import FrozenTrial

from smmsim.scenarios.optimise_schema import DEFAULT_SEARCH
from smmsim.scenarios.schema import Scenario
from smmsim.simulator.studies.optimiser.document import (
    OptimisationResult,
    optimisation_document,
)
from smmsim.simulator.studies.optimiser.evaluation import Runs, final_evaluation
from smmsim.simulator.studies.optimiser.selection import best_choice
from smmsim.simulator.studies.optimiser.study import (
    Optimisation,
    StudySettings,
    candidate_from_record,
    open_optimisation,
)

FINAL_STREAM = 104729  # the final evaluation's stream of the study's seed
# Trials proposed and simulated at a time: a batch of 200-replication plans shares one
# simulation per worker, most of whose cost is a day's fixed array work, so eight cost about what
# two do one at a time; on the closed-form checks batches of 8 find the optimum as surely as one
# at a time (README, "Trials side by side").
DEFAULT_PARALLEL_TRIALS = 8


@dataclass(frozen=True)
class OptimiseJob:
    source: Path
    scenario: Scenario
    settings: StudySettings
    storage_url: str
    study_name: str
    out_dir: Path | None
    final_replications: int
    workers: int = 1
    heartbeat_seconds: int | None = None
    # Trials simulated side by side; 1 is the one-at-a-time study, and each number gives its own
    # study, the same run after run (`Optimisation.run_batches`).
    parallel_trials: int = DEFAULT_PARALLEL_TRIALS


def default_study_name(
    source: Path, settings: StudySettings, searched: tuple[str, ...] = DEFAULT_SEARCH
) -> str:
    """One study per scenario file and question, so that rerunning the same command resumes it
    and asking another question (objective, risk limit, Pareto, what may change) starts a fresh
    one."""
    parts = [re.sub(r"[^A-Za-z0-9_.-]+", "-", source.stem), settings.objective]
    if tuple(searched) != DEFAULT_SEARCH:
        parts.append("+".join(searched))
    if settings.max_risk is not None:
        parts.append(f"risk{settings.max_risk:g}")
    if settings.pareto:
        parts.append("pareto")
    if settings.deterministic:
        parts.append("deterministic")
    return "-".join(parts)


def final_seed(seed: int) -> int:
    """The final evaluation's seed: its own stream of the study's seed. On the trials' random
    numbers, the luck that made the best trial win would flatter it there too."""
    return int(np.random.SeedSequence([seed, FINAL_STREAM]).generate_state(1)[0])


def open_job(job: OptimiseJob) -> Optimisation:
    return open_optimisation(
        job.scenario,
        job.settings,
        storage_url=job.storage_url,
        study_name=job.study_name,
        source=str(job.source),
        heartbeat_seconds=job.heartbeat_seconds,
    )


def finish(job: OptimiseJob, run: Optimisation, this_worker: int) -> OptimisationResult:
    """The best plan of the study so far, evaluated, as the typed output document."""
    choice = best_choice(run.completed(), job.settings)
    evaluation = None
    if choice is not None:
        candidate = candidate_from_record(choice.trial.user_attrs["candidate"])
        runs = Runs(
            replications=job.final_replications,
            seed=final_seed(job.settings.seed),
            deterministic=job.settings.deterministic,
            workers=job.workers,
        )
        evaluation = final_evaluation(
            job.scenario,
            candidate,
            runs,
            str(job.source),
            job.settings.objective,
            job.settings.max_risk,
        )
        evaluation.pop("plan")
    document = optimisation_document(
        run,
        choice,
        evaluation,
        storage_url=job.storage_url,
        study_name=job.study_name,
        this_worker=this_worker,
        at_a_time=job.parallel_trials,
    )
    run.close()
    return OptimisationResult.from_dict(document)


def optimise(
    job: OptimiseJob, on_trial: Callable[[FrozenTrial], None] | None = None
) -> OptimisationResult:
    """Run the study to its target and return the document of its best plan."""
    run = open_job(job)
    done = run.run_batches(job.parallel_trials, on_trial, workers=job.workers)
    return finish(job, run, done)
