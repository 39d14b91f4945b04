"""The HTTP part of the extractor: requests, sessions and default headers (see ``analysis.clients``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from bolaudit.analysis import clients
from bolaudit.analysis.exprs import dotted
from bolaudit.facts import (
    Attr,
    CallExpr,
    CallFact,
    Choice,
    Concat,
    Const,
    DictExpr,
    Expr,
    HeaderSet,
    HttpCall,
    Name,
    SessionFact,
)

if TYPE_CHECKING:
    from bolaudit.analysis.extract import FactExtractor

UNVERIFIED_CONTEXTS = ("ssl._create_unverified_context", "ssl._create_default_https_context")


class HttpFactsMixin:
    def __init__(self) -> None:
        self.http_calls: list[HttpCall] = []
        self.sessions: list[SessionFact] = []
        self.header_sets: list[HeaderSet] = []

    # The extractor provides these.
    def _x(self) -> FactExtractor:
        return self  # type: ignore[return-value]

    def classify_call(self, node: cst.Call, fact: CallFact) -> None:
        x = self._x()
        qual = x.qualify(fact.callee)
        if qual in clients.MODULE_SENDERS:
            module_lib, method = clients.MODULE_SENDERS[qual]
            self._record_request(node, fact, module_lib, None, method, qual.rsplit(".", 1)[-1])
            return
        if qual in clients.SESSION_CONSTRUCTORS:
            self._record_session(node, fact, clients.SESSION_CONSTRUCTORS[qual], qual)
            return
        if not isinstance(fact.callee, Attr):
            return
        method_name = fact.callee.attr
        receiver = fact.callee.base
        if method_name == "update" and isinstance(receiver, Attr) and receiver.attr == "headers":
            if fact.args:
                self.header_sets.append(
                    HeaderSet(receiver.base, fact.func, fact.args[0], False, fact.span)
                )
            elif fact.kwargs:
                items = tuple((Const(k), v) for k, v in fact.kwargs if k != "**")
                self.header_sets.append(
                    HeaderSet(receiver.base, fact.func, DictExpr(items), False, fact.span)
                )
            return
        if method_name == "add_header" and len(fact.args) == 2:
            self.header_sets.append(
                HeaderSet(receiver, fact.func, DictExpr(((fact.args[0], fact.args[1]),)), False, fact.span)
            )
            return
        library: str | None
        if method_name in clients.TOKEN_FETCHERS:
            library = self._session_library(receiver)
            if library == "oauth2":
                self._record_request(node, fact, "oauth2", receiver, "POST", method_name, token=True)
            return
        if method_name in clients.SESSION_SENDERS:
            library = self._session_library(receiver)
            if library is None:
                if not self._maybe_request(receiver, fact):
                    return
                library = "unknown"
            self._record_request(
                node, fact, library, receiver, clients.SESSION_SENDERS[method_name], method_name
            )

    def _session_library(self, receiver: Expr) -> str | None:
        """The library of a receiver that is certainly a session object here, else None."""
        x = self._x()
        for option in receiver.options if isinstance(receiver, Choice) else (receiver,):
            if isinstance(option, CallExpr):
                qual = x.qualify(option.func)
                if qual in clients.SESSION_CONSTRUCTORS:
                    return clients.SESSION_CONSTRUCTORS[qual]
            if isinstance(option, Attr) and option.base == Name("self"):
                cls = x._class_of_frame()
                value = cls.instance_value(option.attr) if cls is not None else None
                if value is not None and value != receiver:
                    found = self._session_library(value)
                    if found is not None:
                        return found
            if isinstance(option, Name) and option.id in x.constants:
                value = x.constants[option.id]
                if value != receiver:
                    found = self._session_library(value)
                    if found is not None:
                        return found
        return None

    def _maybe_request(self, receiver: Expr, fact: CallFact) -> bool:
        """Keep ``x.get(url)`` on an unknown receiver only when it looks like an HTTP client call."""
        name = dotted(receiver)
        if name is not None and clients.is_sessionish(name.rsplit(".", 1)[-1]):
            return True
        first = fact.args[0] if fact.args else dict(fact.kwargs).get("url")
        if fact.callee is not None and isinstance(fact.callee, Attr) and fact.callee.attr == "request":
            first = fact.args[1] if len(fact.args) > 1 else dict(fact.kwargs).get("url")
        return first is not None and _urlish(first)

    def _record_request(
        self,
        node: cst.Call,
        fact: CallFact,
        library: str,
        receiver: Expr | None,
        method: str | None,
        name: str,
        token: bool = False,
    ) -> None:
        kw = dict(fact.kwargs)
        sig = clients.signature_for(library, name, method is None and not token)
        args = fact.args
        method_expr: Expr
        if method is not None:
            method_expr = Const(method)
        elif sig.method_pos is not None and sig.method_pos < len(args):
            method_expr = args[sig.method_pos]
        else:
            method_expr = kw.get("method", Const("POST" if (library == "urllib" and _has_data(fact, sig)) else "GET"))
        if isinstance(method_expr, Const) and isinstance(method_expr.value, str):
            method_expr = Const(method_expr.value.upper())
        if token:
            url = kw.get("token_url", kw.get("url", args[0] if args else Const(None)))
        else:
            url = args[sig.url_pos] if sig.url_pos < len(args) else kw.get(sig.url_keyword, Const(None))
        headers = kw.get("headers")
        if headers is None and sig.headers_pos is not None and sig.headers_pos < len(args):
            headers = args[sig.headers_pos]
        body_key, body_value = None, None
        for key in clients.BODY_KEYWORDS:
            if key in kw:
                body_key, body_value = key, kw[key]
                break
        if body_key is None:
            pos = sig.data_pos if sig.data_pos is not None else sig.url_pos + 1
            if library in ("requests", "urllib") and pos < len(args):
                body_key, body_value = "data", args[pos]
        verify = kw.get("verify", kw.get("ssl", kw.get("verify_ssl")))
        context = kw.get("context")
        if context is not None and self._x().qualify(_callee(context)) in UNVERIFIED_CONTEXTS:
            verify = Const(False)
        self.http_calls.append(
            HttpCall(
                call=fact.id,
                func=fact.func,
                library=library,
                receiver=receiver,
                method=method_expr,
                url=url,
                headers=headers,
                params=kw.get("params"),
                body=body_key,
                body_value=body_value,
                verify=verify,
                auth=kw.get("auth"),
                kwargs_spread=kw.get("**"),
                span=fact.span,
                purpose="fetch_token" if token else "request",
            )
        )

    def _record_session(self, node: cst.Call, fact: CallFact, library: str, kind: str) -> None:
        kw = dict(fact.kwargs)
        headers = kw.get("headers")
        verify = kw.get("verify", kw.get("ssl", kw.get("verify_ssl")))
        connector = kw.get("connector")
        if isinstance(connector, CallExpr) and ("ssl", Const(False)) in connector.kwargs:
            verify = Const(False)
        self.sessions.append(
            SessionFact(
                fact.id,
                fact.func,
                library,
                kind,
                kw.get("base_url"),
                headers,
                verify,
                kw.get("auth"),
                fact.span,
            )
        )

    def header_assignment(self, target: cst.Attribute, value: Expr) -> None:
        """``session.headers = {...}`` replaces the defaults."""
        x = self._x()
        self.header_sets.append(
            HeaderSet(x.expr(target.value), x.frame.qualname, value, True, x.span(target))
        )

    def header_item(self, target: cst.Subscript, key: Expr, value: Expr) -> None:
        """``session.headers["Accept"] = value`` sets one default."""
        x = self._x()
        assert isinstance(target.value, cst.Attribute)
        self.header_sets.append(
            HeaderSet(
                x.expr(target.value.value),
                x.frame.qualname,
                DictExpr(((key, value),)),
                False,
                x.span(target),
            )
        )


def _urlish(expr: Expr) -> bool:
    if isinstance(expr, Const):
        return isinstance(expr.value, str) and (
            expr.value.startswith(("http://", "https://", "/"))
        )
    if isinstance(expr, Concat):
        return any(_urlish(p) for p in expr.parts[:1]) or any(
            isinstance(p, Const) and isinstance(p.value, str) and "/" in p.value for p in expr.parts
        )
    if isinstance(expr, Choice):
        return any(_urlish(o) for o in expr.options)
    return False


def _has_data(fact: CallFact, sig: clients.SendSignature) -> bool:
    kw = dict(fact.kwargs)
    if "data" in kw:
        return True
    return sig.data_pos is not None and sig.data_pos < len(fact.args)


def _callee(expr: Expr) -> Expr:
    return expr.func if isinstance(expr, CallExpr) else expr
