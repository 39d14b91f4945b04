"""The HTTP part of the extractor: requests, sessions and default headers (see ``clients``).

Besides the HTTP facts it records what the resolver needs beyond them: ``session.verify = False``
(``VerifyOff``); the ``if method == "GET":`` conditions an HTTP call is under (``Branch``).
It also follows a local dict through ``d.update(...)``/``d[k] = v`` and a parameter's default
filled in by the function (``OR_DEFAULT``).
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from bolaudit.extract import flow
from bolaudit.extract.core import ExtractorBase
from bolaudit import clients
from bolaudit.extract.conditions import conditions, tests_falsy
from bolaudit.extract.exprtools import cap, choice, dotted
from bolaudit.clients.generated import Operation as GeneratedOperation
from bolaudit.clients.generated import operation as generated_operation
from bolaudit.facts import OR_DEFAULT
from bolaudit.facts import (
    LibraryName,
    Branch,
    VerifyOff,
    Attr,
    CallExpr,
    CallFact,
    Choice,
    Concat,
    Const,
    DictExpr,
    Expr,
    Format,
    HeaderSet,
    HttpCall,
    Join,
    Name,
    Param,
    ParamSpec,
    Seq,
    SessionFact,
    Subscript,
    UrlJoin,
)


_NOT_DICTS = (Const, Concat, Format, Join, Seq, UrlJoin)
UNVERIFIED_CONTEXTS = ("ssl._create_unverified_context", "ssl._create_default_https_context")



class HttpFactsMixin(ExtractorBase):
    def __init__(self) -> None:
        self.http_calls: list[HttpCall] = []
        self.sessions: list[SessionFact] = []
        self.header_sets: list[HeaderSet] = []
        self.branches: list[Branch] = []
        self.verify_offs: list[VerifyOff] = []
        self._branches: list[tuple[object, cst.BaseExpression, bool]] = []

    # ------------------------------------------------------------------ branches

    def branch_enter(self, test: cst.BaseExpression, positive: bool) -> None:
        """The extractor enters the body (``positive``) or the else branch of ``if test``."""
        self._branches.append((self.frame, test, positive))

    def branch_leave(self) -> None:
        self._branches.pop()

    def defaulted(self, name: str, value: Expr) -> Expr:
        """The value of parameter ``name`` after ``if name is None: name = value`` (or ``if not
        name``, or ``name = name or value``): the argument when one is given, else ``value``
        (``OR_DEFAULT``, which evaluation understands). Any other reassignment: ``value``."""
        x = self
        param = x.frame.lookup(name)
        if isinstance(value, Choice) and value.options[:1] == (param,) and len(value.options) == 2:
            return CallExpr(Name(OR_DEFAULT), (value.options[0], value.options[1]), ())
        inner = next((b for b in reversed(self._branches) if b[0] is x.frame), None)
        if inner is not None and param is not None and tests_falsy(inner[1], name) == inner[2]:
            return CallExpr(Name(OR_DEFAULT), (param, value), ())
        return value

    def _note_branches(self, call_id: int) -> None:
        """``if method == "GET": requests.get(...)``: the request is only sent when the
        parameter has one of these values (a ``Branch``)."""
        x = self
        for frame, test, positive in self._branches:
            if frame is not x.frame:
                continue
            for param, values, negated, folded in conditions(test, positive, set(x.frame.params)):
                self.branches.append(Branch(call_id, param, tuple(values), negated, folded))

    # The extractor provides these.

    # ------------------------------------------------------------------ local dicts

    def _set_local_dict(self, name: str, make: Callable[[Expr], Expr]) -> None:
        """Rebind a local (or module-level) dict after ``d.update(...)`` / ``d[k] = v``, so that
        a later request sees the merged dict. Inside a block it may not have happened: a choice."""
        x = self
        f = x.frame
        old = f.locals.get(name)
        if old is None and f.qualname is None:
            old = x.constants.get(name)
        if old is None or isinstance(old, _NOT_DICTS):
            return
        new = cap(make(old))
        if f.depth and f.qualname is None:  # in a function, branches join in ``extract.envs``
            new = choice(old, new)
        f.locals[name] = new
        if f.qualname is None:
            x.constants[name] = new

    def local_item(self, target: cst.Subscript, value: Expr) -> None:
        """``headers["Accept"] = v`` on a local dict (the extractor calls this)."""
        x = self
        sl = target.slice[0].slice if len(target.slice) == 1 else None
        if not isinstance(target.value, cst.Name) or not isinstance(sl, cst.Index):
            return
        key = x.expr(sl.value)
        self._set_local_dict(target.value.value, lambda old: DictExpr(((None, old), (key, value))))

    def _local_update(self, node: cst.Call, fact: CallFact) -> None:
        """``d.update(...)``, and ``d["headers"].update(...)`` on a dict kept under a constant key
        of a local dict (request keyword arguments built up before ``session.request(**d)``)."""
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "update" or len(fact.args) > 1:
            return
        items: list[tuple[Expr | None, Expr]] = [(None, a) for a in fact.args]
        items += [(None, v) if k == "**" else (Const(k), v) for k, v in fact.kwargs]
        target = func.value
        if isinstance(target, cst.Name):
            self._set_local_dict(target.value, lambda old: DictExpr(((None, old), *items)))
            return
        sl = target.slice[0].slice if isinstance(target, cst.Subscript) and len(target.slice) == 1 else None
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and isinstance(sl, cst.Index):
            key = self.expr(sl.value)
            if isinstance(key, Const) and isinstance(key.value, str):
                self._set_local_dict(target.value.value, lambda old: DictExpr(
                    ((None, old), (key, DictExpr(((None, Subscript(old, key)), *items))))))

    # ------------------------------------------------------------------ calls

    def classify_call(self, node: cst.Call, fact: CallFact) -> None:
        x = self
        self._local_update(node, fact)
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
        generated = generated_operation(method_name, receiver, fact.args, dict(fact.kwargs))
        if generated is not None:
            self._record_generated(fact, receiver, generated)
            return
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
        library: LibraryName | None
        if method_name in clients.TOKEN_FETCHERS:
            library = self._session_library(receiver)
            if library is not None and clients.library(library).fetches_tokens:
                self._record_request(node, fact, library, receiver, "POST", method_name, token=True)
            return
        if clients.any_session_sender(method_name):
            library = self._session_library(receiver)
            if library is None:
                if not self._maybe_request(receiver, fact, node):
                    return
                library = "unknown"
            senders = clients.library(library).session_senders
            if method_name in senders:
                self._record_request(node, fact, library, receiver, senders[method_name], method_name)

    def _record_generated(self, fact: CallFact, receiver: Expr, op: GeneratedOperation) -> None:
        """An operation of a client generated from bol's OpenAPI documents (``clients.generated``)."""
        method = op.method
        if isinstance(method, Const) and isinstance(method.value, str):
            method = Const(method.value.upper())
        self._note_branches(fact.id)
        self.http_calls.append(HttpCall(
            call=fact.id, func=fact.func, library="urllib3" if op.spread is None else "httpx",
            receiver=receiver, method=method, url=op.path, headers=op.headers, params=None,
            body=None, body_value=None, verify=None, auth=None, kwargs_spread=op.spread,
            span=fact.span, purpose="generated",
        ))

    def _session_library(self, receiver: Expr) -> LibraryName | None:
        """The library of a receiver that is certainly a session object here, else None."""
        x = self
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
            if isinstance(option, Param):
                spec = self._param_spec(option)
                if spec is not None and spec.annotation is not None:
                    qual = x.qualify(spec.annotation)
                    if qual in clients.SESSION_CONSTRUCTORS:
                        return clients.SESSION_CONSTRUCTORS[qual]
        return None

    def _param_spec(self, param: Param) -> ParamSpec | None:
        """The parameter of the enclosing function, or of a method already seen (``__init__``)."""
        x = self
        for frame in reversed(x.frames):
            if frame.qualname == param.func:
                return frame.params.get(param.name)
        fn = next((f for f in x.functions if f.qualname == param.func), None)
        return next((p for p in fn.params if p.name == param.name), None) if fn else None

    def _maybe_request(self, receiver: Expr, fact: CallFact, node: cst.Call | None = None) -> bool:
        """Keep ``x.get(url)`` on an unknown receiver only when it looks like an HTTP client call.
        A dict, list or string (a local inlined, or a module constant such as an endpoint table
        ``_api_endpoints.get(key)``) is never a client."""
        x = self
        value = x.constants.get(receiver.id) if isinstance(receiver, Name) else receiver
        if isinstance(value, (DictExpr, Seq, Const, Concat, Format, Join)):
            return False
        name = receiver.name if isinstance(receiver, Param) else dotted(receiver)
        if name is None and isinstance(receiver, CallExpr) and node is not None:
            # ``session = await self._ensure_session()``: the local's own name, as written.
            func = node.func
            name = flow.dotted_node(func.value) if isinstance(func, cst.Attribute) else None
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
        library: LibraryName,
        receiver: Expr | None,
        method: str | None,
        name: str,
        token: bool = False,
    ) -> None:
        kw = dict(fact.kwargs)
        lib = clients.library(library)
        sig = lib.signature(name, method is None and not token)
        args = fact.args
        method_expr: Expr
        if method is not None:
            method_expr = Const(method)
        elif sig.method_pos is not None and sig.method_pos < len(args):
            method_expr = args[sig.method_pos]
        elif "method" not in kw and "**" in kw and sig.method_pos is not None:
            method_expr = Subscript(kw["**"], Const("method"))  # ``session.request(**request_kwargs)``
        else:
            method_expr = kw.get("method", Const("POST" if (lib.post_if_data and _has_data(fact, sig)) else "GET"))
        if isinstance(method_expr, Const) and isinstance(method_expr.value, str):
            method_expr = Const(method_expr.value.upper())
        if token:
            url = kw.get("token_url", kw.get("url", args[0] if args else Const(None)))
        else:
            url = args[sig.url_pos] if sig.url_pos < len(args) else kw.get(sig.url_keyword, Const(None))
            if url == Const(None) and "**" in kw:
                url = Subscript(kw["**"], Const(sig.url_keyword))
        headers = kw.get("headers")
        if headers is None and sig.headers_pos is not None and sig.headers_pos < len(args):
            headers = args[sig.headers_pos]
        body_key, body_value = None, None
        for key in lib.body_keywords:
            if key in kw:
                body_key, body_value = key, kw[key]
                break
        if body_key is None:
            pos = sig.data_pos if sig.data_pos is not None else sig.url_pos + 1
            if lib.positional_body and pos < len(args):
                body_key, body_value = "data", args[pos]
        verify = lib.tls_setting(kw)
        context = kw.get("context")
        if context is not None and self.qualify(_callee(context)) in UNVERIFIED_CONTEXTS:
            verify = Const(False)
        self._note_branches(fact.id)
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

    def _record_session(self, node: cst.Call, fact: CallFact, library: LibraryName, kind: str) -> None:
        kw = dict(fact.kwargs)
        headers = kw.get("headers")
        verify = clients.library(library).tls_setting(kw)
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
        x = self
        self.header_sets.append(
            HeaderSet(x.expr(target.value), x.frame.qualname, value, True, x.span(x.statement or target))
        )

    def verify_assignment(self, target: cst.Attribute, value: Expr) -> None:
        """``session.verify = False`` turns TLS checks off for every request on the session;
        recorded as a ``VerifyOff``."""
        if value != Const(False):
            return
        x = self
        obj = x.expr(target.value)
        func = x.frame.qualname
        if isinstance(obj, CallExpr) and obj.call >= 0:
            self.verify_offs.append(VerifyOff(func, "call", call=obj.call))
        elif isinstance(obj, Attr) and obj.base == Name("self"):
            self.verify_offs.append(VerifyOff(func, "self", name=obj.attr))
        elif isinstance(obj, Name):
            self.verify_offs.append(VerifyOff(func, "name", name=obj.id))

    def header_item(self, target: cst.Subscript, key: Expr, value: Expr) -> None:
        """``session.headers["Accept"] = value`` sets one default."""
        x = self
        assert isinstance(target.value, cst.Attribute)
        self.header_sets.append(
            HeaderSet(
                x.expr(target.value.value),
                x.frame.qualname,
                DictExpr(((key, value),)),
                False,
                x.span(x.statement or target),
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

