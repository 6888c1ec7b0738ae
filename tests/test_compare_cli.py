"""`smmsim compare` as a planner uses it: the errors it prints, and its paired differences.

Scenarios are small (two platforms, 60 days) and run with few replications so the tests are fast.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from smmsim.cli import main
from smmsim.scenarios.strategy_schema import STRATEGIES
from tests.helpers import minimal_scenario_data

REPS = 200
CHOICES = "choose from fixed, spread, best-guess, test-then-scale, adaptive, oracle"


def two_platforms() -> dict[str, Any]:
    """Two platforms of one paid-ads tool each, at half the budget, and a CPA target for the
    test-then-scale decision."""
    data = minimal_scenario_data()
    data["campaign"]["start"] = data["campaign"]["start"].isoformat()
    first = data["platforms"][0]
    first["tools"][0]["budget_share"] = 0.5
    second = copy.deepcopy(first)
    second.update(name="instagram", audience=400000)
    second["tools"][0]["cpm"] = {"mean": 9, "sd": 2}
    data["platforms"].append(second)
    data["kpis"] = [{"target": "cpa <= 60"}]
    data["strategy"] = {"type": "spread", "test": {"days": 10}}
    return data


def write(path: Path, data: dict[str, Any] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data or two_platforms(), sort_keys=False), encoding="utf-8")
    return path


def compare(*args: object):
    return CliRunner().invoke(main, ["compare", *map(str, args)])


def compare_json(*args: object) -> dict[str, Any]:
    result = compare(*args, "--reps", REPS, "--workers", 1, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_clean_failure(result, exit_code: int) -> None:
    """A non-zero exit with lines on stderr: no traceback, nothing simulated on stdout."""
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stdout == ""


# --- the --strategy list -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            "spread,tets-then-scale",
            f"unknown strategy 'tets-then-scale' (did you mean 'test-then-scale'?); {CHOICES}",
        ),
        ("fixd", f"unknown strategy 'fixd' (did you mean 'fixed'?); {CHOICES}"),
        ("bandit", f"unknown strategy 'bandit'; {CHOICES}"),
        ("spread,oracle,spread", "strategy 'spread' is listed twice"),
        (" , ", f"no strategy given; {CHOICES}"),
    ],
)
def test_a_bad_strategy_list_is_a_usage_error(tmp_path, given, message):
    result = compare(write(tmp_path / "plan.yaml"), "--strategy", given, "--reps", 10)
    assert_clean_failure(result, 2)
    assert f"Invalid value for '--strategy': {message}" in result.stderr


def test_spaces_around_strategy_names_are_ignored(tmp_path):
    document = compare_json(write(tmp_path / "plan.yaml"), "--strategy", " spread , oracle ")
    assert [c["label"] for c in document["combinations"]] == ["plan:spread", "plan:oracle"]


# --- the --baseline ------------------------------------------------------------------------------


def test_an_unknown_baseline_lists_the_combinations(tmp_path):
    plan = write(tmp_path / "plan.yaml")
    result = compare(plan, "--strategy", "spread,oracle", "--baseline", "plan:fixed", "--reps", 10)
    assert_clean_failure(result, 1)
    assert result.stderr == (
        "--baseline: no combination 'plan:fixed'; the combinations are plan:spread, plan:oracle\n"
    )


@pytest.mark.parametrize(
    ("given", "hint"),
    [
        ("oracle", " (did you mean 'plan:oracle'?)"),  # the strategy alone
        ("plan:oracel", " (did you mean 'plan:oracle'?)"),
        ("plna:spread", " (did you mean 'plan:spread'?)"),
        ("plan", ""),  # the stem alone names two combinations
    ],
)
def test_an_unknown_baseline_suggests_the_label_meant(tmp_path, given, hint):
    plan = write(tmp_path / "plan.yaml")
    result = compare(plan, "--strategy", "spread,oracle", "--baseline", given, "--reps", 10)
    assert_clean_failure(result, 1)
    assert result.stderr == (
        f"--baseline: no combination {given!r}{hint}; the combinations are plan:spread, "
        "plan:oracle\n"
    )


def test_a_baseline_naming_the_only_scenario_suggests_its_combination(tmp_path):
    north, south = write(tmp_path / "north.yaml"), write(tmp_path / "south.yaml")
    result = compare(north, south, "--strategy", "oracle", "--baseline", "south", "--reps", 10)
    assert_clean_failure(result, 1)
    assert result.stderr == (
        "--baseline: no combination 'south' (did you mean 'south:oracle'?); the combinations "
        "are north:oracle, south:oracle\n"
    )


# --- invalid scenario files ----------------------------------------------------------------------


def test_an_invalid_file_among_several_is_named(tmp_path):
    bad = two_platforms()
    bad["campaign"]["budgt"] = bad["campaign"].pop("budget")
    good, broken = write(tmp_path / "good.yaml"), write(tmp_path / "broken.yaml", bad)
    result = compare(good, broken, "--reps", 10)
    assert_clean_failure(result, 2)
    assert result.stderr.splitlines() == [
        f"{broken}: campaign.budget: required key is missing",
        f"{broken}: campaign.budgt: unknown key (did you mean 'budget'?)",
    ]


def test_every_invalid_file_is_reported_at_once(tmp_path):
    bad = two_platforms()
    bad["strategy"]["test"] = {"dayz": 3}
    first = write(tmp_path / "a" / "first.yaml", bad)
    good = write(tmp_path / "good.yaml")
    missing = tmp_path / "nowhere.yaml"
    result = compare(first, good, missing, "--reps", 10)
    assert_clean_failure(result, 2)
    assert result.stderr.splitlines() == [
        f"{first}: strategy.test.dayz: unknown key (did you mean 'days'?)",
        f"{missing}: no such file",
    ]


def test_a_strategy_the_file_cannot_run_is_named_with_the_file(tmp_path):
    data = two_platforms()
    del data["kpis"]
    for platform in data["platforms"]:
        del platform["tools"][0]["budget_share"]
    plan = write(tmp_path / "plan.yaml", data)
    result = compare(plan, "--strategy", "spread,fixed", "--reps", 10)
    assert_clean_failure(result, 2)
    assert result.stderr.splitlines() == [
        f"{plan} (with strategy fixed): platforms[{i}].tools[0]: strategy 'fixed' needs "
        "budget_share or daily_budget on every tool"
        for i in (0, 1)
    ]


# --- the JSON document ---------------------------------------------------------------------------

COMPARED = ["conversions", "cpa", "spend", "joins", "direct_conversions"]


def test_json_holds_one_combination_per_scenario_and_strategy(tmp_path):
    north, south = write(tmp_path / "north.yaml"), write(tmp_path / "south.yaml")
    document = compare_json(north, south, "--strategy", "spread,test-then-scale,oracle")
    labels = [c["label"] for c in document["combinations"]]
    assert labels == [
        f"{stem}:{name}"
        for stem in ("north", "south")
        for name in ("spread", "test-then-scale", "oracle")
    ]
    assert [c["strategy"] for c in document["combinations"]] == [
        "spread",
        "test-then-scale",
        "oracle",
    ] * 2
    assert [c["source"] for c in document["combinations"]] == [str(north)] * 3 + [str(south)] * 3
    assert document["replications"] == REPS
    assert document["seed"] == 1  # the first scenario's


def test_without_a_strategy_list_each_scenario_runs_its_own(tmp_path):
    other = two_platforms()
    other["strategy"]["type"] = "best-guess"
    document = compare_json(write(tmp_path / "a.yaml"), write(tmp_path / "b.yaml", other))
    assert [c["label"] for c in document["combinations"]] == ["a:spread", "b:best-guess"]


def test_the_baseline_has_no_difference_rows_and_every_other_has_all(tmp_path):
    plan = write(tmp_path / "plan.yaml")
    document = compare_json(
        plan, "--strategy", "spread,best-guess,oracle", "--baseline", "plan:oracle"
    )
    assert document["baseline"] == "plan:oracle"
    rows = [(row["label"], row["metric"]) for row in document["differences"]]
    assert rows == [(label, m) for label in ("plan:spread", "plan:best-guess") for m in COMPARED]


def test_the_first_combination_is_the_default_baseline(tmp_path):
    document = compare_json(write(tmp_path / "plan.yaml"), "--strategy", "oracle,spread")
    assert document["baseline"] == "plan:oracle"
    assert {row["label"] for row in document["differences"]} == {"plan:spread"}


# --- common random numbers -----------------------------------------------------------------------


def assert_every_difference_is_zero(rows: list[dict[str, Any]]) -> None:
    assert rows, "nothing was compared"
    for row in rows:
        for stat in ("mean", "p5", "p50", "p95", "ci_low", "ci_high"):
            assert row[stat] == 0.0, (row["label"], row["metric"], stat)
        assert row["replications_used"] > 0
        # a tie is never 'better'; spend has no better direction
        assert row["probability_better"] == (None if row["metric"] == "spend" else 0.0)


@pytest.mark.parametrize("name", STRATEGIES)
def test_a_scenario_compared_with_a_copy_of_itself_differs_by_exactly_zero(tmp_path, name):
    """Common random numbers: the same plan in two files sees the same market in every
    replication, so every paired difference is 0, not merely small."""
    first, second = write(tmp_path / "a" / "plan.yaml"), write(tmp_path / "b" / "plan.yaml")
    document = compare_json(first, second, "--strategy", name)
    assert [c["label"] for c in document["combinations"]] == [f"plan#1:{name}", f"plan#2:{name}"]
    assert_every_difference_is_zero(document["differences"])


def test_a_file_compared_with_itself_differs_by_exactly_zero(tmp_path):
    plan = write(tmp_path / "plan.yaml")
    document = compare_json(plan, plan, "--strategy", "test-then-scale,adaptive", "--seed", 7)
    assert document["seed"] == 7
    twin = [row for row in document["differences"] if row["label"] == "plan#2:test-then-scale"]
    assert [row["metric"] for row in twin] == COMPARED
    assert_every_difference_is_zero(twin)
    by_label = {c["label"]: c for c in document["combinations"]}
    assert by_label["plan#1:adaptive"]["kpis"] == by_label["plan#2:adaptive"]["kpis"]


def test_different_strategies_do_differ(tmp_path):
    """The zero differences above are not an artefact: best-guess puts everything on facebook
    (the cheaper CPM), spread halves the budget, and their conversions differ."""
    document = compare_json(write(tmp_path / "plan.yaml"), "--strategy", "spread,best-guess")
    conversions = next(r for r in document["differences"] if r["metric"] == "conversions")
    assert conversions["p5"] != conversions["p95"]
    assert conversions["mean"] != 0.0


def test_each_combination_carries_the_odds_that_run_gives_it(tmp_path):
    # Same seed, same replications, same strategy: compare and run simulate the same numbers, so
    # the odds of the plan's own target agree exactly.
    plan = write(tmp_path / "plan.yaml")
    document = compare_json(plan, "--strategy", "spread,oracle", "--seed", 5)
    for combination in document["combinations"]:
        options = ["--strategy", combination["strategy"], "--seed", "5", "--reps", str(REPS)]
        ran = CliRunner().invoke(
            main, ["run", str(plan), *options, "--workers", "1", "--format", "json"]
        )
        [expected] = json.loads(ran.stdout)["kpi_targets"]
        [odds] = combination["kpi_targets"]
        assert odds["target"] == "cpa <= 60"
        assert odds["probability"] == expected["probability"]
