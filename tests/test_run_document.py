"""`smmsim run`'s typed document: the `RunResult` a notebook gets is the result.json the command
writes, its sections are typed all the way down, and a key with no field is refused."""

from __future__ import annotations

import copy
import json

import pandas as pd
import pytest
from click.testing import CliRunner

import smmsim
from smmsim.cli import main
from smmsim.scenarios.documents import ABSENT
from smmsim.simulator.studies.outcome import CostOfTesting, StrategyOutcome
from smmsim.simulator.studies.risk import PlatformRisk, RiskAssessment
from smmsim.simulator.studies.risk_rules import Finding
from smmsim.simulator.studies.run import ArmSummary, MonthSummary, RunResult
from smmsim.simulator.summary import Stats, TargetOdds

REPS, SEED = 60, 5
# The rush has static findings and backlash with a KPI loss; kids-shop under test-then-scale
# has a cost of testing and targets set on one month (no month-by-month odds).
RUNS = {
    "rush": ("scenarios/examples/reputation-rush.yaml", []),
    "tts": ("scenarios/examples/kids-shop.yaml", ["--strategy", "test-then-scale"]),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[RunResult, str]]:
    """Per run: the API's typed run and the result.json the command wrote (same seed and
    replications)."""
    written = {}
    for name, (path, options) in RUNS.items():
        out = tmp_path_factory.mktemp(name)
        args = ["run", path, "--reps", REPS, "--seed", SEED, "--workers", 1, "--out", out]
        done = CliRunner().invoke(main, [str(a) for a in args + options])
        assert done.exit_code == 0, done.output
        strategy = options[1] if options else None
        run = smmsim.simulate(path, reps=REPS, seed=SEED, strategy=strategy, workers=1)
        written[name] = run, (out / "result.json").read_text(encoding="utf-8")
    return written


@pytest.fixture(params=list(RUNS))
def written(request, runs) -> tuple[RunResult, str]:
    return runs[request.param]


def test_the_typed_run_writes_exactly_the_commands_result_json(written):
    # The JSON schema is the contract with every reader of result.json: typing the document
    # must not move, rename or reformat a single key or number.
    run, text = written
    assert run.to_json() == text


def test_every_section_the_consoles_and_pages_read_is_typed(written):
    # The console, page and CSV writer read attributes; a section left a dict would fail there.
    run, _ = written
    assert isinstance(run.totals["cpa"], Stats)
    assert all(isinstance(kpis["spend"], Stats) for kpis in run.platforms.values())
    assert all(isinstance(arm, ArmSummary) for arm in run.arms.values())
    assert all(isinstance(month, MonthSummary) for month in run.monthly.values())
    assert all(isinstance(target, TargetOdds) for target in run.kpi_targets)
    assert isinstance(run.strategy, StrategyOutcome)
    assert isinstance(run.risk, RiskAssessment)
    assert all(isinstance(row, PlatformRisk) for row in run.risk.simulated)
    assert all(isinstance(finding, Finding) for finding in run.risk.static)


def test_only_the_chosen_strategys_sections_are_there(runs):
    # A key the answer does not have stays absent (not null), so the JSON keeps its schema.
    run, _ = runs["tts"]
    assert isinstance(run.strategy.cost_of_testing, CostOfTesting)
    assert run.strategy.adaptive is ABSENT and isinstance(run.strategy.test, dict)
    one_month = [t for t in run.kpi_targets if t.month is not None]
    assert one_month and all(t.by_month is ABSENT for t in one_month)


def test_from_dict_of_to_dict_gives_back_an_equal_run(written):
    # A saved result.json read back in a notebook is the same document it was written from.
    run, _ = written
    again = RunResult.from_dict(run.to_dict(), simulation=run.simulation, oracle=run.oracle)
    assert again == run
    assert again.to_json() == run.to_json()


@pytest.mark.parametrize(
    "where",
    [
        lambda d: d,
        lambda d: d["totals"]["cpa"],
        lambda d: next(iter(d["arms"].values())),
        lambda d: next(iter(d["monthly"].values())),
        lambda d: d["strategy"]["regret"],
        lambda d: d["risk"],
        lambda d: d["risk"]["simulated"][0]["loss"],
        lambda d: d["risk"]["thresholds"]["risk"],
    ],
)
def test_from_dict_refuses_a_key_its_type_does_not_have(written, where):
    # A key added to the builders but not to the types would be silently dropped on reading.
    run, _ = written
    document = copy.deepcopy(run.to_dict())
    where(document)["surprise"] = 1
    with pytest.raises(KeyError, match="surprise"):
        RunResult.from_dict(document, simulation=run.simulation)


def test_a_run_read_back_from_its_file_gives_the_same_tables(written):
    # summary.csv and monthly.csv are views of the document's own fields, so a result.json read
    # back in a notebook gives exactly the tables the command wrote beside it.
    run, text = written
    again = RunResult.from_dict(json.loads(text))
    pd.testing.assert_frame_equal(again.to_frame(), run.to_frame())
    pd.testing.assert_frame_equal(again.monthly_frame(), run.monthly_frame())
    with pytest.raises(ValueError, match="holds no simulation"):
        again.daily()
