"""Which resolved requests ask for a token, with which grant, and whether they go to bol's token URL.

A token request is: a request to ``login.bol.com`` (the token service); an OAuth2 session's
``fetch_token``/``fetch_access_token``/``refresh_token``; or a request that carries a token grant
(``grant_type=...`` in the body, the query string or ``params``), or a Basic auth pair sent to a
token-looking URL, when it goes to a bol host or a host bolaudit cannot know (a URL from the
environment). Requests to other known hosts (another provider's OAuth server) are not bol's
business. One ``TokenRequest`` per call site, where the endpoint is chosen (a wrapper's caller).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from bolaudit.catalog import knowledge
from bolaudit.extract.exprtools import dotted
from bolaudit.facts import (
    Attr,
    CallExpr,
    CallFact,
    Choice,
    Concat,
    Const,
    DictExpr,
    Expr,
    Name,
    Seq,
)
from bolaudit.records import record

if TYPE_CHECKING:
    from bolaudit.resolve.index import Scope
    from bolaudit.tokens.callgraph import CallGraph
    from bolaudit.resolve.evaluate import Ctx, Evaluator
    from bolaudit.resolve.index import FactIndex
    from bolaudit.resolve.requests import ResolvedRequest, Site

TOKEN_HOST = knowledge.token_host()
TOKEN_URL = knowledge.token_url()
# Seconds a token lives (``expires_in``): client credentials 299, Code Flow access tokens 599.
LIFETIME = {"client_credentials": 299, "authorization_code": 599, "refresh_token": 599}
DEFAULT_LIFETIME = 299
_MAX_RESOLVE = 3


@record
class TokenRequest:
    """A token request at ``site``. ``grant`` is the grant type, ``"?"`` when one is sent but not
    known statically, None when none is seen (an OAuth2 session sends its own)."""

    request: ResolvedRequest
    call: CallFact | None
    grant: str | None
    basic: bool
    # The function that makes the request when it names the token URL itself and only its
    # client comes from a caller (``_token(client)`` posting to a constant URL): its own guards
    # (a cache check) decide whether a call fetches a new token, not the caller's.
    own: Scope | None = None

    @property
    def site(self) -> Site:
        return self.request.site

    @property
    def scope(self) -> Scope:
        return self.own if self.own is not None else (self.site.path, self.site.func)

    @property
    def lifetime(self) -> int:
        return LIFETIME.get(self.grant or "", DEFAULT_LIFETIME)

    @property
    def oauth2(self) -> bool:
        return self.request.http.purpose == "fetch_token"

    @property
    def host(self) -> str | None:
        return self.request.url.host

    @property
    def url_text(self) -> str:
        return self.request.url.raw.text()

    @property
    def wrong_endpoint(self) -> bool:
        """Sent to a bol host, but not to ``login.bol.com/token`` (scheme is BOL304's business)."""
        url = self.request.url
        if url.host is None or not bol_host(url.host):
            return False
        if url.host.lower().rstrip(".") != TOKEN_HOST:
            return True
        return url.segments is not None and None not in url.segments and url.segments != ("token",)

    @property
    def describe(self) -> str:
        what = f"{self.grant} token request" if self.grant and self.grant != "?" else "token request"
        return what


def bol_host(host: str) -> bool:
    name = host.lower().rstrip(".")
    return name == "bol.com" or name.endswith(".bol.com") or "bol" in name.split(".")


def find_token_requests(index: FactIndex, ev: Evaluator, requests: list[ResolvedRequest],
                        graph: CallGraph) -> list[TokenRequest]:
    finder = _Finder(index, ev, graph)
    out: list[TokenRequest] = []
    seen: set[tuple[str, object]] = set()
    for req in requests:
        key = (req.site.path, req.site.span)
        if key in seen:
            continue
        found = finder.classify(req)
        if found is not None:
            seen.add(key)
            out.append(found)
    return out


class _Finder:
    def __init__(self, index: FactIndex, ev: Evaluator, graph: CallGraph) -> None:
        self.p = index
        self.g = graph
        self.ev = ev

    def classify(self, req: ResolvedRequest) -> TokenRequest | None:
        if req.kind in ("authorize", "plaza", "other"):
            return None
        if req.calls_bol_api and "token" not in (req.url.raw.text().lower()):
            return None
        call = self.g.call_at(req.site)
        grant = self._grant(req, call)
        basic = self._basic(req, call)
        host = req.url.host
        to_bol = host is None or bol_host(host)
        tokenish_path = any(s and ("token" in s.lower() or "oauth" in s.lower()) for s in req.url.segments or ())
        oauth2 = req.http.purpose == "fetch_token"
        if req.kind == "token" and not (grant is not None or basic or oauth2):
            # login.bol.com without a grant or credentials: a token request only at /token.
            segments = req.url.segments
            if segments is not None and None not in segments and segments != ("token",):
                return None
        if req.kind == "token" or (to_bol and (oauth2 or grant is not None)):
            own = self._own(req)
            if own is not None:
                return TokenRequest(req, own[1], grant, basic, own[0])
            return TokenRequest(req, call, grant, basic)
        if to_bol and host is not None and basic and tokenish_path:
            return TokenRequest(req, call, grant, basic)
        return None

    def _own(self, req: ResolvedRequest) -> tuple[Scope, CallFact] | None:
        """The HTTP call's own function and call, when it is not the site and the URL is known
        there without the caller's arguments."""
        if req.site == req.call_site or req.http.func is None:
            return None
        values = self.ev.strings(req.http.url, self.ev.ctx_for(req.path, req.http.func))
        if not values or any(v.known is None for v in values):
            return None
        call = self.p.calls.get((req.path, req.http.call))
        return ((req.path, req.http.func), call) if call is not None else None

    # ------------------------------------------------------------------ grant

    def _grant(self, req: ResolvedRequest, call: CallFact | None) -> str | None:
        query = req.url.query or ""
        for key, value in parse_qsl(query.replace("\x00", "?"), keep_blank_values=True):
            if key == "grant_type":
                return value or "?"
        params = req.params.get("grant_type")
        if params is not None:
            return params.known or "?"
        exprs: list[tuple[Expr, Ctx]] = []
        if call is not None:
            ctx = self.ev.ctx_for(req.site.path, req.site.func)
            kwarg = dict(call.kwargs).get("grant_type")  # authlib: fetch_token(url, grant_type=...)
            if kwarg is not None:
                return self.ev.string(kwarg, ctx).known or "?"
            exprs.extend((a, ctx) for a in call.args)
            exprs.extend((v, ctx) for _, v in call.kwargs)
        h = req.http
        hctx = self.ev.ctx_for(req.path, h.func)
        exprs.extend((e, hctx) for e in (h.body_value, h.params) if e is not None)
        for expr, ctx in exprs:
            found = self._grant_in(expr, ctx, 0)
            if found is not None:
                return found
        return None

    def _grant_in(self, expr: Expr, ctx: Ctx, depth: int) -> str | None:
        if depth > _MAX_RESOLVE:
            return None
        if isinstance(expr, Const) and isinstance(expr.value, str) and "grant_type=" in expr.value:
            for name, text in parse_qsl(expr.value.split("?", 1)[-1], keep_blank_values=True):
                if name == "grant_type":
                    return text or "?"
            return "?"
        if isinstance(expr, DictExpr):
            for key, value in expr.items:
                if key is None:
                    found = self._grant_in(value, ctx, depth + 1)
                elif isinstance(key, Const) and key.value == "grant_type":
                    return self.ev.string(value, ctx).known or "?"
                else:
                    continue
                if found is not None:
                    return found
            return None
        if isinstance(expr, (Concat, Choice, Seq)):
            parts = expr.parts if isinstance(expr, Concat) else (
                expr.options if isinstance(expr, Choice) else expr.items)
            for part in parts:
                found = self._grant_in(part, ctx, depth + 1)
                if found is not None:
                    return found
            return None
        if isinstance(expr, CallExpr):
            # ``urlencode({...})``, ``json.dumps({...})``: the grant is in the argument.
            for arg in (*expr.args, *(v for _, v in expr.kwargs)):
                found = self._grant_in(arg, ctx, depth + 1)
                if found is not None:
                    return found
            return None
        for sub, sub_ctx in self.ev.resolve(expr, ctx)[:4]:
            if sub != expr:
                found = self._grant_in(sub, sub_ctx, depth + 1)
                if found is not None:
                    return found
        return None

    # ------------------------------------------------------------------ Basic auth

    def _basic(self, req: ResolvedRequest, call: CallFact | None) -> bool:
        auth = req.headers.get("authorization")
        if auth is not None and auth.prefix().lower().startswith("basic"):
            return True
        kwargs = dict(call.kwargs) if call is not None else {}
        value = kwargs.get("auth", req.http.auth)
        if value is None or value == Const(None):
            return False
        if isinstance(value, Seq) and len(value.items) == 2:
            return True
        if isinstance(value, CallExpr):
            name = dotted(value.func) or ""
            return name.rsplit(".", 1)[-1] in ("HTTPBasicAuth", "BasicAuth", "BasicAuthentication")
        return isinstance(value, (Name, Attr))


__all__ = ["TokenRequest", "find_token_requests", "bol_host", "TOKEN_URL"]
