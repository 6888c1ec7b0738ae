"""Numbers rounded to their meaning in the files people open (CSVs, the workbook): one table of
kinds, each with its rule, and the names that say which kind a column or a metric is.

JSON and Parquet keep full precision; this is only for the human-facing tables, where
`19999.99793965585` reads as noise and a spreadsheet in a decimal-comma locale misreads it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """Round to `decimals` places, or to `significant` digits when that is set."""

    decimals: int | None = None
    significant: int | None = None

    def apply(self, value: float) -> float:
        if not math.isfinite(value) or value == 0:
            return value
        places = self.decimals
        if self.significant is not None:
            places = self.significant - 1 - math.floor(math.log10(abs(value)))
        try:
            return round(value, places)
        except OverflowError:  # rounded up past the largest double (1.8e308): kept as it is
            return value

    def bound(self, value: float) -> float:
        """The most rounding can move `value`: half a unit in its last kept place."""
        if self.significant is not None and value != 0 and math.isfinite(value):
            places = self.significant - 1 - math.floor(math.log10(abs(value)))
            return 0.5 * 10.0**-places
        return 0.5 * 10.0 ** -(self.decimals or 0)


# The one rounding table. Counts keep 2 decimals because most are means over replications
# (1.03 conversions a day, where a whole number would read 1); a column of counts that come out
# whole after rounding (a line number, a per-run quantile) is written as whole numbers.
RULES: dict[str, Rule] = {
    "count": Rule(decimals=2),
    "money": Rule(decimals=2),
    "rate": Rule(significant=4),  # rates, shares, ratios: 0.01234, 1.873
    "probability": Rule(decimals=4),
    "value": Rule(significant=6),  # anything not named below: still no float noise
}

# Metric and column names (after the statistic's suffix is taken off) by kind.
KINDS: dict[str, str] = {
    "count": """impressions reach clicks joins conversions units members direct_conversions
        member_conversions referral_conversions recommendations learning_entries learning_days
        backlash_events portals_discussing regret regret_conversions cost_of_test
        cost_of_testing cut_by_stop_loss dropped extended kept truly_best test_days line
        number observed people arm-days count""",
    "money": """spend revenue cpa cpc cpm cost_per_join repair_cost repair_spend test_budget
        test_spend planned_budget budget unspent min_spend max_spend""",
    "rate": """ctr reach_share frequency roas share positive_share third_party_share
        negative_share regret_share_of_oracle intensity ratio keep_q test_share
        detectable_cpa_gap""",
    "probability": """correct_selection kept_best chosen_within_margin test_extended p_met_plan
        p_met_now risk probability probability_better""",
}
KIND_OF = {name: kind for kind, names in KINDS.items() for name in names.split()}

# A statistic's suffix or prefix on a column name: `cpa_p95`, `spend_ci_low`, `plan_p50`.
_STAT = re.compile(r"_(mean|p\d+|ci_low|ci_high|low|high|sd)$")
# The columns of a long table that hold the figures of the row's metric.
STAT_COLUMNS = frozenset(
    [
        "mean",
        "p5",
        "p10",
        "p50",
        "p90",
        "p95",
        "ci_low",
        "ci_high",
        "actual",
        "plan_p10",
        "plan_p50",
        "plan_p90",
        "observed",
    ]
)
# A long table names each row's metric in one of these columns (and maybe its unit).
METRIC_COLUMNS = ("metric", "kpi", "measure")


def kind_of(name: str) -> str | None:
    """The kind a column or metric name is, or None. `cpa_p95` is money, `cpa <= 30` (a target)
    is money, `share.instagram` (an optimiser parameter) is a rate, `EUR` (a unit) money."""
    text = name.strip().lower()
    text = re.split(r"[\s<>=]", text, maxsplit=1)[0]  # a target: its metric
    text = text.split(".", 1)[0]  # share.instagram, budget.facebook
    text = text.replace(" ", "_")
    for candidate in (text, _STAT.sub("", text)):
        if candidate in KIND_OF:
            return KIND_OF[candidate]
    return None


def row_kind(metric: str | None, unit: str | None) -> str:
    """A long table's row: its metric's kind, else its unit's, else `value`."""
    for name in (metric, unit):
        if isinstance(name, str) and kind_of(name) is not None:
            return kind_of(name)
    return "value"


def round_frame(frame):
    """A copy of `frame` with every float column rounded by its kind; in a long table (one with
    a `metric`, `kpi` or `measure` column) the statistic columns are rounded by each row's
    metric. A column of counts whole after rounding becomes whole numbers (nullable Int64)."""
    import pandas as pd

    rounded = frame.copy()
    rows = row_kinds(frame, list(frame.columns))
    for column in frame.columns:
        if not pd.api.types.is_float_dtype(frame[column]):
            continue
        values, whole = round_column(column, list(frame[column]), rows)
        rounded[column] = pd.Series(values, index=frame.index, dtype=float)
        if whole:
            rounded[column] = rounded[column].astype("Int64")
    return rounded


def row_kinds(table, columns: list) -> list[str] | None:
    """A long table's kind of each row (by its metric and unit), or None for a wide table;
    `table` is anything with columns by name (a DataFrame, a `Table`'s columns)."""
    metric = next((c for c in METRIC_COLUMNS if c in columns), None)
    if metric is None:
        return None
    units = table["unit"] if "unit" in columns else [None] * len(table[metric])
    return [row_kind(m, u) for m, u in zip(table[metric], units, strict=True)]


def round_column(column, values: list, rows: list[str] | None) -> tuple[list[float], bool]:
    """A float column's values rounded by kind (each row's, for a long table's statistic
    columns), and whether it is a column of counts that all came out whole."""
    if rows is not None and column in STAT_COLUMNS:
        kinds = rows
    else:
        kinds = [kind_of(str(column)) or "value"] * len(values)
    rounded = [RULES[k].apply(v) for k, v in zip(kinds, values, strict=True)]
    return rounded, set(kinds) == {"count"} and _all_whole(rounded)


# Whole numbers are written as such only within a 64-bit integer (a nullable Int64 column).
LARGEST_WHOLE = 2.0**63


def _all_whole(values: list[float]) -> bool:
    present = [v for v in values if v == v]  # NaN is missing
    return len(present) > 0 and all(
        float(v).is_integer() and abs(v) < LARGEST_WHOLE for v in present
    )
