"""The parts of a request that come from more than its own call: the client's default headers
(constructor, ``headers.update``/``headers[...] =``/``headers = ...`` on the same session anywhere
in the project), ``base_url``, ``**kwargs`` passed on, and TLS verification turned off on the
call, the client (``verify=False``, ``session.verify = False``) or the opener (urllib).

Several possible header dicts are combined into one that is only as certain as all of them; a
client bolaudit cannot see makes the headers open (unknown), never empty.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from bolaudit import clients
from bolaudit.resolve.contexts import Ctx
from bolaudit.resolve.stringops import urljoin_values
from bolaudit.resolve.values import DVal, Obj, SVal, combine
from bolaudit.facts import Attr, CallExpr, Choice, Const, Expr, HeaderSet, HttpCall, Name, Param, SessionFact

if TYPE_CHECKING:
    from bolaudit.resolve.evaluate import Evaluator
    from bolaudit.resolve.index import FactIndex

MAX_HEADER_ALTERNATIVES = 8
BODY_KEYS = ("json", "data", "content", "files")
UNVERIFIED_SSL = ("ssl._create_unverified_context", "ssl._create_default_https_context")


class RequestParts:
    def __init__(self, index: FactIndex, ev: Evaluator) -> None:
        self.p = index
        self.ev = ev

    # ------------------------------------------------------------------ branches

    @cached_property
    def _branches(self) -> dict[tuple[str, int], list[tuple[str, frozenset[str], bool, bool]]]:
        """The ``if method == "GET":`` conditions each HTTP call is under (``http_facts``)."""
        out: dict[tuple[str, int], list[tuple[str, frozenset[str], bool, bool]]] = {}
        for path, facts in self.p.modules.items():
            for b in facts.branches:
                out.setdefault((path, b.call), []).append((b.param, frozenset(b.values), b.negated, b.folded))
        return out

    def branch_values(self, h: HttpCall, ctx: Ctx) -> list[list[SVal]]:
        """The values of the parameters the call's branch conditions test, in ``ctx``."""
        if h.func is None:
            return []
        conditions = self._branches.get((ctx.path, h.call), [])
        return [self.ev.strings(Param(h.func, param), ctx) for param, _, _, _ in conditions]

    def reachable(self, h: HttpCall, ctx: Ctx) -> bool:
        """False only when the arguments bound in ``ctx`` certainly fail a condition the call
        is under (``self._request("GET", ...)`` never reaches the ``requests.post`` branch)."""
        conditions = self._branches.get((ctx.path, h.call), [])
        for (param, values, negated, folded), alts in zip(conditions, self.branch_values(h, ctx)):
            known = [a.known for a in alts]
            if not known or any(k is None for k in known):
                continue
            if all(((k.lower() if folded else k) in values) == negated for k in known if k is not None):
                return False
        return True

    # ------------------------------------------------------------------ clients and headers

    def sessions(self, h: HttpCall, ctx: Ctx) -> tuple[list[tuple[SessionFact, Obj]], list[Obj]]:
        """(the session objects a call is made on, the alternatives that are not known sessions)."""
        if h.receiver is None:
            return [], []
        found: list[tuple[SessionFact, Obj]] = []
        other: list[Obj] = []
        for obj in self.ev.objects(h.receiver, ctx):
            fact = self.p.sessions.get((obj.path, int(obj.name))) if obj.kind == "session" else None
            if fact is not None:
                found.append((fact, obj))
            else:
                other.append(obj)
        if not found and not other:
            other.append(Obj("unknown", name="the client object is not known"))
        return found, other

    def with_base(self, h: HttpCall, ctx: Ctx, value: SVal) -> SVal:
        """The URL a client with a ``base_url`` really requests (httpx appends, aiohttp joins)."""
        if value.prefix().startswith(("http://", "https://")):
            return value
        if h.purpose == "fetch_token" and h.url == Const(None):
            endpoint = self._token_endpoint(h, ctx)
            if endpoint is not None:
                return endpoint
        for fact, obj in self.sessions(h, ctx)[0]:
            if fact.base_url is None:
                continue
            base = self.ev.string(fact.base_url, self.ev.ctx_for(obj.path, fact.func))
            if clients.library(fact.library).base_url_join == "urljoin":
                return urljoin_values(base, value)
            known = base.known
            if known is not None and value.parts and isinstance(value.parts[0], str):
                return SVal.of(known.rstrip("/") + "/") + SVal((value.parts[0].lstrip("/"), *value.parts[1:]))
            return base + value
        return value

    def _token_endpoint(self, h: HttpCall, ctx: Ctx) -> SVal | None:
        """``fetch_token()`` without a URL on an authlib client: the ``token_endpoint`` its
        constructor was given."""
        for fact, obj in self.sessions(h, ctx)[0]:
            made = self.p.calls.get((obj.path, fact.call))
            given = dict(made.kwargs).get("token_endpoint") if made is not None else None
            if given is not None:
                return self.ev.string(given, self.ev.ctx_for(obj.path, fact.func))
        return None

    def headers(self, h: HttpCall, ctx: Ctx) -> DVal:
        found, other = self.sessions(h, ctx)
        bases = [self.session_headers[(obj.path, fact.call)] for fact, obj in found]
        for obj in other[:1]:
            param = obj.extra[0] if obj.kind == "unknown" and obj.extra else ""
            bases.append(DVal.unknown("the client's default headers are not known", param))
        if h.receiver is None:
            bases = [self._request_object_headers(h, ctx.path) if clients.library(h.library).request_objects else DVal()]
        own: list[DVal]
        if h.headers is not None:
            own = self.ev.dicts(h.headers, ctx)
        elif h.kwargs_spread is not None:
            items, complete = self.ev.dict_lookup(h.kwargs_spread, "headers", ctx)
            own = [d for e, c in items for d in self.ev.dicts(e, c)]
            if complete and not items:
                own = [DVal()]
            elif not complete:
                param = next((v.param for v in self.ev.dicts(h.kwargs_spread, ctx) if v.param), "")
                own.append(DVal.unknown("headers may come in through **kwargs", param))
        else:
            own = [DVal()]
        merged = [b.merged(o) for b in bases for o in own][:MAX_HEADER_ALTERNATIVES]
        return combine(merged)

    def _request_object_headers(self, h: HttpCall, path: str) -> DVal:
        """``urllib.request.Request`` built here and given headers by ``req.add_header(...)``."""
        out = DVal()
        for hs in self.p.header_sets_in.get(path, []):
            if isinstance(hs.target, CallExpr) and hs.target.call == h.call:
                out = out.merged(combine(self.ev.dicts(hs.headers, self.ev.ctx_for(path, hs.func))))
        return out

    def params(self, h: HttpCall, ctx: Ctx) -> DVal:
        """The query parameters given as ``params=`` (directly or through ``**kwargs``)."""
        if h.params is not None:
            return combine(self.ev.dicts(h.params, ctx))
        if h.kwargs_spread is None:
            return DVal()
        items, complete = self.ev.dict_lookup(h.kwargs_spread, "params", ctx)
        found = [d for e, c in items for d in self.ev.dicts(e, c)]
        if not complete:
            found.append(DVal.unknown("query parameters may come in through **kwargs"))
        return combine(found) if found else DVal()

    def body(self, h: HttpCall, ctx: Ctx) -> str | None:
        if h.body is not None:
            if isinstance(h.body_value, Const) and h.body_value.value is None:
                return None
            return h.body
        if h.kwargs_spread is None:
            return None
        for key in BODY_KEYS:
            found, _ = self.ev.dict_lookup(h.kwargs_spread, key, ctx)
            if any(not (isinstance(e, Const) and e.value is None) for e, _ in found):
                return key
        return None

    def verify_off(self, h: HttpCall, ctx: Ctx) -> bool:
        if h.verify is not None and self._is_false(h.verify, ctx):
            return True
        opener = self._openers.get((ctx.path, h.call)) if clients.library(h.library).request_objects else None
        if opener is not None and opener.verify is not None:
            return self._is_false(opener.verify, self.ev.ctx_for(ctx.path, opener.func))
        for fact, obj in self.sessions(h, ctx)[0]:
            if fact.verify is not None and self._is_false(fact.verify, self.ev.ctx_for(obj.path, fact.func)):
                return True
            if (obj.path, fact.call) in self._unverified_sessions:
                return True
        return False

    @cached_property
    def _unverified_sessions(self) -> set[tuple[str, int]]:
        """Sessions given ``.verify = False`` somewhere (see ``http_facts.verify_assignment``)."""
        out: set[tuple[str, int]] = set()
        for path, facts in self.p.modules.items():
            for off in facts.verify_offs:
                if off.how == "call":
                    out.add((path, off.call))
                    continue
                expr: Expr = Attr(Name("self"), off.name) if off.how == "self" else Name(off.name)
                for obj in self.ev.objects(expr, self.ev.ctx_for(path, off.func)):
                    if obj.kind == "session":
                        out.add((obj.path, int(obj.name)))
        return out

    def _is_false(self, expr: Expr, ctx: Ctx, depth: int = 0) -> bool:
        """Certainly ``False`` (or an unverified SSL context), following names and parameters."""
        if isinstance(expr, Const):
            return expr.value is False
        if depth > 6:
            return False
        if isinstance(expr, Choice):
            return all(self._is_false(o, ctx, depth + 1) for o in expr.options)
        if isinstance(expr, CallExpr):
            objs = self.ev.objects(expr.func, ctx)
            if objs and all(o.kind == "external" and o.name in UNVERIFIED_SSL for o in objs):
                return True
        subs = self.ev.resolve(expr, ctx)
        return bool(subs) and all(self._is_false(s, c, depth + 1) for s, c in subs)

    @cached_property
    def _openers(self) -> dict[tuple[str, int], HttpCall]:
        """``urlopen(req, context=...)`` by the ``Request`` call it sends (same module)."""
        out: dict[tuple[str, int], HttpCall] = {}
        for (path, _), calls in self.p.http_in.items():
            for h in calls:
                if clients.library(h.library).request_objects and isinstance(h.url, CallExpr):
                    out[(path, h.url.call)] = h
        return out

    @cached_property
    def session_headers(self) -> dict[tuple[str, int], DVal]:
        """Default headers of every session: constructor headers, then every update to it."""
        out: dict[tuple[str, int], DVal] = {}
        for (path, call_id), fact in self.p.sessions.items():
            ctx = self.ev.ctx_for(path, fact.func)
            out[(path, call_id)] = DVal() if fact.headers is None else combine(self.ev.dicts(fact.headers, ctx))
        for path, sets in sorted(self.p.header_sets_in.items()):
            for hs in sets:
                self._apply_header_set(path, hs, out)
        return out

    def _apply_header_set(self, path: str, hs: HeaderSet, out: dict[tuple[str, int], DVal]) -> None:
        ctx = self.ev.ctx_for(path, hs.func)
        update = combine(self.ev.dicts(hs.headers, ctx))
        sessions = [o for o in self.ev.objects(hs.target, ctx) if o.kind == "session"]
        for obj in sessions:
            key = (obj.path, int(obj.name))
            if key not in out:
                continue
            if len(sessions) > 1:
                # It may be another of the sessions: each keeps what it had as an alternative.
                out[key] = combine([out[key], update if hs.replace else out[key].merged(update)])
            else:
                out[key] = update if hs.replace else out[key].merged(update)
