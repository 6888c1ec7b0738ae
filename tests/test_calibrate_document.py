"""The typed calibration documents: what `calibration_document` and `import_document` return is
exactly what `smmsim calibrate` writes, reads back into equal types, and refuses a key its types
do not know (so a key added to the builder but not to the types fails here, not silently)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

import smmsim
from smmsim.calibration.document import calibration_document, import_document
from smmsim.calibration.holdout import HoldoutSpec
from smmsim.calibration.import_summary import ImportSummary
from smmsim.calibration.importer import ImportOptions, import_exports
from smmsim.calibration.pipeline import CalibrationSettings, calibrate
from smmsim.calibration.result import CalibrationResult, RateEstimate
from smmsim.cli import main
from smmsim.scenarios.documents import ABSENT

EXAMPLES = Path(__file__).resolve().parents[1] / "calibration" / "examples"
AB_FILES = [str(EXAMPLES / "ab_test_control_group.csv"), str(EXAMPLES / "ab_test_test_group.csv")]


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    """What the command writes for the bundled A/B test (one day of it is rejected)."""
    out = tmp_path_factory.mktemp("cal")
    args = [*AB_FILES, "--platform", "facebook", "--group-by", "campaign", "--out", str(out)]
    result = CliRunner().invoke(main, ["calibrate", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def result() -> CalibrationResult:
    """The same calibration through the Python API (same defaults: last 20% held out, seed 0)."""
    return smmsim.calibrate(*AB_FILES, platform="facebook", group_by=["campaign"])


@pytest.fixture(scope="module")
def unscored() -> CalibrationResult:
    """No hold-out: the validation has no model or baseline scores (absent keys, not null)."""
    imported = import_exports(list(map(Path, AB_FILES)), ImportOptions(platform="facebook"))
    settings = CalibrationSettings(("campaign",), HoldoutSpec(share=0))
    return calibration_document(calibrate(imported, settings), AB_FILES)


def summary() -> ImportSummary:
    imported = import_exports(list(map(Path, AB_FILES)), ImportOptions(platform="facebook"))
    return import_document(imported)


def test_the_typed_document_is_the_file_the_command_writes(written, result):
    assert result.to_json() == (written / "calibration.json").read_text(encoding="utf-8")
    # the typed sections are what the console and fit.html read
    assert result.validation.scored and result.validation.model.cells > 0
    assert all(isinstance(arm.ctr, RateEstimate) for arm in result.arms)
    campaigns = ["facebook/Control Campaign", "facebook/Test Campaign"]
    assert [arm.arm for arm in result.arms] == campaigns


def test_the_typed_import_summary_is_the_file_the_command_writes(written):
    typed = summary()
    assert typed.to_json() == (written / "import_summary.json").read_text(encoding="utf-8")
    assert (typed.rows_read, typed.rows_used, typed.rows_rejected) == (60, 59, 1)
    assert sum(f.rows_rejected for f in typed.per_file) == typed.rows_rejected


def test_from_dict_reads_back_an_equal_document(result, unscored):
    for document in (result, unscored, summary()):
        assert type(document).from_dict(document.to_dict()) == document


def test_no_holdout_leaves_the_scores_out_rather_than_null(unscored):
    v = unscored.validation
    assert not v.scored and v.model is ABSENT and v.baseline is ABSENT
    assert "model" not in unscored.to_dict()["validation"]
    assert CalibrationResult.from_dict(unscored.to_dict()).validation.model is ABSENT


def test_import_is_written_under_its_json_key(result):
    document = result.to_dict()
    assert "import" in document and "import_" not in document
    assert list(document)[7] == "import"  # in the schema's place, after currency


def test_from_dict_refuses_an_unknown_key(result):
    document = result.to_dict()
    with pytest.raises(KeyError, match="CalibrationResult"):
        CalibrationResult.from_dict({**document, "surprise": 1})
    arm = document["arms"][0]
    nested = {**document, "arms": [{**arm, "cpm": {**arm["cpm"], "surprise": 1}}]}
    with pytest.raises(KeyError, match="CpmEstimate"):
        CalibrationResult.from_dict(nested)
    typed = summary().to_dict()
    with pytest.raises(KeyError, match="ImportedFile"):
        ImportSummary.from_dict({**typed, "per_file": [{**typed["per_file"][0], "surprise": 1}]})


def test_the_documents_are_frozen(result):
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.arms[0].cpm.mean = 0.0  # type: ignore[misc]


def test_a_skipped_hold_out_keeps_its_note_and_the_console_prints_it(tmp_path):
    """Too few dates for the default hold-out: the note says why, typed and on the console."""
    path = tmp_path / "one-day.csv"
    path.write_text("date,spend,impressions,clicks\n2026-10-01,5,1000,10\n")
    imported = import_exports([path], ImportOptions())
    typed = calibration_document(calibrate(imported, CalibrationSettings()), [str(path)])
    assert not typed.validation.scored
    assert "1 date leaves none to fit on" in typed.validation.why_none
    assert CalibrationResult.from_dict(typed.to_dict()) == typed
    shown = CliRunner().invoke(main, ["calibrate", str(path), "--out", str(tmp_path / "o")])
    assert shown.exit_code == 0, shown.output
    assert f"Hold-out: {typed.validation.why_none}" in " ".join(shown.output.split())
