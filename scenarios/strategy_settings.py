"""What a strategy's settings mean for one scenario: which arms a name covers, the target CPA."""

from __future__ import annotations

from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.tool_kinds import RETARGETING

CPA_TARGET_OPERATORS = ("<=", "<")


def arm_names(s: Scenario) -> list[str]:
    """Every arm the budget is split over (paid ads and retargeting) as 'platform/tool', in the
    order of the engine's arm table; scheduled tactics are paid by their schedules instead."""
    return [f"{p.name}/{t.name}" for p in s.platforms for t in p.ad_tools()]


def retargeting_arms(s: Scenario) -> list[int]:
    """Arm indices of the retargeting tools: funded as planned under every strategy, because
    their audience is the visitors the other tools bring, not something a split can buy."""
    kinds = [t.type for p in s.platforms for t in p.ad_tools()]
    return [i for i, kind in enumerate(kinds) if kind in RETARGETING]


def allocated_arms(s: Scenario) -> list[int]:
    """Arm indices a strategy splits the paced budget over: the paid ads."""
    skip = set(retargeting_arms(s))
    return [i for i in range(len(arm_names(s))) if i not in skip]


def arms_named(name: str, s: Scenario) -> list[int]:
    """Arm indices a name covers: 'platform/tool' is one arm, 'platform' all of its tools."""
    names = arm_names(s)
    if name in names:
        return [names.index(name)]
    return [i for i, arm in enumerate(names) if arm.split("/", 1)[0] == name]


def tested_arms(s: Scenario) -> list[int]:
    """The arms the test covers, in arm order (every paid-ads arm unless the test names some)."""
    listed = s.strategy.test.arms
    if listed is None:
        return allocated_arms(s)
    skip = set(retargeting_arms(s))
    return sorted({i for name in listed for i in arms_named(name, s) if i not in skip})


def target_cpa(s: Scenario) -> float | None:
    """The decision's target CPA: its own setting, else the campaign-wide `cpa <=` KPI target."""
    if s.strategy.decision.target_cpa is not None:
        return s.strategy.decision.target_cpa
    index = cpa_target_kpi(s)
    return None if index is None else s.kpis[index].value


def cpa_target_kpi(s: Scenario) -> int | None:
    """The index in `kpis` of the first campaign-wide `cpa <=` (or `<`) target, if any."""
    for i, kpi in enumerate(s.kpis):
        whole_campaign = kpi.platform is None and kpi.month is None
        if kpi.metric == "cpa" and kpi.op in CPA_TARGET_OPERATORS and whole_campaign:
            return i
    return None


def needs_target_cpa(s: Scenario) -> bool:
    strategy = s.strategy
    if strategy.type != "test-then-scale":
        return False
    return strategy.decision.rule == "probability" or strategy.scale.stop_loss is not None


def planned_budget_arms(s: Scenario) -> list[int]:
    """The arms whose own budget_share / daily_budget the chosen strategy reads: every arm under
    'fixed', the tested arms under a test with the 'planned' split, and retargeting always."""
    strategy = s.strategy
    if strategy.type == "fixed":
        return list(range(len(arm_names(s))))
    if strategy.type == "test-then-scale" and strategy.test.split == "planned":
        return sorted(set(tested_arms(s)) | set(retargeting_arms(s)))
    return retargeting_arms(s)
