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


ODOO_TABLE = {
    "bol_connector/models/bol_api.py": '''
        import requests

        _api_endpoints = {
            "order": "https://api.bol.com/retailer/orders",
            "offer": "https://api.bol.com/retailer/offers",
            "shipment": "https://api.bol.com/retailer/shipments",
        }
        HEADERS = {"Accept": "application/vnd.retailer.v10+json",
                   "Content-Type": "application/vnd.retailer.v10+json"}


        class BolAPI:
            @staticmethod
            def get(endpoint, token, suffix="", query_string=""):
                url = _api_endpoints.get(endpoint) + suffix + query_string
                headers = dict(HEADERS, Authorization="Bearer " + token)
                return requests.get(url, headers=headers)

            @staticmethod
            def put(endpoint, token, suffix, payload):
                url = _api_endpoints[endpoint] + "/" + suffix
                headers = dict(HEADERS, Authorization="Bearer " + token)
                return requests.put(url, json=payload, headers=headers)
    ''',
    "bol_connector/models/sale_order.py": '''
        from odoo import models

        from .bol_api import BolAPI


        class SaleOrder(models.Model):
            _inherit = "sale.order"

            def _bol_import(self, token):
                return BolAPI.get("order", token, query_string="?fulfilment-method=FBR")

            def _bol_push_stock(self, token, offer_id, amount):
                return BolAPI.put("offer", token, "{0}/stock".format(offer_id), {"amount": amount})

            def _bol_get_shipment(self, token, shipment_id):
                return BolAPI.get("shipment", token, "/%s" % shipment_id)
    ''',
}


def test_an_endpoint_table_looked_up_by_static_wrappers_from_another_module(tmp_path: Path) -> None:
    """An ERP connector's shape: a module dict of endpoint URLs, static wrapper methods that look
    it up, and model methods elsewhere that pass constant keys and suffixes."""
    assert found(tmp_path, ODOO_TABLE) == {
        ("bol_connector/models/sale_order.py:10", "GET /retailer/orders"),
        ("bol_connector/models/sale_order.py:13", "PUT /retailer/offers/{offer-id}/stock"),
        ("bol_connector/models/sale_order.py:16", "GET /retailer/shipments/{shipment-id}"),
    }


def test_an_unknown_key_of_an_endpoint_table_stays_unresolved(tmp_path: Path) -> None:
    files = dict(ODOO_TABLE)
    files["bol_connector/models/sale_order.py"] += '''

        def fetch(kind, token):
            return BolAPI.get(kind, token)
    '''
    files["bol_connector/models/cron.py"] = '''
        from .sale_order import fetch


        def run(env, token):
            for kind in env["bol.config"].search([]).mapped("kinds"):
                fetch(kind, token)
    '''
    got = found(tmp_path, files)
    assert [s for s in got if s[0].startswith("bol_connector/models/cron.py")] == [
        ("bol_connector/models/cron.py:6", "? GET {…}")] or all(
        s[1].startswith("?") for s in got if s[0].startswith("bol_connector/models/cron.py"))


def test_enum_and_class_attribute_tables(tmp_path: Path) -> None:
    files = {
        "shop/endpoints.py": '''
            from enum import Enum

            BASE = "https://api.bol.com/retailer"


            class Endpoint(str, Enum):
                ORDERS = BASE + "/orders"
                ORDER = BASE + "/orders/{order_id}"


            class Paths:
                INVOICES = "/invoices"
                INVOICE = "/invoices/{}"
        ''',
        "shop/client.py": '''
            import httpx

            from .endpoints import BASE, Endpoint, Paths

            HEADERS = {"Accept": "application/vnd.retailer.v10+json"}


            def orders(client: httpx.Client):
                return client.get(Endpoint.ORDERS.value, headers=HEADERS)


            def order(client: httpx.Client, order_id):
                return client.get(Endpoint.ORDER.format(order_id=order_id), headers=HEADERS)


            def invoice(client: httpx.Client, invoice_id):
                return client.get(BASE + Paths.INVOICE.format(invoice_id), headers=HEADERS)
        ''',
    }
    assert found(tmp_path, files) == {
        ("shop/client.py:9", "GET /retailer/orders"),
        ("shop/client.py:13", "GET /retailer/orders/{order-id}"),
        ("shop/client.py:17", "GET /retailer/invoices/{invoice-id}"),
    }


def test_a_reassigned_local_url_gives_each_call_its_own_value(tmp_path: Path) -> None:
    files = {
        "sync.py": '''
            import requests

            BASE = "https://api.bol.com/retailer"
            HEADERS = {"Accept": "application/vnd.retailer.v10+json"}


            def sync(session: requests.Session, order_id, body):
                url = BASE + "/orders/" + order_id
                order = session.get(url, headers=HEADERS)
                url = BASE + "/shipments"
                session.post(url, json=body, headers={**HEADERS, "Content-Type": HEADERS["Accept"]})
                return order
        ''',
    }
    assert found(tmp_path, files) == {
        ("sync.py:9", "GET /retailer/orders/{order-id}"),
        ("sync.py:11", "POST /retailer/shipments"),
    }


def test_joins_partial_decorators_and_kwargs_forwarding(tmp_path: Path) -> None:
    files = {
        "shop/http.py": '''
            import functools
            import posixpath
            from urllib.parse import urljoin

            import requests
            from tenacity import retry, stop_after_attempt

            API = "https://api.bol.com/"
            HEADERS = {"Accept": "application/vnd.retailer.v10+json"}


            @retry(stop=stop_after_attempt(3))
            def send(method, url, **kwargs):
                kwargs.setdefault("headers", HEADERS)
                return requests.request(method, url, timeout=10, **kwargs)


            get = functools.partial(send, "GET")


            def orders():
                return get(urljoin(API, "retailer/orders"))


            def shipments():
                return send("GET", "/".join([API.rstrip("/"), "retailer", "shipments"]))


            def invoices():
                return get(API + posixpath.join("retailer", "invoices"))
        ''',
    }
    assert found(tmp_path, files) == {
        ("shop/http.py:22", "GET /retailer/orders"),
        ("shop/http.py:26", "GET /retailer/shipments"),
        ("shop/http.py:30", "GET /retailer/invoices"),
    }


def test_async_clients(tmp_path: Path) -> None:
    files = {
        "shop/aio.py": '''
            import aiohttp
            import httpx
            import urllib3

            BASE = "https://api.bol.com/retailer"
            HEADERS = {"Accept": "application/vnd.retailer.v10+json"}


            async def orders(token):
                async with httpx.AsyncClient(base_url=BASE, headers=HEADERS) as client:
                    response = await client.get("/orders")
                    return response.json()


            async def returns(token):
                async with aiohttp.ClientSession(headers=HEADERS) as session:
                    async with session.get(BASE + "/returns") as response:
                        return await response.json()


            def invoices():
                pool = urllib3.PoolManager()
                return pool.request("GET", BASE + "/invoices", headers=HEADERS)
        ''',
    }
    assert found(tmp_path, files) == {
        ("shop/aio.py:11", "GET /retailer/orders"),
        ("shop/aio.py:17", "GET /retailer/returns"),
        ("shop/aio.py:23", "GET /retailer/invoices"),
    }


def test_class_and_static_methods(tmp_path: Path) -> None:
    files = {
        "shop/client.py": '''
            import requests


            class Bol:
                base = "https://api.bol.com/retailer"
                headers = {"Accept": "application/vnd.retailer.v10+json"}

                @classmethod
                def call(cls, path):
                    return requests.get(cls.base + path, headers=cls.headers)

                @classmethod
                def orders(cls):
                    return cls.call("/orders")


            class DemoBol(Bol):
                base = "https://api.bol.com/retailer-demo"


            def demo_returns():
                return DemoBol.call("/returns")
        ''',
    }
    assert found(tmp_path, files) == {
        ("shop/client.py:14", "GET /retailer/orders"),
        ("shop/client.py:22", "GET /retailer/returns"),
    }
