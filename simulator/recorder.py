"""Aggregation while running: what a chunk keeps of its replications.

Per replication it keeps campaign totals and calendar-month totals of every base measure (small:
months x reps x arms). Day by day it keeps the sum over replications (for exact daily means) and,
for the first `daily_sample` replications of the run, every value (for daily quantiles and fan
charts); keeping every day of every replication would cost reps x days x arms per measure.
"""

from __future__ import annotations

import numpy as np

from simulator.metrics import FLOW_MEASURES, STOCK_MEASURES

# Daily reach is the day's own unique reach, as ad platforms export it.
DAILY_MEASURES = ("spend", "impressions", "reach", "clicks", "joins", "conversions")
# Per replication, summed over arms, read at checkpoint days (the end of a test, for example).
CHECKPOINT_MEASURES = ("spend", "conversions")


class Recorder:
    def __init__(
        self,
        n_days: int,
        n_months: int,
        n_arms: int,
        block_sizes: list[int],
        n_sampled: int,
        checkpoint_days: tuple[int, ...] = (),
    ):
        n_reps = sum(block_sizes)
        measures = FLOW_MEASURES + STOCK_MEASURES
        self.totals: dict[str, np.ndarray] = {}  # filled by set_stock and close
        self.monthly = {m: np.zeros((n_months, n_reps, n_arms)) for m in measures}
        # Daily sums are kept per RNG block, so the run's daily means add the same numbers in the
        # same order however the blocks were chunked: bit-identical, not just close.
        self.block_starts = np.cumsum([0, *block_sizes[:-1]])
        self.daily_sum = {m: np.zeros((n_days, len(block_sizes), n_arms)) for m in DAILY_MEASURES}
        self.daily_sample = {m: np.zeros((n_days, n_sampled, n_arms)) for m in DAILY_MEASURES}
        self.n_sampled = n_sampled
        self.checkpoint_days = checkpoint_days
        self.running = {m: np.zeros(n_reps) for m in CHECKPOINT_MEASURES}
        self.checkpoints: dict[int, dict[str, np.ndarray]] = {}

    def add_flows(self, month: int, values: dict[str, np.ndarray]) -> None:
        for name, value in values.items():
            self.monthly[name][month] += value

    def close(self) -> None:
        """Campaign totals of the flows, from their months (cheaper than adding them daily)."""
        for name in FLOW_MEASURES:
            self.totals[name] = self.monthly[name].sum(axis=0)

    def set_stock(self, name: str, month: int, value: np.ndarray) -> None:
        self.monthly[name][month] = value
        self.totals[name] = value.copy()  # the last month's snapshot is the campaign's end

    def add_day(self, day: int, values: dict[str, np.ndarray]) -> None:
        for name in DAILY_MEASURES:
            self.daily_sum[name][day] = np.add.reduceat(values[name], self.block_starts, axis=0)
            self.daily_sample[name][day] = values[name][: self.n_sampled]
        for name in CHECKPOINT_MEASURES:
            self.running[name] += values[name].sum(axis=1)
        if day + 1 in self.checkpoint_days:  # the first `day + 1` days are done
            self.checkpoints[day + 1] = {m: v.copy() for m, v in self.running.items()}
