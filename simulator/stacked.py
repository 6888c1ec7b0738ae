"""Test sizes side by side: several test budgets of one plan in one simulation.

A test-size sweep simulates the same campaign at many test budgets, each with the same seed and
replications. Run one by one, each simulation pays a day's fixed cost (a few hundred array
operations, whatever their size) for every day of the campaign: a quarter of a simulation of
2,000 replications. Here the budgets share chunks instead: a chunk holds one copy of the run's
RNG blocks per budget, and each replication has its budget (`StrategyContext.test_budget`). A
block's numbers depend only on its seed, and nothing in the model couples two replications, so
each budget's replications are those of its own simulation, bit for bit
(tests/test_stacked.py), and the common random numbers between budgets survive.
"""

from __future__ import annotations

import numpy as np

from smmsim.scenarios.schema import Scenario
from smmsim.simulator.engine import result_fields, run_chunk
from smmsim.simulator.plan import CampaignPlan
from smmsim.simulator.randomness import RNG_BLOCK, BlockDraws, block_seeds
from smmsim.simulator.result import Result, merge_chunks, replications_of


def planned_test_budget(scenario: Scenario) -> float:
    return scenario.strategy.test.budget_of(scenario.campaign.budget)


def same_plan_but_the_test_budget(scenarios: list[Scenario]) -> bool:
    """Whether the scenarios differ in their test budgets alone (and all test)."""
    first = scenarios[0]

    def as_first(s: Scenario) -> Scenario:
        test = s.strategy.test.model_copy(update={"budget": first.strategy.test.budget})
        return s.model_copy(update={"strategy": s.strategy.model_copy(update={"test": test})})

    testing = all(
        s.strategy.type == "test-then-scale" and not s.strategy.test.skipped for s in scenarios
    )
    return testing and all(as_first(s) == first for s in scenarios[1:])


def simulate_test_budgets(scenarios: list[Scenario], replications: int, seed: int) -> list[Result]:
    """Each scenario (one plan at several test budgets) as `simulate(s, replications=...,
    seed=..., daily_sample=0)` gives it, less its day-by-day record, all in one chunk."""
    if not same_plan_but_the_test_budget(scenarios):
        raise ValueError("simulate_test_budgets: the scenarios must differ in the test budget only")
    plan = CampaignPlan.from_scenario(scenarios[0])
    seeds = block_seeds(seed, replications)
    sizes = [min(RNG_BLOCK, replications - b * RNG_BLOCK) for b in range(len(seeds))]
    copies = len(scenarios)
    draws = BlockDraws(seeds * copies, sizes * copies, plan.arms.names)
    budgets = np.repeat([planned_test_budget(s) for s in scenarios], replications).astype(float)
    recorder, record = run_chunk(plan, draws, 0, budgets)
    fields = result_fields(plan, seed, deterministic=False)
    stacked = merge_chunks([recorder], [record], scenario=scenarios[0], **fields)
    return [
        replications_of(stacked, slice(i * replications, (i + 1) * replications), s)
        for i, s in enumerate(scenarios)
    ]
