"""Mixed encodings (issue 18 item 5): a UTF-8 file with some cp1251 lines keeps its UTF-8 rows and
rejects the other lines as bad_encoding; a file mostly in a legacy code page with some UTF-8
lines is refused; a file wholly in one encoding (cp1251, a BOM, UTF-16) reads as before."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from smmsim.calibration.importer import ImportOptions, import_file
from smmsim.calibration.reading import ExportFileError
from smmsim.cli import main

HEADER = "date,platform,campaign,spend,impressions,clicks,conversions"


def row(day: int, platform: str = "ВКонтакте", campaign: str = "Реклама") -> str:
    """One day's row; the counts are whole and below each other, so nothing else rejects it."""
    month, day_of_month = divmod(day, 28)
    when = f"2026-{month + 1:02d}-{day_of_month + 1:02d}"
    return f"{when},{platform},{campaign},{50 + day % 7}.5,{10_000 + day},{100 + day % 9},{day % 5}"


def mixed_file(folder: Path, utf8_rows: int = 200, cp1251_rows: int = 100) -> tuple[Path, set]:
    """UTF-8 rows, with every third line from line 3 on in cp1251 while they last; the
    numbers of the cp1251 lines."""
    lines, legacy = [HEADER.encode()], set()
    for k in range(utf8_rows + cp1251_rows):
        if (k % 3 == 1 and len(legacy) < cp1251_rows) or k >= utf8_rows + len(legacy):
            lines.append(row(k, campaign="Реклама осень").encode("cp1251"))
            legacy.add(len(lines))
        else:
            lines.append(row(k).encode("utf-8"))
    path = folder / "mixed.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path, legacy


def test_cp1251_lines_in_a_utf8_file_are_rejected_and_the_utf8_rows_used(tmp_path):
    path, legacy = mixed_file(tmp_path)
    done = import_file(path, ImportOptions())
    assert len(legacy) == 100
    assert {r.line for r in done.rejected} == legacy
    assert {r.reasons for r in done.rejected} == {("bad_encoding",)}
    first = done.rejected[0]
    # the detail names the failing bytes ("В" is c2 in cp1251) and what reads them
    assert first.detail.startswith("not UTF-8 (bytes c2 ")
    assert "reads as cp1251: 'ВКонтакте'" in first.detail
    assert "Реклама осень" in first.raw  # the row as cp1251 reads it, for rejected.csv
    s = done.summary
    assert (s["rows_read"], s["rows_used"], s["rows_rejected"]) == (300, 200, 100)
    assert s["bad_encoding_lines"] == 100 and s["encoding"] == "utf-8" and s["blank_lines"] == 0
    # no mojibake platform or campaign: the UTF-8 rows read as UTF-8
    assert set(done.frame["platform"]) == {"вконтакте"}
    assert set(done.frame["campaign"]) == {"Реклама"}


def test_the_cli_counts_bad_encoding_lines_in_the_summary_and_console(tmp_path):
    path, legacy = mixed_file(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["calibrate", str(path), "--holdout", "0", "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert f"rejected as bad_encoding: 100 in {path}" in " ".join(result.output.split())
    summary = json.loads((out / "import_summary.json").read_text(encoding="utf-8"))
    assert summary["bad_encoding_lines"] == 100
    assert summary["rejected_by_reason"] == {"bad_encoding": 100}
    with open(out / "rejected.csv", encoding="utf-8") as f:
        assert {int(r["line"]) for r in csv.DictReader(f)} == legacy


def test_a_latin1_line_is_named_as_western_text(tmp_path):
    lines = [HEADER.encode(), *(row(k).encode() for k in range(20))]
    lines.append(row(21, platform="Café", campaign="Été").encode("latin-1"))
    path = tmp_path / "latin.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    [bad] = import_file(path, ImportOptions()).rejected
    assert bad.line == 22 and "reads as cp1252: 'Café'" in bad.detail


def test_a_file_mostly_in_cp1251_with_some_utf8_lines_is_refused(tmp_path):
    path, _ = mixed_file(tmp_path, utf8_rows=10, cp1251_rows=50)
    with pytest.raises(ExportFileError, match="mixed encodings: 50 lines are not UTF-8") as caught:
        import_file(path, ImportOptions())
    assert str(caught.value).startswith(str(path)) and "10 lines are UTF-8" in str(caught.value)


@pytest.mark.parametrize(
    "encoding, bom, expected",
    [
        ("cp1251", b"", "cp1251"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("utf-16-le", b"\xff\xfe", "utf-16-le"),
        ("utf-8", b"", "utf-8"),
    ],
)
def test_a_file_wholly_in_one_encoding_reads_every_row(tmp_path, encoding, bom, expected):
    text = "\n".join([HEADER, *(row(k) for k in range(40))]) + "\n"
    path = tmp_path / "whole.csv"
    path.write_bytes(bom + text.encode(encoding))
    done = import_file(path, ImportOptions())
    assert done.summary["encoding"] == expected and done.summary["bad_encoding_lines"] == 0
    assert (done.summary["rows_used"], done.rejected) == (40, [])
    assert set(done.frame["platform"]) == {"вконтакте"}
    assert set(done.frame["campaign"]) == {"Реклама"}


def test_a_utf8_bom_file_with_cp1251_lines_rejects_them_too(tmp_path):
    path, legacy = mixed_file(tmp_path, utf8_rows=60, cp1251_rows=5)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    done = import_file(path, ImportOptions())
    assert {r.line for r in done.rejected} == legacy and done.summary["rows_used"] == 60
    assert set(done.frame["campaign"]) == {"Реклама"}
