"""`smmsim size-test` as an agency uses it: what it refuses, what it writes, and that it records
its seed. The sizing model itself is tested in test_sizing.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from smmsim.cli import main
from tests.test_compare_cli import assert_clean_failure, two_platforms

REPS = 150


def plan_data(**strategy: Any) -> dict[str, Any]:
    data = two_platforms()
    data["strategy"] = {"type": "test-then-scale", "test": {"days": 10}, **strategy}
    return data


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def size_test(*args: object):
    return CliRunner().invoke(main, ["size-test", *map(str, args), "--workers", 1])


def test_it_writes_the_curves_and_records_the_seed(tmp_path):
    plan = write(tmp_path, plan_data())
    out = tmp_path / "out"
    result = size_test(plan, "--reps", REPS, "--budgets", "0,5%,900", "--seed", 5, "--out", out)
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in out.iterdir())
    assert written == ["plotly.min.js", "sizing.csv", "sizing.html", "sizing.json"]
    document = json.loads((out / "sizing.json").read_text())
    frame = pd.read_csv(out / "sizing.csv")
    budget = document["campaign_budget"]
    assert budget == 10_000  # so 5% is 500, swept between 0 and 900
    assert [p["test_budget"] for p in document["points"]] == [0.0, 500.0, 900.0]
    assert list(frame["test_budget"]) == [0.0, 500.0, 900.0]
    assert document["seed"] == 5 and set(frame["seed"]) == {5}
    assert "Most conversions" in result.output


def test_the_sweep_refines_to_the_asked_number_of_points(tmp_path):
    plan = write(tmp_path, plan_data())
    result = size_test(plan, "--reps", REPS, "--points", 7, "--format", "json")
    assert result.exit_code == 0, result.output
    points = json.loads(result.stdout)["points"]
    assert 4 <= len(points) <= 7  # four on the grid; the rest only while answers are unresolved
    assert points[0]["test_budget"] == 0.0
    assert any(p["refined"] for p in points) == (len(points) > 4)


def test_several_test_lengths_each_get_their_points_and_no_test_runs_once(tmp_path):
    """No test is the same campaign whatever the test's length: it is listed once."""
    plan = write(tmp_path, plan_data())
    result = size_test(
        plan, "--reps", REPS, "--budgets", "0,600", "--durations", "7,14", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [(p["test_days"], p["test_budget"]) for p in document["points"]] == [
        (7, 0.0),
        (7, 600.0),
        (14, 600.0),
    ]
    assert set(document["oracle"]) == {"7", "14"}


def test_a_small_adaptive_sweep_still_spans_no_test_to_the_ceiling(tmp_path):
    plan = write(tmp_path, plan_data())
    result = size_test(plan, "--reps", REPS, "--points", 3, "--format", "json")
    assert result.exit_code == 0, result.output
    budgets = [p["test_budget"] for p in json.loads(result.stdout)["points"]]
    assert budgets[0] == 0 and budgets[-1] == 5000  # half the campaign budget: no monthly caps
    assert len(budgets) == 3


def test_another_strategy_type_sizes_the_files_test_then_scale_settings(tmp_path):
    """A fixed or spread plan still has (default) test settings: they are what is sized, and
    the switch is said on stderr."""
    plan = write(tmp_path, two_platforms())  # strategy: spread, test of 10 days
    result = size_test(plan, "--reps", REPS, "--budgets", "0,500", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "strategy.type is 'spread'; sizing its test-then-scale settings" in result.stderr
    assert {p["test_days"] for p in json.loads(result.stdout)["points"]} == {10}


def test_a_plan_lacking_what_test_then_scale_needs_names_it(tmp_path):
    data = two_platforms()
    data["kpis"] = []  # no CPA target for the probability rule to judge arms by
    result = size_test(write(tmp_path, data), "--reps", REPS)
    assert_clean_failure(result, 2)
    assert "strategy.decision.target_cpa" in result.stderr


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--budgets", "500,lots", "'lots' is not a number or a percentage"),
        ("--budgets", "-5", "'-5': a test budget is a finite amount of at least 0"),
        ("--durations", "14,two", "'two': a test length is a whole number of days"),
        ("--target-pcs", "0.4", "0.4 is not in the range 0.5<x<1"),
    ],
)
def test_a_bad_option_names_the_option_and_the_value(tmp_path, option, value, message):
    plan = write(tmp_path, plan_data())
    result = size_test(plan, option, value)
    assert_clean_failure(result, 2)
    assert message in result.stderr


def test_a_test_length_past_the_campaign_names_the_rule(tmp_path):
    plan = write(tmp_path, plan_data())
    result = size_test(plan, "--reps", REPS, "--budgets", "500", "--durations", "200")
    assert_clean_failure(result, 2)
    assert "strategy.test.days" in result.stderr and "must end before the campaign" in result.stderr
