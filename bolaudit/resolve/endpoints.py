"""Which endpoint a resolved URL and method are: the kind of host, the documented operation,
or why that is not known. Pure functions over the catalog.

An unknown path segment stands for one segment, except that a hole left by a parameter nobody
binds may stand for several before a path is called undocumented; a match that needs an unknown
segment to be a fixed part of the path is no match.
"""

from __future__ import annotations

from typing import Literal, TYPE_CHECKING

from bolaudit.resolve.values import DVal, Hole, SVal, Url

if TYPE_CHECKING:
    from bolaudit.catalog import Catalog, Match, Operation

RequestKind = Literal["api", "uncovered", "token", "authorize", "plaza", "other", "unknown"]
"""What a request's host makes it: ``api`` a bol API the catalog covers (or a prefix it does not
know), ``uncovered`` a bol API outside the catalog (advertising, the retired catalog v4),
``token``/``authorize`` login.bol.com's two jobs, ``plaza`` the retired Plaza API, ``other`` a host
that is not bol's, ``unknown`` a host not known statically."""
BOL_API: frozenset[RequestKind] = frozenset({"api", "uncovered"})
"""Calls to a bol API: the calls a token is fetched for."""
BOL_HOSTS: frozenset[RequestKind] = BOL_API | {"token", "authorize", "plaza"}
NOT_API: frozenset[RequestKind] = frozenset({"token", "authorize", "other"})
"""Requests that are certainly not calls to a bol API (an unknown host may be one)."""


def classify(
    cat: Catalog, method_value: SVal, url: Url, headers: DVal, body: str | None
) -> tuple[RequestKind, str | None, Match | None, str | None]:
    """(kind of host, method, the catalog's match, why the endpoint is not known or None)."""
    method = method_value.known.upper() if method_value.known else None
    kind: RequestKind = "unknown"
    match: Match | None = None
    why: str | None = None
    if url.host is None:
        why = _url_unknown(url)
    else:
        kind = cat.classify_url_host(url.host, url.path_text)
    if kind in ("unknown", "api") and uncovered_media(headers) is not None and (
        url.host is None or not url.segments or cat.api_prefix(url.segments) != "covered"
    ):
        # ``Accept: application/vnd.advertiser.v11+json`` to a base URL from configuration: the
        # Advertising API, outside the catalog, whatever the URL turns out to be.
        return "uncovered", method, None, None
    if kind == "api":
        status = cat.api_prefix(url.segments) if url.segments else "unknown"
        if status == "uncovered-bol":
            kind = "uncovered"
        elif not url.closed or url.segments is None:
            hole = url.tail_hole()
            why = f"the path after {url.path_text.removesuffix('{…}') or '/'} is not known" + (
                f": {hole.reason}" if hole else ""
            )
        elif not url.segments or url.segments[0] is None:
            why = "the API prefix of the path is not known" + _hole_note(url.raw.holes())
        elif method is None:
            why = "the HTTP method is not known" + _hole_note(method_value.holes())
        else:
            match = cat.match(method, url.segments, _media_sent(headers, body))
            why = _match_problem(match, url)
            if why is None and match.operation is None:
                why = maybe_longer(cat, method, url)
    return kind, method, match, why


# Media types of bol APIs outside the catalog (FACTS.md: the Advertising API's
# ``application/vnd.advertiser.v10/v11+json``): a request that names one is that API's.
UNCOVERED_MEDIA = ("application/vnd.advertiser.",)


def uncovered_media(headers: DVal) -> str | None:
    """The media type of a bol API outside the catalog a request sends, or None."""
    for name in ("accept", "content-type"):
        value = headers.get(name)
        known = value.known.lower() if value is not None and value.known else ""
        if known.startswith(UNCOVERED_MEDIA):
            return known.split(",", 1)[0].split(";", 1)[0].strip()
    return None


def maybe_longer(cat: Catalog, method: str, url: Url) -> str | None:
    """Before a path is called undocumented: a segment left by a parameter nobody binds
    (``BASE + "/" + path``) may hold several segments; if the path then fits a documented
    operation, it is not known well enough to say it fits none."""
    assert url.segments is not None
    holes = [h for h in url.raw.holes() if h.param]
    if not holes:
        return None
    for i, seg in enumerate(url.segments):
        if seg is not None:
            continue
        for n in (2, 3, 4):
            longer = (*url.segments[:i], *([None] * n), *url.segments[i + 1 :])
            if cat.match(method, longer).candidates:
                return (f"the path is not fully known ({holes[0].reason}, which may hold several "
                        f"path segments)")
    return None


def settled(cat: Catalog, url: Url, methods: list[str]) -> bool:
    """Whether the endpoint is as known as it can get: not bol's API, or one documented
    operation without guessing, or (each unknown segment standing for one) none at all."""
    if url.host is None:
        return False
    if cat.classify_url_host(url.host, url.path_text) != "api":
        return True
    if not url.closed or not methods or url.segments is None:
        return False
    if cat.api_prefix(url.segments) == "uncovered-bol":
        return True
    for method in methods:
        match = cat.match(method, url.segments)
        if match.candidates and (match.operation is None or _guessed(match.operation, url.segments)):
            return False
        if not match.candidates and maybe_longer(cat, method, url) is not None:
            return False
    return True


def possible(urls: list[Url]) -> list[Url]:
    """Of several possible URLs (a variable set on two paths), leave out those that cannot be
    sent at all: a relative URL with no base (requests raises), or a full URL pasted into the
    path of another; when nothing else is left, keep them all."""

    def sendable(url: Url) -> bool:
        text = url.raw.text()
        if url.host is None and url.raw.parts and isinstance(url.raw.parts[0], str):
            return False  # starts with known text that is not a scheme: no host, ever
        return "://" not in text.split("://", 1)[-1]

    kept = [u for u in urls if sendable(u)]
    return kept or urls


def _media_sent(headers: DVal, body: str | None) -> tuple[str, ...]:
    """The media types a request names, which pick between versions of one path."""
    out: list[str] = []
    for name in ("accept", "content-type") if body else ("accept",):
        value = headers.get(name)
        if value is not None and value.known:
            out.append(value.known)
    return tuple(out)


def _guessed(op: Operation, segments: tuple[str | None, ...]) -> bool:
    """Whether matching had to take an unknown segment for a fixed part of the operation's path."""
    from bolaudit.catalog._match import is_parameter, template_segments

    template = template_segments(op.path)
    given = [s for s in segments if s != ""]
    if len(template) != len(given):  # a prefix alias (retailer-demo): compare from the end
        given = given[-len(template):]
    return any(have is None and not is_parameter(want) for want, have in zip(template, given))


def _match_problem(match: Match, url: Url) -> str | None:
    """Why a match does not settle the endpoint, or None when it does (one operation, or none)."""
    assert url.segments is not None
    holes = _hole_note(url.raw.holes())
    if match.operation is not None:
        if _guessed(match.operation, url.segments):
            return (f"a path segment is not known{holes}; it would have to be the fixed text of "
                    f"{match.operation.method} {match.operation.path}")
        return None
    if match.candidates:
        if any(_guessed(op, url.segments) for op in match.candidates):
            return f"the path is not fully known{holes}: {match.reason}"
        return match.reason
    return None


def _hole_note(holes: tuple[Hole, ...]) -> str:
    return f" ({holes[0].reason})" if holes else ""


def _url_unknown(url: Url) -> str:
    holes = url.raw.holes()
    if url.segments is not None and not holes:
        return "the URL has no host, and no base URL is known for the client that sends it"
    if url.segments is not None:
        return "the URL's host is not known: no base URL is known for the client" + _hole_note(holes)
    return "the URL is not known" + (f": {holes[0].reason}" if holes else "")
