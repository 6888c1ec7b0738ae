"""The typed `smmsim optimise` result (`OptimisationResult`): it writes exactly the JSON the
command writes, reads back into an equal object, and refuses a key its types do not know.

The documents come from real runs: the command on kids-shop made `fixed` (three paid-ads tools
split, no tactic) and the library on reputation-rush (a searched seeding tactic), each with few
trials and replications.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import optuna
import pytest
from click.testing import CliRunner

import smmsim.simulator.studies.optimiser.job as job_module
from smmsim.cli import main
from smmsim.scenarios.files import json_text
from smmsim.scenarios.plan_edits import Plan
from smmsim.simulator.studies.comparison import PairedStats
from smmsim.simulator.studies.optimiser.candidate import Policy
from smmsim.simulator.studies.optimiser.document import (
    CpaDifference,
    OptimisationResult,
    PolicyRecord,
)
from smmsim.simulator.studies.optimiser.job import OptimiseJob, optimise
from smmsim.simulator.studies.optimiser.storage import default_url
from smmsim.simulator.studies.optimiser.study import settings_of
from smmsim.simulator.summary import Probability, Stats
from tests.helpers import kids_shop_fixed

ROOT = Path(__file__).resolve().parent.parent
RUSH = ROOT / "scenarios" / "examples" / "reputation-rush.yaml"
SMALL = ["--trials", "4", "--reps", "10", "--final-reps", "20", "--workers", "1"]

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture(scope="module")
def command(tmp_path_factory) -> tuple[str, str]:
    """(what `smmsim optimise --format json` printed, the optimise.json it wrote)."""
    out = tmp_path_factory.mktemp("optimise")
    kids = kids_shop_fixed(out)
    args = ["optimise", str(kids), *SMALL, "--out", str(out), "--format", "json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return result.stdout, (out / "optimise.json").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def with_tactics(tmp_path_factory) -> tuple[OptimisationResult, dict]:
    """(the library's typed result on reputation-rush, the plain dict its builder made)."""
    out = tmp_path_factory.mktemp("rush")
    scenario = Plan.read(RUSH).with_search(["shares", "tactics"]).scenario
    settings = settings_of(scenario, trials=3, replications=10, deterministic=True)
    job = OptimiseJob(
        source=RUSH,
        scenario=scenario,
        settings=settings,
        storage_url=default_url(out),
        study_name="rush",
        out_dir=None,
        final_replications=1,
    )
    built = []
    builder = job_module.optimisation_document

    def recorded(*args, **kwargs) -> dict:
        built.append(builder(*args, **kwargs))
        return built[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(job_module, "optimisation_document", recorded)
        result = optimise(job)
    return result, built[0]


def test_the_command_prints_and_writes_the_typed_documents_json(command):
    # The JSON schema is unchanged by the types: read back from the file, the typed document
    # writes the very same text, key order and number formatting included.
    printed, written = command
    assert printed == written
    typed = OptimisationResult.from_dict(json.loads(written))
    assert typed.to_json() == written


def test_the_typed_document_writes_what_the_builder_built(with_tactics):
    # Converting once at the study's boundary loses, adds and reorders nothing.
    typed, plain = with_tactics
    assert typed.to_json() == json_text(plain)


def test_sections_are_typed_down_to_the_shared_types(with_tactics):
    # Consumers read attributes all the way down: the shared Stats and Probability included.
    typed, _ = with_tactics
    assert typed.best.tactics, "reputation-rush searches its seeding tactic"
    assert typed.best.tactics[0].tool == typed.search_space.tactics[0].tool
    plan = typed.evaluation.plans["optimised"]
    assert isinstance(plan.conversions, Stats)
    assert isinstance(plan.backlash_probability, Probability)
    against = typed.evaluation.against["spread"]
    assert isinstance(against.conversions, PairedStats)
    assert isinstance(against.expected_cpa, CpaDifference)
    assert isinstance(typed.evaluation.tools[0].spend, Stats)
    assert [row.number for row in typed.history] == list(range(typed.trials.completed))


@pytest.mark.parametrize("which", ["command", "with_tactics"])
def test_from_dict_of_to_dict_is_the_same_document(which, request):
    # A saved optimise.json read in a notebook is the document the command had.
    found = request.getfixturevalue(which)
    typed = OptimisationResult.from_dict(json.loads(found[1])) if which == "command" else found[0]
    assert OptimisationResult.from_dict(typed.to_dict()) == typed


def test_a_policy_reads_back_as_the_plan_to_write(with_tactics):
    # --write-scenario rebuilds the best plan from the document: a test-then-scale policy must
    # come back as the Policy the trial simulated.
    data = copy.deepcopy(with_tactics[0].to_dict())
    data["best"]["candidate"]["policy"] = {"test_share": 0.15, "test_days": 21, "keep_q": 0.7}
    typed = OptimisationResult.from_dict(data)
    assert isinstance(typed.best.candidate.policy, PolicyRecord)
    assert typed.best.candidate.candidate().policy == Policy(0.15, 21, 0.7)
    assert OptimisationResult.from_dict(typed.to_dict()) == typed


@pytest.mark.parametrize(
    "where",
    [
        lambda d: d,
        lambda d: d["best"],
        lambda d: d["evaluation"]["tools"][0],
        lambda d: d["evaluation"]["against"]["spread"],
        lambda d: d["history"][0],
    ],
    ids=["top", "best", "tool row", "against a baseline", "history row"],
)
def test_from_dict_refuses_an_unknown_key(command, where):
    # A key added to the answer but not to its type would otherwise be silently dropped.
    data = json.loads(command[1])
    where(data)["surprise"] = 1
    with pytest.raises(KeyError, match="surprise"):
        OptimisationResult.from_dict(data)
