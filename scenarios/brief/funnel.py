"""The expected funnel of a month's paid ads at the priors' means, by the engine's formulas.

Impressions are bought at the auction's price for the day's spend (cpm0 x (1 + (s / s_half)^k),
`simulator.curves`, divided by the learning efficiency while the platform learns, as
`simulator.delivery` does), clicks are impressions x CTR, joins and sales clicks x their rates.
Fatigue, frequency caps, daily noise and the community's own posts are left out: they are what
`smmsim run` adds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from smmsim.scenarios.brief.options import AdOption
from smmsim.scenarios.tools_schema import Auction

# The engine's default half-price spend buys this many impressions per audience member a day at
# the mean CPM (`simulator.arms.DEFAULT_HALF_SATURATION_IMPRESSIONS_PER_PERSON`; a test pins the
# two together, as the scenario layer may not import the engine).
HALF_SATURATION_IMPRESSIONS_PER_PERSON = 0.5


@dataclass(frozen=True)
class Funnel:
    impressions: float = 0.0
    clicks: float = 0.0
    joins: float = 0.0
    conversions: float = 0.0

    def __add__(self, other: Funnel) -> Funnel:
        return Funnel(
            self.impressions + other.impressions,
            self.clicks + other.clicks,
            self.joins + other.joins,
            self.conversions + other.conversions,
        )


def month_funnel(option: AdOption, spend: float, days: int, learning: bool) -> Funnel:
    """One platform's paid ads spending `spend` evenly over `days` days."""
    if spend <= 0 or days <= 0:
        return Funnel()
    auction = Auction.model_validate(option.tool.get("auction", {}))
    s_half = auction.s_half or (
        HALF_SATURATION_IMPRESSIONS_PER_PERSON * option.audience * option.cpm / 1000
    )
    # Learning makes delivery less efficient: the engine divides the day's CPM by it.
    efficiency = option.learning_efficiency if learning else 1.0
    cpm = option.cpm * (1 + (spend / days / s_half) ** auction.k) / efficiency
    impressions = spend / cpm * 1000
    clicks = impressions * option.ctr
    return Funnel(impressions, clicks, clicks * option.join_rate, clicks * option.cvr)


def unique_reach(impressions: float, audience: int) -> float:
    """People reached by `impressions` random impressions in an audience of `audience`:
    N (1 - exp(-C / N)), the engine's formula (`simulator.curves.unique_reach`)."""
    return audience * -math.expm1(-impressions / audience)
