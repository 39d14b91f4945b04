"""bol knowledge as data: every documented operation, resource, scope, host and version.

Generated from bol's OpenAPI documents by ``scripts/gen_catalog.py`` into ``data/catalog.json``
and read lazily on the first ``load_catalog()``, so importing this package stays cheap for a
pre-commit hook. Rules and ``bolaudit scopes`` ask the catalog; none hard-codes a path list.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._catalog import LEGACY_SCOPE, Catalog, inferred_scopes
    from ._load import CatalogError
    from ._model import (
        ALL_RESOURCES,
        MANAGE,
        READ,
        Host,
        Match,
        MediaType,
        Operation,
        Prefix,
        Resource,
        RetiredVersion,
        ScopeEntry,
        normalize_media_type,
        parse_media_type,
    )

# Names imported from their module on first use: ``catalog.knowledge`` (the token URL, the current
# media type...) is read by the byte pre-filter and the configuration, which must not pay for
# the catalog's types.
_LAZY = {
    "LEGACY_SCOPE": "_catalog", "Catalog": "_catalog", "inferred_scopes": "_catalog",
    "CatalogError": "_load",
    **{name: "_model" for name in (
        "ALL_RESOURCES", "MANAGE", "READ", "Host", "Match", "MediaType", "Operation", "Prefix",
        "Resource", "RetiredVersion", "ScopeEntry", "normalize_media_type", "parse_media_type")},
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value

__all__ = [
    "ALL_RESOURCES",
    "LEGACY_SCOPE",
    "MANAGE",
    "READ",
    "Catalog",
    "CatalogError",
    "Host",
    "Match",
    "MediaType",
    "Operation",
    "Prefix",
    "Resource",
    "RetiredVersion",
    "ScopeEntry",
    "inferred_scopes",
    "load_catalog",
    "normalize_media_type",
    "parse_media_type",
]


@cache
def load_catalog() -> Catalog:
    """The packaged catalog, read once per process; apply config with ``with_overrides``."""
    from types import MappingProxyType

    from . import _load
    from ._catalog import Catalog

    data = _load.read_packaged()
    resources = {r.id: r for r in map(_load.resource, data["resources"])}
    scopes = {s.scope: s for s in map(_load.scope_entry, data["scopes"])}
    operations = tuple(map(_load.operation, data["operations"]))
    return Catalog(
        operations=operations,
        removed=_load.removed_operations(_load.read_removed(), operations),
        resources=MappingProxyType(resources),
        scopes=MappingProxyType(scopes),
        hosts=tuple(map(_load.host, data["hosts"])),
        prefixes=tuple(map(_load.prefix, data["prefixes"])),
        retired_versions=tuple(map(_load.retired_version, data["retired_versions"])),
    )
