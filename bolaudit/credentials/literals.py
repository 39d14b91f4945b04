"""What a LibCST expression says about a credential: a string literal's value, an env read.

Small pure functions for ``credential_visitor``: the value of a string literal (implicitly
concatenated, bytes, f-strings without placeholders), and env reads with their defaults: ``os.getenv``,
``os.environ.get``/``setdefault``/``[...]``, django-environ ``env(...)``, decouple ``config(...)``,
plus any ``<mapping>.get(key, default)`` (a default under a credential key is hard-coded too).
"""

from __future__ import annotations


import libcst as cst

from bolaudit.extract.exprtools import literal_value as source_literal_value

ENV_CALLEES = frozenset(
    {"os.getenv", "getenv", "os.environ.get", "environ.get", "os.environ.setdefault",
     "environ.setdefault", "env", "env.str", "config", "decouple.config"}
)
# django-environ's second positional argument is ``cast``, not the default.
_POSITIONAL_DEFAULT = ENV_CALLEES - {"env", "env.str"}
_ENVIRON = frozenset({"os.environ", "environ"})


def dotted(expr: cst.BaseExpression) -> str | None:
    """``os.environ.get`` for that attribute chain; None for anything else."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        base = dotted(expr.value)
        return f"{base}.{expr.attr.value}" if base else None
    return None


def parts(node: cst.CSTNode) -> list[cst.CSTNode]:
    """A concatenated string, its sub-concatenations and every piece (to mark them all as judged).

    Iterative: a long SQL or help text can chain thousands of pieces (``right`` nests).
    """
    out: list[cst.CSTNode] = []
    while isinstance(node, cst.ConcatenatedString):
        out += [node, node.left]
        node = node.right
    return [*out, node]


def literal_value(node: cst.BaseExpression) -> str | None:
    """The value of a string literal without placeholders (bytes as Latin-1), else None."""
    if isinstance(node, cst.ConcatenatedString):
        values = [_piece_value(p) for p in parts(node) if not isinstance(p, cst.ConcatenatedString)]
        return None if any(v is None for v in values) else "".join(v for v in values if v is not None)
    return _piece_value(node)


def _piece_value(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.FormattedString):
        if any(isinstance(p, cst.FormattedStringExpression) for p in node.parts):
            return None
        text = "".join(p.value for p in node.parts if isinstance(p, cst.FormattedStringText))
        raw = node.start.replace("f", "").replace("F", "") + text + node.end
        return _eval(raw.replace("{{", "{").replace("}}", "}"))
    if isinstance(node, cst.SimpleString):
        return _eval(node.value)
    return None


def _eval(raw: str) -> str | None:
    return source_literal_value(raw)


def env_var(expr: cst.BaseExpression) -> str | None:
    """The variable an env read reads: ``os.getenv("X")``, ``os.environ["X"]``, ``env("X")``."""
    if isinstance(expr, cst.Call) and (dotted(expr.func) or "") in ENV_CALLEES and expr.args:
        return literal_value(expr.args[0].value) if expr.args[0].keyword is None else None
    if isinstance(expr, cst.Subscript) and dotted(expr.value) in _ENVIRON and len(expr.slice) == 1:
        index = expr.slice[0].slice
        if isinstance(index, cst.Index):
            return literal_value(index.value)
    return None


def default_of(call: cst.Call) -> tuple[str, str, cst.BaseExpression] | None:
    """(callee, key, default) of ``os.getenv("X", default)``, ``settings.get("k", default)``..."""
    callee = dotted(call.func) or ""
    if not (callee in ENV_CALLEES or callee.endswith(".get")) or not call.args:
        return None
    first = call.args[0]
    key = literal_value(first.value) if first.keyword is None else None
    if not key:
        return None
    default = next((a.value for a in call.args if a.keyword and a.keyword.value == "default"), None)
    if default is None and len(call.args) > 1 and call.args[1].keyword is None:
        if callee in _POSITIONAL_DEFAULT or callee not in ENV_CALLEES:
            default = call.args[1].value
    return (callee, key, default) if default is not None else None
