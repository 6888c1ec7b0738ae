"""track.html: the answer first, then the actuals drawn over the plan's fan charts (cumulative, day
by day, with the re-forecast after the as-of date), the months side by side, and the tables."""

from __future__ import annotations

import html

import numpy as np

from smmsim.simulator.reports.figure_specs import (
    Spec,
    cell_axes,
    every_axis,
    figure,
    subplot_layout,
    titled,
)
from smmsim.simulator.reports.kit import figure_divs, headline_html, page_html, section
from smmsim.simulator.studies.track.headline import track_headline
from smmsim.simulator.studies.track.overlay import PLAN_MEASURE
from smmsim.simulator.studies.track.study import TrackResult

FAN = ("spend", "impressions", "clicks", "conversions")
PLAN_RGB, REST_RGB, ACTUAL = "31, 119, 180", "255, 127, 14", "#111"
LAYOUT = {"margin": {"l": 50, "r": 20, "t": 60, "b": 40}}


def _band(x, sample, rgb, name, cell, legend) -> list[Spec]:
    p10, p50, p90 = np.percentile(sample, [10, 50, 90], axis=1)
    band = {"x": x, "mode": "lines", "line": {"width": 0}, "legendgroup": name}
    median_line = {"color": f"rgb({rgb})", "dash": "dot"}
    traces = [
        {"y": p90, "name": f"{name} p90", "showlegend": False, **band},
        {"y": p10, "name": f"{name} p10-p90", "fill": "tonexty",
         "fillcolor": f"rgba({rgb}, 0.25)", "showlegend": legend, **band},
        {"x": x, "y": p50, "name": f"{name} median", "mode": "lines", "legendgroup": name,
         "line": median_line, "showlegend": legend},
    ]  # fmt: skip
    return [{"type": "scatter", **t, **cell_axes(cell)} for t in traces]


def cumulative_figure(result: TrackResult) -> Spec:
    """Each volume to date over all ad arms: the plan's band, the actual line, and from the as-of
    date on the actuals plus the re-forecast's band."""
    plan, rest, actuals = result.plan_result, result.rest_result, result.actuals
    n_arms = len(actuals.arms)
    traces = []
    for i, measure in enumerate(FAN):
        legend = i == 0
        plan_daily = plan.daily_sample[PLAN_MEASURE[measure]][:, :, :n_arms].sum(axis=2)
        traces += _band(list(plan.dates), np.cumsum(plan_daily, axis=0), PLAN_RGB, "plan", i,
                        legend)  # fmt: skip
        actual = np.cumsum(actuals.values[measure].sum(axis=1))
        rest_daily = rest.daily_sample[PLAN_MEASURE[measure]][:, :, :n_arms].sum(axis=2)
        traces += _band(list(rest.dates), actual[-1] + np.cumsum(rest_daily, axis=0), REST_RGB,
                        "re-forecast", i, legend)  # fmt: skip
        traces.append(
            {"type": "scatter", "x": list(actuals.dates), "y": actual, "name": "actual",
             "mode": "lines", "legendgroup": "actual", "line": {"color": ACTUAL, "width": 2},
             "showlegend": legend, **cell_axes(i)}
        )  # fmt: skip
    layout = subplot_layout(2, 2, FAN, shared_xaxes=True)
    layout.update(
        title=titled("Cumulative to date: actual against the plan, then actual + re-forecast"),
        height=640, hovermode="x unified", **LAYOUT,
    )  # fmt: skip
    return figure(traces, layout)


def monthly_figure(result: TrackResult) -> Spec:
    """Each calendar month's volumes: the plan's p10-p90 as a bar range, the actuals and the
    re-forecast's median where the month is (partly) ahead."""
    plan, rest, actuals = result.plan_result, result.rest_result, result.actuals
    n_arms = len(actuals.arms)
    labels = list(plan.months)
    traces = []
    for i, measure in enumerate(FAN):
        in_cell = {"showlegend": i == 0, **cell_axes(i)}
        base = "direct_conversions" if measure == "conversions" else measure
        planned = plan.monthly[base][:, :, :n_arms].sum(axis=2)  # (months, reps)
        p10, p50, p90 = np.percentile(planned, [10, 50, 90], axis=1)
        traces.append(
            {"type": "bar", "x": labels, "y": p90 - p10, "name": "plan p10-p90",
             "base": p10.tolist(),  # a list, as plotly keeps a bar's base: not a typed array
             "legendgroup": "plan", "marker": {"color": f"rgba({PLAN_RGB}, 0.35)"},
             **in_cell}
        )  # fmt: skip
        traces.append(
            {"type": "scatter", "x": labels, "y": p50, "name": "plan median", "mode": "markers",
             "legendgroup": "pm",
             "marker": {"color": f"rgb({PLAN_RGB})", "symbol": "line-ew-open", "size": 18},
             **in_cell}
        )  # fmt: skip
        actual = _actual_by_month(actuals, measure, labels)
        ahead = rest.monthly[base][:, :, :n_arms].sum(axis=2)
        expected = [
            actual[j] + (float(np.median(ahead[rest.months.index(m)])) if m in rest.months else 0)
            for j, m in enumerate(labels)
        ]
        traces.append(
            {"type": "scatter", "x": labels, "y": expected, "name": "actual + re-forecast median",
             "mode": "markers", "legendgroup": "rf",
             "marker": {"color": f"rgb({REST_RGB})", "size": 9}, **in_cell}
        )  # fmt: skip
        started = _months_with_actuals(actuals)  # a month not begun has no actual, not 0
        shown = [a if m in started else None for a, m in zip(actual, labels, strict=True)]
        traces.append(
            {"type": "scatter", "x": labels, "y": shown, "name": "actual to date",
             "mode": "markers", "legendgroup": "a",
             "marker": {"color": ACTUAL, "size": 9, "symbol": "diamond"}, **in_cell}
        )  # fmt: skip
    layout = subplot_layout(2, 2, FAN)
    layout.update(title=titled("By calendar month (all ad arms)"), height=640, **LAYOUT)
    every_axis(layout, "x", type="category")  # "2027-03" is a month, not its first day
    return figure(traces, layout)


def _months_with_actuals(actuals) -> set[str]:
    return {f"{d.year:04d}-{d.month:02d}" for d in actuals.dates}


def _actual_by_month(actuals, measure: str, labels: list[str]) -> list[float]:
    daily = actuals.values[measure].sum(axis=1)
    months = [f"{d.year:04d}-{d.month:02d}" for d in actuals.dates]
    return [float(sum(v for v, m in zip(daily, months, strict=True) if m == label))
            for label in labels]  # fmt: skip


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'  # wider than the page: scrolls in its box


def _n(value, metric: str = "") -> str:
    if value is None:
        return "n/a"
    if metric in ("ctr", "join_rate", "cvr"):
        return f"{value:.3%}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def track_figures(result: TrackResult) -> dict[str, list[Spec]]:
    """Every figure of the page, by section, in page order, as plain plotly specs
    (`figure_specs`: no graph object is built)."""
    return {"cumulative": [cumulative_figure(result)], "monthly": [monthly_figure(result)]}


def track_html(result: TrackResult) -> str:
    figures = figure_divs(track_figures(result))
    overlay = _table(
        ["scope", "KPI", "actual", "plan p10", "plan p50", "plan p90", "status"],
        [[k.scope, k.metric, _n(k.actual, k.metric), _n(k.plan.p10, k.metric),
          _n(k.plan.p50, k.metric), _n(k.plan.p90, k.metric), k.status]
         for k in result.overlay],
    )  # fmt: skip
    targets = _table(
        ["target", "P(met) planned", "P(met) now", "note"],
        [[t.target, f"{t.plan_probability:.0%}",
          "n/a" if t.probability is None else f"{t.probability:.0%}", t.note or ""]
         for t in result.targets],
    )  # fmt: skip
    beliefs = _table(
        ["arm", "belief", "plan", "observed", "updated", "90% interval"],
        [[u.arm, name, _n(b.prior_mean, name), _n(b.observed, name),
          _n(b.mean, name) if b.updated else "kept (known exactly)",
          f"{_n(b.p5, name)}-{_n(b.p95, name)}"]
         for u in result.updates
         for name, b in (("cpm", u.cpm), ("ctr", u.ctr), ("join_rate", u.join_rate),
                         ("cvr", u.cvr))],
    )  # fmt: skip
    ends = _table(
        ["KPI", "plan mean", "rest mean", "end now mean", "end now 90%"],
        [[f.metric, _n(f.plan.mean), _n(f.rest.mean), _n(f.campaign.mean),
          f"{_n(f.campaign.p5)}-{_n(f.campaign.p95)}"] for f in result.forecast],
    )  # fmt: skip
    body = "\n".join(
        [
            f"<h1>Tracking {html.escape(result.plan)} to {result.as_of}</h1>",
            headline_html(track_headline(result)),
            section("Cumulative to date", "", figures["cumulative"]),
            section("Months", "", figures["monthly"]),
            section("KPI targets", "", targets),
            section("To date against the plan", "", overlay),
            section("Beliefs updated with the actuals", "", beliefs),
            section("The campaign's end", "", ends),
        ]
    )
    return page_html(f"smmsim track: {result.plan}", body)
