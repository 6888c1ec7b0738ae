"""Scheduled tactics: influencer placements, community content, contests, forum and review seeding
and creative refreshes, each with its own cost model and effect.

A tactic buys whole units on the days its schedule names (a post, a placement, a contest, a seeded
item, a refresh), each at a known unit cost: each schedule is a SimPy process that orders a day's
units just before that day's delivery. What a unit brings is uncertain: the priors are drawn
once per replication (what the planner does not know) and the per-unit amounts (one placement's
reach, one contest's joins) once per unit day.

- Influencer: a placement's views come as a spike that halves every `half_life_days`: on the
  placement day (1 - r) of its reach, then (1 - r) r^t, with r = 0.5 ** (1 / half_life_days).
- Community content: a post is seen by members x organic_reach; above `comfortable_per_week`
  posts in the platform's feed in the last 7 days (every content tool's posts and contest
  announcements there) each post reaches (comfortable / posts) ** crowding as many.
- Contest: its joins arrive evenly over `duration_days` (Poisson per day) and are low quality
  (the community stock gives the contest's line its own churn and conversion multipliers).
- Seeding: units are placed items; the reputation model turns them into results and mentions.
- Creative refresh: a unit resets the fatigue of its target ads (the engine applies it).
Views turn into clicks (ctr), clicks into joins and direct conversions (influencer), views into
joins by sharing (community content).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np
import simpy

from smmsim.scenarios.beliefs import RateBelief
from smmsim.scenarios.schedule import affordable_units, planned_units
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.tool_kinds import FEED_POSTERS, check_kinds
from smmsim.scenarios.tools_schema import (
    CommunityContent,
    Contest,
    CreativeRefresh,
    Influencer,
    Tactic,
)
from smmsim.simulator.arms import ArmTable
from smmsim.simulator.clock import ORDER_LEAD
from smmsim.simulator.randomness import Draws
from smmsim.simulator.windows import Trailing

RATE_PRIORS = ("ctr", "join_rate", "cvr", "organic_reach", "rank_probability")
WEEK = 7


@dataclass(frozen=True)
class Fixed:
    """A point mass: the prior of a rate a tactic kind does not have (always `value`)."""

    value: float = 0.0

    @property
    def mean(self) -> float:
        return self.value

    def quantile(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), self.value)


NONE = Fixed(0.0)


@dataclass(frozen=True)
class TacticTable:
    """Every scheduled tactic's parameters as arrays, one entry per tactic (T)."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    platform_of: np.ndarray  # (T,) index into the scenario's platforms
    unit_cost: np.ndarray  # (T,)
    budget: np.ndarray  # (T,) the tool's own budget; inf where it has none
    units: np.ndarray  # (days, T) units the schedules plan, before budgets
    affordable: np.ndarray  # (days, T) the units the tools' own budgets pay for
    priors: dict[str, tuple]  # rate -> one distribution per tactic
    per_unit: tuple  # one distribution per tactic: a placement's reach, a contest's joins
    decay: np.ndarray  # (T,) influencer: share of pending views left for tomorrow
    comfortable: np.ndarray  # (T,) community content: posts a week without crowding
    crowding: np.ndarray
    promotional: np.ndarray  # (T,) share of a unit that is promotional (a contest: 1)
    duration: np.ndarray  # (T,) contest days
    conversion_multiplier: np.ndarray  # (T,) members' conversion relative to others
    churn_multiplier: np.ndarray
    natural_posts: np.ndarray  # (T,) seeding: the forums' natural posts a week
    link_probability: np.ndarray  # (T,) seeding: placed items carrying a link
    refreshes: np.ndarray  # (T, arms) bool: the arms a creative refresh renews
    _kind_masks: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def planned_cost(self) -> float:
        """What the schedules cost over the campaign, within the tools' own budgets."""
        return float((self.affordable * self.unit_cost).sum())

    def of_kind(self, *kinds: str) -> np.ndarray:
        """(T,) whether each tactic is of one of `kinds` (read-only: the same array is handed
        out every day, since the engine asks for the same kinds several times a day)."""
        mask = self._kind_masks.get(kinds)
        if mask is None:
            mask = np.isin(np.array(self.kinds, dtype=object), check_kinds(*kinds))
            mask.flags.writeable = False
            self._kind_masks[kinds] = mask
        return mask

    def reserved_after(self, month_of_day: np.ndarray, n_months: int) -> tuple:
        """What the schedules will still cost after each day: (days,) in total and
        (days, months) by month, so that paced ads leave that money to the tactics."""
        cost = (self.affordable * self.unit_cost).sum(axis=1)  # (days,)
        later = np.concatenate([np.cumsum(cost[::-1])[::-1][1:], [0.0]])
        by_month = np.zeros((len(cost), n_months))
        for m in range(n_months):
            in_month = np.where(month_of_day == m, cost, 0.0)
            by_month[:, m] = np.concatenate([np.cumsum(in_month[::-1])[::-1][1:], [0.0]])
        return later, by_month


def build_tactic_table(scenario: Scenario, arms: ArmTable) -> TacticTable:
    days = scenario.campaign.days
    found = [(i, p, t) for i, p in enumerate(scenario.platforms) for t in p.tactics()]
    tactics = [t for _, _, t in found]

    def column(get, default: float = 0.0) -> np.ndarray:
        return np.array([float(get(t)) if get(t) is not None else default for t in tactics])

    def field(name: str):
        return lambda t: getattr(t, name, None)

    return TacticTable(
        names=tuple(f"{p.name}/{t.name}" for _, p, t in found),
        kinds=tuple(t.type for t in tactics),
        platform_of=np.array([i for i, _, _ in found], dtype=int),
        unit_cost=column(lambda t: t.unit_cost()),
        budget=column(field("budget"), default=np.inf),
        units=_stack([planned_units(t, days) for t in tactics], days),
        affordable=_stack([affordable_units(t, days) for t in tactics], days),
        priors={rate: tuple(_prior(t, rate) for t in tactics) for rate in RATE_PRIORS},
        per_unit=tuple(_per_unit(t) for t in tactics),
        decay=column(lambda t: 0.5 ** (1 / t.half_life_days) if isinstance(t, Influencer) else 0),
        comfortable=column(field("comfortable_per_week"), default=np.inf),
        crowding=column(field("crowding")),
        promotional=column(_promotional),
        duration=column(field("duration_days"), default=1),
        conversion_multiplier=column(field("member_conversion_multiplier"), default=1),
        churn_multiplier=column(field("churn_multiplier"), default=1),
        natural_posts=column(field("natural_posts_per_week"), default=np.inf),
        link_probability=column(field("link_probability")),
        refreshes=_refresh_matrix(found, arms),
    )


def _stack(columns: list[np.ndarray], days: int) -> np.ndarray:
    return np.column_stack(columns) if columns else np.zeros((days, 0))


def _prior(tactic: Tactic, rate: str):
    belief = getattr(tactic, rate, None)
    return belief.distribution() if isinstance(belief, RateBelief) else NONE


def _per_unit(tactic: Tactic):
    if isinstance(tactic, Influencer):
        return tactic.reach.distribution()
    if isinstance(tactic, Contest):
        return tactic.joins.distribution()
    return NONE


def _promotional(tactic: Tactic) -> float:
    if isinstance(tactic, CommunityContent):
        return tactic.promotional_share
    return 1.0 if isinstance(tactic, Contest) else 0.0


def _refresh_matrix(found: list, arms: ArmTable) -> np.ndarray:
    out = np.zeros((len(found), arms.n), dtype=bool)
    for row, (platform_index, _platform, tactic) in enumerate(found):
        if not isinstance(tactic, CreativeRefresh):
            continue
        for a in range(arms.n):
            same_platform = arms.platform_of[a] == platform_index
            named = tactic.targets is None or arms.tools[a] in tactic.targets
            out[row, a] = same_platform and named
    return out


@dataclass(frozen=True)
class TacticRates:
    """Each replication's true rates of every tactic, (reps, T) each (0 where a kind has none)."""

    ctr: np.ndarray
    join_rate: np.ndarray
    cvr: np.ndarray
    organic_reach: np.ndarray
    rank_probability: np.ndarray

    @classmethod
    def draw(cls, table: TacticTable, draws: Draws) -> TacticRates:
        return cls(**{rate: draws.rates(table.priors[rate]) for rate in RATE_PRIORS})


@dataclass(frozen=True)
class TacticDay:
    """One day of every tactic in every replication, (reps, T) each."""

    units: np.ndarray
    spend: np.ndarray
    impressions: np.ndarray  # views
    clicks: np.ndarray
    joins: np.ndarray
    direct_conversions: np.ndarray
    posts: np.ndarray  # posts in the own feed (community content and contest announcements)
    promotional_posts: np.ndarray

    @classmethod
    def empty(cls, n_reps: int) -> TacticDay:
        """The day of a scenario without tactics: every field (reps, 0)."""
        none = np.zeros((n_reps, 0))
        return cls(*(none,) * 8)


class TacticDelivery:
    """The state of every tactic in a chunk: pending influencer views, the last week's posts and
    the contest joins still to come."""

    def __init__(self, table: TacticTable, rates: TacticRates, draws: Draws, n_reps: int):
        shape = (n_reps, table.n)
        self.table = table
        self.rates = rates
        self.draws = draws
        self.tool_left = np.broadcast_to(table.budget, shape).copy()
        self.ordered = np.zeros(table.n)  # units the schedules ordered for today
        self.pending_views = np.zeros(shape)
        self.posts_week = Trailing(WEEK, shape)
        self.longest = int(table.duration.max()) if table.n else 1
        self.same_feed = (table.platform_of[:, None] == table.platform_of[None, :]).astype(float)
        self.contest_joins = np.zeros((self.longest, *shape))

    def schedules(self, env: simpy.Environment) -> list[Generator]:
        """One SimPy process per tactic: it orders each scheduled day's units a little before
        that day's delivery (an influencer post on day 12 is an order placed then)."""
        return [self._orders(env, i) for i in range(self.table.n)]

    def _orders(self, env: simpy.Environment, i: int):
        for day in np.flatnonzero(self.table.units[:, i] > 0):
            # The first day's orders are placed as the process starts, before any delivery.
            if day - ORDER_LEAD > env.now:
                yield env.timeout(day - ORDER_LEAD - env.now)
            self.ordered[i] += self.table.units[day, i]

    def buy(self, room: np.ndarray) -> np.ndarray:
        """(reps, T) whole units of today's orders bought, tactic by tactic, each only if its
        cost fits in the tool's budget and in `room` (reps,), what the campaign and month have
        left; `room` is drawn down in place. What cannot be paid today is not bought later."""
        t = self.table
        bought = np.zeros_like(self.tool_left)
        for i in range(t.n):
            wanted, self.ordered[i] = self.ordered[i], 0.0
            if wanted <= 0:
                continue
            cost = t.unit_cost[i]
            fits = np.minimum(self.tool_left[:, i], room)
            units = np.minimum(wanted, np.floor(fits / cost + 1e-9)) if cost > 0 else wanted
            units = np.maximum(units, 0.0)
            bought[:, i] = units
            self.tool_left[:, i] -= units * cost
            room -= units * cost
        return bought

    def deliver(
        self,
        day: int,
        units: np.ndarray,
        members: np.ndarray,
        ctr_mult: np.ndarray,
        cvr_mult: np.ndarray,
    ) -> TacticDay:
        """What today's units and the pending effects of earlier ones bring. `members` is
        (reps, T): the members of each tactic's platform; the multipliers (reps, T) are the
        reputation's and backlash's effect on the platform's rates."""
        t, r, draws = self.table, self.rates, self.draws
        influencer, content, contest = (
            t.of_kind(k) for k in ("influencer", "community_content", "contest")
        )
        reach = draws.rates(t.per_unit)  # one placement's reach, one contest's joins
        views = self._influencer_views(np.where(influencer, units * reach, 0.0))
        posts = np.where(t.of_kind(*FEED_POSTERS), units, 0.0)
        # One feed per platform: every post there in the last week crowds every other.
        week_posts = self.posts_week.add(day, posts) @ self.same_feed
        crowd = np.minimum(
            1.0,
            np.divide(t.comfortable, week_posts, out=np.ones_like(week_posts), where=week_posts > 0)
            ** t.crowding,
        )
        views = views + np.where(content, units * members * r.organic_reach * crowd, 0.0)
        views = draws.poisson(views)  # whole views, unbiased even for a small community
        clicks = draws.binomial(views, r.ctr * ctr_mult)
        shared = np.where(content, views, 0.0)
        joins = draws.binomial(np.where(influencer, clicks, shared), r.join_rate)
        joins = joins + self._contest_joins(day, np.where(contest, units * reach, 0.0))
        direct = draws.binomial(clicks, r.cvr * cvr_mult)
        return TacticDay(
            units=units,
            spend=units * t.unit_cost,
            impressions=views,
            clicks=clicks,
            joins=joins,
            direct_conversions=direct,
            posts=posts,
            promotional_posts=posts * t.promotional,
        )

    def _influencer_views(self, new_reach: np.ndarray) -> np.ndarray:
        """Today's views of all placements so far: (1 - r) of what is still to be seen."""
        self.pending_views += new_reach
        views = (1 - self.table.decay) * self.pending_views
        self.pending_views -= views
        return views

    def _contest_joins(self, day: int, expected: np.ndarray) -> np.ndarray:
        """Spread each new contest's expected joins evenly over its days; draw today's."""
        duration = self.table.duration
        # Most days start no contest: nothing to spread (adding zeros would change nothing).
        for offset in range(self.longest if expected.any() else 0):
            share = np.where(offset < duration, expected / duration, 0.0)
            self.contest_joins[(day + offset) % self.longest] += share
        slot = day % self.longest
        due = self.contest_joins[slot].copy()
        self.contest_joins[slot] = 0.0
        return self.draws.poisson(due)
