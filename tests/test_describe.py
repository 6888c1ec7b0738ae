"""A grouping's KPIs described together are the KPIs described one by one, bit for bit."""

from __future__ import annotations

import numpy as np

from smmsim.scenarios.loader import load_scenario
from smmsim.simulator.engine import simulate
from smmsim.simulator.summary import describe_kpi, describe_kpis


def test_described_together_equals_one_by_one():
    # reputation-rush has ratio KPIs undefined in some replications of a platform (a CPA where
    # nothing converted), so both paths of `describe_kpis` are taken.
    result = simulate(load_scenario("scenarios/examples/reputation-rush.yaml"), replications=300)
    groupings = [result.kpis()]
    groupings += [result.kpis(result.platform_mask(p)) for p in result.lines.platforms]
    groupings += [result.kpis(result.arm_mask(i), month=0) for i in range(len(result.lines.names))]
    undefined = 0
    for kpis in groupings:
        together = describe_kpis(kpis)
        assert list(together) == list(kpis)
        for name in kpis:
            assert together[name] == describe_kpi(kpis, name), name
            undefined += bool(np.isnan(kpis[name]).any())
    assert undefined > 0
