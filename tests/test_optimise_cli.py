"""`smmsim optimise` as a planner runs it: the outputs on disk, the plan written back, resuming
the same command (also after Ctrl-C), a storage URL's password kept secret, and the usual error
lines for bad input.

Runs are kids-shop (made `fixed`) with few trials and replications. Ctrl-C and the storage
error run the real `smmsim` in a subprocess, so that signals, logging and warnings are what a
terminal gets; every subprocess and poll has a timeout, so a hang fails the test instead of
blocking the suite.
"""

from __future__ import annotations

import csv
import json
import logging
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

import optuna
import pytest
import yaml
from click.testing import CliRunner
from optuna.trial import TrialState

import smmsim.simulator.studies.optimiser.study as study_module
from smmsim.cli import main
from smmsim.scenarios.errors import SmmsimError
from smmsim.scenarios.loader import load_scenario, read_yaml
from smmsim.scenarios.rounding import RULES
from smmsim.simulator.studies.optimiser.storage import open_storage, shown, with_driver
from tests.helpers import interrupting, kids_shop_fixed

ROOT = Path(__file__).resolve().parent.parent
# kids-shop as a `fixed` plan, so that its split is what the study searches (the bundled file
# tests its tools, and the optimiser searches that test's policy instead).
KIDS = kids_shop_fixed(Path(tempfile.mkdtemp(prefix="optimise-cli-")))
STUDY = "kids-shop-fixed-cpa"  # the default name: the file's and the question's
OUTPUT_FILES = {
    "optimise.json",
    "trials.csv",
    "best-allocation.csv",
    "optimise.html",
    "plotly.min.js",
    "study.db",
}
SMALL = ["--trials", "5", "--reps", "20", "--final-reps", "40", "--workers", "1"]
TIMEOUT_S = 90

optuna.logging.set_verbosity(optuna.logging.WARNING)


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def smmsim() -> list[str]:
    """The installed `smmsim` script beside this interpreter, else the same entry point."""
    script = Path(sys.executable).with_name("smmsim")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from cli import main; sys.exit(main())"]


def sqlite_url(out: Path) -> str:
    return f"sqlite:///{(out / 'study.db').resolve()}"


def completed(out: Path) -> list[optuna.trial.FrozenTrial]:
    study = optuna.load_study(study_name=STUDY, storage=sqlite_url(out))
    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


@pytest.fixture(scope="module")
def optimised(tmp_path_factory) -> tuple[Path, Path, object]:
    """One small optimisation of kids-shop: (out folder, written scenario, CLI result)."""
    base = tmp_path_factory.mktemp("optimise")
    out, written = base / "out", base / "best.yaml"
    result = invoke("optimise", KIDS, *SMALL, "--out", out, "--write-scenario", written)
    assert result.exit_code == 0, result.output
    return out, written, result


# --- one run and its outputs ---------------------------------------------------------------------


def test_optimise_writes_every_output(optimised):
    out, written, result = optimised
    assert {p.name for p in out.iterdir()} == OUTPUT_FILES  # no temporary files left behind
    assert written.is_file()
    assert f"wrote {out}/: optimise.json trials.csv best-allocation.csv optimise.html" in (
        result.stdout
    )
    assert f"study '{STUDY}' created in {sqlite_url(out)}: 0 of 5 trials completed" in (
        result.stderr
    )


def test_the_document_records_the_seed_and_the_completed_trials(optimised):
    out, _, _ = optimised
    document = json.loads((out / "optimise.json").read_text())
    assert document["seed"] == 7 and document["replications_per_trial"] == 20
    assert document["trials"] == {
        "completed": 5,
        "failed": 0,
        "by_this_worker": 5,
        "target": 5,
        "at_a_time": 8,  # the default batch, which reproducing the study needs
    }
    assert document["evaluation"]["replications"] == 40
    assert document["study"] == STUDY and document["storage"] == sqlite_url(out)
    assert document["search_space"]["platform_limits"] == {  # the file's, in EUR
        "facebook": {"min_spend": 0, "max_spend": None},
        "instagram": {"min_spend": 1500, "max_spend": None},
        "tiktok": {"min_spend": 0, "max_spend": 3000},
    }


def test_trials_csv_has_a_row_per_trial_with_the_best_so_far(optimised):
    out, _, _ = optimised
    rows = list(csv.DictReader((out / "trials.csv").open()))
    assert [int(r["number"]) for r in rows] == list(range(5))
    seed = json.loads((out / "optimise.json").read_text())["seed"]
    for name in ("trials.csv", "best-allocation.csv"):  # every output records its seed
        assert {r["seed"] for r in csv.DictReader((out / name).open())} == {str(seed)}
    best = [float(r["best_so_far"]) for r in rows]
    assert best == sorted(best, reverse=True)  # CPA: the best so far never rises
    assert best[-1] == min(float(r["value"]) for r in rows)


def test_best_allocation_csv_splits_the_paid_ads_budget(optimised):
    out, _, _ = optimised
    rows = list(csv.DictReader((out / "best-allocation.csv").open()))
    assert [r["tool"] for r in rows] == [
        "facebook/paid_ads",
        "instagram/paid_ads",
        "tiktok/paid_ads",
    ]
    shares = [float(r["share"]) for r in rows]
    # each share is written to 4 significant digits: the sum is 1 within their rounding
    rounding = sum(RULES["rate"].bound(share) for share in shares)
    assert sum(shares) == pytest.approx(1.0, abs=rounding + 1e-12)


def test_the_written_scenario_has_the_best_split_and_runs(optimised):
    out, written, _ = optimised
    document = json.loads((out / "optimise.json").read_text())
    s = load_scenario(written)
    shares = {f"{p.name}/{t.name}": t.budget_share for p in s.platforms for t in p.ad_tools()}
    assert shares == pytest.approx(document["best"]["candidate"]["shares"], abs=1e-4)
    assert read_yaml(written)["platforms"][2]["tools"][0]["cpm"] == {"p5": 1.5, "p95": 5.0}
    result = invoke("run", written, "--reps", 20, "--workers", 1)
    assert result.exit_code == 0, result.output


def test_json_format_prints_the_document(tmp_path):
    result = invoke(
        "optimise", KIDS, *SMALL, "--trials", 3, "--seed", 11, "--out", tmp_path, "--format", "json"
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["seed"] == 11
    assert document["trials"]["completed"] == 3
    assert document["best"]["number"] in range(3)


def test_parallel_trials_give_the_same_study_twice(tmp_path):
    """--parallel-trials 2 simulates two plans at a time in worker processes; the same command
    gives the same trials again (the batch size is part of what fixes the proposals)."""
    runs = []
    for name in ("first", "second"):
        out = tmp_path / name
        result = invoke("optimise", KIDS, *SMALL, "--parallel-trials", 2, "--out", out)
        assert result.exit_code == 0, result.output
        document = json.loads((out / "optimise.json").read_text())
        assert document["trials"]["completed"] == 5
        runs.append([(t.number, t.params, t.values) for t in completed(out)])
    assert runs[0] == runs[1]


# --- resuming ------------------------------------------------------------------------------------


def test_the_same_command_resumes_the_study(optimised, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(optimised[0], out)
    before = [(t.number, t.params, t.values) for t in completed(out)]
    result = invoke("optimise", KIDS, *SMALL, "--out", out)
    assert result.exit_code == 0, result.output
    assert f"study '{STUDY}' resumed in {sqlite_url(out)}: 5 of 5 trials completed" in (
        result.stderr
    )
    study = optuna.load_study(study_name=STUDY, storage=sqlite_url(out))
    assert len(study.trials) == 5  # no new trial, and none waiting
    assert [(t.number, t.params, t.values) for t in completed(out)] == before
    assert json.loads((out / "optimise.json").read_text())["trials"]["by_this_worker"] == 0


def wait_for(condition, what: str, timeout: float = TIMEOUT_S, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def completed_count(out: Path, log: Path) -> int:
    """Completed trials in the study, once the worker has said it created it (before that the
    file may be half made). Read with one read-only query: opening the study with Optuna (its
    schema check, its ORM) took long enough under load for the worker to finish meanwhile."""
    if "created in" not in log.read_text(encoding="utf-8", errors="replace"):
        return 0
    uri = f"{(out / 'study.db').as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=5)) as db:
        query = "SELECT COUNT(*) FROM trials WHERE state = 'COMPLETE'"
        return db.execute(query).fetchone()[0]


# Enough trials (100 replications each) that they cannot all finish while the test, under load,
# counts the first 3: with SQLite's write-ahead log a 10-replication trial took a few
# milliseconds, and a default batch of 8 side by side completes 8 at once (40 trials of 40
# replications were once done before the signal).
INTERRUPTED_TRIALS = 80
INTERRUPTED_ARGS = [
    *("--trials", str(INTERRUPTED_TRIALS), "--reps", "100", "--final-reps", "20"),
    *("--workers", "1"),
]


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory) -> tuple[Path, int, str, dict]:
    """`smmsim optimise` aiming at 80 trials, sent SIGINT once 3 have completed:
    (out folder, exit code, stderr, {number: (params, value)} of the trials completed)."""
    out = tmp_path_factory.mktemp("interrupted") / "out"
    log = out.parent / "stderr.txt"
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [*smmsim(), "optimise", str(KIDS), *INTERRUPTED_ARGS, "--out", str(out)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            # Ctrl-C's default action in the worker, whatever the test runner inherited: a shell
            # starts a background job with SIGINT ignored, a disposition exec keeps, and Python
            # then raises no KeyboardInterrupt (the worker ran on to exit 0).
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            wait_for(
                lambda: completed_count(out, log) >= 3 or proc.poll() is not None,
                "3 completed trials",
            )
            assert proc.poll() is None, log.read_text()  # still running: the rest take longer
            proc.send_signal(signal.SIGINT)
            code = proc.wait(timeout=TIMEOUT_S)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    before = {t.number: (t.params, t.value) for t in completed(out)}
    return out, code, log.read_text(), before


def test_ctrl_c_exits_130_and_says_how_to_resume(interrupted):
    out, code, text, before = interrupted
    assert code == 130, text
    assert 3 <= len(before) < INTERRUPTED_TRIALS
    assert (
        f"interrupted: {len(before)} completed trials are stored in {sqlite_url(out)}; "
        "run the same command to resume"
    ) in text


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_ctrl_c_inside_a_trial_logs_no_traceback(tmp_path, monkeypatch):
    """Fixed: Optuna logged the interrupted trial at WARNING with its KeyboardInterrupt
    traceback, and `quiet_optuna` kept WARNING (seen whenever Ctrl-C landed inside a trial of
    Optuna's own loop; smmsim now asks and tells every trial itself).

    In process and deterministic: the second trial's simulation is interrupted, and every
    record Optuna's logger lets through at the CLI's verbosity is collected. The interrupted
    trial is stored failed and its plan (the plan as written) queued again for the resume."""
    interrupting(monkeypatch, 2)
    records = Records()
    logger = logging.getLogger("optuna")
    logger.addHandler(records)
    try:
        result = invoke("optimise", KIDS, *SMALL, "--parallel-trials", 1, "--out", tmp_path / "out")
    finally:
        logger.removeHandler(records)
    assert result.exit_code == 130, result.output
    assert [r.getMessage() for r in records.records if r.exc_info] == []
    assert "Traceback" not in result.output
    study = optuna.load_study(study_name=STUDY, storage=sqlite_url(tmp_path / "out"))
    trials = sorted(study.trials, key=lambda t: t.number)
    assert [t.state for t in trials] == [
        TrialState.COMPLETE,
        TrialState.FAIL,
        TrialState.WAITING,  # the even spread, not reached
        TrialState.WAITING,  # the plan as written, again
    ]
    assert trials[3].user_attrs == {study_module.INTERRUPTED: 1}
    assert trials[3].system_attrs["fixed_params"] == trials[1].params


def test_ctrl_c_while_optuna_stores_a_trial_is_still_a_ctrl_c(tmp_path, monkeypatch):
    """Fixed: a Ctrl-C landing while Optuna writes a trial's state reached the user as an
    UnboundLocalError traceback (exit 1), Optuna's own bookkeeping masking the interrupt on its
    way out. It exits 130 like any Ctrl-C, and the trial it stopped is run again on resume."""
    from optuna.storages import RDBStorage

    real = RDBStorage.set_trial_state_values
    calls = []

    def interrupted_second_store(self, trial_id, state, values=None):
        if state == TrialState.COMPLETE:
            calls.append(trial_id)
            if len(calls) == 2:
                raise KeyboardInterrupt
        return real(self, trial_id, state, values)

    monkeypatch.setattr(RDBStorage, "set_trial_state_values", interrupted_second_store)
    out = tmp_path / "out"
    result = invoke("optimise", KIDS, *SMALL, "--out", out)
    assert result.exit_code == 130, result.output
    assert "Traceback" not in result.output and "UnboundLocalError" not in result.output
    monkeypatch.undo()
    resumed = invoke("optimise", KIDS, *SMALL, "--out", out)
    assert resumed.exit_code == 0, resumed.output
    assert len(completed(out)) == int(SMALL[SMALL.index("--trials") + 1])


def test_the_same_command_after_ctrl_c_finishes_the_study_keeping_every_trial(interrupted):
    """Every completed trial is kept; a trial the signal stopped mid-simulation (where it
    landed) is run again, marked with its number."""
    out, _, _, before = interrupted
    study = optuna.load_study(study_name=STUDY, storage=sqlite_url(out))
    # A trial the signal stopped before it proposed a plan has nothing to run again.
    failed = {t.number: t.params for t in study.get_trials(states=(TrialState.FAIL,)) if t.params}
    result = invoke("optimise", KIDS, *INTERRUPTED_ARGS, "--out", out)
    assert result.exit_code == 0, result.output
    resumed = f"study '{STUDY}' resumed in {sqlite_url(out)}: {len(before)} of {INTERRUPTED_TRIALS}"
    assert resumed in result.stderr
    after = {t.number: (t.params, t.value) for t in completed(out)}
    assert len(after) == INTERRUPTED_TRIALS
    assert {n: after[n] for n in before} == before
    retried = {
        t.user_attrs[study_module.INTERRUPTED]: t.params
        for t in completed(out)
        if study_module.INTERRUPTED in t.user_attrs
    }
    assert retried == failed


# --- a secret in the storage URL -----------------------------------------------------------------


@pytest.mark.parametrize(
    "scheme",
    [
        "postgresql",  # SQLAlchemy's default driver for the scheme
        "postgresql+psycopg2",  # the driver smmsim depends on: a real connection attempt
    ],
)
def test_a_storage_password_never_reaches_the_terminal(tmp_path, scheme):
    """Nothing listens on port 1: opening the storage fails at once, and the message names it
    with the password as ***."""
    url = f"{scheme}://user:s3cretPW@127.0.0.1:1/db"
    proc = subprocess.run(
        [*smmsim(), "optimise", str(KIDS), *SMALL, "--out", str(tmp_path), "--storage", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 1, proc.stderr
    assert "s3cretPW" not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(
        f"cannot open the study storage {scheme}://user:***@127.0.0.1:1/db: "
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:pw@db.example:5432/smm", "postgresql+psycopg2://u:pw@db.example:5432/smm"),
        ("postgres://u:pw@db.example/smm", "postgresql+psycopg2://u:pw@db.example/smm"),
        ("postgresql+psycopg2://u:pw@db/smm", "postgresql+psycopg2://u:pw@db/smm"),
        ("postgresql+pg8000://u:pw@db/smm", "postgresql+pg8000://u:pw@db/smm"),  # as asked
        ("sqlite:////tmp/study.db", "sqlite:////tmp/study.db"),
        ("mysql://u:pw@db/smm", "mysql://u:pw@db/smm"),
    ],
)
def test_a_bare_postgres_scheme_gets_the_driver_smmsim_installs(url, expected):
    """Only the bare schemes change; redaction reads the rewritten URL as it read the given."""
    assert with_driver(url) == expected
    if ":pw@" in url:
        assert ":pw@" not in shown(with_driver(url))
        assert shown(with_driver(url)) == expected.replace(":pw@", ":***@")


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg2"])
def test_every_postgres_scheme_connects_and_hides_the_password(tmp_path, scheme):
    """In process: the URL as given is named with *** for its password, and the error is the
    driver's refused connection (no missing-dialect or missing-driver error for either bare
    scheme)."""
    url = f"{scheme}://user:s3cretPW@127.0.0.1:1/db"
    result = invoke("optimise", KIDS, *SMALL, "--out", tmp_path / "out", "--storage", url)
    assert result.exit_code == 1, result.output
    assert "s3cretPW" not in result.output
    assert result.stderr.startswith(
        f"cannot open the study storage {scheme}://user:***@127.0.0.1:1/db: "
        "(psycopg2.OperationalError) connection to server at"
    ), result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


MEMORY = "sqlite:///:memory:"


def test_a_storage_in_memory_is_refused(tmp_path):
    """A study in memory would be lost at the end of the command: it could not be resumed."""
    result = invoke("optimise", KIDS, *SMALL, "--out", tmp_path / "out", "--storage", MEMORY)
    assert result.exit_code == 1, result.output
    assert result.stderr.endswith(
        " is in memory: a study there can neither be resumed nor shared; give a file "
        "(sqlite:///path/study.db) or a database server\n"
    )
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
    with pytest.raises(SmmsimError, match="is in memory"):
        open_storage("sqlite:///file::memory:?cache=shared", None)


# Fixed: `shown` renders the URL through SQLAlchemy, which percent-encodes the colons:  the
# message names 'sqlite:///%3Amemory%3A', not the URL the planner typed
def test_the_refusal_names_the_memory_url_as_typed(tmp_path):
    with pytest.raises(SmmsimError) as info:
        open_storage(MEMORY, None)
    assert str(info.value).startswith(f"the study storage {MEMORY} is in memory")


# Fixed: open_storage refuses only URLs containing ':memory:', but SQLAlchemy opens  SQLite in
# memory for an empty database too (`sqlite://`, `sqlite:///`), so those run a  whole study that
# no command can resume
@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite+pysqlite://"])
def test_every_sqlite_url_in_memory_is_refused(url):
    with pytest.raises(SmmsimError, match="is in memory"):
        open_storage(url, None)


# --- bad input -----------------------------------------------------------------------------------


def test_an_unknown_file_exits_2_with_the_usual_line(tmp_path):
    missing = tmp_path / "nope.yaml"
    result = invoke("optimise", missing, *SMALL, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr == f"{missing}: no such file\n"
    assert not (tmp_path / "out").exists()


def test_an_invalid_optimise_block_exits_2_with_the_field_line(tmp_path):
    """The block failed, so the rules that read it (the mistyped platform) wait for a fix."""
    data = read_yaml(KIDS)
    data["optimise"]["platforms"]["tiktk"] = data["optimise"]["platforms"].pop("tiktok")
    data["optimise"]["max_risk"] = 1.5
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = invoke("optimise", path, *SMALL, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}: optimise.max_risk: Input should be less than 1 (got 1.5)",
    ]
    assert "Traceback" not in result.output


def test_an_unknown_platform_limit_exits_2_with_a_hint(tmp_path):
    data = read_yaml(KIDS)
    data["optimise"]["platforms"]["tiktk"] = data["optimise"]["platforms"].pop("tiktok")
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = invoke("optimise", path, *SMALL, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}: optimise.platforms.tiktk: no such platform (did you mean 'tiktok'?) "
        "(got 'tiktk')",
    ]
