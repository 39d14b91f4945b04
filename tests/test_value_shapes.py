"""More of the value shapes real bol clients use (issue 13, items 1 and 3), one test each.

``test_shapes.py`` holds the shapes of the labelled realworld clients; these are the others the
issue names: flow-sensitive locals, ``None`` defaults in ``if`` statements, subclasses that set the
endpoint, formatting, endpoint tables (dict, list, class attribute, tuple rows) across modules,
own decorators, lazily made async sessions and OAuth2 clients. Each asserts the operation at the
call site that chooses it, and what stays unresolved (with its reason, never a guess)."""

from __future__ import annotations

from pathlib import Path

from bolaudit.rulebase import case_files
from conftest import audit, write_tree
from test_shapes import found, requests_of

ACCEPT = '{"Accept": "application/vnd.retailer.v10+json"}'


def unresolved(root: Path, files: dict[str, str]) -> dict[str, str]:
    """``file:line`` -> why the request made there is not known."""
    return {
        f"{r.site.path}:{r.site.span.line}": r.unresolved
        for r in requests_of(root, files)
        if r.unresolved is not None
    }


# ---------------------------------------------------------------------- locals follow the flow


def test_each_call_sees_the_assignments_that_reach_it(tmp_path: Path) -> None:
    """A URL reassigned in branches, a ``try`` and a loop: inside a branch only that branch's
    value, after the join every value that falls through to it."""
    files = {
        "sync.py": f'''
            import requests

            BASE = "https://api.bol.com/retailer"
            HEADERS = {ACCEPT}


            def sync(session: requests.Session, order_id, only_open):
                url = BASE + "/orders"
                if only_open:
                    url = BASE + "/returns"
                    session.get(url, headers=HEADERS)
                else:
                    url = BASE + "/invoices"
                    session.get(url, headers=HEADERS)
                session.get(url, headers=HEADERS)
                try:
                    url = BASE + "/shipments"
                    session.get(url, headers=HEADERS)
                except requests.HTTPError:
                    url = BASE + "/orders/" + order_id
                    session.get(url, headers=HEADERS)
                session.get(url, headers=HEADERS)


            def pages(session: requests.Session):
                url = BASE + "/orders"
                for page in range(1, 4):
                    session.get(url, params={{"page": page}}, headers=HEADERS)
                    url = BASE + "/returns"
                return session.get(url, headers=HEADERS)


            def first_match(session: requests.Session, ids):
                url = BASE + "/invoices"
                if not ids:
                    return None
                url += "/" + ids[0]
                return session.get(url, headers=HEADERS)
        ''',
    }
    assert found(tmp_path, files) == {
        ("sync.py:11", "GET /retailer/returns"),
        ("sync.py:14", "GET /retailer/invoices"),
        ("sync.py:15", "GET /retailer/returns"),
        ("sync.py:15", "GET /retailer/invoices"),
        ("sync.py:18", "GET /retailer/shipments"),
        ("sync.py:21", "GET /retailer/orders/{order-id}"),
        ("sync.py:22", "GET /retailer/shipments"),
        ("sync.py:22", "GET /retailer/orders/{order-id}"),
        ("sync.py:28", "GET /retailer/orders"),
        ("sync.py:30", "GET /retailer/orders"),
        ("sync.py:30", "GET /retailer/returns"),
        ("sync.py:38", "GET /retailer/invoices/{invoice-id}"),
    }


def test_a_branch_that_returns_does_not_reach_the_join(tmp_path: Path) -> None:
    files = {
        "client.py": f'''
            import requests

            BASE = "https://api.bol.com/retailer"


            def fetch(kind, ident):
                if kind == "order":
                    url = BASE + "/orders/" + ident
                elif kind == "return":
                    url = BASE + "/returns/" + ident
                else:
                    raise ValueError(kind)
                return requests.get(url, headers={ACCEPT})
        ''',
    }
    assert found(tmp_path, files) == {
        ("client.py:13", "GET /retailer/orders/{order-id}"),
        ("client.py:13", "GET /retailer/returns/{return-id}"),
    }


# ---------------------------------------------------------------------- defaults


def test_none_defaults_set_in_the_constructor(tmp_path: Path) -> None:
    """``if api_url is None: api_url = ...`` then a branch that adds the environment, and
    ``x if x else default`` for another client."""
    files = {
        "bolclient/api.py": f'''
            import requests


            class RetailerApi:
                def __init__(self, api_url=None, demo=False, session=None):
                    if api_url is None:
                        api_url = "https://api.bol.com"
                    if demo:
                        api_url = api_url + "/retailer-demo"
                    else:
                        api_url += "/retailer"
                    self.api_url = api_url
                    self.session = session if session is not None else requests.Session()
                    self.session.headers.update({ACCEPT})

                def orders(self):
                    return self.session.get(self.api_url + "/orders")


            class ShopApi:
                def __init__(self, base=None):
                    self.base = base if base else "https://api.bol.com/retailer"

                def returns(self):
                    return requests.get(self.base + "/returns", headers={ACCEPT})
        ''',
    }
    got = found(tmp_path, files)
    assert ("bolclient/api.py:17", "GET /retailer/orders") in got
    assert ("bolclient/api.py:25", "GET /retailer/returns") in got
    assert all(not s[1].startswith("?") for s in got)


def test_parameter_defaults_choose_method_and_base(tmp_path: Path) -> None:
    files = {
        "bol/http.py": f'''
            import requests

            HEADERS = {ACCEPT}


            def call(path, method="GET", base="https://api.bol.com/retailer", **kwargs):
                return requests.request(method, base + path, headers=HEADERS, **kwargs)
        ''',
        "bol/jobs.py": '''
            from bol.http import call


            def run(shipment):
                call("/orders")
                call("/shipments", method="POST", json=shipment)
                call("/orders", base="https://api.bol.com/retailer-demo")
        ''',
    }
    assert found(tmp_path, files) == {
        ("bol/jobs.py:5", "GET /retailer/orders"),
        ("bol/jobs.py:6", "POST /retailer/shipments"),
        ("bol/jobs.py:7", "GET /retailer/orders"),
    }


# ---------------------------------------------------------------------- subclasses


RESOURCES = {
    "bol/resource.py": f'''
        import requests


        class Resource:
            path = None
            base = "https://api.bol.com/retailer"

            def __init__(self, token):
                self.session = requests.Session()
                self.session.headers.update({ACCEPT})
                self.session.headers["Authorization"] = "Bearer " + token

            def list(self):
                return self.session.get(self.base + self.path)

            def get(self, ident):
                return self.session.get(f"{{self.base}}{{self.path}}/{{ident}}")
    ''',
    "bol/resources.py": '''
        from bol.resource import Resource


        class Orders(Resource):
            path = "/orders"


        class Returns(Resource):
            def __init__(self, token):
                super().__init__(token)
                self.path = "/returns"
    ''',
    "shop/jobs.py": '''
        from bol.resources import Orders, Returns


        def run(token, return_id):
            Orders(token).list()
            Returns(token).get(return_id)
            Returns(token).list()
    ''',
}


def test_an_attribute_each_subclass_sets_follows_the_call_sites(tmp_path: Path) -> None:
    """One class per endpoint group, the path a class attribute (or set in ``__init__``) of each
    subclass; the base class's method has no parameter for the path at all."""
    assert found(tmp_path, RESOURCES) == {
        ("shop/jobs.py:5", "GET /retailer/orders"),
        ("shop/jobs.py:6", "GET /retailer/returns/{return-id}"),
        ("shop/jobs.py:7", "GET /retailer/returns"),
    }


def test_the_base_class_itself_has_no_path_and_stays_unresolved(tmp_path: Path) -> None:
    files = dict(RESOURCES)
    files["shop/raw.py"] = '''
        from bol.resource import Resource


        def raw(token):
            return Resource(token).list()
    '''
    got = found(tmp_path, files)
    assert [s for s in got if s[0] == "shop/raw.py:5"] == [("shop/raw.py:5", "? GET /retailer{…}")]
    assert "None" in unresolved(tmp_path, files)["shop/raw.py:5"]


def test_a_method_each_subclass_overrides_follows_the_call_sites(tmp_path: Path) -> None:
    files = {
        "bol/resource.py": f'''
            BASE = "https://api.bol.com/retailer"


            class Resource:
                def __init__(self, session):
                    self.session = session

                def path(self):
                    raise NotImplementedError

                def list(self):
                    return self.session.get(BASE + self.path(), headers={ACCEPT})


            class Orders(Resource):
                def path(self):
                    return "/orders"


            class Invoices(Resource):
                def path(self):
                    return "/invoices"
        ''',
        "jobs.py": '''
            import requests

            from bol.resource import Invoices, Orders


            def run():
                session = requests.Session()
                Orders(session).list()
                Invoices(session).list()
        ''',
    }
    assert found(tmp_path, files) == {
        ("jobs.py:8", "GET /retailer/orders"),
        ("jobs.py:9", "GET /retailer/invoices"),
    }


# ---------------------------------------------------------------------- formatting


def test_format_percent_and_fstrings(tmp_path: Path) -> None:
    files = {
        "urls.py": '''
            BASE = "https://api.bol.com"
            ORDER = BASE + "/retailer/orders/{}"
            SHIPMENT = "%s/retailer/shipments/%s"
        ''',
        "client.py": f'''
            import requests

            from urls import BASE, ORDER, SHIPMENT

            H = {ACCEPT}


            def order(order_id):
                return requests.get(ORDER.format(order_id), headers=H)


            def shipment(shipment_id):
                return requests.get(SHIPMENT % (BASE, shipment_id), headers=H)


            def invoice(invoice_id):
                return requests.get("%(b)s/retailer/invoices/%(i)s" % {{"b": BASE, "i": invoice_id}}, headers=H)


            def ret(return_id):
                return requests.get(f"{{BASE}}/retailer/returns/{{return_id}}", headers=H)


            def offer(offer_id=None):
                url = "{{base}}/retailer/offers/{{id}}".format(base=BASE, id=offer_id) if offer_id else "{{0}}/retailer/orders".format(BASE)
                return requests.get(url, headers=H)
        ''',
    }
    assert found(tmp_path, files) == {
        ("client.py:9", "GET /retailer/orders/{order-id}"),
        ("client.py:13", "GET /retailer/shipments/{shipment-id}"),
        ("client.py:17", "GET /retailer/invoices/{invoice-id}"),
        ("client.py:21", "GET /retailer/returns/{return-id}"),
        ("client.py:26", "GET /retailer/offers/{offer-id}"),
        ("client.py:26", "GET /retailer/orders"),
    }


# ---------------------------------------------------------------------- endpoint tables


TABLES = {
    "shop/__init__.py": "",
    "shop/bol/__init__.py": "",
    "shop/bol/endpoints.py": '''
        ENDPOINTS = {
            "orders": "/retailer/orders",
            "order": "/retailer/orders/{order_id}",
            "returns": "/retailer/returns",
        }
        LEGACY = ["/retailer/offers/export", "/retailer/invoices"]
    ''',
    "shop/bol/client.py": f'''
        import requests

        from shop.bol.endpoints import ENDPOINTS, LEGACY

        BASE = "https://api.bol.com"
        H = {ACCEPT}


        def get(kind, **ids):
            return requests.get(BASE + ENDPOINTS[kind].format(**ids), headers=H)


        def invoices():
            return requests.get(BASE + LEGACY[1], headers=H)


        def by_get(kind):
            return requests.get(BASE + ENDPOINTS.get(kind), headers=H)
    ''',
    "shop/jobs.py": '''
        from shop.bol import client


        def run(order_id):
            client.get("orders")
            client.get("order", order_id=order_id)
            client.by_get("returns")
    ''',
}


def test_a_dict_and_a_list_table_in_another_module(tmp_path: Path) -> None:
    assert found(tmp_path, TABLES) == {
        ("shop/jobs.py:5", "GET /retailer/orders"),
        ("shop/jobs.py:6", "GET /retailer/orders/{order-id}"),
        ("shop/jobs.py:7", "GET /retailer/returns"),
        ("shop/bol/client.py:14", "GET /retailer/invoices"),
    }


def test_a_key_the_table_does_not_have_is_unresolved_and_named(tmp_path: Path) -> None:
    files = dict(TABLES)
    files["shop/typo.py"] = '''
        from shop.bol import client


        def typo():
            return client.get("orderz")
    '''
    got = found(tmp_path, files)
    assert [s for s in got if s[0] == "shop/typo.py:5"] == [("shop/typo.py:5", "? GET {…}")]
    assert "`ENDPOINTS` has no entry 'orderz'" in unresolved(tmp_path, files)["shop/typo.py:5"]


def test_a_class_attribute_table_of_method_and_path_rows(tmp_path: Path) -> None:
    files = {
        "shop/__init__.py": "",
        "shop/api.py": f'''
            import requests


            class BolClient:
                BASE = "https://api.bol.com/retailer"
                ROUTES = {{
                    "orders": ("GET", "/orders"),
                    "order": ("GET", "/orders/{{id}}"),
                    "ship": ("POST", "/shipments"),
                }}
                PATHS = {{"returns": "/returns", "return": "/returns/{{}}"}}

                def __init__(self, token):
                    self.session = requests.Session()
                    self.session.headers.update({ACCEPT})
                    self.session.headers["Authorization"] = "Bearer " + token

                def call(self, name, json=None, **ids):
                    method, path = self.ROUTES[name]
                    return self.session.request(method, self.BASE + path.format(**ids), json=json)

                def fetch(self, key, *args):
                    return self.session.get(self.BASE + BolClient.PATHS.get(key).format(*args))
        ''',
        "shop/jobs.py": '''
            from shop.api import BolClient


            def run(token, order_id, shipment, return_id):
                bol = BolClient(token)
                bol.call("orders")
                bol.call("order", id=order_id)
                bol.call("ship", json=shipment)
                bol.fetch("returns")
                bol.fetch("return", return_id)
        ''',
    }
    assert found(tmp_path, files) == {
        ("shop/jobs.py:6", "GET /retailer/orders"),
        ("shop/jobs.py:7", "GET /retailer/orders/{order-id}"),
        ("shop/jobs.py:8", "POST /retailer/shipments"),
        ("shop/jobs.py:9", "GET /retailer/returns"),
        ("shop/jobs.py:10", "GET /retailer/returns/{return-id}"),
    }


# ---------------------------------------------------------------------- wrappers


def test_an_own_decorator_around_the_sender_and_kwargs_forwarding(tmp_path: Path) -> None:
    files = {
        "bol/client.py": f'''
            import functools

            import requests


            def refresh_on_401(send):
                @functools.wraps(send)
                def wrapper(self, *args, **kwargs):
                    response = send(self, *args, **kwargs)
                    if response.status_code == 401:
                        self.login()
                        response = send(self, *args, **kwargs)
                    return response
                return wrapper


            def _send(**kwargs):
                return requests.request(timeout=30, **kwargs)


            class Client:
                BASE = "https://api.bol.com/retailer"

                def __init__(self):
                    self.session = requests.Session()
                    self.session.headers["Accept"] = "application/vnd.retailer.v10+json"

                def login(self):
                    pass

                @refresh_on_401
                def _get(self, path, **kwargs):
                    return self.session.get(self.BASE + path, **kwargs)

                def orders(self):
                    return self._get("/orders", params={{"page": 1}})

                def put(self, path, body):
                    return _send(method="PUT", url=self.BASE + path, json=body, headers={ACCEPT})

                def stock(self, offer_id, amount):
                    return self.put(f"/offers/{{offer_id}}/stock", {{"amount": amount}})
        ''',
    }
    assert found(tmp_path, files) == {
        ("bol/client.py:36", "GET /retailer/orders"),
        ("bol/client.py:42", "PUT /retailer/offers/{offer-id}/stock"),
    }


# ---------------------------------------------------------------------- async and OAuth2 clients


def test_a_lazily_made_async_session_and_async_requests(tmp_path: Path) -> None:
    files = {
        "bol/aio.py": f'''
            import aiohttp
            import httpx

            BASE = "https://api.bol.com"
            HEADERS = {ACCEPT}


            class AsyncBol:
                def __init__(self):
                    self._session = None

                async def _ensure_session(self):
                    if self._session is None:
                        self._session = aiohttp.ClientSession(base_url=BASE, headers=HEADERS)
                    return self._session

                async def _request(self, method, path, **kwargs):
                    session = await self._ensure_session()
                    async with session.request(method, path, **kwargs) as response:
                        return await response.json()

                async def orders(self):
                    return await self._request("GET", "/retailer/orders")

                async def ship(self, body):
                    return await self._request("POST", "/retailer/shipments", json=body,
                                               headers={{"Content-Type": "application/vnd.retailer.v10+json"}})


            async def invoices():
                client = httpx.AsyncClient(headers=HEADERS)
                response = await client.request("GET", BASE + "/retailer/invoices")
                await client.aclose()
                return response
        ''',
    }
    assert found(tmp_path, files) == {
        ("bol/aio.py:23", "GET /retailer/orders"),
        ("bol/aio.py:26", "POST /retailer/shipments"),
        ("bol/aio.py:32", "GET /retailer/invoices"),
    }


def test_oauth2_sessions_from_requests_oauthlib_and_authlib(tmp_path: Path) -> None:
    files = {
        "bol/oauth.py": f'''
            from authlib.integrations.httpx_client import AsyncOAuth2Client
            from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
            from oauthlib.oauth2 import BackendApplicationClient
            from requests_oauthlib import OAuth2Session

            BASE = "https://api.bol.com/retailer"
            TOKEN_URL = "https://login.bol.com/token"
            H = {ACCEPT}


            def with_oauthlib(client_id, client_secret):
                session = OAuth2Session(client=BackendApplicationClient(client_id=client_id))
                session.fetch_token(token_url=TOKEN_URL, client_id=client_id, client_secret=client_secret)
                return session.get(BASE + "/orders", headers=H)


            def with_authlib(client_id, client_secret):
                session = AuthlibSession(client_id, client_secret)
                session.fetch_token(TOKEN_URL, grant_type="client_credentials")
                return session.get(BASE + "/returns", headers=H)


            async def with_authlib_async(client_id, client_secret):
                async with AsyncOAuth2Client(client_id, client_secret) as client:
                    await client.fetch_token(TOKEN_URL, grant_type="client_credentials")
                    return await client.get(BASE + "/invoices", headers=H)
        ''',
    }
    assert found(tmp_path, files) == {
        ("bol/oauth.py:14", "GET /retailer/orders"),
        ("bol/oauth.py:20", "GET /retailer/returns"),
        ("bol/oauth.py:26", "GET /retailer/invoices"),
    }
    tokens = [r for r in requests_of(tmp_path, files) if r.kind == "token"]
    assert tokens == []  # token requests are not bol operations (requests_of leaves them out)


def test_a_partial_kept_on_self_and_a_decorator_that_takes_arguments(tmp_path: Path) -> None:
    files = {
        "bol/client.py": f'''
            import functools
            from enum import Enum

            import requests

            BASE = "https://api.bol.com/retailer"


            class Endpoint(str, Enum):
                ORDERS = "/orders"
                RETURNS = "/returns"


            def retrying(times):
                def decorate(send):
                    @functools.wraps(send)
                    def wrapper(*args, **kwargs):
                        for _ in range(times - 1):
                            try:
                                return send(*args, **kwargs)
                            except requests.ConnectionError:
                                pass
                        return send(*args, **kwargs)
                    return wrapper
                return decorate


            class Client:
                def __init__(self):
                    self.session = requests.Session()
                    self._get = functools.partial(self._request, "GET")

                @retrying(3)
                def _request(self, method, path, **kwargs):
                    return self.session.request(method, BASE + path, headers={ACCEPT}, **kwargs)

                def orders(self):
                    return self._get(Endpoint.ORDERS)

                def returns(self):
                    return self._request("GET", Endpoint.RETURNS.value)
        ''',
    }
    assert found(tmp_path, files) == {
        ("bol/client.py:38", "GET /retailer/orders"),
        ("bol/client.py:41", "GET /retailer/returns"),
    }


def test_authlib_clients_with_a_base_url_and_a_token_endpoint(tmp_path: Path) -> None:
    """authlib's httpx clients take ``base_url`` and ``token_endpoint`` in the constructor;
    ``fetch_token()`` without a URL goes to that endpoint: a token request, not an API call."""
    files = {
        "bol/auth.py": f'''
            from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuth2Client

            H = {ACCEPT}


            async def orders(client_id, client_secret):
                async with AsyncOAuth2Client(client_id, client_secret, base_url="https://api.bol.com/retailer",
                                             headers=H, token_endpoint="https://login.bol.com/token") as client:
                    await client.fetch_token(grant_type="client_credentials")
                    return await client.get("/orders")


            def returns(client_id, client_secret):
                client = OAuth2Client(client_id, client_secret, base_url="https://api.bol.com", headers=H)
                client.fetch_token("https://login.bol.com/token", grant_type="client_credentials")
                return client.request("GET", "/retailer/returns")
        ''',
    }
    assert found(tmp_path, files) == {
        ("bol/auth.py:10", "GET /retailer/orders"),
        ("bol/auth.py:16", "GET /retailer/returns"),
    }
    write_tree(tmp_path, case_files(files))
    project = audit(tmp_path).project
    assert project is not None
    tokens = sorted((r.site.span.line, r.url.host) for r in project.requests if r.kind == "token")
    assert tokens == [(9, "login.bol.com"), (15, "login.bol.com")]


def test_enum_members_passed_to_a_wrapper(tmp_path: Path) -> None:
    files = {
        "bol/endpoints.py": '''
            from enum import Enum


            class Endpoint(Enum):
                ORDERS = "/orders"
                RETURNS = "/returns"
                INVOICE = "/invoices/{}"
        ''',
        "bol/client.py": f'''
            import requests

            from bol.endpoints import Endpoint

            BASE = "https://api.bol.com/retailer"


            def call(endpoint: Endpoint, *ids):
                return requests.get(BASE + endpoint.value.format(*ids), headers={ACCEPT})


            def sync(invoice_id):
                call(Endpoint.ORDERS)
                call(Endpoint.INVOICE, invoice_id)
                call(Endpoint["RETURNS"])
        ''',
    }
    assert found(tmp_path, files) == {
        ("bol/client.py:13", "GET /retailer/orders"),
        ("bol/client.py:14", "GET /retailer/invoices/{invoice-id}"),
        ("bol/client.py:15", "GET /retailer/returns"),
    }
