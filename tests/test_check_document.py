"""`smmsim check`'s typed document: the `CheckResult` is the check.json the command writes, its
flags are the same types as a run's `risk` section, and a key with no field is refused."""

from __future__ import annotations

import copy

import pytest
from click.testing import CliRunner

import smmsim
from smmsim.cli import main
from smmsim.simulator.studies.risk import CheckResult, PlatformRisk, RiskAssessment
from smmsim.simulator.studies.risk_rules import Finding

RUSH = "scenarios/examples/reputation-rush.yaml"
REPS, SEED = 60, 3


@pytest.fixture(scope="module", params=[False, True], ids=["simulated", "static-only"])
def written(request, tmp_path_factory) -> tuple[CheckResult, str]:
    """The API's typed check and the check.json the command wrote, same seed and replications."""
    static_only = request.param
    out = tmp_path_factory.mktemp("check")
    args = ["check", RUSH, "--reps", REPS, "--seed", SEED, "--workers", 1, "--out", out]
    done = CliRunner().invoke(main, [str(a) for a in args + ["--static-only"] * static_only])
    assert done.exit_code == 0, done.output  # flagged, but no --fail-on
    checked = smmsim.check(RUSH, reps=REPS, seed=SEED, static_only=static_only, workers=1)
    return checked, (out / "check.json").read_text(encoding="utf-8")


def test_the_typed_check_writes_exactly_the_commands_check_json(written):
    # check.json is read by plan-checking scripts: typing it must not change a byte.
    checked, text = written
    assert checked.to_json() == text


def test_the_flags_are_typed_as_a_runs_risk_section(written):
    # One set of types for check.json and result.json's `risk`: the console prints either.
    checked, _ = written
    flags = checked.flags
    assert isinstance(flags, RiskAssessment)
    assert flags.to_dict().items() <= checked.to_dict().items()
    assert all(isinstance(f, Finding) for f in flags.static) and flags.static
    assert all(isinstance(r, PlatformRisk) for r in flags.simulated)
    assert checked.fails("high") and flags.fails("high")  # the rush's seeding is high


def test_from_dict_of_to_dict_gives_back_an_equal_check(written):
    checked, _ = written
    assert CheckResult.from_dict(checked.to_dict()) == checked


@pytest.mark.parametrize(
    "where",
    [
        lambda d: d,
        lambda d: d["static"][0],
        lambda d: d["thresholds"]["signals"]["seeding_ratio"],
    ],
)
def test_from_dict_refuses_a_key_its_type_does_not_have(written, where):
    # A key added to the builders but not to the types would be silently dropped on reading.
    checked, _ = written
    document = copy.deepcopy(checked.to_dict())
    where(document)["surprise"] = 1
    with pytest.raises(KeyError, match="surprise"):
        CheckResult.from_dict(document)
