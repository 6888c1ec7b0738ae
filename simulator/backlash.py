"""Backlash: a daily hazard per platform that grows with how hard the plan pushes.

Five intensity signals are read each day from trailing windows of what was delivered:
- seeding ratio: items seeded on the platform in the last 7 days over its forums' natural posts a
  week (a flood of praise among few natural posts is what forum members notice);
- sponsored share: promotional posts over all posts in the own feed in the last 7 days (from 3
  posts a week: a lone giveaway is not a feed);
- ad frequency: impressions per person reached in the last 7 days, worst ad tool on the platform;
- contest share: contests' share of the platform's joins in the last 90 days;
- reputation speed: points a week the positive share of the top 20 rose over the last 14 days, on
  platforms that seed.
Signal i adds hazard h_i = hazard_at_high * ((x - safe) / (high - safe))^2 above `safe`; the day's
hazard is 1 - (1 - base) * prod(1 - h_i), at most `max_daily_hazard`. An event (drawn at the end
of the day) puts negative results into every key query's top 20 and negative mentions on the
portals, multiplies the platform's CTR and conversion by (1 - rate_penalty) for `penalty_days`
(events compound; the other platforms feel `spillover` of it), and sends a repair bill that the
budget pays the next morning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smmsim.scenarios.reputation_schema import SIGNALS, Backlash
from smmsim.simulator.curves import frequency, unique_reach
from smmsim.simulator.randomness import Draws
from smmsim.simulator.rows import row_sum
from smmsim.simulator.windows import Trailing

WEEK = 7
# Joins are compared over a quarter: one contest among months of steady growth is a promotion; a
# community whose last three months came mostly from giveaways looks bought.
CONTEST_WINDOW = 90
# The reputation's speed is its rise over the last two weeks, per week: results enter the top 20
# one by one, so a one-week window would read a lucky week as a push.
SPEED_WINDOW = 14
# The feed's promotional share is judged from this many posts in the week: one giveaway on a
# platform where the plan posts nothing else is not a feed that mostly sells.
MIN_FEED_POSTS = 3


# The signals read from what the platforms did today (`PlatformDay`): ad frequency comes from the
# ads' impressions, the reputation's speed from the top 20.
PLATFORM_DAY_SIGNALS = frozenset({"seeding_ratio", "sponsored_share", "contest_share"})


@dataclass(frozen=True)
class PlatformDay:
    """What the platforms did today, (reps, P) each, as the signals need it."""

    seeded: np.ndarray
    posts: np.ndarray
    promotional_posts: np.ndarray
    joins: np.ndarray
    contest_joins: np.ndarray


class BacklashModel:
    def __init__(
        self,
        params: Backlash,
        *,
        natural_posts: np.ndarray,
        seeds: np.ndarray,
        arm_platform: np.ndarray,
        repair: tuple,
        start_positive: np.ndarray,
        draws: Draws,
        exposed: np.ndarray | None = None,
        can_signal: frozenset[str] = frozenset(SIGNALS),
    ):
        """`natural_posts` (P,) the forums' natural posts a week on each platform (0: no
        seeding there), `seeds` (P,) whether the platform has a seeding tool, `arm_platform`
        (arms,) each ad arm's platform, `repair` one repair-bill distribution per platform,
        `start_positive` (reps,) the positive share of the top 20 at the start, `exposed` (P,)
        where backlash can strike (default: everywhere), `can_signal` the signals the plan's
        tools can raise above zero (the others stay at zero, below every threshold, and are
        not tracked)."""
        n_reps = len(start_positive)
        n_platforms = len(natural_posts)
        shape = (n_reps, n_platforms)
        self.params = params
        self.shape = shape
        # Below this many impressions a person, no arm's frequency reaches the safe level.
        self.quiet_exposure = exposure_below(params.signals()["ad_frequency"].safe)
        self.exposed = np.ones(n_platforms, dtype=bool) if exposed is None else exposed
        self.natural_posts = natural_posts
        self.seeds = seeds
        self.arm_platform = arm_platform
        self.repair = repair
        self.draws = draws
        self.can_signal = can_signal
        self.seeded = Trailing(WEEK, shape)
        self.posts = Trailing(WEEK, shape)
        self.promotional = Trailing(WEEK, shape)
        self.joins = Trailing(CONTEST_WINDOW, shape)
        self.contest_joins = Trailing(CONTEST_WINDOW, shape)
        self.arm_impressions = Trailing(WEEK, (n_reps, len(arm_platform)))
        # Until the window has passed, the speed is measured against the start.
        self.positive_history = np.tile(start_positive, (SPEED_WINDOW + 1, 1))
        # An event on day t depresses the rates on days t + 1 .. t + penalty_days.
        self.penalty_events = Trailing(params.penalty_days, shape)
        self.active_events = np.zeros(shape)
        self.pending_repair = np.zeros(shape)
        self.repairs_due = False  # a bill was sent since the last were paid
        self.could_strike = False  # whether today's hazard was above 0 anywhere (`strike`)

    @property
    def reads_platform_day(self) -> bool:
        """Whether a signal the plan can raise reads what the platforms did today: without
        one, `signals` needs no `PlatformDay` (a plan of ads alone)."""
        return bool(self.can_signal & PLATFORM_DAY_SIGNALS)

    def penalty(self) -> np.ndarray:
        """(reps, P) today's multiplier of CTR and conversion from recent events: the
        platform's own, and `spillover` of each other platform's."""
        own = self.active_events
        if not own.any():  # no event in the window, most days of most plans: x ** 0 is 1
            return np.ones_like(own)
        others = row_sum(own, keepdims=True) - own
        return (1 - self.params.rate_penalty) ** (own + self.params.spillover * others)

    def signals(
        self,
        day: int,
        today: PlatformDay | None,
        arm_impressions: np.ndarray,
        arm_audience: np.ndarray,
        positive_share: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """(reps, P) each signal the plan can raise, after today's delivery; `today` may be
        None where none of them reads it (`reads_platform_day`). Ad frequency is left out on a
        day no arm's can be above its safe level (most days of most plans): it would add no
        hazard."""
        week = self.arm_impressions.add(day, arm_impressions)
        out = {}
        if np.max(week / arm_audience, initial=0.0) >= self.quiet_exposure:
            out["ad_frequency"] = self._worst_frequency(week, arm_audience)
        if "seeding_ratio" in self.can_signal:
            out["seeding_ratio"] = _ratio(self.seeded.add(day, today.seeded), self.natural_posts)
        if "sponsored_share" in self.can_signal:
            posts = self.posts.add(day, today.posts)
            promotional = self.promotional.add(day, today.promotional_posts)
            enough = posts >= MIN_FEED_POSTS
            out["sponsored_share"] = np.where(enough, _ratio(promotional, posts), 0.0)
        if "contest_share" in self.can_signal:
            contest = self.contest_joins.add(day, today.contest_joins)
            out["contest_share"] = _ratio(contest, self.joins.add(day, today.joins))
        if "reputation_speed" in self.can_signal:
            self.positive_history[day % (SPEED_WINDOW + 1)] = positive_share
            window_ago = self.positive_history[(day - SPEED_WINDOW) % (SPEED_WINDOW + 1)]
            # Before the window has passed the rise is since the start, over the days so far
            # (at least a week): a first-week push reads at its full speed.
            days = max(WEEK, min(day + 1, SPEED_WINDOW))
            out["reputation_speed"] = self._speed(positive_share, window_ago, days)
        return out

    def _worst_frequency(self, week: np.ndarray, audience: np.ndarray) -> np.ndarray:
        per_arm = frequency(week, unique_reach(week, audience))
        out = np.zeros((len(week), len(self.natural_posts)))
        for p in range(out.shape[1]):
            on_p = self.arm_platform == p
            if on_p.any():
                out[:, p] = per_arm[:, on_p].max(axis=1)
        return out

    def _speed(self, now: np.ndarray, window_ago: np.ndarray, days: int) -> np.ndarray:
        """Points a week of positive share gained over the last `days` days, on the platforms
        that seed."""
        points = 100 * np.maximum(now - window_ago, 0.0) * WEEK / days
        return np.where(self.seeds, points[:, None], 0.0) * np.ones(self.shape)

    def hazard(self, signals: dict[str, np.ndarray]) -> np.ndarray:
        """(reps, P) probability of an event today."""
        p = self.params
        survive = 1 - p.base_hazard  # a number until a signal adds hazard somewhere
        for name, signal in p.signals().items():
            if name not in signals:  # stays at zero: no excess over any threshold
                continue
            # Nowhere above its safe level (every signal, most days, of most plans): it adds no
            # hazard, and multiplying the survival by exactly 1 would change nothing.
            if not (signals[name] > signal.safe).any():
                continue
            excess = np.maximum(signals[name] - signal.safe, 0.0) / (signal.high - signal.safe)
            survive = survive * (1 - np.minimum(signal.hazard_at_high * excess**2, 1.0))
        hazard = np.where(self.exposed & p.enabled, np.minimum(1 - survive, p.max_daily_hazard), 0)
        return np.broadcast_to(hazard, np.broadcast_shapes(self.shape, hazard.shape))

    def strike(self, day: int, hazard: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(reps, P) today's events and their repair bills; the bills come due tomorrow and the
        penalty starts then."""
        self.could_strike = bool(hazard.any())
        if not self.could_strike:
            # No event can strike today (most days of most plans): the zeros the draws would
            # give, their uniforms (the events' row and the bills') used up all the same.
            self.draws.uniforms(2)
            self.active_events = self.penalty_events.add_nothing(day)
            return np.zeros_like(hazard), np.zeros_like(hazard)
        events = self.draws.binomial(np.ones_like(hazard), hazard)
        bills = events * self.draws.rates(self.repair, where=events > 0)
        self.pending_repair += bills
        self.repairs_due = True
        self.active_events = self.penalty_events.add(day, events)
        return events, bills

    def due_repairs(self) -> np.ndarray:
        """(reps, P) repair bills due today; they are cleared once read."""
        due = self.pending_repair
        self.pending_repair = np.zeros_like(due)
        self.repairs_due = False
        return due


def exposure_below(safe: float) -> float:
    """Impressions per person x below which the frequency of x impressions among one person
    (`curves.frequency` of `curves.unique_reach`: x / (1 - exp(-x)), the same for C / N among N)
    stays under `safe`. It grows from 1 (at x near 0) and is found by bisection, then lowered by a
    millionth so that the rounding of the frequency's own arithmetic cannot carry it past `safe`.
    0 where `safe` is at most 1, which any impression reaches."""
    if safe <= 1.0:
        return 0.0
    low, high = 0.0, safe  # x / (1 - exp(-x)) > x, so it passes `safe` before x does
    for _ in range(200):
        middle = (low + high) / 2
        if frequency(middle, unique_reach(middle, 1.0)) < safe:
            low = middle
        else:
            high = middle
    return low * (1 - 1e-6)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    den = np.broadcast_to(den, num.shape)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)
