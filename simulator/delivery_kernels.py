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
