"""A large export is read a chunk of rows at a time and column by column (each distinct cell
once); none of that may change what is read. Every file here is imported with chunks of 1, 2, 3,
5 and 50,000 rows, and each must give the same rows used (values, order, dtypes), the same
rejections (lines, reasons, words, raw text) and the same summary: the chunk size is a matter of
memory, never of results. The files put every per-row rule across chunk boundaries: a record
whose quoted line break straddles a boundary, a quote left open on a block's last line, repeats
of a row several chunks earlier, blank, title, total, shifted and unreadable rows, placeholders
and missing labels.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from smmsim.calibration import file_reader
from smmsim.calibration.console import import_table
from smmsim.calibration.document import import_document
from smmsim.calibration.importer import ImportOptions, import_exports, import_file
from smmsim.calibration.reading import open_table, read_table

CHUNK_SIZES = (1, 2, 3, 5, 50_000)

MIXED = [
    "Campaign report",  # a title line above the header
    "Day,Campaign,Amount spent (USD),Impressions,Link clicks,Reach,Results",
    "2024-03-01,spring,12.50,1000,10,800,1",
    "2024-03-02,spring,--,1000,10,800,1",  # a placeholder: read as 0 in a used row
    "",
    '2024-03-03,"two',  # a quoted line break inside a campaign name
    'lines",7.25,900,9,700,0',
    "2024-03-01,spring,12.50,1000,10,800,1",  # repeats line 3
    "2024-03-04,#N/A,3,500,5,400,0",  # a missing label
    "Total,,100,5000,50,,",  # a total row
    "2024-03-05,spring,abc,500,5,400,0",  # not a number
    "2024-03-06,spring,3,500,600,400,0",  # clicks above impressions
    "2024-03-07,spring,3,500",  # too few fields
    "2024-03-08,spring,3,500,5,400,0,",  # a trailing separator: still the header's width
    "2024-13-40,spring,3,500,5,400,0",  # no such date
    "2024-03-09,autumn,-3,500,5,400,0",  # a negative amount
    "2024-03-02,spring,--,1000,10,800,1",  # repeats line 4
    "2024-03-10,--,1,100,1,90,0",  # a placeholder label
    "2024-03-01,spring,12.50,1000,10,800,1",  # repeats line 3 again
    '2024-03-11,"stray,1,100,1,90,0',  # a quote never closed: this row only is lost
    "2024-03-12,spring,1,100,1,90,0",
]


# Without a quote, most blocks of lines are plain tables (every line as wide as the header, none
# blank), read by pandas' parser into columns; the others (a short row, a total, a blank line, a
# trailing separator) are read by the csv module, row by row. Both must read the same.
PLAIN = [
    "Day,Campaign,Amount spent (USD),Impressions,Link clicks",
    "2024-03-01,spring,12.50,1000,10",
    "2024-03-02, spring ,1 234,2000,20",  # spaces kept in the cell, stripped from the label
    "2024-03-03,spring,--,1000,10",
    "2024-03-04,,3,500,5",
    "2024-03-01,spring,12.50,1000,10",  # repeats line 2
    "Total,,100,5000,50",
    "2024-03-05,spring,3",  # too few fields
    "2024-03-06,spring,3,500,5,",  # a trailing separator
    "",
    " , , , , ",  # blank: only spaces between the separators
    "2024-03-07,autumn,1,100,1",
    "2024-03-08,autumn,1,100,200",  # clicks above impressions
    "2024-03-09,autumn,x,100,1",
    "2024-03-01,spring,12.50,1000,10",  # repeats line 2 again
    "2024-03-10,autumn,1,100,1",
    "2024-03-11,autumn,1,100,1",
]


def write(folder: Path, lines: list[str], name: str = "export.csv") -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def with_chunks(monkeypatch, size: int, read):
    monkeypatch.setattr(file_reader, "CHUNK_ROWS", size)
    return read()


def assert_same_import(a, b) -> None:
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert a.rejected == b.rejected
    assert a.summary == b.summary


@pytest.mark.parametrize("size", CHUNK_SIZES[:-1])
def test_a_file_reads_the_same_in_chunks_of_any_size(tmp_path, monkeypatch, size):
    path = write(tmp_path, MIXED)
    whole = with_chunks(monkeypatch, 50_000, lambda: import_file(path, ImportOptions()))
    chunked = with_chunks(monkeypatch, size, lambda: import_file(path, ImportOptions()))
    assert_same_import(chunked, whole)
    # and the file is what the comments say: every line accounted for
    s = whole.summary
    assert s["rows_read"] == s["rows_used"] + s["rows_rejected"] == 17  # 21 lines, 1 record of 2
    assert (s["blank_lines"], s["title_lines_skipped"], s["header_line"]) == (1, 1, 2)
    assert s["placeholders_read_as_zero"] == 1
    assert s["missing_labels"] == {"campaign": 2}
    reasons = {r.line: r.reasons for r in whole.rejected}
    assert reasons[8] == reasons[17] == reasons[19] == ("duplicate",)
    details = {r.line: r.detail for r in whole.rejected}
    assert (details[17], details[19]) == ("repeats line 4 exactly", "repeats line 3 exactly")
    assert (reasons[10], reasons[11], reasons[12]) == (
        ("total_row",),
        ("non_numeric",),
        ("clicks_above_impressions",),
    )
    assert reasons[13] == reasons[20] == ("wrong_field_count",)
    assert (reasons[15], reasons[16]) == (("bad_date",), ("negative",))
    used = [r["line"] for r in whole.rows]
    assert used == [3, 4, 6, 9, 14, 18, 21]
    assert [r["campaign"] for r in whole.rows][2] == "two\nlines"


@pytest.mark.parametrize("size", (1, 2, 3, 4, 7, 50_000))
@pytest.mark.parametrize("lines", [MIXED, PLAIN], ids=["quoted", "plain"])
def test_streamed_rows_are_the_records_read_whole(tmp_path, size, lines):
    """However the lines are cut into blocks, the rows are the records that reading the whole
    file at once gives, with their line numbers (a quote opened on a block's last line joins the
    next block's first line into one record)."""
    path = write(tmp_path, lines)
    whole = read_table(path)
    table = open_table(path)
    streamed = [
        (line, tuple(fields))
        for block in table.chunks(size)
        for line, fields in zip(block.lines, block.rows(), strict=True)
    ]
    assert streamed == [(r.line, r.fields) for r in whole.rows]
    assert table.blank_lines == whole.blank_lines == (1 if lines is MIXED else 2)
    if lines is PLAIN and size == 3:  # both readings are used: lines 8-10 and 11-13 are not plain
        plain = [b.columns is not None for b in open_table(path).chunks(size)]
        assert plain == [True, True, False, False, True, True]


@pytest.mark.parametrize("size", CHUNK_SIZES)
def test_a_plain_file_reads_the_same_in_columns_and_in_rows(tmp_path, monkeypatch, size):
    path = write(tmp_path, PLAIN)
    whole = with_chunks(monkeypatch, 50_000, lambda: import_file(path, ImportOptions()))
    chunked = with_chunks(monkeypatch, size, lambda: import_file(path, ImportOptions()))
    assert_same_import(chunked, whole)
    reasons = {r.line: r.reasons for r in whole.rejected}
    assert reasons == {
        6: ("duplicate",),
        7: ("total_row",),
        8: ("wrong_field_count",),
        13: ("clicks_above_impressions",),
        14: ("non_numeric",),
        15: ("duplicate",),
    }
    rows = whole.rows
    assert [r["line"] for r in rows] == [2, 3, 4, 5, 9, 12, 16, 17]
    assert rows[1]["campaign"] == "spring" and rows[1]["spend"] == 1234
    assert rows[3]["campaign"] == "(missing)" and whole.summary["placeholders_read_as_zero"] == 1


def test_chunks_change_nothing_across_files(tmp_path, monkeypatch):
    """Repeats and overlaps between files, found after each file has been read in chunks."""
    first = write(tmp_path, MIXED, "first.csv")
    second = write(
        tmp_path,
        [
            MIXED[1],
            MIXED[2],  # repeats first.csv line 3: rejected
            "2024-03-01,spring,99,1000,10,800,1",  # the same arm and day, other numbers
            "2024-03-20,summer,1,100,1,90,0",
        ],
        "second.csv",
    )
    options = ImportOptions()
    whole = with_chunks(monkeypatch, 50_000, lambda: import_exports([first, second], options))
    for size in CHUNK_SIZES[:-1]:
        chunked = with_chunks(monkeypatch, size, lambda: import_exports([first, second], options))
        pd.testing.assert_frame_equal(chunked.frame, whole.frame)
        assert chunked.rejected == whole.rejected
        assert chunked.files == whole.files
        assert chunked.overlapping_rows == whole.overlapping_rows == 1
    repeat = whole.rejected[-1]
    assert (repeat.file, repeat.line, repeat.reasons) == (str(second), 2, ("duplicate",))
    assert repeat.detail == f"repeats {first} line 3 exactly"
    assert repeat.raw == MIXED[2]
    assert whole.files[1]["rows_used"] == 2 and whole.files[1]["rows_rejected"] == 1


def test_many_rows_of_few_distinct_cells(tmp_path, monkeypatch):
    """Cells read once per distinct text are spread back over the right rows: every row's values
    are its own line's, whatever chunk it fell in."""
    header = "Day,Campaign,Amount spent (USD),Impressions,Link clicks"
    lines = [header]
    for n in range(200):
        lines.append(f"2024-03-{1 + n % 28:02d},c{n % 3},{n % 7}.5,{100 + n % 11},{n % 5}")
    path = write(tmp_path, lines)
    done = with_chunks(monkeypatch, 17, lambda: import_file(path, ImportOptions()))
    rows = done.rows
    assert [r["line"] for r in rows] == list(range(2, 202))
    for r in rows:
        n = r["line"] - 2
        assert (r["date"].day, r["campaign"]) == (1 + n % 28, f"c{n % 3}")
        assert (r["spend"], r["impressions"], r["clicks"]) == (n % 7 + 0.5, 100 + n % 11, n % 5)


@pytest.mark.parametrize(("rows", "title"), [(1, "Import: 1 row read"), (2, "Import: 2 rows read")])
def test_the_import_table_counts_rows_in_words(tmp_path, rows, title):
    lines = ["Day,Campaign,Amount spent (USD),Impressions,Link clicks"]
    lines += [f"2024-03-0{n + 1},c,1.5,100,1" for n in range(rows)]
    summary = import_document(import_exports([write(tmp_path, lines)], ImportOptions()))
    assert str(import_table(summary).title).startswith(title + ",")
