"""Where an access token, a refresh token or a client secret is printed, logged or handed out (BOL204).

Which values carry one is ``secret_values``' business; this module finds where they go:

* ``print``/``pprint``, ``click.echo``, ``sys.stdout.write``, logging calls (a ``logging`` module
  function or a method of something named like a logger), ``warnings.warn``;
* exception constructors: their message ends up in tracebacks and error trackers. The body of a
  token response counts there only where the response is known to be a success (after its
  ``raise_for_status()``) and the handler around the ``raise`` catches a parsing error
  (``KeyError``, ``ValueError``...): the body then holds the token. An error body (a failed
  request, an ``HTTPError`` handler) holds none;
* what a client of the app gets (``handlers``): a response built from it (``JsonResponse``,
  DRF's ``Response``, ``jsonify``), and what a route, a view or an MCP tool returns;
* fields a DRF serializer, a Django model form or a route's pydantic response model hands out
  (``exposed_fields``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bolaudit.extract.exprtools import dotted
from bolaudit.facts import Attr, CallExpr, CallFact, FunctionFact
from bolaudit.findings import Span
from bolaudit.records import record
from bolaudit.tokens.exposed_fields import field_exposures
from bolaudit.tokens.handlers import handler_kind, response_call
from bolaudit.tokens.secret_values import ACCESS, REFRESH, RESPONSE, SECRET, Found, SecretValues

if TYPE_CHECKING:
    from bolaudit.resolve.index import FactIndex
    from bolaudit.tokens.flow import TokenFlow

__all__ = ["ACCESS", "REFRESH", "RESPONSE", "SECRET", "Exposure", "find_exposures"]

LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "msg"}
_LOGGER = re.compile(r"^_*(?:log|logger|logging|logs|_?log_?)$|logger$", re.IGNORECASE)
PRINTERS = {"print", "pprint", "pprint.pprint", "click.echo", "click.secho", "typer.echo",
            "sys.stdout.write", "sys.stderr.write", "rich.print"}
# Exceptions raised while reading a successful response's body, not about the HTTP exchange.
PARSE_ERRORS = {"KeyError", "TypeError", "ValueError", "IndexError", "LookupError", "AttributeError",
                "JSONDecodeError", "json.JSONDecodeError", "ValidationError", "pydantic.ValidationError"}


@record
class Exposure:
    """``kind``: print, log, warning, exception, response (a response object built from it),
    route (what a handler returns), serializer, model form, response model. ``sink`` says where,
    for the message; ``what`` is ACCESS, REFRESH, SECRET or RESPONSE; ``shown`` how the value is
    written (a name, never the value)."""

    path: str
    span: Span
    func: str | None
    sink: str
    what: str
    shown: str
    kind: str = ""


def find_exposures(index: FactIndex, flow: TokenFlow) -> list[Exposure]:
    return _Finder(index, flow).run()


class _Finder:
    def __init__(self, index: FactIndex, flow: TokenFlow) -> None:
        self.p = index
        self.values = SecretValues(index, flow)

    def run(self) -> list[Exposure]:
        handlers: list[tuple[str, FunctionFact, str]] = []
        for path, facts in self.p.iter_modules():
            for fn in facts.functions:
                kind = handler_kind(self.p, path, fn)
                if kind is not None:
                    handlers.append((path, fn, kind))
                    self.values.inputs.add((path, fn.qualname))
        out: list[Exposure] = []
        for path, facts in self.p.iter_modules():
            for call in facts.calls:
                found = self._at_call(path, call)
                if found is not None:
                    out.append(found)
        at = {(e.path, e.span) for e in out}
        for path, fn, kind in handlers:
            out.extend(e for e in self._handler(path, fn, kind) if (e.path, e.span) not in at)
        for fe in field_exposures(self.p, self.values):
            names = ", ".join(f"`{n}`" for n in fe.fields)
            shown = f"field{'s' if len(fe.fields) > 1 else ''} {names}"
            where = f"the {fe.kind} `{fe.owner}`"
            if fe.used_by:
                where += " of " + ", ".join(f"`{r}`" for r in fe.used_by[:3])
            out.append(Exposure(fe.path, fe.span, None, where, fe.what, shown, fe.kind))
        return out

    # ------------------------------------------------------------------ calls

    def _at_call(self, path: str, call: CallFact) -> Exposure | None:
        sink = self.sink(path, call)
        if sink is None:
            return None
        kind, text = sink
        guarded = any(g.kind in ("if", "else", "except") for g in call.guards)
        args = [*call.args, *(v for k, v in call.kwargs if k not in ("exc_info", "stack_info"))]
        for arg in args:
            found = self.values.secret(arg, path, 0, kind != "exception" and not guarded)
            if found is None and kind == "exception" and self._success_body(path, call):
                found = self.values.secret(arg, path, 0, True)
            if found is not None:
                return Exposure(path, call.span, call.func, text, *found, kind=kind)
        return None

    def sink(self, path: str, call: CallFact) -> tuple[str, str] | None:
        """(kind, how the message names it) when ``call`` writes its arguments somewhere."""
        name = dotted(call.callee)
        qual = (self.p.qualified(path, name) or name) if name is not None else None
        if qual in PRINTERS or name in PRINTERS:
            if name is not None and self.p.symbol(path, name.split(".", 1)[0]).kind in ("function", "class"):
                return None
            return "print", f"`{name}`"
        if qual == "warnings.warn":
            return "warning", "warnings.warn"
        if response_call(self.p, path, call):
            return "response", f"`{name}`"
        last = (name or "").rsplit(".", 1)[-1] if name else (
            call.callee.attr if isinstance(call.callee, Attr) else "")
        if isinstance(call.callee, Attr) and last in LOG_METHODS:
            base = call.callee.base
            base_name = dotted(base)
            if base_name is not None:
                base_qual = self.p.qualified(path, base_name) or ""
                if base_qual.split(".", 1)[0] in ("logging", "structlog", "loguru"):
                    return "log", "a log call"
                if _LOGGER.search(base_name.rsplit(".", 1)[-1]):
                    return "log", "a log call"
            if isinstance(base, CallExpr) and (dotted(base.func) or "").endswith(("getLogger", "get_logger")):
                return "log", "a log call"
            return None
        if last and re.search(r"(?:Error|Exception)$", last) and last[0].isupper():
            return "exception", "an exception message"
        return None

    def _success_body(self, path: str, call: CallFact) -> bool:
        """The exception is raised in a handler of parsing errors, after the token response's
        ``raise_for_status()``: what the response says there is a success, token included."""
        handlers = [g for g in call.guards if g.kind == "except"]
        if not handlers or not handlers[-1].catches or not all(c in PARSE_ERRORS for c in handlers[-1].catches):
            return False
        for other in self.p.calls_in.get((path, call.func), []):
            callee = other.callee
            if (isinstance(callee, Attr) and callee.attr == "raise_for_status"
                    and other.span.line < call.span.line and self.values.token_response(callee.base, path)):
                return True
        return False

    # ------------------------------------------------------------------ handlers

    def _handler(self, path: str, fn: FunctionFact, kind: str) -> list[Exposure]:
        for ret in fn.returns:
            found: Found | None = self.values.secret(ret, path, 0, True)
            if found is None:
                continue
            span = fn.span
            if isinstance(ret, CallExpr):
                call = self.p.calls.get((path, ret.call))
                span = call.span if call is not None else span
            return [Exposure(path, span, fn.qualname, f"the response of {kind} `{fn.qualname}`", *found, kind="route")]
        return []
