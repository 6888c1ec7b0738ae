"""sizing.html: the test-budget sweep of `smmsim size-test` as one self-contained page that works
offline. It reuses the page, CSS, table and figure helpers of `simulator/reports/kit.py` and
reads nothing but the sweep's typed document (`SizingResult`).

Its sections, in order: the header, the recommendations (the most conversions, the smallest test
reaching the target probability of correct selection, the classical A/B size and the scenario's
planned test), expected conversions against the test budget, the probability of correct selection
against the test budget, regret, cost of the test and detectable CPA gap against the test budget,
and the sweep table. Curves are drawn one per test length; budget 0 is the campaign without a
test, deciding on the priors alone.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable

from plotly.colors import hex_to_rgb, qualitative

from smmsim.simulator.reports.figure_specs import Spec, every_axis, figure, titled
from smmsim.simulator.reports.headline import sizing_headline
from smmsim.simulator.reports.kit import (
    LAYOUT,
    MARK_COLOR,
    TARGET_COLOR,
    add_marks,
    facts_html,
    figure_divs,
    fmt,
    headline_html,
    interval_html,
    mean_money,
    page_html,
    section,
    settings_text,
    stat_html,
    x_mark,
    y_mark,
)
from smmsim.simulator.studies.comparison import PairedStats
from smmsim.simulator.studies.sizing.document import DecisionSettings, SizingResult, SweepPoint
from smmsim.simulator.studies.sizing.measures import Expectation, TestSize
from smmsim.simulator.studies.sizing.recommend import (
    MostConversions,
    TargetSelection,
)
from smmsim.simulator.summary import Probability

# One colour per test length, the first the blue of the other reports' fans (FAN_RGB).
LENGTH_RGB = tuple(", ".join(str(c) for c in hex_to_rgb(h)) for h in qualitative.D3)
BAND_ALPHA = 0.18
# Room above the plot for two rows of mark labels under the title.
MARKED_LAYOUT = {**LAYOUT, "margin": {**LAYOUT["margin"], "t": 95}}
MARK_ROW = 15  # pixels between the label rows of two marks


def sizing_html(result: SizingResult) -> str:
    """The whole page for a sweep's `SizingResult`."""
    charts = figure_divs(sizing_figures(result), grid=("costs",))
    sections = [
        header_html(result),
        section("Recommendations", RECOMMENDATION_NOTE, recommendations_html(result)),
        section(
            "Expected conversions against test budget", CONVERSIONS_NOTE, charts["conversions"]
        ),
        section("Correct selection against test budget", selection_note(result), charts["pcs"]),
        section("What the test costs and what it tells apart", COSTS_NOTE, charts["costs"]),
        section("Every point of the sweep", sweep_note(result), sweep_table_html(result)),
    ]
    return page_html(f"{result.scenario} - test sizing", "\n".join(sections))


def sizing_figures(result: SizingResult) -> dict[str, list[Spec]]:
    """Every figure of the page, by section, in page order (plotly.js rides with the first), as
    plain plotly specs (`figure_specs`: no graph object is built)."""
    costs = [
        measure_figure(
            result,
            lambda p: p.regret,
            "Regret against test budget",
            "conversions below oracle",
        ),
        measure_figure(
            result,
            lambda p: p.cost_of_test,
            "Cost of the test against test budget",
            "conversions given up in the test",
        ),
    ]
    if any(p.detectable_cpa_gap is not None for p in result.points):
        costs.append(gap_figure(result))
    return {
        "conversions": [conversions_figure(result)],
        "pcs": [selection_figure(result)],
        "costs": costs,
    }


# --- reading the result ---


def by_length(result: SizingResult) -> dict[int, list[SweepPoint]]:
    """The points of each test length, in the document's order (budget ascending)."""
    groups: dict[int, list[SweepPoint]] = {}
    for point in result.points:
        groups.setdefault(point.test_days, []).append(point)
    return groups


def several_lengths(result: SizingResult) -> bool:
    return len(by_length(result)) > 1


def length_rgb(index: int) -> str:
    return LENGTH_RGB[index % len(LENGTH_RGB)]


def target_text(result: SizingResult) -> str:
    return f"{result.target_pcs:.0%}"


def money(value: float, result: SizingResult) -> str:
    return f"{fmt(value, 'currency')} {result.currency}"


def size_text(budget: float | None, days: int | None, result: SizingResult) -> str:
    """A test size as a planner says it; budget 0 is no test at all, whatever its length."""
    if budget is None:
        return "none"
    if budget <= 0:
        return "no test (decide on the priors)"
    return f"{money(budget, result)} over {days} days"


def mean_interval_html(stats: Expectation, unit: str) -> str:
    """An expectation with its 90% Monte Carlo interval (of the mean), as a table cell's text."""
    return interval_html(stats.mean, stats.ci_low, stats.ci_high, unit)


def interval_text(stats: Expectation | PairedStats, unit: str) -> str:
    """'mean (low–high)' in plain text, the interval being the 90% Monte Carlo one of the mean."""
    low, high = fmt(stats.ci_low, unit), fmt(stats.ci_high, unit)
    return f"{fmt(stats.mean, unit)} ({low}–{high})"


def probability_text(chance: Probability) -> str:
    return f"{chance.probability:.1%} ({chance.p5:.1%}–{chance.p95:.1%})"


def gap_text(gap: float | None) -> str:
    return "none" if gap is None else fmt(gap, "share")


# --- text: header, notes ---

RECOMMENDATION_NOTE = (
    '<p class="note">Two answers to "how big a test?". <b>Most conversions</b> weighs what the '
    "test teaches against what it spends on the losing arms, over the whole campaign; sizes whose "
    "paired difference from it lies within Monte Carlo error are as good. <b>Smallest test "
    "reaching the target</b> asks only that the test pick the right arm often enough. The "
    "classical A/B size and the scenario's own test are set beside them. Intervals are 90% Monte "
    "Carlo intervals of the mean (or 90% Wilson intervals of a probability).</p>"
)
CONVERSIONS_NOTE = (
    '<p class="note">Expected conversions of the whole campaign, test and scale together, at each '
    "test budget; the band is the 90% Monte Carlo interval of the mean and the dotted horizontal "
    "line the oracle, who knows each replication's true rates and never tests. Diamonds are points "
    "added by adaptive refinement around the answers; dashed vertical lines mark the two "
    "recommendations.</p>"
)
COSTS_NOTE = (
    "<p class=\"note\"><b>Regret</b>: the oracle's conversions minus the strategy's, same "
    "replications. <b>Cost of the test</b>: what the test's spend would have bought at the "
    "oracle's rate over the test days, minus what it bought. Bands are 90% Monte Carlo intervals "
    "of the mean. <b>Detectable CPA gap</b>: the smallest relative CPA difference between the best "
    "tested arm and another that the test tells apart with the target probability, from the "
    "priors at their means (closed form; a log scale). Sizes that tell no gap apart are left "
    "out.</p>"
)


def header_html(result: SizingResult) -> str:
    points = result.points
    refined = sum(p.refined for p in points)
    lengths = ", ".join(str(days) for days in by_length(result))
    facts = [
        ("Source", result.source),
        ("Seed", str(result.seed)),
        ("Replications", f"{result.replications:,} per point"),
        ("Campaign budget", money(result.campaign_budget, result)),
        ("Decision rule", decision_text(result.decision)),
        (
            "Correct selection",
            "the kept arms include the truly best, and the arm ranked first has a true CPA within "
            f"{result.margin:.0%} of the best",
        ),
        ("Target P(correct selection)", target_text(result)),
        ("Test lengths", f"{lengths} days"),
        ("Points", f"{len(points):,} ({refined:,} added by adaptive refinement)"),
    ]
    return (
        f"<header>\n<h1>Test sizing: {html.escape(result.scenario)}</h1>\n"
        f"{headline_html(sizing_headline(result))}\n{facts_html(facts)}\n{CRN_NOTE}\n</header>"
    )


def decision_text(decision: DecisionSettings) -> str:
    """'probability (target cpa 45.0, q 0.6, ...)': the rule and its set parameters."""
    rest = settings_text(decision.parameters())
    return f"{decision.rule} ({rest})" if rest else str(decision.rule)


CRN_NOTE = (
    '<p class="note">How to read it: every point simulates the whole campaign, test and scale, '
    "with the same seed and replications on <b>common random numbers</b>: replication r faces the "
    "same true rates and the same daily noise at every test size, and the oracle too. Only the "
    "test size changes between points, so differences between points are paired and the curves "
    "smooth. Intervals are 90% Monte Carlo intervals of the mean: how precisely the replications "
    "pin the expected value down, not how much one campaign varies.</p>"
)


def selection_note(result: SizingResult) -> str:
    return (
        '<p class="note">P(correct selection): the share of replications in which the test keeps '
        f"the truly best arm and ranks first an arm within {result.margin:.0%} of the best "
        "CPA; the band is its 90% Wilson interval. The dotted line is P(kept best) alone. The red "
        f"line is the target of {target_text(result)}.</p>"
    )


def sweep_note(result: SizingResult) -> str:
    return (
        '<p class="note">One row per simulated test size. Under each value, its 90% interval: the '
        "Wilson interval of a probability or the Monte Carlo interval of a mean. CPA is expected "
        "spend over expected conversions; spend is the whole campaign's expected spend and "
        "unspent the budget it leaves (the budget less that spend); regret and the cost of the "
        "test are in conversions; "
        "the detectable CPA gap reads <i>none</i> where the test is too small to tell any gap "
        f"apart with probability {target_text(result)}. Money is in "
        f"{html.escape(result.currency)}.</p>"
    )


# --- recommendations ---


def recommendations_html(result: SizingResult) -> str:
    return facts_html(
        [
            *most_conversions_facts(result),
            target_fact(result),
            ("Classical A/B test", classical_text(result)),
            ("Planned test", planned_text(result)),
        ]
    )


def most_conversions_facts(result: SizingResult) -> list[tuple[str, str]]:
    best = result.recommendations.most_conversions
    size = size_text(best.test_budget, best.test_days, result)
    facts = [
        (
            "Most expected conversions",
            f"{size}: {interval_text(best.conversions, 'count')} conversions",
        ),
        ("As good within Monte Carlo error", as_good_text(best.as_good_within_error, result)),
    ]
    top = best.best_test
    if best.test_budget <= 0 and top is not None:
        below = interval_text(top.conversions_below_best, "count")
        facts.append(
            (
                "Best test, if you test",
                f"{size_text(top.test_budget, top.test_days, result)}: "
                f"{interval_text(top.conversions, 'count')} conversions, {below} fewer than "
                "not testing",
            )
        )
    return facts


def as_good_text(sizes: list[TestSize], result: SizingResult) -> str:
    """The range of sizes within Monte Carlo error of the best (they need not be contiguous).
    Budget 0 comes once per test length but is one campaign: no test at all."""
    tests = [s for s in sizes if s.test_budget > 0]
    count = len(tests) + (len(tests) < len(sizes))
    if count <= 1:
        return "no other size: every other one gives fewer conversions beyond Monte Carlo error"
    budgets = [s.test_budget for s in sizes]
    low, high = min(budgets), max(budgets)
    lowest = "no test" if low <= 0 else money(low, result)
    lengths = sorted({s.test_days for s in tests})
    return (
        f"{count} sizes, from {lowest} to {money(high, result)} "
        f"(tests of {', '.join(map(str, lengths))} days)"
    )


def target_fact(result: SizingResult) -> tuple[str, str]:
    chosen = result.recommendations.target_selection
    name = f"Smallest test with P(correct selection) ≥ {chosen.target:.0%}"
    if not chosen.reached:
        top = chosen.highest
        return (
            name,
            "none of the sizes tried reaches it; the highest is "
            f"{probability_text(top.correct_selection)} at "
            f"{size_text(top.test_budget, top.test_days, result)}",
        )
    size = size_text(chosen.test_budget, chosen.test_days, result)
    reached = f"{size}: P(correct) {probability_text(chosen.correct_selection)}"
    if same_size(chosen, result.recommendations.most_conversions):
        return name, f"{reached}; the most-conversions size itself"
    below = interval_text(chosen.conversions_below_best, "count")
    return (
        name,
        f"{reached}; {interval_text(chosen.conversions, 'count')} conversions, {below} fewer "
        "than the most-conversions size",
    )


def same_size(a: TargetSelection, b: MostConversions) -> bool:
    """Two sizes are one campaign when equal, or both no test (whatever the length)."""
    if a.test_budget <= 0 and b.test_budget <= 0:
        return True
    return (a.test_budget, a.test_days) == b.key


def classical_text(result: SizingResult) -> str:
    c, ref = result.classical, result.reference_arm
    return (
        f"telling a conversion rate of {fmt(c.base_rate, 'share')} on {ref.arm} from "
        f"{fmt(c.other_rate, 'share')} (a {c.relative_gap:.0%} CPA gap) at significance "
        f"{c.alpha:.0%} and power {c.power:.0%} needs {c.clicks_per_arm:,} clicks per "
        f"arm: {money(c.budget, result)} over {ref.tested} arms, "
        f"{c.share_of_campaign:.0%} of the campaign budget. {classical_saving(result)}"
    )


def classical_saving(result: SizingResult) -> str:
    """What the two sweep answers spend against the textbook A/B size."""
    recs = result.recommendations
    best, chosen = recs.most_conversions, recs.target_selection
    if best.test_budget <= 0:
        whole = money(result.classical.budget, result)
        text = f"Sized for conversions, the answer is not to test: the whole {whole} is saved."
    else:
        text = f"The most-conversions test spends {spend_against(best.test_budget, result)}."
    if chosen.test_budget is not None and chosen.test_budget > 0:
        text += (
            f" The smallest test reaching {chosen.target:.0%} spends "
            f"{spend_against(chosen.test_budget, result)}."
        )
    return text


def spend_against(budget: float, result: SizingResult) -> str:
    """'289.00 EUR (1% of the classical budget)'."""
    classical = result.classical.budget
    share = f" ({percent(budget / classical)} of the classical budget)" if classical > 0 else ""
    return f"{money(budget, result)}{share}"


def percent(share: float) -> str:
    """'12%', '1%', '0.4%', '0.04%': whole percents, but a share under 1% keeps its first
    significant digit, so a small test never reads '0%' of the classical budget."""
    if share >= 0.01 or share <= 0:
        return f"{share:.0%}"
    return f"{share:.{-math.floor(math.log10(share * 100))}%}"


def planned_text(result: SizingResult) -> str:
    planned = result.planned_test
    if planned.test_budget <= 0:
        return "the scenario plans no test"
    size = size_text(planned.test_budget, planned.test_days, result)
    gap = planned.detectable_cpa_gap
    if gap is None:
        return f"{size}: too small to tell any CPA gap apart with probability {target_text(result)}"
    return (
        f"{size}: tells apart a CPA gap of {gap_text(gap)} between the best tested arm and another "
        f"with probability {target_text(result)}"
    )


# --- figures ---


def band_traces(
    points: list[SweepPoint], low: list, high: list, mean: list, name: str, rgb: str, hover: str
) -> list[Spec]:
    """A line with markers over a shaded interval band, band and line sharing one legend entry;
    refined points drawn as diamonds."""
    x = [p.test_budget for p in points]

    def edge(y: list, edge_name: str, **fill: str) -> Spec:
        return {
            "type": "scatter",
            "x": x,
            "y": y,
            "name": edge_name,
            "mode": "lines",
            "line": {"width": 0},
            "legendgroup": name,
            "showlegend": False,
            "hoverinfo": "skip",
            **fill,
        }

    symbols = ["diamond" if p.refined else "circle" for p in points]
    return [
        edge(high, f"{name}, interval top"),
        edge(low, f"{name}, 90% interval", fill="tonexty", fillcolor=band_color(rgb)),
        {
            "type": "scatter",
            "x": x,
            "y": mean,
            "name": name,
            "mode": "lines+markers",
            "legendgroup": name,
            "line": {"color": f"rgb({rgb})", "width": 2},
            "marker": {"symbol": symbols, "size": 7},
            "hovertemplate": hover,
        },
    ]


def band_color(rgb: str) -> str:
    return f"rgba({rgb}, {BAND_ALPHA})"


def length_name(days: int) -> str:
    return f"{days}-day test"


def budget_axis(layout: Spec, result: SizingResult) -> None:
    """Linear test-budget axis from 0, so the no-test point shows."""
    currency = html.escape(result.currency)  # plotly reads titles as HTML
    every_axis(layout, "x", title=titled(f"test budget ({currency})"), rangemode="tozero")


def measure_figure(
    result: SizingResult,
    measure: Callable[[SweepPoint], Expectation],
    title: str,
    y_title: str,
) -> Spec:
    """The mean of a per-point measure (an expectation) per test length, with its band."""
    traces: list[Spec] = []
    money_unit = html.escape(result.currency)
    for i, (days, points) in enumerate(by_length(result).items()):
        stats = [measure(p) for p in points]
        hover = f"%{{x:,.2f}} {money_unit}: %{{y:,.1f}}<extra>{length_name(days)}</extra>"
        traces += band_traces(
            points,
            [s.ci_low for s in stats],
            [s.ci_high for s in stats],
            [s.mean for s in stats],
            length_name(days),
            length_rgb(i),
            hover,
        )
    layout: Spec = {}
    budget_axis(layout, result)
    every_axis(layout, "y", title=titled(y_title))
    layout.update(title=titled(title), height=420, **legend_below(), **LAYOUT)
    return figure(traces, layout)


def legend_below() -> dict:
    return {"legend": {"orientation": "h", "yanchor": "top", "y": -0.2}}


def conversions_figure(result: SizingResult) -> Spec:
    """Expected conversions against test budget, the oracle's level and both answers marked."""
    spec = measure_figure(
        result,
        lambda p: p.conversions,
        "Expected total conversions against test budget",
        "conversions, whole campaign",
    )
    layout = spec["layout"]
    add_marks(layout, [*oracle_marks(result), *recommendation_lines(result)])
    layout.update(**MARKED_LAYOUT)
    return spec


def oracle_marks(result: SizingResult) -> list[tuple[Spec, Spec]]:
    """The oracle's expected conversions, dotted: one line when every test length has the same
    oracle (it never tests, so on common random numbers it should), else one per length."""
    means = {
        days: stats.mean
        for days in by_length(result)
        if (stats := result.oracle.get(str(days))) and stats.mean is not None
    }
    if len(set(means.values())) == 1:
        mean = next(iter(means.values()))
        return [y_mark(mean, f"oracle {fmt(mean, 'count')}", MARK_COLOR, "dot")]
    colors = {days: length_rgb(i) for i, days in enumerate(by_length(result))}
    return [
        y_mark(mean, f"oracle {fmt(mean, 'count')} ({days} days)", f"rgb({colors[days]})", "dot")
        for days, mean in means.items()
    ]


def selection_figure(result: SizingResult) -> Spec:
    """P(correct selection) with its Wilson band and P(kept best) dotted, per test length, the
    target as a red line and both answers marked."""
    traces: list[Spec] = []
    for i, (days, points) in enumerate(by_length(result).items()):
        name, rgb = length_name(days), length_rgb(i)
        stats = [p.correct_selection for p in points]
        hover = f"%{{x:,.2f}}: P(correct) %{{y:.1%}}<extra>{name}</extra>"
        traces += band_traces(
            points,
            [s.p5 for s in stats],
            [s.p95 for s in stats],
            [s.probability for s in stats],
            f"{name}: P(correct selection)",
            rgb,
            hover,
        )
        traces.append(
            {
                "type": "scatter",
                "x": [p.test_budget for p in points],
                "y": [p.kept_best.probability for p in points],
                "name": f"{name}: P(kept best)",
                "mode": "lines",
                "line": {"color": f"rgb({rgb})", "width": 1.5, "dash": "dot"},
                "hovertemplate": f"%{{x:,.2f}}: P(kept best) %{{y:.1%}}<extra>{name}</extra>",
            }
        )
    layout: Spec = {}
    target = y_mark(result.target_pcs, f"target {target_text(result)}", TARGET_COLOR, "dash")
    add_marks(layout, [target, *recommendation_lines(result)])
    budget_axis(layout, result)
    every_axis(layout, "y", title=titled("share of replications"), tickformat=".0%")
    layout.update(
        title=titled("Probability of correct selection against test budget"),
        height=440,
        **legend_below(),
        **MARKED_LAYOUT,
    )
    return figure(traces, layout)


def gap_figure(result: SizingResult) -> Spec:
    """The detectable CPA gap per test length (log scale), the margin and the planned test."""
    traces: list[Spec] = []
    for i, (days, points) in enumerate(by_length(result).items()):
        shown = [p for p in points if p.detectable_cpa_gap is not None]
        traces.append(
            {
                "type": "scatter",
                "x": [p.test_budget for p in shown],
                "y": [p.detectable_cpa_gap for p in shown],
                "name": length_name(days),
                "mode": "lines+markers",
                "line": {"color": f"rgb({length_rgb(i)})", "width": 2},
                "hovertemplate": f"%{{x:,.2f}}: gap %{{y:.1%}}<extra>{length_name(days)}</extra>",
            }
        )
    marks = []
    margin = result.margin
    if margin > 0:  # a log axis cannot show 0
        marks.append(y_mark(margin, f"margin {margin:.0%}", MARK_COLOR, "dot", log_y=True))
    planned = result.planned_test
    if planned.test_budget > 0:
        marks.append(
            x_mark(
                planned.test_budget,
                f"planned test: {gap_text(planned.detectable_cpa_gap)}",
                xanchor=label_side(planned.test_budget, result),
            )
        )
    layout: Spec = {}
    add_marks(layout, marks)
    budget_axis(layout, result)
    gaps = [p.detectable_cpa_gap for p in result.points if p.detectable_cpa_gap]
    ticks = log_ticks([*gaps, margin] if margin > 0 else gaps)
    every_axis(
        layout,
        "y",
        type="log",
        tickvals=ticks,
        tickformat=".0%",
        title=titled("relative CPA gap told apart"),
    )
    layout.update(
        title=titled(f"CPA gap detectable with probability {target_text(result)}"),
        height=420,
        **legend_below(),
        **MARKED_LAYOUT,
    )
    return figure(traces, layout)


def log_ticks(values: list[float]) -> list[float]:
    """1-2-5 ticks spanning `values` (plotly's own log ticks crowd every digit)."""
    low, high = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    ticks = [m * 10.0**e for e in range(low, high + 1) for m in (1, 2, 5)]
    return [t for t in ticks if min(values) / 2 <= t <= max(values) * 2]


def recommendation_marks(result: SizingResult) -> list[tuple[float, str, str]]:
    """(budget, label, colour) of each answer the sweep gives: the target's is missing when no
    size reaches it."""
    recs = result.recommendations
    best, chosen = recs.most_conversions, recs.target_selection
    suffix = several_lengths(result)
    marks = [(best.test_budget, "most conversions" + days_suffix(best, suffix), MARK_COLOR)]
    if chosen.reached:
        label = f"P(correct) ≥ {chosen.target:.0%}" + days_suffix(chosen, suffix)
        marks.append((chosen.test_budget, label, TARGET_COLOR))
    return marks


def days_suffix(size: TestSize | TargetSelection, several: bool) -> str:
    return f" ({size.test_days} days)" if several and size.test_budget > 0 else ""


def recommendation_lines(result: SizingResult) -> list[tuple[Spec, Spec]]:
    """Both answers as dashed vertical lines; the second label a row higher, so that labels of
    close (or equal) budgets never overlap."""
    return [
        x_mark(budget, label, color, label_side(budget, result), MARK_ROW * row)
        for row, (budget, label, color) in enumerate(recommendation_marks(result))
    ]


def label_side(budget: float, result: SizingResult) -> str:
    """Labels run into the plot: right of lines in the left half, left of lines in the right."""
    widest = max(p.test_budget for p in result.points)
    return "left" if budget <= widest / 2 else "right"


# --- the sweep table ---


def sweep_table_html(result: SizingResult) -> str:
    """One row per point, in the document's order; the recommended sizes shaded and tagged."""
    tags = point_tags(result)
    rows = "".join(sweep_row(p, tags) for p in result.points)
    currency = html.escape(result.currency)
    return (
        '<div class="scroll"><table class="sweep">\n'
        f'<thead><tr><th scope="col">Test budget ({currency})</th><th>Test days</th>'
        "<th>P(correct selection)</th><th>Conversions</th><th>Spend</th><th>Unspent</th>"
        "<th>CPA</th><th>Regret</th>"
        "<th>Cost of test</th><th>Detectable CPA gap</th></tr></thead>\n"
        f"<tbody>\n{rows}</tbody>\n</table></div>"
    )


def point_tags(result: SizingResult) -> dict[tuple[float, int], list[str]]:
    """The answers each (budget, days) is, to tag its row."""
    recs = result.recommendations
    tags: dict[tuple[float, int], list[str]] = {}
    best, chosen = recs.most_conversions, recs.target_selection
    tags.setdefault(best.key, []).append("most conversions")
    if chosen.reached:
        key = (chosen.test_budget, chosen.test_days)
        tags.setdefault(key, []).append(f"smallest reaching {chosen.target:.0%}")
    return tags


def sweep_row(point: SweepPoint, tags: dict[tuple[float, int], list[str]]) -> str:
    budget = point.test_budget
    answers = tags.get(point.key, [])
    notes = (["refined"] if point.refined else []) + answers
    name = "no test" if budget <= 0 else fmt(budget, "currency")
    small = "".join(f"<small>{html.escape(n)}</small>" for n in notes)
    css = ' class="baseline"' if answers else ""  # the recommended sizes stand out
    cells = [
        stat_html(point.correct_selection, "share"),
        interval_html(
            point.conversions.mean, point.conversions.ci_low, point.conversions.ci_high, "count"
        ),
        html.escape(mean_money(point.spend)),
        html.escape(mean_money(point.unspent)),
        mean_interval_html(point.cpa, "currency"),
        mean_interval_html(point.regret, "count"),
        interval_html(
            point.cost_of_test.mean, point.cost_of_test.ci_low, point.cost_of_test.ci_high, "count"
        ),
        html.escape(gap_text(point.detectable_cpa_gap)),
    ]
    return (
        f'<tr{css}><th scope="row">{html.escape(name)}{small}</th><td>{point.test_days}</td>'
        f"{''.join(f'<td>{c}</td>' for c in cells)}</tr>\n"
    )
