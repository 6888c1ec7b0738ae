"""Reading an export file into text rows: encoding, separator and header row, found by looking.

Ad platforms write CSV in many dialects: Google Ads' "CSV for Excel" is UTF-16 with tabs, VK and
1C-era tools write cp1251 with semicolons, Excel in most of Europe writes semicolons because the
comma is the decimal mark, and LinkedIn and Google put title lines above the table. Nothing here
interprets a value; it only finds the table and keeps every physical line accounted for.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from smmsim.calibration.mixed_encoding import BadLine, MixedEncodingError, split_bad_lines
from smmsim.scenarios.errors import SmmsimError

SEPARATORS = (",", ";", "\t", "|")
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
SNIFF_LINES = 60  # enough lines to see past a title block and into the table
# Where str.splitlines breaks a line and the csv module does not.
OTHER_LINE_BREAKS = re.compile("[\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


class ExportFileError(SmmsimError):
    """A file that cannot be read as a table at all (not a row problem: those are rejected)."""

    exit_code = 2


@dataclass(frozen=True)
class RawRow:
    line: int  # physical line number in the file, 1-based, as an editor or spreadsheet shows it
    fields: tuple[str, ...]


@dataclass(frozen=True)
class RawTable:
    path: str
    encoding: str
    separator: str
    header_line: int
    header: tuple[str, ...]
    preamble: tuple[str, ...]  # title lines above the header, kept for the summary
    rows: tuple[RawRow, ...]  # every non-blank line after the header
    blank_lines: int


def decode(data: bytes, path: str) -> tuple[str, str]:
    """The text and the name of its encoding: a BOM first, then UTF-16 by its zero bytes,
    then UTF-8, then cp1251 (the Cyrillic Windows code page that Russian exports use)."""
    boms = (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    )
    for bom, name in boms:
        if data.startswith(bom):
            return _decode_as(data[len(bom) :], name.replace("-sig", ""), path, len(bom)), name
    if _utf16(data):
        sample = data[:4000]
        # ASCII text in UTF-16 has a zero in every other byte; which half says the byte order.
        name = "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
        return _decode_as(data, name, path), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return _decode_as(data, "cp1251", path), "cp1251"


def decode_lines(data: bytes, path: str) -> tuple[list[str], str, dict[int, BadLine]]:
    """The file's physical lines, its encoding, and the lines that are not in it: a file that is
    UTF-8 except some lines keeps its UTF-8 lines, and each other line is blanked here and
    given back as a `BadLine` (its row is rejected as bad_encoding); it is never re-decoded as a
    whole. Other files read as `decode` reads them (a BOM, UTF-16, or wholly cp1251)."""
    bom = data.startswith(BOMS[0])
    if (data.startswith(BOMS) and not bom) or _utf16(data):
        text, encoding = decode(data, path)
        return physical_lines(text), encoding, {}
    body = data[len(BOMS[0]) :] if bom else data
    try:
        return physical_lines(body.decode("utf-8")), "utf-8-sig" if bom else "utf-8", {}
    except UnicodeDecodeError:
        pass
    lines = physical_lines(body.decode("utf-8", "surrogateescape"))
    try:
        bad = split_bad_lines(lines)
    except MixedEncodingError as exc:
        raise ExportFileError(f"{path}: {exc}") from None
    if bad is None:  # wholly a legacy code page; after a UTF-8 BOM, that is an error
        text, encoding = decode(data, path)
        return physical_lines(text), encoding, {}
    for number in bad:  # keep the line (and so every line's number), not its bytes
        line = lines[number - 1]
        lines[number - 1] = line[len(line.rstrip("\r\n")) :]
    return lines, "utf-8-sig" if bom else "utf-8", bad


def _utf16(data: bytes) -> bool:
    """ASCII text in UTF-16 has a zero in every other byte."""
    sample = data[:4000]
    return bool(sample) and sample.count(0) > len(sample) // 4


def _decode_as(data: bytes, name: str, path: str, skipped: int = 0) -> str:
    try:
        return data.decode(name)
    except UnicodeDecodeError as exc:
        raise ExportFileError(
            f"{path}: cannot decode the file as {name} (byte {exc.start + skipped}); "
            "save it as UTF-8 or give a supported encoding"
        ) from None


def physical_lines(text: str) -> list[str]:
    """The file's lines, endings kept, split where the csv module splits them (\n, \r, \r\n).

    `str.splitlines` splits there too, and at a few rarer characters besides; without any of
    them in the text (nearly always) it gives the same lines without a StringIO's copy of the
    text at four bytes a character."""
    if not OTHER_LINE_BREAKS.search(text):
        return text.splitlines(keepends=True)
    return list(io.StringIO(text, newline=""))


def split_lines(text: str, separator: str) -> list[tuple[int, list[str]]]:
    """(physical line, fields) for every record; quoted fields may span lines."""
    return split_records(physical_lines(text), separator)


def split_records(lines: list[str], separator: str) -> list[tuple[int, list[str]]]:
    """(physical line, fields) for every record of `lines` (see `iter_records`)."""
    return list(iter_records(lines, separator))


def iter_records(
    lines: list[str], separator: str, start: int = 0
) -> Iterator[tuple[int, list[str]]]:
    """(physical line, fields) for every record of `lines` from index `start`, one at a time.

    A record the csv module refuses (a quote never closed that runs into its field-size limit) is
    read as its first line alone, and reading goes on with the next line.
    """
    while start < len(lines):
        reader = csv.reader(itertools.islice(lines, start, None), delimiter=separator)
        line = start + 1
        try:
            for fields in reader:
                yield line, fields
                line = start + reader.line_num + 1
            return
        except csv.Error:
            yield line, read_alone(lines[line - 1], separator)
            start = line


def read_alone(line: str, separator: str) -> list[str]:
    """The fields of one physical line, a quote left open ending at the line's end."""
    try:
        return next(csv.reader([line.rstrip("\r\n")], delimiter=separator), [])
    except csv.Error:
        return line.rstrip("\r\n").split(separator)


def sniff_separator(text: str) -> str:
    """The separator under which the file reads as a table: a header row with the most lines of
    its width below it (then the wider header); if none finds a header, the separator that splits
    the most lines into the same number (more than one) of fields.

    Judging by the lines below a header keeps title lines from voting ("Report Start: 8/1/2019,
    12:00 AM" above a tab-separated table splits at its comma), and counting fields per line, not
    characters, keeps decimal commas inside a semicolon file and commas in quoted campaign names
    from voting for the comma.
    """
    head = "\n".join(text.splitlines()[:SNIFF_LINES])
    best, best_score = None, (-1, -1)
    for separator in SEPARATORS:
        records = split_lines(head, separator)
        try:
            at = find_header(records)
        except ExportFileError:
            continue
        width = filled_width(records[at][1])
        score = (sum(filled_width(f) == width for _, f in records[at + 1 :]), width)
        if width > 1 and score > best_score:
            best, best_score = separator, score
    return best or most_consistent_separator(head)


def most_consistent_separator(head: str) -> str:
    """The separator that splits the most lines into the same number (more than one) of fields."""
    best, best_score = ",", (-1, -1)
    for separator in SEPARATORS:
        counts = Counter(len(f) for _, f in split_lines(head, separator) if any(f))
        counts.pop(1, None)
        if not counts:
            continue
        width, lines = counts.most_common(1)[0]
        score = (lines, width)
        if score > best_score:
            best, best_score = separator, score
    return best


def filled_width(fields: list[str]) -> int:
    """Fields up to the last non-empty one: a trailing separator adds no column."""
    width = len(fields)
    while width and not fields[width - 1].strip():
        width -= 1
    return width


def looks_numeric(cell: str) -> bool:
    digits = sum(ch.isdigit() for ch in cell)
    return digits > 0 and digits >= len(cell.strip()) / 2


def find_header(records: list[tuple[int, list[str]]]) -> int:
    """Index of the header: the first record as wide as the table whose cells are mostly text.

    Title lines ("Campaign report", "1 Aug 2019 - 31 Aug 2019") are narrower than the table, and
    data rows are mostly numbers, so neither is taken for the header.
    """
    widths = Counter(filled_width(f) for _, f in records[:SNIFF_LINES] if any(c.strip() for c in f))
    if not widths:
        raise ExportFileError("empty file")
    width = widths.most_common(1)[0][0]
    for i, (_, fields) in enumerate(records[:SNIFF_LINES]):
        cells = [c for c in fields if c.strip()]
        text_cells = [c for c in cells if not looks_numeric(c)]
        if filled_width(fields) >= width and len(text_cells) >= max(2, len(cells) // 2 + 1):
            return i
    raise ExportFileError("no header row found: no line of text column names above the data")


def read_table(path: Path, separator: str | None = None) -> RawTable:
    """Read `path` into a header and raw rows; every physical line is a row, title or blank."""
    source = open_table(path, separator)
    rows = tuple(source.rows())
    return RawTable(
        path=source.path,
        encoding=source.encoding,
        separator=source.separator,
        header_line=source.header_line,
        header=source.header,
        preamble=source.preamble,
        rows=rows,
        blank_lines=source.blank_lines,
    )


@dataclass(frozen=True)
class Block:
    """Rows of a file read together: their lines, and their cells as rows or as columns."""

    lines: list[int]
    records: list[list[str]] | None  # the cells row by row, or None: see `columns`
    columns: list[np.ndarray] | None = None  # the cells column by column, every row full width
    one_line: bool = True  # every row one line of the file (its text can be read again)

    def rows(self) -> list[list[str]]:
        if self.records is not None:
            return self.records
        return [list(row) for row in zip(*self.columns, strict=True)]


class StreamedTable:
    """A file's table whose rows are read on demand, as often as needed, so that a file of a
    million rows is never held as a million lists of cells: only its lines stay in memory."""

    def __init__(self, path: str, encoding: str, separator: str, lines: list[str]):
        self.path, self.encoding, self.separator, self.lines = path, encoding, separator, lines
        head = list(itertools.islice(iter_records(lines, separator), SNIFF_LINES + 1))
        try:
            at = find_header(head)
        except ExportFileError as exc:
            raise ExportFileError(f"{path}: {exc}") from None
        self.header_line, header = head[at]
        header = header[: filled_width(header)]  # "a;b;c;" names three columns, not four
        self.header = tuple(h.strip().lstrip("\ufeff") for h in header)
        self.preamble = tuple(separator.join(f) for _, f in head[:at])
        # The csv module reads the same records from any record's first line, so the rows can
        # be read again from the line after the header.
        self.first_row = head[at + 1][0] - 1 if at + 1 < len(head) else len(lines)
        self.blank_lines: int | None = None  # known once `chunks()` has been read to the end
        # lines below the header that are not in the file's encoding (blanked in `lines`)
        self.bad_lines: dict[int, BadLine] = {}

    def rows(self, size: int = 50_000) -> Iterator[RawRow]:
        """Every non-blank line after the header, in order (read `size` rows at a time)."""
        for block in self.chunks(size):
            yield from (RawRow(n, tuple(f)) for n, f in zip(block.lines, block.rows(), strict=True))

    def chunks(self, size: int = 50_000) -> Iterator[Block]:
        """The non-blank rows after the header, about `size` at a time, counting the blank ones
        (`blank_lines`, once read to the end).

        While every record is one line, a block of lines is read at once: by pandas' parser into
        columns when the block is a plain table (no quote, every line as wide as the header, no
        blank line), else by one call to the csv module. From the first block where a record
        spans lines (a quoted line break, a stray quote), the rest is read record by record as
        `read_table` reads it (see `unswallow`)."""
        self.blank_lines = None
        blank, start = 0, self.first_row
        while start < len(self.lines):
            columns = self._plain_columns(start, size)
            if columns is not None:
                count = len(columns[0])
                yield Block(list(range(start + 1, start + 1 + count)), None, columns)
                start += count
                continue
            records = self._one_line_records(start, size)
            if records is None:
                break
            kept = [k for k, f in enumerate(records) if not _blank(f)]
            blank += len(records) - len(kept)
            if len(kept) == len(records):
                yield Block(list(range(start + 1, start + 1 + len(records))), records)
            else:
                yield Block([start + 1 + k for k in kept], [records[k] for k in kept])
            start += len(records)
        rest = iter_records(self.lines, self.separator, start)
        rest = unswallow(rest, len(self.header), self.lines, self.separator)
        while block := list(itertools.islice(rest, size)):
            rows = [(line, f) for line, f in block if not _blank(f)]
            blank += len(block) - len(rows)
            yield Block([line for line, _ in rows], [f for _, f in rows], one_line=False)
        self.blank_lines = blank - len(self.bad_lines)  # rejected as rows, not blank

    def _plain_columns(self, start: int, size: int) -> list[np.ndarray] | None:
        """The cells of lines start..start+size as columns, if the block is a plain table:
        without a quote or a NUL (the csv module then only splits each line at the separator,
        as pandas' parser does), each line with exactly the header's number of separators, and
        no blank line; else None."""
        block = self.lines[start : start + size]
        width, separator = len(self.header), self.separator
        text = "".join(block)
        if '"' in text or "\0" in text:
            return None
        if any(line.count(separator) != width - 1 for line in block):
            return None
        if any(not line.replace(separator, "").strip() for line in block):
            return None
        frame = pd.read_csv(
            io.StringIO(text),
            sep=separator,
            header=None,
            dtype=object,
            na_filter=False,
            quoting=csv.QUOTE_NONE,
            skip_blank_lines=False,
            engine="c",
        )
        if frame.shape != (len(block), width):
            return None
        return [frame[c].to_numpy(dtype=object) for c in frame.columns]

    def one_line(self, line: int) -> list[str]:
        """The fields of a row that `chunks` read as one line a record, read again."""
        return next(csv.reader([self.lines[line - 1]], delimiter=self.separator), [])

    def _one_line_records(self, start: int, size: int) -> list[list[str]] | None:
        """The records of lines start..start+size if each is exactly one line, else None.

        The csv module ends a quote left open at the end of its input silently, so the block is
        read with the line after it: a quote opened on the block's last line then joins the two
        lines into one record, and the block is refused."""
        block = self.lines[start : start + size + 1]
        try:
            records = list(csv.reader(block, delimiter=self.separator))
        except csv.Error:
            return None
        if len(records) != len(block):
            return None
        return records[:size]

    def head(self, count: int = 200) -> RawTable:
        """The table with its first `count` rows only: enough to judge what a column holds."""
        return RawTable(
            path=self.path,
            encoding=self.encoding,
            separator=self.separator,
            header_line=self.header_line,
            header=self.header,
            preamble=self.preamble,
            rows=tuple(itertools.islice(self.rows(count), count)),
            blank_lines=0,  # not counted in a head
        )


def _blank(fields: list[str]) -> bool:
    """No cell holds anything but spaces (most rows show it in their first cell)."""
    if fields and fields[0] and not fields[0].isspace():
        return False
    return not "".join(fields).strip()


def open_table(path: Path, separator: str | None = None) -> StreamedTable:
    """Find `path`'s encoding, separator and header; its rows are read by `chunks()`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExportFileError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    lines, encoding, bad = decode_lines(data, str(path))
    del data
    separator = separator or sniff_separator("".join(lines[:SNIFF_LINES]))
    table = StreamedTable(str(path), encoding, separator, lines)
    table.bad_lines = {n: b for n, b in bad.items() if n > table.header_line}
    return table


def unswallow(
    records: Iterable[tuple[int, list[str]]], width: int, lines: list[str], separator: str
) -> Iterator[tuple[int, list[str]]]:
    """The records, with each one that spans several lines but not the header's width read again
    line by line: a stray quote that was never closed must not swallow the rows after it (only
    its own row is then wrong; every other line keeps its number and its fields)."""
    records = iter(records)
    current = next(records, None)
    while current is not None:
        following = next(records, None)
        line, fields = current
        end = following[0] if following is not None else len(lines) + 1
        if end - line > 1 and len(fields) != width:
            yield from ((n, read_alone(lines[n - 1], separator)) for n in range(line, end))
        else:
            yield line, fields
        current = following
