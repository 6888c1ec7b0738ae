"""Plans side by side: several variants of one plan in one simulation.

A test-size sweep simulates the same campaign at many test sizes, and an optimiser's batch at
many splits or test policies, each with the same seed and replications. Run one by one, each
simulation pays a day's fixed cost (a few hundred array operations, whatever their size) for
every day of the campaign: most of a simulation of a few hundred replications. Here the plans
share chunks instead: a chunk holds one copy of the run's RNG blocks per plan, and each
replication has its plan's settings (`RowSettings`). A block's numbers depend only on its seed,
and nothing in the model couples two replications, so each plan's replications are those of its
own simulation, bit for bit (tests/test_stacked.py), and the common random numbers between
plans survive.

What may differ is what a strategy reads per replication: the paid ads' budget shares and fixed
daily budgets, and the test-then-scale test's budget, its days and the keep threshold q.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from smmsim.scenarios.schema import Scenario
from smmsim.simulator.engine import result_fields, run_chunk
from smmsim.simulator.plan import CampaignPlan
from smmsim.simulator.randomness import RNG_BLOCK, BlockDraws, block_seeds
from smmsim.simulator.result import Result, merge_chunks, replications_of
from smmsim.simulator.row_settings import RowSettings

TEST_SETTINGS = ("budget", "budget_share", "days")  # of `strategy.test`


def planned_test_budget(scenario: Scenario) -> float:
    return scenario.strategy.test.budget_of(scenario.campaign.budget)


def _as(s: Scenario, first: Scenario) -> Scenario:
    """`s` with the settings plans side by side may vary taken from `first` (whose platforms
    and tools it has, in the same order)."""
    test = s.strategy.test.model_copy(
        update={k: getattr(first.strategy.test, k) for k in TEST_SETTINGS}
    )
    decision = s.strategy.decision.model_copy(update={"q": first.strategy.decision.q})
    strategy = s.strategy.model_copy(update={"test": test, "decision": decision})
    platforms = [
        p.model_copy(
            update={"tools": [_split_as(t, ft) for t, ft in zip(p.tools, fp.tools, strict=True)]}
        )
        for p, fp in zip(s.platforms, first.platforms, strict=True)
    ]
    return s.model_copy(update={"strategy": strategy, "platforms": platforms})


def _same_tools(s: Scenario, first: Scenario) -> bool:
    """The same platforms with as many tools each (what `_as` lines up)."""
    return len(s.platforms) == len(first.platforms) and all(
        len(p.tools) == len(fp.tools) for p, fp in zip(s.platforms, first.platforms, strict=True)
    )


def _split_as(tool, first_tool):
    """A paid-ads tool with the other's budget share and daily budget (retargeting's are the
    plan's, which every chunk reads from its first scenario, so they may not differ)."""
    if tool.type != "paid_ads" or first_tool.type != "paid_ads":
        return tool
    fields = {"budget_share": first_tool.budget_share, "daily_budget": first_tool.daily_budget}
    return tool.model_copy(update=fields)


def side_by_side(scenarios: list[Scenario]) -> bool:
    """Whether the scenarios can share a simulation: the same plan but for the paid ads' split
    and the test's budget, days and keep threshold (and either all test or none does)."""
    first = scenarios[0]
    skipped = first.strategy.test.skipped
    return all(
        s.strategy.test.skipped == skipped and _same_tools(s, first) and _as(s, first) == first
        for s in scenarios[1:]
    )


def same_plan_but_the_test_size(scenarios: list[Scenario]) -> bool:
    """Whether the scenarios differ in their test sizes alone (and all test)."""
    testing = all(
        s.strategy.type == "test-then-scale" and not s.strategy.test.skipped for s in scenarios
    )
    return testing and side_by_side(scenarios)


def row_settings(plans: list[CampaignPlan], replications: int) -> RowSettings:
    """Each plan's settings for its `replications` rows, the plans in turn."""

    def rows(values: list) -> np.ndarray:
        return np.repeat(np.asarray(values), replications, axis=0)

    scenarios = [p.scenario for p in plans]
    return RowSettings(
        test_budget=rows([planned_test_budget(s) for s in scenarios]).astype(float),
        test_days=rows([s.strategy.test.days for s in scenarios]),
        keep_q=rows([s.strategy.decision.q for s in scenarios]).astype(float),
        budget_share=rows([p.arms.budget_share for p in plans]),
        daily_budget=rows([p.arms.daily_budget for p in plans]),
    )


def simulate_side_by_side(scenarios: list[Scenario], replications: int, seed: int) -> list[Result]:
    """Each scenario as `simulate(s, replications=..., seed=..., daily_sample=0)` gives it, less
    its day-by-day record, all in one chunk."""
    if not side_by_side(scenarios):
        raise ValueError(
            "simulate_side_by_side: the scenarios may differ only in the paid ads' split and the "
            "test's budget, days and keep threshold"
        )
    plans = [CampaignPlan.from_scenario(s) for s in scenarios]
    # The first plan runs them all, recording every plan's checkpoints (its test's end).
    days = sorted({day for p in plans for day in p.checkpoint_days})
    plan = replace(plans[0], checkpoint_days=tuple(days))
    seeds = block_seeds(seed, replications)
    sizes = [min(RNG_BLOCK, replications - b * RNG_BLOCK) for b in range(len(seeds))]
    copies = len(plans)
    draws = BlockDraws(seeds * copies, sizes * copies, plan.arms.names)
    recorder, record = run_chunk(plan, draws, 0, row_settings(plans, replications))
    fields = result_fields(plan, seed, deterministic=False)
    stacked = merge_chunks([recorder], [record], scenario=scenarios[0], **fields)
    return [
        _own(stacked, slice(i * replications, (i + 1) * replications), p)
        for i, p in enumerate(plans)
    ]


def _own(stacked: Result, rows: slice, plan: CampaignPlan) -> Result:
    """One plan's replications, with its own arms and checkpoints."""
    result = replications_of(stacked, rows, plan.scenario)
    return replace(
        result,
        budget_arms=plan.arms,
        checkpoints={day: result.checkpoints[day] for day in plan.checkpoint_days},
    )
