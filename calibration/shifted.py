"""Rows whose values sit k columns off their header: found by what each column normally holds.

A row that misses cells (two empty interest cells collapsed by the tool that wrote the file)
has every later value k columns left of its header: an age lands in a campaign-ID column, a
spend (7559.18) in impressions, conversions in clicks. Each column's usual content is learnt
from the rows that look whole (`learn_profiles`): which kinds of cell it holds (empty, whole
number, fraction, date, text) and, for numbers, their scale (powers of ten). A row is shifted
by k when its cells, moved back by k from some column on, fit every column they land in, while
as they stand some cell does not fit its column (`find_shifts`). Only rows that already look
wrong are tested (short or long rows, rows with a problem), all at once as arrays.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from smmsim.calibration.cells import PLACEHOLDERS, CellError, NumberStyle, parse_number

EMPTY, WHOLE, FRACTION, DATE, TEXT = range(5)
KINDS = 5
OFFSETS = (1, 2, 3, -1, -2, -3)  # > 0: values left of their header (cells missing); < 0: right
MAX_SHIFT = 3
# A kind at least this common among a column's whole-looking rows is normal there; rarer ones
# (a stray fraction in a count column) are evidence that a cell does not belong.
COMMON = 0.01
SCALE_MARGIN = 0.5  # powers of ten beyond the range of a column's numbers in the sample
MIN_MOVED = 2  # cells a shift must move for its fit to say anything
PLAIN_WHOLE = re.compile(r"\d{1,15}")
PLAIN_FRACTION = re.compile(r"\d{0,15}\.\d{1,15}")
DATE_LIKE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T].*)?")
MISSING = frozenset({"", "#n/a", "n/a", "na", "null", "none", "(not set)"})


def cell_kind(cell: str, style: NumberStyle) -> tuple[int, float]:
    """(kind, log10 of the number's size, nan if none or zero) of one cell."""
    text = cell.strip()
    if PLAIN_WHOLE.fullmatch(text):  # most cells: read without the general parser
        value = int(text)
        return WHOLE, math.log10(value) if value else math.nan
    if style.decimal == "." and PLAIN_FRACTION.fullmatch(text):
        value = float(text)
        return FRACTION, math.log10(value) if value else math.nan
    if text.casefold() in MISSING or text in PLACEHOLDERS:
        return EMPTY, math.nan
    if DATE_LIKE.fullmatch(text):
        return DATE, math.nan
    try:
        value = parse_number(text, style).value
    except CellError:
        return TEXT, math.nan
    kind = FRACTION if style.decimal in text or text.endswith("%") else WHOLE
    return kind, math.log10(abs(value)) if value else math.nan


@dataclass(frozen=True)
class Profiles:
    """What each of a file's columns normally holds."""

    accepts: np.ndarray  # (columns, KINDS) bool: the kinds normal in each column
    low: np.ndarray  # (columns,) log10 of the smallest normal number (-inf: any)
    high: np.ndarray  # (columns,) log10 of the largest

    def fits(self, column: int, kinds: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """Whether cells of these kinds and sizes fit `column`."""
        fits = self.accepts[column][kinds]
        with np.errstate(invalid="ignore"):
            outside = (sizes < self.low[column]) | (sizes > self.high[column])
        return fits & ~outside  # nan sizes (text, zero) compare False: no scale to judge


def learn_profiles(kinds: np.ndarray, sizes: np.ndarray) -> Profiles:
    """Profiles from the cells (rows x columns) of rows that look whole."""
    rows, columns = kinds.shape
    accepts = np.zeros((columns, KINDS), dtype=bool)
    low, high = np.full(columns, -np.inf), np.full(columns, np.inf)
    for c in range(columns):
        share = np.bincount(kinds[:, c], minlength=KINDS) / max(rows, 1)
        accepts[c] = share >= COMMON
        accepts[c, WHOLE] |= accepts[c, FRACTION]  # an amount can be written without decimals
        numbers = sizes[:, c][~np.isnan(sizes[:, c])]
        if len(numbers) >= 10:
            low[c], high[c] = numbers.min() - SCALE_MARGIN, numbers.max() + SCALE_MARGIN
    return Profiles(accepts, low, high)


@dataclass(frozen=True)
class Shifts:
    """The shifted rows among the candidates (their index there) and, for each, every
    hypothesis (k, s) that fits it: k > 0, values sit k columns left of their header from
    column s + k on; k < 0, -k columns right from column s on."""

    rows: np.ndarray
    group: np.ndarray  # per shifted row: its group of rows that the same hypotheses fit
    fitting: list[list[tuple[int, int]]]  # per group: the leading hypothesis first

    def offsets(self, group: int) -> tuple[int, ...]:
        """The offsets that fit the rows of a group."""
        return tuple(dict.fromkeys(k for k, _ in self.fitting[group]))


def find_shifts(
    kinds: np.ndarray,
    sizes: np.ndarray,
    profiles: Profiles,
    width: int,
    odd: np.ndarray,
) -> Shifts:
    """The shifted rows among candidate rows given as kinds and sizes (rows x width + 3
    positions, EMPTY beyond a row's end).

    A hypothesis (k, s) says the cells from column s on belong k columns further right
    (k > 0: k cells missing at s; k < 0: |k| extra cells at s, dropped). It fits a row when every
    column outside the gap holds a cell that fits it and nothing non-empty is left over beyond
    the header. A row is shifted when a hypothesis that moves at least MIN_MOVED non-empty cells
    fits it (every other that fits is an alternative to it) and the row as it stands has a
    non-empty cell that does not fit, or another number of cells than the header (`odd`)."""
    rows, positions = kinds.shape
    filled = kinds != EMPTY
    bad = {k: _misfits(kinds, sizes, profiles, width, k) for k in (0, *OFFSETS)}
    before = np.concatenate([np.zeros((rows, 1), int), np.cumsum(bad[0], axis=1)], axis=1)
    cells_before = np.concatenate([np.zeros((rows, 1), int), np.cumsum(filled, axis=1)], axis=1)
    fits, moves = [], []
    for k in OFFSETS:
        after = np.cumsum(bad[k][:, ::-1], axis=1)[:, ::-1]  # misfits from column t on
        after = np.concatenate([after, np.zeros((rows, 1), int)], axis=1)
        left_over = cells_before[:, positions] - cells_before[:, width - k]  # cells past the end
        for s in range(width - k + 1 if k > 0 else width):
            resume = s + k if k > 0 else s
            moved_from, moved_to = (s, width - k) if k > 0 else (s - k, width - k)
            moved = cells_before[:, moved_to] - cells_before[:, moved_from]
            score = before[:, s] + after[:, resume] + left_over
            fits.append(score == 0)
            moves.append(moved >= MIN_MOVED)
    fit = np.stack(fits, axis=1)  # rows x hypotheses
    telling = fit & np.stack(moves, axis=1)
    misfit_now = (bad[0] & filled[:, :width]).any(axis=1) | filled[:, width:].any(axis=1)
    shifted = np.flatnonzero(telling.any(axis=1) & (misfit_now | odd))
    hypotheses = [(k, s) for k in OFFSETS for s in range(width - k + 1 if k > 0 else width)]
    # rows that the same hypotheses fit form a group, judged once
    patterns = np.packbits(np.concatenate([fit, telling], axis=1)[shifted], axis=1)
    distinct, group = np.unique(patterns, axis=0, return_inverse=True)
    fitting = []
    for pattern in distinct:
        bits = np.unpackbits(pattern)[: 2 * len(hypotheses)].astype(bool)
        fits_here, leads = bits[: len(hypotheses)], bits[len(hypotheses) :]
        order = np.argsort(~leads, kind="stable")  # the hypotheses that move cells first
        fitting.append([hypotheses[h] for h in order if fits_here[h]])
    return Shifts(shifted, group.reshape(-1), fitting)


def _misfits(
    kinds: np.ndarray, sizes: np.ndarray, profiles: Profiles, width: int, k: int
) -> np.ndarray:
    """rows x width: whether the cell that hypothesis offset k puts in each column misfits it
    (the cell at position column - k); positions off the row count as misfits."""
    rows = kinds.shape[0]
    out = np.ones((rows, width), dtype=bool)
    for column in range(width):
        at = column - k
        if 0 <= at < kinds.shape[1]:
            out[:, column] = ~profiles.fits(column, kinds[:, at], sizes[:, at])
    return out


def source_position(k: int, s: int, column: int) -> int:
    """The position in the row of the cell that belongs in `column` under hypothesis (k, s):
    -1 when it is among the k missing cells."""
    if column < s:
        return column
    if k > 0:
        return -1 if column < s + k else column - k
    return column - k


def realigned(cells: Sequence[str], k: int, s: int, width: int) -> list[str]:
    """The row's cells put back under their header (missing cells empty)."""
    out = []
    for column in range(width):
        at = source_position(k, s, column)
        out.append(cells[at] if 0 <= at < len(cells) else "")
    return out


def kind_table(cells: Sequence[str], style: NumberStyle) -> tuple[np.ndarray, np.ndarray]:
    """(kinds, sizes) of distinct cells, one each."""
    pairs = [cell_kind(c, style) for c in cells]
    kinds = np.fromiter((p[0] for p in pairs), dtype=np.int8, count=len(pairs))
    sizes = np.fromiter((p[1] for p in pairs), dtype=np.float32, count=len(pairs))
    return kinds, sizes


def describe(k: int, s: int, offsets: tuple[int, ...], certain: bool, header: Sequence[str]) -> str:
    """The reason's words: which way and how far the values sit, from which column on."""
    if len(offsets) > 1:
        ways = " or ".join(_way(o) for o in offsets)
        return f"values sit {ways} of their header (more than one shift fits; not repaired)"
    words = f"values sit {_way(k)} of their header"
    if certain and k > 0:
        missing = ", ".join(repr(h) for h in header[s : s + k])
        words += f" from {header[s + k]!r} on (cells missing: {missing})"
    elif certain:
        words += f" from {header[s]!r} on ({-k} extra {'cell' if k == -1 else 'cells'} before it)"
    else:
        words += " (where the cells went missing is unclear; not repaired)"
    return words


def _way(k: int) -> str:
    n = abs(k)
    return f"{n} {'column' if n == 1 else 'columns'} {'left' if k > 0 else 'right'}"
