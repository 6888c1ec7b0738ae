"""fit.html: how well the calibration fits, on one self-contained page that works offline.

Built from the HTML kit (`simulator/reports/kit.py`: page, CSS, table and figure helpers), as
every page is. plotly.js is embedded once, with the first figure; nothing is loaded from outside.

Its sections, in order: the header (sources, period, seed, grouping, rows, hold-out), the import
account per file and the rejected rows by reason, the hold-out validation (the model beside the
naive baseline: scores, observed against predicted, error per arm), the estimates with their
intervals and what they were shrunk towards, the auction pressure (daily CPM against daily spend
with the fitted curve) and the frequency fatigue.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from plotly.colors import qualitative

from smmsim.calibration.headline import calibration_headline
from smmsim.calibration.import_summary import (
    ImportedFile,
    ImportSummary,
    bad_encoding_line,
    shifted_line,
)
from smmsim.calibration.result import (
    ArmCalibration,
    CalibrationResult,
    CpmEstimate,
    ForecastScores,
    RateEstimate,
)
from smmsim.scenarios.documents import ABSENT
from smmsim.simulator.reports.figure_specs import (
    Spec,
    axis_key,
    cell_axes,
    every_axis,
    figure,
    subplot_layout,
    titled,
)
from smmsim.simulator.reports.kit import (
    LAYOUT,
    facts_html,
    figure_divs,
    headline_html,
    needs_log,
    page_html,
    section,
)

MEASURES = ("clicks", "conversions")  # what the hold-out forecasts


@dataclass(frozen=True)
class Rate:
    """One estimate the page shows per arm: a block of the estimates table and one figure."""

    name: str
    unit: str  # "currency" or "share"
    of: Callable[[ArmCalibration], CpmEstimate | RateEstimate | None]

    @property
    def is_cpm(self) -> bool:
        return self.unit == "currency"  # the only estimate priced in money


RATES = (
    Rate("CPM0", "currency", lambda arm: arm.cpm),
    Rate("CTR0", "share", lambda arm: arm.ctr),
    Rate("join rate", "share", lambda arm: arm.join_rate),
    Rate("CVR", "share", lambda arm: arm.cvr),
)
FORECASTS = (("model", "smmsim fit"), ("baseline", "naive pooled rates"))
PER_ARM = "each arm's own rates"  # a score-table row only: its plots would repeat the model's
FORECAST_COLORS = {"model": "rgb(31, 119, 180)", "baseline": "rgb(230, 126, 34)"}
PRIOR_COLOR = "#c0392b"
ARM_COLORS = qualitative.Plotly
CURVE_POINTS = 60


def fit_html(
    run,
    result: CalibrationResult,
    summary: ImportSummary,
    *,
    scenario: str | None = None,
    plan: str | None = None,
) -> str:
    """The whole fit page for a `CalibrationRun`, its result and its import summary; `scenario`
    names the calibrated scenario written back (merged into `plan`), for the headline."""
    charts = figure_divs(fit_figures(run, result), grid=("estimates",))
    has_holdout = result.validation.scored
    sections = [
        header_html(result, calibration_headline(result, scenario=scenario, plan=plan)),
        section("Import", IMPORT_NOTE, import_html(summary)),
        section(
            "Hold-out validation",
            validation_note(result),
            validation_table_html(result) + charts.get("validation", "") if has_holdout else "",
        ),
        not_fitted_html(result),
        section(
            "Estimates with 90% intervals",
            estimates_note(result),
            charts["estimates"] + estimates_table_html(result, run),  # the plot before ~150 rows
        ),
        section(
            "Auction pressure",
            PRESSURE_NOTE,
            charts.get("pressure", "") + auction_table_html(result),
        ),
        section("Weekday prices", WEEKDAY_NOTE, weekday_table_html(result)),
        section("Frequency fatigue", FATIGUE_NOTE, fatigue_table_html(result)),
    ]
    title = f"{', '.join(str(s) for s in result.sources)} - smmsim calibration fit"
    return page_html(title, "\n".join(sections))


def fit_figures(run, result: CalibrationResult) -> dict[str, list[Spec]]:
    """Every figure, by section, in page order (plotly.js rides with the first), as plain plotly
    specs (`figure_specs`: no graph object is built)."""
    figures: dict[str, list[Spec]] = {}
    v = run.validation
    if v.model is not None:
        figures["validation"] = [
            observed_predicted_figure(v.model, v.baseline),
            arm_error_figure(v.model, v.baseline),
        ]
    figures["estimates"] = [
        estimate_figure(result, run, rate)
        for rate in RATES
        if any(rate.of(arm) is not None for arm in result.arms)
    ]
    pressure = pressure_figure(run, result)
    figures["pressure"] = [pressure] if pressure is not None else []
    return figures


# --- text: formats, header, notes ---


def label(text) -> str:
    return html.escape(str(text))


def share_text(x: float | None) -> str:
    """A score (WAPE, coverage) as a share with one decimal, the way the console prints it."""
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.1%}"


def rate_text(x: float | None) -> str:
    """A rate in % with three significant digits: small CTRs keep their precision."""
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{100 * x:#.3g}".rstrip(".") + "%"


def money_text(x: float | None) -> str:
    """Money with 2 decimals; an unbounded interval end (a Wald bound on log scale can reach
    1e300) in short scientific form, not three hundred digits."""
    if x is None or math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:,.2f}" if abs(x) < 1e9 else f"{x:.2g}"


def number_text(x: float | None, digits: int = 3) -> str:
    if x is None or math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if abs(x) >= 1e9:
        return f"{x:.2g}"
    return f"{x:,.0f}" if abs(x) >= 10**digits else f"{x:#.{digits}g}".rstrip(".")


def value_text(x: float | None, unit: str) -> str:
    return money_text(x) if unit == "currency" else rate_text(x)


def interval_html(mean: float, low: float, high: float, text) -> str:
    """'mean (low–high)', the interval on a line of its own, as the simulator's report shows."""
    return (
        f'{html.escape(text(mean))} <span class="ci">'
        f"({html.escape(text(low))}–{html.escape(text(high))})</span>"
    )


def header_html(result: CalibrationResult, headline: list[str]) -> str:
    rows = result.import_
    period = result.period
    v = result.validation
    holdout = v.holdout
    if v.scored:
        holdout += f" ({v.train_rows:,} rows to fit on, {v.test_rows:,} held out)"
        if v.holdout_by == "group":
            holdout += ", by arm"
    else:
        holdout = "none: every row was fitted on, nothing was left to validate on"
    facts = [
        ("Sources", ", ".join(str(s) for s in result.sources)),
        ("Period", f"{period.first_date} to {period.last_date}"),
        ("Seed", str(result.seed)),
        ("Grouped by", ", ".join(result.group_by) + f" ({len(result.arms)} arms)"),
        (
            "Rows",
            f"{rows.rows_read:,} read, {rows.rows_used:,} used, {rows.rows_rejected:,} rejected",
        ),
        ("Hold-out", holdout),
        ("Currency", result.currency or "not in the data"),
    ]
    aov = result.average_order_value
    if aov is not None:
        facts.append(
            (
                "Average order value",
                f"{money_text(aov.mean)} ({money_text(aov.p5)}–{money_text(aov.p95)})",
            )
        )
    return (
        f"<header>\n<h1>Calibration fit</h1>\n{headline_html(headline)}\n{facts_html(facts)}\n"
        f"{READING_NOTE}\n</header>"
    )


READING_NOTE = (
    '<p class="note">How to read it: every estimate reads <b>mean (p5–p95)</b>, the posterior '
    "mean and its 90% interval. Each arm's rates are shrunk towards its platform (or, with too "
    "few arms, towards all arms), so a small arm borrows from the others; the hold-out shows "
    "whether the fitted model forecasts unseen days better than pooled averages would.</p>"
)
IMPORT_NOTE = (
    '<p class="note">How each file was read, and what became of its rows. '
    "<b>rejected.csv</b> holds every rejected row with its file, line number and reasons; a row "
    "can have several reasons, so the reasons may add up to more than the rows rejected.</p>"
)
PRESSURE_NOTE = (
    "<p class=\"note\">Markers: each day's CPM (1000 × spend / impressions) against that day's "
    "spend. Solid line: the fitted curve cpm0 × (1 + (spend / s_half)<sup>k</sup>), drawn over "
    "the observed spend where auction pressure was detected (an F-test against a flat CPM). "
    "Dotted: the nearly flat curve written where it was not (s_half far above any observed "
    "spend).</p>"
)
WEEKDAY_NOTE = (
    '<p class="note">CPM multipliers Monday to Sunday (mean 1), from the daily CPMs left after '
    "the auction curve. A weekly pattern is kept, and written to the scenario's "
    "<code>day_of_week</code>, only when the weekdays differ by an F-test (p &lt; 0.05) over at "
    "least two weeks; otherwise the week is flat.</p>"
)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekday_table_html(result: CalibrationResult) -> str:
    rows = []
    for arm in result.arms:
        w = arm.day_of_week
        intervals = w.intervals or [None] * 7
        cells = [
            interval_text(m, i, number_text) for m, i in zip(w.multipliers, intervals, strict=True)
        ]
        p = "n/a" if w.p_value is None else f"{w.p_value:.2g}"
        rows.append(
            f'<tr><th scope="row">{label(arm.arm)}</th>'
            + f"<td>{'yes' if w.detected else 'no'}</td>"
            + "".join(f"<td>{label(c)}</td>" for c in cells)
            + f'<td>{p}</td><td class="wrap">{label(w.note)}</td></tr>\n'
        )
    return table_html("weekdays", ["Arm", "Detected", *WEEKDAYS, "p-value", "Note"], rows)


FATIGUE_NOTE = (
    '<p class="note">CTR wear-out as the same people see the ads again: ctr = ctr0 × '
    "exp(−phi × max(0, F − f0)) at cumulative frequency F, fitted where the data have daily "
    "reach and the frequency moves enough to show it (identified). Only a wear-out whose 90% "
    "interval of phi excludes 0 is detected and written; otherwise phi is 0 in the calibration. "
    "The audience is the one the daily reach implies.</p>"
)


def validation_note(result: CalibrationResult) -> str:
    v = result.validation
    if not v.scored and v.why_none:
        return f'<p class="note">No hold-out: {html.escape(v.why_none)}.</p>'
    if not v.scored:
        return (
            '<p class="note">There was no hold-out (<code>--holdout 0</code>): every row was '
            "fitted on, so there is nothing to validate the forecasts against. Run with a "
            "hold-out to see how well the fit forecasts unseen data.</p>"
        )
    unit = "arms" if v.holdout_by == "group" else "days"
    return (
        f'<p class="note">The model was fitted on {v.train_rows:,} rows and forecast the '
        f"{v.model.cells:,} held-out arm-days ({html.escape(v.holdout)}) from their "
        f"spend alone; the held-out {unit} were not seen by the fit. The naive baseline uses the "
        "pooled average CPM, CTR and CVR of the training rows; each arm's own rates are a "
        "spreadsheet's: its training clicks and conversions per unit of money, times the day's "
        "spend. <b>WAPE</b> is the total absolute "
        "error over the total observed (lower is better); <b>coverage</b> is the share of "
        "arm-days whose observed count fell inside the 90% forecast interval (90% is right: "
        "far below means overconfident, far above too cautious). Points above the diagonal were "
        "over-forecast; whiskers span the 90% interval. Where the counts span orders of magnitude "
        "the axes are logarithmic, and days with none are not drawn.</p>"
    )


def estimates_note(result: CalibrationResult) -> str:
    currency = html.escape(result.currency or "the data's currency")
    return (
        '<p class="note">Per arm, each rate\'s posterior mean with its 90% interval, beside the '
        "raw rate observed (totals over all days) and the prior mean it was shrunk towards. The "
        "closer the prior (red tick) and the fewer the data, the further the estimate moves from "
        f"the raw rate (hollow marker). CPM0 is in {currency} and is the base CPM before auction "
        "pressure, so it sits below the observed CPM where pressure was detected; the observed "
        "CPM with the fitted pressure taken out (hollow diamond) is what it is estimated from. "
        "Dispersion is the day-to-day variation beyond count noise (1 = none), which widens the "
        "interval.</p>"
    )


# --- tables ---


def table_html(css: str, head: list[str], rows: list[str]) -> str:
    cols = "".join(
        f'<th scope="col">{h}</th>' if i == 0 else f"<th>{h}</th>" for i, h in enumerate(head)
    )
    return (
        f'<div class="scroll"><table class="{css}">\n<thead><tr>{cols}</tr></thead>\n'
        f"<tbody>\n{''.join(rows)}</tbody>\n</table></div>"
    )


def import_html(summary: ImportSummary) -> str:
    files = [
        "<tr>"
        + f'<th scope="row">{label(f.file)}</th>'
        + f'<td class="wrap">{label(f.format_title)}</td>'  # a sentence: wraps, the table fits
        + "".join(
            f'<td class="text">{label(text)}</td>'
            for text in (f.encoding, f.separator, f.decimal_mark, f.date_order)
        )
        + "".join(f"<td>{n:,}</td>" for n in (f.rows_read, f.rows_used, f.rows_rejected))
        + "</tr>\n"
        for f in summary.per_file
    ]
    out = table_html(
        "import",
        [
            "File",
            "Format",
            "Encoding",
            "Separator",
            "Decimal mark",
            "Date order",
            "Rows read",
            "Used",
            "Rejected",
        ],
        files,
    )
    out += columns_table_html(summary.per_file)
    reasons = summary.rejected_by_reason
    if reasons:
        rows = [
            f'<tr><th scope="row">{label(reason)}</th><td>{n:,}</td></tr>\n'
            for reason, n in reasons.items()
        ]
        out += "<h3>Rejected rows by reason</h3>\n" + table_html(
            "reasons", ["Reason", "Rows"], rows
        )
    else:
        out += '<p class="note">No row was rejected.</p>'
    shifted = shifted_line(summary)
    if shifted:
        out += f'<p class="note">{html.escape(shifted)}.</p>'
    if summary.bad_encoding_lines:
        out += f'<p class="note">{html.escape(bad_encoding_line(summary))}.</p>'
    return out


def columns_table_html(files: list[ImportedFile]) -> str:
    """Which header fed which field, the text columns kept for grouping, and what was ignored."""
    rows = []
    for f in files:
        mapped = ", ".join(f"{field} ← {column}" for field, column in f.columns.items())
        dims = ", ".join(f"{d} ← {c}" for d, c in f.dimensions.items())
        cells = (mapped, dims or "none", ", ".join(f.ignored_columns) or "none")
        rows.append(
            f'<tr><th scope="row">{label(f.file)}</th>'
            + "".join(f'<td class="wrap">{label(c)}</td>' for c in cells)
            + "</tr>\n"
        )
    return table_html(
        "columns", ["File", "Fields (field ← column)", "Grouping columns", "Ignored columns"], rows
    )


def table_scores(m: ForecastScores) -> tuple[float | None, ...]:
    """A forecast's scores in the validation table's column order."""
    return (m.wape_clicks, m.wape_conversions, m.coverage_clicks, m.coverage_conversions)


def validation_table_html(result: CalibrationResult) -> str:
    v = result.validation
    rows = [
        f'<tr><th scope="row">{label(name)}</th>'
        + "".join(f"<td>{share_text(x)}</td>" for x in table_scores(scores))
        + f"<td>{scores.cells:,}</td></tr>\n"
        for name, scores in (
            (FORECASTS[0][1], v.model),
            (FORECASTS[1][1], v.baseline),
            (PER_ARM, v.per_arm),
        )
    ]
    head = [
        "Forecast",
        "WAPE clicks",
        "WAPE conversions",
        "90% coverage clicks",
        "90% coverage conversions",
        "Arm-days",
    ]
    return table_html("validation", head, rows)


def estimates_table_html(result: CalibrationResult, run) -> str:
    currency = result.currency
    rows = []
    for arm, fit in zip(result.arms, run.calibration.arms, strict=True):
        for i, rate in enumerate(RATES):
            head = (
                f'<th scope="row" rowspan="{len(RATES)}">{label(arm.arm)}'
                f"<small>{arm.days:,} days</small></th>"
                if i == 0
                else ""
            )
            shown = f"{rate.name} ({currency})" if rate.is_cpm and currency else rate.name
            adjusted = adjusted_cpm(fit) if rate.is_cpm and arm.auction.detected else None
            estimate = rate.of(arm)
            cells = estimate_cells(estimate, rate.unit, prior_mean(estimate, fit, rate), adjusted)
            rows.append(f'<tr>{head}<td class="text">{label(shown)}</td>{cells}</tr>\n')
    head = [
        "Arm",
        "Estimate",
        "Mean (90% interval)",
        "Observed",
        "Prior mean",
        "Shrunk towards",
        "Dispersion",
    ]
    return table_html("estimates", head, rows)


def prior_mean(estimate: CpmEstimate | RateEstimate | None, fit, rate: Rate) -> float | None:
    """The mean of the prior a rate was shrunk towards; for the CPM, E[1000 / theta] under the
    price prior Gamma(alpha, beta), 1000 beta / (alpha - 1), from the fit, so that a prior with
    no mean (alpha <= 1) shows none."""
    if estimate is None:
        return None
    if not rate.is_cpm:
        return estimate.prior_mean
    e = fit.cpm
    return 1000 * e.prior_beta / (e.prior_alpha - 1) if e.prior_alpha > 1 else None


def adjusted_cpm(fit) -> float | None:
    """The observed CPM with auction pressure taken out: 1000 x sum(spend / factor(spend)) /
    impressions, what the base CPM is estimated from."""
    spend = np.nan_to_num(np.asarray(fit.days.values["spend"], dtype=float))
    impressions = np.nansum(fit.days.values["impressions"])
    if impressions <= 0:
        return None
    # as the fit does: the curve at each cell's spend per day
    curve = fit.pressure.factor(fit.days.daily_spend()) if fit.pressure.detected else 1.0
    base = spend / curve / fit.weekdays.on(fit.days.dates)
    return float(1000 * np.sum(base) / impressions)


def estimate_cells(
    e: CpmEstimate | RateEstimate | None,
    unit: str,
    prior: float | None,
    adjusted: float | None = None,
) -> str:
    if e is None:
        return '<td class="na" colspan="5">not in the data</td>'
    text = money_text if unit == "currency" else rate_text
    observed = html.escape(value_text(e.observed, unit))
    if adjusted is not None:
        observed += f' <span class="ci">{html.escape(text(adjusted))} without pressure</span>'
    cells = [
        interval_html(e.mean, e.p5, e.p95, text),
        observed,
        html.escape(value_text(prior, unit)) if prior is not None else "–",
    ]
    return (
        "".join(f"<td>{c}</td>" for c in cells)
        + f'<td class="text">{label(e.shrunk_towards)}</td>'
        + f"<td>{html.escape(number_text(e.dispersion))}</td>"
    )


NOT_FITTED_NOTE = (
    '<p class="note">Parts of the model these data cannot measure: rows of a period\'s totals '
    "have no days "
    "(so no weekday prices, daily noise or wear-out over time), and a funnel without spend has "
    "no price. A scenario written with --plan keeps the plan's beliefs for them; without a "
    "plan it holds the scenario's defaults, marked NOT CALIBRATED (no price: no scenario).</p>"
)


def not_fitted_html(result: CalibrationResult) -> str:
    """A section listing each part the data could not fit, or nothing when all were."""
    if result.not_fitted is ABSENT or not result.not_fitted:
        return ""
    rows = [
        f'<tr><th scope="row">{label(item.part)}</th><td class="wrap">{label(item.reason)}</td>'
        f'<td class="wrap">{label(_arms_text(item.arms, result))}</td>'
        f'<td class="wrap">{label(item.scenario)}</td></tr>\n'
        for item in result.not_fitted
    ]
    table = table_html("not-fitted", ["Part", "Why", "Arms", "Written scenario"], rows)
    return section("Not fitted from these data", NOT_FITTED_NOTE, table)


def _arms_text(arms: list[str], result: CalibrationResult) -> str:
    return f"every arm ({len(arms)})" if len(arms) == len(result.arms) else ", ".join(arms)


def auction_table_html(result: CalibrationResult) -> str:
    rows = []
    for arm in result.arms:
        a = arm.auction
        low, high = a.daily_spend_range
        if a.detected:
            s_half = interval_text(a.s_half, a.s_half_interval, money_text)
            k = interval_text(a.k, a.k_interval, number_text)
        else:
            s_half = k = "–"
        p = "n/a" if a.p_value is None else f"{a.p_value:.2g}"
        cells = ["yes" if a.detected else "no", s_half, k, p]
        cells.append(f"{money_text(low)} – {money_text(high)}")
        rows.append(
            f'<tr><th scope="row">{label(arm.arm)}</th>'
            + "".join(f"<td>{label(c)}</td>" for c in cells)
            + f'<td class="wrap">{label(a.note)}</td></tr>\n'
        )
    head = ["Arm", "Detected", "s_half (90%)", "k (90%)", "p-value", "Daily spend", "Note"]
    return table_html("auction", head, rows)


def interval_text(value: float, interval, text) -> str:
    if not interval:
        return text(value)
    return f"{text(value)} ({text(interval[0])}–{text(interval[1])})"


def fatigue_table_html(result: CalibrationResult) -> str:
    rows = []
    for arm in result.arms:
        f = arm.fatigue
        freq = f.frequency_range
        interval = f.phi_interval
        cells = [
            "yes" if f.identified else "no",
            "yes" if f.detected else "no",
            number_text(f.phi) if f.detected else "0 (none written)",
            f"{number_text(interval[0])}–{number_text(interval[1])}" if interval else "–",
            number_text(f.f0) if f.detected else "–",
            "–" if f.audience is None else f"{f.audience:,.0f}",
            "–" if not freq else f"{number_text(freq[0])} – {number_text(freq[1])}",
        ]
        rows.append(
            f'<tr><th scope="row">{label(arm.arm)}</th>'
            + "".join(f"<td>{label(c)}</td>" for c in cells)
            + f'<td class="wrap">{label(f.note)}</td></tr>\n'
        )
    head = [
        "Arm",
        "Identified",
        "Wear-out detected",
        "phi",
        "phi 90% interval",
        "f0",
        "Audience",
        "Frequency range",
        "Note",
    ]
    return table_html("fatigue", head, rows)


# --- figures ---


def hover_arm_dates(fc) -> np.ndarray:
    return np.array([f"{label(a)}, {label(d)}" for a, d in zip(fc.arm, fc.date, strict=True)])


def observed_predicted_figure(model, baseline) -> Spec:
    """Per measure, forecast against observed for every held-out arm-day, with the diagonal."""
    measures = [m for m in MEASURES if np.isfinite(model.observed[m]).any()]
    layout = subplot_layout(1, len(measures), measures)
    traces = []
    for index, name in enumerate(measures):
        values = []
        for (kind, title), fc in zip(FORECASTS, (model, baseline), strict=True):
            if fc is None:
                continue
            obs, mean = fc.observed[name], fc.mean[name]
            ok = np.isfinite(obs) & np.isfinite(mean)
            values += [*obs[ok], *mean[ok]]
            traces.append(
                {
                    "type": "scatter",
                    "x": obs[ok],
                    "y": mean[ok],
                    "mode": "markers",
                    "name": title,
                    "legendgroup": kind,
                    "showlegend": index == 0,
                    "marker": {"color": FORECAST_COLORS[kind], "size": 6, "opacity": 0.7},
                    "error_y": {
                        "type": "data",
                        "array": np.maximum(fc.high[name][ok] - mean[ok], 0),
                        "arrayminus": np.maximum(mean[ok] - fc.low[name][ok], 0),
                        "thickness": 1,
                        "width": 0,
                    },
                    "text": hover_arm_dates(fc)[ok],
                    "hovertemplate": f"{title}<br>%{{text}}<br>observed %{{x:,.0f}}, "
                    "forecast %{y:,.1f}<extra></extra>",
                    **cell_axes(index),
                }
            )
        log = needs_log(values)
        positive = [x for x in values if x > 0]
        low = min(positive) if log else 0.0
        high = max(values) if values else 1.0
        traces.append(
            {
                "type": "scatter",
                "x": [low, high],
                "y": [low, high],
                "mode": "lines",
                "name": "forecast = observed",
                "legendgroup": "diagonal",
                "showlegend": index == 0,
                "line": {"color": "#888", "dash": "dash", "width": 1},
                "hoverinfo": "skip",
                **cell_axes(index),
            }
        )
        kind = "log" if log else "linear"
        layout[axis_key("x", index)].update(type=kind, title=titled(f"observed {name} per day"))
        layout[axis_key("y", index)].update(type=kind, title=titled(f"forecast {name} per day"))
    layout.update(
        title=titled("Held-out arm-days: forecast against observed (90% interval whiskers)"),
        height=460,
        **LAYOUT,
    )
    return figure(traces, layout)


def arm_wape(fc, name: str) -> dict[str, float | None]:
    """WAPE of one measure per arm: the residuals grouped by arm."""
    arms = np.array(fc.arm)
    obs, mean = fc.observed[name], fc.mean[name]
    out = {}
    for arm in dict.fromkeys(fc.arm):
        ok = (arms == arm) & np.isfinite(obs) & np.isfinite(mean)
        total = obs[ok].sum()
        out[arm] = float(np.abs(obs[ok] - mean[ok]).sum() / total) if total > 0 else None
    return out


def arm_error_figure(model, baseline) -> Spec:
    """Bars: per arm, the WAPE of the model and of the baseline, clicks and conversions. The
    bars lie down, one arm a row, so two dozen arms' names read level instead of overlapping
    under the axis."""
    measures = [m for m in MEASURES if np.isfinite(model.observed[m]).any()]
    layout = subplot_layout(
        1,
        len(measures),
        [f"WAPE {m}" for m in measures],
        shared_yaxes=True,
        horizontal_spacing=0.04,
    )
    n_arms = len(dict.fromkeys(model.arm))
    traces = []
    for index, name in enumerate(measures):
        for (kind, title), fc in zip(FORECASTS, (model, baseline), strict=True):
            if fc is None:
                continue
            wape = arm_wape(fc, name)
            traces.append(
                {
                    "type": "bar",
                    "y": [label(a) for a in wape],
                    "x": [np.nan if w is None else w for w in wape.values()],
                    "orientation": "h",
                    "name": title,
                    "legendgroup": kind,
                    "showlegend": index == 0,
                    "marker": {"color": FORECAST_COLORS[kind]},
                    "hovertemplate": f"{title}: %{{x:.1%}}<extra>%{{y}}</extra>",
                    **cell_axes(index),
                }
            )
        layout[axis_key("x", index)].update(tickformat=".0%", rangemode="tozero")
    every_axis(layout, "y", autorange="reversed", automargin=True)  # first arm on top, in full
    layout.update(
        barmode="group",
        title=titled("Forecast error per held-out arm (WAPE, lower is better)"),
        height=max(420, 140 + 28 * n_arms),
        **LAYOUT,
    )
    return figure(traces, layout)


def estimate_figure(result: CalibrationResult, run, rate: Rate) -> Spec:
    """Dot and whisker, one row per arm: posterior mean (p5-p95), raw rate, prior mean."""
    rows = [
        (arm, fit, rate.of(arm))
        for arm, fit in zip(result.arms, run.calibration.arms, strict=True)
        if rate.of(arm) is not None
    ]
    arms = [label(arm.arm) for arm, _, _ in rows]
    stats = [estimate for _, _, estimate in rows]
    priors = [prior_mean(estimate, fit, rate) for _, fit, estimate in rows]
    sources = [label(s.shrunk_towards) for s in stats]
    fmt = ":,.2f" if rate.unit == "currency" else ":.3%"
    traces = [
        {
            "type": "scatter",
            "x": [s.mean for s in stats],
            "y": arms,
            "mode": "markers",
            "name": "posterior mean (p5–p95)",
            "marker": {"color": FORECAST_COLORS["model"], "size": 9},
            "error_x": {
                "type": "data",
                "array": [max(s.p95 - s.mean, 0) for s in stats],
                "arrayminus": [max(s.mean - s.p5, 0) for s in stats],
                "thickness": 2,
            },
            "customdata": [[s.p5, s.p95] for s in stats],
            "hovertemplate": f"%{{y}}: %{{x{fmt}}} (%{{customdata[0]{fmt}}}–"
            f"%{{customdata[1]{fmt}}})<extra>posterior</extra>",
        },
        {
            "type": "scatter",
            "x": [s.observed for s in stats],
            "y": arms,
            "mode": "markers",
            "name": "observed (raw)",
            "marker": {"symbol": "circle-open", "size": 11, "color": "#333", "line": {"width": 2}},
            "hovertemplate": f"%{{y}}: %{{x{fmt}}}<extra>observed</extra>",
        },
    ]
    if rate.is_cpm:
        adjusted = [adjusted_cpm(fit) if arm.auction.detected else None for arm, fit, _ in rows]
        traces.append(
            {
                "type": "scatter",
                "x": adjusted,
                "y": arms,
                "mode": "markers",
                "name": "observed without auction pressure",
                "marker": {
                    "symbol": "diamond-open",
                    "size": 10,
                    "color": "#333",
                    "line": {"width": 2},
                },
                "hovertemplate": f"%{{y}}: %{{x{fmt}}}<extra>observed, pressure taken out</extra>",
            }
        )
    traces.append(
        {
            "type": "scatter",
            "x": priors,
            "y": arms,
            "mode": "markers",
            "name": "prior mean (shrunk towards)",
            "marker": {"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": PRIOR_COLOR}},
            "customdata": sources,
            "hovertemplate": f"%{{y}}: %{{x{fmt}}}<extra>prior: %{{customdata}}</extra>",
        }
    )
    currency = result.currency
    title = f"{rate.name} ({currency})" if rate.is_cpm and currency else rate.name
    layout: Spec = {"yaxis": {"type": "category", "autorange": "reversed"}}
    if rate.unit == "share":
        layout["xaxis"] = {"tickformat": ".2%"}
    layout.update(
        title=titled(f"{title} per arm"),
        height=200 + 36 * len(arms),
        legend={"orientation": "h", "y": -0.2},
        **LAYOUT,
    )
    return figure(traces, layout)


PANELS_PER_ROW = 3
PANEL_HEIGHT = 300
ARMS_PER_PANEL = 6  # more lines than this in one small plot cannot be told apart


def pressure_panels(priced: list) -> list[tuple[str, list]]:
    """(title, arms) of each small plot: one per platform, a platform with more than
    ARMS_PER_PANEL arms split over several, in the arms' order."""
    panels = []
    for platform in dict.fromkeys(arm.platform for arm, _ in priced):
        members = [(arm, fit) for arm, fit in priced if arm.platform == platform]
        for first in range(0, len(members), ARMS_PER_PANEL):
            part = members[first : first + ARMS_PER_PANEL]
            if len(members) <= ARMS_PER_PANEL:
                title = f"{platform} ({len(members)} arm{'s' if len(members) > 1 else ''})"
            else:
                title = f"{platform} (arms {first + 1}-{first + len(part)} of {len(members)})"
            panels.append((label(title), part))
    return panels


def pressure_figure(run, result: CalibrationResult) -> Spec | None:
    """Daily CPM against daily spend, one small plot per platform (`pressure_panels`; shared
    axes, so that the platforms' prices compare at a glance), each arm's days and its fitted
    curve cpm0 x factor(spend) in its own colour; None when no arm has a price (no spend)."""
    priced = [
        (arm, fit)
        for arm, fit in zip(result.arms, run.calibration.arms, strict=True)
        if arm.cpm is not None
    ]
    if not priced:
        return None
    panels = pressure_panels(priced)
    cols = min(PANELS_PER_ROW, len(panels))
    rows = math.ceil(len(panels) / cols)
    layout = subplot_layout(
        rows,
        cols,
        [title for title, _ in panels],
        shared_xaxes="all",
        vertical_spacing=min(0.12, 0.3 / rows),
        shared_yaxes="all",  # every panel on the same scales
        horizontal_spacing=0.06,
    )
    traces, spends = [], []
    for panel, (_, members) in enumerate(panels):
        for i, (arm, fit) in enumerate(members):
            color = ARM_COLORS[i % len(ARM_COLORS)]
            arm_traces, arm_spends = _pressure_traces(arm, fit, color, panel)
            traces += arm_traces
            spends += arm_spends
    currency = result.currency
    unit = f" ({currency})" if currency else ""
    every_axis(layout, "x", type="log" if needs_log(spends) else "linear")
    for col in range(cols):  # the bottom row's spend axes, the first column's CPM axes
        layout[axis_key("x", (rows - 1) * cols + col)]["title"] = titled(f"daily spend{unit}")
    every_axis(layout, "y", rangemode="tozero")
    for row in range(rows):
        layout[axis_key("y", row * cols)]["title"] = titled(f"CPM{unit}")
    layout.update(
        title=titled("Daily CPM against daily spend, per platform (hover for the arm)"),
        height=120 + PANEL_HEIGHT * rows,
        showlegend=False,
        **LAYOUT,
    )
    return figure(traces, layout)


def _pressure_traces(arm, fit, color: str, cell: int) -> tuple[list[Spec], list[float]]:
    """One arm's days (markers) and fitted curve (line) in grid cell `cell`, and its spends. A
    period row is drawn at its spend per day (its spend over its days), as the curve was fitted."""
    name = label(arm.arm)
    spend = fit.days.daily_spend()
    impressions = np.asarray(fit.days.values["impressions"], dtype=float) / fit.days.periods
    ok = np.isfinite(impressions) & (spend > 0) & (impressions > 0)
    when = [
        str(d) if n == 1 else f"{d}, {int(n)} days"
        for d, n in zip(fit.days.dates[ok], fit.days.periods[ok], strict=True)
    ]
    markers = {
        "type": "scatter",
        "x": spend[ok],
        "y": 1000 * spend[ok] / impressions[ok],
        "mode": "markers",
        "name": name,
        "legendgroup": name,
        "marker": {"color": color, "size": 5, "opacity": 0.7},
        "text": when,
        "hovertemplate": f"{name}, %{{text}}<br>spend %{{x:,.2f}}, CPM %{{y:,.2f}}<extra></extra>",
        **cell_axes(cell),
    }
    if not ok.any():
        return [markers], []
    low, high = float(spend[ok].min()), float(spend[ok].max())
    grid = np.linspace(low, high, CURVE_POINTS) if high > low else np.array([low])
    detected = arm.auction.detected
    # a line without a dash is solid: plotly leaves an unset dash out rather than write null
    line = (
        {"color": color, "width": 2.5}
        if detected
        else {"color": color, "width": 1.2, "dash": "dot"}
    )
    curve = {
        "type": "scatter",
        "x": grid,
        "y": arm.cpm.mean * fit.pressure.factor(grid),
        "mode": "lines",
        "name": f"{name}: fitted curve" if detected else f"{name}: not detected",
        "legendgroup": name,
        "line": line,
        "hovertemplate": f"{name} curve: spend %{{x:,.2f}}, CPM %{{y:,.2f}}<extra></extra>",
        **cell_axes(cell),
    }
    return [markers, curve], list(spend[ok])
