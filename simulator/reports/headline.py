"""The answer first: two or three plain sentences that open a command's console output and its
report, one definition for both, read off the command's typed result.

- run: what the budget buys (expected conversions with their 90% range, for the expected spend,
  so the cost each multiplies out), what is left unspent, how likely the KPI targets are all met
  in one campaign, and the backlash risk;
- compare: the combination with the most expected conversions and its paired gain over the
  baseline;
- size-test: the test to run and what the campaign then buys;
- optimise: how much better the best plan is than the plan as written, and whether more trials
  would likely help.
"""

from __future__ import annotations

from smmsim.scenarios.documents import ABSENT
from smmsim.simulator.reports.kit import fmt
from smmsim.simulator.studies.comparison import ComparisonResult
from smmsim.simulator.studies.optimiser.document import OptimisationResult
from smmsim.simulator.studies.run import RunResult
from smmsim.simulator.studies.sizing.document import SizingResult
from smmsim.simulator.studies.spending import expected_unspent, worth_saying


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
    left = expected_unspent(run.budget, run.totals["spend"].mean)
    if not worth_saying(run.budget, left):
        return None
    return (
        f"{fmt(left, 'currency')} {run.currency} of the {fmt(run.budget, 'currency')} budget "
        f"is left unspent on average ({left / run.budget:.0%})."
    )


def unspent_line(run: RunResult) -> str:
    """The run's unspent budget, always said (under the KPI table): expected, and the 5-95%
    range over campaigns, in whole money."""
    left = expected_unspent(run.budget, run.totals["spend"].mean)
    share = left / run.budget if run.budget else 0.0
    line = (
        f"Budget left unspent at the end: {left:,.0f} {run.currency} of {run.budget:,.0f} "
        f"on average ({share:.1%})"
    )
    spread = run.unspent
    if spread is ABSENT or run.deterministic or spread.p95 is None:
        return line + "."
    return line + f"; {spread.p5:,.0f}–{spread.p95:,.0f} {run.currency} in 90% of campaigns."


def targets(run: RunResult) -> str:
    if run.all_targets_met is None:
        return "The plan sets no KPI targets."
    chance = run.all_targets_met.probability
    if len(run.kpi_targets) == 1:
        return f"P(met) of the KPI target {run.kpi_targets[0].target}: {chance:.0%}."
    return f"P(all {len(run.kpi_targets)} KPI targets met in one campaign): {chance:.0%}."


def comparison_headline(result: ComparisonResult) -> list[str]:
    """The combination with the most expected conversions, and what it gains over the baseline
    replication by replication."""
    # The oracle knows every arm's true rates: a yardstick for regret, not a plan one can run.
    runnable = [c for c in result.combinations if c.strategy != "oracle"] or result.combinations
    best = max(runnable, key=lambda c: c.kpis["conversions"].mean or 0.0)
    conversions, spend = best.kpis["conversions"].mean or 0.0, best.kpis["spend"].mean or 0.0
    each = f": {fmt(spend / conversions, 'currency')} {best.currency} each" if conversions else ""
    lines = [
        f"Most expected conversions: {best.label}, {whole(conversions)} for "
        f"{fmt(spend, 'currency')} {best.currency}{each}."
    ]
    if best.label == result.baseline:
        lines.append("That is the baseline: no other combination has more expected conversions.")
        return lines
    gain = next(
        d for d in result.differences if d.label == best.label and d.metric == "conversions"
    )
    better = (
        ""
        if gain.probability_better is None
        else (f", more conversions in {gain.probability_better:.0%} of paired campaigns")
    )
    lines.append(
        f"Against the baseline {result.baseline}: {signed(gain.mean)} conversions "
        f"(90% CI {signed(gain.ci_low)} to {signed(gain.ci_high)}){better}."
    )
    return lines


def sizing_headline(result: SizingResult) -> list[str]:
    """The test with the most expected conversions over the whole campaign, and what it buys."""
    best = result.recommendations.most_conversions
    if best.test_budget == 0:
        test = "No test: decide on the priors"
    else:
        test = (
            f"Test with {fmt(best.test_budget, 'currency')} {result.currency} over "
            f"{best.test_days} days"
        )
    conversions = best.conversions
    return [
        f"{test}: the campaign then buys {whole(conversions.mean)} conversions on average "
        f"(90% CI of the mean {whole(conversions.ci_low)}–{whole(conversions.ci_high)}), "
        "the most of the sizes tried."
    ]


def signed(value: float | None) -> str:
    """A difference with its sign: +12, -3, 0."""
    if value is None:
        return "n/a"
    text = whole(value)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def optimisation_headline(result: OptimisationResult) -> list[str]:
    """The best plan against the plan as written (paired), and whether to run more trials."""
    evaluation = result.evaluation
    if result.best is None or evaluation is None or "as written" not in evaluation.plans:
        return ["No plan has been evaluated yet: no trial completed."]
    best, written = evaluation.plans["optimised"], evaluation.plans["as written"]
    cost = evaluation.against["as written"].cost()
    change = (
        ""
        if cost is None or cost.mean is None
        else (
            f" ({signed_money(cost.mean)}, 90% CI {signed_money(cost.ci_low)} to "
            f"{signed_money(cost.ci_high)})"
        )
    )
    lines = [
        f"Best plan: {fmt(best.objective_cpa(), 'currency')} {result.currency} per conversion "
        f"against {fmt(written.objective_cpa(), 'currency')} as written{change}, "
        f"{whole(best.conversions.mean)} expected conversions against "
        f"{whole(written.conversions.mean)}."
    ]
    verdict = result.convergence
    if verdict is not ABSENT and verdict.more_trials_likely_help:
        lines.append(f"More trials would likely help: aim at {verdict.suggested_trials}.")
    elif verdict is not ABSENT:
        lines.append(f"No sign that more trials would help, after {result.trials.completed}.")
    return lines


def signed_money(value: float | None) -> str:
    if value is None:
        return "n/a"
    text = fmt(value, "currency")
    return text if text.startswith("-") or float(text.replace(",", "")) == 0 else f"+{text}"
