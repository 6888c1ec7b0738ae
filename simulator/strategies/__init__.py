"""Budget strategies: how the money is split over arms, and how that changes as results come in.

`make_policy` builds the strategy a scenario chooses (`strategy.type`) for one chunk of
replications; the engine then asks it every day for that day's split.
"""

from __future__ import annotations

from smmsim.simulator.strategies.adaptive import Adaptive
from smmsim.simulator.strategies.base import Policy, StrategyContext, StrategyRecord
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


__all__ = ["POLICIES", "Policy", "StrategyContext", "StrategyRecord", "make_policy"]
