"""Intensity schedules: how many units of a tactic each campaign day plans for.

`per_week` rates become whole units by cumulative rounding: day d gets
round(rate * (d + 1) / 7) - round(rate * d / 7) units, so a week of `per_week: 3` holds exactly
three (every second or third day), and a rate below one a week still places its units, spaced out.
Listed `days` get one unit each time they are listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smmsim.scenarios.tools_schema import Phase, Tactic

# numpy loads on first use: `smmsim validate` of a plan without tactics needs none
if TYPE_CHECKING:
    import numpy as np


def phase_units(phase: Phase, days: int) -> np.ndarray:
    """(days,) units of one phase; days outside the campaign are ignored (checks flag them)."""
    import numpy as np

    out = np.zeros(days)
    if phase.days is not None:
        for day in phase.days:
            if day <= days:
                out[day - 1] += 1
        return out
    first = phase.start_day - 1
    last = min(phase.end_day or days, days)
    if first >= last:
        return out
    elapsed = np.arange(last - first + 1)
    placed = np.floor(phase.per_week * elapsed / 7 + 0.5)
    out[first:last] = np.diff(placed)
    return out


def planned_units(tactic: Tactic, days: int) -> np.ndarray:
    """(days,) units the schedule asks for, before any budget limit."""
    import numpy as np

    return sum((phase_units(p, days) for p in tactic.schedule), np.zeros(days))


def affordable_units(tactic: Tactic, days: int) -> np.ndarray:
    """(days,) the planned units the tool's own budget pays for, earliest first."""
    import numpy as np

    units = planned_units(tactic, days)
    if tactic.budget is None:
        return units
    cost = tactic.unit_cost()
    if cost <= 0:
        return units
    paid_before = np.concatenate([[0.0], np.cumsum(units)[:-1]])
    can_pay = np.floor(tactic.budget / cost + 1e-9)
    return np.clip(can_pay - paid_before, 0.0, units)
