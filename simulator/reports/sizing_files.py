"""Writing a sizing study's outputs: sizing.csv (one flat row per test size), sizing.json and
sizing.html, each atomically."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smmsim.scenarios.files import json_text, write_atomic
from smmsim.simulator.reports.sizing_page import sizing_html
from smmsim.simulator.studies.sizing.document import sizing_rows


def write_sizing(document: dict, out_dir: Path) -> None:
    """sizing.csv, sizing.json and sizing.html in `out_dir`, each written atomically."""
    frame = pd.DataFrame(sizing_rows(document))
    frame["seed"] = document["seed"]
    write_atomic(out_dir / "sizing.csv", frame.to_csv(index=False))
    write_atomic(out_dir / "sizing.json", json_text(document))
    write_atomic(out_dir / "sizing.html", sizing_html(document))
