"""Where an access token, a refresh token or a client secret is printed, logged or handed out (BOL204).

A value is secret when the code names it so (``self._token``, ``CLIENT_SECRET``, a ``token``
parameter, ``data["access_token"]``, ``os.environ["BOL_CLIENT_SECRET"]``), when it is the body of a
token response (``r.json()``, ``r.text`` of a token request), or when it is returned by a project
function that returns such a value (``get_token()``). Locals are already inlined by the extractor;
strings built from a secret (f-strings, ``+``, ``%``, ``.format``, ``json.dumps``, a header dict)
stay secret. Anything that transforms the value (``token[:8]``, ``mask(token)``, ``len(token)``)
ends the track: that is how a value is shown safely.

Sinks: ``print``/``pprint``, ``click.echo``, ``sys.stdout.write``, logging calls (a ``logging``
module function or a method of something named like a logger), ``warnings.warn``, exception
constructors (their message ends up in tracebacks and error trackers), and what a web route
(Flask, FastAPI, Django view) returns to its caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bolaudit.extract.exprtools import dotted
from bolaudit.facts import (
    Attr,
    CallExpr,
    CallFact,
    Choice,
    Concat,
    Const,
    DictExpr,
    EnvVar,
    Expr,
    Format,
    FunctionFact,
    Join,
    Name,
    Param,
    Seq,
    Subscript,
)
from bolaudit.findings import Span

if TYPE_CHECKING:
    from bolaudit.resolve.index import FactIndex, FuncKey
    from bolaudit.tokens.flow import TokenFlow

ACCESS, REFRESH, SECRET = "access token", "refresh token", "client secret"
RESPONSE = "token response, access token included"
_TOKEN = re.compile(
    r"^(?:bol_?)?(?:access_?|bearer_?|auth_?|oauth_?|api_?|cached_?|current_?)?tokens?$|^(?:bol_?)?(?:jwt|bearer)$"
)
_REFRESH = re.compile(r"^(?:bol_?)?refresh_?tokens?$")
_SECRET = re.compile(r"^(?:bol_?)?(?:client_?)?secret$")
_KEYS = {"access_token": ACCESS, "token": ACCESS, "id_token": ACCESS, "refresh_token": REFRESH,
         "client_secret": SECRET}
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "msg"}
_LOGGER = re.compile(r"^_*(?:log|logger|logging|logs|_?log_?)$|logger$", re.IGNORECASE)
PRINTERS = {"print", "pprint", "pprint.pprint", "click.echo", "click.secho", "typer.echo",
            "sys.stdout.write", "sys.stderr.write", "rich.print"}
PASS_THROUGH = {"str", "repr", "bytes", "dict", "list", "tuple", "json.dumps", "format",
                "base64.b64encode", "base64.urlsafe_b64encode", "jsonify", "flask.jsonify",
                "JsonResponse", "JSONResponse", "HttpResponse", "Response", "make_response",
                "PlainTextResponse", "ORJSONResponse", "UJSONResponse", "HTMLResponse"}
PASS_METHODS = {"encode", "decode", "strip", "format", "dumps"}
ROUTE_METHODS = {"route", "get", "post", "put", "patch", "delete", "api_route", "head", "options"}
ROUTE_NAMES = {"api_view", "require_GET", "require_POST", "require_http_methods", "require_safe"}
MAX_DEPTH = 12


@dataclass(frozen=True)
class Exposure:
    path: str
    span: Span
    func: str | None
    sink: str  # "print", "a log call", "warnings.warn", "an exception message", "the route's response"
    what: str  # ACCESS, REFRESH, SECRET or RESPONSE
    shown: str  # how the value is written, for the message (a name, never the value)


def find_exposures(index: FactIndex, flow: TokenFlow) -> list[Exposure]:
    return _Finder(index, flow).run()


class _Finder:
    def __init__(self, index: FactIndex, flow: TokenFlow) -> None:
        self.p = index
        self.flow = flow
        self._returns: dict[FuncKey, tuple[str, str] | None | str] = {}
        self._token_calls = {(r.site.path, r.call.id) for r in flow.requests if r.call is not None}
        self._token_calls |= {(r.request.path, r.request.http.call) for r in flow.requests}

    def run(self) -> list[Exposure]:
        out: list[Exposure] = []
        for path, facts in self.p.iter_modules():
            for call in facts.calls:
                sink = self.sink(path, call)
                if sink is None:
                    continue
                guarded = any(g.kind in ("if", "else", "except") for g in call.guards)
                allow_response = sink != "an exception message" and not guarded
                args = [*call.args, *(v for k, v in call.kwargs if k not in ("exc_info", "stack_info"))]
                for arg in args:
                    found = self.secret(arg, path, 0, allow_response)
                    if found is not None:
                        out.append(Exposure(path, call.span, call.func, sink, *found))
                        break
            for fn in facts.functions:
                if self.is_route(path, fn):
                    out.extend(self._route(path, fn, facts.calls))
        return out

    # ------------------------------------------------------------------ sinks

    def sink(self, path: str, call: CallFact) -> str | None:
        name = dotted(call.callee)
        qual = (self.p.qualified(path, name) or name) if name is not None else None
        if qual in PRINTERS or name in PRINTERS:
            if name is not None and self.p.symbol(path, name.split(".", 1)[0]).kind in ("function", "class"):
                return None
            return f"`{name}`"
        if qual == "warnings.warn":
            return "warnings.warn"
        last = (name or "").rsplit(".", 1)[-1] if name else (
            call.callee.attr if isinstance(call.callee, Attr) else "")
        if isinstance(call.callee, Attr) and last in LOG_METHODS:
            base = call.callee.base
            base_name = dotted(base)
            if base_name is not None:
                base_qual = self.p.qualified(path, base_name) or ""
                if base_qual.split(".", 1)[0] in ("logging", "structlog", "loguru"):
                    return "a log call"
                if _LOGGER.search(base_name.rsplit(".", 1)[-1]):
                    return "a log call"
            if isinstance(base, CallExpr) and (dotted(base.func) or "").endswith(("getLogger", "get_logger")):
                return "a log call"
            return None
        if last and re.search(r"(?:Error|Exception)$", last) and last[0].isupper():
            return "an exception message"
        return None

    def is_route(self, path: str, fn: FunctionFact) -> bool:
        for deco in fn.decorators:
            if isinstance(deco, CallExpr) and isinstance(deco.func, Attr) and deco.func.attr in ROUTE_METHODS:
                first = deco.args[0] if deco.args else dict(deco.kwargs).get("path", dict(deco.kwargs).get("rule"))
                if isinstance(first, Const) and isinstance(first.value, str) and first.value.startswith("/"):
                    return True
            name = dotted(deco.func if isinstance(deco, CallExpr) else deco) or ""
            if name.rsplit(".", 1)[-1] in ROUTE_NAMES:
                return True
        first_param = fn.params[0].name if fn.params else ""
        in_views = re.search(r"(?:^|/)views(?:\.py$|/)", path) is not None
        return in_views and fn.cls is None and first_param == "request"

    def _route(self, path: str, fn: FunctionFact, calls: tuple[CallFact, ...]) -> list[Exposure]:
        for ret in fn.returns:
            found = self.secret(ret, path, 0, True)
            if found is None:
                continue
            span = fn.span
            if isinstance(ret, CallExpr):
                call = next((c for c in calls if c.id == ret.call), None)
                span = call.span if call is not None else span
            return [Exposure(path, span, fn.qualname, f"the response of route `{fn.qualname}`", *found)]
        return []

    # ------------------------------------------------------------------ values

    def secret(self, expr: Expr, path: str, depth: int, allow_response: bool) -> tuple[str, str] | None:
        """(what, how it is written) when ``expr`` carries a token or a secret, else None."""
        if depth > MAX_DEPTH:
            return None
        d = depth + 1
        if isinstance(expr, Name):
            kind = _by_name(expr.id)
            return (kind, f"`{expr.id}`") if kind else None
        if isinstance(expr, Param):
            kind = _by_name(expr.name)
            return (kind, f"`{expr.name}`") if kind else None
        if isinstance(expr, Attr):
            kind = _by_name(expr.attr)
            if kind is not None:
                return kind, f"`{dotted(expr) or '….' + expr.attr}`"
            if expr.attr in ("text", "content") and allow_response and self._token_response(expr.base, path):
                return RESPONSE, f"`….{expr.attr}`"
            return None
        if isinstance(expr, Subscript):
            key = expr.key.value if isinstance(expr.key, Const) else None
            if isinstance(key, str):
                kind = _KEYS.get(key)
                return (kind, f'`…["{key}"]`') if kind else None
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
        elif isinstance(expr, DictExpr):
            for item_key, value in expr.items:
                k = item_key.value if isinstance(item_key, Const) else None
                if isinstance(k, str) and k in _KEYS and not isinstance(value, Const):
                    found = self.secret(value, path, d, allow_response)
                    return found or (_KEYS[k], f'`"{k}"`')
            parts = tuple(v for _, v in expr.items)
        for part in parts:
            found = self.secret(part, path, d, allow_response)
            if found is not None:
                return found
        return None

    def _call(self, expr: CallExpr, path: str, d: int, allow_response: bool) -> tuple[str, str] | None:
        func = expr.func
        if isinstance(func, Attr) and func.attr == "get" and expr.args and isinstance(expr.args[0], Const):
            key = expr.args[0].value
            kind = _KEYS.get(key) if isinstance(key, str) else None
            return (kind, f'`….get("{key}")`') if kind else None
        if isinstance(func, Attr) and func.attr == "json" and allow_response and self._token_response(func.base, path):
            return RESPONSE, "`….json()`"
        name = dotted(func)
        qual = (self.p.qualified(path, name) or name) if name is not None else None
        if name in PASS_THROUGH or qual in PASS_THROUGH or (isinstance(func, Attr) and func.attr in PASS_METHODS):
            subs = [*expr.args, *(v for _, v in expr.kwargs)]
            if isinstance(func, Attr) and func.attr in PASS_METHODS:
                subs.append(func.base)
            for sub in subs:
                found = self.secret(sub, path, d, allow_response)
                if found is not None:
                    return found
            return None
        call = self.p.calls.get((path, expr.call))
        for callee in self.flow.graph.callees(path, call) if call is not None else ():
            found = self.returns(callee.target)
            if found is not None:
                return found[0], f"the result of `{callee.target[1]}()`"
        return None

    def returns(self, key: FuncKey) -> tuple[str, str] | None:
        """What secret a project function returns (memoised; recursion returns None)."""
        hit = self._returns.get(key, "missing")
        if hit == "in-progress":
            return None
        if hit != "missing":
            return hit if isinstance(hit, tuple) else None
        self._returns[key] = "in-progress"
        fn = self.p.functions.get(key)
        found: tuple[str, str] | None = None
        for ret in fn.returns if fn is not None else ():
            found = self.secret(ret, key[0], 0, True)
            if found is not None:
                break
        self._returns[key] = found
        return found

    def _token_response(self, expr: Expr, path: str) -> bool:
        return isinstance(expr, CallExpr) and (path, expr.call) in self._token_calls


def _by_name(name: str) -> str | None:
    low = name.lower().lstrip("_")
    if _REFRESH.match(low):
        return REFRESH
    if _TOKEN.match(low):
        return ACCESS
    if _SECRET.match(low):
        return SECRET
    return None

