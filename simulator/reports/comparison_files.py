"""Writing a comparison's outputs: the tidy CSV tables, the JSON document and the HTML page."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smmsim.scenarios.files import json_text, write_atomic
from smmsim.simulator.reports.comparison_page import comparison_html
from smmsim.simulator.studies.comparison import comparison_rows


def write_comparison(found: list, document: dict, out_dir: Path) -> None:
    """comparison.csv, differences.csv, comparison.json and comparison.html in `out_dir`."""
    tables = {
        "comparison.csv": pd.DataFrame(comparison_rows(document)),
        "differences.csv": pd.DataFrame(document["differences"]),
    }
    for name, frame in tables.items():
        frame["seed"] = document["seed"]
        write_atomic(out_dir / name, frame.to_csv(index=False))
    write_atomic(out_dir / "comparison.json", json_text(document))
    write_atomic(out_dir / "comparison.html", comparison_html(found, document))
