"""The KPI vocabulary: base measures the engine accumulates and the KPIs derived from them.

Base measures add up over days and arms (spend, impressions, ...), except `members`, a stock read
at the end of a period. Every KPI a planner can read or target is a function of base measures, so
one function derives them for any grouping: an arm, a platform, a month, the whole campaign.
"""

from __future__ import annotations

import numpy as np

# Summed over days and arms.
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
)
# Read at the end of a period, summed over arms.
STOCK_MEASURES = ("members",)
BASE_MEASURES = FLOW_MEASURES + STOCK_MEASURES

# name -> (unit, one-line meaning); the order is the order of every table.
KPIS: dict[str, tuple[str, str]] = {
    "spend": ("currency", "media and tool spend"),
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
) -> dict[str, np.ndarray]:
    """All KPIs of one grouping from its summed base measures.

    `platform_impressions` holds the grouping's impressions split by the platforms it covers (last
    axis) and `audiences` their audience sizes: reach is computed per platform (people on different
    platforms are counted as different people) and then summed.
    """
    reach = reach_from_impressions(platform_impressions, audiences).sum(axis=-1)
    audience = float(np.sum(audiences))
    conversions = (
        base["direct_conversions"] + base["member_conversions"] + base["referral_conversions"]
    )
    out = {
        "spend": base["spend"],
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
        "cpm": 1000 * ratio(base["spend"], base["impressions"]),
        "cpc": ratio(base["spend"], base["clicks"]),
        "cost_per_join": ratio(base["spend"], base["joins"]),
        "cpa": ratio(base["spend"], conversions),
        "learning_days": base["learning_days"],
        "learning_entries": base["learning_entries"],
    }
    if average_order_value is not None:
        out["revenue"] = conversions * average_order_value
        out["roas"] = ratio(out["revenue"], base["spend"])
    return {name: out[name] for name in KPIS if name in out}
