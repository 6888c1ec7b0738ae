"""Some replications of a run simulated alone are those replications of the whole run, bit for
bit: the what-ifs that only need the replications where backlash struck rely on it."""

from __future__ import annotations

import numpy as np
import pytest

from smmsim.scenarios.loader import load_scenario
from smmsim.simulator.engine import simulate
from smmsim.simulator.strategies import POLICIES
from smmsim.simulator.studies.evaluation import with_strategy

REPS = 2300  # three RNG blocks, the last one short
ROWS = np.array([0, 5, 999, 1000, 1001, 1500, 2001, 2299])


def same_replications(full, part, rows) -> bool:
    totals = all(np.array_equal(full.totals[k][rows], part.totals[k]) for k in full.totals)
    months = all(np.array_equal(full.monthly[k][:, rows], part.monthly[k]) for k in full.monthly)
    checkpoints = all(
        np.array_equal(values[rows], part.checkpoints[day][name])
        for day, measures in full.checkpoints.items()
        for name, values in measures.items()
    )
    return totals and months and checkpoints


@pytest.mark.parametrize(
    "example",
    ["kids-shop", "reputation-rush", "travel-agency"],  # a test and its decision; tactics and
)  # a reputation; retargeting pools and creative refreshes
def test_a_subset_is_those_replications_of_the_whole_run(example):
    scenario = load_scenario(f"scenarios/examples/{example}.yaml")
    full = simulate(scenario, replications=REPS, daily_sample=0)
    part = simulate(scenario, replications=REPS, daily_sample=0, only=ROWS)
    assert part.replications == len(ROWS)
    assert same_replications(full, part, ROWS)


def test_a_subset_does_not_depend_on_its_chunks_or_workers():
    scenario = load_scenario("scenarios/examples/kids-shop.yaml")
    one = simulate(scenario, replications=REPS, daily_sample=0, only=ROWS)
    spread = simulate(
        scenario, replications=REPS, daily_sample=0, only=ROWS, chunk_size=2, workers=2
    )
    assert same_replications(one, spread, np.arange(len(ROWS)))


@pytest.mark.parametrize("rows", [[], [3, 3], [4, 2], [-1], [REPS]])
def test_a_subset_must_be_sorted_distinct_replications_of_the_run(rows):
    scenario = load_scenario("scenarios/examples/kids-shop.yaml")
    with pytest.raises(ValueError, match="sorted, distinct replications below"):
        simulate(scenario, replications=REPS, only=np.array(rows, dtype=int))


@pytest.mark.parametrize("name", sorted(n for n, p in POLICIES.items() if not p.draws_posteriors))
def test_every_strategy_without_posteriors_runs_a_subset(name):
    """What `draws_posteriors` promises the what-ifs: each other strategy's subset is those
    replications of its whole run."""
    scenario = with_strategy(load_scenario("scenarios/examples/kids-shop.yaml"), name, "test")
    full = simulate(scenario, replications=REPS, daily_sample=0)
    part = simulate(scenario, replications=REPS, daily_sample=0, only=ROWS)
    assert same_replications(full, part, ROWS)


def test_beta_posteriors_refuse_a_subset():
    """The adaptive strategy's Beta draws take as many numbers as each replication's
    parameters need, so a subset's could not be the whole run's: refused, not wrong."""
    scenario = with_strategy(
        load_scenario("scenarios/examples/sports-nutrition.yaml"), "adaptive", "test"
    )
    assert POLICIES["adaptive"].draws_posteriors
    with pytest.raises(NotImplementedError, match="Beta draws"):
        simulate(scenario, replications=REPS, only=ROWS)
