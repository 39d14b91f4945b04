"""Cache checks: whether a token request (or a call that leads to one) runs on every call.

A *cache check* is a condition the call depends on that reads state the function, or a function
on its way to the token request, writes: ``self.x``, a ``global``, a dict entry, a file, a
database row, or a helper method of the project that checks them (``self._token_valid()``). A
caching decorator (``functools.lru_cache``/``cache``/``cached_property``, ``cachetools``,
``@cache.memoize``) is one too. A call made only in an ``except`` handler or after a 401/403 is a
re-login, not a fetch per call. A check whose refresh margin is at least the token's lifetime
(``time.time() < expires_at - 300`` with ``expires_at = now + expires_in`` and bol's 299 s) can
never hit and does not make a cache; unless the code writes its own constant lifetime into the
expiry (``now + 3600``), which makes the check hit (and reuse expired tokens, another bug).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bolaudit.extract.exprtools import dotted, walk
from bolaudit.records import record
from bolaudit.tokens.handlers import web_view_class
from bolaudit.facts import CallExpr, Const, Guard

if TYPE_CHECKING:
    from bolaudit.resolve.index import Scope
    from bolaudit.resolve.index import FactIndex

_EXPIRY = re.compile(r"exp|until|deadline|valid_to", re.IGNORECASE)
_PER_REQUEST = frozenset({"flask.g", "flask.request", "starlette.requests.Request.state"})
_CACHING_DECORATOR = re.compile(r"cache|memoi[sz]e", re.IGNORECASE)


@record
class NeverHit:
    """A cache check that can never hit: refresh ``margin`` seconds early, tokens live ``lifetime``."""

    scope: Scope
    margin: float
    lifetime: int


def stored_expiries(writes: frozenset[str], reads: tuple[str, ...], kind: str) -> float | None:
    """The largest ``stored:<kind>:<seconds>:<state>`` write for a state the check reads."""
    found: float | None = None
    for w in writes:
        if not w.startswith(f"stored:{kind}:"):
            continue
        _, _, seconds, state = w.split(":", 3)
        if state in reads:
            value = float(seconds)
            found = value if found is None else max(found, value)
    return found


class CacheChecks:
    def __init__(self, index: FactIndex) -> None:
        self.p = index

    def status(
        self, scope: Scope, guards: tuple[Guard, ...], writes: frozenset[str], lifetime: int
    ) -> tuple[bool, NeverHit | None]:
        """(whether the guarded call runs on every call, a cache check that never hits)."""
        if any(g.kind == "except" or g.status in (401, 403) for g in guards):
            return False, None
        never: NeverHit | None = None
        for g in guards:
            if self.is_cache_check(scope, g, writes):
                nh = self.never_hits(scope, g, lifetime, writes)
                if nh is None:
                    return False, None
                never = nh
        return True, never

    def is_cache_check(self, scope: Scope, guard: Guard, writes: frozenset[str]) -> bool:
        if guard.kind not in ("if", "else", "early-return"):
            return False
        kept = {w for w in writes if not w.startswith("local:") and not self._per_request(scope, w)}
        if not kept:
            return False
        for r in guard.reads:
            if r in kept:
                return True
            if r in ("file", "db") and kept & {"file", "db"}:
                return True
            if r.startswith("call:") and self._project_helper(scope, r[5:]):
                return True
        return False

    def _helper_margin(self, scope: Scope, reads: tuple[str, ...]) -> float | None:
        path, func = scope
        cls = self.p.class_of((path, func)) if func is not None else None
        found: float | None = None
        for r in reads:
            if not r.startswith("call:"):
                continue
            name = r[5:]
            key = None
            if name.startswith("self.") and cls is not None:
                key = self.p.method(cls, name[5:])
            elif "." not in name and self.p.symbol(path, name).kind == "function":
                key = (self.p.symbol(path, name).path, name)
            fn = self.p.functions.get(key) if key is not None else None
            for w in fn.writes if fn is not None else ():
                if w.startswith("returns-margin:"):
                    value = float(w.split(":", 1)[1])
                    found = value if found is None else max(found, value)
        return found

    def _per_request(self, scope: Scope, state: str) -> bool:
        """State that lives for one request of a web app: ``flask.g``, and ``self`` of a Django
        or DRF view (``as_view()`` makes an instance per request). No cache across events."""
        path = scope[0]
        if state.startswith("self.") and scope[1] is not None:
            cls = self.p.class_of((path, scope[1]))
            classes = [cls, *self.p.subclasses(cls)] if cls is not None else []  # a mixin of views
            if classes and all(web_view_class(self.p, c) for c in classes[1:] or classes):
                return True
        root = state.split(":", 1)[-1].split(".", 1)[0].split("[", 1)[0]
        sym = self.p.symbol(path, root) if root.isidentifier() else None
        return sym is not None and sym.kind == "external" and sym.name in _PER_REQUEST

    def _project_helper(self, scope: Scope, name: str) -> bool:
        path, func = scope
        if name.startswith("self."):
            cls = self.p.class_of((path, func)) if func is not None else None
            return cls is not None and self.p.method(cls, name[5:]) is not None
        return "." not in name and self.p.symbol(path, name).kind == "function"

    def never_hits(self, scope: Scope, guard: Guard, lifetime: int,
                   writes: frozenset[str] = frozenset()) -> NeverHit | None:
        if guard.margin is None:
            # The margin taken off when the expiry was stored (``expires_in - 300``), or the one a
            # freshness helper the check calls applies (``claims["exp"] - 300 > time.time()``).
            stored = stored_expiries(writes, guard.reads, "margin")
            helper = self._helper_margin(scope, guard.reads)
            found = max((m for m in (stored, helper) if m is not None), default=None)
            if found is not None and found >= lifetime:
                return NeverHit(scope, found, lifetime)
            return None
        expiry = [r for r in guard.reads if _EXPIRY.search(r.split(":", 1)[-1].split(".", 1)[-1])]
        if not expiry:
            return None
        assumed = self._assumed_lifetime(scope, expiry)
        if assumed is not None and assumed > guard.margin:
            return None  # the code computes its own expiry; the check does hit (another bug)
        if guard.margin < lifetime:
            return None
        return NeverHit(scope, guard.margin, lifetime)

    def _assumed_lifetime(self, scope: Scope, reads: list[str]) -> float | None:
        """A constant lifetime the code writes into the expiry (``time.time() + 3600``), if any."""
        cls = self.p.class_of((scope[0], scope[1])) if scope[1] is not None else None
        if cls is None:
            return None
        attrs = {r[5:] for r in reads if r.startswith("self.")}
        for klass in self.p.mro(cls):
            for name, value, _method in self.p.classes[klass].instance_attrs:
                if name not in attrs:
                    continue
                consts = [e.value for e in walk(value) if isinstance(e, Const)]
                if "expires_in" in consts:
                    return None
                numbers = [float(v) for v in consts if isinstance(v, (int, float)) and not isinstance(v, bool)]
                if numbers:
                    return max(numbers)
        return None

    def cached_by_decorator(self, scope: Scope) -> bool:
        if scope[1] is None:
            return False
        fn = self.p.functions.get((scope[0], scope[1]))
        if fn is None:
            return False
        for deco in fn.decorators:
            name = dotted(deco.func if isinstance(deco, CallExpr) else deco) or ""
            if _CACHING_DECORATOR.search(name.rsplit(".", 1)[-1]):
                return True
        return False
