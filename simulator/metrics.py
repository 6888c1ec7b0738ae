"""The KPI vocabulary: base measures the engine accumulates and the KPIs derived from them.

Base measures add up over days and arms (spend, impressions, ...), except `members`, a stock read
at the end of a period. Every KPI a planner can read or target is a function of base measures, so
one function derives them for any grouping: an arm, a platform, a month, the whole campaign.
"""

from __future__ import annotations

import numpy as np

from smmsim.scenarios.kpis import KPIS

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
