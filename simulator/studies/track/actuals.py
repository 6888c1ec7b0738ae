"""Actual results matched to the plan's arms, day by day, up to the as-of date.

An imported row is used when its date lies within the plan's days up to `as_of` and its platform
and campaign name one of the plan's ad arms: the campaign is the tool's name, or an explicit
`--arm "CAMPAIGN=platform/tool"` says which arm it is. Every other row is set aside with its
reason, never dropped: the caller writes them beside the import's own rejected rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from smmsim.scenarios.calendar import campaign_dates
from smmsim.scenarios.errors import SmmsimError
from smmsim.scenarios.schema import Scenario

# The volumes an ad export reports and the plan models day by day.
VOLUMES = ("spend", "impressions", "clicks", "joins", "conversions")


class ArmMapError(SmmsimError):
    """An --arm option that does not read as CAMPAIGN=platform/tool of the plan."""


class NoActuals(SmmsimError):
    """No imported row belongs to the plan's arms by the as-of date: nothing to track. It carries
    the import and the rows set aside, so that the caller can still write them with reasons."""

    exit_code = 2

    def __init__(self, message: str, imported: object, aside: list[AsideRow]):
        super().__init__(message)
        self.imported = imported
        self.aside = aside


@dataclass(frozen=True)
class AsideRow:
    """An imported row that was read but not used for tracking, and why."""

    file: str
    line: int
    # after_as_of (or after the plan's end) | before_start | platform_not_in_plan | no_matching_arm
    reason: str
    detail: str
    row: str  # the row's canonical values, as used


@dataclass(frozen=True)
class Actuals:
    """Per arm (plan order) and day (the plan's first `days` days), the actual volumes."""

    arms: tuple[str, ...]  # 'platform/tool' of every ad arm of the plan
    dates: tuple[date, ...]  # the plan's days up to and including as_of
    values: dict[str, np.ndarray]  # volume -> (days, arms)
    rows_used: int
    rows_by_arm: dict[str, int]
    campaigns_by_arm: dict[str, list[str]]  # the export's campaigns that fed each arm

    @property
    def days(self) -> int:
        return len(self.dates)

    def total(self, volume: str) -> np.ndarray:
        """(arms,) the volume summed over the days to date."""
        return self.values[volume].sum(axis=0)


def ad_arms(scenario: Scenario) -> list[tuple[str, str]]:
    """(platform, tool name) of every ad arm, in the engine's order."""
    return [(p.name, t.name) for p in scenario.platforms for t in p.ad_tools()]


def parse_arm_map(options: list[str] | tuple[str, ...], scenario: Scenario) -> dict:
    """`CAMPAIGN=platform/tool` options as {(platform, campaign folded): 'platform/tool'}."""
    arms = {f"{p}/{t}" for p, t in ad_arms(scenario)}
    mapping = {}
    for option in options:
        campaign, sep, arm = option.rpartition("=")
        if not sep or not campaign.strip():
            raise ArmMapError(f"--arm {option!r}: write it as CAMPAIGN=platform/tool")
        if arm.strip() not in arms:
            raise ArmMapError(
                f"--arm {option!r}: the plan has no ad arm {arm.strip()!r}; its arms are "
                f"{', '.join(sorted(arms))}"
            )
        platform = arm.strip().split("/", 1)[0]
        mapping[(platform, _fold(campaign))] = arm.strip()
    return mapping


def _fold(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def match_actuals(
    frame, scenario: Scenario, as_of: date, arm_map: dict | None = None
) -> tuple[Actuals, list[AsideRow]]:
    """The rows of the canonical import frame that belong to the plan's arms by `as_of`, summed
    per arm and day; the others set aside with their reasons."""
    c = scenario.campaign
    dates = tuple(d for d in campaign_dates(c.start, c.days) if d <= as_of)
    arms = ad_arms(scenario)
    labels = tuple(f"{p}/{t}" for p, t in arms)
    lookup = {(p, _fold(t)): f"{p}/{t}" for p, t in arms} | dict(arm_map or {})
    platforms = {p for p, _ in arms}
    values = {v: np.zeros((len(dates), len(arms))) for v in VOLUMES}
    rows_by_arm = dict.fromkeys(labels, 0)
    campaigns: dict[str, set[str]] = {label: set() for label in labels}
    aside: list[AsideRow] = []
    day_of = {d: i for i, d in enumerate(dates)}
    for row in frame.itertuples(index=False):
        day = row.date.date() if hasattr(row.date, "date") else row.date
        platform, campaign = str(row.platform), str(row.campaign)
        reason = _why_aside(day, c.start, dates[-1] if dates else as_of, platform, platforms)
        arm = lookup.get((platform, _fold(campaign)))
        if reason is None and arm is None:
            reason = ("no_matching_arm", _unmatched(platform, campaign, arms))
        if reason is not None:
            aside.append(AsideRow(row.source, int(row.line), *reason, _row_text(row)))
            continue
        i, j = day_of[day], labels.index(arm)
        for v in VOLUMES:
            amount = getattr(row, v)
            values[v][i, j] += 0.0 if amount != amount else amount  # NaN: not reported
        rows_by_arm[arm] += 1
        campaigns[arm].add(campaign)
    actuals = Actuals(
        arms=labels,
        dates=dates,
        values=values,
        rows_used=sum(rows_by_arm.values()),
        rows_by_arm=rows_by_arm,
        campaigns_by_arm={k: sorted(v) for k, v in campaigns.items()},
    )
    return actuals, aside


def _why_aside(
    day: date, start: date, as_of: date, platform: str, platforms: set[str]
) -> tuple[str, str] | None:
    if day < start:
        return "before_start", f"{day} is before the plan starts ({start})"
    if day > as_of:
        return (
            "after_as_of",
            f"{day} is after the last day tracked ({as_of}: --as-of, or the plan's end)",
        )
    if platform not in platforms:
        return (
            "platform_not_in_plan",
            f"platform {platform!r} is not in the plan ({', '.join(sorted(platforms))})",
        )
    return None


def _unmatched(platform: str, campaign: str, arms: list[tuple[str, str]]) -> str:
    tools = [t for p, t in arms if p == platform]
    return (
        f"campaign {campaign!r} on {platform} is no tool of the plan ({', '.join(tools)}); "
        f'map it with --arm "{campaign}={platform}/{tools[0]}"'
    )


def _row_text(row) -> str:
    parts = [str(row.date.date() if hasattr(row.date, "date") else row.date)]
    parts += [str(row.platform), str(row.campaign)]
    parts += [f"{v}={getattr(row, v):g}" for v in VOLUMES]
    return " ".join(parts)
