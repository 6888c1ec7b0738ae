"""check.html: `smmsim check`'s flags on one self-contained page that works offline, built from
the HTML kit as every page is and reading the check's typed document (`CheckResult`).

Its sections, in order: the header (the campaign's name, the answer in plain sentences, the
source, seed and replications, the levels judged by), then the flags as the run's report shows
them: the static findings and the simulated risk per platform.
"""

from __future__ import annotations

import html

from smmsim.simulator.reports.headline import check_headline, checked_plan
from smmsim.simulator.reports.kit import facts_html, headline_html, page_html, section
from smmsim.simulator.reports.run_page import RISK_NOTE, findings_html, simulated_risk_html
from smmsim.simulator.studies.risk import CheckResult


def check_html(result: CheckResult, *, campaign: str, currency: str) -> str:
    """The whole page of a check of the campaign named `campaign`, its money in `currency`."""
    level = html.escape(result.level)
    flags = result.flags
    content = (
        f'<p>Overall: <span class="level-{level}">{level}</span> risk of backlash.</p>'
        f"{findings_html(flags)}{simulated_risk_html(flags, currency) or NOT_SIMULATED}"
    )
    body = "\n".join(
        [header_html(result, campaign, currency), section("Flags", RISK_NOTE, content)]
    )
    return page_html(f"{campaign} - smmsim check", body)


NOT_SIMULATED = '<p class="note">Not simulated (<code>--static-only</code>).</p>'


def header_html(result: CheckResult, campaign: str, currency: str) -> str:
    risk = result.thresholds.risk
    facts = [
        ("Source", result.source or "in memory"),
        ("Replications", f"{result.replications:,}" if result.replications else "none"),
        ("Seed", "none" if result.seed is None else str(result.seed)),
        (
            "Simulated levels",
            f"medium from P(at least one event) {risk.medium:.0%}, high from {risk.high:.0%}",
        ),
        ("Backlash model", "on" if result.backlash_enabled else "off (backlash.enabled: false)"),
    ]
    bought = checked_plan(result, currency)
    if bought:
        facts.append(("The plan", bought.removeprefix("The plan as checked: ")))
    return (
        f"<header>\n<h1>Backlash check: {html.escape(campaign)}</h1>\n"
        f"{headline_html(check_headline(result, currency))}\n{facts_html(facts)}\n</header>"
    )
