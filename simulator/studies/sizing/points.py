"""Which test sizes a sweep tries: the default grid, its ceiling, and the adaptive refinement.

A sweep starts on a grid: no test at all (budget 0), then budgets spaced evenly in log from a
sixty-fourth of the ceiling up to the ceiling, because the value of a test changes fastest while
it is small. It then spends its remaining points where the answers are: around the budget with
the most expected conversions (and around the best positive test, when no test is best), and
between the last budget short of the target probability of correct selection and the first one
to reach it. It stops early when all of them are resolved to the grid's resolution.
"""

from __future__ import annotations

import math

import numpy as np

from smmsim.scenarios.calendar import month_index
from smmsim.scenarios.schema import Scenario

# A test larger than half the campaign is no longer a test but the campaign itself.
MAX_TEST_SHARE = 0.5
GRID_SPAN = 64  # the grid runs from ceiling / GRID_SPAN to the ceiling
# Two budgets closer than this (relative) are the same point for the refinement.
MIN_RELATIVE_GAP = 0.04


def budget_ceiling(scenario: Scenario, days: int) -> float:
    """The largest test budget worth trying: half the campaign budget, or less where monthly caps
    bound what the test's days can spend (the caps of every month the test touches)."""
    c = scenario.campaign
    months = set(month_index(c.start, c.days)[:days].tolist())
    capped = sum(c.monthly_caps.get(m + 1, math.inf) for m in months)
    return min(MAX_TEST_SHARE * c.budget, capped)


def initial_budgets(ceiling: float, count: int) -> list[float]:
    """No test, then `count - 1` budgets log-spaced from ceiling / GRID_SPAN to the ceiling."""
    if count < 2:
        raise ValueError("a sweep needs at least two points")
    spaced = np.geomspace(ceiling / GRID_SPAN, ceiling, count - 1)
    return [0.0, *(round_money(b) for b in spaced)]


def round_money(value: float) -> float:
    """Budgets to three significant figures: a planner books 1,250, not 1,247.63."""
    if value <= 0:
        return 0.0
    digits = 2 - math.floor(math.log10(value))
    return float(round(value, digits))


def midpoint(low: float, high: float) -> float | None:
    """Between two budgets on the grid's log scale. None between no test and the smallest test:
    'no test' is an option of its own, not the start of a scale (a test too small to read is
    never the answer, and the log scale has no midpoint down to 0)."""
    return None if low <= 0 else round_money(math.sqrt(low * high))


def refinements(
    budgets: list[float], conversions: list[float], pcs: list[float], target_pcs: float
) -> list[float]:
    """New budgets to try, from points sorted by budget: around the conversion optimum and the
    best test (they differ when no test is best), then at the target crossing of the probability
    of correct selection. Empty when all are resolved."""
    wanted = []
    best = int(np.argmax(conversions))
    tests = [i for i, b in enumerate(budgets) if b > 0]
    best_test = max(tests, key=lambda i: conversions[i]) if tests else best
    for i in dict.fromkeys((best, best_test)):
        if i > 0:
            wanted.append(midpoint(budgets[i - 1], budgets[i]))
        if i < len(budgets) - 1:
            wanted.append(midpoint(budgets[i], budgets[i + 1]))
    reached = [i for i, p in enumerate(pcs) if p >= target_pcs]
    if reached and reached[0] > 0:
        first = reached[0]
        wanted.append(midpoint(budgets[first - 1], budgets[first]))
    return [b for b in dict.fromkeys(wanted) if b is not None and is_new(b, budgets)]


def is_new(budget: float, budgets: list[float]) -> bool:
    scale = max(budgets) or 1.0
    return all(abs(budget - b) > MIN_RELATIVE_GAP * max(b, scale / GRID_SPAN) for b in budgets)


def parse_budgets(text: str, campaign_budget: float) -> list[float]:
    """'0,500,5%,1200' -> budgets in money; a percent is a share of the campaign budget."""
    budgets = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        share = part.endswith("%")
        try:
            value = float(part[:-1] if share else part)
        except ValueError:
            raise ValueError(f"{part!r} is not a number or a percentage") from None
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{part!r}: a test budget is a finite amount of at least 0")
        budgets.append(value / 100 * campaign_budget if share else value)
    if not budgets:
        raise ValueError("no budget given")
    return sorted(set(budgets))


def parse_durations(text: str) -> list[int]:
    """'14,21,28' -> test lengths in days."""
    days = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            raise ValueError(f"{part!r}: a test length is a whole number of days, at least 1")
        days.append(int(part))
    if not days:
        raise ValueError("no test length given")
    return sorted(set(days))
