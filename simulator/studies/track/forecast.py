"""The campaign's end as it now looks: the actuals to date plus a re-forecast of the rest from the
updated beliefs, replication by replication, and each KPI target's odds before and after.

A KPI of the whole campaign is computed from summed base measures (actual + each replication of
the rest), with the engine's own KPI formulas (`derive_kpis`): the reach from the summed
impressions per platform, the CPA from the summed spend and conversions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smmsim.scenarios.documents import Document
from smmsim.scenarios.kpis import REPUTATION_KPIS
from smmsim.scenarios.schema import KpiTarget, Scenario
from smmsim.simulator.metrics import CAMPAIGN_FLOWS, CAMPAIGN_STOCKS, PLATFORM_FLOWS, derive_kpis
from smmsim.simulator.result import SCOPED, Result
from smmsim.simulator.studies.track.actuals import Actuals
from smmsim.simulator.summary import Stats, describe, met_in, probability_met

# What the ad exports measure, as the engine's base measures.
MEASURED = {
    "spend": "spend",
    "impressions": "impressions",
    "clicks": "clicks",
    "joins": "joins",
    "direct_conversions": "conversions",
}
FORECAST_KPIS = (
    "spend",
    "impressions",
    "reach",
    "clicks",
    "joins",
    "direct_conversions",
    "conversions",
    "revenue",
    "cpa",
    "cpc",
    "roas",
)
# Not in an ad export: the reputation's readings and learning counts. Members are approximated.
UNMEASURED = (*REPUTATION_KPIS, "learning_days", "learning_entries", "units", "recommendations")


@dataclass(frozen=True)
class ForecastRow(Document):
    """A KPI of the whole campaign: as planned, the re-forecast of the rest alone, and the
    campaign's end (actuals to date + the rest), each over the replications."""

    metric: str
    plan: Stats
    rest: Stats
    campaign: Stats


@dataclass(frozen=True)
class TargetTrack(Document):
    """A KPI target's odds before (the plan) and after (actuals to date + re-forecast)."""

    target: str
    metric: str
    platform: str | None
    month: str | None
    plan_probability: float
    probability: float | None  # None: the actuals cannot say (a reputation KPI)
    expected: Stats | None  # the KPI's end value after the actuals
    note: str | None


def _month_days(actuals: Actuals, label: str | None) -> np.ndarray:
    if label is None:
        return np.ones(actuals.days, dtype=bool)
    return np.array([f"{d.year:04d}-{d.month:02d}" == label for d in actuals.dates], dtype=bool)


def combined_kpis(
    rest: Result, actuals: Actuals, platform: str | None = None, month: str | None = None
) -> dict[str, np.ndarray]:
    """Every KPI per replication of the whole campaign (or calendar month `month`, 'YYYY-MM'):
    the actuals to date plus the rest's replications, for all lines or one platform's."""
    lines = rest.lines
    mask = rest.platform_mask(platform) if platform else np.ones(lines.n, dtype=bool)
    if month is None:
        period = rest.totals
    elif month in rest.months:
        period = rest.month_measures(rest.months.index(month))
    else:  # a month already over: its values are the actuals alone
        period = {name: np.zeros_like(v) for name, v in rest.totals.items()}
    base = {name: v[:, mask].sum(axis=1) for name, v in period.items() if name not in SCOPED}
    covered = np.unique(lines.platform_of[mask])
    base.update({n: period[n][:, covered].sum(axis=1) for n in PLATFORM_FLOWS})
    if mask.all():
        base.update({n: period[n][:, 0] for n in CAMPAIGN_FLOWS + CAMPAIGN_STOCKS})
    days = _month_days(actuals, month)
    in_scope = np.array([platform is None or a.split("/")[0] == platform for a in actuals.arms])
    for measure, column in MEASURED.items():
        base[measure] = base[measure] + actuals.values[column][days][:, in_scope].sum()
    # Members who joined to date and stay: each month a share `churn` leaves.
    churn = rest.scenario.community.churn_per_month if rest.scenario.community else 0.0
    months_left = (len(rest.dates) if month is None else 0) / 30.4
    joined = actuals.values["joins"][days][:, in_scope].sum()
    base["members"] = base["members"] + joined * (1 - churn) ** months_left
    by_platform = np.stack(
        [
            period["impressions"][:, mask & (lines.platform_of == p)].sum(axis=1)
            + _actual_impressions(actuals, lines.platforms[p], days)
            for p in covered
        ],
        axis=-1,
    )
    return derive_kpis(
        base,
        by_platform,
        lines.platform_audience[covered],
        rest.scenario.campaign.average_order_value,
        reputation=rest.scenario.reputation is not None,
    )


def _actual_impressions(actuals: Actuals, platform: str, days: np.ndarray) -> float:
    arms = np.array([a.split("/")[0] == platform for a in actuals.arms])
    return float(actuals.values["impressions"][days][:, arms].sum())


def forecast_rows(plan: Result, rest: Result, actuals: Actuals) -> list[ForecastRow]:
    planned, alone, both = plan.kpis(), rest.kpis(), combined_kpis(rest, actuals)
    return [
        ForecastRow(m, _stats(planned[m]), _stats(alone[m]), _stats(both[m]))
        for m in FORECAST_KPIS
        if m in both
    ]


def target_rows(
    plan: Result, rest: Result, actuals: Actuals, scenario: Scenario
) -> list[TargetTrack]:
    return [_target(plan, rest, actuals, t) for t in scenario.kpis]


def _target(plan: Result, rest: Result, actuals: Actuals, target: KpiTarget) -> TargetTrack:
    mask = plan.platform_mask(target.platform) if target.platform else None
    month = None if target.month is None else plan.months[target.month - 1]
    before = plan.kpis(mask, month=None if month is None else target.month - 1)[target.metric]
    row = {
        "target": target.label,
        "metric": target.metric,
        "platform": target.platform,
        "month": month,
        "plan_probability": probability_met(before, target),
    }
    if target.metric in UNMEASURED:
        note = "ad exports do not measure it: only the plan's odds are known"
        return TargetTrack(**row, probability=None, expected=None, note=note)
    after = combined_kpis(rest, actuals, target.platform, month)[target.metric]
    note = None
    if target.metric == "members":
        note = "members to date approximated from the joins to date less the community's churn"
    if month is not None and month not in rest.months:
        note = "the month is over: decided by the actuals"
    return TargetTrack(
        **row,
        probability=float(met_in(after, target).mean()),
        expected=_stats(after),
        note=note,
    )


def _stats(values: np.ndarray) -> Stats:
    return Stats(**describe(np.asarray(values, dtype=float)))
