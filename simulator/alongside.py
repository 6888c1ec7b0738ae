"""Work done in a forked copy of this process while this one does other work on the same data.

A forked copy shares everything this process holds (a finished simulation of hundreds of MB)
without copying or pickling it, so two independent pieces of work on it can use two cores:
- `written_alongside`: the copy writes files (a command's pages while its tables are written);
- `computed_alongside`: the copy computes a value and sends it back pickled through a pipe (a
  run's document while its risk what-if simulates).

The copy never changes anything this process sees. If it cannot be made (no `fork` on this
platform) or it fails for any reason, the same work runs here afterwards, so what is written or
returned, and any error raised, is what running it here would give.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def written_alongside(write: Callable[[], None]) -> Iterator[None]:
    """Run `write()` in a forked copy while the `with` body runs here; wait for it at the end
    of the body. Runs `write()` here instead where the copy could not be made or failed."""
    pid = _fork_running(write) if hasattr(os, "fork") else None
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
def computed_alongside(compute: Callable[[], T]) -> Iterator[Callable[[], T]]:
    """Run `compute()` in a forked copy while the `with` body runs here; the body gets a
    function that returns its value (waiting for the copy, or computing it here where the copy
    could not be made or failed). Call it inside the body, after the body's own work."""
    reader, pid = _forked_with_pipe(compute) if hasattr(os, "fork") else (None, None)
    waiting = [pid] if pid is not None else []  # the copy, until it has been waited for
    answered: list[T] = []

    def value() -> T:
        if not answered:
            sent = _received(reader, waiting[0]) if waiting else None
            waiting.clear()  # waited for
            answered.append(pickle.loads(sent) if sent is not None else compute())
        return answered[0]

    try:
        yield value
    finally:  # a body that failed, or never asked: the copy is not left running
        if reader is not None:
            os.close(reader)
        if waiting:
            _stop(waiting.pop())


def _forked_with_pipe(compute: Callable[[], object]) -> tuple[int | None, int | None]:
    """(the pipe's reading end, the copy's pid) of a copy that sends `compute()` pickled."""
    reader, writer = os.pipe()

    def send() -> None:
        data = pickle.dumps(compute(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(data)

    pid = _fork_running(send)
    os.close(writer)  # this process only reads: the copy's end closing is the end of the data
    if pid is None:
        os.close(reader)
        return None, None
    return reader, pid


def _fork_running(work: Callable[[], None]) -> int | None:
    # Anything buffered now would be written twice, once by each process.
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:  # the copy: work, then leave without the parent's exit handlers or buffers
        code = 1
        try:
            work()
            code = 0
        except BaseException:
            pass  # the parent runs the work again and reports what goes wrong there
        finally:
            os._exit(code)
    return pid


def _received(reader: int, pid: int) -> bytes | None:
    """Everything the copy sent, read before waiting for it (a copy blocked on a full pipe
    would never end); None where it failed."""
    chunks = []
    while chunk := os.read(reader, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks) if _succeeded(pid) else None


def _succeeded(pid: int) -> bool:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def _stop(pid: int) -> None:
    with suppress(ProcessLookupError):  # it may have finished already
        os.kill(pid, signal.SIGTERM)
    with suppress(ChildProcessError):  # or been waited for already
        os.waitpid(pid, 0)
