"""`--period START..END`: the days that every row of a file without dates covers.

A per-ad export for a whole period has no date column: each row is one ad's totals. The analyst
says which days they cover, written as ISO dates or as exports write them ("01.03.2024..31.03.2024",
"3/1/2024..3/31/2024", "Mar 1, 2024..Mar 31, 2024"); a day/month order the two dates cannot
decide is --date-order's, day-first by default.
"""

from __future__ import annotations

from datetime import date

from smmsim.calibration.cells import (
    CellError,
    DateStyle,
    detect_date_style,
    parse_date,
    split_range,
)
from smmsim.calibration.plausible import date_problems
from smmsim.calibration.reading import ExportFileError


def read_period(text: str, date_order: str = "auto", year: int | None = None) -> tuple[date, date]:
    """(first day, last day) of `text`: two dates joined by '..' (or a dash, 'to')."""
    parts = split_range(text)
    if parts is None:
        raise ExportFileError(
            f"--period {text!r}: write the first and last day the rows cover, joined by '..', "
            "e.g. --period 2024-03-01..2024-03-31"
        )
    style = (
        DateStyle(date_order, "--date-order")
        if date_order != "auto"
        else detect_date_style(list(parts))
    )
    try:
        end = parse_date(parts[1], style, year)
        start = parse_date(parts[0], style, end.year)
    except CellError as exc:
        raise ExportFileError(f"--period {text!r}: {exc}") from None
    if end < start:
        raise ExportFileError(f"--period {text!r}: the last day is before the first")
    for day in (start, end):
        for _, words in date_problems(day):
            raise ExportFileError(f"--period {text!r}: {words}")
    return start, end
