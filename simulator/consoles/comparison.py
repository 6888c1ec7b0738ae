"""Terminal output of `smmsim compare`: each combination's key numbers, then the paired
differences against the baseline."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from smmsim.simulator.consoles.run import fmt
from smmsim.simulator.consoles.terminal import bracket, stdout_console
from smmsim.simulator.reports.headline import comparison_headline
from smmsim.simulator.studies.comparison import ComparisonResult, PairedDifference
from smmsim.simulator.summary import Stats


def comparison_tables(result: ComparisonResult) -> list[Table]:
    """Each combination's key numbers, then the paired differences against the baseline."""
    return [kpi_table(result), difference_table(result)]


def kpi_table(result: ComparisonResult) -> Table:
    table = Table(
        title=f"Comparison: {result.replications} replications, seed "
        f"{result.seed}, common random numbers; expected [5% - 95% of campaigns]",
        caption="cpa: expected spend / expected conversions; its range is single campaigns' CPAs",
    )
    columns = ("combination", "conversions", "cpa", "spend", "unspent", "regret", "kept best")
    for name in columns:
        table.add_column(name, justify="left" if name == "combination" else "right")
    for c in result.combinations:
        table.add_row(
            c.label,
            spread(c.kpis["conversions"], "conversions"),
            spread(c.kpis["cpa"], "cpa"),
            spread(c.kpis["spend"], "spend"),
            spread(c.unspent, "spend"),
            spread(c.outcome.regret.conversions, "n"),
            f"{c.outcome.kept_best.probability:.0%}",
        )
    return table


def difference_table(result: ComparisonResult) -> Table:
    table = Table(
        title=f"Paired differences against {result.baseline}: expected [90% CI], "
        "5% to 95% of paired campaigns, P(better in a paired campaign)",
        caption="cpa: the difference of the expected CPAs (expected spend / expected conversions)",
    )
    for name in ("combination", "metric", "expected [90% CI]", "5% to 95%", "P(better)"):
        table.add_column(name, justify="left" if name in ("combination", "metric") else "right")
    for d in result.differences:
        if d.mean is not None:  # no replication had both values
            table.add_row(*difference_cells(d))
    return table


def difference_cells(d: PairedDifference) -> tuple[str, ...]:
    m = d.metric
    return (
        d.label,
        m,
        # Differences are often negative: 'to' reads where a hyphen would look like a minus.
        f"{fmt(d.mean, m)} [{fmt(d.ci_low, m)} to {fmt(d.ci_high, m)}]",
        f"{fmt(d.p5, m)} to {fmt(d.p95, m)}",
        "" if d.probability_better is None else f"{d.probability_better:.0%}",
    )


def spread(stats: Stats, metric: str) -> str:
    """'expected [p5 - p95]' over the replications; 'n/a' where undefined in every
    replication."""
    if stats.mean is None:
        return "n/a"
    return f"{fmt(stats.mean, metric)} {bracket(fmt(stats.p5, metric), fmt(stats.p95, metric))}"


def print_comparison(result: ComparisonResult, console: Console | None = None) -> None:
    console = console or stdout_console()
    for line in comparison_headline(result):
        console.print(line, highlight=False)
    console.print()
    for table in comparison_tables(result):
        console.print(table)
