"""The bol API catalog: its data against bol's documents, and the questions rules ask of it."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from bolaudit.catalog import knowledge
from conftest import SHARED, shared
from bolaudit.catalog import (
    ALL_RESOURCES,
    Catalog,
    CatalogError,
    MediaType,
    Operation,
    inferred_scopes,
    load_catalog,
    parse_media_type,
)

REPO = Path(__file__).parents[1]
BOL_API = SHARED / "bol-api"
SPEC_FILES = knowledge.spec_files()  # the documents the catalog says it was generated from
needs_documents = pytest.mark.usefixtures("bol_api")


@pytest.fixture
def bol_api() -> Path:
    """bol's OpenAPI documents (../shared/bol-api): skipped without them, failed in CI."""
    return shared("bol-api")


V10 = "application/vnd.retailer.v10+json"
V11 = "application/vnd.retailer.v11+json"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def spec_operations(api: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation object) straight from one of bol's documents."""
    path = BOL_API / SPEC_FILES[api]
    text = path.read_text(encoding="utf-8")
    spec = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return [(m.upper(), p, op) for p, item in spec["paths"].items()
            for m, op in item.items() if m in methods]


def by_key(catalog: Catalog, api: str) -> dict[tuple[str, str], Operation]:
    return {(op.method, op.path): op for op in catalog.operations if op.api == api}


def find(catalog: Catalog, api: str, method: str, path: str) -> Operation:
    return by_key(catalog, api)[(method, path)]


# --- the data is bol's ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "version", "count"),
    [("retailer", 10, 73), ("shared", 10, 3), ("offers", 11, 6), ("retailers", 11, 4),
     ("economic-operators", 1, 5), ("delivery-promise", 1, 1)],
)
def test_each_api_has_its_operations(catalog: Catalog, api: str, version: int, count: int) -> None:
    ops = [op for op in catalog.operations if op.api == api]
    assert len(ops) == count
    assert {op.version for op in ops} == {version}


@needs_documents
@pytest.mark.parametrize("api", sorted(SPEC_FILES))
def test_every_documented_operation_is_in_the_catalog_and_nothing_else(
    catalog: Catalog, api: str
) -> None:
    documented = {(m, p, op["operationId"], op["tags"][0]) for m, p, op in spec_operations(api)}
    ours = {(op.method, op.path, op.operation_id, op.tag)
            for op in catalog.operations if op.api == api}
    assert ours == documented


@needs_documents
@pytest.mark.parametrize("api", sorted(SPEC_FILES))
def test_scopes_deprecation_and_summaries_are_carried_over(catalog: Catalog, api: str) -> None:
    ours = by_key(catalog, api)
    for method, path, raw in spec_operations(api):
        op = ours[(method, path)]
        if "x-bol-scopes" in raw:
            assert op.scopes == tuple(raw["x-bol-scopes"]) and not op.scopes_inferred
        else:
            assert op.scopes_inferred
        assert op.deprecated == bool(raw.get("deprecated", False))
        assert op.summary == raw.get("summary", "")


@needs_documents
@pytest.mark.parametrize("api", sorted(SPEC_FILES))
def test_success_media_types_are_the_documents(catalog: Catalog, api: str) -> None:
    ours = by_key(catalog, api)
    for method, path, raw in spec_operations(api):
        op = ours[(method, path)]
        for code, response in raw["responses"].items():
            for media_type in response.get("content", {}):
                assert media_type in op.response_media_types, (method, path, code)
        for media_type in raw.get("requestBody", {}).get("content", {}):
            assert media_type in op.request_media_types
        assert set(op.media_types) == set(op.request_media_types) | set(op.response_media_types)


@needs_documents
def test_resources_and_rights_agree_with_endpoints_tsv(catalog: Catalog) -> None:
    with (BOL_API / "endpoints.tsv").open(encoding="utf-8", newline="") as rows:
        table = list(csv.DictReader(rows, delimiter="\t"))
    assert len(table) == len(catalog.operations)
    for row in table:
        op = find(catalog, row["api"], row["method"], row["path"])
        assert op.resource.lower() == row["fga_resource_inferred"].lower()
        assert op.right == {"read": "read", "write": "manage"}[row["access"]]
        assert op.beta == (row["beta"] == "yes")


def test_generated_file_is_up_to_date() -> None:
    shared("bol-api")
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_catalog.py"), str(BOL_API), "--check"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr


# --- what the catalog says about each operation -----------------------------------------------


@pytest.mark.parametrize(
    ("api", "method", "path", "right"),
    [
        ("retailer", "GET", "/retailer/orders", "read"),
        ("retailer", "PUT", "/retailer/orders/cancellation", "manage"),
        ("retailer", "POST", "/retailer/commission", "read"),  # get-commissions: a bulk look-up
        ("retailer", "POST", "/retailer/products/list", "read"),
        ("retailer", "POST", "/retailer/shipping-labels/delivery-options", "read"),
        ("retailer", "POST", "/retailer/shipping-labels", "manage"),
        ("shared", "POST", "/shared/process-status", "read"),  # get-process-status-bulk
        ("offers", "PATCH", "/retailer/offers/{offer-id}", "manage"),
        ("economic-operators", "DELETE", "/retailer/economic-operator/{id}", "manage"),
    ],
)
def test_right_needed(catalog: Catalog, api: str, method: str, path: str, right: str) -> None:
    assert find(catalog, api, method, path).right == right


@pytest.mark.parametrize(
    ("api", "method", "path", "group", "resource", "resource_id", "scopes", "inferred"),
    [
        ("retailer", "GET", "/retailer/shipping-labels/{shipping-label-id}", "Logistics",
         "Shipping Labels", "shipping-labels",
         ("retailer", "shipping-labels.read", "shipping-labels.manage"), True),
        ("retailer", "PUT", "/retailer/transports/{transport-id}", "Logistics", "Transports",
         "transports", ("retailer", "transports.manage"), True),
        ("retailer", "POST", "/retailer/commission", "Assortment Management", "Commissions",
         "commissions", ("retailer", "commissions.read"), True),
        ("retailer", "POST", "/retailer/content/products", "Assortment Management",
         "Product Content", "product-content", ("retailer", "product-content.manage"), True),
        ("retailer", "GET", "/retailer/retailers/{retailer-id}", "Insights", "Retailer Info",
         "retailer-info", ("retailer", "retailer-info.read"), True),
        ("retailers", "GET", "/retailer/retailers/kpi-scores", "Insights", "Retailer Info",
         "retailer-info", ("retailer", "retailer-info.read"), False),
        ("offers", "GET", "/retailer/offers", "Assortment Management", "Offers", "offers",
         ("retailer", "offers.read", "offers.manage"), False),
        ("economic-operators", "GET", "/retailer/economic-operators", "Assortment Management",
         "Economic Operators", "economic-operators",
         ("retailer", "economic-operators.manage", "economic-operators.read"), False),
        ("shared", "GET", "/shared/process-status/{process-status-id}", None, "Process Status",
         "process-status", ("retailer",), True),
        ("delivery-promise", "GET", "/retailer/delivery-promise/profiles", None,
         "Delivery Promise", "delivery-promise", ("retailer", "delivery-promise.read"), False),
    ],
)
def test_resource_and_scopes(
    catalog: Catalog, api: str, method: str, path: str, group: str | None, resource: str,
    resource_id: str, scopes: tuple[str, ...], inferred: bool,
) -> None:
    op = find(catalog, api, method, path)
    assert (op.group, op.resource, op.resource_id) == (group, resource, resource_id)
    assert (op.scopes, op.scopes_inferred) == (scopes, inferred)


def test_every_right_needed_is_one_the_resource_offers(catalog: Catalog) -> None:
    for op in catalog.operations:
        assert op.right in catalog.resources[op.resource_id].rights, op.label()


def test_inferred_scopes_follow_bols_own_pattern(catalog: Catalog) -> None:
    """Our inference, applied where bol states the scopes, gives bol's scopes (order aside)."""
    for op in catalog.operations:
        ours = inferred_scopes(catalog.resources[op.resource_id], op.right, catalog.scopes)
        if op.scopes_inferred:
            assert ours == op.scopes
        else:
            assert set(ours) == set(op.scopes), op.label()


def test_only_the_v10_offers_endpoints_are_deprecated_and_they_end_2027_02_01(
    catalog: Catalog,
) -> None:
    deprecated = [op for op in catalog.operations if op.deprecated]
    assert len(deprecated) == 10
    assert all((op.api, op.version, op.resource_id) == ("retailer", 10, "offers")
               for op in deprecated)
    assert {op.end_date for op in catalog.operations if op.deprecated} == {"2027-02-01"}
    assert {op.end_date for op in catalog.operations if not op.deprecated} == {None}


@pytest.mark.parametrize(
    ("api", "method", "path", "media_types"),
    [
        ("retailer", "GET", "/retailer/invoices/{invoice-id}",
         (V10, "application/vnd.retailer.v10+pdf")),
        ("retailer", "GET", "/retailer/offers/export/{report-id}",
         ("application/vnd.retailer.v10+csv",)),  # its 200 has no content in the document
        ("retailer", "POST", "/retailer/returns", ("application/json", V10)),
        ("offers", "GET", "/retailer/offers", (V11,)),  # its error responses are external refs
        ("economic-operators", "GET", "/retailer/economic-operator/{id}",
         ("application/vnd.economic-operator.v1+json",)),  # through a local components ref
        ("shared", "GET", "/shared/process-status", (V10, "application/vnd.advertiser.v10+json")),
    ],
)
def test_media_types(
    catalog: Catalog, api: str, method: str, path: str, media_types: tuple[str, ...]
) -> None:
    assert set(find(catalog, api, method, path).media_types) == set(media_types)


@pytest.mark.parametrize(
    ("resource_id", "name", "group", "rights"),
    [
        ("economic-operators", "Economic Operators", "Assortment Management", ("read", "manage")),
        ("commissions", "Commissions", "Assortment Management", ("read",)),
        ("offers", "Offers", "Assortment Management", ("read", "manage")),
        ("product-content", "Product Content", "Assortment Management", ("read", "manage")),
        ("promotions", "Promotions", "Assortment Management", ("read",)),
        ("inventory", "Inventory", "Logistics", ("read",)),
        ("orders", "Orders", "Logistics", ("read", "manage")),
        ("replenishments", "Replenishments", "Logistics", ("read", "manage")),
        ("returns", "Returns", "Logistics", ("read", "manage")),
        ("shipping-labels", "Shipping Labels", "Logistics", ("read", "manage")),
        ("shipments", "Shipments", "Logistics", ("read", "manage")),
        ("transports", "Transports", "Logistics", ("manage",)),
        ("invoices", "Invoices", "Financial", ("read",)),
        ("products", "Products", "Insights", ("read",)),
        ("insights", "Insights", "Insights", ("read",)),
        ("retailer-info", "Retailer Info", "Insights", ("read",)),
        ("subscriptions", "Subscriptions", "Subscriptions", ("read", "manage")),
        ("delivery-promise", "Delivery Promise", None, ("read",)),
        ("process-status", "Process Status", None, ("read",)),
    ],
)
def test_resources_as_in_bols_fine_grained_access_table(
    catalog: Catalog, resource_id: str, name: str, group: str | None, rights: tuple[str, ...]
) -> None:
    resource = catalog.resources[resource_id]
    assert (resource.name, resource.group, resource.rights) == (name, group, rights)


def test_there_are_no_other_resources(catalog: Catalog) -> None:
    assert len(catalog.resources) == 19


# --- matching a request to an operation -------------------------------------------------------

U = None  # an unknown segment: a value bolaudit could not resolve

MATCHES = [
    # (method, path segments, media types, expected operation as "api operationId" or None)
    ("GET", ["retailer", "orders"], (), "retailer get-orders"),
    ("get", ["retailer", "orders", "1043946570"], (), "retailer get-order"),
    ("GET", ["retailer", "orders", U], (), "retailer get-order"),
    ("PUT", ["retailer", "orders", "cancellation"], (), "retailer cancel-order-item"),
    ("PUT", ["retailer", "orders", U], (), "retailer cancel-order-item"),  # the only PUT there
    ("GET", ["retailer-demo", "orders", U], (), "retailer get-order"),
    ("GET", ["retailer", "orders", ""], (), "retailer get-orders"),  # trailing slash
    ("GET", ["", "retailer", "orders"], (), "retailer get-orders"),  # leading slash
    ("POST", ["retailer", "commission"], (), "retailer get-commissions"),
    ("GET", ["shared", "process-status", U], (), "shared get-process-status"),
    ("POST", ["shared", "process-status"], (), "shared get-process-status-bulk"),
    ("GET", ["retailer", "offers", U], (V11,), "offers get-offer"),
    ("GET", ["retailer", "offers", U], (V10,), "retailer get-offer"),
    ("GET", ["retailer", "offers", U], ("application/vnd.retailer.v11+json; charset=UTF-8",),
     "offers get-offer"),
    ("POST", ["retailer", "offers"], ("application/json, " + V10,), "retailer post-offer"),
    ("GET", ["retailer", "offers"], (), "offers get-offers"),  # only v11 lists offers
    ("PATCH", ["retailer", "offers", U], (), "offers update-offer"),
    ("GET", ["retailer", "retailers", "kpi-scores"], (), "retailers retailer-kpi-scores"),
    ("GET", ["retailer", "retailers", U, "ratings"], (), "retailers retailer-ratings"),
    ("GET", ["retailer", "economic-operator", U], (),
     "economic-operators get-single-economic-operator"),
    ("GET", ["retailer", "delivery-promise", "profiles"], (),
     "delivery-promise get-delivery-promise-profiles"),
    ("PUT", ["retailer", "transports", U], (),
     "retailer add-transport-information-by-transport-id"),
    (None, ["retailer", "transports", U], (),
     "retailer add-transport-information-by-transport-id"),
    ("GET", ["retailer", U, "signature-keys"], (), "retailer get-subscription-keys"),
]


@pytest.mark.parametrize(("method", "path", "media_types", "expected"), MATCHES)
def test_match(
    catalog: Catalog, method: str | None, path: list[str | None], media_types: tuple[str, ...],
    expected: str,
) -> None:
    found = catalog.match(method, path, media_types)
    assert found.operation is not None, found.reason
    assert f"{found.operation.api} {found.operation.operation_id}" == expected
    assert found.candidates == (found.operation,)


AMBIGUOUS = [
    # (method, path segments, media types, every candidate as "api operationId", words in reason)
    ("GET", ["retailer", "offers", U], (), {"retailer get-offer", "offers get-offer"},
     "no media type was given"),
    ("GET", ["retailer", "offers", U], ("application/vnd.retailer.v9+json",),
     {"retailer get-offer", "offers get-offer"}, "fits none of them"),
    ("DELETE", ["retailer", "offers", "abc"], (), {"retailer delete-offer", "offers delete-offer"},
     "the media type decides"),
    ("GET", ["retailer", "retailers", U], (),
     {"retailer get-retailer-information", "retailers retailer-information-by-retailer-id"},
     "exists in retailer v10 and retailers v11"),
    ("POST", ["retailer", "offers", U], (),
     {"retailer post-offer-export", "retailer post-unpublished-offer-report"}, "2 documented"),
    (None, ["retailer", "orders"], (), {"retailer get-orders"}, "matches"),
    (None, ["retailer", "shipments", U], (), {"retailer get-shipment"}, "method is unknown"),
    (None, ["retailer", "returns", U], (),
     {"retailer get-return", "retailer handle-return"}, "method unknown"),
]


@pytest.mark.parametrize(("method", "path", "media_types", "candidates", "words"), AMBIGUOUS)
def test_several_fit_or_the_method_is_unknown(
    catalog: Catalog, method: str | None, path: list[str | None], media_types: tuple[str, ...],
    candidates: set[str], words: str,
) -> None:
    found = catalog.match(method, path, media_types)
    assert {f"{op.api} {op.operation_id}" for op in found.candidates} == candidates
    assert (found.operation is not None) == (len(candidates) == 1)
    assert words in found.reason


def test_an_unknown_segment_stands_for_fixed_text_only_as_a_last_resort(catalog: Catalog) -> None:
    found = catalog.match("GET", [U, "orders"])
    assert found.operation is not None and found.operation.operation_id == "get-orders"
    assert "unknown segment" in found.reason
    assert catalog.match("GET", ["retailer", U]).operation is None
    assert len(catalog.match("GET", ["retailer", U]).candidates) == 10


NO_MATCH = [
    # (method, path segments, words in reason, nearest as "METHOD path" or None)
    ("GET", ["retailer", "order"], "no documented operation has the path /retailer/order",
     "GET /retailer/orders"),
    ("GET", ["retailer", "orders", U, "items"], "no documented operation",
     "GET /retailer/orders/{order-id}"),
    ("GET", ["retailer", "offers", "export"], "is not documented; that path takes POST",
     "POST /retailer/offers/export"),
    ("DELETE", ["retailer", "orders"], "that path takes GET", "GET /retailer/orders"),
    ("GET", ["retailer", "orders", "", "x"], "no documented operation",
     "GET /retailer/orders/{order-id}"),
    ("GET", ["retailer", "foo", "bar"], "no documented operation", None),
    ("GET", ["advertiser", "sponsored-products", "campaigns"], "Advertising API", None),
    ("GET", ["catalog", "v4", "search"], "retired", None),
    ("GET", ["api", "v1", "orders"], "does not start with a bol API prefix", None),
]


@pytest.mark.parametrize(("method", "path", "words", "nearest"), NO_MATCH)
def test_no_match_is_never_invented(
    catalog: Catalog, method: str, path: list[str | None], words: str, nearest: str | None
) -> None:
    found = catalog.match(method, path)
    assert (found.operation, found.candidates) == (None, ())
    assert words in found.reason
    suggestion = catalog.nearest(method, path)
    assert (f"{suggestion.method} {suggestion.path}" if suggestion else None) == nearest


def test_nearest_prefers_what_matches_and_what_is_not_deprecated(catalog: Catalog) -> None:
    assert catalog.nearest("GET", ["retailer", "orders", U]) == catalog.match(
        "GET", ["retailer", "orders", U]).operation
    suggestion = catalog.nearest("GET", ["retailer", "offers", U])
    assert suggestion is not None and (suggestion.api, suggestion.deprecated) == ("offers", False)


# --- hosts, prefixes, media types, versions ---------------------------------------------------


@pytest.mark.parametrize(
    ("host", "path", "kind"),
    [
        ("login.bol.com", "/token", "token"),
        ("login.bol.com", "", "token"),
        ("LOGIN.BOL.COM:443", "/authorize", "authorize"),
        ("api.bol.com", "/retailer/orders", "api"),
        ("api.bol.com.", "", "api"),
        ("plazaapi.bol.com", "/services/rest/orders/v2", "plaza"),
        ("bol.com", "", "other"),
        ("api.bol.com.evil.example", "", "other"),
    ],
)
def test_classify_url_host(catalog: Catalog, host: str, path: str, kind: str) -> None:
    assert catalog.classify_url_host(host, path) == kind


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (["retailer", "orders"], "covered"),
        (["retailer-demo", "orders"], "covered"),
        (["shared", "process-status"], "covered"),
        (["", "retailer"], "covered"),
        (["advertiser", "sponsored-products", "campaigns"], "uncovered-bol"),
        (["catalog", "v4", "products"], "uncovered-bol"),
        (["catalog", "v5"], "unknown"),
        ([U, "orders"], "unknown"),
        ([], "unknown"),
    ],
)
def test_api_prefix(catalog: Catalog, path: list[str | None], status: str) -> None:
    assert catalog.api_prefix(path) == status


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("application/vnd.retailer.v10+json", MediaType("retailer", 10, "json")),
        ("Application/VND.Retailer.v10+PDF; charset=UTF-8", MediaType("retailer", 10, "pdf")),
        ("application/vnd.retailer.v10+csv", MediaType("retailer", 10, "csv")),
        ("application/vnd.retailer.v10+openxmlformats-officedocument.spreadsheetml.sheet",
         MediaType("retailer", 10, "openxmlformats-officedocument.spreadsheetml.sheet")),
        ("application/vnd.economic-operator.v1+json", MediaType("economic-operator", 1, "json")),
        ("application/vnd.delivery-promise.v1+json", MediaType("delivery-promise", 1, "json")),
        ("application/vnd.advertiser.v11+json", MediaType("advertiser", 11, "json")),
        ("application/json", None),
        ("application/vnd.retailer+json", None),
        ("", None),
    ],
)
def test_parse_media_type(text: str, parsed: MediaType | None) -> None:
    assert parse_media_type(text) == parsed
    if parsed is not None:
        assert str(parsed) == text.split(";")[0].strip().lower()


@pytest.mark.parametrize(
    ("media_type", "version", "end_date"),
    [
        ("application/vnd.retailer.v3+json", 3, None),
        ("application/vnd.retailer.v6+json", 6, None),
        ("application/vnd.retailer.v7+json", 7, "2024-05-01"),
        ("application/vnd.retailer.v8+pdf", 8, "2024-05-01"),
        ("application/vnd.retailer.v9+json", 9, "2024-11-01"),
    ],
)
def test_retired_versions(
    catalog: Catalog, media_type: str, version: int, end_date: str | None
) -> None:
    retired = catalog.retired_version(media_type)
    assert retired is not None and (retired.version, retired.end_date) == (version, end_date)


@pytest.mark.parametrize(
    "media_type",
    [V10, V11, "application/vnd.advertiser.v9+json", "application/vnd.economic-operator.v1+json",
     "application/json", "text/plain"],
)
def test_current_and_other_media_types_are_not_retired(catalog: Catalog, media_type: str) -> None:
    assert catalog.retired_version(media_type) is None


# --- scopes and overrides ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "grants", "source"),
    [
        ("retailer", [(ALL_RESOURCES, "manage")], "confirmed"),
        ("RETAILER", [(ALL_RESOURCES, "manage")], "confirmed"),  # how tokens spell it
        ("offers.read", [("offers", "read")], "confirmed"),
        ("offers.manage", [("offers", "manage")], "confirmed"),
        ("economic-operators.read", [("economic-operators", "read")], "confirmed"),
        ("retailer-info.read", [("retailer-info", "read")], "confirmed"),
        ("delivery-promise.read", [("delivery-promise", "read")], "confirmed"),
        ("orders.manage", [("orders", "manage")], "inferred"),
        ("shipping-labels.read", [("shipping-labels", "read")], "inferred"),
        ("transports.manage", [("transports", "manage")], "inferred"),
        ("commissions.read", [("commissions", "read")], "inferred"),
    ],
)
def test_scope_grants(
    catalog: Catalog, scope: str, grants: list[tuple[str, str]], source: str
) -> None:
    assert catalog.scope_grants(scope) == grants
    entry = catalog.scope_entry(scope)
    assert entry is not None and entry.source == source


@pytest.mark.parametrize(
    "scope", ["transports.read", "commissions.manage", "process-status.read", "offline_access", ""]
)
def test_scopes_bol_does_not_offer_are_unknown(catalog: Catalog, scope: str) -> None:
    assert catalog.scope_grants(scope) is None


def test_every_scope_an_operation_lists_is_known(catalog: Catalog) -> None:
    for op in catalog.operations:
        assert all(catalog.scope_grants(s) is not None for s in op.scopes), op.label()


def test_scope_overrides_add_and_replace_without_touching_the_original(catalog: Catalog) -> None:
    custom = catalog.with_overrides({"orders.manage": "orders:manage, returns:manage",
                                     "partner.all": "*:manage", "nothing": ""})
    assert custom.scope_grants("orders.manage") == [("orders", "manage"), ("returns", "manage")]
    assert custom.scope_grants("Partner.All") == [(ALL_RESOURCES, "manage")]
    assert custom.scope_grants("nothing") == []
    entry = custom.scope_entry("orders.manage")
    assert entry is not None and entry.source == "override"
    assert catalog.scope_grants("orders.manage") == [("orders", "manage")]
    assert catalog.scope_grants("partner.all") is None
    assert custom.with_overrides([("x.read", "inventory:read")]).scope_grants("x.read") == [
        ("inventory", "read")]


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"x": "nope:read"}, "unknown resource 'nope'"),
        ({"x": "orders:write"}, "resource:read or resource:manage"),
        ({"x": "orders"}, "resource:read or resource:manage"),
        ({"x": "commissions:manage"}, "commissions offers only read"),
    ],
)
def test_bad_scope_overrides_say_which(
    catalog: Catalog, overrides: dict[str, str], words: str
) -> None:
    with pytest.raises(CatalogError, match=words):
        catalog.with_overrides(overrides)


def test_operation_resource_overrides(catalog: Catalog) -> None:
    moved = catalog.with_overrides(resource_map={"get-invoice-requests": "invoices"})
    op = moved.match("GET", ["retailer", "shipments", "invoices", "requests"]).operation
    assert op is not None
    assert (op.group, op.resource, op.resource_id) == ("Financial", "Invoices", "invoices")
    assert op.scopes == ("retailer", "invoices.read")
    original = catalog.match("GET", ["retailer", "shipments", "invoices", "requests"]).operation
    assert original is not None and original.resource_id == "shipments"
    # bol's own scopes stay as bol states them
    kept = catalog.with_overrides(resource_map={"GET /retailer/offers": "products"})
    offers = kept.match("GET", ["retailer", "offers"]).operation
    assert offers is not None and offers.resource_id == "products"
    assert offers.scopes == ("retailer", "offers.read", "offers.manage")


@pytest.mark.parametrize(
    ("resource_map", "words"),
    [
        ({"no-such-operation": "orders"}, "no such operationId"),
        ({"get-orders": "nope"}, "unknown resource"),
        ({"cancel-order-item": "inventory"}, "needs manage"),
    ],
)
def test_bad_operation_overrides_say_which(
    catalog: Catalog, resource_map: dict[str, str], words: str
) -> None:
    with pytest.raises(CatalogError, match=words):
        catalog.with_overrides(resource_map=resource_map)


# --- loading ----------------------------------------------------------------------------------


def test_load_catalog_is_read_once() -> None:
    assert load_catalog() is load_catalog()


def test_operations_are_frozen(catalog: Catalog) -> None:
    with pytest.raises(AttributeError):
        catalog.operations[0].right = "manage"  # type: ignore[misc]
    assert replace(catalog.operations[0]) == catalog.operations[0]


def test_importing_the_catalog_is_cheap() -> None:
    code = ("import sys, bolaudit.catalog; "
            "print(sorted(m for m in ('libcst', 'yaml', 'detect_secrets') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_operations_are_unique_and_sorted(catalog: Catalog) -> None:
    keys = [(op.path, op.method, op.api) for op in catalog.operations]
    assert keys == sorted(keys)
    assert not [k for k, n in Counter(keys).items() if n > 1]


def test_what_code_outside_the_catalog_knows_of_bol_comes_from_the_catalog_data() -> None:
    from bolaudit.config.keys import DEFAULT_TOKEN_URL
    from bolaudit.extract.prefilter import API_WORDS
    from bolaudit.resolve.media import RETAILER_JSON
    from bolaudit.tokens.claims import BOL_ISSUER
    from bolaudit.tokens.grants import GROUP_ORDER
    from bolaudit.tokens.requests import TOKEN_URL

    cat = load_catalog()
    token = next(h for h in cat.hosts if h.kind == "token")
    assert DEFAULT_TOKEN_URL == TOKEN_URL == f"https://{token.host}{token.path}" == "https://login.bol.com/token"
    assert BOL_ISSUER == "https://login.bol.com"
    assert RETAILER_JSON == V10
    # The dashboard's order (FACTS.md's table), holding exactly the groups resources belong to.
    assert GROUP_ORDER == ("Assortment Management", "Logistics", "Financial", "Insights", "Subscriptions")
    assert set(GROUP_ORDER) == {r.group for r in cat.resources.values() if r.group}
    families = {m.family for op in cat.operations for t in op.media_types if (m := parse_media_type(t))}
    assert set(API_WORDS[b"vnd."]) == {b"vnd." + f.encode() for f in families | {"advertiser"}}
