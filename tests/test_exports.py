"""Exports planners open: CSVs rounded to each number's meaning and written in the reader's
locale, an Excel workbook with a sheet per table, Parquet at full precision."""

from __future__ import annotations

import io
import json
import math

import openpyxl
import pandas as pd
import pytest

from smmsim.scenarios.exports import Exports, table_csv, workbook_bytes
from smmsim.scenarios.files import csv_table, frame_csv
from smmsim.scenarios.rounding import RULES, kind_of, round_frame
from smmsim.simulator.reports.track_files import REJECTED_HEADER, rejected_frame
from smmsim.simulator.studies.run import RunResult
from tests.helpers import minimal_scenario_data
from tests.test_comparison_report import invoke, write_plan

TABLES = ("summary", "monthly", "daily", "reputation", "strategy")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One plan run twice with the same seed: default CSVs plus the workbook and Parquet, and
    decimal-comma CSVs."""
    root = tmp_path_factory.mktemp("exports")
    plan = write_plan(root, minimal_scenario_data())
    en, de = root / "en", root / "de"
    for out, extra in ((en, ["--export", "xlsx,parquet"]), (de, ["--csv-locale", "de"])):
        result = invoke("run", plan, "--reps", 20, "--seed", 3, "--out", out, *extra)
        assert result.exit_code == 0, result.output
    return plan, en, de


# --- the rounding table -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "rounded"),
    [
        ("money", 19999.99793965585, 20000.0),  # the issue's own example: cents
        ("money", 26.557981259981187, 26.56),
        ("count", 1.031, 1.03),  # a mean of counts keeps its fraction
        ("rate", 0.0123456, 0.01235),  # 4 significant digits, however small
        ("rate", 1.87349, 1.873),
        ("probability", 0.762856302046565, 0.7629),
        ("value", 123.456789, 123.457),
    ],
)
def test_each_kind_rounds_by_its_rule(kind, value, rounded):
    assert RULES[kind].apply(value) == rounded
    assert abs(RULES[kind].apply(value) - value) <= RULES[kind].bound(value)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("spend", "money"),
        ("cpa_p95", "money"),  # a statistic's suffix is not part of the name
        ("cpa <= 30", "money"),  # a track target: its metric
        ("share.instagram", "rate"),  # an optimiser parameter
        ("correct_selection_p5", "probability"),
        ("impressions", "count"),
        ("seed_of_something", None),
    ],
)
def test_names_say_their_kind(name, kind):
    assert kind_of(name) == kind


def test_a_long_table_rounds_each_row_by_its_metric():
    frame = pd.DataFrame(
        {
            "metric": ["spend", "ctr", "conversions"],
            "unit": ["EUR", "share", "count"],
            "mean": [11999.998089481789, 0.0123456789, 451.8415],
        }
    )
    assert list(round_frame(frame)["mean"]) == [12000.0, 0.01235, 451.84]


def test_whole_counts_are_written_as_whole_numbers():
    frame = pd.DataFrame({"clicks": [118.0, None, 42.0], "spend": [1.0, 2.0, 3.0]})
    rounded = round_frame(frame)
    assert str(rounded["clicks"].dtype) == "Int64"  # "118", not "118.0"
    assert frame_csv(rounded).splitlines()[1] == "118,1.0"
    assert rounded["spend"].dtype == float  # money stays money: 1.0, not 1


def test_text_and_whole_numbers_are_written_as_before():
    """A table with no fractions (rejected rows) is byte for byte what the old writer wrote."""
    rows = [
        ["a.csv", 12, "negative;total_row", "clicks -1", '=HYPERLINK("x"),1'],
        ["b.csv", 3, "after_as_of", "2027-04-01 is after", "1,2,3"],
    ]
    assert table_csv(rejected_frame(rows)) == csv_table(list(REJECTED_HEADER), rows)


# --- the files a run writes ---------------------------------------------------------------------


def test_decimal_comma_csvs_read_back_to_the_default_numbers(runs):
    _, en, de = runs
    for name in TABLES:
        text = (de / f"{name}.csv").read_text()
        assert text.splitlines()[0].count(";") >= 2, name  # semicolons separate the cells
        comma = pd.read_csv(de / f"{name}.csv", sep=";", decimal=",")
        point = pd.read_csv(en / f"{name}.csv")
        pd.testing.assert_frame_equal(comma, point, check_dtype=False)


def test_default_csvs_are_the_full_figures_within_the_rounding(runs):
    """summary.csv against result.json: every figure within its kind's rounding bound, and
    spend (money) printed with at most two decimals."""
    _, en, _ = runs
    document = RunResult.from_dict(json.loads((en / "result.json").read_text()))
    full = document.to_frame()
    written = pd.read_csv(en / "summary.csv")
    assert len(written) == len(full)
    for column in ("mean", "p5", "p95"):
        for metric, exact, shown in zip(full["metric"], full[column], written[column], strict=True):
            if exact is None or (isinstance(exact, float) and math.isnan(exact)):
                continue
            rule = RULES[kind_of(metric) or "value"]
            assert abs(shown - exact) <= rule.bound(exact) * (1 + 1e-9), (metric, column)
    spend = (en / "summary.csv").read_text().splitlines()[1].split(",")[4]
    assert len(spend.partition(".")[2]) <= 2


def test_the_workbook_has_a_sheet_per_table_with_numbers_as_numbers(runs):
    _, en, _ = runs
    book = openpyxl.load_workbook(en / "tables.xlsx")
    assert book.sheetnames == list(TABLES)
    sheet = book["summary"]
    header = [c.value for c in sheet[1]]
    assert header == list(pd.read_csv(en / "summary.csv").columns)
    assert all(c.font.b for c in sheet[1]) and sheet.freeze_panes == "A2"
    written = pd.read_csv(en / "summary.csv")
    mean = header.index("mean")
    for row, expected in zip(sheet.iter_rows(min_row=2), written["mean"], strict=True):
        assert row[mean].data_type == "n" and row[mean].value == pytest.approx(expected)
    assert sheet.max_row == len(written) + 1


def test_workbook_text_that_looks_like_a_formula_stays_text():
    frame = pd.DataFrame({"=name": ['=HYPERLINK("http://evil")'], "spend": [1.234]})
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes({"t.csv": frame})))["t"]
    assert [c.data_type for c in sheet[1]] == ["s", "s"]
    assert [c.data_type for c in sheet[2]] == ["s", "n"]
    assert sheet["A2"].value == '=HYPERLINK("http://evil")' and sheet["B2"].value == 1.23


def test_workbook_holds_text_with_control_characters():
    """A rejected row of a broken export can carry bytes a workbook refuses (openpyxl raises):
    each is shown as a replacement character and the rest of the row kept."""
    frame = pd.DataFrame({"row": ["a\x00b\x1bc"], "line": [7]})
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes({"rejected.csv": frame})))["rejected"]
    assert sheet["A2"].value == "a\ufffdb\ufffdc" and sheet["B2"].value == 7


def test_parquet_keeps_the_json_full_precision(runs):
    _, en, _ = runs
    document = RunResult.from_dict(json.loads((en / "result.json").read_text()))
    stored = pd.read_parquet(en / "summary.parquet").drop(columns="seed")
    pd.testing.assert_frame_equal(stored, document.to_frame(), check_dtype=False)
    assert (stored["mean"] != round_frame(stored)["mean"]).any()  # not the rounded figures


def test_a_rerun_without_export_removes_the_old_workbook(runs, tmp_path):
    plan, _, _ = runs
    out = tmp_path / "out"
    first = invoke("run", plan, "--reps", 20, "--out", out, "--export", "xlsx,parquet")
    assert (out / "tables.xlsx").exists() and (out / "daily.parquet").exists()
    assert "report.html plotly.min.js tables.xlsx summary.parquet monthly.parquet" in first.output
    (out / "notes.txt").write_text("mine")
    result = invoke("run", plan, "--reps", 20, "--out", out)
    assert result.exit_code == 0, result.output
    assert not (out / "tables.xlsx").exists() and not (out / "daily.parquet").exists()
    assert (out / "notes.txt").read_text() == "mine"  # not an output: carried over


def test_an_unknown_format_or_locale_is_a_usage_error(runs, tmp_path):
    plan, _, _ = runs
    for option in (["--export", "xls"], ["--csv-locale", "xx"]):
        result = invoke("run", plan, "--reps", 20, "--out", tmp_path / "o", *option)
        assert result.exit_code == 2, result.output
        assert not (tmp_path / "o").exists()


def test_exports_refuses_an_unknown_locale_in_the_api():
    with pytest.raises(Exception, match="unknown locale"):
        Exports(csv_locale="xx")
