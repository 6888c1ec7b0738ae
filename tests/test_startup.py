"""What each command imports: the heavy libraries load only in the commands that use them.

Start-up time is most of a short command's wall time (`smmsim --help` would take a second with
pandas, plotly, optuna and scipy loaded). Timing a subprocess in a test would be flaky, so these
tests check the property behind the speed instead: which modules a fresh interpreter has loaded
after a command.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from smmsim.scenarios.bundled import example_path

REPOSITORY = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "pandas", "plotly", "optuna", "scipy", "simpy", "rich", "sqlalchemy", "pydantic")


def loaded_after(*args: str) -> set[str]:
    """The heavy top-level packages a fresh interpreter has imported after `smmsim ARGS`."""
    return {m.split(".")[0] for m in modules_loaded_after(*args)} & set(HEAVY)


def modules_loaded_after(*args: str) -> set[str]:
    """Every module a fresh interpreter has imported after `smmsim ARGS`."""
    code = (
        "import json, sys\n"
        "from smmsim.cli import main\n"
        "try:\n"
        f"    main({list(args)!r})\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["run", "--help"],
        ["optimise", "--help"],
        ["calibrate", "--help"],
        ["brief", "--help"],
        ["--version"],
    ],
)
def test_help_imports_no_heavy_library(args):
    assert loaded_after(*args) == set()


@pytest.mark.parametrize("example", ["kids-shop", "reputation-rush"])
def test_validate_imports_neither_the_engine_nor_the_report_libraries(example):
    # A scenario needs pydantic (the schema), and numpy only for a tactic's schedule; nothing
    # that draws, tabulates or plots, and no scipy solver for the interval priors.
    loaded = loaded_after("validate", str(example_path(example)))
    assert loaded <= {"numpy", "pydantic"}
    if example == "kids-shop":  # ads only: no schedules to count
        assert loaded == {"pydantic"}


def test_run_imports_no_optimiser_library(tmp_path):
    # `run` prints the run's headline; the headline module knows every command's result type,
    # and names them only for type checking, so optuna stays out of `run`.
    args = ["run", str(example_path("kids-shop")), "--reps", "20", "--workers", "1"]
    loaded = loaded_after(*args, "--out", str(tmp_path / "out"))
    assert "optuna" not in loaded
    assert "sqlalchemy" not in loaded


@pytest.mark.parametrize("command", ["run", "size-test"])
def test_a_command_without_out_imports_no_plotting_library(command):
    # The pages (and plotly) load only when a report is written; a console answer needs
    # neither, only the kit's number formats.
    args = [command, str(example_path("kids-shop")), "--reps", "20", "--workers", "1"]
    if command == "size-test":
        args += ["--budgets", "200,400", "--durations", "14"]
    assert "plotly" not in loaded_after(*args)


def test_no_simulating_command_imports_the_table_library_to_write_its_files(tmp_path):
    # pandas (0.4 s to import, with pyarrow) builds the frames a notebook asks for; the CSV
    # files of a run, a comparison, a sweep and a study are written from plain columns
    # (`scenarios.tables`), and size-test solves its classical sample size itself (statsmodels,
    # which imports pandas, is only the tests' reference).
    args = ["run", str(example_path("kids-shop")), "--reps", "20", "--workers", "1"]
    assert "pandas" not in loaded_after(*args)
    assert "pandas" not in loaded_after(*args, "--out", str(tmp_path / "out"))
    compare = ["compare", *args[1:], "--out", str(tmp_path / "compared")]
    sizing = ["size-test", *args[1:], "--budgets", "200", "--durations", "14"]
    optimise = ["optimise", *args[1:], "--trials", "2", "--out", str(tmp_path / "optimised")]
    for command in (compare, [*sizing, "--out", str(tmp_path / "sized")], optimise):
        loaded = loaded_after(*command)
        assert "pandas" not in loaded, command[0]


def test_brief_imports_neither_the_engine_nor_the_report_libraries(tmp_path):
    # A brief writes and validates a scenario: the schema (pydantic), and numpy only where the
    # plan has community posts whose schedule is counted, as `validate` does; nothing that
    # draws, tabulates or plots.
    args = ["brief", "--sector", "children", "--budget-per-month", "4000", "--start",
            "2027-03-01", "--community-people", "1", "--content-per-week", "4"]  # fmt: skip
    ads_only = loaded_after(*args, "--goal", "new-sales", "--out", str(tmp_path / "a.yaml"))
    assert ads_only == {"pydantic"}
    community = loaded_after(*args, "--goal", "order-value", "--out", str(tmp_path / "b.yaml"))
    assert community <= {"numpy", "pydantic"}


def test_track_loads_none_of_the_calibrations_fitting(tmp_path):
    # track reads exports with the calibration's importers and summarises the import, but
    # fits nothing: scipy.stats and scipy.optimize (about a second) stay out of it.
    actuals = REPOSITORY / "calibration" / "examples" / "kids-shop-march-actuals.csv"
    arms = ["LS Spring - Prospecting=facebook/paid_ads", "LS Spring - TikTok test=tiktok/paid_ads"]
    args = ["track", str(example_path("kids-shop")), str(actuals), "--as-of", "2027-03-31"]
    args += [f"--arm={arm}" for arm in arms]
    args += ["--reps", "20", "--trials", "1", "--workers", "1", "--out", str(tmp_path / "out")]
    fitting = {"scipy.stats", "scipy.optimize"}
    assert modules_loaded_after(*args) & fitting == set()


def test_calibrate_fits_without_scipy_stats(tmp_path):
    # the fits' intervals and tests read scipy.special (`scenarios/distributions.py`, the same
    # numbers): scipy.stats, 0.6-1.4 s to import, stays out; its solvers (scipy.optimize) do not
    examples = REPOSITORY / "calibration" / "examples"
    exports = [str(examples / f"ab_test_{group}_group.csv") for group in ("control", "test")]
    args = ["calibrate", *exports, "--group-by", "campaign", "--out", str(tmp_path / "out")]
    loaded = modules_loaded_after(*args)
    assert "scipy.optimize" in loaded and "scipy.stats" not in loaded
