"""Writing an optimisation's documents: optimise.json, trials.csv (every trial, flat) and
best-allocation.csv (the best plan per tool), each atomically."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from smmsim.scenarios.files import json_text, write_atomic


def trials_csv(document: dict) -> str:
    rows = document["history"]
    params = sorted({k for r in rows for k in r["params"]})
    fields = ["number", "state", "worker", "value", "best_so_far", "feasible", "risk"]
    fields += ["conversions", "cpa", "spend", *params]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({**{k: v for k, v in r.items() if k != "params"}, **r["params"]})
    return out.getvalue()


def allocation_csv(document: dict) -> str:
    """The best plan per tool: share, planned budget, intensity, and mean / 5% / 95% of spend,
    conversions and CPA."""
    evaluation = document.get("evaluation") or {}
    fields = ["tool", "type", "share", "planned_budget", "intensity"]
    stats = [f"{m}_{s}" for m in ("spend", "conversions", "cpa") for s in ("mean", "p5", "p95")]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields + stats, lineterminator="\n")
    writer.writeheader()
    for row in evaluation.get("tools", []):
        flat = {k: row[k] for k in fields}
        for m in ("spend", "conversions", "cpa"):
            flat.update({f"{m}_{s}": row[m][s] for s in ("mean", "p5", "p95")})
        writer.writerow(flat)
    return out.getvalue()


def write_documents(document: dict, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(out_dir / "optimise.json", json_text(document))
    write_atomic(out_dir / "trials.csv", trials_csv(document))
    write_atomic(out_dir / "best-allocation.csv", allocation_csv(document))
