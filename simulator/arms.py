"""The arm table: every arm's parameters as arrays, one entry per arm.

An arm is one tool on one platform. The engine only ever sees this table, so new kinds of tool plug
in by adding columns, not by reshaping the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smmsim.scenarios.schema import AdArm, Scenario

RATES = ("cpm", "ctr", "join_rate", "cvr")
# Default auction pressure: the CPM doubles at the daily spend that would buy this many
# impressions per audience member at the mean CPM, a level no sane plan reaches on purpose.
DEFAULT_HALF_SATURATION_IMPRESSIONS_PER_PERSON = 0.5


@dataclass(frozen=True)
class ArmTable:
    names: tuple[str, ...]  # "platform/tool"
    platforms: tuple[str, ...]  # platform names, in scenario order
    platform_of: np.ndarray  # (arms,) index into platforms
    tools: tuple[str, ...]  # tool name of each arm
    audience: np.ndarray  # (arms,) people in the arm's platform audience
    platform_audience: np.ndarray  # (platforms,)
    budget_share: np.ndarray  # (arms,) 0 for arms with a fixed daily budget
    daily_budget: np.ndarray  # (arms,) 0 for arms with a budget share
    priors: dict[str, tuple]  # rate -> one distribution per arm
    s_half: np.ndarray
    k: np.ndarray
    f0: np.ndarray
    phi: np.ndarray
    frequency_cap: np.ndarray
    learn_conversions: np.ndarray
    learn_efficiency: np.ndarray
    learn_reset: np.ndarray
    day_of_week: np.ndarray  # (arms, 7) CPM multipliers with mean 1
    noise: np.ndarray
    window: np.ndarray  # (arms,) retargeting: days a visitor stays in the pool; 0 for paid ads

    @property
    def retargeting(self) -> np.ndarray:
        """(arms,) whether the arm shows ads only to its platform's recent visitors."""
        return self.window > 0

    @property
    def n(self) -> int:
        return len(self.names)


def build_arm_table(scenario: Scenario) -> ArmTable:
    arms = [(p, t) for p in scenario.platforms for t in p.ad_tools()]
    platform_names = tuple(p.name for p in scenario.platforms)

    def column(get) -> np.ndarray:
        return np.array([float(get(p, t)) for p, t in arms])

    dow = np.array([t.day_of_week for _, t in arms], dtype=float)
    return ArmTable(
        names=tuple(f"{p.name}/{t.name}" for p, t in arms),
        platforms=platform_names,
        platform_of=np.array([platform_names.index(p.name) for p, _ in arms]),
        tools=tuple(t.name for _, t in arms),
        audience=column(lambda p, t: p.audience),
        platform_audience=np.array([float(p.audience) for p in scenario.platforms]),
        budget_share=column(lambda p, t: t.budget_share or 0.0),
        daily_budget=column(lambda p, t: t.daily_budget or 0.0),
        priors={r: tuple(getattr(t, r).distribution() for _, t in arms) for r in RATES},
        s_half=column(lambda p, t: t.auction.s_half or default_s_half(p.audience, t)),
        k=column(lambda p, t: t.auction.k),
        f0=column(lambda p, t: t.fatigue.f0),
        phi=column(lambda p, t: t.fatigue.phi),
        frequency_cap=column(lambda p, t: t.frequency_cap),
        learn_conversions=column(lambda p, t: t.learning.conversions),
        learn_efficiency=column(lambda p, t: t.learning.efficiency),
        learn_reset=column(lambda p, t: t.learning.reset_change),
        day_of_week=dow / dow.mean(axis=1, keepdims=True),
        noise=column(lambda p, t: t.noise),
        window=column(lambda p, t: getattr(t, "window_days", 0)),
    )


def default_s_half(audience: int, tool: AdArm) -> float:
    mean_cpm = tool.cpm.distribution().mean
    return DEFAULT_HALF_SATURATION_IMPRESSIONS_PER_PERSON * audience * mean_cpm / 1000
