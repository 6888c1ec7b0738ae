"""Which column of a file feeds which canonical field: the layout's guess, then the analyst's
`--map COLUMN=FIELD`, which always wins."""

from __future__ import annotations

import re
from dataclasses import dataclass

from smmsim.calibration.layouts import (
    GENERIC,
    Layout,
    layout_columns,
    layout_named,
    match_layout,
)
from smmsim.calibration.reading import ExportFileError, RawTable
from smmsim.scenarios.columns import CANONICAL_COLUMNS
from smmsim.scenarios.hints import did_you_mean

NUMERIC_FIELDS = ("spend", "impressions", "reach", "frequency", "clicks", "joins", "conversions")
NUMERIC_FIELDS += ("revenue",)
DATE_PARTS = ("year", "month", "day")
# date_end: a row's last day, beside `date` as its first ("Reporting starts" / "Reporting ends")
MAPPABLE = (*CANONICAL_COLUMNS, "date_end", "frequency", "currency", *DATE_PARTS, "ignore")
# Counts an importer cannot do without: impressions -> clicks. Spend is optional: a funnel
# without it calibrates its rates (CTR, CVR) but no price (see `fit.py`).
REQUIRED = ("impressions", "clicks")
# The date column of a pair whose other end is `date_end` names the start ("Reporting starts",
# "Дата начала отчетности", ...); a per-day column ("Day") beside a "Reporting ends" does not.
_START_WORDS = ("start", "begin", "начал", "beginn", "inicio", "début", "debut", "почат", "from")


@dataclass(frozen=True)
class ColumnPlan:
    layout: str  # layout name, or "generic"
    title: str
    default_platform: str
    fields: dict[str, str]  # canonical field (or date part) -> header
    dimensions: dict[str, str]  # dimension name -> header (text columns used for grouping)
    ignored: tuple[str, ...]  # headers that feed nothing (numeric columns smmsim does not model)

    def field_columns(self, header: tuple[str, ...]) -> dict[str, int]:
        return {field: header.index(column) for field, column in self.fields.items()}


def parse_mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    """'Spend [USD]=spend' items -> {column: field}; fields checked against what smmsim knows."""
    mapping = {}
    for pair in pairs:
        column, sep, field = pair.rpartition("=")
        column, field = column.strip(), field.strip().lower()
        if not sep or not column or not field:
            raise ExportFileError(f"--map {pair!r}: write COLUMN=FIELD, e.g. 'Amount spent=spend'")
        if field not in MAPPABLE:
            raise ExportFileError(
                f"--map {pair!r}: unknown field {field!r}{did_you_mean(field, MAPPABLE)}; "
                f"fields are {', '.join(MAPPABLE)}"
            )
        _one_campaign(mapping, column, field)
        mapping[column] = field
    return mapping


def _one_campaign(mapping: dict[str, str], column: str, field: str) -> None:
    """A row has one campaign label: two columns mapped to it would silently keep only one."""
    other = next((c for c, f in mapping.items() if f == "campaign" and c != column), None)
    if field == "campaign" and other is not None:
        names = ",".join(dimension_name(c) for c in (other, column))
        raise ExportFileError(
            f"--map {column}=campaign: {other!r} is already mapped to campaign, and one column "
            f"can be; to group by both, leave them unmapped and use --group-by {names}"
        )


def plan_columns(
    table: RawTable,
    fmt: str,
    mapping: dict[str, str],
    grouping: tuple[str, ...] = (),
    period: bool = False,
) -> ColumnPlan:
    """The layout (detected or named), its columns, then the analyst's mapping on top; a numeric
    column named in `grouping` (--group-by: an ID such as campaign_id) is a dimension too.
    `period`: the analyst gave --period, so the file must not have dates of its own."""
    layout, found = _layout_for(table, fmt)
    fields = {k: v for k, v in found.items() if k in MAPPABLE}
    if "date_end" in fields and not _names_a_start(fields.get("date", "")):
        fields.pop("date_end")
    dimensions = {k: v for k, v in found.items() if k not in MAPPABLE}
    for column, field in mapping.items():
        if column not in table.header:
            raise ExportFileError(
                f"{table.path}: --map {column}={field}: no column {column!r} in the header"
                f"{did_you_mean(column, list(table.header))}"
            )
        fields = {f: c for f, c in fields.items() if c != column and f != field}
        dimensions = {d: c for d, c in dimensions.items() if c != column}
        if field in DATE_PARTS:
            fields.pop("date", None)  # the date is composed from its parts instead
        if field != "ignore":
            fields[field] = column
    _check_complete(table, layout, fields, period)
    used = set(fields.values()) | set(dimensions.values())
    ignored = [c for c in table.header if c not in used and c in mapping]
    for i, column in enumerate(table.header):
        if column in used or column in mapping or not column:
            continue
        if _mostly_text(table, i) or dimension_name(column) in grouping:
            dimensions[dimension_name(column)] = column
        else:
            ignored.append(column)
    return ColumnPlan(
        layout.name, layout.title, layout.platform, fields, dimensions, tuple(ignored)
    )


def _layout_for(table: RawTable, fmt: str) -> tuple[Layout, dict[str, str]]:
    if fmt == "auto":
        matched = match_layout(list(table.header))
        return matched if matched else (GENERIC, layout_columns(GENERIC, list(table.header)))
    layout = layout_named(fmt)
    return layout, layout_columns(layout, list(table.header))


def _names_a_start(header: str) -> bool:
    return any(word in header.casefold() for word in _START_WORDS)


def _check_complete(
    table: RawTable, layout: Layout, fields: dict[str, str], period: bool = False
) -> None:
    missing = [f for f in REQUIRED if f not in fields]
    dated = "date" in fields or {"month", "day"} <= set(fields)
    if period and dated:
        column = fields.get("date") or fields["day"]
        raise ExportFileError(
            f"{table.path}: --period is for files without dates, and this one has them "
            f"(column {column!r}); leave --period out, or --map {column}=ignore to read every "
            "row as the period's totals"
        )
    if "date_end" in fields and "date" not in fields:
        raise ExportFileError(
            f"{table.path}: {fields['date_end']!r} is the period's last day (date_end), but no "
            "column is its first; map it with --map COLUMN=date"
        )
    if not dated and not period:
        missing.insert(0, "date")
    if missing:
        hint = ""
        if "date" in missing:
            hint = (
                "; a file of totals over a period (one row per ad or campaign, no date) "
                "calibrates with --period START..END, the days its rows cover"
            )
        raise ExportFileError(
            f"{table.path}: no column for {', '.join(missing)} (read as {layout.title}; "
            f"columns: {', '.join(table.header)}); name them with --map COLUMN=FIELD{hint}"
        )


def _mostly_text(table: RawTable, index: int) -> bool:
    cells = [r.fields[index] for r in table.rows[:200] if index < len(r.fields)]
    filled = [c for c in cells if c.strip()]
    numeric = sum(
        any(ch.isdigit() for ch in c) and not re.search(r"[A-Za-zА-Яа-я]", c) for c in filled
    )
    return bool(filled) and numeric < len(filled) / 2


def dimension_name(header: str) -> str:
    """'Ad set name' -> 'ad_set_name': a grouping key usable in --group-by."""
    name = re.sub(r"\W+", "_", header.strip().casefold()).strip("_")
    return name or "column"
