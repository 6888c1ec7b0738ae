"""The budget strategies a scenario can name, declared once.

The schema's `strategy.type`, the command line's `--strategy` choices and the comparison's checks
read this tuple; `simulator/strategies` maps each name to the policy that runs it (a test checks
that every name has one). It imports nothing, so the command line can read it and stay fast.
"""

from __future__ import annotations

STRATEGIES: tuple[str, ...] = (
    "fixed",  # the planner's allocation as written
    "spread",  # an equal share on every arm all campaign long
    "best-guess",  # no test: everything on the arm(s) with the best prior CPA
    "test-then-scale",  # test, keep what works, scale it
    "adaptive",  # Thompson sampling: shares follow the chance each arm is the best
    "oracle",  # knows the true rates: the yardstick for regret
)
