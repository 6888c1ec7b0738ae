"""Files a run writes: canonical daily columns, JSON without NaN, atomic replacement."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from smmsim.scenarios.columns import CANONICAL_COLUMNS
from smmsim.scenarios.files import json_text, write_atomic
from smmsim.scenarios.loader import scenario_from_data
from smmsim.simulator.engine import simulate
from smmsim.simulator.frames import daily_frame
from smmsim.simulator.metrics import FLOW_MEASURES
from tests.helpers import minimal_scenario_data


@pytest.fixture(scope="module")
def result():
    return simulate(scenario_from_data(minimal_scenario_data(), "t.yaml"), replications=300)


def test_daily_frame_uses_the_canonical_columns_plus_stat(result):
    frame = daily_frame(result)
    assert [c for c in frame.columns if c != "stat"] == list(CANONICAL_COLUMNS)
    assert set(frame["stat"]) == {"mean", "p5", "p50", "p95"}
    # One row per day, arm and statistic.
    assert len(frame) == 4 * result.scenario.campaign.days * result.lines.n


def test_daily_quantiles_are_ordered(result):
    frame = daily_frame(result).set_index(["date", "platform", "tool", "stat"])
    for column in ("spend", "impressions", "clicks", "conversions"):
        values = frame[column].unstack("stat")
        assert (values["p5"] <= values["p50"]).all() and (values["p50"] <= values["p95"]).all()


def test_daily_means_add_up_to_the_campaign_mean(result):
    """Daily means are kept over all replications, so they sum to the mean of the totals."""
    frame = daily_frame(result)
    daily_spend = frame.loc[frame["stat"] == "mean", "spend"].sum()
    assert daily_spend == pytest.approx(result.totals["spend"].sum(axis=1).mean(), rel=1e-9)


def test_json_writes_undefined_numbers_as_null():
    text = json_text({"cpa": {"mean": math.nan, "p5": 1.0}, "rows": [math.inf]})
    assert json.loads(text) == {"cpa": {"mean": None, "p5": 1.0}, "rows": [None]}


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "result.json"
    path.write_text("old", encoding="utf-8")

    class Unwritable:
        pass

    with pytest.raises(TypeError):
        write_atomic(path, Unwritable())  # fails inside the write, after the temp file exists
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


@pytest.mark.parametrize("measure", FLOW_MEASURES)
def test_monthly_flows_add_up_to_the_campaign(result, measure):
    assert np.allclose(result.monthly[measure].sum(axis=0), result.totals[measure])


def test_members_at_the_end_of_the_last_month_are_the_campaign_end(result):
    assert np.array_equal(result.monthly["members"][-1], result.totals["members"])
