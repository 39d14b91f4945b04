"""Token caches that keep a token longer than it lives (BOL206 token-outlives-expiry).

bol's tokens live 299 s. A cache that keeps one longer hands out a dead token, and every API call
then fails with 401 (Expired JWT), unless the code renews the token when bol answers 401. Found
here, for each token request that no 401 (or an ``except`` around a call) ever renews:

* a cache check with no expiry at all (``if "access_token" not in _tokens``,
  ``return cached or fetch()``), or with a fixed validity above the lifetime
  (``time.monotonic() - fetched_at < 3600``; ``Guard.validity``);
* a caching decorator without a TTL (``functools.lru_cache``, ``functools.cache``,
  ``cached_property``), or ``cachetools``' ``TTLCache(ttl=...)`` above the lifetime;
* a token fetched once, at import or when an object is made (``__init__``), and kept (on a
  session's headers, in a global) for as long as the process or the object lives.

A cache whose check reads an expiry (``expires_at``, the JWT's ``exp``) is left to BOL202's
never-hit check: it renews, the question there is only whether it renews too often.
"""

from __future__ import annotations

import re
from collections import deque
from typing import TYPE_CHECKING

from bolaudit.extract.exprtools import dotted
from bolaudit.facts import Attr, CallExpr, CallFact, Const, Expr, Guard
from bolaudit.findings import Span
from bolaudit.records import record
from bolaudit.tokens.cache_checks import stored_expiries

if TYPE_CHECKING:
    from bolaudit.resolve.index import Scope
    from bolaudit.tokens.flow import TokenFlow
    from bolaudit.tokens.requests import TokenRequest

_EXPIRY = re.compile(r"exp|until|deadline|valid|ttl|age|fresh|stale", re.IGNORECASE)
_FOREVER_DECORATORS = ("lru_cache", "cache", "cached_property")
_UP = 6  # caller levels searched for a renewal or a cache check


@record
class Outlives:
    """``func`` in ``path`` keeps the token of ``request`` ``how`` (for messages), at ``span``."""

    path: str
    span: Span
    func: str | None
    how: str
    request: TokenRequest


def outliving(flow: TokenFlow) -> list[Outlives]:
    out: dict[tuple[str, Span], Outlives] = {}
    per_event = {(p.request.site.path, p.request.site.span) for p in flow.per_call}
    for tr in flow.requests:
        if tr.call is None or (tr.site.path, tr.site.span) in per_event or _renewed(flow, tr.scope, tr.call):
            continue  # a token fetched per call or per event is BOL202's, not kept at all
        found = _decorated(flow, tr) or _checked(flow, tr) or _kept_once(flow, tr)
        if found is not None:
            out.setdefault((found.path, found.span), found)
    return sorted(out.values(), key=lambda o: (o.path, o.span))


def _renewed(flow: TokenFlow, scope: Scope, call: CallFact) -> bool:
    """Whether a 401/403 (or an exception handler) leads to this token request again."""
    return _renews(call.guards) or any(
        _renews(site.guards) for cur in _up(flow, scope) for _path, site, _callee in flow.graph.callers_of(cur))


def _renews(guards: tuple[Guard, ...]) -> bool:
    return any(g.status in (401, 403) or g.kind == "except" for g in guards)


def _decorated(flow: TokenFlow, tr: TokenRequest) -> Outlives | None:
    """A caching decorator without a TTL (or with one above the lifetime) on the function that
    requests the token, or on one that calls it."""
    for scope in _up(flow, tr.scope):
        fn = flow.p.functions.get((scope[0], scope[1])) if scope[1] is not None else None
        if fn is None:
            continue
        if any(p.name not in ("self", "cls") for p in fn.params):
            continue  # the arguments are the cache key: a new one (a time window) fetches anew
        for deco in fn.decorators:
            how = _decorator_keeps(deco, tr.lifetime)
            if how is not None:
                return Outlives(scope[0], fn.span, scope[1], how, tr)
    return None


def _decorator_keeps(deco: Expr, lifetime: int) -> str | None:
    name = dotted(deco.func if isinstance(deco, CallExpr) else deco) or ""
    last = name.rsplit(".", 1)[-1]
    if last in _FOREVER_DECORATORS:
        return f"with `{name}`, which has no expiry, so for the life of the process"
    if last in ("cached", "ttl_cache") and isinstance(deco, CallExpr):
        for arg in (*deco.args, *(v for _, v in deco.kwargs)):
            ttl = _ttl(arg) if last == "cached" else None
            ttl = ttl if ttl is not None else (_number(arg) if last == "ttl_cache" else None)
            if ttl is not None and ttl > lifetime:
                return f"for {ttl:g} s (the cache's TTL)"
    return None


def _ttl(expr: Expr) -> float | None:
    """``TTLCache(maxsize=1, ttl=3600)``'s TTL."""
    if not isinstance(expr, CallExpr) or (dotted(expr.func) or "").rsplit(".", 1)[-1] != "TTLCache":
        return None
    kwargs = dict(expr.kwargs)
    if "ttl" in kwargs:
        return _number(kwargs["ttl"])
    return _number(expr.args[1]) if len(expr.args) > 1 else None


def _number(expr: Expr) -> float | None:
    if isinstance(expr, Const) and isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool):
        return float(expr.value)
    return None


def _checked(flow: TokenFlow, tr: TokenRequest) -> Outlives | None:
    """A cache check on the way to the token request that never lets the token go stale, or
    only after a fixed validity above the lifetime."""
    assert tr.call is not None
    # Only what the cache's function and the fetching one write themselves: a positive finding
    # must not rest on a state some helper three calls down happens to write too.
    fetcher = _own_writes(flow, tr.scope)
    sites: list[tuple[Scope, CallFact, frozenset[str]]] = [(tr.scope, tr.call, fetcher)]
    for scope in list(_up(flow, tr.scope))[1:]:
        for path, site, callee in _calls_into(flow, scope, tr):
            sites.append(((path, site.func), site, _own_writes(flow, (path, site.func)) | _own_writes(flow, callee)
                          | fetcher))
    for scope, call, writes in sites:
        for g in call.guards:
            if not flow.cache.is_cache_check(scope, g, writes):
                continue
            validity = g.validity if g.validity is not None else stored_expiries(writes, g.reads, "validity")
            if validity is not None:
                if validity > tr.lifetime and not _invalidated(flow, g.reads):
                    return Outlives(scope[0], call.span, scope[1], f"for {validity:g} s", tr)
                return None
            if g.margin is not None or g.clock or any(_EXPIRY.search(r.split(":", 1)[-1]) for r in g.reads):
                return None  # an expiry is read: BOL202 judges its margin
            if _invalidated(flow, g.reads) or _stored_with_expiry(flow, (scope, tr.scope)):
                return None
            return Outlives(scope[0], call.span, scope[1], "with no expiry", tr)
    return None


_EXPIRING_WRITES = frozenset({"setex", "psetex", "expire", "pexpire", "expireat"})
_EXPIRY_KEYWORDS = frozenset({"timeout", "ex", "px", "ttl", "expire", "expires", "expiry", "max_age", "exat"})


def _stored_with_expiry(flow: TokenFlow, scopes: tuple[Scope, ...]) -> bool:
    """The token is written with an expiry of the store's own: Django's ``cache.set(key, token,
    timeout=...)``, redis ``setex``/``set(..., ex=...)``/``expire``."""
    for scope in scopes:
        for call in flow.graph.calls_in(scope):
            callee = call.callee
            name = callee.attr if isinstance(callee, Attr) else ""
            if name in _EXPIRING_WRITES or (name in ("set", "add", "set_many")
                                            and any(k in _EXPIRY_KEYWORDS for k, _ in call.kwargs)):
                return True
    return False


def _invalidated(flow: TokenFlow, reads: tuple[str, ...]) -> bool:
    """Whether a call made on a 401 (or in an exception handler) writes what the cache check
    reads (``_forget_token()`` sets ``_token = None``): the next call fetches a new token."""
    wanted = {r for r in reads if not r.startswith("local:")}
    if not wanted:
        return False
    for (path, func), calls in flow.p.calls_in.items():
        for call in calls:
            if not _renews(call.guards):
                continue
            for callee in flow.graph.callees(path, call):
                if wanted & flow.graph.writes(callee.target):
                    return True
    return False


def _own_writes(flow: TokenFlow, scope: Scope) -> frozenset[str]:
    fn = flow.p.functions.get((scope[0], scope[1])) if scope[1] is not None else None
    return frozenset(fn.writes) if fn is not None else frozenset()


def _calls_into(flow: TokenFlow, scope: Scope, tr: TokenRequest) -> list[tuple[str, CallFact, Scope]]:
    """The calls in ``scope`` that lead down to the token request."""
    below = set(_up(flow, tr.scope))
    out: list[tuple[str, CallFact, Scope]] = []
    for call in flow.graph.calls_in(scope):
        for callee in flow.graph.callees(scope[0], call):
            if callee.target in below and callee.target != scope:
                out.append((scope[0], call, callee.target))
    return out


def _kept_once(flow: TokenFlow, tr: TokenRequest) -> Outlives | None:
    """Requested at import or in ``__init__`` only, and kept: the token lives as long as the
    process or the object, with nothing that renews it."""
    assert tr.call is not None
    if tr.scope[1] is not None and tr.scope not in flow.sources:
        return None  # a cache guards it: ``_checked`` judged that cache
    if tr.scope[1] is None:
        return Outlives(tr.site.path, tr.call.span, None, "from import time on, for the life of the process", tr)
    callers = flow.graph.callers_of(tr.scope)
    if not callers:
        return None
    for path, site, _callee in callers:
        func = site.func
        if func is None:
            continue
        if not func.endswith("__init__") and func.rsplit(".", 1)[-1] not in ("setup", "__post_init__"):
            return None
    first = callers[0]
    where = first[1].func
    how = ("from import time on, for the life of the process" if where is None else
           "from when the object is made, for as long as it lives")
    return Outlives(first[0], first[1].span, where, how, tr)


def _up(flow: TokenFlow, scope: Scope) -> list[Scope]:
    """``scope`` and the functions that call it, a few levels up, nearest first."""
    out = [scope]
    queue: deque[tuple[Scope, int]] = deque([(scope, 0)])
    while queue:
        cur, level = queue.popleft()
        if level >= _UP:
            continue
        for path, site, _callee in flow.graph.callers_of(cur):
            caller: Scope = (path, site.func)
            if caller[1] is not None and caller not in out:
                out.append(caller)
                queue.append((caller, level + 1))
    return out
