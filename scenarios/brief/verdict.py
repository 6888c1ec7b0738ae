"""The brief's verdict: does the business need SMM (seed step 1), do the conditions exist (step 2).

Three answers: "SMM fits", "SMM is a poor fit" (the sector is not on the seed's list) and
"conditions missing" (no people or content for the community work the goals need, or a first
month whose paid-ads money cannot test even the cheapest platform). Every reason names the step.
"""

from __future__ import annotations

from dataclasses import dataclass

from smmsim.scenarios.brief.answers import Brief
from smmsim.scenarios.brief.layout import MIN_TEST_CONVERSIONS, test_minimum
from smmsim.scenarios.brief.options import AdOption
from smmsim.scenarios.brief.seed import COMMUNITY_GOALS, SECTORS

FITS = "SMM fits"
POOR_FIT = "SMM is a poor fit"
CONDITIONS_MISSING = "conditions missing"
SEED_LIST = (
    "sports, health and beauty products; children's products; expensive goods where the "
    "seller's reputation matters (cars, travel); online shops"
)


@dataclass(frozen=True)
class Verdict:
    verdict: str
    reasons: tuple[str, ...]

    @property
    def fits(self) -> bool:
        return self.verdict == FITS


def judge(
    brief: Brief, ranked: list[AdOption], kept: list[AdOption], test_budget: float, tactics: float
) -> Verdict:
    """The verdict and its reasons. `test_budget` is month 1's paid-ads money and `tactics` what
    the community posts and seeding cost in month 1."""
    sector = SECTORS[brief.sector]
    fit_reason = (
        f"step 1: {sector.label} {'are' if sector.fits else 'are not'} among the businesses the "
        f"seed finds best suited to SMM ({SEED_LIST})"
    )
    missing = _missing_conditions(brief, ranked, kept, test_budget, tactics)
    if not sector.fits:
        return Verdict(POOR_FIT, (fit_reason, *missing))
    if missing:
        return Verdict(CONDITIONS_MISSING, tuple(missing))
    cur = brief.currency
    tested = ", ".join(o.platform for o in kept)
    return Verdict(
        FITS,
        (
            fit_reason,
            f"step 2: month 1's {test_budget:,.0f} {cur} of paid ads tests {tested}, "
            f"{MIN_TEST_CONVERSIONS}+ expected sales each",
        ),
    )


def _missing_conditions(
    brief: Brief, ranked: list[AdOption], kept: list[AdOption], test_budget: float, tactics: float
) -> list[str]:
    reasons = []
    community = [g for g in brief.goals if g in COMMUNITY_GOALS]
    if community and brief.community_people <= 0:
        reasons.append(
            f"step 2 (people): community work is needed (goals: {', '.join(community)}), but no "
            "people are available for it (--community-people 0)"
        )
    if community and brief.content_per_week <= 0:
        reasons.append(
            f"step 2 (content): posts for the community are needed (goals: "
            f"{', '.join(community)}), but none are produced (--content-per-week 0)"
        )
    month = brief.budget_per_month
    if tactics >= month:
        reasons.append(
            f"step 2 (budget): the community posts and seeding cost {tactics:,.0f} "
            f"{brief.currency} in month 1, the whole month's budget of {month:,.0f}"
        )
    elif not kept:
        cheapest = ranked[0]
        reasons.append(
            f"step 2 (budget): month 1's paid ads get {test_budget:,.0f} {brief.currency}, "
            f"below a test on the cheapest platform, {cheapest.platform}: "
            f"{MIN_TEST_CONVERSIONS} sales at {cheapest.learning_cpa:,.2f} each while it learns "
            f"= {test_minimum(cheapest):,.0f}"
        )
    return reasons
