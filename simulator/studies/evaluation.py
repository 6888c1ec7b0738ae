"""Running a scenario's strategy together with the oracle, on the same random numbers.

Every strategy's outputs include its regret against the oracle, so a run is two simulations with
one seed: the strategy's and the oracle's (unless the strategy is the oracle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from smmsim.scenarios.checks import scenario_issues
from smmsim.scenarios.errors import ScenarioError
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.strategy_schema import STRATEGIES
from smmsim.simulator.engine import DEFAULT_DAILY_SAMPLE, simulate, simulate_together
from smmsim.simulator.result import Result


@dataclass(frozen=True)
class StrategyRun:
    result: Result
    oracle: Result


def with_strategy(scenario: Scenario, name: str, source: str) -> Scenario:
    """The scenario with strategy `name` and its own settings, checked again: a setting that the
    new strategy reads may be missing (a target CPA, the tools' budgets)."""
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}")
    changed = scenario.model_copy(update={"strategy": scenario.strategy.as_type(name)})
    issues = scenario_issues(changed)
    if issues:
        raise ScenarioError(f"{source} (with strategy {name})", issues)
    return changed


def oracle_of(scenario: Scenario) -> Scenario:
    return scenario.model_copy(update={"strategy": scenario.strategy.as_type("oracle")})


def evaluate(
    scenario: Scenario,
    *,
    replications: int | None = None,
    seed: int | None = None,
    deterministic: bool = False,
    chunk_size: int | None = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> StrategyRun:
    """Simulate the scenario's strategy and the oracle with the same seed and replications."""
    options = {
        "replications": replications,
        "seed": seed,
        "deterministic": deterministic,
        "chunk_size": chunk_size,
        "workers": workers,
        "progress": progress,
    }
    if scenario.strategy.type == "oracle":
        result = simulate(scenario, **options)
        return StrategyRun(result, result)
    # Only the oracle's totals and checkpoints are read (regret, the test's cost), never its
    # day-by-day paths: a sample of them would cost a quarter of a second to keep and ship.
    if deterministic:
        result = simulate(scenario, **options)
        return StrategyRun(result, simulate(oracle_of(scenario), daily_sample=0, **options))
    del options["deterministic"]
    plan, oracle = simulate_together(
        [scenario, oracle_of(scenario)], daily_samples=[DEFAULT_DAILY_SAMPLE, 0], **options
    )
    return StrategyRun(plan, oracle)


def runs_needed(scenario: Scenario) -> int:
    """How many simulations `evaluate` makes (for progress bars)."""
    return 1 if scenario.strategy.type == "oracle" else 2
