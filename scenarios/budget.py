"""How a plan's budget reaches its paid ads: what the tactics and retargeting take first.

The checks (an optimise: block's spend limits), the optimiser's space and its warm start all read
the paid-ads budget from here, so the limits a planner writes are judged on the engine's funding.
"""

from __future__ import annotations

from typing import Any

from smmsim.scenarios.schedule import affordable_units
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.tool_kinds import RETARGETING


def paid_ads_budget(s: Scenario) -> float:
    """The paid ads' budget over the campaign, as the engine funds it: what the tactics'
    schedules will buy (within their own budgets) comes first, then retargeting's fixed daily
    budgets, and retargeting's planned share of the rest. The paid ads' shares split this."""
    days = s.campaign.days
    tactics = sum(
        affordable_units(t, days).sum() * t.unit_cost() for p in s.platforms for t in p.tactics()
    )
    fixed = sum(
        (t.daily_budget or 0.0) * days for p in s.platforms for t in p.ad_tools() if _retargets(t)
    )
    return max(s.campaign.budget - tactics - fixed, 0.0) * (1 - retargeting_share(s))


def retargeting_share(s: Scenario) -> float:
    """The budget share retargeting takes as planned; the paid ads split the rest."""
    return sum(t.budget_share or 0.0 for p in s.platforms for t in p.ad_tools() if _retargets(t))


def _retargets(tool: Any) -> bool:
    return tool.type in RETARGETING
