"""`--holdout-after DATE` written as the data writes its dates.

An analyst copies the cut-off from the export itself ("Oct 11", "11.10.2014", "10/11/2014"), so
the date is read with each file's own conventions (its day/month order, the --year for dates
without one), not only as ISO.
"""

from __future__ import annotations

from datetime import date

from smmsim.calibration.cells import CellError, DateStyle, parse_date
from smmsim.calibration.reading import ExportFileError

ISO_STYLE = DateStyle("dmy", "ISO")  # ISO dates read the same whatever the order


def read_holdout_date(text: str, files: list[dict], year: int | None) -> date:
    """The date `text` read in the styles of the imported `files` (their summaries), ISO first;
    an error names every style tried."""
    orders = list(dict.fromkeys(f.get("date_order", "dmy") for f in files)) or ["dmy"]
    if len(orders) > 1:  # files disagree on a/b/yyyy: only unambiguous writings are accepted
        readings = {_read(text, DateStyle(order, ""), year) for order in orders}
        if len(readings) == 1 and None not in readings:
            return readings.pop()
    else:
        found = _read(text, DateStyle(orders[0], ""), year)
        if found is not None:
            return found
    numeric = " or ".join(_numeric_style(o) for o in orders)
    without = f", a month name without a year read with --year {year}" if year else ""
    raise ExportFileError(
        f"--holdout-after {text!r}: not a date in the styles tried (YYYY-MM-DD, {numeric} "
        f"as the data orders them, a month name with a year such as 'Oct 11, 2014' or "
        f"'11 October 2014'{without}); write it as YYYY-MM-DD"
    )


def _read(text: str, style: DateStyle, year: int | None) -> date | None:
    try:
        return parse_date(text, style, year)
    except CellError:
        return None


def _numeric_style(order: str) -> str:
    return "DD.MM.YYYY / DD/MM/YYYY" if order == "dmy" else "MM/DD/YYYY"
