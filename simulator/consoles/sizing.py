"""The sweep in the terminal: one row per test size, then the recommendations."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def money(value: float | None, currency: str) -> str:
    return "n/a" if value is None else f"{value:,.0f} {currency}"


def mean_ci(stats: dict, digits: int = 0) -> str:
    if stats.get("mean") is None:
        return "n/a"
    low, mean, high = (f"{stats[k]:,.{digits}f}" for k in ("ci_low", "mean", "ci_high"))
    return f"{mean} [{low} - {high}]"


def share(stats: dict) -> str:
    return f"{stats['probability']:.0%} [{stats['p5']:.0%} - {stats['p95']:.0%}]"


def plus_minus(stats: dict, digits: int = 0, percent: bool = False) -> str:
    """'480 ±12': a mean and the half-width of its 90% interval, narrow enough for a terminal."""
    low, high = (
        (stats["ci_low"], stats["ci_high"]) if "ci_low" in stats else (stats["p5"], stats["p95"])
    )
    mean = stats.get("mean", stats.get("probability"))
    if mean is None:
        return "n/a"
    half = (high - low) / 2
    if percent:
        return f"{mean:.0%} ±{half:.0%}"
    return f"{mean:,.{digits}f} ±{half:,.{digits}f}"


def gap(value: float | None) -> str:
    return "none" if value is None else f"{value:.0%}"


def sweep_table(document: dict) -> Table:
    table = Table(
        title=f"Test sizes: {document['replications']} replications each, seed {document['seed']}, "
        "common random numbers; mean ± half its 90% Monte Carlo interval"
    )
    columns = (
        f"test budget ({document['currency']})",
        "days",
        "P(correct)",
        "conversions",
        "CPA",
        "regret",
        "cost of test",
        "gap told apart",
    )
    for name in columns:
        table.add_column(name, justify="right")
    for p in document["points"]:
        table.add_row(
            f"{p['test_budget']:,.0f}" + (" *" if p["refined"] else ""),
            str(p["test_days"]),
            plus_minus(p["correct_selection"], percent=True),
            plus_minus(p["conversions"]),
            plus_minus(p["cpa"], 2),
            plus_minus(p["regret"]),
            plus_minus(p["cost_of_test"], 1),
            gap(p["detectable_cpa_gap"]),
        )
    return table


def recommendation_lines(document: dict) -> list[str]:
    currency, budget = document["currency"], document["campaign_budget"]
    rec = document["recommendations"]
    best, target = rec["most_conversions"], rec["target_selection"]

    def size(point: dict) -> str:
        if point["test_budget"] == 0:
            return "no test (decide on the priors)"
        return (
            f"{money(point['test_budget'], currency)} over {point['test_days']} days "
            f"({point['test_budget'] / budget:.1%} of the budget)"
        )

    lines = [f"Most conversions: {size(best)}: {mean_ci(best['conversions'])} conversions."]
    near = [p["test_budget"] for p in best["as_good_within_error"]]
    if len(near) > 1:
        lines.append(
            f"  As good within Monte Carlo error: test budgets {money(min(near), currency)} to "
            f"{money(max(near), currency)}."
        )
    top = best["best_test"]
    if best["test_budget"] == 0 and top:
        lines.append(
            f"  If you test anyway: {size(top)}, {mean_ci(top['conversions_below_best'])} "
            "conversions fewer."
        )
    if target["test_budget"] is None:
        highest = target["highest"]
        lines.append(
            f"P(correct selection) >= {target['target']:.0%}: no test swept reaches it; the best "
            f"is {share(highest['correct_selection'])} at {size(highest)}."
        )
    else:
        lines.append(
            f"Smallest test with P(correct selection) >= {target['target']:.0%}: {size(target)}: "
            f"{share(target['correct_selection'])}; it gives up "
            f"{mean_ci(target['conversions_below_best'])} conversions against the optimum."
        )
    classical, ref = document["classical"], document["reference_arm"]
    lines.append(
        f"Classical A/B size (two proportions, alpha {classical['alpha']:g}, power "
        f"{classical['power']:.0%}) to tell a {classical['relative_gap']:.0%} CPA gap on "
        f"{ref['arm']} (conversion rate {classical['base_rate']:.2%}): "
        f"{classical['clicks_per_arm']:,} clicks per arm, {money(classical['budget'], currency)} "
        f"over {ref['tested']} arms ({classical['share_of_campaign']:.0%} of the budget)."
    )
    planned = document["planned_test"]
    lines.append(
        f"The scenario's own test ({money(planned['test_budget'], currency)}) tells apart CPAs "
        f"{gap(planned['detectable_cpa_gap'])} apart with probability {document['target_pcs']:.0%}."
    )
    return lines


def print_sizing(document: dict) -> None:
    console = Console()
    console.print(sweep_table(document))
    console.print(
        "* added by the refinement around the answers. Gap told apart: the CPA difference between "
        f"two arms that the test picks right with probability {document['target_pcs']:.0%} "
        "(normal approximation).",
        highlight=False,
    )
    for line in recommendation_lines(document):
        console.print(line, highlight=False)
