"""Writing the pages in a forked copy while the tables are written here (`written_alongside`):
the work is done once, by the copy where it can be, and by this process whenever the copy could
not be made or failed, so the files and the errors are those of running it here."""

from __future__ import annotations

import os
import re

import pytest

from smmsim.scenarios.files import write_atomic
from smmsim.simulator import alongside
from smmsim.simulator.alongside import computed_alongside, written_alongside

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")


def writer(path, fail_in_copy: bool = False):
    parent = os.getpid()

    def write() -> None:
        if fail_in_copy and os.getpid() != parent:
            raise OSError("the copy cannot write")
        # atomically, as the pages are: a copy stopped mid-write leaves no half-written file
        write_atomic(path, str(os.getpid()))

    return write


@needs_fork
def test_the_work_is_done_by_a_copy_while_the_body_runs_here(tmp_path):
    target = tmp_path / "page.html"
    with written_alongside(writer(target)):
        (tmp_path / "table.csv").write_text("here")
    assert int(target.read_text()) != os.getpid()
    assert (tmp_path / "table.csv").read_text() == "here"


@needs_fork
def test_a_copy_that_fails_leaves_the_work_to_this_process(tmp_path):
    target = tmp_path / "page.html"
    with written_alongside(writer(target, fail_in_copy=True)):
        pass
    assert int(target.read_text()) == os.getpid()


def test_without_fork_the_work_runs_here_after_the_body(tmp_path, monkeypatch):
    monkeypatch.delattr(alongside.os, "fork")
    order = []
    with written_alongside(lambda: order.append("pages")):
        order.append("tables")
    assert order == ["tables", "pages"]


def test_an_error_of_the_work_is_raised_here(tmp_path):
    def broken() -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"), written_alongside(broken):
        pass


@needs_fork
def test_a_failing_body_stops_the_copy_and_raises(tmp_path):
    target = tmp_path / "page.html"
    with pytest.raises(KeyboardInterrupt), written_alongside(writer(target)):
        raise KeyboardInterrupt
    # the copy was stopped or finished; either way nothing runs here and nothing is left running
    assert not target.exists() or int(target.read_text()) != os.getpid()


@needs_fork
def test_run_writes_the_same_files_with_and_without_the_copy(tmp_path, monkeypatch):
    """Forked or not, `run --out` writes the same bytes (but plotly's random div ids)."""
    from click.testing import CliRunner

    from smmsim.cli import main

    example = "scenarios/examples/reputation-rush.yaml"
    # One worker: without os.fork multiprocessing would still pick its fork context (a platform
    # that lacks fork picks spawn), and a plan and its oracle side by side start a pool.
    args = ["run", example, "--reps", "200", "--workers", "1", "--summary", "--out"]
    runner = CliRunner()
    assert runner.invoke(main, [*args, str(tmp_path / "forked")]).exit_code == 0
    monkeypatch.delattr(alongside.os, "fork")
    assert runner.invoke(main, [*args, str(tmp_path / "here")]).exit_code == 0
    forked, here = tmp_path / "forked", tmp_path / "here"
    names = sorted(p.name for p in forked.iterdir())
    assert names == sorted(p.name for p in here.iterdir())
    uuid = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    for name in names:
        a, b = (uuid.sub(b"ID", (d / name).read_bytes()) for d in (forked, here))
        assert a == b, name


def test_the_answer_is_given_once_the_tables_are_written(tmp_path):
    """`write_run` calls `meanwhile` (the console's answer) here, once, as soon as its tables are
    written: it need not wait for the report's figures, which take longer."""
    from smmsim.scenarios.bundled import example_path
    from smmsim.scenarios.loader import load_scenario
    from smmsim.simulator.reports.run_files import write_run
    from smmsim.simulator.studies.run import run_plan

    run = run_plan(load_scenario(example_path("kids-shop")), replications=100, seed=3)
    present_then: list[set[str]] = []
    write_run(run, tmp_path, meanwhile=lambda: present_then.append(set(os.listdir(tmp_path))))
    tables = {"summary.csv", "monthly.csv", "daily.csv", "reputation.csv", "strategy.csv"}
    assert len(present_then) == 1
    assert tables | {"result.json"} <= present_then[0]
    assert (tmp_path / "report.html").exists()


@pytest.mark.parametrize(
    ("command", "first_file"),
    [
        (["run"], "summary.csv"),
        (["compare", "--strategy", "spread,oracle"], "comparison.csv"),
        (["size-test", "--budgets", "200,400", "--durations", "14"], "sizing.csv"),
    ],
)
def test_a_command_prints_the_same_answer_with_out_and_then_what_it_wrote(
    tmp_path, command, first_file
):
    """The answer is printed while the page is drawn (`cli.answered`): the same answer as
    without --out, and the line naming the files after it."""
    from click.testing import CliRunner

    from smmsim.cli import main

    args = [*command, "scenarios/examples/kids-shop.yaml", "--reps", "100", "--workers", "1"]
    plain = CliRunner().invoke(main, args)
    written = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "out")])
    assert plain.exit_code == written.exit_code == 0
    answer, last = written.stdout.rstrip("\n").rsplit("\n", 1)
    assert answer + "\n" == plain.stdout
    assert last.startswith(f"wrote {tmp_path / 'out'}/: {first_file}")


def test_an_answer_that_cannot_be_printed_loses_no_file(tmp_path):
    """`smmsim run ... --out DIR | head`: the reader leaves before the answer is printed, and
    the command still writes every file (the answer is printed in the middle of writing them)."""
    import subprocess
    import sys

    out = tmp_path / "out"
    reader, writer = os.pipe()
    os.close(reader)  # nobody reads: printing raises BrokenPipeError
    args = ["run", "scenarios/examples/kids-shop.yaml", "--reps", "50", "--workers", "1"]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "smmsim.cli", *args, "--out", str(out)],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(writer)
    assert done.returncode != 0  # the answer was not delivered, and the command says so
    assert {"summary.csv", "daily.csv", "result.json", "report.html"} <= set(os.listdir(out))


# --- a value computed by a copy (`computed_alongside`) --------------------------------------------


def whose_pid(fail_in_copy: bool = False):
    """A computation whose value says which process made it."""
    parent = os.getpid()

    def compute() -> dict:
        if fail_in_copy and os.getpid() != parent:
            raise MemoryError("the copy cannot compute")
        return {"pid": os.getpid()}

    return compute


@needs_fork
def test_the_value_is_computed_by_a_copy_while_the_body_runs_here():
    with computed_alongside(whose_pid()) as value:
        here = os.getpid()
        assert value()["pid"] != here
        assert value() is value()  # asked twice, sent once


@needs_fork
def test_a_value_larger_than_a_pipe_holds_arrives_whole():
    # A copy blocks on a full pipe (64 KB) until it is read: read first, then waited for.
    big = bytes(range(256)) * 40_000  # 10 MB
    with computed_alongside(lambda: big) as value:
        assert value() == big


@needs_fork
def test_a_copy_that_fails_to_compute_leaves_it_to_this_process():
    with computed_alongside(whose_pid(fail_in_copy=True)) as value:
        assert value()["pid"] == os.getpid()


def test_without_fork_the_value_is_computed_here_when_asked(monkeypatch):
    monkeypatch.delattr(alongside.os, "fork")
    order = []

    def compute() -> str:
        order.append("document")
        return "done"

    with computed_alongside(compute) as value:
        order.append("risk")
        assert value() == "done"
    assert order == ["risk", "document"]


@needs_fork
def test_a_failing_body_leaves_no_copy_behind(monkeypatch):
    forked = []

    def recorded(work):
        forked.append(fork_running(work))
        return forked[-1]

    fork_running = alongside._fork_running
    monkeypatch.setattr(alongside, "_fork_running", recorded)

    def slow() -> None:
        import time

        time.sleep(30)

    with pytest.raises(KeyboardInterrupt), computed_alongside(slow):
        raise KeyboardInterrupt
    with pytest.raises(ChildProcessError):  # stopped and waited for: not this process's child
        os.waitpid(forked[0], os.WNOHANG)


@needs_fork
def test_a_run_document_is_the_same_computed_alongside_its_risk_or_after_it():
    from smmsim.scenarios.bundled import example_path
    from smmsim.scenarios.loader import load_scenario
    from smmsim.simulator.studies.run import run_plan

    # reputation-rush's backlash strikes, so its risk has what-ifs to simulate. One worker
    # computes the document after the risk; two compute it in a copy while the risk runs.
    plan = load_scenario(example_path("reputation-rush"))
    alone, forked = (
        run_plan(plan, replications=300, seed=4, workers=workers).to_dict() for workers in (1, 2)
    )
    assert any(row["events"]["mean"] for row in alone["risk"]["simulated"])
    assert forked == alone
    assert list(forked) == list(alone)  # the keys in the same order, "risk" last
