"""The sweep in the terminal: one row per test size, then the recommendations."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from smmsim.simulator.consoles.run import unsigned_zero
from smmsim.simulator.consoles.terminal import stdout_console
from smmsim.simulator.reports.headline import sizing_headline
from smmsim.simulator.reports.kit import mean_money
from smmsim.simulator.studies.comparison import PairedStats
from smmsim.simulator.studies.sizing.document import SizingResult
from smmsim.simulator.studies.sizing.measures import Expectation, TestSize
from smmsim.simulator.studies.sizing.recommend import TargetSelection
from smmsim.simulator.summary import Probability


def money(value: float | None, currency: str) -> str:
    return "n/a" if value is None else f"{value:,.0f} {currency}"


def decimals(value: float, digits: int) -> str:
    """`value` with `digits` decimals and a thousands separator; never '-0'."""
    return unsigned_zero(f"{value:,.{digits}f}")


def mean_ci(stats: Expectation | PairedStats, digits: int = 0) -> str:
    if stats.mean is None:
        return "n/a"
    low, mean, high = (decimals(v, digits) for v in (stats.ci_low, stats.mean, stats.ci_high))
    return f"{mean} [{low} - {high}]"


def share(chance: Probability) -> str:
    return f"{chance.probability:.0%} [{chance.p5:.0%} - {chance.p95:.0%}]"


def plus_minus(stats: Expectation, digits: int = 0) -> str:
    """'480 ±12': a mean and the half-width of its 90% interval, narrow enough for a terminal;
    a count that is exactly whole (no test costs 0 conversions, not 0.0) without decimals."""
    if stats.mean is None:
        return "n/a"
    half = (stats.ci_high - stats.ci_low) / 2
    if stats.mean == round(stats.mean) and half == round(half):
        digits = 0
    return f"{decimals(stats.mean, digits)} ±{decimals(half, digits)}"


def share_plus_minus(chance: Probability) -> str:
    """'81% ±5%': a probability and the half-width of its 90% Wilson interval."""
    return f"{chance.probability:.0%} ±{(chance.p95 - chance.p5) / 2:.0%}"


def gap(value: float | None) -> str:
    return "none" if value is None else f"{value:.0%}"


def sweep_table(result: SizingResult) -> Table:
    table = Table(
        title=f"Test sizes: {result.replications} replications each, seed {result.seed}, "
        "common random numbers; mean ± half its 90% Monte Carlo interval"
    )
    columns = (
        f"test budget ({result.currency})",
        "days",
        "P(correct)",
        "conversions",
        f"spend ({result.currency})",
        "unspent",
        "CPA",
        "regret",
        "cost of test",
        "gap told apart",
    )
    for name in columns:
        table.add_column(name, justify="right")
    for p in result.points:
        table.add_row(
            f"{p.test_budget:,.0f}" + (" *" if p.refined else ""),
            str(p.test_days),
            share_plus_minus(p.correct_selection),
            plus_minus(p.conversions),
            mean_money(p.spend),
            mean_money(p.unspent),
            plus_minus(p.cpa, 2),
            plus_minus(p.regret),
            plus_minus(p.cost_of_test, 1),
            gap(p.detectable_cpa_gap),
        )
    return table


def recommendation_lines(result: SizingResult) -> list[str]:
    currency, budget = result.currency, result.campaign_budget
    best, target = result.recommendations.most_conversions, result.recommendations.target_selection

    def size(point: TestSize | TargetSelection) -> str:
        if point.test_budget == 0:
            return "no test (decide on the priors)"
        return (
            f"{money(point.test_budget, currency)} over {point.test_days} days "
            f"({point.test_budget / budget:.1%} of the budget)"
        )

    lines = [f"Most conversions: {size(best)}: {mean_ci(best.conversions)} conversions."]
    near = [p.test_budget for p in best.as_good_within_error]
    if len(near) > 1:
        lines.append(
            f"  As good within Monte Carlo error: test budgets {money(min(near), currency)} to "
            f"{money(max(near), currency)}."
        )
    top = best.best_test
    if best.test_budget == 0 and top:
        lines.append(
            f"  If you test anyway: {size(top)}, {mean_ci(top.conversions_below_best)} "
            "conversions fewer."
        )
    if not target.reached:
        highest = target.highest
        lines.append(
            f"P(correct selection) >= {target.target:.0%}: no test swept reaches it; the best "
            f"is {share(highest.correct_selection)} at {size(highest)}."
        )
    else:
        lines.append(
            f"Smallest test with P(correct selection) >= {target.target:.0%}: {size(target)}: "
            f"{share(target.correct_selection)}; it gives up "
            f"{mean_ci(target.conversions_below_best)} conversions against the optimum."
        )
    classical, ref = result.classical, result.reference_arm
    lines.append(
        f"Classical A/B size (two proportions, alpha {classical.alpha:g}, power "
        f"{classical.power:.0%}) to tell a {classical.relative_gap:.0%} CPA gap on "
        f"{ref.arm} (conversion rate {classical.base_rate:.2%}): "
        f"{classical.clicks_per_arm:,} clicks per arm, {money(classical.budget, currency)} "
        f"over {ref.tested} arms ({classical.share_of_campaign:.0%} of the budget)."
    )
    planned = result.planned_test
    lines.append(
        f"The scenario's own test ({money(planned.test_budget, currency)}) tells apart CPAs "
        f"{gap(planned.detectable_cpa_gap)} apart with probability {result.target_pcs:.0%}."
    )
    return lines


def print_sizing(result: SizingResult, console: Console | None = None) -> None:
    console = console or stdout_console()
    for line in sizing_headline(result):
        console.print(line, highlight=False)
    console.print()
    console.print(sweep_table(result))
    console.print(
        "* added by the refinement around the answers. Gap told apart: the CPA difference between "
        f"two arms that the test picks right with probability {result.target_pcs:.0%} "
        "(normal approximation).",
        highlight=False,
    )
    for line in recommendation_lines(result):
        console.print(line, highlight=False)
