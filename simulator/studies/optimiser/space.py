"""The search space of one scenario: which dials the optimiser turns, and their ranges.

Only what `optimise.search` names is searched (`shares` by default); everything else runs as the
plan has it, the strategy above all. A named thing the plan gives nothing to change for (a split
under a strategy that decides the split itself, tactics where none has a dial) is refused with a
line saying what could be searched instead (`search_problems`).

- The paid-ads budget split (`shares`), searched where the plan's strategy reads it (`fixed`, or a
  test-then-scale test with the `planned` split), in two levels of stick-breaking coordinates
  (`simplex.py`): platform shares, projected into each platform's spend limits, then each
  platform's share over its paid-ads tools. Parameters are named after the part they set:
  `share.facebook` is the fraction of what is left that goes to Facebook.
- Tactic intensities (`tactics`) as multiples of the plan, one dial per tactic whose kind has one
  in the tool registry (or per tactic the `tactics` list names): `intensity.<platform>/<tool>`
  for posting and seeding rates, `placements.<platform>/<tool>` (whole placements) for
  influencers.
- The test-then-scale policy (`policy`): `test_share`, `test_days`, `keep_q`. The candidates then
  run test-then-scale whatever the plan's type, with its other settings as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from smmsim.scenarios.budget import paid_ads_budget
from smmsim.scenarios.errors import Issue
from smmsim.scenarios.optimise_schema import PolicyRanges
from smmsim.scenarios.schedule import planned_units
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.strategy_schema import Strategy
from smmsim.scenarios.tool_kinds import KINDS, PACED_ADS, SEARCHED_TACTICS, Dial, either
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
    searched: tuple[str, ...] = ("shares",)  # what `optimise.search` names

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
        if self.platforms:
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
        if self.platforms:
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
    searched = o.searched
    return SearchSpace(
        scenario=s,
        platforms=tuple(_platforms(s)) if "shares" in searched else (),
        dials=tuple(_dials(s)) if "tactics" in searched else (),
        intensity=(o.intensity.low, o.intensity.high),
        policy=o.policy_ranges if "policy" in searched else None,
        searched=searched,
    )


def candidates_strategy(s: Scenario) -> Strategy:
    """The strategy every candidate runs: the plan's own, or test-then-scale when its policy is
    searched."""
    if "policy" in s.optimise.searched:
        return s.strategy.as_type("test-then-scale")
    return s.strategy


def reads_split(strategy: Strategy) -> bool:
    """Whether the strategy spends by the tools' own budget_share / daily_budget: `fixed` all
    campaign, a test-then-scale test with the `planned` split during the test. The others
    decide the split themselves (evenly, on the priors, by the test's evidence)."""
    if strategy.type == "fixed":
        return True
    return strategy.type == "test-then-scale" and strategy.test.split == "planned"


def _platforms(s: Scenario) -> list[PlatformBudget]:
    """The paid ads by platform; their spend limits bound the campaign's split (under `fixed`),
    not a test's, so a planned test split is searched without them."""
    strategy = candidates_strategy(s)
    if not reads_split(strategy):
        return []
    limited = strategy.type == "fixed"
    platforms = []
    for p in s.platforms:
        tools = tuple(f"{p.name}/{t.name}" for t in p.ad_tools() if t.type in PACED_ADS)
        if not tools:
            continue
        limits = s.optimise.platforms.get(p.name) if limited else None
        if limits is None:
            platforms.append(PlatformBudget(p.name, tools))
        else:
            platforms.append(PlatformBudget(p.name, tools, limits.min_spend, limits.max_spend))
    return platforms


def search_problems(space: SearchSpace) -> list[Issue]:
    """Each thing `optimise.search` names that the plan gives nothing to change, as a line that
    says what could be searched instead. The study refuses to start on any: a dimension with no
    effect would spend the trials on noise, and a silent no-op reads as an answer."""
    s = space.scenario
    given = s.optimise.search is not None
    where = "optimise.search" if given else "optimise.search (default: shares)"
    problems = []
    strategy = candidates_strategy(s)
    if "shares" in space.searched and not space.platforms:
        if not reads_split(strategy):
            why = _own_split(strategy)
            message = (
                f"there is no split to search: {why}; name what may change instead, e.g. "
                f"{_alternatives(s)} (`search:` in the optimise block or --search)"
            )
        else:
            message = f"there is no split to search: no {either(PACED_ADS)} tool"
        problems.append(Issue(where, message, list(space.searched), True))
    if "tactics" in space.searched and not space.dials:
        kinds = either(SEARCHED_TACTICS)
        message = f"there are no tactics to search: no {kinds} tool plans a unit"
        problems.append(Issue(where, message, list(space.searched), True))
    return problems


def _own_split(strategy: Strategy) -> str:
    if strategy.type == "test-then-scale":
        return (
            "the plan's test-then-scale test splits its budget evenly (test.split: even) and "
            "the scale-up splits by the test's evidence"
        )
    return f"the plan's strategy {strategy.type!r} decides the split itself"


def _alternatives(s: Scenario) -> str:
    """What this plan could search instead of the split."""
    found = []
    if s.strategy.type == "test-then-scale":
        found.append("'policy' (the test's budget, days and keep threshold)")
    if any(t.type in SEARCHED_TACTICS for p in s.platforms for t in p.tactics()):
        found.append("'tactics' (their intensities)")
    if s.strategy.type == "test-then-scale":
        found.append("or set test.split: planned to search the test's split")
    else:
        found.append("or set strategy.type: fixed to search the campaign's split")
    return ", ".join(found)


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
