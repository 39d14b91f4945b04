"""The ``Catalog``: bol's operations, resources, scopes, hosts and versions, and questions on them.

One immutable object, loaded once; ``with_overrides`` returns a new one for ``[tool.bolaudit]``
mappings, so configuration never mutates what other callers see.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from types import MappingProxyType

from bolaudit.records import record

from ._load import CatalogError
from ._match import Segments, literal_as_parameter, match_operation, nearest_operation, show, template_segments
from ._model import (
    HostKind,
    ALL_RESOURCES,
    MANAGE,
    READ,
    Host,
    Match,
    Operation,
    Prefix,
    Resource,
    RetiredVersion,
    ScopeEntry,
    parse_media_type,
)

LEGACY_SCOPE = "retailer"
ScopeOverrides = Mapping[str, str | Sequence[str]] | Iterable[tuple[str, str]]


@record(eq=False, repr=False)
class Catalog:
    """Everything bolaudit knows about bol's APIs, from ``data/catalog.json``."""

    operations: tuple[Operation, ...]
    resources: Mapping[str, Resource]
    scopes: Mapping[str, ScopeEntry]
    hosts: tuple[Host, ...]
    prefixes: tuple[Prefix, ...]
    retired_versions: tuple[RetiredVersion, ...]
    # Operations of older versions that v10 no longer has (``Operation.removed``): matched only
    # when no current operation has the path, so a call to one is listed and still reported.
    removed: tuple[Operation, ...] = ()

    def __repr__(self) -> str:
        return (f"Catalog({len(self.operations)} operations, {len(self.resources)} resources, "
                f"{len(self.scopes)} scopes)")

    # -- hosts and prefixes ---------------------------------------------------------------
    def classify_url_host(self, host: str, path: str = "") -> HostKind:
        """``token``, ``authorize``, ``api``, ``plaza`` or ``other`` for a URL's host.

        login.bol.com does two jobs; ``path`` tells them apart (``/authorize``), and without one
        it is the token service, which is what code talks to. Port, user info, case and a
        trailing dot are ignored.
        """
        name = host.strip().lower().rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
        known = [h for h in self.hosts if h.host == name]
        for entry in known:
            if entry.path and path.startswith(entry.path):
                return entry.kind
        return known[0].kind if known else "other"

    def prefix_info(self, path_segments: Sequence[str | None]) -> Prefix | None:
        """The bol API prefix a path starts with (longest first), or None."""
        given = _trim(path_segments)
        for prefix in sorted(self.prefixes, key=lambda p: -len(p.segments)):
            if tuple(given[: len(prefix.segments)]) == prefix.segments:
                return prefix
        return None

    def api_prefix(self, path_segments: Sequence[str | None]) -> str:
        """``covered`` (in the catalog), ``uncovered-bol`` (advertiser, catalog v4), ``unknown``."""
        prefix = self.prefix_info(path_segments)
        return prefix.status if prefix else "unknown"

    # -- operations -----------------------------------------------------------------------
    def _segments(self, path: Sequence[str | None]) -> Segments:
        given = _trim(path)
        aliases = {p.segments[0]: p.alias_of for p in self.prefixes if p.alias_of}
        if given and given[0] is not None and given[0] in aliases:
            return (aliases[given[0]], *given[1:])
        return given

    def match(
        self, method: str | None, path: Sequence[str | None], media_types: Sequence[str] = ()
    ) -> Match:
        """The documented operation a request is, if exactly one fits; see ``_match`` for the
        rules. ``path`` is the segments after the host, ``None`` for one unresolved segment;
        ``method`` None when unknown; ``media_types`` the Accept/Content-Type values sent."""
        given = self._segments(path)
        prefix = self.prefix_info(path)
        if prefix is not None and prefix.status != "covered":
            retired = " and is retired" if prefix.retired else ""
            return Match(None, (), f"{show(given)} belongs to the {prefix.name}, which is a bol "
                                   f"API bolaudit's catalog does not cover{retired}")
        if prefix is None and given and given[0] is not None:
            covered = ", ".join("/" + "/".join(p.segments) for p in self.prefixes
                                if p.status == "covered")
            return Match(None, (), f"{show(given)} does not start with a bol API prefix bolaudit "
                                   f"knows ({covered})")
        # Only a path with as many segments can match (the others cost a 99,000-call loop per run).
        found = match_operation(self._of_length.get(len(given), ()), method, given, media_types)
        if found.operation is None and not found.candidates and self.removed:
            older = match_operation([op for op in self.removed if len(template_segments(op.path)) == len(given)],
                                    method, given)
            if older.operation is not None:
                return Match(older.operation, (older.operation,),
                             f"{older.operation.method} {older.operation.path} was removed before v10; "
                             f"v10 has {older.operation.removed}")
        return found

    @cached_property
    def _of_length(self) -> Mapping[int, tuple[Operation, ...]]:
        """The operations by how many segments their path has, in catalog order."""
        index: dict[int, list[Operation]] = {}
        for op in self.operations:
            index.setdefault(len(template_segments(op.path)), []).append(op)
        return {n: tuple(ops) for n, ops in index.items()}

    def word_for_parameter(self, path: Sequence[str | None]) -> str | None:
        """How a path fits a documented one only by taking a fixed word for an id (see
        ``_match.literal_as_parameter``), or None."""
        given = self._segments(path)
        return literal_as_parameter(self._of_length.get(len(given), ()), given)

    def nearest(self, method: str | None, path: Sequence[str | None]) -> Operation | None:
        """The closest documented operation, for "did you mean GET /retailer/orders?"; None when
        nothing is close (see ``_match.nearest_operation``)."""
        return nearest_operation(self.operations, method, self._segments(path))

    # -- scopes and versions --------------------------------------------------------------
    def scope_entry(self, scope: str) -> ScopeEntry | None:
        """The entry for a token scope string (case-insensitive: tokens say ``RETAILER``)."""
        return self.scopes.get(scope.strip().lower())

    def scope_grants(self, scope: str) -> list[tuple[str, str]] | None:
        """(resource id, right) pairs a scope grants; None for a scope bolaudit does not know.
        The legacy ``retailer`` scope gives ``[(ALL_RESOURCES, "manage")]``: every resource.
        Manage includes read."""
        entry = self.scope_entry(scope)
        return None if entry is None else list(entry.grants)

    def retired_version(self, media_type: str) -> RetiredVersion | None:
        """The retired whole-API version a media type asks for (``vnd.retailer.v3`` .. ``v9``)."""
        parsed = parse_media_type(media_type)
        if parsed is None:
            return None
        for retired in self.retired_versions:
            if (retired.family, retired.version) == (parsed.family, parsed.version):
                return retired
        return None

    # -- configuration --------------------------------------------------------------------
    def with_overrides(
        self,
        scope_map: ScopeOverrides = (),
        resource_map: Mapping[str, str] | None = None,
    ) -> Catalog:
        """A catalog with ``[tool.bolaudit.scopes]`` applied.

        ``scope_map``: scope string -> ``"resource:right"`` (several separated by commas or spaces,
        or a list; ``"*:manage"`` for full access; ``""`` for nothing); replaces or adds entries.
        ``resource_map``: operationId or ``"METHOD /path"`` -> resource id, for an operation we
        put under the wrong resource; its inferred scopes follow, bol's own stay verbatim.
        Raises ``CatalogError`` naming the bad key.
        """
        scopes = dict(self.scopes)
        pairs = scope_map.items() if isinstance(scope_map, Mapping) else scope_map
        for scope, value in pairs:
            key = scope.strip().lower()
            scopes[key] = ScopeEntry(key, self._parse_grants(key, value), "override")
        operations = self.operations
        for target, resource_id in (resource_map or {}).items():
            operations = self._move_operations(operations, target, resource_id, scopes)
        return dataclasses.replace(self, operations=operations, scopes=MappingProxyType(scopes))

    def _parse_grants(self, scope: str, value: str | Sequence[str]) -> tuple[tuple[str, str], ...]:
        items = [value] if isinstance(value, str) else list(value)
        words = [w for item in items for w in item.replace(",", " ").split()]
        grants: list[tuple[str, str]] = []
        for word in words:
            resource_id, _, right = word.partition(":")
            if resource_id != ALL_RESOURCES and resource_id not in self.resources:
                raise CatalogError(f"scope {scope!r}: unknown resource {resource_id!r}; known: "
                                   f"{', '.join(sorted(self.resources))}")
            if right not in (READ, MANAGE):
                raise CatalogError(f"scope {scope!r}: {word!r} must be resource:read or "
                                   f"resource:manage")
            offered = self.resources[resource_id].rights if resource_id in self.resources else ()
            if offered and right not in offered:
                raise CatalogError(f"scope {scope!r}: {resource_id} offers only "
                                   f"{', '.join(offered)}")
            grants.append((resource_id, right))
        return tuple(grants)

    def _move_operations(
        self,
        operations: tuple[Operation, ...],
        target: str,
        resource_id: str,
        scopes: Mapping[str, ScopeEntry],
    ) -> tuple[Operation, ...]:
        resource = self.resources.get(resource_id)
        if resource is None:
            raise CatalogError(f"operation {target!r}: unknown resource {resource_id!r}")
        hits = [op for op in operations if target in (op.operation_id, f"{op.method} {op.path}")]
        if not hits:
            raise CatalogError(f"operation {target!r}: no such operationId or 'METHOD /path'")
        moved: list[Operation] = []
        for op in operations:
            if op not in hits:
                moved.append(op)
                continue
            if op.right not in resource.rights:
                raise CatalogError(f"operation {target!r} needs {op.right}, which "
                                   f"{resource.name} does not offer")
            new_scopes = inferred_scopes(resource, op.right, scopes) if op.scopes_inferred \
                else op.scopes
            moved.append(dataclasses.replace(
                op, group=resource.group, resource=resource.name, resource_id=resource.id,
                scopes=new_scopes))
        return tuple(moved)


def inferred_scopes(
    resource: Resource, right: str, scopes: Mapping[str, ScopeEntry]
) -> tuple[str, ...]:
    """bol's pattern (as in its x-bol-scopes): the legacy ``retailer``, then every known scope of
    the resource that includes ``right`` - read lists X.read and X.manage, manage lists X.manage."""
    wanted = (READ, MANAGE) if right == READ else (MANAGE,)
    own = [f"{resource.id}.{r}" for r in wanted if f"{resource.id}.{r}" in scopes]
    return (LEGACY_SCOPE, *own)


def _trim(path: Sequence[str | None]) -> Segments:
    """Be lenient with the empty segments a leading or trailing slash leaves."""
    given = list(path)
    if given and given[0] == "":
        given.pop(0)
    if given and given[-1] == "":
        given.pop()
    return tuple(given)
