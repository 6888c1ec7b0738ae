"""Budget strategies: how the money is split over arms, and how that changes as results come in.

`make_policy` builds the strategy a scenario chooses (`strategy.type`) for one chunk of
replications; the engine then asks it every day for that day's split.
"""

from __future__ import annotations

from collections.abc import Iterable

from smmsim.scenarios.schema import Scenario
from smmsim.simulator.strategies.adaptive import Adaptive
from smmsim.simulator.strategies.base import Policy, StrategyContext, StrategyRecord
from smmsim.simulator.strategies.evidence import incomplete_beta
from smmsim.simulator.strategies.static import BestGuess, Fixed, Oracle, Spread
from smmsim.simulator.strategies.test_then_scale import TestThenScale

POLICIES: dict[str, type[Policy]] = {
    "fixed": Fixed,
    "spread": Spread,
    "best-guess": BestGuess,
    "test-then-scale": TestThenScale,
    "adaptive": Adaptive,
    "oracle": Oracle,
}


def make_policy(ctx: StrategyContext) -> Policy:
    return POLICIES[ctx.scenario.strategy.type](ctx)


def load_for(scenarios: Iterable[Scenario]) -> None:
    """Load now what the scenarios' strategies will need, before a pool forks its workers: each
    then inherits it rather than loading it again (scipy.special, 0.2-0.3 s a process)."""
    if any(POLICIES[s.strategy.type].reads_posterior_tail(s) for s in scenarios):
        incomplete_beta()


__all__ = ["POLICIES", "Policy", "StrategyContext", "StrategyRecord", "load_for", "make_policy"]
