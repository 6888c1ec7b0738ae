"""Writing one part of an output set in a forked copy of this process while this one writes the
rest.

A command's outputs are two independent pieces of work on the same finished result: the tables
and the JSON (pandas, 0.25 s just to import) and the HTML page (plotly's figures, about 0.3 s for
a run's report). Done one after the other they were a quarter of a small run's wall time, with
the second core idle. A forked copy shares the result without copying or pickling it, so the
pages are written there while the tables are written here.

The copy only ever writes files; where it cannot be made or fails, the pages are written here
afterwards (`simulator/alongside.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from smmsim.simulator.alongside import written_alongside
from smmsim.simulator.reports.kit import write_pages


@contextmanager
def pages_alongside(
    out_dir: Path,
    pages: Callable[[], dict[str, str]],
    plotlyjs: str,
    meanwhile: Callable[[], None] | None = None,
) -> Iterator[None]:
    """A command's pages, `pages()` (name -> HTML), built and written into `out_dir` by a forked
    copy (`written_alongside`, `write_pages` in `plotlyjs` mode) while the `with` body writes
    its tables and documents here; then `meanwhile()` runs here (the command's answer) before
    the copy is waited for: the report's figures take longer than the tables, and the answer
    need not wait for them. A body that fails skips it."""
    with written_alongside(lambda: write_pages(out_dir, pages(), plotlyjs)):
        yield
        if meanwhile is not None:
            meanwhile()
