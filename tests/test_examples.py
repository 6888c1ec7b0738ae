"""Every bundled example validates and runs, and its KPI targets are evaluated."""

from __future__ import annotations

import numpy as np
import pytest

from smmsim.scenarios.bundled import example_names
from smmsim.scenarios.loader import load_scenario
from smmsim.simulator.engine import simulate
from smmsim.simulator.summary import result_json

EXAMPLES = "scenarios/examples"


@pytest.mark.parametrize("name", example_names())
def test_example_runs_within_its_budget(name):
    scenario = load_scenario(f"{EXAMPLES}/{name}.yaml")
    result = simulate(scenario, replications=100)
    spend = result.kpis()["spend"]  # media, tactics and repairs
    assert (spend <= scenario.campaign.budget * (1 + 1e-9)).all()
    assert np.nanmean(result.kpis()["conversions"]) > 0


@pytest.mark.parametrize("name", example_names())
def test_example_targets_all_get_a_probability(name):
    scenario = load_scenario(f"{EXAMPLES}/{name}.yaml")
    document = result_json(simulate(scenario, replications=100))
    assert len(document["kpi_targets"]) == len(scenario.kpis) > 0
    for target in document["kpi_targets"]:
        assert 0.0 <= target["probability"] <= 1.0
