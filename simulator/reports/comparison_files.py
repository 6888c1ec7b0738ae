"""Writing a comparison's outputs: the tidy CSV tables, the JSON document and the HTML page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from smmsim.scenarios.exports import DEFAULT_EXPORTS, Exports, write_tables
from smmsim.scenarios.files import write_atomic
from smmsim.simulator.reports.alongside import pages_alongside
from smmsim.simulator.reports.kit import PLOTLYJS_FILE
from smmsim.simulator.studies.comparison import ComparisonResult

COMPARISON_FILES = (
    "comparison.csv",
    "differences.csv",
    "comparison.json",
    "comparison.html",
    PLOTLYJS_FILE,
)


def write_comparison(
    result: ComparisonResult,
    out_dir: Path,
    plotlyjs: str = "folder",
    exports: Exports = DEFAULT_EXPORTS,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """comparison.csv, differences.csv, comparison.json and comparison.html in `out_dir` (with
    plotly.min.js beside them in `plotlyjs` mode 'folder'), and what `exports` adds.
    `meanwhile()` runs here once the tables are written (`pages_alongside`)."""
    # the page here, not at the top: a command imports this module for its file names
    # before it simulates, and plotly need load only when a page is written
    from smmsim.simulator.reports.comparison_page import comparison_html

    with pages_alongside(
        out_dir, lambda: {"comparison.html": comparison_html(result)}, plotlyjs, meanwhile
    ):
        tables = {
            "comparison.csv": result.comparison_table(),
            "differences.csv": result.differences_table(),
        }
        seeded = {name: t.with_column("seed", result.seed) for name, t in tables.items()}
        write_tables(out_dir, seeded, exports)
        write_atomic(out_dir / "comparison.json", result.to_json())
