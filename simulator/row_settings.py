"""Each replication's own plan settings, where several plans share one simulation.

Plans that differ only in settings a strategy reads per replication can run side by side
(`simulator/stacked.py`): size-test's test budgets, and the optimiser's candidate splits and
test-then-scale policies. A field left None is the scenario's own, in every replication.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RowSettings:
    test_budget: np.ndarray | None = None  # (reps,) money
    test_days: np.ndarray | None = None  # (reps,) whole days
    keep_q: np.ndarray | None = None  # (reps,) the probability rule's threshold
    budget_share: np.ndarray | None = None  # (reps, arms) of the campaign budget
    daily_budget: np.ndarray | None = None  # (reps, arms) fixed daily budgets


def column(values: np.ndarray) -> np.ndarray:
    """(reps,) as a (reps, 1) column, to broadcast over arms."""
    return values[:, None]
