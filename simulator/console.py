"""Terminal output: the KPI table a planner reads after `smmsim run`, and the progress bar."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

TABLE_KPIS = (
    "spend",
    "reach",
    "reach_share",
    "impressions",
    "frequency",
    "clicks",
    "ctr",
    "joins",
    "members",
    "conversions",
    "direct_conversions",
    "member_conversions",
    "referral_conversions",
    "revenue",
    "roas",
    "cpm",
    "cpc",
    "cost_per_join",
    "cpa",
)
SHARES = ("reach_share", "ctr")


def fmt(value: float | None, metric: str) -> str:
    if value is None:
        return "n/a"
    if metric in SHARES:
        return f"{value:.2%}"
    if abs(value) >= 100 or metric in ("spend", "revenue"):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def cell(stats: dict, metric: str) -> str:
    return f"{fmt(stats['mean'], metric)} ({fmt(stats['p5'], metric)}–{fmt(stats['p95'], metric)})"


def kpi_table(document: dict) -> Table:
    """Rows are KPIs; columns the whole campaign and each platform: mean (90% interval)."""
    table = Table(
        title=f"{document['scenario']}: {document['replications']} replications, "
        f"seed {document['seed']}  [mean (5%–95%)]",
    )
    table.add_column("KPI")
    table.add_column("total", justify="right")
    for platform in document["platforms"]:
        table.add_column(platform, justify="right")
    for metric in TABLE_KPIS:
        if metric not in document["totals"]:
            continue
        unit = (
            document["currency"]
            if metric in ("spend", "revenue", "cpm", "cpc", "cost_per_join", "cpa")
            else ""
        )
        cells = [cell(document["totals"][metric], metric)]
        cells += [cell(p[metric], metric) for p in document["platforms"].values()]
        table.add_row(f"{metric} {unit}".strip(), *cells)
    return table


def targets_table(document: dict) -> Table:
    table = Table(title="KPI targets: probability of meeting each")
    table.add_column("target")
    table.add_column("probability", justify="right")
    months = document["months"]
    for month in months:
        table.add_column(f"by {month}", justify="right")
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
    console.print(kpi_table(document))
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
