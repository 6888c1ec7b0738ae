"""One plan the optimiser tries: a split of the paid-ads budget, tactic intensities, a policy.

A candidate is applied to the scenario to give the plan that is simulated (`plan_of`) and, for the
best one, written back as a scenario file (`write_back.py` writes the values of `plan_of`'s plan),
so what runs in a trial is exactly what the written file says. The plan keeps the scenario's own
strategy unless the candidate carries a policy: only what the study searches changes.

Values are rounded as a planner would write them, in the plan a trial simulates as much as in the
written file: shares to 4 decimals (summing exactly to what the paid ads had), money to cents,
weekly rates to 2 decimals, the keep threshold q to 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from smmsim.scenarios.budget import retargeting_share
from smmsim.scenarios.schedule import planned_units
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.tool_kinds import kind_of
from smmsim.scenarios.tools_schema import Phase, Tactic


@dataclass(frozen=True)
class Policy:
    """Test-then-scale settings: the test's share of the budget, its days, the keep threshold."""

    test_share: float
    test_days: int
    keep_q: float


@dataclass(frozen=True)
class Candidate:
    # 'platform/tool' paid ads -> share of the paid-ads budget (sums to 1 over the paid ads)
    shares: dict[str, float] = field(default_factory=dict)
    # 'platform/tool' tactic -> multiple of its planned schedule
    intensities: dict[str, float] = field(default_factory=dict)
    policy: Policy | None = None
    # False for a marginal-CPA probe: the rounded plan's shares plus an exact step, so that the
    # probe's difference from the plan is the step alone, not the step and a rounding.
    rounded: bool = True


NOTHING = [Phase(per_week=0.0)]  # a schedule must have a phase; this one books no unit
SHARE_DECIMALS = 4  # 0.01% of a 100,000 budget is 10: finer splits are noise, not a plan
MONEY_DECIMALS = 2  # cents
RATE_DECIMALS = 2  # posts or seeded items per week
Q_DECIMALS = 2  # a test cannot tell a keep threshold of 0.61 from 0.613


def shares_rounded(shares: dict[str, float], total: float) -> dict[str, float]:
    """`shares` (summing to 1) times `total`, each to SHARE_DECIMALS decimals but the largest,
    which takes what makes the sum exactly `total`: with the other tools' shares written to 4
    decimals (retargeting's), the file's shares add up in decimal, not just nearly. (Only a
    `total` with more decimals, such as a marginal-CPA probe's, leaves the largest unrounded.)"""
    if not shares:
        return {}
    scale = 10**SHARE_DECIMALS
    units = {name: round(share * total * scale) for name, share in shares.items()}
    largest = max(units, key=units.get)
    rest = sum(count for name, count in units.items() if name != largest)
    exact = {name: count / scale for name, count in units.items()}
    exact[largest] = round((total * scale - rest) / scale, 12)  # 12: float noise, not a value
    return exact


def whole(x: float) -> int:
    """x rounded half up: 2.5 placements are 3, as a planner would book them."""
    return int(np.floor(x + 0.5))


def scaled_schedule(tactic: Tactic, factor: float, days: int) -> list[Phase]:
    """The schedule at `factor` times its planned intensity. Kinds dialled by placements
    (influencers): whole(factor x planned) placements spread over the span the plan books them
    in. Other tactics: every `per_week` rate multiplied, and each phase's listed days replaced by
    whole(factor x count) days spread over its listed span (to the campaign's end when only one
    day is listed). At 1 the schedule is the plan's own, as written."""
    if factor == 1:
        return list(tactic.schedule)
    if kind_of(tactic).dial == "placements":
        count = whole(factor * planned_units(tactic, days).sum())
        return spread_units(np.flatnonzero(planned_units(tactic, days)) + 1, count, days)
    phases = [_scaled_phase(phase, factor, days) for phase in tactic.schedule]
    kept = [p for phase in phases for p in phase]
    return kept or NOTHING


def _scaled_phase(phase: Phase, factor: float, days: int) -> list[Phase]:
    if phase.per_week is not None:
        rate = round(phase.per_week * factor, RATE_DECIMALS)
        return [phase.model_copy(update={"per_week": rate})]
    listed = np.array([d for d in phase.days if d <= days])
    return [p for p in spread_units(listed, whole(len(listed) * factor), days) if p.days]


def spread_units(booked: np.ndarray, count: int, days: int) -> list[Phase]:
    """`count` units on days spread evenly from the first to the last booked day."""
    if count == 0 or booked.size == 0:
        return NOTHING
    first, last = int(booked.min()), int(booked.max())
    if last == first:
        last = days
    spread = np.rint(np.linspace(first, last, count)).astype(int)
    return [Phase(days=[int(d) for d in spread])]


def scaled_budget(tactic: Tactic, factor: float) -> float | None:
    """A tool's own budget scales with its intensity: it was the price of the planned schedule
    (in cents)."""
    if tactic.budget is None or factor == 1:
        return tactic.budget
    budget = round(tactic.budget * factor, MONEY_DECIMALS)
    return budget if budget > 0 else None  # a tactic at 0 buys nothing; a budget must be > 0


def unit_count(tactic: Tactic, factor: float, days: int) -> float:
    """Units the scaled schedule asks for over the campaign."""
    scaled = tactic.model_copy(update={"schedule": scaled_schedule(tactic, factor, days)})
    return float(planned_units(scaled, days).sum())


def plan_of(s: Scenario, candidate: Candidate) -> Scenario:
    """The scenario with the candidate's split, intensities and policy; everything else (the
    strategy too, without a policy) as the scenario has it."""
    platforms = []
    left = 1.0 - retargeting_share(s)
    if candidate.rounded:
        shares = shares_rounded(candidate.shares, left)
    else:
        shares = {name: share * left for name, share in candidate.shares.items()}
    for platform in s.platforms:
        tools = []
        for tool in platform.tools:
            name = f"{platform.name}/{tool.name}"
            if name in shares:
                update = {"budget_share": shares[name], "daily_budget": None}
                tool = tool.model_copy(update=update)
            elif name in candidate.intensities:
                factor = candidate.intensities[name]
                schedule = scaled_schedule(tool, factor, s.campaign.days)
                budget = scaled_budget(tool, factor)
                tool = tool.model_copy(update={"schedule": schedule, "budget": budget})
            tools.append(tool)
        platforms.append(platform.model_copy(update={"tools": tools}))
    return s.model_copy(update={"platforms": platforms, "strategy": _strategy(s, candidate)})


def _strategy(s: Scenario, candidate: Candidate):
    """The plan's own strategy; with a policy, test-then-scale with the policy's test and keep
    threshold (its other settings as the scenario has them)."""
    if candidate.policy is None:
        return s.strategy
    p = candidate.policy
    strategy = s.strategy.as_type("test-then-scale")
    share = rounded_inside(p.test_share, SHARE_DECIMALS)
    test = strategy.test.model_copy(
        update={"budget": None, "budget_share": share, "days": p.test_days}
    )
    decision = strategy.decision.model_copy(update={"q": rounded_inside(p.keep_q, Q_DECIMALS)})
    return strategy.model_copy(update={"test": test, "decision": decision})


def rounded_inside(x: float, decimals: int) -> float:
    """x in (0, 1) rounded to `decimals`, kept strictly inside (0, 1) as the schema needs."""
    step = 10.0**-decimals
    return min(max(round(x, decimals), step), round(1 - step, decimals))
