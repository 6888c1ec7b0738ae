"""Reading cells column by column, each distinct cell once.

A large export repeats the same few thousand cell texts (counts, dates, campaign names) across
a million rows. Every function here reads a column of a chunk of rows by reading each distinct
text once, with the same per-cell rules as a row-by-row reading, and spreading the results back
over the rows: the outcome per row is the same, at the cost of the distinct cells only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from smmsim.calibration.cells import CellError, NumberStyle, parse_number

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
    """A column of a chunk read cell by cell: index `codes[row]` into `readings`."""

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


def read_distinct(
    columns: Sequence[Sequence[str]], read: Callable[..., CellReading], memo: dict
) -> ColumnReading:
    """`read(*cells)` once per distinct combination of the rows' cells in `columns` (remembered
    in `memo` from chunk to chunk), spread over the rows."""
    codes, keys = _factorize_rows(columns)
    readings = []
    for key in keys:
        found = memo.get(key)
        if found is None:
            found = memo[key] = read(*key)
        readings.append(found)
    return ColumnReading(codes, readings)


def _factorize_rows(columns: Sequence[Sequence[str]]) -> tuple[np.ndarray, list[tuple]]:
    """(code per row, the distinct tuples of cells) over one or more columns."""
    parts = [pd.factorize(np.asarray(c, dtype=object)) for c in columns]
    if len(parts) == 1:
        codes, uniques = parts[0]
        return codes, [(u,) for u in uniques]
    combined = np.zeros(len(parts[0][0]), dtype=np.int64)
    for codes, uniques in parts:
        combined = combined * len(uniques) + codes
    codes, distinct = pd.factorize(combined)
    keys = []
    for value in distinct:
        key = []
        for _, uniques in reversed(parts):
            value, at = divmod(int(value), len(uniques))
            key.append(uniques[at])
        keys.append(tuple(reversed(key)))
    return codes, keys


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
        return CellReading(number.value, tuple(problems), number.placeholder)

    return read


def _percent(name: str, cell: str) -> tuple[str, str]:
    return "percent_count", f"{name}: {cell.strip()!r} is a percentage, not an amount"


def date_reading(read_date: Callable[..., date]) -> Callable[..., CellReading]:
    """A date reader (from one cell, or from year/month/day cells) as a cell reading."""

    def read(*cells: str) -> CellReading:
        try:
            return CellReading(np.datetime64(read_date(*cells), "D"))
        except CellError as exc:
            return CellReading(np.datetime64("NaT", "D"), (("bad_date", f"date: {exc}"),))

    return read
