"""When every row of a file fails on its date: the --map (and --year) that would read it.

A file whose date is split into a month column ("April") and a day column ("19") is otherwise
read as a date column holding "19", and every row is rejected as `bad_date`; the columns' own
cells tell which is which.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from smmsim.calibration.cells import month_number

MAX_DISTINCT = 200  # a month, day or year column has a few dozen distinct cells at most


def suggest_date_mapping(
    header: tuple[str, ...],
    cells_of: Callable[[int], list[str]],
    year_given: bool,
    counts: Collection[int] = (),
) -> str | None:
    """The options that would read the dates (`cells_of(i)`: column i's distinct cells), or None
    when no columns look like a month and a day; `counts`: columns read as numbers (clicks can
    be 1 to 31 too)."""
    kinds = {i: _kind(cells_of(i)) for i in range(len(header)) if i not in counts}
    month = _pick(header, kinds, "month")
    day = _pick(header, kinds, "day", exclude={month})
    if month is None or day is None:
        return None
    options = [f"--map {_quoted(header[month])}=month", f"--map {_quoted(header[day])}=day"]
    year = _pick(header, kinds, "year", exclude={month, day})
    if year is not None:
        options.append(f"--map {_quoted(header[year])}=year")
    elif not year_given:
        options.append("--year YEAR (no column holds the year)")
    return (
        f"the dates look split: {header[month]!r} holds months, {header[day]!r} days; "
        f"try {' '.join(options)}"
    )


def no_year_hint(details: list[str]) -> str | None:
    """A hint for a date column whose dates have no year ("Oct 11") and no --year given."""
    if details and all("has no year" in d for d in details):
        return "the dates have no year; give it with --year YEAR"
    return None


def _kind(cells: list[str]) -> set[str]:
    """What a column's distinct cells could be: 'month', 'day', 'year' (empty: none of them)."""
    values = [c.strip() for c in cells if c.strip()]
    if not values or len(values) > MAX_DISTINCT:
        return set()
    if all(month_number(v) for v in values):
        return {"month"}
    if not all(v.isdigit() for v in values):
        return set()
    numbers = [int(v) for v in values]
    kinds = set()
    if all(1 <= n <= 12 for n in numbers):
        kinds.add("month")
    if all(1 <= n <= 31 for n in numbers):
        kinds.add("day")
    if all(1990 <= n <= 2100 and len(v) == 4 for n, v in zip(numbers, values, strict=True)):
        kinds.add("year")
    return kinds


def _pick(
    header: tuple[str, ...],
    kinds: dict[int, set[str]],
    kind: str,
    exclude: set | None = None,
) -> int | None:
    """The column that can be `kind`: one whose header names it, then one that can be nothing
    else (month names), then the first that fits."""
    fits = [i for i, k in kinds.items() if kind in k and i not in (exclude or set())]
    named = [i for i in fits if kind in header[i].casefold()]
    only = [i for i in fits if kinds[i] == {kind}]
    for group in (named, only, fits):
        if group:
            return group[0]
    return None


def _quoted(column: str) -> str:
    return f"'{column}'" if not column.replace("_", "").isalnum() else column
