"""A candidate applied to a scenario (`scenarios.optimiser.candidate.plan_of`) and written back
as a scenario file (`scenarios.optimiser.write_back`): the plan a trial simulates is the plan the
file says, it passes every whole-file rule, and the file keeps what the optimiser did not touch.

The bundled examples cover the tools: travel-agency has every tool but seeding (retargeting,
community content, a contest, a creative refresh, an influencer), reputation-steady has seeding
and community content, kids-shop has paid ads only.
"""

from __future__ import annotations

import copy
import functools
import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from optuna.trial import FixedTrial

from smmsim.cli import main
from smmsim.scenarios.checks import scenario_issues
from smmsim.scenarios.errors import ScenarioError
from smmsim.scenarios.loader import load_scenario, read_yaml, scenario_from_data
from smmsim.scenarios.plan_edits import Plan
from smmsim.scenarios.schedule import planned_units
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.tools_schema import Phase
from smmsim.scenarios.yaml_text import render_yaml
from smmsim.simulator.studies.optimiser.candidate import (
    Candidate,
    Policy,
    plan_of,
    scaled_budget,
    scaled_schedule,
    unit_count,
    whole,
)
from smmsim.simulator.studies.optimiser.space import search_space
from smmsim.simulator.studies.optimiser.write_back import optimised_text
from tests.helpers import kids_shop_fixed, minimal_scenario_data

EXAMPLES = Path("scenarios/examples")
TRAVEL = EXAMPLES / "travel-agency.yaml"
STEADY = EXAMPLES / "reputation-steady.yaml"
KIDS = EXAMPLES / "kids-shop.yaml"
TRAVEL_ADS = ("facebook/packages_catalog", "instagram/paid_ads", "youtube/destination_videos")
KIDS_ADS = ("facebook/paid_ads", "instagram/paid_ads", "tiktok/paid_ads")
HEADER = ["optimised by a test", "second line"]


KIDS_FIXED = kids_shop_fixed(Path(tempfile.mkdtemp(prefix="kids-fixed-")))


@functools.cache
def example(path: Path) -> Scenario:
    """The example with its split and tactics searched (kids-shop has no tactic to search)."""
    names = ["shares"] if path == KIDS_FIXED else ["shares", "tactics"]
    return Plan.read(path).with_search(None if path == KIDS else names).scenario


def tool(s: Scenario, name: str):
    platform, tool_name = name.split("/")
    return next(
        t for p in s.platforms if p.name == platform for t in p.tools if t.name == tool_name
    )


def candidate_at(path: Path, coordinates: list[float], factor: float = 1.0) -> Candidate:
    """The candidate the scenario's search space proposes at `coordinates` (cycled over the
    share parameters), every tactic at `factor` x its plan."""
    space = search_space(example(path))
    names = [f"share.{p.platform}" for p in space.platforms[:-1]]
    names += [f"share.{t}" for p in space.platforms for t in p.tools[:-1]]
    params = {n: coordinates[i % len(coordinates)] for i, n in enumerate(names)}
    for dial in space.dials:
        if dial.by_placement:
            params[dial.parameter] = round(factor * dial.planned)
        else:
            params[dial.parameter] = factor
    return space.suggest(FixedTrial(params))


def travel_candidate(**intensities: float) -> Candidate:
    shares = dict(zip(TRAVEL_ADS, (0.5, 0.3, 0.2), strict=True))
    return Candidate(shares, intensities)


# --- the plan a candidate gives ------------------------------------------------------------------


def test_paid_ads_split_what_retargeting_leaves():
    """travel-agency's retargeting keeps its planned 5%; the paid ads share the other 95%."""
    plan = plan_of(example(TRAVEL), travel_candidate())
    assert tool(plan, "facebook/retargeting").budget_share == 0.05
    for name, share in zip(TRAVEL_ADS, (0.5, 0.3, 0.2), strict=True):
        assert tool(plan, name).budget_share == pytest.approx(share * 0.95)
        assert tool(plan, name).daily_budget is None
    total = sum(t.budget_share for p in plan.platforms for t in p.ad_tools())
    assert total == pytest.approx(1.0)


def test_a_daily_budget_becomes_the_optimised_share():
    data = read_yaml(KIDS)
    tiktok = data["platforms"][2]["tools"][0]
    del tiktok["budget_share"]
    tiktok["daily_budget"] = 20
    s = scenario_from_data(data, str(KIDS))
    plan = plan_of(s, Candidate(dict(zip(KIDS_ADS, (0.5, 0.3, 0.2), strict=True))))
    assert tool(plan, "tiktok/paid_ads").daily_budget is None
    assert tool(plan, "tiktok/paid_ads").budget_share == pytest.approx(0.2)


def test_without_a_policy_the_plan_keeps_its_own_strategy():
    """Fixed: every candidate without a policy ran `fixed`, so kids-shop's planned 4-week test
    was replaced by the split. The plan's strategy (type, test, decision, scale) is what every
    candidate runs; only the searched values change."""
    s = example(KIDS)
    assert s.strategy.type == "test-then-scale"
    plan = plan_of(s, Candidate(dict(zip(KIDS_ADS, (0.5, 0.3, 0.2), strict=True))))
    assert plan.strategy == s.strategy
    travel = example(TRAVEL)
    assert plan_of(travel, travel_candidate()).strategy == travel.strategy


def test_tactics_keep_their_planned_schedules_unless_searched():
    """Fixed: the tactics' intensities were searched by default, and travel-agency's
    influencers and community posts could be cut to 0. Searching the split alone leaves every
    tactic's schedule and budget as written, in the space and in the plan."""
    s = load_scenario(TRAVEL)  # its optimise block names no search: the split alone
    assert s.optimise.searched == ("shares",)
    space = search_space(s)
    assert space.dials == ()
    plan = plan_of(s, space.suggest(FixedTrial(dict.fromkeys(params_of_split(space), 0.5))))
    for before, after in zip(s.platforms, plan.platforms, strict=True):
        for t_before, t_after in zip(before.tactics(), after.tactics(), strict=True):
            assert t_after == t_before, t_before.name


def params_of_split(space) -> list[str]:
    names = [f"share.{p.platform}" for p in space.platforms[:-1]]
    return names + [f"share.{t}" for p in space.platforms for t in p.tools[:-1]]


def test_a_policy_sets_the_test_share_days_and_keep_threshold():
    s = example(KIDS)
    plan = plan_of(s, Candidate(policy=Policy(test_share=0.15, test_days=21, keep_q=0.7)))
    strategy = plan.strategy
    assert strategy.type == "test-then-scale"
    assert strategy.test.budget is None  # the written 2,400 gives way to the share
    assert strategy.test.budget_share == 0.15
    assert strategy.test.budget_of(s.campaign.budget) == pytest.approx(1800)
    assert strategy.test.days == 21
    assert strategy.decision.q == 0.7
    # what the policy does not search stays as written
    assert strategy.test.split == s.strategy.test.split
    assert strategy.decision.target_cpa == s.strategy.decision.target_cpa
    assert strategy.scale == s.strategy.scale


def test_a_policy_leaves_the_written_budget_shares():
    s = example(KIDS)
    plan = plan_of(s, Candidate(policy=Policy(test_share=0.15, test_days=21, keep_q=0.7)))
    assert plan.platforms == s.platforms


# --- scaled schedules ----------------------------------------------------------------------------


def test_scaled_schedule_multiplies_every_weekly_rate():
    community = tool(example(TRAVEL), "facebook/community_content")
    (phase,) = scaled_schedule(community, 1.5, 150)
    assert phase.per_week == 6.0  # 4 a week as planned
    assert (phase.start_day, phase.end_day) == (1, None)


def test_scaled_schedule_keeps_each_phase_span():
    tactic = tool(example(TRAVEL), "facebook/community_content").model_copy(
        update={
            "schedule": [
                Phase(per_week=2, start_day=1, end_day=30),
                Phase(per_week=5, start_day=31, end_day=90),
            ]
        }
    )
    phases = scaled_schedule(tactic, 0.5, 150)
    assert [(p.per_week, p.start_day, p.end_day) for p in phases] == [(1, 1, 30), (2.5, 31, 90)]


@pytest.mark.parametrize(
    ("factor", "count"),
    [(0.125, 1), (0.25, 1), (0.5, 2), (0.625, 3), (0.75, 3), (1.0, 4), (1.25, 5), (1.5, 6), (2, 8)],
)
def test_scaled_listed_days_count_whole_factor_times_listed(factor, count):
    """The influencer's 4 listed days [20, 48, 76, 104] become whole(4 x factor) days, half
    rounded up (0.5 placements are 1, 2.5 are 3), spread over the same span."""
    influencer = tool(example(TRAVEL), "instagram/influencer")
    (phase,) = scaled_schedule(influencer, factor, 150)
    assert len(phase.days) == count == whole(4 * factor)
    assert min(phase.days) >= 20 and max(phase.days) <= 104
    assert unit_count(influencer, factor, 150) == count


@pytest.mark.parametrize(("factor", "count"), [(0.5, 1), (1.5, 2), (2.5, 3), (0.2, 0)])
def test_a_listed_day_of_another_tactic_is_scaled_to_whole_days(factor, count):
    """The contest's one listed day [75] at 2.5 x is 3 contests (Python's round would hold
    2), spread from day 75 to the campaign's end."""
    contest = tool(example(TRAVEL), "facebook/bansko_giveaway")
    assert unit_count(contest, factor, 150) == count


def test_a_single_listed_day_spreads_to_the_end_of_the_campaign():
    contest = tool(example(TRAVEL), "facebook/bansko_giveaway")  # days: [75]
    (phase,) = scaled_schedule(contest, 3, 150)
    assert phase.days == [75, 112, 150]


def test_the_plan_as_written_is_factor_one():
    for name in ("instagram/influencer", "facebook/community_content"):
        tactic = tool(example(TRAVEL), name)
        assert unit_count(tactic, 1.0, 150) == planned_units(tactic, 150).sum()


@pytest.mark.parametrize(
    "name", ["instagram/influencer", "facebook/community_content", "facebook/bansko_giveaway"]
)
def test_factor_zero_plans_no_units(name):
    tactic = tool(example(TRAVEL), name)
    dropped = tactic.model_copy(update={"schedule": scaled_schedule(tactic, 0.0, 150)})
    assert planned_units(dropped, 150).sum() == 0


def test_a_tools_own_budget_scales_with_its_intensity():
    """The budget was the price of the planned schedule; at 0 there is none (a budget is > 0)."""
    community = tool(example(TRAVEL), "facebook/community_content").model_copy(
        update={"budget": 2000.0}
    )
    assert scaled_budget(community, 1.5) == 3000.0
    assert scaled_budget(community, 0.0) is None
    assert scaled_budget(tool(example(TRAVEL), "facebook/community_content"), 1.5) is None


def test_a_plan_scales_the_searched_tactics_and_no_other():
    plan = plan_of(
        example(TRAVEL),
        travel_candidate(**{"facebook/community_content": 0.5, "instagram/influencer": 0.5}),
    )
    days = 150
    units = {
        name: planned_units(tool(plan, name), days).sum()
        for name in (
            "facebook/community_content",
            "instagram/influencer",
            "facebook/bansko_giveaway",
            "facebook/creative_refresh",
        )
    }
    written = {name: planned_units(tool(example(TRAVEL), name), days).sum() for name in units}
    assert units["facebook/community_content"] == round(2 * 150 / 7)  # 4 a week, halved
    assert units["instagram/influencer"] == 2
    assert units["facebook/bansko_giveaway"] == written["facebook/bansko_giveaway"]
    assert units["facebook/creative_refresh"] == written["facebook/creative_refresh"]


# --- every plan passes the whole-file rules ------------------------------------------------------

coordinates = st.lists(st.floats(0, 1), min_size=1, max_size=4)
factors = st.sampled_from([0.0, 0.3, 1.0, 1.7, 2.0])


@settings(max_examples=30, deadline=None)
@given(st.sampled_from([TRAVEL, STEADY, KIDS_FIXED]), coordinates, factors)
def test_every_proposed_plan_passes_the_scenario_rules(path, u, factor):
    plan = plan_of(example(path), candidate_at(path, u, factor))
    assert scenario_issues(plan) == []


@settings(max_examples=20, deadline=None)
@given(st.floats(0.05, 0.3), st.integers(7, 35), st.floats(0.3, 0.9))
def test_every_proposed_policy_passes_the_scenario_rules(share, days, q):
    plan = plan_of(example(KIDS), Candidate(policy=Policy(share, days, q)))
    assert scenario_issues(plan) == []


def short_campaign_with_policy(**ranges) -> dict:
    data = minimal_scenario_data()
    data["campaign"]["days"] = 30
    data["strategy"] = {"decision": {"target_cpa": 30}}
    data["optimise"] = {"policy": True}
    if ranges:
        data["optimise"]["policy_ranges"] = ranges
    return data


def test_a_policy_range_longer_than_the_campaign_is_refused():
    """Fixed: no rule kept policy_ranges.test_days (+ extend_days) inside the campaign, so a
    30-day campaign validated with the default range 7-35 and its longer trials failed."""
    with pytest.raises(ScenarioError) as info:
        scenario_from_data(short_campaign_with_policy(), "s.yaml")
    assert info.value.lines() == [
        "s.yaml: optimise.policy_ranges.test_days: the longest test searched (35 days, plus 7 "
        "if it is extended) must end before the campaign does (30 days) (got [7, 35])"
    ]


def test_every_policy_in_the_ranges_fits_a_short_campaign():
    """The longest test the rule accepts (22 days and its 7-day extension end on day 29) and
    every shorter one pass the whole-file rules."""
    s = scenario_from_data(short_campaign_with_policy(test_days=[7, 22]), "s.yaml")
    low, high = s.optimise.policy_ranges.test_days
    for days in range(low, high + 1):
        plan = plan_of(s, Candidate(policy=Policy(test_share=0.1, test_days=days, keep_q=0.5)))
        assert scenario_issues(plan) == [], days


# --- the plan written back -----------------------------------------------------------------------


def written(tmp_path: Path, source: Path, candidate: Candidate) -> Path:
    target = tmp_path / f"{source.stem}-optimised.yaml"
    text = optimised_text(source, target, example(source), candidate, HEADER)
    target.write_text(text, encoding="utf-8")
    return target


def test_the_written_file_has_the_optimised_shares(tmp_path):
    candidate = candidate_at(TRAVEL, [0.3, 0.6])
    loaded = load_scenario(written(tmp_path, TRAVEL, candidate))
    for name, share in candidate.shares.items():
        assert tool(loaded, name).budget_share == pytest.approx(share * 0.95, abs=1e-4)
    assert tool(loaded, "facebook/retargeting").budget_share == 0.05
    assert loaded.strategy == example(TRAVEL).strategy


def test_the_written_file_is_the_plan_a_trial_simulates(tmp_path):
    """The same shares, and the same units of every tactic on every day: the plan itself."""
    candidate = candidate_at(TRAVEL, [0.7, 0.2], factor=1.7)
    loaded = load_scenario(written(tmp_path, TRAVEL, candidate))
    plan = plan_of(example(TRAVEL), candidate)
    assert loaded.platforms == plan.platforms
    for p_loaded, p_plan in zip(loaded.platforms, plan.platforms, strict=True):
        for t_loaded, t_plan in zip(p_loaded.tactics(), p_plan.tactics(), strict=True):
            assert np.array_equal(planned_units(t_loaded, 150), planned_units(t_plan, 150))


def test_the_written_file_keeps_untouched_settings_as_written(tmp_path):
    """A belief written as p5/p95 stays p5/p95, and every setting outside the plan's tools and
    strategy is the planner's own."""
    candidate = Candidate(dict(zip(KIDS_ADS, (0.5, 0.3, 0.2), strict=True)))
    source, out = read_yaml(KIDS_FIXED), read_yaml(written(tmp_path, KIDS_FIXED, candidate))
    assert out["platforms"][2]["tools"][0]["cpm"] == {"p5": 1.5, "p95": 5.0}
    assert out["platforms"][0]["tools"][0]["ctr"] == {"p5": 0.007, "p95": 0.018}
    for key in ("campaign", "community", "kpis", "optimise"):
        assert out[key] == source[key], key
    for raw_out, raw_in in zip(out["platforms"], source["platforms"], strict=True):
        for t_out, t_in in zip(raw_out["tools"], raw_in["tools"], strict=True):
            assert {k: v for k, v in t_out.items() if k != "budget_share"} == {
                k: v for k, v in t_in.items() if k != "budget_share"
            }
    assert out["strategy"] == source["strategy"]


def test_the_written_file_keeps_a_precise_prior_exactly(tmp_path):
    """Fixed: render_yaml wrote every float with 6 significant digits (`.6g`), so a value with
    more digits (a calibrated prior) changed in the written file."""
    data = read_yaml(KIDS_FIXED)
    data["platforms"][0]["tools"][0]["cvr"] = {"mean": 0.0123456789, "sd": 0.004}
    source = tmp_path / "precise.yaml"
    source.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    s = load_scenario(source)
    target = tmp_path / "out.yaml"
    candidate = Candidate(dict(zip(KIDS_ADS, (0.5, 0.3, 0.2), strict=True)))
    target.write_text(optimised_text(source, target, s, candidate, HEADER), encoding="utf-8")
    assert read_yaml(target)["platforms"][0]["tools"][0]["cvr"]["mean"] == 0.0123456789


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.45, "0.45"),
        (1500.0, "1500"),
        (0.0123456789, "0.0123456789"),
        (1 / 3, "0.3333333333333333"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1.23456789e-05, "1.23456789e-05"),
        (1e-07, "1e-07"),
        (12345678.9, "12345678.9"),
    ],
)
def test_a_float_is_written_short_when_that_is_exact_and_read_back_as_itself(tmp_path, value, text):
    path = tmp_path / "value.yaml"
    path.write_text(render_yaml({"x": value}, {}) + "\n", encoding="utf-8")
    assert path.read_text(encoding="utf-8") == f"x: {text}\n"
    assert read_yaml(path)["x"] == value


def test_the_written_file_notes_what_changed_and_starts_with_the_header(tmp_path):
    candidate = Candidate(dict(zip(KIDS_ADS, (0.5, 0.3, 0.2), strict=True)))
    text = written(tmp_path, KIDS_FIXED, candidate).read_text(encoding="utf-8")
    assert text.startswith("# optimised by a test\n# second line\n")
    # The note comes first in the line's comment, which keeps its column and its words.
    assert (
        "        budget_share: 0.5     # optimised (was 0.45). Planned: largest share: parents "
        "30+ are most present on Facebook in BG,\n" in text
    )


def test_the_written_tactics_carry_their_scaled_schedules(tmp_path):
    candidate = candidate_at(STEADY, [0.5], factor=0.5)
    loaded = load_scenario(written(tmp_path, STEADY, candidate))
    seeding = tool(loaded, "forums/seeding")
    assert [p.per_week for p in seeding.schedule] == [22.0]  # 44 a week as planned
    assert [p.per_week for p in tool(loaded, "facebook/community_content").schedule] == [2.0]


def test_a_tactic_at_zero_is_written_with_no_units(tmp_path):
    candidate = candidate_at(TRAVEL, [0.5], factor=0.0)
    loaded = load_scenario(written(tmp_path, TRAVEL, candidate))
    for name in ("instagram/influencer", "facebook/community_content"):
        assert planned_units(tool(loaded, name), 150).sum() == 0


def test_the_written_policy_loads_as_test_then_scale(tmp_path):
    data = copy.deepcopy(read_yaml(KIDS))
    data["optimise"]["policy"] = True
    source = tmp_path / "kids-policy.yaml"
    source.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    s = load_scenario(source)
    target = tmp_path / "out.yaml"
    candidate = Candidate(policy=Policy(test_share=0.12, test_days=20, keep_q=0.55))
    target.write_text(optimised_text(source, target, s, candidate, HEADER), encoding="utf-8")
    strategy = load_scenario(target).strategy
    assert strategy.type == "test-then-scale"
    assert strategy.test.budget is None and strategy.test.budget_share == 0.12
    assert (strategy.test.days, strategy.decision.q) == (20, 0.55)


def test_the_written_file_runs(tmp_path):
    path = written(tmp_path, TRAVEL, candidate_at(TRAVEL, [0.4, 0.5], factor=1.3))
    result = CliRunner().invoke(main, ["run", str(path), "--reps", "20", "--workers", "1"])
    assert result.exit_code == 0, result.output
