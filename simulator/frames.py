"""A run's day-by-day tables in the canonical columns: what daily.csv and reputation.csv hold
(written from a `Table`, without pandas) and what `RunResult.daily()` returns in a notebook."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from smmsim.scenarios.columns import CANONICAL_COLUMNS
from smmsim.scenarios.tables import Table
from smmsim.simulator.recorder import DAILY_MEASURES
from smmsim.simulator.result import Result
from smmsim.simulator.summary import STATS

if TYPE_CHECKING:  # pandas (0.2 s to import) only where a frame is asked for
    import pandas as pd


def daily_frame(result: Result) -> pd.DataFrame:
    """`daily_table` as a DataFrame."""
    return daily_table(result).to_frame()


def daily_table(result: Result) -> Table:
    """Per day and arm, in the canonical columns, one row per statistic (`stat`): the mean over
    all replications and 5/50/95% quantiles over the daily sample of replications."""
    arms = result.lines
    aov = result.scenario.campaign.average_order_value
    stats = {m: _daily_stats(result.daily_mean[m], result.daily_sample[m]) for m in DAILY_MEASURES}
    tables = []
    for stat in STATS:
        values = {m: stats[m][stat] for m in DAILY_MEASURES}
        n_days, n_arms = values["spend"].shape
        conversions = values["conversions"].ravel()
        tables.append(
            Table.from_columns(
                {
                    "date": np.repeat([d.isoformat() for d in result.dates], n_arms),
                    "platform": np.tile([arms.platforms[p] for p in arms.platform_of], n_days),
                    "tool": np.tile(arms.tools, n_days),
                    "campaign": result.scenario.campaign.name,
                    "stat": stat,
                    **{m: v.ravel() for m, v in values.items()},
                    "revenue": conversions * aov if aov is not None else np.nan,
                }
            )
        )
    return Table.concat(tables).select([*CANONICAL_COLUMNS[:4], "stat", *CANONICAL_COLUMNS[4:]])


def _daily_stats(mean: np.ndarray, sample: np.ndarray) -> dict[str, np.ndarray]:
    """Each of STATS of one daily measure: its mean over all replications, its quantiles over
    the sample (days, sampled, ...) in one pass over it (numpy partitions once for all of them)."""
    quantiles = [s for s in STATS if s != "mean"]
    values = np.percentile(sample, [float(s[1:]) for s in quantiles], axis=1)
    return {"mean": mean, **dict(zip(quantiles, values, strict=True))}


def reputation_frame(result: Result) -> pd.DataFrame:
    """`reputation_table` as a DataFrame."""
    return reputation_table(result).to_frame()


def reputation_table(result: Result) -> Table:
    """Per day, one row per statistic: the reputation's path (shares of the top 20, portals in
    discussion) and the backlash events and repair spend of that day."""
    stats = {
        m: _daily_stats(mean, result.campaign_daily_sample[m])
        for m, mean in result.campaign_daily_mean.items()
    }
    dates = [d.isoformat() for d in result.dates]
    return Table.concat(
        [
            Table.from_columns(
                {"date": dates, "stat": stat, **{m: s[stat] for m, s in stats.items()}}
            )
            for stat in STATS
        ]
    )
