"""Retargeting under every strategy: funded as planned, never ranked against the paid ads.

A retargeting arm's audience is the visitors the other arms bring. Ranked by its own (cheap) CPA
it would take the budget and starve the very arms that fill its pool, so strategies split the
paced budget over the paid ads and give retargeting its planned daily amount first.
"""

from __future__ import annotations

import pytest

from smmsim.scenarios.errors import ScenarioError
from smmsim.scenarios.loader import scenario_from_data
from smmsim.simulator.engine import simulate
from smmsim.simulator.studies.evaluation import with_strategy
from tests.smm_helpers import ads, scenario_data

DAYS, BUDGET, RETARGETING_SHARE = 30, 6000.0, 0.2
STRATEGIES = ("spread", "best-guess", "oracle", "adaptive", "test-then-scale")


def plan(**strategy) -> dict:
    """Two paid-ads arms and a retargeting arm whose CPA, from its rates alone, is the best."""
    retargeting = ads("retargeting", budget_share=RETARGETING_SHARE, cvr=0.2, frequency_cap=1.0)
    retargeting["type"] = "retargeting"
    tools = [ads("a", budget_share=0.5), ads("b", budget_share=0.3, cvr=0.01), retargeting]
    data = scenario_data(tools, days=DAYS, budget=BUDGET)
    # No ramp limit: a month is too short to ramp up in 20% steps after the test.
    data["strategy"] = {"type": "fixed", "scale": {"ramp_limit": None}, **strategy}
    data["kpis"] = [{"target": "cpa <= 50"}]
    return data


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_retargeting_gets_its_planned_daily_amount_and_the_budget_is_spent(strategy):
    scenario = with_strategy(scenario_from_data(plan(), "rt.yaml"), strategy, "rt.yaml")
    result = simulate(scenario, deterministic=True)
    line = result.lines.names.index("facebook/retargeting")
    # Its planned 20% of the budget a day, less what its small pool cannot take.
    assert result.totals["spend"][0, line] <= RETARGETING_SHARE * BUDGET * (1 + 1e-9)
    assert result.kpis()["spend"][0] == pytest.approx(BUDGET, rel=1e-6)
    paid = [result.lines.names.index(f"facebook/{n}") for n in ("a", "b")]
    assert result.totals["spend"][0, paid].sum() >= (1 - RETARGETING_SHARE) * BUDGET * 0.999


@pytest.mark.parametrize("strategy", ("best-guess", "oracle"))
def test_ranking_strategies_beat_an_even_spread_of_the_paid_ads(strategy):
    # Arm a converts at 2%, b at 1%: a ranking strategy moves b's money to a.
    base = scenario_from_data(plan(), "rt.yaml")
    ranked = simulate(with_strategy(base, strategy, "rt.yaml"), deterministic=True)
    spread = simulate(with_strategy(base, "spread", "rt.yaml"), deterministic=True)
    assert ranked.kpis()["conversions"][0] > spread.kpis()["conversions"][0]


def test_the_truly_best_arm_is_a_paid_ads_arm():
    result = simulate(with_strategy(scenario_from_data(plan(), "rt.yaml"), "oracle", "rt.yaml"),
                      replications=50)  # fmt: skip
    assert set(result.strategy.best_arm) == {0}  # a, not the retargeting arm (2)


def test_a_retargeting_tool_needs_a_budget_under_any_strategy():
    data = plan()
    data["strategy"] = {"type": "spread"}
    del data["platforms"][0]["tools"][2]["budget_share"]
    with pytest.raises(ScenarioError, match=r"tools\[2\]: retargeting needs budget_share or daily"):
        scenario_from_data(data, "rt.yaml")


def test_a_test_cannot_name_a_retargeting_tool():
    data = plan()
    data["strategy"] = {"type": "test-then-scale", "test": {"arms": ["facebook/retargeting"]}}
    with pytest.raises(ScenarioError, match=r"test.arms\[0\]: is a retargeting tool"):
        scenario_from_data(data, "rt.yaml")
