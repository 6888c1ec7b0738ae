"""The search space of one scenario: which dials the optimiser turns, and their ranges.

- The paid-ads budget split, in two levels of stick-breaking coordinates (`simplex.py`): platform
  shares, projected into each platform's spend limits, then each platform's share over its
  paid-ads tools. Parameters are named after the part they set: `share.facebook` is the fraction
  of what is left that goes to Facebook.
- Tactic intensities as multiples of the plan, one dial per tactic whose kind has one in the tool
  registry: `intensity.<platform>/<tool>` for posting and seeding rates,
  `placements.<platform>/<tool>` (whole placements) for influencers.
- Optionally the test-then-scale policy: `test_share`, `test_days`, `keep_q`. The test then picks
  the arms, so the split is not searched in that mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from smmsim.scenarios.budget import paid_ads_budget
from smmsim.scenarios.optimise_schema import PolicyRanges
from smmsim.scenarios.schedule import planned_units
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.tool_kinds import KINDS, PACED_ADS, SEARCHED_TACTICS, Dial
from smmsim.simulator.studies.optimiser.candidate import (
    Candidate,
    Policy,
    plan_of,
    whole,
)
from smmsim.simulator.studies.optimiser.simplex import (
    coordinates_of,
    project_to_limits,
    shares_from,
)


@dataclass(frozen=True)
class PlatformBudget:
    """One platform's paid-ads tools and the limits on their budget, in currency."""

    platform: str
    tools: tuple[str, ...]  # 'platform/tool' names of its paid ads
    min_spend: float = 0.0
    max_spend: float | None = None


@dataclass(frozen=True)
class TacticDial:
    tool: str  # 'platform/tool'
    kind: str
    planned: float  # units the plan as written asks for

    @property
    def dial(self) -> Dial:
        return KINDS[self.kind].dial

    @property
    def by_placement(self) -> bool:
        """Placements (influencers) are booked whole: the dial is the number of placements."""
        return self.dial == "placements"

    @property
    def parameter(self) -> str:
        return f"{self.dial}.{self.tool}"


@dataclass(frozen=True)
class SearchSpace:
    scenario: Scenario = field(repr=False, compare=False)
    platforms: tuple[PlatformBudget, ...]
    dials: tuple[TacticDial, ...]
    intensity: tuple[float, float]
    policy: PolicyRanges | None

    @property
    def paid_ads(self) -> tuple[str, ...]:
        return tuple(tool for p in self.platforms for tool in p.tools)

    def ads_budget(self, intensities: dict[str, float]) -> float:
        """The paid ads' budget once the tactics run at `intensities`: what the split divides."""
        return paid_ads_budget(plan_of(self.scenario, Candidate({}, intensities, None)))

    def limits(self, ads_budget: float) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) platform shares of `ads_budget` from the spend limits. When the tactics
        leave too little for every minimum (or too much for the ceilings), the limits are
        relaxed in proportion, and the final evaluation notes the broken limit."""
        budget = max(ads_budget, 1e-9)
        low = np.array([p.min_spend / budget for p in self.platforms])
        high = np.array(
            [1.0 if p.max_spend is None else min(p.max_spend / budget, 1.0) for p in self.platforms]
        )
        if low.sum() > 1:
            low = low / low.sum()
        if high.sum() < 1:
            high = high / high.sum()
        return np.minimum(low, high), high

    def split_of(
        self, platform_coordinates, tool_coordinates, ads_budget: float
    ) -> dict[str, float]:
        """Paid-ads shares from the coordinates, inside the platforms' limits."""
        outer = project_to_limits(shares_from(platform_coordinates), *self.limits(ads_budget))
        shares = {}
        for p, share, coordinates in zip(self.platforms, outer, tool_coordinates, strict=True):
            inner = shares_from(coordinates)
            shares.update({tool: float(share * w) for tool, w in zip(p.tools, inner, strict=True)})
        return shares

    def suggest(self, trial) -> Candidate:
        """The candidate an Optuna trial proposes."""
        intensities = {d.tool: self._suggest_dial(trial, d) for d in self.dials}
        shares = {}
        if self.policy is None and self.platforms:
            outer = [trial.suggest_float(f"share.{p.platform}", 0, 1) for p in self.platforms[:-1]]
            inner = [
                [trial.suggest_float(f"share.{t}", 0, 1) for t in p.tools[:-1]]
                for p in self.platforms
            ]
            shares = self.split_of(outer, inner, self.ads_budget(intensities))
        return Candidate(shares, intensities, self._suggest_policy(trial))

    def placement_range(self, dial: TacticDial) -> tuple[int, int]:
        """Whole placements searched: the intensity range times the planned count."""
        low, high = self.intensity
        return whole(low * dial.planned), max(whole(high * dial.planned), 1)

    def _suggest_dial(self, trial, dial: TacticDial) -> float:
        low, high = self.intensity
        if dial.by_placement:
            count = trial.suggest_int(dial.parameter, *self.placement_range(dial))
            return count / dial.planned
        return trial.suggest_float(dial.parameter, low, high)

    def _suggest_policy(self, trial) -> Policy | None:
        if self.policy is None:
            return None
        r = self.policy
        return Policy(
            test_share=trial.suggest_float("test_share", *r.test_share),
            test_days=trial.suggest_int("test_days", *r.test_days),
            keep_q=(
                trial.suggest_float("keep_q", *r.keep_q)
                if self.searches_q
                else self.scenario.strategy.decision.q
            ),
        )

    @property
    def searches_q(self) -> bool:
        """The keep threshold is read by the probability rule alone (not by top_k)."""
        return self.scenario.strategy.decision.rule == "probability"

    def parameters_of(self, candidate: Candidate) -> dict[str, float]:
        """The trial parameters that propose `candidate` (to enqueue a known plan)."""
        params: dict[str, float] = {}
        if self.policy is None and self.platforms:
            ads_budget = self.ads_budget(candidate.intensities)
            params.update(self._split_parameters(candidate.shares, ads_budget))
        low, high = self.intensity
        for dial in self.dials:
            factor = candidate.intensities.get(dial.tool, 1.0)
            if dial.by_placement:
                least, most = self.placement_range(dial)
                params[dial.parameter] = min(max(whole(factor * dial.planned), least), most)
            else:
                params[dial.parameter] = min(max(factor, low), high)
        if self.policy is not None and candidate.policy is not None:
            p = candidate.policy
            params.update(test_share=p.test_share, test_days=p.test_days)
            if self.searches_q:
                params["keep_q"] = p.keep_q
        return params

    def _split_parameters(self, shares: dict[str, float], ads_budget: float) -> dict[str, float]:
        """Stick-breaking coordinates of a split: the platforms', then each platform's tools'."""
        totals = np.array([sum(shares[t] for t in p.tools) for p in self.platforms])
        inside = project_to_limits(totals / totals.sum(), *self.limits(ads_budget))
        outer = coordinates_of(inside)
        params = {
            f"share.{p.platform}": float(u) for p, u in zip(self.platforms[:-1], outer, strict=True)
        }
        for p, total in zip(self.platforms, totals, strict=True):
            inner = np.array([shares[t] for t in p.tools])
            inner = inner / total if total > 0 else np.full(len(p.tools), 1 / len(p.tools))
            coordinates = coordinates_of(inner)
            params.update(
                {f"share.{t}": float(u) for t, u in zip(p.tools[:-1], coordinates, strict=True)}
            )
        return params


def search_space(s: Scenario) -> SearchSpace:
    o = s.optimise
    platforms = []
    for p in s.platforms:
        tools = tuple(f"{p.name}/{t.name}" for t in p.ad_tools() if t.type in PACED_ADS)
        if not tools:
            continue
        limits = o.platforms.get(p.name)
        if limits is None:
            platforms.append(PlatformBudget(p.name, tools))
        else:
            platforms.append(PlatformBudget(p.name, tools, limits.min_spend, limits.max_spend))
    return SearchSpace(
        scenario=s,
        platforms=tuple(platforms),
        dials=tuple(_dials(s)),
        intensity=(o.intensity.low, o.intensity.high),
        policy=o.policy_ranges if o.policy else None,
    )


def _dials(s: Scenario) -> list[TacticDial]:
    chosen = s.optimise.tactics
    dials = []
    for p in s.platforms:
        for t in p.tactics():
            name = f"{p.name}/{t.name}"
            wanted = name in chosen if chosen is not None else t.type in SEARCHED_TACTICS
            planned = float(planned_units(t, s.campaign.days).sum())
            if wanted and planned > 0:
                dials.append(TacticDial(name, t.type, planned))
    return dials
