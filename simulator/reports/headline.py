"""The answer first: two or three plain sentences that open a command's console output and its
report, one definition for both, read off the command's typed result.

- run: what the budget buys (expected conversions with their 90% range, for the expected spend,
  so the cost each multiplies out), what is left unspent, how likely the KPI targets are all met
  in one campaign, and the backlash risk;
- compare: the combination with the most expected conversions and its paired gain over the
  baseline;
- size-test: the test to run and what the campaign then buys;
- optimise: how much better the best plan is than the plan as written, and whether more trials
  would likely help;
- check: the backlash risk and what drives it, what the risk costs where it is likeliest, and
  what to change first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smmsim.scenarios.documents import ABSENT
from smmsim.simulator.reports.kit import fmt
from smmsim.simulator.studies.spending import expected_unspent, worth_saying

if TYPE_CHECKING:  # each command's result type, named only in annotations: importing them all
    # here would load every command's libraries (optuna for `run`, say) to print one headline
    from smmsim.simulator.studies.comparison import ComparisonResult
    from smmsim.simulator.studies.optimiser.document import OptimisationResult
    from smmsim.simulator.studies.risk import CheckResult, PlatformRisk
    from smmsim.simulator.studies.run import RunResult
    from smmsim.simulator.studies.sizing.document import SizingResult


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
    """Expected conversions with the 90% range of single campaigns, for the expected spend, at
    the expected CPA (their ratio, so the sentence multiplies out) with its 90% CI."""
    conversions, spend = run.totals["conversions"], run.totals["spend"].mean or 0.0
    low, high = whole(conversions.p5), whole(conversions.p95)
    spread = "" if run.deterministic else f" (90% of campaigns: {low}–{high})"
    money = f"{fmt(spend, 'currency')} {run.currency}"
    cpa = run.totals["cpa"]
    if cpa.mean is None:
        return f"Expected {whole(conversions.mean)} conversions{spread} for {money}."
    each = f"{fmt(cpa.mean, 'currency')} {run.currency}"
    if not run.deterministic and cpa.ci_low is not None:
        each += f" (90% CI {fmt(cpa.ci_low, 'currency')}–{fmt(cpa.ci_high, 'currency')})"
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


def checked_plan(result: CheckResult, currency: str) -> str | None:
    """'The plan as checked: 456 conversions expected for 12,000.00 EUR: 26.29 EUR each.'; None
    where nothing was simulated."""
    if not result.plan:
        return None
    conversions, spend, cpa = (result.plan[k].mean for k in ("conversions", "spend", "cpa"))
    each = "" if cpa is None else f": {fmt(cpa, 'currency')} {currency} each"
    return (
        f"The plan as checked: {whole(conversions)} conversions expected for "
        f"{fmt(spend, 'currency')} {currency}{each}."
    )


def check_headline(result: CheckResult, currency: str) -> list[str]:
    """The plan's flags as an answer: the verdict (the level and the tactic or platform driving
    it), what backlash costs where it is likeliest, and what to change first."""
    lines = [risk_verdict(result), risk_cost(result, currency)]
    advice = risk_advice(result)
    return lines if advice is None else [*lines, advice]


def risk_verdict(result: CheckResult) -> str:
    """'Backlash risk: high, driven by forums/seeding (seeding ratio, reputation speed).'"""
    level = result.level
    if level == "low":
        return "Backlash risk: low: no tactic above its safe level, nothing to change."
    tactics: dict[str, list[str]] = {}  # where -> its rules at the overall level, in order
    for f in result.static:
        if f.level == level:
            where = f"{f.platform}/{f.tool}" if f.tool else f.platform
            tactics.setdefault(where, []).append(f.rule.replace("_", " "))
    drivers = [f"{where} ({', '.join(rules)})" for where, rules in tactics.items()]
    flagged = {w.split("/")[0] for w in tactics}
    simulated = [r.platform for r in result.simulated if r.level == level]
    drivers += [f"the simulated backlash on {p}" for p in simulated if p not in flagged]
    return f"Backlash risk: {level}, driven by {and_list(drivers)}."


def risk_cost(result: CheckResult, currency: str) -> str:
    """What backlash costs on the platform where it is likeliest: conversions lost and the
    repair bill, means over the simulated campaigns with their 90% ranges."""
    if not result.replications:
        return "Not simulated (--static-only): no estimate of what backlash would cost."
    struck = [r for r in result.simulated if r.events.mean]
    if not struck:
        off = "" if result.backlash_enabled else " (the plan switches the backlash model off)"
        return (
            f"No backlash event in any of the {result.replications:,} simulated "
            f"campaigns{off}: nothing lost."
        )
    top = max(struck, key=lambda r: r.probability)
    others = len(struck) - 1
    also = f"; {others} more platform{'s' * (others > 1)} in the table" if others else ""
    return (
        f"On {top.platform}, P(at least one backlash event) is {top.probability:.0%}; it costs "
        f"on average {lost_conversions(top)} and {repair(top, currency)}{also}."
    )


def lost_conversions(row: PlatformRisk) -> str:
    lost = row.loss.conversions
    if lost is None or lost.mean is None:
        return "no conversions measured"
    return f"{whole(lost.mean)} conversions{spread_of(whole(lost.p5), whole(lost.p95))}"


def repair(row: PlatformRisk, currency: str) -> str:
    bill = row.repair_cost  # whole money: a bill's cents are no part of the risk
    return f"{whole(bill.mean)} {currency} of repair{spread_of(whole(bill.p5), whole(bill.p95))}"


def spread_of(low: str, high: str) -> str:
    """' (90%: low–high)', nothing where the range is one value (most campaigns see none)."""
    return "" if low == high else f" (90%: {low}–{high})"


def risk_advice(result: CheckResult) -> str | None:
    """The first static finding's safer alternative (the findings are ordered high first);
    nothing for a low risk, whose verdict already says there is nothing to change."""
    if result.level == "low":
        return None
    if not result.static:
        platforms = and_list([r.platform for r in result.simulated if r.level == result.level])
        return (
            "No tactic is above its safe level on the plan's expected figures: to lower the "
            f"simulated risk, ease the tactics on {platforms} and check again."
        )
    first, more = result.static[0], len(result.static) - 1
    where = f"{first.platform}/{first.tool}" if first.tool else first.platform
    rest = f"; {more} more finding{'s' * (more > 1)} below" if more else ""
    return f"First change, on {where}: {first.safer}{rest}."


def and_list(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
