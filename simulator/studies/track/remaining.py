"""The plan for the days after the as-of date: the same plan, with what is left of its budget,
its calendar from the next day, and each tracked arm's beliefs updated with its actuals.

It keeps the plan's split (each tool's `budget_share`) under the `fixed` strategy: the test of a
test-then-scale plan, or the first weeks of an adaptive one, are behind it, and what the rest of
the money should do is the question the reallocation answers. Month targets of months already over
are dropped (their result is in the actuals); the rest are renumbered to the new calendar.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta

from smmsim.scenarios.calendar import campaign_months
from smmsim.scenarios.errors import SmmsimError
from smmsim.scenarios.loader import scenario_from_data
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.tool_kinds import AD_TOOL_TYPES
from smmsim.scenarios.yaml_text import render_yaml
from smmsim.simulator.arms import ArmTable
from smmsim.simulator.studies.track.actuals import Actuals
from smmsim.simulator.studies.track.update import ArmUpdate, BeliefUpdate

# A month cap already spent still needs a positive number in the schema: one cent of the currency.
SPENT_CAP = 0.01


class NothingLeft(SmmsimError):
    """The as-of date is at or past the plan's end, or its budget is spent: nothing to forecast."""


def remaining_plan(
    data: dict, scenario: Scenario, actuals: Actuals, updates: list[ArmUpdate], table: ArmTable
) -> tuple[dict, dict[str, str]]:
    """(the remaining plan as plain data, comments by key path)."""
    c = scenario.campaign
    days_left = c.days - actuals.days
    spent = float(actuals.total("spend").sum())
    if days_left <= 0:
        raise NothingLeft(f"the plan ends {actuals.dates[-1]}: no day is left to re-forecast")
    if spent >= c.budget:
        raise NothingLeft(
            f"the actuals spent {spent:,.2f} of the budget {c.budget:,.2f}: none left"
        )
    start = actuals.dates[-1] + timedelta(days=1) if actuals.dates else c.start
    out = copy.deepcopy(data)
    notes: dict[str, str] = {}
    campaign = out["campaign"]
    campaign.update(start=start.isoformat(), days=days_left, budget=round(c.budget - spent, 2))
    notes["campaign.budget"] = (
        f"the plan's {c.budget:g} less {spent:,.2f} spent by {start - timedelta(days=1)}"
    )
    old_months = campaign_months(c.start, c.days)
    new_months = campaign_months(start, days_left)
    spent_by_month = _spend_by_month(actuals)
    caps = _caps(c.monthly_caps, old_months, new_months, spent_by_month)
    if caps:
        campaign["monthly_caps"] = caps
    else:
        campaign.pop("monthly_caps", None)
    out["strategy"] = {"type": "fixed"}
    notes["strategy"] = "the rest keeps the plan's split (budget_share); see track's reallocation"
    out["kpis"] = _targets(out.get("kpis") or [], old_months, new_months)
    _update_tools(out, scenario, updates, table, notes)
    _shift_schedules(out, actuals.days)
    _optimise_block(out, actuals, scenario)
    return out, notes


def remaining_yaml(data: dict, notes: dict[str, str], header: list[str]) -> str:
    return "\n".join(f"# {line}" for line in header) + "\n" + render_yaml(data, notes) + "\n"


def remaining_scenario(data: dict, source: str) -> Scenario:
    return scenario_from_data(data, source)


def _spend_by_month(actuals: Actuals) -> dict[str, float]:
    daily = actuals.values["spend"].sum(axis=1)
    out: dict[str, float] = {}
    for d, amount in zip(actuals.dates, daily, strict=True):
        label = f"{d.year:04d}-{d.month:02d}"
        out[label] = out.get(label, 0.0) + float(amount)
    return out


def _caps(caps: dict, old: list[str], new: list[str], spent: dict[str, float]) -> dict:
    """Caps of months still ahead, renumbered; a month under way keeps what is left of its cap."""
    kept = {}
    for month, cap in caps.items():
        label = old[month - 1] if month <= len(old) else None
        if label in new:
            kept[new.index(label) + 1] = max(round(cap - spent.get(label, 0.0), 2), SPENT_CAP)
    return kept


def _targets(targets: list, old: list[str], new: list[str]) -> list:
    kept = []
    for target in targets:
        month = target.get("month") if isinstance(target, dict) else None
        if month is None:
            kept.append(target)
            continue
        label = old[month - 1] if month <= len(old) else None
        if label in new:
            kept.append({**target, "month": new.index(label) + 1})
    return kept


def _update_tools(
    out: dict, scenario: Scenario, updates: list[ArmUpdate], table: ArmTable, notes: dict
) -> None:
    by_arm = {u.arm: u for u in updates}
    for p_index, platform in enumerate(out.get("platforms") or []):
        for t_index, tool in enumerate(platform.get("tools") or []):
            kind = tool.get("type", "paid_ads")
            label = f"{platform.get('name')}/{tool.get('name', kind)}"
            if kind not in AD_TOOL_TYPES or label not in by_arm:
                continue
            update, path = by_arm[label], f"platforms[{p_index}].tools[{t_index}]"
            j = table.names.index(label)
            # The default s_half follows the mean CPM: pinned, so a new CPM does not move it.
            tool["auction"] = {"s_half": _round(table.s_half[j]), "k": float(table.k[j])}
            learning = dict(tool.get("learning") or {})
            learning["conversions"] = round(update.learning_left, 2)
            tool["learning"] = learning
            notes[f"{path}.learning"] = "conversions still needed to leave learning"
            for name in ("cpm", "ctr", "join_rate", "cvr"):
                belief: BeliefUpdate = getattr(update, name)
                if belief.updated:
                    tool[name] = {"mean": _round(belief.mean), "sd": _round(belief.sd)}
                    notes[f"{path}.{name}"] = (
                        f"updated with the actuals: plan {belief.prior_mean:.4g}, 90% interval "
                        f"{belief.p5:.4g}-{belief.p95:.4g}"
                    )


def _shift_schedules(out: dict, tracked: int) -> None:
    """Tactic schedules count campaign days: day d of the plan is day d - tracked of the rest.
    Phases over by the as-of date go; a tactic with none left goes too (its spend to date is not
    in ad exports, so it is not tracked)."""
    for platform in out.get("platforms") or []:
        kept_tools = []
        for tool in platform.get("tools") or []:
            schedule = tool.get("schedule")
            if schedule is None:
                kept_tools.append(tool)
                continue
            phases = [_shifted(phase, tracked) for phase in _phases(schedule)]
            phases = [phase for phase in phases if phase is not None]
            if phases:
                kept_tools.append({**tool, "schedule": phases})
        platform["tools"] = kept_tools
    _drop_empty_platforms(out)


def _drop_empty_platforms(out: dict) -> None:
    """A platform whose every tool was a tactic now over has nothing left to run: it goes, with
    its targets and its optimiser limits."""
    gone = {p.get("name") for p in out.get("platforms") or [] if not p.get("tools")}
    if not gone:
        return
    out["platforms"] = [p for p in out["platforms"] if p.get("name") not in gone]
    out["kpis"] = [t for t in out.get("kpis") or [] if t.get("platform") not in gone]
    limits = (out.get("optimise") or {}).get("platforms")
    if isinstance(limits, dict):
        for name in gone:
            limits.pop(name, None)


def _phases(schedule) -> list[dict]:
    return [schedule] if isinstance(schedule, dict) else list(schedule)


def _shifted(phase: dict, tracked: int) -> dict | None:
    phase = dict(phase)
    if phase.get("days") is not None:
        days = [d - tracked for d in phase["days"] if d > tracked]
        return {**phase, "days": days} if days else None
    end = phase.get("end_day")
    if end is not None and end <= tracked:
        return None
    phase["start_day"] = max(phase.get("start_day", 1) - tracked, 1)
    if end is not None:
        phase["end_day"] = end - tracked
    return phase


def _optimise_block(out: dict, actuals: Actuals, scenario: Scenario) -> None:
    """What the optimiser may change in the rest: the split (the policy of a strategy that is
    over is not there to search); spend bounds less what each platform has spent already."""
    block = out.get("optimise")
    if not isinstance(block, dict):
        return
    block.pop("policy", None)
    block.pop("tactics", None)
    block["search"] = ["shares"]
    spent = {name: float(actuals.total("spend")[i]) for i, name in enumerate(actuals.arms)}
    for platform, bounds in (block.get("platforms") or {}).items():
        done = sum(v for arm, v in spent.items() if arm.split("/", 1)[0] == platform)
        if not isinstance(bounds, dict):
            continue
        if "min_spend" in bounds:
            bounds["min_spend"] = round(max(bounds["min_spend"] - done, 0.0), 2)
        if "max_spend" in bounds:
            bounds["max_spend"] = round(max(bounds["max_spend"] - done, SPENT_CAP), 2)


def _round(x: float) -> float:
    return float(f"{float(x):.6g}")


def next_day(day: date) -> date:
    return day + timedelta(days=1)
