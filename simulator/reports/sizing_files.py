"""Writing a sizing study's outputs: sizing.csv (one flat row per test size), sizing.json and
sizing.html, each atomically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from smmsim.scenarios.exports import DEFAULT_EXPORTS, Exports, write_tables
from smmsim.scenarios.files import write_atomic
from smmsim.simulator.reports.alongside import pages_alongside
from smmsim.simulator.reports.kit import PLOTLYJS_FILE
from smmsim.simulator.studies.sizing.document import SizingResult

SIZING_FILES = ("sizing.csv", "sizing.json", "sizing.html", PLOTLYJS_FILE)


def write_sizing(
    result: SizingResult,
    out_dir: Path,
    plotlyjs: str = "folder",
    exports: Exports = DEFAULT_EXPORTS,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """sizing.csv, sizing.json and sizing.html in `out_dir`, each written atomically (with
    plotly.min.js beside them in `plotlyjs` mode 'folder'), and what `exports` adds.
    `meanwhile()` runs here once the tables are written (`pages_alongside`)."""
    # the page here, not at the top: a command imports this module for its file names
    # before it simulates, and plotly need load only when a page is written
    from smmsim.simulator.reports.sizing_page import sizing_html

    with pages_alongside(
        out_dir, lambda: {"sizing.html": sizing_html(result)}, plotlyjs, meanwhile
    ):
        table = result.sizing_table().with_column("seed", result.seed)
        write_tables(out_dir, {"sizing.csv": table}, exports)
        write_atomic(out_dir / "sizing.json", result.to_json())
