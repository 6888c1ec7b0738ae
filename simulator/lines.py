"""The lines of a campaign's ledger: every tool on every platform, as results report them.

The first lines are the arms the budget is split over (paid ads and retargeting, in the order of
the arm table); the scheduled tactics follow in scenario order. Every per-tool measure the engine
records has one column per line, so spend, joins and conversions of an influencer placement sit
beside those of the ads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.tool_kinds import check_kinds


@dataclass(frozen=True)
class LineTable:
    names: tuple[str, ...]  # "platform/tool"
    platforms: tuple[str, ...]  # platform names, in scenario order
    platform_of: np.ndarray  # (lines,) index into platforms
    tools: tuple[str, ...]  # tool name of each line
    kinds: tuple[str, ...]  # tool type of each line: paid_ads, retargeting, influencer, ...
    audience: np.ndarray  # (lines,) people in the line's platform audience
    platform_audience: np.ndarray  # (platforms,)
    n_arms: int  # the first n_arms lines are the arm table's arms

    @property
    def n(self) -> int:
        return len(self.names)

    def kind_mask(self, *kinds: str) -> np.ndarray:
        return np.isin(np.array(self.kinds), check_kinds(*kinds))


def build_line_table(scenario: Scenario) -> LineTable:
    platforms = tuple(p.name for p in scenario.platforms)
    ordered = [(i, p, t) for i, p in enumerate(scenario.platforms) for t in p.ad_tools()]
    n_arms = len(ordered)
    ordered += [(i, p, t) for i, p in enumerate(scenario.platforms) for t in p.tactics()]
    return LineTable(
        names=tuple(f"{p.name}/{t.name}" for _, p, t in ordered),
        platforms=platforms,
        platform_of=np.array([i for i, _, _ in ordered], dtype=int),
        tools=tuple(t.name for _, _, t in ordered),
        kinds=tuple(t.type for _, _, t in ordered),
        audience=np.array([float(p.audience) for _, p, _ in ordered]),
        platform_audience=np.array([float(p.audience) for p in scenario.platforms]),
        n_arms=n_arms,
    )
