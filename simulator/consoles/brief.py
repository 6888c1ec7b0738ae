"""`smmsim brief`'s console answer as plain lines: the verdict first, then the proposal.

Plain text (no table library): a brief is read once, and the command stays light to start.
"""

from __future__ import annotations

from smmsim.scenarios.brief.plan import BriefResult


def headline(result: BriefResult) -> str:
    """One sentence: the verdict and what the plan proposes."""
    proposed = [p.platform for p in result.platforms if p.proposed]
    test = f", a test of {result.test_budget:,.0f} {result.currency} in month 1 first"
    if result.fits:
        return (
            f"SMM fits: {len(proposed)} of {len(result.platforms)} platforms proposed "
            f"({', '.join(proposed)}), {len(result.kpis)} KPI targets{test}."
        )
    return f"{result.verdict[0].upper()}{result.verdict[1:]}: see the reasons below."


def brief_lines(result: BriefResult) -> list[str]:
    cur = result.currency
    lines = [headline(result), *(f"  - {reason}" for reason in result.reasons), ""]
    lines.append("Platforms, cheapest expected sale first (at the priors' means, while learning):")
    for p in result.platforms:
        mark = f"proposed, share {p.budget_share:g}" if p.proposed else "not proposed"
        lines.append(
            f"  {p.rank}. {p.platform} ({mark}): a sale {p.expected_cpa:,.2f} {cur}, "
            f"a test {p.test_minimum:,.0f} {cur}; {p.reason} [priors: {p.priors_from}]"
        )
    lines += ["", f"Tools, for {result.budget:,.0f} {cur} over {result.days} days:"]
    for t in result.tools:
        lines.append(
            f"  {t.platform}/{t.tool} for {', '.join(t.goals)}: {t.budget:,.0f} {cur} "
            f"[priors: {t.priors_from}]"
        )
    lines += ["", "KPI targets:"]
    for k in result.kpis:
        when = f" in month {k.month}" if k.month else ""
        lines.append(f"  {k.target}{when}  ({k.source})")
    if result.kpi_notes:
        lines += ["", "Seed KPIs without a target here:"]
        lines += [f"  - {u}" for u in result.kpi_notes]
    return lines
