"""Static risk rules for `smmsim check`: the plan's intensity of each backlash signal, read from
the scenario before any simulation.

Each rule reads the planned schedules and budgets with every belief at its mean (no randomness)
and compares the signal's worst 7-day window with the thresholds of `scenario.backlash`: a value
above `safe` is a medium finding, one at or above `high` a high finding. The rules judge the plan,
so they run even when the backlash model is switched off for a what-if. Each finding says why its
signal leads to outrage and gives a safer plan with numbers that, applied, bring it to `safe`:
the seed's "do no harm" (70% positive search results in one week would most likely backfire).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from smmsim.scenarios.beliefs import PriceBelief, RateBelief
from smmsim.scenarios.calendar import month_index
from smmsim.scenarios.documents import Document
from smmsim.scenarios.reputation_schema import SIGNALS, TOP_RESULTS, Signal
from smmsim.scenarios.schedule import affordable_units
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.tool_kinds import AD_TOOLS, FEED_TOOLS, RETARGETING
from smmsim.scenarios.tools_schema import (
    AdArm,
    CommunityContent,
    Contest,
    Influencer,
    PaidAds,
    Retargeting,
    Seeding,
    Tactic,
)
from smmsim.simulator.arms import default_s_half
from smmsim.simulator.backlash import CONTEST_WINDOW, MIN_FEED_POSTS
from smmsim.simulator.curves import auction_cpm, unique_reach

WEEK = 7
# Relative slack on the thresholds, so that a value equal to one on paper (15 items against 100
# natural posts) is not flagged for a rounding error in its last bit.
TOLERANCE = 1e-9
BISECTION_STEPS = 100
LEVELS = ("high", "medium")

WHY = {
    "seeding_ratio": "A flood of praise among few natural posts stands out: forum members spot "
    "the planted posts and turn on the brand.",
    "sponsored_share": "A feed that mostly sells loses its members' goodwill: they mute it, leave "
    "and complain about spam.",
    "ad_frequency": "People who see the same ad too often in a week get annoyed: they hide the "
    "ad, complain and comment negatively.",
    "contest_share": "A community that grows mostly from giveaways looks bought: prize hunters "
    "churn, buy little and crowd out the members who came for the product.",
    "reputation_speed": "Search results that turn positive faster than any natural conversation "
    "look manipulated and provoke outrage that costs many times more to repair than it gained.",
}
UNITS = {
    "seeding_ratio": "seeded items per natural post",
    "sponsored_share": "promotional share of the feed",
    "ad_frequency": "impressions per person reached a week",
    "contest_share": "share of the platform's joins",
    "reputation_speed": "points per week",
}


@dataclass(frozen=True)
class Finding(Document):
    """One signal of the plan above its `safe` threshold, with why it matters and what to do:
    an item of the `static` findings in check.json and in result.json's `risk`."""

    rule: str  # the signal name, e.g. "seeding_ratio"
    level: str  # "medium" (value > signal.safe) or "high" (value >= signal.high)
    platform: str  # platform name
    tool: str | None  # tool name when one tool drives it, else None
    path: str  # scenario key path that sets it, e.g. "platforms[2].tools[0].schedule"
    value: float  # the plan's value of the signal (its worst 7-day window)
    threshold: float  # the threshold crossed (safe for medium, high for high)
    unit: str  # e.g. "seeded items per natural post", "points per week"
    why: str  # one sentence: why it matters (backlash mechanism)
    safer: str  # a concrete safer alternative with numbers

    def as_dict(self) -> dict:
        return self.to_dict()


def static_findings(scenario: Scenario) -> list[Finding]:
    """Every static finding, high first, then by platform order (then rule, then tool order)."""
    plan = read_plan(scenario)
    findings = [
        *seeding_ratio_findings(plan),
        *sponsored_share_findings(plan),
        *ad_frequency_findings(plan),
        *contest_share_findings(plan),
        *reputation_speed_findings(plan),
    ]
    order = {p.name: i for i, p in enumerate(scenario.platforms)}
    # sorted() is stable: within one level, platform and rule, tools keep the scenario's order.
    return sorted(
        findings, key=lambda f: (LEVELS.index(f.level), order[f.platform], SIGNALS.index(f.rule))
    )


# --- the plan, read once --------------------------------------------------------------------------

Key = tuple[int, int]  # (platform index, tool index)


@dataclass(frozen=True)
class Plan:
    """What the rules read: the affordable daily units of every tactic and, for every ad tool
    with a budget, its planned daily spend, the people it reaches and its daily impressions."""

    scenario: Scenario
    days: int
    units: dict[Key, np.ndarray]
    media_budget: float
    spend: dict[Key, float]
    audience: dict[Key, float]
    impressions: dict[Key, float]

    def tool(self, key: Key) -> Any:
        return self.scenario.platforms[key[0]].tools[key[1]]


def read_plan(scenario: Scenario) -> Plan:
    days = scenario.campaign.days
    units = {(i, j): affordable_units(t, days) for i, j, t in tools_of(scenario, Tactic)}
    plan = Plan(scenario, days, units, media_budget(scenario, units), {}, {}, {})
    # Paid ads before retargeting: their clicks fill the pool that retargeting shows ads to.
    ads = list(tools_of(scenario, AD_TOOLS))
    unplanned = even_split(plan, [t for _, _, t in ads])
    for i, j, tool in sorted(ads, key=lambda t: t[2].type in RETARGETING):
        spend = daily_spend(plan, tool)
        if spend is None:
            spend = unplanned
        people = retargeting_pool(plan, i, tool) if tool.type in RETARGETING else None
        plan.spend[(i, j)] = spend
        plan.audience[(i, j)] = people or float(scenario.platforms[i].audience)
        plan.impressions[(i, j)] = daily_impressions(plan, (i, j), spend)
    return plan


def tools_of(scenario: Scenario, kind: type | tuple[type, ...]) -> Iterator[tuple[int, int, Any]]:
    """(platform index, tool index, tool) of every tool of that kind, in scenario order."""
    for i, platform in enumerate(scenario.platforms):
        for j, tool in enumerate(platform.tools):
            if isinstance(tool, kind):
                yield i, j, tool


def media_budget(scenario: Scenario, units: dict[Key, np.ndarray]) -> float:
    """budget - sum over tactics of affordable units x unit cost (never below 0): what the ad
    tools' budget shares split, since a tactic's units are bought whole when due."""
    cost = sum(units[(i, j)].sum() * t.unit_cost() for i, j, t in tools_of(scenario, Tactic))
    return max(0.0, scenario.campaign.budget - cost)


def even_split(plan: Plan, ads: list[AdArm]) -> float:
    """The daily spend of an ad tool without a budget of its own (its strategy splits the
    budget): an even share of what the tools with one leave, as a spread would give it."""
    free = [t for t in ads if t.daily_budget is None and t.budget_share is None]
    if not free:
        return 0.0
    shares = sum(t.budget_share or 0.0 for t in ads)
    fixed = sum(t.daily_budget or 0.0 for t in ads) * plan.days
    left = max(plan.media_budget * (1 - shares) - fixed, 0.0)
    return left / len(free) / plan.days


def daily_spend(plan: Plan, tool: AdArm) -> float | None:
    """daily_budget, or budget_share x media budget / days; None without either."""
    if tool.daily_budget is not None:
        return tool.daily_budget
    if tool.budget_share is not None:
        return tool.budget_share * plan.media_budget / plan.days
    return None


def retargeting_pool(plan: Plan, i: int, tool: Retargeting) -> float:
    """People in the pool: expected daily clicks of the platform's paid ads (daily impressions x
    mean ctr) and influencers (units x mean reach x mean ctr / days), x window_days, between
    1 and the platform's audience. Community posts also bring visitors, but their reach grows
    with members the plan cannot know, so they are left out: the pool is, if anything, small."""
    ads = sum(
        plan.impressions[(k, j)] * mean(t.ctr)
        for k, j, t in tools_of(plan.scenario, PaidAds)
        if k == i and (k, j) in plan.impressions
    )
    placements = sum(
        plan.units[(k, j)].sum() * mean(t.reach) * mean(t.ctr) / plan.days
        for k, j, t in tools_of(plan.scenario, Influencer)
        if k == i
    )
    people = (ads + placements) * tool.window_days
    return float(np.clip(people, 1.0, plan.scenario.platforms[i].audience))


def daily_impressions(plan: Plan, key: Key, spend: float) -> float:
    """min(1000 s / cpm, frequency_cap x N), cpm = mean cpm x (1 + (s / s_half) ** k) with
    s_half = auction.s_half or default_s_half(platform audience); N = the people reached."""
    tool, platform = plan.tool(key), plan.scenario.platforms[key[0]]
    s_half = tool.auction.s_half or default_s_half(platform.audience, tool)
    cpm = float(auction_cpm(mean(tool.cpm), spend, s_half, tool.auction.k))
    return min(1000 * spend / cpm, tool.frequency_cap * plan.audience[key])


def mean(belief: PriceBelief | RateBelief) -> float:
    """A belief at its mean: the static rules judge the planner's expectation."""
    return belief.distribution().mean


def window_sums(daily: np.ndarray) -> np.ndarray:
    """Sums over every 7 consecutive days (the whole campaign if shorter)."""
    return np.convolve(daily, np.ones(min(WEEK, len(daily))), mode="valid")


def schedule_path(key: Key) -> str:
    return f"platforms[{key[0]}].tools[{key[1]}].schedule"


def level_of(value: float, signal: Signal) -> tuple[str, float] | None:
    """("high", high) at or above high, ("medium", safe) above safe, None at or below safe."""
    if value >= signal.high * (1 - TOLERANCE):
        return "high", signal.high
    if value > signal.safe * (1 + TOLERANCE):
        return "medium", signal.safe
    return None


def finding(
    plan: Plan,
    rule: str,
    value: float,
    i: int,
    tool: str | None,
    path: str,
    safer: Callable[[], str],
) -> list[Finding]:
    """The finding of `rule` on platform `i` at `value`, if the value crosses a threshold;
    `safer` words the alternative only then (it may divide by what is 0 in a safe plan)."""
    level = level_of(value, plan.scenario.backlash.signals()[rule])
    if level is None:
        return []
    name = plan.scenario.platforms[i].name
    return [
        Finding(
            rule,
            level[0],
            name,
            tool,
            path,
            float(value),
            level[1],
            UNITS[rule],
            WHY[rule],
            safer(),
        )
    ]


# --- 1. seeding ratio -----------------------------------------------------------------------------


def seeding_ratio_findings(plan: Plan) -> list[Finding]:
    """Per platform that seeds: the most items its seeding tools place in 7 days / the forums'
    natural posts a week (the largest its tools state: they post into the same forums), as the
    engine reads it."""
    signal, out = plan.scenario.backlash.seeding_ratio, []
    for i in range(len(plan.scenario.platforms)):
        seeders = [(j, t) for k, j, t in tools_of(plan.scenario, Seeding) if k == i]
        if not seeders:
            continue
        units = sum(plan.units[(i, j)] for j, _ in seeders)
        natural = max(t.natural_posts_per_week for _, t in seeders)
        one = len(seeders) == 1
        tool = seeders[0][1].name if one else None
        path = schedule_path((i, seeders[0][0])) if one else f"platforms[{i}].tools"
        safer = partial(seeding_safer, plan, units, natural, signal)
        peak = window_sums(units).max()
        out += finding(plan, "seeding_ratio", peak / natural, i, tool, path, safer)
    return out


def seeding_safer(plan: Plan, units: np.ndarray, natural: float, signal: Signal) -> str:
    """The largest whole number of items a week that keeps the ratio at `safe`,
    floor(safe x natural posts), and the weeks the same total needs at that pace,
    ceil(total / that)."""
    per_week = math.floor(signal.safe * natural * (1 + TOLERANCE))
    total = round(float(units.sum()))
    if per_week < 1:
        return (
            f"seed nothing here: {natural:g} natural posts a week leave no "
            f"room for a planted item at a ratio of {signal.safe:g}"
        )
    weeks = math.ceil(total / per_week)
    if weeks * WEEK > plan.days:
        fits = math.floor(per_week * plan.days / WEEK)
        return (
            f"seed at most {per_week} a week: the {total} items would need {weeks} weeks at "
            f"that pace, so the {plan.days}-day campaign holds only {fits} of them"
        )
    return f"spread the {total} items over at least {weeks} weeks (at most {per_week} a week)"


# --- 2. sponsored share ---------------------------------------------------------------------------


def sponsored_share_findings(plan: Plan) -> list[Finding]:
    """Per platform: the worst 7-day window with at least MIN_FEED_POSTS posts of promotional
    posts / all posts, where a community post counts promotional_share promotional and a
    contest one whole one."""
    signal, out = plan.scenario.backlash.sponsored_share, []
    for i, platform in enumerate(plan.scenario.platforms):
        promo, posts = feed(plan, i)
        if not promo:
            continue
        promo_w = window_sums(sum(promo.values()))
        posts_w = window_sums(posts)
        judged = posts_w >= MIN_FEED_POSTS * (1 - TOLERANCE)  # as the engine: a feed, not a post
        shares = np.divide(promo_w, posts_w, out=np.zeros_like(promo_w), where=judged)
        worst = int(np.argmax(shares))
        drivers = [j for j, p in promo.items() if window_sums(p)[worst] > 0]
        tool = platform.tools[drivers[0]].name if len(drivers) == 1 else None
        path = schedule_path((i, drivers[0])) if tool else f"platforms[{i}].tools"
        judged_promo = np.where(judged, promo_w, 0.0)  # the safer plan answers judged weeks
        safer = partial(sponsored_safer, judged_promo, posts_w, worst, signal)
        out += finding(plan, "sponsored_share", shares[worst], i, tool, path, safer)
    return out


def feed(plan: Plan, i: int) -> tuple[dict[int, np.ndarray], np.ndarray]:
    """Daily promotional posts per feed tool of platform i, and all feed posts a day."""
    promo: dict[int, np.ndarray] = {}
    posts = np.zeros(plan.days)
    for k, j, tool in tools_of(plan.scenario, FEED_TOOLS):
        if k != i:
            continue
        units = plan.units[(k, j)]
        share = tool.promotional_share if isinstance(tool, CommunityContent) else 1.0
        promo[j], posts = units * share, posts + units
    return promo, posts


def sponsored_safer(promo_w: np.ndarray, posts_w: np.ndarray, worst: int, signal: Signal) -> str:
    """Non-promotional posts a week that bring every window to `safe`: the largest
    ceil(promotional / safe - posts); or the promotional posts the worst window's plain posts
    carry, floor(safe x plain / (1 - safe))."""
    if signal.safe <= 0:
        return "post nothing promotional: any promotional post is above the safe share of 0"
    extra = max(
        math.ceil(p / signal.safe * (1 - TOLERANCE) - n)
        for p, n in zip(promo_w, posts_w, strict=True)
    )
    plain = posts_w[worst] - promo_w[worst]
    carried = math.floor(signal.safe * plain / (1 - signal.safe) * (1 + TOLERANCE))
    posts = "post" if extra == 1 else "posts"
    add = f"add {extra} non-promotional {posts} a week (promotional_share 0)"
    busiest = f"the {promo_w[worst]:.3g} promotional posts of the busiest week"
    if carried < 1:
        return (
            f"{add}, or drop {busiest}: its {plain:.3g} plain posts carry none at {signal.safe:.0%}"
        )
    return (
        f"{add}, or cut {busiest} to at most {carried}, so that they stay at most "
        f"{signal.safe:.0%} of the feed"
    )


# --- 3. ad frequency ------------------------------------------------------------------------------


def ad_frequency_findings(plan: Plan) -> list[Finding]:
    """Per ad tool with a budget: C / unique_reach(C, N) with C = 7 x daily impressions."""
    signal, out = plan.scenario.backlash.ad_frequency, []
    for key, spend in plan.spend.items():
        value = weekly_frequency(plan, key, spend)
        tool = plan.tool(key)
        if tool.daily_budget is None and tool.budget_share is None:
            path = "strategy"  # the strategy's split sets its budget
        else:
            field = "daily_budget" if tool.daily_budget is not None else "budget_share"
            path = f"platforms[{key[0]}].tools[{key[1]}].{field}"
        safer = partial(frequency_safer, plan, key, spend, signal)
        out += finding(plan, "ad_frequency", value, key[0], tool.name, path, safer)
    return out


def weekly_frequency(plan: Plan, key: Key, spend: float) -> float:
    """Impressions per person reached over 7 days at a daily spend (0 with no impression)."""
    week = WEEK * daily_impressions(plan, key, spend)
    return week / float(unique_reach(week, plan.audience[key])) if week > 0 else 0.0


def frequency_safer(plan: Plan, key: Key, spend: float, signal: Signal) -> str:
    """The daily spend that keeps the frequency at `safe`, by bisection: impressions and
    frequency grow with spend (k <= 1), so the safe spends are an interval from 0. Rounded down
    to cents, and as a budget share where the tool has one."""
    lo, hi = 0.0, spend
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if weekly_frequency(plan, key, mid) <= signal.safe else (lo, mid)
    safe_spend = math.floor(lo * 100) / 100
    currency, tool = plan.scenario.campaign.currency, plan.tool(key)
    if tool.daily_budget is not None:
        cut = f"set daily_budget to at most {safe_spend:.2f} {currency} (from {spend:g})"
    elif tool.budget_share is None:
        cut = (
            f"give it a daily_budget of at most {safe_spend:.2f} {currency}: an even split "
            f"would spend about {spend:.2f} a day"
        )
    else:
        share = math.floor(safe_spend * plan.days / plan.media_budget * 1000) / 1000
        cut = (
            f"cut budget_share to at most {share:.3f} (from {tool.budget_share:g}), about "
            f"{safe_spend:.2f} {currency} a day instead of {spend:.2f}"
        )
    return f"{cut}; or add a creative_refresh and widen the audience"


# --- 4. contest share -----------------------------------------------------------------------------


def contest_share_findings(plan: Plan) -> list[Finding]:
    """Per platform with contests: contest joins / all joins over the CONTEST_WINDOW days up to
    each day, the worst day, as the engine reads it; a contest's units x mean joins arrive
    evenly over its duration_days."""
    signal, out = plan.scenario.backlash.contest_share, []
    for i in range(len(plan.scenario.platforms)):
        contests = [(j, t) for k, j, t in tools_of(plan.scenario, Contest) if k == i]
        daily = sum((contest_joins(plan, (i, j), t) for j, t in contests), np.zeros(plan.days))
        if daily.sum() <= 0:
            continue
        joins_w, other_w = trailing(daily), trailing(other_joins(plan, i))
        shares = np.divide(joins_w, joins_w + other_w, out=np.zeros_like(joins_w),
                           where=joins_w > 0)  # fmt: skip
        worst = int(np.argmax(shares))
        one = len(contests) == 1
        tool = contests[0][1].name if one else None
        path = schedule_path((i, contests[0][0])) if one else f"platforms[{i}].tools"
        per_contest = sum(mean(t.joins) for _, t in contests) / len(contests)
        count = sum(plan.units[(i, j)].sum() for j, _ in contests)
        window = min(CONTEST_WINDOW, worst + 1)
        safer = partial(contest_safer, count, per_contest, other_w[worst], window, signal)
        out += finding(plan, "contest_share", shares[worst], i, tool, path, safer)
    return out


def trailing(daily: np.ndarray) -> np.ndarray:
    """(days,) the sum over the CONTEST_WINDOW days up to each day (fewer at the start), the
    window the engine reads each day: early in a campaign a contest has little else beside it."""
    return np.convolve(daily, np.ones(CONTEST_WINDOW))[: len(daily)]


def contest_joins(plan: Plan, key: Key, tool: Contest) -> np.ndarray:
    """(days,) expected joins of a contest tool: each unit's mean joins spread evenly over
    duration_days from its day (what runs past the campaign's end is not counted)."""
    spread = np.convolve(plan.units[key], np.ones(tool.duration_days))[: plan.days]
    return spread * mean(tool.joins) / tool.duration_days


def other_joins(plan: Plan, i: int) -> np.ndarray:
    """(days,) expected joins of platform i's other tools: ad tools' daily impressions x mean
    ctr x mean join_rate every day, plus influencer units x mean reach x mean ctr x mean
    join_rate on their days. Community posts are left out (their reach needs members)."""
    ads = sum(
        plan.impressions[(i, j)] * mean(t.ctr) * mean(t.join_rate)
        for k, j, t in tools_of(plan.scenario, AD_TOOLS)
        if k == i and (i, j) in plan.impressions
    )
    placements = sum(
        (
            plan.units[(i, j)] * mean(t.reach) * mean(t.ctr) * mean(t.join_rate)
            for k, j, t in tools_of(plan.scenario, Influencer)
            if k == i
        ),
        np.zeros(plan.days),
    )
    return ads + placements


def contest_safer(
    count: float, per_contest: float, other: float, window: int, signal: Signal
) -> str:
    """Contests that keep the worst window at `safe`: n x J / (n x J + O) <= safe, so
    n = floor(safe x O / ((1 - safe) x J)), J = mean joins per contest, O = the other tools'
    joins in that window."""
    allowed = math.floor(signal.safe * other / ((1 - signal.safe) * per_contest) * (1 + TOLERANCE))
    if allowed < 1:
        return (
            f"drop the contests or bring more joins from other tools first: the other tools' "
            f"{other:.0f} expected joins in {window} days cannot carry one contest of "
            f"{per_contest:.0f} joins at {signal.safe:.0%} of the platform's joins"
        )
    return (
        f"run at most {allowed} contests in any {window} days (instead of {count:g} in all): "
        f"the other tools' {other:.0f} expected joins there carry that many of "
        f"{per_contest:.0f} joins each at {signal.safe:.0%} of the platform's joins"
    )


# --- 5. reputation speed --------------------------------------------------------------------------


def reputation_speed_findings(plan: Plan) -> list[Finding]:
    """With reputation and seeding: the points a week the top 20's positive share rises, the
    worst of the plan's 7-day windows and of what the campaign's positive_share targets demand."""
    reputation, seeders = plan.scenario.reputation, list(tools_of(plan.scenario, Seeding))
    if reputation is None or not seeders:
        return []
    start = float(
        np.mean([(q.positive_own + q.positive_third) / TOP_RESULTS for q in reputation.queries])
    )
    if start >= 1:
        return []  # every result is positive already: nothing can rise
    ranked = {
        (i, j): window_sums(plan.units[(i, j)] * mean(t.rank_probability)) for i, j, t in seeders
    }
    speeds = seeding_speeds(sum(ranked.values()), start)
    worst = int(np.argmax(speeds))
    top = max(ranked, key=lambda key: ranked[key][worst])  # the tool that ranks most then
    sole = sum(r[worst] > 0 for r in ranked.values()) == 1
    value, tool, path = speeds[worst], plan.tool(top).name if sole else None, schedule_path(top)
    target = demanding_target(plan, start)
    if target is not None and target[2] > value:
        value, tool, path = target[2], None, f"kpis[{target[0]}].target"
    items = sum(window_sums(plan.units[(i, j)])[worst] for i, j, _ in seeders)
    rate = sum(r[worst] for r in ranked.values()) / items if items > 0 else 0.0
    rate = rate or float(np.mean([mean(t.rank_probability) for _, _, t in seeders]))
    safer = partial(speed_safer, plan, start, rate, target)
    return finding(plan, "reputation_speed", value, top[0], tool, path, safer)


def seeding_speeds(ranked: np.ndarray, start: float) -> np.ndarray:
    """Points a week per 7-day window, from R ranked items (items x mean rank_probability).

    Per key query R items gain min(R, 20) x (1 - p) slots, p its positive share at the start:
    new results land among the ranks at random, so a share 1 - p of them replaces a neutral or
    negative one, and a query holds no more than 20 x (1 - p) of those. Slots are worth
    100 x slots / 20 points; the speed is the mean over the queries, which is the same formula
    at the mean p."""
    return 100 * np.minimum(ranked, TOP_RESULTS) / TOP_RESULTS * (1 - start)


def demanding_target(plan: Plan, start: float) -> tuple[int, float, float] | None:
    """The campaign's `positive_share >= X` target that needs the fastest rise, as (KPI index,
    X, points a week): 100 x (X - start share) / weeks until the end of its month (or of the
    campaign, for a whole-campaign target)."""
    best = None
    months = month_index(plan.scenario.campaign.start, plan.days)
    for k, kpi in enumerate(plan.scenario.kpis):
        if kpi.metric != "positive_share" or kpi.op not in (">=", ">") or kpi.value <= start:
            continue
        in_month = np.flatnonzero(months == kpi.month - 1) if kpi.month else [plan.days - 1]
        if len(in_month) == 0:
            continue  # a month outside the calendar: checks.py reports it
        needed = 100 * (kpi.value - start) / ((in_month[-1] + 1) / WEEK)
        if best is None or needed > best[2]:
            best = (k, kpi.value, needed)
    return best


def speed_safer(
    plan: Plan, start: float, rate: float, target: tuple[int, float, float] | None
) -> str:
    """Seeded items a week that keep the speed at `safe`: floor(safe x 20 / (100 x (1 - start)
    x rate)) with rate = ranked items per seeded item; with a target X, the weeks it needs at
    that speed, ceil(100 x (X - start) / safe)."""
    safe = plan.scenario.backlash.reputation_speed.safe
    if safe <= 0:
        return "stop seeding: any rise of the positive share is above the safe speed of 0"
    items = math.floor(safe * TOP_RESULTS / (100 * (1 - start) * rate) * (1 + TOLERANCE))
    pace = f"seed at most {items} items a week (all seeding tools together)"
    if target is None:
        return pace
    weeks = math.ceil(100 * (target[1] - start) / safe * (1 - TOLERANCE))
    return f"reach {target[1]:.0%} over at least {weeks} weeks ({safe:g} points a week): {pace}"
