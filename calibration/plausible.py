"""Values no real ad export holds, told cell by cell so that their row is rejected with a reason.

A cell that reads as a number can still be unusable: `1e308` or a 5000-digit cell reads as a
float that overflows (or already is inf) once the fit sums or multiplies it, a count of 2.5
clicks is no count (often a value shifted in from the spend column), and a date in year 1 or
9999 is a typo or a placeholder. Each such cell gives its row a reason; the row goes to
rejected.csv and the rest of the file is used.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

# One row is one arm's day (or period). No ad account buys 100 billion impressions in a row,
# nor spends 10^12 in any currency (a trillion; covers the currencies of many digits a unit,
# e.g. IDR, VND): a value above is a typo, an overflow or a misread column. The ceilings also
# keep sums over millions of rows far from float overflow (10^6 rows x 10^12 = 10^18).
COUNT_CEILING = 1e11
MONEY_CEILING = 1e12
MONEY_FIELDS = ("spend", "revenue")
# Counts of events are whole numbers; a fraction is a misread or shifted cell.
WHOLE_COUNTS = ("impressions", "reach", "clicks", "joins", "conversions")
# Digital ad exports start well after this; dates beyond a year ahead cannot have happened.
FIRST_DATE = date(2000, 1, 1)
DAYS_AHEAD = 366

Problem = tuple[str, str]


def number_problems(name: str, value: float, cell: str) -> tuple[Problem, ...]:
    """Why the number `value` read from `cell` cannot be field `name`'s value (none if it can)."""
    shown = _shown(cell)
    if not math.isfinite(value):
        return (("not_finite", f"{name}: {shown} is not a finite number"),)
    ceiling = MONEY_CEILING if name in MONEY_FIELDS else COUNT_CEILING
    if abs(value) > ceiling:
        words = f"{name}: {shown} is beyond any plausible ad volume (over {ceiling:.0e} a row)"
        return (("implausible_value", words),)
    if name in WHOLE_COUNTS and value != math.floor(value):
        return (("fractional_count", f"{name}: {shown} is not a whole count"),)
    return ()


def date_problems(day: date, today: date | None = None) -> tuple[Problem, ...]:
    """Why `day` cannot be a day of ad data: before 2000 or more than a year from `today`."""
    last = (today or date.today()) + timedelta(days=DAYS_AHEAD)
    if FIRST_DATE <= day <= last:
        return ()
    words = f"date: {day.isoformat()} is outside {FIRST_DATE.isoformat()}..{last.isoformat()}"
    return (("date_out_of_range", words),)


def _shown(cell: str) -> str:
    """The cell as quoted in a reason: a 5000-digit cell is shortened."""
    text = cell.strip()
    return repr(text) if len(text) <= 40 else f"{text[:20]!r}... ({len(text)} characters)"
