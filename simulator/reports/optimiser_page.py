"""optimise.html: the study of `smmsim optimise` as one self-contained page that works offline.

It reads nothing but the typed optimisation document (`OptimisationResult`), so it can be
rebuilt from optimise.json (`OptimisationResult.from_dict`), and draws its own figures from the
document's history rather than with optuna's visualisation module. It reuses the page, CSS, table
and figure helpers of `simulator/reports/kit.py` (plotly.js embedded once, with the first figure).
Its figures are plain plotly specs (`simulator/reports/figure_specs.py`), the very figures plotly's
graph objects made, without the time those spend validating and copying every property.

Its sections, in order: the header, the best allocation (per tool, and the tactics at the
optimum), the optimum against the baselines, the optimisation history, the parameter importances,
the objective against backlash risk with its Pareto front, and the marginal CPA of each paid-ads
tool at the optimum.
"""

from __future__ import annotations

import html
import math

from smmsim.simulator.consoles.optimiser import (
    NO_CPA,
    NO_TRIAL,
    Difference,
    at_a_time_text,
    ci_of,
    convergence_line,
    currency_of,
    given,
    objective_text,
    objective_value_text,
    policy_of,
    risk_limit_text,
    same_outcome,
    searched_text,
    with_unit,
)
from smmsim.simulator.reports.figure_specs import Spec, figure, titled
from smmsim.simulator.reports.headline import optimisation_headline
from smmsim.simulator.reports.kit import (
    FAN_RGB,
    LAYOUT,
    MARK_COLOR,
    TARGET_COLOR,
    add_marks,
    facts_html,
    figure_divs,
    fmt,
    headline_html,
    odds_cell,
    page_html,
    section,
    stat_html,
    x_mark,
    y_mark,
)
from smmsim.simulator.studies.optimiser.document import (
    BaselineDifferences,
    BestTrial,
    HistoryRow,
    OptimisationResult,
    PlanFigures,
    TacticAtOptimum,
    ToolRow,
)
from smmsim.simulator.studies.optimiser.evaluation import MARGINAL_STEP
from smmsim.simulator.studies.optimiser.storage import in_memory, parsed_url
from smmsim.simulator.summary import Stats

TRIAL_COLOR = f"rgb({FAN_RGB})"
OVER_LIMIT_COLOR = "#9a9a9a"
UNFUNDED_COLOR = f"rgba({FAN_RGB}, 0.35)"
FRONT_COLOR = TARGET_COLOR
MIN_RISK_AXIS = 0.1  # the risk axis spans at least 0-10%, so a riskless study's ticks differ
SPREAD_FOR_LOG = 4  # largest / smallest objective from which its axis is logarithmic
NO_TRIAL_HTML = f'<p class="note">{NO_TRIAL}</p>'
TITLES = {
    "history": "Optimisation history",
    "importances": "Parameter importances",
    "pareto": "Pareto front: objective against backlash risk",
    "marginal": "Marginal CPA at the optimum",
}


def report_html(document: OptimisationResult) -> str:
    """The whole page for an optimisation document; renders with no completed trial too (a
    document built from a study that has none yet)."""
    charts = figure_divs(report_figures(document))
    sections = [
        header_html(document),
        best_section(document),
        comparison_section(document),
        *plot_sections(document, charts),
    ]
    return page_html(f"{document.scenario} - optimisation", "\n".join(sections))


# --- reading the document ---


def completed(document: OptimisationResult) -> list[HistoryRow]:
    """Completed trials with a defined objective (a CPA without conversions is null in JSON)."""
    return [r for r in document.history if r.state == "COMPLETE" and r.value is not None]


def objective_axis(document: OptimisationResult) -> str:
    """The objective as an axis title; escaped, since plotly reads titles as HTML."""
    name = with_unit("expected CPA", document) if is_cpa(document) else "expected conversions"
    return html.escape(name)


def is_cpa(document: OptimisationResult) -> bool:
    return document.objective == "cpa"


def money(value: float | None, document: OptimisationResult) -> str:
    return f"{fmt(value, 'currency')} {currency_of(document)}".rstrip()


def stats_html(stats: Stats | None, unit: str) -> str:
    """The kit's 'mean (p5–p95)' cell of a typed Stats."""
    return stat_html(stats, unit)


# --- header ---

HEADER_NOTE = (
    '<p class="note">How to read it: the optimiser tried many versions of the plan, changing only '
    "what it was asked to search (the split, the tactics' levels, the test), each one a "
    "<b>trial</b>. Every trial simulates the campaign many times on the same random "
    "market conditions (common random numbers), so trials are compared on the same luck. The "
    "best trial is then simulated again, on more replications, beside the baseline plans. "
    "Values read <b>mean (p5–p95)</b>: the average over simulated campaigns and the range within "
    "which 9 in 10 of them fell.</p>"
)


def header_html(document: OptimisationResult) -> str:
    return (
        f"<header>\n<h1>Optimisation: {html.escape(document.scenario)}</h1>\n"
        f"{headline_html(optimisation_headline(document))}\n"
        f"{facts_html(header_facts(document))}\n{HEADER_NOTE}\n</header>"
    )


def header_facts(document: OptimisationResult) -> list[tuple[str, str]]:
    trials, evaluation = document.trials, document.evaluation
    per_trial = f"{document.replications_per_trial:,}"
    if document.deterministic:
        per_trial += " (deterministic: expected values, no noise)"
    return [
        ("Scenario", document.scenario),
        ("Study", document.study),
        ("Study kept in", storage_text(document.storage)),
        ("Objective", objective_text(document)),
        ("Risk limit", risk_limit_text(document)),
        ("Seed", str(document.seed)),
        ("Replications per trial", per_trial),
        (
            "Replications, final evaluation",
            f"{evaluation.replications:,}" if evaluation else "none (no trial completed)",
        ),
        (
            "Trials",
            f"{trials.completed:,} completed of {trials.target:,} wanted, "
            f"{trials.failed:,} failed ({trials.by_this_worker:,} run by this worker"
            f"{at_a_time_text(trials)})",
        ),
    ]


BACKENDS = {
    "sqlite": "a SQLite file",
    "postgresql": "a PostgreSQL server",
    "mysql": "a MySQL server",
}


def storage_text(storage: str) -> str:
    """Where the study is kept, in words, never its path or address: a page is sent around,
    and a path names a user's folders (optimise.json keeps the URL, password hidden, to resume)."""
    if in_memory(storage):
        return "memory (not kept after the run)"
    parsed = parsed_url(storage)
    backend = parsed.get_backend_name() if parsed is not None else ""
    where = BACKENDS.get(backend, "a database")
    return f"{where} (its address is in optimise.json, to resume the study)"


# --- the best allocation ---

BEST_NOTE = (
    '<p class="note">The plan the study found best. <b>Share</b> is each paid-ads tool\'s part of '
    "the paid-ads budget and <b>planned budget</b> what that share plans to spend; tactics show "
    "their multiple of the plan as written (×1.00 is unchanged), and tools the search leaves alone "
    "(retargeting) run as planned. Spend, conversions and CPA come from the final evaluation: what "
    "each tool actually spent and brought, as mean (p5–p95) over simulated campaigns; a dash for "
    "the CPA of a tool that brought no conversions.</p>"
)


def best_section(document: OptimisationResult) -> str:
    best = document.best
    if best is None:
        return section("Best allocation", BEST_NOTE, NO_TRIAL_HTML)
    parts = [
        convergence_html(document),
        facts_html(best_facts(document)),
        allocation_table_html(document),
        tactics_html(best),
    ]
    return section("Best allocation", BEST_NOTE, "\n".join(p for p in parts if p))


def convergence_html(document: OptimisationResult) -> str:
    """The console's line when more trials would likely help, first in the section."""
    line = convergence_line(document)
    return f'<p class="note"><b>{html.escape(line)}</b></p>' if line else ""


def best_facts(document: OptimisationResult) -> list[tuple[str, str]]:
    best = document.best
    within = "yes" if best.feasible else "no: no trial met the limit; this is the least risky"
    searched = searched_text(document)
    facts = [
        *([("Searched", f"{searched}; everything else as written")] if searched else []),
        ("Trial", f"#{best.number}"),
        ("Within the risk limit", within),
        (
            "Trial's own score",
            f"{objective_value_text(best.value, document)} over its "
            f"{document.replications_per_trial:,} replications; backlash risk "
            f"{best.risk:.1%}",
        ),
    ]
    policy = policy_of(best)
    if policy:
        settings = policy.to_dict().items()  # each setting under its own name
        facts.append(("Test-then-scale", ", ".join(f"{k} {v:g}" for k, v in settings)))
    return facts


def allocation_rows(document: OptimisationResult) -> list[ToolRow]:
    """The evaluated tools; without an evaluation, the best trial's shares alone."""
    if document.evaluation:
        return document.evaluation.tools
    return [
        ToolRow(
            tool=t,
            type="paid_ads",
            share=s,
            planned_budget=None,
            intensity=None,
            spend=None,
            conversions=None,
            cpa=None,
        )
        for t, s in document.best.candidate.shares.items()
    ]


def allocation_table_html(document: OptimisationResult) -> str:
    currency = html.escape(currency_of(document))
    unit = f" ({currency})" if currency else ""
    head = "".join(
        f"<th>{h}</th>"
        for h in ("Share", f"Planned budget{unit}", f"Spend{unit}", "Conversions", f"CPA{unit}")
    )
    rows = "".join(allocation_row(r) for r in allocation_rows(document))
    return (
        '<div class="scroll"><table class="allocation">\n'
        f'<thead><tr><th scope="col">Tool</th>{head}</tr></thead>\n'
        f"<tbody>\n{rows}</tbody>\n</table></div>"
    )


def allocation_row(row: ToolRow) -> str:
    planned = row.planned_budget
    cells = [
        html.escape(part_text(row)),
        "–" if planned is None else html.escape(fmt(planned, "currency")),
        stats_html(row.spend, "currency"),
        stats_html(row.conversions, "count"),
        NO_CPA if row.cpa is None else stats_html(row.cpa, "currency"),
    ]
    return (
        f'<tr><th scope="row">{html.escape(row.tool)}<small>{html.escape(row.type)}</small>'
        f"</th>{''.join(f'<td>{c}</td>' for c in cells)}</tr>\n"
    )


def part_text(row: ToolRow) -> str:
    """A tool's part in the plan: its share, its multiple of the plan, or as planned."""
    if row.share is not None:
        return fmt(row.share, "share")
    if row.intensity is not None:
        return f"×{row.intensity:.2f} of plan"
    return "as planned"


def tactics_html(best: BestTrial) -> str:
    tactics = given(best.tactics) or []  # older documents have no tactics
    if not tactics:
        return '<p class="note">No tactic intensity was searched.</p>'
    head = "".join(
        f"<th>{h}</th>"
        for h in ("Multiple of plan", "Units over the campaign", "Planned units", "Per week")
    )
    rows = "".join(tactic_row(t) for t in tactics)
    return (
        "<h3>Tactics at the optimum</h3>\n"
        '<p class="note">Units are posts, seeded items or placements over the whole campaign, '
        "against the plan as written; per week is the resulting rate.</p>\n"
        '<div class="scroll"><table class="tactics">\n'
        f'<thead><tr><th scope="col">Tactic</th>{head}</tr></thead>\n'
        f"<tbody>\n{rows}</tbody>\n</table></div>"
    )


def tactic_row(t: TacticAtOptimum) -> str:
    cells = [
        f"×{t.intensity:.2f}",
        fmt(t.units, "count"),
        fmt(t.planned_units, "count"),
        f"{t.per_week:.1f}",
    ]
    return (
        f'<tr><th scope="row">{html.escape(t.tool)}<small>{html.escape(t.type)}</small>'
        f"</th>{''.join(f'<td>{html.escape(c)}</td>' for c in cells)}</tr>\n"
    )


# --- against the baselines ---


def comparison_note(document: OptimisationResult) -> str:
    evaluation = document.evaluation
    reps = f"{evaluation.replications if evaluation else 0:,}"
    aim = "the number the optimiser minimises" if is_cpa(document) else "a plain cost figure"
    return (
        '<p class="note">Each row is a whole plan simulated on the same '
        f"{reps} campaigns (same seed, common random numbers), under the scenario's own "
        "strategy: <i>as written</i> is the scenario as you wrote it and, where the split is "
        "searched, <i>spread</i> gives every paid-ads tool the same share and <i>best-guess</i> "
        "puts everything on the tool with the best prior CPA. <b>Expected "
        f"CPA</b> is expected spend over expected conversions, {aim}. <b>P(backlash)</b> is the "
        "chance of at least one backlash event, with its 90% confidence interval. The <b>Δ</b> "
        "columns compare the optimised plan with each baseline campaign by campaign (optimised "
        "minus that plan): the mean difference, with the 90% confidence interval of that mean, "
        "and <b>P(more)</b> or <b>P(cheaper)</b>, the share of campaigns in which the optimised "
        "plan did strictly better (a tie counts as not better). The expected-CPA difference is a "
        "ratio of totals, so its interval and P(cheaper) come from resampling whole campaigns "
        "(a paired bootstrap). The best trial's own score, picked as the best of many noisy "
        "trials, tends to flatter it: plan on these figures.</p>"
    )


def comparison_section(document: OptimisationResult) -> str:
    evaluation = document.evaluation
    content = NO_TRIAL_HTML if evaluation is None else comparison_table_html(document)
    for note in [] if evaluation is None else evaluation.notes:
        content += f'<p class="note"><b>Note:</b> {html.escape(note)}.</p>'

    return section("Optimised against the baselines", comparison_note(document), content)


def comparison_table_html(document: OptimisationResult) -> str:
    currency = html.escape(currency_of(document))
    unit = f" ({currency})" if currency else ""
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            f"Expected CPA{unit}",
            "Conversions",
            "P(backlash)",
            "Δ conversions",
            "P(more)",
            f"Δ expected CPA{unit}",
            "P(cheaper)",
        )
    )
    evaluation = document.evaluation
    rows = "".join(
        plan_row(name, plan, evaluation.against.get(name))
        for name, plan in evaluation.plans.items()
    )
    return (
        '<div class="scroll"><table class="comparison">\n'
        f'<thead><tr><th scope="col">Plan</th>{head}</tr></thead>\n'
        f"<tbody>\n{rows}</tbody>\n</table></div>"
    )


def plan_row(name: str, plan: PlanFigures, against: BaselineDifferences | None) -> str:
    risk = plan.backlash_probability
    cells = [
        f"<td>{html.escape(fmt(plan.objective_cpa(), 'currency'))}</td>",
        f"<td>{stats_html(plan.conversions, 'count')}</td>",
        f"<td>{stat_html(risk, 'share')}</td>",
    ]
    if against is None:
        cells.append('<td class="na" colspan="4">the plan the others are compared with</td>')
    else:
        cells += [difference_cells(given(against.conversions), "count")]
        cells += [difference_cells(against.cost(), "currency")]
    css = ' class="baseline"' if against is None else ""
    return f'<tr{css}><th scope="row">{html.escape(name)}</th>{"".join(cells)}</tr>\n'


def difference_cells(difference: Difference | None, unit: str) -> str:
    """The paired difference with its 90% CI, and P(better) shaded red to green."""
    if difference is None:
        return '<td class="na" colspan="2">n/a</td>'
    if same_outcome(difference):
        return '<td class="na" colspan="2">same outcome in every campaign</td>'
    text = stats_html(ci_of(difference), unit)
    if difference.mean is not None and difference.mean > 0 and text[0].isdigit():
        text = f"+{text}"
    better = difference.probability_better
    odds = '<td class="na">n/a</td>' if better is None else odds_cell(better)
    return f"<td>{text}</td>{odds}"


# --- figures ---


def report_figures(document: OptimisationResult) -> dict[str, list[Spec]]:
    """Every figure of the page, by section, in page order (plotly.js rides with the first), as
    plain plotly specs (`figure_specs`: no graph object is built)."""
    rows = completed(document)
    evaluation, importances = document.evaluation, document.importances
    return {
        "history": [history_figure(document, rows)] if rows else [],
        "importances": [importance_figure(importances)] if importances else [],
        "pareto": [pareto_figure(document, rows)] if rows and not riskless(rows) else [],
        "marginal": [marginal_figure(document)] if evaluation and evaluation.marginal_cpa else [],
    }


def plot_sections(document: OptimisationResult, charts: dict[str, str]) -> list[str]:
    return [
        section(TITLES["history"], history_note(document), charts["history"] or NO_TRIAL_HTML),
        section(
            TITLES["importances"],
            importance_note(document),
            charts["importances"] or no_importances(document),
        ),
        *pareto_section(document, charts["pareto"]),
        section(
            TITLES["marginal"], marginal_note(document), charts["marginal"] or no_marginal(document)
        ),
    ]


def history_note(document: OptimisationResult) -> str:
    limit = (
        " Crosses broke the risk limit and cannot be chosen."
        if document.max_risk is not None
        else ""
    )
    return (
        '<p class="note">Each dot is one trial, scored on its '
        f"{document.replications_per_trial:,} simulated campaigns.{limit} The line is the best "
        "score within the limit so far: when it stops moving for many trials, more trials are "
        "unlikely to find much better. The first trials are known starting plans (the "
        "marginal-return split, the plan as written and the even spread).</p>"
    )


def history_figure(document: OptimisationResult, rows: list[HistoryRow]) -> Spec:
    """The objective per completed trial, within and over the limit marked apart, and the best
    so far as a step line."""
    limited = document.max_risk is not None
    traces = []
    for feasible in (True, False):
        group = [r for r in rows if r.feasible is feasible]
        if group:
            traces.append(trial_markers(group, feasible, limited))
    best = [r for r in document.history if given(r.best_so_far) is not None]
    if best:
        traces.append(
            {
                "type": "scatter",
                "x": [r.number for r in best],
                "y": [r.best_so_far for r in best],
                "mode": "lines",
                "line": {"color": TARGET_COLOR, "width": 2, "shape": "hv"},
                "name": "best so far" + (" within the limit" if limited else ""),
            }
        )
    layout = {
        "title": titled("Objective per trial"),
        "height": 420,
        **LAYOUT,
        "xaxis": {"title": titled("trial number")},
        "yaxis": {
            "title": titled(objective_axis(document)),
            **log_if_spread([r.value for r in rows]),
        },
    }
    return figure(traces, layout)


def log_if_spread(values: list[float]) -> Spec:
    """A log objective axis when a few bad trials (a CPA many times the best) would squash the
    good ones, where the decision is, into a flat line at the bottom."""
    positive = [v for v in values if v > 0]
    if positive and max(positive) > SPREAD_FOR_LOG * min(positive):
        return {"type": "log", "tickvals": objective_ticks(positive)}
    return {}


def objective_ticks(values: list[float]) -> list[float]:
    """1-1.5-2-3-5-7 ticks over the values: a log axis spanning a decade or two still gets
    ticks near the good trials, which sit close together at the bottom."""
    low, high = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    ticks = [m * 10.0**e for e in range(low, high + 1) for m in (1, 1.5, 2, 3, 5, 7)]
    return [t for t in ticks if min(values) / 1.5 <= t <= max(values) * 1.5]


def trial_markers(rows: list[HistoryRow], feasible: bool, limited: bool) -> Spec:
    if not limited:
        name = "trial"
    else:
        name = "within the risk limit" if feasible else "over the risk limit"
    return {
        "type": "scatter",
        "x": [r.number for r in rows],
        "y": [r.value for r in rows],
        "customdata": [r.risk for r in rows],
        "mode": "markers",
        "name": name,
        "marker": {
            "color": TRIAL_COLOR if feasible else OVER_LIMIT_COLOR,
            "symbol": "circle" if feasible else "x",
            "size": 8,
        },
        "hovertemplate": "trial %{x}: %{y:,.2f}<br>backlash risk %{customdata:.1%}<extra></extra>",
    }


IMPORTANCE_NOTE = (
    '<p class="note">How much of the difference in score between trials each dial explains '
    "(PED-ANOVA, Optuna's default; together 100%). The budget split is shown as each paid-ads "
    "tool's <b>share</b> of the paid-ads budget, the share each trial ran: the optimiser searches "
    "the split in coordinates of its own (the part of what is left that goes to each tool), so "
    "the importances are computed on the trials' shares themselves, not on those coordinates. "
    "<code>intensity.…</code> dials set a tactic's multiple of the plan, and the test's settings "
    "appear under their own names. A dial of little importance can sit anywhere in its range at "
    "little cost; a dominant one is where the decision matters. With few trials these are "
    "rough.</p>"
)


OLDER_IMPORTANCE_NOTE = (
    '<p class="note">This document was written before importances were computed on the budget '
    "shares: its <code>share.…</code> dials are the optimiser's own coordinates, each the "
    "fraction of the budget not yet given out that goes to that part (the last part takes the "
    "rest), not a budget share. Rerun the study (it resumes from its storage) for importances "
    "by share.</p>"
)


def importance_note(document: OptimisationResult) -> str:
    """The note, with a warning for an older document keyed by the split's coordinates."""
    older = any(name.startswith("share.") for name in document.importances)
    return IMPORTANCE_NOTE + (OLDER_IMPORTANCE_NOTE if older else "")


def no_importances(document: OptimisationResult) -> str:
    """Why there are no importances: too few trials, nothing searched, or the evaluator gave
    none."""
    count = len(completed(document))
    if count < 4:
        why = f"they need at least 4 completed trials and the study has {count}"
    elif not any(r.params for r in document.history):
        why = "this search has no dial to turn (one paid-ads tool and no tactic)"
    else:
        why = "the trials' scores did not let the evaluator tell the dials apart"
    return f'<p class="note">No importances to show: {html.escape(why)}.</p>'


def importance_figure(importances: dict[str, float]) -> Spec:
    """Horizontal bars, the most important dial on top."""
    items = sorted(importances.items(), key=lambda kv: kv[1])
    values = [v for _, v in items]
    bars = {
        "type": "bar",
        "orientation": "h",
        "x": values,
        "y": [k for k, _ in items],
        "text": [f"{v:.0%}" for v in values],
        "textposition": "outside",
        "marker": {"color": TRIAL_COLOR},
        "hovertemplate": "%{y}: %{x:.1%}<extra></extra>",
    }
    layout = {
        "title": titled("Parameter importances"),
        "height": 180 + 40 * len(items),
        **LAYOUT,
        "xaxis": {
            "tickformat": ".0%",
            "range": [0, max(values) * 1.15],
            "title": titled("share of the score's variation"),
        },
        "yaxis": {"automargin": True},
    }
    return figure([bars], layout)


def riskless(rows: list[HistoryRow]) -> bool:
    """Whether no completed trial had any backlash risk: the Pareto plot would be a flat row of
    dots on the zero line, its front the best trial alone."""
    return all(r.risk == 0 for r in rows)


def pareto_section(document: OptimisationResult, chart: str) -> list[str]:
    """The Pareto section, or a line saying why there is none when no trial carried a risk."""
    rows = completed(document)
    if not rows:
        return [section(TITLES["pareto"], pareto_note(document), NO_TRIAL_HTML)]
    if riskless(rows):
        line = (
            f"No backlash risk in any of the {len(rows):,} completed trials: there is no trade "
            "between the objective and risk to draw, so the best trial is the whole Pareto front."
        )
        return [
            section("Backlash risk of the trials", "", f'<p class="note">{html.escape(line)}</p>')
        ]
    return [section(TITLES["pareto"], pareto_note(document), chart)]


def pareto_note(document: OptimisationResult) -> str:
    trade = "a lower CPA" if is_cpa(document) else "more conversions"
    limit = (
        " The dashed line is the risk limit: plans to its right cannot be chosen."
        if document.max_risk is not None
        else ""
    )
    return (
        '<p class="note">Each dot is a trial: its score against its chance of at least one '
        "backlash event. In red, the <b>Pareto front</b>: trials no other trial beats on both at "
        f"once. Moving along it trades {trade} for more risk; anything off it is beaten by a plan "
        f"on it.{limit} The star is the chosen plan.</p>"
    )


def pareto_figure(document: OptimisationResult, rows: list[HistoryRow]) -> Spec:
    """Every completed trial's objective against its backlash risk, the front connected."""
    trials = {
        "type": "scatter",
        "x": [r.risk for r in rows],
        "y": [r.value for r in rows],
        "customdata": [r.number for r in rows],
        "mode": "markers",
        "name": "trial",
        "marker": {"color": TRIAL_COLOR, "size": 7, "opacity": 0.6},
        "hovertemplate": "trial %{customdata}: %{y:,.2f}, risk %{x:.1%}<extra></extra>",
    }
    # the chosen plan under the front, which often holds it
    traces = [trials, *chosen_trace(document), *front_trace(document)]
    layout = {
        "title": titled(TITLES["pareto"]),
        "height": 440,
        **LAYOUT,
        "xaxis": {
            "title": titled("P(at least one backlash event)"),
            "tickformat": ".0%",
            "range": risk_range(document, rows),
        },
        "yaxis": {
            "title": titled(objective_axis(document)),
            **log_if_spread([r.value for r in rows]),
        },
    }
    if document.max_risk is not None:
        add_marks(layout, [x_mark(document.max_risk, f"risk limit {document.max_risk:.0%}")])
    return figure(traces, layout)


def risk_range(document: OptimisationResult, rows: list[HistoryRow]) -> list[float]:
    """From just below 0, so trials without risk show whole, to past the riskiest or the limit."""
    top = max([r.risk for r in rows] + [document.max_risk or 0, MIN_RISK_AXIS])
    pad = 0.04 * top
    return [-pad, top + pad]


def front_trace(document: OptimisationResult) -> list[Spec]:
    """The Pareto front as one connected trace, or none when no point of it has a value."""
    front = [p for p in document.pareto_front if p.value is not None]
    if not front:
        return []
    return [
        {
            "type": "scatter",
            "x": [p.risk for p in front],
            "y": [p.value for p in front],
            "customdata": [p.number for p in front],
            "mode": "lines+markers",
            "name": "Pareto front",
            "line": {"color": FRONT_COLOR, "width": 2},
            "marker": {"color": FRONT_COLOR, "size": 10},
            "hovertemplate": "trial %{customdata}: %{y:,.2f}, risk %{x:.1%}<extra>front</extra>",
        }
    ]


def chosen_trace(document: OptimisationResult) -> list[Spec]:
    """The chosen plan as a star, or nothing when there is none with a value."""
    best = document.best
    if best is None or best.value is None:
        return []
    return [
        {
            "type": "scatter",
            "x": [best.risk],
            "y": [best.value],
            "mode": "markers",
            "name": f"chosen plan (trial {best.number})",
            "marker": {"symbol": "star", "size": 16, "color": MARK_COLOR},
            "hoverinfo": "skip",
        }
    ]


def marginal_note(document: OptimisationResult) -> str:
    currency = html.escape(currency_of(document) or "unit of money")
    return (
        f'<p class="note">What one more {currency} buys at the optimum: for each paid-ads tool, '
        "the extra spend divided by the extra conversions when that tool alone gets "
        f"{MARGINAL_STEP:.0%} more of the budget, on the same simulated campaigns; the whiskers "
        "(and the figures under each tool) give its 90% interval over those campaigns. At an "
        "<b>interior optimum</b>, where every tool is funded and none is at a spend limit, these "
        "are equal: otherwise moving money from the dearer tool to the cheaper one would lower "
        "the CPA. A tool left at 0% (lighter bar) should cost at least as much at the margin as "
        "the funded ones; if it costs less, more trials may find a better split. <i>No extra "
        "conversions</i> means the extra budget bought nothing more. The dotted line is the "
        "optimised plan's average CPA: marginal CPAs above it are normal, since each extra "
        f"{currency} buys less than the average one.</p>"
    )


def no_marginal(document: OptimisationResult) -> str:
    if document.evaluation is None:
        return NO_TRIAL_HTML
    return (
        '<p class="note">No campaign-long paid-ads split was searched (it is searched under the '
        "fixed strategy only; a test picks the tools to scale), so there is no marginal CPA to "
        "show.</p>"
    )


def marginal_figure(document: OptimisationResult) -> Spec:
    """One bar per paid-ads tool; a tool whose extra budget bought nothing is a labelled gap."""
    rows = document.evaluation.marginal_cpa
    bars = {
        "type": "bar",
        "x": [r.tool for r in rows],
        "y": [r.marginal_cpa or 0 for r in rows],
        "text": [marginal_label(r.marginal_cpa, document) for r in rows],
        "textposition": "none",  # under the axis instead (`marginal_tick`): clear of whiskers
        "width": 0.5 if len(rows) > 2 else 0.25,
        "error_y": marginal_error(rows),
        "marker": {"color": [TRIAL_COLOR if r.share > 0 else UNFUNDED_COLOR for r in rows]},
        "customdata": [[r.share, r.extra_spend, r.extra_conversions] for r in rows],
        "hovertemplate": "%{x} at %{customdata[0]:.1%}: %{customdata[1]:,.2f} more spend, "
        "%{customdata[2]:,.1f} more conversions<extra></extra>",
    }
    average = document.evaluation.plans["optimised"].objective_cpa()
    top = max([r.marginal_cpa or 0 for r in rows] + [given(r.ci_high) or 0 for r in rows])
    top = max(top, average or 0)
    layout = {
        "title": titled(TITLES["marginal"]),
        "showlegend": False,
        "height": 440,
        **LAYOUT,
        "yaxis": {
            "title": titled(html.escape(with_unit("marginal CPA", document))),
            "range": [0, 1.2 * top or 1],
        },
        "xaxis": {
            "tickvals": [r.tool for r in rows],
            "ticktext": [marginal_tick(r, document) for r in rows],
        },
    }
    if average is not None:
        text = f"average CPA {money(average, document)}"
        add_marks(layout, [y_mark(average, text, MARK_COLOR, "dot")])
    return figure([bars], layout)


def marginal_tick(row, document: OptimisationResult) -> str:
    """'facebook/paid_ads<br>18.50 EUR (12.10–25.30)': the tool, its marginal CPA and interval
    (escaped, since plotly reads tick labels as HTML)."""
    text = marginal_label(row.marginal_cpa, document)
    low, high = given(row.ci_low), given(row.ci_high)
    if row.marginal_cpa is not None and low is not None and high is not None:
        text += f" ({fmt(low, 'currency')}–{fmt(high, 'currency')})"
    return f"{html.escape(row.tool)}<br>{html.escape(text)}"


def marginal_error(rows: list) -> dict:
    """Whiskers over each marginal CPA's 90% interval (from the final evaluation's replications);
    none for a tool whose extra budget bought nothing or a document written before intervals."""
    up, down = [], []
    for r in rows:
        low, high = given(r.ci_low), given(r.ci_high)
        known = r.marginal_cpa is not None and low is not None and high is not None
        up.append(max(0.0, high - r.marginal_cpa) if known else 0.0)
        down.append(max(0.0, r.marginal_cpa - low) if known else 0.0)
    return {"type": "data", "array": up, "arrayminus": down, "color": MARK_COLOR}


def marginal_label(value: float | None, document: OptimisationResult) -> str:
    return "no extra conversions" if value is None else money(value, document)
