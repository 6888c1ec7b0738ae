"""Terminal output of a plan's flags: the static findings and the simulated risk per platform."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from smmsim.simulator.consoles.run import fmt, interval
from smmsim.simulator.consoles.terminal import stdout_console
from smmsim.simulator.studies.risk import RiskAssessment

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
            interval(row.repair_cost, "repair_cost"),
            interval(loss.conversions, "conversions"),
            interval(loss.cpa, "cpa"),
            interval(loss.positive_share, "positive_share"),
        )
    return table


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
