"""Writing a sizing study's outputs: sizing.csv (one flat row per test size), sizing.json and
sizing.html, each atomically."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smmsim.scenarios.files import json_text, write_atomic
from smmsim.simulator.reports.sizing_page import sizing_html

PROBABILITIES = ("correct_selection", "kept_best", "chosen_within_margin", "test_extended")
EXPECTATIONS = ("conversions", "regret", "cost_of_test", "test_spend", "cpa")


def sizing_rows(document: dict) -> list[dict]:
    """One row per sweep point: the curves' means and intervals, flat, for sizing.csv."""
    rows = []
    for p in document["points"]:
        row = {"test_budget": p["test_budget"], "test_days": p["test_days"]}
        for name in PROBABILITIES:
            row |= flat(name, p[name], "probability", ("p5", "p95"))
        for name in EXPECTATIONS:
            row |= flat(name, p[name], "mean", ("ci_low", "ci_high"))
        row |= {"detectable_cpa_gap": p["detectable_cpa_gap"], "refined": p["refined"]}
        rows.append(row)
    return rows


def flat(name: str, stats: dict, centre: str, bounds: tuple[str, str]) -> dict:
    """{'conversions': mean, 'conversions_ci_low': ..., 'conversions_ci_high': ...}."""
    return {name: stats[centre], **{f"{name}_{b}": stats[b] for b in bounds}}


def write_sizing(document: dict, out_dir: Path) -> None:
    """sizing.csv, sizing.json and sizing.html in `out_dir`, each written atomically."""
    frame = pd.DataFrame(sizing_rows(document))
    frame["seed"] = document["seed"]
    write_atomic(out_dir / "sizing.csv", frame.to_csv(index=False))
    write_atomic(out_dir / "sizing.json", json_text(document))
    write_atomic(out_dir / "sizing.html", sizing_html(document))
