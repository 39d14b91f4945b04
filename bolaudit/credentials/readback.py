"""Reading a credential back from the text a sighting's span covers (``--verify-credentials``).

Facts hold fingerprints, never values; verification reads the value again from the file and
checks it against the fingerprint. A span covers a Python string literal (prefix and quotes
included, perhaps implicitly concatenated over several lines), a string built from literals
(``"a" + "b"``, an f-string, ``"".join([...])``), a raw value in a text file, a ``Basic`` header
or bare base64 pair (both halves share its span), or one half of a ``uuid:secret`` string.
"""

from __future__ import annotations

import ast
import re
from urllib.parse import unquote

from bolaudit.catalog.credentials import (
    BASIC_RUN_RE,
    CLIENT_ID,
    PCT_RUN_RE,
    SECRET_RUN_RE,
    UUID_RE,
    UUID_RUN_RE,
    decode_basic,
    secret_shape,
    split_pair,
)


def read_back(text: str, kind: str) -> str | None:
    """The credential of ``kind`` held by the text a sighting's span covers: the first of
    ``read_back_all``'s candidates."""
    found = read_back_all(text, kind)
    return found[0] if found else None


def read_back_all(text: str, kind: str) -> list[str]:
    """Every value of ``kind`` the text at a span may hold, most likely first: the whole value,
    a half of a pair, then (in a string built from literals, a form body or a URL) each run of
    the kind's shape in it. The caller tells them apart by fingerprint."""
    value: str | None = text
    if re.match(r"[rRbBuUfF]{0,2}[\"']", text):
        value = _python_string(text)
    elif ("'" in text or '"' in text) and (python := _python_string(text)) is not None:
        value = python  # ``cid + "&client_secret=" + "..."``; else a raw value in a text file
    if value is None:
        return []
    pair = (decode_basic(value) if len(value) >= 52 else None) or split_pair(value)
    if pair is not None:
        return [pair[0] if kind == CLIENT_ID else pair[1]]
    if "\0" not in value and (UUID_RE.fullmatch(value) or secret_shape(value) is not None):
        return [value]
    out: list[str] = []
    for m in BASIC_RUN_RE.finditer(value):
        pair = decode_basic(m.group())
        if pair is not None:
            out.append(pair[0] if kind == CLIENT_ID else pair[1])
    regex = UUID_RUN_RE if kind == CLIENT_ID else SECRET_RUN_RE
    out += [m.group() for m in regex.finditer(value)]
    if kind != CLIENT_ID and "%" in value:  # percent-encoded in a form body or a query string
        out += [unquote(m.group()) for m in PCT_RUN_RE.finditer(value)]
    return out or ([value] if "\0" not in value else [])


_HOLE = "\0"


def _python_string(text: str) -> str | None:
    try:
        node = ast.parse(f"({text})", mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    try:
        return _joined(node, 0)
    except RecursionError:
        return None


def _joined(node: ast.expr, depth: int) -> str | None:
    """The string a literal, or an expression joining literals, makes; ``_HOLE`` for any other
    part; None when it is no string at all."""
    if depth > 48:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        return node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _joined(node.left, depth + 1), _joined(node.right, depth + 1)
        if left is None and right is None:
            return None
        return (left or _HOLE) + (right or _HOLE)
    if isinstance(node, ast.JoinedStr):
        out = []
        for v in node.values:
            if isinstance(v, ast.FormattedValue) and v.conversion == -1 and v.format_spec is None:
                out.append(_joined(v.value, depth + 1) or _HOLE)
            else:
                out.append(_joined(v, depth + 1) or _HOLE)
        return "".join(out)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and len(node.args) == 1
        and isinstance(node.args[0], (ast.List, ast.Tuple))
    ):
        separator = _joined(node.func.value, depth + 1)
        if separator is None or _HOLE in separator:
            return None
        return separator.join(_joined(e, depth + 1) or _HOLE for e in node.args[0].elts)
    return None
