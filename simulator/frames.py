"""A run's day-by-day tables in the canonical columns: what daily.csv and reputation.csv hold and
what `RunResult.daily()` returns in a notebook."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from smmsim.scenarios.columns import CANONICAL_COLUMNS
from smmsim.simulator.recorder import DAILY_MEASURES
from smmsim.simulator.result import Result
from smmsim.simulator.summary import STATS

if TYPE_CHECKING:  # pandas (0.2 s to import) only where a frame is asked for
    import pandas as pd


def daily_frame(result: Result) -> pd.DataFrame:
    """Per day and arm, in the canonical columns, one row per statistic (`stat`): the mean over
    all replications and 5/50/95% quantiles over the daily sample of replications."""
    import pandas as pd

    arms = result.lines
    aov = result.scenario.campaign.average_order_value
    frames = []
    stats = {m: _daily_stats(result.daily_mean[m], result.daily_sample[m]) for m in DAILY_MEASURES}
    for stat in STATS:
        values = {m: stats[m][stat] for m in DAILY_MEASURES}
        n_days, n_arms = values["spend"].shape
        frame = pd.DataFrame(
            {
                "date": np.repeat([d.isoformat() for d in result.dates], n_arms),
                "platform": np.tile([arms.platforms[p] for p in arms.platform_of], n_days),
                "tool": np.tile(arms.tools, n_days),
                "campaign": result.scenario.campaign.name,
                **{m: v.ravel() for m, v in values.items()},
            }
        )
        frame["revenue"] = frame["conversions"] * aov if aov is not None else np.nan
        frame.insert(4, "stat", stat)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    return out[[*CANONICAL_COLUMNS[:4], "stat", *CANONICAL_COLUMNS[4:]]]


def _daily_stats(mean: np.ndarray, sample: np.ndarray) -> dict[str, np.ndarray]:
    """Each of STATS of one daily measure: its mean over all replications, its quantiles over
    the sample (days, sampled, ...) in one pass over it (numpy partitions once for all of them)."""
    quantiles = [s for s in STATS if s != "mean"]
    values = np.percentile(sample, [float(s[1:]) for s in quantiles], axis=1)
    return {"mean": mean, **dict(zip(quantiles, values, strict=True))}


def reputation_frame(result: Result) -> pd.DataFrame:
    """Per day, one row per statistic: the reputation's path (shares of the top 20, portals in
    discussion) and the backlash events and repair spend of that day."""
    import pandas as pd

    frames = []
    stats = {
        m: _daily_stats(mean, result.campaign_daily_sample[m])
        for m, mean in result.campaign_daily_mean.items()
    }
    for stat in STATS:
        values = {m: by_stat[stat] for m, by_stat in stats.items()}
        frame = pd.DataFrame({"date": [d.isoformat() for d in result.dates], **values})
        frame.insert(1, "stat", stat)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
