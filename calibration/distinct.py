"""Reading cells column by column, each distinct cell once.

A large export repeats the same few thousand cell texts (counts, dates, campaign names) across
a million rows. A file's columns are kept as codes into their distinct texts (`DistinctCells`),
and a column is read by reading each distinct text once, with the same per-cell rules as a
row-by-row reading, and spreading the results back over the rows (`read_distinct`): the outcome
per row is the same, at the cost of the distinct cells only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

import numpy as np
import pandas as pd

from smmsim.calibration.cells import CellError, NumberStyle, parse_number
from smmsim.calibration.plausible import date_problems, number_problems

# Empty cells in these mean "not measured" (reach is not in every breakdown); elsewhere the row
# cannot be used, since a blank spend or click count is no number at all.
OPTIONAL_NUMBERS = ("reach", "frequency", "joins", "revenue")
NO_PROBLEMS: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CellReading:
    """What one cell says: its value and every (reason code, words) that makes its row unusable."""

    value: object
    problems: tuple[tuple[str, str], ...] = NO_PROBLEMS
    placeholder: bool = False  # a "--" read as 0
    missing: bool = False  # a blank or '#N/A' label, read as '(missing)'


@dataclass(frozen=True)
class ColumnReading:
    """A column read distinct cell by distinct cell: row r's reading is `readings[codes[r]]`."""

    codes: np.ndarray
    readings: list[CellReading]

    def values(self, dtype=object) -> np.ndarray:
        table = np.empty(len(self.readings), dtype=dtype)
        table[:] = [r.value for r in self.readings]
        return table[self.codes]

    def flags(self, test: Callable[[CellReading], bool]) -> np.ndarray:
        return np.array([test(r) for r in self.readings], dtype=bool)[self.codes]

    def problems_of(self, row: int) -> tuple[tuple[str, str], ...]:
        return self.readings[self.codes[row]].problems


class DistinctCells:
    """Some columns of a file's rows, gathered chunk by chunk as one code per row into each
    column's distinct texts: a million rows of a few thousand distinct cells take 4 bytes a
    cell, not a string each."""

    def __init__(self, columns: Iterable[int]):
        self.columns = tuple(dict.fromkeys(columns))
        self.ids: dict[int, dict[str, int]] = {i: {} for i in self.columns}
        self.parts: dict[int, list[np.ndarray]] = {i: [] for i in self.columns}

    def add(self, rows: list[list[str]]) -> None:
        """Gather the next rows (each at least as wide as the widest column)."""
        self.add_columns(
            {
                i: np.fromiter(map(itemgetter(i), rows), dtype=object, count=len(rows))
                for i in self.columns
            }
        )

    def add_columns(self, columns: Mapping[int, np.ndarray] | Sequence[np.ndarray]) -> None:
        """Gather the next rows, given as columns (by column number)."""
        for i in self.columns:
            codes, uniques = pd.factorize(columns[i])
            ids = self.ids[i]
            to_id = np.array([ids.setdefault(u, len(ids)) for u in uniques], dtype=np.int32)
            self.parts[i].append(to_id[codes])

    def column(self, i: int) -> tuple[np.ndarray, list[str]]:
        """(code of each row gathered, the distinct cells) of column i."""
        parts = self.parts[i]
        if len(parts) != 1:
            parts[:] = [np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)]
        return parts[0], list(self.ids[i])

    def replace(self, i: int, rows: np.ndarray, cells: np.ndarray) -> None:
        """Rows `rows` of column i now hold `cells` (rows put back under their header)."""
        codes, _ = self.column(i)
        local, uniques = pd.factorize(cells)
        ids = self.ids[i]
        to_id = np.array([ids.setdefault(u, len(ids)) for u in uniques], dtype=np.int32)
        codes[rows] = to_id[local]

    def counts(self, i: int) -> dict[str, int]:
        """How often each distinct cell of column i occurs."""
        codes, cells = self.column(i)
        return dict(zip(cells, np.bincount(codes, minlength=len(cells)).tolist(), strict=True))


def read_distinct(
    columns: Sequence[tuple[np.ndarray, list[str]]], read: Callable[..., CellReading]
) -> ColumnReading:
    """`read(*cells)` once per distinct combination of the rows' cells in `columns` (each a
    `DistinctCells.column`), spread over the rows."""
    if len(columns) == 1:
        codes, cells = columns[0]
        return ColumnReading(codes, [read(c) for c in cells])
    combined = np.zeros(len(columns[0][0]), dtype=np.int64)
    for codes, cells in columns:
        combined = combined * max(len(cells), 1) + codes
    codes, distinct = pd.factorize(combined)
    readings = []
    for value in distinct.tolist():
        key = []
        for _, cells in reversed(columns):
            value, at = divmod(value, max(len(cells), 1))
            key.append(cells[at])
        readings.append(read(*reversed(key)))
    return ColumnReading(codes, readings)


def number_reader(name: str, style: NumberStyle) -> Callable[[str], CellReading]:
    """How a cell of numeric field `name` reads: its value, or why its row is unusable."""

    def read(cell: str) -> CellReading:
        try:
            number = parse_number(cell, style)
        except CellError as exc:
            if cell.strip().endswith("%") and name != "frequency":  # "1,5%" in a decimal-point file
                return CellReading(np.nan, (_percent(name, cell),))
            return CellReading(np.nan, (("non_numeric", f"{name}: {exc}"),))
        if number.value is None:
            empty = (("empty_value", f"{name} is empty"),) if name not in OPTIONAL_NUMBERS else ()
            return CellReading(np.nan, empty)
        problems = []
        if number.percent and name != "frequency":
            problems.append(_percent(name, cell))
        if number.value < 0:
            problems.append(("negative", f"{name} is negative ({cell.strip()})"))
        if not number.percent:  # a percentage is already its reason; 1.5% would read as 0.015
            problems.extend(number_problems(name, number.value, cell))
        return CellReading(number.value, tuple(problems), number.placeholder)

    return read


def _percent(name: str, cell: str) -> tuple[str, str]:
    return "percent_count", f"{name}: {cell.strip()!r} is a percentage, not an amount"


def date_reading(read_date: Callable[..., date]) -> Callable[..., CellReading]:
    """A date reader (from one cell, or from year/month/day cells) as a cell reading."""

    def read(*cells: str) -> CellReading:
        try:
            day = read_date(*cells)
        except CellError as exc:
            return CellReading(np.datetime64("NaT", "D"), (("bad_date", f"date: {exc}"),))
        return CellReading(np.datetime64(day, "D"), date_problems(day))

    return read
