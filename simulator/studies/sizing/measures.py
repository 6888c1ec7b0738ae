"""What one test size achieved over the whole campaign, per replication and summarised.

Every sweep point and the oracle run on the same seed, so replication i faces the same market (true
rates, daily noise) at every test size: differences between points are paired, and the curves are
smooth because only the test size changes between them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from smmsim.scenarios.documents import Document
from smmsim.simulator.ratios import expected_ratio
from smmsim.simulator.result import Result
from smmsim.simulator.studies.outcome import testing_cost
from smmsim.simulator.studies.spending import unspent
from smmsim.simulator.summary import Z90, proportion


@dataclass(frozen=True)
class PointSamples:
    """Per replication, (reps,) each, for one test budget and length."""

    budget: float
    days: int
    conversions: np.ndarray  # whole campaign, test and scale, community included
    spend: np.ndarray
    unspent: np.ndarray  # the budget less the spend (`spending.unspent`)
    regret: np.ndarray  # the oracle's conversions minus these, same replication
    testing_cost: np.ndarray  # conversions the test's money would have bought at the oracle's rate
    test_spend: np.ndarray
    kept_best: np.ndarray  # the kept arms include the truly best arm
    chosen_within_margin: np.ndarray  # the arm ranked first has a true CPA within the margin
    extended: np.ndarray

    @property
    def correct_selection(self) -> np.ndarray:
        return self.kept_best & self.chosen_within_margin


@dataclass(frozen=True)
class TestSize(Document):
    """A test budget and length: where a sweep point, or an answer, sits."""

    __test__ = False  # not a pytest class, whatever its name

    test_budget: float
    test_days: int

    @property
    def key(self) -> tuple[float, int]:
        return (self.test_budget, self.test_days)


@dataclass(frozen=True)
class Expectation(Document):
    """An expected value with its 90% Monte Carlo interval (of the mean); None where undefined
    (an expected CPA without conversions)."""

    mean: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class Estimate(Expectation):
    """An expectation and the 5/95% quantiles: how much one campaign varies around it."""

    p5: float | None
    p95: float | None


def point_samples(
    budget: float, days: int, result: Result, oracle: Result, margin: float
) -> PointSamples:
    record = result.strategy
    rows = np.arange(result.replications)
    best_cpa = record.true_cpa[rows, record.best_arm]
    chosen_cpa = np.where(record.chosen >= 0, record.true_cpa[rows, record.chosen], np.inf)
    kpis = result.kpis()
    conversions = kpis["conversions"]
    return PointSamples(
        budget=budget,
        days=days,
        conversions=conversions,
        spend=kpis["spend"],
        unspent=unspent(result.scenario.campaign.budget, kpis["spend"]),
        regret=oracle.kpis()["conversions"] - conversions,
        testing_cost=testing_cost(result, oracle),
        test_spend=record.phase_spend["test"],
        kept_best=record.kept[rows, record.best_arm],
        chosen_within_margin=chosen_cpa <= (1 + margin) * best_cpa,
        extended=record.extended,
    )


def estimate(values: np.ndarray) -> dict[str, float | None]:
    """An expected value with its 90% Monte Carlo interval (of the mean), and the 5/95%
    quantiles (how much one campaign varies around it). NaN replications are left out."""
    finite = values[~np.isnan(values)]
    n = finite.size
    if n == 0:
        return dict.fromkeys(("mean", "ci_low", "ci_high", "p5", "p95"))
    mean = float(finite.mean())
    half = Z90 * float(finite.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    p5, p95 = np.percentile(finite, [5, 95])
    return {
        "mean": mean,
        "ci_low": mean - half,
        "ci_high": mean + half,
        "p5": float(p5),
        "p95": float(p95),
    }


def expected_cpa(samples: PointSamples) -> dict[str, float | None]:
    """Expected spend over expected conversions with its 90% interval: the expected CPA of
    every command (`ratios.expected_ratio`)."""
    found = expected_ratio(samples.spend, samples.conversions)
    return {"mean": found.value, "ci_low": found.ci_low, "ci_high": found.ci_high}


def point_summary(samples: PointSamples) -> dict:
    """The JSON entry of one sweep point (schema in the README)."""
    return {
        "test_budget": samples.budget,
        "test_days": samples.days,
        "correct_selection": proportion(samples.correct_selection),
        "kept_best": proportion(samples.kept_best),
        "chosen_within_margin": proportion(samples.chosen_within_margin),
        "conversions": estimate(samples.conversions),
        "cpa": expected_cpa(samples),
        "spend": estimate(samples.spend),
        "unspent": estimate(samples.unspent),
        "regret": estimate(samples.regret),
        "cost_of_test": estimate(samples.testing_cost),
        "test_spend": estimate(samples.test_spend),
        "test_extended": proportion(samples.extended),
    }
