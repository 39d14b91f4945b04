"""Where the code asks bol for a token, and whether it asks again on every call or every iteration.

Built once per run by ``bolaudit.project`` and shared by BOL201-BOL205:

* ``requests``: the token requests (``tokens.requests``).
* ``sources``: the *token sources*, functions that request a new token every time they are called:
  the function where a token request is made, unless a cache check guards it, and every function
  that calls a token source without such a guard, in any module. Found by one breadth-first walk
  up the callers index, so each function is visited once (recursion cannot loop) and each source
  keeps the shortest chain to its token request, for messages.
* What a cache check is, and when one can never hit: ``tokens.cache_checks``.
* ``loop_fetches`` (BOL201) and ``per_call`` (BOL202), computed from the above and the API reach
  of ``tokens.callgraph``.
"""

from __future__ import annotations

from collections import deque
from functools import cached_property
from typing import TYPE_CHECKING

from bolaudit.records import record
from bolaudit.resolve.index import Scope
from bolaudit.tokens.callgraph import CallGraph
from bolaudit.extract.exprtools import walk
from bolaudit.tokens.cache_checks import CacheChecks, NeverHit
from bolaudit.tokens.entrypoints import EntryPoints
from bolaudit.tokens.requests import TokenRequest, find_token_requests
from bolaudit.facts import Attr, CallFact, Expr, LoopFact, LoopVar, Name, Param, Unknown

if TYPE_CHECKING:
    from bolaudit.resolve.evaluate import Evaluator
    from bolaudit.resolve.index import FactIndex

MAX_CHAIN = 64
SHOWN = 6


@record
class Source:
    """``scope`` requests a new token on every call: ``call`` is the token request itself
    (``target`` None) or leads to the token source ``target``."""

    scope: Scope
    call: CallFact
    target: Scope | None
    request: TokenRequest
    writes: frozenset[str]
    never_hit: NeverHit | None


@record
class LoopFetch:
    """BOL201: ``call`` in ``loop`` (in ``scope``) requests a new token on every iteration."""

    scope: Scope
    call: CallFact
    loop: LoopFact
    request: TokenRequest
    chain: tuple[Scope, ...]  # the functions from the callee down to the token request


@record
class PerCallFetch:
    """BOL202 at ``request``: ``scope`` fetches a token and sends one API request, every call
    (``chain`` from ``scope`` down to the request); or the cache ``never_hit`` can never hit."""

    request: TokenRequest
    scope: Scope
    chain: tuple[Scope, ...]
    never_hit: NeverHit | None
    others: int = 0
    # The entry point (``the web route `ship` ``) that runs it once per outside event, if any.
    entry: str = ""


class TokenFlow:
    def __init__(self, index: FactIndex, ev: Evaluator, graph: CallGraph) -> None:
        self.p = index
        self.ev = ev
        self.graph = graph
        self.cache = CacheChecks(index)
        self.entries = EntryPoints(index)

    # ------------------------------------------------------------------ token requests

    @cached_property
    def requests(self) -> list[TokenRequest]:
        return find_token_requests(self.p, self.ev, self.graph.requests, self.graph)

    @cached_property
    def _request_at(self) -> dict[tuple[str, int], TokenRequest]:
        return {(r.site.path, r.call.id): r for r in self.requests if r.call is not None}

    # ------------------------------------------------------------------ sources

    @cached_property
    def sources(self) -> dict[Scope, Source]:
        out: dict[Scope, Source] = {}
        queue: deque[Scope] = deque()
        for tr in sorted(self.requests, key=lambda r: (r.site.path, r.site.span)):
            scope = tr.scope
            if tr.call is None or scope in out or self.cache.cached_by_decorator(scope):
                continue
            writes = self.graph.writes(scope)
            fresh, never = self.cache.status(scope, tr.call.guards, writes, tr.lifetime)
            if fresh:
                out[scope] = Source(scope, tr.call, None, tr, writes, never)
                queue.append(scope)
        while queue:
            target = queue.popleft()
            src = out[target]
            sites = sorted(self.graph.callers_of(target), key=lambda s: (s[0], s[1].span))
            for path, call, _callee in sites:
                caller: Scope = (path, call.func)
                if caller in out or self.cache.cached_by_decorator(caller):
                    continue
                writes = self.graph.writes(caller) | src.writes
                fresh, never = self.cache.status(caller, call.guards, writes, src.request.lifetime)
                if fresh:
                    out[caller] = Source(caller, call, target, src.request, writes, never)
                    queue.append(caller)
        return out

    def chain(self, scope: Scope) -> tuple[Scope, ...]:
        """``scope`` and the token sources it calls down to the function with the request."""
        out: list[Scope] = []
        cur: Scope | None = scope
        while cur is not None and cur in self.sources and cur not in out:  # targets come first: no cycles
            out.append(cur)
            cur = self.sources[cur].target
        return tuple(out)

    def fetch_of(self, scope: Scope, call: CallFact) -> tuple[TokenRequest, Source | None] | None:
        """The token request ``call`` makes every time it runs (itself, or a token source it calls)."""
        path = scope[0]
        writes = self.graph.writes(scope)
        own = self._request_at.get((path, call.id))
        if own is not None:
            fresh, _ = self.cache.status(scope, call.guards, writes, own.lifetime)
            return (own, None) if fresh else None
        for callee in self.graph.callees(path, call):
            src = self.sources.get(callee.target)
            if src is None:
                continue
            fresh, _ = self.cache.status(scope, call.guards, writes | src.writes, src.request.lifetime)
            if fresh:
                return src.request, src
        return None

    # ------------------------------------------------------------------ BOL201

    @cached_property
    def loop_fetches(self) -> list[LoopFetch]:
        out: list[LoopFetch] = []
        for scope, calls in sorted(self.p.calls_in.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            in_loops = [c for c in calls if c.loops]
            if not in_loops:
                continue
            for call in in_loops:
                found = self.fetch_of(scope, call)
                if found is None:
                    continue
                loop = self._deciding_loop(scope, call, calls, found)
                if loop is not None:
                    request, src = found
                    chain = self.chain(src.scope) if src is not None else ()
                    out.append(LoopFetch(scope, call, loop, request, chain))
        return out

    def _deciding_loop(
        self, scope: Scope, call: CallFact, calls: list[CallFact], found: tuple[TokenRequest, Source | None]
    ) -> LoopFact | None:
        """The innermost loop around ``call`` that also sends API requests, unless the token is
        one per account there (its credentials change with that loop's variables)."""
        path = scope[0]
        for i in range(len(call.loops) - 1, -1, -1):
            lid = call.loops[i]
            if self.graph.is_retry_loop(path, lid, call.guards):
                continue
            if not any(lid in c.loops and self.graph.call_sends_api(path, c) for c in calls):
                continue
            if self._credentials_vary(scope, call, frozenset(call.loops[i:]), found[1]) and not _work_items(
                lid, call, [c for c in calls if lid in c.loops and c is not call and self.graph.call_sends_api(path, c)]
            ):
                return None
            return self.graph.loop(path, lid)
        return None

    def _credentials_vary(
        self, scope: Scope, call: CallFact, loops: frozenset[int], src: Source | None
    ) -> bool:
        """Whether what the loops bind flows into the token request's credentials (one token per
        account or shop), following arguments into parameters and the receiver into ``self``."""
        if Unknown("*args") in call.args:
            return True  # ``get_token(*creds[shop])``: what it passes cannot be told, so say less
        tainted: set[str] = set()
        self_tainted = False
        cur_scope, cur_call, hop = scope, call, src
        for _ in range(MAX_CHAIN):

            def mentions(expr: Expr, func: str | None = cur_scope[1], names: frozenset[str] = frozenset(tainted),
                         self_t: bool = self_tainted) -> bool:
                for e in walk(expr):
                    if isinstance(e, LoopVar) and e.loop in loops and func == scope[1]:
                        return True
                    if isinstance(e, Param) and e.func == func and e.name in names:
                        return True
                    if self_t and e == Name("self"):
                        return True
                return False

            if hop is None:
                exprs = [*cur_call.args, *(v for _, v in cur_call.kwargs), cur_call.callee]
                return any(mentions(e) for e in exprs)
            callee = next((c for c in self.graph.callees(cur_scope[0], cur_call) if c.target == hop.scope), None)
            if callee is None:
                return False
            ctx = self.ev.bind(cur_call.args, cur_call.kwargs, callee,
                                        self.ev.ctx_for(*cur_scope))
            new_tainted = {name for name, expr, _ in ctx.bindings or () if mentions(expr)}
            receiver = cur_call.callee.base if isinstance(cur_call.callee, Attr) else None
            if callee.how in ("self", "super"):
                new_self = self_tainted
            elif callee.how == "init":
                new_self = bool(new_tainted)
            else:
                new_self = receiver is not None and mentions(receiver)
            if not new_tainted and not new_self:
                return False  # nothing the loop binds goes further down
            tainted, self_tainted = new_tainted, new_self
            cur_scope, cur_call = hop.scope, hop.call
            hop = self.sources.get(hop.target) if hop.target is not None else None
        return True  # a chain too long to follow: say less

    # ------------------------------------------------------------------ BOL202

    @cached_property
    def per_call(self) -> list[PerCallFetch]:
        best: dict[tuple[str, object], PerCallFetch] = {}
        counts: dict[tuple[str, object], int] = {}
        for scope, src in sorted(self.sources.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            key = (src.request.site.path, src.request.site.span)
            found: PerCallFetch | None = None
            entry = self.entries.describe(scope, src.request.lifetime)
            if src.never_hit is not None:
                found = PerCallFetch(src.request, scope, self.chain(scope), src.never_hit)
            elif entry is not None and (self.graph.api(scope) is not None or self._class_calls_api(scope)
                                        or (self.entries.is_dependency(scope) and self._makes_client(scope))):
                found = PerCallFetch(src.request, scope, self.chain(scope), None, entry=entry)
            elif scope[1] is not None and self.graph.api(scope) == "single" and not self._run_once(scope) \
                    and not self.entries.infrequent(scope, src.request.lifetime):
                found = PerCallFetch(src.request, scope, self.chain(scope), None)
            if found is None:
                continue
            counts[key] = counts.get(key, 0) + 1
            old = best.get(key)
            if old is None or _better(found, old):
                best[key] = found
        return [
            PerCallFetch(f.request, f.scope, f.chain, f.never_hit, counts[k] - 1, f.entry)
            for k, f in sorted(best.items(), key=lambda kv: (kv[1].request.site.path, kv[1].request.site.span))
        ]

    def _makes_client(self, scope: Scope) -> bool:
        """A dependency that builds the HTTP client the routes then call bol with."""
        return any(path == scope[0] and fact.func == scope[1] for (path, _), fact in self.p.sessions.items())

    def _class_calls_api(self, scope: Scope) -> bool:
        """A view's ``setup``/``__init__`` makes the client its ``get``/``post`` then use: the
        class's other methods send the API requests of the same event."""
        cls = self.p.class_of((scope[0], scope[1])) if scope[1] is not None else None
        if cls is None:
            return False
        return any(self.graph.api((path, name)) is not None
                   for (path, name), fn in self.p.functions.items()
                   if path == scope[0] and fn.cls == cls[1] and (path, name) != (scope[0], scope[1]))

    def _run_once(self, scope: Scope) -> bool:
        """Called only from a module's top level outside loops (a script's ``main()``)."""
        sites = list(self.graph.callers_of(scope))
        return bool(sites) and all(call.func is None and not call.loops for _, call, _ in sites)


def _work_items(loop: int, fetch: CallFact, api_calls: list[CallFact]) -> bool:
    """``for line in lines: get_token(line.account_name); confirm(token, line)``: the token's
    credentials come from one field of the loop's item, and the item itself (or its other
    fields) feeds the API requests: the loop iterates work items, not accounts (one token per
    line, not per account)."""
    def uses(exprs: list[Expr]) -> tuple[set[str], bool]:
        fields: set[str] = set()
        whole = False
        for expr in exprs:
            for e in walk(expr):
                if isinstance(e, Attr) and isinstance(e.base, LoopVar) and e.base.loop == loop:
                    fields.add(e.attr)
            if any(isinstance(e, LoopVar) and e.loop == loop for e in walk(expr)) and not any(
                isinstance(e, Attr) and isinstance(e.base, LoopVar) and e.base.loop == loop for e in walk(expr)
            ):
                whole = True
        return fields, whole

    cred_fields, cred_whole = uses([*fetch.args, *(v for _, v in fetch.kwargs)])
    if cred_whole or not cred_fields:
        return False  # the loop variable itself is the account (``for account in accounts``)
    for call in api_calls:
        fields, whole = uses([*call.args, *(v for _, v in call.kwargs)])
        if whole or fields - cred_fields:
            return True
    return False


def _better(new: PerCallFetch, old: PerCallFetch) -> bool:
    if (new.never_hit is None) != (old.never_hit is None):
        return new.never_hit is not None
    if bool(new.entry) != bool(old.entry):
        return bool(new.entry)  # the entry point that runs it per event says most
    return len(new.chain) < len(old.chain)



def qualname(scope: Scope) -> str:
    return scope[1] or "<module>"


def chain_text(chain: tuple[Scope, ...]) -> str:
    """``A.get -> A._headers``; a long chain keeps its ends: ``a -> b -> c -> … 40 more -> y -> z``."""
    names = [qualname(s) for s in chain]
    if len(names) > SHOWN:
        names = [*names[:3], f"… {len(names) - 5} more", *names[-2:]]
    return " -> ".join(names)
