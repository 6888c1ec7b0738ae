"""Reputation: the top-20 results of each key query, the portals with ongoing discussion, and the
tone of forum mentions, for every replication at once.

Each query's top 20 is four counts that always add up to 20: own positive pages, third-party
positive results (recommendations), neutral and negative results. Every day new items compete for
the top 20, and each one that gets in pushes out a slot drawn at random:
- placed (seeded) items, each with the seeding tool's rank probability;
- organic mentions: buyers who write a review (a share of them unhappy, so negative) and members'
  natural recommendations made in public, each with `mention_rank_probability`;
- backlash: `negative_results` negative results per event;
- turnover: `turnover_per_week` new results per query, in the market's background mix, so an
  unattended top 20 drifts back to its natural state.
Mentions (placed items, reviews, public recommendations, an outrage's negative posts) also land on
a portal drawn at random among `portals`; a portal has ongoing discussion while it had a mention
in the last `discussion_days`, and counts as linked once a mention with a link reached it. (The
portals are exchangeable, so each day's hits are one Bernoulli draw per portal from one stream.)

The reputation feeds back into the funnel: CTR and conversion are multiplied by
exp(elasticity x (net - net at start)), net being the positive minus the negative share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smmsim.scenarios.reputation_schema import TOP_RESULTS, Reputation
from smmsim.simulator.compiled import mention_portals, turn_over
from smmsim.simulator.randomness import Draws
from smmsim.simulator.windows import Trailing

POSITIVE_OWN, POSITIVE_THIRD, NEUTRAL, NEGATIVE = range(4)
DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class ReputationDay:
    forum_positive: np.ndarray  # (reps,) positive mentions on forums and portals today
    forum_negative: np.ndarray


@dataclass(frozen=True)
class ReputationDraws:
    """The reputation's own random streams: one per query, one per portal, one campaign-wide."""

    queries: Draws
    portals: Draws
    campaign: Draws


class ReputationModel:
    def __init__(
        self, params: Reputation, outrage_results: float, n_reps: int, draws: ReputationDraws
    ):
        self.params = params
        self.outrage_results = outrage_results  # negative results per query per backlash event
        self.draws = draws
        start = np.array(
            [[q.positive_own, q.positive_third, q.neutral, q.negative] for q in params.queries],
            dtype=float,
        )
        self.slots = np.broadcast_to(start, (n_reps, *start.shape)).copy()  # (reps, Q, 4)
        self._held = held_by_category(self.slots)
        self.background = background_mix(params, start)  # (Q, 3): positive, neutral, negative
        self.start_net = self.net()
        k = params.portals
        self.recent = Trailing(params.discussion_days, (n_reps, k))  # mentions per portal
        self.linked = np.zeros((n_reps, k))
        self._portals = np.zeros((n_reps, 2))  # portals discussing, and of those with a link

    # --- what the KPIs read -------------------------------------------------------------------

    def _share(self, *categories: int) -> np.ndarray:
        """(reps,) the share of all the queries' results in `categories`: slot totals over
        20 x queries (the mean over queries, computed so that whole counts give exact shares)."""
        held = sum(self._held[:, c] for c in categories)
        return held / (TOP_RESULTS * self.slots.shape[1])

    def positive_share(self) -> np.ndarray:
        return self._share(POSITIVE_OWN, POSITIVE_THIRD)

    def third_party_share(self) -> np.ndarray:
        return self._share(POSITIVE_THIRD)

    def negative_share(self) -> np.ndarray:
        return self._share(NEGATIVE)

    def net(self) -> np.ndarray:
        return self.positive_share() - self.negative_share()

    def portals_discussing(self) -> np.ndarray:
        return self._portals[:, 0].copy()

    def portals_with_link(self) -> np.ndarray:
        return self._portals[:, 1].copy()

    def rate_multipliers(self) -> tuple[np.ndarray, np.ndarray]:
        """(reps,) CTR and conversion multipliers from the change in net reputation."""
        change = self.net() - self.start_net
        p = self.params
        return np.exp(p.ctr_elasticity * change), np.exp(p.cvr_elasticity * change)

    # --- the day ------------------------------------------------------------------------------

    def step(
        self,
        day: int,
        seeded: np.ndarray,
        seeded_rank: np.ndarray,
        seeded_link_probability: np.ndarray,
        conversions: np.ndarray,
        recommendations: np.ndarray,
        outrage: np.ndarray,
        outrage_mentions: np.ndarray,
    ) -> ReputationDay:
        """Today's new items enter the top 20 and the portals. Arguments are (reps,): items
        placed, their mean rank and link probabilities, today's conversions
        and recommendations, and backlash events (negative results per query) with the negative
        mentions they bring."""
        p, c = self.params, self.draws.campaign
        reviews = c.binomial(col(conversions), p.reviews_per_conversion)
        unhappy = c.binomial(reviews, p.unhappy_share)
        public = c.binomial(col(recommendations), p.mentions_per_recommendation)
        praise = reviews - unhappy + public
        self._turn_over(
            _flat(seeded), _flat(seeded_rank), _flat(praise), _flat(unhappy), _flat(outrage)
        )
        self._held = held_by_category(self.slots)
        positive = praise[:, 0] + seeded
        negative = unhappy[:, 0] + outrage_mentions
        linked = (
            c.binomial(col(seeded), col(seeded_link_probability))
            + c.binomial(praise, p.mention_link_probability)
        )[:, 0]
        self._mention_portals(day, positive + negative, linked)
        return ReputationDay(positive, negative)

    def _turn_over(self, seeded, seeded_rank, praise, unhappy, outrage) -> None:
        """Today's items enter each query's top 20, each pushing out a slot (`turn_over`)."""
        p, q = self.params, self.draws.queries
        turn_over(
            q.uniforms(TURNOVER_DRAWS),
            q.expected,
            self.slots,
            seeded,
            seeded_rank,
            praise,
            unhappy,
            outrage,
            p.turnover_per_week / DAYS_PER_WEEK,
            self.background,
            p.mention_rank_probability,
            self.outrage_results,
        )

    def _mention_portals(self, day: int, mentions: np.ndarray, linked: np.ndarray) -> None:
        """Each mention lands on one of the portals at random, so a portal is mentioned today
        with probability 1 - (1 - 1/k)^mentions, and reached by a link likewise. A link comes
        with a mention, so one uniform a portal decides both: a portal reached by a link
        today is also mentioned today."""
        portals, recent = self.draws.portals, self.recent
        mention_portals(
            portals.uniforms(self.params.portals),
            portals.expected,
            self._reached(mentions),
            self._reached(linked),
            recent.ring,
            day % len(recent.ring),
            recent.total,
            self.linked,
            self._portals,
        )

    def _reached(self, mentions: np.ndarray) -> np.ndarray:
        """(reps,) the chance that a given portal gets at least one of `mentions` (reps,)."""
        k = self.params.portals
        if k == 1:
            return _flat(np.minimum(mentions, 1.0))
        return _flat(-np.expm1(np.log1p(-1 / k) * mentions))


def held_by_category(slots: np.ndarray) -> np.ndarray:
    """(reps, 4) the slots each category holds over all queries of `slots` (reps, Q, 4),
    added query by query: numpy's sum over the middle axis took a tenth of the reputation's
    day, and adds in the same order."""
    held = slots[:, 0].copy()
    for q in range(1, slots.shape[1]):
        held += slots[:, q]
    return held


def col(values: np.ndarray) -> np.ndarray:
    """(reps,) -> (reps, 1)."""
    return np.asarray(values, dtype=float).reshape(-1, 1)


def background_mix(params: Reputation, start: np.ndarray) -> np.ndarray:
    """(Q, 3) tone of new organic results: the scenario's mix, else each query's starting one."""
    if params.background is not None:
        b = params.background
        return np.tile([b.positive, b.neutral, b.negative], (len(start), 1))
    positive = start[:, POSITIVE_OWN] + start[:, POSITIVE_THIRD]
    return np.column_stack([positive, start[:, NEUTRAL], start[:, NEGATIVE]]) / TOP_RESULTS


def _flat(values) -> np.ndarray:
    """(reps,) float64, contiguous: what the compiled step reads."""
    return np.ascontiguousarray(values, dtype=float).reshape(-1)


# The uniforms each query draws a day: background results, their positive and negative shares,
# placed items, praise and unhappy reviews ranking, then the three pushed-out categories.
TURNOVER_DRAWS = 9
