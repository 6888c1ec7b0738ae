"""Reading one export file: its rows into canonical columns, each row used or rejected.

Each data row is either used or rejected with its line number and every reason that applies; the
file's summary counts both, so `rows_read == rows_used + rows_rejected`. The reasons are per row,
but the file is read a block of rows at a time and column by column, each distinct cell once
(`distinct.py`): a million rows repeat a few thousand distinct cells, so the work per row is a
few array operations, and no row's text is kept once its block is read.
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
    parse_span,
    range_parts,
)
from smmsim.calibration.columns import NUMERIC_FIELDS, ColumnPlan, plan_columns
from smmsim.calibration.date_hint import no_year_hint, suggest_date_mapping
from smmsim.calibration.distinct import (
    CellReading,
    ColumnReading,
    DistinctCells,
    date_reading,
    number_reader,
    read_distinct,
)
from smmsim.calibration.layouts import layout_named
from smmsim.calibration.plausible import date_problems
from smmsim.calibration.reading import ExportFileError, StreamedTable, open_table
from smmsim.calibration.shifted import MAX_SHIFT
from smmsim.calibration.shifted_rows import find_shifted_rows

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
    # "keep": conversions above clicks are view-through conversions (counted after an ad was
    # seen, not clicked), used and counted; "reject": rejected as conversions_above_clicks
    view_through: str = "keep"
    group_by: tuple[str, ...] = ()  # --group-by: numeric columns named there are labels too
    # --period: the first and last day that every row of a file without dates covers
    period: tuple[date, date] | None = None
    # --repair-shifted: a row whose values sit k columns off their header, where one offset
    # fits, is put back under its header and used (else it is rejected as shifted_columns)
    repair_shifted: bool = False


@dataclass(frozen=True)
class Rejection:
    file: str
    line: int
    reasons: tuple[str, ...]  # reason codes, for counting
    detail: str  # what is wrong, in words, with the bad values
    raw: str  # the row as it was in the file


@dataclass(frozen=True)
class Rows:
    """A chunk's rows as wide as the header: line, cells (trailing empty cells cut) and the row
    as it was in the file."""

    lines: list[int]
    cells: list[list[str]]
    raw: list[list[str]]


@dataclass(frozen=True)
class Shaped:
    """Every row of a file as wide as the header, by its line (its cells are in the reader's
    `DistinctCells`), and the text of the rows that were not read one line a record."""

    lines: np.ndarray
    raw_of: dict[int, str]


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
    plan = plan_columns(
        table.head(), options.fmt, options.mapping, options.group_by, options.period is not None
    )
    return FileReader(table, plan, options).read(keep_raw)


class FileReader:
    """Turns the raw rows of one file into canonical columns, under the file's conventions.

    One pass over the rows, a chunk at a time, checks each row's shape (rejecting totals and
    rows of the wrong width) and gathers the cells it needs as codes into each column's distinct
    texts, with a fingerprint of each row for repeats. The file's number and date conventions
    are then decided from the counts of the distinct cells, each distinct cell is read once
    (`distinct.py`), and every row's reasons follow, all rows at a time."""

    def __init__(self, table: StreamedTable, plan: ColumnPlan, options: ImportOptions):
        self.table, self.plan, self.options = table, plan, options
        self.index = plan.field_columns(table.header)
        self.dims = {d: table.header.index(c) for d, c in plan.dimensions.items()}
        parts_only = "date" not in self.index and "day" in self.index
        if parts_only and "year" not in self.index and options.year is None:
            raise ExportFileError(
                f"{table.path}: the dates have no year (columns "
                f"{', '.join(plan.fields[p] for p in ('month', 'day'))}); give it with --year"
            )
        self.numeric = [self.index[f] for f in NUMERIC_FIELDS if f in self.index]
        self.dated = [self.index[f] for f in ("date", "date_end") if f in self.index]
        # the first column may hold a total's label; so may the date and label columns
        named = [self.index[f] for f in ("date", "platform", "campaign") if f in self.index]
        self.total_columns = tuple(dict.fromkeys([*named, 0, *self.dims.values()]))
        self.total_cells: dict[str, bool] = {}
        # every column: a row repeats another when all its cells do
        self.cells = DistinctCells(range(len(table.header)))
        # cells of the rows rejected for their shape: they vote on the conventions too
        self.other_numbers: Counter[str] = Counter()
        self.other_dates: Counter[str] = Counter()
        self.placeholders = 0
        self.view_through_kept = 0
        # rows of another width than the header, kept (padded or cut) to be judged for a shift:
        # their original cells by line
        self.odd_lines: dict[int, list[str]] = {}
        self.repaired_shifted = 0
        self.repaired_rows: list[int] = []
        self.missing_labels: Counter[str] = Counter()

    def read(self, keep_raw: bool) -> FileImport:
        """Every row used or rejected; `keep_raw` keeps each used row's text in a `raw` column."""
        rejected, rows_read = [], 0
        lines, raw_of = [], {}
        for block in self.table.chunks(CHUNK_ROWS):
            rows_read += len(block.lines)
            if block.columns is not None and not self._any_total(block.columns):
                self.cells.add_columns(block.columns)  # a plain table: every row full width
                lines.append(np.array(block.lines, dtype=np.int64))
                continue
            shaped = self._shaped_rows(block.lines, block.rows(), rejected)
            self.cells.add(shaped.cells)
            lines.append(np.array(shaped.lines, dtype=np.int64))
            if not block.one_line:  # rows read record by record: their text cannot be read again
                separator = self.table.separator
                raw_of.update(zip(shaped.lines, map(separator.join, shaped.raw), strict=True))
        rows_read += self._bad_encoding(rejected)
        numbers = self._counts(self.numeric, self.other_numbers)
        self.numbers = detect_number_style(numbers, self.table.separator)
        self.dates = self._date_style(self._counts(self.dated, self.other_dates))
        shaped = Shaped(_joined(lines, np.int64), raw_of)
        frame = self._used(shaped, rejected, keep_raw)
        rejected.sort(key=lambda r: r.line)
        summary = self.summary(rows_read, frame, rejected)
        if not len(frame) and _mostly_bad_dates(summary["rejected_by_reason"]):
            summary["date_hint"] = suggest_date_mapping(
                self.table.header,
                lambda i: self.cells.column(i)[1],
                self.options.year is not None,
                self.numeric,
            ) or no_year_hint([r.detail for r in rejected[:100]])
        return FileImport(frame, rejected, summary)

    def _bad_encoding(self, rejected: list[Rejection]) -> int:
        """Reject the lines that are not in the file's encoding (UTF-8 with some cp1251 lines):
        each is a row of the file, rejected with the bytes that fail and what would read them."""
        for bad in self.table.bad_lines.values():
            rejected.append(
                Rejection(self.table.path, bad.line, ("bad_encoding",), bad.detail, bad.raw)
            )
        return len(self.table.bad_lines)

    def _counts(self, columns: list[int], others: Counter) -> Counter:
        """How often each cell of `columns` occurs, over every row (`others`: the rows
        rejected for their shape)."""
        counts = Counter(others)
        for i in columns:
            counts.update(self.cells.counts(i))
        return counts

    def _date_style(self, cells: Counter) -> DateStyle:
        if self.options.date_order != "auto":
            return DateStyle(self.options.date_order, f"{self.options.date_order}: --date-order")
        tie = layout_named(self.plan.layout).date_order
        return detect_date_style(range_parts(cells), tie)

    def _shaped_rows(self, lines: list[int], records: list[list[str]], rejected: list) -> Rows:
        """The rows as wide as the header; the others (and total rows) are rejected here, one
        reason each."""
        width = len(self.table.header)
        totals = self._totals(records)
        widths = list(map(len, records))
        if not totals and min(widths, default=width) == max(widths, default=width) == width:
            return Rows(lines, records, records)
        rows = Rows([], [], [])
        for row, (line, fields) in enumerate(zip(lines, records, strict=True)):
            cells = fields
            if len(cells) > width and not any(c.strip() for c in cells[width:]):
                cells = cells[:width]  # a separator at the end of the line adds empty cells
            if row in totals:  # before the width: a summary line is often shorter ("Итого: 5")
                problem = ("total_row", "a total or summary row, not one day's data")
            elif len(cells) != width and 0 < len(cells) <= width + MAX_SHIFT:
                # perhaps shifted: judged with the other rows once the columns are known
                self.odd_lines[line] = cells
                rows.lines.append(line)
                rows.cells.append((cells + [""] * width)[:width])
                rows.raw.append(fields)
                continue
            elif len(cells) != width:
                shifted = " (columns shifted against the header)" if cells else ""
                words = f"has {len(cells)} fields, the header has {width}{shifted}"
                problem = ("wrong_field_count", words)
            else:
                rows.lines.append(line)
                rows.cells.append(cells)
                rows.raw.append(fields)
                continue
            separator = self.table.separator
            rejected.append(
                Rejection(self.table.path, line, (problem[0],), problem[1], separator.join(fields))
            )
            for counter, columns in (
                (self.other_numbers, self.numeric),
                (self.other_dates, self.dated),
            ):
                counter.update(fields[i] for i in columns if i < len(fields))
        return rows

    def _any_total(self, columns: list[np.ndarray]) -> bool:
        """Whether a row of a block read as columns is a total (its rows are then checked one by
        one)."""
        return any(
            self._is_total(cell) for i in self.total_columns for cell in pd.unique(columns[i])
        )

    def _is_total(self, cell: str) -> bool:
        found = self.total_cells.get(cell)
        if found is None:
            found = self.total_cells[cell] = bool(TOTAL_ROW.match(cell))
        return found

    def _totals(self, records: list[list[str]]) -> set[int]:
        """The rows whose first column, date or a label column holds a total's label."""
        found: set[int] = set()
        shortest = min(map(len, records), default=0)
        for i in self.total_columns:
            cells = _column(records, i, shortest, missing="")
            total = {cell: self._is_total(cell) for cell in set(cells)}
            if any(total.values()):
                found.update(row for row, cell in enumerate(cells) if total[cell])
        return found

    def _readable(self, shaped: Shaped, rejected: list):
        """(dates, numbers, the rows whose date and numbers all read); the others are rejected
        with every reason their cells give, in the order of the fields. Shifted rows are
        rejected as such (or, with --repair-shifted, put back under their header and read),
        rows of another width than the header as such."""
        dates, numbers, unreadable = self._read_cells(len(shaped.lines))
        odd = np.zeros(len(shaped.lines), dtype=bool)
        odd_rows = np.searchsorted(shaped.lines, list(self.odd_lines))
        odd[odd_rows] = True
        excluded = self._shifted(shaped, unreadable | odd, odd_rows, rejected)
        if self.repaired_shifted:  # their cells changed: read again
            dates, numbers, unreadable = self._read_cells(len(shaped.lines))
        width = len(self.table.header)
        for row in np.flatnonzero(odd & ~excluded & ~self._repaired_mask(len(odd))):
            cells = self.odd_lines[int(shaped.lines[row])]
            words = f"has {len(cells)} fields, the header has {width}"
            words += " (columns shifted against the header)"
            rejected.append(self._rejection(shaped, row, [("wrong_field_count", words)]))
            excluded[row] = True
        readings = [*dates, *numbers.values()]
        for row in np.flatnonzero(unreadable & ~excluded):
            problems = [p for reading in readings for p in reading.problems_of(row)]
            rejected.append(self._rejection(shaped, row, problems))
        return dates, numbers, np.flatnonzero(~unreadable & ~excluded)

    def _read_cells(self, rows: int):
        """((first days, last days), numbers by field, the rows with a problem in any of them)."""
        dates = (self._read_dates(rows), self._read_ends(rows))
        numbers = {f: self._read_numbers(f) for f in NUMERIC_FIELDS if f in self.index}
        unreadable = np.zeros(rows, dtype=bool)
        for reading in (*dates, *numbers.values()):
            unreadable |= reading.flags(lambda r: bool(r.problems))
        return dates, numbers, unreadable

    def _shifted(
        self, shaped: Shaped, suspect: np.ndarray, odd_rows: np.ndarray, rejected: list
    ) -> np.ndarray:
        """The rows rejected as shifted_columns (a mask); with --repair-shifted, the shifted
        rows that can be put back under their header are, and counted instead."""
        odd = {int(r): self.odd_lines[int(shaped.lines[r])] for r in odd_rows}
        fields = {i: f for f, i in self.index.items()}
        found = find_shifted_rows(self.cells, self.table.header, self.numbers, suspect, odd, fields)
        excluded = np.zeros(len(suspect), dtype=bool)
        repair = found.repairable & self.options.repair_shifted
        if repair.any():
            self.repaired_rows = found.rows[repair].tolist()
            for i in range(len(self.table.header)):
                self.cells.replace(i, found.rows[repair], found.repaired[:, i])
        hint = " (--repair-shifted would put it back)"
        for row, words, fixed, can in zip(
            found.rows.tolist(),
            found.words,
            repair.tolist(),
            found.repairable.tolist(),
            strict=True,
        ):
            if fixed:
                continue
            words += hint if can else ""
            rejected.append(self._rejection(shaped, row, [("shifted_columns", words)]))
            excluded[row] = True
        self.repaired_shifted = len(self.repaired_rows)
        return excluded

    def _repaired_mask(self, rows: int) -> np.ndarray:
        mask = np.zeros(rows, dtype=bool)
        mask[self.repaired_rows] = True
        return mask

    def _used(self, shaped: Shaped, rejected: list, keep_raw: bool):
        """The frame of the rows used; the rows that cannot be go to `rejected`."""
        (date_of, end_of), numbers, read = self._readable(shaped, rejected)
        values = self._numbers(read, numbers)
        problems = self._row_problems(values, shaped, read)
        for row, found in problems.items():
            rejected.append(self._rejection(shaped, read[row], found))
        keep = np.ones(len(read), dtype=bool)
        keep[list(problems)] = False
        self.view_through_kept = int((_view_through(values) & keep).sum())
        kept = read[keep]
        texts = self._text_columns(read, kept)  # counts the missing labels of every row read
        if not len(kept):
            return self._empty(keep_raw)
        self.placeholders = sum(
            int(reading.flags(lambda r: r.placeholder)[kept].sum()) for reading in numbers.values()
        )
        first = date_of.values("datetime64[D]")[kept]
        last = end_of.values("datetime64[D]")[kept]
        columns = {
            "source": _repeated(self.table.path, len(kept)),
            "line": shaped.lines[kept],
            "date": first.astype("datetime64[s]"),
            # the days a row covers: 1 for a day's row, more for a period's totals
            "days": (last - first).astype(np.int64) + 1,
            **{name: column[keep] for name, column in values.items()},
            **texts,
        }
        del values
        used = pd.DataFrame(columns, copy=False)
        if keep_raw:
            used["raw"] = [self._raw(shaped, row) for row in kept]
        return used

    def _empty(self, keep_raw: bool):
        columns = ["source", "line", "date", "days", *NUMERIC_FIELDS, *TEXT_FIELDS, *self.dims]
        return pd.DataFrame(columns=[*columns, "raw"] if keep_raw else columns)

    def _raw(self, shaped: Shaped, row: int) -> str:
        """Row `row`'s text as the file has it: its cells joined by the separator."""
        line = int(shaped.lines[row])
        found = shaped.raw_of.get(line)
        return found if found is not None else self.table.separator.join(self.table.one_line(line))

    def _rejection(self, shaped: Shaped, row: int, problems: list[tuple[str, str]]) -> Rejection:
        return Rejection(
            self.table.path,
            int(shaped.lines[row]),
            tuple(code for code, _ in problems),
            "; ".join(words for _, words in problems),
            self._raw(shaped, row),
        )

    def _read_dates(self, rows: int) -> ColumnReading:
        """Each row's first day: its date, the start of its range cell, or --period's."""
        if self.options.period is not None:
            return _constant(np.datetime64(self.options.period[0], "D"), rows)
        if "date" in self.index:
            read = date_reading(lambda cell: parse_span(cell, self.dates, self.options.year)[0])
            return read_distinct([self.cells.column(self.index["date"])], read)
        parts = [p for p in ("year", "month", "day") if p in self.index]

        def from_parts(*cells: str) -> date:
            return self._date_from_parts(dict(zip(parts, cells, strict=True)))

        return read_distinct(
            [self.cells.column(self.index[p]) for p in parts], date_reading(from_parts)
        )

    def _read_ends(self, rows: int) -> ColumnReading:
        """Each row's last day: that of its range cell, its date_end column, or --period's; a
        problem with the first day is the first day's reading's (told once, not twice)."""
        if self.options.period is not None:
            return _constant(np.datetime64(self.options.period[1], "D"), rows)
        if "date" not in self.index:  # year/month/day parts: one day a row, told once
            dates = self._read_dates(rows)
            return ColumnReading(dates.codes, [CellReading(r.value) for r in dates.readings])
        year, columns = self.options.year, [self.cells.column(self.index["date"])]
        if "date_end" in self.index:
            columns.append(self.cells.column(self.index["date_end"]))

        def last_day(first: str, end: str | None = None) -> CellReading:
            try:
                start, last = parse_span(first, self.dates, year)
            except CellError:
                start = last = None  # the first day's reading rejects the row
            if end is not None:
                try:
                    last = parse_date(end, self.dates, year)
                except CellError as exc:
                    return CellReading(np.datetime64("NaT", "D"), (("bad_date", f"date: {exc}"),))
                if start is not None and last < start:
                    words = f"date: the last day {end.strip()!r} is before the first {first!r}"
                    return CellReading(np.datetime64("NaT", "D"), (("bad_date", words),))
            if last is None:
                return CellReading(np.datetime64("NaT", "D"))
            # a one-day row's date is checked by the first day's reading
            return CellReading(
                np.datetime64(last, "D"), date_problems(last) if last != start else ()
            )

        return read_distinct(columns, last_day)

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

    def _read_numbers(self, name: str) -> ColumnReading:
        read = number_reader(name, self.numbers)
        return read_distinct([self.cells.column(self.index[name])], read)

    def _numbers(self, read, numbers: dict[str, ColumnReading]) -> dict[str, np.ndarray]:
        """The numeric fields of the readable rows `read`; reach from frequency where only that
        is given."""
        out = {}
        for name in NUMERIC_FIELDS:
            out[name] = (
                numbers[name].values(float)[read] if name in numbers else np.full(len(read), np.nan)
            )
        reach, frequency = out["reach"], out["frequency"]
        derived = np.isnan(reach) & (frequency > 0)
        out["reach"] = np.where(
            derived, out["impressions"] / np.where(derived, frequency, 1), reach
        )
        return out

    def _text_columns(self, read, kept) -> dict[str, np.ndarray]:
        """Platform, tool, campaign, currency and the dimensions of the rows `kept`; the missing
        labels are counted over all rows `read` (a row rejected for its numbers has them too)."""
        fallback = self.options.platform or self.plan.default_platform
        stem = Path(self.table.path).stem
        out = {
            "platform": self._text(
                kept, "platform", lambda v: (v or fallback or stem).strip().lower()
            ),
            "currency": self._text(kept, "currency", lambda v: v),
        }
        labels = {}
        if "tool" in self.index:
            labels["tool"] = self._labels(read, kept, self.index["tool"])
        else:
            out["tool"] = _repeated("paid_ads", len(kept))
        if "campaign" in self.index:
            labels["campaign"] = self._labels(read, kept, self.index["campaign"])
        else:
            out["campaign"] = _repeated(MISSING_LABEL, len(kept))
        for name, i in self.dims.items():
            labels[name] = self._labels(read, kept, i)
        self._count_missing({name: missing for name, (_, missing) in labels.items()})
        out.update({name: values for name, (values, _) in labels.items()})
        return out

    def _text(self, read, name: str, finish) -> np.ndarray:
        """A text field's cells, stripped, '' where missing, then `finish`ed."""
        if name not in self.index:
            return _repeated(finish(""), len(read))

        def text(cell: str) -> CellReading:
            value = cell.strip()
            return CellReading(finish("" if value.casefold() in MISSING_LABELS else value))

        return read_distinct([self.cells.column(self.index[name])], text).values()[read]

    def _labels(self, read, kept, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(labels of the rows kept, missing among the rows read): a grouping label is the
        stripped cell; a blank or '#N/A' cell is '(missing)'."""

        def label(cell: str) -> CellReading:
            value = cell.strip()
            missing = value.casefold() in MISSING_LABELS
            return CellReading(MISSING_LABEL if missing else value, missing=missing)

        found = read_distinct([self.cells.column(i)], label)
        return found.values()[kept], found.flags(lambda r: r.missing)[read]

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

    def _row_problems(self, values: dict, shaped: Shaped, read) -> dict[int, list[tuple[str, str]]]:
        """Problems across the cells of a readable row: counts that exceed the step before them,
        and an exact repeat of an earlier readable row."""
        problems: dict[int, list[tuple[str, str]]] = {}
        for small, large, code in CHAINS:
            if code == "conversions_above_clicks" and self.options.view_through == "keep":
                continue
            a, b = values[small], values[large]
            with np.errstate(invalid="ignore"):
                over = ~(np.isnan(a) | np.isnan(b)) & (a > b * (1 + 1e-9))
            for row in np.flatnonzero(over):
                words = f"{small} ({a[row]:g}) exceed {large} ({b[row]:g})"
                problems.setdefault(int(row), []).append((code, words))
        lines = shaped.lines[read]
        for row, earlier in self._repeats(read):
            words = f"repeats line {lines[earlier]} exactly"
            problems.setdefault(int(row), []).append(("duplicate", words))
        return dict(sorted(problems.items()))

    def _repeats(self, read: np.ndarray) -> list[tuple[int, int]]:
        """(row, earlier row) among the rows `read` for each that repeats an earlier one exactly:
        every cell the same, told by the cells' codes (the same code is the same text)."""
        key = np.zeros(len(read), dtype=np.int64)
        for i in self.cells.columns:
            codes, cells = self.cells.column(i)
            # codes in order of first appearance keep the key below the number of rows
            key = pd.factorize(key * len(cells) + codes[read])[0]
        _, first = np.unique(key, return_index=True)
        earliest = first[key]
        return [(int(r), int(earliest[r])) for r in np.flatnonzero(earliest != np.arange(len(key)))]

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
            "view_through_kept": self.view_through_kept,
            "bad_encoding_lines": len(t.bad_lines),
            "repaired_shifted": self.repaired_shifted,
            "missing_labels": dict(self.missing_labels),
            "first_date": dates.min().date().isoformat() if len(frame) else None,
            "last_date": _last_day(frame) if len(frame) else None,
            "period_rows": int((frame["days"] > 1).sum()) if len(frame) else 0,
        }


def _constant(day: np.datetime64, rows: int) -> ColumnReading:
    """The same day for every row (--period), as a reading of no cell."""
    return ColumnReading(np.zeros(rows, dtype=np.int64), [CellReading(day)])


def _last_day(frame) -> str:
    ends = frame["date"] + pd.to_timedelta(frame["days"] - 1, unit="D")
    return ends.max().date().isoformat()


def _mostly_bad_dates(reasons: dict[str, int]) -> bool:
    """Whether the dates are what sank the file (totals and short rows may be rejected too)."""
    return bool(reasons) and max(reasons, key=reasons.get) == "bad_date"


def _column(records: list[list[str]], i: int, shortest: int, missing: str) -> list[str]:
    """The i-th cell of every row (`shortest`: the fewest cells a row has); rows too short for
    it give `missing`."""
    if shortest > i:
        return list(map(operator.itemgetter(i), records))
    return [fields[i] if len(fields) > i else missing for fields in records]


def _view_through(values: dict[str, np.ndarray]) -> np.ndarray:
    """The rows with more conversions than clicks (view-through conversions counted too)."""
    with np.errstate(invalid="ignore"):
        return values["conversions"] > values["clicks"] * (1 + 1e-9)


def _repeated(value: str, count: int) -> np.ndarray:
    """`value` `count` times, as one string object (numpy's `full` makes a copy of it each)."""
    out = np.empty(count, dtype=object)
    out.fill(value)
    return out


def _joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
