"""Calibration on awkward but real-looking data: what analysts actually drop in."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from smmsim.calibration.fit import fit_arms, group_days
from smmsim.calibration.importer import ImportOptions, import_exports
from smmsim.cli import main
from smmsim.scenarios.loader import load_scenario
from smmsim.simulator.engine import simulate
from tests.exports import recovery_scenario, simulated_days, write_both

HEADER = "date,platform,tool,campaign,spend,impressions,clicks,conversions,revenue"


def write(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def days(n: int, start: int = 1) -> list[str]:
    return [str(np.datetime64("2026-01-01") + d) for d in range(start - 1, start - 1 + n)]


def fit(paths: list[Path], group_by=("platform", "tool")):
    imported = import_exports(paths, ImportOptions())
    return imported, fit_arms(group_days(imported.frame, group_by), group_by, 0, imported.frame)


def test_a_curve_widens_the_cpm_interval_but_keeps_its_mean(tmp_path):
    """Not knowing s_half makes cpm0 less certain, not dearer."""
    frame = simulated_days(recovery_scenario(), 1, seed=5)[0]
    _, calibration = fit(write_both(frame, tmp_path), ("platform", "campaign"))
    for arm in calibration.arms:
        if arm.pressure.detected:
            assert arm.cpm.cpm_mean == pytest.approx(arm.cpm_given_curve.cpm_mean, rel=1e-9)
            widened, given = arm.cpm.interval(), arm.cpm_given_curve.interval()
            assert widened[1] - widened[0] > given[1] - given[0]


def test_no_conversion_anywhere_still_gives_an_honest_interval(tmp_path):
    rows = [f"{d},meta,{t},c,{10 + i},{5000 + 10 * i},{50 + i % 5},0,0"
            for t in ("a", "b", "c") for i, d in enumerate(days(20))]  # fmt: skip
    _, calibration = fit([write(tmp_path / "x.csv", rows)])
    for arm in calibration.arms:
        lo, hi = arm.cvr.interval()
        # Zero of about 1,000 clicks: the rate is small, but not known to be exactly 0.
        assert 0 < lo < arm.cvr.mean < hi < 0.01


def test_a_grouping_column_only_one_file_has(tmp_path):
    first = write(tmp_path / "a.csv", [f"{d},meta,ads,c1,10,1000,10,1,20,set1" for d in days(15)],
                  HEADER + ",ad_set_name")  # fmt: skip
    second = write(tmp_path / "b.csv", [f"{d},google,ads,c2,10,1000,12,1,20" for d in days(15)])
    imported, calibration = fit([first, second], ("platform", "ad_set_name"))
    assert len(imported.frame) == 30  # the second file's rows are not dropped for lacking it
    assert sorted(a.days.label for a in calibration.arms) == [
        "google/(missing)",
        "meta/set1",
    ]


def test_overlapping_exports_are_not_counted_twice(tmp_path):
    """Two downloads of the same account share 10 days: the repeated rows are rejected with the
    line they repeat; a shared day whose numbers changed (late attribution) is kept and counted."""
    rows = [
        f"{d},meta,ads,c1,{10 + i},{1000 + i},{10 + i % 3},1,20" for i, d in enumerate(days(30))
    ]
    first = write(tmp_path / "a.csv", rows[:20])
    changed = rows[19].replace(",1,20", ",2,40")  # 20 January again, one more conversion
    second = write(tmp_path / "b.csv", [*rows[10:19], changed, *rows[20:]])
    imported, calibration = fit([first, second])
    summary = imported.summary()
    assert summary["rejected_by_reason"] == {"duplicate": 9}
    assert summary["rows_used"] + summary["rows_rejected"] == summary["rows_read"] == 40
    assert summary["overlapping_rows"] == 1
    repeat = next(r for r in imported.rejected)
    assert repeat.file == str(second) and repeat.line == 2
    assert repeat.detail == f"repeats {first} line 12 exactly"
    spend = calibration.arms[0].days.total("spend")
    assert spend == sum(10 + i for i in range(30)) + 10 + 19  # the changed day twice, no other


def test_order_value_counts_only_the_exports_that_have_revenue(tmp_path):
    with_revenue = write(tmp_path / "meta.csv",
                         [f"{d},meta,ads,c,10,1000,20,2,60" for d in days(15)])  # fmt: skip
    without = write(tmp_path / "google.csv", [f"{d},google,ads,c,10,1000,20,4" for d in days(15)],
                    "date,platform,tool,campaign,spend,impressions,clicks,conversions")  # fmt: skip
    _, calibration = fit([with_revenue, without])
    mean, lo, hi = calibration.average_order_value
    assert mean == pytest.approx(30.0) and lo == pytest.approx(30.0) and hi == pytest.approx(30.0)


def test_missing_campaign_labels_are_counted(tmp_path):
    rows = [f"{d},meta,ads,{'(not set)' if i % 2 else 'c1'},10,1000,10,1,20"
            for i, d in enumerate(days(20))]  # fmt: skip
    imported, _ = fit([write(tmp_path / "x.csv", rows)], ("platform", "campaign"))
    assert imported.files[0]["missing_labels"] == {"campaign": 10}


def test_a_file_of_zeros_says_there_is_no_price(tmp_path):
    path = write(tmp_path / "zeros.csv", [f"{d},meta,ads,c,0,0,0,0,0" for d in days(5)])
    result = CliRunner().invoke(main, ["calibrate", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert f"{path}: no day with both spend and impressions" in result.output


def test_a_price_noise_beyond_the_schema_is_written_consistently(tmp_path):
    """Daily log-CPM sd 1.3, above the scenario's limit of 1: the scenario writes 1 and prices
    cpm0 for that 1, so its simulated CPM still matches the observed one on average."""
    rng = np.random.default_rng(3)
    cpm = 4.0 * np.exp(1.3 * rng.standard_normal(60))
    rows = [f"{d},meta,ads,c,100,{1000 * 100 / c:.0f},{1000 * 100 / c * 0.01:.0f},1,10"
            for d, c in zip(days(60), cpm, strict=True)]  # fmt: skip
    written = tmp_path / "plan.yaml"
    args = ["--out", str(tmp_path / "o"), "--write-scenario", str(written), "--holdout", "0"]
    result = CliRunner().invoke(main, ["calibrate", str(write(tmp_path / "x.csv", rows)), *args])
    assert result.exit_code == 0, result.output
    assert "written as the schema's limit 1" in result.output
    observed = json.loads((tmp_path / "o" / "calibration.json").read_text())["arms"][0]
    scenario = load_scenario(written)
    assert scenario.platforms[0].tools[0].noise == 1.0
    replay = simulate(scenario, replications=4000, seed=1)
    simulated_cpm = 1000 * replay.totals["spend"].sum() / replay.totals["impressions"].sum()
    # Simulated and observed totals' CPM: 60 days x 4,000 replications of sd 1 noise.
    assert simulated_cpm == pytest.approx(observed["cpm"]["observed"], rel=0.1)
