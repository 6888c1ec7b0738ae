"""Budget pacing: how much each arm may spend today, never more than the budget allows.

Each day's budget is the remaining budget times today's pacing weight over the weights of the days
left, computed both for the campaign and for the current calendar month (when it has a cap); the
smaller wins. Budget an arm could not spend (its audience was saturated) is thus re-paced over the
days left. Caps of later months are looked ahead to: money that later caps will not let the
campaign spend is paced over the current month instead of being left unspent at the end. Because
a day never gets more than what remains, spend can never exceed the total or a monthly cap, in
any replication.
"""

from __future__ import annotations

import numpy as np

from smmsim.simulator.rows import row_sum

FRONT_LOADED_RANGE = (1.5, 0.5)  # first day's and last day's weight, relative to an average day


def pacing_weights(pacing: str, days: int) -> np.ndarray:
    """Relative daily weights: flat for `even`, a straight line from 1.5 down to 0.5 otherwise."""
    if pacing == "even" or days == 1:
        return np.ones(days)
    return np.linspace(*FRONT_LOADED_RANGE, days)


def weight_left(weights: np.ndarray, group: np.ndarray) -> np.ndarray:
    """For each day, the sum of weights from that day to the end of its group (month or all)."""
    out = np.empty_like(weights)
    for g in np.unique(group):
        idx = np.flatnonzero(group == g)
        out[idx] = np.cumsum(weights[idx][::-1])[::-1]
    return out


class Pacer:
    """Plans each day's spend per arm from what is left of the total and of the month's cap."""

    def __init__(
        self,
        *,
        budget: float,
        monthly_caps: np.ndarray,
        weights: np.ndarray,
        month_of_day: np.ndarray,
    ):
        self.budget = budget
        self.monthly_caps = monthly_caps  # (months,), inf where uncapped
        self.weights = weights
        self.month_of_day = month_of_day
        self.share_total_left = weights / weight_left(weights, np.zeros_like(month_of_day))
        self.share_month_left = weights / weight_left(weights, month_of_day)
        # What all later months together may still spend: the sum of their caps (inf if one is
        # uncapped). Month m must spend at least what is left beyond that.
        later = np.concatenate([np.cumsum(monthly_caps[::-1])[::-1][1:], [0.0]])
        self.later_capacity = later

    def plan(
        self,
        day: int,
        spent_total: np.ndarray,
        spent_month: np.ndarray,
        shares: np.ndarray,
        daily_budgets: np.ndarray,
        reserved_later: float = 0.0,
    ) -> np.ndarray:
        """(reps, arms) budgets for `day`, given the spend so far (reps,) and by month (reps, M):
        the fixed `daily_budgets` first, then the paced rest split by `shares` (both (reps, arms)
        or (arms,); shares summing to less than one leave money in the pot). `reserved_later` is
        what other spending (the tactics' schedules) will take of later months' caps: room the
        paced budget cannot count on there."""
        month = self.month_of_day[day]
        left_total = np.maximum(self.budget - spent_total, 0.0)
        left_month = np.maximum(self.monthly_caps[month] - spent_month[:, month], 0.0)
        hard_limit = np.minimum(left_total, left_month)
        # An uncapped month has inf left, and inf times a positive weight share stays inf.
        later_room = np.maximum(self.later_capacity[month] - reserved_later, 0.0)
        must_this_month = np.maximum(left_total - later_room, 0.0)
        paced = np.minimum(
            np.maximum(
                left_total * self.share_total_left[day],
                must_this_month * self.share_month_left[day],
            ),
            left_month * self.share_month_left[day],
        )
        fixed = fixed_part(daily_budgets, hard_limit)
        # Scaled fixed budgets can overshoot what is left by an ulp: floor the room at zero.
        room = np.maximum(hard_limit - row_sum(fixed), 0.0)
        flexible = np.clip(paced - row_sum(fixed), 0.0, room)
        return fixed + shares * flexible[:, None]


def fixed_part(daily_budgets: np.ndarray, hard_limit: np.ndarray) -> np.ndarray:
    """(reps, arms) fixed daily budgets, scaled down where the budget left cannot cover them."""
    wanted = np.broadcast_to(daily_budgets, (len(hard_limit), daily_budgets.shape[-1]))
    total = row_sum(wanted)
    scale = np.divide(hard_limit, total, out=np.ones_like(hard_limit), where=total > hard_limit)
    return wanted * scale[:, None]
