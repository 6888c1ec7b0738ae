"""track.html: the answer first, then the actuals drawn over the plan's fan charts (cumulative, day
by day, with the re-forecast after the as-of date), the months side by side, and the tables."""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from smmsim.simulator.reports.kit import figure_divs, headline_html, page_html, section
from smmsim.simulator.studies.track.headline import track_headline
from smmsim.simulator.studies.track.overlay import PLAN_MEASURE
from smmsim.simulator.studies.track.study import TrackResult

FAN = ("spend", "impressions", "clicks", "conversions")
PLAN_RGB, REST_RGB, ACTUAL = "31, 119, 180", "255, 127, 14", "#111"
LAYOUT = {"margin": {"l": 50, "r": 20, "t": 60, "b": 40}}


def _band(fig, x, sample, rgb, name, row, col, legend):
    p10, p50, p90 = np.percentile(sample, [10, 50, 90], axis=1)
    band = {"x": x, "mode": "lines", "line": {"width": 0}, "legendgroup": name}
    fig.add_trace(go.Scatter(y=p90, name=f"{name} p90", showlegend=False, **band), row=row, col=col)
    fig.add_trace(
        go.Scatter(y=p10, name=f"{name} p10-p90", fill="tonexty",
                   fillcolor=f"rgba({rgb}, 0.25)", showlegend=legend, **band),
        row=row, col=col,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=x, y=p50, name=f"{name} median", mode="lines", legendgroup=name,
                   line={"color": f"rgb({rgb})", "dash": "dot"}, showlegend=legend),
        row=row, col=col,
    )  # fmt: skip


def cumulative_figure(result: TrackResult) -> go.Figure:
    """Each volume to date over all ad arms: the plan's band, the actual line, and from the as-of
    date on the actuals plus the re-forecast's band."""
    plan, rest, actuals = result.plan_result, result.rest_result, result.actuals
    n_arms = len(actuals.arms)
    fig = make_subplots(rows=2, cols=2, subplot_titles=FAN, shared_xaxes=True)
    for i, measure in enumerate(FAN):
        row, col, legend = i // 2 + 1, i % 2 + 1, i == 0
        plan_daily = plan.daily_sample[PLAN_MEASURE[measure]][:, :, :n_arms].sum(axis=2)
        _band(fig, list(plan.dates), np.cumsum(plan_daily, axis=0), PLAN_RGB, "plan", row, col,
              legend)  # fmt: skip
        actual = np.cumsum(actuals.values[measure].sum(axis=1))
        rest_daily = rest.daily_sample[PLAN_MEASURE[measure]][:, :, :n_arms].sum(axis=2)
        _band(fig, list(rest.dates), actual[-1] + np.cumsum(rest_daily, axis=0), REST_RGB,
              "re-forecast", row, col, legend)  # fmt: skip
        fig.add_trace(
            go.Scatter(x=list(actuals.dates), y=actual, name="actual", mode="lines",
                       legendgroup="actual", line={"color": ACTUAL, "width": 2},
                       showlegend=legend),
            row=row, col=col,
        )  # fmt: skip
    fig.update_layout(
        title="Cumulative to date: actual against the plan, then actual + re-forecast",
        height=640, hovermode="x unified", **LAYOUT,
    )  # fmt: skip
    return fig


def monthly_figure(result: TrackResult) -> go.Figure:
    """Each calendar month's volumes: the plan's p10-p90 as a bar range, the actuals and the
    re-forecast's median where the month is (partly) ahead."""
    plan, rest, actuals = result.plan_result, result.rest_result, result.actuals
    n_arms = len(actuals.arms)
    fig = make_subplots(rows=2, cols=2, subplot_titles=FAN)
    labels = list(plan.months)
    for i, measure in enumerate(FAN):
        row, col, legend = i // 2 + 1, i % 2 + 1, i == 0
        base = "direct_conversions" if measure == "conversions" else measure
        planned = plan.monthly[base][:, :, :n_arms].sum(axis=2)  # (months, reps)
        p10, p50, p90 = np.percentile(planned, [10, 50, 90], axis=1)
        fig.add_trace(
            go.Bar(x=labels, y=p90 - p10, base=p10, name="plan p10-p90", legendgroup="plan",
                   marker_color=f"rgba({PLAN_RGB}, 0.35)", showlegend=legend),
            row=row, col=col,
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(x=labels, y=p50, name="plan median", mode="markers", legendgroup="pm",
                       marker={"color": f"rgb({PLAN_RGB})", "symbol": "line-ew-open", "size": 18},
                       showlegend=legend),
            row=row, col=col,
        )  # fmt: skip
        actual = _actual_by_month(actuals, measure, labels)
        ahead = rest.monthly[base][:, :, :n_arms].sum(axis=2)
        expected = [
            actual[j] + (float(np.median(ahead[rest.months.index(m)])) if m in rest.months else 0)
            for j, m in enumerate(labels)
        ]
        fig.add_trace(
            go.Scatter(x=labels, y=expected, name="actual + re-forecast median", mode="markers",
                       legendgroup="rf", marker={"color": f"rgb({REST_RGB})", "size": 9},
                       showlegend=legend),
            row=row, col=col,
        )  # fmt: skip
        started = _months_with_actuals(actuals)  # a month not begun has no actual, not 0
        shown = [a if m in started else None for a, m in zip(actual, labels, strict=True)]
        fig.add_trace(
            go.Scatter(x=labels, y=shown, name="actual to date", mode="markers",
                       legendgroup="a", marker={"color": ACTUAL, "size": 9, "symbol": "diamond"},
                       showlegend=legend),
            row=row, col=col,
        )  # fmt: skip
    fig.update_layout(title="By calendar month (all ad arms)", height=640, **LAYOUT)
    fig.update_xaxes(type="category")  # "2027-03" is a month, not its first day
    return fig


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


def track_html(result: TrackResult) -> str:
    figures = figure_divs(
        {"cumulative": [cumulative_figure(result)], "monthly": [monthly_figure(result)]}
    )
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
