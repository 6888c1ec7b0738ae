"""The typed `size-test` result: `SizingResult` is what the command writes, key for key and byte
for byte, it reads back into equal objects, and it refuses keys its types do not know.

One small real sweep (two platforms, three test budgets) serves every test, so the document is
the one the command produces, not a hand-built one."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import smmsim
from smmsim.cli import main
from smmsim.scenarios.documents import ABSENT
from smmsim.scenarios.loader import load_scenario
from smmsim.simulator.studies.comparison import PairedStats
from smmsim.simulator.studies.sizing.detectable import Reference
from smmsim.simulator.studies.sizing.document import (
    ClassicalTest,
    SizingResult,
    SweepPoint,
    sizing_result,
)
from smmsim.simulator.studies.sizing.measures import Estimate, Expectation
from smmsim.simulator.studies.sizing.sweep import SweepSettings, run_sweep
from smmsim.simulator.summary import Probability
from tests.test_size_test_cli import plan_data, write

REPS, SEED, BUDGETS = 120, 11, (0.0, 400.0, 900.0)


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    return write(tmp_path_factory.mktemp("plan"), plan_data())


@pytest.fixture(scope="module")
def written(plan, tmp_path_factory) -> str:
    """sizing.json as `smmsim size-test --out` writes it."""
    out = tmp_path_factory.mktemp("out")
    args = ["size-test", str(plan), "--budgets", ",".join(map(str, BUDGETS)), "--out", str(out)]
    args += ["--reps", str(REPS), "--seed", str(SEED), "--workers", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return (out / "sizing.json").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sizing(plan) -> SizingResult:
    return smmsim.size_test(plan, budgets=BUDGETS, reps=REPS, seed=SEED, workers=1)


def test_the_typed_result_writes_exactly_the_commands_json(sizing, written):
    # The JSON schema is a contract with whoever reads sizing.json: typing the document must not
    # move, add or drop a key or change a number's text.
    assert sizing.to_json() == written


def test_its_sections_are_typed(sizing):
    # Consoles and pages read attributes; a section left a dict would fail there, not here.
    point = sizing.points[1]
    assert isinstance(point, SweepPoint) and point.test_budget == 400.0
    assert isinstance(point.correct_selection, Probability)
    assert isinstance(point.conversions, Estimate) and type(point.cpa) is Expectation
    assert isinstance(sizing.oracle["10"], Estimate)  # keyed by the test length, as text
    best = sizing.recommendations.most_conversions
    assert all(size.key in {p.key for p in sizing.points} for size in best.as_good_within_error)
    assert isinstance(sizing.reference_arm, Reference) and sizing.reference_arm.tested == 2
    assert isinstance(sizing.classical, ClassicalTest)
    assert list(sizing.to_frame()["test_budget"]) == list(BUDGETS)


def test_from_dict_of_to_dict_round_trips(sizing):
    # A saved sizing.json read back in a notebook is the same result.
    assert SizingResult.from_dict(sizing.to_dict()) == sizing
    assert SizingResult.from_dict(json.loads(sizing.to_json())) == sizing


def test_a_target_no_size_reaches_keeps_only_the_keys_it_has(plan):
    # The unreached target has `highest` and no reached size's numbers: ABSENT fields must stay
    # out of the JSON and come back absent, not as nulls.
    scenario = load_scenario(plan)
    settings = SweepSettings(replications=60, seed=SEED, target_pcs=0.999)
    result = sizing_result(run_sweep(scenario, str(plan), settings, [0.0, 300.0]), str(plan))
    target = result.recommendations.target_selection
    assert not target.reached and target.conversions is ABSENT
    assert "conversions" not in target.to_dict() and "highest" in target.to_dict()
    assert SizingResult.from_dict(result.to_dict()) == result


def test_from_dict_refuses_an_unknown_key(sizing):
    # A key added to the answer but not to its type would be silently dropped on the way back.
    document = sizing.to_dict()
    with pytest.raises(KeyError, match="SizingResult"):
        SizingResult.from_dict({**document, "surprise": 1})
    document["points"][0]["surprise"] = 1
    with pytest.raises(KeyError, match="SweepPoint"):
        SizingResult.from_dict(document)
    below = sizing.recommendations.most_conversions.best_test.conversions_below_best.to_dict()
    with pytest.raises(KeyError, match="PairedStats"):
        PairedStats.from_dict({**below, "surprise": 1})
