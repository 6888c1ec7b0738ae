"""Terminal output: the KPI table a planner reads after `smmsim run`, and the progress bar."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from smmsim.scenarios.documents import ABSENT
from smmsim.scenarios.kpis import KPIS
from smmsim.simulator.consoles.terminal import bracket, stdout_console
from smmsim.simulator.reports.headline import run_headline, unspent_line
from smmsim.simulator.studies.outcome import StrategyOutcome, decisions
from smmsim.simulator.studies.run import RunResult
from smmsim.simulator.summary import Probability, Stats

TABLE_KPIS = tuple(KPIS)  # every KPI, in the vocabulary's order
SHARES = tuple(name for name, (unit, _) in KPIS.items() if unit == "share")


# Counted things (people and arm-days too) and "n", the tables' name for a count of conversions
# that is no KPI (regret, the cost of testing).
COUNTS = (
    *(name for name, (unit, _) in KPIS.items() if unit in ("count", "people", "arm-days")),
    "n",
)


def fmt(value: float | None, metric: str) -> str:
    """A figure as the tables show it: shares in %, money whole from 100 (spend and revenue
    always), counts whole ('42', not '42.00') unless a mean below 100 has a fraction, and never
    '-0'."""
    if value is None:
        return "n/a"
    return unsigned_zero(figure(value, metric))


def figure(value: float, metric: str) -> str:
    if metric in SHARES:
        return f"{value:.2%}"
    if metric in COUNTS:
        return count(value)
    if abs(value) >= 100 or metric in ("spend", "revenue"):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def count(value: float) -> str:
    """Whole from 100; below, one decimal (3.3 learning entries), two below one (0.04 backlash
    events is not none), and no trailing zeros: a whole count reads '42', not '42.00'."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    text = f"{value:,.1f}" if abs(value) >= 1 else f"{value:.2f}"
    return text.rstrip("0").rstrip(".")


def unsigned_zero(text: str) -> str:
    """'0', not '-0': a figure that rounds to zero (a difference of -0.001) has no sign."""
    rounds_to_zero = text.startswith("-") and not any(d in text for d in "123456789")
    return text[1:] if rounds_to_zero else text


CURRENCY_KPIS = tuple(name for name, (unit, _) in KPIS.items() if unit == "currency")
MONTHLY_KPIS = ("spend", "reach", "clicks", "joins", "members", "conversions", "cpa")


def label(metric: str, currency: str) -> str:
    return f"{metric} ({currency})" if metric in CURRENCY_KPIS else metric


RATIO_NOTE = (
    "expected: the mean over simulated campaigns; for a ratio (ctr, cpm, cpc, cost per join, cpa, "
    "roas, frequency, reach share) the ratio of expected totals, e.g. expected spend / expected "
    "conversions, with the 90% CI of that estimate. 5/50/95%: single campaigns."
)


def totals_table(run: RunResult) -> Table:
    """The whole campaign: each KPI's expected value (a ratio's with its 90% CI) and the 5/50/95%
    quantiles of single campaigns."""
    table = Table(
        title=f"{run.scenario}: {run.replications} replications, seed {run.seed}",
        caption=RATIO_NOTE,
    )
    for name in ("KPI", "expected", "90% CI", "5%", "50%", "95%"):
        table.add_column(name, justify="left" if name == "KPI" else "right")
    for metric in TABLE_KPIS:
        if metric in run.totals:
            stats = run.totals[metric]
            # The expected value and its interval at the row's one precision: '52  49–55',
            # not '52  49.40–55.05'.
            mean, p5, p50, p95, *ci = row_figures(
                (stats.mean, stats.p5, stats.p50, stats.p95, *interval_ends(stats)), metric
            )
            table.add_row(label(metric, run.currency), mean, "–".join(ci), p5, p50, p95)
    return table


def row_figures(values: tuple[float | None, ...], metric: str) -> list[str]:
    """Figures of one row at one precision: money whole when any of them reaches 100, so a row
    reads '3,066  0  2,669', not '3,066  0.00  2,669'."""
    if metric in CURRENCY_KPIS and any(v is not None and abs(v) >= 100 for v in values):
        return [fmt(round(v), "n") if v is not None else "n/a" for v in values]
    return [fmt(v, metric) for v in values]


def interval_ends(stats: Stats) -> tuple[float, ...]:
    """A ratio's 90% CI of its expected value, (low, high); () for a KPI without one."""
    if stats.ci_low is ABSENT or stats.ci_low is None:
        return ()
    return (stats.ci_low, stats.ci_high)


def breakdown_table(
    title: str, columns: dict[str, dict[str, Stats]], metrics, currency: str
) -> Table:
    """KPI rows against named columns (platforms or months), expected values only (a ratio's is
    the ratio of expected totals, so the parts' spend and conversions add up to the total's); a
    KPI a column does not
    have (the brand's reputation on one platform) is left blank there."""
    table = Table(title=title)
    table.add_column("KPI")
    for name in columns:
        table.add_column(name, justify="right")
    for metric in metrics:
        if any(metric in stats for stats in columns.values()):
            present = [stats[metric].mean for stats in columns.values() if metric in stats]
            figures = iter(row_figures(tuple(present), metric))
            cells = [next(figures) if metric in stats else "" for stats in columns.values()]
            table.add_row(label(metric, currency), *cells)
    return table


def targets_table(run: RunResult) -> Table:
    """Each KPI target's probability; for whole-campaign targets also the probability that it is
    already met at each month's end (is the campaign on track?)."""
    table = Table(
        title="KPI targets: P(met), the share of simulated campaigns meeting each (by month end, "
        "cumulative)"
    )
    table.add_column("target", ratio=1)
    table.add_column("P(met)", justify="right")
    for month in run.months:
        table.add_column(month, justify="right", min_width=7)
    for target in run.kpi_targets:
        # A target set on one month has no month-by-month P(met).
        by_month = {} if target.by_month is ABSENT else target.by_month
        table.add_row(
            target.target,
            f"{target.probability:.0%}",
            *[f"{by_month[m]:.0%}" if m in by_month else "" for m in run.months],
        )
    return table


TOOL_KPIS = ("spend", "units", "impressions", "clicks", "joins", "conversions", "cpa")


def tools_table(run: RunResult) -> Table:
    """Each tool on each platform: what it cost and brought (expected values), ads and tactics
    alike."""
    table = Table(title="By tool (expected values)")
    table.add_column("tool", no_wrap=True)
    for metric in TOOL_KPIS:
        table.add_column(label(metric, run.currency), justify="right")
    for name, arm in run.arms.items():
        metrics = arm.metrics
        cells = [fmt(metrics[m].mean, m) if m in metrics else "" for m in TOOL_KPIS]
        table.add_row(name, *cells)
    return table


def print_tables(run: RunResult, console: Console | None = None) -> None:
    console = console or stdout_console()
    for line in run_headline(run):
        console.print(line, highlight=False)
    console.print()
    console.print(totals_table(run))
    console.print(unspent_line(run), highlight=False)
    console.print(
        breakdown_table("By platform (expected values)", run.platforms, TABLE_KPIS, run.currency)
    )
    console.print(tools_table(run))
    months = {month: summary.total for month, summary in run.monthly.items()}
    console.print(
        breakdown_table("By calendar month (expected values)", months, MONTHLY_KPIS, run.currency)
    )
    if run.kpi_targets:
        console.print(targets_table(run))
    if run.strategy is not ABSENT:
        console.print(strategy_table(run.strategy, run.currency))
        console.print(decision_table(run.strategy))
    note = run.quantile_note()
    if note:
        console.print(note, highlight=False)


def interval(stats: Stats | Probability | None, metric: str) -> str:
    """'mean [p5 - p95]', a probability as percentages."""
    if isinstance(stats, Probability):
        if stats.probability is None:
            return "n/a"
        return f"{stats.probability:.0%} {bracket(f'{stats.p5:.0%}', f'{stats.p95:.0%}')}"
    if stats is None or stats.mean is None:
        return "n/a"
    return f"{fmt(stats.mean, metric)} {bracket(fmt(stats.p5, metric), fmt(stats.p95, metric))}"


def strategy_rows(outcome: StrategyOutcome, currency: str) -> list[tuple[str, str]]:
    """(label, 'mean [5% - 95%]') lines of a strategy's outcome."""
    testing = outcome.cost_of_testing
    rows = [
        ("conversions", interval(outcome.conversions, "conversions")),
        (f"cpa ({currency})", interval(outcome.cpa, "cpa")),
        *[
            (f"spend: {phase} ({currency})", interval(stats, "spend"))
            for phase, stats in outcome.spend_by_phase.items()
        ],
        ("kept arms include the truly best", interval(outcome.kept_best, "share")),
        ("regret: conversions below the oracle", interval(outcome.regret.conversions, "n")),
        ("oracle conversions", interval(outcome.oracle.conversions, "conversions")),
    ]
    if testing:
        rows.append(
            (
                f"cost of testing: conversions given up in {testing.days} days",
                interval(testing.conversions, "n"),
            )
        )
    return rows


def strategy_table(outcome: StrategyOutcome, currency: str) -> Table:
    table = Table(title=f"Strategy {outcome.type}: mean [90% interval]")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in strategy_rows(outcome, currency):
        table.add_row(name, value)
    return table


DECISION_COLUMNS = ("truly_best", "kept", "dropped", "cut_by_stop_loss", "extended")


def decision_table(outcome: StrategyOutcome) -> Table:
    """How often each arm was kept, dropped, cut or had its test extended."""
    table = Table(title="Decision log: share of replications")
    table.add_column("arm")
    table.add_column("tested")
    for name in DECISION_COLUMNS:
        table.add_column(name.replace("_", " "), justify="right")
    for arm, log in outcome.decision_log.items():
        shares = decisions(log)
        cells = [f"{shares[c].probability:.0%}" for c in DECISION_COLUMNS]
        table.add_row(arm, "yes" if log.tested else "no", *cells)
    return table


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
