"""A table as columns of plain Python values: what a command's CSVs can be written from without
pandas, and what becomes a pandas DataFrame on request.

pandas takes about 0.4 s to import (it loads pyarrow), a fifth of a small run's wall time, and
writing a table as CSV needs none of it. A `Table` holds the rows a DataFrame would hold, and
`to_frame` makes that DataFrame (for a notebook, a workbook or Parquet). Each column has the kind
pandas would infer for its values (`column_kind`), and `table_csv_text` rounds and writes the
cells exactly as `exports.table_csv` does the DataFrame's (pandas' `to_csv`); tests/test_tables.py
checks the two agree.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from smmsim.scenarios.files import csv_cell
from smmsim.scenarios.rounding import round_column, row_kinds

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Table:
    """Named columns of one length, in order; each a list of Python values, None where a value
    is missing (a whole-number column made by rounding holds ints and None)."""

    columns: dict[str, list]

    @classmethod
    def from_rows(cls, rows: Sequence[Mapping[str, Any]]) -> Table:
        """Rows as dicts, as `pandas.DataFrame(rows)` reads them: the columns in the order their
        names first appear, a value a row lacks missing (NaN, as pandas fills it)."""
        names = dict.fromkeys(name for row in rows for name in row)
        return cls({name: [row.get(name, math.nan) for row in rows] for name in names})

    @classmethod
    def from_columns(cls, columns: Mapping[str, Any]) -> Table:
        """Columns as arrays or lists; a scalar fills its column (as a DataFrame broadcasts it)."""
        length = max((len(v) for v in columns.values() if _is_column(v)), default=1)
        return cls({name: _column(value, length) for name, value in columns.items()})

    @classmethod
    def concat(cls, tables: Sequence[Table]) -> Table:
        """The tables' rows one after another (they have the same columns)."""
        names = list(tables[0].columns)
        return cls({name: [v for t in tables for v in t.columns[name]] for name in names})

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()), []))

    def with_column(self, name: str, value: Any, position: int | None = None) -> Table:
        """This table with column `name` (a scalar fills it) at `position` (default: last)."""
        items = [(n, v) for n, v in self.columns.items() if n != name]
        position = len(items) if position is None else position
        items.insert(position, (name, _column(value, len(self))))
        return Table(dict(items))

    def select(self, names: Iterable[str]) -> Table:
        return Table({name: self.columns[name] for name in names})

    def to_frame(self) -> pd.DataFrame:
        """The DataFrame pandas makes of the same values."""
        import pandas as pd

        return pd.DataFrame(self.columns)


def _is_column(value: Any) -> bool:
    return isinstance(value, list | tuple | np.ndarray)


def _column(value: Any, length: int) -> list:
    if isinstance(value, np.ndarray):
        return value.tolist()  # numpy numbers as Python ones, exactly
    if isinstance(value, list | tuple):
        return list(value)
    return [value] * length


def is_missing(value: Any) -> bool:
    """None or NaN: a cell pandas writes as empty."""
    return value is None or (isinstance(value, float) and value != value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _is_number(value: Any) -> bool:
    return _is_int(value) or isinstance(value, float | np.floating)


def column_kind(values: Sequence) -> str:
    """The kind pandas infers for a column of these values: "float" (float64), "int" (int64),
    "bool", or "text" (str, or object for anything mixed). Whole numbers with a missing value
    become floats."""
    present = [v for v in values if not is_missing(v)]
    complete = len(present) == len(values)
    if present and all(isinstance(v, bool | np.bool_) for v in present):
        return "bool" if complete else "text"
    if present and all(_is_int(v) for v in present):
        return "int" if complete else "float"
    if all(_is_number(v) for v in present) and any(isinstance(v, float) for v in values):
        return "float"  # numbers and NaN; an all-None column is text (object)
    return "text"


def table_text(table: Table, kinds: Mapping[str, str], sep: str = ",", decimal: str = ".") -> str:
    """The table as CSV, each column's cells written as pandas' `to_csv` writes a column of its
    kind (`kinds`): floats in their shortest repr with `decimal` for the point, missing cells
    empty, text passed through `csv_cell`, and the column names too."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\n")
    writer.writerow([csv_cell(name) for name in table.columns])
    cells = [_cells(values, kinds[name], decimal) for name, values in table.columns.items()]
    writer.writerows(zip(*cells, strict=True))
    return out.getvalue()


def _cells(values: list, kind: str, decimal: str) -> list[str]:
    if kind == "float":
        return ["" if is_missing(v) else _float_text(float(v), decimal) for v in values]
    if kind == "int":
        return ["" if v is None else str(int(v)) for v in values]
    if kind == "bool":
        return [str(bool(v)) for v in values]
    return ["" if is_missing(v) else csv_cell(v) if isinstance(v, str) else str(v) for v in values]


def _float_text(value: float, decimal: str) -> str:
    text = repr(value)
    return text if decimal == "." or not math.isfinite(value) else text.replace(".", decimal)


def rounded(table: Table) -> tuple[Table, dict[str, str]]:
    """The table with its numbers rounded as `rounding.round_frame` rounds a DataFrame's, and
    each column's kind after it (a column of counts that came out whole is "int")."""
    kinds = {name: column_kind(values) for name, values in table.columns.items()}
    rows = row_kinds(table.columns, list(table.columns))
    columns = dict(table.columns)
    for name, values in table.columns.items():
        if kinds[name] != "float":
            continue
        numbers = [math.nan if v is None else float(v) for v in values]
        columns[name], whole = round_column(name, numbers, rows)
        if whole:
            columns[name] = [None if v != v else int(v) for v in columns[name]]
            kinds[name] = "int"
    return Table(columns), kinds


def table_csv_text(table: Table, sep: str = ",", decimal: str = ".") -> str:
    """A table as CSV text, rounded by kind (what `exports.table_csv` writes for a DataFrame)."""
    rounded_table, kinds = rounded(table)
    return table_text(rounded_table, kinds, sep, decimal)
