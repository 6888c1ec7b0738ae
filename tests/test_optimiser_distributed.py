"""The distributed optimiser on a real PostgreSQL server: parallel workers, a killed one, secrets.

Every worker is the real `smmsim optimise` in its own process, as on several machines sharing one
`--storage postgresql://...` study; the tests then read the study back with Optuna. Each test gets
a fresh database on the session's throwaway server (`postgres_server`), as a new deployment does.
Every subprocess and poll has a timeout, so a hang fails the test instead of blocking CI.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import closing, suppress
from pathlib import Path

import optuna
import psycopg2
import pytest
from optuna.exceptions import ExperimentalWarning
from optuna.storages import RDBStorage
from optuna.trial import FrozenTrial, TrialState

from tests.helpers import kids_shop_fixed
from tests.postgres import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
# kids-shop made `fixed`, so that its split is searched (the bundled file tests its tools).
SCENARIO = kids_shop_fixed(Path(tempfile.mkdtemp(prefix="optimiser-distributed-")))
KNOWN_PLANS = 3  # the study's creator enqueues kids-shop's marginal-return, written and even splits
OUTPUT_FILES = ("optimise.json", "trials.csv", "best-allocation.csv", "optimise.html")
TRIAL_ATTRS = {"worker", "candidate", "cpa", "conversions", "risk"}
RUN_TIMEOUT_S = 90  # one worker process, start to exit
POLL_TIMEOUT_S = 60


def smmsim_command() -> list[str]:
    """The installed `smmsim` script beside this interpreter (a fresh clone's .venv), else the
    module; cwd is the repository root, so `-m cli` finds cli.py either way."""
    script = Path(sys.executable).with_name("smmsim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "smmsim.cli"]


def worker_env(**extra: str) -> dict[str, str]:
    """The caller's environment without anything that could hand a worker a database or a
    password behind the test's back (PGPASSWORD, PGHOST, SMMSIM_STORAGE)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "SMMSIM_STORAGE"}
    return {**env, **extra}


def optimise_args(
    out: Path,
    *,
    study: str,
    trials: int,
    storage: str | None,
    heartbeat: int | None = None,
    parallel: int | None = None,
) -> list[str]:
    args = ["optimise", str(SCENARIO), "--study", study, "--trials", str(trials)]
    args += ["--reps", "20", "--final-reps", "20", "--workers", "1", "--out", str(out)]
    if parallel is not None:
        args += ["--parallel-trials", str(parallel)]
    if storage is not None:
        args += ["--storage", storage]
    if heartbeat is not None:
        args += ["--heartbeat", str(heartbeat)]
    return args


@dataclasses.dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


class Worker:
    """One `smmsim` process in its own session (so a kill reaches any pool it starts); output goes
    to files, so a chatty process can never block on a full pipe."""

    def __init__(self, args: list[str], env: dict[str, str], logs: Path, name: str) -> None:
        logs.mkdir(parents=True, exist_ok=True)
        self.stdout_path = logs / f"{name}.stdout"
        self.stderr_path = logs / f"{name}.stderr"
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [*smmsim_command(), *args],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    @property
    def name(self) -> str:
        """The "worker" attribute its trials carry: the script runs in this very process."""
        return f"{socket.gethostname()}:{self.proc.pid}"

    def running(self) -> bool:
        return self.proc.poll() is None

    def signal(self, sig: signal.Signals) -> None:
        if self.running():
            os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        """SIGKILL the whole process group and reap it."""
        with suppress(ProcessLookupError):  # already gone
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def output(self) -> Finished:
        return Finished(
            self.proc.returncode,
            self.stdout_path.read_text(errors="replace"),
            self.stderr_path.read_text(errors="replace"),
        )

    def wait(self, timeout: float = RUN_TIMEOUT_S) -> Finished:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"smmsim ran past {timeout}s and was killed:\n{self.output().describe()}")
        return self.output()


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start workers; any still alive when the test ends (failed or not) is killed."""
    started: list[Worker] = []

    def start(args: list[str], name: str, env: dict[str, str] | None = None) -> Worker:
        worker = Worker(args, worker_env() if env is None else env, tmp_path / "logs", name)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.running():
            worker.kill()


def admin(server: PostgresServer, sql: str) -> None:
    conn = psycopg2.connect(**server.connect_kwargs(), connect_timeout=10)
    conn.autocommit = True  # CREATE/DROP DATABASE cannot run inside a transaction
    with closing(conn), conn.cursor() as cur:
        cur.execute(sql)


@pytest.fixture
def database(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    """The server with a fresh, empty database of its own: Optuna's tables do not exist yet."""
    name = f"smmsim_{secrets.token_hex(4)}"
    admin(postgres_server, f'CREATE DATABASE "{name}"')
    yield dataclasses.replace(postgres_server, database=name)
    admin(postgres_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def reader(database: PostgresServer) -> Iterator[Callable[[str], list[FrozenTrial] | None]]:
    """Reads a study's trials (None until it exists) through one engine, disposed of after.

    Opening it creates Optuna's tables, so the workers of a test using it find the schema made:
    the race to create the schema is tested on its own, and the CLI tests check the study's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        storage = RDBStorage(database.url())

    def trials(study: str) -> list[FrozenTrial] | None:
        try:
            loaded = optuna.load_study(study_name=study, storage=storage)
        except KeyError:
            return None
        return sorted(loaded.get_trials(deepcopy=True), key=lambda t: t.number)

    yield trials
    storage.engine.dispose()


def shown_url(server: PostgresServer) -> str:
    return server.url().replace(f":{server.password}@", ":***@")


def of_state(trials: list[FrozenTrial], state: TrialState) -> list[FrozenTrial]:
    return [t for t in trials if t.state == state]


def params_key(trial: FrozenTrial) -> tuple:
    return tuple(sorted(trial.params.items()))


def wait_for(condition: Callable[[], object], what: str, worker: Worker | None = None) -> object:
    """Poll until condition() is truthy; fail on timeout or when the worker exits first."""
    deadline = time.monotonic() + POLL_TIMEOUT_S
    while not (result := condition()):
        if worker is not None and not worker.running():
            pytest.fail(f"worker exited while waiting for {what}:\n{worker.output().describe()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {POLL_TIMEOUT_S}s waiting for {what}")
        time.sleep(0.05)
    return result


def assert_completed_trials_sound(complete: list[FrozenTrial]) -> None:
    """Every completed trial has its value and attributes, and no plan was evaluated twice."""
    for t in complete:
        assert t.values is not None and len(t.values) == 1, t.number
        assert set(t.user_attrs) >= TRIAL_ATTRS, (t.number, sorted(t.user_attrs))
        assert t.params, t.number
    keys = [params_key(t) for t in complete]
    duplicated = sorted(t.number for t in complete if keys.count(params_key(t)) > 1)
    assert not duplicated, f"trials {duplicated} evaluated the same plan"


def assert_outputs_clean(out: Path, password: str, server: PostgresServer) -> dict:
    """The output folder holds every file, none with the password; returns optimise.json."""
    for name in OUTPUT_FILES:
        assert (out / name).is_file(), f"{out / name} missing"
    for path in out.rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes(), f"password in {path}"
    document = json.loads((out / "optimise.json").read_text())
    assert document["storage"] == shown_url(server)
    return document


def assert_no_password(password: str, *runs: Finished) -> None:
    for run in runs:
        assert password not in run.stdout
        assert password not in run.stderr


def test_schema_creation_survives_workers_opening_a_fresh_database_together(
    database: PostgresServer,
) -> None:
    """Workers started together on a new database all race to create Optuna's tables; each must
    still open the storage (threads at a barrier make the race happen every time)."""
    from smmsim.simulator.studies.optimiser.storage import open_storage

    count = 4
    barrier = threading.Barrier(count)
    errors: list[str] = []
    storages = []

    def open_one() -> None:
        barrier.wait(timeout=30)
        try:
            storages.append(open_storage(database.url(), 30))
        except Exception as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=open_one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for storage in storages:
        storage.engine.dispose()
    assert not any(thread.is_alive() for thread in threads)
    assert all(database.password not in error for error in errors)
    assert errors == []


@pytest.mark.parametrize("parallel", [1, 8])
def test_two_workers_share_one_study(
    database: PostgresServer, reader, spawn, tmp_path: Path, parallel: int
) -> None:
    """One trial at a time, and in batches (the default): the trials of both workers' batches
    are numbered in one sequence, none runs twice."""
    # A batch completes 8 trials at once: enough of them that neither worker can finish the
    # study before the other has started.
    study, target = f"parallel{parallel}", 16 if parallel == 1 else 48
    url = database.url()
    outs = [tmp_path / "a", tmp_path / "b"]
    # Both start at once on a new study: each tries to create it and exactly one may.
    workers = [
        spawn(
            optimise_args(out, study=study, trials=target, storage=url, parallel=parallel), out.name
        )
        for out in outs
    ]
    runs = [worker.wait() for worker in workers]
    for run in runs:
        assert run.returncode == 0, run.describe()
    verbs = sorted(("created" in r.stderr, "resumed" in r.stderr) for r in runs)
    assert verbs == [(False, True), (True, False)], [r.stderr for r in runs]  # one creator

    trials = reader(study)
    assert trials is not None
    numbers = [t.number for t in trials]
    assert numbers == list(range(len(trials)))  # unique and gapless across both workers
    complete = of_state(trials, TrialState.COMPLETE)
    # Each worker stops once the study holds the target; the other's trials (a batch of them) may
    # be in flight then.
    assert target <= len(complete) <= target + (len(workers) - 1) * parallel
    assert of_state(trials, TrialState.RUNNING) == []
    assert of_state(trials, TrialState.WAITING) == []
    assert_completed_trials_sound(complete)
    by_worker = {
        w.name: [t.number for t in complete if t.user_attrs["worker"] == w.name] for w in workers
    }
    assert all(by_worker.values()), by_worker  # both completed trials
    assert {t.user_attrs["worker"] for t in complete} == set(by_worker)

    # The known plans went in once, by the creator alone, and each was evaluated once.
    known = [t for t in trials if "fixed_params" in t.system_attrs]
    assert len(known) == KNOWN_PLANS, [t.number for t in known]
    assert all(t.state == TrialState.COMPLETE for t in known)
    assert all(t.params == t.system_attrs["fixed_params"] for t in known)

    documents = [assert_outputs_clean(out, database.password, database) for out in outs]
    assert sum(d["trials"]["by_this_worker"] for d in documents) == len(complete)
    assert all(d["trials"]["failed"] == 0 for d in documents)
    assert_no_password(database.password, *runs)


@pytest.mark.parametrize("parallel", [1, 8])
def test_killed_worker_trials_fail_and_are_retried(
    database: PostgresServer, reader, spawn, tmp_path: Path, parallel: int
) -> None:
    """A worker killed mid-trial (one at a time) or mid-batch: each of its running trials
    misses its heartbeats, is failed by the next worker and run again, once, with its plan."""
    study = f"killed{parallel}"
    out = tmp_path / "out"

    def args(trials: int) -> list[str]:
        return optimise_args(
            out, study=study, trials=trials, storage=database.url(), heartbeat=1, parallel=parallel
        )

    first = spawn(args(10_000), "first")

    def mid_trial() -> bool:
        trials = reader(study) or []
        # Past the known plans, so the trials to kill hold plans the sampler proposed.
        return len(of_state(trials, TrialState.COMPLETE)) >= KNOWN_PLANS and any(
            t.state == TrialState.RUNNING for t in trials
        )

    # Freeze the worker, then look: kill it only while every trial it runs has its plan fully
    # suggested; otherwise (between two trials, or mid-proposal) let it run on and look again.
    names: set[str] = set()
    deadline = time.monotonic() + POLL_TIMEOUT_S
    while True:
        wait_for(mid_trial, "completed trials and a running one", first)
        first.signal(signal.SIGSTOP)
        stopped_at = time.monotonic()
        before = reader(study) or []
        complete_before = of_state(before, TrialState.COMPLETE)
        running = of_state(before, TrialState.RUNNING)
        names = set(complete_before[0].params)
        if running and all(set(t.params) == names for t in running):
            break
        first.signal(signal.SIGCONT)
        assert time.monotonic() < deadline, "never caught the worker mid-trial"
        time.sleep(0.05)
    first.kill()
    killed = running
    assert len(killed) <= parallel
    killed_output = first.output()

    # The killed worker's trials are stale once they have missed two 1 s heartbeats.
    time.sleep(max(0.0, stopped_at + 3.0 - time.monotonic()))
    target = len(complete_before) + len(killed) + 3
    second = spawn(args(target), "second")
    rerun = second.wait()
    assert rerun.returncode == 0, rerun.describe()
    assert "resumed" in rerun.stderr
    assert f"{len(complete_before)} of {target} trials completed" in rerun.stderr

    after = reader(study)
    assert after is not None
    by_number = {t.number: t for t in after}
    for trial in killed:
        assert by_number[trial.number].state == TrialState.FAIL
        retries = [t for t in after if t.system_attrs.get("failed_trial") == trial.number]
        assert len(retries) == 1, [t.number for t in retries]
        retry = retries[0]
        assert retry.system_attrs["retry_history"] == [trial.number]
        assert retry.state == TrialState.COMPLETE
        assert retry.params == trial.params
        assert retry.user_attrs["worker"] == second.name != first.name

    for t in complete_before:  # what the killed worker completed is kept as it was
        kept = by_number[t.number]
        assert kept.state == TrialState.COMPLETE
        assert (kept.params, kept.values) == (t.params, t.values)
        assert kept.user_attrs["worker"] == first.name
    complete = of_state(after, TrialState.COMPLETE)
    assert len(complete) == target
    assert of_state(after, TrialState.RUNNING) == []
    assert of_state(after, TrialState.FAIL) == [by_number[t.number] for t in killed]
    assert_completed_trials_sound(complete)

    document = assert_outputs_clean(out, database.password, database)
    assert document["trials"]["failed"] == len(killed)
    assert document["trials"]["by_this_worker"] == target - len(complete_before)
    assert_no_password(database.password, killed_output, rerun)


def test_storage_from_the_environment_and_pgpassword(
    database: PostgresServer, reader, spawn, tmp_path: Path
) -> None:
    study = "environment"
    out = tmp_path / "env"
    # SMMSIM_STORAGE instead of --storage; the three known plans make the whole study.
    env = worker_env(SMMSIM_STORAGE=database.url())
    args = optimise_args(out, study=study, trials=KNOWN_PLANS, storage=None)
    run = spawn(args, "env", env).wait()
    assert run.returncode == 0, run.describe()
    assert f"created in {shown_url(database)}" in run.stderr
    assert_outputs_clean(out, database.password, database)
    trials = reader(study)
    assert trials is not None
    assert len(of_state(trials, TrialState.COMPLETE)) == KNOWN_PLANS

    # A URL without the password, which libpq then reads from PGPASSWORD: the study resumes.
    bare = database.url(password=False)
    out_pg = tmp_path / "pgpassword"
    args = optimise_args(out_pg, study=study, trials=KNOWN_PLANS, storage=bare)
    resumed = spawn(args, "pgpassword", worker_env(PGPASSWORD=database.password)).wait()
    assert resumed.returncode == 0, resumed.describe()
    assert f"resumed in {bare}" in resumed.stderr
    for path in out_pg.rglob("*"):
        if path.is_file():
            assert database.password.encode() not in path.read_bytes(), path
    assert json.loads((out_pg / "optimise.json").read_text())["storage"] == bare
    assert_no_password(database.password, run, resumed)


def test_wrong_password_fails_cleanly_without_echoing_it(
    database: PostgresServer, spawn, tmp_path: Path
) -> None:
    wrong = secrets.token_urlsafe(18)  # shares nothing with the real one
    server = dataclasses.replace(database, password=wrong)
    out = tmp_path / "wrong"
    args = optimise_args(out, study="wrong", trials=KNOWN_PLANS, storage=server.url())
    run = spawn(args, "wrong").wait()
    assert run.returncode != 0, run.describe()
    assert "Traceback" not in run.stdout + run.stderr
    assert shown_url(server) in run.stderr
    assert "password authentication failed" in run.stderr
    assert_no_password(wrong, run)
    assert_no_password(database.password, run)
    for path in out.rglob("*") if out.exists() else ():
        if path.is_file():
            assert wrong.encode() not in path.read_bytes(), path
