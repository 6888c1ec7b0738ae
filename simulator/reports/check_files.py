"""Writing a check's outputs: check.json (the typed document) and check.html, each atomically."""

from __future__ import annotations

from pathlib import Path

from smmsim.scenarios.files import write_atomic
from smmsim.simulator.reports.kit import PLOTLYJS_FILE, write_pages
from smmsim.simulator.studies.risk import CheckResult

CHECK_FILES = ("check.json", "check.html", PLOTLYJS_FILE)


def write_check(
    result: CheckResult, out_dir: Path, *, campaign: str, currency: str, plotlyjs: str = "folder"
) -> None:
    """check.json and check.html in `out_dir` (with plotly.min.js beside them in `plotlyjs`
    mode 'folder' when the page draws)."""
    # the page here, not at the top: a command imports this module for its file names
    # before it simulates, and plotly need load only when a page is written
    from smmsim.simulator.reports.check_page import check_html

    write_atomic(out_dir / "check.json", result.to_json())
    page = check_html(result, campaign=campaign, currency=currency)
    write_pages(out_dir, {"check.html": page}, plotlyjs)
