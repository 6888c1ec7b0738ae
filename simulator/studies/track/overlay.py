"""The actuals laid over the plan: each volume and cost to date against the plan's distribution
of the same quantity on the same days, and a status for each.

The plan's distribution to date comes from its daily sample of replications (the engine keeps
every day of the first 1,000): each replication's volumes summed over the tracked days, and each
cost or rate computed from those sums, so a KPI's band is the band of campaigns, not of days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smmsim.scenarios.documents import Document
from smmsim.simulator.metrics import ratio
from smmsim.simulator.result import Result
from smmsim.simulator.studies.track.actuals import VOLUMES, Actuals

BAND = (10, 50, 90)  # the plan's p10, p50 and p90: below p10 (above p90 for a cost) is behind
# KPIs of the actuals: (numerator, denominator, scale); a cost is better lower.
RATIO_KPIS = {
    "cpm": ("spend", "impressions", 1000.0),
    "ctr": ("clicks", "impressions", 1.0),
    "cpc": ("spend", "clicks", 1.0),
    "cost_per_join": ("spend", "joins", 1.0),
    "cpa": ("spend", "conversions", 1.0),
}
COSTS = ("cpm", "cpc", "cost_per_join", "cpa")
TRACKED = (*VOLUMES, *RATIO_KPIS)
# The plan's daily measure that an export's column is compared with: an ad platform reports the
# conversions of its own clicks, not the community's later orders.
PLAN_MEASURE = {**{v: v for v in VOLUMES}, "conversions": "direct_conversions"}


@dataclass(frozen=True)
class Band(Document):
    p10: float | None
    p50: float | None
    p90: float | None


@dataclass(frozen=True)
class TrackedKpi(Document):
    """One KPI of one scope to date: the actual value, the plan's band and the verdict."""

    scope: str  # 'ads' (every ad arm) or an arm 'platform/tool'
    metric: str
    actual: float | None  # None: undefined (a CPA without conversions)
    plan: Band
    status: str  # on track | behind | ahead | no data
    lower_is_better: bool


def status(actual: float | None, band: Band, lower_is_better: bool) -> str:
    """Behind below the plan's p10 (above p90 for a cost), ahead past the other end."""
    if actual is None or band.p10 is None or band.p90 is None:
        return "no data"
    low, high = (band.p90, band.p10) if lower_is_better else (band.p10, band.p90)
    if (actual > low) if lower_is_better else (actual < low):
        return "behind"
    if (actual < high) if lower_is_better else (actual > high):
        return "ahead"
    return "on track"


def band_of(values: np.ndarray) -> Band:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return Band(None, None, None)
    return Band(*(float(x) for x in np.percentile(finite, BAND)))


def plan_to_date(plan: Result, days: int, n_arms: int) -> dict[str, np.ndarray]:
    """Per sampled replication and ad arm, each volume summed over the first `days` days."""
    return {v: plan.daily_sample[PLAN_MEASURE[v]][:days, :, :n_arms].sum(axis=0) for v in VOLUMES}


def kpi_values(volumes: dict[str, np.ndarray], metric: str) -> np.ndarray:
    if metric in RATIO_KPIS:
        num, den, scale = RATIO_KPIS[metric]
        return scale * ratio(volumes[num], volumes[den])
    return np.asarray(volumes[metric], dtype=float)


def overlay(plan: Result, actuals: Actuals) -> list[TrackedKpi]:
    """Every tracked KPI for all ad arms together, then for each arm."""
    n_arms = len(actuals.arms)
    planned = plan_to_date(plan, actuals.days, n_arms)
    actual = {v: actuals.total(v) for v in VOLUMES}
    scopes = [("ads", np.ones(n_arms, dtype=bool))] + [
        (arm, np.arange(n_arms) == j) for j, arm in enumerate(actuals.arms)
    ]
    rows = []
    for scope, mask in scopes:
        plan_sums = {v: planned[v][:, mask].sum(axis=1) for v in VOLUMES}
        actual_sums = {v: np.array([actual[v][mask].sum()]) for v in VOLUMES}
        for metric in TRACKED:
            value = float(kpi_values(actual_sums, metric)[0])
            value = value if np.isfinite(value) else None
            band = band_of(kpi_values(plan_sums, metric))
            cost = metric in COSTS
            rows.append(TrackedKpi(scope, metric, value, band, status(value, band, cost), cost))
    return rows


@dataclass(frozen=True)
class MonthTrack(Document):
    """One calendar month's volume over all ad arms: the plan's band, the actuals in it, and the
    band of actuals + re-forecast (the plan's for a month not yet started, the actuals' for one
    over)."""

    month: str  # 'YYYY-MM'
    metric: str
    plan: Band
    actual: float
    now: Band


def monthly_bands(plan: Result, rest: Result, actuals: Actuals) -> list[MonthTrack]:
    n_arms = len(actuals.arms)
    months = [f"{d.year:04d}-{d.month:02d}" for d in actuals.dates]
    rows = []
    for m, label in enumerate(plan.months):
        in_month = np.array([x == label for x in months], dtype=bool)
        for metric in VOLUMES:
            measure = PLAN_MEASURE[metric]
            planned = plan.monthly[measure][m, :, :n_arms].sum(axis=1)
            actual = float(actuals.values[metric][in_month].sum()) if in_month.any() else 0.0
            ahead = np.zeros(rest.replications)
            if label in rest.months:
                ahead = rest.monthly[measure][rest.months.index(label), :, :n_arms].sum(axis=1)
            rows.append(
                MonthTrack(label, metric, band_of(planned), actual, band_of(actual + ahead))
            )
    return rows
