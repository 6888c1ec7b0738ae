"""Writing a run's outputs: CSV tables, the JSON document and the HTML report, each atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from smmsim.scenarios.columns import CANONICAL_COLUMNS
from smmsim.scenarios.files import json_text, write_atomic
from smmsim.simulator.recorder import DAILY_MEASURES
from smmsim.simulator.reports.run_page import (
    report_html,
)
from smmsim.simulator.result import Result
from smmsim.simulator.studies.outcome import strategy_outcome, strategy_rows
from smmsim.simulator.summary import STATS, monthly_rows, result_json, summary_rows


def daily_frame(result: Result) -> pd.DataFrame:
    """Per day and arm, in the canonical columns, one row per statistic (`stat`): the mean over
    all replications and 5/50/95% quantiles over the daily sample of replications."""
    arms = result.arms
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


def run_document(
    result: Result, oracle: Result, source: str | None = None, risk: dict | None = None
) -> dict:
    """The JSON document of a run, with its strategy's outcome against the oracle and, when
    assessed, the plan's flags."""
    document = {**result_json(result, source), "strategy": strategy_outcome(result, oracle)}
    if risk is not None:
        document["risk"] = risk
    return document


def write_outputs(
    result: Result,
    oracle: Result,
    out_dir: Path,
    source: str | None = None,
    risk: dict | None = None,
) -> dict:
    """summary.csv, monthly.csv, daily.csv, reputation.csv, strategy.csv, result.json and
    report.html."""
    document = run_document(result, oracle, source, risk)
    csv = {
        "summary.csv": pd.DataFrame(summary_rows(result)),
        "monthly.csv": pd.DataFrame(monthly_rows(result)),
        "daily.csv": daily_frame(result),
        "reputation.csv": reputation_frame(result),
        "strategy.csv": pd.DataFrame(strategy_rows(document["strategy"])),
    }
    for name, frame in csv.items():
        frame["seed"] = result.seed  # every output records its seed
        write_atomic(out_dir / name, frame.to_csv(index=False))
    write_atomic(out_dir / "result.json", json_text(document))
    write_atomic(out_dir / "report.html", report_html(result, document, oracle))
    return document
