"""The KPI vocabulary: base measures the engine accumulates and the KPIs derived from them.

Base measures add up over days and arms (spend, impressions, ...), except `members`, a stock read
at the end of a period. Every KPI a planner can read or target is a function of base measures, so
one function derives them for any grouping: an arm, a platform, a month, the whole campaign.
"""

from __future__ import annotations

import numpy as np

# Summed over days and lines (an arm or a scheduled tactic on one platform).
FLOW_MEASURES = (
    "spend",
    "impressions",
    "clicks",
    "joins",
    "direct_conversions",
    "member_conversions",
    "referral_conversions",
    "recommendations",
    "learning_days",
    "learning_entries",
    "units",
)
# Read at the end of a period, summed over lines.
STOCK_MEASURES = ("members",)
# Summed over days and platforms: what backlash costs. `repair_cost` is the bill of the events in
# the period, `repair_spend` the part the budget paid (counted in `spend` of platforms and total).
PLATFORM_FLOWS = ("backlash_events", "repair_cost", "repair_spend")
# The campaign as a whole: forum mentions by tone (summed over days) and the reputation read at
# the end of a period (shares are means over the key queries).
CAMPAIGN_FLOWS = ("forum_positive", "forum_negative")
CAMPAIGN_STOCKS = (
    "positive_share",
    "third_party_share",
    "negative_share",
    "portals_discussing",
    "portals_with_link",
)
BASE_MEASURES = FLOW_MEASURES + STOCK_MEASURES
# KPIs only the whole campaign has (reputation is the brand's, not a platform's).
REPUTATION_KPIS = (
    "positive_share",
    "third_party_share",
    "negative_share",
    "portals_discussing",
    "portals_with_link",
    "forum_positive_share",
)
# KPIs of whole platforms and the campaign, not of single tools.
BACKLASH_KPIS = ("backlash_events", "repair_cost")

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


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 (a cost per conversion with no conversion is undefined)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def reach_from_impressions(impressions: np.ndarray, audience: np.ndarray) -> np.ndarray:
    """Unique reach after C random impressions in an audience of N: N (1 - exp(-C / N))."""
    return audience * -np.expm1(-impressions / audience)


def derive_kpis(
    base: dict[str, np.ndarray],
    platform_impressions: np.ndarray,
    audiences: np.ndarray,
    average_order_value: float | None,
    reputation: bool = False,
) -> dict[str, np.ndarray]:
    """All KPIs of one grouping from its summed base measures.

    Repair spend, where the grouping holds it (whole platforms), counts in `spend`, the CPA and
    the ROAS (what backlash costs is part of what the campaign cost), not in the prices of
    attention (CPM, CPC, cost per join). Reputation
    KPIs come where the grouping holds the campaign's measures and the scenario models it.

    `platform_impressions` holds the grouping's impressions split by the platforms it covers (last
    axis) and `audiences` their audience sizes: reach is computed per platform (people on different
    platforms are counted as different people) and then summed.
    """
    reach = reach_from_impressions(platform_impressions, audiences).sum(axis=-1)
    audience = float(np.sum(audiences))
    conversions = (
        base["direct_conversions"] + base["member_conversions"] + base["referral_conversions"]
    )
    spend = base["spend"] + base.get("repair_spend", 0.0)
    out = {
        "spend": spend,
        "impressions": base["impressions"],
        "reach": reach,
        "reach_share": ratio(reach, audience),
        "frequency": ratio(base["impressions"], reach),
        "clicks": base["clicks"],
        "ctr": ratio(base["clicks"], base["impressions"]),
        "joins": base["joins"],
        "members": base["members"],
        "conversions": conversions,
        "direct_conversions": base["direct_conversions"],
        "member_conversions": base["member_conversions"],
        "referral_conversions": base["referral_conversions"],
        "recommendations": base["recommendations"],
        # Prices of attention are the tools' own: media and tactic spend, without repairs.
        "cpm": 1000 * ratio(base["spend"], base["impressions"]),
        "cpc": ratio(base["spend"], base["clicks"]),
        "cost_per_join": ratio(base["spend"], base["joins"]),
        "cpa": ratio(spend, conversions),
        "learning_days": base["learning_days"],
        "learning_entries": base["learning_entries"],
        "units": base["units"],
    }
    if "backlash_events" in base:
        out["backlash_events"] = base["backlash_events"]
        out["repair_cost"] = base["repair_cost"]
    if reputation and "positive_share" in base:
        out.update({name: base[name] for name in CAMPAIGN_STOCKS})
        out["forum_positive_share"] = ratio(
            base["forum_positive"], base["forum_positive"] + base["forum_negative"]
        )
    if average_order_value is not None:
        out["revenue"] = conversions * average_order_value
        out["roas"] = ratio(out["revenue"], spend)
    return {name: out[name] for name in KPIS if name in out}
