"""BOL302 missing-content-type."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import (
    content_type_verdict,
    Finding,
    header_findings,
    Invalid,
    Project,
    ProjectRule,
    Severity,
    Valid,
)


class MissingContentType(ProjectRule):
    """A Retailer API request with a body does not send the Retailer media type as Content-Type.

    ## What it does
    Reports an HTTP call that sends a body (`json=`, `data=`, `content=`) to bol's API when the
    effective headers (session defaults, the call's own, `**kwargs` passed on) certainly give
    no `Content-Type` or one the operation does not take. `json=` alone makes requests, httpx
    and aiohttp send `Content-Type: application/json`, which is only right for the few
    operations bol documents with it (`POST /retailer/returns`, `POST /retailer/products/list`).
    File uploads (`files=`, multipart) and headers that cannot be fully known are not reported.

    ## Why is this bad
    bol: every Retailer API call needs the Retailer media type, and a body needs the matching
    `Content-Type` (`application/vnd.retailer.v10+json`, or the resource's own version such as
    `application/vnd.retailer.v11+json` for offers v11). Plain `application/json` is not the
    Retailer API's media type. A request that breaks this contract fails at run time, often only
    in production, when that code path finally runs.

    ## Example
    ```python
    session.put(f"{BASE}/orders/cancellation", json=body,
                headers={"Accept": "application/vnd.retailer.v10+json"})
    ```

    ## Use instead
    ```python
    session.put(f"{BASE}/orders/cancellation", json=body,
                headers={"Accept": "application/vnd.retailer.v10+json",
                         "Content-Type": "application/vnd.retailer.v10+json"})
    ```

    ## Fix
    Fix available: `bolaudit check --fix` adds the Content-Type header to a literal
    `headers={...}`, or `headers={...}` to a call that passes none, when every request through
    the call lacks it and takes the same media type (`--diff` shows the change first).

    ## References
    - Retailer API v10 (OpenAPI): each operation's request media types: <https://api.bol.com/retailer/public/apispec/Retailer%20API%20-%20v10>
    - Offers API v11 (OpenAPI): <https://api.bol.com/registry/api-definitions/offers/offers-v11.yaml>
    """

    code = "BOL302"
    name = "missing-content-type"
    severity = Severity.ERROR

    VALID = [
        Valid(
            """
            import requests

            V10 = "application/vnd.retailer.v10+json"

            class Bol:
                def __init__(self, token):
                    self.s = requests.Session()
                    self.s.headers.update({"Authorization": f"Bearer {token}", "Accept": V10,
                                           "Content-Type": V10})

                def ship(self, order_item_id):
                    return self.s.post("https://api.bol.com/retailer/shipments",
                                       json={"orderItems": [{"orderItemId": order_item_id}]})
            """
        ),
        Valid(
            """
            import requests

            def register_return(token, body):
                return requests.post(
                    "https://api.bol.com/retailer/returns",
                    json=body,
                    headers={"Authorization": f"Bearer {token}",
                             "Accept": "application/vnd.retailer.v10+json"},
                )
            """,
            note="bol documents POST /retailer/returns with application/json",
        ),
        Valid(
            """
            import httpx

            async def offer_v11(client: httpx.AsyncClient, offer_id, body):
                return await client.patch(f"https://api.bol.com/retailer/offers/{offer_id}", json=body,
                                          headers={"Accept": "application/vnd.retailer.v11+json",
                                                   "Content-Type": "application/vnd.retailer.v11+json"})

            def upload(token, shipment_id, pdf):
                import requests
                return requests.post(f"https://api.bol.com/retailer/shipments/invoices/{shipment_id}",
                                     files={"invoice": pdf},
                                     headers={"Authorization": f"Bearer {token}",
                                              "Accept": "application/vnd.retailer.v10+json"})
            """,
            note="the client's own defaults are unknown but the call's are complete; multipart",
        ),
    ]
    INVALID = [
        Invalid(
            """
            import requests

            ACCEPT = {"Accept": "application/vnd.retailer.v10+json"}

            def cancel(token, items):
                return requests.put(
                    "https://api.bol.com/retailer/orders/cancellation",
                    json={"orderItems": items},
                    headers={
                        "Authorization": "Bearer " + token,
                        "Accept": "application/vnd.retailer.v10+json",
                    },
                )
            """,
            line=6,
            message="`json=` makes the client send Content-Type: application/json",
            fixed="""
            import requests

            ACCEPT = {"Accept": "application/vnd.retailer.v10+json"}

            def cancel(token, items):
                return requests.put(
                    "https://api.bol.com/retailer/orders/cancellation",
                    json={"orderItems": items},
                    headers={
                        "Authorization": "Bearer " + token,
                        "Accept": "application/vnd.retailer.v10+json",
                        "Content-Type": "application/vnd.retailer.v10+json",
                    },
                )
            """,
        ),
        Invalid(
            {
                "bol/base.py": """
                    import os
                    import requests

                    class Api:
                        base = os.environ.get("BOL_API", "https://api.bol.com/retailer")

                        def __init__(self, token):
                            self.session = requests.Session()
                            self.session.headers.update({"Authorization": f"Bearer {token}",
                                                         "Accept": "application/vnd.retailer.v10+json"})

                        def post(self, path, **kwargs):
                            return self.session.post(self.base + path, **kwargs)
                    """,
                "bol/replenish.py": """
                    from bol.base import Api

                    class Replenishments(Api):
                        def create(self, body):
                            return self.post("/replenishments", json=body)
                    """,
            },
            path="bol/base.py",
            line=13,
            message="POST /retailer/replenishments",
        ),
        Invalid(
            """
            import json
            import aiohttp

            async def update_stock(token, offer_id, amount):
                headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.retailer.v10+json",
                           "Content-Type": "application/json"}
                async with aiohttp.ClientSession(headers=headers) as session:
                    url = f"https://api.bol.com/retailer/offers/{offer_id}/stock"
                    async with session.put(url, data=json.dumps({"amount": amount})) as resp:
                        return resp.status
            """,
            line=9,
            message="the body is sent as Content-Type: application/json",
        ),
        Invalid(
            """
            import requests

            def subscribe(session, url):
                return requests.post("https://api.bol.com/retailer/subscriptions",
                                     data='{"resources": ["PROCESS_STATUS"], "url": "%s"}' % url)
            """,
            line=4,
            fixed="""
            import requests

            def subscribe(session, url):
                return requests.post("https://api.bol.com/retailer/subscriptions",
                                     data='{"resources": ["PROCESS_STATUS"], "url": "%s"}' % url,
                                     headers={"Accept": "application/vnd.retailer.v10+json", "Content-Type": "application/vnd.retailer.v10+json"})
            """,
        ),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        return header_findings(self, project, content_type_verdict, "content-type")
