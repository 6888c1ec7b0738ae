"""What a strategy achieved, read from its run and the oracle's run on the same random numbers.

Both runs share seed and replications, so each replication's market (true rates, daily noise) is
the same in both: regret and the cost of testing are paired differences, replication by
replication, not differences of two averages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np

from smmsim.scenarios.documents import Document
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.strategy_settings import tested_arms
from smmsim.simulator.metrics import ratio
from smmsim.simulator.result import Result
from smmsim.simulator.strategies.adaptive import reallocation_days
from smmsim.simulator.studies.spending import unspent
from smmsim.simulator.summary import Probability, Stats, describe, describe_kpi, proportion


def phases(scenario: Scenario) -> list[dict]:
    """The strategy's timeline: named phases with first day and end day (exclusive), and dates."""
    s, c = scenario.strategy, scenario.campaign
    if s.type == "test-then-scale" and s.test.skipped:
        spans = [("scale, without a test", 0, c.days)]
    elif s.type == "test-then-scale":
        t = s.test
        spans = [("test", 0, t.days)]
        if t.if_insufficient == "extend":
            spans.append(("extension, where evidence is short", t.days, t.days + t.extend_days))
        spans.append(("scale", t.days, c.days))
    else:
        spans = [("campaign", 0, c.days)]
    return [
        {
            "phase": name,
            "start_day": start,
            "end_day": end,
            "start": (c.start + timedelta(days=start)).isoformat(),
            "end": (c.start + timedelta(days=end - 1)).isoformat(),
        }
        for name, start, end in spans
    ]


def decision_days(scenario: Scenario) -> list[int]:
    """Days at whose start the strategy changes the split (after the first)."""
    s = scenario.strategy
    if s.type == "adaptive":
        return reallocation_days(s.adaptive.every_days, scenario.campaign.days)
    if s.type == "test-then-scale" and not s.test.skipped:
        extension = [s.test.days + s.test.extend_days] if s.test.if_insufficient == "extend" else []
        return [s.test.days, *extension]
    return []


def settings(scenario: Scenario) -> dict:
    """The settings the chosen strategy reads (the others are left out)."""
    s = scenario.strategy
    blocks = {
        "test-then-scale": ("test", "decision", "scale"),
        "adaptive": ("adaptive",),
        "best-guess": ("best_guess",),
    }.get(s.type, ())
    return {"type": s.type, **{b: getattr(s, b).model_dump(mode="json") for b in blocks}}


@dataclass(frozen=True)
class Phase(Document):
    """A named phase of the strategy: first day and end day (exclusive), and its dates."""

    phase: str
    start_day: int
    end_day: int
    start: str
    end: str


@dataclass(frozen=True)
class CostOfTesting(Document):
    """Conversions given up during the test's days against the oracle (paired)."""

    days: int
    conversions: Stats


@dataclass(frozen=True)
class Regret(Document):
    """Conversions below the oracle's, and as a share of the oracle's (paired)."""

    conversions: Stats
    share_of_oracle: Stats


@dataclass(frozen=True)
class OracleNumbers(Document):
    """What the oracle, which knows every arm's true rates, achieves."""

    conversions: Stats
    cpa: Stats


@dataclass(frozen=True)
class ArmDecisions(Document):
    """One arm: whether it was tested, and how often it was kept, dropped, cut or extended."""

    tested: bool
    kept: Probability
    dropped: Probability
    cut_by_stop_loss: Probability
    extended: Probability
    truly_best: Probability


@dataclass(frozen=True)
class StrategyOutcome(Document):
    """What the strategy achieved against the oracle: the `strategy` section of result.json.
    The settings blocks (`test`, `decision`, `scale`, `adaptive`, `best_guess`) echo the
    scenario's, so they stay as written; only the chosen strategy's are present."""

    type: str
    test: dict[str, Any]
    decision: dict[str, Any]
    scale: dict[str, Any]
    adaptive: dict[str, Any]
    best_guess: dict[str, Any]
    phases: list[Phase]
    decision_days: list[int]
    conversions: Stats
    cpa: Stats
    spend_by_phase: dict[str, Stats]
    kept_best: Probability
    regret: Regret
    cost_of_testing: CostOfTesting | None
    test_extended: Probability
    decision_log: dict[str, ArmDecisions]
    oracle: OracleNumbers


def strategy_outcome(result: Result, oracle: Result) -> dict:
    """The strategy section of the JSON document (schema in the README)."""
    scenario, record = result.scenario, result.strategy
    kpis, best = result.kpis(), oracle.kpis()
    conversions, oracle_conversions = kpis["conversions"], best["conversions"]
    regret = oracle_conversions - conversions
    rows = np.arange(result.replications)
    return {
        **settings(scenario),
        "phases": phases(scenario),
        "decision_days": decision_days(scenario),
        "conversions": describe(conversions),
        "cpa": describe_kpi(kpis, "cpa"),
        "spend_by_phase": {
            **{p: describe(v) for p, v in record.phase_spend.items()},
            # The strategy's phases are the ads' money; the schedules and repairs take the rest.
            "tactics_and_repairs": describe(kpis["spend"] - sum(record.phase_spend.values())),
            "unspent": describe(unspent(scenario.campaign.budget, kpis["spend"])),
        },
        "kept_best": proportion(record.kept[rows, record.best_arm]),
        "regret": {
            "conversions": describe(regret),
            "share_of_oracle": describe(ratio(regret, oracle_conversions)),
        },
        "cost_of_testing": cost_of_testing(result, oracle),
        "test_extended": proportion(record.extended),
        "decision_log": decision_log(result),
        "oracle": {"conversions": describe(oracle_conversions), "cpa": describe_kpi(best, "cpa")},
    }


def cost_of_testing(result: Result, oracle: Result) -> dict | None:
    """Conversions given up during the test (see `testing_cost`), summarised."""
    if result.scenario.strategy.type != "test-then-scale":
        return None
    strategy = result.scenario.strategy
    days = 0 if strategy.test.skipped else strategy.test.days
    return {"days": days, "conversions": describe(testing_cost(result, oracle))}


def testing_cost(result: Result, oracle: Result) -> np.ndarray:
    """(reps,) conversions given up during the test: what the test's spend would have bought at
    the oracle's conversions per unit of money over the same days, minus what it bought (paired).
    Scaling by spend compares equal money: a test spends more slowly than the oracle, and the
    money it has not spent yet is no loss. Zero without a test."""
    test = result.scenario.strategy.test
    if test.skipped:
        return np.zeros(result.replications)
    tested, best = result.checkpoints[test.days], oracle.checkpoints[test.days]
    at_oracle_rate = best["conversions"] * ratio(tested["spend"], best["spend"])
    return at_oracle_rate - tested["conversions"]


def decision_log(result: Result) -> dict:
    """Per arm: whether it was tested, and how often it was kept, dropped, cut or extended."""
    record, scenario = result.strategy, result.scenario
    tested = set(tested_arms(scenario)) if scenario.strategy.type == "test-then-scale" else set()
    return {
        name: {
            "tested": i in tested,
            "kept": proportion(record.kept[:, i]),
            "dropped": proportion(record.dropped[:, i]),
            "cut_by_stop_loss": proportion(record.cut[:, i]),
            "extended": proportion(record.extended & (i in tested)),
            "truly_best": proportion(record.best_arm == i),
        }
        for i, name in enumerate(result.budget_arms.names)
    }


def strategy_rows(outcome: StrategyOutcome) -> list[dict]:
    """Tidy rows (section, name, metric, mean, p5, p50, p95) of the outcome for strategy.csv; a
    probability's estimate is its mean (it has no median)."""
    rows = []

    def add(section: str, name: str, metric: str, value: Stats | Probability | None) -> None:
        if value is None:
            return
        if isinstance(value, Probability):
            stats = {"mean": value.probability, "p5": value.p5, "p95": value.p95}
        else:
            stats = value.to_dict()
        rows.append({"section": section, "name": name, "metric": metric, **stats})

    kind = outcome.type
    add("outcome", kind, "conversions", outcome.conversions)
    add("outcome", kind, "cpa", outcome.cpa)
    for phase, stats in outcome.spend_by_phase.items():
        add("spend_by_phase", phase, "spend", stats)
    add("outcome", kind, "kept_best", outcome.kept_best)
    add("outcome", kind, "regret_conversions", outcome.regret.conversions)
    add("outcome", kind, "regret_share_of_oracle", outcome.regret.share_of_oracle)
    testing = outcome.cost_of_testing
    add("outcome", kind, "cost_of_testing", testing and testing.conversions)
    add("outcome", kind, "test_extended", outcome.test_extended)
    add("outcome", "oracle", "conversions", outcome.oracle.conversions)
    add("outcome", "oracle", "cpa", outcome.oracle.cpa)
    for arm, log in outcome.decision_log.items():
        for metric, share in decisions(log).items():
            add("decision_log", arm, metric, share)
    return rows


def decisions(log: ArmDecisions) -> dict[str, Probability]:
    """An arm's decision shares by name, in the document's order (`tested` is not a share)."""
    return {
        "kept": log.kept,
        "dropped": log.dropped,
        "cut_by_stop_loss": log.cut_by_stop_loss,
        "extended": log.extended,
        "truly_best": log.truly_best,
    }


def regret_per_replication(result: Result, oracle: Result) -> np.ndarray:
    """Paired: both runs share seed and replications, so row r is the same market in both."""
    return oracle.kpis()["conversions"] - result.kpis()["conversions"]
