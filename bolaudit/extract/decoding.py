"""Bytes to text: Python sources by PEP 263, other text files by whatever reads.

Python files must be read as Python reads them, or every position and every string literal is
wrong: a coding declaration (or a UTF-8 BOM) decides, else UTF-8, and a file that does not decode
is a ``DecodeFailure`` at its first bad byte (BOL000), never a silent Latin-1 guess. Other text
files only feed the secret scan, whose secrets are ASCII, so any reading will do, with Latin-1 as
the reading that never fails. Imports nothing from bolaudit.
"""

from __future__ import annotations

import codecs
import re

from bolaudit.records import record

BINARY_SNIFF = 8 * 1024

# PEP 263: the declaration, on line 1, or on line 2 when line 1 is blank or a comment.
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK_OR_COMMENT = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")
_UTF32_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"))
_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Bytes of ASCII text (and any non-ASCII code unit half): what the text half of UTF-16 holds.
_PRINTABLE = bytes([9, 10, 13, *range(32, 256)])


@record(slots=True)
class Decoded:
    """A file's text and how it was read.

    ``line_map`` is set for notebooks, whose text is a virtual module made of the code cells:
    ``line_map[n - 1]`` is the line of the ``.ipynb`` file where virtual line ``n`` sits.
    """

    text: str
    encoding: str
    line_map: tuple[int, ...] | None = None

    def file_line(self, line: int) -> int:
        """The line in the file on disk for ``line`` of ``text`` (1-based)."""
        if self.line_map is None or not self.line_map:
            return line
        return self.line_map[min(max(line, 1), len(self.line_map)) - 1]


@record(slots=True)
class DecodeFailure:
    """Why a file cannot be read as source, and where (1-based, as BOL000 reports it)."""

    message: str
    line: int = 1
    column: int = 1


def declared_encoding(data: bytes) -> tuple[str, int] | None:
    """The PEP 263 declaration's encoding name and its line, if the file has one."""
    lines = data.split(b"\n", 2)[:2]
    for number, line in enumerate(lines, start=1):
        match = _CODING.match(line)
        if match:
            return match[1].decode("ascii"), number
        if not _BLANK_OR_COMMENT.match(line):
            return None
    return None


def decode_python(data: bytes) -> Decoded | DecodeFailure:
    """Read Python source exactly as the interpreter would, or say where it cannot."""
    has_bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if has_bom else data
    declared = declared_encoding(body)
    encoding = "utf-8"
    if declared is not None:
        name, line = declared
        try:
            encoding = codecs.lookup(name).name
        except LookupError:
            return DecodeFailure(f"unknown encoding {name!r} in the coding declaration", line)
        if has_bom and encoding != "utf-8":
            return DecodeFailure(f"a UTF-8 BOM contradicts the declared encoding {name!r}", line)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as error:
        return _bad_byte(body, error, encoding, declared is not None)
    except (LookupError, ValueError) as error:  # a codec that cannot decode bytes at all
        return DecodeFailure(f"cannot decode with the declared encoding {encoding!r}: {error}")
    null = text.find("\0")
    if null >= 0:
        line, column = position(text, null)
        return DecodeFailure("source contains a null byte", line, column)
    return Decoded(text, "utf-8-sig" if has_bom else encoding)


def _bad_byte(
    body: bytes, error: UnicodeDecodeError, encoding: str, declared: bool
) -> DecodeFailure:
    start = body.rfind(b"\n", 0, error.start) + 1
    line = body.count(b"\n", 0, error.start) + 1
    column = len(body[start : error.start].decode(encoding, errors="replace")) + 1
    byte = body[error.start : error.start + 1].hex().upper()
    if declared:
        how = f"the declared encoding {encoding}"
        hint = ""
    else:
        how = "UTF-8"
        hint = "; save it as UTF-8 or declare its encoding (PEP 263: # -*- coding: latin-1 -*-)"
    return DecodeFailure(f"cannot decode byte 0x{byte} as {how}{hint}", line, column)


def decode_text(data: bytes) -> Decoded | None:
    """Any text file for the secret scan; None when the bytes are binary.

    A UTF-16/32 byte order mark wins (such files are full of null bytes), and so does the look
    of UTF-16 without one (Windows tools write ``.env`` and YAML files so); otherwise a null byte
    in the first 8 KiB means binary, as git and detect-secrets decide it.
    """
    encoding = wide_encoding(data)
    if encoding is not None:
        try:
            return Decoded(data.decode(encoding), encoding)
        except UnicodeDecodeError:
            return None
    if b"\0" in data[:BINARY_SNIFF]:
        return None
    try:
        return Decoded(data.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError:
        return Decoded(data.decode("latin-1"), "latin-1")


def wide_encoding(data: bytes) -> str | None:
    """``utf-16``/``utf-32`` (with a byte order mark) or ``utf-16-le``/``-be`` (without one, when
    the first 8 KiB read as mostly ASCII text in it: a null byte beside every character), else
    None. Cheap: it looks at null bytes only."""
    for boms in (_UTF32_BOMS, _UTF16_BOMS):
        for bom, encoding in boms:
            if data.startswith(bom):
                return encoding
    head = data[:BINARY_SNIFF]
    if len(head) < 16 or b"\0" not in head[:2]:
        return None
    head = head[: len(head) // 2 * 2]
    even, odd = head[0::2], head[1::2]
    pairs = len(odd)
    # ASCII text in UTF-16-LE: every odd byte null, (almost) no even one, and those mostly
    # printable; BE the other way round.
    for text, nulls, encoding in ((even, odd, "utf-16-le"), (odd, even, "utf-16-be")):
        if nulls.count(0) >= pairs * 0.9 and text.count(0) <= pairs * 0.02:
            control = len(text.translate(None, _PRINTABLE))
            return encoding if control <= pairs * 0.02 else None
    return None


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
