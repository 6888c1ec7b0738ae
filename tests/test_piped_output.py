"""Piped output keeps every figure. With stdout not a terminal (CliRunner here; a CI log or
`| less` in use) rich used to squeeze every table into 80 columns and cut numbers ('7,4…') and
names ('ab_tes…'). Now each table takes the width its content needs, so every line of every
cell of every table, rebuilt from the JSON document the same command wrote, appears whole in
the printed text; and in a terminal a cell too narrow folds instead of ending in '…'.

The plan has long platform and tool names, a long file name (compare's labels are file stems)
and a budget of hundreds of millions, so the cells are wider than 80 columns allow.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from rich.table import Table
from rich.text import Text

from smmsim.calibration import console as calibration_console
from smmsim.calibration.import_summary import ImportSummary
from smmsim.calibration.result import CalibrationResult
from smmsim.cli import main
from smmsim.scenarios.documents import ABSENT
from smmsim.simulator.consoles import comparison, optimiser, risk, run, sizing
from smmsim.simulator.consoles.terminal import PIPED_WIDTH, stdout_console
from smmsim.simulator.studies.comparison import ComparisonResult
from smmsim.simulator.studies.optimiser.document import OptimisationResult
from smmsim.simulator.studies.run import RunResult
from smmsim.simulator.studies.sizing.document import SizingResult
from smmsim.simulator.summary import Stats
from tests.helpers import minimal_scenario_data

EXAMPLES = Path(__file__).resolve().parents[1] / "calibration" / "examples"
AB_FILES = [EXAMPLES / "ab_test_control_group.csv", EXAMPLES / "ab_test_test_group.csv"]
LONG_NAMES = ("instagram_nordics_and_baltics_spring", "facebook_central_europe_spring_launch")
BUDGET = 987_654_321


def long_plan_data() -> dict:
    """Two platforms with long names, one paid-ads tool each with a long name, a budget of
    hundreds of millions, a KPI target and a test-then-scale strategy (its tables too)."""
    data = minimal_scenario_data()
    data["campaign"]["start"] = data["campaign"]["start"].isoformat()
    data["campaign"]["budget"] = BUDGET
    first = data["platforms"][0]
    first["audience"] = 300_000_000
    first["tools"][0]["budget_share"] = 0.5
    first["tools"][0]["name"] = "paid_ads_spring_collection_launch"
    second = copy.deepcopy(first)
    second["tools"][0]["cvr"] = {"mean": 0.015, "sd": 0.004}
    first["name"], second["name"] = LONG_NAMES
    data["platforms"].append(second)
    data["kpis"] = [{"target": "cpa <= 60"}, {"target": "conversions >= 1000000"}]
    data["strategy"] = {"type": "test-then-scale", "test": {"days": 10}}
    return data


@pytest.fixture(autouse=True)
def not_a_terminal(monkeypatch):
    """stdout as a pipe, whatever the environment says (rich reads these as 'a terminal')."""
    for name in ("TTY_COMPATIBLE", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "nordics_and_central_europe_spring_launch_plan.yaml"
    path.write_text(yaml.safe_dump(long_plan_data(), sort_keys=False), encoding="utf-8")
    return path


def piped(*args: object) -> str:
    """What a command prints with stdout not a terminal."""
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def cell_lines(tables: list[Table | None]) -> set[str]:
    """Every line of every header and cell, as plain text (markup such as a level's colour
    removed); the lines a narrow cell was meant to hold ('453\\n[187 - 847]') one by one."""
    lines = set()
    for table in filter(None, tables):
        for column in table.columns:
            for cell in (column.header, *column.cells):
                plain = Text.from_markup(cell).plain if isinstance(cell, str) else str(cell)
                lines |= {line.strip() for line in plain.splitlines() if line.strip()}
    return lines


def assert_whole(tables: list[Table | None], printed: str) -> None:
    cut = sorted(line for line in cell_lines(tables) if line not in printed)
    assert not cut, f"cut or wrapped in the piped output: {cut}"
    assert "…" not in printed


def test_run_prints_every_cell_of_every_table_whole(plan, tmp_path):
    printed = piped("run", plan, "--reps", 30, "--workers", 1, "--out", tmp_path)
    document = read(tmp_path / "result.json")
    result = RunResult.from_dict(document, simulation=None)
    months = {month: summary.total for month, summary in result.monthly.items()}
    tables = [
        run.totals_table(result),
        run.breakdown_table("", result.platforms, run.TABLE_KPIS, result.currency),
        run.tools_table(result),
        run.breakdown_table("", months, run.MONTHLY_KPIS, result.currency),
        run.targets_table(result),
        run.strategy_table(result.strategy, result.currency),
        run.decision_table(result.strategy),
        risk.simulated_table(result.risk, result.currency) if result.risk.simulated else None,
    ]
    assert_whole(tables, printed)
    # The figures a planner reads first, straight from the JSON: every tool's full name and the
    # campaign's spend in full (eleven characters, which 80 columns used to cut).
    for arm in document["arms"]:
        assert arm in printed
    assert run.fmt(document["totals"]["spend"]["mean"], "spend") in printed
    assert f"{BUDGET:,}"[:7] in printed


def test_compare_prints_every_label_and_difference_whole(plan, tmp_path):
    args = ("--strategy", "spread,test-then-scale", "--reps", 30, "--workers", 1)
    printed = piped("compare", plan, *args, "--out", tmp_path)
    result = ComparisonResult.from_dict(read(tmp_path / "comparison.json"))
    assert_whole(comparison.comparison_tables(result), printed)
    assert f"{plan.stem}:test-then-scale" in printed


def test_size_test_prints_the_sweep_and_each_recommendation_on_one_line(plan, tmp_path):
    args = ("--budgets", "0,5%,900", "--reps", 30, "--workers", 1)
    printed = piped("size-test", plan, *args, "--out", tmp_path)
    result = SizingResult.from_dict(read(tmp_path / "sizing.json"))
    assert_whole([sizing.sweep_table(result)], printed)
    # prose is not wrapped either: each recommendation is one line of the output
    lines = printed.splitlines()
    for line in sizing.recommendation_lines(result):
        assert line in lines


def test_optimise_prints_every_cell_whole(plan, tmp_path):
    args = ("--trials", 2, "--reps", 10, "--final-reps", 20, "--workers", 1, "--search", "policy")
    printed = piped("optimise", plan, *args, "--out", tmp_path)
    document = OptimisationResult.from_dict(read(tmp_path / "optimise.json"))
    tables = [
        optimiser.allocation_table(document),
        optimiser.plans_table(document),
        optimiser.differences_table(document),
    ]
    if document.best.tactics is not ABSENT and document.best.tactics:
        tables.append(optimiser.tactics_table(document.best))
    assert_whole(tables, printed)
    assert optimiser.summary_line(document) in printed.splitlines()


def test_calibrate_prints_the_file_names_and_estimates_whole(tmp_path):
    args = [*AB_FILES, "--platform", "facebook", "--group-by", "campaign", "--out", tmp_path]
    printed = piped("calibrate", *args)
    result = CalibrationResult.from_dict(read(tmp_path / "calibration.json"))
    summary = ImportSummary.from_dict(read(tmp_path / "import_summary.json"))
    tables = [
        calibration_console.import_table(summary),
        calibration_console.reasons_table(summary),
        calibration_console.estimates_table(result),
        calibration_console.validation_table(result),
    ]
    assert_whole(tables, printed)
    assert "ab_test_control_group.csv" in printed


def test_piped_the_console_has_room_for_any_table(capsys):
    # Under pytest stdout is no terminal: the console takes the content's width, not 80.
    console = stdout_console()
    assert not console.is_terminal and console.width == PIPED_WIDTH
    table = Table("tool", "spend")
    table.add_row("x" * 300, "987,654,321")
    console.print(table)
    printed = capsys.readouterr().out
    assert "x" * 300 in printed and "987,654,321" in printed
    assert max(len(line.rstrip()) for line in printed.splitlines()) < 400  # nothing padded


def test_in_a_narrow_terminal_a_number_folds_and_is_never_cut(monkeypatch, capsys):
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich's switch: treat stdout as a terminal
    monkeypatch.setenv("COLUMNS", "24")
    console = stdout_console()
    assert console.is_terminal and console.width == 24
    table = Table("tool", "spend")
    table.add_row("facebook_central_europe", "987,654,321,000")
    console.print(table)
    printed = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)
    assert "…" not in printed
    # read down the spend column: every digit is there, in order, over several lines
    characters = re.sub(r"[^0-9,]", "", printed)
    assert "987,654,321,000" in characters


def test_counts_print_whole_and_no_figure_reads_minus_zero():
    assert run.fmt(42.0, "conversions") == "42"  # not 42.00
    assert run.fmt(90.0, "learning_days") == "90"
    assert run.fmt(1234.4, "reach") == "1,234"
    assert run.fmt(3.29, "learning_entries") == "3.3"  # a mean of a few keeps its fraction
    assert run.fmt(69.04, "conversions") == "69"  # not 69.0
    assert run.fmt(0.04, "backlash_events") == "0.04"  # rare is not none
    assert run.fmt(-0.001, "spend") == "0"
    assert run.fmt(-0.0004, "cpa") == "0.00"
    assert run.fmt(-0.00001, "ctr") == "0.00%"
    assert run.fmt(-14.0, "n") == "-14"
    assert optimiser.number(-0.001, "money") == "0.00"
    assert optimiser.signed("0.00 [-0.20 - 0.20]") == "0.00 [-0.20 - 0.20]"  # no '+0.00'


def test_target_probabilities_are_headed_p_met(plan):
    printed = piped("run", plan, "--reps", 20, "--workers", 1)
    header = next(line for line in printed.splitlines() if "target" in line and "┃" in line)
    assert "P(met)" in header and "odds" not in printed


def test_an_expected_value_and_its_interval_share_the_rows_precision():
    """A CPA whose single campaigns reach 231 prints whole, its interval too: '52  49–55', not
    '52  49.40–55.05' (and one that stays below 100 keeps its cents in both)."""
    whole = Stats(mean=52.23, p5=22.7, p50=64.1, p95=231.0, ci_low=49.4, ci_high=55.05)
    cents = Stats(mean=27.68, p5=12.3, p50=25.1, p95=61.2, ci_low=26.9, ci_high=28.44)
    for stats, expected, interval in ((whole, "52", "49–55"), (cents, "27.68", "26.90–28.44")):
        values = (stats.mean, stats.p5, stats.p50, stats.p95, *run.interval_ends(stats))
        mean, *_, low, high = run.row_figures(values, "cpa")
        assert (mean, f"{low}–{high}") == (expected, interval)
