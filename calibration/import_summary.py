"""import_summary.json as types: how each file was read and what became of its rows. Written
with every calibration and alone when the import stops it (no usable row, or --strict); the
console, fit.html and the CLI's stop read these attributes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from smmsim.scenarios.documents import ABSENT, Document

if TYPE_CHECKING:
    from smmsim.calibration.importer import Imported

SCHEMA_VERSION = 1  # of every calibration document, import_summary.json and calibration.json


@dataclass(frozen=True)
class ImportedFile(Document):
    """One file: the layout and number, date and header conventions found (each with why), which
    column fed which field, and its rows read, used and rejected."""

    file: str
    format: str
    format_title: str
    encoding: str
    separator: str
    decimal_mark: str
    number_style: str
    date_order: str
    date_style: str
    header_line: int
    title_lines_skipped: int
    blank_lines: int
    columns: dict[str, str]  # canonical field -> the file's column
    dimensions: dict[str, str]  # grouping name -> the file's column
    ignored_columns: list[str]
    absent_fields: list[str]
    rows_read: int
    rows_used: int
    rows_rejected: int
    rejected_by_reason: dict[str, int]  # reason code -> rows
    placeholders_read_as_zero: int
    missing_labels: dict[str, int]  # grouping column -> rows without a label
    first_date: str | None
    last_date: str | None
    view_through_kept: int = 0  # rows with more conversions than clicks, used (--view-through)
    period_rows: int = 0  # rows of one period's totals (a range of days, or --period), not a day
    bad_encoding_lines: int = 0  # lines not in the file's encoding, rejected as bad_encoding
    repaired_shifted: int = 0  # shifted rows put back under their header (--repair-shifted)
    # every row failed on its date: the --map/--year that would read it (null: none found)
    date_hint: str | None = ABSENT


@dataclass(frozen=True)
class ImportSummary(Document):
    """Every file's account, with the totals over all of them."""

    schema_version: int
    files: int
    rows_read: int
    rows_used: int
    rows_rejected: int
    rejected_by_reason: dict[str, int]  # reason code -> rows, over all files
    overlapping_rows: int
    per_file: list[ImportedFile]
    view_through_kept: int = 0  # over all files
    bad_encoding_lines: int = 0  # over all files
    repaired_shifted: int = 0  # over all files


def bad_encoding_line(summary: ImportSummary) -> str:
    """The files with lines not in their encoding, and how many (rejected as bad_encoding)."""
    files = [f for f in summary.per_file if f.bad_encoding_lines]
    counts = ", ".join(f"{f.bad_encoding_lines:,} in {f.file}" for f in files)
    return (
        f"Lines not in their file's encoding, rejected as bad_encoding: {counts} "
        "(the rest of each file is UTF-8; save those lines as UTF-8 to use them)"
    )


def shifted_line(summary: ImportSummary) -> str | None:
    """What became of the rows whose values sit off their header, if any."""
    rejected = summary.rejected_by_reason.get("shifted_columns", 0)
    if summary.repaired_shifted:
        line = (
            f"{summary.repaired_shifted:,} shifted rows put back under their header and read "
            "(--repair-shifted)"
        )
        return line + (f"; {rejected:,} more rejected as shifted_columns" if rejected else "")
    if rejected:
        return (
            f"{rejected:,} rows rejected as shifted_columns (values sit columns off their header; "
            "--repair-shifted puts back those where exactly one offset fits)"
        )
    return None


def import_document(imported: Imported) -> ImportSummary:
    """import_summary.json, typed. Here rather than beside the calibration's other documents,
    so that `track`, which summarises its import but fits nothing, does not load the fitting
    (scipy.stats and scipy.optimize, about a second)."""
    return ImportSummary.from_dict({"schema_version": SCHEMA_VERSION, **imported.summary()})
