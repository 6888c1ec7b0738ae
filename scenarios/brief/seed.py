"""What the seed article ("5 steps towards profitable SMM") says, as data the brief reads.

Each entry cites the step or section of the seed it comes from (shared/seed/SUMMARY.md), so a
comment in a written scenario can say where a number or a choice comes from.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """A platform a sector's bundled example plans, with the example's reason for it."""

    platform: str
    reason: str


@dataclass(frozen=True)
class Sector:
    label: str
    fits: bool  # on the seed's step-1 list of businesses best suited to SMM
    example: str  # the bundled example whose priors stand in for this sector's
    warm_example: str  # the bundled example with retargeting and community posts for it
    candidates: tuple[Candidate, ...]


KIDS = (
    Candidate(
        "facebook",
        "parents 30+ are most present here, and parenting groups are where recommendations happen",
    ),
    Candidate("instagram", "the product is visual (outfits, nurseries): Reels and carousels"),
    Candidate("tiktok", "young parents are moving here; unproven, so it is tested first"),
)
# Step 1: "Best suited: sports, health and beauty products; children's products; expensive goods
# where the seller's reputation matters (cars, travel); online shops." The seed names no poor-fit
# class; the brief reads every business outside that list as a poor fit (see the README).
SECTORS: dict[str, Sector] = {
    "sports-health-beauty": Sector(
        "sports, health and beauty products",
        True,
        "sports-nutrition",
        "reputation-steady",
        (
            Candidate("instagram", "gym and beauty culture lives here: form videos, before/after"),
            Candidate("tiktok", "reaches younger newcomers cheaply; less proven than Instagram"),
            Candidate("facebook", "older, higher-basket buyers, and the brand's group"),
            Candidate("youtube", "awareness and subscribers; the dearest direct sale"),
        ),
    ),
    "children": Sector("children's products", True, "kids-shop", "reputation-steady", KIDS),
    "cars-travel": Sector(
        "expensive goods where reputation matters (cars, travel)",
        True,
        "travel-agency",
        "travel-agency",
        (
            Candidate(
                "facebook",
                "the buyers (30-55) are here, and so are the groups where "
                "sellers' reputations are made or broken",
            ),
            Candidate("instagram", "the goods sell visually; Stories for younger couples"),
            Candidate("youtube", "longer films build trust in the seller: the reputation arm"),
        ),
    ),
    "online-shop": Sector("online shops", True, "kids-shop", "reputation-steady", KIDS),
    "b2b-industrial": Sector(
        "narrow B2B or industrial goods",
        False,
        "kids-shop",
        "reputation-steady",
        KIDS,
    ),
    "other": Sector(
        "another business (not on the seed's list)", False, "kids-shop", "reputation-steady", KIDS
    ),
}

# The seed's "Why clients come": what clients expect from SMM.
GOALS: dict[str, str] = {
    "new-sales": "sales from new sources",
    "repeat-sales": "repeat sales to existing customers",
    "order-value": "a higher average order value",
    "reputation": "reputation (also as an employer)",
    "warm-leads": "keeping leads warm",
    "recommendation": "sales by recommendation",
}
# Goals whose tools are the own community's posts: they need people and content (step 2).
COMMUNITY_GOALS = ("repeat-sales", "order-value", "warm-leads", "recommendation")
# Goals whose KPIs are the seed's reputation examples: they need the reputation block.
REPUTATION_GOALS = ("reputation", "recommendation")
# Goals that keep visitors coming back: retargeting (ads shown to recent visitors).
RETARGETING_GOALS = ("repeat-sales", "warm-leads")

# "Example KPIs by goal", reputation management / more sales by recommendation: the only example
# KPIs the seed gives numbers for.
SEED_POSITIVE_SHARE = 70  # % positive reviews in the top-20 search results for key queries
SEED_PORTALS_WITH_LINK = 20  # popular related portals discussing the product, each with a link
SEED_THIRD_PARTY_SHARE = 15  # % of the search results that are third-party recommendations

# Step 3: "Pick the most promising ones": working everywhere scatters the budget.
MAX_PLATFORMS = 3
