"""The inverse question, in closed form: which CPA gap between two arms a test tells apart, and the
classical A/B sample size for the same arms.

Both read the planner's priors for the tested arms at their prior means. The reference is the
tested arm with the best prior CPA; the other arm of the pair is as good in every respect but its
CPA. Expected test conversions include the auction pressure of the test's daily budget, not the
learning phase's losses, so on arms that start in learning they are a little optimistic.
"""

from __future__ import annotations

from dataclasses import dataclass

from smmsim.scenarios.documents import Document
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.strategy_settings import tested_arms
from smmsim.simulator.arms import build_arm_table
from smmsim.simulator.curves import auction_cpm
from smmsim.simulator.strategies.evidence import prior_conversions_per_money
from smmsim.simulator.studies.sizing.closed_form import (
    ClassicalSize,
    classical_size,
    detectable_cpa_ratio,
)


@dataclass(frozen=True)
class Reference(Document):
    """The tested arm with the best prior CPA, and what a test would see of it (the
    `reference_arm` section of sizing.json)."""

    arm: str
    conversions_per_money: float  # at no auction pressure
    cvr: float
    cost_per_click: float
    tested: int  # how many arms the test covers
    s_half: float  # its auction curve, for the pressure of the test's daily budget
    k: float


def reference_arm(scenario: Scenario) -> Reference:
    arms = build_arm_table(scenario)
    tested = tested_arms(scenario)
    per_money = prior_conversions_per_money(arms)
    best = max(tested, key=lambda i: per_money[i])
    cpm, ctr = arms.priors["cpm"][best].mean, arms.priors["ctr"][best].mean
    return Reference(
        arm=arms.names[best],
        conversions_per_money=float(per_money[best]),
        cvr=arms.priors["cvr"][best].mean,
        cost_per_click=cpm / (1000 * ctr),
        tested=len(tested),
        s_half=float(arms.s_half[best]),
        k=float(arms.k[best]),
    )


def expected_test_conversions(scenario: Scenario, budget: float, days: int) -> float:
    """The reference arm's expected conversions in an even test of `budget` over `days`: its
    conversions per unit of money divided by the auction's CPM multiplier at the daily spend."""
    ref = reference_arm(scenario)
    spend = budget / ref.tested
    return spend * ref.conversions_per_money / auction_cpm(1.0, spend / days, ref.s_half, ref.k)


def detectable_gap(scenario: Scenario, budget: float, days: int, pcs: float) -> float | None:
    """The smallest relative CPA gap (0.25: one arm's CPA is 25% above the other's) that an even
    test of `budget` over `days` picks correctly with probability `pcs`; None if none is."""
    if budget <= 0:
        return None
    ratio = detectable_cpa_ratio(expected_test_conversions(scenario, budget, days), pcs)
    return None if ratio is None else ratio - 1


def classical_test(scenario: Scenario, relative_gap: float) -> tuple[Reference, ClassicalSize]:
    """The two-proportion test (alpha 0.05, power 0.8) for the reference arm's conversion rate
    against one whose CPA is `relative_gap` higher, as a test budget over the tested arms."""
    ref = reference_arm(scenario)
    return ref, classical_size(ref.cvr, ref.cost_per_click, ref.tested, relative_gap)
