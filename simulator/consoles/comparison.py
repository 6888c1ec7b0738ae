"""Terminal output of `smmsim compare`: each combination's key numbers, then the paired
differences against the baseline."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from smmsim.simulator.consoles.run import fmt, interval


def comparison_tables(document: dict) -> list[Table]:
    """Each combination's key numbers, then the paired differences against the baseline."""
    kpis = Table(
        title=f"Comparison: {document['replications']} replications, seed "
        f"{document['seed']}, common random numbers; mean [90% interval]"
    )
    for name in ("combination", "conversions", "cpa", "spend", "regret", "kept best"):
        kpis.add_column(name, justify="left" if name == "combination" else "right")
    for c in document["combinations"]:
        outcome = c["outcome"]
        kpis.add_row(
            c["label"],
            interval(c["kpis"]["conversions"], "conversions"),
            interval(c["kpis"]["cpa"], "cpa"),
            interval(c["kpis"]["spend"], "spend"),
            interval(outcome["regret"]["conversions"], "n"),
            f"{outcome['kept_best']['probability']:.0%}",
        )
    diffs = Table(
        title=f"Paired differences against {document['baseline']}: mean [90% CI of the mean], "
        "5%-95% of replications, P(better)"
    )
    for name in ("combination", "metric", "mean [90% CI]", "5% - 95%", "P(better)"):
        diffs.add_column(name, justify="left" if name in ("combination", "metric") else "right")
    for d in document["differences"]:
        if d["mean"] is None:
            continue
        m = d["metric"]
        diffs.add_row(
            d["label"],
            m,
            f"{fmt(d['mean'], m)} [{fmt(d['ci_low'], m)} - {fmt(d['ci_high'], m)}]",
            f"{fmt(d['p5'], m)} - {fmt(d['p95'], m)}",
            "" if d["probability_better"] is None else f"{d['probability_better']:.0%}",
        )
    return [kpis, diffs]


def print_comparison(document: dict) -> None:
    console = Console()
    for table in comparison_tables(document):
        console.print(table)
