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
    realigned,
    source_position,
)

SAMPLE_ROWS = 5_000  # rows read to learn the columns: enough for a 1% kind to show
MIN_REFERENCE = 20  # fewer whole-looking rows than this: no profile to judge by
FEW_DISTINCT = 20_000  # columns with at most this many distinct cells are checked on every row
Column = tuple[np.ndarray, list[str]]  # codes of the rows, distinct cells


@dataclass(frozen=True)
class ShiftedRows:
    """The shifted rows (index among the file's rows), the words of each one's reason, and the
    cells put back under the header of those that can be repaired (else None)."""

    rows: np.ndarray
    words: list[str]
    repaired: list[list[str] | None]


NONE = ShiftedRows(np.zeros(0, dtype=np.intp), [], [])


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
    kinds, sizes = _kinds(columns, style, sample, {})
    filled = np.where(kinds[:, :width] != EMPTY, np.arange(1, width + 1), 0).max(axis=1)
    usual = np.bincount(filled).argmax()
    reference = filled == usual
    profiles = learn_profiles(kinds[reference, :width], sizes[reference, :width])
    suspect = suspect | _misfitting(columns, style, profiles, len(suspect))
    rows = np.flatnonzero(suspect)
    if not len(rows):
        return NONE
    kinds, sizes = _kinds(columns, style, rows, odd)
    is_odd = np.fromiter((int(r) in odd for r in rows), dtype=bool, count=len(rows))
    shifts = find_shifts(kinds, sizes, profiles, width, is_odd)
    words, repaired = [], []
    for i, at in enumerate(shifts.rows):
        row_cells = _cells_of(columns, int(rows[at]), odd)
        (k, s), offsets = shifts.fitting[i][0], shifts.offsets(i)
        # certain: one offset, and every place of the gap it allows gives the same mapped cells
        mapped = {
            tuple(realigned(row_cells, k_, s_, width)[c] for c in fields)
            for k_, s_ in shifts.fitting[i]
        }
        certain = len(offsets) == 1 and len(mapped) == 1
        text = describe(k, s, offsets, certain, header)
        lost = [f for c, f in fields.items() if source_position(k, s, c) < 0]
        if certain and lost:
            text += f"; not repaired: {', '.join(lost)} among the missing cells"
        words.append(text)
        fits = certain and not lost
        repaired.append(realigned(row_cells, k, s, width) if fits else None)
    return ShiftedRows(rows[shifts.rows], words, repaired)


def _sample(rows: np.ndarray) -> np.ndarray:
    if len(rows) <= SAMPLE_ROWS:
        return rows
    return rows[np.linspace(0, len(rows) - 1, SAMPLE_ROWS).astype(np.intp)]


def _kinds(
    columns: Sequence[Column], style: NumberStyle, rows: np.ndarray, odd: Mapping[int, list[str]]
) -> tuple[np.ndarray, np.ndarray]:
    """(kinds, sizes) of the rows' cells: rows x (width + MAX_SHIFT) positions, each distinct
    cell of a column judged once; rows in `odd` from their original cells."""
    width = len(columns)
    kinds = np.full((len(rows), width + MAX_SHIFT), EMPTY, dtype=np.intp)
    sizes = np.full(kinds.shape, np.nan)
    for i, (codes, texts) in enumerate(columns):
        distinct, inverse = np.unique(codes[rows], return_inverse=True)
        k, s = kind_table([texts[d] for d in distinct], style)
        kinds[:, i], sizes[:, i] = k[inverse], s[inverse]
    for at, row in enumerate(rows.tolist()):
        if row in odd:
            original = odd[row][: width + MAX_SHIFT]
            k, s = kind_table(original, style)
            kinds[at], sizes[at] = EMPTY, np.nan
            kinds[at, : len(original)], sizes[at, : len(original)] = k, s
    return kinds, sizes


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


def _cells_of(columns: Sequence[Column], row: int, odd: Mapping[int, list[str]]) -> list[str]:
    if row in odd:
        return odd[row]
    return [texts[codes[row]] for codes, texts in columns]
