"""Absurd values (issue 18 item 6) and view-through conversions (item 7): each rule on a crafted
file, end to end through `smmsim calibrate`, plus the bundled online export."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from smmsim.calibration.plausible import date_problems, number_problems
from smmsim.cli import main
from tests.test_calibrate_cli import online_args

HEADER = "date,spend,impressions,clicks,conversions"


def good_rows(days: int = 12) -> list[str]:
    return [
        f"2026-10-{d:02d},{50 + d},{10000 + 400 * d},{120 + d},{5 + d % 3}"
        for d in range(1, days + 1)
    ]


def run(tmp_path: Path, rows: list[str], *args: str) -> tuple[object, Path]:
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["calibrate", str(path), "--out", str(out), *args], catch_exceptions=False
    )
    return result, out


def rejected(out: Path) -> list[dict]:
    with open(out / "rejected.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def summary(out: Path) -> dict:
    return json.loads((out / "import_summary.json").read_text(encoding="utf-8"))


def test_a_row_of_1e308_is_rejected_and_the_rest_calibrates(tmp_path):
    # 1e308 is a finite float, but two of them summed (or times a price) overflow to inf.
    result, out = run(tmp_path, [*good_rows(), "2026-10-13,1e308,1e308,1e308,1e308"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    for name in ("calibration.json", "import_summary.json", "rejected.csv", "fit.html"):
        assert (out / name).is_file()
    [row] = rejected(out)
    assert row["line"] == "14" and row["reasons"].split(";") == ["implausible_value"] * 4
    assert summary(out)["rows_used"] == 12


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31"])
def test_dates_outside_the_sane_window_are_rejected_with_the_reason(tmp_path, day):
    result, out = run(tmp_path, [*good_rows(), f"{day},10,1000,10,1"])
    assert result.exit_code == 0, result.output
    [row] = rejected(out)
    assert row["reasons"] == "date_out_of_range" and day in row["detail"]


def test_a_5000_digit_cell_is_rejected_as_not_finite(tmp_path):
    result, out = run(tmp_path, [*good_rows(), f"2026-10-13,{'9' * 5000},1000,10,1"])
    assert result.exit_code == 0, result.output
    [row] = rejected(out)
    assert row["reasons"] == "not_finite"
    assert "(5000 characters)" in row["detail"]  # the cell is shortened in the words
    assert summary(out)["rejected_by_reason"] == {"not_finite": 1}


def test_fractional_counts_are_rejected_and_fractional_spend_is_not(tmp_path):
    rows = [*good_rows(), "2026-10-13,7559.18,7559.18,10,1", "2026-10-14,12.5,1000,10.5,1"]
    result, out = run(tmp_path, rows)
    assert result.exit_code == 0, result.output
    assert [r["reasons"] for r in rejected(out)] == ["fractional_count", "fractional_count"]
    assert "impressions: '7559.18' is not a whole count" in rejected(out)[0]["detail"]


def test_counts_beyond_any_ad_volume_are_rejected(tmp_path):
    rows = [*good_rows(), "2026-10-13,10,200000000000,10,1", "2026-10-14,2e12,1000,10,1"]
    result, out = run(tmp_path, rows)
    assert result.exit_code == 0, result.output
    assert summary(out)["rejected_by_reason"] == {"implausible_value": 2}


def test_the_rules_cell_by_cell():
    assert number_problems("clicks", 12.0, "12") == ()
    assert number_problems("spend", 1e9, "1e9") == ()  # a large spend in a weak currency
    assert number_problems("spend", 0.5, "0.5") == ()
    assert number_problems("frequency", 1.7, "1.7") == ()  # a ratio, not a count
    assert number_problems("clicks", float("inf"), "1e999")[0][0] == "not_finite"
    assert number_problems("conversions", 2.5, "2.5")[0][0] == "fractional_count"
    today = date(2026, 12, 6)
    assert date_problems(date(2000, 1, 1), today) == ()
    assert date_problems(date(2027, 12, 7), today) == ()
    assert date_problems(date(2027, 12, 8), today)[0][0] == "date_out_of_range"


# 100 clicks a day; on 3 October 120 conversions (view-through ones counted too)
VIEW_THROUGH = [
    f"2026-10-{d:02d},{50 + d},{10000 + 400 * d},100,{120 if d == 3 else 5}" for d in range(1, 13)
]


def test_view_through_rows_are_kept_counted_and_capped_for_the_rate(tmp_path):
    result, out = run(tmp_path, VIEW_THROUGH, "--holdout", "0")
    assert result.exit_code == 0, result.output
    assert "1 row with more conversions than clicks kept (view-through" in result.output
    assert summary(out)["view_through_kept"] == 1 and summary(out)["rows_rejected"] == 0
    document = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    assert document["import"]["view_through_kept"] == 1
    # Observed: the data's conversions over clicks; fitted: the day with 120 conversions on 100
    # clicks counts as 100 (no per-click probability exceeds 1).
    cvr = document["arms"][0]["cvr"]
    assert cvr["observed"] == pytest.approx((11 * 5 + 120) / 1200)
    capped = [r.replace(",100,120", ",100,100") for r in VIEW_THROUGH]
    _, same = run(tmp_path / "capped", capped, "--holdout", "0")
    fitted = json.loads((same / "calibration.json").read_text(encoding="utf-8"))
    expected = fitted["arms"][0]["cvr"]
    assert [cvr[k] for k in ("mean", "p5", "p95")] == [expected[k] for k in ("mean", "p5", "p95")]
    assert cvr["p95"] <= 1
    assert 0 < cvr["p5"] <= cvr["p95"] <= 1


def test_view_through_reject_keeps_the_old_rule(tmp_path):
    result, out = run(tmp_path, VIEW_THROUGH, "--holdout", "0", "--view-through", "reject")
    assert result.exit_code == 0, result.output
    assert "view-through" not in result.output
    [row] = rejected(out)
    assert row["reasons"] == "conversions_above_clicks" and row["line"] == "4"
    assert summary(out)["view_through_kept"] == 0


def test_online_export_keeps_its_view_through_rows_by_default(tmp_path):
    args = online_args(tmp_path)
    at = args.index("--view-through")
    del args[at : at + 2]
    result = CliRunner().invoke(main, ["calibrate", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    found = summary(tmp_path)
    assert (found["rows_used"], found["view_through_kept"]) == (15401, 328)
    assert found["rejected_by_reason"] == {"clicks_above_impressions": 2}
    assert "328 rows with more conversions than clicks kept" in result.output
