"""Writing a run's outputs: CSV tables, the JSON document and the HTML report, each atomically."""

from __future__ import annotations

from pathlib import Path

from smmsim.scenarios.exports import DEFAULT_EXPORTS, Exports, write_tables
from smmsim.scenarios.files import write_atomic
from smmsim.simulator.frames import reputation_frame
from smmsim.simulator.studies.outcome import strategy_rows
from smmsim.simulator.studies.run import RunResult

RUN_FILES = (
    "summary.csv",
    "monthly.csv",
    "daily.csv",
    "reputation.csv",
    "strategy.csv",
    "result.json",
    "report.html",
)


def write_run(run: RunResult, out_dir: Path, exports: Exports = DEFAULT_EXPORTS) -> None:
    """summary.csv, monthly.csv, daily.csv, reputation.csv, strategy.csv, result.json and
    report.html (and what `exports` adds)."""
    # the page and pandas here, not at the top: a command imports this module for its file
    # names before it simulates, and plotly and pandas need load only when files are written
    import pandas as pd

    from smmsim.simulator.reports.run_page import report_html

    result = run.simulation
    csv = {
        "summary.csv": run.to_frame(),
        "monthly.csv": run.monthly_frame(),
        "daily.csv": run.daily(),
        "reputation.csv": reputation_frame(result),
        "strategy.csv": pd.DataFrame(strategy_rows(run.strategy)),
    }
    for frame in csv.values():
        frame["seed"] = run.seed  # every output records its seed
    write_tables(out_dir, csv, exports)
    write_atomic(out_dir / "result.json", run.to_json())
    write_atomic(out_dir / "report.html", report_html(run))
