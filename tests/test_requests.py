"""What each HTTP call really sends, resolved across the project: the exact list for a fixture
integration, and the evaluation of every pattern the resolver must cover, one at a time."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bolaudit.resolve.requests import ResolvedRequest
from bolaudit.resolve.values import DVal, SVal, combine, split_url
from bolaudit.rulebase import case_files
from conftest import audit, write_tree

FIXTURE = Path(__file__).parent / "fixtures" / "integrations" / "shopsync"

Row = tuple[str, str, str, str, str, tuple[tuple[str, str], ...], str]


def row(r: ResolvedRequest) -> Row:
    """(call, site, METHOD url, operation, body, headers, unresolved reason up to its details)."""
    op = r.operation.operation_id if r.operation else ("undocumented" if r.undocumented else "-")
    headers = tuple(sorted(r.headers.as_dict().items())) + ((("…", "open"),) if r.headers.open else ())
    url = f"{r.url.scheme}://{r.url.host}{r.url.path_text}" if r.url.host else r.url.path_text
    why = (r.unresolved or "").split(":", 1)[0]
    return (
        f"{r.path}:{r.http.span.line}",
        f"{r.site.path}:{r.site.span.line}",
        f"{r.method or '?'} {url}",
        op,
        r.body or "-",
        headers,
        why,
    )


def resolved(root: Path, files: dict[str, str] | str | None = None) -> list[ResolvedRequest]:
    if files is not None:
        write_tree(root, case_files(files))
    result = audit(root)
    project = result.project
    assert project is not None
    return list(project.requests)  # type: ignore[attr-defined]


AUTH = ("authorization", "Bearer {?}")
V10 = "application/vnd.retailer.v10+json"
V11 = "application/vnd.retailer.v11+json"

EXPECTED: list[Row] = [
    ("shopsync/bol/auth.py:13", "shopsync/bol/auth.py:13", "POST https://login.bol.com/token", "-",
     "data", (("accept", "application/json"),), ""),
    ("shopsync/bol/client.py:26", "shopsync/bol/resources.py:23", "GET https://api.bol.com/retailer/orders",
     "get-orders", "-", (("accept", V10), AUTH), ""),
    ("shopsync/bol/client.py:26", "shopsync/bol/resources.py:26",
     "GET https://api.bol.com/retailer/orders/{?}", "get-order", "-", (("accept", V10), AUTH), ""),
    ("shopsync/bol/client.py:26", "shopsync/bol/resources.py:37",
     "GET https://api.bol.com/retailer/offers/{?}", "get-offer", "-", (("accept", V11), AUTH), ""),
    ("shopsync/bol/client.py:26", "shopsync/bol/resources.py:29",
     "PUT https://api.bol.com/retailer/orders/cancellation", "cancel-order-item", "json",
     (("accept", V10), AUTH, ("content-type", V10)), ""),
    ("shopsync/bol/client.py:26", "shopsync/bol/resources.py:40",
     "PATCH https://api.bol.com/retailer/offers/{?}", "update-offer", "json",
     (("accept", V11), AUTH, ("content-type", V11)), ""),
    ("shopsync/bol/client.py:26", "shopsync/bol/resources.py:49",
     "POST https://api.bol.com/retailer/shipments", "create-shipment", "json",
     (("accept", V10), AUTH, ("content-type", V10)), ""),
    ("shopsync/bol/client.py:26", "shopsync/jobs.py:22", "GET https://api.bol.com/retailer/{?}", "-", "-",
     (("accept", V10), AUTH), "the path is not fully known (parameter `path` of `export` has no known caller)"),
    ("shopsync/bol/labels.py:14", "shopsync/bol/labels.py:14",
     "POST https://api.bol.com/retailer/shipping-labels/delivery-options", "get-delivery-options", "json",
     (("accept", V10), AUTH, ("content-type", V10)), ""),
    ("shopsync/bol/labels.py:22", "shopsync/bol/labels.py:22",
     "GET https://api.bol.com/retailer/shipping-labels/{?}", "get-shipping-label", "-",
     (("accept", "application/vnd.retailer.v10+pdf"), AUTH), ""),
    ("shopsync/bol/labels.py:37", "shopsync/bol/labels.py:37", "GET https://api.bol.com/retailer/invoices",
     "get-invoices", "-", (("accept", V10), AUTH), ""),
    ("shopsync/bol/labels.py:31", "shopsync/bol/labels.py:31",
     "GET https://api.bol.com/shared/process-status/{?}", "get-process-status", "-",
     (("accept", V10), AUTH), ""),
    ("shopsync/jobs.py:17", "shopsync/jobs.py:17", "POST https://hooks.slack.com/services/T000/B000/placeholder",
     "-", "json", (), ""),
    ("shopsync/jobs.py:33", "shopsync/jobs.py:33", "GET https://api.bol.com/retailer/orders", "get-orders", "-",
     (("…", "open"),), ""),
    ("shopsync/jobs.py:28", "shopsync/jobs.py:28", "GET https://api.bol.com/retailer/{?}", "-", "-",
     (("accept", V10), AUTH), "the path is not fully known (result of `open(...).read()`)"),
]


@pytest.fixture
def shopsync(tree: Path) -> Path:
    shutil.copytree(FIXTURE, tree, dirs_exist_ok=True)
    return tree


def test_every_request_of_the_fixture_integration(shopsync: Path) -> None:
    """Method, path, operation, body and effective headers of every request, unresolved ones
    included with their reason: exactly these, in this order."""
    assert [row(r) for r in resolved(shopsync)] == EXPECTED


def test_the_fixture_integration_is_well_formed(shopsync: Path) -> None:
    result = audit(shopsync, select=("BOL3",))
    assert [(f.code, f.path, f.span.line, f.message) for f in result.findings] == []


def test_unresolved_requests_are_never_matched(shopsync: Path) -> None:
    for r in resolved(shopsync):
        if r.unresolved is not None:
            assert r.operation is None and not r.undocumented, row(r)
        if r.kind != "api":
            assert r.operation is None and not r.undocumented, row(r)


# ---------------------------------------------------------------------------------- patterns


def one(tree: Path, files: dict[str, str] | str) -> ResolvedRequest:
    found = resolved(tree, files)
    assert len(found) == 1, [row(r) for r in found]
    return found[0]


URLS = [
    pytest.param('BASE = "https://api.bol.com/retailer"\nURL = f"{BASE}/orders/{order_id}"', "/retailer/orders/{?}", id="f-string"),
    pytest.param('URL = "https://api.bol.com/retailer/%s/%s" % ("orders", order_id)', "/retailer/orders/{?}", id="percent"),
    pytest.param('T = "https://api.bol.com/retailer/orders/%(id)s"\nURL = T % {"id": order_id}', "/retailer/orders/{?}", id="percent-dict"),
    pytest.param('URL = "https://api.bol.com/{api}/{}/{}".format("orders", order_id, api="retailer")', "/retailer/orders/{?}", id="format"),
    pytest.param('from urllib.parse import urljoin\nURL = urljoin("https://api.bol.com/retailer/", "orders")', "/retailer/orders", id="urljoin"),
    pytest.param('from urllib.parse import urljoin\nURL = urljoin("https://api.bol.com/retailer/x", "/shared/process-status")', "/shared/process-status", id="urljoin-absolute"),
    pytest.param('PARTS = ["https://api.bol.com", "retailer", "orders"]\nURL = "/".join(PARTS)', "/retailer/orders", id="join-name"),
    pytest.param('URL = "/".join(["https://api.bol.com/retailer", "orders", order_id])', "/retailer/orders/{?}", id="join"),
    pytest.param('import os\nURL = os.getenv("BOL", "https://api.bol.com/retailer") + "/orders"', "/retailer/orders", id="getenv-default"),
    pytest.param('import os\nURL = os.environ.get("BOL", default="https://api.bol.com") + "/retailer/orders"', "/retailer/orders", id="environ-get-default"),
    pytest.param('B = "https://api.bol.com/retailer/"\nURL = B.rstrip("/") + "/" + "orders".strip("/")', "/retailer/orders", id="strip"),
]


@pytest.mark.parametrize(("build", "path"), URLS)
def test_url_building(tree: Path, build: str, path: str) -> None:
    lines = "\n".join("    " + line for line in build.splitlines())
    code = f"import requests\n\ndef get(order_id):\n{lines}\n    return requests.get(URL)\n"
    r = one(tree, code)
    assert (r.url.host, r.url.path_text, r.unresolved) == ("api.bol.com", path, None)


def test_constants_across_modules_with_aliases(tree: Path) -> None:
    r = one(tree, {
        "pkg/__init__.py": "",
        "pkg/settings/__init__.py": "from .urls import API as RETAILER\n",
        "pkg/settings/urls.py": 'HOST = "https://api.bol.com"\nAPI = HOST + "/retailer"\n',
        "pkg/consts.py": 'ORDERS = "/orders"\n',
        "pkg/client.py": (
            "import requests\nfrom pkg.settings import RETAILER as BASE\nimport pkg.consts as c\n\n"
            "def orders():\n    return requests.get(BASE + c.ORDERS)\n"
        ),
    })
    assert (r.endpoint, r.operation and r.operation.operation_id) == ("GET /retailer/orders", "get-orders")


def test_class_attributes_and_prefix_from_super_init(tree: Path) -> None:
    found = resolved(tree, """
        import requests

        class Api:
            HOST = "https://api.bol.com"
            VERSION_PATH = "/retailer"

            def __init__(self, group):
                self.group = group
                self.session = requests.Session()

            def call(self, method, sub=""):
                return self.session.request(method, self.HOST + self.VERSION_PATH + "/" + self.group + sub)

        class Returns(Api):
            def __init__(self):
                super().__init__("returns")

            def all(self):
                return self.call("GET")

        class Invoices(Api):
            def __init__(self):
                super().__init__(group="invoices")

            def one(self, invoice_id):
                return self.call("GET", sub=f"/{invoice_id}")
        """)
    assert sorted(r.endpoint for r in found) == ["GET /retailer/invoices/{?}", "GET /retailer/returns"]
    assert all(r.operation is not None for r in found)


def test_wrappers_two_layers_deep_bind_keywords_defaults_and_kwargs(tree: Path) -> None:
    found = resolved(tree, """
        import requests

        BASE = "https://api.bol.com/retailer"
        V10 = "application/vnd.retailer.v10+json"

        class Client:
            def __init__(self):
                self.s = requests.Session()

            def _request(self, method, path, *, params=None, **kwargs):
                return self.s.request(method, BASE + path, params=params, **kwargs)

            def _get(self, path, **kwargs):
                return self._request("GET", path, **kwargs)

            def _put(self, path, body, headers=None):
                return self._request(path=path, method="PUT", json=body, headers=headers)

            def inventory(self):
                return self._get("/inventory", headers={"Accept": V10}, params={"page": 2})

            def cancel(self, items):
                return self._put("/orders/cancellation", {"orderItems": items},
                                 headers={"Accept": V10, "Content-Type": V10})
        """)
    by = {r.endpoint: r for r in found}
    assert set(by) == {"GET /retailer/inventory", "PUT /retailer/orders/cancellation"}
    assert by["GET /retailer/inventory"].headers.as_dict() == {"accept": V10}
    assert by["GET /retailer/inventory"].params.as_dict() == {"page": "2"}
    assert by["PUT /retailer/orders/cancellation"].headers.as_dict() == {"accept": V10, "content-type": V10}
    assert by["PUT /retailer/orders/cancellation"].body == "json"
    assert [r.site.span.line for r in found] == [20, 23]


def test_session_headers_set_in_login_reach_requests_in_other_methods(tree: Path) -> None:
    r = one(tree, """
        import requests

        class Bol:
            def __init__(self):
                self.session = requests.Session()
                self.session.headers["User-Agent"] = "shop/1.0"

            def login(self, token):
                self.session.headers.update({"authorization": "Bearer " + token})
                self.session.headers["ACCEPT"] = "application/vnd.retailer.v10+json"

            def returns(self):
                return self.session.get("https://api.bol.com/retailer/returns", headers={"X-Request": "1"})
        """)
    assert r.headers == DVal((
        ("user-agent", "User-Agent", SVal.of("shop/1.0")),
        ("authorization", "authorization", SVal(("Bearer ", r.headers.entries[1][2].parts[1]))),
        ("accept", "ACCEPT", SVal.of("application/vnd.retailer.v10+json")),
        ("x-request", "X-Request", SVal.of("1")),
    ))


def test_header_dict_merges_and_local_updates(tree: Path) -> None:
    r = one(tree, """
        import requests

        BASE_HEADERS = {"Accept": "application/json", "User-Agent": "x"}

        def returns(token):
            headers = {**BASE_HEADERS, "accept": "application/vnd.retailer.v10+json"}
            headers["Authorization"] = f"Bearer {token}"
            headers.update(Connection="close")
            return requests.get("https://api.bol.com/retailer/returns", headers=headers)
        """)
    assert r.headers.as_dict() == {
        "user-agent": "x", "accept": "application/vnd.retailer.v10+json",
        "authorization": "Bearer {?}", "connection": "close",
    }
    assert not r.headers.open


def test_httpx_base_url_and_async_client(tree: Path) -> None:
    found = resolved(tree, """
        import httpx

        API = "https://api.bol.com/retailer"

        class Async:
            def __init__(self, token):
                self.client = httpx.AsyncClient(base_url=API, headers={"Accept": "application/vnd.retailer.v10+json"})

            async def promotions(self):
                return await self.client.get("promotions", params={"promotion-type": "AWARENESS"})

        def sync_client():
            with httpx.Client(base_url=API + "/") as c:
                return c.get("/replenishments")
        """)
    assert [(r.endpoint, r.library, r.headers.as_dict()) for r in found] == [
        ("GET /retailer/promotions", "httpx", {"accept": "application/vnd.retailer.v10+json"}),
        ("GET /retailer/replenishments", "httpx", {}),
    ]


def test_aiohttp_session_headers_with_async_with(tree: Path) -> None:
    r = one(tree, """
        import aiohttp

        async def insights(token):
            async with aiohttp.ClientSession(headers={"Accept": "application/vnd.retailer.v10+json"}) as session:
                async with session.get("https://api.bol.com/retailer/insights/offer", params={"offer-id": "1"}) as resp:
                    return await resp.json()
        """)
    assert (r.library, r.endpoint, r.headers.as_dict(), r.unresolved) == (
        "aiohttp", "GET /retailer/insights/offer", {"accept": "application/vnd.retailer.v10+json"}, None
    )


def test_unknown_session_defaults_stay_unknown(tree: Path) -> None:
    found = resolved(tree, """
        import requests
        import requests_cache

        def from_outside(session):
            return session.get("https://api.bol.com/retailer/orders")

        def cached():
            s = requests_cache.CachedSession()
            return s.get("https://api.bol.com/retailer/orders", headers={"Accept": "application/json"})

        def passed_in(session=None):
            s = session or requests.Session()
            return s.get("https://api.bol.com/retailer/orders")
        """)
    assert len(found) == 3
    assert all(r.headers.open for r in found), [row(r) for r in found]
    assert found[0].headers.get("accept") == SVal.of("application/json")


def test_kwargs_pass_through_of_headers_and_unknown_kwargs(tree: Path) -> None:
    found = resolved(tree, """
        import json
        import requests

        def send(url, **kwargs):
            return requests.get(url, **kwargs)

        def a():
            return send("https://api.bol.com/retailer/orders", headers={"Accept": "application/vnd.retailer.v10+json"})

        def b():
            return send("https://api.bol.com/retailer/returns", **json.load(open("opts.json")))
        """)
    assert [(r.endpoint, r.headers.as_dict(), r.headers.open) for r in found] == [
        ("GET /retailer/orders", {"accept": "application/vnd.retailer.v10+json"}, False),
        ("GET /retailer/returns", {}, True),
    ]


def test_a_loop_over_a_literal_list_of_paths(tree: Path) -> None:
    found = resolved(tree, """
        import requests

        def export(session: requests.Session):
            for path in ("/retailer/invoices", "/retailer/returns"):
                session.get("https://api.bol.com" + path)
        """)
    assert [r.endpoint for r in found] == ["GET /retailer/invoices", "GET /retailer/returns"]


def test_non_bol_and_unknown_hosts_are_listed_but_not_bol(tree: Path) -> None:
    found = resolved(tree, """
        import os
        import requests

        def a():
            return requests.get("https://example.com/retailer/orders")

        def b():
            return requests.get(os.environ["SHOP_URL"] + "/orders")

        def c():
            return requests.get("https://api.bol.com/retailer/orders")
        """)
    kinds = [(r.kind, r.is_bol, r.unresolved is None) for r in found]
    assert kinds == [("other", False, True), ("unknown", False, False), ("api", True, True)]
    assert found[1].unresolved == "the URL is not known: environment variable SHOP_URL"


def test_a_client_method_is_not_a_project_method_of_the_same_name(tree: Path) -> None:
    """``self.session.get(url)`` inside ``Offers.get`` is a request, though ``session`` is not
    known and the project has a ``get``; ``client.get("/orders")`` on an unknown object is the
    project's wrapper of that name."""
    found = resolved(tree, """
        import requests

        class Offers:
            BASE = "https://api.bol.com/retailer/offers"

            def __init__(self, session):
                self.session = session

            def get(self, offer_id):
                return self.session.get(f"{self.BASE}/{offer_id}",
                                        headers={"Accept": "application/vnd.retailer.v11+json"})

        class BolClient:
            def __init__(self):
                self.s = requests.Session()

            def fetch(self, path):
                return self.s.get("https://api.bol.com/retailer" + path)

        def sync(client):
            return client.fetch("/orders")
        """)
    assert [(r.endpoint, r.site.span.line, r.operation and r.operation.operation_id) for r in found] == [
        ("GET /retailer/orders", 21, "get-orders"),
        ("GET /retailer/offers/{?}", 10, "get-offer"),
    ]


def test_no_request_rule_reports_on_other_hosts(tree: Path) -> None:
    write_tree(tree, case_files("""
        import requests
        import httpx

        SHOP = "http://shop.example.com/api"

        def sync(key, body):
            requests.get(SHOP + "/retailer/orderz?apikey=" + key, verify=False,
                         headers={"Accept": "application/vnd.retailer.v8+json"})
            requests.post("https://hooks.example.com/retailer/offers", json=body,
                          headers={"Accept": "application/json", "Content-Type": "application/json"})
            with httpx.Client(base_url="http://127.0.0.1:8080/retailer", verify=False) as c:
                c.put("/shipments", json=body)

        def bol_too(token):
            return requests.get("https://api.bol.com/retailer/orders",
                                headers={"Authorization": f"Bearer {token}",
                                         "Accept": "application/vnd.retailer.v10+json"})
        """))
    result = audit(tree, select=("BOL3",))
    assert [(f.code, f.span.line, f.message) for f in result.findings] == []


def test_method_from_a_parameter_with_no_caller_is_unresolved(tree: Path) -> None:
    r = one(tree, """
        import requests

        def call(method):
            return requests.request(method, "https://api.bol.com/retailer/orders")
        """)
    assert r.operation is None and not r.undocumented
    assert (r.unresolved or "").startswith("the HTTP method is not known")


# ---------------------------------------------------------------------------------- values


SPLITS = [
    (SVal.of("https://api.bol.com/retailer/orders?page=2"), ("api.bol.com", ("retailer", "orders"), False, "page=2")),
    (SVal(("https://api.bol.com/retailer/orders/", SVal.hole("id").parts[0])), ("api.bol.com", ("retailer", "orders", None), False, None)),
    (SVal(("https://api.bol.com/retailer", SVal.hole("path").parts[0])), ("api.bol.com", ("retailer",), True, None)),
    (SVal(("https://api.bol.com", SVal.hole("path").parts[0])), ("api.bol.com", (), True, None)),
    (SVal(("https://", SVal.hole("host").parts[0], "/retailer")), (None, None, False, None)),
    (SVal(("https://api.bol.com/retailer/orders-", SVal.hole("x").parts[0])), ("api.bol.com", ("retailer", None), False, None)),
    (SVal(("https://api.bol.com/", SVal.hole("a").parts[0], SVal.hole("b").parts[0])), ("api.bol.com", (), True, None)),
]


@pytest.mark.parametrize(("value", "expected"), SPLITS)
def test_split_url(value: SVal, expected: tuple[object, ...]) -> None:
    u = split_url(value)
    assert (u.host, u.segments, u.open_tail, u.query) == expected


def test_combined_headers_are_only_as_certain_as_every_alternative() -> None:
    a = DVal((("accept", "Accept", SVal.of("x")), ("b", "B", SVal.of("1"))))
    b = DVal((("accept", "Accept", SVal.of("x")), ("b", "B", SVal.of("2"))))
    c = DVal((("accept", "Accept", SVal.of("x")),))
    both = combine([a, b])
    assert both.get("accept") == SVal.of("x") and both.get("b") is not None and both.get("b").known is None  # type: ignore[union-attr]
    assert not both.open
    some = combine([a, c])
    assert some.open and some.get("b") is None and not some.certainly_lacks("b")
    assert combine([]).open


def test_resolution_is_bounded_and_says_where_it_stopped(tree: Path) -> None:
    """Wrappers nested deeper than the resolver follows, and a constant with a huge number of
    possible values, end in unresolved requests that say why; nothing is dropped or guessed."""
    layers = "\n".join(
        f"def w{i}(path):\n    return w{i - 1}(path)\n" for i in range(1, 12)
    )
    choices = "\n".join(f"P{i} = P{i - 1} if FLAG else P{i - 1} + '/x'" for i in range(1, 10))
    found = resolved(tree, {
        "deep.py": (
            "import requests\n\ndef w0(path):\n    return requests.get('https://api.bol.com/retailer' + path)\n\n"
            f"{layers}\n\ndef main():\n    w11('/orders')\n    w2('/returns')\n"
        ),
        "wide.py": (
            "import requests\nFLAG = len('x') > 0\nP0 = 'https://api.bol.com/retailer/orders'\n"
            f"{choices}\n\ndef main():\n    return requests.get(P9)\n"
        ),
    })
    deep = [r for r in found if r.path == "deep.py"]
    assert sorted((r.endpoint, r.unresolved is None) for r in deep) == [
        ("GET /retailer/returns", True), ("GET /retailer{…}", False),
    ]
    assert any("wrappers more than 8 calls deep are not followed" in (r.unresolved or "") for r in deep)
    wide = [r for r in found if r.path == "wide.py"]
    assert 1 <= len(wide) <= 16
    assert all(r.operation is None or r.endpoint == "GET /retailer/orders" for r in wide)


def test_a_dispatch_on_the_method_sends_only_the_branch_taken(tree: Path) -> None:
    found = resolved(tree, """
        import json
        import requests

        class Api:
            base = "https://api.bol.com/retailer"
            headers = {"Accept": "application/vnd.retailer.v10+json",
                       "Content-Type": "application/vnd.retailer.v10+json"}

            def send(self, method, url, data=None, headers=None):
                merged = self.headers.copy()
                if headers:
                    merged.update(headers)
                full = "{base}/{url}".format(base=self.base, url=url)
                if method == "GET":
                    return requests.get(full, params=data, headers=merged)
                elif method.upper() in ("POST", "PUT"):
                    return requests.request(method, full, data=json.dumps(data), headers=merged)

            def orders(self):
                return self.send("GET", "orders")

            def cancel(self, items):
                return self.send("PUT", "orders/cancellation", {"orderItems": items})
        """)
    assert [(r.endpoint, r.site.span.line, r.headers.as_dict()["accept"]) for r in found] == [
        ("GET /retailer/orders", 20, "application/vnd.retailer.v10+json"),
        ("PUT /retailer/orders/cancellation", 23, "application/vnd.retailer.v10+json"),
    ]


def test_defaults_filled_in_by_the_function_give_way_to_arguments(tree: Path) -> None:
    found = resolved(tree, """
        import requests

        BASE = "https://api.bol.com/retailer"

        class C:
            def __init__(self):
                self.s = requests.Session()

            def request(self, path, method=None, headers=None):
                if method is None:
                    method = "GET"
                headers = headers or {"Accept": "application/vnd.retailer.v10+json"}
                return self.s.request(method, BASE + path, headers=headers)

            def cancel(self):
                return self.request("/orders/cancellation", "PUT", {"Accept": "application/vnd.retailer.v10+json",
                                                                  "Content-Type": "application/vnd.retailer.v10+json"})

            def orders(self):
                return self.request("/orders")
        """)
    assert [(r.endpoint, sorted(r.headers.as_dict())) for r in found] == [
        ("PUT /retailer/orders/cancellation", ["accept", "content-type"]),
        ("GET /retailer/orders", ["accept"]),
    ]


def test_base_classes_and_groups_in_modules_that_never_say_bol(tree: Path) -> None:
    found = resolved(tree, {
        "lib/__init__.py": "",
        "lib/base.py": "class Endpoint:\n    def __init__(self, api, name):\n        self.api = api\n        self.name = name\n",
        "lib/groups.py": (
            "from .base import Endpoint\n\nclass Returns(Endpoint):\n    def __init__(self, api):\n"
            "        super(Returns, self).__init__(api, 'returns')\n\n    def all(self):\n"
            "        return self.api.get(self.name)\n"
        ),
        "lib/api.py": (
            "import requests\nfrom .groups import Returns\n\nclass Api:\n"
            "    URL = 'https://api.bol.com/retailer'\n\n    def __init__(self):\n"
            "        self.returns = Returns(self)\n\n    def get(self, path):\n"
            "        return requests.get(f'{self.URL}/{path}')\n"
        ),
    })
    assert [(r.endpoint, r.site.path) for r in found] == [("GET /retailer/returns", "lib/groups.py")]


def test_a_path_parameter_nobody_binds_is_unresolved_not_undocumented(tree: Path) -> None:
    r = one(tree, """
        import requests

        def put(url, body):
            return requests.put("https://api.bol.com/retailer/" + url, json=body)
        """)
    assert not r.undocumented and r.operation is None
    assert (r.unresolved or "").startswith("the path is not fully known (parameter `url` of `put`")
