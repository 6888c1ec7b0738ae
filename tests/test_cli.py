"""The command line as a planner uses it: exit codes, error lines, outputs on disk."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from smmsim.cli import main
from smmsim.scenarios.bundled import example_names
from tests.helpers import minimal_scenario_data

OUTPUT_FILES = {
    "summary.csv",
    "monthly.csv",
    "daily.csv",
    "reputation.csv",
    "strategy.csv",
    "result.json",
    "report.html",
    "plotly.min.js",  # the report's plotly.js, beside it
}


def write_scenario(tmp_path, data=None, name="plan.yaml"):
    data = data or minimal_scenario_data()
    data["campaign"]["start"] = data["campaign"]["start"].isoformat()
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_run_json_has_the_documented_top_level_keys(tmp_path):
    result = invoke("run", write_scenario(tmp_path), "--reps", 50, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert {"replications", "seed", "totals", "arms", "monthly", "kpi_targets"} <= set(document)
    assert document["replications"] == 50
    # A ratio KPI carries the 90% interval of its expected value; a count has none.
    assert set(document["totals"]["cpa"]) == {"mean", "p5", "p50", "p95", "ci_low", "ci_high"}
    assert set(document["totals"]["conversions"]) == {"mean", "p5", "p50", "p95"}


def test_run_seed_option_overrides_the_scenario_and_is_recorded(tmp_path):
    path = write_scenario(tmp_path)
    result = invoke("run", path, "--reps", 20, "--seed", 99, "--format", "json")
    assert json.loads(result.output)["seed"] == 99


def test_run_out_writes_every_output_and_records_the_seed(tmp_path):
    out = tmp_path / "out"
    result = invoke("run", write_scenario(tmp_path), "--reps", 30, "--out", out)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == OUTPUT_FILES  # no temporary files left behind
    for name in ("summary.csv", "monthly.csv", "daily.csv", "reputation.csv", "strategy.csv"):
        header = (out / name).read_text().splitlines()[0].split(",")
        assert "seed" in header, name
    assert json.loads((out / "result.json").read_text())["seed"] == 1


def test_run_table_prints_kpis_per_platform(tmp_path):
    result = invoke("run", write_scenario(tmp_path), "--reps", 20)
    assert result.exit_code == 0, result.output
    assert "facebook" in result.output and "cpa" in result.output


def test_run_deterministic_reports_one_replication(tmp_path):
    result = invoke("run", write_scenario(tmp_path), "--deterministic", "--format", "json")
    document = json.loads(result.output)
    assert document["replications"] == 1 and document["deterministic"] is True
    cpa = document["totals"]["cpa"]
    assert cpa["p5"] == cpa["p50"] == cpa["p95"] == pytest.approx(cpa["mean"])


def test_invalid_scenario_exits_2_with_lines_and_no_traceback(tmp_path):
    data = minimal_scenario_data()
    data["campaign"]["budgt"] = data["campaign"].pop("budget")
    result = invoke("run", write_scenario(tmp_path, data), "--reps", 10)
    assert result.exit_code == 2
    assert "campaign.budgt: unknown key (did you mean 'budget'?)" in result.output
    assert "Traceback" not in result.output


def test_validate_reports_valid_file(tmp_path):
    result = invoke("validate", write_scenario(tmp_path))
    assert result.exit_code == 0
    assert "valid (1 platforms, 1 arms, 0 KPI targets)" in result.output


def test_validate_missing_file_exits_2(tmp_path):
    result = invoke("validate", tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert "nope.yaml: no such file" in result.output


def test_yaml_syntax_error_names_line_and_column(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("campaign:\n  name: [unclosed\n", encoding="utf-8")
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert "broken.yaml: line 3, column 1: YAML syntax error" in result.output


def test_init_writes_an_example_that_validates(tmp_path):
    path = tmp_path / "mine.yaml"
    assert invoke("init", "--example", "travel-agency", path).exit_code == 0
    assert invoke("validate", path).exit_code == 0


def test_init_refuses_to_overwrite_without_force(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("keep me", encoding="utf-8")
    result = invoke("init", path)
    assert result.exit_code == 1
    assert "already exists; pass --force" in result.output
    assert path.read_text() == "keep me"


def test_init_unknown_example_suggests_the_closest(tmp_path):
    result = invoke("init", "--example", "kids-shopp", tmp_path / "x.yaml")
    assert result.exit_code == 1
    assert "no bundled example 'kids-shopp' (did you mean 'kids-shop'?)" in result.output


def test_at_least_three_examples_are_bundled():
    assert {"kids-shop", "sports-nutrition", "travel-agency"} <= set(example_names())
