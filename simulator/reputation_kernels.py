"""The reputation's compiled day: each query's top 20 turned over, and the portals' mentions.

numba source, like `kernels.py`: `compiled.py` hands out the ahead-of-time build of these
functions where `make setup` made one, else numba's JIT of them. The model that calls them, and
what each draw means, is `reputation.py`.
"""

from __future__ import annotations

from numba import njit

from smmsim.scenarios.reputation_schema import TOP_RESULTS
from smmsim.simulator.kernels import binomial, poisson


@njit(cache=True, nogil=True)
def _draw_binomial(u: float, n: float, p: float, expected: bool) -> float:
    return n * min(max(p, 0.0), 1.0) if expected else binomial(u, n, p)


@njit(cache=True, nogil=True)
def turn_over(
    u, expected, slots, seeded, seeded_rank, praise, unhappy, outrage,
    turnover_per_day, background, rank, outrage_results,
) -> None:  # fmt: skip
    """Move every query's top 20 one day, in place: `slots` (reps, Q, 4); u (9, reps, Q)
    uniforms, unused when `expected`.

    Entering: `turnover_per_day` background results (Poisson) in the market's mix
    (`background` (Q, 3): positive, neutral, negative), placed items ranking with
    `seeded_rank`, praise and unhappy reviews with `rank`, and `outrage_results` negative results
    per backlash event; at most 20 enter. Each pushes out a slot drawn at random from the 20: by
    category, one conditional binomial each, kept feasible so the counts stay a partition of 20.
    """
    n_reps, n_queries = slots.shape[0], slots.shape[1]
    for r in range(n_reps):
        for q in range(n_queries):
            b = turnover_per_day if expected else poisson(u[0, r, q], turnover_per_day)
            bg_positive = _draw_binomial(u[1, r, q], b, background[q, 0], expected)
            rest = max(1.0 - background[q, 0], 1e-12)
            bg_negative = _draw_binomial(
                u[2, r, q], b - bg_positive, background[q, 2] / rest, expected
            )
            third = (
                _draw_binomial(u[3, r, q], seeded[r], seeded_rank[r], expected)
                + _draw_binomial(u[4, r, q], praise[r], rank, expected)
                + bg_positive
            )
            neutral = b - bg_positive - bg_negative
            negative = (
                _draw_binomial(u[5, r, q], unhappy[r], rank, expected)
                + outrage[r] * outrage_results
                + bg_negative
            )
            total = third + neutral + negative
            scale = TOP_RESULTS / total if total > TOP_RESULTS else 1.0
            # By category, in slot order (own positive, third-party positive, neutral, negative).
            entering = (0.0, third * scale, neutral * scale, negative * scale)
            left = total * scale
            remaining = float(TOP_RESULTS)
            for cat in range(4):
                held = slots[r, q, cat]
                if cat == 3:
                    out = min(left, held)
                else:
                    p = held / remaining if remaining > 0 else 0.0
                    drawn = _draw_binomial(u[6 + cat, r, q], left, p, expected)
                    # Push out at least what the later categories cannot hold, at most what
                    # this one holds.
                    least = max(0.0, left - (remaining - held))
                    out = min(max(drawn, least), min(held, left))
                left -= out
                remaining -= held
                slots[r, q, cat] += entering[cat] - out


@njit(cache=True, nogil=True)
def mention_portals(
    u, expected, p_mention, p_link, ring, slot, recent, linked, counts
) -> None:  # fmt: skip
    """Today's mentions and links land on the portals, in place, and the portals discussing
    and linked are counted. u (k, reps, 1) one uniform per portal: a portal is mentioned when
    it is below `p_mention` and reached by a link when below `p_link` (reps,), so a portal
    reached by a link is also mentioned. `recent` (reps, k) is the trailing window's total of
    mentions and `ring[slot]` the day that leaves it; `counts` (reps, 2) gets the portals with
    ongoing discussion and, of those, the ones with a link.

    With expected draws the hits are the probabilities themselves: min(1, .) of the running
    sum is then the expected count of portals under a small-mention approximation. The running
    sum of fractional hits can drift an ulp below 0 once they leave the window: a count of
    portals is never negative."""
    n_reps, k = recent.shape
    for r in range(n_reps):
        discussing, with_link = 0.0, 0.0
        for j in range(k):
            if expected:
                hit, reached = p_mention[r], p_link[r]
            else:
                hit = 1.0 if u[j, r, 0] < p_mention[r] else 0.0
                reached = 1.0 if u[j, r, 0] < p_link[r] else 0.0
            recent[r, j] += hit - ring[slot, r, j]
            ring[slot, r, j] = hit
            linked[r, j] += reached
            open_now = min(max(recent[r, j], 0.0), 1.0)
            discussing += open_now
            with_link += open_now * min(1.0, linked[r, j])
        counts[r, 0] = discussing
        counts[r, 1] = with_link
