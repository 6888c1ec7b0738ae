"""Issue 18 item 4: dates with month names and no year, --holdout-after in the data's own date
style, a hint when every row fails on its date, and numeric ID columns as grouping columns."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from smmsim.calibration.cells import CellError, DateStyle, parse_date
from smmsim.calibration.columns import parse_mapping
from smmsim.calibration.holdout_date import read_holdout_date
from smmsim.calibration.importer import ImportOptions, import_file
from smmsim.calibration.reading import ExportFileError
from smmsim.cli import main

ONLINE = Path(__file__).parents[1] / "calibration/examples/online_advertising_performance_data.csv"
DMY, MDY = DateStyle("dmy", ""), DateStyle("mdy", "")


def write_daily(folder: Path, dates: list[str], extra: dict[str, list[str]] | None = None) -> Path:
    """A daily export with one row per date (and the `extra` columns), its counts consistent."""
    extra = extra or {}
    header = ["date", *extra, "spend", "impressions", "clicks", "conversions"]
    lines = [",".join(header)]
    for i, day in enumerate(dates):
        cells = [f'"{day}"', *(values[i] for values in extra.values())]
        lines.append(",".join([*cells, f"{10 + i}.5", str(1000 + 10 * i), str(20 + i), "1"]))
    path = folder / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "cell",
    ["Sat, Oct 11", "Oct 11", "11 Oct", "October 11", "oct. 11", "Saturday, 11 October", "11-Oct"],
)
def test_month_name_dates_without_a_year_take_the_year_option(cell):
    assert parse_date(cell, DMY, 2014) == date(2014, 10, 11)
    # a month name needs no day/month order: the other order reads it the same
    assert parse_date(cell, MDY, 2014) == date(2014, 10, 11)


@pytest.mark.parametrize(
    "cell",
    ["11 October 2014", "October 11, 2014", "Sat, 11 Oct 2014", "11 октября 2014", "11. Okt. 2014"],
)
def test_a_written_year_wins_over_the_year_option(cell):
    assert parse_date(cell, DMY, 2020) == date(2014, 10, 11)


@pytest.mark.parametrize(
    "cell", ["11 жовтня", "11. Oktober", "11 oct.", "11 octubre", "Сб, 11 окт", "11 Октябрь"]
)
def test_month_names_in_the_languages_of_the_layouts(cell):
    assert parse_date(cell, DMY, 2014) == date(2014, 10, 11)


def test_a_month_name_date_without_a_year_and_no_option_says_to_give_it():
    with pytest.raises(CellError, match="has no year; give it with --year"):
        parse_date("Oct 11", DMY)


def test_an_impossible_month_name_date_is_not_a_valid_date():
    with pytest.raises(CellError, match="not a valid date"):
        parse_date("Feb 30", DMY, 2014)


def test_a_file_of_weekday_month_day_dates_imports_with_year(tmp_path):
    days = ["Fri, Oct 10", "Sat, Oct 11", "Sun, Oct 12"]
    path = write_daily(tmp_path, days)
    done = import_file(path, ImportOptions(year=2014))
    assert done.summary["rows_used"] == 3
    assert [r["date"] for r in done.rows] == [date(2014, 10, d) for d in (10, 11, 12)]
    without = import_file(path, ImportOptions())
    assert without.summary["rejected_by_reason"] == {"bad_date": 3}
    assert "give it with --year" in without.rejected[0].detail
    assert without.summary["date_hint"] == "the dates have no year; give it with --year YEAR"


def test_weekday_month_day_dates_calibrate_and_hold_out_in_their_own_style(tmp_path):
    days = [date(2014, 10, d).strftime("%a, %b %d") for d in range(1, 11)]
    path = write_daily(tmp_path, days)
    out = tmp_path / "out"
    args = ["calibrate", str(path), "--year", "2014", "--holdout-after", "Oct 8"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads((out / "calibration.json").read_text())
    assert document["period"] == {"first_date": "2014-10-01", "last_date": "2014-10-10"}
    assert document["validation"]["holdout"] == "dates after 2014-10-08"


@pytest.mark.parametrize(
    ("text", "order", "year", "expected"),
    [
        ("2014-10-11", "mdy", None, date(2014, 10, 11)),
        ("11.10.2014", "dmy", None, date(2014, 10, 11)),
        ("10/11/2014", "mdy", None, date(2014, 10, 11)),
        ("10/11/2014", "dmy", None, date(2014, 11, 10)),
        ("Oct 11", "dmy", 2014, date(2014, 10, 11)),
        ("11 October 2014", "mdy", None, date(2014, 10, 11)),
    ],
)
def test_holdout_after_reads_the_files_date_style(text, order, year, expected):
    assert read_holdout_date(text, [{"date_order": order}], year) == expected


def test_holdout_after_ambiguous_between_files_of_both_orders_is_an_error():
    files = [{"date_order": "dmy"}, {"date_order": "mdy"}]
    with pytest.raises(ExportFileError, match=r"DD\.MM\.YYYY / DD/MM/YYYY or MM/DD/YYYY"):
        read_holdout_date("10/11/2014", files, None)
    assert read_holdout_date("13/11/2014", files[:1], None) == date(2014, 11, 13)


def test_holdout_after_that_does_not_read_names_the_styles_tried():
    with pytest.raises(ExportFileError) as caught:
        read_holdout_date("Oct 11", [{"date_order": "dmy"}], None)
    message = str(caught.value)
    for style in ("YYYY-MM-DD", "DD.MM.YYYY", "month name"):
        assert style in message


def test_holdout_after_in_the_data_style_from_the_cli(tmp_path):
    days = [f"{d}.10.2014" for d in range(1, 11)]
    path = write_daily(tmp_path, days)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["calibrate", str(path), "--holdout-after", "07.10.2014", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    validation = json.loads((out / "calibration.json").read_text())["validation"]
    assert validation["holdout"] == "dates after 2014-10-07"
    assert validation["test_rows"] == 3


def test_holdout_after_unreadable_exits_non_zero_without_traceback(tmp_path):
    path = write_daily(tmp_path, [f"2014-10-{d:02d}" for d in range(1, 11)])
    result = CliRunner().invoke(
        main, ["calibrate", str(path), "--holdout-after", "someday", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "--holdout-after 'someday'" in result.output


def test_every_row_failing_on_its_date_suggests_the_month_day_mapping(tmp_path):
    result = CliRunner().invoke(main, ["calibrate", str(ONLINE), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "try --map month=month --map day=day --year YEAR" in result.output
    summary = json.loads((tmp_path / "o" / "import_summary.json").read_text())
    assert summary["per_file"][0]["date_hint"].startswith("the dates look split")
    done = import_file(ONLINE, ImportOptions())
    assert done.summary["rows_used"] == 0
    assert done.summary["date_hint"] == (
        "the dates look split: 'month' holds months, 'day' days; "
        "try --map month=month --map day=day --year YEAR (no column holds the year)"
    )


def test_the_suggested_mapping_reads_the_bundled_export():
    mapping = parse_mapping(("month=month", "day=day"))
    done = import_file(ONLINE, ImportOptions(mapping=mapping, year=2020))
    assert done.summary["rows_used"] > 15000
    assert "date_hint" not in done.summary


def test_the_hint_names_a_year_column_when_there_is_one(tmp_path):
    path = tmp_path / "split.csv"
    rows = [f"Oct,{d},2014,10.5,1000,20" for d in range(1, 4)]
    path.write_text("Monat,Tag,Jahr,spend,impressions,clicks\n" + "\n".join(rows) + "\n")
    options = ImportOptions(fmt="generic", mapping=parse_mapping(("Tag=date",)))
    done = import_file(path, options)
    assert done.summary["date_hint"].endswith("--map Monat=month --map Tag=day --map Jahr=year")


def test_a_cli_stop_on_dates_prints_the_hint(tmp_path):
    path = write_daily(tmp_path, ["3", "4", "5"], {"month": ["May", "May", "May"]})
    with path.open("a") as f:
        f.write("Total,,33.5,3030,63,3\n")  # a total row is rejected as such, yet the hint stays
    result = CliRunner().invoke(main, ["calibrate", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "--map month=month --map date=day --year YEAR" in result.output
    assert "Traceback" not in result.output


def ids_file(folder: Path) -> Path:
    path = folder / "ids.csv"
    rows = [
        "date,campaign_id,fb_campaign_id,interest,spend,impressions,clicks,conversions",
        *(
            f"2014-10-0{d},{c},{f},{i},{10 + d}.5,{1000 + d},{20 + d},1"
            for d in range(1, 5)
            for c, f, i in ((916, 103916, 15), (936, 103940, 16))
        ),
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_numeric_id_columns_group_arms(tmp_path):
    out = tmp_path / "out"
    args = ["calibrate", str(ids_file(tmp_path)), "--group-by", "campaign_id,interest"]
    result = CliRunner().invoke(main, [*args, "--holdout", "0", "--out", str(out)])
    assert result.exit_code == 0, result.output
    arms = json.loads((out / "calibration.json").read_text())["arms"]
    assert sorted(a["arm"] for a in arms) == ["ids/916/15", "ids/936/16"]


def test_a_numeric_id_column_mapped_to_campaign_groups_arms(tmp_path):
    out = tmp_path / "out"
    args = ["calibrate", str(ids_file(tmp_path)), "--map", "fb_campaign_id=campaign"]
    result = CliRunner().invoke(
        main, [*args, "--group-by", "campaign", "--holdout", "0", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    arms = json.loads((out / "calibration.json").read_text())["arms"]
    assert sorted(a["arm"] for a in arms) == ["ids/103916", "ids/103940"]


def test_two_columns_mapped_to_campaign_suggest_group_by():
    with pytest.raises(ExportFileError, match="--group-by campaign_id,fb_campaign_id"):
        parse_mapping(("campaign_id=campaign", "fb_campaign_id=campaign"))
