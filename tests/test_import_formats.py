"""Format torture for the calibration importer: every encoding, separator, number and date format
the ad platforms write, and every kind of bad row, in small files whose bytes are spelled out here.

Each test checks what the bytes say (the values and dates read, the encoding, separator and
decimal mark detected) and that every data line is accounted for: used, or rejected with its
physical 1-based line number and the reasons that apply. No input may end in a traceback: a file
that cannot be read at all is an `ExportFileError` naming the file, a bad row is a rejection.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smmsim.calibration.importer import ImportOptions, import_exports, import_file
from smmsim.calibration.reading import ExportFileError
from smmsim.cli import main
from smmsim.scenarios.errors import SmmsimError

NBSP, NNBSP = "\u00a0", "\u202f"  # no-break space, narrow no-break space: thousands separators
BOMS = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}

# What a fixture line is: a title above the header, the header, blank, a row to use, or a row to
# reject with exactly these reason codes (in the order the importer checks them).
TITLE, HEADER, BLANK, OK = "title", "header", "blank", "ok"


def encode(text: str, encoding: str, bom: bool = False) -> bytes:
    return (BOMS[encoding] if bom else b"") + text.encode(encoding)


def render(cells: list[str] | str, sep: str) -> str:
    """One line: a title as it is, cells joined by `sep` and quoted as CSV writers quote them."""
    if isinstance(cells, str):
        return cells
    quoted = ['"' + c.replace('"', '""') + '"' if sep in c or '"' in c else c for c in cells]
    return sep.join(quoted)


def write(folder: Path, name: str, lines: list[str], encoding="utf-8", bom=False, newline="\n"):
    path = folder / name
    path.write_bytes(encode(newline.join(lines) + newline, encoding, bom))
    return path


def write_table(folder: Path, name: str, table: list[tuple], sep: str, **how) -> Path:
    """Write (cells, expectation) entries, one line each."""
    return write(folder, name, [render(cells, sep) for cells, _ in table], **how)


def read(path: Path, **options):
    return import_file(path, ImportOptions(**options))


def assert_accounted(done, table: list[tuple], sep: str) -> None:
    """Every line of the fixture is where its expectation says: the header where it is, each title
    and blank line counted, each row used or rejected (with exactly its reasons), none twice."""
    s = done.summary
    kinds = [kind for _, kind in table]
    assert s["rows_read"] == s["rows_used"] + s["rows_rejected"]
    assert (s["rows_used"], s["rows_rejected"]) == (len(done.rows), len(done.rejected))
    assert s["header_line"] == kinds.index(HEADER) + 1
    assert s["title_lines_skipped"] == kinds.index(HEADER)
    assert s["blank_lines"] == kinds.count(BLANK)
    expected_used = [n for n, kind in enumerate(kinds, 1) if kind == OK]
    expected_rejected = {n: kind for n, kind in enumerate(kinds, 1) if isinstance(kind, tuple)}
    assert [r["line"] for r in done.rows] == expected_used
    assert {r.line: r.reasons for r in done.rejected} == expected_rejected
    assert s["rows_read"] == len(expected_used) + len(expected_rejected)
    for r in done.rejected:  # the row as the file has it, to find and fix it there
        cells = table[r.line - 1][0]
        assert r.raw == sep.join(cells)
        assert r.file == s["file"] and r.detail
    by_reason: dict[str, int] = {}
    for reasons in expected_rejected.values():
        for code in dict.fromkeys(reasons):
            by_reason[code] = by_reason.get(code, 0) + 1
    assert s["rejected_by_reason"] == by_reason


def rows_by_line(done) -> dict[int, dict]:
    return {r["line"]: r for r in done.rows}


# --------------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------------

# A VK Ads export as the older cabinet writes it: semicolons, decimal commas, no-break spaces in
# thousands, the rouble as "руб." (cp1251 has no ₽), a placeholder, and a total row.
VK = [
    (["Дата", "Название кампании", "Потрачено, руб.", "Показы", "Клики", "Вступления"], HEADER),
    (["01.08.2019", "Лето", f"1{NBSP}234,56", f"12{NBSP}345", "150", "12"], OK),
    (["02.08.2019", "Осень «Ёлка»", "350 руб.", "5 000", "40", "--"], OK),
    (["Итого", "", f"1{NBSP}584,56", f"17{NBSP}345", "190", "12"], ("total_row",)),
]

ENCODINGS = [  # (bytes written as, with a BOM, name the importer must report)
    ("utf-8", False, "utf-8"),
    ("utf-8", True, "utf-8-sig"),
    ("utf-16-le", True, "utf-16-le"),
    ("utf-16-be", True, "utf-16-be"),
    ("utf-16-le", False, "utf-16-le"),
    ("utf-16-be", False, "utf-16-be"),
    ("cp1251", False, "cp1251"),
]

ENCODING_IDS = [name + "-bom" * (bom and name == encoding) for encoding, bom, name in ENCODINGS]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize(("encoding", "bom", "name"), ENCODINGS, ids=ENCODING_IDS)
def test_every_encoding_reads_the_same_values(tmp_path, encoding, bom, name, newline):
    path = write_table(tmp_path, "vk.csv", VK, ";", encoding=encoding, bom=bom, newline=newline)
    done = read(path)
    s = done.summary
    assert (s["encoding"], s["separator"], s["decimal_mark"], s["format"]) == (name, ";", ",", "vk")
    assert_accounted(done, VK, ";")
    first, second = rows_by_line(done)[2], rows_by_line(done)[3]
    # The Cyrillic text comes through intact (a wrong code page would garble it).
    assert (first["campaign"], second["campaign"]) == ("Лето", "Осень «Ёлка»")
    assert (first["date"], second["date"]) == (date(2019, 8, 1), date(2019, 8, 2))
    assert (first["spend"], first["impressions"], first["clicks"], first["joins"]) == (
        1234.56,
        12345,
        150,
        12,
    )
    assert (second["spend"], second["impressions"], second["joins"]) == (350.0, 5000, 0.0)
    assert s["placeholders_read_as_zero"] == 1
    assert first["platform"] == "vk"  # the layout's platform, the file has no platform column


def test_vk_headers_with_the_rouble_sign_in_utf8(tmp_path):
    table = [
        (["Дата", "Кампания", "Потрачено, ₽", "Показы", "Клики", "Вступления"], HEADER),
        (["01.08.2019", "Лето", f"1{NNBSP}234,56 ₽", f"12{NNBSP}345", "150", "12"], OK),
        (["02.08.2019", "Лето", "₽350", "5 000", "40", "3"], OK),
        (["Всего", "", f"1{NNBSP}584,56 ₽", f"17{NNBSP}345", "190", "15"], ("total_row",)),
    ]
    done = read(write_table(tmp_path, "vk.csv", table, ";", bom=True))
    s = done.summary
    assert (s["format"], s["encoding"], s["columns"]["spend"]) == (
        "vk",
        "utf-8-sig",
        "Потрачено, ₽",
    )
    assert_accounted(done, table, ";")
    assert [(r["spend"], r["impressions"], r["joins"]) for r in done.rows] == [
        (1234.56, 12345, 12),
        (350.0, 5000, 3),
    ]
    # The campaign names are kept, as the campaign or as a grouping column.
    assert all("Лето" in (r["campaign"], r.get("кампания")) for r in done.rows)


def test_a_bom_before_the_header_is_not_part_of_the_first_column(tmp_path):
    lines = ["date,campaign,spend,impressions,clicks", "2024-03-01,a,1.50,100,10"]
    done = read(write(tmp_path, "bom.csv", lines, bom=True))
    assert done.summary["columns"]["date"] == "date"
    assert done.rows[0]["date"] == date(2024, 3, 1)


# --------------------------------------------------------------------------------------------
# Platform files: Google's "CSV for Excel", LinkedIn's title block
# --------------------------------------------------------------------------------------------

GOOGLE = [
    ("Campaign report", TITLE),
    ("August 1, 2019 - August 3, 2019", TITLE),
    (
        [
            "Day",
            "Campaign",
            "Campaign type",
            "Currency code",
            "Cost",
            "Impr.",
            "Clicks",
            "CTR",
            "Conversions",
        ],
        HEADER,
    ),
    (
        [
            "2019-08-01",
            "Brand, exact",
            "Search",
            "USD",
            "1,234.56",
            "12,345",
            "678",
            "5.49%",
            "12.00",
        ],
        OK,
    ),
    (["2019-08-02", "Brand, exact", "Search", "USD", "98.70", "1,000", "50", "5.00%", "--"], OK),
    (["2019-08-03", "Brand, exact", "Search", "USD", "0.00", "0", "0", "--", "0.00"], OK),
    (
        ["Total: Search", "--", "--", "USD", "1,333.26", "13,345", "728", "5.46%", "12.00"],
        ("total_row",),
    ),
    (
        ["Total: Account", "--", "--", "USD", "1,333.26", "13,345", "728", "5.46%", "12.00"],
        ("total_row",),
    ),
]


def test_google_csv_for_excel_utf16_tabs_title_block_and_totals(tmp_path):
    path = write_table(
        tmp_path, "google.csv", GOOGLE, "\t", encoding="utf-16-le", bom=True, newline="\r\n"
    )
    done = read(path)
    s = done.summary
    assert (s["encoding"], s["separator"], s["decimal_mark"]) == ("utf-16-le", "tab", ".")
    assert s["format"] == "google"
    assert_accounted(done, GOOGLE, "\t")
    rows = rows_by_line(done)
    assert (rows[4]["spend"], rows[4]["impressions"], rows[4]["clicks"]) == (1234.56, 12345, 678)
    assert (rows[4]["conversions"], rows[5]["conversions"], rows[6]["spend"]) == (12, 0, 0)
    assert rows[4]["campaign"] == "Brand, exact" and rows[4]["currency"] == "USD"
    assert rows[4]["campaign_type"] == "Search"  # a text column kept as a dimension
    # The CTR column holds percentages, but it feeds nothing, so it rejects nothing.
    assert s["ignored_columns"] == ["CTR"]
    assert s["placeholders_read_as_zero"] == 1  # the "--" conversions; totals' "--" do not count
    assert set(s["absent_fields"]) == {"reach", "frequency", "joins", "revenue"}
    assert (s["first_date"], s["last_date"]) == ("2019-08-01", "2019-08-03")


LINKEDIN = [
    ("Campaign Performance Report (in UTC)", TITLE),
    ("Report Start: 8/1/2019, 12:00 AM", TITLE),
    ("Report End: 8/3/2019, 11:59 PM", TITLE),
    ("Date Generated: 9/1/2019, 10:00 AM", TITLE),
    ("Account Name: Acme, Inc.", TITLE),
    (
        [
            "Start Date (in UTC)",
            "Account Name",
            "Currency",
            "Campaign Name",
            "Total Spent",
            "Impressions",
            "Clicks",
            "Clicks to Landing Page",
        ],
        HEADER,
    ),
    (["8/1/2019", "Acme, Inc.", "USD", "B2B", "1,234.50", "10,000", "120", "100"], OK),
    (["8/2/2019", "Acme, Inc.", "USD", "B2B", "99.00", "1,000", "12", "10"], OK),
    (["8/3/2019", "Acme, Inc.", "USD", "B2B", "99.00", "1,000", "13", "11"], OK),
]


@pytest.mark.parametrize("days", [1, 2, 3])
def test_linkedin_header_on_line_six_and_month_first_dates_by_their_span(tmp_path, days):
    # With two days only, the title lines' commas outnumber the table's lines: the separator is
    # still the one under which a header has rows of its width below it.
    table = LINKEDIN[: 6 + days]
    path = write_table(tmp_path, "linkedin.csv", table, "\t", encoding="utf-16-le", bom=True)
    done = read(path)
    s = done.summary
    assert (s["format"], s["separator"], s["header_line"]) == ("linkedin", "tab", 6)
    assert_accounted(done, table, "\t")
    # 8/1..8/3 read month-first span 2 days; day-first they would span January to March. One day
    # alone tells nothing, and LinkedIn writes month-first.
    assert s["date_order"] == "mdy"
    assert [r["date"] for r in done.rows] == [date(2019, 8, d) for d in (1, 2, 3)][:days]
    assert [r["clicks"] for r in done.rows] == [100, 10, 11][:days]  # landing-page clicks first
    assert done.rows[0]["spend"] == 1234.5 and done.rows[0]["account"] == "Acme, Inc."


# --------------------------------------------------------------------------------------------
# Separators
# --------------------------------------------------------------------------------------------

ODD_NAME = "Brand; Search | Exact, UK"  # every separator inside one quoted campaign name


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "pipe"])
def test_each_separator_is_detected_and_quoted_separators_do_not_split(tmp_path, sep):
    table = [
        (["date", "campaign", "spend", "impressions", "clicks"], HEADER),
        (["2024-03-01", ODD_NAME, "12.50", "1000", "10"], OK),
        (["2024-03-02", "south", "7.25", "800", "9"], OK),
        (["2024-03-03", ODD_NAME, "3.00", "300", "3"], OK),
    ]
    done = read(write_table(tmp_path, "sep.csv", table, sep))
    names = {",": ",", ";": ";", "\t": "tab", "|": "|"}
    assert done.summary["separator"] == names[sep]
    assert [r["campaign"] for r in done.rows] == [ODD_NAME, "south", ODD_NAME]
    assert [r["spend"] for r in done.rows] == [12.5, 7.25, 3.0]
    assert done.summary["rows_rejected"] == 0


# --------------------------------------------------------------------------------------------
# Number formats
# --------------------------------------------------------------------------------------------

NUMBERS = [  # (spend cell, impressions cell, separator, spend, impressions, decimal mark)
    (f"1{NBSP}234,56", f"12{NBSP}345", ";", 1234.56, 12345, ","),
    (f"1{NNBSP}234,56", f"12{NNBSP}345", "\t", 1234.56, 12345, ","),
    ("1 234,56", "12 345", ";", 1234.56, 12345, ","),
    ("1.234,56", "12.345", ";", 1234.56, 12345, ","),
    ("1,234.56", "12,345", ",", 1234.56, 12345, "."),
    ("1'234.5", "12'345", ";", 1234.5, 12345, "."),  # Swiss
    ("1’234.50", "12’345", "\t", 1234.5, 12345, "."),  # Swiss, typographic apostrophe
    ("€12,50", "1.000", ";", 12.5, 1000, ","),
    ("12,50 €", "1000", ";", 12.5, 1000, ","),
    ("$1,234.00", "1,000", ",", 1234.0, 1000, "."),
    ("12.5 USD", "1000", ",", 12.5, 1000, "."),
    ("USD 12.50", "1000", ",", 12.5, 1000, "."),
    ("350 руб.", "1 000", ";", 350.0, 1000, ","),  # nothing decides: ';' files are comma files
    (f"1{NBSP}234,56 ₽", f"12{NBSP}345", ";", 1234.56, 12345, ","),
    ("0,5", "100", ";", 0.5, 100, ","),
    # Yen have no decimals; two thousands groups can only be read with a decimal point.
    ("¥1,234", "1,234,567", "\t", 1234.0, 1234567, "."),
    ("1.234", "1.234.567", ";", 1234.0, 1234567, ","),
]


@pytest.mark.parametrize(("spend", "impressions", "sep", "value", "count", "mark"), NUMBERS)
def test_number_formats_read_as_written(tmp_path, spend, impressions, sep, value, count, mark):
    table = [
        (["date", "campaign", "spend", "impressions", "clicks"], HEADER),
        (["2024-03-01", "a", spend, impressions, "10"], OK),
        (["2024-03-02", "a", spend, impressions, "11"], OK),
    ]
    done = read(write_table(tmp_path, "n.csv", table, sep))
    assert_accounted(done, table, sep)
    assert done.summary["decimal_mark"] == mark
    assert [(r["spend"], r["impressions"]) for r in done.rows] == [(value, count)] * 2


def test_a_cell_against_the_files_decimal_mark_is_rejected_not_guessed(tmp_path):
    table = [
        (["date", "campaign", "spend", "impressions", "clicks"], HEADER),
        (["2024-03-01", "a", "12,50", "1000", "10"], OK),
        (["2024-03-02", "a", "7,25", "1000", "10"], OK),
        (["2024-03-03", "a", "1,234.56", "1000", "10"], ("non_numeric",)),
    ]
    done = read(write_table(tmp_path, "mixed.csv", table, ";"))
    assert done.summary["decimal_mark"] == ","
    assert_accounted(done, table, ";")
    assert "'1,234.56'" in done.rejected[0].detail


@pytest.mark.parametrize("cell", ["(12.00)", "($12.00)", "-5.00", "−5.00", "-$5.00", "$-5.00"])
def test_negative_amounts_in_every_notation_are_rejected(tmp_path, cell):
    table = [
        (["date", "campaign", "spend", "impressions", "clicks"], HEADER),
        (["2024-03-01", "a", "12.50", "1000", "10"], OK),
        (["2024-03-02", "a", cell, "1000", "10"], ("negative",)),
    ]
    done = read(write_table(tmp_path, "neg.csv", table, ","))
    assert_accounted(done, table, ",")
    assert cell in done.rejected[0].detail


@pytest.mark.parametrize(
    ("cell", "sep"),
    [("1.5%", ","), ("15%", ","), ("15 %", ";"), ("1,5%", ";"), ("1,5%", "\t"), ("0.4 %", "|")],
)
def test_a_percentage_in_a_count_column_is_rejected_as_such(tmp_path, cell, sep):
    table = [
        (["date", "campaign", "spend", "impressions", "clicks"], HEADER),
        (["2024-03-01", "a", "12.50", "1000", "10"], OK),
        (["2024-03-02", "a", "12.50", "1000", cell], ("percent_count",)),
        (["2024-03-03", "a", "12.50", cell, "10"], ("percent_count",)),
    ]
    done = read(write_table(tmp_path, "pct.csv", table, sep))
    assert_accounted(done, table, sep)
    assert "percentage" in done.rejected[0].detail and repr(cell) in done.rejected[0].detail


@pytest.mark.parametrize("placeholder", ["--", "-", "—"])
def test_placeholders_read_as_zero_and_counted_for_rows_used_only(tmp_path, placeholder):
    p = placeholder
    table = [
        (["date", "campaign", "spend", "impressions", "reach", "clicks", "joins"], HEADER),
        (["2024-03-01", "a", "12.50", "1000", p, "10", p], OK),
        (["2024-03-02", "a", p, p, p, p, p], OK),
        # A placeholder in a row rejected for another reason puts no zero into the data.
        (["2024-03-03", "a", "-4.00", "1000", p, "10", "2"], ("negative",)),
    ]
    done = read(write_table(tmp_path, "ph.csv", table, ","))
    assert_accounted(done, table, ",")
    first, second = done.rows
    assert (first["reach"], first["joins"]) == (0, 0)
    assert [second[f] for f in ("spend", "impressions", "reach", "clicks", "joins")] == [0] * 5
    assert done.summary["placeholders_read_as_zero"] == 7


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

DATES = [  # (cells, the dates they mean, order reported)
    (["25.08.2019", "26.08.2019"], [date(2019, 8, 25), date(2019, 8, 26)], "dmy"),
    (["08/25/2019", "08/26/2019"], [date(2019, 8, 25), date(2019, 8, 26)], "mdy"),
    (["25/08/19", "26/08/19"], [date(2019, 8, 25), date(2019, 8, 26)], "dmy"),
    # Ambiguous a/b/yyyy: the reading with the shorter calendar wins (a daily export is a run
    # of consecutive days): 3-5 April rather than 4 March, 4 April and 4 May ...
    (["03/04/2024", "04/04/2024", "05/04/2024"], [date(2024, 4, d) for d in (3, 4, 5)], "dmy"),
    # ... and 1-3 April rather than 4 January, 4 February and 4 March.
    (["04/01/2024", "04/02/2024", "04/03/2024"], [date(2024, 4, d) for d in (1, 2, 3)], "mdy"),
    (["2019-08-25", "2019-08-26 00:00:00"], [date(2019, 8, 25), date(2019, 8, 26)], "dmy"),
    (["Aug 1, 2019", "August 2, 2019"], [date(2019, 8, 1), date(2019, 8, 2)], "dmy"),
    (["1 авг. 2019", "2 августа 2019"], [date(2019, 8, 1), date(2019, 8, 2)], "dmy"),
    (["01-Aug-2019", "2 Aug 2019"], [date(2019, 8, 1), date(2019, 8, 2)], "dmy"),
]


@pytest.mark.parametrize(("cells", "dates", "order"), DATES, ids=[d[0][0] for d in DATES])
def test_date_formats_read_as_written(tmp_path, cells, dates, order):
    table = [(["date", "campaign", "spend", "impressions", "clicks"], HEADER)]
    table += [([cell, "a", "1.50", "100", "10"], OK) for cell in cells]
    done = read(write_table(tmp_path, "d.csv", table, ";"))
    assert_accounted(done, table, ";")
    assert [r["date"] for r in done.rows] == dates
    assert done.summary["date_order"] == order


def test_date_order_option_overrides_the_span_rule(tmp_path):
    table = [
        (["date", "campaign", "spend", "impressions", "clicks"], HEADER),
        (["03/04/2024", "a", "1.50", "100", "10"], OK),
        (["04/04/2024", "a", "1.50", "100", "10"], OK),
    ]
    done = read(write_table(tmp_path, "d.csv", table, ","), date_order="mdy")
    assert [r["date"] for r in done.rows] == [date(2024, 3, 4), date(2024, 4, 4)]
    assert done.summary["date_order"] == "mdy"


def test_a_date_against_the_files_order_is_a_bad_date(tmp_path):
    # 25.08 decides day-first, so 08.26 would be month 26.
    table = [
        (["date", "campaign", "spend", "impressions", "clicks"], HEADER),
        (["25.08.2019", "a", "1,50", "100", "10"], OK),
        (["24.08.2019", "a", "1,50", "100", "10"], OK),
        (["08.26.2019", "a", "1,50", "100", "10"], ("bad_date",)),
    ]
    done = read(write_table(tmp_path, "d.csv", table, ";"))
    assert_accounted(done, table, ";")
    assert "08.26.2019" in done.rejected[0].detail


# --------------------------------------------------------------------------------------------
# Totals, title lines, blank lines
# --------------------------------------------------------------------------------------------

TOTAL_LABELS = [
    "Total",
    "Totals",
    "Grand total",
    "Total: Account",
    "Итого",
    "Всего",
    "Gesamt",
    "Summe",
]


@pytest.mark.parametrize("label", TOTAL_LABELS)
@pytest.mark.parametrize("where", ["date", "campaign", "short"])
def test_total_rows_are_rejected_as_totals(tmp_path, label, where):
    cells = {
        "date": [label, "", "3,00", "200", "20"],
        "campaign": ["", label, "3,00", "200", "20"],
        "short": [f"{label}: 3,00"],  # a summary line narrower than the table
    }[where]
    table = [
        (["date", "campaign", "spend", "impressions", "clicks"], HEADER),
        (["01.03.2024", "a", "1,50", "100", "10"], OK),
        (["02.03.2024", "a", "1,50", "100", "10"], OK),
        (cells, ("total_row",)),
    ]
    done = read(write_table(tmp_path, "t.csv", table, ";"))
    assert_accounted(done, table, ";")


def test_title_lines_and_blank_lines_are_counted_not_read(tmp_path):
    table = [
        ("Отчёт по кампаниям", TITLE),
        ("Период: 01.03.2024 - 03.03.2024", TITLE),
        ("", TITLE),  # a blank line above the header is part of the title block
        (["date", "campaign", "spend", "impressions", "clicks"], HEADER),
        ("", BLANK),
        (["01.03.2024", "a", "1,50", "100", "10"], OK),
        (";;;;", BLANK),  # only separators: as blank as an empty line
        ("   ", BLANK),
        (["02.03.2024", "a", "1,50", "100", "10"], OK),
        ("", BLANK),
    ]
    path = write_table(tmp_path, "titles.csv", table, ";")
    done = read(path)
    assert_accounted(done, table, ";")
    # Every physical line is somewhere: title, header, blank or a row read.
    s = done.summary
    physical = len(path.read_text(encoding="utf-8").splitlines())
    assert s["title_lines_skipped"] + 1 + s["blank_lines"] + s["rows_read"] == physical


# --------------------------------------------------------------------------------------------
# Bad rows: one of each kind, in every encoding and line ending
# --------------------------------------------------------------------------------------------

HEAD = ["date", "campaign", "spend", "impressions", "reach", "clicks", "joins", "conversions"]


def torture(sep: str) -> list[tuple]:
    """A day-first, decimal-comma export with one row of every kind of problem."""
    t = [
        ("Campaign report", TITLE),
        ("25.08.2019 - 06.09.2019", TITLE),
        (HEAD, HEADER),
        (["25.08.2019", "alpha", "1 234,56", "10 000", "8 000", "150", "12", "3"], OK),
        (
            ["26.08.2019", "alpha", "12,50", "1 000", "900", "2 000", "0", "1"],
            ("clicks_above_impressions",),
        ),
        (["27.08.2019", "alpha", "-5,00", "1 000", "900", "10", "1", "1"], ("negative",)),
        (["28.08.2019", "alpha", "(12,00)", "1 000", "900", "10", "1", "1"], ("negative",)),
        (["29.08.2019", "alpha", "abc", "1 000", "900", "10", "1", "1"], ("non_numeric",)),
        (
            ["30.08.2019", "alpha", "12,50", "1 000", "900", "10", "1", "1", "7"],
            ("wrong_field_count",),
        ),
        # The spend is missing in the middle: every later column shifted left by one.
        (["31.08.2019", "alpha", "1 000", "900", "10", "1", "1"], ("wrong_field_count",)),
        ("", BLANK),
        (["01.09.2019", "alpha", "", "1 000", "900", "10", "1", "1"], ("empty_value",)),
        (
            ["25.08.2019", "alpha", "1 234,56", "10 000", "8 000", "150", "12", "3"],
            ("duplicate",),
        ),
        (["31.09.2019", "alpha", "12,50", "1 000", "900", "10", "1", "1"], ("bad_date",)),
        (["02.09.2019", "alpha", "12,50", "1 000", "900", "1,5%", "0", "0"], ("percent_count",)),
        (
            ["03.09.2019", "alpha", "12,50", "1 000", "1 200", "10", "1", "1"],
            ("reach_above_impressions",),
        ),
        (
            ["04.09.2019", "alpha", "12,50", "1 000", "900", "10", "11", "1"],
            ("joins_above_clicks",),
        ),
        (
            ["05.09.2019", "alpha", "12,50", "1 000", "900", "10", "1", "20"],
            ("conversions_above_clicks",),
        ),
        # Every problem of a row is reported, not only the first.
        (
            ["06.09.2019", "alpha", "-1,00", "1 000", "900", "xyz", "1", "1"],
            ("negative", "non_numeric"),
        ),
        (["yesterday", "alpha", "", "1 000", "900", "10", "1", "1"], ("bad_date", "empty_value")),
        (["06.09.2019", "beta", "7,25", "--", "--", "--", "--", "--"], OK),
        (sep * (len(HEAD) - 1), BLANK),
        (["Итого", "", "1 241,81", "11 000", "8 000", "150", "12", "3"], ("total_row",)),
    ]
    return t


TORTURE_WAYS = [  # (separator, encoding, BOM, line ending)
    (";", "utf-8", False, "\n"),
    (";", "utf-8", True, "\r\n"),
    ("\t", "utf-16-le", True, "\r\n"),
    ("\t", "utf-16-be", True, "\n"),
    (";", "cp1251", False, "\r\n"),
    ("|", "utf-8", False, "\r"),
    (",", "utf-8", False, "\n"),  # decimal commas inside quoted cells
]


@pytest.mark.parametrize(("sep", "encoding", "bom", "newline"), TORTURE_WAYS)
def test_every_kind_of_bad_row_is_rejected_on_its_line(tmp_path, sep, encoding, bom, newline):
    table = torture(sep)
    path = write_table(tmp_path, "bad.csv", table, sep, encoding=encoding, bom=bom, newline=newline)
    done = read(path, view_through="reject")  # conversions above clicks: one of the bad rows
    s = done.summary
    assert (s["decimal_mark"], s["date_order"]) == (",", "dmy")
    assert_accounted(done, table, sep)
    good, placeholders = rows_by_line(done)[4], rows_by_line(done)[21]
    assert [good[f] for f in ("spend", "impressions", "reach", "clicks", "joins")] == [
        1234.56,
        10000,
        8000,
        150,
        12,
    ]
    assert good["date"] == date(2019, 8, 25) and placeholders["date"] == date(2019, 9, 6)
    assert placeholders["spend"] == 7.25 and placeholders["impressions"] == 0
    assert s["placeholders_read_as_zero"] == 5
    details = {r.line: r.detail for r in done.rejected}
    assert "-5,00" in details[6] and "(12,00)" in details[7] and "'abc'" in details[8]
    assert "9 fields" in details[9] and "7 fields" in details[10]
    assert "repeats line 4" in details[13] and "31.09.2019" in details[14]


def test_rows_with_several_problems_name_them_all(tmp_path):
    table = [
        (["date", "campaign", "spend", "impressions", "clicks"], HEADER),
        (["2024-03-01", "a", "1.50", "100", "10"], OK),
        (["2024-02-30", "a", "-1.00", "ten", "", "7"], ("wrong_field_count",)),
        (
            ["2024-02-30", "a", "-1.00", "ten", ""],
            ("bad_date", "negative", "non_numeric", "empty_value"),
        ),
    ]
    done = read(write_table(tmp_path, "multi.csv", table, ","))
    assert_accounted(done, table, ",")
    assert done.summary["rejected_by_reason"]["bad_date"] == 1


@pytest.mark.parametrize("where", ["rows", "header", "both"])
def test_a_trailing_separator_adds_no_column(tmp_path, where):
    """Excel ends lines with a separator; the empty cell it adds is no field, in the header or
    in the rows, so nothing is rejected for it."""
    head = "date;campaign;spend;impressions;clicks" + (";" if where != "rows" else "")
    end = ";" if where != "header" else ""
    body = [f"2024-03-0{d};a;1,50;100;10{end}" for d in range(1, 4)]
    path = tmp_path / "trailing.csv"
    path.write_text("\n".join([head, *body]) + "\n", encoding="utf-8")
    done = read(path)
    assert (done.summary["rows_used"], done.summary["rows_rejected"]) == (3, 0)
    assert [r["spend"] for r in done.rows] == [1.5, 1.5, 1.5]


def test_a_repeated_header_row_is_rejected_not_read_as_data(tmp_path):
    head = ["date", "campaign", "spend", "impressions", "clicks"]
    table = [
        (head, HEADER),
        (["2024-03-01", "a", "1.50", "100", "10"], OK),
        (head, ("bad_date", "non_numeric", "non_numeric", "non_numeric")),
        (["2024-03-02", "a", "1.50", "100", "10"], OK),
    ]
    done = read(write_table(tmp_path, "concat.csv", table, ","))
    assert_accounted(done, table, ",")


# --------------------------------------------------------------------------------------------
# Quotes: multi-line fields and a quote that is never closed
# --------------------------------------------------------------------------------------------


def test_a_quoted_field_across_lines_is_one_row_and_later_line_numbers_stay_physical(tmp_path):
    text = (
        "date,campaign,spend,impressions,clicks\n"
        '2024-03-01,"two\nlines",1.50,100,10\n'
        "2024-03-02,b,1.50,100,10\n"
        "2024-03-03,b,-1,100,10\n"
    )
    path = tmp_path / "multiline.csv"
    path.write_bytes(text.encode())
    done = read(path)
    assert [(r["line"], r["campaign"]) for r in done.rows] == [(2, "two\nlines"), (4, "b")]
    assert [(r.line, r.reasons) for r in done.rejected] == [(5, ("negative",))]


def test_a_stray_quote_spoils_its_own_row_only(tmp_path):
    lines = ["date,campaign,spend,impressions,clicks", '2024-03-01,"a,1.50,100,10']
    lines += [f"2024-03-{d:02d},b,1.50,100,10" for d in range(2, 6)]
    done = read(write(tmp_path, "quote.csv", lines))
    assert [(r.line, r.reasons) for r in done.rejected] == [(2, ("wrong_field_count",))]
    assert [r["line"] for r in done.rows] == [3, 4, 5, 6]
    assert done.summary["rows_read"] == 5


def test_a_stray_quote_before_a_large_file_is_no_traceback(tmp_path):
    # Unclosed, the quote would run past the csv module's 128 KiB field limit.
    lines = ["date,campaign,spend,impressions,clicks", '2024-03-01,"a,1.50,100,10']
    lines += [f"2024-03-{d % 28 + 1:02d},c{d},1.50,100,10" for d in range(6000)]
    done = read(write(tmp_path, "big.csv", lines))
    s = done.summary
    assert (s["rows_read"], s["rows_used"], s["rows_rejected"]) == (6001, 6000, 1)
    assert done.rejected[0].line == 2 and done.rows[-1]["line"] == 6002


def test_a_line_longer_than_the_csv_field_limit_is_a_rejected_row(tmp_path):
    lines = ["date,campaign,spend,impressions,clicks", "2024-03-01,a,1.50,100,10", "x" * 200_000]
    done = read(write(tmp_path, "long.csv", lines))
    assert [(r.line, r.reasons) for r in done.rejected] == [(3, ("wrong_field_count",))]


# --------------------------------------------------------------------------------------------
# Files that cannot be read at all
# --------------------------------------------------------------------------------------------

HEADER_LINE = "date,campaign,spend,impressions,clicks\n"
UNREADABLE = {  # file name -> (bytes, what the message says)
    "empty.csv": (b"", "empty file"),
    "blank.csv": (b"\n\r\n  \n", "empty file"),
    "numbers.csv": (b"1,2,3\n4,5,6\n", "no header row"),
    "truncated16.csv": (encode(HEADER_LINE, "utf-16-le", bom=True) + b"x", "utf-16-le"),
    "bom_then_cp1251.csv": (BOMS["utf-8"] + "Дата;Показы\n".encode("cp1251"), "utf-8"),
    "binary.csv": (bytes(range(256)) * 8, "decode"),
    "no_clicks.csv": (b"date,campaign,spend,impressions\n2024-03-01,a,1,100\n", "clicks"),
}


@pytest.mark.parametrize("name", list(UNREADABLE))
def test_an_unreadable_file_is_one_error_naming_it(tmp_path, name):
    data, words = UNREADABLE[name]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ExportFileError) as caught:
        read(path)
    message = str(caught.value)
    assert isinstance(caught.value, SmmsimError)
    assert message.startswith(str(path)) and words in message and "\n" not in message


def test_a_missing_file_and_a_folder_are_named(tmp_path):
    for path in (tmp_path / "missing.csv", tmp_path):
        with pytest.raises(ExportFileError, match="cannot read the file") as caught:
            read(path)
        assert str(path) in str(caught.value)


def test_a_map_naming_no_column_and_dates_without_a_year_are_named(tmp_path):
    path = write(tmp_path, "m.csv", ["date,campaign,spend,impressions,clicks"])
    with pytest.raises(ExportFileError, match="no column 'Cost'") as caught:
        read(path, mapping={"Cost": "spend"})
    assert str(path) in str(caught.value)
    parts = write(tmp_path, "p.csv", ["month,day,spend,impressions,clicks", "3,1,1.5,100,10"])
    with pytest.raises(ExportFileError, match="--year") as caught:
        read(parts, mapping={"month": "month", "day": "day"})
    assert str(parts) in str(caught.value)


# --------------------------------------------------------------------------------------------
# Options and several files
# --------------------------------------------------------------------------------------------


def test_map_platform_and_year_compose_a_file_without_dates_or_names(tmp_path):
    table = [
        (["Месяц", "День", "Расход (нетто)", "Показы", "Клики"], HEADER),
        (["Aug", "1", "1 234,56", "10 000", "150"], OK),
        (["авг", "2", "12,50", "1 000", "10"], OK),
        (["Aug", "32", "12,50", "1 000", "10"], ("bad_date",)),
    ]
    path = write_table(tmp_path, "parts.csv", table, ";", encoding="cp1251")
    mapping = {
        "Месяц": "month",
        "День": "day",
        "Расход (нетто)": "spend",
        "Показы": "impressions",
        "Клики": "clicks",
    }
    imported = import_exports([path], ImportOptions(mapping=mapping, platform="VK", year=2020))
    frame = imported.frame
    assert list(frame["date"].dt.date) == [date(2020, 8, 1), date(2020, 8, 2)]
    assert list(frame["spend"]) == [1234.56, 12.5] and list(frame["platform"]) == ["vk", "vk"]
    assert [(r.line, r.reasons) for r in imported.rejected] == [(4, ("bad_date",))]


def test_several_files_in_different_dialects_add_up(tmp_path):
    vk = write_table(tmp_path, "vk.csv", VK, ";", encoding="cp1251")
    google = write_table(tmp_path, "google.csv", GOOGLE, "\t", encoding="utf-16-le", bom=True)
    bad = write_table(tmp_path, "bad.csv", torture(";"), ";")
    imported = import_exports([vk, google, bad], ImportOptions(view_through="reject"))
    assert imported.totals == {
        "files": 3,
        "rows_read": 3 + 5 + 18,
        "rows_used": 2 + 3 + 2,
        "rows_rejected": 1 + 2 + 16,
        "view_through_kept": 0,
        "bad_encoding_lines": 0,
        "repaired_shifted": 0,
    }
    frame = imported.frame
    assert len(frame) == imported.totals["rows_used"]
    assert list(frame.groupby("source", sort=False)["line"].apply(list)) == [
        [2, 3],
        [4, 5, 6],
        [4, 21],
    ]
    assert sorted(frame["platform"].unique()) == ["bad", "google", "vk"]  # file stem if none
    assert {r.file for r in imported.rejected} == {str(vk), str(google), str(bad)}
    assert imported.summary()["rejected_by_reason"]["total_row"] == 4


# --------------------------------------------------------------------------------------------
# Any mix of good and bad rows, in any dialect: every row accounted for
# --------------------------------------------------------------------------------------------

DIALECTS = {  # name -> (separator, decimal mark, encoding, BOM)
    "excel-eu": (";", ",", "cp1251", False),
    "google": ("\t", ".", "utf-16-le", True),
    "us": (",", ".", "utf-8", False),
    "pipe": ("|", ",", "utf-8", True),
}
# kind -> (date cell, spend, impressions, clicks, cells added (-1: spend dropped), reasons)
BAD_KINDS = {
    "negative": ("2024-06-01", "-2", "100", "5", 0, ("negative",)),
    "non_numeric": ("2024-06-01", "n/a", "100", "5", 0, ("non_numeric",)),
    "empty": ("2024-06-01", "", "100", "5", 0, ("empty_value",)),
    "clicks": ("2024-06-01", "2", "100", "500", 0, ("clicks_above_impressions",)),
    "percent": ("2024-06-01", "2", "100", "5%", 0, ("percent_count",)),
    "extra": ("2024-06-01", "2", "100", "5", 1, ("wrong_field_count",)),
    "missing": ("2024-06-01", "2", "100", "5", -1, ("wrong_field_count",)),
    "bad_date": ("2024-06-31", "2", "100", "5", 0, ("bad_date",)),
    "total": ("Итого", "2", "100", "5", 0, ("total_row",)),
    "blank": None,
}


def money(value: float, mark: str) -> str:
    text = f"{value:,.2f}"
    return text if mark == "." else text.replace(",", NBSP).replace(".", ",")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    dialect=st.sampled_from(sorted(DIALECTS)),
    spends=st.lists(st.integers(1, 500_000), min_size=6, max_size=12),
    bad=st.lists(st.tuples(st.sampled_from(sorted(BAD_KINDS)), st.integers(0, 20)), max_size=6),
)
def test_any_mix_of_rows_is_accounted_for(tmp_path, dialect, spends, bad):
    sep, mark, encoding, bom = DIALECTS[dialect]
    table = [(["date", "campaign", "spend", "impressions", "clicks"], HEADER)]
    expected = []
    for i, cents in enumerate(spends):  # distinct days, so no row duplicates another
        day = date(2024, 1, 1).toordinal() + i
        value = cents / 100
        cells = [date.fromordinal(day).isoformat(), "c", money(value, mark), "10000", str(i)]
        table.append((cells, OK))
        expected.append((date.fromordinal(day), value, i))
    for kind, at in bad:
        spec = BAD_KINDS[kind]
        if spec is None:
            row = ("", BLANK)
        else:
            when, spend, impressions, clicks, extra, reasons = spec
            cells = [when, f"bad{len(table)}", spend, impressions, clicks]  # no two alike
            cells = cells + ["x"] * extra if extra >= 0 else cells[:2] + cells[3:]
            row = (cells, reasons)
        table.insert(1 + at % len(table), row)  # anywhere after the header
    path = write_table(tmp_path, f"mix-{dialect}.csv", table, sep, encoding=encoding, bom=bom)
    done = read(path)
    assert done.summary["decimal_mark"] == mark
    assert_accounted(done, table, sep)
    assert sorted((r["date"], r["spend"], r["clicks"]) for r in done.rows) == expected


# --------------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------------

TOOLS = ("prospecting", "retargeting", "lookalike")


def cli_table(extra: list[tuple] = ()) -> list[tuple]:
    """Three arms over 15 days (enough to fit), day-first with decimal commas and no-break spaces,
    under a title line, a blank line after the days, then the `extra` rows."""
    table = [
        ("Выгрузка статистики", TITLE),
        (["date", "platform", "tool", "spend", "impressions", "clicks"], HEADER),
    ]
    for k, tool in enumerate(TOOLS):
        for d in range(15):
            spend = 100 + 17 * d + 40 * k + (d * 7919 % 13)
            impressions = int(spend * (180 + 20 * k) * (1 - spend / 3000))
            clicks = impressions // (90 + 10 * k)
            cells = [f"{d + 13:02d}.03.2024", "vk", tool, f"{spend},{d % 10}5"]
            table.append(([*cells, f"{impressions:,}".replace(",", NBSP), str(clicks)], OK))
    return [*table, ("", BLANK), *extra]


def cli_export(folder: Path, table: list[tuple]) -> Path:
    """The table as a cp1251, semicolon, CRLF file (an Excel save in a Russian locale)."""
    return write_table(folder, "export.csv", table, ";", encoding="cp1251", newline="\r\n")


CLI_BAD = [
    (["28.03.2024", "vk", "prospecting", "-5,00", "1000", "10"], ("negative",)),
    (["29.03.2024", "vk", "prospecting", "12,50", "1000", "2000"], ("clicks_above_impressions",)),
    (["30.03.2024", "vk", "prospecting", "abc", "1000", "10"], ("non_numeric",)),
    (["31.03.2024", "vk", "prospecting", "1000", "10"], ("wrong_field_count",)),
    (["32.03.2024", "vk", "prospecting", "12,50", "1000", "10"], ("bad_date",)),
    (["13.03.2024", "vk", "retargeting", "", "1000", "10"], ("empty_value",)),
    (["14.03.2024", "vk", "lookalike", "12,50", "1000", "5%"], ("percent_count",)),
    (["Итого", "", "", "99 999,00", "1 000 000", "10 000"], ("total_row",)),
]


def calibrate_cli(*args) -> object:
    return CliRunner().invoke(main, ["calibrate", *map(str, args)])


def rejected_rows(out: Path) -> dict[int, tuple[str, ...]]:
    with open(out / "rejected.csv", encoding="utf-8", newline="") as f:
        return {int(r["line"]): tuple(r["reasons"].split(";")) for r in csv.DictReader(f)}


def test_cli_fits_a_tortured_file_and_lists_every_rejected_row(tmp_path):
    table = cli_table(CLI_BAD)
    table.append((table[2][0], ("duplicate",)))  # the first day again, word for word
    path = cli_export(tmp_path, table)
    out = tmp_path / "out"
    result = calibrate_cli(path, "--out", out)
    assert result.exit_code == 0, result.output
    expected = {n: kind for n, (_, kind) in enumerate(table, 1) if isinstance(kind, tuple)}
    assert rejected_rows(out) == expected
    assert expected[len(table)] == ("duplicate",)
    summary = json.loads((out / "import_summary.json").read_text(encoding="utf-8"))
    file = summary["per_file"][0]
    assert (file["encoding"], file["separator"], file["decimal_mark"]) == ("cp1251", ";", ",")
    assert (summary["rows_read"], summary["rows_used"], summary["rows_rejected"]) == (
        45 + len(expected),
        45,
        len(expected),
    )
    calibration = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    assert len(calibration["arms"]) == len(TOOLS)


def test_cli_strict_exits_3_and_writes_what_it_rejected(tmp_path):
    table = cli_table(CLI_BAD[:1])
    path = cli_export(tmp_path, table)
    out = tmp_path / "out"
    result = calibrate_cli(path, "--out", out, "--strict")
    assert result.exit_code == 3 and isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0 and "1 of 46 rows rejected" in result.output
    assert rejected_rows(out) == {len(table): ("negative",)}
    assert json.loads((out / "import_summary.json").read_text(encoding="utf-8"))["rows_used"] == 45
    assert not (out / "calibration.json").exists()  # --strict stops before fitting


def test_cli_strict_passes_a_clean_file(tmp_path):
    path = cli_export(tmp_path, cli_table())
    result = calibrate_cli(path, "--out", tmp_path / "out", "--strict")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", ["empty.csv", "truncated16.csv", "binary.csv", "no_clicks.csv"])
def test_cli_names_an_unreadable_file_in_one_line(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(UNREADABLE[name][0])
    result = calibrate_cli(path, "--out", tmp_path / "out")
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0]


def test_cli_a_file_with_no_usable_row_is_an_error_not_a_traceback(tmp_path):
    table = [(["date", "platform", "tool", "spend", "impressions", "clicks"], HEADER), *CLI_BAD]
    path = write_table(tmp_path, "allbad.csv", table, ";")
    result = calibrate_cli(path, "--out", tmp_path / "out")
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_rejected_csv_round_trips_the_raw_rows(tmp_path):
    table = cli_table(CLI_BAD)
    path = cli_export(tmp_path, table)
    out = tmp_path / "out"
    assert calibrate_cli(path, "--out", out, "--strict").exit_code == 3
    with open(out / "rejected.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["row"] for r in rows] == [
        ";".join(cells) for cells, kind in table if isinstance(kind, tuple)
    ]
    assert all(r["file"] == str(path) and r["detail"] for r in rows)
