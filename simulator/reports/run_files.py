"""Writing a run's outputs: CSV tables, the JSON document and the HTML report, each atomically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from smmsim.scenarios.exports import DEFAULT_EXPORTS, Exports, write_tables
from smmsim.scenarios.files import write_atomic
from smmsim.scenarios.tables import Table
from smmsim.simulator.frames import reputation_table
from smmsim.simulator.reports.alongside import pages_alongside
from smmsim.simulator.reports.kit import PLOTLYJS_FILE
from smmsim.simulator.studies.outcome import strategy_rows
from smmsim.simulator.studies.run import RunResult

SUMMARY_FILE = "summary.html"  # the client summary, only with `summary`

RUN_FILES = (
    "summary.csv",
    "monthly.csv",
    "daily.csv",
    "reputation.csv",
    "strategy.csv",
    "result.json",
    "report.html",
    PLOTLYJS_FILE,
    SUMMARY_FILE,  # owned though optional: a run without it leaves no stale copy
)


def write_run(
    run: RunResult,
    out_dir: Path,
    plotlyjs: str = "folder",
    summary: bool = False,
    exports: Exports = DEFAULT_EXPORTS,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """summary.csv, monthly.csv, daily.csv, reputation.csv, strategy.csv, result.json and
    report.html (with plotly.min.js beside it in `plotlyjs` mode 'folder'); with `summary`, the
    one-page client summary.html too; and what `exports` adds. `meanwhile()` runs here once the
    tables are written, while the page may still be in the making: the report's figures take
    longer than the tables, and the console's answer need not wait for them."""
    # the page here, not at the top: a command imports this module for its file names before
    # it simulates, and plotly need load only when files are written
    from smmsim.simulator.reports.run_page import report_html

    def pages() -> dict[str, str]:
        built = {"report.html": report_html(run)}
        if summary:
            from smmsim.simulator.reports.summary_page import summary_html

            built[SUMMARY_FILE] = summary_html(run)  # draws nothing: plotly.js stays out of it
        return built

    with pages_alongside(
        out_dir, pages, plotlyjs, meanwhile
    ):  # the pages in a forked copy, tables here
        write_tables_and_json(run, out_dir, exports)


def write_tables_and_json(run: RunResult, out_dir: Path, exports: Exports) -> None:
    """The CSVs, written from `Table`s (no pandas to import), and result.json."""
    result = run.simulation
    tables = {
        "summary.csv": run.summary_table(),
        "monthly.csv": run.monthly_table(),
        "daily.csv": run.daily_table(),
        "reputation.csv": reputation_table(result),
        "strategy.csv": Table.from_rows(strategy_rows(run.strategy)),
    }
    # every output records its seed
    write_tables(out_dir, {n: t.with_column("seed", run.seed) for n, t in tables.items()}, exports)
    write_atomic(out_dir / "result.json", run.to_json())
