"""Writing one part of an output set in a forked copy of this process while this one writes the
rest.

A command's outputs are two independent pieces of work on the same finished result: the tables
and the JSON (pandas, 0.25 s just to import) and the HTML page (plotly's figures, about 0.3 s for
a run's report). Done one after the other they were a quarter of a small run's wall time, with
the second core idle. A forked copy shares the result without copying or pickling it, so the
pages are written there while the tables are written here.

The copy only ever writes files. If it cannot be made (no `fork` on this platform) or it fails
for any reason, the same work runs here afterwards, so what is written, and any error raised, is
what running it here would give.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from smmsim.simulator.reports.kit import write_pages


@contextmanager
def written_alongside(write: Callable[[], None]) -> Iterator[None]:
    """Run `write()` in a forked copy while the `with` body runs here; wait for it at the end
    of the body. Runs `write()` here instead where the copy could not be made or failed."""
    pid = _forked(write) if hasattr(os, "fork") else None
    try:
        yield
        done = pid is not None and _succeeded(pid)
    except BaseException:  # the body failed or was interrupted: the copy's files are not wanted
        if pid is not None:
            _stop(pid)
        raise
    if not done:
        write()


@contextmanager
def pages_alongside(
    out_dir: Path, pages: Callable[[], dict[str, str]], plotlyjs: str
) -> Iterator[None]:
    """A command's pages, `pages()` (name -> HTML), built and written into `out_dir` by a forked
    copy (`written_alongside`, `write_pages` in `plotlyjs` mode) while the `with` body writes
    its tables and documents here."""
    with written_alongside(lambda: write_pages(out_dir, pages(), plotlyjs)):
        yield


def _forked(write: Callable[[], None]) -> int | None:
    # Anything buffered now would be written twice, once by each process.
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:  # the copy: write, then leave without the parent's exit handlers or buffers
        code = 1
        try:
            write()
            code = 0
        except BaseException:
            pass  # the parent runs `write` again and reports what goes wrong there
        finally:
            os._exit(code)
    return pid


def _succeeded(pid: int) -> bool:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def _stop(pid: int) -> None:
    with suppress(ProcessLookupError):  # it may have finished already
        os.kill(pid, signal.SIGTERM)
    with suppress(ChildProcessError):  # or been waited for already
        os.waitpid(pid, 0)
