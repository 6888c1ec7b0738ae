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
        self.background = background_mix(params, start)  # (Q, 3): positive, neutral, negative
        self.start_net = self.net()
        k = params.portals
        self.recent = Trailing(params.discussion_days, (n_reps, k))  # mentions per portal
        self.linked = np.zeros((n_reps, k))

    # --- what the KPIs read -------------------------------------------------------------------

    def _share(self, *categories: int) -> np.ndarray:
        """(reps,) the share of all the queries' results in `categories`: slot totals over
        20 x queries (the mean over queries, computed so that whole counts give exact shares)."""
        held = sum(self.slots[..., c] for c in categories).sum(axis=1)
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
        return self._discussing().sum(axis=1)

    def portals_with_link(self) -> np.ndarray:
        return (self._discussing() * np.minimum(1.0, self.linked)).sum(axis=1)

    def _discussing(self) -> np.ndarray:
        # With expected draws the mentions are fractional: min(1, .) is then the expected count
        # of portals under a small-mention approximation. The running sum of fractional hits can
        # drift an ulp below 0 once they leave the window: a count of portals is never negative.
        return np.clip(self.recent.total, 0.0, 1.0)

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
        entering = self._entering(col(seeded), col(seeded_rank), praise, unhappy, col(outrage))
        self._admit(entering)
        positive = praise[:, 0] + seeded
        negative = unhappy[:, 0] + outrage_mentions
        linked = (
            c.binomial(col(seeded), col(seeded_link_probability))
            + c.binomial(praise, p.mention_link_probability)
        )[:, 0]
        self._mention_portals(day, positive + negative, linked)
        return ReputationDay(positive, negative)

    def _entering(self, seeded, seeded_rank, praise, unhappy, outrage) -> np.ndarray:
        """(reps, Q, 4) items entering each query's top 20 today, at most 20."""
        p, q = self.params, self.draws.queries
        n_queries = self.slots.shape[1]
        ones = np.ones((len(seeded), n_queries))
        rank = p.mention_rank_probability
        background = q.poisson(ones * p.turnover_per_week / DAYS_PER_WEEK)
        bg_positive = q.binomial(background, self.background[:, 0])
        rest = np.maximum(1 - self.background[:, 0], 1e-12)
        bg_negative = q.binomial(background - bg_positive, self.background[:, 2] / rest)
        entering = np.zeros_like(self.slots)
        entering[..., POSITIVE_THIRD] = (
            q.binomial(seeded * ones, seeded_rank * ones) + q.binomial(praise * ones, rank)
        ) + bg_positive
        entering[..., NEUTRAL] = background - bg_positive - bg_negative
        entering[..., NEGATIVE] = (
            q.binomial(unhappy * ones, rank) + outrage * ones * self.outrage_results
        ) + bg_negative
        total = entering.sum(axis=-1, keepdims=True)
        scale = np.divide(TOP_RESULTS, total, out=np.ones_like(total), where=total > TOP_RESULTS)
        return entering * scale

    def _admit(self, entering: np.ndarray) -> None:
        """Each entering item pushes out a slot drawn at random from the 20 (by category, one
        conditional binomial each, kept feasible so the counts stay a partition of 20)."""
        q = self.draws.queries
        left = entering.sum(axis=-1)
        remaining = np.full(left.shape, float(TOP_RESULTS))
        out = np.zeros_like(self.slots)
        for cat in range(4):
            held = self.slots[..., cat]
            if cat == 3:
                out[..., cat] = np.minimum(left, held)
                break
            p = np.divide(held, remaining, out=np.zeros_like(held), where=remaining > 0)
            drawn = q.binomial(left, p)
            # Push out at least what the later categories cannot hold, at most what this holds.
            least = np.maximum(0.0, left - (remaining - held))
            out[..., cat] = np.clip(drawn, least, np.minimum(held, left))
            left = left - out[..., cat]
            remaining = remaining - held
        self.slots = self.slots - out + entering

    def _mention_portals(self, day: int, mentions: np.ndarray, linked: np.ndarray) -> None:
        """Each mention lands on one of the portals at random, so a portal is mentioned today
        with probability 1 - (1 - 1/k)^mentions, and reached by a link likewise. A link comes
        with a mention, so one uniform a portal decides both: a portal reached by a link
        today is also mentioned today."""
        shape = (len(mentions), self.params.portals)
        hit, reached_by_link = self.draws.portals.bernoulli_wide(
            self._reached(mentions, shape), self._reached(linked, shape)
        )
        self.recent.add(day, hit)
        self.linked += reached_by_link

    def _reached(self, mentions: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        """(reps, k) the chance that a portal gets at least one of `mentions` (reps,)."""
        k = self.params.portals
        if k == 1:
            return np.broadcast_to(col(np.minimum(mentions, 1.0)), shape)
        return np.broadcast_to(col(-np.expm1(np.log1p(-1 / k) * mentions)), shape)


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
