"""What ``Accept`` a token request sends (BOL203): a header it sets, the library's default when
it sets none, or not known.

bol's token service supports only ``Accept: application/json``. A request that sets no
``Accept`` goes out with what its library sends by default (``*/*`` for requests, httpx and
aiohttp; nothing at all for urllib and urllib3: ``clients`` knows). An OAuth2 session's own token
request (``fetch_token`` with no ``headers=``) sends ``application/json`` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from bolaudit import clients
from bolaudit.facts import Attr
from bolaudit.records import record

if TYPE_CHECKING:
    from bolaudit.resolve.evaluate import Evaluator
    from bolaudit.resolve.index import FactIndex
    from bolaudit.resolve.requests import ResolvedRequest

JSON = "application/json"
WILDCARDS = ("*/*", "application/*")


@record(slots=True)
class AcceptSent:
    """``state``: ``sent`` (the request sets ``Accept: value``), ``default`` (it sets none and the
    library sends ``value`` instead; None when the library sends no ``Accept``), ``unknown``."""

    state: Literal["sent", "default", "unknown"]
    value: str | None = None

    @property
    def asks_json(self) -> bool:
        """``application/json`` (with parameters, or among others) is asked for."""
        return self.state == "sent" and self.value is not None and JSON in media_types(self.value)

    @property
    def wildcard_only(self) -> bool:
        """What the library would send anyway: ``*/*`` or ``application/*`` and no JSON."""
        if self.state != "sent" or self.value is None:
            return False
        types = media_types(self.value)
        return bool(types) and JSON not in types and all(t in WILDCARDS for t in types)


UNKNOWN = AcceptSent("unknown")


def media_types(value: str) -> list[str]:
    return [part.split(";", 1)[0].strip().lower() for part in value.split(",") if part.strip()]


# An event in the function that sends the request: (where, what it leaves as Accept).
# ``None``: the Accept is gone (``headers.clear()``, ``headers = {...}`` without one); a str: set
# to that value; ``UNKNOWN``: set, to a value not known.
_Event = tuple[tuple[int, int], str | None | AcceptSent]


def accept_sent(index: FactIndex, ev: Evaluator, req: ResolvedRequest) -> AcceptSent:
    """The ``Accept`` a token request sends.

    The resolved effective headers merge every update of a session, wherever it is made. For a
    session's request with no headers of its own, order matters inside the function that sends
    it: ``session.headers.update({"Accept": "application/json"})`` just before the token request
    decides, whatever the same function sets after it (``_login`` that switches the session to
    the Retailer media type once it has the token). When an update after the request is what the
    merge reports, the value is not known for sure.
    """
    h = req.http
    lib = clients.library(req.library)
    if h.purpose == "fetch_token" and h.headers is None and h.kwargs_spread is None and lib.token_fetch_accept:
        return AcceptSent("sent", lib.token_fetch_accept)
    effective = _effective(req, lib.default_accept)
    if h.receiver is None or h.headers is not None or h.kwargs_spread is not None:
        return effective
    here = (h.span.line, h.span.column)
    events = _events(index, ev, req)
    before = sorted((e for e in events if e[0] < here), key=lambda e: e[0])
    if before:
        last = before[-1][1]
        if isinstance(last, AcceptSent):
            return last
        return AcceptSent("sent", last) if last is not None else AcceptSent("default", lib.default_accept)
    if effective.state == "sent" and any(e[0] > here and e[1] == effective.value for e in events):
        return UNKNOWN
    return effective


def _effective(req: ResolvedRequest, default: str | None) -> AcceptSent:
    value = req.headers.get("accept")
    if value is not None:
        return AcceptSent("sent", value.known) if value.known is not None else UNKNOWN
    if req.headers.open:
        return UNKNOWN
    return AcceptSent("default", default)


def _events(index: FactIndex, ev: Evaluator, req: ResolvedRequest) -> list[_Event]:
    """What the sending function does to the session's Accept, and where."""
    h = req.http
    ctx = ev.ctx_for(req.path, h.func)
    events: list[_Event] = []
    for hs in index.header_sets_in.get(req.path, []):
        if hs.func != h.func or hs.target != h.receiver:
            continue
        where = (hs.span.line, hs.span.column)
        alts = ev.dicts(hs.headers, ctx)
        if len(alts) != 1 or alts[0].open:
            if hs.replace or any(a.get("accept") is not None for a in alts):
                events.append((where, UNKNOWN))
            continue
        accept = alts[0].get("accept")
        if accept is not None:
            events.append((where, accept.known if accept.known is not None else UNKNOWN))
        elif hs.replace:
            events.append((where, None))
    for call in index.calls_in.get((req.path, h.func), []):
        callee = call.callee
        if (isinstance(callee, Attr) and callee.attr == "clear" and isinstance(callee.base, Attr)
                and callee.base.attr == "headers" and callee.base.base == h.receiver):
            events.append(((call.span.line, call.span.column), None))
    return events
