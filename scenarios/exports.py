"""A command's tables as files people open: CSV in the reader's locale (separator and decimal
mark), numbers rounded to their meaning, and on request an Excel workbook (one sheet per table)
and Parquet files (one per table, full precision) beside them.

Every command that writes tables passes them here by file name (`summary.csv`: a DataFrame or a
`scenarios.tables.Table`), so one place decides how a number is written.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from smmsim.scenarios.errors import SmmsimError
from smmsim.scenarios.files import frame_csv, write_atomic
from smmsim.scenarios.rounding import round_frame

# Where a spreadsheet reads `1,5` as one and a half, a comma cannot also separate the cells:
# those locales' CSVs use a semicolon (what Excel there writes and expects).
DECIMAL_COMMA = ("bg", "ru", "uk", "de", "fr", "es", "it", "pt", "nl", "pl", "cs", "tr", "sv")
CSV_LOCALES: dict[str, tuple[str, str]] = {
    "en": (",", "."),
    **{code: (";", ",") for code in DECIMAL_COMMA},
}
FORMATS = ("xlsx", "parquet")
WORKBOOK = "tables.xlsx"


@dataclass(frozen=True)
class Exports:
    """How a command's tables are written: `csv_locale` (a key of CSV_LOCALES) and the extra
    `formats` (`xlsx`, `parquet`)."""

    csv_locale: str = "en"
    formats: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.csv_locale not in CSV_LOCALES:
            known = ", ".join(CSV_LOCALES)
            raise SmmsimError(f"--csv-locale: unknown locale {self.csv_locale!r}; one of {known}")
        for name in self.formats:
            if name not in FORMATS:
                raise SmmsimError(f"--export: unknown format {name!r}; one of {', '.join(FORMATS)}")

    def extra_files(self, owned: Iterable[str]) -> tuple[str, ...]:
        """The files these options add beside a command's CSVs (`owned`: its file names)."""
        wanted = {"xlsx": (WORKBOOK,), "parquet": ()}
        stems = [n.removesuffix(".csv") for n in owned if n.endswith(".csv")]
        wanted["parquet"] = tuple(f"{stem}.parquet" for stem in stems)
        return tuple(name for f in self.formats for name in wanted[f]) if stems else ()

    @property
    def separator(self) -> str:
        return CSV_LOCALES[self.csv_locale][0]

    @property
    def decimal(self) -> str:
        return CSV_LOCALES[self.csv_locale][1]


DEFAULT_EXPORTS = Exports()  # today's CSVs, and nothing beside them


def parse_formats(text: str | None) -> tuple[str, ...]:
    """'xlsx,parquet' -> ('xlsx', 'parquet'); empty or None -> ()."""
    names = [n.strip().lower() for n in (text or "").split(",") if n.strip()]
    return tuple(dict.fromkeys(names))


def export_files(owned: Iterable[str]) -> tuple[str, ...]:
    """The files `--export` may add beside a command's CSVs (the workbook, a Parquet file per
    CSV): owned by the command, so a rerun without --export removes old ones."""
    return Exports(formats=FORMATS).extra_files(owned)


def table_csv(frame, exports: Exports = DEFAULT_EXPORTS) -> str:
    """A table (a DataFrame or a `Table`) as CSV text: rounded by kind, in the locale's
    separator and decimal mark, its text cells safe from a spreadsheet's formulas. A `Table` is
    written without pandas, cell for cell as its DataFrame would be (`scenarios.tables`)."""
    # here, not at the top: the CLI imports this module for its options, before numpy is needed
    from smmsim.scenarios.tables import Table, table_csv_text

    if isinstance(frame, Table):
        return table_csv_text(frame, sep=exports.separator, decimal=exports.decimal)
    return frame_csv(round_frame(frame), sep=exports.separator, decimal=exports.decimal)


def as_frame(table):
    """A `Table` as its DataFrame (a workbook and Parquet are written through pandas); a
    DataFrame as it is."""
    from smmsim.scenarios.tables import Table

    return table.to_frame() if isinstance(table, Table) else table


def write_tables(
    out_dir: Path, tables: Mapping[str, object], exports: Exports = DEFAULT_EXPORTS
) -> None:
    """Each table (by CSV file name) as CSV into `out_dir`, then the workbook and the Parquet
    files that `exports.formats` asks for; each file atomically."""
    for name, frame in tables.items():
        write_atomic(out_dir / name, table_csv(frame, exports))
    if not exports.formats:
        return
    frames = {name: as_frame(table) for name, table in tables.items()}
    if "xlsx" in exports.formats:
        write_atomic(out_dir / WORKBOOK, workbook_bytes(frames))
    if "parquet" in exports.formats:
        for name, frame in frames.items():
            stem = name.removesuffix(".csv")
            write_atomic(out_dir / f"{stem}.parquet", parquet_bytes(frame))


def workbook_bytes(tables: Mapping[str, object]) -> bytes:
    """One sheet per table (named after its file), rounded as the CSVs are, numbers as numbers;
    the header row bold and frozen, each column as wide as its longest cell (within reason)."""
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for name, frame in tables.items():
        sheet = book.create_sheet(sheet_name(name))
        rounded = round_frame(frame)
        sheet.append([str(c) for c in rounded.columns])
        for row in rounded.itertuples(index=False):
            sheet.append([_cell(v, pd) for v in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # text that starts with `=` stays text, never runs
                    cell.data_type = "s"
        sheet.freeze_panes = "A2"
        for index, column in enumerate(rounded.columns, start=1):
            width = max([len(str(column))] + [len(str(v)) for v in rounded[column].head(500)])
            sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_name(file_name: str) -> str:
    """A file name as an Excel sheet name: no extension, none of []:*?/\\, at most 31 chars."""
    stem = file_name.removesuffix(".csv")
    return "".join("_" if ch in "[]:*?/\\" else ch for ch in stem)[:31]


def _cell(value, pd):
    """A cell for openpyxl: numpy numbers as Python ones, missing as empty, and text without the
    control characters a workbook cannot hold (a rejected row of a broken export may carry
    them), each shown as U+FFFD."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def parquet_bytes(frame) -> bytes:
    """A table as Parquet at full precision (no rounding: it is for analysts)."""
    out = io.BytesIO()
    _arrow_ready(frame).to_parquet(out, index=False)
    return out.getvalue()


def _arrow_ready(frame):
    """Object columns that mix text with numbers (a cell left empty as '') become text, which
    Arrow needs one type per column for; None stays missing."""
    import pandas as pd

    ready = frame.copy()
    for column in [c for c in ready.columns if ready[c].dtype == object]:
        values = [v for v in ready[column] if v is not None and v != ""]
        if values and all(isinstance(v, int | float) for v in values):
            ready[column] = pd.to_numeric(ready[column].replace("", None))
        elif len({type(v) for v in values}) > 1:
            ready[column] = [None if v is None else str(v) for v in ready[column]]
    ready.columns = [str(c) for c in ready.columns]
    return ready
