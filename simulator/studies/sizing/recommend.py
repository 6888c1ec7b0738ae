"""The two answers of a sweep, and how sure each is.

1. Most conversions: the test size with the highest expected conversions over the whole campaign.
   A bigger test buys information but spends more on the losers; this is where the two balance.
   Sizes whose paired difference from it is within Monte Carlo error are listed as equally good.
2. Smallest test reaching the target probability of correct selection.
"""

from __future__ import annotations

from dataclasses import dataclass

from smmsim.scenarios.documents import Document
from smmsim.simulator.metrics import KpiDraws
from smmsim.simulator.studies.comparison import PairedStats, paired_difference
from smmsim.simulator.studies.sizing.measures import Estimate, PointSamples, TestSize, estimate
from smmsim.simulator.summary import Probability, proportion


@dataclass(frozen=True)
class BestTest(TestSize):
    """The best positive test, and what it gives up against the optimum."""

    conversions: Estimate
    conversions_below_best: PairedStats


@dataclass(frozen=True)
class MostConversions(TestSize):
    """The size with the most expected conversions, the sizes as good within Monte Carlo error,
    and the best positive test (None when the sweep has none)."""

    conversions: Estimate
    as_good_within_error: list[TestSize]
    best_test: BestTest | None


@dataclass(frozen=True)
class HighestSelection(TestSize):
    """Where no size reaches the target: the size that comes closest."""

    correct_selection: Probability


@dataclass(frozen=True)
class TargetSelection(Document):
    """The smallest size reaching the target P(correct selection). Where none does, its budget
    and days are None, `highest` is the closest, and the reached size's numbers are ABSENT."""

    target: float
    test_budget: float | None
    test_days: int | None
    correct_selection: Probability
    conversions: Estimate
    conversions_below_best: PairedStats
    highest: HighestSelection

    @property
    def reached(self) -> bool:
        return self.test_budget is not None


@dataclass(frozen=True)
class Recommendations(Document):
    """The sweep's two answers."""

    most_conversions: MostConversions
    target_selection: TargetSelection


def best_point(points: list[PointSamples]) -> PointSamples:
    """The most expected conversions; the smaller test on a tie."""
    return max(points, key=lambda p: (p.conversions.mean(), -p.budget))


def most_conversions(points: list[PointSamples], best: PointSamples) -> dict:
    tests = [p for p in points if p.budget > 0]
    return {
        **point_key(best),
        "conversions": estimate(best.conversions),
        "as_good_within_error": [point_key(p) for p in points if below(best, p)["ci_low"] <= 0],
        "best_test": best_test(tests, best) if tests else None,
    }


def best_test(tests: list[PointSamples], best: PointSamples) -> dict:
    """The best positive test: the answer to 'if we test, how much?', and what it costs against
    the optimum when the optimum is not to test."""
    top = best_point(tests)
    return {
        **point_key(top),
        "conversions": estimate(top.conversions),
        "conversions_below_best": below(best, top),
    }


def smallest_reaching(points: list[PointSamples], target: float, best: PointSamples) -> dict:
    """The smallest test budget (shortest test on ties) whose P(correct selection) >= target."""
    ordered = sorted(points, key=lambda p: (p.budget, p.days))
    reaching = [p for p in ordered if p.correct_selection.mean() >= target]
    if not reaching:
        top = max(ordered, key=lambda p: p.correct_selection.mean())
        return {
            "target": target,
            "test_budget": None,
            "test_days": None,
            "highest": {**point_key(top), "correct_selection": proportion(top.correct_selection)},
        }
    first = reaching[0]
    return {
        "target": target,
        **point_key(first),
        "correct_selection": proportion(first.correct_selection),
        "conversions": estimate(first.conversions),
        "conversions_below_best": below(best, first),
    }


def recommendations(points: list[PointSamples], target_pcs: float) -> dict:
    best = best_point(points)
    return {
        "most_conversions": most_conversions(points, best),
        "target_selection": smallest_reaching(points, target_pcs, best),
    }


def below(best: PointSamples, p: PointSamples) -> dict:
    """Conversions `p` gives up against `best`, paired by replication, with the 90% interval of
    the mean (`paired_difference` of best - p)."""
    ours = KpiDraws({"conversions": best.conversions}, {})
    theirs = KpiDraws({"conversions": p.conversions}, {})
    return paired_difference(ours, theirs, "conversions", better=0)


def point_key(p: PointSamples) -> dict:
    return {"test_budget": p.budget, "test_days": p.days}
