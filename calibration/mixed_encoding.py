"""Files that are UTF-8 except some lines: those lines are rejected as rows, never re-decoded.

A file pasted together from two exports (or edited in a tool that saved a few rows in the
Windows code page) is UTF-8 in most lines and cp1251 in some. Decoding the whole file as cp1251
because some lines fail UTF-8 turns every UTF-8 line into mojibake ("Реклама" becomes
"Р РµРєР»Р°РјР°"), a phantom platform of its own. So the lines are judged one by one: the
bytes that are not UTF-8 are kept as surrogates by Python's "surrogateescape" handler, and the
lines that hold any are the ones that fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Python's "surrogateescape" handler turns each byte that is not UTF-8 into U+DC80..U+DCFF.
NOT_UTF8 = re.compile("[\udc80-\udcff]")
# A run of bytes shown in a reason: the failing bytes and the letters and digits around them.
WORD = re.compile("[\\w\udc80-\udcff]*[\udc80-\udcff][\\w\udc80-\udcff]*")


class MixedEncodingError(ValueError):
    """Most lines with non-ASCII text are not UTF-8, but some are: the file has two encodings."""


@dataclass(frozen=True)
class BadLine:
    line: int  # physical line in the file, 1-based
    raw: str  # the line as the encoding that reads it shows it
    detail: str  # which bytes fail and what they read as


def split_bad_lines(lines: list[str]) -> dict[int, BadLine] | None:
    """The lines of a UTF-8 file (decoded with "surrogateescape") that are not UTF-8, or None
    when the file is wholly in a legacy encoding (next to no line with non-ASCII text reads as
    UTF-8: it is then decoded as a whole, as before). Raises MixedEncodingError when the lines
    that fail outnumber the non-ASCII lines that read: no reading of such a file is safe."""
    bad, utf8 = [], 0
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        if NOT_UTF8.search(line):
            bad.append(number)
        else:
            utf8 += 1
    if utf8 <= len(bad) // 100:  # a cp1251 line can be valid UTF-8 by chance ("Сё" is)
        return None
    found = {n: bad_line(n, lines[n - 1]) for n in bad}
    if len(bad) > utf8:
        first = found[bad[0]]
        raise MixedEncodingError(
            f"mixed encodings: {len(bad):,} lines are not UTF-8 (line {first.line}: "
            f"{first.detail}) and {utf8:,} lines are UTF-8; save the file in one encoding "
            "(UTF-8) and import it again"
        )
    return found


def bad_line(number: int, line: str) -> BadLine:
    """Line `number` (decoded with "surrogateescape"), its failing bytes shown and read."""
    data = line.rstrip("\r\n").encode("utf-8", "surrogateescape")
    encoding = legacy_encoding(data)
    word = WORD.search(line)
    shown = word.group(0) if word else line
    failing = shown.encode("utf-8", "surrogateescape")
    codes = [b for b in failing if b >= 0x80]
    hexes = " ".join(f"{b:02x}" for b in codes[:6]) + (" ..." if len(codes) > 6 else "")
    reads = failing.decode(encoding, "replace")
    detail = f"not UTF-8 (bytes {hexes}); reads as {encoding}: {reads!r}"
    return BadLine(number, data.decode(encoding, "replace"), detail)


def legacy_encoding(data: bytes) -> str:
    """cp1251 when its reading of the bytes is Cyrillic words, else cp1252 (Western Europe):
    read as cp1251, "Café" is "Cafй", a word that mixes Latin and Cyrillic letters."""
    text = data.decode("cp1251", "replace")
    words = [w for w in re.findall(r"\w+", text) if not w.isascii()]
    cyrillic = [w for w in words if all(_cyrillic(ch) or ch.isdigit() for ch in w)]
    return "cp1251" if words and len(cyrillic) == len(words) else "cp1252"


def _cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"
