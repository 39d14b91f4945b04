"""Generate ``bolaudit/catalog/data/catalog.json`` from bol's own OpenAPI documents.

Usage::

    python scripts/gen_catalog.py ../shared/bol-api          # (re)write the catalog
    python scripts/gen_catalog.py ../shared/bol-api --check  # exit 1 if the committed file is stale

Why a generator: every rule and ``bolaudit scopes`` stand on the catalog, so its operations must be
bol's, not ours. Operations, paths, operationIds, tags, media types, deprecation and
``x-bol-scopes`` are read from the documents; only what the documents do not say is carried here
as tables, each citing bol-api/FACTS.md: the fine-grained access table (groups, resources, rights
offered), which OpenAPI tag belongs to which resource (inferred), hosts, path prefixes and the
version lifecycle. endpoints.tsv is not read: the tag -> resource table lives here.
The output is sorted, indented JSON with sorted keys, so a regenerated file diffs line by line.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

OUTPUT = Path(__file__).resolve().parents[1] / "bolaudit" / "catalog" / "data" / "catalog.json"
SCHEMA_VERSION = 1

# (api, file): the six documents in bol-api/ (see SOURCES.md for where each copy came from).
SPECS: tuple[tuple[str, str], ...] = (
    ("retailer", "retailer-v10.openapi.json"),
    ("shared", "shared-v10.openapi.json"),
    ("offers", "offers-v11.openapi.yaml"),
    ("retailers", "retailers-v11.openapi.json"),
    ("economic-operators", "economic-operators-v1.openapi.yaml"),
    ("delivery-promise", "delivery-promise-v1.openapi.json"),
)
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
READ, MANAGE = "read", "manage"

# FACTS.md "Fine-grained access (confirmed)": group -> resource: rights offered (R = read,
# RW = read + manage). Order as in bol's table.
FGA_TABLE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Assortment Management", "Economic Operators", (READ, MANAGE)),
    ("Assortment Management", "Commissions", (READ,)),
    ("Assortment Management", "Offers", (READ, MANAGE)),
    ("Assortment Management", "Product Content", (READ, MANAGE)),
    ("Assortment Management", "Promotions", (READ,)),
    ("Logistics", "Inventory", (READ,)),
    ("Logistics", "Orders", (READ, MANAGE)),
    ("Logistics", "Replenishments", (READ, MANAGE)),
    ("Logistics", "Returns", (READ, MANAGE)),
    ("Logistics", "Shipping Labels", (READ, MANAGE)),
    ("Logistics", "Shipments", (READ, MANAGE)),
    ("Logistics", "Transports", (MANAGE,)),
    ("Financial", "Invoices", (READ,)),
    ("Insights", "Products", (READ,)),
    ("Insights", "Insights", (READ,)),
    ("Insights", "Retailer Info", (READ,)),
    ("Subscriptions", "Subscriptions", (READ, MANAGE)),
)
# Resources bol's documents use that the FGA table does not list (group None). Delivery Promise has
# its own confirmed scope (delivery-promise.read); process status belongs to whichever resource
# started the process (FACTS.md), so it has no scope of its own.
OUTSIDE_FGA: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Delivery Promise", (READ,),
     "Not in bol's fine-grained access table; scope from x-bol-scopes."),
    (
        "Process Status",
        (READ,),
        "Not in bol's fine-grained access table: a process status belongs to the resource whose "
        "request started the process, so no scope of its own is known.",
    ),
)
# Inferred (FACTS.md: "which endpoint belongs to which resource: by the OpenAPI tag"; the mapping
# is ours, as in endpoints.tsv's fga_*_inferred columns). Keyed by api because the registry specs
# use generic tags ("Management", "Query", "Profiles").
TAG_RESOURCE: dict[tuple[str, str], str] = {
    ("retailer", "Commissions"): "Commissions",
    ("retailer", "Insights"): "Insights",
    ("retailer", "Inventory"): "Inventory",
    ("retailer", "Invoices"): "Invoices",
    ("retailer", "Offers"): "Offers",
    ("retailer", "Orders"): "Orders",
    ("retailer", "Product Content"): "Product Content",
    ("retailer", "Products"): "Products",
    ("retailer", "Promotions"): "Promotions",
    ("retailer", "Replenishments"): "Replenishments",
    ("retailer", "Retailers"): "Retailer Info",
    ("retailer", "Returns"): "Returns",
    ("retailer", "Shipments"): "Shipments",
    ("retailer", "Shipping Labels"): "Shipping Labels",
    ("retailer", "Subscriptions"): "Subscriptions",
    ("retailer", "Transports"): "Transports",
    ("shared", "Process Status"): "Process Status",
    ("offers", "Offers"): "Offers",
    ("retailers", "Retailer"): "Retailer Info",
    ("economic-operators", "Management"): "Economic Operators",
    ("economic-operators", "Query"): "Economic Operators",
    ("delivery-promise", "Profiles"): "Delivery Promise",
}
LEGACY_SCOPE = "retailer"
INFERRED_NOTE = "Inferred from the <resource>.read|manage pattern."
ALL_RESOURCES = "*"

# FACTS.md "Hosts and base URLs (confirmed)".
HOSTS: tuple[dict[str, object], ...] = (
    {"host": "login.bol.com", "kind": "token", "path": "/token", "retired": False,
     "note": "Token service (client credentials, Code Flow exchange and refresh)."},
    {"host": "login.bol.com", "kind": "authorize", "path": "/authorize", "retired": False,
     "note": "Code Flow authorisation page (intermediaries)."},
    {"host": "api.bol.com", "kind": "api", "path": "", "retired": False,
     "note": "Retailer, Shared and per-resource APIs."},
    {"host": "plazaapi.bol.com", "kind": "plaza", "path": "", "retired": True,
     "note": "The retired Plaza API (HMAC auth); use the Retailer API on api.bol.com."},
)
# FACTS.md: first path segments on api.bol.com. "covered" ones are in the catalog.
PREFIXES: tuple[dict[str, object], ...] = (
    {"segments": ["retailer"], "status": "covered", "alias_of": None, "retired": False,
     "name": "Retailer API", "note": ""},
    {"segments": ["retailer-demo"], "status": "covered", "alias_of": "retailer", "retired": False,
     "name": "Retailer API demo",
     "note": "Same paths as /retailer with fake data and the same authentication."},
    {"segments": ["shared"], "status": "covered", "alias_of": None, "retired": False,
     "name": "Shared API", "note": "Process status."},
    {"segments": ["advertiser"], "status": "uncovered-bol", "alias_of": None, "retired": False,
     "name": "Advertising API",
     "note": "A bol API (inferred from client code) whose operations bolaudit does not know."},
    {"segments": ["catalog", "v4"], "status": "uncovered-bol", "alias_of": None, "retired": True,
     "name": "Open API (catalog v4)",
     "note": "The old catalog Open API that took ?apikey=; retired."},
)
# FACTS.md "Versions and media types": bol media types outside the documents we have (the
# Advertising API's application/vnd.advertiser.v10/v11+json, inferred from client code).
OTHER_MEDIA_FAMILIES = ("advertiser",)
# FACTS.md: "Every Retailer API call needs Accept: application/vnd.retailer.v10+json": the family
# and the API whose newest whole version is the one every call takes.
CURRENT_API = ("retailer", "retailer")
_MEDIA = re.compile(r"^application/vnd\.([a-z0-9-]+)\.v(\d+)\+")
# FACTS.md "Versions and media types": whole-API retailer versions that have ended.
_ENDED: tuple[tuple[int, str | None, str], ...] = (
    (3, None, "long gone"), (4, None, "long gone"), (5, None, "long gone"), (6, None, "long gone"),
    (7, "2024-05-01", "ended"), (8, "2024-05-01", "ended"), (9, "2024-11-01", "ended"),
)
RETIRED_VERSIONS: tuple[dict[str, object], ...] = tuple(
    {"family": "retailer", "version": v, "end_date": end, "note": note} for v, end, note in _ENDED
)
# FACTS.md: deprecated but still served; the end date is reported, not promised.
DEPRECATED: tuple[dict[str, object], ...] = (
    {"api": "retailer", "version": 10, "resource_id": "offers", "end_date": "2027-02-01",
     "replaced_by": "offers v11",
     "note": "The v10 offers endpoints are deprecated; offers v11 replaces them (reported end)."},
)

Json = dict[str, object]


class SpecError(Exception):
    """A document does not have the shape this generator relies on; the message says where."""


def resource_id(name: str) -> str:
    """As bol's scope strings spell resources: "Retailer Info" -> retailer-info."""
    return name.lower().replace(" ", "-")


def _mapping(value: object, where: str) -> Json:
    if not isinstance(value, dict):
        raise SpecError(f"{where}: expected a mapping")
    return {str(k): v for k, v in value.items()}


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpecError(f"{where}: expected a list of strings")
    return [str(v) for v in value]


def load_spec(path: Path) -> Json:
    """Read one document; JSON with json (stricter and faster than YAML), the rest with PyYAML."""
    text = path.read_text(encoding="utf-8")
    data: object = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return _mapping(data, path.name)


def _resolve(spec: Json, node: object, where: str) -> Json | None:
    """Follow local ``#/...`` refs; external ones (``../common/*.yaml``, not collected): None."""
    seen: set[str] = set()
    current = _mapping(node, where)
    while "$ref" in current:
        ref = str(current["$ref"])
        if not ref.startswith("#/") or ref in seen:
            return None
        seen.add(ref)
        target: object = spec
        for part in ref[2:].split("/"):
            target = _mapping(target, f"{where} -> {ref}").get(part)
        current = _mapping(target, f"{where} -> {ref}")
    return current


def _content_types(spec: Json, node: object, where: str) -> set[str]:
    resolved = _resolve(spec, node, where)
    if resolved is None or "content" not in resolved:
        return set()
    return set(_mapping(resolved["content"], where))


def media_types(spec: Json, op: Json, where: str) -> tuple[list[str], list[str]]:
    """(request body types, response types) as the document states them; missing stays empty."""
    request: set[str] = set()
    if "requestBody" in op:
        request = _content_types(spec, op["requestBody"], f"{where} requestBody")
    response: set[str] = set()
    for code, resp in _mapping(op.get("responses", {}), f"{where} responses").items():
        response |= _content_types(spec, resp, f"{where} responses {code}")
    return sorted(request), sorted(response)


def major_version(info_version: str) -> int:
    """bol's info.version is "10.x", "11.3.0", "1.1.0": the major is what media types carry."""
    found = re.match(r"(\d+)", info_version)
    if found is None:
        raise SpecError(f"info.version {info_version!r} has no major version")
    return int(found.group(1))


def right_of(method: str, operation_id: str) -> str:
    """GETs read; a POST whose operationId starts with get- is a look-up (FACTS.md); else manage."""
    if method == "GET" or (method == "POST" and operation_id.startswith("get-")):
        return READ
    return MANAGE


def is_beta(op: Json) -> bool:
    """bol marks beta with an x-badges BETA badge (registry specs) or "(BETA)" in a v10 summary."""
    badges = op.get("x-badges")
    names = [str(b.get("name", "")) for b in badges if isinstance(b, dict)] if isinstance(
        badges, list) else []
    return "BETA" in (n.upper() for n in names) or "(BETA)" in str(op.get("summary", "")).upper()


def resource_table() -> dict[str, Json]:
    """Resource display name -> resource record (id, name, group, rights, note)."""
    table: dict[str, Json] = {}
    for group, name, rights in FGA_TABLE:
        table[name] = {"id": resource_id(name), "name": name, "group": group,
                       "rights": list(rights), "note": ""}
    for name, rights, note in OUTSIDE_FGA:
        table[name] = {"id": resource_id(name), "name": name, "group": None,
                       "rights": list(rights), "note": note}
    return table


def inferred_scopes(resource: Json, right: str) -> list[str]:
    """The pattern of bol's confirmed x-bol-scopes: read lists every scope that includes read
    (X.read, X.manage: manage implies read), manage lists X.manage; always the legacy ``retailer``.
    A resource with no scope of its own (process status) gets only ``retailer``."""
    rid, offered = str(resource["id"]), _strings(resource["rights"], "rights")
    if resource["name"] == "Process Status":
        return [LEGACY_SCOPE]
    wanted = [READ, MANAGE] if right == READ else [MANAGE]
    return [LEGACY_SCOPE] + [f"{rid}.{r}" for r in wanted if r in offered]


def _end_date(api: str, version: int, rid: str) -> str | None:
    for entry in DEPRECATED:
        if (entry["api"], entry["version"], entry["resource_id"]) == (api, version, rid):
            return str(entry["end_date"])
    return None


def operations_of(api: str, spec: Json, resources: dict[str, Json]) -> list[Json]:
    """One record per (path, method) of one document."""
    version = major_version(str(_mapping(spec["info"], "info")["version"]))
    ops: list[Json] = []
    for path, item in _mapping(spec["paths"], "paths").items():
        for method, raw in _mapping(item, path).items():
            if method not in HTTP_METHODS:
                continue
            where = f"{api} {method.upper()} {path}"
            op = _mapping(raw, where)
            tags = _strings(op.get("tags", []), f"{where} tags")
            tag = tags[0] if tags else ""
            if (api, tag) not in TAG_RESOURCE:
                raise SpecError(f"{where}: tag {tag!r} has no resource in TAG_RESOURCE")
            resource = resources[TAG_RESOURCE[(api, tag)]]
            operation_id = str(op["operationId"])
            right = right_of(method.upper(), operation_id)
            if right not in _strings(resource["rights"], "rights"):
                raise SpecError(f"{where}: {resource['name']} does not offer {right}")
            declared = op.get("x-bol-scopes")
            scopes = _strings(declared, where) if declared is not None else inferred_scopes(
                resource, right)
            request, response = media_types(spec, op, where)
            ops.append({
                "api": api, "version": version, "method": method.upper(), "path": path,
                "operation_id": operation_id, "tag": tag, "summary": str(op.get("summary", "")),
                "group": resource["group"], "resource": resource["name"],
                "resource_id": resource["id"], "right": right, "scopes": scopes,
                "scopes_inferred": declared is None,
                "media_types": sorted(set(request) | set(response)),
                "request_media_types": request, "response_media_types": response,
                "deprecated": bool(op.get("deprecated", False)), "beta": is_beta(op),
                "end_date": _end_date(api, version, str(resource["id"])),
            })
    return ops


def scope_table(resources: dict[str, Json], confirmed: set[str]) -> list[Json]:
    """Scope string -> grants. ``retailer`` is the legacy full access (every resource, manage);
    ``X.read`` / ``X.manage`` for each right a resource offers. Confirmed: bol's documents use
    it."""
    entries: list[Json] = [{
        "scope": LEGACY_SCOPE, "grants": [{"resource_id": ALL_RESOURCES, "right": MANAGE}],
        "confirmed": LEGACY_SCOPE in confirmed,
        "note": "Legacy full access: every resource, read and manage.",
    }]
    for resource in resources.values():
        if resource["name"] == "Process Status":
            continue
        for right in _strings(resource["rights"], "rights"):
            scope = f"{resource['id']}.{right}"
            entries.append({
                "scope": scope, "grants": [{"resource_id": resource["id"], "right": right}],
                "confirmed": scope in confirmed,
                "note": "" if scope in confirmed else INFERRED_NOTE,
            })
    known = {str(e["scope"]) for e in entries}
    if confirmed - known:
        raise SpecError(f"x-bol-scopes not in the scope table: {sorted(confirmed - known)}")
    return sorted(entries, key=lambda e: str(e["scope"]))


def build(folder: Path) -> Json:
    """The whole catalog as plain JSON data."""
    resources = resource_table()
    sources: list[Json] = []
    operations: list[Json] = []
    for api, filename in SPECS:
        spec = load_spec(folder / filename)
        info = _mapping(spec["info"], f"{filename} info")
        sources.append({"api": api, "file": filename, "title": str(info["title"]),
                        "spec_version": str(info["version"]),
                        "version": major_version(str(info["version"]))})
        operations.extend(operations_of(api, spec, resources))
    operations.sort(key=lambda o: (str(o["path"]), str(o["method"]), str(o["api"])))
    confirmed = {s for o in operations if not o["scopes_inferred"]
                 for s in _strings(o["scopes"], "scopes")}
    families = {m.group(1) for o in operations for t in _strings(o["media_types"], "media_types")
                if (m := _MEDIA.match(t))}
    family, api = CURRENT_API
    version = max(int(s["version"]) for s in sources if s["api"] == api)  # type: ignore[call-overload]
    return {
        "schema_version": SCHEMA_VERSION,
        "sources": sources,
        "groups": list(dict.fromkeys(group for group, _, _ in FGA_TABLE)),
        "media_families": sorted(families | set(OTHER_MEDIA_FAMILIES)),
        "current_media_type": f"application/vnd.{family}.v{version}+json",
        "hosts": list(HOSTS),
        "prefixes": list(PREFIXES),
        "retired_versions": list(RETIRED_VERSIONS),
        "deprecated": list(DEPRECATED),
        "resources": sorted(resources.values(), key=lambda r: str(r["id"])),
        "scopes": scope_table(resources, confirmed),
        "operations": operations,
    }


def render(data: Json) -> str:
    """Stable text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", type=Path, help="folder with bol's OpenAPI documents")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the committed catalog differs from what would be generated")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    folder: Path = args.folder
    output: Path = args.output
    try:
        data = build(folder)
    except (OSError, SpecError, KeyError, ValueError, yaml.YAMLError) as error:
        print(f"gen_catalog: {folder}: {error}", file=sys.stderr)
        return 2
    text = render(data)
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            print(f"gen_catalog: {output} is out of date; run: python scripts/gen_catalog.py "
                  f"{folder}", file=sys.stderr)
            return 1
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    count = len(data["operations"]) if isinstance(data["operations"], list) else 0
    print(f"gen_catalog: wrote {count} operations to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
