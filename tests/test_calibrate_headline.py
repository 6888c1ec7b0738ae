"""`calibrate` opens with its answer: the rows fitted and kept aside (with their file), the arms,
the hold-out's verdict and the scenario written back, in the console and under fit.html's
title."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from smmsim.calibration.headline import calibration_headline
from smmsim.calibration.result import CalibrationResult
from smmsim.cli import main
from tests.exports import recovery_scenario, simulated_days, write_both
from tests.test_calibrate_cli import online_args

KIDS = Path(__file__).resolve().parents[1] / "scenarios" / "examples" / "kids-shop.yaml"


def calibrate(*args) -> str:
    done = CliRunner().invoke(main, ["calibrate", *map(str, args)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return done.output


def result_in(out: Path) -> CalibrationResult:
    return CalibrationResult.from_dict(json.loads((out / "calibration.json").read_text()))


def numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*\.?\d*", text)]


def page_headline(out: Path) -> list[str]:
    """The paragraphs of the box that comes first after fit.html's title (None if none does)."""
    page = (out / "fit.html").read_text(encoding="utf-8")
    after_title = page.split("</h1>", 1)[1].lstrip()
    box = re.match(r'<section class="headline">(.*?)</section>', after_title)
    assert box is not None, "the headline is not the first thing under the title"
    return [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", box.group(1))]


@pytest.fixture(scope="module")
def online(tmp_path_factory):
    out = tmp_path_factory.mktemp("online")
    written = out / "calibrated.yaml"
    printed = calibrate(*online_args(out), "--write-scenario", written)
    return out, written, printed


def test_the_console_and_the_page_open_with_the_same_answer(online):
    out, written, printed = online
    result = result_in(out)
    console = calibration_headline(
        result, rejected=str(out / "rejected.csv"), scenario=str(written)
    )
    assert printed.splitlines()[: len(console)] == console
    # The page sits beside rejected.csv, so it names the file alone; the rest is the same.
    page = page_headline(out)
    assert page == calibration_headline(result, scenario=str(written))
    assert page[1:] == console[1:]


def test_the_rows_and_arms_are_the_documents(online):
    out, _, printed = online
    result = result_in(out)
    rows = result.import_
    first = printed.splitlines()[0]
    assert first.startswith(f"Fitted {len(result.arms)} arms on adnetwork (by campaign, banner)")
    assert f"{rows.rows_used:,} of {rows.rows_read:,} rows" in first
    # What was kept aside is said with the file that lists it, and that file has every one.
    assert f"{rows.rows_rejected:,} kept aside" in first and str(out / "rejected.csv") in first
    listed = (out / "rejected.csv").read_text(encoding="utf-8").strip().splitlines()
    assert len(listed) - 1 == rows.rows_rejected


def test_the_hold_out_verdict_is_the_fits_own_scores(online):
    out, _, printed = online
    v = result_in(out).validation
    line = printed.splitlines()[1]
    assert f"{v.model.cells:,} arm-days" in line
    said = numbers(line.split("arm-days", 1)[1].replace("90%", ""))
    assert said == [
        round(100 * x)
        for x in (
            v.model.coverage_conversions,
            v.model.coverage_clicks,
            v.model.wape_conversions,
            v.baseline.wape_conversions,
            v.per_arm.wape_conversions,
        )
    ]


def test_the_scenario_it_names_is_the_one_written(online):
    _, written, printed = online
    assert written.exists()
    assert printed.splitlines()[2] == (
        f"Calibrated scenario written to {written}; next: smmsim run {written}"
    )


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> list[Path]:
    """meta.csv and google.csv of one simulated campaign (Google's with its total row)."""
    frame = simulated_days(recovery_scenario(), 1, seed=21)[0]
    return write_both(frame, tmp_path_factory.mktemp("exports"))


def test_arms_on_several_platforms_are_counted_per_platform(exports, tmp_path):
    printed = calibrate(*exports, "--group-by", "platform,campaign", "--out", tmp_path)
    result = result_in(tmp_path)
    per_platform = re.search(r"on 2 platforms \((.*?)\)", printed.splitlines()[0]).group(1)
    counts = dict(part.split(" ") for part in per_platform.split(", "))
    assert set(counts) == {arm.platform for arm in result.arms}
    assert sum(map(int, counts.values())) == len(result.arms)
    assert "of 2 files" in printed.splitlines()[0]


def test_clean_data_keep_nothing_aside(exports, tmp_path):
    meta = next(path for path in exports if path.name == "meta.csv")
    printed = calibrate(meta, "--group-by", "platform,campaign", "--out", tmp_path)
    rows = result_in(tmp_path).import_
    assert rows.rows_rejected == 0
    first = printed.splitlines()[0]
    assert first.endswith(f"from all {rows.rows_read:,} rows of {meta}.")
    assert "kept aside" not in first
    assert not any("written to" in line for line in printed.splitlines()[:3])


def test_without_a_hold_out_it_claims_no_accuracy(tmp_path):
    path = tmp_path / "one-day.csv"
    path.write_text("date,spend,impressions,clicks\n2026-10-01,5,1000,10\n")
    printed = calibrate(path, "--out", tmp_path / "out")
    line = printed.splitlines()[1]
    assert line.startswith("Not checked on a hold-out") and "%" not in line


def test_a_plan_that_cannot_take_the_calibration_leaves_the_fit_and_names_no_scenario(
    exports, tmp_path
):
    # The scenario is made before the outputs so the page can name it: when it cannot be made,
    # the fit's outputs are still written, and the page does not claim a file that is not there.
    files = exports
    out, target = tmp_path / "out", tmp_path / "x.yaml"
    done = CliRunner().invoke(
        main,
        ["calibrate", *map(str, files), "--out", str(out), "--write-scenario", str(target),
         "--plan", str(KIDS)],
    )  # fmt: skip
    assert done.exit_code == 2 and "none of its arms" in done.output
    assert not target.exists() and (out / "fit.html").exists()
    assert not any("written to" in line for line in page_headline(out))
