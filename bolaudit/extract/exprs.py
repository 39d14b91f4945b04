"""Turn LibCST expressions into symbolic ``Expr`` trees (``bolaudit.facts``).

The conversion is pure apart from two callbacks the extractor supplies: how a bare name is looked
up in the current scope (locals are inlined, parameters become ``Param``, loop targets ``LoopVar``,
everything else a module-level ``Name``), and which id a call node has. What cannot be expressed
becomes ``Unknown`` with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst as cst

from bolaudit.extract.exprtools import (
    _flat_choice,
    _flat_concat,
    _stringish,
    literal_value,
    redact,
)
from bolaudit.facts import (
    IF_ELSE,
    Attr,
    CallExpr,
    Const,
    DictExpr,
    EnvVar,
    Expr,
    Format,
    Join,
    Name,
    Param,
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
        # By exact type: isinstance on LibCST's classes goes through ABCMeta, and this runs for
        # every expression of every file. Parsed trees hold only LibCST's own classes.
        convert = _CONVERTERS.get(type(node))
        if convert is None:
            return Unknown(f"{type(node).__name__} expression")
        return convert(self, node, depth + 1)

    def _number(self, node: cst.Integer | cst.Float, d: int) -> Expr:
        try:
            return Const(node.evaluated_value)
        except (ValueError, SyntaxError):
            return Unknown("number")

    def _name(self, node: cst.Name, d: int) -> Expr:
        if node.value in ("True", "False", "None"):
            return Const({"True": True, "False": False, "None": None}[node.value])
        return self.lookup(node.value)

    def _sequence(self, node: cst.List | cst.Tuple | cst.Set, d: int) -> Expr:
        items: list[Expr] = []
        for el in node.elements:
            if isinstance(el, cst.StarredElement):
                items.append(Unknown("*spread in a literal"))
            else:
                items.append(self.of(el.value, d))
        return Seq(tuple(items))

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
            if _stringish(left) or _template_ref(left):
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
            if method == "format" and (_stringish(base) or _template_ref(base)):
                # ``Paths.INVOICE.format(id)``, ``ORDER_URL.format(id)``, ``ENDPOINTS[key].format(id)``:
                # a template kept in a constant, an attribute or a table; evaluation reads it
                # (anything else that has a ``format`` method stays unknown).
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

    def _if_exp(self, node: cst.IfExp, d: int) -> Expr:
        body, orelse = self.of(node.body, d), self.of(node.orelse, d)
        test: cst.BaseExpression = node.test
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, body, orelse = test.expression, orelse, body
        if body == orelse or not isinstance(test, (cst.Name, cst.Attribute)):
            return _flat_choice((body, orelse))
        cond = self.of(test, d)
        if isinstance(cond, Const):
            return body if cond.value else orelse
        return CallExpr(Name(IF_ELSE), (cond, body, orelse), ())

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


def _template_ref(expr: Expr) -> bool:
    """A reference that may hold a ``str.format`` template: a name, an attribute, a parameter,
    an item of a table (``T[key]``, ``T.get(key)``)."""
    if isinstance(expr, (Name, Attr, Param, Subscript)):
        return True
    return isinstance(expr, CallExpr) and isinstance(expr.func, Attr) and expr.func.attr == "get"


def _const_string(node: cst.SimpleString) -> Expr:
    value = literal_value(node.value)
    if value is None:
        return Unknown("string literal")
    return Const(redact(value) if len(value) >= 40 else value)


_CONVERTERS: dict[type, Callable[[ExprBuilder, Any, int], Expr]] = {
    cst.SimpleString: lambda b, n, d: _const_string(n),
    cst.ConcatenatedString: lambda b, n, d: _flat_concat((b.of(n.left, d), b.of(n.right, d))),
    cst.FormattedString: ExprBuilder._fstring,
    cst.Integer: ExprBuilder._number,
    cst.Float: ExprBuilder._number,
    cst.Name: ExprBuilder._name,
    cst.Attribute: lambda b, n, d: Attr(b.of(n.value, d), n.attr.value),
    cst.BinaryOperation: ExprBuilder._binary,
    cst.Call: ExprBuilder._call,
    cst.Subscript: ExprBuilder._subscript,
    cst.Dict: ExprBuilder._dict,
    cst.List: ExprBuilder._sequence,
    cst.Tuple: ExprBuilder._sequence,
    cst.Set: ExprBuilder._sequence,
    cst.BooleanOperation: lambda b, n, d: _flat_choice((b.of(n.left, d), b.of(n.right, d))),
    cst.IfExp: ExprBuilder._if_exp,
    cst.Await: lambda b, n, d: b.of(n.expression, d),
    cst.NamedExpr: lambda b, n, d: b.of(n.value, d),
}
