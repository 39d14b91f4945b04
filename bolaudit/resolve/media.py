"""What bol expects in a request's Accept and Content-Type, and what a request certainly sends.

Shared by BOL301 (missing-accept), BOL302 (missing-content-type) and their fix. Every answer is
certain or None: a header dict bolaudit cannot fully see, a value it cannot know, or a retired
version (BOL303's job) gives no verdict.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from bolaudit.catalog import knowledge
from bolaudit.catalog import normalize_media_type, parse_media_type
from bolaudit.records import record

if TYPE_CHECKING:
    from bolaudit.resolve.requests import ResolvedRequest
    from bolaudit.catalog import Catalog

# What the client libraries send for a body when no Content-Type is given.
LIBRARY_BODY_TYPES = {"json": "application/json"}
RETAILER_JSON = knowledge.current_media_type()


@record(slots=True)
class Verdict:
    """A certain problem with one header of one request. ``sent`` is None when the header is
    missing; ``wanted`` the media type to send instead (None when not one certain type)."""

    header: str
    sent: str | None
    wanted: str | None
    text: str
    absent: bool = False  # the header is not sent at all (a fix may add it)


def media_types(value: str) -> list[str]:
    """``a, b;q=0.9`` -> ``["a", "b"]``, normalised."""
    return [normalize_media_type(part) for part in value.split(",") if part.strip()]


@lru_cache(maxsize=4)
def bol_families(catalog: Catalog) -> frozenset[str]:
    """The vendor media type families bol's documents use (retailer, economic-operator, ...)."""
    found = set()
    for op in catalog.operations:
        for t in op.media_types:
            parsed = parse_media_type(t)
            if parsed is not None:
                found.add(parsed.family)
    return frozenset(found)


def is_bol_media(catalog: Catalog, text: str) -> bool:
    parsed = parse_media_type(text)
    return parsed is not None and parsed.family in bol_families(catalog)


def is_retired(catalog: Catalog, value: str) -> bool:
    return any(catalog.retired_version(t) is not None for t in media_types(value))


def preferred(types: tuple[str, ...]) -> str | None:
    """The media type to add: the vendor JSON type if there is one, else the only one."""
    vendor = sorted((t for t in types if "vnd." in t), key=lambda t: "vnd.retailer." not in t)
    json_first = [t for t in vendor if t.endswith("+json")] or vendor
    if json_first:
        return json_first[0]
    return types[0] if len(types) == 1 else None


def applies(req: ResolvedRequest) -> bool:
    """Retailer API requests: a bol API host whose API the catalog covers (or whose prefix it
    does not know; the host alone makes it a Retailer API call)."""
    return req.is_bol_api


def accept_verdict(req: ResolvedRequest, catalog: Catalog) -> Verdict | None:
    if not applies(req):
        return None
    op = req.operation
    value = req.headers.get("accept")
    wanted = preferred(op.response_media_types) if op is not None else None
    if value is None:
        if req.headers.open:
            return None
        hint = f"send Accept: {wanted}" if wanted else f"send the Retailer media type (e.g. Accept: {RETAILER_JSON})"
        return Verdict("Accept", None, wanted, f"{req.endpoint} is sent without an Accept header; {hint}", True)
    known = value.known
    if known is None or is_retired(catalog, known):
        return None
    sent = media_types(known)
    if op is not None and op.response_media_types:
        if any(t in op.response_media_types for t in sent):
            return None
        answers = wanted or " or ".join(op.response_media_types)
        return Verdict("Accept", known, wanted, f"{req.endpoint} asks for Accept: {known}, which is "
                                                f"not a media type this operation answers; send "
                                                f"Accept: {answers}")
    if any(is_bol_media(catalog, t) for t in sent):
        return None
    return Verdict("Accept", known, None, f"{req.endpoint} asks for Accept: {known}, which is not a "
                                          f"Retailer API media type; send e.g. Accept: {RETAILER_JSON}")


def content_type_verdict(req: ResolvedRequest, catalog: Catalog) -> Verdict | None:
    if not applies(req) or req.body not in ("json", "data", "content"):
        return None
    op = req.operation
    takes = op.request_media_types if op is not None else ()
    if op is not None and (not takes or "multipart/form-data" in takes):
        return None
    wanted = preferred(takes) if op is not None else None
    value = req.headers.get("content-type")
    if value is None:
        if req.headers.open:
            return None
        sent = LIBRARY_BODY_TYPES.get(req.body)
        if sent is not None and sent in takes:
            return None
        what = (f"`{req.body}=` makes the client send Content-Type: {sent}" if sent
                else f"a `{req.body}=` body is sent without a Content-Type")
        return Verdict("Content-Type", sent, wanted, f"{req.endpoint}: {what}, not the Retailer media "
                                                     f"type{_send(wanted)}", True)
    known = value.known
    if known is None or is_retired(catalog, known):
        return None
    sent_types = media_types(known)
    if takes:
        if any(t in takes for t in sent_types):
            return None
        return Verdict("Content-Type", known, wanted, f"{req.endpoint} takes {' or '.join(takes)}, but "
                                                      f"the body is sent as Content-Type: {known}")
    if any(is_bol_media(catalog, t) for t in sent_types):
        return None
    return Verdict("Content-Type", known, None, f"{req.endpoint}: the body is sent as Content-Type: "
                                                f"{known}, not the Retailer media type{_send(None)}")


def _send(wanted: str | None) -> str:
    return f"; send Content-Type: {wanted}" if wanted else f" (e.g. {RETAILER_JSON})"
