"""What a brief's plan expects at the priors' means: month 1's funnel (the test), the whole
campaign's, and the community the ads' joins build, by the sector example's community rates.
"""

from __future__ import annotations

from dataclasses import dataclass

from smmsim.scenarios.brief.answers import Brief
from smmsim.scenarios.brief.funnel import Funnel, month_funnel, unique_reach
from smmsim.scenarios.brief.layout import Layout
from smmsim.scenarios.brief.options import AdOption, community_block

MONTH_DAYS = 365.25 / 12  # the community's rates are per month of this length


@dataclass(frozen=True)
class Expectations:
    """What the plan expects, from the funnel: month 1 (the test) and the whole campaign."""

    month1: Funnel
    month1_reach: float  # unique people reached in month 1, summed over platforms
    month1_spend: float
    campaign: Funnel
    campaign_spend: float
    members_end: float
    member_conversions: float
    recommendations: float
    months: int


def _month_spends(
    money: Layout, proposed: list[AdOption], shares: dict[str, float], month: int
) -> dict[str, float]:
    """Each proposed platform's paid-ads money in `month`: month 1 is the even test split."""
    paid = money.paid_ads(month)
    if month == 1 and money.has_test:
        return {o.platform: paid / len(proposed) for o in proposed}
    rest = 1 - money.retargeting_share
    return {o.platform: paid * shares[o.platform] / rest for o in proposed}


def expectations(
    brief: Brief, money: Layout, proposed: list[AdOption], shares: dict[str, float]
) -> Expectations:
    """What the plan expects at the priors' means: the funnel month by month (month 1 the
    even test, learning), and the community it builds (the sector example's rates)."""
    community = community_block(brief.sector)
    churn = community.get("churn_per_month", 0.05)
    orders = community.get("member_conversion_per_month", 0.02)
    recommend = community.get("recommendations_per_member_per_month", 0.1)
    months, reach = [], 0.0
    for m in range(1, len(money.months) + 1):
        spends = _month_spends(money, proposed, shares, m)
        funnel = Funnel()
        for o in proposed:
            one = month_funnel(o, spends[o.platform], money.months[m - 1], m == 1)
            if m == 1:
                reach += unique_reach(one.impressions, o.audience)
            funnel = funnel + one
        months.append(funnel)
    members = conversions = recommendations = 0.0
    for m, funnel in enumerate(months):
        length = money.months[m] / MONTH_DAYS
        after = members * (1 - churn) ** length + funnel.joins
        # Members recommend from the day they join (the month's average membership); they
        # order only after the examples' conversion lag (10-45 days), so this month's joins
        # are left to the next month's orders.
        recommendations += (members + after) / 2 * recommend * length
        conversions += members * orders * length
        members = after
    campaign = sum(months, Funnel())
    return Expectations(
        month1=months[0],
        month1_reach=reach,
        month1_spend=money.spend(1),
        campaign=campaign,
        campaign_spend=money.budget,
        members_end=members,
        member_conversions=conversions,
        recommendations=recommendations,
        months=len(months),
    )
