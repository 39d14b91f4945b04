"""Turn the packaged ``data/catalog.json`` into the catalog's frozen types.

The file is generated and tested, so a bad shape here is a bug in bolaudit, not in the user's
code: it raises ``CatalogError`` loudly instead of being tolerated.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, cast, get_args

from ._model import Host, HostKind, Operation, Prefix, Resource, RetiredVersion, ScopeEntry

SCHEMA_VERSION = 1


class CatalogError(ValueError):
    """The catalog data or an override of it is invalid; the message says which entry."""


def _packaged(name: str) -> str:
    """A data file shipped in the package: read beside this module, where the package is files
    on disk (importlib.resources costs a tenth of a small tree's run to import: tempfile, shutil,
    zipfile), else through importlib.resources (a zipped package)."""
    try:
        with open(os.path.join(os.path.dirname(__file__), "data", name), encoding="utf-8") as f:
            return f.read()
    except OSError:
        from importlib import resources

        return resources.files("bolaudit.catalog").joinpath("data", name).read_text("utf-8")


def read_packaged() -> Mapping[str, Any]:
    """The JSON shipped in the package (``data/catalog.json``)."""
    import json

    text = _packaged("catalog.json")
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise CatalogError(f"catalog.json: expected schema_version {SCHEMA_VERSION}")
    return data


def read_removed() -> Mapping[str, Any]:
    """``data/removed_operations.json``: operations of older versions that v10 dropped."""
    import json

    text = _packaged("removed_operations.json")
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("operations"), list):
        raise CatalogError("removed_operations.json: expected an object with a list of operations")
    return data


def removed_operations(raw: Mapping[str, Any], current: tuple[Operation, ...]) -> tuple[Operation, ...]:
    """Each removed operation, with the resource and rights of the v10 operation that replaced it."""
    import dataclasses

    by_key = {(op.method, op.path): op for op in current}
    out: list[Operation] = []
    for entry in raw["operations"]:
        method, path = str(entry["method"]), str(entry["path"])
        new_method, new_path = (str(x) for x in entry["replaced_by"])
        successor = by_key.get((new_method, new_path))
        if successor is None:
            raise CatalogError(f"removed_operations.json: {method} {path} is replaced by "
                               f"{new_method} {new_path}, which the catalog does not have")
        out.append(dataclasses.replace(
            successor, method=method, path=path, operation_id=f"removed:{successor.operation_id}",
            summary=f"removed before v10 (v10: {successor.summary})", version=0, deprecated=False,
            end_date=None, removed=f"{new_method} {new_path}"))
    return tuple(out)


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value)


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def operation(raw: Mapping[str, Any]) -> Operation:
    return Operation(
        api=str(raw["api"]),
        version=int(raw["version"]),
        method=str(raw["method"]),
        path=str(raw["path"]),
        operation_id=str(raw["operation_id"]),
        tag=str(raw["tag"]),
        summary=str(raw["summary"]),
        group=_opt(raw["group"]),
        resource=str(raw["resource"]),
        resource_id=str(raw["resource_id"]),
        right=str(raw["right"]),
        scopes=_strs(raw["scopes"]),
        scopes_inferred=bool(raw["scopes_inferred"]),
        media_types=_strs(raw["media_types"]),
        deprecated=bool(raw["deprecated"]),
        beta=bool(raw["beta"]),
        end_date=_opt(raw["end_date"]),
        request_media_types=_strs(raw["request_media_types"]),
        response_media_types=_strs(raw["response_media_types"]),
    )


def resource(raw: Mapping[str, Any]) -> Resource:
    return Resource(str(raw["id"]), str(raw["name"]), _opt(raw["group"]), _strs(raw["rights"]),
                    str(raw.get("note", "")))


def scope_entry(raw: Mapping[str, Any]) -> ScopeEntry:
    grants = tuple((str(g["resource_id"]), str(g["right"])) for g in raw["grants"])
    source = "confirmed" if raw["confirmed"] else "inferred"
    return ScopeEntry(str(raw["scope"]).lower(), grants, source, str(raw.get("note", "")))


def host(raw: Mapping[str, Any]) -> Host:
    kind = str(raw["kind"])
    if kind not in get_args(HostKind):
        raise CatalogError(f"host {raw['host']!r}: unknown kind {kind!r}")
    return Host(str(raw["host"]), cast(HostKind, kind), str(raw["path"]), bool(raw["retired"]),
                str(raw["note"]))


def prefix(raw: Mapping[str, Any]) -> Prefix:
    return Prefix(_strs(raw["segments"]), str(raw["status"]), str(raw["name"]),
                  _opt(raw["alias_of"]), bool(raw["retired"]), str(raw["note"]))


def retired_version(raw: Mapping[str, Any]) -> RetiredVersion:
    return RetiredVersion(str(raw["family"]), int(raw["version"]), _opt(raw["end_date"]),
                          str(raw["note"]))
