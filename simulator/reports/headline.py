"""The answer first: two or three plain sentences that open a run's console output and report.

One definition for both, read off the run's typed result: what the budget buys (expected
conversions with their 90% range and the CPA), what is left unspent, how likely the plan's KPI
targets are all met in one campaign, and the backlash risk.
"""

from __future__ import annotations

from smmsim.scenarios.documents import ABSENT
from smmsim.simulator.reports.kit import fmt
from smmsim.simulator.studies.run import RunResult

# Unspent money below this share of the budget is rounding in the pacing, not a plan to flag.
UNSPENT_SHARE_WORTH_SAYING = 0.01


def run_headline(run: RunResult) -> list[str]:
    """The run's answer in plain sentences, most important first."""
    lines = [buys(run)]
    left = unspent(run)
    if left:
        lines.append(left)
    lines.append(targets(run))
    if run.risk is not ABSENT:
        lines.append(f"Backlash risk: {run.risk.level}.")
    return lines


def buys(run: RunResult) -> str:
    """Expected conversions with their 90% range, for the expected spend: the cost per
    conversion is the ratio of the two, so the sentence multiplies out."""
    conversions, spend = run.totals["conversions"], run.totals["spend"].mean or 0.0
    low, high = whole(conversions.p5), whole(conversions.p95)
    spread = "" if run.deterministic else f" (90%: {low}–{high})"
    money = f"{fmt(spend, 'currency')} {run.currency}"
    if not conversions.mean:
        return f"Expected {whole(conversions.mean)} conversions{spread} for {money}."
    each = f"{fmt(spend / conversions.mean, 'currency')} {run.currency}"
    return f"Expected {whole(conversions.mean)} conversions{spread} for {money}: {each} each."


def whole(count: float | None) -> str:
    """A count of people or conversions as a whole number."""
    return "n/a" if count is None else f"{round(count):,}"


def unspent(run: RunResult) -> str | None:
    """A line when a meaningful part of the budget is left unspent on average."""
    left = run.budget - (run.totals["spend"].mean or 0.0)
    if left <= UNSPENT_SHARE_WORTH_SAYING * run.budget:
        return None
    return (
        f"{fmt(left, 'currency')} {run.currency} of the {fmt(run.budget, 'currency')} budget "
        f"is left unspent on average ({left / run.budget:.0%})."
    )


def targets(run: RunResult) -> str:
    if run.all_targets_met is None:
        return "The plan sets no KPI targets."
    chance = run.all_targets_met.probability
    if len(run.kpi_targets) == 1:
        return f"P(met) of the KPI target {run.kpi_targets[0].target}: {chance:.0%}."
    return f"P(all {len(run.kpi_targets)} KPI targets met in one campaign): {chance:.0%}."
