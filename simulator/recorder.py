"""Aggregation while running: what a chunk keeps of its replications.

Per replication it keeps campaign totals and calendar-month totals of every base measure (small:
months x reps x arms). Day by day it keeps the sum over replications (for exact daily means) and,
for the first `daily_sample` replications of the run, every value (for daily quantiles and fan
charts); keeping every day of every replication would cost reps x days x arms per measure.
"""

from __future__ import annotations

import numpy as np

from smmsim.simulator.metrics import (
    CAMPAIGN_FLOWS,
    CAMPAIGN_STOCKS,
    FLOW_MEASURES,
    PLATFORM_FLOWS,
    STOCK_MEASURES,
)

# Daily reach is the day's own unique reach, as ad platforms export it. Direct conversions (from
# ad clicks alone) are what an ad platform's export reports: `smmsim track` lays actuals over them.
DAILY_MEASURES = (
    "spend",
    "impressions",
    "reach",
    "clicks",
    "joins",
    "conversions",
    "direct_conversions",
)
# Campaign-wide daily measures (one column): the reputation's path and the backlash events.
DAILY_CAMPAIGN_MEASURES = (
    "positive_share",
    "third_party_share",
    "negative_share",
    "portals_discussing",
    "backlash_events",
    "repair_spend",
)
ALL_FLOWS = FLOW_MEASURES + PLATFORM_FLOWS + CAMPAIGN_FLOWS
# Per replication, summed over arms, read at checkpoint days (the end of a test, for example).
CHECKPOINT_MEASURES = ("spend", "conversions")


class Recorder:
    """Line measures have one column per line, platform measures one per platform, campaign
    measures one column."""

    def __init__(
        self,
        n_days: int,
        n_months: int,
        n_arms: int,
        block_sizes: list[int],
        n_sampled: int,
        checkpoint_days: tuple[int, ...] = (),
        n_platforms: int = 1,
    ):
        n_reps = sum(block_sizes)
        widths = {
            **dict.fromkeys(FLOW_MEASURES + STOCK_MEASURES, n_arms),
            **dict.fromkeys(PLATFORM_FLOWS, n_platforms),
            **dict.fromkeys(CAMPAIGN_FLOWS + CAMPAIGN_STOCKS, 1),
        }
        self.totals: dict[str, np.ndarray] = {}  # filled by set_stock and close
        self.monthly = {m: np.zeros((n_months, n_reps, w)) for m, w in widths.items()}
        # Daily sums are kept per RNG block, so the run's daily means add the same numbers in the
        # same order however the blocks were chunked: bit-identical, not just close.
        self.block_starts = np.cumsum([0, *block_sizes[:-1]])
        self.daily_sum = {m: np.zeros((n_days, len(block_sizes), n_arms)) for m in DAILY_MEASURES}
        self.daily_sample = {m: np.zeros((n_days, n_sampled, n_arms)) for m in DAILY_MEASURES}
        self.campaign_daily_sum = {
            m: np.zeros((n_days, len(block_sizes))) for m in DAILY_CAMPAIGN_MEASURES
        }
        self.campaign_daily_sample = {
            m: np.zeros((n_days, n_sampled)) for m in DAILY_CAMPAIGN_MEASURES
        }
        self.n_sampled = n_sampled
        self.checkpoint_days = checkpoint_days
        self.last_checkpoint = max(checkpoint_days, default=0)  # no running sums read after it
        self.running = {m: np.zeros(n_reps) for m in CHECKPOINT_MEASURES}
        self.checkpoints: dict[int, dict[str, np.ndarray]] = {}

    def add_flows(self, month: int, values: dict[str, np.ndarray]) -> None:
        for name, value in values.items():
            self.monthly[name][month] += value

    def close(self) -> None:
        """Campaign totals of the flows, from their months (cheaper than adding them daily)."""
        for name in ALL_FLOWS:
            self.totals[name] = self.monthly[name].sum(axis=0)

    def set_stock(self, name: str, month: int, value: np.ndarray) -> None:
        self.monthly[name][month] = value
        self.totals[name] = value.copy()  # the last month's snapshot is the campaign's end

    def add_day(self, day: int, values: dict[str, np.ndarray]) -> None:
        """Today's daily measures: the line ones (reps, lines), the campaign ones (reps,)."""
        for name in DAILY_MEASURES:
            self.daily_sum[name][day] = np.add.reduceat(values[name], self.block_starts, axis=0)
            self.daily_sample[name][day] = values[name][: self.n_sampled]
        for name in DAILY_CAMPAIGN_MEASURES:
            value = values[name]
            self.campaign_daily_sum[name][day] = np.add.reduceat(value, self.block_starts)
            self.campaign_daily_sample[name][day] = value[: self.n_sampled]
        if day + 1 > self.last_checkpoint:
            return
        for name in CHECKPOINT_MEASURES:
            self.running[name] += values[name].sum(axis=1)
        if day + 1 in self.checkpoint_days:  # the first `day + 1` days are done
            self.checkpoints[day + 1] = {m: v.copy() for m, v in self.running.items()}
