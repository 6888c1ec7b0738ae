"""Reproducibility: a seed fixes every number, and how the work is chunked changes none of them.

Replications draw from per-block generators spawned from `SeedSequence(seed)` (DESIGN.md section 4),
so a replication's numbers depend only on the seed and its block: not on the chunk size, and not on
how many replications follow it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from smmsim.scenarios.files import json_text
from smmsim.scenarios.loader import scenario_from_data
from smmsim.simulator.engine import simulate
from smmsim.simulator.randomness import RNG_BLOCK
from smmsim.simulator.result import Result
from smmsim.simulator.summary import result_json
from tests.helpers import minimal_scenario_data


def two_platform_data() -> dict[str, Any]:
    """Two platforms, three arms (one with a fixed daily budget), two calendar months."""
    data = minimal_scenario_data()
    data["campaign"].update(days=40, budget=8000)
    first = data["platforms"][0]["tools"][0]
    first["budget_share"] = 0.6
    second = {**first, "name": "retarget", "budget_share": 0.4, "noise": 0.3}
    data["platforms"][0]["tools"].append(second)
    fixed = {**first, "name": "ads", "daily_budget": 20.0, "cpm": {"p5": 3, "p95": 9}}
    del fixed["budget_share"]
    data["platforms"].append({"name": "instagram", "audience": 200_000, "tools": [fixed]})
    data["community"] = {"conversion_lag_days": 5}
    return data


@pytest.fixture(scope="module")
def scenario():
    return scenario_from_data(two_platform_data(), "repro.yaml")


def assert_same_arrays(a: Result, b: Result) -> None:
    assert a.totals.keys() == b.totals.keys()
    for name in a.totals:
        assert np.array_equal(a.totals[name], b.totals[name]), name
        assert np.array_equal(a.monthly[name], b.monthly[name]), name
    for name in a.daily_sample:
        assert np.array_equal(a.daily_sample[name], b.daily_sample[name]), name


def test_same_seed_gives_identical_results(scenario):
    first = simulate(scenario, replications=300, seed=11)
    again = simulate(scenario, replications=300, seed=11)
    assert_same_arrays(first, again)


def test_scenario_seed_is_the_default(scenario):
    # minimal_scenario_data's campaign.seed is 1.
    assert_same_arrays(
        simulate(scenario, replications=300), simulate(scenario, replications=300, seed=1)
    )


@pytest.mark.parametrize("chunk_size", [RNG_BLOCK, 1500, 2500])
def test_chunk_size_does_not_change_results(scenario, chunk_size):
    # 10_000 runs all 2500 replications in one chunk; the others split them (1500 rounds up to
    # two whole blocks).
    reference = simulate(scenario, replications=2500, seed=5, chunk_size=10_000)
    chunked = simulate(scenario, replications=2500, seed=5, chunk_size=chunk_size)
    assert_same_arrays(reference, chunked)


def test_chunk_size_keeps_daily_means_bit_for_bit(scenario):
    # Daily sums are kept per RNG block and added in block order, whatever the chunking.
    reference = simulate(scenario, replications=2500, seed=5, chunk_size=10_000)
    chunked = simulate(scenario, replications=2500, seed=5, chunk_size=RNG_BLOCK)
    for name in reference.daily_mean:
        assert np.array_equal(chunked.daily_mean[name], reference.daily_mean[name]), name


def test_worker_processes_do_not_change_results(scenario):
    reference = simulate(scenario, replications=2500, seed=5)
    spread = simulate(scenario, replications=2500, seed=5, chunk_size=RNG_BLOCK, workers=2)
    assert_same_arrays(reference, spread)
    for name in reference.daily_mean:
        assert np.array_equal(spread.daily_mean[name], reference.daily_mean[name]), name


def test_chunks_joined_in_any_order_give_the_same_run(scenario):
    """Worker processes finish chunks in any order; each is joined at its own replications
    (`ChunkMerger`), so the last chunk joined first changes nothing, checkpoints and the
    strategy's record included."""
    from smmsim.simulator.engine import chunk_jobs, run_job
    from smmsim.simulator.plan import CampaignPlan
    from smmsim.simulator.result import ChunkMerger

    plan = CampaignPlan.from_scenario(scenario)
    jobs = chunk_jobs(3 * RNG_BLOCK + 7, 11, RNG_BLOCK, 50)
    reference = simulate(scenario, replications=3 * RNG_BLOCK + 7, seed=11, daily_sample=50)
    merger = ChunkMerger([job.n_reps for job in jobs])
    for i in reversed(range(len(jobs))):
        merger.add(i, *run_job(plan, jobs[i]))
    joined = merger.result(**{f: getattr(reference, f) for f in JOINED_ELSEWHERE})
    assert_same_arrays(joined, reference)
    for day, measures in reference.checkpoints.items():
        for name, values in measures.items():
            assert np.array_equal(joined.checkpoints[day][name], values), (day, name)
    assert np.array_equal(joined.strategy.chosen, reference.strategy.chosen)
    assert np.array_equal(joined.daily_mean["spend"], reference.daily_mean["spend"])


# Result fields that `simulate` fills itself, not from the chunks.
JOINED_ELSEWHERE = ("scenario", "lines", "budget_arms", "seed", "deterministic", "dates", "months")


def test_different_seeds_give_different_results(scenario):
    a = simulate(scenario, replications=300, seed=1)
    b = simulate(scenario, replications=300, seed=2)
    for name in ("spend", "impressions", "clicks", "joins"):
        assert not np.array_equal(a.totals[name], b.totals[name]), name


def test_replications_of_one_run_differ(scenario):
    # Each replication draws its own true rates: no two of 300 see the same clicks on every arm.
    clicks = simulate(scenario, replications=300, seed=3).totals["clicks"]
    assert len(np.unique(clicks, axis=0)) == len(clicks)


def test_first_block_does_not_depend_on_later_blocks(scenario):
    short = simulate(scenario, replications=1000, seed=9)
    long_ = simulate(scenario, replications=2000, seed=9)
    for name in short.totals:
        assert np.array_equal(long_.totals[name][:1000], short.totals[name]), name
        assert np.array_equal(long_.monthly[name][:, :1000], short.monthly[name]), name
    for name in short.daily_sample:  # both keep the first 1000 replications' days
        assert np.array_equal(long_.daily_sample[name], short.daily_sample[name]), name


def test_deterministic_mode_ignores_the_seed(scenario):
    a = simulate(scenario, seed=1, deterministic=True)
    b = simulate(scenario, seed=2, deterministic=True)
    assert_same_arrays(a, b)


def test_same_seed_and_any_chunking_give_identical_json(scenario):
    def document(**kwargs):
        return json_text(result_json(simulate(scenario, replications=2500, seed=9, **kwargs)))

    first = document()
    assert document() == first
    assert document(chunk_size=RNG_BLOCK) == first
    assert document(chunk_size=RNG_BLOCK, workers=2) == first


# --- tactics, reputation and backlash ------------------------------------------------------------


def smm_data() -> dict[str, Any]:
    """Every kind of tool over two calendar months, with a reputation and a backlash that strikes
    (seeding well past the safe ratio): their draws come from their own streams too."""
    data = two_platform_data()
    data["campaign"].update(start="2027-03-20", days=24, budget=12_000)
    facebook = data["platforms"][0]["tools"]
    facebook[1].update(type="retargeting", window_days=14)
    facebook += [
        {
            "type": "influencer",
            "fee": 300,
            "reach": {"mean": 20_000, "sd": 8000},
            "ctr": {"mean": 0.02, "sd": 0.008},
            "join_rate": {"mean": 0.1, "sd": 0.04},
            "cvr": {"mean": 0.02, "sd": 0.01},
            "schedule": {"days": [3, 15]},
        },
        {"type": "community_content", "cost_per_post": 20, "schedule": {"per_week": 6}},
        {
            "type": "contest",
            "prize": 200,
            "joins": {"mean": 150, "sd": 80},
            "schedule": {"days": [5]},
        },
        {"type": "creative_refresh", "cost": 150, "schedule": {"days": [12]}},
    ]
    data["platforms"].append(
        {
            "name": "forums",
            "audience": 80_000,
            "tools": [
                {
                    "type": "seeding",
                    "cost_per_item": 8,
                    "natural_posts_per_week": 60,
                    "link_probability": 0.4,
                    "schedule": {"per_week": 45},
                }
            ],
        }
    )
    data["reputation"] = {
        "queries": [
            {"query": "brand", "positive_own": 4, "positive_third": 2, "neutral": 8, "negative": 6},
            {
                "query": "brand reviews",
                "positive_own": 1,
                "positive_third": 4,
                "neutral": 9,
                "negative": 6,
            },
        ],
        "turnover_per_week": 2.0,
    }
    data["backlash"] = {"base_hazard": 0.002}
    return data


@pytest.fixture(scope="module")
def smm_scenario():
    return scenario_from_data(smm_data(), "smm.yaml")


def assert_same_campaign(a: Result, b: Result) -> None:
    assert_same_arrays(a, b)
    for name in a.daily_mean:
        assert np.array_equal(a.daily_mean[name], b.daily_mean[name]), name
    for name in a.campaign_daily_mean:
        assert np.array_equal(a.campaign_daily_mean[name], b.campaign_daily_mean[name]), name
        assert np.array_equal(a.campaign_daily_sample[name], b.campaign_daily_sample[name]), name


def test_tactics_reputation_and_backlash_do_not_depend_on_chunks_or_workers(smm_scenario):
    reference = simulate(smm_scenario, replications=1500, seed=4, chunk_size=10_000)
    assert reference.totals["backlash_events"].sum() > 0  # the backlash path is exercised
    assert np.all(reference.totals["units"][:, reference.lines.n_arms :].max(axis=0) > 0)
    chunked = simulate(smm_scenario, replications=1500, seed=4, chunk_size=RNG_BLOCK)
    assert_same_campaign(reference, chunked)
    spread = simulate(smm_scenario, replications=1500, seed=4, chunk_size=RNG_BLOCK, workers=2)
    assert_same_campaign(reference, spread)


def test_tactics_reputation_and_backlash_repeat_with_the_seed(smm_scenario):
    first = simulate(smm_scenario, replications=200, seed=12)
    assert_same_campaign(first, simulate(smm_scenario, replications=200, seed=12))
    other = simulate(smm_scenario, replications=200, seed=13)
    assert not np.array_equal(first.totals["positive_share"], other.totals["positive_share"])


def test_keeping_no_daily_paths_changes_no_number(scenario):
    """The oracle's run and the risk what-ifs keep no day-by-day sample (nothing reads it, and
    shipping it from the workers cost a quarter of a second a run): safe only because the sample
    is a record of the draws, never a draw itself."""
    kept = simulate(scenario, replications=1500, seed=12, daily_sample=1000)
    none = simulate(scenario, replications=1500, seed=12, daily_sample=0)
    for name in kept.totals:
        assert np.array_equal(none.totals[name], kept.totals[name]), name
        assert np.array_equal(none.monthly[name], kept.monthly[name]), name
    for name in kept.daily_mean:
        assert np.array_equal(none.daily_mean[name], kept.daily_mean[name]), name
    assert none.daily_sample["spend"].shape[1] == 0


def test_a_run_keeps_its_own_days_but_not_the_oracles(scenario):
    from smmsim.simulator.studies.evaluation import evaluate

    run = evaluate(scenario, replications=300, seed=2)
    assert run.result.daily_sample["spend"].shape[1] == 300
    assert run.oracle.daily_sample["spend"].shape[1] == 0


@pytest.mark.parametrize(
    ("workers", "chunk_size"), [(1, None), (2, None), (3, None), (2, RNG_BLOCK)]
)
@pytest.mark.parametrize("plan", ["smm_scenario", "kids_shop"])  # tactics; a test and its decision
def test_simulations_side_by_side_are_each_simulated_alone(request, plan, workers, chunk_size):
    """A plan and its oracle share one pool (`simulate_together`): each is the simulation it is
    alone, day by day, whatever the workers and chunks, and the progress counts every
    replication of both once."""
    from smmsim.simulator.engine import simulate_together
    from smmsim.simulator.studies.evaluation import oracle_of

    if plan == "kids_shop":
        from smmsim.scenarios.loader import load_scenario

        scenario = load_scenario("scenarios/examples/kids-shop.yaml")
    else:
        scenario = request.getfixturevalue(plan)
    scenarios = [scenario, oracle_of(scenario)]
    counted = []
    together = simulate_together(
        scenarios,
        daily_samples=[300, 0],
        replications=2300,
        seed=4,
        chunk_size=chunk_size,
        workers=workers,
        progress=counted.append,
    )
    assert sum(counted) == 2 * 2300
    for scenario, sample, result in zip(scenarios, [300, 0], together, strict=True):
        alone = simulate(scenario, replications=2300, seed=4, daily_sample=sample)
        assert_same_campaign(alone, result)
        assert_same_record(alone.strategy, result.strategy)


def assert_same_record(a, b) -> None:
    for name in a.ROWS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.phase_spend.keys() == b.phase_spend.keys()
    for phase in a.phase_spend:
        assert np.array_equal(a.phase_spend[phase], b.phase_spend[phase]), phase
