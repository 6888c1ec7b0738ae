"""`smmsim track` as a study: the plan simulated, the actuals laid over it, each arm's beliefs
updated, the rest re-forecast, the remaining budget re-split; one typed document (track.json)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

import numpy as np

from smmsim.scenarios.documents import Document, in_memory
from smmsim.scenarios.plan_edits import Plan
from smmsim.simulator.arms import build_arm_table
from smmsim.simulator.engine import DEFAULT_DAILY_SAMPLE, simulate_together
from smmsim.simulator.result import Result
from smmsim.simulator.studies.track.actuals import VOLUMES, Actuals, AsideRow
from smmsim.simulator.studies.track.forecast import (
    ForecastRow,
    TargetTrack,
    forecast_rows,
    target_rows,
)
from smmsim.simulator.studies.track.overlay import MonthTrack, TrackedKpi, monthly_bands, overlay
from smmsim.simulator.studies.track.reallocation import Reallocation, reallocate
from smmsim.simulator.studies.track.remaining import (
    remaining_plan,
    remaining_scenario,
    remaining_yaml,
)
from smmsim.simulator.studies.track.update import ArmUpdate, update_arms


@dataclass(frozen=True)
class TrackSettings:
    as_of: date
    seed: int | None = None  # None: the plan's
    replications: int | None = None  # None: the plan's
    trials: int = 0  # optimiser trials for the reallocation; 0 skips it
    workers: int = 1


@dataclass(frozen=True)
class ArmActuals(Document):
    """What one ad arm's actuals hold: rows used, the export's campaigns, totals to date."""

    arm: str
    rows: int
    campaigns: list[str]
    totals: dict[str, float]


@dataclass(frozen=True)
class ImportAccount(Document):
    """Every imported row accounted for: read = used + rejected by the import + set aside."""

    files: list[str]
    rows_read: int
    rows_used: int
    rows_rejected: int  # by the importer (rejected_rows.csv, with reasons)
    rows_set_aside: int  # readable, but outside the dates or no arm of the plan
    rejected_by_reason: dict[str, int]
    set_aside_by_reason: dict[str, int]


@dataclass(frozen=True)
class TrackResult(Document):
    """A plan in flight: the actuals to date against the plan, the updated beliefs, the
    re-forecast of the rest with each target's odds before and after, and a re-split."""

    json_keys: ClassVar[dict[str, str]] = {"imports": "import"}

    plan: str
    currency: str
    seed: int
    replications: int
    start: str
    as_of: str
    days_tracked: int
    days_left: int
    budget: float
    spent: float
    imports: ImportAccount
    arms: list[ArmActuals]
    overlay: list[TrackedKpi]
    monthly: list[MonthTrack]
    targets: list[TargetTrack]
    updates: list[ArmUpdate]
    forecast: list[ForecastRow]
    reallocation: Reallocation | None
    # kept for the charts and --write-scenario, not written to track.json
    plan_result: Result | None = in_memory(default=None)
    rest_result: Result | None = in_memory(default=None)
    actuals: Actuals | None = in_memory(default=None)
    rest_yaml: str | None = in_memory(default=None)
    aside: list[AsideRow] | None = in_memory(default=None)

    def to_frame(self):
        """track.csv: one row per tracked KPI and per target."""
        import pandas as pd

        return pd.DataFrame(track_rows(self))


def track_plan(
    plan: Plan, actuals: Actuals, aside: list[AsideRow], imports: ImportAccount, s: TrackSettings
) -> TrackResult:
    scenario = plan.scenario
    c = scenario.campaign
    seed = c.seed if s.seed is None else s.seed
    reps = s.replications or c.replications
    table = build_arm_table(scenario)
    weekdays = np.array([d.weekday() for d in actuals.dates], dtype=int)
    updates = update_arms(actuals, table, weekdays)
    data, notes = remaining_plan(plan.data, scenario, actuals, updates, table)
    rest = remaining_scenario(data, plan.source)
    # The plan as written and the rest of it are independent: one pool simulates both.
    planned, rest_result = simulate_together(
        [scenario, rest],
        daily_samples=[DEFAULT_DAILY_SAMPLE, DEFAULT_DAILY_SAMPLE],
        replications=reps,
        seed=seed,
        workers=s.workers,
    )
    reallocation = None
    if s.trials > 0:
        reallocation = reallocate(
            rest, plan.source, trials=s.trials, replications=reps, seed=seed, workers=s.workers
        )
    header = [
        f"{plan.source}: the rest of the plan after {actuals.dates[-1]}, by `smmsim track`",
        f"(seed {seed}). Budget, calendar and month caps are what is left; the tracked arms'",
        "beliefs are updated with the actuals to date; the split is the plan's (strategy: fixed).",
    ]
    return TrackResult(
        plan=plan.source,
        currency=c.currency,
        seed=seed,
        replications=planned.replications,
        start=c.start.isoformat(),
        as_of=actuals.dates[-1].isoformat(),
        days_tracked=actuals.days,
        days_left=rest.campaign.days,
        budget=c.budget,
        spent=float(actuals.total("spend").sum()),
        imports=imports,
        arms=[_arm_actuals(actuals, j) for j in range(len(actuals.arms))],
        overlay=overlay(planned, actuals),
        monthly=monthly_bands(planned, rest_result, actuals),
        targets=target_rows(planned, rest_result, actuals, scenario),
        updates=updates,
        forecast=forecast_rows(planned, rest_result, actuals),
        reallocation=reallocation,
        plan_result=planned,
        rest_result=rest_result,
        actuals=actuals,
        rest_yaml=remaining_yaml(data, notes, header),
        aside=aside,
    )


def _arm_actuals(actuals: Actuals, j: int) -> ArmActuals:
    arm = actuals.arms[j]
    return ArmActuals(
        arm=arm,
        rows=actuals.rows_by_arm[arm],
        campaigns=actuals.campaigns_by_arm[arm],
        totals={v: float(actuals.total(v)[j]) for v in VOLUMES},
    )


def track_rows(result: TrackResult) -> list[dict]:
    rows = [
        {
            "kind": "to_date",
            "scope": k.scope,
            "kpi": k.metric,
            "actual": k.actual,
            "plan_p10": k.plan.p10,
            "plan_p50": k.plan.p50,
            "plan_p90": k.plan.p90,
            "status": k.status,
            "p_met_plan": None,
            "p_met_now": None,
        }
        for k in result.overlay
    ]
    rows += [
        {
            "kind": "target",
            "scope": t.platform or "campaign",
            "kpi": t.target,
            "actual": None,
            "plan_p10": None,
            "plan_p50": None,
            "plan_p90": None,
            "status": _target_status(t, result.replications),
            "p_met_plan": t.plan_probability,
            "p_met_now": t.probability,
        }
        for t in result.targets
    ]
    return rows


def _target_status(t: TargetTrack, replications: int) -> str:
    """Better or worse odds than planned, by more than Monte Carlo noise could explain: two
    standard errors of the difference of two proportions over the replications."""
    if t.probability is None:
        return "not measured"
    before, after = t.plan_probability, t.probability
    se = np.sqrt((before * (1 - before) + after * (1 - after)) / replications)
    change = after - before
    if abs(change) <= 2 * se:
        return "as planned"
    return "odds up" if change > 0 else "odds down"
