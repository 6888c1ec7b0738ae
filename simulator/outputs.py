"""Writing a run's outputs: CSV tables, the JSON document and the HTML report, each atomically."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.strategies.outcome import strategy_outcome, strategy_rows
from simulator.columns import CANONICAL_COLUMNS
from simulator.recorder import DAILY_MEASURES
from simulator.result import Result
from simulator.summary import STATS, monthly_rows, result_json, summary_rows


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside `path`, then rename: a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def json_text(document: dict) -> str:
    """JSON with undefined numbers (NaN) as null, as JSON has no NaN."""
    return json.dumps(_nan_to_none(document), indent=2, ensure_ascii=False) + "\n"


def _nan_to_none(value):
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nan_to_none(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


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
    from simulator.report import report_html

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


def comparison_rows(document: dict) -> list[dict]:
    """Tidy rows (label, scenario, strategy, metric, mean, p5, p50, p95) of every combination."""
    return [
        {
            "label": c["label"],
            "scenario": c["scenario"],
            "strategy": c["strategy"],
            "metric": metric,
            **stats,
        }
        for c in document["combinations"]
        for metric, stats in c["kpis"].items()
    ]


def write_comparison(found: list, document: dict, out_dir: Path) -> None:
    """comparison.csv, differences.csv, comparison.json and comparison.html in `out_dir`."""
    from scenarios.report import comparison_html

    tables = {
        "comparison.csv": pd.DataFrame(comparison_rows(document)),
        "differences.csv": pd.DataFrame(document["differences"]),
    }
    for name, frame in tables.items():
        frame["seed"] = document["seed"]
        write_atomic(out_dir / name, frame.to_csv(index=False))
    write_atomic(out_dir / "comparison.json", json_text(document))
    write_atomic(out_dir / "comparison.html", comparison_html(found, document))
