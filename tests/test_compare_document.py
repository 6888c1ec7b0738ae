"""The typed `ComparisonResult`: the JSON `smmsim compare` writes is exactly the typed document's,
it reads back into equal types, and a key it has no field for is refused."""

from __future__ import annotations

import json

import pytest

from smmsim.scenarios.documents import ABSENT
from smmsim.scenarios.loader import load_scenario
from smmsim.simulator.studies.comparison import (
    CombinationSummary,
    ComparisonResult,
    PairedDifference,
    combinations,
    comparison_result,
    run_comparison,
)
from smmsim.simulator.studies.outcome import CostOfTesting, StrategyOutcome
from smmsim.simulator.summary import Stats, TargetOdds
from tests.test_compare_cli import compare, two_platforms, write

REPS = 60
STRATEGIES = "spread,test-then-scale"  # a strategy without a test and one with


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    data = two_platforms()
    # A target in one month has no by-month odds: the typed document must leave that key out.
    data["kpis"].append({"target": "conversions >= 10", "month": 2})
    return write(tmp_path_factory.mktemp("plan") / "plan.yaml", data)


@pytest.fixture(scope="module")
def written(plan):
    """comparison.json as `smmsim compare --out` writes it, and the stdout of `--format json`."""
    out = plan.parent / "out"
    args = (plan, "--strategy", STRATEGIES, "--reps", REPS, "--workers", 1)
    result = compare(*args, "--out", out, "--format", "json")
    assert result.exit_code == 0, result.output
    return (out / "comparison.json").read_text(encoding="utf-8"), result.stdout


@pytest.fixture(scope="module")
def typed(plan) -> ComparisonResult:
    """The same comparison through the library (the command's seed is the plan's)."""
    scenario = load_scenario(plan)
    planned = combinations([(str(plan), scenario)], STRATEGIES.split(","))
    found = run_comparison(planned, replications=REPS, seed=scenario.campaign.seed)
    return comparison_result(found, planned[0][0])


def test_the_typed_document_is_the_json_the_command_writes(written, typed):
    """One serialiser: the file, the `--format json` output and `to_json()` are the same text,
    so typing the sections changed no key, no order and no number."""
    on_disk, printed = written
    assert typed.to_json() == on_disk == printed


def test_sections_are_typed_all_the_way_down(typed):
    """Consumers read attributes: every section a console, page or CSV writer reads is a type."""
    spread, tested = typed.combinations
    assert isinstance(spread, CombinationSummary) and isinstance(spread.outcome, StrategyOutcome)
    assert all(isinstance(s, Stats) for s in spread.kpis.values())
    assert all(isinstance(t, TargetOdds) for t in spread.kpi_targets)
    assert all(isinstance(d, PairedDifference) for d in typed.differences)
    # A strategy without a test has no cost of testing (null) and none of the test's settings
    # (absent keys); test-then-scale has both.
    assert spread.outcome.cost_of_testing is None and spread.outcome.test is ABSENT
    assert isinstance(tested.outcome.cost_of_testing, CostOfTesting)
    campaign, in_month = spread.kpi_targets
    assert isinstance(campaign.by_month, dict) and in_month.by_month is ABSENT


def test_from_dict_round_trips(typed):
    """Reading the written document back gives an equal result (the in-memory runs aside), so a
    saved comparison.json is the same object in a notebook."""
    again = ComparisonResult.from_dict(json.loads(typed.to_json()))
    assert again == typed
    assert again.to_json() == typed.to_json()
    assert again.found == ()  # no runs behind a document read from a file


def test_from_dict_refuses_an_unknown_key(typed):
    """A key added to the answer but not to its type must fail loudly, not be dropped."""
    document = typed.to_dict()
    with pytest.raises(KeyError, match="unexpected"):
        ComparisonResult.from_dict({**document, "unexpected": 1})
    document["differences"][0]["unexpected"] = 1
    with pytest.raises(KeyError, match="PairedDifference"):
        ComparisonResult.from_dict(document)
