"""Writing an optimisation's documents: optimise.json, trials.csv (every trial, flat) and
best-allocation.csv (the best plan per tool), each atomically."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from smmsim.scenarios.files import write_atomic
from smmsim.simulator.studies.optimiser.document import OptimisationResult, ToolRow


def trials_csv(document: OptimisationResult) -> str:
    rows = [row.flat() for row in document.history]
    params = sorted({k for row in document.history for k in row.params})
    fields = ["number", "state", "worker", "value", "best_so_far", "feasible", "risk"]
    fields += ["conversions", "cpa", "spend", *params]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


QUANTILES = ("mean", "p5", "p95")


def allocation_csv(document: OptimisationResult) -> str:
    """The best plan per tool: share, planned budget, intensity, and mean / 5% / 95% of spend,
    conversions and CPA (empty for a tool with no conversions)."""
    tools = [] if document.evaluation is None else document.evaluation.tools
    fields = ["tool", "type", "share", "planned_budget", "intensity"]
    stats = [f"{m}_{s}" for m in ("spend", "conversions", "cpa") for s in QUANTILES]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields + stats, lineterminator="\n")
    writer.writeheader()
    writer.writerows(allocation_row(row) for row in tools)
    return out.getvalue()


def allocation_row(row: ToolRow) -> dict:
    """A tool's row: its part in the plan, then mean / 5% / 95% of each measure."""
    flat = {
        "tool": row.tool,
        "type": row.type,
        "share": row.share,
        "planned_budget": row.planned_budget,
        "intensity": row.intensity,
    }
    for measure, s in {"spend": row.spend, "conversions": row.conversions, "cpa": row.cpa}.items():
        # No figure (a CPA without conversions) leaves the cells empty, as JSON null does.
        flat.update({f"{measure}_{q}": None if s is None else getattr(s, q) for q in QUANTILES})
    return flat


def write_documents(document: OptimisationResult, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(out_dir / "optimise.json", document.to_json())
    write_atomic(out_dir / "trials.csv", trials_csv(document))
    write_atomic(out_dir / "best-allocation.csv", allocation_csv(document))
