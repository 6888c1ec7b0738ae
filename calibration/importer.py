"""Import ad-platform exports into the canonical daily frame, keeping every row accounted for.

Each data row is either used or rejected with its line number and every reason that applies; the
import summary counts both, so `rows_read == rows_used + rows_rejected` for every file. The
reasons are per row, but a file is read a chunk of rows at a time and column by column, each
distinct cell once (`distinct.py`): a million rows repeat a few thousand distinct cells, and
neither the time nor the memory grows with the rows' text.
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from smmsim.calibration.cells import (
    CellError,
    DateStyle,
    detect_date_style,
    detect_number_style,
    month_number,
    parse_date,
)
from smmsim.calibration.columns import NUMERIC_FIELDS, ColumnPlan, plan_columns
from smmsim.calibration.distinct import (
    CellReading,
    ColumnReading,
    date_reading,
    number_reader,
    read_distinct,
)
from smmsim.calibration.layouts import layout_named
from smmsim.calibration.reading import ExportFileError, StreamedTable, open_table

# A total label stands alone or before a colon ("Total", "Итого:", "Total: Account"), so that a
# campaign called "Total Recall promo" is still a campaign.
TOTAL_ROW = re.compile(
    r"^\s*(total|totals|grand total|sum|итого|итог|всего|общо|усього|разом|gesamt|"
    r"gesamtergebnis|summe|insgesamt|total general|totaal|totale|razem|celkem)\s*(:.*)?$",
    re.IGNORECASE,
)
MISSING_LABELS = frozenset({"", "#n/a", "n/a", "na", "(not set)", "--", "-", "null", "none"})
MISSING_LABEL = "(missing)"
# Rows read at a time: large enough for the column-wise reading to pay, small enough that a
# chunk's cells (lists of strings, about 1 KB a row) stay well under the memory of the result.
CHUNK_ROWS = 50_000
TEXT_FIELDS = ("platform", "tool", "campaign", "currency")
MASK_64 = 2**64 - 1
SEP_UNIT = "\x1f"  # joins a row's cells for the second half of its fingerprint
CHAINS = (  # (smaller, larger, reason code): counts that cannot exceed the step before them
    ("clicks", "impressions", "clicks_above_impressions"),
    ("reach", "impressions", "reach_above_impressions"),
    ("joins", "clicks", "joins_above_clicks"),
    ("conversions", "clicks", "conversions_above_clicks"),
)


@dataclass(frozen=True)
class ImportOptions:
    fmt: str = "auto"
    mapping: dict[str, str] = field(default_factory=dict)
    platform: str | None = None  # for files without a platform column
    year: int | None = None  # for files whose dates have no year
    date_order: str = "auto"  # "auto", "dmy" or "mdy"


@dataclass(frozen=True)
class Rejection:
    file: str
    line: int
    reasons: tuple[str, ...]  # reason codes, for counting
    detail: str  # what is wrong, in words, with the bad values
    raw: str  # the row as it was in the file


@dataclass(frozen=True)
class Shaped:
    """A chunk's rows as wide as the header: line, cells (trailing empty cells cut) and the row
    as it was in the file."""

    lines: list[int]
    cells: list[list[str]]
    raw: list[list[str]]

    def row(self, i: int) -> tuple[int, list[str], list[str]]:
        return self.lines[i], self.cells[i], self.raw[i]


@dataclass(frozen=True)
class FileImport:
    frame: object  # pandas.DataFrame of the rows used: source, line, date, fields, dimensions
    rejected: list[Rejection]  # in line order
    summary: dict

    @property
    def rows(self) -> list[dict]:
        """The rows used as records (a small file's view: each is a dict)."""
        records = self.frame.drop(columns=["raw"], errors="ignore").to_dict("records")
        for record in records:
            record["date"] = record["date"].date()
        return records


def import_file(path: Path, options: ImportOptions, keep_raw: bool = False) -> FileImport:
    """Read one file in chunks of rows; `keep_raw` keeps each used row's text (in a `raw`
    column) for repeats across files to be reported with it."""
    table = open_table(path)
    plan = plan_columns(table.head(), options.fmt, options.mapping)
    return FileReader(table, plan, options).read(keep_raw)


class FileReader:
    """Turns the raw rows of one file into canonical columns, under the file's conventions, a
    chunk of rows at a time; each distinct cell is read once (`distinct.py`)."""

    def __init__(self, table: StreamedTable, plan: ColumnPlan, options: ImportOptions):
        self.table, self.plan, self.options = table, plan, options
        self.index = plan.field_columns(table.header)
        self.dims = {d: table.header.index(c) for d, c in plan.dimensions.items()}
        if "date" not in self.index and "year" not in self.index and options.year is None:
            raise ExportFileError(
                f"{table.path}: the dates have no year (columns "
                f"{', '.join(plan.fields[p] for p in ('month', 'day'))}); give it with --year"
            )
        numbers, dates = self._count_cells()
        self.numbers = detect_number_style(numbers, table.separator)
        self.dates = self._date_style(dates)
        self.placeholders = 0
        self.missing_labels: Counter[str] = Counter()
        self.seen: dict[int, int] = {}  # a used-or-checked row's fingerprint -> its line
        self.memos: dict[str, dict] = {}
        # the first column may hold a total's label; so may the date and label columns
        named = [self.index[f] for f in ("date", "platform", "campaign") if f in self.index]
        self.total_columns = tuple(dict.fromkeys([*named, 0, *self.dims.values()]))
        self.total_cells: dict[str, bool] = {}

    def _count_cells(self) -> tuple[Counter, Counter]:
        """How often each numeric cell and each date cell occurs, for the file's conventions."""
        numeric = [self.index[f] for f in NUMERIC_FIELDS if f in self.index]
        dated = [self.index["date"]] if "date" in self.index else []
        numbers: Counter[str] = Counter()
        dates: Counter[str] = Counter()
        for _, records in self.table.chunks(CHUNK_ROWS):
            for counter, columns in ((numbers, numeric), (dates, dated)):
                for i in columns:
                    counter.update(_column(records, i))
        return numbers, dates

    def _date_style(self, cells: Counter) -> DateStyle:
        if self.options.date_order != "auto":
            return DateStyle(self.options.date_order, f"{self.options.date_order}: --date-order")
        tie = layout_named(self.plan.layout).date_order
        return detect_date_style(cells, tie)

    def read(self, keep_raw: bool) -> FileImport:
        rows_read, rejected, parts = 0, [], []
        for chunk in self.table.chunks(CHUNK_ROWS):
            rows_read += len(chunk[0])
            used = self._read_chunk(chunk, rejected, keep_raw)
            if used is not None:
                parts.append(used)
        rejected.sort(key=lambda r: r.line)
        frame = pd.concat(parts, ignore_index=True) if parts else self._empty(keep_raw)
        return FileImport(frame, rejected, self.summary(rows_read, frame, rejected))

    def _empty(self, keep_raw: bool):
        columns = ["source", "line", "date", *NUMERIC_FIELDS, *TEXT_FIELDS, *self.dims]
        return pd.DataFrame(columns=[*columns, "raw"] if keep_raw else columns)

    def _read_chunk(self, chunk: tuple[list[int], list[list[str]]], rejected: list, keep_raw: bool):
        """The chunk's used rows as a frame (None if none); rejected rows go to `rejected`."""
        shaped = self._shaped_rows(*chunk, rejected)
        if not shaped.lines:
            return None
        lines = np.array(shaped.lines, dtype=np.int64)
        columns = list(zip(*shaped.cells, strict=True))
        date_of = self._read_dates(columns)
        numbers = {f: self._read_numbers(columns, f) for f in NUMERIC_FIELDS if f in self.index}
        readings = [date_of, *numbers.values()]
        unreadable = np.zeros(len(lines), dtype=bool)
        for reading in readings:
            unreadable |= reading.flags(lambda r: bool(r.problems))
        for row in np.flatnonzero(unreadable):
            problems = [p for reading in readings for p in reading.problems_of(row)]
            rejected.append(self._rejection(shaped.row(row), problems))
        read = np.flatnonzero(~unreadable)
        if not len(read):
            return None
        part = self._columns(read, lines, date_of, numbers, columns)
        problems = self._row_problems(part, [shaped.cells[i] for i in read])
        for row, found in problems.items():
            rejected.append(self._rejection(shaped.row(read[row]), found))
        keep = np.ones(len(read), dtype=bool)
        keep[list(problems)] = False
        if not keep.any():
            return None
        self.placeholders += sum(
            int(reading.flags(lambda r: r.placeholder)[read][keep].sum())
            for reading in numbers.values()
        )
        used = pd.DataFrame({name: values[keep] for name, values in part.items()})
        if keep_raw:
            used["raw"] = [
                self.table.separator.join(shaped.raw[read[i]]) for i in np.flatnonzero(keep)
            ]
        return used

    def _shaped_rows(self, lines: list[int], records: list[list[str]], rejected: list) -> Shaped:
        """The rows as wide as the header; the others (and total rows) are rejected here, one
        reason each."""
        width = len(self.table.header)
        totals = self._totals(records)
        if not totals and all(len(fields) == width for fields in records):
            return Shaped(lines, records, records)
        shaped = Shaped([], [], [])
        for row, (line, fields) in enumerate(zip(lines, records, strict=True)):
            if row in totals:  # before the width: a summary line is often shorter ("Итого: 5")
                words = "a total or summary row, not one day's data"
                rejected.append(self._rejection((line, fields, fields), [("total_row", words)]))
                continue
            cells = fields
            if len(cells) > width and not any(c.strip() for c in cells[width:]):
                cells = cells[:width]  # a separator at the end of the line adds empty cells
            if len(cells) != width:
                shifted = " (columns shifted against the header)" if cells else ""
                words = f"has {len(cells)} fields, the header has {width}{shifted}"
                rejected.append(
                    self._rejection((line, cells, fields), [("wrong_field_count", words)])
                )
                continue
            shaped.lines.append(line)
            shaped.cells.append(cells)
            shaped.raw.append(fields)
        return shaped

    def _totals(self, records: list[list[str]]) -> set[int]:
        """The rows whose first column, date or a label column holds a total's label."""
        found: set[int] = set()
        for i in self.total_columns:
            cells = _column(records, i, missing="")
            for cell in set(cells) - self.total_cells.keys():
                self.total_cells[cell] = bool(TOTAL_ROW.match(cell))
            if any(self.total_cells[c] for c in set(cells)):
                found.update(row for row, c in enumerate(cells) if self.total_cells[c])
        return found

    def _rejection(self, shaped: tuple, problems: list[tuple[str, str]]) -> Rejection:
        line, _, raw = shaped
        return Rejection(
            self.table.path,
            line,
            tuple(code for code, _ in problems),
            "; ".join(words for _, words in problems),
            self.table.separator.join(raw),
        )

    def _memo(self, name: str) -> dict:
        return self.memos.setdefault(name, {})

    def _read_dates(self, columns) -> ColumnReading:
        if "date" in self.index:
            read = date_reading(lambda cell: parse_date(cell, self.dates))
            return read_distinct([columns[self.index["date"]]], read, self._memo("date"))
        parts = [p for p in ("year", "month", "day") if p in self.index]
        read = date_reading(
            lambda *cells: self._date_from_parts(dict(zip(parts, cells, strict=True)))
        )
        return read_distinct([columns[self.index[p]] for p in parts], read, self._memo("parts"))

    def _date_from_parts(self, cells: dict[str, str]) -> date:
        parts = {p: cell.strip() for p, cell in cells.items()}
        month = parts["month"]
        month_value = int(month) if month.isdigit() else month_number(month)
        year = (
            int(parts["year"]) if "year" in parts and parts["year"].isdigit() else self.options.year
        )
        try:
            return date(int(year), int(month_value), int(parts["day"]))
        except (TypeError, ValueError):
            shown = "-".join(str(parts.get(p, year)) for p in ("year", "month", "day"))
            raise CellError(f"{shown!r} is not a valid date") from None

    def _read_numbers(self, columns, name: str) -> ColumnReading:
        read = number_reader(name, self.numbers)
        return read_distinct([columns[self.index[name]]], read, self._memo(name))

    def _columns(self, read, lines, date_of, numbers, columns) -> dict[str, np.ndarray]:
        """The canonical columns of the readable rows `read` (before the checks across cells)."""
        part = {
            "source": np.full(len(read), self.table.path, dtype=object),
            "line": lines[read],
            "date": date_of.values("datetime64[D]")[read].astype("datetime64[s]"),
        }
        for name in NUMERIC_FIELDS:
            part[name] = (
                numbers[name].values(float)[read] if name in numbers else np.full(len(read), np.nan)
            )
        part.update(self._text_columns(read, columns))
        reach, frequency = part["reach"], part["frequency"]
        derived = np.isnan(reach) & (frequency > 0)
        part["reach"] = np.where(
            derived, part["impressions"] / np.where(derived, frequency, 1), reach
        )
        return part

    def _text_columns(self, read, columns) -> dict[str, np.ndarray]:
        """Platform, tool, campaign, currency and the dimensions of the rows `read`."""
        fallback = self.options.platform or self.plan.default_platform
        stem = Path(self.table.path).stem
        out = {
            "platform": self._cells(
                read, columns, "platform", lambda v: (v or fallback or stem).strip().lower()
            ),
            "currency": self._cells(read, columns, "currency", lambda v: v),
        }
        labels = {}
        if "tool" in self.index:
            labels["tool"] = self._labels(read, columns, self.index["tool"], "tool")
        else:
            out["tool"] = np.full(len(read), "paid_ads", dtype=object)
        if "campaign" in self.index:
            labels["campaign"] = self._labels(read, columns, self.index["campaign"], "campaign")
        else:
            out["campaign"] = np.full(len(read), MISSING_LABEL, dtype=object)
        for name, i in self.dims.items():
            labels[name] = self._labels(read, columns, i, name, dimension=True)
        self._count_missing({name: missing for name, (_, missing) in labels.items()})
        out.update({name: values for name, (values, _) in labels.items()})
        return out

    def _cells(self, read, columns, name: str, finish) -> np.ndarray:
        """A text field's cells, stripped, '' where missing, then `finish`ed."""
        if name not in self.index:
            return np.full(len(read), finish(""), dtype=object)

        def text(cell: str) -> CellReading:
            value = cell.strip()
            return CellReading(finish("" if value.casefold() in MISSING_LABELS else value))

        memo = self._memo(f"text {name}")
        return read_distinct([columns[self.index[name]]], text, memo).values()[read]

    def _labels(self, read, columns, i: int, name: str, dimension: bool = False):
        """(labels, missing): a grouping label per row; a blank or '#N/A' cell is '(missing)'.
        A field's label is the stripped cell; so is a dimension's, kept even when it is blank."""

        def label(cell: str) -> CellReading:
            value = cell.strip()
            missing = value.casefold() in MISSING_LABELS
            return CellReading(MISSING_LABEL if missing else value, missing=missing)

        found = read_distinct([columns[i]], label, self._memo(f"label {name} {dimension}"))
        return found.values()[read], found.flags(lambda r: r.missing)[read]

    def _count_missing(self, missing: dict[str, np.ndarray]) -> None:
        """Count missing labels in the order a row-by-row reading first meets them (the
        summary lists them in that order)."""
        order = sorted(
            (int(np.argmax(m)), position, name)
            for position, (name, m) in enumerate(missing.items())
            if m.any()
        )
        for _, _, name in order:
            self.missing_labels[name] += int(missing[name].sum())

    def _row_problems(self, part: dict, cells: list[list[str]]) -> dict[int, list[tuple[str, str]]]:
        """Problems across the cells of a readable row: counts that exceed the step before them,
        and an exact repeat of an earlier row (every readable row is remembered)."""
        problems: dict[int, list[tuple[str, str]]] = {}
        for small, large, code in CHAINS:
            a, b = part[small], part[large]
            with np.errstate(invalid="ignore"):
                over = ~(np.isnan(a) | np.isnan(b)) & (a > b * (1 + 1e-9))
            for row in np.flatnonzero(over):
                words = f"{small} ({a[row]:g}) exceed {large} ({b[row]:g})"
                problems.setdefault(int(row), []).append((code, words))
        for row, first in self._repeats(cells, part["line"]):
            problems.setdefault(row, []).append(("duplicate", f"repeats line {first} exactly"))
        return dict(sorted(problems.items()))

    def _repeats(self, cells: list[list[str]], lines) -> list[tuple[int, int]]:
        """(row, earlier line) of each row of `cells` that repeats an earlier row exactly.

        Rows are told apart by a 128-bit fingerprint of their cells (two different 64-bit
        hashes: of the tuple of cells and of the cells joined) rather than kept whole: a million
        rows' cells would take gigabytes. Two different rows share a fingerprint with odds of
        about 1 in 10^38 a pair, and the run (hashes are salted per process) sees the same
        repeats as a row-by-row comparison."""
        found = []
        for row, (fields, line) in enumerate(zip(cells, lines.tolist(), strict=True)):
            key = (hash(tuple(fields)) & MASK_64) << 64 | (hash(SEP_UNIT.join(fields)) & MASK_64)
            first = self.seen.setdefault(key, line)
            if first != line:
                found.append((row, first))
        return found

    def summary(self, rows_read: int, frame, rejected: list[Rejection]) -> dict:
        t, p = self.table, self.plan
        reasons = Counter(code for r in rejected for code in dict.fromkeys(r.reasons))
        dates = frame["date"]
        return {
            "file": t.path,
            "format": p.layout,
            "format_title": p.title,
            "encoding": t.encoding,
            "separator": "tab" if t.separator == "\t" else t.separator,
            "decimal_mark": self.numbers.decimal,
            "number_style": self.numbers.reason,
            "date_order": self.dates.order,
            "date_style": self.dates.reason,
            "header_line": t.header_line,
            "title_lines_skipped": len(t.preamble),
            "blank_lines": t.blank_lines,
            "columns": dict(p.fields),
            "dimensions": dict(p.dimensions),
            "ignored_columns": list(p.ignored),
            "absent_fields": [f for f in NUMERIC_FIELDS if f not in self.index],
            "rows_read": rows_read,
            "rows_used": len(frame),
            "rows_rejected": len(rejected),
            "rejected_by_reason": dict(reasons.most_common()),
            "placeholders_read_as_zero": self.placeholders,
            "missing_labels": dict(self.missing_labels),
            "first_date": dates.min().date().isoformat() if len(frame) else None,
            "last_date": dates.max().date().isoformat() if len(frame) else None,
        }


def _column(records: list[list[str]], i: int, missing: str | None = None) -> list[str]:
    """The i-th cell of every row; rows too short for it give `missing` (or are left out when it
    is None)."""
    if min(map(len, records), default=0) > i:
        return list(map(operator.itemgetter(i), records))
    if missing is None:
        return [fields[i] for fields in records if len(fields) > i]
    return [fields[i] if len(fields) > i else missing for fields in records]


@dataclass(frozen=True)
class Imported:
    """Every file's used rows as one canonical frame, with what was rejected and why."""

    frame: object  # pandas.DataFrame: source, line, canonical columns, frequency, dimensions
    rejected: list[Rejection]
    files: list[dict]  # one import summary per file
    # rows whose arm and date another file has too, with other numbers: kept, but worth a look
    overlapping_rows: int = 0

    @property
    def totals(self) -> dict:
        return {
            "files": len(self.files),
            "rows_read": sum(f["rows_read"] for f in self.files),
            "rows_used": sum(f["rows_used"] for f in self.files),
            "rows_rejected": sum(f["rows_rejected"] for f in self.files),
        }

    def summary(self) -> dict:
        reasons: Counter[str] = Counter()
        for f in self.files:
            reasons.update(f["rejected_by_reason"])
        return {
            **self.totals,
            "rejected_by_reason": dict(reasons.most_common()),
            "overlapping_rows": self.overlapping_rows,
            "per_file": self.files,
        }


def import_exports(paths: list[Path], options: ImportOptions) -> Imported:
    """Import every file; a file that cannot be read at all stops the import with its reason."""
    parts, rejected, files = [], [], []
    for path in paths:
        done = import_file(path, options, keep_raw=len(paths) > 1)
        parts.append(done.frame)
        rejected.extend(done.rejected)
        files.append(done.summary)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    frame, overlapping = _drop_repeats_across_files(frame, rejected, files)
    frame = frame.drop(columns=["raw"], errors="ignore")
    if not len(frame):  # no row used: no dimension either
        frame = pd.DataFrame(columns=CANONICAL_FRAME)
    for column in CANONICAL_FRAME:
        if column not in frame:
            frame[column] = np.nan
    dimension_columns = [c for c in frame.columns if c not in CANONICAL_FRAME]
    # A grouping column one file has and another lacks: the other file's rows are unlabelled.
    frame[dimension_columns] = frame[dimension_columns].fillna(MISSING_LABEL)
    return Imported(frame[[*CANONICAL_FRAME, *dimension_columns]], rejected, files, overlapping)


def _drop_repeats_across_files(frame, rejected: list, files: list[dict]):
    """Two exports that cover the same days: a row repeated exactly from an earlier file is
    rejected as a duplicate (counting it twice would double its spend); one whose arm and date
    recur with other numbers is kept and counted as overlapping, for the analyst to resolve.

    The first row with given values (or a given arm and date) is never itself a repeat, so each
    row is compared with the first row that has its values."""
    if len(files) < 2 or not len(frame):
        return frame, 0
    values = [c for c in frame.columns if c not in ("source", "line", "raw")]
    identity = [c for c in values if c not in NUMERIC_FIELDS]
    first = frame.groupby(values, sort=False, dropna=False)[["source", "line"]].transform("first")
    repeated = (first["source"] != frame["source"]).to_numpy()
    by_file = {f["file"]: f for f in files}
    for row in np.flatnonzero(repeated):
        source = frame["source"].iat[row]
        words = f"repeats {first['source'].iat[row]} line {first['line'].iat[row]} exactly"
        raw = frame["raw"].iat[row]
        rejected.append(Rejection(source, int(frame["line"].iat[row]), ("duplicate",), words, raw))
        summary = by_file[source]
        summary["rows_used"] -= 1
        summary["rows_rejected"] += 1
        reasons = summary["rejected_by_reason"]
        reasons["duplicate"] = reasons.get("duplicate", 0) + 1
    kept = frame[~repeated].reset_index(drop=True)
    owner = kept.groupby(identity, sort=False, dropna=False)["source"].transform("first")
    return kept, int((owner != kept["source"]).sum())


CANONICAL_FRAME = (
    "source",
    "line",
    "date",
    "platform",
    "tool",
    "campaign",
    *NUMERIC_FIELDS,
    "currency",
)
