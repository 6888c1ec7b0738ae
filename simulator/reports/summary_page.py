"""The client summary: one printable page a planner can hand over, read off the run's typed
result (`RunResult`) with the report's own formats (`kit.stat_html`, `kit.fmt`) and sentences
(`headline.run_headline`, `headline.unspent_line`), so its numbers are the report's numbers.

It holds, in order: the campaign and its plain-language answer, the plan (dates, budget, strategy,
each platform's tools with their expected spend and share of it), the headline KPIs with their
ranges, the KPI targets with P(met) and P(all met), the risks (backlash per platform, unspent
budget, what the test may drop) and the seed and replications. No plotly and no script: the
share bars are inline SVG, and print CSS fits the page on one A4 or Letter sheet.
"""

from __future__ import annotations

import html

from smmsim.scenarios.documents import ABSENT
from smmsim.scenarios.kpis import KPIS
from smmsim.simulator.reports.headline import run_headline, unspent_line
from smmsim.simulator.reports.kit import fmt, odds_cell, stat_html, unit_label
from smmsim.simulator.studies.run import RunResult

# The KPIs a client asks about, in reading order; those the run lacks (revenue without an order
# value) are left out.
HEADLINE_KPIS = (
    "conversions",
    "cpa",
    "spend",
    "revenue",
    "roas",
    "reach",
    "reach_share",
    "impressions",
    "clicks",
    "joins",
    "members",
)

# Sized for the smaller of A4 (210 x 297 mm) and Letter (216 x 279 mm): 12 mm margins leave
# 186 x 255 mm, and the page's own width is set to that so screen and print lay out alike.
CSS = """
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: #222; margin: 1rem auto; width: 186mm; font-size: 9pt; line-height: 1.3; }
@media print { body { margin: 0; } }
h1 { font-size: 15pt; margin: 0; }
.sub { color: #555; margin: 0.1rem 0 0.4rem; }
h2 { font-size: 10.5pt; margin: 0.5rem 0 0.15rem; border-bottom: 1.5px solid #ddd; }
.headline { background: #f4f8fb; border-left: 3px solid #1f77b4; padding: 0.2rem 0.6rem;
            margin: 0.3rem 0; }
.headline p { margin: 0.15rem 0; font-size: 9.5pt; }
table { border-collapse: collapse; width: 100%; margin: 0.1rem 0; }
th, td { border-bottom: 1px solid #e6e6e6; padding: 0.12rem 0.3rem; text-align: right;
         white-space: nowrap; vertical-align: top; }
th { background: #f4f6f8; font-weight: 600; }
th.text, td.text, th[scope=row] { text-align: left; }
th[scope=row] { background: none; font-weight: 600; }
table.kpis td { padding-right: 0.9rem; }
td .ci { color: #777; font-size: 8pt; }
td.odds { font-weight: 600; text-align: center; }
ul { margin: 0.1rem 0; padding-left: 1.1rem; }
li { margin: 0.1rem 0; }
p.note { color: #666; font-size: 8pt; margin: 0.2rem 0; }
.level-high { color: #b03a2e; font-weight: 700; }
.level-medium { color: #b9770e; font-weight: 700; }
.level-low { color: #1e8449; }
svg.bar { vertical-align: middle; }
section, tr { break-inside: avoid; }
"""

BAR_WIDTH = 60  # px of a 100% share bar

# What keeps the page one sheet for any plan: the largest bundled plan (travel-agency, 8 tools,
# 9 targets) prints on one Letter sheet with two lines to spare, so a longer plan shows its
# largest tools, its first targets and its most frequent drops, and says how many more the full
# report lists.
MAX_TOOLS = 8
MAX_TARGETS = 9
MAX_NAMED = 5  # platforms or tools named in one line of text


def summary_html(run: RunResult) -> str:
    """The whole one-page summary of a run."""
    body = "\n".join(
        [
            header_html(run),
            section("The plan", plan_html(run)),
            section("What it is expected to deliver", kpis_html(run)),
            section("KPI targets", targets_html(run)),
            section("Risks", risks_html(run)),
            footer_html(run),
        ]
    )
    title = f"{run.scenario} - client summary"
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def section(title: str, content: str) -> str:
    return f"<section>\n<h2>{html.escape(title)}</h2>\n{content}\n</section>"


def header_html(run: RunResult) -> str:
    dates = run.simulation.dates if run.simulation is not None else None
    span = f"{dates[0]} to {dates[-1]}, " if dates is not None else f"from {run.start}, "
    strategy = "" if run.strategy is ABSENT else f"; strategy {run.strategy.type}"
    sub = f"{span}{run.days} days; budget {fmt(run.budget, 'currency')} {run.currency}{strategy}"
    lines = "".join(f"<p>{html.escape(line)}</p>" for line in run_headline(run))
    return (
        f"<header>\n<h1>{html.escape(run.scenario)}</h1>\n"
        f'<p class="sub">{html.escape(sub)}</p>\n<div class="headline">{lines}</div>\n</header>'
    )


# --- the plan ---


def plan_html(run: RunResult) -> str:
    """Each tool, platform by platform: its expected spend (p5–p95 over campaigns) and its share
    of the expected total spend, the split the plan and its strategy actually produce."""
    total = run.totals["spend"].mean or 0.0
    shown, rest = largest(run.arms, lambda arm: arm.metrics["spend"].mean or 0.0, MAX_TOOLS)
    rows = []
    for name, arm in shown.items():
        spend = arm.metrics["spend"]
        rows.append(
            f'<tr data-arm="{html.escape(name)}"><th scope="row">{html.escape(name)}</th>'
            f'<td class="text">{html.escape(arm.type)}</td>'
            f"<td>{stat_html(spend, 'currency')}</td>{share_cell(spend.mean, total)}</tr>"
        )
    if rest:
        # a sum of means is the sum's mean; its p5-p95 cannot be added up, so none is shown
        spend = sum(arm.metrics["spend"].mean or 0.0 for arm in rest.values())
        rows.append(
            f'<tr data-arm="more"><th scope="row">{len(rest)} more tools</th>'
            '<td class="text">see report.html</td>'
            f"<td>{html.escape(fmt(spend, 'currency'))}</td>{share_cell(spend, total)}</tr>"
        )
    head = (
        '<thead><tr><th class="text">Platform/tool</th><th class="text">Kind</th>'
        f"<th>Spend ({html.escape(run.currency)})</th><th>Share</th></tr></thead>"
    )
    note = (
        f'<p class="note">{platform_line(run)}Expected spend (in 90% of simulated campaigns: '
        "low–high) and its share of the expected total; platforms' backlash repairs are not a "
        "tool's spend.</p>"
    )
    return f"<table>{head}<tbody>{''.join(rows)}</tbody></table>{note}"


def largest(items: dict, size, keep: int) -> tuple[dict, dict]:
    """`items` split into those shown (all where they fit in `keep`, else the `keep - 1` largest
    by `size`, in their own order) and the rest, summed up in one more line."""
    if len(items) <= keep:
        return items, {}
    top = set(sorted(items, key=lambda k: size(items[k]), reverse=True)[: keep - 1])
    return (
        {k: v for k, v in items.items() if k in top},
        {k: v for k, v in items.items() if k not in top},
    )


def share_cell(spend: float | None, total: float) -> str:
    share = (spend or 0.0) / total if total else 0.0
    return f"<td>{share_bar(share)} {html.escape(fmt(share, 'share'))}</td>"


def platform_line(run: RunResult) -> str:
    """Each platform's share of the tools' expected spend, in one line under the tools."""
    spend: dict[str, float] = {}
    for arm in run.arms.values():
        spend[arm.platform] = spend.get(arm.platform, 0.0) + (arm.metrics["spend"].mean or 0.0)
    total = sum(spend.values())
    if not total:
        return ""
    shown, rest = largest(spend, lambda v: v, MAX_NAMED)
    named = [
        f'<span data-platform="{html.escape(p)}">{html.escape(p)} '
        f"{html.escape(fmt(v / total, 'share'))}</span>"
        for p, v in shown.items()
    ]
    if rest:
        named.append(f"{len(rest)} more {html.escape(fmt(sum(rest.values()) / total, 'share'))}")
    return f"<b>By platform: {', '.join(named)}.</b> "


def share_bar(share: float) -> str:
    """A share as a small inline SVG bar: prints without scripts and reads at a glance."""
    width = round(BAR_WIDTH * min(max(share, 0.0), 1.0), 1)
    return (
        f'<svg class="bar" width="{BAR_WIDTH}" height="8" role="img" aria-hidden="true">'
        f'<rect width="{BAR_WIDTH}" height="8" fill="#e8eef4"/>'
        f'<rect width="{width}" height="8" fill="#1f77b4"/></svg>'
    )


# --- headline numbers ---


def kpis_html(run: RunResult) -> str:
    """The campaign's headline KPIs, each 'expected (p5–p95)' exactly as the report's KPI table
    writes it, two to a row so the page stays one sheet."""
    cells = [kpi_cells(m, run) for m in HEADLINE_KPIS if m in run.totals]
    if len(cells) % 2:
        cells.append("<td></td><td></td>")
    rows = "".join(f"<tr>{cells[i]}{cells[i + 1]}</tr>" for i in range(0, len(cells), 2))
    note = (
        '<p class="note">Expected value over the simulated campaigns and, in brackets, the range '
        "9 in 10 of them fell in. A ratio is one of expected totals (the CPA: expected spend over "
        "expected conversions).</p>"
    )
    return f'<table class="kpis"><tbody>{rows}</tbody></table>{note}'


def kpi_cells(metric: str, run: RunResult) -> str:
    """A KPI's name (with its unit) and its value, as two cells."""
    unit = KPIS[metric][0]
    label = unit_label(unit, run.currency)
    name = f"{metric} ({label})" if label else metric
    return (
        f'<th scope="row" data-kpi="{metric}">{html.escape(name)}</th>'
        f'<td data-kpi="{metric}">{stat_html(run.totals[metric], unit)}</td>'
    )


# --- targets ---


def targets_html(run: RunResult) -> str:
    if not run.kpi_targets:
        return '<p class="note">The plan sets no KPI targets.</p>'
    fits = len(run.kpi_targets) <= MAX_TARGETS
    shown = run.kpi_targets if fits else run.kpi_targets[: MAX_TARGETS - 1]  # and one more line
    rows = "".join(
        f'<tr data-target="{html.escape(t.target)}"><th scope="row">{html.escape(t.target)}</th>'
        f'<td class="text">{html.escape(t.platform or "all platforms")}</td>'
        f'<td class="text">{html.escape(t.month or "whole campaign")}</td>'
        f"<td>{stat_html(t.expected, KPIS[t.metric][0])}</td>"
        f"{odds_cell(t.probability)}</tr>"
        for t in shown
    )
    hidden = len(run.kpi_targets) - len(shown)
    if hidden:
        rows += (
            f'<tr><th scope="row">{hidden} more targets</th>'
            '<td class="text" colspan="4">in report.html; all count in P(all met) below</td></tr>'
        )
    head = (
        '<thead><tr><th class="text">Target</th><th class="text">Platform</th>'
        '<th class="text">Period</th><th>Expected (p5–p95)</th><th>P(met)</th></tr></thead>'
    )
    return f"<table>{head}<tbody>{rows}</tbody></table>\n<p>{html.escape(all_met(run))}</p>"


def all_met(run: RunResult) -> str:
    every = run.all_targets_met
    if every is None:
        return ""
    interval = "" if run.deterministic else f" (90% CI {every.p5:.0%}–{every.p95:.0%})"
    return (
        f"P(all {len(run.kpi_targets)} targets met in one campaign): "
        f"{every.probability:.0%}{interval}."
    )


# --- risks ---


def risks_html(run: RunResult) -> str:
    items = [*backlash_items(run), unspent_line(run), *strategy_items(run)]
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def backlash_items(run: RunResult) -> list[str]:
    """The backlash level overall and per platform (escaped HTML, the level coloured)."""
    risk = run.risk
    if risk is ABSENT:
        return ["Backlash risk: not assessed in this run."]
    raised = [r for r in risk.simulated if r.level != "low"]
    named = [
        f"{html.escape(r.platform)} {level_html(r.level)} (P(an event) {percent(r.probability)})"
        for r in sorted(raised, key=lambda r: r.probability, reverse=True)[:MAX_NAMED]
    ]
    if len(raised) > MAX_NAMED:
        named.append(f"{len(raised) - MAX_NAMED} more above low")
    if risk.simulated:
        named.append("low on the others" if raised else "low on every platform")
    platforms = ", ".join(named)
    findings = len(risk.static)
    flagged = (
        f"; {findings} tactic{'s' * (findings != 1)} above its safe level (see report.html)"
        if findings
        else "; no tactic above its safe level"
    )
    per = f": {platforms}" if platforms else ""
    return [f"Backlash risk {level_html(risk.level)}{per}{flagged}."]


def percent(probability: float) -> str:
    """A probability in whole percent, as the report's odds cells write it."""
    return f"{probability:.0%}"


def level_html(level: str) -> str:
    return f'<span class="level-{html.escape(level)}">{html.escape(level)}</span>'


def strategy_items(run: RunResult) -> list[str]:
    """What the strategy may drop or cut, and what its test costs against the oracle."""
    outcome = run.strategy
    if outcome is ABSENT:
        return []
    items = []
    for what, pick in (("drops", "dropped"), ("cuts by its stop-loss", "cut_by_stop_loss")):
        often = sorted(
            (
                (getattr(log, pick).probability, arm)
                for arm, log in outcome.decision_log.items()
                if percent(getattr(log, pick).probability) != "0%"
            ),
            reverse=True,
        )
        shares = [f"{html.escape(arm)} in {percent(p)} of campaigns" for p, arm in often]
        if len(shares) > MAX_NAMED:
            shares = [
                *shares[:MAX_NAMED],
                f"{len(shares) - MAX_NAMED} more tools in fewer campaigns",
            ]
        if shares:
            items.append(f"The {html.escape(outcome.type)} strategy {what} {'; '.join(shares)}.")
    if outcome.decision_days and not items:
        items.append(f"The {html.escape(outcome.type)} strategy drops no tool in any campaign.")
    testing = outcome.cost_of_testing
    if testing:
        items.append(
            f"The {testing.days}-day test gives up {stat_html(testing.conversions, 'count')} "
            "conversions against a split that knew the true rates."
        )
    return items


def footer_html(run: RunResult) -> str:
    kind = (
        "a deterministic run (rates at their means, no noise, no intervals)"
        if run.deterministic
        else f"{run.replications:,} simulated campaigns"
    )
    streamed = run.quantile_note()  # a streamed run's ranges are estimates: say how close
    return (
        f'<p class="note">smmsim, {kind}, seed {run.seed}: the same file, seed and replications '
        "give the same numbers. The full report (report.html) has every platform, month and "
        f"chart.{' ' + html.escape(streamed) if streamed else ''}</p>"
    )
