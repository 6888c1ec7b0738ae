"""Numbers and dates as exports write them: decimal marks, thousands separators, currency
symbols, percent strings and day-first or month-first dates.

The conventions are decided once per file from unambiguous cells ("12,5" can only be a decimal
comma, "1,234.5" only a decimal point, "25.08.2019" only day-first), because a single cell such as
"1,234" or "03/04/2024" cannot tell. A cell that contradicts the file's convention is an error
for its row, not a silent guess.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

PLACEHOLDERS = frozenset({"--", "-", "—", "–", "− −"})  # "no data" as ad platforms print it
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009'’]")
_CURRENCY = re.compile(
    r"^(?:[$€£₽₴¥₸₺₹]|[A-Z]{3}|руб\.?|р\.|лв\.?|грн\.?|zł|kr|Kč)|"
    r"(?:[$€£₽₴¥₸₺₹]|[A-Z]{3}|руб\.?|р\.|лв\.?|грн\.?|zł|kr|Kč)$",
    re.IGNORECASE,
)
# Cells with only one reading: a decimal part that cannot be a thousands group, or two thousands
# groups ("1,234,567" has two commas, so they cannot be decimal marks).
_COMMA_DECIMAL = re.compile(
    r"^\d{1,3}(\.\d{3})+,\d+$|^\d+,(\d{1,2}|\d{4,})$|^0,\d+$|^\d{1,3}(\.\d{3}){2,}$"
)
_DOT_DECIMAL = re.compile(
    r"^\d{1,3}(,\d{3})+\.\d+$|^\d+\.(\d{1,2}|\d{4,})$|^0\.\d+$|^\d{1,3}(,\d{3}){2,}$"
)
_GROUPED = {
    ",": re.compile(r"^\d{1,3}(\.\d{3})*(,\d+)?$"),
    ".": re.compile(r"^\d{1,3}(,\d{3})*(\.\d+)?$"),
}
_PLAIN = re.compile(r"^\d+([.,]\d+)?([eE][-+]?\d+)?$")


class CellError(ValueError):
    """A cell that is not a valid value; the message says why, for the rejected row."""


@dataclass(frozen=True)
class NumberStyle:
    decimal: str  # "." or ","
    reason: str  # how it was decided, for the import summary


@dataclass(frozen=True)
class Number:
    value: float | None  # None: the cell is empty
    placeholder: bool = False  # "--": read as 0
    percent: bool = False


def strip_number(cell: str) -> tuple[str, bool, bool]:
    """(bare digits and marks, negative, percent): spaces, currency and signs removed."""
    text = _SPACES.sub("", cell.strip())
    negative = False
    if text.startswith("(") and text.endswith(")"):  # accounting notation for a negative
        text, negative = text[1:-1], True
    percent = text.endswith("%")
    text = text.rstrip("%")
    for _ in range(2):  # a symbol and a code can both be there: "USD$12"
        text = _CURRENCY.sub("", text)
    if text and text[0] in "-−+":
        negative, text = negative or text[0] != "+", text[1:]
    text = _CURRENCY.sub("", text)
    return text, negative, percent


def _weighted(cells: Iterable[str] | Mapping[str, int]) -> Iterable[tuple[str, int]]:
    """(cell, times seen): a count of cells (from a file read in chunks) or the cells one by one."""
    return cells.items() if isinstance(cells, Mapping) else ((c, 1) for c in cells)


def detect_number_style(cells: Iterable[str] | Mapping[str, int], separator: str) -> NumberStyle:
    """The file's decimal mark, by majority of the cells that can only be read one way; `cells`
    may be a count of each distinct cell."""
    votes: Counter[str] = Counter()
    for cell, times in _weighted(cells):
        text = strip_number(cell)[0]
        if _COMMA_DECIMAL.match(text):
            votes[","] += times
        elif _DOT_DECIMAL.match(text):
            votes["."] += times
    if votes:
        mark = votes.most_common(1)[0][0]
        name = "comma" if mark == "," else "point"
        return NumberStyle(mark, f"decimal {name}: {votes[mark]} cells can only be read that way")
    if separator in ";\t":
        return NumberStyle(",", "decimal comma assumed: no cell decides, and the file uses ';'")
    return NumberStyle(".", "decimal point assumed: no cell decides")


def parse_number(cell: str, style: NumberStyle) -> Number:
    """The number in `cell` under the file's convention; raises CellError if it is none."""
    raw = cell.strip()
    if not raw:
        return Number(None)
    if raw in PLACEHOLDERS:
        return Number(0.0, placeholder=True)
    text, negative, percent = strip_number(raw)
    if not text or not any(ch.isdigit() for ch in text):
        raise CellError(f"{raw!r} is not a number")
    value = _digits_value(text, style, raw)
    value = -value if negative else value
    return Number(value / 100 if percent else value, percent=percent)


def _digits_value(text: str, style: NumberStyle, raw: str) -> float:
    other = "." if style.decimal == "," else ","
    if other not in text and text.count(style.decimal) <= 1 and _PLAIN.match(text):
        return float(text.replace(",", "."))
    if _GROUPED[style.decimal].match(text):
        return float(text.replace(other, "").replace(",", "."))
    name = "comma" if style.decimal == "," else "point"
    raise CellError(f"{raw!r} is not a number in this file's format (decimal {name})")


# Month names and abbreviations in the languages of the layouts: English, Russian, Bulgarian,
# German, French, Spanish and Ukrainian (genitive forms too: "11 октября", "11 жовтня").
_MONTH_NAMES = (
    "jan january янв января январь ян яну januar janv janvier ene enero січ січня січень",
    "feb february фев февраля февраль februar févr fevr février fevrier febrero лют лютого лютий",
    "mar march мар марта март märz mrz mars marzo бер березня березень",
    "apr april апр апреля апрель avr avril abr abril кві квіт квітня квітень",
    "may мая май mai mayo тра трав травня травень",
    "jun june июн июня июнь юни juni juin junio чер черв червня червень",
    "jul july июл июля июль юли juli juil juillet julio лип липня липень",
    "aug august авг августа август août aout ago agosto сер серп серпня серпень",
    "sep sept september сен сент сентября сентябрь sep septembre septiembre вер вересня вересень",
    "oct october окт октября октябрь okt oktober octobre octubre жов жовт жовтня жовтень",
    "nov november ноя нояб ноября ноябрь novembre noviembre лис листоп листопада листопад",
    "dec december дек декабря декабрь dez dezember déc decembre décembre dic diciembre гру груд "
    "грудня грудень",
)
MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names.split()}
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$")
_NUMERIC = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{2}|\d{4})(?:[T ,].*)?$")
# A month name with the day before or after it, the year optional ("11 Oct", "October 11, 2014"),
# after an optional weekday ("Sat, Oct 11"): the weekday is not checked, the month decides.
_WEEKDAY = re.compile(r"^[^\d\s.,-]+\.?,?\s+(?=\S+[\s.-]+\S)")
_DAY_MONTH = re.compile(r"^(\d{1,2})[\s.-]*([^\d\s.,-]+)\.?(?:[\s.,-]*(\d{4}))?$")
_MONTH_DAY = re.compile(r"^([^\d\s.,-]+)\.?[\s-]+(\d{1,2})(?:,?\s+(\d{4}))?$")


@dataclass(frozen=True)
class DateStyle:
    order: str  # "dmy" or "mdy": how a numeric a/b/yyyy date is read (ISO dates are always ymd)
    reason: str


def month_number(name: str) -> int | None:
    return MONTHS.get(name.strip().casefold().rstrip("."))


def detect_date_style(cells: Iterable[str] | Mapping[str, int], tie: str = "dmy") -> DateStyle:
    """Day-first or month-first: a first part above 12 decides day-first, a second part above 12
    month-first; when none decides, the reading whose dates span fewer days wins (a daily export
    covers consecutive days), and `tie` on a tie: day-first, as most of the world writes it,
    unless the layout is known to write month-first (LinkedIn's exports). `cells` may be a count
    of each distinct cell."""
    weighted = [
        ((int(m[1]), int(m[3]), int(m[4])), times)
        for c, times in _weighted(cells)
        if (m := _NUMERIC.match(c.strip()))
    ]
    pairs = [p for p, _ in weighted]
    first_high = sum(times for (a, _, _), times in weighted if a > 12)
    second_high = sum(times for (_, b, _), times in weighted if b > 12)
    if first_high or second_high:
        order = "dmy" if first_high >= second_high else "mdy"
        part = "first" if order == "dmy" else "second"
        return DateStyle(
            order, f"{order}: {max(first_high, second_high)} dates have a {part} part above 12"
        )
    if not pairs:
        return DateStyle(tie, "no numeric a/b/year dates")
    spans = {order: _span(pairs, order) for order in ("dmy", "mdy")}
    if spans["mdy"] != spans["dmy"]:
        order = min(spans, key=spans.get)
        first = "month" if order == "mdy" else "day"
        return DateStyle(
            order, f"{order}: ambiguous dates, {first}-first gives the shorter calendar"
        )
    return DateStyle(tie, f"{tie}: ambiguous dates, both readings span as long; the layout's usual")


def _span(pairs: list[tuple[int, int, int]], order: str) -> int:
    days = []
    for a, b, y in pairs:
        day, month = (a, b) if order == "dmy" else (b, a)
        try:
            days.append(date(_year(y), month, day).toordinal())
        except ValueError:
            return 10**9
    return max(days) - min(days)


def _year(y: int) -> int:
    return y + 2000 if y < 100 else y


def parse_date(cell: str, style: DateStyle, year: int | None = None) -> date:
    """The date in `cell`: ISO, a/b/yyyy under the file's order, or with a month name ("11 Oct
    2014", "Sat, Oct 11"), whose missing year is `year` (the analyst's --year)."""
    text = cell.strip()
    if not text:
        raise CellError("empty date")
    no_year = False
    try:
        if m := _ISO.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC.match(text):
            a, b = int(m[1]), int(m[3])
            day, month = (a, b) if style.order == "dmy" else (b, a)
            return date(_year(int(m[4])), month, day)
        named = _named_date(text)
        if named is not None:
            day, month, written = named
            if written is None and year is None:
                no_year = True
            else:
                return date(written or year, month, day)
    except ValueError:
        raise CellError(f"{text!r} is not a valid date (read {style.order})") from None
    if no_year:
        raise CellError(f"{text!r} has no year; give it with --year")
    raise CellError(f"{text!r} is not a date")


def _named_date(text: str) -> tuple[int, int, int | None] | None:
    """(day, month, year or None) of a date written with a month name, or None."""
    bare = _WEEKDAY.sub("", text, count=1)
    for candidate in dict.fromkeys((text, bare)):
        if m := _DAY_MONTH.match(candidate):
            day, name, year = m[1], m[2], m[3]
        elif m := _MONTH_DAY.match(candidate):
            name, day, year = m[1], m[2], m[3]
        else:
            continue
        month = month_number(name)
        if month:
            return int(day), month, int(year) if year else None
    return None


# Two dates in one cell, joined by a spaced dash, an en or em dash, "..", "to" or a bare dash
# ("2024-03-01 - 2024-03-31", "01.03.2024-31.03.2024", "Mar 1, 2024 – Mar 31, 2024").
_RANGE_JOIN = re.compile(r"\s*(?:\.\.|–|—|\bto\b|\bпо\b|\bbis\b)\s*|\s+-\s+|-")


def split_range(text: str) -> tuple[str, str] | None:
    """The two dates of a range cell, or None: split at the first join where both sides are
    written as dates (by their shape: the file's day/month order is not known yet when the
    cells vote on it). Tried before `parse_date`, whose ISO and a/b/yyyy patterns would read
    "2024-03-01 - 2024-03-31" as its first day alone."""
    text = text.strip()
    for join in _RANGE_JOIN.finditer(text):
        left, right = text[: join.start()].strip(), text[join.end() :].strip()
        if _written_as_date(left) and _written_as_date(right):
            return left, right
    return None


def _written_as_date(text: str) -> bool:
    return bool(
        re.fullmatch(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}", text)
        or re.fullmatch(r"\d{1,2}([./-])\d{1,2}\1(\d{2}|\d{4})", text)
        or _named_date(text)
    )


def range_parts(cells: Mapping[str, int]) -> Counter[str]:
    """The cells with each range cell counted as its two dates, for `detect_date_style`."""
    out: Counter[str] = Counter()
    for cell, times in cells.items():
        parts = split_range(cell)
        for part in parts or (cell,):
            out[part] += times
    return out


def parse_span(cell: str, style: DateStyle, year: int | None = None) -> tuple[date, date]:
    """(first day, last day) of a cell that is one date (both the same) or a range of dates; a
    range's first date without a year takes the last one's ("Mar 1 - Mar 31, 2024")."""
    parts = split_range(cell)
    if parts is None:
        day = parse_date(cell, style, year)
        return day, day
    end = parse_date(parts[1], style, year)
    start = parse_date(parts[0], style, end.year)
    if end < start:
        raise CellError(f"{cell.strip()!r} ends before it starts")
    return start, end
