"""Turn LibCST expressions into symbolic ``Expr`` trees (``bolaudit.facts``).

The conversion is pure apart from two callbacks the extractor supplies: how a bare name is looked
up in the current scope (locals are inlined, parameters become ``Param``, loop targets ``LoopVar``,
everything else a module-level ``Name``), and which id a call node has. What cannot be expressed
becomes ``Unknown`` with a reason.
"""

from __future__ import annotations

import ast
import base64
import re
import warnings
from collections.abc import Callable

import libcst as cst

from bolaudit.facts import (
    Attr,
    CallExpr,
    Choice,
    Concat,
    Const,
    DictExpr,
    EnvVar,
    Expr,
    Format,
    Join,
    Name,
    Seq,
    Subscript,
    Unknown,
    UrlJoin,
)

MAX_DEPTH = 40

Lookup = Callable[[str], Expr]
CallId = Callable[[cst.Call], int]
Qualify = Callable[[Expr], str | None]

URLJOIN = {"urllib.parse.urljoin", "urlparse.urljoin", "posixpath.join"}
GETENV = {"os.getenv", "os.environ.get", "os.environ.setdefault", "environ.get", "getenv"}
ENVIRON = {"os.environ", "environ"}


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


class ExprBuilder:
    """Converts nodes with the scope ``lookup``, call ids from ``call_id`` and import-aware ``qualify``."""

    def __init__(self, lookup: Lookup, call_id: CallId, qualify: Qualify) -> None:
        self.lookup = lookup
        self.call_id = call_id
        self.qualify = qualify

    def of(self, node: cst.BaseExpression | None, depth: int = 0) -> Expr:
        if node is None:
            return Const(None)
        if depth > MAX_DEPTH:
            return Unknown("expression nested too deeply")
        d = depth + 1
        if isinstance(node, cst.SimpleString):
            return _const_string(node)
        if isinstance(node, cst.ConcatenatedString):
            return _flat_concat((self.of(node.left, d), self.of(node.right, d)))
        if isinstance(node, cst.FormattedString):
            return self._fstring(node, d)
        if isinstance(node, (cst.Integer, cst.Float)):
            try:
                return Const(node.evaluated_value)
            except (ValueError, SyntaxError):
                return Unknown("number")
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return Const({"True": True, "False": False, "None": None}[node.value])
            return self.lookup(node.value)
        if isinstance(node, cst.Attribute):
            base = self.of(node.value, d)
            attr = Attr(base, node.attr.value)
            return attr
        if isinstance(node, cst.BinaryOperation):
            return self._binary(node, d)
        if isinstance(node, cst.Call):
            return self._call(node, d)
        if isinstance(node, cst.Subscript):
            return self._subscript(node, d)
        if isinstance(node, cst.Dict):
            return self._dict(node, d)
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            items: list[Expr] = []
            for el in node.elements:
                if isinstance(el, cst.StarredElement):
                    items.append(Unknown("*spread in a literal"))
                else:
                    items.append(self.of(el.value, d))
            return Seq(tuple(items))
        if isinstance(node, cst.BooleanOperation):
            return _flat_choice((self.of(node.left, d), self.of(node.right, d)))
        if isinstance(node, cst.IfExp):
            return _flat_choice((self.of(node.body, d), self.of(node.orelse, d)))
        if isinstance(node, cst.Await):
            return self.of(node.expression, d)
        if isinstance(node, cst.NamedExpr):
            return self.of(node.value, d)
        return Unknown(f"{type(node).__name__} expression")

    # ---------------------------------------------------------------------------------------

    def _fstring(self, node: cst.FormattedString, d: int) -> Expr:
        parts: list[Expr] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                text = part.value.replace("{{", "{").replace("}}", "}")
                parts.append(Const(redact(text) if len(text) >= 36 else text))
            elif isinstance(part, cst.FormattedStringExpression):
                parts.append(self.of(part.expression, d))
        return _flat_concat(tuple(parts))

    def _binary(self, node: cst.BinaryOperation, d: int) -> Expr:
        if isinstance(node.operator, cst.Add):
            return _flat_concat((self.of(node.left, d), self.of(node.right, d)))
        if isinstance(node.operator, cst.Modulo):
            left = self.of(node.left, d)
            # A name may hold a template (``URLS.ORDER % order_id``); evaluation decides.
            if _stringish(left) or isinstance(left, (Name, Attr)):
                right = node.right
                if isinstance(right, cst.Tuple):
                    args = tuple(self.of(e.value, d) for e in right.elements)
                    return Format(left, args, (), "%")
                value = self.of(right, d)
                if isinstance(value, DictExpr):
                    kwargs = tuple(
                        (k.value, v)
                        for k, v in value.items
                        if isinstance(k, Const) and isinstance(k.value, str)
                    )
                    return Format(left, (), kwargs, "%")
                return Format(left, (value,), (), "%")
        if isinstance(node.operator, cst.Divide):
            # pathlib-style / yarl-style URL building: URL("https://...") / "orders"
            lhs, rhs = self.of(node.left, d), self.of(node.right, d)
            if _stringish(lhs) or _stringish(rhs):
                return _flat_concat((lhs, Const("/"), rhs))
        return Unknown("arithmetic")

    def _call(self, node: cst.Call, d: int) -> Expr:
        func = node.func
        args = tuple(
            self.of(a.value, d) if not a.star else Unknown("*args")
            for a in node.args
            if a.keyword is None and a.star != "**"
        )
        kwargs = tuple(
            (a.keyword.value, self.of(a.value, d)) for a in node.args if a.keyword is not None
        ) + tuple(("**", self.of(a.value, d)) for a in node.args if a.star == "**")
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            base = self.of(func.value, d)
            if method == "format" and _stringish(base):
                return Format(base, args, tuple(kw for kw in kwargs if kw[0] != "**"), "{}")
            if method == "join" and _stringish(base) and len(args) == 1:
                return Join(base, args[0])
            if method in ("strip", "rstrip", "lstrip", "lower", "upper") and _stringish(base):
                if isinstance(base, Const) and isinstance(base.value, str) and method.endswith("strip"):
                    chars = args[0].value if args and isinstance(args[0], Const) else None
                    if chars is None or isinstance(chars, str):
                        return Const(getattr(base.value, method)(chars))
                return base if method.endswith("strip") else Unknown(f"str.{method}()")
        fexpr = self.of(func, d)
        qual = self.qualify(fexpr)
        if qual in URLJOIN and len(args) >= 2:
            return UrlJoin(args[0], args[1])
        if qual in GETENV and args:
            default = args[1] if len(args) > 1 else dict(kwargs).get("default")
            return EnvVar(args[0], default)
        if qual in ("str", "builtins.str") and len(args) == 1:
            return args[0]
        if qual == "dict":
            items: list[tuple[Expr | None, Expr]] = []
            for a in args:
                items.append((None, a))
            for k, v in kwargs:
                items.append((None, v) if k == "**" else (Const(k), v))
            return DictExpr(tuple(items))
        return CallExpr(fexpr, args, kwargs, self.call_id(node))

    def _subscript(self, node: cst.Subscript, d: int) -> Expr:
        base = self.of(node.value, d)
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return Unknown("slice")
        key = self.of(node.slice[0].slice.value, d)
        if self.qualify(base) in ENVIRON:
            return EnvVar(key, None)
        return Subscript(base, key)

    def _dict(self, node: cst.Dict, d: int) -> Expr:
        items: list[tuple[Expr | None, Expr]] = []
        for el in node.elements:
            if isinstance(el, cst.StarredDictElement):
                items.append((None, self.of(el.value, d)))
            elif isinstance(el, cst.DictElement):
                items.append((self.of(el.key, d), self.of(el.value, d)))
        return DictExpr(tuple(items))


def _const_string(node: cst.SimpleString) -> Expr:
    value = literal_value(node.value)
    if value is None:
        return Unknown("string literal")
    return Const(redact(value) if len(value) >= 40 else value)


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
            if "\\" not in body or "r" in m.group(1).lower():
                return body
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
    from bolaudit.analysis.credentials import secret_shape

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
                    out[-1] = Const(prev.value + s.value)
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
