"""The KPI vocabulary a planner reads and targets: each KPI's name, unit and meaning.

It belongs to the input language (targets name KPIs); the engine derives every KPI from its base
measures in `smmsim.simulator.metrics`.
"""

# KPIs only the whole campaign has (reputation is the brand's, not a platform's).
REPUTATION_KPIS = (
    "positive_share",
    "third_party_share",
    "negative_share",
    "portals_discussing",
    "portals_with_link",
    "forum_positive_share",
)

# name -> (unit, one-line meaning); the order is the order of every table.
KPIS: dict[str, tuple[str, str]] = {
    "spend": ("currency", "media, tool and (for platforms) repair spend"),
    "impressions": ("count", "ad impressions delivered"),
    "reach": ("people", "unique people of the target audience reached"),
    "reach_share": ("share", "reach / target audience"),
    "frequency": ("per person", "impressions / reach"),
    "clicks": ("count", "clicks"),
    "ctr": ("share", "clicks / impressions"),
    "joins": ("count", "people who joined the community"),
    "members": ("people", "community members at the end of the period"),
    "conversions": ("count", "direct + member + referral conversions"),
    "direct_conversions": ("count", "conversions straight from ad clicks"),
    "member_conversions": ("count", "later conversions of community members"),
    "referral_conversions": ("count", "conversions from natural recommendations"),
    "recommendations": ("count", "natural recommendations made by members"),
    "revenue": ("currency", "conversions x average order value"),
    "roas": ("ratio", "revenue / spend"),
    "cpm": ("currency", "cost per 1000 impressions"),
    "cpc": ("currency", "cost per click"),
    "cost_per_join": ("currency", "cost per community join"),
    "cpa": ("currency", "cost per conversion (all kinds)"),
    "learning_days": ("arm-days", "days arms spent in the learning phase"),
    "learning_entries": ("count", "times arms entered the learning phase"),
    "units": ("count", "tactic units bought: posts, placements, contests, seeded items, refreshes"),
    "backlash_events": ("count", "backlash events (outrage) on the platform(s)"),
    "repair_cost": ("currency", "repair bills of backlash events"),
    "positive_share": ("share", "positive results in the top 20 of the key queries"),
    "third_party_share": ("share", "third-party recommendations in the top 20"),
    "negative_share": ("share", "negative results in the top 20"),
    "portals_discussing": ("count", "tracked portals with ongoing discussion"),
    "portals_with_link": ("count", "portals with ongoing discussion and a link to the client"),
    "forum_positive_share": ("share", "positive / (positive + negative) forum mentions"),
}
REVENUE_KPIS = ("revenue", "roas")


def kpi_unit(metric: str, currency: str) -> str:
    """A KPI's unit as tables print it: money in the campaign's currency."""
    unit = KPIS[metric][0]
    return currency if unit == "currency" else unit
