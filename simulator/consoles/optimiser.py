"""`smmsim optimise` in the terminal: the study in one line, the best allocation, the tactics at
the optimum and the optimum against the baselines, each number with its unit and 90% interval.

The plain readings of the document (objective names, expected CPA, identical outcomes) live here
too: the HTML report shares them, and this module must not import plotly.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from smmsim.scenarios.documents import ABSENT
from smmsim.simulator.consoles.run import count, unsigned_zero
from smmsim.simulator.consoles.terminal import bracket, stdout_console
from smmsim.simulator.reports.headline import optimisation_headline
from smmsim.simulator.studies.comparison import PairedStats
from smmsim.simulator.studies.optimiser.document import (
    BestTrial,
    CpaDifference,
    OptimisationResult,
    PolicyRecord,
    ToolRow,
)
from smmsim.simulator.summary import Probability, Stats

OBJECTIVES = {
    "cpa": "lowest expected CPA (expected spend / expected conversions)",
    "conversions": "most expected conversions",
}
BASELINE_NOTES = {
    "as written": "the scenario as written",
    "spread": "every paid-ads tool the same share",
    "best-guess": "everything on the best prior CPA",
}
NO_CPA = "–"  # a tool without conversions has no CPA: a dash, not a price
NO_TRIAL = "No trial has completed yet: there is no best plan to show."
SEARCHED = {
    "shares": "the paid-ads split",
    "tactics": "the tactics' intensities",
    "policy": "the test-then-scale policy",
}


# --- reading the document ---


def given(value: Any) -> Any:
    """A document value, or None for a key this document does not have (an older one)."""
    return None if value is ABSENT else value


def at_a_time_text(trials) -> str:
    """', 8 at a time' for a study this worker ran in batches; nothing one at a time, or in an
    older document."""
    batch = given(trials.at_a_time)
    return f", {batch} at a time" if batch and batch > 1 else ""


def currency_of(document: OptimisationResult) -> str:
    """The money unit; older documents carry none, so money is then shown without a unit."""
    return given(document.currency) or ""


def with_unit(name: str, document: OptimisationResult) -> str:
    """'expected CPA (EUR)', or the bare name when the document names no currency."""
    currency = currency_of(document)
    return f"{name} ({currency})" if currency else name


def objective_text(document: OptimisationResult) -> str:
    return OBJECTIVES.get(document.objective, document.objective)


def number(value: float | None, kind: str) -> str:
    """Money with cents below 1,000 and whole above, budgets whole; counts as every table shows
    them (whole from 100 or when whole, else one decimal: 1.1 conversions, not 1.10); never
    '-0'."""
    if value is None:
        return "n/a"
    return unsigned_zero(number_text(value, kind))


def number_text(value: float, kind: str) -> str:
    if kind == "budget":
        return f"{value:,.0f}"
    if kind == "money":
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    return count(value)


def interval(stats: Stats | None, kind: str, narrow: bool = False) -> str:
    """'mean [p5 - p95]', or the mean alone where the interval is one point (deterministic);
    `narrow` puts the interval under the mean, for a table of many columns."""
    if stats is None or stats.mean is None:
        return "n/a"
    mean, low, high = (number(v, kind) for v in (stats.mean, stats.p5, stats.p95))
    if stats.p5 is None or low == high == mean:  # no interval: one point or one run
        return mean
    return f"{mean}\n{bracket(low, high)}" if narrow else f"{mean} {bracket(low, high)}"


def objective_value_text(value: float | None, document: OptimisationResult) -> str:
    """'expected CPA 24.99 EUR' or 'expected conversions 600'."""
    if document.objective == "cpa":
        return f"expected CPA {number(value, 'money')} {currency_of(document)}".rstrip()
    return f"expected conversions {number(value, 'count')}"


def risk_limit_text(document: OptimisationResult) -> str:
    limit = document.max_risk
    if limit is None:
        return "none"
    return f"P(at least one backlash event) ≤ {limit:.0%}"


Difference = PairedStats | CpaDifference


def same_outcome(difference: Difference) -> bool:
    """A paired difference that is 0 in every replication: the baseline is the optimised plan
    itself (best-guess often is), whose P(better) of 0 means a tie, not a loss."""
    return difference.mean == 0 and all(v == 0 for v in difference.spreads())


def ci_of(difference: Difference) -> Stats:
    """The difference's mean with the 90% confidence interval of the mean as its p5 - p95."""
    return Stats(mean=difference.mean, p5=difference.ci_low, p50=None, p95=difference.ci_high)


def signed(text: str) -> str:
    """A difference with its sign: '+20.7 [15.6 - 25.8]' reads as 'more', '-7.30' as 'less';
    a mean that rounds to zero ('0', '0.00') has none."""
    mean = text.split(" ")[0]
    zero = not any(d in mean for d in "123456789")
    return text if zero or text.startswith(("-", "n/a")) else f"+{text}"


def percent(value: float | None) -> str:
    """A probability with a decimal, since the risks compared are often below 1%."""
    return "n/a" if value is None else f"{value:.1%}"


def probability_interval(stats: Probability) -> str:
    return f"{percent(stats.probability)} {bracket(percent(stats.p5), percent(stats.p95))}"


def share_text(row: ToolRow) -> str:
    """A tool's part in the plan: its share of the paid-ads budget, its multiple of the planned
    tactic, or 'as plan' for a tool the search leaves alone (retargeting)."""
    if row.share is not None:
        return f"{row.share:.1%}"
    if row.intensity is not None:
        return f"x{row.intensity:.2f} plan"
    return "as plan"


def policy_of(best: BestTrial) -> PolicyRecord | None:
    """The best plan's test-then-scale settings; None for a plain split."""
    return given(best.candidate.policy)


# --- tables ---


def per_trial_text(document: OptimisationResult) -> str:
    if document.deterministic:
        return "1 deterministic run (expected values, no noise)"
    return f"{document.replications_per_trial:,} replications"


def summary_line(document: OptimisationResult) -> str:
    trials, evaluation = document.trials, document.evaluation
    final = f"{evaluation.replications:,}" if evaluation else "none"
    return (
        f"Study '{document.study}' in {document.storage}: {trials.completed} of "
        f"{trials.target} trials completed, {trials.failed} failed{at_a_time_text(trials)}; "
        "objective "
        f"{objective_text(document)}; risk limit {risk_limit_text(document)}; seed "
        f"{document.seed}, {per_trial_text(document)} per trial, {final} for the final "
        "evaluation."
    )


def best_line(document: OptimisationResult) -> str:
    best = document.best
    line = (
        f"Best: trial {best.number}, {objective_value_text(best.value, document)} on the "
        f"trial's own replications, backlash risk {percent(best.risk)}."
    )
    if not best.feasible:
        line += " No trial met the risk limit: this is the least risky one."
    policy = policy_of(best)
    if policy:
        searched_q = "keep_q" in best.params  # an Optuna parameter's name
        keep = (
            f"keeping a tool when P(CPA <= target) >= {policy.keep_q:.2f}"
            if searched_q
            else "keeping the tools its decision rule picks"
        )
        line += (
            f" Test-then-scale: {article(policy.test_days)} {policy.test_days}-day test on "
            f"{percent(policy.test_share)} of the budget, {keep}."
        )
    return line


def allocation_table(document: OptimisationResult) -> Table:
    """Per tool of the optimised plan: its part and planned budget, what it spent and brought."""
    money = f", money in {currency_of(document)}" if currency_of(document) else ""
    table = Table(title=f"Best allocation{money}: mean [90% interval over replications]")
    table.add_column("tool", no_wrap=True)
    for name in ("share\nplanned", "spend", "conversions", "CPA"):
        table.add_column(name, justify="right")
    for row in document.evaluation.tools:
        planned = row.planned_budget
        part = share_text(row) + ("" if planned is None else f"\n{number(planned, 'budget')}")
        table.add_row(
            row.tool,
            part,
            interval(row.spend, "budget", narrow=True),
            interval(row.conversions, "count", narrow=True),
            NO_CPA if row.cpa is None else interval(row.cpa, "money", narrow=True),
        )
    return table


def tactics_table(best: BestTrial) -> Table:
    table = Table(title="Tactics at the optimum: units over the campaign")
    for name in ("tactic", "x plan", "units", "planned", "per week"):
        table.add_column(name, justify="left" if name == "tactic" else "right", no_wrap=True)
    for t in best.tactics:
        table.add_row(
            t.tool,
            f"x{t.intensity:.2f}",
            f"{t.units:,.0f}",
            f"{t.planned_units:,.0f}",
            f"{t.per_week:.1f}",
        )
    return table


def plans_table(document: OptimisationResult) -> Table:
    evaluation = document.evaluation
    table = Table(
        title=f"Optimised against the baselines: {evaluation.replications:,} replications, "
        f"seed {evaluation.seed}, common random numbers"
    )
    table.add_column("plan", no_wrap=True)
    table.add_column(with_unit("expected CPA", document), justify="right")
    table.add_column("conversions [90%]", justify="right")
    table.add_column("P(backlash) [90% CI]", justify="right")
    for name, plan in evaluation.plans.items():
        table.add_row(
            name,
            number(plan.objective_cpa(), "money"),
            interval(plan.conversions, "count"),
            probability_interval(plan.backlash_probability),
        )
    return table


def differences_table(document: OptimisationResult) -> Table:
    """Optimised minus each baseline, replication by replication."""
    table = Table(title="Optimised - baseline, paired: difference [90% CI], P(better)")
    for name in ("baseline", "measure", "difference", "P(better)"):
        table.add_column(name, justify="right" if name in ("difference", "P(better)") else "left")
    for baseline, against in document.evaluation.against.items():
        measures = (
            (against.conversions, "conversions", "count"),
            (against.expected_cpa, with_unit("expected CPA", document), "money"),
        )
        for d, label, kind in measures:
            if given(d) is None:
                continue
            if same_outcome(d):
                table.add_row(baseline, label, "same outcome", "tie")
                continue
            better = d.probability_better
            table.add_row(baseline, label, signed(interval(ci_of(d), kind)), percent(better))
    return table


def print_optimisation(document: OptimisationResult, console: Console | None = None) -> None:
    """The study's outcome for a planner at the terminal; says so when no trial has completed."""
    console = console or stdout_console()
    for line in optimisation_headline(document):
        console.print(line, highlight=False, markup=False)
    console.print()
    console.print(summary_line(document), highlight=False, markup=False)
    if document.best is None:
        console.print(NO_TRIAL, highlight=False, markup=False)
        return
    console.print(best_line(document), highlight=False, markup=False)
    if document.evaluation is None:
        console.print("The best plan has not been evaluated against the baselines.")
        return
    console.print(allocation_table(document))
    if given(document.best.tactics):  # older documents have no tactics
        console.print(tactics_table(document.best))
    console.print(plans_table(document))
    console.print(differences_table(document))
    console.print(baselines_line(document), highlight=False, markup=False)
    for note in document.evaluation.notes:
        console.print(f"Note: {note}", highlight=False, markup=False)
    hint = convergence_line(document)
    if hint:
        console.print(hint, highlight=False, markup=False)


def searched_text(document: OptimisationResult) -> str | None:
    """'the split and the tactics' from `search_space.searched`; None in older documents."""
    searched = given(document.search_space.searched)
    if searched is None:
        return None
    parts = [SEARCHED.get(name, name) for name in searched]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def baselines_line(document: OptimisationResult) -> str:
    """What each baseline is, and that every plan runs the scenario's own strategy but for what
    was searched."""
    shown = [k for k in document.evaluation.against if k in BASELINE_NOTES]
    notes = "; ".join(f"{k}: {BASELINE_NOTES[k]}" for k in shown)
    searched = searched_text(document)
    if searched is None:
        return f"Baselines: {notes}."
    return (
        f"Searched: {searched}; everything else as written, the strategy included. "
        f"Baselines: {notes}."
    )


def convergence_line(document: OptimisationResult) -> str | None:
    """One plain line when more trials would likely help, with why and how many."""
    verdict = given(document.convergence)
    if verdict is None or not verdict.more_trials_likely_help:
        return None
    more = verdict.suggested_trials - document.trials.completed
    return (
        f"More trials would likely help: {'; and '.join(verdict.reasons)}. Run about {more} "
        f"more (--trials {verdict.suggested_trials}); the study resumes where it stopped."
    )


def article(number: int) -> str:
    """'an' before a number read with a vowel sound (an 8-day, an 11-day, an 18-day test)."""
    spoken = str(number)
    vowel = spoken.startswith("8") or (len(spoken) in (2, 5, 6) and spoken[:2] in ("11", "18"))
    return "an" if vowel else "a"
