"""The KPI vocabulary: base measures the engine accumulates and the KPIs derived from them.

Base measures add up over days and arms (spend, impressions, ...), except `members`, a stock read
at the end of a period. Every KPI a planner can read or target is a function of base measures, so
one function derives them for any grouping: an arm, a platform, a month, the whole campaign.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Ratio:
    """A ratio KPI: scale x numerator / denominator, both totals that add up over lines and days
    (see `smmsim.simulator.ratios` for its expected value)."""

    numerator: str
    denominator: str
    scale: float = 1.0


# Prices of attention are the tools' own: media and tactic spend, without repairs (`media_spend`);
# the CPA and the ROAS count what backlash repairs cost (`spend`).
RATIOS = {
    "reach_share": Ratio("reach", "audience"),
    "frequency": Ratio("impressions", "reach"),
    "ctr": Ratio("clicks", "impressions"),
    "cpm": Ratio("media_spend", "impressions", 1000.0),
    "cpc": Ratio("media_spend", "clicks"),
    "cost_per_join": Ratio("media_spend", "joins"),
    "cpa": Ratio("spend", "conversions"),
    "roas": Ratio("revenue", "spend"),
    "forum_positive_share": Ratio("forum_positive", "forum_mentions"),
}


class KpiDraws(dict):
    """Every KPI per replication, name -> (reps,), and for each ratio KPI the two totals it
    divides (`parts`), so that its expected value is the ratio of expected totals."""

    def __init__(self, values: dict[str, np.ndarray], parts: dict[str, tuple]):
        super().__init__(values)
        self.parts = parts  # ratio KPI -> (numerator (reps,), denominator (reps,), scale)


def reach_from_impressions(impressions: np.ndarray, audience: np.ndarray) -> np.ndarray:
    """Unique reach after C random impressions in an audience of N: N (1 - exp(-C / N))."""
    return audience * -np.expm1(-impressions / audience)


def derive_kpis(
    base: dict[str, np.ndarray],
    platform_impressions: np.ndarray,
    audiences: np.ndarray,
    average_order_value: float | None,
    reputation: bool = False,
) -> KpiDraws:
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
    conversions = (
        base["direct_conversions"] + base["member_conversions"] + base["referral_conversions"]
    )
    spend = base["spend"] + base.get("repair_spend", 0.0)
    totals = {
        "spend": spend,
        "media_spend": base["spend"],
        "impressions": base["impressions"],
        "reach": reach,
        "audience": np.full_like(reach, float(np.sum(audiences))),
        "clicks": base["clicks"],
        "joins": base["joins"],
        "conversions": conversions,
    }
    if "forum_positive" in base:
        totals["forum_positive"] = base["forum_positive"]
        totals["forum_mentions"] = base["forum_positive"] + base["forum_negative"]
    if average_order_value is not None:
        totals["revenue"] = conversions * average_order_value
    parts = {
        name: (totals[r.numerator], totals[r.denominator], r.scale)
        for name, r in RATIOS.items()
        if r.numerator in totals and r.denominator in totals
    }
    out = {
        **{name: totals[name] for name in ("spend", "impressions", "reach", "clicks", "joins")},
        **{name: scale * ratio(num, den) for name, (num, den, scale) in parts.items()},
        "members": base["members"],
        "conversions": conversions,
        "direct_conversions": base["direct_conversions"],
        "member_conversions": base["member_conversions"],
        "referral_conversions": base["referral_conversions"],
        "recommendations": base["recommendations"],
        "learning_days": base["learning_days"],
        "learning_entries": base["learning_entries"],
        "units": base["units"],
    }
    if "backlash_events" in base:
        out["backlash_events"] = base["backlash_events"]
        out["repair_cost"] = base["repair_cost"]
    if reputation and "positive_share" in base:
        out.update({name: base[name] for name in CAMPAIGN_STOCKS})
    else:
        out.pop("forum_positive_share", None)
    if average_order_value is not None:
        out["revenue"] = totals["revenue"]
    kept = [name for name in KPIS if name in out]
    return KpiDraws({name: out[name] for name in kept}, {n: parts[n] for n in kept if n in parts})
