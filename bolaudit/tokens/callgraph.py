"""The call graph the token rules walk: callees per call, API reach per function, loop kinds.

Built once per run from ``Project.callers`` (inverted, so callers and callees always agree) and
the resolved requests. Scopes are ``(path, qualname)`` for functions and ``(path, None)`` for a
module's top level. Every search here is memoised and stops on recursion: a cycle of calls
contributes nothing new, it never loops or raises.

"API reach" says whether calling a function sends a bol API request, and how many per call:
``single`` (one request, or a fixed few; retries do not count) or ``batch`` (requests inside a
loop: pagination, one per order...). That is what tells a per-request wrapper that fetches a
token each time (BOL202) from a sync job that fetches one token for a whole batch (fine).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import TYPE_CHECKING

from bolaudit.resolve.contexts import Callee, Callers
from bolaudit.extract.exprtools import dotted, walk
from bolaudit.facts import Attr, CallExpr, CallFact, Const, Expr, Guard, LoopFact, Name
from bolaudit.findings import Span

from bolaudit.resolve.index import Scope, caller_word

if TYPE_CHECKING:
    from bolaudit.resolve.index import FactIndex
    from bolaudit.resolve.requests import ResolvedRequest, Site

MAX_RETRIES = 10
_RETRY_NAMES = re.compile(r"attempt|retr|tries|backoff", re.IGNORECASE)
_IN_PROGRESS = "in-progress"
PROPERTY_DECORATORS = ("property", "functools.cached_property", "cached_property")


class CallGraph:
    def __init__(self, index: FactIndex, callers: Callers, requests: list[ResolvedRequest]) -> None:
        self.p = index
        self.callers = callers
        self.requests = requests
        self._callees: dict[tuple[str, int], list[Callee]] = {}
        for _target, sites in callers.items():
            for path, call, callee in sites:
                found = self._callees.setdefault((path, call.id), [])
                if callee not in found:
                    found.append(callee)
        self._extra_callers: dict[tuple[str, str], list[tuple[str, CallFact, Callee]]] = {}
        self._synthetic = -(10**6)
        self._writes: dict[Scope, frozenset[str]] = {}
        self._add_property_edges()
        self._by_span: dict[tuple[str, str | None, Span], CallFact] = {}
        self._api: dict[Scope, str | None] = {}

    def _add_property_edges(self) -> None:
        """``headers=self.headers`` runs the ``headers`` property: an edge from the call that reads
        it, so a property that fetches a token is followed like a method."""

        props = {key for key, fn in self.p.functions.items()
                 if fn.cls is not None and any(dotted(d) in PROPERTY_DECORATORS for d in fn.decorators)}
        if not props:
            return
        classes = {self.p.class_of(k) for k in props}
        for key, fn in self.p.functions.items():
            cls = self.p.class_of(key)
            if cls is None or not any(c in classes for c in self.p.mro(cls)):
                continue
            path = key[0]
            sites: list[tuple[CallFact, list[Expr]]] = []
            for call in self.p.calls_in.get(key, []):
                exprs = [*call.args, *(v for _, v in call.kwargs)]
                if isinstance(call.callee, Attr):
                    exprs.append(call.callee.base)
                sites.append((call, exprs))
            if fn.returns:
                # ``return {"Authorization": f"Bearer {self.token}"}``: no call, so a stand-in one.
                self._synthetic -= 1
                stand_in = CallFact(self._synthetic, key[1], Attr(Name("self"), "<return>"), (), (), fn.span)
                sites.append((stand_in, list(fn.returns)))
            for call, exprs in sites:
                for expr in exprs:
                    for sub in walk(expr):
                        if isinstance(sub, Attr) and sub.base == Name("self"):
                            target = self.p.method(cls, sub.attr)
                            if target is not None and target in props:
                                self._edge(path, call, Callee(target, "self", cls))

    def _edge(self, path: str, call: CallFact, callee: Callee) -> None:
        found = self._callees.setdefault((path, call.id), [])
        if callee not in found:
            found.append(callee)
            self._extra_callers.setdefault(callee.target, []).append((path, call, callee))

    # ------------------------------------------------------------------ calls

    def callees(self, path: str, call: CallFact) -> list[Callee]:
        return self._callees.get((path, call.id), [])

    def calls_in(self, scope: Scope) -> list[CallFact]:
        return self.p.calls_in.get(scope, [])

    def call_at(self, site: Site) -> CallFact | None:
        """The call fact at a resolved request's site (or its HTTP call)."""
        key = (site.path, site.func, site.span)
        if not self._by_span:
            for (path, func), calls in self.p.calls_in.items():
                for c in calls:
                    self._by_span.setdefault((path, func, c.span), c)
        return self._by_span.get(key)

    def writes(self, scope: Scope) -> frozenset[str]:
        """The state ``scope`` writes, itself or through the project functions it calls (a few
        calls deep): ``acquire()`` that stores the token with ``self._set_header(token)`` or
        ``self.cache.set(key, token)`` writes what those write. Locals stay the function's own."""
        found = self._writes.get(scope)
        if found is None:
            found = self._writes[scope] = self._collect_writes(scope)
        return found

    def _collect_writes(self, scope: Scope, depth: int = 3) -> frozenset[str]:
        if scope[1] is None:
            return frozenset()
        fn = self.p.functions.get((scope[0], scope[1]))
        own = frozenset(fn.writes) if fn is not None else frozenset()
        seen: set[Scope] = {scope}
        out = set(own)
        todo = [(scope, 0)]
        while todo:
            cur, level = todo.pop()
            if level >= depth:
                continue
            for call in self.calls_in(cur):
                for callee in self.callees(cur[0], call):
                    target: Scope = callee.target
                    if target in seen or target[1] is None:
                        continue
                    seen.add(target)
                    inner = self.p.functions.get((target[0], target[1]))
                    if inner is not None:
                        out.update(w for w in inner.writes if not w.startswith("local:"))
                    todo.append((target, level + 1))
        return frozenset(out)

    # ------------------------------------------------------------------ loops

    def loop(self, path: str, loop_id: int) -> LoopFact | None:
        return self.p.loops.get((path, loop_id))

    def is_retry_loop(self, path: str, loop_id: int, guards: tuple[Guard, ...] = ()) -> bool:
        """``for attempt in range(3)``, ``while retries < 5``: a bounded retry, not a batch."""
        loop = self.loop(path, loop_id)
        if loop is None:
            return False
        if any(_RETRY_NAMES.search(t) for t in loop.targets):
            return True
        if loop.kind in ("for", "async for") and _small_range(loop.iter):
            return True
        if loop.kind == "while":
            return any(g.kind == "while" and any(_RETRY_NAMES.search(r) for r in g.reads) for g in guards)
        return False

    def batch_loops(self, path: str, call: CallFact) -> tuple[int, ...]:
        """The loops around a call that repeat it for many items (retry loops left out)."""
        return tuple(lid for lid in call.loops if not self.is_retry_loop(path, lid, call.guards))

    # ------------------------------------------------------------------ API requests

    @cached_property
    def api_requests(self) -> list[ResolvedRequest]:
        return [r for r in self.requests if r.calls_bol_api]

    @cached_property
    def _origins(self) -> dict[Scope, str]:
        """Functions where an API request's endpoint is chosen: ``single`` or ``batch`` per call."""
        out: dict[Scope, str] = {}
        for req in self.api_requests:
            scope: Scope = (req.site.path, req.site.func)
            sites = [*req.chain, req.call_site] if req.chain else [req.call_site]
            batched = False
            for site in sites:
                call = self.call_at(site)
                if call is not None and self.batch_loops(site.path, call):
                    batched = True
            kind = "batch" if batched else "single"
            if out.get(scope) != "batch":
                out[scope] = kind
        return out

    @cached_property
    def api_sites(self) -> frozenset[tuple[str, Span]]:
        """(path, span) of the calls where an API request's endpoint is chosen."""
        return frozenset((r.site.path, r.site.span) for r in self.api_requests)

    def api(self, scope: Scope) -> str | None:
        """``single``/``batch`` when calling ``scope`` sends API requests, else None."""
        found = self._api.get(scope)
        if found == _IN_PROGRESS:
            return None
        if scope in self._api:
            return found
        self._api[scope] = _IN_PROGRESS
        result = self._origins.get(scope)
        for call in self.calls_in(scope):
            for callee in self.callees(scope[0], call):
                sub = self.api(callee.target)
                if sub is None:
                    continue
                if sub == "batch" or self.batch_loops(scope[0], call):
                    result = "batch"
                elif result is None:
                    result = "single"
            if result == "batch":
                break
        self._api[scope] = result
        return result

    def call_sends_api(self, path: str, call: CallFact) -> bool:
        """Whether making this call sends an API request (it is one, or reaches one)."""
        if (path, call.span) in self.api_sites:
            return True
        return any(self.api(c.target) is not None for c in self.callees(path, call))

    # ------------------------------------------------------------------ display

    def callers_of(self, scope: Scope) -> list[tuple[str, CallFact, Callee]]:
        if scope[1] is None:
            return []
        key = (scope[0], scope[1])
        self.p.ask_mentions(caller_word(key[1]))  # a deferred module's calls would be callers too
        return [*self.callers.get(key, []), *self._extra_callers.get(key, [])]


def _small_range(expr: Expr | None) -> bool:
    if not isinstance(expr, CallExpr) or dotted(expr.func) != "range" or not expr.args:
        return False
    last = expr.args[1] if len(expr.args) > 1 else expr.args[0]
    return isinstance(last, Const) and isinstance(last.value, int) and 0 < last.value <= MAX_RETRIES + 1


def callee_text(expr: Expr) -> str:
    """How a call is written, for messages: ``client.get_order``, ``BolClient``, ``….get_order``."""
    name = dotted(expr)
    if name is not None:
        return name
    if isinstance(expr, Attr):
        return callee_text(expr.base) + "()." + expr.attr if isinstance(expr.base, CallExpr) else "…." + expr.attr
    if isinstance(expr, CallExpr):
        return callee_text(expr.func)
    return "the call"

