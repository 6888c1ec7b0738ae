"""Terminal output of a plan's flags: the static findings and the simulated risk per platform."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from smmsim.simulator.consoles.run import fmt, interval, unsigned_zero
from smmsim.simulator.consoles.terminal import bracket, stdout_console
from smmsim.simulator.reports.headline import check_headline, checked_plan
from smmsim.simulator.studies.risk import CheckResult, RiskAssessment
from smmsim.simulator.summary import Stats

STYLE = {"high": "bold red", "medium": "yellow", "low": "green"}


def finding_lines(risk: RiskAssessment) -> list[str]:
    """Each static finding as a short block: what the plan does, the line it crosses, why it
    matters and what to do instead (rich markup)."""
    lines = []
    for f in risk.static:
        where = f"{f.platform}/{f.tool}" if f.tool else f.platform
        lines += [
            f"[{STYLE[f.level]}]{f.level.upper()}[/] {f.rule} on {where} ({f.path})",
            f"  plan: {f.value:.3g} {f.unit}; {f.level} from {f.threshold:.3g}",
            f"  why: {f.why}",
            f"  safer: {f.safer}",
        ]
    return lines


def simulated_table(risk: RiskAssessment, currency: str) -> Table:
    """Per platform: the chance of backlash, its repair bill and what it costs in KPIs."""
    table = Table(title="Simulated backlash risk per platform: mean [90% interval]")
    for name in (
        "platform",
        "level",
        "P(backlash)",
        "events",
        f"repair ({currency})",
        "conversions lost",
        f"CPA added ({currency})",
        "positive share lost",
    ):
        table.add_column(name, justify="left" if name in ("platform", "level") else "right")
    for row in risk.simulated:
        loss = row.loss
        table.add_row(
            row.platform,
            f"[{STYLE[row.level]}]{row.level}[/]",
            interval(row.chance, "share"),
            fmt(row.events.mean, "backlash_events"),
            money_interval(row.repair_cost),
            interval(loss.conversions, "conversions"),
            money_interval(loss.cpa),
            interval(loss.positive_share, "positive_share"),
        )
    return table


def money_interval(stats: Stats | None) -> str:
    """'mean [p5 - p95]' of money in one format: whole when any of the three reaches 100, else
    with cents ('2,981 [0 - 6,816]', '45.65 [0.00 - 0.00]'), never '-0'."""
    if stats is None or stats.mean is None:
        return "n/a"
    values = (stats.mean, stats.p5, stats.p95)
    spec = ",.0f" if max(abs(v) for v in values) >= 100 else ",.2f"
    mean, low, high = (unsigned_zero(format(v, spec)) for v in values)
    return f"{mean} {bracket(low, high)}"


def print_check(result: CheckResult, currency: str, console: Console | None = None) -> None:
    """`smmsim check`: its answer first (`check_headline`), then the flags in full."""
    console = console or stdout_console()
    for line in check_headline(result, currency):
        console.print(line, highlight=False, markup=False)  # names are the planner's text
    console.print()
    bought = checked_plan(result, currency)
    if bought:
        console.print(bought, highlight=False, markup=False)
    print_flags(result.flags, currency, console)


def print_flags(risk: RiskAssessment, currency: str, console: Console | None = None) -> None:
    console = console or stdout_console()
    if risk.static:
        console.print("Static rules: tactics the plan pushes too hard")
        for line in finding_lines(risk):
            console.print(line, highlight=False)
    else:
        console.print("Static rules: no tactic above its safe level.")
    if risk.simulated:
        console.print(simulated_table(risk, currency))
    console.print(f"Overall: [{STYLE[risk.level]}]{risk.level}[/] risk of backlash.")
