"""The comparison page: scenario x strategy combinations side by side, one self-contained page that
works offline. It is built from the HTML kit (`simulator/reports/kit.py`: page, CSS, tables and
figure helpers).

Every combination ran with the same seed and replications on common random numbers, so the page
shows differences against the baseline taken replication by replication (paired). Its sections,
in order: the header with the verdict, each combination's key KPIs, the paired differences drawn as
dots and intervals (one small panel per KPI, each on its own scale; the baseline, whose difference
with itself is zero, is left out), the funnel stages side by side (one panel per stage, each on its
own linear scale), the CPA of each combination per replication, and last the long table of paired
differences: the plots come before it, so the page reads from the answer down to the detail.
"""

from __future__ import annotations

import html
import math

import numpy as np

from smmsim.scenarios.kpis import KPIS
from smmsim.simulator.reports.figure_specs import (
    Spec,
    axis_key,
    cell_axes,
    every_axis,
    figure,
    subplot_layout,
    titled,
    vertical_line,
)
from smmsim.simulator.reports.headline import comparison_headline
from smmsim.simulator.reports.kit import (
    FAN_RGB,
    FUNNEL,
    LAYOUT,
    MARK_COLOR,
    error_bars,
    facts_html,
    figure_divs,
    fmt,
    headline_html,
    interval_html,
    odds_cell,
    page_html,
    section,
    stat_html,
    unit_label,
)
from smmsim.simulator.studies.comparison import (
    BETTER,
    CombinationSummary,
    ComparisonResult,
    PairedDifference,
)

KEY_KPIS = ("conversions", "cpa", "spend", "joins", "revenue", "roas")
BOX_QUANTILES = (5, 25, 50, 75, 95)
PANEL_COLUMNS = 3  # small multiples per row: each panel stays wide enough to read at 1,300 px
SPREAD_COLOR = "#b8c4d0"
CI_COLOR = f"rgb({FAN_RGB})"


def comparison_html(result: ComparisonResult) -> str:
    """The whole comparison page: its numbers, and figures drawn from the runs `result.found`."""
    charts = figure_divs(comparison_figures(result))
    baseline = result.baseline
    sections = [
        comparison_header(result),
        section("Key KPIs per combination", kpi_note(result), combination_table_html(result)),
        section(
            f"Paired differences against {baseline}",
            DIFFERENCE_PLOT_NOTE,
            charts["differences"] or ONLY_BASELINE,
        ),
        section("Funnels side by side", FUNNEL_NOTE, charts["funnel"]),
        section("CPA per replication", cpa_note(result), charts["cpa"]),
        section(
            f"Paired differences against {baseline}, in numbers",
            DIFFERENCE_NOTE,
            difference_table_html(result) or ONLY_BASELINE,
        ),
    ]
    title = f"smmsim comparison: {len(result.combinations)} combinations"
    return page_html(title, "\n".join(sections))


def comparison_figures(result: ComparisonResult) -> dict[str, list[Spec]]:
    """Every figure of the page, by section, in page order, as plain plotly specs
    (`figure_specs`: no graph object is built)."""
    return {
        "differences": [difference_figure(result)] if result.differences else [],
        "funnel": [funnel_comparison_figure(result)],
        "cpa": [cpa_figure(result)],
    }


# --- text ---

DIFFERENCE_NOTE = (
    '<p class="note">Each combination minus the baseline, replication by replication. '
    "<b>Mean difference</b> comes with the 90% confidence interval of that mean (how precisely "
    "the replications pin it down); <b>p5–p95</b> is how the difference varies from one "
    "simulated market to another. <b>P(better)</b> is the share of replications in which the "
    "combination does strictly better than the baseline (more conversions, joins or revenue; a "
    "lower CPA); spend is a fact, not a score. Replications where a value is undefined (a CPA "
    "without conversions) are left out of that row.</p>"
)
DIFFERENCE_PLOT_NOTE = (
    '<p class="note">Each combination minus the baseline, replication by replication, one '
    "panel per KPI on its own scale. The <b>dot</b> is the mean difference and the thick bar its "
    "90% confidence interval (how precisely the replications pin the mean down); the thin line "
    "spans p5 to p95, how the difference varies from one simulated market to another. The dashed "
    "line is no difference: a thick bar clear of it is a difference the replications can tell "
    "from luck. Each panel says which side is better. The numbers are in the table at the end "
    "of the page.</p>"
)
FUNNEL_NOTE = (
    '<p class="note">Mean impressions, clicks, community joins and conversions of each '
    "combination over the whole campaign, all platforms, one panel per stage on its own linear "
    "scale (so a difference in conversions is not flattened under the impressions); the "
    "whiskers span p5 to p95.</p>"
)
ONLY_BASELINE = '<p class="note">Only the baseline was run: there is nothing to compare.</p>'


def comparison_header(result: ComparisonResult) -> str:
    combinations = result.combinations
    facts = [
        ("Seed", str(result.seed)),
        ("Replications", f"{result.replications:,} per combination"),
        ("Baseline", result.baseline),
        *[(c.label, f"{c.scenario} ({c.source}), strategy {c.strategy}") for c in combinations],
    ]
    return (
        f"<header>\n<h1>Comparison of {len(combinations)} combinations</h1>\n"
        f"{headline_html(comparison_headline(result))}\n{facts_html(facts)}\n{CRN_NOTE}\n</header>"
    )


CRN_NOTE = (
    '<p class="note">How to read it: every combination was simulated with the same seed and the '
    "same number of replications on <b>common random numbers</b>: replication r draws the same "
    "true rates and the same daily noise for an arm in every combination that has it. The "
    "market's luck is therefore shared, and the differences against the baseline are taken "
    "replication by replication (paired), which makes them far more precise than a difference "
    "of two averages. A scenario compared with itself differs by exactly zero.</p>"
)


def money(result: ComparisonResult) -> str:
    """The currency of every combination, or a hint when they differ."""
    currencies = {c.currency for c in result.combinations}
    return currencies.pop() if len(currencies) == 1 else "each combination's currency"


def kpi_note(result: ComparisonResult) -> str:
    return (
        '<p class="note">Whole campaign, all platforms: <b>mean (p5–p95)</b> over replications. '
        "Regret is the oracle's conversions minus the combination's, on the same replications; "
        "P(kept best) is the share of replications in which the arms kept after the decision "
        "include the truly best one (90% confidence interval). Money is in "
        f"{html.escape(money(result))}.</p>"
    )


def cpa_note(result: ComparisonResult) -> str:
    undefined = {c.label: int(np.isnan(c.run.result.kpis()["cpa"]).sum()) for c in result.found}
    left_out = ", ".join(f"{html.escape(k)}: {v:,}" for k, v in undefined.items() if v)
    note = (
        '<p class="note">The CPA of each replication, summarised as a box: the box spans p25 to '
        "p75 with the median inside, the whiskers p5 to p95 and the dashed line is the mean."
    )
    if left_out:
        note += f" Replications without conversions (no CPA) are left out ({left_out})."
    return note + "</p>"


# --- tables ---


def combination_table_html(result: ComparisonResult) -> str:
    """KPIs as rows, combinations as columns (the baseline shaded)."""
    combinations = result.combinations
    baseline = result.baseline
    head = "".join(
        f"<th{baseline_class(c.label, baseline)}>{html.escape(c.label)}</th>" for c in combinations
    )
    rows = [kpi_row(m, combinations, baseline, money(result)) for m in present_kpis(result)]
    rows.append(
        outcome_row(
            "unspent",
            "budget left at the end",
            "currency",
            [c.unspent for c in combinations],
            combinations,
            baseline,
            money(result),
        )
    )
    rows.append(
        outcome_row(
            "regret",
            "conversions below the oracle",
            "count",
            [c.outcome.regret.conversions for c in combinations],
            combinations,
            baseline,
        )
    )
    rows.append(
        outcome_row(
            "P(kept best)",
            "kept arms include the truly best",
            "share",
            [c.outcome.kept_best for c in combinations],
            combinations,
            baseline,
        )
    )
    return (
        '<div class="scroll"><table class="combinations">\n'
        f'<thead><tr><th scope="col">KPI</th><th class="text">Unit</th>{head}</tr></thead>'
        f"\n<tbody>\n{''.join(rows)}</tbody>\n</table></div>"
    )


def present_kpis(result: ComparisonResult) -> list[str]:
    """The key KPIs every combination has (revenue and ROAS need an order value)."""
    return [m for m in KEY_KPIS if all(m in c.kpis for c in result.combinations)]


def baseline_class(label: str, baseline: str) -> str:
    return ' class="baseline"' if label == baseline else ""


def kpi_row(
    metric: str, combinations: list[CombinationSummary], baseline: str, currency: str
) -> str:
    unit, meaning = KPIS[metric]
    stats = [c.kpis[metric] for c in combinations]
    return outcome_row(metric, meaning, unit, stats, combinations, baseline, currency)


def outcome_row(
    name: str,
    meaning: str,
    unit: str,
    stats: list[dict],
    combinations: list[CombinationSummary],
    baseline: str,
    currency: str = "",
) -> str:
    """One row of the combinations table; `stats` are the kit's {mean, p5, p95} per column."""
    cells = "".join(
        f"<td{baseline_class(c.label, baseline)}>{stat_html(s, unit)}</td>"
        for c, s in zip(combinations, stats, strict=True)
    )
    return (
        f'<tr><th scope="row">{html.escape(name)}<small>{html.escape(meaning)}</small></th>'
        f'<td class="unit">{html.escape(unit_label(unit, currency))}</td>{cells}</tr>\n'
    )


def difference_table_html(result: ComparisonResult) -> str:
    """One row per combination and metric: mean [90% CI], p5-p95, P(better), replications."""
    rows = "".join(difference_row(d, money(result)) for d in result.differences)
    if not rows:
        return ""
    return (
        '<div class="scroll"><table class="differences">\n'
        '<thead><tr><th scope="col">Combination</th><th class="text">Metric</th>'
        '<th class="text">Unit</th><th>Mean difference (90% CI)</th><th>p5</th><th>p50</th>'
        "<th>p95</th><th>P(better)</th><th>Replications</th></tr></thead>\n"
        f"<tbody>\n{rows}</tbody>\n</table></div>"
    )


def difference_row(row: PairedDifference, currency: str) -> str:
    unit = KPIS[row.metric][0]
    mean = interval_html(row.mean, row.ci_low, row.ci_high, unit)
    quantiles = "".join(f"<td>{html.escape(fmt(q, unit))}</td>" for q in (row.p5, row.p50, row.p95))
    better = row.probability_better
    odds = odds_cell(better) if better is not None else '<td class="na">—</td>'
    return (
        f'<tr><th scope="row">{html.escape(row.label)}</th>'
        f'<td class="text">{html.escape(row.metric)}</td>'
        f'<td class="unit">{html.escape(unit_label(unit, currency))}</td>'
        f"<td>{mean}</td>{quantiles}{odds}<td>{row.replications_used:,}</td></tr>\n"
    )


# --- figures ---


def funnel_comparison_figure(result: ComparisonResult) -> Spec:
    """Small multiples: one panel per funnel stage, on its own linear scale, a horizontal bar per
    combination with p5-p95 whiskers (one log axis for all stages hid the differences)."""
    labels = [c.label for c in result.combinations]
    layout = subplot_layout(
        1, len(FUNNEL), list(FUNNEL), shared_yaxes=True, horizontal_spacing=0.03
    )
    traces = []
    for index, stage in enumerate(FUNNEL):
        mean, minus, plus = error_bars([c.kpis[stage] for c in result.combinations])
        traces.append(
            {
                "type": "bar",
                "name": stage,
                "x": mean,
                "y": labels,
                "orientation": "h",
                "marker": {"color": CI_COLOR},
                "error_x": {
                    "type": "data",
                    "array": plus,
                    "arrayminus": minus,
                    "color": MARK_COLOR,
                },
                "hovertemplate": f"%{{y}}: %{{x:,.0f}} {stage} (mean)<extra></extra>",
                **cell_axes(index),
            }
        )
        layout[axis_key("x", index)]["rangemode"] = "tozero"
    every_axis(layout, "y", autorange="reversed", automargin=True)
    layout.update(
        title=titled("Funnel per combination (whole campaign), one scale per stage"),
        showlegend=False,
        height=200 + 50 * len(labels),
        **LAYOUT,
    )
    return figure(traces, layout)


def box_stats(values: np.ndarray, expected: float | None) -> dict[str, list[float]] | None:
    """Precomputed box of the finite values (whiskers p5-p95), so the page does not carry every
    replication, its dashed line at the `expected` value; None when no value is defined."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    p5, p25, p50, p75, p95 = np.percentile(finite, BOX_QUANTILES)
    return {
        "lowerfence": [p5],
        "q1": [p25],
        "median": [p50],
        "q3": [p75],
        "upperfence": [p95],
        "mean": [float(finite.mean()) if expected is None else expected],
    }


def cpa_figure(result: ComparisonResult) -> Spec:
    """One horizontal box per combination: its CPA over the replications."""
    traces = []
    for c in result.found:
        summary = next(s for s in result.combinations if s.label == c.label)
        stats = box_stats(c.run.result.kpis()["cpa"], summary.kpis["cpa"].mean)
        if stats is not None:
            box = {"type": "box", "name": c.label, "y": [c.label], "orientation": "h"}
            traces.append({**box, "boxmean": True, **stats})
    layout = {
        "xaxis": {"title": titled(f"CPA ({money(result)}) of single campaigns")},
        "yaxis": {"autorange": "reversed"},
        "title": titled(
            "CPA of single campaigns (box p25–p75, whiskers p5–p95; dashed: expected CPA)"
        ),
        "showlegend": False,
        "height": 160 + 60 * len(result.found),
        **LAYOUT,
    }
    return figure(traces, layout)


def difference_figure(result: ComparisonResult) -> Spec:
    """Dots and intervals of the paired differences against the baseline: one panel per KPI on
    its own scale, one row per combination (the baseline left out), a dashed line at zero."""
    metrics = list(dict.fromkeys(d.metric for d in result.differences))
    rows = math.ceil(len(metrics) / PANEL_COLUMNS)
    layout = subplot_layout(
        rows,
        PANEL_COLUMNS,
        [panel_title(result, m) for m in metrics],
        vertical_spacing=0.3 / rows,
        shared_yaxes=True,
        horizontal_spacing=0.04,
    )
    traces, zero_lines = [], []
    for index, metric in enumerate(metrics):
        found = [d for d in result.differences if d.metric == metric and d.mean is not None]
        for trace in difference_traces(found, KPIS[metric][0], first=index == 0):
            traces.append({**trace, **cell_axes(index)})
        zero_lines.append(
            vertical_line(index, 0, {"color": MARK_COLOR, "dash": "dash", "width": 1})
        )
    others = len({d.label for d in result.differences})
    every_axis(layout, "y", autorange="reversed", automargin=True)
    layout.update(
        title=titled(
            f"Paired differences against {result.baseline}: dot the mean, thick bar its "
            "90% CI, thin line p5–p95"
        ),
        showlegend=False,  # the title says what each mark is; a legend crowded the panel titles
        height=120 + rows * (110 + 40 * others),
        shapes=zero_lines,
        **LAYOUT,
    )
    return figure(traces, layout)


def panel_title(result: ComparisonResult, metric: str) -> str:
    """'cpa (EUR): less is better'; escaped, since plotly reads titles as HTML."""
    unit = unit_label(KPIS[metric][0], money(result))
    side = {1: "more is better", -1: "less is better"}.get(BETTER[metric], "no better side")
    return html.escape(f"{metric}{f' ({unit})' if unit else ''}: {side}")


def difference_traces(rows: list[PairedDifference], unit: str, first: bool) -> list[Spec]:
    """The p5-p95 lines, the 90% CI bars and the mean dots of one panel, one row per
    combination; gaps (None) keep each combination's segment apart."""
    labels = [r.label for r in rows]

    def segments(low: list, high: list) -> tuple[list, list]:
        xs, ys = [], []
        for label, lo, hi in zip(labels, low, high, strict=True):
            xs += [lo, hi, None]
            ys += [label, label, None]
        return xs, ys

    spread_x, spread_y = segments([r.p5 for r in rows], [r.p95 for r in rows])
    ci_x, ci_y = segments([r.ci_low for r in rows], [r.ci_high for r in rows])
    number = ",.2f" if unit in ("currency", "ratio") else ",.1f"
    return [
        {
            "type": "scatter",
            "x": spread_x,
            "y": spread_y,
            "mode": "lines",
            "name": "p5–p95 over replications",
            "line": {"color": SPREAD_COLOR, "width": 2},
            "legendgroup": "spread",
            "showlegend": first,
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": ci_x,
            "y": ci_y,
            "mode": "lines",
            "name": "90% CI of the mean",
            "line": {"color": CI_COLOR, "width": 7},
            "legendgroup": "ci",
            "showlegend": first,
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": [r.mean for r in rows],
            "y": labels,
            "mode": "markers",
            "name": "mean difference",
            "marker": {"color": MARK_COLOR, "size": 10},
            "legendgroup": "mean",
            "showlegend": first,
            "customdata": [[r.ci_low, r.ci_high, r.p5, r.p95] for r in rows],
            "hovertemplate": f"%{{y}}: %{{x:{number}}} (90% CI %{{customdata[0]:{number}}} to "
            f"%{{customdata[1]:{number}}}; p5–p95 %{{customdata[2]:{number}}} to "
            f"%{{customdata[3]:{number}}})<extra></extra>",
        },
    ]
