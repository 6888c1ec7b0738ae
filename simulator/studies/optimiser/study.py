"""Running an optimisation study: create or resume it, seed it with known plans, run trials.

A study is named and stored (`storage.py`). The first worker to create it records the settings
its trials depend on (seed, replications, objective, the scenario itself) and enqueues the known
plans: the marginal-return start, the plan as written and the even spread. Every later worker, or
the same command after a crash, resumes it and runs trials until the study holds `trials`
completed ones; a worker started with other settings is refused, since its trials would not be
comparable.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import socket
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass

import optuna
from optuna.exceptions import (
    DuplicatedStudyError,
    ExperimentalWarning,
    UpdateFinishedTrialError,
)
from optuna.storages import RDBStorage
from optuna.trial import FrozenTrial, TrialState

from smmsim.scenarios.errors import ScenarioError, SmmsimError
from smmsim.scenarios.schema import Scenario
from smmsim.simulator.strategies import load_for
from smmsim.simulator.studies.optimiser.batch_storage import BatchStorage
from smmsim.simulator.studies.optimiser.bulk_writes import BulkWriter
from smmsim.simulator.studies.optimiser.candidate import Candidate, Policy
from smmsim.simulator.studies.optimiser.heartbeat import BatchHeartbeat
from smmsim.simulator.studies.optimiser.objective import (
    TrialOutcome,
    outcome_of,
    simulate_candidate,
    simulate_candidates,
)
from smmsim.simulator.studies.optimiser.sampling import TrialSeededSampler
from smmsim.simulator.studies.optimiser.space import SearchSpace, search_problems, search_space
from smmsim.simulator.studies.optimiser.storage import open_storage, scrubbed, shown, use_heartbeat
from smmsim.simulator.studies.optimiser.warm_start import water_filling_split

RISK_CONSTRAINT = "backlash_risk"  # P(backlash) - max_risk, Optuna's constraint
HEARTBEAT = "heartbeat_seconds"  # the study's heartbeat, which every worker uses
READY = "ready"  # set last by the study's creator
READY_WAIT_SECONDS = 30
INTERRUPTED = "interrupted_trial"  # on a trial queued again after Ctrl-C: the one it replaces


@dataclass(frozen=True)
class StudySettings:
    objective: str  # "cpa" or "conversions"
    max_risk: float | None
    pareto: bool
    trials: int
    replications: int
    seed: int
    deterministic: bool = False  # trials on the model's expected values (closed-form checks)

    @property
    def directions(self) -> list[str]:
        first = "minimize" if self.objective == "cpa" else "maximize"
        return [first, "minimize"] if self.pareto else [first]


def settings_of(s: Scenario, **overrides) -> StudySettings:
    """The scenario's `optimise:` block with the command line's overrides (None keeps it)."""
    o = s.optimise
    base = {
        "objective": o.objective,
        "max_risk": o.max_risk,
        "pareto": False,
        "trials": o.trials,
        "replications": o.replications,
        "seed": s.campaign.seed,
    }
    base.update({k: v for k, v in overrides.items() if v is not None})
    return StudySettings(**base)


# Settings no trial reads: editing them in the file does not stop a study from resuming. (The
# trials' own settings, such as the seed, objective and replications, are fingerprinted as used,
# whether they come from the file or the command line.)
UNREAD = {
    "campaign": {"name", "replications", "seed"},
    "optimise": {"objective", "max_risk", "trials", "replications"},
}


def scenario_digest(s: Scenario) -> str:
    """A fingerprint of what the trials simulate: a resumed study must optimise the same plan."""
    data = s.model_dump(mode="json", exclude=UNREAD)
    text = json.dumps(data, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Optimisation:
    """A study bound to its scenario and settings; `run_batches` adds trials to it."""

    scenario: Scenario
    settings: StudySettings
    space: SearchSpace
    study: optuna.Study
    source: str
    created: bool  # this call created the study (and enqueued the known plans)
    _storage: RDBStorage | None = None

    def close(self) -> None:
        """Let go of the database: SQLite folds its write-ahead log back into study.db, so the
        folder holds the one file (a process that ends does the same)."""
        if self._storage is not None:
            self._storage.engine.dispose()

    def completed(self) -> list[FrozenTrial]:
        return self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))

    def _queue_interrupted(self, trial_id: int) -> None:
        """After Ctrl-C, a trial it stopped (perhaps a known start) is failed, if it is still
        running, and its plan queued again: the resumed study runs it first."""
        storage = self.study._storage
        trial = storage.get_trial(trial_id)
        if trial.state == TrialState.RUNNING:
            storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        elif trial.state != TrialState.FAIL:
            return  # it completed before the signal: nothing is lost
        if trial.params:
            self.study.enqueue_trial(dict(trial.params), user_attrs={INTERRUPTED: trial.number})

    def _record(self, trial: optuna.Trial, candidate: Candidate, outcome: TrialOutcome):
        """The trial's outcome in the study; returns the value(s) Optuna is told."""
        for key, value in outcome.as_dict().items():
            trial.set_user_attr(key, value)
        if self.settings.max_risk is not None:
            # Feasible when <= 0: the sampler learns from infeasible trials but ranks them last.
            trial.set_constraint(RISK_CONSTRAINT, outcome.risk - self.settings.max_risk)
        trial.set_user_attr("candidate", candidate_record(candidate))
        trial.set_user_attr("worker", worker_name())
        first = outcome.value(self.settings.objective)
        return (first, outcome.risk) if self.settings.pareto else first

    def run_batches(
        self,
        parallel: int,
        on_trial: Callable[[FrozenTrial], None] | None = None,
        workers: int = 1,
    ) -> int:
        """Trials until the study holds `settings.trials` completed ones; returns how many this
        worker completed. KeyboardInterrupt leaves every completed trial stored, and queues
        the plans it stopped again.

        `parallel` trials at a time, their plans simulated side by side (in one simulation
        where they can share one, `simulate_candidates`), split over `workers` processes. Each
        batch is proposed here one trial after another (the constant liar counts the batch's
        earlier trials as running, so they spread out) and told in order, so the same
        `parallel` gives the same study run after run, whatever `workers`. Batches of 1 are
        Optuna's one-at-a-time study, trial for trial (tests/test_optimiser_study.py); larger
        ones are not (a trial's proposal sees the trials done before its batch, not those
        beside it). Optuna's own loop is not used: every trial goes through the batch's
        storage (`BatchStorage`), which reads and writes the database far less."""
        done = 0
        with TrialPool(min(workers, parallel)) as pool:
            while (left := self.settings.trials - len(self.completed())) > 0:
                self._fail_stale_trials()
                done += self._run_batch(pool, min(parallel, left), on_trial)
        return done

    def _run_batch(
        self, pool: TrialPool, size: int, on_trial: Callable[[FrozenTrial], None] | None
    ) -> int:
        """One batch: its trials asked and their plans proposed one after another, simulated
        together, then told in order; returns how many it completed. A trial not told when
        the batch stops is failed: after Ctrl-C its plan is queued again."""
        untold: list[tuple[optuna.Trial, Candidate]] = []
        storage = self.study._storage
        done = 0
        try:
            with storage.batch(self.study._study_id):
                with BatchHeartbeat(storage) as heartbeat:
                    for _ in range(size):
                        trial = self._ask()
                        heartbeat.add(trial._trial_id)
                        untold.append((trial, self.space.suggest(trial)))
                        storage.write_proposal(trial._trial_id)
                    heartbeat.start()
                    outcomes = list(pool.evaluate(self, [c for _, c in untold]))
                for outcome in outcomes:
                    trial, candidate = untold[0]
                    frozen = self._tell(trial, candidate, outcome)
                    untold.pop(0)  # only once told: a Ctrl-C while telling queues it again
                    if frozen is not None:
                        done += 1
                        if on_trial:
                            on_trial(frozen)
        except KeyboardInterrupt:
            for trial, _ in untold:
                self._queue_interrupted(trial._trial_id)
            raise
        except BaseException:
            self._fail_running([trial for trial, _ in untold])
            raise
        return done

    def _fail_stale_trials(self) -> None:
        """Trials of a worker that stopped (missed two heartbeats) failed, and their plans queued
        again, as Optuna's own loop does before each trial."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExperimentalWarning)
            optuna.storages.fail_stale_trials(self.study)

    def _tell(
        self, trial: optuna.Trial, candidate: Candidate, outcome: TrialOutcome
    ) -> FrozenTrial | None:
        """The trial recorded and told; None where another worker found it stale (a stall past
        the grace period) and runs its plan again: this worker's result is dropped."""
        try:
            return self.study.tell(trial, self._record(trial, candidate, outcome))
        except (ValueError, UpdateFinishedTrialError) as exc:
            if not _taken_over(exc):
                raise
            return None

    def _fail_running(self, trials: list[optuna.Trial]) -> None:
        """A batch that raised: its trials still running are failed, as Optuna fails the trial
        whose objective raised."""
        storage = self.study._storage
        for trial in trials:
            if storage.get_trial(trial._trial_id).state == TrialState.RUNNING:
                storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)

    def _ask(self) -> optuna.Trial:
        with warnings.catch_warnings():
            # Optuna warns that it beats a trial's heartbeat only inside `optimize`: a batch's
            # trials beat by `BatchHeartbeat` instead.
            warnings.filterwarnings("ignore", "Heartbeat of storage", UserWarning)
            return self.study.ask()


def trial_simulation(settings: StudySettings) -> dict:
    """How every trial simulates: the study's replications and seed (its common random numbers)
    and whether on the model's expected values."""
    return {
        "replications": settings.replications,
        "seed": settings.seed,
        "deterministic": settings.deterministic,
    }


def evaluate_candidate(
    scenario: Scenario, candidate: Candidate, settings: StudySettings, source: str
) -> TrialOutcome:
    """One trial's plan simulated on the study's common random numbers, and what it measured
    (here or in a worker process: the same numbers either way)."""
    simulation = trial_simulation(settings)
    return outcome_of(simulate_candidate(scenario, candidate, source=source, **simulation))


def evaluate_candidates(
    scenario: Scenario, candidates: list[Candidate], settings: StudySettings, source: str
) -> list[TrialOutcome]:
    """`evaluate_candidate` of each, the plans side by side where they can share a simulation."""
    simulation = trial_simulation(settings)
    results = simulate_candidates(scenario, candidates, source=source, **simulation)
    return [outcome_of(result) for result in results]


class TrialPool:
    """Simulates a batch's plans: here with one worker, else split into one group per worker
    process (fork where the platform has it, so a worker starts with the scenario already
    imported)."""

    def __init__(self, workers: int):
        self.workers = workers
        self._pool = None
        if workers > 1:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self._pool = ProcessPoolExecutor(workers, mp_context=context)

    def __enter__(self) -> TrialPool:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def evaluate(self, run: Optimisation, candidates: list[Candidate]) -> Iterator[TrialOutcome]:
        """The candidates' outcomes, in their order."""
        scenario, settings, source = run.scenario, run.settings, run.source
        if self._pool is None:
            return iter(evaluate_candidates(scenario, candidates, settings, source))
        size = -(-len(candidates) // self.workers)
        groups = [candidates[i : i + size] for i in range(0, len(candidates), size)]
        load_for([scenario])  # before the pool's first task forks its workers
        futures = [
            self._pool.submit(evaluate_candidates, scenario, group, settings, source)
            for group in groups
        ]
        return (outcome for future in futures for outcome in future.result())


def _taken_over(exc: Exception) -> bool:
    """Whether a trial failed because another worker had already marked it stale."""
    if isinstance(exc, UpdateFinishedTrialError):
        return True
    return str(exc).startswith("Cannot tell a FAIL trial")


def candidate_record(candidate: Candidate) -> dict:
    return {
        "shares": candidate.shares,
        "intensities": candidate.intensities,
        "policy": asdict(candidate.policy) if candidate.policy else None,
    }


def candidate_from_record(record: dict) -> Candidate:
    policy = Policy(**record["policy"]) if record.get("policy") else None
    return Candidate(dict(record["shares"]), dict(record["intensities"]), policy)


def open_optimisation(
    scenario: Scenario,
    settings: StudySettings,
    *,
    storage_url: str,
    study_name: str,
    source: str,
    heartbeat_seconds: int | None = None,
    warm_start: bool = True,
) -> Optimisation:
    """Create the study, or resume it when it exists with the same settings. `warm_start`
    enqueues the known plans in a new study (off only to measure the sampler on its own)."""
    space = search_space(scenario)
    problems = search_problems(space)
    if problems:  # before any storage is touched: nothing is created for a study that cannot run
        raise ScenarioError(source, problems)
    rdb = open_storage(storage_url, heartbeat_seconds)
    cached = optuna.storages.get_storage(rdb)  # Optuna's cache of the finished trials
    storage = BatchStorage(cached, BulkWriter(cached, rdb))
    sampler = _sampler(settings)
    try:
        study = optuna.create_study(
            storage=storage, study_name=study_name, sampler=sampler, directions=settings.directions
        )
        created = True
    except DuplicatedStudyError:
        study = optuna.load_study(storage=storage, study_name=study_name, sampler=sampler)
        created = False
    except Exception as exc:
        text = scrubbed(str(exc).splitlines()[0], storage_url)
        raise SmmsimError(
            f"cannot open study {study_name!r} in {shown(storage_url)}: {text}"
        ) from None
    fingerprint = _fingerprint(scenario, settings)
    if created:
        for key, value in fingerprint.items():
            study.set_user_attr(key, value)
        study.set_user_attr(HEARTBEAT, rdb.heartbeat_interval)
        if warm_start:
            _enqueue_known_plans(study, scenario, space)
        study.set_user_attr(READY, True)  # last: the settings above are all in place
    else:
        _wait_until_ready(study, study_name)
        _check_same_study(study, fingerprint, study_name)
        _join_heartbeat(study, rdb, heartbeat_seconds, study_name)
    return Optimisation(scenario, settings, space, study, source, created, _storage=rdb)


def _is_ready(study: optuna.Study) -> bool:
    """Marked ready by its creator, or already running: a trial beyond the queued ones means
    the settings were in place (a study made before the mark existed)."""
    if study.user_attrs.get(READY):
        return True
    return any(t.state != TrialState.WAITING for t in study.get_trials(deepcopy=False))


def _wait_until_ready(study: optuna.Study, name: str) -> None:
    """A worker that finds the study just created waits for its creator to record the settings
    and queue the known plans: checked against half-written settings, it would pass anything."""
    deadline = time.monotonic() + READY_WAIT_SECONDS
    while not _is_ready(study):
        if time.monotonic() > deadline:
            raise SmmsimError(
                f"study {name!r} was never set up by the worker that created it (it may have "
                "stopped while creating it); name a new study with --study"
            )
        time.sleep(0.2)


def _join_heartbeat(study: optuna.Study, storage, asked: int | None, name: str) -> None:
    """A resuming worker beats at the pace the study was created with: asked for another, it is
    refused, since the two paces would fail each other's live trials."""
    stored = study.user_attrs.get(HEARTBEAT)
    if stored is None:
        return
    if asked is not None and asked != stored:
        raise SmmsimError(
            f"study {name!r} runs with --heartbeat {stored}; a worker with --heartbeat {asked} "
            "would fail other workers' live trials: leave the option out, or give the same value"
        )
    use_heartbeat(storage, stored)


def _sampler(settings: StudySettings) -> TrialSeededSampler:
    with warnings.catch_warnings():
        # Multivariate TPE is marked experimental; it is what correlated shares need.
        warnings.simplefilter("ignore", ExperimentalWarning)
        return TrialSeededSampler(seed=settings.seed)


def _fingerprint(scenario: Scenario, settings: StudySettings) -> dict:
    return {
        "seed": settings.seed,
        "replications": settings.replications,
        "objective": settings.objective,
        "max_risk": settings.max_risk,
        "pareto": settings.pareto,
        "deterministic": settings.deterministic,
        "scenario": scenario_digest(scenario),
    }


def _check_same_study(study: optuna.Study, fingerprint: dict, name: str) -> None:
    stored = study.user_attrs
    differ = [k for k, v in fingerprint.items() if k in stored and stored[k] != v]
    if differ:
        details = ", ".join(f"{k} {stored[k]!r} (now {fingerprint[k]!r})" for k in differ)
        raise SmmsimError(
            f"study {name!r} was created with other settings: {details}; resume it with the "
            "same scenario and options, or name a new study with --study"
        )


def _enqueue_known_plans(study: optuna.Study, scenario: Scenario, space: SearchSpace) -> None:
    """Known plans, each with the planned tactics (and the planned test, when the policy is
    searched): when the split is searched, the marginal-return start, the split as written and
    the even spread; otherwise the plan as written. The sampler refines from the best of them
    instead of from random points alone."""
    planned = {tool: 1.0 for tool in (d.tool for d in space.dials)}
    policy = _written_policy(scenario) if space.policy is not None else None
    if not space.platforms:
        plans = [Candidate({}, planned, policy)]
    else:
        even = 1 / len(space.paid_ads)
        splits = (
            water_filling_split(scenario, space),
            _written_split(scenario, space),
            {tool: even for tool in space.paid_ads},
        )
        plans = [Candidate(split, planned, policy) for split in splits]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # values outside a range are clipped
        for plan in plans:
            study.enqueue_trial(space.parameters_of(plan), skip_if_exists=True)


def _written_split(s: Scenario, space: SearchSpace) -> dict[str, float]:
    """The paid ads' shares as the scenario writes them (even where it gives none)."""
    tools = {f"{p.name}/{t.name}": t for p in s.platforms for t in p.ad_tools()}
    days = s.campaign.days
    amounts = {}
    for name in space.paid_ads:
        t = tools[name]
        amounts[name] = (t.budget_share or 0) * s.campaign.budget + (t.daily_budget or 0) * days
    total = sum(amounts.values())
    if total <= 0:
        return {name: 1 / len(amounts) for name in amounts}
    return {name: value / total for name, value in amounts.items()}


def _written_policy(s: Scenario):
    test = s.strategy.test
    share = test.budget_of(s.campaign.budget) / s.campaign.budget
    r = s.optimise.policy_ranges
    share = min(max(share, r.test_share[0]), r.test_share[1])
    days = min(max(test.days, r.test_days[0]), r.test_days[1])
    q = min(max(s.strategy.decision.q, r.keep_q[0]), r.keep_q[1])
    return Policy(test_share=share, test_days=days, keep_q=q)
