"""Expression helpers that need no parser: names, sizes, choices, literals, redaction.

Split from ``exprs`` (which builds ``Expr`` trees from LibCST nodes) so that the project stage,
which only reads facts, never imports LibCST: a run where no file needs parsing (most of a large
unrelated codebase, or a pre-commit run on one unrelated file) stays free of its import cost.
"""

from __future__ import annotations

import ast
import base64
import re
import warnings
from collections.abc import Iterator

from bolaudit.facts import (
    Attr,
    CallExpr,
    Choice,
    Concat,
    Const,
    Expr,
    Format,
    Join,
    Name,
    Unknown,
    UrlJoin,
)


def size(expr: Expr, limit: int = 150) -> int:
    """Number of nodes in ``expr``, counting stops a little past ``limit``."""
    count = 0
    stack: list[object] = [expr]
    while stack and count <= limit:
        cur = stack.pop()
        if isinstance(cur, tuple):
            stack.extend(cur)
            continue
        if not hasattr(cur, "__slots__"):
            continue
        count += 1
        for slot in cur.__slots__:
            value = getattr(cur, slot)
            if isinstance(value, (tuple, Const, Name)) or hasattr(value, "__slots__"):
                stack.append(value)
    return count


def cap(expr: Expr, limit: int = 120) -> Expr:
    """Keep stored values small: inlining locals must not grow facts without bound."""
    if size(expr, limit) <= limit:
        return expr
    if isinstance(expr, CallExpr) and size(expr.func, limit) <= limit:
        return CallExpr(expr.func, (), (), expr.call)
    return Unknown("value too complex to follow")


def dotted(expr: Expr) -> str | None:
    """``Attr(Attr(Name("a"), "b"), "c")`` -> ``"a.b.c"``; None for anything else."""
    parts: list[str] = []
    while isinstance(expr, Attr):
        parts.append(expr.attr)
        expr = expr.base
    if isinstance(expr, Name):
        parts.append(expr.id)
        return ".".join(reversed(parts))
    return None


_STRING_START = re.compile(r"([rRbBuU]{0,2})(\'\'\'|\"\"\"|\'|\")")


def literal_value(raw: str) -> str | None:
    """The value of a string literal's source text (bytes decoded as Latin-1), or None.

    Literals without escapes are sliced (most of them); the rest go through ``ast.literal_eval``,
    which compiles, and costs as much as a small parse (measured: a fifth of the per-file time).
    """
    m = _STRING_START.match(raw)
    if m is not None:
        quote = m.group(2)
        body = raw[m.end() : len(raw) - len(quote)]
        if raw.endswith(quote) and len(raw) >= m.end() + len(quote):
            prefix = m.group(1).lower()
            if "\\" not in body or "r" in prefix:
                return body
            if body.isascii() and "b" not in prefix:
                # Python's own escapes for a str literal; ASCII source reads the same as
                # ``unicode_escape`` reads it (docstrings of generated code are full of ``\n``).
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # invalid escapes warn; not our business
                        return body.encode("ascii").decode("unicode_escape")
                except UnicodeDecodeError:
                    return None  # a malformed escape: the literal would not compile either
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes warn; not our business
            value = ast.literal_eval(raw)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value if isinstance(value, str) else None


REDACTED = "<redacted-secret>"
_JWT = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")
_SECRET_RUN = re.compile(r"(?<![A-Za-z0-9!?()@+\-_])[A-Za-z0-9!?()@+\-_]{64,87}(?![A-Za-z0-9!?()@+\-_])")
_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40,}={0,2}")


def redact(value: str) -> str:
    """Facts are cached and travel between processes: keep no credential in them.

    JWTs, runs shaped like a bol client secret, and base64 credential pairs (a ready Basic
    header) are replaced by ``REDACTED``; rules that need to know a secret was there look for it.
    URLs, media types and ordinary text are left alone.
    """
    value = _JWT.sub(REDACTED, value)
    value = _BASE64_RUN.sub(_pair_or_keep, value)
    return _SECRET_RUN.sub(_secret_or_keep, value)


def _secret_or_keep(m: re.Match[str]) -> str:
    from bolaudit.catalog.credentials import secret_shape

    return REDACTED if secret_shape(m.group()) is not None else m.group()


def _pair_or_keep(m: re.Match[str]) -> str:
    run = m.group()
    if len(run) % 4:
        return run
    try:
        decoded = base64.b64decode(run, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return run
    return REDACTED if ":" in decoded else run


def _stringish(expr: Expr) -> bool:
    if isinstance(expr, Const):
        return isinstance(expr.value, str)
    if isinstance(expr, Concat):
        return any(_stringish(p) for p in expr.parts)
    return isinstance(expr, (Format, Join, UrlJoin))


def _flat_concat(parts: tuple[Expr, ...]) -> Expr:
    out: list[Expr] = []
    for p in parts:
        sub = p.parts if isinstance(p, Concat) else (p,)
        for s in sub:
            if out and isinstance(s, Const) and isinstance(out[-1], Const):
                prev = out[-1]
                if isinstance(prev, Const) and isinstance(prev.value, str) and isinstance(s.value, str):
                    # Pieces too short to look like a secret can make one when joined.
                    joined = prev.value + s.value
                    out[-1] = Const(redact(joined) if len(joined) >= 36 else joined)
                    continue
            out.append(s)
    if len(out) == 1:
        return out[0]
    return Concat(tuple(out))


def _flat_choice(options: tuple[Expr, ...]) -> Expr:
    out: list[Expr] = []
    for o in options:
        for s in o.options if isinstance(o, Choice) else (o,):
            if s not in out:
                out.append(s)
    return out[0] if len(out) == 1 else Choice(tuple(out))


def choice(a: Expr, b: Expr) -> Expr:
    return _flat_choice((a, b))


def concat(a: Expr, b: Expr) -> Expr:
    return _flat_concat((a, b))


MAX_WALK = 400


def walk(expr: Expr) -> Iterator[Expr]:
    """Every sub-expression of ``expr`` (bounded: facts are capped, this is a second guard)."""
    stack: list[object] = [expr]
    seen = 0
    while stack and seen < MAX_WALK:
        cur = stack.pop()
        if isinstance(cur, tuple):
            stack.extend(cur)
            continue
        if not hasattr(cur, "__slots__") or isinstance(cur, (str, int, float)):
            continue
        seen += 1
        yield cur  # type: ignore[misc]
        for slot in cur.__slots__:
            value = getattr(cur, slot)
            if isinstance(value, tuple) or hasattr(value, "__slots__"):
                stack.append(value)
