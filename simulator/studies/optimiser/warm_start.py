"""The marginal-return start: the split that equalises the paid ads' marginal cost per conversion
at the priors' expected rates (water-filling, `simulator.allocation`), before any trial has run.

It reads the direct-response curves alone (no fatigue, learning, caps or community), so it is a
good first guess rather than the answer; the study refines it with the full simulation.
"""

from __future__ import annotations

import numpy as np

from smmsim.scenarios.budget import paid_ads_budget
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.strategy_settings import arm_names
from smmsim.simulator.allocation import equal_marginal_split
from smmsim.simulator.plan import CampaignPlan
from smmsim.simulator.strategies.evidence import prior_conversions_per_money
from smmsim.simulator.studies.optimiser.simplex import project_to_limits
from smmsim.simulator.studies.optimiser.space import SearchSpace


def water_filling_split(s: Scenario, space: SearchSpace) -> dict[str, float]:
    """Paid-ads shares by equal marginal CPA, moved into the platforms' spend limits."""
    ads_budget = paid_ads_budget(s)
    arms = CampaignPlan.from_scenario(s).arms
    names = arm_names(s)
    index = [names.index(tool) for tool in space.paid_ads]
    lam = prior_conversions_per_money(arms)[index]
    split = equal_marginal_split(
        lam[None, :],
        np.ones((1, len(index)), dtype=bool),
        np.array([ads_budget / s.campaign.days]),
        arms.s_half[index],
        arms.k[index],
    )[0]
    shares = dict(zip(space.paid_ads, split, strict=True))
    totals = np.array([sum(shares[t] for t in p.tools) for p in space.platforms])
    moved = project_to_limits(totals, *space.limits(ads_budget))
    for p, before, after in zip(space.platforms, totals, moved, strict=True):
        for tool in p.tools:
            inside = shares[tool] / before if before > 0 else 1 / len(p.tools)
            shares[tool] = float(after * inside)
    return shares
