"""Retargeting pools: visitors enter from the clicks of their platform's other tools and leave at
1 / window a day; an arm that is not retargeting reaches its whole platform, whatever the clicks."""

from __future__ import annotations

import numpy as np

from smmsim.scenarios.loader import scenario_from_data
from smmsim.simulator.arms import build_arm_table
from smmsim.simulator.lines import build_line_table
from smmsim.simulator.visitors import VisitorPool
from tests.smm_helpers import ads, scenario_data

WINDOW = 4


def pool_of(*tools) -> tuple[VisitorPool, np.ndarray]:
    scenario = scenario_from_data(scenario_data(list(tools)), "pool.yaml")
    arms = build_arm_table(scenario)
    return VisitorPool(arms, build_line_table(scenario), n_reps=2), arms.audience


def test_without_a_retargeting_arm_every_arm_reaches_its_platform_whatever_the_clicks():
    pool, platform = pool_of(ads("a", budget_share=0.6), ads("b", budget_share=0.4))
    for clicks in (np.zeros((2, 2)), np.full((2, 2), 5000.0)):
        pool.admit(clicks)
        np.testing.assert_array_equal(pool.audience(), np.broadcast_to(platform, (2, 2)))


def test_a_retargeting_pool_keeps_1_less_1_over_its_window_of_yesterdays_visitors():
    retargeting = ads("rt", budget_share=0.2, window_days=WINDOW)
    retargeting["type"] = "retargeting"
    pool, platform = pool_of(ads("a", budget_share=0.8), retargeting)
    pool.admit(np.array([[100.0, 0.0], [0.0, 0.0]]))  # the ads' clicks; the pool's own add none
    pool.admit(np.array([[40.0, 0.0], [0.0, 0.0]]))
    audience = pool.audience()
    assert audience[0, 1] == 100.0 * (1 - 1 / WINDOW) + 40.0
    assert 0 < audience[1, 1] < 1e-6  # empty, but a positive size: reach and frequency are 0
    np.testing.assert_array_equal(audience[:, 0], platform[0])
