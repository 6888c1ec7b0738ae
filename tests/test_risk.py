"""The plan's flags: simulated risk per platform, its KPI loss, levels, `check` and `--fail-on`."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from smmsim.cli import main
from smmsim.scenarios.loader import load_scenario, scenario_from_data
from smmsim.scenarios.schema import KpiTarget
from smmsim.simulator.engine import simulate
from smmsim.simulator.studies.risk import (
    FAIL_EXIT_CODE,
    assess_risk,
    check_document,
    event_probability,
    fails,
    level_of,
    without_backlash_on,
)
from smmsim.simulator.summary import probability_met, result_json
from tests.smm_helpers import ads, quiet_signals, scenario_data

RUSH = "scenarios/examples/reputation-rush.yaml"
STEADY = "scenarios/examples/reputation-steady.yaml"
REPS = 400


def two_platforms(hazard: float) -> dict:
    """Ads on facebook and instagram; backlash can strike only on facebook, at a constant daily
    hazard (the base hazard, every signal quiet)."""
    data = scenario_data([ads(budget_share=0.5)], days=30, budget=3000)
    data["platforms"].append({**data["platforms"][0], "name": "instagram"})
    data["backlash"] = quiet_signals(
        base_hazard=hazard,
        max_daily_hazard=1.0,
        repair_cost=100.0,
        platforms=["facebook"],
    )
    return data


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


# --- the pieces ---------------------------------------------------------------------------------


def test_a_deterministic_runs_chance_of_an_event_is_the_poisson_chance_of_at_least_one():
    # Expected events 0.7: P(at least one) = 1 - exp(-0.7).
    chance = event_probability(np.array([0.7]), deterministic=True)
    assert chance["probability"] == pytest.approx(-math.expm1(-0.7))


def test_a_random_runs_chance_is_the_share_of_replications_with_an_event():
    chance = event_probability(np.array([0, 1, 2, 0]), deterministic=False)
    assert chance["probability"] == 0.5
    assert chance["p5"] < 0.5 < chance["p95"]


@pytest.mark.parametrize(("p", "level"), [(0.0, "low"), (0.049, "low"), (0.05, "medium"),
                                           (0.249, "medium"), (0.25, "high")])  # fmt: skip
def test_levels_follow_the_scenarios_risk_thresholds(p, level):
    scenario = load_scenario(STEADY)  # risk: medium 0.05, high 0.25 (the defaults)
    assert level_of(p, scenario) == level


def test_the_what_if_switches_backlash_off_on_that_platform_only():
    scenario = scenario_from_data(two_platforms(0.5), "two.yaml")
    assert scenario.backlash.platforms == ["facebook"]
    assert without_backlash_on(scenario, ["facebook"]).backlash.platforms == []
    full = load_scenario(RUSH)
    assert without_backlash_on(full, ["forums"]).backlash.platforms == ["facebook"]


@pytest.mark.parametrize(("level", "fail_on", "expected"), [
    ("low", None, False), ("high", None, False), ("medium", "high", False),
    ("high", "high", True), ("medium", "medium", True), ("high", "medium", True),
    ("low", "medium", False),
])  # fmt: skip
def test_fail_on_trips_at_or_above_its_level(level, fail_on, expected):
    assert fails(level, fail_on) is expected


# --- the simulated risk -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def struck():
    result = simulate(scenario_from_data(two_platforms(0.05), "two.yaml"), replications=REPS)
    return result, assess_risk(result)


def test_events_strike_only_where_backlash_can(struck):
    _, risk = struck
    by_platform = {r["platform"]: r for r in risk["simulated"]}
    # A daily hazard of 0.05 over 30 days: P(at least one) = 1 - 0.95^30 = 0.785.
    assert by_platform["facebook"]["probability"] == pytest.approx(1 - 0.95**30, abs=0.06)
    assert by_platform["facebook"]["level"] == "high"
    assert by_platform["instagram"]["probability"] == 0.0
    assert by_platform["instagram"]["loss"]["conversions"] is None  # no event, no what-if


def test_the_kpi_loss_is_paired_with_the_same_campaign_without_backlash(struck):
    result, risk = struck
    facebook = next(r for r in risk["simulated"] if r["platform"] == "facebook")
    calm = simulate(without_backlash_on(result.scenario, ["facebook"]), replications=REPS)
    lost = calm.kpis()["conversions"] - result.kpis()["conversions"]
    assert facebook["loss"]["conversions"]["mean"] == pytest.approx(lost.mean())
    # Rates depressed and money spent on repairs can only cost conversions on average.
    assert facebook["loss"]["conversions"]["mean"] > 0
    assert facebook["loss"]["cpa"]["mean"] > 0
    # A replication without any event is the what-if exactly (common random numbers).
    quiet = result.totals["backlash_events"][:, 0] == 0
    np.testing.assert_array_equal(lost[quiet], 0.0)


def test_repair_bills_are_the_events_times_the_bill(struck):
    result, risk = struck
    facebook = next(r for r in risk["simulated"] if r["platform"] == "facebook")
    assert facebook["repair_cost"]["mean"] == pytest.approx(
        100.0 * result.totals["backlash_events"][:, 0].mean()
    )


def test_the_overall_level_is_the_highest_finding():
    scenario = scenario_from_data(two_platforms(0.05), "two.yaml")
    risk = check_document(scenario, replications=50)
    assert risk["static"] == []  # a base hazard is not a tactic
    assert risk["level"] == "high"  # facebook's simulated risk
    assert risk["seed"] == scenario.campaign.seed and risk["replications"] == 50


def test_static_only_simulates_nothing_and_keeps_the_static_level():
    document = check_document(load_scenario(RUSH), static_only=True)
    assert document["simulated"] == [] and document["level"] == "high"
    assert (document["seed"], document["replications"]) == (None, 0)
    assert document["thresholds"]["risk"] == {"medium": 0.05, "high": 0.25}
    assert {f["rule"] for f in document["static"]} == {"seeding_ratio", "reputation_speed"}


# --- the seed's example through the command line ------------------------------------------------


def test_check_flags_the_one_week_rush_high_and_fails_on_high():
    result = invoke("check", RUSH, "--reps", REPS, "--fail-on", "high")
    assert result.exit_code == FAIL_EXIT_CODE, result.output
    assert "HIGH seeding_ratio on forums/seeding" in result.output
    assert "HIGH reputation_speed on forums/seeding" in result.output
    assert "safer:" in result.output and "Overall: high risk of backlash." in result.output


def test_check_passes_the_steady_plan_even_on_medium():
    result = invoke("check", STEADY, "--reps", REPS, "--fail-on", "medium")
    assert result.exit_code == 0, result.output
    assert "Static rules: no tactic above its safe level." in result.output
    assert "Overall: low risk of backlash." in result.output


def test_check_json_and_out_record_the_seed(tmp_path):
    result = invoke("check", RUSH, "--reps", 50, "--seed", 3, "--format", "json",
                    "--out", tmp_path)  # fmt: skip
    assert result.exit_code == 0, result.output  # flagged, but no --fail-on
    printed = json.loads(result.output)
    written = json.loads((tmp_path / "check.json").read_text())
    assert printed == written
    assert written["seed"] == 3 and written["source"] == RUSH and written["level"] == "high"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["check.html", "check.json"]  # no temp


def test_run_shows_the_flags_and_fails_on_high():
    result = invoke("run", RUSH, "--reps", 200, "--fail-on", "high")
    assert result.exit_code == FAIL_EXIT_CODE, result.output
    assert "HIGH seeding_ratio" in result.output
    assert "Simulated backlash risk per platform" in result.output


def test_run_json_carries_the_risk_document():
    result = invoke("run", RUSH, "--reps", 100, "--format", "json")
    document = json.loads(result.output)
    assert document["risk"]["level"] == "high"
    assert {r["platform"] for r in document["risk"]["simulated"]} == {"facebook", "forums"}
    # The ads' phase, the schedules and repairs, and what is left add up to the budget.
    spend = document["strategy"]["spend_by_phase"]
    assert math.fsum(s["mean"] for s in spend.values()) == pytest.approx(document["budget"])
    assert spend["tactics_and_repairs"]["mean"] > 340 * 12  # the seeding, and repairs


def test_check_of_an_invalid_file_names_the_place_and_exits_2(tmp_path):
    with open(RUSH, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    data["platforms"][1]["tools"][0]["natural_posts_per_week"] = 0
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = invoke("check", path)
    assert result.exit_code == 2
    assert "platforms[1].tools[0].natural_posts_per_week: Input should be greater than 0" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_a_tools_own_figures_never_carry_its_platforms_repairs():
    # Seeding is the forums' only tool: its line spends its 340 items x 12, and the repair
    # bills show on the platform (and in the total), not on the tool.
    result = simulate(load_scenario(RUSH), replications=200)
    document = result_json(result)
    seeding = document["arms"]["forums/seeding"]["metrics"]
    assert seeding["spend"]["mean"] == pytest.approx(340 * 12)
    assert "repair_cost" not in seeding and "backlash_events" not in seeding
    forums = document["platforms"]["forums"]
    repairs = result.totals["repair_spend"][:, result.lines.platforms.index("forums")].mean()
    assert forums["spend"]["mean"] == pytest.approx(340 * 12 + repairs)


def test_a_share_that_lands_exactly_on_a_percent_target_meets_it():
    # 56 of the 80 results of four queries are positive: exactly 70%.
    target = KpiTarget(target="positive_share >= 70%")
    assert target.value == 56 / 80
    assert probability_met(np.array([56 / 80, 55 / 80]), target) == 0.5


# --- what-ifs of the struck replications only ---------------------------------------------------


@pytest.mark.parametrize("example", [STEADY, "scenarios/examples/travel-agency.yaml"])
def test_what_ifs_of_the_struck_replications_are_the_whole_what_ifs(example, monkeypatch):
    """Where backlash struck in few replications only those are simulated again, the rest
    copied from the plan: the flags and KPI losses are those of whole what-ifs."""
    from smmsim.simulator.studies import risk

    result = simulate(load_scenario(example), replications=1500, workers=2)
    events = result.totals["backlash_events"]
    assert 0 < (events > 0).any(axis=1).mean() <= risk.RESIMULATE_AT_MOST  # the subset is taken
    subset = assess_risk(result, workers=2)
    monkeypatch.setattr(risk, "resimulate_struck_only", lambda *args: False)
    assert subset == assess_risk(result, workers=2)
