"""What each HTTP call really sends: method, URL, effective headers, body, TLS; and where from.

For every ``HttpCall`` the resolver evaluates its URL and method in the function that makes it.
When a parameter leaves them open (``self._request(method, path)``), it follows the callers of
that function, binding their arguments, layer by layer, until the request is known well enough
to match bol's catalog, the host is known not to be bol's, or there are no more callers. Each
resulting request remembers the call site where it became known (``site``): that is where a user
sees the endpoint chosen, and where ``bolaudit scopes`` points. Effective headers are the
session's defaults (constructor and every ``headers.update``/``headers[...] =`` on the same
session object anywhere in the project), then the call's own headers, including headers passed
through ``**kwargs``. What stays unknown is reported as unresolved, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from bolaudit.analysis.evaluate import Callee, Ctx
from bolaudit.analysis.values import DVal, Obj, SVal, Url, split_url
from bolaudit.facts import CallFact, Const, Expr, HeaderSet, HttpCall, SessionFact
from bolaudit.findings import Span

if TYPE_CHECKING:
    from bolaudit.analysis.project import FuncKey, Project
    from bolaudit.catalog import Match, Operation

MAX_LAYERS = 6
MAX_INSTANCES = 64
MAX_PER_CALL = 128


@dataclass(frozen=True, slots=True)
class Site:
    path: str
    span: Span
    func: str | None


@dataclass(frozen=True)
class ResolvedRequest:
    """One request a call site makes. ``kind``: api (a bol API host), token (login.bol.com/token),
    authorize, plaza (retired), other (a host that is not bol's), unknown (host not known)."""

    http: HttpCall
    path: str
    site: Site
    chain: tuple[Site, ...]
    library: str
    method: str | None
    url: Url
    headers: DVal
    body: str | None
    verify_off: bool
    kind: str
    match: Match | None
    unresolved: str | None

    @property
    def operation(self) -> Operation | None:
        return self.match.operation if self.match is not None else None

    @property
    def is_bol_api(self) -> bool:
        return self.kind == "api"

    @property
    def call_site(self) -> Site:
        return Site(self.path, self.http.span, self.http.func)


def resolve_all(project: Project) -> list[ResolvedRequest]:
    return _Resolver(project).run()


class _Resolver:
    def __init__(self, project: Project) -> None:
        self.p = project
        self.ev = project.evaluator

    def run(self) -> list[ResolvedRequest]:
        out: list[ResolvedRequest] = []
        for (path, _func), calls in sorted(self.p.http_in.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            for h in calls:
                if h.library == "unknown" and self._is_project_call(path, h):
                    continue
                out.extend(self.resolve(path, h))
        return out

    def _is_project_call(self, path: str, h: HttpCall) -> bool:
        """``self.api.get(...)`` where ``self.api`` is a project class: a wrapper call, not HTTP."""
        call = self.p.calls.get((path, h.call))
        return call is not None and bool(self.ev.callees(path, call))

    # ------------------------------------------------------------------ instances

    def resolve(self, path: str, h: HttpCall) -> list[ResolvedRequest]:
        def ok(ctx: Ctx) -> bool:
            urls = self.ev.strings(h.url, ctx)
            methods = self.ev.strings(h.method, ctx)
            return len(urls) == 1 and len(methods) == 1 and self._known_enough(h, ctx, urls[0])

        instances: list[tuple[Ctx, tuple[Site, ...]]]
        if h.func is None:
            instances = [(self.ev.ctx_for(path, None), ())]
        else:
            instances = self._instances((path, h.func), ok, 0, frozenset())
        seen: set[tuple[Site, str | None, str]] = set()
        out: list[ResolvedRequest] = []
        for ctx, chain in instances:
            for req in self._requests(path, h, ctx, chain):
                key = (req.site, req.method, req.url.raw.text())
                if key not in seen:
                    seen.add(key)
                    out.append(req)
            if len(out) >= MAX_PER_CALL:
                break
        return out

    def _instances(
        self, target: FuncKey, ok: Callable[[Ctx], bool], depth: int, seen: frozenset[tuple[str, int]]
    ) -> list[tuple[Ctx, tuple[Site, ...]]]:
        ctx0 = self.ev.ctx_for(*target)
        if depth >= MAX_LAYERS or ok(ctx0):
            return [(ctx0, ())]
        sites = self.p.callers.get(target, [])
        if not sites:
            return [(ctx0, ())]
        out: list[tuple[Ctx, tuple[Site, ...]]] = []
        for site_path, call, callee in sites:
            if (site_path, call.id) in seen:
                continue
            here = Site(site_path, call.span, call.func)

            def ok_up(caller: Ctx, call: CallFact = call, callee: Callee = callee) -> bool:
                return ok(self.ev.bind(call.args, call.kwargs, callee, caller))

            if call.func is None:
                uppers: list[tuple[Ctx, tuple[Site, ...]]] = [(self.ev.ctx_for(site_path, None), ())]
            else:
                uppers = self._instances(
                    (site_path, call.func), ok_up, depth + 1, seen | {(site_path, call.id)}
                )
            for caller_ctx, chain in uppers:
                out.append((self.ev.bind(call.args, call.kwargs, callee, caller_ctx), (*chain, here)))
            if len(out) >= MAX_INSTANCES:
                break
        return out or [(ctx0, ())]

    def _known_enough(self, h: HttpCall, ctx: Ctx, url_value: SVal) -> bool:
        url = split_url(self._with_base(h, ctx, url_value))
        method = self.ev.string(h.method, ctx).known
        if url.host is None or url.segments is None:
            return False
        kind = self.p.catalog.classify_url_host(url.host, url.path_text)
        if kind != "api":
            return True
        if method is None:
            return False
        if self.p.catalog.api_prefix(url.segments) != "covered":
            return True
        match = self.p.catalog.match(method, url.segments)
        return match.operation is not None or bool(match.candidates)

    # ------------------------------------------------------------------ one instance

    def _requests(
        self, path: str, h: HttpCall, ctx: Ctx, chain: tuple[Site, ...]
    ) -> list[ResolvedRequest]:
        site = chain[0] if chain else Site(path, h.span, h.func)
        methods = [m.known.upper() if m.known else None for m in self.ev.strings(h.method, ctx)]
        headers = self._effective_headers(h, ctx)
        body = h.body or self._spread_body(h, ctx)
        verify_off = self._verify_off(h, ctx)
        out: list[ResolvedRequest] = []
        for value in self.ev.strings(h.url, ctx):
            url = split_url(self._with_base(h, ctx, value))
            for method in methods or [None]:
                for hdr in headers:
                    out.append(self._classify(path, h, site, chain, method, url, hdr, body, verify_off))
        return out

    def _classify(
        self,
        path: str,
        h: HttpCall,
        site: Site,
        chain: tuple[Site, ...],
        method: str | None,
        url: Url,
        headers: DVal,
        body: str | None,
        verify_off: bool,
    ) -> ResolvedRequest:
        cat = self.p.catalog
        kind, match, why = "unknown", None, None
        if url.host is None:
            why = _why(url.raw, "the URL's host")
        else:
            kind = cat.classify_url_host(url.host, url.path_text)
            if kind == "api" and url.segments is not None:
                status = cat.api_prefix(url.segments)
                if status == "covered":
                    accept = headers.get("accept")
                    media = (accept.known,) if accept is not None and accept.known else ()
                    match = cat.match(method, url.segments, media)
                    if method is None:
                        why = _why(self.ev.string(h.method, self.ev.ctx_for(path, h.func)), "the HTTP method")
                    elif match.operation is None and not match.candidates:
                        why = match.reason if None in url.segments else None
                    elif match.operation is None and match.candidates:
                        resources = {c.resource_id for c in match.candidates}
                        if len(resources) > 1:
                            why = match.reason
                elif status != "covered":
                    kind = "uncovered" if status == "uncovered-bol" else kind
            elif kind == "api":
                why = _why(url.raw, "the URL's path")
        return ResolvedRequest(
            h, path, site, chain, self._library(h), method, url, headers, body, verify_off, kind, match, why
        )

    def _library(self, h: HttpCall) -> str:
        return h.library

    # ------------------------------------------------------------------ sessions and headers

    def _sessions(self, h: HttpCall, ctx: Ctx) -> list[tuple[SessionFact, Obj]] | None:
        """The session objects a call is made on; None when the receiver cannot be known."""
        if h.receiver is None:
            return []
        found: list[tuple[SessionFact, Obj]] = []
        for obj in self.ev.objects(h.receiver, ctx):
            if obj.kind == "session":
                fact = self.p.sessions.get((obj.path, int(obj.name)))
                if fact is not None:
                    found.append((fact, obj))
        return found or None

    def _with_base(self, h: HttpCall, ctx: Ctx, value: SVal) -> SVal:
        text = value.prefix()
        if text.startswith(("http://", "https://")):
            return value
        sessions = self._sessions(h, ctx) or []
        for fact, obj in sessions:
            if fact.base_url is not None:
                base = self.ev.string(fact.base_url, self.ev.ctx_for(obj.path, fact.func))
                joined = SVal.of("") + base
                known = joined.known
                if known is not None and value.parts and isinstance(value.parts[0], str):
                    return SVal.of(known.rstrip("/") + "/") + SVal((value.parts[0].lstrip("/"), *value.parts[1:]))
                return joined + value
        return value

    def _effective_headers(self, h: HttpCall, ctx: Ctx) -> list[DVal]:
        sessions = self._sessions(h, ctx)
        if sessions is None:
            base = [DVal.unknown("the session's default headers are not known")]
        elif not sessions:
            base = [DVal()]
        else:
            base = [self.session_headers[(obj.path, fact.call)] for fact, obj in sessions[:1]]
        own: list[DVal]
        if h.headers is not None:
            own = self.ev.dicts(h.headers, ctx)
        elif h.kwargs_spread is not None:
            items = self.ev.dict_item(h.kwargs_spread, "headers", ctx)
            if items:
                own = [d for e, c in items for d in self.ev.dicts(e, c)]
            elif self._spread_unknown(h.kwargs_spread, ctx):
                own = [DVal.unknown("headers may come in through **kwargs")]
            else:
                own = [DVal()]
        else:
            own = [DVal()]
        return [b.merged(o) for b in base for o in own][:8]

    def _spread_unknown(self, spread: Expr, ctx: Ctx) -> bool:
        for sub, sctx in self.ev.resolve(spread, ctx):
            if not isinstance(sub, type(spread)) or sub != spread:
                return False
        return not self.ev.resolve(spread, ctx)

    def _spread_body(self, h: HttpCall, ctx: Ctx) -> str | None:
        if h.kwargs_spread is None:
            return None
        for key in ("json", "data", "content", "files"):
            if self.ev.dict_item(h.kwargs_spread, key, ctx):
                return key
        return None

    def _verify_off(self, h: HttpCall, ctx: Ctx) -> bool:
        if h.verify is not None and self.ev.strings(h.verify, ctx) == [SVal.hole("the value False")]:
            return True
        if isinstance(h.verify, Const) and h.verify.value is False:
            return True
        for fact, _ in self._sessions(h, ctx) or []:
            if isinstance(fact.verify, Const) and fact.verify.value is False:
                return True
        return False

    @cached_property
    def session_headers(self) -> dict[tuple[str, int], DVal]:
        """Default headers of every session: constructor headers, then every update to it."""
        out: dict[tuple[str, int], DVal] = {}
        for (path, call_id), fact in self.p.sessions.items():
            ctx = self.ev.ctx_for(path, fact.func)
            if fact.headers is None:
                out[(path, call_id)] = DVal()
            else:
                alts = self.ev.dicts(fact.headers, ctx)
                out[(path, call_id)] = alts[0] if len(alts) == 1 else DVal.unknown("several header sets")
        for path, sets in sorted(self.p.header_sets_in.items()):
            for hs in sets:
                self._apply_header_set(path, hs, out)
        return out

    def _apply_header_set(self, path: str, hs: HeaderSet, out: dict[tuple[str, int], DVal]) -> None:
        ctx = self.ev.ctx_for(path, hs.func)
        alts = self.ev.dicts(hs.headers, ctx)
        update = alts[0] if len(alts) == 1 else DVal.unknown("several header sets")
        for obj in self.ev.objects(hs.target, ctx):
            if obj.kind != "session":
                continue
            key = (obj.path, int(obj.name))
            if key not in out:
                continue
            out[key] = update if hs.replace else out[key].merged(update)


def _why(value: SVal, what: str) -> str:
    holes = value.holes()
    if holes:
        return f"{what} is not known: {holes[0].reason}"
    return f"{what} is not known"
