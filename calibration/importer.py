"""Import ad-platform exports into the canonical daily frame, keeping every row accounted for.

Each data row is either used or rejected with its line number and every reason that applies; the
import summary counts both, so `rows_read == rows_used + rows_rejected` for every file. Rows are
checked one by one because the reasons are per row; at export sizes (tens of thousands of rows)
that costs well under a second.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from smmsim.calibration.cells import (
    CellError,
    DateStyle,
    NumberStyle,
    detect_date_style,
    detect_number_style,
    month_number,
    parse_date,
    parse_number,
)
from smmsim.calibration.columns import NUMERIC_FIELDS, ColumnPlan, plan_columns
from smmsim.calibration.layouts import layout_named
from smmsim.calibration.reading import ExportFileError, RawRow, RawTable, read_table

# A total label stands alone or before a colon ("Total", "Итого:", "Total: Account"), so that a
# campaign called "Total Recall promo" is still a campaign.
TOTAL_ROW = re.compile(
    r"^\s*(total|totals|grand total|sum|итого|итог|всего|общо|усього|разом|gesamt|"
    r"gesamtergebnis|summe|insgesamt|total general|totaal|totale|razem|celkem)\s*(:.*)?$",
    re.IGNORECASE,
)
MISSING_LABELS = frozenset({"", "#n/a", "n/a", "na", "(not set)", "--", "-", "null", "none"})
MISSING_LABEL = "(missing)"
# Empty cells in these mean "not measured" (reach is not in every breakdown); elsewhere the row
# cannot be used, since a blank spend or click count is no number at all.
OPTIONAL_NUMBERS = ("reach", "frequency", "joins", "revenue")
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
class FileImport:
    rows: list[dict]  # canonical records of the rows used
    rejected: list[Rejection]
    summary: dict


class RowProblems:
    """The reasons one row cannot be used, collected so that all of them are reported."""

    def __init__(self) -> None:
        self.codes: list[str] = []
        self.words: list[str] = []

    def add(self, code: str, words: str) -> None:
        self.codes.append(code)
        self.words.append(words)

    def __bool__(self) -> bool:
        return bool(self.codes)


def import_file(path: Path, options: ImportOptions) -> FileImport:
    table = read_table(path)
    plan = plan_columns(table, options.fmt, options.mapping)
    reader = RowReader(table, plan, options)
    rows, rejected = [], []
    for raw in table.rows:
        record, problems = reader.read(raw)
        if problems:
            rejected.append(
                Rejection(
                    str(path),
                    raw.line,
                    tuple(problems.codes),
                    "; ".join(problems.words),
                    table.separator.join(raw.fields),
                )
            )
        else:
            record["raw"] = table.separator.join(raw.fields)  # for a repeat found across files
            rows.append(record)
    return FileImport(rows, rejected, reader.summary(rows, rejected))


class RowReader:
    """Turns raw rows of one file into canonical records, under the file's conventions."""

    def __init__(self, table: RawTable, plan: ColumnPlan, options: ImportOptions):
        self.table, self.plan, self.options = table, plan, options
        self.index = plan.field_columns(table.header)
        self.dims = {d: table.header.index(c) for d, c in plan.dimensions.items()}
        self.numbers = self._number_style()
        self.dates = self._date_style()
        self.placeholders = 0
        self.missing_labels: Counter[str] = Counter()
        self.seen: dict[tuple, int] = {}
        if "date" not in self.index and "year" not in self.index and options.year is None:
            raise ExportFileError(
                f"{table.path}: the dates have no year (columns "
                f"{', '.join(plan.fields[p] for p in ('month', 'day'))}); give it with --year"
            )

    def _cells(self, fields: tuple[str, ...]) -> list[str]:
        cols = [self.index[f] for f in fields if f in self.index]
        return [r.fields[i] for r in self.table.rows for i in cols if i < len(r.fields)]

    def _number_style(self) -> NumberStyle:
        return detect_number_style(self._cells(NUMERIC_FIELDS), self.table.separator)

    def _date_style(self) -> DateStyle:
        if self.options.date_order != "auto":
            return DateStyle(self.options.date_order, f"{self.options.date_order}: --date-order")
        tie = layout_named(self.plan.layout).date_order
        return detect_date_style(self._cells(("date",)), tie)

    def read(self, raw: RawRow) -> tuple[dict | None, RowProblems]:
        placeholders = self.placeholders
        record, problems = self._read(raw)
        if problems:  # only the "--" cells of rows used are zeros in the data
            self.placeholders = placeholders
        return record, problems

    def _read(self, raw: RawRow) -> tuple[dict | None, RowProblems]:
        problems = RowProblems()
        width = len(self.table.header)
        if self._is_total(raw):  # before the width: a summary line is often shorter ("Итого: 5")
            problems.add("total_row", "a total or summary row, not one day's data")
            return None, problems
        if len(raw.fields) > width and not any(c.strip() for c in raw.fields[width:]):
            # A separator at the end of the line (Excel writes them) adds only empty cells.
            raw = RawRow(raw.line, raw.fields[:width])
        if len(raw.fields) != width:
            problems.add(
                "wrong_field_count",
                f"has {len(raw.fields)} fields, the header has {width}"
                + (" (columns shifted against the header)" if raw.fields else ""),
            )
            return None, problems
        record = {"source": self.table.path, "line": raw.line}
        record["date"] = self._date(raw, problems)
        for name in NUMERIC_FIELDS:
            record[name] = self._number(raw, name, problems)
        if problems:
            return None, problems
        self._fill_text(raw, record)
        self._check_chains(record, problems)
        self._check_duplicate(raw, record, problems)
        return (None if problems else record), problems

    def _is_total(self, raw: RawRow) -> bool:
        text_columns = [self.index[f] for f in ("date", "platform", "campaign") if f in self.index]
        text_columns += [0, *self.dims.values()]  # the label may stand in the first column
        return any(TOTAL_ROW.match(raw.fields[i]) for i in text_columns if i < len(raw.fields))

    def _date(self, raw: RawRow, problems: RowProblems) -> date | None:
        try:
            if "date" in self.index:
                return parse_date(raw.fields[self.index["date"]], self.dates)
            return self._date_from_parts(raw)
        except CellError as exc:
            problems.add("bad_date", f"date: {exc}")
            return None

    def _date_from_parts(self, raw: RawRow) -> date:
        parts = {
            p: raw.fields[self.index[p]].strip()
            for p in ("year", "month", "day")
            if p in self.index
        }
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

    def _number(self, raw: RawRow, name: str, problems: RowProblems) -> float:
        if name not in self.index:
            return np.nan
        cell = raw.fields[self.index[name]]
        try:
            number = parse_number(cell, self.numbers)
        except CellError as exc:
            if cell.strip().endswith("%") and name != "frequency":  # "1,5%" in a decimal-point file
                problems.add(
                    "percent_count", f"{name}: {cell.strip()!r} is a percentage, not an amount"
                )
            else:
                problems.add("non_numeric", f"{name}: {exc}")
            return np.nan
        if number.value is None:
            if name not in OPTIONAL_NUMBERS:
                problems.add("empty_value", f"{name} is empty")
            return np.nan
        if number.percent and name != "frequency":
            problems.add(
                "percent_count", f"{name}: {cell.strip()!r} is a percentage, not an amount"
            )
        if number.value < 0:
            problems.add("negative", f"{name} is negative ({cell.strip()})")
        self.placeholders += number.placeholder
        return number.value

    def _fill_text(self, raw: RawRow, record: dict) -> None:
        o = self.options
        platform = self._text(raw, "platform") or o.platform or self.plan.default_platform
        record["platform"] = (platform or Path(self.table.path).stem).strip().lower()
        # Without a tool column every row is paid ads; with one, a blank cell is unlabelled, not
        # silently merged into the rows that say paid_ads.
        record["tool"] = self._label(raw, "tool") if "tool" in self.index else "paid_ads"
        record["campaign"] = self._label(raw, "campaign")
        record["currency"] = self._text(raw, "currency") or ""
        for name, i in self.dims.items():
            value = raw.fields[i].strip()
            if value.casefold() in MISSING_LABELS:
                self.missing_labels[name] += 1
                value = MISSING_LABEL
            record[name] = value
        if np.isnan(record["reach"]) and record["frequency"] > 0:
            record["reach"] = record["impressions"] / record["frequency"]

    def _label(self, raw: RawRow, name: str) -> str:
        """A grouping label; a blank or '#N/A' cell is '(missing)', and counted."""
        value = self._text(raw, name)
        if value:
            return value
        if name in self.index:
            self.missing_labels[name] += 1
        return MISSING_LABEL

    def _text(self, raw: RawRow, name: str) -> str:
        if name not in self.index:
            return ""
        value = raw.fields[self.index[name]].strip()
        return "" if value.casefold() in MISSING_LABELS else value

    def _check_chains(self, record: dict, problems: RowProblems) -> None:
        for small, large, code in CHAINS:
            a, b = record[small], record[large]
            if not (np.isnan(a) or np.isnan(b)) and a > b * (1 + 1e-9):
                problems.add(code, f"{small} ({a:g}) exceed {large} ({b:g})")

    def _check_duplicate(self, raw: RawRow, record: dict, problems: RowProblems) -> None:
        key = tuple(raw.fields)
        if key in self.seen:
            problems.add("duplicate", f"repeats line {self.seen[key]} exactly")
        else:
            self.seen[key] = raw.line

    def summary(self, rows: list[dict], rejected: list[Rejection]) -> dict:
        t, p = self.table, self.plan
        reasons = Counter(code for r in rejected for code in dict.fromkeys(r.reasons))
        dates = [r["date"] for r in rows]
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
            "rows_read": len(t.rows),
            "rows_used": len(rows),
            "rows_rejected": len(rejected),
            "rejected_by_reason": dict(reasons.most_common()),
            "placeholders_read_as_zero": self.placeholders,
            "missing_labels": dict(self.missing_labels),
            "first_date": min(dates).isoformat() if dates else None,
            "last_date": max(dates).isoformat() if dates else None,
        }


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
    import pandas as pd

    records, rejected, files = [], [], []
    for path in paths:
        done = import_file(path, options)
        records.extend(done.rows)
        rejected.extend(done.rejected)
        files.append(done.summary)
    records, overlapping = _drop_repeats_across_files(records, rejected, files)
    for record in records:
        del record["raw"]
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=CANONICAL_FRAME)
    for column in CANONICAL_FRAME:
        if column not in frame:
            frame[column] = np.nan
    if len(frame):
        frame["date"] = pd.to_datetime(frame["date"])
    dimension_columns = [c for c in frame.columns if c not in CANONICAL_FRAME]
    # A grouping column one file has and another lacks: the other file's rows are unlabelled.
    frame[dimension_columns] = frame[dimension_columns].fillna(MISSING_LABEL)
    return Imported(frame[[*CANONICAL_FRAME, *dimension_columns]], rejected, files, overlapping)


def _drop_repeats_across_files(records: list[dict], rejected: list, files: list[dict]):
    """Two exports that cover the same days: a row repeated exactly from an earlier file is
    rejected as a duplicate (counting it twice would double its spend); one whose arm and date
    recur with other numbers is kept and counted as overlapping, for the analyst to resolve."""
    first_seen: dict[tuple, dict] = {}
    identity_seen: dict[tuple, str] = {}
    by_file = {f["file"]: f for f in files}
    kept, overlapping = [], 0
    for record in records:
        values = tuple((k, v) for k, v in record.items() if k not in ("source", "line", "raw"))
        identity = tuple((k, v) for k, v in values if k not in NUMERIC_FIELDS)
        earlier = first_seen.get(values)
        if earlier is not None and earlier["source"] != record["source"]:
            rejected.append(
                Rejection(
                    record["source"],
                    record["line"],
                    ("duplicate",),
                    f"repeats {earlier['source']} line {earlier['line']} exactly",
                    record["raw"],
                )
            )
            summary = by_file[record["source"]]
            summary["rows_used"] -= 1
            summary["rows_rejected"] += 1
            reasons = summary["rejected_by_reason"]
            reasons["duplicate"] = reasons.get("duplicate", 0) + 1
            continue
        first_seen.setdefault(values, record)
        if identity_seen.setdefault(identity, record["source"]) != record["source"]:
            overlapping += 1
        kept.append(record)
    return kept, overlapping


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
