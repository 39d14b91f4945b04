"""Needed vs granted: which resources and rights the code needs, and what a token grants.

Pure functions over resolved requests, the catalog and a token's scope strings; ``bolaudit
scopes`` renders what they return and BOL401-BOL404 turn it into findings.

What the code needs: every resolved bol request is one documented operation; a resource needs the
highest right any of its operations needs (manage includes read). An operation of a resource no
scope names (process status: it belongs to whatever resource started the process) needs nothing by
itself. A request that could not be matched to exactly one operation is listed as unresolved,
with where and why, and is never guessed into an operation; when every operation it could be
needs the same resource and right, that requirement is certain whichever it is, so it counts.

What a token grants: the catalog maps each scope string to (resource, right) pairs, with
``[tool.bolaudit.scopes]`` overrides. The legacy ``retailer`` scope grants every resource.
``offline_access`` (the Code Flow scope that asks for a refresh token) grants no resource by
itself; a token whose scopes grant nothing bolaudit knows is compared as granting nothing, and the
output says how to map its scopes. Scope strings the catalog does not know are listed, not guessed.
"""

from __future__ import annotations

import dataclasses

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bolaudit.catalog import knowledge
from bolaudit.catalog import ALL_RESOURCES, MANAGE, READ, Catalog, Operation, Resource

from bolaudit.records import record
from bolaudit.resolve.endpoints import uncovered_media

if TYPE_CHECKING:
    from bolaudit.resolve.requests import ResolvedRequest

# The seller dashboard's groups, in its order; resources outside bol's table come last.
GROUP_ORDER = knowledge.group_order()
OTHER_GROUP = "Other"
# Scopes that ask for something other than resources: known, so not "unknown", but grant nothing.
FLOW_SCOPES = frozenset({"offline_access"})
RANK = {READ: 1, MANAGE: 2}


@record(order=True)
class Location:
    """A call site; ``path`` relative to the project root."""

    path: str
    line: int
    column: int = 1


@record
class UsedOperation:
    operation: Operation
    locations: tuple[Location, ...]
    # What the calls should still know (``Match.note``: a media type of another version).
    notes: tuple[str, ...] = ()


@record
class UnresolvedCall:
    """A call bolaudit could not match to one operation. ``counted`` is the (resource id, right)
    it still counts as, when every operation it could be needs that."""

    location: Location
    reason: str
    counted: tuple[str, str] | None = None


@record
class Requirement:
    """One resource the code needs, the right it needs, and where (sorted call sites)."""

    resource: Resource
    right: str
    operations: tuple[UsedOperation, ...]
    sites: tuple[Location, ...]  # every call site of the resource
    right_sites: tuple[Location, ...]  # the call sites that need ``right``

    @property
    def first(self) -> Location:
        return self.sites[0]


@record
class Needs:
    """What the code needs: every operation (process status too), the unresolved calls, and the
    requirements per resource in dashboard order."""

    operations: tuple[UsedOperation, ...]
    unresolved: tuple[UnresolvedCall, ...]
    required: tuple[Requirement, ...]
    free: tuple[UsedOperation, ...] = ()  # operations that need no grant of their own
    # Calls to bol APIs outside the catalog (Advertising, the retired Plaza and catalog v4 APIs):
    # bol's, so listed, but not the Retailer API's fine-grained rights.
    not_covered: tuple[UnresolvedCall, ...] = ()

    @property
    def complete(self) -> bool:
        """Whether every call that may reach a covered bol API was resolved."""
        return not self.unresolved

    def requirement(self, resource_id: str) -> Requirement | None:
        return next((r for r in self.required if r.resource.id == resource_id), None)


@record
class Grants:
    """What a token's scopes grant: resource id -> highest right, as far as bolaudit knows."""

    scopes: tuple[str, ...]
    rights: Mapping[str, str]
    legacy: bool  # the old full access (``retailer``)
    flow: tuple[str, ...] = ()  # offline_access and the like: grant no resource
    unknown: tuple[str, ...] = ()  # scope strings the catalog does not know


@record
class Gap:
    """A difference between needed and granted: BOL401/402/403. ``site``: first call site."""

    resource: Resource
    needed: str | None
    granted: str | None
    site: Location | None = None


@record
class Comparison:
    grants: Grants
    missing: tuple[Gap, ...]
    insufficient: tuple[Gap, ...]
    unused: tuple[Gap, ...]

    @property
    def covered(self) -> bool:
        return not self.missing and not self.insufficient


@record
class Expiring:
    """BOL404: a long-lived token (a refresh token: the Code Flow authorisation) ends soon."""

    subject: str
    expires_at: datetime
    message: str


@record
class GrantAudit:
    """Everything BOL401-BOL404 look at: what the code needs, and the token's side when given."""

    needs: Needs
    comparison: Comparison | None = None
    expiring: tuple[Expiring, ...] = ()


# ---------------------------------------------------------------------------------- order


def resource_key(resource: Resource) -> tuple[int, str]:
    """Dashboard order: by group as bol lists them, then by name."""
    group = GROUP_ORDER.index(resource.group) if resource.group in GROUP_ORDER else len(GROUP_ORDER)
    return (group, resource.name)


def group_name(resource: Resource) -> str:
    return resource.group or OTHER_GROUP


def grantable(catalog: Catalog) -> frozenset[str]:
    """Resources some scope names on its own (the legacy full access aside): what a seller
    can pick. Process status is not among them."""
    return frozenset(rid for entry in catalog.scopes.values() for rid, _ in entry.grants
                     if rid != ALL_RESOURCES and rid in catalog.resources)


def highest(rights: Iterable[str]) -> str:
    return max(rights, key=lambda r: RANK.get(r, 0))


# ---------------------------------------------------------------------------------- needs


def needs(requests: Iterable[ResolvedRequest], catalog: Catalog,
          unparsable: Iterable[tuple[str, int, str]] = ()) -> Needs:
    """What the requests need. ``unparsable``: (path, line, message) of files that could not be
    read, listed as unresolved because their calls are not known."""
    used: dict[Operation, set[Location]] = {}
    noted: dict[Operation, set[str]] = {}
    unresolved: dict[tuple[Location, str], UnresolvedCall] = {}
    elsewhere: dict[tuple[Location, str], UnresolvedCall] = {}
    for request in requests:
        if not request.may_call_bol_api:
            continue
        site = request.site
        here = Location(site.path, site.span.line, site.span.column)
        if request.kind in ("uncovered", "plaza"):
            reason = not_covered_reason(request, catalog)
            elsewhere.setdefault((here, reason), UnresolvedCall(here, reason))
            continue
        op = _certain_operation(request)
        if op is not None:
            used.setdefault(op, set()).add(here)
            if request.match is not None and request.match.note:
                noted.setdefault(op, set()).add(request.match.note)
            continue
        reason = unresolved_reason(request, catalog)
        counted = _agreed(request)
        if counted is not None:
            resource = catalog.resources[counted[0]]
            reason += f" (counted as {resource.name}: {counted[1].capitalize()}, which every " \
                      "operation that fits needs)"
        unresolved.setdefault((here, reason), UnresolvedCall(here, reason, counted))
    for path, line, message in unparsable:
        call = UnresolvedCall(Location(path, line), f"this file could not be parsed ({message}); "
                                                    "bol calls in it are not counted")
        unresolved.setdefault((call.location, call.reason), call)
    operations = tuple(sorted((UsedOperation(op, tuple(sorted(locs)), tuple(sorted(noted.get(op, ()))))
                               for op, locs in used.items()),
                              key=lambda u: (u.operation.path, u.operation.method, u.operation.api,
                                             u.operation.version, u.operation.operation_id)))
    calls = tuple(sorted(unresolved.values(), key=lambda u: (u.location, u.reason)))
    other = tuple(sorted(elsewhere.values(), key=lambda u: (u.location, u.reason)))
    return dataclasses.replace(_requirements(operations, calls, catalog), not_covered=other)


def not_covered_reason(request: ResolvedRequest, catalog: Catalog) -> str:
    """Which bol API outside the catalog a call goes to."""
    if request.kind == "plaza":
        return "the retired Plaza API; no fine-grained right covers it (move it to the Retailer API)"
    prefix = catalog.prefix_info(request.url.segments or ())
    media = uncovered_media(request.headers)
    name = (prefix.name if prefix is not None else
            f"Advertising API (it sends {media})" if media and ".advertiser." in media else "a bol API outside the catalog")
    retired = " (retired)" if prefix is not None and prefix.retired else ""
    return f"{'' if name.startswith('a ') else 'the '}{name}{retired}: not in bolaudit's catalog, and its rights are not part of the " \
           "Retailer API's fine-grained access"


def _requirements(operations: tuple[UsedOperation, ...], calls: tuple[UnresolvedCall, ...],
                  catalog: Catalog) -> Needs:
    can_grant = grantable(catalog)
    uses: dict[str, list[tuple[str, Location]]] = {}
    ops_of: dict[str, list[UsedOperation]] = {}
    free: list[UsedOperation] = []
    for used in operations:
        rid = used.operation.resource_id
        if rid not in can_grant:
            free.append(used)
            continue
        ops_of.setdefault(rid, []).append(used)
        uses.setdefault(rid, []).extend((used.operation.right, loc) for loc in used.locations)
    for call in calls:
        if call.counted is not None and call.counted[0] in can_grant:
            uses.setdefault(call.counted[0], []).append((call.counted[1], call.location))
    required: list[Requirement] = []
    for rid, pairs in uses.items():
        right = highest(r for r, _ in pairs)
        required.append(Requirement(
            resource=catalog.resources[rid], right=right, operations=tuple(ops_of.get(rid, ())),
            sites=tuple(sorted({loc for _, loc in pairs})),
            right_sites=tuple(sorted({loc for r, loc in pairs if r == right})),
        ))
    required.sort(key=lambda r: resource_key(r.resource))
    return Needs(operations, calls, tuple(required), tuple(free))


def _certain_operation(request: ResolvedRequest) -> Operation | None:
    """The operation, only when the resolver is sure: method known, nothing unresolved, no
    unknown segment standing in for a fixed part of the path."""
    op = request.operation
    if op is None or request.unresolved is not None or request.method is None:
        return None
    if request.url.segments is None or _guessed(op, request.url.segments):
        return None
    return op


def _guessed(op: Operation, segments: Sequence[str | None]) -> bool:
    given = list(segments)
    if given and given[0] == "":
        given.pop(0)
    if given and given[-1] == "":
        given.pop()
    template = op.path.strip("/").split("/")
    if len(template) != len(given):
        return False
    return any(have is None and not (want.startswith("{") and want.endswith("}"))
               for want, have in zip(template, given))


def _agreed(request: ResolvedRequest) -> tuple[str, str] | None:
    """(resource id, right) when every operation the request could be needs exactly that."""
    if request.kind != "api" or request.match is None or not request.match.candidates:
        return None
    found = {(op.resource_id, op.right) for op in request.match.candidates}
    return next(iter(found)) if len(found) == 1 else None


def unresolved_reason(request: ResolvedRequest, catalog: Catalog) -> str:
    """Why a request is not one known operation, in the user's words."""
    if request.unresolved:
        return request.unresolved
    if request.kind == "plaza":
        return "a call to the retired Plaza API; no fine-grained right covers it (move it to the " \
               "Retailer API)"
    parts: list[str] = []
    if request.method is None:
        parts.append("the HTTP method is not known")
    segments = request.url.segments
    if segments is None or None in segments:
        holes = request.url.raw.holes()
        parts.append("the URL's path is not known" + (f": {holes[0].reason}" if holes else ""))
    if parts:
        return "; ".join(parts)
    if request.match is not None and request.operation is None:
        return request.match.reason
    if request.match is not None:
        return f"{request.match.reason}; not certain enough to count"
    assert segments is not None
    reason = catalog.match(request.method, segments).reason
    if request.kind == "uncovered":
        reason += "; its rights are not part of the Retailer API's fine-grained access"
    return reason


# ---------------------------------------------------------------------------------- grants


def grants(scopes: Sequence[str], catalog: Catalog) -> Grants:
    """What ``scopes`` grant, by the catalog's mapping (with overrides). A right a resource does
    not offer is capped at what it offers (full access on Invoices is Read)."""
    can_grant = grantable(catalog)
    rights: dict[str, str] = {}
    legacy = False
    flow: list[str] = []
    unknown: list[str] = []
    for scope in scopes:
        found = catalog.scope_grants(scope)
        if found is None:
            (flow if scope.strip().lower() in FLOW_SCOPES else unknown).append(scope)
            continue
        for rid, right in found:
            if rid == ALL_RESOURCES:
                legacy = True
                targets = sorted(can_grant)
            else:
                targets = [rid] if rid in catalog.resources else []
            for target in targets:
                effective = _capped(catalog.resources[target], right)
                if effective is not None:
                    rights[target] = highest([effective, rights.get(target, effective)])
    return Grants(tuple(scopes), rights, legacy, tuple(flow), tuple(unknown))


def _capped(resource: Resource, right: str) -> str | None:
    offered = [r for r in resource.rights if RANK.get(r, 0) <= RANK.get(right, 0)]
    return highest(offered) if offered else None


def compare(need: Needs, granted: Grants, catalog: Catalog) -> Comparison:
    """Missing (BOL401), insufficient (BOL402) and unused (BOL403, extra rights included: Manage
    where Read is all the code needs), each in dashboard order."""
    missing: list[Gap] = []
    insufficient: list[Gap] = []
    unused: list[Gap] = []
    for req in need.required:
        has = granted.rights.get(req.resource.id)
        if has is None:
            missing.append(Gap(req.resource, req.right, None, req.first))
        elif RANK[has] < RANK[req.right]:
            insufficient.append(Gap(req.resource, req.right, has, req.right_sites[0]))
        elif RANK[has] > RANK[req.right]:
            unused.append(Gap(req.resource, req.right, has))
    needed = {req.resource.id for req in need.required}
    for rid, has in granted.rights.items():
        if rid not in needed:
            unused.append(Gap(catalog.resources[rid], None, has))
    unused.sort(key=lambda g: resource_key(g.resource))
    return Comparison(granted, tuple(missing), tuple(insufficient), tuple(unused))
