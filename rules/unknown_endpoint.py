"""BOL306 unknown-endpoint."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import (
    Catalog,
    Finding,
    Invalid,
    Project,
    ProjectRule,
    ResolvedRequest,
    Severity,
    Span,
    Valid,
)


class UnknownEndpoint(ProjectRule):
    """A request to bol's API uses a method and path that no documented operation has.

    ## What it does
    Resolves each request to bol's API host (base URLs from other modules, wrappers such as
    `self._request("GET", "/orders")` several layers deep, path prefixes set in `__init__`) and
    reports, where the endpoint is chosen, a method and path that match no operation in bol's
    OpenAPI documents, with the nearest documented one ("did you mean GET /retailer/orders?").
    An unknown part of the path (an id, a value read at run time) stands for one path segment;
    a fixed word does not stand for an id (`PUT /retailer/orders/shipment` is not
    `/retailer/orders/{order-id}`). A path that v10 removed (`PUT
    /retailer/orders/{order-item-id}/shipment`) is reported with what v10 has instead.
    A path that is not known well enough (an unresolved parameter that may hold several
    segments, an unknown method) is not reported; nor are bol APIs outside the catalog
    (advertising) or other hosts.

    ## Why is this bad
    A method and path bol does not document fail at run time (not found, method not allowed),
    usually in a code path nobody tests: a typo (`/retailer/order`), a missing API prefix
    (`https://api.bol.com/orders`), a method the path does not take (`POST` where bol wants
    `PUT`), or a path from an API version that is gone.

    ## Example
    ```python
    session.put(f"{BASE}/offers/{offer_id}/stok", json={"amount": 3})
    ```

    ## Use instead
    ```python
    session.put(f"{BASE}/offers/{offer_id}/stock", json={"amount": 3})
    ```

    ## Fix
    No automatic fix: the path bol documents closest to the one called is in the message; which
    one was meant is for the code's author to say.

    ## References
    - Retailer API v10 (OpenAPI): <https://api.bol.com/retailer/public/apispec/Retailer%20API%20-%20v10>
    - Offers API v11 (OpenAPI): <https://api.bol.com/registry/api-definitions/offers/offers-v11.yaml>
    - Economic Operators API v1 (OpenAPI): <https://api.bol.com/registry/api-definitions/economic-operators/economic-operators-v1.yaml>
    - Retailers API v11 (OpenAPI): <https://api.bol.com/registry/api-definitions/retailers/retailers-v11.yaml>
    - Delivery Promise API v1 (OpenAPI): <https://api.bol.com/registry/api-definitions/delivery-promise/delivery-promise-v1.yaml>
    - Shared API v10 (OpenAPI): <https://api.bol.com/retailer/public/apispec/Shared%20API%20-%20v10>
    """

    code = "BOL306"
    name = "unknown-endpoint"
    severity = Severity.ERROR

    VALID = [
        Valid(
            {
                "bol/config.py": 'import os\nURL = os.getenv("BOL_URL", "https://api.bol.com/retailer")\n',
                "bol/client.py": """
                    import requests
                    from bol.config import URL

                    class Client:
                        def __init__(self):
                            self.session = requests.Session()

                        def _request(self, method, path, **kwargs):
                            return self.session.request(method, f"{URL}{path}", **kwargs)

                        def order(self, order_id):
                            return self._request("GET", f"/orders/{order_id}")

                        def cancel(self, items):
                            return self._request("PUT", "/orders/cancellation", json={"orderItems": items})
                    """,
            }
        ),
        Valid(
            """
            import requests

            def fetch(path):
                return requests.get("https://api.bol.com/retailer" + path)

            def campaigns(session):
                return session.get("https://api.bol.com/advertiser/sponsored-products/campaign-management/campaigns")
            """,
            note="a path nobody passes is unresolved, not undocumented; advertising is not in the catalog",
        ),
        Valid(
            """
            import httpx

            async def status(client: httpx.AsyncClient, process_id):
                return await client.get(f"https://api.bol.com/shared/process-status/{process_id}")
            """
        ),
        Valid(
            """
            import requests

            ADS = "https://api.bol.com/advertiser/sponsored-products/campaign-management"

            def campaigns(session: requests.Session, page):
                return session.post(f"{ADS}/campaigns/list", json={"page": page},
                                    headers={"Accept": "application/vnd.advertiser.v11+json",
                                             "Content-Type": "application/vnd.advertiser.v11+json"})
            """,
            note="the Advertising API is bol's, but outside the Retailer catalog: listed as not covered by scopes",
        ),
        Valid(
            {
                "connector/bol.py": """
                    import requests

                    class BolApi:
                        BASE = "https://api.bol.com/retailer"

                        def __init__(self, token):
                            self.session = requests.Session()
                            self.session.headers.update({"Authorization": f"Bearer {token}",
                                                         "Accept": "application/vnd.retailer.v10+json"})

                        def get(self, path, **params):
                            return self.session.get(self.BASE + path, params=params)
                    """,
                "connector/sync.py": """
                    from woocommerce import API
                    from connector.bol import BolApi

                    def sync(bol: BolApi, shop: API, settings: dict, rows):
                        for row in rows:
                            status = row.get("status")
                            if settings.get("dry_run") or status != "open":
                                continue
                            wc = shop.get(f"orders/{row['id']}").json()
                            bol.get("/orders", status=wc.get("status"))
                    """,
            },
            note="dict look-ups and a shop system's client are no bol requests, whatever `get` the project defines",
        ),
    ]
    INVALID = [
        Invalid(
            """
            import requests

            BASE = "https://api.bol.com/retailer"

            def update_stock(session: requests.Session, offer_id, amount):
                return session.put(f"{BASE}/offers/{offer_id}/stok", json={"amount": amount})
            """,
            line=6,
            message="did you mean PUT /retailer/offers/{offer-id}/stock",
        ),
        Invalid(
            {
                "shop/api.py": """
                    import requests

                    class Group:
                        def __init__(self, api, prefix):
                            self.api = api
                            self.prefix = prefix

                        def list(self):
                            return self.api.request("GET", f"/{self.prefix}")

                    class Api:
                        base = "https://api.bol.com/retailer"

                        def __init__(self):
                            self.session = requests.Session()
                            self.orders = Group(self, "orders")
                            self.shipment = Group(self, "shipment")

                        def request(self, method, path):
                            return self.session.request(method, self.base + path)
                    """,
            },
            path="shop/api.py",
            line=9,
            count=1,
            message="GET /retailer/shipment",
        ),
        Invalid(
            """
            import requests

            def orders(token):
                return requests.get("https://api.bol.com/orders",
                                    headers={"Authorization": f"Bearer {token}"})
            """,
            line=4,
            message="did you mean GET /retailer/orders",
        ),
        Invalid(
            """
            import requests

            def ship(token, body):
                return requests.put("https://api.bol.com/retailer/shipments", json=body)
            """,
            line=4,
            message="that path takes GET, POST",
        ),
        Invalid(
            """
            # A v3-era client method group: the order item is shipped on its own path, which v10
            # no longer has (shipments are created with POST /retailer/shipments).
            import requests

            class OrderMethods:
                def __init__(self, session, base="https://api.bol.com/retailer"):
                    self.session, self.base = session, base

                def ship_order_item(self, order_item_id, transport):
                    url = "{}/orders/{}/shipment".format(self.base, order_item_id)
                    return self.session.put(url, json={"transport": transport})
            """,
            line=11,
            message="was removed before v10 and fails now; v10 has POST /retailer/shipments",
        ),
        Invalid(
            """
            # A fixed word where the document has an id: PUT /retailer/orders/shipment only fits
            # GET /retailer/orders/{order-id} by taking "shipment" for an order id.
            import requests

            HEADERS = {"Accept": "application/vnd.retailer.v10+json",
                       "Content-Type": "application/vnd.retailer.v10+json"}


            def ship(session: requests.Session, body):
                return session.put("https://api.bol.com/retailer/orders/shipment", json=body, headers=HEADERS)
            """,
            line=10,
            message="`shipment` would be the {order-id} of GET /retailer/orders/{order-id}",
        ),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        seen: set[tuple[str, Span, str]] = set()
        aliases = {p.segments[0]: p.alias_of for p in project.catalog.prefixes if p.alias_of}
        for req in project.requests:
            if not req.undocumented:
                continue
            # The demo API has the live API's paths: one finding for both.
            endpoint = req.endpoint
            for alias, real in aliases.items():
                endpoint = endpoint.replace(f" /{alias}/", f" /{real}/")
            key = (req.site.path, req.site.span, endpoint)
            if key in seen:
                continue
            seen.add(key)
            yield self.make_finding(
                req.site.path,
                req.site.span,
                _message(project.catalog, req),
                flagged=req.endpoint,
            )


def _message(cat: Catalog, req: ResolvedRequest) -> str:
    assert req.url.segments is not None
    via = f" (sent by {req.path}:{req.http.span.line})" if req.site != req.call_site else ""
    gone = req.operation
    if gone is not None and gone.removed:
        return (f"{req.endpoint} is not a documented bol API operation: {gone.method} {gone.path} was "
                f"removed before v10 and fails now; v10 has {gone.removed}{via}")
    segments = req.url.segments
    why = "no documented operation has this path"
    if cat.api_prefix(segments) == "unknown":
        prefixes = ", ".join("/" + "/".join(p.segments) for p in cat.prefixes if p.status == "covered")
        why = f"the path does not start with a bol API prefix ({prefixes})"
        segments = ("retailer", *segments)
    else:
        same_path = cat.match(None, segments)
        takes = sorted({op.method for op in same_path.candidates if not op.removed})
        word = cat.word_for_parameter(segments)
        if word is not None:
            why = f"no documented operation has this path ({word})"
        elif takes and not any(_guess(op.path, segments) for op in same_path.candidates):
            why = f"that path takes {', '.join(takes)}"
    near = cat.nearest(req.method, segments)
    if near is None:
        # The right path under another API (process status lives under /shared).
        for prefix in (p for p in cat.prefixes if p.status == "covered" and not p.alias_of):
            near = near or cat.nearest(req.method, (*prefix.segments, *segments[1:]))
    hint = ""
    if near is not None and (near.method == req.method or why.startswith("no") or why.startswith("the path")):
        hint = f"; did you mean {near.method} {near.path}?"
    return f"{req.endpoint} is not a documented bol API operation: {why}{hint}{via}"


def _guess(template: str, segments: tuple[str | None, ...]) -> bool:
    """Whether an unknown segment stands where the template has fixed text."""
    parts = template.strip("/").split("/")
    return any(have is None and not want.startswith("{") for want, have in zip(parts[-len(segments):], segments))
