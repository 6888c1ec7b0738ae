"""What is left of the budget at the end: one definition for every command.

unspent = the campaign budget - the spend, per replication, where the spend is everything the
budget paid for: ads, the tactics' units and the backlash repairs paid from it. Its expected value
is the budget less the expected spend. `run`, `compare`, `size-test` and `optimise` all read it
from here, and say so when it is more than `WORTH_SAYING` of the budget.
"""

from __future__ import annotations

import numpy as np

# Money below this share of the budget is rounding in the pacing, not a plan to flag.
WORTH_SAYING = 0.01


def unspent(budget: float, spend: np.ndarray) -> np.ndarray:
    """(reps,) the budget less each replication's spend (never below 0: spend never exceeds the
    budget, and a rounding ulp is no refund)."""
    return np.maximum(budget - np.asarray(spend, dtype=float), 0.0)


def expected_unspent(budget: float, expected_spend: float | None) -> float:
    """The budget less the expected spend."""
    return max(budget - (expected_spend or 0.0), 0.0)


def worth_saying(budget: float, left: float) -> bool:
    """Whether `left` of `budget` is more than rounding: a plan that leaves it should say so."""
    return budget > 0 and left > WORTH_SAYING * budget
