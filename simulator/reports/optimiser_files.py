"""Writing an optimisation's outputs: optimise.json, trials.csv (every trial, flat),
best-allocation.csv (the best plan per tool) and optimise.html, each atomically."""

from __future__ import annotations

from pathlib import Path

from smmsim.scenarios.exports import DEFAULT_EXPORTS, Exports, table_csv, write_tables
from smmsim.scenarios.files import write_atomic
from smmsim.scenarios.tables import Table
from smmsim.simulator.reports.alongside import pages_alongside
from smmsim.simulator.reports.kit import PLOTLYJS_FILE
from smmsim.simulator.reports.optimiser_page import report_html
from smmsim.simulator.studies.optimiser.document import OptimisationResult, ToolRow

OPTIMISE_FILES = (
    "optimise.json",
    "trials.csv",
    "best-allocation.csv",
    "optimise.html",
    PLOTLYJS_FILE,
)


def trials_table(document: OptimisationResult) -> Table:
    """Every trial, flat: its figures, then each searched parameter (empty where a trial has
    none)."""
    rows = [row.flat() for row in document.history]
    params = sorted({k for row in document.history for k in row.params})
    fields = ["number", "state", "worker", "value", "best_so_far", "feasible", "risk"]
    fields += ["conversions", "cpa", "spend", *params]
    return Table({f: [row.get(f) for row in rows] for f in fields})


QUANTILES = ("mean", "p5", "p95")


def allocation_table(document: OptimisationResult) -> Table:
    """The best plan per tool: share, planned budget, intensity, and mean / 5% / 95% of spend,
    conversions and CPA (empty for a tool with no conversions)."""
    tools = [] if document.evaluation is None else document.evaluation.tools
    fields = ["tool", "type", "share", "planned_budget", "intensity"]
    stats = [f"{m}_{s}" for m in ("spend", "conversions", "cpa") for s in QUANTILES]
    rows = [allocation_row(row) for row in tools]
    return Table({f: [row[f] for row in rows] for f in fields + stats})


def allocation_csv(document: OptimisationResult, exports: Exports = DEFAULT_EXPORTS) -> str:
    return table_csv(allocation_table(document), exports)


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


def write_documents(
    document: OptimisationResult,
    out_dir: Path,
    plotlyjs: str = "folder",
    exports: Exports = DEFAULT_EXPORTS,
) -> None:
    """Every output of the study into `out_dir` (OPTIMISE_FILES; plotly.min.js only in
    `plotlyjs` mode 'folder' when the page draws; and what `exports` adds)."""
    out_dir.mkdir(parents=True, exist_ok=True)

    with pages_alongside(out_dir, lambda: {"optimise.html": report_html(document)}, plotlyjs):
        write_atomic(out_dir / "optimise.json", document.to_json())
        tables = {
            "trials.csv": trials_table(document),
            "best-allocation.csv": allocation_table(document),
        }
        # every output records its seed
        seeded = {name: t.with_column("seed", document.seed) for name, t in tables.items()}
        write_tables(out_dir, seeded, exports)
