"""Writing the pages in a forked copy while the tables are written here (`written_alongside`):
the work is done once, by the copy where it can be, and by this process whenever the copy could
not be made or failed, so the files and the errors are those of running it here."""

from __future__ import annotations

import os
import re

import pytest

from smmsim.simulator.reports import alongside
from smmsim.simulator.reports.alongside import written_alongside

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")


def writer(path, fail_in_copy: bool = False):
    parent = os.getpid()

    def write() -> None:
        if fail_in_copy and os.getpid() != parent:
            raise OSError("the copy cannot write")
        path.write_text(str(os.getpid()))

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
