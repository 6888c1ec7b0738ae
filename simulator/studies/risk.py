"""Flags for over-aggressive tactics: the static rules and the simulated backlash risk together.

Simulated risk, per platform: the probability of at least one backlash event (with its 90%
Wilson interval), the expected events and repair bill, and the KPI loss that platform's backlash
causes. The loss is measured against a what-if on the same random numbers in which backlash
cannot strike on that platform (`backlash.platforms` without it): conversions lost, CPA added and
positive share of the top 20 lost, replication by replication, so the difference is the
backlash's alone. Only platforms with any event get the what-if run (elsewhere the loss is 0).

A finding's level: static, from the thresholds (`risk_rules`); simulated, high when
the probability of an event reaches `backlash.risk.high`, medium from `backlash.risk.medium`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from smmsim.scenarios.documents import Document
from smmsim.scenarios.schema import Scenario
from smmsim.simulator.engine import simulate
from smmsim.simulator.metrics import KpiDraws
from smmsim.simulator.result import Result, spliced
from smmsim.simulator.strategies import POLICIES
from smmsim.simulator.studies.risk_rules import Finding, static_findings
from smmsim.simulator.summary import (
    Probability,
    Stats,
    describe,
    describe_kpi,
    kpi_difference,
    proportion,
)

if TYPE_CHECKING:  # pandas (0.2 s to import) only where a frame is asked for
    import pandas as pd

LEVELS = ("low", "medium", "high")
LOSS_KPIS = ("conversions", "cpa", "positive_share")
FAIL_EXIT_CODE = 4  # `--fail-on`: the plan carries a finding at or above the level
# A what-if simulates only the replications where backlash struck when they are this share or
# fewer (`resimulate_struck_only`).
RESIMULATE_AT_MOST = 0.5


def without_backlash_on(scenario: Scenario, platforms: list[str]) -> Scenario:
    """The what-if: backlash cannot strike on `platforms` (everything else the same)."""
    exposed = scenario.backlash.platforms or [p.name for p in scenario.platforms]
    kept = [p for p in exposed if p not in platforms]
    backlash = scenario.backlash.model_copy(update={"platforms": kept})
    return scenario.model_copy(update={"backlash": backlash})


def event_probability(events: np.ndarray, deterministic: bool) -> dict[str, float]:
    """P(at least one event) over replications; in a deterministic run the events are expected
    counts, so it is 1 - exp(-expected events), the Poisson chance of at least one."""
    if deterministic:
        p = float(-math.expm1(-float(events.mean())))
        return {"probability": p, "p5": p, "p95": p}
    return proportion(events > 0)


def level_of(probability: float, scenario: Scenario) -> str:
    risk = scenario.backlash.risk
    if probability >= risk.high:
        return "high"
    return "medium" if probability >= risk.medium else "low"


def simulated_risk(
    result: Result, simulate_without: Callable[[Scenario, np.ndarray], Result]
) -> list[dict]:
    """One row per platform. `simulate_without(scenario, struck)` runs a what-if with the
    result's seed and replications (common random numbers); `struck` (reps,) marks the
    replications where the platform's backlash struck, the only ones it can change."""
    scenario, rows = result.scenario, []
    kpis = result.kpis()
    for p, platform in enumerate(result.lines.platforms):
        events = result.totals["backlash_events"][:, p]
        chance = event_probability(events, result.deterministic)
        row = {
            "platform": platform,
            **chance,
            "level": level_of(chance["probability"], scenario),
            "events": describe(events),
            "repair_cost": describe(result.totals["repair_cost"][:, p]),
            "loss": dict.fromkeys(LOSS_KPIS),
        }
        if events.any():
            calm = simulate_without(without_backlash_on(scenario, [platform]), events > 0).kpis()
            row["loss"] = kpi_loss(kpis, calm, scenario.reputation is not None)
        rows.append(row)
    return rows


def kpi_loss(actual: KpiDraws, calm: KpiDraws, reputation: bool) -> dict:
    """What backlash cost, paired by replication: conversions and positive share lost (what-if
    minus actual) and CPA added (actual minus what-if, in expected CPA: the ratio of expected
    totals)."""
    loss = {
        "conversions": kpi_difference(calm, actual, "conversions"),
        "cpa": kpi_difference(actual, calm, "cpa"),
        "positive_share": None,
    }
    if reputation:
        loss["positive_share"] = kpi_difference(calm, actual, "positive_share")
    return loss


def risk_document(
    result: Result, simulate_without: Callable[[Scenario, np.ndarray], Result]
) -> dict:
    """The flags of a plan: static findings, simulated risk per platform, the overall level."""
    return flags(result.scenario, simulated_risk(result, simulate_without))


def flags(scenario: Scenario, simulated: list[dict]) -> dict:
    """The flags from the simulated risk rows: with the static findings and the overall level."""
    static = [f.as_dict() for f in static_findings(scenario)]
    levels = [f["level"] for f in static] + [r["level"] for r in simulated]
    return {
        "level": max(levels, key=LEVELS.index, default="low"),
        "static": static,
        "simulated": simulated,
        **thresholds(scenario),
    }


def thresholds(scenario: Scenario) -> dict:
    """The levels the findings were judged by, and whether the backlash model was on."""
    return {
        "thresholds": {
            "risk": scenario.backlash.risk.model_dump(),
            "signals": {n: s.model_dump() for n, s in scenario.backlash.signals().items()},
        },
        "backlash_enabled": scenario.backlash.enabled,
    }


def fails(level: str, fail_on: str | None) -> bool:
    """Whether a plan whose overall level is `level` fails `--fail-on` ('medium' or 'high')."""
    if fail_on is None:
        return False
    return LEVELS.index(level) >= LEVELS.index(fail_on)


def check_document(
    scenario: Scenario,
    *,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    static_only: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """`smmsim check`: the static findings and, unless `static_only`, the simulated risk of the
    scenario's own strategy, with the seed and replications used."""
    if static_only:
        static = [f.as_dict() for f in static_findings(scenario)]
        level = max((f["level"] for f in static), key=LEVELS.index, default="low")
        document = {"level": level, "static": static, "simulated": [], **thresholds(scenario)}
        return {**document, "seed": None, "replications": 0, "plan": None}
    result = simulate(
        scenario,
        replications=replications,
        seed=seed,
        workers=workers,
        progress=progress,
        daily_sample=0,  # check reports KPIs and flags, nothing day by day
    )
    document = assess_risk(result, workers=workers)
    return {
        **document,
        "seed": result.seed,
        "replications": result.replications,
        "plan": plan_figures(result),
    }


# What the plan buys, as every command defines it, beside its flags.
PLAN_KPIS = ("conversions", "spend", "cpa")


def plan_figures(result: Result) -> dict:
    """The checked plan's expected conversions, spend and CPA (`summary.describe_kpi`): the
    same figures `run` shows for the same seed and replications."""
    kpis = result.kpis()
    return {name: describe_kpi(kpis, name) for name in PLAN_KPIS}


def assess_risk(result: Result, *, chunk_size: int | None = None, workers: int = 1) -> dict:
    """The plan's flags: its what-ifs run with the result's seed and
    replications, so that each KPI loss is paired replication by replication."""

    def simulate_without(scenario: Scenario, struck: np.ndarray) -> Result:
        options = {
            "replications": result.replications,
            "seed": result.seed,
            "deterministic": result.deterministic,
            "chunk_size": chunk_size,
            "workers": workers,
            "daily_sample": 0,  # a what-if's KPIs are read, never its day-by-day paths
        }
        if not resimulate_struck_only(result, scenario, struck):
            return simulate(scenario, **options)
        rows = np.flatnonzero(struck)
        return spliced(result, rows, simulate(scenario, only=rows, **options))

    return risk_document(result, simulate_without)


def resimulate_struck_only(result: Result, what_if: Scenario, struck: np.ndarray) -> bool:
    """Whether the what-if need only simulate the replications where backlash struck. Where it
    never struck the what-if is the plan itself: the platform's events are drawn from its own
    stream, the same numbers whether it can strike or not, and nothing differs until one
    does. So those replications are copied (often most of them: travel-agency's backlash
    strikes in 3%), where they are at least half: a subset still draws its blocks' numbers
    whole. Not for a deterministic run (one replication), nor for a strategy that draws Beta
    posteriors, whose draws for some replications are not theirs in the whole run."""
    few = struck.mean() <= RESIMULATE_AT_MOST
    posteriors = POLICIES[what_if.strategy.type].draws_posteriors
    return few and not result.deterministic and not posteriors


# --- the typed document: the `risk` section of result.json, and check.json ---


@dataclass(frozen=True)
class KpiLoss(Document):
    """What a platform's backlash cost, paired by replication (None where no event struck, or
    for the positive share without a reputation model)."""

    conversions: Stats | None
    cpa: Stats | None
    positive_share: Stats | None


@dataclass(frozen=True)
class PlatformRisk(Document):
    """One platform's simulated risk: the chance of at least one backlash event (with its 90%
    Wilson interval, written flat), its level, the events, the repair bill and the KPI loss."""

    platform: str
    probability: float
    p5: float
    p95: float
    level: str
    events: Stats
    repair_cost: Stats
    loss: KpiLoss

    @property
    def chance(self) -> Probability:
        """P(at least one event) with its interval, as one value."""
        return Probability(self.probability, self.p5, self.p95)


@dataclass(frozen=True)
class SimulatedThresholds(Document):
    """P(at least one event) from which a simulated finding is medium, and high."""

    medium: float
    high: float


@dataclass(frozen=True)
class SignalThresholds(Document):
    """A backlash signal's levels: no hazard up to `safe`, `hazard_at_high` a day at `high`."""

    safe: float
    high: float
    hazard_at_high: float


@dataclass(frozen=True)
class RiskThresholds(Document):
    """The levels the findings were judged by (the scenario's `backlash` settings)."""

    risk: SimulatedThresholds
    signals: dict[str, SignalThresholds]  # signal name -> its levels


@dataclass(frozen=True)
class RiskAssessment(Document):
    """The plan's flags: the `risk` section of result.json (check.json has the same keys, with
    its source, seed and replications around them)."""

    level: str
    static: list[Finding]
    simulated: list[PlatformRisk]
    thresholds: RiskThresholds
    backlash_enabled: bool

    def fails(self, fail_on: str | None) -> bool:
        """Whether a flag reaches `fail_on` ('medium' or 'high'), as `--fail-on` judges it."""
        return fails(self.level, fail_on)


@dataclass(frozen=True)
class CheckResult(Document):
    """The plan's flags: static findings and the simulated risk per platform (check.json)."""

    source: str | None
    level: str
    static: list[Finding]
    simulated: list[PlatformRisk]
    thresholds: RiskThresholds
    backlash_enabled: bool
    seed: int | None
    replications: int
    # The plan as simulated (expected conversions, spend, CPA); None with --static-only, ABSENT
    # in a check.json written before it was there.
    plan: dict[str, Stats] | None

    @property
    def flags(self) -> RiskAssessment:
        """The flags alone, as a run's `risk` section holds them (what the console prints)."""
        return RiskAssessment(
            self.level, self.static, self.simulated, self.thresholds, self.backlash_enabled
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per static finding: rule, platform, level, the plan's value, the threshold."""
        import pandas as pd

        return pd.DataFrame([f.to_dict() for f in self.static])

    def by_platform(self) -> pd.DataFrame:
        """The simulated risk, one row per platform (flattened: chance, repair cost, KPI loss)."""
        import pandas as pd

        return pd.json_normalize([r.to_dict() for r in self.simulated])

    def fails(self, level: str | None) -> bool:
        """Whether a flag reaches `level` ('medium' or 'high'), as `--fail-on` judges it."""
        return fails(self.level, level)


def check_plan(
    scenario: Scenario,
    *,
    source: str | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    static_only: bool = False,
    progress: Callable[[int], None] | None = None,
) -> CheckResult:
    """`smmsim check` as a typed document: `check_document` with the file it read."""
    document = check_document(
        scenario,
        replications=replications,
        seed=seed,
        workers=workers,
        static_only=static_only,
        progress=progress,
    )
    return CheckResult.from_dict({"source": source, **document})
