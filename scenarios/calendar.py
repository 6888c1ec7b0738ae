"""The campaign calendar: days, weekdays and calendar months."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

# numpy loads on first use: `smmsim validate` of a plan without tactics needs none
if TYPE_CHECKING:
    import numpy as np


def campaign_dates(start: date, days: int) -> list[date]:
    return [start + timedelta(days=d) for d in range(days)]


def campaign_months(start: date, days: int) -> list[str]:
    """Calendar months the campaign touches, as 'YYYY-MM', in order."""
    return sorted({d.strftime("%Y-%m") for d in campaign_dates(start, days)})


def month_index(start: date, days: int) -> np.ndarray:
    """For each campaign day, the 0-based index of its calendar month."""
    import numpy as np

    months = campaign_months(start, days)
    lookup = {m: i for i, m in enumerate(months)}
    return np.array([lookup[d.strftime("%Y-%m")] for d in campaign_dates(start, days)])


def weekday_index(start: date, days: int) -> np.ndarray:
    """For each campaign day, Monday = 0 .. Sunday = 6."""
    import numpy as np

    return np.array([d.weekday() for d in campaign_dates(start, days)])
