"""Bad command-line input and unsafe outputs (issue 16, item 6): each is one line and a non-zero
exit, never a traceback; no file a user gave is overwritten; an output folder holds the old set
or the new one, never both mixed; CSV cells a spreadsheet would run as formulas are neutralised.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import warnings
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from optuna.exceptions import StorageInternalError
from sqlalchemy.exc import OperationalError

import smmsim.scenarios.exports as exports
import smmsim.scenarios.files as files
from smmsim.cli import main
from smmsim.simulator.reports import run_files
from smmsim.simulator.studies.optimiser.study import Optimisation
from tests.helpers import minimal_scenario_data

ROOT = Path(__file__).resolve().parents[1]
KIDS = ROOT / "scenarios" / "examples" / "kids-shop.yaml"
AB_CONTROL = ROOT / "calibration" / "examples" / "ab_test_control_group.csv"
SECRET = "s3cr3t-pw"
TINY_OPTIMISE = ["--trials", "2", "--reps", "10", "--final-reps", "20", "--workers", "1"]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def one_line_error(result, exit_code: int = 1) -> str:
    """The single stderr line of a refused command (and no traceback anywhere)."""
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def write_plan(folder: Path, data: dict | None = None, name: str = "plan.yaml") -> Path:
    data = data or minimal_scenario_data()
    data["campaign"]["start"] = data["campaign"]["start"].isoformat()
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# --- options whose range and code disagreed ------------------------------------------------------


@pytest.mark.parametrize(
    ("margin", "rule"),
    [
        ("0", "0.0 is not in the range 0.01<=x<=5"),  # no classical A/B size tells a 0% gap
        ("nan", "'nan' is not a number in the range 0.01<=x<=5"),  # NaN passed every comparison
        ("inf", "inf is not in the range 0.01<=x<=5"),
    ],
)
def test_size_test_margin_outside_what_works_is_one_line(margin, rule):
    result = invoke("size-test", KIDS, "--margin", margin, "--reps", 20)
    assert result.exit_code == 2, result.output  # click's usage error
    assert "Traceback" not in result.output
    assert f"Invalid value for '--margin': {rule}" in result.stderr


@pytest.mark.parametrize(
    ("command", "option", "rule"),
    [
        ("size-test", "--target-pcs", "0.5<x<1"),
        ("optimise", "--max-risk", "0<x<1"),
    ],
)
def test_nan_is_refused_by_every_bounded_float_option(command, option, rule):
    """click's FloatRange compares NaN as inside any range; each such option refuses it."""
    result = invoke(command, KIDS, option, "nan")
    assert result.exit_code == 2, result.output
    assert f"'nan' is not a number in the range {rule}" in result.stderr


def test_the_smallest_margin_sizes_a_test(tmp_path):
    """The lower bound is one that works: the classical size of a 1% gap is finite."""
    result = invoke("size-test", KIDS, "--margin", "0.01", "--reps", 20, "--points", 3,
                    "--durations", "14", "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output


# --- init ----------------------------------------------------------------------------------------


def test_init_into_a_folder_that_cannot_be_made_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    line = one_line_error(invoke("init", blocker / "plan.yaml"))
    assert line.startswith(f"{blocker / 'plan.yaml'}: cannot write the scenario: ")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_init_into_a_read_only_folder_is_one_line(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    line = one_line_error(invoke("init", folder / "plan.yaml"))
    assert line == f"{folder / 'plan.yaml'}: cannot write the scenario: Permission denied"


# --- --write-scenario never replaces an input, nor an existing file without --force --------------


def test_calibrate_refuses_to_write_the_scenario_over_its_own_data(tmp_path):
    data = tmp_path / "export.csv"
    shutil.copy(AB_CONTROL, data)
    before = data.read_bytes()
    result = invoke("calibrate", data, "--platform", "facebook", "--out", tmp_path / "cal",
                    "--write-scenario", data, "--force")  # fmt: skip
    line = one_line_error(result)
    assert line == (
        f"{data}: --write-scenario would overwrite the data file {data}, an input of this "
        "command; write to another file"
    )
    assert data.read_bytes() == before
    assert not (tmp_path / "cal").exists()  # refused before any work


def test_calibrate_refuses_to_write_the_scenario_over_its_plan(tmp_path):
    plan = write_plan(tmp_path)
    result = invoke("calibrate", AB_CONTROL, "--platform", "facebook", "--out", tmp_path / "cal",
                    "--plan", plan, "--write-scenario", plan, "--force")  # fmt: skip
    assert "would overwrite the plan" in one_line_error(result)


def test_calibrate_replaces_an_existing_scenario_only_with_force(tmp_path):
    target = tmp_path / "calibrated.yaml"
    target.write_text("# mine\n")
    args = ["calibrate", AB_CONTROL, "--platform", "facebook", "--group-by", "campaign",
            "--out", tmp_path / "cal", "--write-scenario", target]  # fmt: skip
    line = one_line_error(invoke(*args))
    assert line == f"{target}: already exists; pass --force to overwrite it"
    assert target.read_text() == "# mine\n"
    result = invoke(*args, "--force")
    assert result.exit_code == 0, result.output
    assert "platforms" in yaml.safe_load(target.read_text())


def test_optimise_refuses_an_existing_scenario_before_any_trial(tmp_path):
    target = tmp_path / "best.yaml"
    target.write_text("# mine\n")
    out = tmp_path / "opt"
    result = invoke("optimise", KIDS, *TINY_OPTIMISE, "--out", out, "--write-scenario", target)
    assert one_line_error(result) == f"{target}: already exists; pass --force to overwrite it"
    assert not out.exists()  # no study was opened


def test_optimise_refuses_to_write_over_the_plan_it_optimises_even_with_force(tmp_path):
    plan = write_plan(tmp_path)
    result = invoke("optimise", plan, *TINY_OPTIMISE, "--out", tmp_path / "opt",
                    "--write-scenario", plan, "--force")  # fmt: skip
    assert "would overwrite the scenario being optimised" in one_line_error(result)


# --- --out is checked before any simulation ------------------------------------------------------


def never(*args, **kwargs):
    raise AssertionError("the work ran although --out cannot be written")


WORK = {  # each command's first costly step, which must not start
    "run": ("smmsim.simulator.studies.run.run_plan", []),
    "compare": ("smmsim.simulator.studies.comparison.run_comparison", []),
    "size-test": ("smmsim.simulator.studies.sizing.sweep.run_sweep", []),
    "check": ("smmsim.simulator.studies.risk.check_plan", []),
    "optimise": ("smmsim.simulator.studies.optimiser.job.open_job", []),
    "calibrate": ("smmsim.calibration.importer.import_exports", ["--platform", "facebook"]),
}


@pytest.mark.parametrize("command", list(WORK))
def test_an_unwritable_out_fails_before_the_work(command, tmp_path, monkeypatch):
    """A file where the folder's parent should be: mkdir fails for any user, root included."""
    target, extra = WORK[command]
    monkeypatch.setattr(target, never)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    source = AB_CONTROL if command == "calibrate" else KIDS
    line = one_line_error(invoke(command, source, *extra, "--out", blocker / "out"))
    assert line.startswith(f"{blocker / 'out'}: cannot write the outputs: ")


def test_the_current_folder_is_refused_as_out(tmp_path, monkeypatch):
    """The folder is replaced as a whole on writing: never the one the command runs in."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("smmsim.simulator.studies.run.run_plan", never)
    line = one_line_error(invoke("run", KIDS, "--out", "."))
    assert "cannot be the current folder, one above it or a mount point" in line


def test_an_input_named_like_an_output_in_out_is_refused(tmp_path, monkeypatch):
    """Replacing the folder's summary.csv would lose the scenario a user keeps under that name."""
    monkeypatch.setattr("smmsim.simulator.studies.run.run_plan", never)
    plan = write_plan(tmp_path, name="summary.csv")
    line = one_line_error(invoke("run", plan, "--out", tmp_path))
    assert line == (
        f"{tmp_path}: writing the outputs would replace the input file {plan}; "
        "write them to another folder"
    )


# --- an output set is replaced whole -------------------------------------------------------------


def fake_set(version: str, names=("a.csv", "b.json", "c.html")):
    def write(folder: Path) -> list[str]:
        for name in names:
            files.write_atomic(folder / name, f"{version} {name}")
        return list(names)

    return write


def failing_after_first(version: str):
    def write(folder: Path):
        files.write_atomic(folder / "a.csv", f"{version} a.csv")
        raise OSError(28, "No space left on device")

    return write


def test_a_set_replaces_the_old_one_and_keeps_a_users_files(tmp_path):
    out = tmp_path / "out"
    files.write_output_set(out, fake_set("old"))
    (out / "notes.txt").write_text("mine")
    (out / "sub").mkdir()
    (out / "sub" / "x").write_text("mine too")
    written = files.write_output_set(out, fake_set("new"))
    assert written == ["a.csv", "b.json", "c.html"]
    assert snapshot(out) == {
        "a.csv": b"new a.csv",
        "b.json": b"new b.json",
        "c.html": b"new c.html",
        "notes.txt": b"mine",
    }
    assert (out / "sub" / "x").read_text() == "mine too"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left


def test_a_failure_mid_set_leaves_the_old_set_whole(tmp_path):
    out = tmp_path / "out"
    files.write_output_set(out, fake_set("old"))
    before = snapshot(out)
    with pytest.raises(OSError, match="No space left"):
        files.write_output_set(out, failing_after_first("new"))
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_failure_while_carrying_a_users_file_leaves_the_old_set_whole(tmp_path, monkeypatch):
    out = tmp_path / "out"
    files.write_output_set(out, fake_set("old"))
    (out / "notes.txt").write_text("mine")
    before = snapshot(out)

    def broken(source, destination):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(files, "_link_or_copy", broken)
    with pytest.raises(OSError):
        files.write_output_set(out, fake_set("new"))
    assert snapshot(out) == before


def test_outputs_the_new_set_drops_are_not_carried_as_user_files(tmp_path):
    """calibrate --strict writes two of its five files: the old calibration.json must not stay
    beside the new rejected.csv."""
    out = tmp_path / "out"
    files.write_output_set(out, fake_set("old"), owned=("a.csv", "b.json", "c.html"))
    files.write_output_set(out, fake_set("new", names=("a.csv",)), owned=("a.csv", "b.json"))
    assert snapshot(out) == {"a.csv": b"new a.csv", "c.html": b"old c.html"}


def test_without_an_atomic_exchange_the_set_is_swapped_by_renames(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "_exchange", lambda a, b: False)  # not Linux, or no renameat2
    out = tmp_path / "out"
    files.write_output_set(out, fake_set("old"))
    (out / "notes.txt").write_text("mine")
    files.write_output_set(out, fake_set("new"))
    assert snapshot(out)["a.csv"] == b"new a.csv"
    assert snapshot(out)["notes.txt"] == b"mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_symlinked_out_stays_a_link_to_the_new_set(tmp_path):
    real, link = tmp_path / "real", tmp_path / "link"
    files.write_output_set(real, fake_set("old"))
    link.symlink_to(real)
    files.write_output_set(link, fake_set("new"))
    assert link.is_symlink()
    assert (real / "a.csv").read_text() == "new a.csv"


def test_a_run_failing_mid_write_leaves_the_previous_run_whole(tmp_path, monkeypatch):
    """The issue's case: new summary.csv beside the old result.json and report.html."""
    plan = write_plan(tmp_path)
    out = tmp_path / "out"
    assert invoke("run", plan, "--reps", 30, "--out", out).exit_code == 0
    before = snapshot(out)
    assert set(before) == set(run_files.RUN_FILES) - {run_files.SUMMARY_FILE}  # not asked for
    written = []

    def dies_after_the_first(path, data):
        if written:
            raise OSError(28, "No space left on device")
        written.append(path)
        files.write_atomic(path, data)

    # the run's document and page are written by run_files, its tables by scenarios.exports
    monkeypatch.setattr(run_files, "write_atomic", dies_after_the_first)
    monkeypatch.setattr(exports, "write_atomic", dies_after_the_first)
    result = invoke("run", plan, "--reps", 40, "--seed", 9, "--out", out)
    assert one_line_error(result).endswith("cannot write the outputs: No space left on device")
    assert written and written[0].name == "summary.csv"
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "plan.yaml"]


def test_optimise_keeps_its_study_when_its_outputs_are_replaced(tmp_path):
    """The study database lives in the output folder: a rerun's new set carries it over."""
    out = tmp_path / "opt"
    first = invoke("optimise", KIDS, *TINY_OPTIMISE, "--out", out)
    assert first.exit_code == 0, first.output
    again = invoke("optimise", KIDS, "--trials", 3, *TINY_OPTIMISE[2:], "--out", out)
    assert again.exit_code == 0, again.output
    assert "2 of 3 trials completed" in again.stderr  # resumed from the carried study.db
    assert {"study.db", "optimise.json", "optimise.html"} <= set(snapshot(out))


# --- CSV cells a spreadsheet would run -----------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("-5", "-5"),  # a negative number written as text is still a number
        ("-1.5e3", "-1.5e3"),
        ("plain", "plain"),
        (-5.0, -5.0),  # numbers are never touched
        (None, None),
    ],
)
def test_csv_cells_a_spreadsheet_would_run_are_quoted(cell, written):
    assert files.csv_cell(cell) == written


def test_a_frame_keeps_numbers_and_quotes_text_and_headers():
    import pandas as pd

    frame = pd.DataFrame({"=name": ["=1+1", "shop"], "value": [-1.5, 2.0]})
    rows = list(csv.reader(io.StringIO(files.frame_csv(frame))))
    assert rows == [["'=name", "value"], ["'=1+1", "-1.5"], ["shop", "2.0"]]


def test_run_outputs_quote_formula_like_names(tmp_path):
    data = minimal_scenario_data()
    data["platforms"][0]["name"] = '=HYPERLINK("http://evil")'
    data["platforms"][0]["tools"][0]["name"] = "@cmd"
    out = tmp_path / "out"
    result = invoke("run", write_plan(tmp_path, data), "--reps", 20, "--out", out)
    assert result.exit_code == 0, result.output
    for name in ("summary.csv", "daily.csv", "monthly.csv", "strategy.csv"):
        cells = [c for row in csv.reader((out / name).open()) for c in row]
        assert not any(c.startswith(("=", "@")) for c in cells), name
        assert any(c.startswith("'=HYPERLINK") or c == "'@cmd" for c in cells), name


def test_a_rejected_export_row_is_quoted_in_rejected_csv(tmp_path):
    """rejected.csv echoes a row of the user's export: the likeliest carrier of a formula."""
    data = tmp_path / "export.csv"
    text = AB_CONTROL.read_text(encoding="utf-8").rstrip("\n") + "\n"
    data.write_text(text + '=HYPERLINK("http://evil");x;1;2;3;4;5;6;7;8\n', encoding="utf-8")
    out = tmp_path / "cal"
    result = invoke("calibrate", data, "--platform", "facebook", "--strict", "--out", out)
    assert result.exit_code == 3, result.output
    rows = list(csv.DictReader((out / "rejected.csv").open()))
    assert any(r["row"].startswith("'=HYPERLINK") for r in rows)
    assert not any(v.startswith("=") for r in rows for v in r.values())


# --- the study database --------------------------------------------------------------------------


def test_a_storage_url_with_a_malformed_port_is_one_scrubbed_line(tmp_path):
    url = f"postgresql://u:{SECRET}@localhost:notaport/db"
    line = one_line_error(invoke("optimise", KIDS, *TINY_OPTIMISE, "--out", tmp_path,
                                 "--storage", url))  # fmt: skip
    assert line == (
        "--storage postgresql://u:***@localhost:notaport/db: cannot read the database URL: its "
        "port 'notaport' is not a number; write it as postgresql://user@host:5432/db or "
        "sqlite:///path/study.db"
    )


def test_a_database_stopping_mid_study_is_one_scrubbed_line(tmp_path, monkeypatch):
    """What Optuna raises when the server goes away during a trial (seen with a real
    PostgreSQL stopped mid-study): the driver's error, wrapped in StorageInternalError, masked
    by an UnboundLocalError from Optuna's own bookkeeping."""

    def server_gone(self, *args, **kwargs):
        try:
            try:
                raise OperationalError("COMMIT", {}, Exception(f"server closed pw={SECRET}"))
            except OperationalError as exc:
                raise StorageInternalError("An exception is raised during the commit.") from exc
        except StorageInternalError:
            raise UnboundLocalError("cannot access local variable 'updated_state'")  # noqa: B904

    monkeypatch.setattr(Optimisation, "run_batches", server_gone)
    url = f"sqlite:///{tmp_path / 'study.db'}?password={SECRET}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pysqlite ignores the query argument, and says so
        result = invoke(
            "optimise", KIDS, *TINY_OPTIMISE, "--out", tmp_path / "out", "--storage", url
        )
    assert result.exit_code == 1, result.output
    assert SECRET not in result.output
    assert "Traceback" not in result.output
    failure = result.stderr.splitlines()[-1]
    assert failure.startswith("the study storage sqlite:///")
    assert "server closed pw=***" in failure
    assert failure.endswith("its completed trials are kept: run the same command again to resume")


def test_an_error_that_is_not_the_databases_still_surfaces(tmp_path, monkeypatch):
    """Only the database's errors become the storage line; a bug elsewhere is not hidden as one."""

    def bug(self, *args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(Optimisation, "run_batches", bug)
    result = invoke("optimise", KIDS, *TINY_OPTIMISE, "--out", tmp_path / "out")
    assert isinstance(result.exception, ZeroDivisionError)
