"""Retargeting pools: the people who clicked through from a platform's other tools lately.

Each click of a tool kind that brings clicks (`CLICK_SOURCES` in the tool registry: ads,
influencer placements, community posts) adds a person to the pool of every retargeting arm on its
platform; each day a share 1 / window_days of the pool leaves it, so a visitor stays about
`window_days`, as the platforms' audience windows work.
"""

from __future__ import annotations

import numpy as np

from smmsim.scenarios.tool_kinds import CLICK_SOURCES
from smmsim.simulator.arms import ArmTable
from smmsim.simulator.lines import LineTable

# An empty pool still has a positive size, so reach and frequency stay defined (and zero).
EMPTY_POOL = 1e-9


class VisitorPool:
    def __init__(self, arms: ArmTable, lines: LineTable, n_reps: int):
        self.arms = arms
        retargeting = arms.retargeting
        feeds = lines.kind_mask(*CLICK_SOURCES)
        same_platform = lines.platform_of[:, None] == arms.platform_of[None, :]
        # (lines, arms): the clicks of line l join the pool of retargeting arm a.
        self.feeds = (feeds[:, None] & same_platform & retargeting[None, :]).astype(float)
        self.keep = np.where(retargeting, 1 - 1 / np.maximum(arms.window, 1), 0.0)
        self.pool = np.zeros((n_reps, arms.n))
        # Without a retargeting arm (most plans) there is no pool to keep: every arm reaches its
        # platform, the same read-only row for every replication.
        self.retargets = bool(retargeting.any())
        self.platforms = np.broadcast_to(arms.audience.astype(float), self.pool.shape)

    def audience(self) -> np.ndarray:
        """(reps, arms) the people each arm can reach today: its pool, or its platform."""
        if not self.retargets:
            return self.platforms
        return np.where(
            self.arms.retargeting, np.maximum(self.pool, EMPTY_POOL), self.arms.audience
        )

    def admit(self, line_clicks: np.ndarray) -> None:
        """Today's clicks (reps, lines) join tomorrow's pools; the oldest visitors leave."""
        if self.retargets:
            self.pool = self.pool * self.keep + line_clicks @ self.feeds
