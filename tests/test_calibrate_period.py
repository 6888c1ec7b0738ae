"""Period data: rows of an ad's totals over several days (no date column and --period, a range of
dates in one cell, or Meta's "Reporting starts"/"Reporting ends" pair), with known true rates."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

import smmsim
from smmsim.calibration.cells import DateStyle, parse_span, split_range
from smmsim.calibration.columns import plan_columns
from smmsim.calibration.importer import ImportOptions, import_exports
from smmsim.calibration.period_option import read_period
from smmsim.calibration.reading import ExportFileError, read_table
from smmsim.cli import main

# platform: (cpm, ctr, cvr)
TRUE = {"meta": (8.0, 0.012, 0.05), "google": (12.0, 0.02, 0.03)}
PERIOD = "2024-03-01..2024-03-31"


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def period_rows(ads: int = 10, seed: int = 1) -> list[list]:
    """One row per ad: its month's spend, impressions, clicks and conversions, drawn from the
    platform's true CPM, CTR and CVR (Poisson impressions, binomial clicks and conversions)."""
    rng = np.random.default_rng(seed)
    rows = []
    for platform, (cpm, ctr, cvr) in TRUE.items():
        for ad in range(ads):
            spend = rng.uniform(300, 3000)
            impressions = rng.poisson(1000 * spend / cpm)
            clicks = rng.binomial(impressions, ctr)
            rows.append(
                [
                    platform,
                    f"ad {ad}",
                    f"{spend:.2f}",
                    impressions,
                    clicks,
                    rng.binomial(clicks, cvr),
                ]
            )
    return rows


HEADER = ["Platform", "Ad name", "Spend", "Impressions", "Clicks", "Conversions"]


@pytest.fixture(scope="module")
def period_file(tmp_path_factory) -> Path:
    return write_csv(tmp_path_factory.mktemp("period") / "ads.csv", HEADER, period_rows())


@pytest.fixture(scope="module")
def fitted(period_file):
    return smmsim.calibrate(period_file, period=PERIOD, group_by=["platform"])


def calibrate(*args: str):
    return CliRunner().invoke(main, ["calibrate", *args], catch_exceptions=False)


def test_period_file_recovers_the_rates(fitted):
    """Every platform's CPM, CTR and CVR from the ads' totals: about 2 M impressions a platform
    put the posterior means within a few percent of the truth, and within 3 posterior sd of it
    (the sd is honest: the counts are drawn with exactly the noise the fit assumes)."""
    for arm in fitted.arms:
        cpm, ctr, cvr = TRUE[arm.platform]
        for estimate, truth in ((arm.cpm, cpm), (arm.ctr, ctr), (arm.cvr, cvr)):
            assert estimate.mean == pytest.approx(truth, rel=0.05)
            assert abs(estimate.mean - truth) < 3 * estimate.sd


def test_period_rows_cover_the_period(fitted):
    """The rows say March: the arms' data run to the 31st, over 31 days, not one."""
    assert (fitted.period.first_date, fitted.period.last_date) == ("2024-03-01", "2024-03-31")
    assert {arm.days for arm in fitted.arms} == {31}
    assert {arm.last_date for arm in fitted.arms} == {"2024-03-31"}


def test_period_data_say_which_parts_they_could_not_fit(fitted):
    """Weekday prices, daily noise and wear-out need days: each is reported as not fitted for
    every arm (and left flat, absent or unidentified, never made up)."""
    parts = {item.part: item for item in fitted.not_fitted}
    assert set(parts) == {"day_of_week", "noise", "fatigue"}
    assert all(sorted(item.arms) == ["google", "meta"] for item in parts.values())
    for arm in fitted.arms:
        assert not arm.day_of_week.detected and arm.day_of_week.multipliers == [1.0] * 7
        assert arm.noise.log_cpm_sd is None and arm.noise.ctr_sd is None
        assert not arm.fatigue.identified
        assert "spend per day" in arm.auction.note


def test_pressure_is_fitted_on_spend_per_day(tmp_path):
    """Twelve periods of 7 to 30 days whose price follows the curve by spend per day: the fit
    finds the curve and its half-price spend. Read by the period's whole spend, the long periods
    would look 4 times pricier per unit spent than they are and no curve would fit them."""
    rng = np.random.default_rng(3)
    cpm0, s_half = 5.0, 400.0
    rows, start = [], date(2024, 1, 1).toordinal()
    for i, per_day in enumerate(np.geomspace(40, 2000, 12)):
        days = (7, 14, 30)[i % 3]
        cpm = cpm0 * (1 + per_day / s_half) * np.exp(rng.normal(0, 0.03))
        spend = per_day * days
        impressions = round(1000 * spend / cpm)
        first, last = date.fromordinal(start), date.fromordinal(start + days - 1)
        rows.append(["meta", f"{first}..{last}", f"{spend:.2f}", impressions, impressions // 100])
        start += days
    path = write_csv(
        tmp_path / "months.csv",
        ["Platform", "Period", "Spend", "Impressions", "Clicks"],
        rows,
    )
    arm = smmsim.calibrate(path, mapping={"Period": "date"}, group_by=["platform"]).arms[0]
    assert arm.auction.detected
    low, high = arm.auction.s_half_interval
    assert low <= s_half <= high
    assert arm.cpm.mean == pytest.approx(cpm0, rel=0.15)


@pytest.mark.parametrize(
    "cell",
    ["2024-03-01 - 2024-03-31", "01.03.2024-31.03.2024", "2024-03-01..2024-03-31",
     "Mar 1 - Mar 31, 2024", "1 March 2024 – 31 March 2024"],
)  # fmt: skip
def test_a_range_cell_reads_as_its_first_and_last_day(cell):
    assert parse_span(cell, DateStyle("dmy", "")) == (date(2024, 3, 1), date(2024, 3, 31))


@pytest.mark.parametrize("cell", ["2024-03-01", "1.08.2019", "Sat, Oct 11", "2024-03-01T10:00"])
def test_a_single_date_is_no_range(cell):
    """ISO with a time and a/b/yyyy dates contain dashes and dots, but only one date."""
    assert split_range(cell) is None


def test_a_range_that_ends_before_it_starts_is_rejected(tmp_path):
    path = write_csv(
        tmp_path / "r.csv",
        ["Campaign", "Period", "Spend", "Impressions", "Clicks"],
        [["a", "2024-03-01 - 2024-03-31", 10, 1000, 10],
         ["b", "2024-03-31 - 2024-03-01", 10, 1000, 10]],
    )  # fmt: skip
    imported = import_exports([path], ImportOptions(mapping={"Period": "date"}))
    assert list(imported.frame["days"]) == [31]
    (rejection,) = imported.rejected
    assert rejection.line == 3 and rejection.reasons == ("bad_date",)
    assert "ends before it starts" in rejection.detail


def test_reporting_starts_and_ends_are_a_period(tmp_path):
    """A Meta export of an ad's totals: each row covers its own span (15 and 31 days), and a row
    whose end precedes its start is rejected with both dates named."""
    header = ["Campaign name", "Reporting starts", "Reporting ends", "Amount spent (USD)",
              "Impressions", "Link clicks"]  # fmt: skip
    rows = [["A", "2024-03-01", "2024-03-31", 100, 20000, 300],
            ["B", "2024-03-01", "2024-03-15", 50, 9000, 90],
            ["C", "2024-03-10", "2024-03-01", 50, 9000, 90]]  # fmt: skip
    imported = import_exports([write_csv(tmp_path / "m.csv", header, rows)], ImportOptions())
    assert list(imported.frame["days"]) == [31, 15]
    assert imported.files[0]["last_date"] == "2024-03-31"
    assert imported.files[0]["period_rows"] == 2
    (rejection,) = imported.rejected
    assert "'2024-03-01' is before the first '2024-03-10'" in rejection.detail


def test_a_day_column_beside_reporting_ends_stays_daily(tmp_path):
    """Meta's per-day breakdown ("Día") keeps "Fin del informe" beside it: that column is the
    report's end, not the row's, so it is not paired with the day."""
    header = [
        "Día",
        "Fin del informe",
        "Importe gastado (EUR)",
        "Impresiones",
        "Clics en el enlace",
    ]
    path = write_csv(tmp_path / "es.csv", header, [["2024-03-01", "2024-03-31", 10, 1000, 10]])
    plan = plan_columns(read_table(path), "auto", {})
    assert "date_end" not in plan.fields and plan.fields["date"] == "Día"


def test_without_dates_the_error_suggests_period(period_file, tmp_path):
    result = calibrate(str(period_file), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "no column for date" in result.output and "--period START..END" in result.output


def test_period_with_a_date_column_is_an_error(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["Date", "Spend", "Impressions", "Clicks"],
                     [["2024-03-01", 1, 100, 1]])  # fmt: skip
    result = calibrate(str(path), "--period", PERIOD, "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "--period is for files without dates" in result.output and "'Date'" in result.output


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [("2024-03-01..2024-03-31", date(2024, 3, 1), date(2024, 3, 31)),
     ("01.03.2024..31.03.2024", date(2024, 3, 1), date(2024, 3, 31)),
     ("3/1/2024..3/31/2024", date(2024, 3, 1), date(2024, 3, 31)),  # 31 can only be a day
     ("Mar 1..Mar 31, 2024", date(2024, 3, 1), date(2024, 3, 31))],
)  # fmt: skip
def test_period_option_reads_iso_and_the_exports_styles(text, first, last):
    assert read_period(text) == (first, last)


@pytest.mark.parametrize(
    ("text", "message"),
    [("2024-03-01", "joined by '..'"), ("2024-03-31..2024-03-01", "before the first"),
     ("1999-03-01..1999-03-31", "outside")],
)  # fmt: skip
def test_period_option_errors_name_the_option(text, message):
    with pytest.raises(ExportFileError, match="--period") as caught:
        read_period(text)
    assert message in str(caught.value)


def test_time_holdout_on_period_rows_is_an_error_naming_the_option(period_file, tmp_path):
    result = calibrate(str(period_file), "--period", PERIOD, "--holdout", "25%",
                       "--out", str(tmp_path / "out"))  # fmt: skip
    assert result.exit_code == 2
    assert "--holdout-by time: the rows are totals over periods" in result.output
    assert "use --holdout-by group" in result.output


def test_group_holdout_on_period_rows_scores_the_held_out_ads(period_file, tmp_path):
    """Whole ads held out, forecast from their platform's other ads: the rates are the same for
    every ad of a platform, so the forecast misses by little and its intervals hold."""
    out = tmp_path / "out"
    result = calibrate(str(period_file), "--period", PERIOD, "--group-by", "platform,ad",
                       "--holdout-by", "group", "--holdout", "25%", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    validation = json.loads((out / "calibration.json").read_text())["validation"]
    model = validation["model"]
    assert model["cells"] == 5 and model["unseen_cells"] == 5
    assert model["wape_clicks"] < 0.1 and model["coverage_clicks"] >= 0.8


def test_written_scenario_keeps_the_defaults_for_what_periods_cannot_show(period_file, tmp_path):
    """Without a plan: the calibrated rates, the period's length, and the schema's defaults for
    weekdays, noise and fatigue, each marked NOT CALIBRATED."""
    target = tmp_path / "s.yaml"
    result = calibrate(str(period_file), "--period", PERIOD, "--out", str(tmp_path / "out"),
                       "--write-scenario", str(target))  # fmt: skip
    assert result.exit_code == 0, result.output
    text = target.read_text()
    data = yaml.safe_load(text)
    assert data["campaign"]["days"] == 31 and str(data["campaign"]["start"]) == "2024-04-01"
    for platform in data["platforms"]:
        (tool,) = platform["tools"]
        assert tool["ctr"]["mean"] == pytest.approx(TRUE[platform["name"]][1], rel=0.05)
        assert tool["day_of_week"] == [1] * 7 and tool["noise"] == 0.1
        assert tool["fatigue"] == {"f0": 3, "phi": 0.1}
    assert text.count("NOT CALIBRATED: the rows are totals over periods") == 6


def test_plan_keeps_its_weekdays_noise_and_fatigue(period_file, tmp_path):
    plan = tmp_path / "plan.yaml"
    tool = {"type": "paid_ads", "name": "paid_ads", "budget_share": 1.0,
            "cpm": {"mean": 20, "sd": 4}, "ctr": {"mean": 0.01, "sd": 0.003},
            "join_rate": {"mean": 0.03, "sd": 0.01}, "cvr": {"mean": 0.04, "sd": 0.01},
            "day_of_week": [1.2, 1, 1, 1, 1, 0.9, 0.9], "noise": 0.3,
            "fatigue": {"f0": 2.5, "phi": 0.4}}  # fmt: skip
    plan.write_text(yaml.safe_dump({
        "campaign": {"name": "plan", "start": "2024-05-01", "days": 30, "budget": 5000},
        "platforms": [{"name": "meta", "audience": 500000, "tools": [tool]}],
    }))  # fmt: skip
    target = tmp_path / "s.yaml"
    result = calibrate(str(period_file), "--period", PERIOD, "--out", str(tmp_path / "out"),
                       "--write-scenario", str(target), "--plan", str(plan))  # fmt: skip
    assert result.exit_code == 0, result.output
    (written,) = yaml.safe_load(target.read_text())["platforms"][0]["tools"]
    assert written["cpm"]["mean"] == pytest.approx(TRUE["meta"][0], rel=0.05)
    assert written["cvr"]["mean"] == pytest.approx(TRUE["meta"][2], rel=0.1)
    assert written["day_of_week"] == tool["day_of_week"] and written["noise"] == 0.3
    assert written["fatigue"] == tool["fatigue"]
    assert "the plan's day_of_week, noise kept" in result.output
