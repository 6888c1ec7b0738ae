"""Terminal output: the KPI table a planner reads after `smmsim run`, and the progress bar."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from simulator.metrics import KPIS

TABLE_KPIS = tuple(KPIS)  # every KPI, in the vocabulary's order
SHARES = tuple(name for name, (unit, _) in KPIS.items() if unit == "share")


def fmt(value: float | None, metric: str) -> str:
    if value is None:
        return "n/a"
    if metric in SHARES:
        return f"{value:.2%}"
    if abs(value) >= 100 or metric in ("spend", "revenue"):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


CURRENCY_KPIS = tuple(name for name, (unit, _) in KPIS.items() if unit == "currency")
MONTHLY_KPIS = ("spend", "reach", "clicks", "joins", "members", "conversions", "cpa")


def label(metric: str, document: dict) -> str:
    return f"{metric} ({document['currency']})" if metric in CURRENCY_KPIS else metric


def totals_table(document: dict) -> Table:
    """The whole campaign: each KPI's mean and 5/50/95% quantiles over replications."""
    table = Table(
        title=f"{document['scenario']}: {document['replications']} replications, "
        f"seed {document['seed']}"
    )
    for name in ("KPI", "mean", "5%", "50%", "95%"):
        table.add_column(name, justify="left" if name == "KPI" else "right")
    for metric in TABLE_KPIS:
        if metric in document["totals"]:
            stats = document["totals"][metric]
            table.add_row(
                label(metric, document),
                *[fmt(stats[k], metric) for k in ("mean", "p5", "p50", "p95")],
            )
    return table


def breakdown_table(title: str, columns: dict[str, dict], metrics, document: dict) -> Table:
    """KPI rows against named columns (platforms or months), means only."""
    table = Table(title=title)
    table.add_column("KPI")
    for name in columns:
        table.add_column(name, justify="right")
    for metric in metrics:
        if metric in document["totals"]:
            table.add_row(
                label(metric, document),
                *[fmt(stats[metric]["mean"], metric) for stats in columns.values()],
            )
    return table


def targets_table(document: dict) -> Table:
    """Each KPI target's probability; for whole-campaign targets also the probability that it is
    already met at each month's end (is the campaign on track?)."""
    table = Table(title="KPI targets: probability of meeting each (by month end, cumulative)")
    table.add_column("target", ratio=1)
    table.add_column("odds", justify="right")
    months = document["months"]
    for month in months:
        table.add_column(month, justify="right", min_width=7)
    for row in document["kpi_targets"]:
        by_month = row.get("by_month") or {}
        table.add_row(
            row["target"],
            f"{row['probability']:.0%}",
            *[f"{by_month[m]:.0%}" if m in by_month else "" for m in months],
        )
    return table


def print_tables(document: dict) -> None:
    console = Console()
    console.print(totals_table(document))
    console.print(
        breakdown_table("By platform (means)", document["platforms"], TABLE_KPIS, document)
    )
    months = {m: v["total"] for m, v in document["monthly"].items()}
    console.print(breakdown_table("By calendar month (means)", months, MONTHLY_KPIS, document))
    if document["kpi_targets"]:
        console.print(targets_table(document))


@contextmanager
def progress_bar(total: int, label: str) -> Iterator:
    """A progress bar on stderr (only when it is a terminal); yields advance(n)."""
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)
