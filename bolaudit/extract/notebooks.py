"""Jupyter notebooks as one virtual Python module made of their code cells, plus the rest.

The rules see notebooks as Python; findings must still point at the right line of the ``.ipynb``
file, so every virtual line carries the file line where its source string sits. ``json`` gives no
positions, so after ``json.loads`` has vouched for the document a small located parse finds the
offset of every string value. IPython syntax (``%magic``, ``!shell``, ``obj?``, cell magics such
as ``%%bash``) is turned into ``pass  # ...`` or a comment on the same line: line numbers stay, the
text stays visible to the secret scan, and Python can parse the rest.

Everything else a notebook holds (markdown and raw cells, outputs, metadata) is text for the
secret scan: ``notebook_module`` can also give the notebook's own text with the code cells'
source strings blanked out (same length, so every position is the file's), for a text scan
that does not see the code twice.
"""

from __future__ import annotations

import bisect
import io
import json
import re
import tokenize

from bolaudit.extract.decoding import Decoded, DecodeFailure

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_LINE = re.compile(r"[^\n]*\n|[^\n]+")
_MAGIC = re.compile(r"[ \t]*(?:[%!]|\?\??[\w.]|[\w.]+\s*=\s*[%!]|[\w.]+\?\??\s*$)")
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})


class _At(str):
    """A JSON string value that remembers the offsets of its opening quote and its end."""

    offset: int
    end: int


def notebook_module(data: bytes, rest: list[str] | None = None) -> Decoded | DecodeFailure:
    """The code cells of an ``.ipynb`` as one module, with ``line_map`` into the file.

    ``rest`` receives the notebook's text with the source strings of the code cells the module
    holds blanked out (of another kernel's notebook, nothing is blanked: its cells are not read
    as Python)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return DecodeFailure(f"notebook is not UTF-8 (byte 0x{data[error.start]:02X})", line)
    try:
        json.loads(text)
        document, _ = _parse(text, 0)
    except json.JSONDecodeError as error:
        return DecodeFailure(f"malformed notebook: {error.msg}", error.lineno, error.colno)
    except RecursionError:
        return DecodeFailure("malformed notebook: nested too deeply")
    cells = _code_cells(document)
    if cells is None:
        return DecodeFailure("malformed notebook: no list of cells")
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    python = _is_python(document)
    if rest is not None:
        rest.append(_blanked(text, [s for cell in cells for s in cell]) if python else text)
    lines: list[str] = []
    line_map: list[int] = []
    for sources in cells:
        cell = _cell_lines(sources, starts)
        if not cell:
            continue
        texts = [source for source, _ in cell]
        texts = _neutralise(texts) if python else [_commented(t) for t in texts]
        if not texts[-1].endswith("\n"):
            texts[-1] += "\n"
        lines.extend(texts)
        line_map.extend(line for _, line in cell)
    return Decoded("".join(lines), "utf-8", tuple(line_map))


def _parse(text: str, pos: int) -> tuple[object, int]:
    """One JSON value at ``pos`` with its string values located; the text is known valid."""
    pos = _skip(text, pos)
    char = text[pos]
    if char == '"':
        value, end = _DECODER.raw_decode(text, pos)
        located = _At(value)
        located.offset = pos
        located.end = end
        return located, end
    if char in "[{":
        closing = "]" if char == "[" else "}"
        items: list[object] = []
        members: dict[str, object] = {}
        pos = _skip(text, pos + 1)
        while text[pos] != closing:
            if char == "{":
                key, pos = _DECODER.raw_decode(text, pos)
                pos = _skip(text, pos) + 1  # the colon
                members[key], pos = _parse(text, pos)
            else:
                item, pos = _parse(text, pos)
                items.append(item)
            pos = _skip(text, pos)
            if text[pos] == ",":
                pos = _skip(text, pos + 1)
        return (members if char == "{" else items), pos + 1
    _, end = _DECODER.raw_decode(text, pos)  # a number, true, false, null: not needed
    return None, end


def _blanked(text: str, sources: list[_At]) -> str:
    """``text`` with each of the JSON strings ``sources`` (quotes kept) turned into spaces."""
    out: list[str] = []
    last = 0
    for source in sorted(sources, key=lambda s: s.offset):
        out += [text[last : source.offset + 1], " " * (source.end - source.offset - 2)]
        last = source.end - 1
    out.append(text[last:])
    return "".join(out)


def _skip(text: str, pos: int) -> int:
    """The offset after any JSON whitespace at ``pos``."""
    match = _WS.match(text, pos)
    return match.end() if match else pos


def _code_cells(document: object) -> list[list[_At]] | None:
    """The source strings of each code cell (nbformat 4, or 3's worksheets and ``input``)."""
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("cells"), list):
        cells, source_key = document["cells"], "source"
    elif isinstance(document.get("worksheets"), list):
        sheets = [w for w in document["worksheets"] if isinstance(w, dict)]
        cells = [cell for sheet in sheets for cell in sheet.get("cells", [])]
        source_key = "input"
    else:
        return None
    found: list[list[_At]] = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get(source_key)
        parts = [source] if isinstance(source, _At) else source if isinstance(source, list) else []
        found.append([part for part in parts if isinstance(part, _At)])
    return found


def _is_python(document: object) -> bool:
    """False for notebooks of another kernel (R, Julia): their cells are not Python."""
    if not isinstance(document, dict) or not isinstance(document.get("metadata"), dict):
        return True
    metadata = document["metadata"]
    for table, key in (("language_info", "name"), ("kernelspec", "language")):
        info = metadata.get(table)
        if isinstance(info, dict) and isinstance(info.get(key), str):
            return str(info[key]).lower().startswith("python")
    return True


def _cell_lines(sources: list[_At], starts: list[int]) -> list[tuple[str, int]]:
    """A cell's lines, each with the file line of the source string it starts in."""
    lines: list[tuple[str, int]] = []
    open_line = False
    for source in sources:
        file_line = bisect.bisect_right(starts, source.offset)
        for match in _LINE.finditer(source):
            piece = match[0]
            if open_line:
                lines[-1] = (lines[-1][0] + piece, lines[-1][1])
            else:
                lines.append((piece, file_line))
            open_line = not piece.endswith("\n")
    return lines


def _neutralise(lines: list[str]) -> list[str]:
    """Replace IPython syntax by Python that keeps the line count; leave real Python alone."""
    first = lines[0].lstrip()
    if first.startswith("%%"):
        name = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        if name not in _PYTHON_CELL_MAGICS:
            return [_commented(line) for line in lines]
    out = list(lines)
    for n, line in enumerate(lines):
        if _MAGIC.match(line) and _at_statement_start(out[:n]):
            out[n] = _as_pass(line)
    return out


def _at_statement_start(before: list[str]) -> bool:
    """Whether a line after ``before`` starts a statement, rather than continuing brackets, a
    backslash or a triple-quoted string (``% b)`` in an expression, ``%s`` in a template).

    Earlier IPython lines are already comments here, so their brackets do not count.
    """
    try:
        for _ in tokenize.generate_tokens(io.StringIO("".join(before)).readline):
            pass
    except tokenize.TokenError:  # "EOF in multi-line statement / string"
        return False
    except SyntaxError:  # bad indentation: not a continuation
        return True
    return True


def _as_pass(line: str) -> str:
    stripped = line.lstrip(" \t")
    indent = line[: len(line) - len(stripped)]
    ending = "\n" if line.endswith("\n") else ""
    return f"{indent}pass  # {stripped.rstrip(chr(10))}{ending}"


def _commented(line: str) -> str:
    return "# " + line if line.strip() else line
