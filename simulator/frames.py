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
    for stat in STATS:
        values = {m: _daily_stat(result, m, stat) for m in DAILY_MEASURES}
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


def _daily_stat(result: Result, measure: str, stat: str) -> np.ndarray:
    if stat == "mean":
        return result.daily_mean[measure]
    return np.percentile(result.daily_sample[measure], float(stat[1:]), axis=1)


def reputation_frame(result: Result) -> pd.DataFrame:
    """Per day, one row per statistic: the reputation's path (shares of the top 20, portals in
    discussion) and the backlash events and repair spend of that day."""
    import pandas as pd

    frames = []
    for stat in STATS:
        values = {
            m: result.campaign_daily_mean[m]
            if stat == "mean"
            else np.percentile(result.campaign_daily_sample[m], float(stat[1:]), axis=1)
            for m in result.campaign_daily_mean
        }
        frame = pd.DataFrame({"date": [d.isoformat() for d in result.dates], **values})
        frame.insert(1, "stat", stat)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
