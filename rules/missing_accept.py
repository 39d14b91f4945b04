"""BOL301 missing-accept."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import (
    accept_verdict,
    Finding,
    header_findings,
    Invalid,
    Project,
    ProjectRule,
    Severity,
    Valid,
)


class MissingAccept(ProjectRule):
    """A Retailer API request is sent without the Retailer media type in its Accept header.

    ## What it does
    Follows each request to bol's API through wrappers, base URLs in other modules and session
    defaults (`Session(headers=...)`, `session.headers.update(...)` in a `login()` method,
    `httpx.Client(headers=...)`, `aiohttp.ClientSession(headers=...)`, `**kwargs` passed on) to
    the headers it really sends, and reports the HTTP call when they certainly have no `Accept`,
    or an `Accept` that is not a media type the operation answers: `application/json`, `*/*`,
    `application/vnd.retailer.v10+json` for a v11-only resource, JSON for a PDF label. Comma
    lists are fine when one of them fits. When the headers cannot be fully known (a header dict
    from a file, a session passed in from outside), nothing is reported. Retired versions are
    BOL303's; requests to other hosts are never reported.

    ## Why is this bad
    bol: every Retailer API call needs `Accept: application/vnd.retailer.v10+json` (or the
    resource's own version, e.g. `application/vnd.retailer.v11+json` for offers v11 and
    `application/vnd.economic-operator.v1+json`, and `+pdf`/`+csv` for labels and exports);
    plain `application/json` is not the Retailer API's media type. The version is chosen by the
    media type, so a request without the right one fails, or gets an answer in a version the
    code was not written for.

    ## Example
    ```python
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}"})
    session.get("https://api.bol.com/retailer/orders")
    ```

    ## Use instead
    ```python
    session.headers.update({"Authorization": f"Bearer {token}",
                            "Accept": "application/vnd.retailer.v10+json"})
    ```

    ## Fix
    Fix available: `bolaudit check --fix` adds the Accept header to a literal `headers={...}`,
    or `headers={...}` to a call that passes none, when every request through the call lacks it
    and takes the same media type (`--diff` shows the change first).

    ## References
    - Retailer API v10 (OpenAPI): each operation's media types: <https://api.bol.com/retailer/public/apispec/Retailer%20API%20-%20v10>
    - Offers API v11 (OpenAPI): <https://api.bol.com/registry/api-definitions/offers/offers-v11.yaml>
    - Shared API v10: process status (OpenAPI): <https://api.bol.com/retailer/public/apispec/Shared%20API%20-%20v10>
    """

    code = "BOL301"
    name = "missing-accept"
    severity = Severity.ERROR

    VALID = [
        Valid(
            """
            import requests

            ACCEPT = "application/vnd.retailer.v10+json"

            class Bol:
                def __init__(self):
                    self.session = requests.Session()

                def login(self, token):
                    self.session.headers.update({"Authorization": f"Bearer {token}", "Accept": ACCEPT})

                def orders(self):
                    return self.session.get("https://api.bol.com/retailer/orders").json()
            """
        ),
        Valid(
            {
                "shop/config.py": 'import os\nBASE = os.getenv("BOL_URL", "https://api.bol.com/retailer")\n',
                "shop/labels.py": """
                    import httpx
                    from shop.config import BASE

                    async def label(token, label_id):
                        async with httpx.AsyncClient(base_url=BASE) as client:
                            return await client.get(
                                f"/shipping-labels/{label_id}",
                                headers={"Authorization": f"Bearer {token}",
                                         "Accept": "application/vnd.retailer.v10+pdf"},
                            )
                    """,
            },
            note="a PDF label: the catalog says +pdf",
        ),
        Valid(
            """
            import json
            import requests

            HEADERS = json.load(open("headers.json"))

            def stock(offer_id):
                return requests.get("https://api.bol.com/retailer/offers/" + offer_id, headers=HEADERS)

            def weather():
                return requests.get("https://api.example.com/weather", headers={"Accept": "application/json"})
            """,
            note="headers read from a file are unknown, not empty; other hosts are not bol's",
        ),
        Valid(
            """
            import aiohttp

            async def operators(token):
                headers = {"Authorization": f"Bearer {token}",
                           "Accept": "application/vnd.economic-operator.v1+json, application/json;q=0.5"}
                async with aiohttp.ClientSession(headers=headers) as s:
                    async with s.get("https://api.bol.com/retailer/economic-operators") as r:
                        return await r.json()
            """
        ),
        Valid(
            """
            import requests

            V10 = "application/vnd.retailer.v10+json"
            HEADERS = {"User-Agent": "shop/2.1"}

            def configure():
                HEADERS["Accept"] = V10

            class Bol:
                def __init__(self):
                    self.headers = {"User-Agent": "shop/2.1"}

                def login(self, token):
                    self.headers.update({"Authorization": "Bearer " + token, "Accept": V10})

                def orders(self):
                    return requests.get("https://api.bol.com/retailer/orders", headers=self.headers)

            def invoices():
                return requests.get("https://api.bol.com/retailer/invoices", headers=HEADERS)
            """,
            note="a dict attribute or constant completed in another function",
        ),
    ]
    INVALID = [
        Invalid(
            """
            import requests

            def orders(token):
                return requests.get(
                    "https://api.bol.com/retailer/orders",
                    headers={"Authorization": f"Bearer {token}"},  # the token
                )
            """,
            line=4,
            message="without an Accept header",
            fixed="""
            import requests

            def orders(token):
                return requests.get(
                    "https://api.bol.com/retailer/orders",
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.retailer.v10+json"},  # the token
                )
            """,
        ),
        Invalid(
            {
                "shop/settings.py": 'BOL_BASE = "https://api.bol.com/retailer"\n',
                "shop/client.py": """
                    import requests
                    from shop.settings import BOL_BASE

                    class Client:
                        def __init__(self, token):
                            self.session = requests.Session()
                            self.session.headers["Authorization"] = "Bearer " + token

                        def _request(self, method, path, **kwargs):
                            return self.session.request(method, BOL_BASE + path, **kwargs)

                        def shipments(self):
                            return self._request("GET", "/shipments")
                    """,
            },
            path="shop/client.py",
            line=10,
            count=1,
            message="GET /retailer/shipments is sent without an Accept header",
        ),
        Invalid(
            {
                "bolapi/__init__.py": "",
                "bolapi/config.py": 'import os\nAPI = os.getenv("BOL_API", "https://api.bol.com/retailer")\n',
                "bolapi/client.py": """
                    import requests
                    from bolapi.config import API

                    class Group:
                        def __init__(self, client, prefix):
                            self.client = client
                            self.prefix = prefix

                        def all(self, **params):
                            return self.client.call("GET", f"/{self.prefix}", params=params)

                    class Returns(Group):
                        def __init__(self, client):
                            super().__init__(client, "returns")

                    class Client:
                        def __init__(self):
                            self.http = requests.Session()
                            self.returns = Returns(self)

                        def login(self, token):
                            self.http.headers.update({"Authorization": f"Bearer {token}"})

                        def call(self, method, path, **kwargs):
                            return self.http.request(method, API + path, **kwargs)
                    """,
            },
            path="bolapi/client.py",
            line=25,
            message="GET /retailer/returns is sent without an Accept header",
        ),
        Invalid(
            """
            import httpx

            def invoices(token):
                with httpx.Client(base_url="https://api.bol.com/retailer",
                                  headers={"Accept": "application/json"}) as client:
                    return client.get("/invoices", headers={"Authorization": f"Bearer {token}"})
            """,
            line=6,
            message="is not a media type",
        ),
        Invalid(
            """
            import requests

            def label(label_id):
                return requests.get(f"https://api.bol.com/retailer/shipping-labels/{label_id}",
                                    headers={"Accept": "application/vnd.retailer.v10+json"})
            """,
            line=4,
            message="send Accept: application/vnd.retailer.v10+pdf",
        ),
        Invalid(
            """
            import requests

            def process_status(process_id):
                return requests.get("https://api.bol.com/shared/process-status/" + process_id)
            """,
            line=4,
            fixed="""
            import requests

            def process_status(process_id):
                return requests.get("https://api.bol.com/shared/process-status/" + process_id, headers={"Accept": "application/vnd.retailer.v10+json"})
            """,
        ),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        return header_findings(self, project, accept_verdict, "accept")
