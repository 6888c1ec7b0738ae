"""The HTML report: one self-contained page a media planner can open offline.

It is built from the HTML kit (`simulator/reports/kit.py`: page, CSS, tables, figure embedding,
histograms), as every other page is, and reads the run's typed result (`RunResult`).

The page holds plotly.js once, embedded with the first figure, and no reference to any outside
script, stylesheet or font. Its sections, in order: the run's header, a KPI table for the campaign
and each platform, a table of every tool (ads and tactics), P(met) of each KPI target
(month by month for whole-campaign targets),
the funnel per platform, daily fan charts (mean, median and the p5-p95 band of the daily total), the
monthly course of every targeted KPI against its target and, when the run's document has a
`strategy` outcome, the strategy: its outcome against the oracle, the timeline of its phases with
its decision days, how often it kept, dropped or cut each arm, and (given the oracle's run on the
same random numbers) the distribution of the regret per replication; and, when the plan's flags
were assessed or it models a reputation, the reputation and backlash: static findings, simulated
risk per platform, the reputation's daily fan charts and the backlash events by day.
"""

from __future__ import annotations

import html
import math
from datetime import date, timedelta

import numpy as np

from smmsim.scenarios.documents import ABSENT
from smmsim.scenarios.kpis import KPIS
from smmsim.simulator.reports.figure_specs import (
    LEFT_AXIS,
    RIGHT_AXIS,
    Spec,
    axis_key,
    cell_axes,
    figure,
    horizontal_line,
    secondary_y_layout,
    subplot_layout,
    titled,
)
from smmsim.simulator.reports.headline import run_headline, unspent_line
from smmsim.simulator.reports.kit import (
    FAN_RGB,
    FUNNEL,
    LAYOUT,
    TARGET_COLOR,
    error_bars,
    facts_html,
    figure_divs,
    fmt,
    headline_html,
    histogram_bar,
    histogram_edges,
    needs_log,
    odds_cell,
    page_html,
    section,
    settings_text,
    stat_html,
    unit_label,
    x_mark,
)
from smmsim.simulator.result import Result
from smmsim.simulator.sketch import QuantileSketch
from smmsim.simulator.studies.outcome import StrategyOutcome, decisions, regret_per_replication
from smmsim.simulator.studies.risk import RiskAssessment
from smmsim.simulator.studies.run import RunResult
from smmsim.simulator.summary import Probability, Stats, TargetOdds, describe_kpi

TABLE_KPIS = tuple(KPIS)  # every KPI, in the vocabulary's order
SUB_ROWS = ("direct_conversions", "member_conversions", "referral_conversions")
FAN_MEASURES = ("spend", "impressions", "clicks", "conversions")
MS_PER_DAY = 86_400_000  # plotly date axes measure bar lengths in milliseconds
FAN_LAYOUT = {"hovermode": "x unified", **LAYOUT}  # one hover box for every line of a day
BAND_FILL = f"rgba({FAN_RGB}, 0.25)"
SHARE_OF_REPLICATIONS = "share of replications"


def report_html(run: RunResult) -> str:
    """The whole report page of a run (its strategy section only where the run has one, as
    `run_plan`'s do); the run's `oracle`, simulated on the same random numbers, adds the
    distribution of the regret per replication."""
    result = run.simulation
    charts = figure_divs(report_figures(run))
    sections = [
        header_html(run),
        section(
            "Key KPIs",
            kpi_note(run.currency),
            kpi_table_html(run) + f'<p class="note">{html.escape(unspent_line(run))}</p>',
        ),
        section("Per tool", TOOLS_NOTE, tools_table_html(run)),
        section("KPI targets", target_note(run.kpi_targets), target_table_html(run)),
        section("Funnel per platform", FUNNEL_NOTE, charts["funnel"]),
        section("Daily delivery", fan_note(result), charts["daily"]),
        section("Monthly KPIs against targets", MONTHLY_NOTE, charts["targets"] or NO_TARGETS),
    ]
    if run.strategy is not ABSENT:
        sections.append(strategy_section(run, charts["strategy"]))
    if shows_risk(run):
        sections.append(risk_section(run, charts["risk"]))
    return page_html(f"{run.scenario} - smmsim report", "\n".join(sections))


def report_figures(run: RunResult) -> dict[str, list[Spec]]:
    """Every figure of the report, by section, in page order (plotly.js rides with the first),
    each as plain plotly data (`figure_specs`: plotly's graph objects were most of the page's
    time)."""
    result = run.simulation
    figures = {
        "funnel": [funnel_figure(run.platforms)],
        "daily": [daily_fan_figure(result), platform_fan_figure(result, "conversions")],
        "targets": target_figures(result, run.kpi_targets),
    }
    if run.strategy is not ABSENT:
        figures["strategy"] = strategy_figures(run.strategy, result, run.oracle)
    if shows_risk(run):
        figures["risk"] = [backlash_figure(result)] if has_backlash(result) else []
        if result.scenario.reputation is not None:
            figures["risk"].insert(0, reputation_figure(result))
    return figures


def shows_risk(run: RunResult) -> bool:
    """The reputation and backlash section is there when the plan was assessed or models a
    reputation."""
    return run.risk is not ABSENT or run.simulation.scenario.reputation is not None


def has_backlash(result: Result) -> bool:
    """Whether any replication had a backlash event or paid a repair: an all-zero chart of
    events and repairs says less than a sentence."""
    daily = result.campaign_daily_mean
    return bool(np.any(daily["backlash_events"] > 0) or np.any(daily["repair_spend"] > 0))


NO_BACKLASH = (
    '<p class="note">No backlash event in any replication, so no repair was paid: there is no '
    "day-by-day backlash chart to show.</p>"
)


# --- text: header, notes, number formats ---

FUNNEL_NOTE = (
    '<p class="note">Mean impressions, clicks, community joins and conversions of each platform '
    "over the whole campaign; the whiskers span p5 to p95. The scale is logarithmic when the "
    "stages differ by orders of magnitude.</p>"
)
MONTHLY_NOTE = (
    '<p class="note">For each targeted KPI: bars are the value within each calendar month (for '
    "targets set on one month); lines are the value from the campaign start to each month's end "
    "(for whole-campaign targets), so they show whether the campaign is on track. Whiskers span "
    "p5 to p95; the red line is the target.</p>"
)
NO_TARGETS = '<p class="note">This scenario sets no KPI targets.</p>'


def header_html(run: RunResult) -> str:
    dates = run.simulation.dates
    if run.deterministic:
        mode = "yes: priors at their means, no noise, one replication (no intervals)"
    else:
        mode = "no"
    facts = [
        (
            "Dates",
            f"{dates[0]} to {dates[-1]} ({run.days} days; months {', '.join(run.months)})",
        ),
        ("Budget", f"{run.budget:,.2f} {run.currency}"),
        ("Replications", f"{run.replications:,}"),
        ("Seed", str(run.seed)),
        ("Deterministic", mode),
    ]
    if run.strategy is not ABSENT:
        facts.append(("Strategy", run.strategy.type))
    return (
        f"<header>\n<h1>{html.escape(run.scenario)}</h1>\n{headline_html(run_headline(run))}\n"
        f"{facts_html(facts)}\n{reading_note(run.deterministic)}\n{streamed_note(run)}</header>"
    )


def streamed_note(run: RunResult) -> str:
    """A streamed run's quantiles are estimates: say so, and how close (empty when exact)."""
    note = run.quantile_note()
    return f'<p class="note">{html.escape(note)}</p>\n' if note else ""


def reading_note(deterministic: bool) -> str:
    if deterministic:
        return (
            '<p class="note">How to read it: a deterministic run puts every uncertain rate at its '
            "mean and removes all noise, so each value is a single number with no interval. Use it "
            "to check the plan's arithmetic; run with replications to see the risk.</p>"
        )
    return (
        '<p class="note">How to read it: every figure is simulated many times over with the '
        "uncertain rates drawn afresh each time. A value reads <b>expected (p5–p95)</b>: the "
        "average over replications and the range within which 9 of 10 simulated campaigns fell. "
        "A ratio (CPA, CPC, CPM, cost per join, CTR, ROAS, frequency) is the ratio of expected "
        "totals (expected spend / expected conversions for the CPA), so platforms and tools add "
        "up to the total; its range is that of single campaigns' own ratios. "
        "Plan on the interval, not on the expected value alone.</p>"
    )


def kpi_note(currency: str) -> str:
    return (
        '<p class="note">Whole campaign, all platforms and each platform. Reach counts people on '
        "different platforms as different people. Money is in "
        f"{html.escape(currency)}; n/a where a ratio is undefined (no conversions). "
        "The reputation is the brand's, so it has no per-platform value (a dash); a platform's "
        "spend includes the backlash repairs the budget paid there.</p>"
    )


def target_note(targets: list[TargetOdds]) -> str:
    if not targets:
        return NO_TARGETS
    return (
        '<p class="note">P(met) is the share of simulated campaigns that meet the target. For '
        "whole-campaign targets the month columns give the share already meeting it at each "
        "month's end (counted from the campaign start): green is likely, red unlikely.</p>"
    )


def fan_note(result: Result) -> str:
    sampled = result.daily_sample["spend"].shape[1]
    return (
        '<p class="note">Daily totals over all arms: the line is the mean over all '
        f"{result.replications:,} replications, the dotted line the median and the band p5–p95, "
        f"both over the first {sampled:,} replications (each replication's daily total, then its "
        "quantiles). Below: daily conversions per platform.</p>"
    )


# --- tables ---


def kpi_table_html(run: RunResult) -> str:
    scopes = [("All platforms", run.totals), *run.platforms.items()]
    head = "".join(f"<th>{html.escape(name)}</th>" for name, _ in scopes)
    rows = [kpi_row(metric, scopes, run.currency) for metric in TABLE_KPIS if metric in run.totals]
    return (
        '<div class="scroll"><table class="kpis">\n'
        f'<thead><tr><th scope="col">KPI</th><th class="text">Unit</th>{head}</tr></thead>'
        f"\n<tbody>\n{''.join(rows)}</tbody>\n</table></div>"
    )


def kpi_row(metric: str, scopes: list[tuple[str, dict[str, Stats]]], currency: str) -> str:
    unit, meaning = KPIS[metric]
    # A KPI a scope does not have (the brand's reputation on one platform) is a dash, not n/a.
    cells = "".join(
        f"<td>{stat_html(kpis[metric], unit)}</td>" if metric in kpis else '<td class="na">–</td>'
        for _, kpis in scopes
    )
    css = ' class="sub"' if metric in SUB_ROWS else ""
    return (
        f'<tr{css}><th scope="row">{html.escape(metric)}<small>{html.escape(meaning)}</small></th>'
        f'<td class="unit">{html.escape(unit_label(unit, currency))}</td>{cells}</tr>\n'
    )


TOOLS_NOTE = (
    '<p class="note">Every tool on every platform, ads and scheduled tactics alike: what it cost '
    "(repairs of backlash are the platform's, not a tool's), the units a tactic bought (posts, "
    "placements, contests, seeded items, refreshes), its views as impressions, and what it "
    "brought; members' later conversions count for the tool that brought them.</p>"
)
TOOL_KPIS = ("spend", "units", "impressions", "clicks", "joins", "members", "conversions", "cpa")


def tools_table_html(run: RunResult) -> str:
    currency = run.currency
    head = "".join(
        f"<th>{html.escape(m)} ({html.escape(unit_label(KPIS[m][0], currency))})</th>"
        if KPIS[m][0] == "currency"
        else f"<th>{html.escape(m)}</th>"
        for m in TOOL_KPIS
    )
    rows = []
    for name, arm in run.arms.items():
        metrics = arm.metrics
        cells = "".join(f"<td>{stat_html(metrics.get(m), KPIS[m][0])}</td>" for m in TOOL_KPIS)
        kind = html.escape(arm.type)
        rows.append(
            f'<tr><th scope="row">{html.escape(name)}<small>{kind}</small></th>{cells}</tr>\n'
        )
    return (
        '<div class="scroll"><table class="tools">\n'
        f'<thead><tr><th scope="col">Tool</th>{head}</tr></thead>\n'
        f"<tbody>\n{''.join(rows)}</tbody>\n</table></div>"
    )


def target_table_html(run: RunResult) -> str:
    targets, months = run.kpi_targets, run.months
    if not targets:
        return ""
    head = "".join(f"<th>by {html.escape(m)}</th>" for m in months)
    rows = "".join(target_row(t, months) for t in targets)
    return (
        '<div class="scroll"><table class="targets">\n'
        '<thead><tr><th scope="col">Target</th><th class="text">Platform</th>'
        '<th class="text">Period</th><th>Expected mean (p5–p95)</th><th>P(met)</th>'
        f"{head}</tr></thead>\n"
        f"<tbody>\n{rows}</tbody>\n</table></div>"
    )


def target_row(target: TargetOdds, months: list[str]) -> str:
    unit = KPIS[target.metric][0]
    if target.by_month is not ABSENT:
        by_month = "".join(odds_cell(target.by_month[m]) for m in months)
    else:
        by_month = f'<td class="na" colspan="{len(months)}">set on one month</td>'
    texts = (target.target, target.platform or "all", target.month or "whole campaign")
    cells = "".join(f'<td class="text">{html.escape(t)}</td>' for t in texts[1:])
    return (
        f'<tr><th scope="row">{html.escape(texts[0])}</th>{cells}'
        f"<td>{stat_html(target.expected, unit)}</td>"
        f"{odds_cell(target.probability)}{by_month}</tr>\n"
    )


# --- figures ---


def funnel_figure(kpis: dict[str, dict[str, Stats]]) -> Spec:
    """Grouped bars: each platform's funnel stages side by side, with p5-p95 whiskers; `kpis`
    is each platform's KPIs."""
    platforms = list(kpis)
    bars = []
    for stage in FUNNEL:
        mean, minus, plus = error_bars([kpis[p][stage] for p in platforms])
        error = {"type": "data", "array": plus, "arrayminus": minus}
        bars.append({"type": "bar", "name": stage, "x": platforms, "y": mean, "error_y": error})
    layout = {"barmode": "group", "title": titled("Funnel per platform (whole campaign)"), **LAYOUT}
    if needs_log([kpis[p][stage].mean for p in platforms for stage in FUNNEL]):
        layout["yaxis"] = {"type": "log", "dtick": 1, "title": titled("count (log scale)")}
    return figure(bars, layout)


def fan_traces(
    dates: list[str], mean: np.ndarray, sample: np.ndarray, show_legend: bool, cell: int
) -> list[Spec]:
    """Mean line, median line and p5-p95 band of one daily series, in grid cell `cell`;
    `sample` is (days, reps)."""
    line = {"color": f"rgb({FAN_RGB})", "width": 2}
    traces = [{"x": dates, "y": mean, "name": "mean", "legendgroup": "mean", "line": line}]
    if sample.shape[1] > 0:
        p5, p50, p95 = np.percentile(sample, [5, 50, 95], axis=1)
        band = {"x": dates, "legendgroup": "band", "line": {"width": 0}}
        median_line = {**line, "width": 1, "dash": "dot"}
        traces = [
            {"y": p95, "name": "p95", **band},
            {"y": p5, "name": "p5–p95", "fill": "tonexty", "fillcolor": BAND_FILL, **band},
            {"x": dates, "y": p50, "name": "median", "legendgroup": "median", "line": median_line},
            *traces,
        ]
    shown = {"mode": "lines", **cell_axes(cell)}
    return [
        {"type": "scatter", **t, **shown, "showlegend": show_legend and t["name"] != "p95"}
        for t in traces
    ]


def iso_dates(result: Result) -> list[str]:
    """The campaign's dates as plotly writes dates, converted once rather than in every trace."""
    return [day.isoformat() for day in result.dates]


def daily_fan_figure(result: Result) -> Spec:
    """Fan charts of the daily totals over all arms of spend, impressions, clicks, conversions."""
    currency = result.scenario.campaign.currency
    titles = [f"{m} ({currency})" if m == "spend" else m for m in FAN_MEASURES]
    dates = iso_dates(result)
    traces = []
    for i, measure in enumerate(FAN_MEASURES):
        mean = result.daily_mean[measure].sum(axis=1)
        sample = result.daily_sample[measure].sum(axis=2)
        traces += fan_traces(dates, mean, sample, show_legend=i == 0, cell=i)
    grid = subplot_layout(2, 2, titles, shared_xaxes=True, vertical_spacing=0.1)
    title = titled("Daily totals, all platforms")
    return figure(traces, {**grid, "title": title, "height": 620, **FAN_LAYOUT})


def platform_fan_figure(result: Result, measure: str) -> Spec:
    """Small multiples: the fan chart of one daily measure for each platform."""
    platforms = result.lines.platforms
    cols = min(3, len(platforms))
    rows = math.ceil(len(platforms) / cols)
    dates = iso_dates(result)
    traces = []
    for i, platform in enumerate(platforms):
        mask = result.platform_mask(platform)
        mean = result.daily_mean[measure][:, mask].sum(axis=1)
        sample = result.daily_sample[measure][:, :, mask].sum(axis=2)
        traces += fan_traces(dates, mean, sample, show_legend=i == 0, cell=i)
    grid = subplot_layout(rows, cols, platforms, shared_xaxes=True)
    title = titled(f"Daily {measure} per platform")
    return figure(traces, {**grid, "title": title, "height": 320 * rows, **FAN_LAYOUT})


def target_groups(
    targets: list[TargetOdds],
) -> dict[tuple[str, str | None, bool], list[TargetOdds]]:
    """KPI targets grouped by (metric, platform, whole-campaign?): one chart per group."""
    groups: dict[tuple[str, str | None, bool], list[TargetOdds]] = {}
    for target in targets:
        key = (target.metric, target.platform, target.month is None)
        groups.setdefault(key, []).append(target)
    return groups


def target_figures(result: Result, targets: list[TargetOdds]) -> list[Spec]:
    return [
        target_figure(result, metric, platform, cumulative, group)
        for (metric, platform, cumulative), group in target_groups(targets).items()
    ]


def monthly_stats(
    result: Result, metric: str, platform: str | None, cumulative: bool
) -> list[Stats]:
    """The summary of a KPI per calendar month, or from the start to each month's end (a
    streamed run summarised them while it ran)."""
    if result.streamed is not None:
        months = result.streamed.target_months[(metric, platform, cumulative)]
        return [Stats.from_dict(stats) for stats in months]
    mask = result.platform_mask(platform) if platform else None
    period = "through_month" if cumulative else "month"
    return [
        Stats.from_dict(describe_kpi(result.kpis(mask, **{period: m}), metric))
        for m in range(len(result.months))
    ]


def target_figure(
    result: Result,
    metric: str,
    platform: str | None,
    cumulative: bool,
    targets: list[TargetOdds],
) -> Spec:
    """A KPI month by month (p5-p95 whiskers) with its target(s) as horizontal red lines."""
    months = list(result.months)
    mean, minus, plus = error_bars(monthly_stats(result, metric, platform, cumulative))
    course = {
        "x": months,
        "y": mean,
        "name": metric,
        "error_y": {"type": "data", "array": plus, "arrayminus": minus},
    }
    if cumulative:
        course.update(type="scatter", mode="lines+markers", line={"color": f"rgb({FAN_RGB})"})
    else:
        course.update(type="bar", marker={"color": f"rgba({FAN_RGB}, 0.6)"})
    unit = KPIS[metric][0]
    y_axis = {"title": titled(unit_label(unit, result.scenario.campaign.currency) or "count")}
    if unit == "share":
        y_axis["tickformat"] = ".1%"
    scope = f"on {platform}" if platform else "all platforms"
    period = "from the start to each month's end" if cumulative else "per calendar month"
    layout = {
        "title": titled(f"{metric}, {scope}: {period}"),
        "showlegend": False,
        "height": 380,
        **LAYOUT,
        "xaxis": {"type": "category"},
        "yaxis": y_axis,
        "shapes": [target_line(target, months) for target in targets],
        "annotations": [target_label(target, months) for target in targets],
    }
    return figure([course], layout)


def target_span(target: TargetOdds, months: list[str]) -> tuple[int, int]:
    """The months a target's line spans: all for the whole campaign's, else its own month."""
    if target.month is None:
        return 0, len(months) - 1
    month = months.index(target.month)
    return month, month


def target_line(target: TargetOdds, months: list[str]) -> Spec:
    first, last = target_span(target, months)
    return {
        "line": {"color": TARGET_COLOR, "width": 2, "dash": "dash"},
        "type": "line",
        "x0": first - 0.45,
        "x1": last + 0.45,
        "xref": "x",
        "y0": target.value,
        "y1": target.value,
        "yref": "y",
    }


def target_label(target: TargetOdds, months: list[str]) -> Spec:
    """The target and its odds, written at the right-hand end of its line."""
    text = f"target {target.op} {fmt(target.value, KPIS[target.metric][0])}"
    text += f" · P(met) {target.probability:.0%}"
    return {
        "bgcolor": "rgba(255, 255, 255, 0.8)",
        "font": {"color": TARGET_COLOR},
        "showarrow": False,
        "text": text,
        "x": target_span(target, months)[1],
        "y": target.value,
        "yshift": 10,
    }


# --- strategy: outcome against the oracle, timeline, decisions, regret ---

DECISIONS = {
    "truly_best": "truly best",
    "kept": "kept",
    "dropped": "dropped",
    "cut_by_stop_loss": "cut by stop-loss",
    "extended": "test extended",
}


def strategy_section(run: RunResult, charts: str) -> str:
    outcome = run.strategy
    content = "\n".join(
        [
            settings_html(outcome),
            strategy_table_html(outcome, run.currency),
            strategy_charts_note(outcome, with_regret=run.oracle is not None),
            charts,
        ]
    )
    return section(f"Strategy: {outcome.type}", STRATEGY_NOTE, content)


STRATEGY_NOTE = (
    '<p class="note">What the budget strategy achieved, against the <b>oracle</b>: the split a '
    "planner who knew each replication's true rates would choose, simulated on the same random "
    "numbers (same replications, same markets, same daily noise). Regret and the cost of testing "
    "are therefore differences taken replication by replication. Amounts read <b>mean "
    "(p5–p95)</b> over replications; a probability reads <b>estimate (90% confidence "
    "interval)</b>, the Monte Carlo uncertainty of that share of replications.</p>"
)


def settings_html(outcome: StrategyOutcome) -> str:
    """The settings the strategy reads, one line per block (unset values left out; only the
    chosen strategy's blocks are present)."""
    blocks = {
        "test": outcome.test,
        "decision": outcome.decision,
        "scale": outcome.scale,
        "adaptive": outcome.adaptive,
        "best_guess": outcome.best_guess,
    }
    facts = [
        (block.replace("_", " "), settings_text(values))
        for block, values in blocks.items()
        if values is not ABSENT
    ]
    return facts_html(facts) if facts else ""


def outcome_rows(
    outcome: StrategyOutcome,
) -> list[tuple[str, str, str, Stats | Probability | None]]:
    """(measure, meaning, unit, value) rows of the strategy table, in reading order."""
    spend = outcome.spend_by_phase
    testing = outcome.cost_of_testing
    rows = [
        ("conversions", "all kinds, whole campaign", "count", outcome.conversions),
        ("cpa", "cost per conversion", "currency", outcome.cpa),
        *[
            (f"spend: {phase}", "spent in this phase", "currency", stats)
            for phase, stats in spend.items()
            if phase != "unspent"
        ],
        ("unspent", "budget left at the end", "currency", spend["unspent"]),
        (
            "kept arms include the truly best",
            "the arm with the lowest true CPA is among those funded after the decision",
            "share",
            outcome.kept_best,
        ),
    ]
    if outcome.type == "test-then-scale":
        extended = outcome.test_extended
        rows.append(("test extended", "evidence was short at the test's end", "share", extended))
    rows += [
        (
            "regret",
            "conversions below the oracle",
            "count",
            outcome.regret.conversions,
        ),
        (
            "regret share",
            "regret / oracle conversions",
            "share",
            outcome.regret.share_of_oracle,
        ),
    ]
    if testing:
        rows.append(
            (
                "cost of testing",
                f"conversions given up against the oracle in the {testing.days} test days",
                "count",
                testing.conversions,
            )
        )
    rows += [
        (
            "oracle conversions",
            "the oracle's split, same replications",
            "count",
            outcome.oracle.conversions,
        ),
        ("oracle cpa", "the oracle's cost per conversion", "currency", outcome.oracle.cpa),
    ]
    return rows


def strategy_table_html(outcome: StrategyOutcome, currency: str) -> str:
    rows = "".join(
        f'<tr><th scope="row">{html.escape(name)}<small>{html.escape(meaning)}</small></th>'
        f'<td class="unit">{html.escape(unit_label(unit, currency))}</td>'
        f"<td>{stat_html(value, unit)}</td></tr>\n"
        for name, meaning, unit, value in outcome_rows(outcome)
    )
    return (
        '<div class="scroll"><table class="strategy">\n'
        '<thead><tr><th scope="col">Measure</th><th class="text">Unit</th>'
        "<th>Mean (90% interval)</th></tr></thead>\n"
        f"<tbody>\n{rows}</tbody>\n</table></div>"
    )


def strategy_charts_note(outcome: StrategyOutcome, with_regret: bool) -> str:
    overlap = (
        " Phases may overlap: the extension runs only in the replications whose evidence was "
        "short, while the others already scale."
        if len(outcome.phases) > 1
        else ""
    )
    regret = (
        " Last, the regret of each replication: the oracle's conversions minus the strategy's. "
        "It can be negative: the oracle splits by true expected costs, and a replication's daily "
        "noise can favour another split."
        if with_regret
        else ""
    )
    return (
        '<p class="note">The timeline shows the phases over the campaign dates; dashed lines '
        f"mark the days at whose start the strategy changes the split.{overlap} The decision log "
        "gives, for each arm, the share of replications in which it was truly best, kept, dropped, "
        "cut by the stop-loss or had its test extended (whiskers: 90% confidence intervals; "
        f"decisions that never happened are left out).{regret}</p>"
    )


def strategy_figures(outcome: StrategyOutcome, result: Result, oracle: Result | None) -> list[Spec]:
    figures = [timeline_figure(outcome), decision_log_figure(outcome)]
    if result.streamed is not None and result.streamed.regret is not None:
        figures.append(streamed_regret_figure(result.streamed.regret))
    elif oracle is not None:
        figures.append(regret_figure(result, oracle))
    return figures


def timeline_figure(outcome: StrategyOutcome) -> Spec:
    """A Gantt chart of the strategy's phases over the campaign dates, decision days marked."""
    phases = outcome.phases
    starts = [date.fromisoformat(p.start) for p in phases]
    ends = [date.fromisoformat(p.end) + timedelta(days=1) for p in phases]  # exclusive
    bars = {
        "type": "bar",
        "orientation": "h",
        "y": [p.phase for p in phases],
        "base": [d.isoformat() for d in starts],
        "x": [(end - start).days * MS_PER_DAY for start, end in zip(starts, ends, strict=True)],
        "customdata": [[p.start, p.end, p.end_day - p.start_day] for p in phases],
        "hovertemplate": "%{y}: %{customdata[0]} to %{customdata[1]} "
        "(%{customdata[2]} days)<extra></extra>",
        "marker": {"color": f"rgba({FAN_RGB}, 0.7)"},
    }
    campaign_start = starts[0] - timedelta(days=phases[0].start_day)
    days = outcome.decision_days
    when = [(campaign_start + timedelta(days=day)).isoformat() for day in days]
    marks = [
        x_mark(x, f"day {day}", xanchor="left", yshift=14 * (i % 2))
        for i, (x, day) in enumerate(zip(when, days, strict=True))
    ]
    layout = {
        "title": titled(f"Timeline of {outcome.type}"),
        "height": 180 + 45 * len(phases),
        "showlegend": False,
        **LAYOUT,
        "xaxis": {"type": "date"},
        "yaxis": {"autorange": "reversed"},
        **marked(marks),
    }
    return figure([bars], layout)


def marked(marks: list[tuple[Spec, Spec]]) -> Spec:
    """The layout's shapes and annotations of `x_mark`s (none at all where there is none)."""
    if not marks:
        return {}
    return {"shapes": [line for line, _ in marks], "annotations": [label for _, label in marks]}


def decision_log_figure(outcome: StrategyOutcome) -> Spec:
    """Grouped bars: per arm, the share of replications with each decision (90% CI whiskers)."""
    log = outcome.decision_log
    arms = list(log)
    bars = []
    for key, label in DECISIONS.items():
        shares = [decisions(log[arm])[key] for arm in arms]
        if not any(share.probability > 0 for share in shares):
            continue
        mean, minus, plus = error_bars(shares)
        bars.append(
            {
                "type": "bar",
                "name": label,
                "x": arms,
                "y": mean,
                "error_y": {"type": "data", "array": plus, "arrayminus": minus},
                "hovertemplate": f"{label}: %{{y:.1%}}<extra>%{{x}}</extra>",
            }
        )
    untested = outcome.type == "test-then-scale"
    ticks = [f"{a}<br>(not tested)" if untested and not log[a].tested else a for a in arms]
    layout = {
        "barmode": "group",
        "title": titled("Decision log per arm"),
        "height": 420,
        **LAYOUT,
        "xaxis": {"tickvals": arms, "ticktext": ticks},
        "yaxis": {
            "tickformat": ".0%",
            "range": [0, 1.05],
            "title": titled("share of replications"),
        },
    }
    return figure(bars, layout)


def regret_figure(result: Result, oracle: Result) -> Spec:
    """Histogram of the regret per replication (oracle's conversions minus the strategy's)."""
    regret = regret_per_replication(result, oracle)
    bars = histogram_bar(regret, histogram_edges([regret]), "regret")
    return regret_layout(bars, float(regret.mean()))


def streamed_regret_figure(sketch: QuantileSketch) -> Spec:
    """The regret's histogram from a streamed run's sketch: its buckets' values (each within
    0.1% of the regrets it counts) binned as the exact histogram would bin them."""
    values, counts = sketch.values_and_counts()
    bars = histogram_bar(values, histogram_edges([values]), "regret", weights=counts)
    mean = float(values @ counts / counts.sum()) if counts.size else 0.0
    return regret_layout(bars, mean)


def regret_layout(bars: Spec, mean: float) -> Spec:
    marks = [
        x_mark(0, "no regret ", xanchor="right" if mean >= 0 else "left"),
        x_mark(mean, f" mean {fmt(mean, 'count')}", TARGET_COLOR, "left" if mean >= 0 else "right"),
    ]
    layout = {
        "title": titled("Regret per replication"),
        "showlegend": False,
        "height": 380,
        **LAYOUT,
        "xaxis": {"title": titled("conversions below the oracle, per replication")},
        "yaxis": {"tickformat": ".0%", "title": titled(SHARE_OF_REPLICATIONS)},
        **marked(marks),
    }
    return figure([bars], layout)


# --- reputation and backlash ---

RISK_NOTE = (
    '<p class="note">Do no harm: tactics pushed too hard (seeding far beyond the forums\' natural '
    "conversation, a feed that mostly sells, ads seen too often, a community grown on giveaways, "
    "search results turning positive faster than any natural conversation) raise a daily risk of "
    "backlash. An event puts negative results into the top 20, depresses CTR and conversion on "
    "its platform for a while and sends a repair bill that the budget pays. Static rules read the "
    "plan itself; the simulated risk counts events over replications, and its KPI loss is measured "
    "against the same campaign, on the same random numbers, with that platform's backlash "
    "switched off.</p>"
)


def risk_section(run: RunResult, charts: str) -> str:
    risk = run.risk
    if not has_backlash(run.simulation):
        charts += NO_BACKLASH
    content = charts
    if risk is not ABSENT:
        level = html.escape(risk.level)
        content = (
            f'<p>Overall: <span class="level-{level}">{level}</span> risk of backlash.</p>'
            f"{findings_html(risk)}{simulated_risk_html(risk, run.currency)}{charts}"
        )
    return section("Reputation and backlash", RISK_NOTE, content)


def findings_html(risk: RiskAssessment) -> str:
    if not risk.static:
        return '<p class="note">Static rules: no tactic above its safe level.</p>'
    head = "".join(
        f'<th class="text">{h}</th>'
        for h in ("Level", "Rule", "Where", "Plan", "Threshold", "Why it matters", "Safer")
    )
    rows = []
    for f in risk.static:
        where = f"{f.platform}/{f.tool}" if f.tool else f.platform
        cells = [
            f'<td class="text level-{f.level}">{html.escape(f.level)}</td>',
            f'<td class="text">{html.escape(f.rule)}</td>',
            f'<td class="text">{html.escape(where)}<span class="ci">{html.escape(f.path)}'
            "</span></td>",
            f'<td>{f.value:.3g} <span class="ci">{html.escape(f.unit)}</span></td>',
            f"<td>{f.threshold:.3g}</td>",
            f'<td class="wrap">{html.escape(f.why)}</td>',
            f'<td class="wrap">{html.escape(f.safer)}</td>',
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        '<h3>Static rules</h3><div class="scroll"><table class="findings">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def simulated_risk_html(risk: RiskAssessment, currency: str) -> str:
    if not risk.simulated:
        return ""
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "Level",
            "P(at least one event)",
            "Events",
            f"Repair cost ({html.escape(currency)})",
            "Conversions lost",
            f"CPA added ({html.escape(currency)})",
            "Positive share lost",
        )
    )
    rows = []
    for r in risk.simulated:
        loss = r.loss
        cells = [
            f'<td class="level-{r.level}">{html.escape(r.level)}</td>',
            f"<td>{stat_html(r.chance, 'share')}</td>",
            f"<td>{stat_html(r.events, 'count')}</td>",
            f"<td>{stat_html(r.repair_cost, 'currency')}</td>",
            f"<td>{stat_html(loss.conversions, 'count')}</td>",
            f"<td>{stat_html(loss.cpa, 'currency')}</td>",
            f"<td>{stat_html(loss.positive_share, 'share')}</td>",
        ]
        platform = html.escape(r.platform)
        rows.append(f'<tr><th scope="row">{platform}</th>{"".join(cells)}</tr>')
    return (
        '<h3>Simulated risk per platform</h3><div class="scroll"><table class="risk">'
        f'<thead><tr><th scope="col">Platform</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


REPUTATION_SERIES = (
    ("positive_share", "positive share of the top 20"),
    ("third_party_share", "third-party recommendations"),
    ("negative_share", "negative share of the top 20"),
    ("portals_discussing", "portals with ongoing discussion"),
)


def reputation_figure(result: Result) -> Spec:
    """Fan charts of the reputation's daily path: shares of the top 20 and portals in
    discussion, with the KPI targets set on them."""
    dates = iso_dates(result)
    layout = subplot_layout(2, 2, [t for _, t in REPUTATION_SERIES], shared_xaxes=True)
    target_style = {"color": TARGET_COLOR, "dash": "dash"}
    traces, lines = [], []
    for i, (measure, _) in enumerate(REPUTATION_SERIES):
        mean = result.campaign_daily_mean[measure]
        sample = result.campaign_daily_sample[measure]
        traces += fan_traces(dates, mean, sample, show_legend=i == 0, cell=i)
        lines += [
            horizontal_line(i, target.value, target_style)
            for target in result.scenario.kpis
            if target.metric == measure
        ]
        if KPIS[measure][0] == "share":  # the portals in discussion are a count
            layout[axis_key("y", i)]["tickformat"] = ".0%"
    if lines:
        layout["shapes"] = lines
    title = titled("Reputation, day by day")
    return figure(traces, {**layout, "title": title, "height": 620, **FAN_LAYOUT})


def backlash_figure(result: Result) -> Spec:
    """Mean backlash events a day (bars) and the repair spend the budget pays (line)."""
    dates = iso_dates(result)
    currency = result.scenario.campaign.currency
    events = result.campaign_daily_mean["backlash_events"]
    repair = {
        "type": "scatter",
        "x": dates,
        "y": result.campaign_daily_mean["repair_spend"],
        "name": f"repair spend ({currency}, mean)",
        "mode": "lines",
        **RIGHT_AXIS,
    }
    traces = [
        {"type": "bar", "x": dates, "y": events, "name": "events a day (mean)", **LEFT_AXIS},
        repair,
    ]
    layout = secondary_y_layout()
    for axis in ("yaxis", "yaxis2"):
        layout[axis]["rangemode"] = "tozero"
    title = titled("Backlash: events and repair spend, day by day")
    return figure(traces, {**layout, "title": title, "height": 360, **LAYOUT})
