"""Finding a file's shifted rows among the rows it has read (`shifted.py` holds the rule).

The file's columns are learnt from a sample of the rows that look whole (read without a
problem, as many cells as the header, the usual number filled). The rows tested are the
suspects: rows with a problem, rows of another width, and rows with a cell that does not fit its
column (told per distinct cell, in columns of few distinct cells: the labels, IDs and ages).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from smmsim.calibration.cells import NumberStyle
from smmsim.calibration.distinct import DistinctCells
from smmsim.calibration.shifted import (
    EMPTY,
    MAX_SHIFT,
    Profiles,
    describe,
    find_shifts,
    kind_table,
    learn_profiles,
    source_position,
)

SAMPLE_ROWS = 5_000  # rows read to learn the columns: enough for a 1% kind to show
MIN_REFERENCE = 20  # fewer whole-looking rows than this: no profile to judge by
FEW_DISTINCT = 20_000  # columns with at most this many distinct cells are checked on every row
BATCH_ROWS = 100_000  # suspect rows judged at a time (their cells held as a matrix)
Column = tuple[np.ndarray, list[str]]  # codes of the rows, distinct cells


@dataclass(frozen=True)
class ShiftedRows:
    """The shifted rows (index among the file's rows), the words of each one's reason, which
    can be repaired, and the cells of those put back under the header (repairable x width)."""

    rows: np.ndarray
    words: list[str]
    repairable: np.ndarray
    repaired: np.ndarray


NONE = ShiftedRows(
    np.zeros(0, dtype=np.intp), [], np.zeros(0, dtype=bool), np.zeros((0, 0), dtype=object)
)  # no row shifted (nothing to judge by, or nothing suspect)


def find_shifted_rows(
    cells: DistinctCells,
    header: Sequence[str],
    style: NumberStyle,
    suspect: np.ndarray,
    odd: Mapping[int, list[str]],
    fields: Mapping[int, str],
) -> ShiftedRows:
    """The shifted rows among the rows gathered in `cells`: `suspect` marks the rows already
    known to look wrong, `odd` gives the original cells of rows of another width than the
    header (by row), `fields` the columns mapped to a field (their cells must be certain for
    a repair, and none may be missing)."""
    width = len(header)
    columns = [cells.column(i) for i in range(width)]
    sample = _sample(np.flatnonzero(~suspect))
    if len(sample) < MIN_REFERENCE:
        return NONE
    kinds, sizes = _kinds(_texts(columns, sample, {}), style)
    filled = np.where(kinds[:, :width] != EMPTY, np.arange(1, width + 1), 0).max(axis=1)
    reference = filled == np.bincount(filled).argmax()  # the usual number of filled cells
    profiles = learn_profiles(kinds[reference, :width], sizes[reference, :width])
    rows = np.flatnonzero(suspect | _misfitting(columns, style, profiles, len(suspect)))
    judge = Judge(columns, style, profiles, header, fields, odd)
    parts = [judge(rows[at : at + BATCH_ROWS]) for at in range(0, len(rows), BATCH_ROWS)]
    if not parts:
        return NONE
    return ShiftedRows(
        np.concatenate([p.rows for p in parts]),
        [w for p in parts for w in p.words],
        np.concatenate([p.repairable for p in parts]),
        np.concatenate([p.repaired for p in parts]),
    )


@dataclass(frozen=True)
class Judge:
    """Finds the shifted rows among a batch of suspect rows (at most BATCH_ROWS: their cells
    are held as a matrix)."""

    columns: Sequence[Column]
    style: NumberStyle
    profiles: Profiles
    header: Sequence[str]
    fields: Mapping[int, str]
    odd: Mapping[int, list[str]]

    def __call__(self, rows: np.ndarray) -> ShiftedRows:
        width = len(self.header)
        texts = _texts(self.columns, rows, self.odd)
        kinds, sizes = _kinds(texts, self.style)
        is_odd = np.fromiter((r in self.odd for r in rows.tolist()), dtype=bool, count=len(rows))
        shifts = find_shifts(kinds, sizes, self.profiles, width, is_odd)
        texts = texts[shifts.rows]
        words: list[str] = [""] * len(shifts.rows)
        repair = np.zeros(len(shifts.rows), dtype=bool)
        cells = np.empty((len(shifts.rows), width), dtype=object)
        for group, fitting in enumerate(shifts.fitting):
            members = np.flatnonzero(shifts.group == group)
            (k, s), offsets = fitting[0], shifts.offsets(group)
            # certain: one offset, and every place of the gap it allows gives the same cells
            certain = _same_mapped(texts[members], fitting, self.fields) & (len(offsets) == 1)
            lost = [f for c, f in self.fields.items() if source_position(k, s, c) < 0]
            sure = describe(k, s, offsets, True, self.header)
            if lost:
                sure += f"; not repaired: {', '.join(lost)} among the missing cells"
            unsure = describe(k, s, offsets, False, self.header)
            for member, known in zip(members.tolist(), certain.tolist(), strict=True):
                words[member] = sure if known else unsure
            if not lost:
                fixed = members[certain]
                repair[fixed] = True
                for column in range(width):
                    at = source_position(k, s, column)
                    cells[fixed, column] = texts[fixed, at] if at >= 0 else ""
        return ShiftedRows(rows[shifts.rows], words, repair, cells[repair])


def _sample(rows: np.ndarray) -> np.ndarray:
    if len(rows) <= SAMPLE_ROWS:
        return rows
    return rows[np.linspace(0, len(rows) - 1, SAMPLE_ROWS).astype(np.intp)]


def _texts(columns: Sequence[Column], rows: np.ndarray, odd: Mapping[int, list[str]]):
    """The rows' cells (rows x width + MAX_SHIFT, "" past a row's end); rows in `odd` from
    their original cells."""
    width = len(columns)
    out = np.full((len(rows), width + MAX_SHIFT), "", dtype=object)
    for i, (codes, texts) in enumerate(columns):
        distinct = np.unique(codes[rows])
        table = np.empty(int(distinct.max(initial=-1)) + 1, dtype=object)
        table[distinct] = [texts[d] for d in distinct]
        out[:, i] = table[codes[rows]]
    for at, row in enumerate(rows.tolist()):
        if row in odd:
            original = odd[row][: width + MAX_SHIFT]
            out[at] = ""
            out[at, : len(original)] = original
    return out


def _kinds(texts: np.ndarray, style: NumberStyle) -> tuple[np.ndarray, np.ndarray]:
    """(kinds, sizes) of a matrix of cells, each distinct cell judged once."""
    codes, distinct = pd.factorize(texts.ravel())
    kinds, sizes = kind_table(list(distinct), style)
    return kinds[codes].reshape(texts.shape), sizes[codes].reshape(texts.shape)


def _same_mapped(
    texts: np.ndarray, fitting: list[tuple[int, int]], fields: Mapping[int, str]
) -> np.ndarray:
    """Per row: whether every hypothesis that fits puts the same cell in each mapped column."""
    same = np.ones(len(texts), dtype=bool)
    empty = np.full(len(texts), "", dtype=object)
    for column in fields:
        sources = {source_position(k, s, column) for k, s in fitting}
        cells = [texts[:, at] if at >= 0 else empty for at in sources]
        for other in cells[1:]:
            same &= cells[0] == other
    return same


def _misfitting(
    columns: Sequence[Column], style: NumberStyle, profiles: Profiles, rows: int
) -> np.ndarray:
    """Rows with a non-empty cell that does not fit its column, in the columns of few
    distinct cells (a column of amounts has a distinct cell a row: left to the reading)."""
    out = np.zeros(rows, dtype=bool)
    for i, (codes, texts) in enumerate(columns):
        if len(texts) > FEW_DISTINCT:
            continue
        kinds, sizes = kind_table(texts, style)
        misfit = ~profiles.fits(i, kinds, sizes) & (kinds != EMPTY)
        out |= misfit[codes]
    return out
