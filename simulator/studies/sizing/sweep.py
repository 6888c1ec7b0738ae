"""The sweep: the whole campaign simulated at every test size, on one seed.

Common random numbers come from the engine: each arm draws its true rates and daily noise from its
own stream, keyed by its name, so changing the test budget or length changes how money is spent,
not the market it is spent in. The oracle does not depend on the test size; it runs once per test
length (its checkpoint at the test's end prices the cost of the test).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from smmsim.scenarios.checks import scenario_issues
from smmsim.scenarios.errors import ScenarioError, SmmsimError
from smmsim.scenarios.schema import Scenario
from smmsim.simulator.result import Result
from smmsim.simulator.studies.evaluation import oracle_of
from smmsim.simulator.studies.sizing.measures import PointSamples, point_samples
from smmsim.simulator.studies.sizing.parallel import Simulations
from smmsim.simulator.studies.sizing.points import budget_ceiling, initial_budgets, refinements

DEFAULT_POINTS = 20
DEFAULT_MARGIN = 0.2
DEFAULT_TARGET_PCS = 0.8


@dataclass(frozen=True)
class SweepSettings:
    replications: int
    seed: int
    points: int = DEFAULT_POINTS  # per test length, when the sweep picks its own budgets
    margin: float = DEFAULT_MARGIN
    target_pcs: float = DEFAULT_TARGET_PCS
    workers: int = 1


@dataclass
class Sweep:
    scenario: Scenario
    settings: SweepSettings
    points: list[PointSamples] = field(default_factory=list)
    refined: set[tuple[float, int]] = field(default_factory=set)  # added around the answers
    oracle: dict[int, np.ndarray] = field(default_factory=dict)  # days -> oracle conversions

    def at_days(self, days: int) -> list[PointSamples]:
        return sorted((p for p in self.points if p.days == days), key=lambda p: p.budget)

    def no_test(self) -> list[PointSamples]:
        return [p for p in self.points if p.budget == 0]

    @property
    def durations(self) -> list[int]:
        return sorted({p.days for p in self.points})


def with_test(scenario: Scenario, budget: float, days: int, source: str) -> Scenario:
    """The scenario with this test budget and length, checked again (a longer test may no longer
    end before the campaign does)."""
    test = scenario.strategy.test.model_copy(
        update={"budget": float(budget), "budget_share": None, "days": days}
    )
    changed = scenario.model_copy(
        update={"strategy": scenario.strategy.model_copy(update={"test": test})}
    )
    issues = scenario_issues(changed)
    if issues:
        raise ScenarioError(f"{source} (test of {budget:g} over {days} days)", issues)
    return changed


def require_test_then_scale(scenario: Scenario, source: str) -> None:
    if scenario.strategy.type != "test-then-scale":
        raise SmmsimError(
            f"{source}: strategy.type is {scenario.strategy.type!r}; size-test sizes the test "
            "of a test-then-scale strategy: set 'type: test-then-scale' under 'strategy:'"
        )


def run_sweep(
    scenario: Scenario,
    source: str,
    settings: SweepSettings,
    budgets: list[float] | None = None,
    durations: list[int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Sweep:
    """Simulate every test size; with no `budgets`, a default grid refined around the answers."""
    require_test_then_scale(scenario, source)
    sweep = Sweep(scenario, settings)
    lengths = durations or [scenario.strategy.test.days]
    with Simulations(settings.replications, settings.seed, settings.workers, progress) as sims:
        for days in lengths:
            runner = PointRunner(scenario, source, settings, days, sims)
            # No test is one campaign whatever the test's length: it is simulated and listed
            # once, with the first length.
            first = days == lengths[0]
            if budgets is not None:
                sweep.points += runner.run_all([b for b in budgets if b > 0 or first])
            else:
                sweep_adaptively(sweep, runner, days, with_no_test=first)
            sweep.oracle[days] = runner.oracle_conversions()
    return sweep


def sweep_adaptively(sweep: Sweep, runner: PointRunner, days: int, with_no_test: bool) -> None:
    """Half the points on the default grid, the rest where the answers are, until resolved."""
    s = sweep.settings
    grid = initial_budgets(budget_ceiling(sweep.scenario, days), grid_size(s.points))
    sweep.points += runner.run_all([b for b in grid if b > 0 or with_no_test])
    while True:
        done = sweep.at_days(days) if with_no_test else [*sweep.no_test(), *sweep.at_days(days)]
        if len(done) >= s.points:
            break
        budgets = [p.budget for p in done]
        conversions = [float(p.conversions.mean()) for p in done]
        pcs = [float(p.correct_selection.mean()) for p in done]
        new = refinements(budgets, conversions, pcs, s.target_pcs)
        if not new:
            break
        batch = new[: s.points - len(done)]
        sweep.points += runner.run_all(batch)
        sweep.refined.update((b, days) for b in batch)


def grid_size(points: int) -> int:
    """Points on the initial grid: half of them, but at least no test, the smallest test and the
    ceiling (the refinement needs neighbours on both sides)."""
    return min(points, max(3, points // 2))


class PointRunner:
    """Runs one test length's points with the sweep's seed and replications: a batch of points
    (and the oracle, with the first batch) side by side (`parallel.Simulations`)."""

    def __init__(
        self, scenario: Scenario, source: str, settings: SweepSettings, days: int, sims: Simulations
    ):
        self.scenario, self.source, self.settings, self.days = scenario, source, settings, days
        self.sims = sims
        self._oracle: Result | None = None

    def oracle_scenario(self) -> Scenario:
        return oracle_of(with_test(self.scenario, 0.0, self.days, self.source))

    def oracle(self) -> Result:
        if self._oracle is None:
            self._oracle = self.sims.run([self.oracle_scenario()])[0]
        return self._oracle

    def oracle_conversions(self) -> np.ndarray:
        return self.oracle().kpis()["conversions"]

    def run_all(self, budgets: list[float]) -> list[PointSamples]:
        """The points at these test budgets, in their order."""
        wanted = self._oracle is None and bool(budgets)
        # The oracle's scenario is built first: a length that no longer fits says so as before.
        oracle = [self.oracle_scenario()] if wanted else []
        scenarios = {b: with_test(self.scenario, b, self.days, self.source) for b in budgets}
        # No test is a different campaign (the decision on the priors), run on its own; the
        # tests run side by side.
        alone = oracle + [scenarios[b] for b in budgets if b == 0]
        tests = [b for b in budgets if b > 0]
        results = self.sims.run(alone, [scenarios[b] for b in tests])
        if wanted:
            self._oracle = results.pop(0)
        by_budget = dict(zip([b for b in budgets if b == 0] + tests, results, strict=True))
        margin = self.settings.margin
        return [point_samples(b, self.days, by_budget[b], self._oracle, margin) for b in budgets]

    def run(self, budget: float) -> PointSamples:
        return self.run_all([budget])[0]


def planned_runs(settings: SweepSettings, budgets: list[float] | None, durations: list[int]) -> int:
    """Simulations a sweep makes at most (for the progress bar): one oracle per test length, no
    test once, and the tests of every length. An adaptive sweep may stop short when its answers
    are resolved."""
    lengths = len(durations)
    if budgets is None:
        return lengths + 1 + (settings.points - 1) * lengths
    tests = sum(1 for b in budgets if b > 0)
    return lengths + (0 in budgets) + tests * lengths
