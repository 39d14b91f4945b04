"""The shapes real bol integrations build their requests with, one test each (issue 13).

Each tree is written the way published clients and ERP connectors write it: method-group classes,
``x or default`` base URLs, endpoint tables in another module, wrappers with ``**kwargs``, async
clients. A test asserts the operation found at the call site that chooses the endpoint, and what
stays unresolved (never a guess)."""

from __future__ import annotations

from pathlib import Path

from bolaudit.resolve.requests import ResolvedRequest
from bolaudit.rulebase import case_files
from conftest import audit, write_tree


def requests_of(root: Path, files: dict[str, str]) -> list[ResolvedRequest]:
    write_tree(root, case_files(files))
    project = audit(root).project
    assert project is not None
    return [r for r in project.requests if r.kind != "token"]


def found(root: Path, files: dict[str, str]) -> set[tuple[str, str]]:
    """(call site ``file:line``, ``METHOD path`` of the operation, or why it is not known)."""
    out: set[tuple[str, str]] = set()
    for r in requests_of(root, files):
        site = f"{r.site.path}:{r.site.span.line}"
        op = r.operation
        out.add((site, f"{op.method} {op.path}" if op else f"? {r.endpoint}"))
    return out


METHOD_GROUPS = {
    "shop/bolapi/groups.py": '''
        class MethodGroup:
            def __init__(self, api, group):
                self.api = api
                self.group = group

            def request(self, method, path="", params=None, **kwargs):
                uri = "/{base}/{group}{path}".format(
                    base="retailer-demo" if self.api.demo else "retailer",
                    group=self.group,
                    path=("/{}".format(path) if path else ""),
                )
                return self.api.request(method, uri, params=params, **kwargs)


        class OrderMethods(MethodGroup):
            def __init__(self, api):
                super().__init__(api, "orders")

            def list(self, page=None):
                return self.request("GET", params={"page": page})

            def get(self, order_id):
                return self.request("GET", path=order_id)


        class InvoiceMethods(MethodGroup):
            def __init__(self, api):
                super(InvoiceMethods, self).__init__(api, "invoices")

            def specification(self, invoice_id):
                return self.request("GET", path="{}/specification".format(invoice_id))
    ''',
    "shop/bolapi/api.py": '''
        import requests

        from .groups import InvoiceMethods, OrderMethods


        class RetailerAPI:
            def __init__(self, demo=False, api_url=None, session=None, timeout=None):
                self.demo = demo
                self.api_url = api_url or "https://api.bol.com"
                self.timeout = timeout
                self.orders = OrderMethods(self)
                self.invoices = InvoiceMethods(self)
                self.session = session or requests.Session()
                self.session.headers.update({"Accept": "application/vnd.retailer.v10+json"})

            def request(self, method, uri, params=None, **kwargs):
                request_kwargs = dict(**kwargs)
                request_kwargs.update({"method": method, "url": self.api_url + uri,
                                       "params": params, "timeout": self.timeout})
                if "json" in request_kwargs:
                    request_kwargs.setdefault("headers", {})
                    request_kwargs["headers"].update({"Content-Type": "application/vnd.retailer.v10+json"})
                response = self.session.request(**request_kwargs)
                response.raise_for_status()
                return response
    ''',
}


def test_method_groups_with_an_or_default_base_url(tmp_path: Path) -> None:
    """python-bol-api's shape: the group name goes up through ``super().__init__``, the base URL
    is ``api_url or "https://api.bol.com"`` with ``api_url=None``, and one ``session.request``
    takes method and URL from a dict built up before it."""
    assert found(tmp_path, METHOD_GROUPS) == {
        ("shop/bolapi/groups.py:20", "GET /retailer/orders"),
        ("shop/bolapi/groups.py:23", "GET /retailer/orders/{order-id}"),
        ("shop/bolapi/groups.py:31", "GET /retailer/invoices/{invoice-id}/specification"),
    }


def test_a_conditional_part_follows_what_the_caller_passes(tmp_path: Path) -> None:
    """``"/{}".format(path) if path else ""``: a caller that passes nothing gets the bare group
    path, one that passes an id gets the id's path; neither gets both."""
    files = dict(METHOD_GROUPS)
    files["shop/jobs.py"] = '''
        from shop.bolapi.api import RetailerAPI


        def sync(api: RetailerAPI, order_id):
            everything = api.orders.request("GET", path="")
            one = api.orders.request("GET", path=str(order_id))
            return everything, one
    '''
    got = found(tmp_path, files)
    assert ("shop/jobs.py:5", "GET /retailer/orders") in got
    assert ("shop/jobs.py:6", "GET /retailer/orders/{order-id}") in got
    assert not {s for s in got if s[0] == "shop/jobs.py:5" and s[1] != "GET /retailer/orders"}


def test_a_json_body_gets_the_content_type_set_on_the_nested_headers_dict(tmp_path: Path) -> None:
    files = dict(METHOD_GROUPS)
    files["shop/bolapi/groups.py"] += '''

        class ShipmentMethods(MethodGroup):
            def __init__(self, api):
                super().__init__(api, "shipments")

            def create(self, body):
                return self.request("POST", json=body)
    '''
    reqs = [r for r in requests_of(tmp_path, files) if r.operation and r.operation.method == "POST"]
    assert {r.operation.path for r in reqs if r.operation} == {"/retailer/shipments"}  # demo and live
    assert {r.headers.as_dict().get("content-type") for r in reqs} == {"application/vnd.retailer.v10+json"}
    assert not [f for f in audit(tmp_path).findings if f.code == "BOL302"]


def test_an_endpoint_that_v10_removed_is_listed_and_reported(tmp_path: Path) -> None:
    files = dict(METHOD_GROUPS)
    files["shop/bolapi/groups.py"] += '''

        class ItemMethods(MethodGroup):
            def __init__(self, api):
                super().__init__(api, "orders")

            def ship(self, order_item_id, transport):
                return self.request("PUT", path="{}/shipment".format(order_item_id), json=transport)
    '''
    got = found(tmp_path, files)
    assert ("shop/bolapi/groups.py:39", "PUT /retailer/orders/{order-item-id}/shipment") in got
    bol306 = [f for f in audit(tmp_path).findings if f.code == "BOL306"]
    assert [(f.path, f.span.line) for f in bol306] == [("shop/bolapi/groups.py", 39)]
    assert "v10 has POST /retailer/shipments" in bol306[0].message
