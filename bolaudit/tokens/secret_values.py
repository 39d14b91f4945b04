"""Which values in code carry an access token, a refresh token or a client secret (for BOL204).

A value is secret when the code names it so (``self._token``, ``CLIENT_SECRET``, a ``token``
parameter, ``data["access_token"]``, ``os.environ["BOL_CLIENT_SECRET"]``), when it is the body of a
token response (``r.json()``, ``r.text`` of a token request), or when it is returned by a project
function that returns such a value (``get_token()``). Locals are already inlined by the extractor;
strings built from a secret (f-strings, ``+``, ``%``, ``.format``, ``json.dumps``, a header dict, a
project class built with it: a pydantic model) stay secret. Anything that transforms the value
(``token[:8]``, ``mask(token)``, ``len(token)``) ends the track: that is how a value is shown safely.

Where the name alone is ambiguous, data flow decides: a ``"token"`` key in a dict is a bol token
only when its value is one (a CSRF token from ``get_token(request)`` or a pagination token is not),
and what a web request brings in (``request.GET["token"]``, a route's own parameters) is the
client's input, not a secret the server holds.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bolaudit.extract.exprtools import dotted
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
    Param,
    Seq,
    Subscript,
)

if TYPE_CHECKING:
    from bolaudit.resolve.index import FactIndex, FuncKey
    from bolaudit.tokens.flow import TokenFlow

ACCESS, REFRESH, SECRET = "access token", "refresh token", "client secret"
RESPONSE = "token response, access token included"
Found = tuple[str, str]  # (what: ACCESS/REFRESH/SECRET/RESPONSE, how it is written: a name, never the value)

_TOKEN = re.compile(
    r"^(?:bol_?)?(?:access_?|bearer_?|auth_?|oauth_?|api_?|cached_?|current_?)?tokens?$|^(?:bol_?)?(?:jwt|bearer)$"
)
_REFRESH = re.compile(r"^(?:bol_?)?refresh_?tokens?$")
_SECRET = re.compile(r"^(?:bol_?)?(?:client_?)?secret$")
KEYS = {"access_token": ACCESS, "token": ACCESS, "id_token": ACCESS, "refresh_token": REFRESH,
        "client_secret": SECRET}
# A dict entry under one of these keys is reported by its key even when its value says nothing:
# nobody calls a CSRF or a pagination token a refresh token or a client secret.
_TELLING_KEYS = {"refresh_token", "client_secret"}
PASS_THROUGH = {"str", "repr", "bytes", "dict", "list", "tuple", "json.dumps", "format",
                "base64.b64encode", "base64.urlsafe_b64encode", "jsonify", "flask.jsonify",
                "JsonResponse", "JSONResponse", "HttpResponse", "Response", "make_response",
                "PlainTextResponse", "ORJSONResponse", "UJSONResponse", "HTMLResponse"}
PASS_METHODS = {"encode", "decode", "strip", "format", "dumps"}
# What a web request brings in: ``request.GET[...]``, ``request.args.get(...)``, ``request.json``.
_REQUEST_NAMES = {"request", "req", "self.request"}
_REQUEST_PARTS = {"GET", "POST", "args", "form", "json", "data", "query_params", "values", "headers",
                  "cookies", "COOKIES", "META", "query", "path_params", "params", "match_info"}
MAX_DEPTH = 12


def by_name(name: str) -> str | None:
    low = name.lower().lstrip("_")
    if _REFRESH.match(low):
        return REFRESH
    if _TOKEN.match(low):
        return ACCESS
    if _SECRET.match(low):
        return SECRET
    return None


def key_kind(key: str) -> str | None:
    """What a dict key holds: the token response's own keys, and bol-named ones (``bol_token``)."""
    return KEYS.get(key) or (by_name(key) if key.lower().startswith("bol") else None)


def client_input(expr: Expr) -> bool:
    """``request.GET``, ``request.args``, ``self.request.data``...: what the client sent."""
    if isinstance(expr, CallExpr) and isinstance(expr.func, Attr) and expr.func.attr in ("json", "get_json"):
        expr = expr.func.base  # ``await request.json()``, ``request.get_json()``
    elif isinstance(expr, Attr) and expr.attr in _REQUEST_PARTS:
        expr = expr.base
    else:
        return False
    name = dotted(expr)
    if name is None and isinstance(expr, Param):
        name = expr.name
    return name in _REQUEST_NAMES


class SecretValues:
    """Answers "does this expression carry a token or a secret?" over one project."""

    def __init__(self, index: FactIndex, flow: TokenFlow) -> None:
        self.p = index
        self.flow = flow
        self._returns: dict[FuncKey, Found | None | str] = {}
        self._token_calls = {(r.site.path, r.call.id) for r in flow.requests if r.call is not None}
        self._token_calls |= {(r.request.path, r.request.http.call) for r in flow.requests}
        self.inputs: set[tuple[str, str]] = set()
        """(path, qualname) of functions whose parameters are a web client's input (routes)."""

    def secret(self, expr: Expr, path: str, depth: int = 0, allow_response: bool = True) -> Found | None:
        """(what, how it is written) when ``expr`` carries a token or a secret, else None."""
        if depth > MAX_DEPTH:
            return None
        d = depth + 1
        if isinstance(expr, Name):
            kind = by_name(expr.id)
            return (kind, f"`{expr.id}`") if kind else None
        if isinstance(expr, Param):
            kind = by_name(expr.name)
            if kind is None or (path, expr.func) in self.inputs:
                return None
            return kind, f"`{expr.name}`"
        if isinstance(expr, Attr):
            kind = by_name(expr.attr)
            if kind is not None:
                return None if client_input(expr.base) else (kind, f"`{dotted(expr) or '….' + expr.attr}`")
            if expr.attr in ("text", "content") and allow_response and self.token_response(expr.base, path):
                return RESPONSE, f"`….{expr.attr}`"
            return None
        if isinstance(expr, Subscript):
            key = expr.key.value if isinstance(expr.key, Const) else None
            if isinstance(key, str):
                kind = key_kind(key)
                return (kind, f'`…["{key}"]`') if kind and not client_input(expr.base) else None
            return self.secret(expr.base, path, d, allow_response) if not isinstance(expr.base, CallExpr) else None
        if isinstance(expr, EnvVar):
            var = expr.var.value if isinstance(expr.var, Const) else None
            if isinstance(var, str):
                kind = SECRET if "SECRET" in var.upper() else (
                    REFRESH if "REFRESH" in var.upper() else ACCESS if "TOKEN" in var.upper() else None)
                return (kind, f"environment variable {var}") if kind else None
            return None
        if isinstance(expr, CallExpr):
            return self._call(expr, path, d, allow_response)
        if isinstance(expr, DictExpr):
            return self._dict(expr, path, d, allow_response)
        parts: tuple[Expr, ...] = ()
        if isinstance(expr, Concat):
            parts = expr.parts
        elif isinstance(expr, Format):
            parts = (expr.template, *expr.args, *(v for _, v in expr.kwargs))
        elif isinstance(expr, Join):
            parts = (expr.items,)
        elif isinstance(expr, Seq):
            parts = expr.items
        elif isinstance(expr, Choice):
            parts = expr.options
        return self._first(parts, path, d, allow_response)

    def _first(self, parts: tuple[Expr, ...] | list[Expr], path: str, d: int, allow: bool) -> Found | None:
        for part in parts:
            found = self.secret(part, path, d, allow)
            if found is not None:
                return found
        return None

    def _dict(self, expr: DictExpr, path: str, d: int, allow_response: bool) -> Found | None:
        for item_key, value in expr.items:
            k = item_key.value if isinstance(item_key, Const) else None
            if isinstance(k, str) and k in KEYS and not isinstance(value, Const):
                found = self.secret(value, path, d, allow_response)
                if found is not None or k in _TELLING_KEYS:
                    return found or (KEYS[k], f'`"{k}"`')
        return self._first([v for _, v in expr.items], path, d, allow_response)

    def _call(self, expr: CallExpr, path: str, d: int, allow_response: bool) -> Found | None:
        func = expr.func
        if isinstance(func, Attr) and func.attr == "get" and expr.args and isinstance(expr.args[0], Const):
            key = expr.args[0].value
            kind = key_kind(key) if isinstance(key, str) else None
            return (kind, f'`….get("{key}")`') if kind and not client_input(func.base) else None
        if isinstance(func, Attr) and func.attr == "json" and allow_response and self.token_response(func.base, path):
            return RESPONSE, "`….json()`"
        name = dotted(func)
        qual = (self.p.qualified(path, name) or name) if name is not None else None
        through = name in PASS_THROUGH or qual in PASS_THROUGH or (
            isinstance(func, Attr) and func.attr in PASS_METHODS and not self._module(func.base, path))
        masked: set[str] = set()
        if not through and name is not None and "." not in name:
            sym = self.p.symbol(path, name)
            if sym.kind == "class":  # a project class built from the value: a pydantic model, a dataclass
                through, masked = True, self._masked_fields((sym.path, sym.name))
        if through:
            subs = [*expr.args, *(v for k, v in expr.kwargs if k not in masked)]
            if isinstance(func, Attr) and func.attr in PASS_METHODS and not self._module(func.base, path):
                subs.append(func.base)
            return self._first(subs, path, d, allow_response)
        call = self.p.calls.get((path, expr.call))
        for callee in self.flow.graph.callees(path, call) if call is not None else ():
            found = self.returns(callee.target)
            if found is not None:
                return found[0], f"the result of `{callee.target[1]}()`"
        return None

    def _module(self, expr: Expr, path: str) -> bool:
        """``jwt`` in ``jwt.encode(...)``: a module's function, not a string's method."""
        return isinstance(expr, Name) and self.p.symbol(path, expr.id).kind in ("module", "external")

    def _masked_fields(self, cls: FuncKey) -> set[str]:
        """Fields of a project class that never show their value (pydantic's ``SecretStr``)."""
        out: set[str] = set()
        for owner in self.p.mro(cls):
            for name, annotation, _ in self.p.classes[owner].annotated:
                if (dotted(annotation) or "").rsplit(".", 1)[-1] in ("SecretStr", "SecretBytes"):
                    out.add(name)
        return out

    def returns(self, key: FuncKey) -> Found | None:
        """What secret a project function returns (memoised; recursion returns None)."""
        hit = self._returns.get(key, "missing")
        if hit == "in-progress":
            return None
        if hit != "missing":
            return hit if isinstance(hit, tuple) else None
        self._returns[key] = "in-progress"
        fn = self.p.functions.get(key)
        found: Found | None = None
        for ret in fn.returns if fn is not None else ():
            found = self.secret(ret, key[0], 0, True)
            if found is not None:
                break
        self._returns[key] = found
        return found

    def token_response(self, expr: Expr, path: str) -> bool:
        """``expr`` is the response of a token request (the call, as the extractor inlined it)."""
        return isinstance(expr, CallExpr) and (path, expr.call) in self._token_calls
