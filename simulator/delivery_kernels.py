"""The ads' daily arithmetic as compiled loops: numba source, like `kernels.py`.

`delivery.py`'s day prices the auction, delivers, and wears its creatives out with the formulas
of `curves.py`. Written as numpy expressions they make about two dozen passes over the day's
(replications, arms) arrays, each writing a fresh array; here each cell is computed once, from
its own row and its arm's parameters, with the same operations in the same order, so the numbers
are the numpy expressions' bit for bit (tests/test_delivery_kernels.py). The day's random draws
stay in the array samplers, between these two loops.
"""

from __future__ import annotations

from numba import njit

from smmsim.simulator import elementary


@njit(cache=True, nogil=True, error_model="numpy")
def ads_price(
    budget, base_cpm, s_half, k, linear, day_factor, noise, efficiency, cap, audience,
    pressure, cpm, wanted,
) -> None:  # fmt: skip
    """Each cell's auction pressure 1 + (s / s_half)^k (`curves.auction_pressure`; the power
    skipped where every k is 1, `linear`), its CPM (the true CPM at that pressure, the
    weekday's factor and the day's noise, over the learning phase's efficiency), and the
    impressions its budget asks for, at most the frequency cap times the audience."""
    n_reps, n_arms = budget.shape
    for r in range(n_reps):
        for a in range(n_arms):
            ratio = budget[r, a] / s_half[a]
            pressure[r, a] = 1 + (ratio if linear else ratio ** k[a])
            price = base_cpm[r, a] * pressure[r, a] * day_factor[a] * noise[r, a]
            price = price / efficiency[r, a]
            cpm[r, a] = price
            wanted[r, a] = min(1000 * budget[r, a] / price, cap[a] * audience[r, a])


@njit(cache=True, nogil=True, error_model="numpy")
def ads_reach(
    impressions, cpm, cumulative, memory, audience, base_ctr, f0, phi, multiplier, noise,
    spend, click_rate,
) -> None:  # fmt: skip
    """Each cell's spend for its delivered impressions, its exposure memory (`cumulative`,
    updated in place: faded by `memory`, plus today's), the unique reach and frequency of that
    memory (`curves.unique_reach`, `curves.frequency`), and the chance of a click: the true CTR
    worn out at that frequency (`curves.fatigued_ctr`), times the reputation's and backlash's
    `multiplier` and the day's noise."""
    n_reps, n_arms = impressions.shape
    for r in range(n_reps):
        for a in range(n_arms):
            spend[r, a] = impressions[r, a] * cpm[r, a] / 1000
            seen = cumulative[r, a] * memory[a] + impressions[r, a]
            cumulative[r, a] = seen
            people = audience[r, a]
            reach = people * -elementary.expm1(-seen / people)
            frequency = seen / reach if reach > 0 else 0.0
            worn = elementary.exp(-phi[a] * max(0.0, frequency - f0[a]))
            click_rate[r, a] = base_ctr[r, a] * worn * multiplier[r, a] * noise[r, a]


# The learning phase's flags are 0.0 or 1.0 in float arrays, so that its day is one compiled
# pass like the rest of the ads' day (as numpy boolean expressions it took a dozen passes).


@njit(cache=True, nogil=True, error_model="numpy")
def learning_day(
    budget, previous, started, active, conversions, reset_change, needed, efficiency_while,
    tolerance, entered, learning, efficiency,
) -> None:  # fmt: skip
    """Today's budget applied to the learning phase, in place (`previous`, `started`, `active`,
    `conversions`): an arm starts learning the first day it spends, and again, its conversions
    counted from 0, when its budget changes by more than `reset_change` of the last day's
    (`tolerance` = 1 + the relative rounding allowed); it stays learning until it has `needed`
    conversions. Writes where it (re-)entered learning today, where it learns while spending,
    and its delivery efficiency (`efficiency_while` learning, else 1)."""
    n_reps, n_arms = budget.shape
    for r in range(n_reps):
        for a in range(n_arms):
            today, before = budget[r, a], previous[r, a]
            spends, had_started = today > 0, started[r, a] != 0.0
            first = spends & (not had_started)
            allowed = reset_change[a] * before * tolerance
            reset = had_started & (before > 0) & spends & (abs(today - before) > allowed)
            was_active = active[r, a] != 0.0
            entering = (first | (reset & (not was_active))) & (needed[a] > 0)
            if first | reset:
                conversions[r, a] = 0.0
            now = (was_active | first | reset) & (conversions[r, a] < needed[a])
            entered[r, a] = 1.0 if entering else 0.0
            active[r, a] = 1.0 if now else 0.0
            started[r, a] = 1.0 if had_started | spends else 0.0
            previous[r, a] = today
            learning[r, a] = 1.0 if now & spends else 0.0
            efficiency[r, a] = efficiency_while[a] if now else 1.0


@njit(cache=True, nogil=True, error_model="numpy")
def learning_record(today, conversions, needed, active) -> None:
    """Today's conversions added to each arm's count, in place; an arm that has `needed`
    leaves the learning phase (`active` 0.0)."""
    n_reps, n_arms = today.shape
    for r in range(n_reps):
        for a in range(n_arms):
            total = conversions[r, a] + today[r, a]
            conversions[r, a] = total
            active[r, a] = active[r, a] if total < needed[a] else 0.0
