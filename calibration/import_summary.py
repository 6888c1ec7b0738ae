"""import_summary.json as types: how each file was read and what became of its rows. Written
with every calibration and alone when the import stops it (no usable row, or --strict); the
console, fit.html and the CLI's stop read these attributes."""

from __future__ import annotations

from dataclasses import dataclass

from smmsim.scenarios.documents import ABSENT, Document


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
    bad_encoding_lines: int = 0  # lines not in the file's encoding, rejected as bad_encoding
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
