"""What each HTTP call really sends: method, URL, effective headers, body, TLS; and where from.

For every ``HttpCall`` the resolver evaluates its URL, method and headers in the function that
makes it. While a parameter nobody has bound yet leaves them open (``self._request(method,
path)``) and the endpoint is not yet settled, it follows the callers of that function, binding
their arguments, layer by layer, until the request is settled (one documented operation, a path
no operation has, a host that is not bol's API), nothing more can be bound, or there are no more
callers. Each resulting request remembers the call site where it became known (``site``): that is
where a user sees the endpoint chosen, and where ``bolaudit scopes`` points.

Effective headers are the session's defaults (constructor and every ``headers.update`` /
``headers[...] =`` / ``headers = ...`` on the same session object anywhere in the project), then
the call's own headers, including headers passed through ``**kwargs``. Several possible header
dicts are combined into one that is only as certain as all of them.

What stays unknown is reported as ``unresolved``, with the reason; an unresolved request is never
matched to an operation (``operation`` is None), however likely a candidate looks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from bolaudit import clients
from bolaudit.records import record
from bolaudit.resolve.contexts import Callee, Ctx, func_key
from bolaudit.resolve.endpoints import BOL_API, BOL_HOSTS, NOT_API, RequestKind, classify, possible, settled
from bolaudit.resolve.request_parts import RequestParts
from bolaudit.resolve import sinks
from bolaudit.resolve.values import DVal, SVal, Url, split_url
from bolaudit.clients.generated import GENERATED_ORIGIN, package_root
from bolaudit.facts import CallExpr, CallFact, HttpCall, LibraryName
from bolaudit.findings import Span

if TYPE_CHECKING:
    from bolaudit.catalog import Catalog, Match, Operation
    from bolaudit.resolve.evaluate import Evaluator
    from bolaudit.resolve.index import FactIndex, FuncKey

# Bounds, so that a large project cannot blow up: wrapper layers followed up from an HTTP call,
# and call sites followed per function.
MAX_LAYERS = 8
MAX_INSTANCES = 1024
MAX_STEPS = 16384  # call sites visited per HTTP call, over all layers


@record(slots=True)
class _Instance:
    """One way a function's request is reached: the context (bindings), the call sites from the
    outermost in, and why the search stopped short, if it did."""

    ctx: Ctx
    chain: tuple[Site, ...]
    limit: str = ""


@record(slots=True)
class Site:
    path: str
    span: Span
    func: str | None


@record
class ResolvedRequest:
    """One request a call site makes.

    ``kind``: what the host makes it (``endpoints.RequestKind``). ``unresolved`` says why the endpoint is not known, or is None when it is: then
    ``operation`` is the documented operation, or None with ``undocumented`` True when no
    documented operation has this method and path.
    """

    http: HttpCall
    path: str
    site: Site
    chain: tuple[Site, ...]
    library: LibraryName
    method: str | None
    url: Url
    headers: DVal
    body: str | None
    verify_off: bool
    kind: RequestKind
    match: Match | None
    unresolved: str | None
    params: DVal = DVal()

    @property
    def operation(self) -> Operation | None:
        if self.unresolved is not None or self.match is None:
            return None
        return self.match.operation

    @property
    def undocumented(self) -> bool:
        return (
            self.kind == "api"
            and self.unresolved is None
            and self.match is not None
            and (self.match.operation is None or bool(self.match.operation.removed))
        )

    @property
    def is_bol_api(self) -> bool:
        """A bol API the catalog covers: the Retailer rules (media types, endpoints) apply."""
        return self.kind == "api"

    @property
    def calls_bol_api(self) -> bool:
        """A call to any bol API, covered or not: what a token is fetched for."""
        return self.kind in BOL_API

    @property
    def may_call_bol_api(self) -> bool:
        """Not certainly something else: a bol API call, or a host that is not known."""
        return self.kind not in NOT_API

    @property
    def is_bol(self) -> bool:
        """Any bol host: the API, the token service, the authorise page, Plaza."""
        return self.kind in BOL_HOSTS

    @property
    def call_site(self) -> Site:
        return Site(self.path, self.http.span, self.http.func)

    @property
    def endpoint(self) -> str:
        """``GET /retailer/orders/{?}`` as a user reads it; unknown parts as ``{?}``/``{…}``."""
        return f"{self.method or '{?}'} {self.url.path_text}"


def resolve_all(index: FactIndex, ev: Evaluator, catalog: Catalog) -> list[ResolvedRequest]:
    """Every request the project's HTTP calls send, followed up their wrappers' callers."""
    return _Resolver(index, ev, catalog).run()


def by_call(requests: Iterable[ResolvedRequest]) -> dict[tuple[str, int], list[ResolvedRequest]]:
    """Requests grouped by the HTTP call that sends them (a wrapper's call sends many)."""
    out: dict[tuple[str, int], list[ResolvedRequest]] = {}
    for r in requests:
        out.setdefault((r.path, r.http.call), []).append(r)
    return out


class _Resolver:
    def __init__(self, index: FactIndex, ev: Evaluator, catalog: Catalog) -> None:
        self.p = index
        self.ev = ev
        self.catalog = catalog
        self.parts = RequestParts(index, ev)

    def run(self) -> list[ResolvedRequest]:
        out: list[ResolvedRequest] = []
        generated = {package_root(path) for (path, _), calls in self.p.http_in.items()
                     for h in calls if h.purpose == "generated"}
        for (path, _func), calls in sorted(self.p.http_in.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            for h in calls:
                if self._not_a_request(path, h):
                    continue
                if h.purpose != "generated" and any(path.startswith(root) for root in generated):
                    continue  # a generated client's transport: its operations are the requests
                found = self.resolve(path, h)
                out.extend(found)
                if h.purpose == "generated":
                    out.extend(self._user_sites(found))
        return out

    def _user_sites(self, found: list[ResolvedRequest]) -> list[ResolvedRequest]:
        """A generated operation again at each call from outside the generated package
        (``OrdersApi(client).get_orders()``): where the user's code chooses it."""
        out: list[ResolvedRequest] = []
        for req in found:
            root = package_root(req.site.path)
            if not req.site.path.startswith(root) or req.site.func is None:
                continue
            todo: list[tuple[FuncKey, int]] = [((req.site.path, req.site.func), 0)]
            seen = {todo[0][0]}
            while todo:
                key, depth = todo.pop()
                for path, call, _callee in self.ev.sites_of(key)[:MAX_INSTANCES]:
                    site = Site(path, call.span, call.func)
                    if not path.startswith(root):
                        out.append(dataclasses.replace(req, site=site, chain=(site, *req.chain)))
                    elif call.func is not None and depth < 3 and (path, call.func) not in seen:
                        seen.add((path, call.func))
                        todo.append(((path, call.func), depth + 1))
        return out

    def _not_a_request(self, path: str, h: HttpCall) -> bool:
        """``self.api.get(...)`` on a project class is a wrapper call, not HTTP; ``urlopen(req)``
        sends the ``Request`` that is listed where it is built."""
        if clients.library(h.library).request_objects and isinstance(h.url, CallExpr):
            return True
        if clients.library(h.library).known:
            return False
        call = self.p.calls.get((path, h.call))
        if call is not None and self.ev.callees(path, call):
            return True
        assert h.receiver is not None
        objs = self.ev.objects(h.receiver, self.ev.ctx_for(path, h.func))
        if bool(objs) and all(o.kind in ("module", "class") for o in objs):
            return True
        # ``wcapi.get("orders")`` on a shop system's or payment provider's client: not bol.
        urls = [v.text() for v in self.ev.strings(h.url, self.ev.ctx_for(path, h.func))]
        return sinks.other_service(objs) and not any(sinks.may_be_bol(u) for u in urls)

    # ------------------------------------------------------------------ instances

    def resolve(self, path: str, h: HttpCall) -> list[ResolvedRequest]:
        def settled(ctx: Ctx, top: str) -> bool:
            return not self._needs_binding(h, ctx, top)

        instances: list[_Instance]
        if h.func is None:
            instances = [_Instance(self.ev.ctx_for(path, None), ())]
        else:
            instances = self._instances((path, h.func), settled, 0, frozenset(), [MAX_STEPS])
        seen: set[tuple[Site, str | None, str]] = set()
        out: list[ResolvedRequest] = []
        for inst in instances:
            for req in self._requests(path, h, inst):
                key = (req.site, req.method, req.url.raw.text())
                if key not in seen:
                    seen.add(key)
                    out.append(req)
        return out

    def _instances(
        self,
        target: FuncKey,
        ok: Callable[[Ctx, str], bool],
        depth: int,
        seen: frozenset[tuple[str, int]],
        budget: list[int],
    ) -> list[_Instance]:
        """Contexts to evaluate ``target`` in: unbound when ``ok`` says nothing of ``target``'s
        own parameters is missing, else bound by each caller (whose own parameters may in turn
        be missing: then by each of its callers), with the chain of call sites. Where a bound
        stops the search, the instance says so (``limit``), so that it is listed as such."""
        ctx0 = self.ev.ctx_for(*target)
        if ok(ctx0, func_key(*target)):
            return [_Instance(ctx0, ())]
        if depth >= MAX_LAYERS:
            return [_Instance(ctx0, (), f"wrappers more than {MAX_LAYERS} calls deep are not followed")]
        sites = [s for s in self.ev.sites_of(target) if (s[0], s[1].id) not in seen]
        out: list[_Instance] = []
        for n, (site_path, call, callee) in enumerate(sites):
            budget[0] -= 1
            if len(out) >= MAX_INSTANCES or budget[0] < 0:
                out.append(_Instance(ctx0, (), f"{len(sites) - n} more call sites of "
                                               f"`{target[1]}` are not followed"))
                break
            here = Site(site_path, call.span, call.func)

            def ok_up(caller: Ctx, top: str, call: CallFact = call, callee: Callee = callee) -> bool:
                return ok(self.ev.bind(call.args, call.kwargs, callee, caller), top)

            if call.func is None:
                uppers = [_Instance(self.ev.ctx_for(site_path, None), ())]
            else:
                uppers = self._instances(
                    (site_path, call.func), ok_up, depth + 1, seen | {(site_path, call.id)}, budget
                )
            for up in uppers:
                ctx = self.ev.bind(call.args, call.kwargs, callee, up.ctx)
                out.append(_Instance(ctx, (*up.chain, here), up.limit))
        return out or [_Instance(ctx0, ())]

    def _needs_binding(self, h: HttpCall, ctx: Ctx, top: str) -> bool:
        """Whether the callers of ``top`` (``path::qualname``) could make this request better
        known: a parameter of ``top`` leaves the method, the client, the headers or (unless the
        endpoint is already settled) the URL open."""
        methods = self.ev.strings(h.method, ctx)
        if any(m.waits_on(top) for m in methods):
            return True
        if any(v.waits_on(top) for alts in self.parts.branch_values(h, ctx) for v in alts):
            return True
        if h.receiver is not None and any(
            o.kind == "unknown" and o.extra == (top,) for o in self.ev.objects(h.receiver, ctx)
        ):
            return True
        if self.parts.headers(h, ctx).param == top:
            return True
        known = [m.known.upper() for m in methods if m.known]
        for value in self.ev.strings(h.url, ctx):
            full = self.parts.with_base(h, ctx, value)
            if full.waits_on(top) and not settled(self.catalog, split_url(full), known):
                return True
        return False

    # ------------------------------------------------------------------ one instance

    def _generated_origin(self, h: HttpCall, url: Url) -> Url:
        """A generated client's operation carries only the path of bol's document; on a bol API
        prefix it goes to bol's API (``clients.generated``)."""
        if h.purpose != "generated" or url.host is not None or not url.raw.prefix().startswith("/"):
            return url
        if self.catalog.prefix_info(url.segments or ()) is None:
            return url
        return split_url(SVal.of(GENERATED_ORIGIN) + url.raw)

    def _requests(self, path: str, h: HttpCall, inst: _Instance) -> list[ResolvedRequest]:
        ctx, chain = inst.ctx, inst.chain
        if not self.parts.reachable(h, ctx):
            return []
        site = chain[0] if chain else Site(path, h.span, h.func)
        methods = self.ev.strings(h.method, ctx)
        headers = self.parts.headers(h, ctx)
        body = self.parts.body(h, ctx)
        verify_off = self.parts.verify_off(h, ctx)
        params = self.parts.params(h, ctx)
        out: list[ResolvedRequest] = []
        for url in possible([self._generated_origin(h, split_url(self.parts.with_base(h, ctx, v)))
                             for v in self.ev.strings(h.url, ctx)]):
            for method in methods:
                kind, verb, match, why = classify(self.catalog, method, url, headers, body)
                req = ResolvedRequest(
                    h, path, site, chain, h.library, verb, url, headers, body, verify_off, kind, match, why, params
                )
                if inst.limit and req.unresolved is not None:
                    req = dataclasses.replace(req, unresolved=f"{inst.limit}: {req.unresolved}")
                out.append(req)
        return out
