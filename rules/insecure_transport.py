"""BOL304 insecure-transport."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from bolaudit.rules_api import (
    all_literals,
    Finding,
    Invalid,
    Project,
    ProjectRule,
    Severity,
    Span,
    Valid,
)


class InsecureTransport(ProjectRule):
    """A request to bol goes over plain HTTP, or with TLS certificate checks turned off.

    ## What it does
    Reports an `http://` URL literal whose host is one of bol's (`api.bol.com`, `login.bol.com`,
    `plazaapi.bol.com`), and a request that resolves to such a URL however it is built (a base
    URL in another module, `os.getenv` with a default). And it reports a request to a bol host
    made with TLS verification off: `verify=False` (requests, httpx, on the call or the client,
    or `session.verify = False` anywhere),
    `ssl=False` or `verify_ssl=False` (aiohttp, also through `TCPConnector(ssl=False)`), or an
    unverified SSL context (`ssl._create_unverified_context()`). Requests to other hosts, such
    as a local test server, are not reported.

    ## Why is this bad
    Every bol request carries a secret: the client secret on the way to the token service, the
    bearer token on every API call. Without TLS, or with certificates unchecked, anyone on the
    network path can read or replace them, and the token gives full access to the seller's
    account until it expires. bol serves its APIs over HTTPS only.

    ## Example
    ```python
    requests.post("http://login.bol.com/token", auth=(client_id, secret), verify=False)
    ```

    ## Use instead
    ```python
    requests.post("https://login.bol.com/token", auth=(client_id, secret))
    ```
    If a corporate proxy re-signs TLS, point `verify=` (or `REQUESTS_CA_BUNDLE`) at its CA bundle
    instead of turning verification off.

    ## Fix
    No automatic fix: use the `https://` URL and leave TLS verification on.

    ## References
    - Retailer API v10 (OpenAPI): its https server: <https://api.bol.com/retailer/public/apispec/Retailer%20API%20-%20v10>
    - bol's token service: <https://login.bol.com/token>
    """

    code = "BOL304"
    name = "insecure-transport"
    severity = Severity.ERROR

    VALID = [
        Valid(
            """
            import requests

            def token(client_id, secret):
                return requests.post("https://login.bol.com/token", auth=(client_id, secret),
                                     data={"grant_type": "client_credentials"},
                                     headers={"Accept": "application/json"})
            """
        ),
        Valid(
            """
            import httpx

            def local(server):
                # the test double of bol's token service runs on loopback without TLS
                with httpx.Client(base_url="http://127.0.0.1:8080", verify=False) as client:
                    return client.post("/token", data={"grant_type": "client_credentials"})
            """
        ),
        Valid(
            """
            import aiohttp

            CA = "/etc/ssl/corp-ca.pem"

            async def orders(token):
                async with aiohttp.ClientSession() as s:
                    async with s.get("https://api.bol.com/retailer/orders", ssl=True,
                                     headers={"Authorization": f"Bearer {token}"}) as r:
                        return await r.json()
            """
        ),
        Valid(
            """
            import requests

            def is_bol(url):
                # reject links a user pasted; they are compared, never fetched
                return url.startswith(("http://api.bol.com", "https://api.bol.com"))

            def order(session: requests.Session, order_id):
                return session.get(f"https://api.bol.com/retailer/orders/{order_id}",
                                   headers={"Accept": "application/vnd.retailer.v10+json"})
            """,
            note="an http:// bol URL only compared",
        ),
    ]
    INVALID = [
        Invalid(
            {
                "shop/config.py": """
                    import os
                    API = os.getenv("BOL_API", "http://api.bol.com/retailer")
                    """,
                "shop/orders.py": """
                    import requests
                    from shop.config import API

                    def orders(session: requests.Session):
                        return session.get(API + "/orders")
                    """,
            },
            path="shop/config.py",
            line=2,
            count=1,
            message="plain http",
        ),
        Invalid(
            """
            import requests

            class Bol:
                def __init__(self):
                    self.session = requests.Session()

                def token(self, client_id, secret):
                    return requests.post("https://login.bol.com/token", auth=(client_id, secret),
                                         data={"grant_type": "client_credentials"}, verify=False)
            """,
            line=8,
            message="verify=False",
        ),
        Invalid(
            """
            import ssl
            import urllib.request

            def orders(token):
                req = urllib.request.Request("https://api.bol.com/retailer/orders",
                                             headers={"Authorization": "Bearer " + token})
                return urllib.request.urlopen(req, context=ssl._create_unverified_context())
            """,
            line=5,
            message="TLS verification",
        ),
        Invalid(
            {
                "bol/session.py": """
                    import requests

                    class BolSession:
                        def __init__(self, token):
                            self.http = requests.Session()
                            self.http.verify = False  # the office proxy
                            self.http.headers["Authorization"] = f"Bearer {token}"
                    """,
                "bol/orders.py": """
                    from bol.session import BolSession

                    class Orders(BolSession):
                        def list(self):
                            return self.http.get("https://api.bol.com/retailer/orders").json()
                    """,
            },
            path="bol/orders.py",
            line=5,
            message="GET /retailer/orders",
        ),
        Invalid(
            """
            import aiohttp

            async def shipments(token):
                connector = aiohttp.TCPConnector(ssl=False)
                async with aiohttp.ClientSession(connector=connector) as s:
                    async with s.get("https://api.bol.com/retailer/shipments") as r:
                        return await r.json()
            """,
            line=6,
        ),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        cat = project.catalog
        reported: set[str] = set()
        for lit in all_literals(project.index):
            if not lit.text.lower().startswith("http://"):
                continue
            host = _host(lit.text)
            if host is None or cat.classify_url_host(host) == "other":
                continue
            reported.add(host)
            yield self.make_finding(
                lit.path, lit.span,
                f"plain http to {host}: bol's tokens and secrets would travel unencrypted; use https://",
                flagged=lit.text,
            )
        seen: set[tuple[str, Span, str]] = set()
        for req in project.requests:
            if not req.is_bol:
                continue
            host = req.url.host or ""
            if req.url.scheme == "http" and host not in reported and (req.path, req.http.span, "http") not in seen:
                seen.add((req.path, req.http.span, "http"))
                yield self.make_finding(
                    req.path, req.http.span,
                    f"{req.endpoint} goes to http://{host} in plain http: bol's tokens and "
                    f"secrets would travel unencrypted; use https://",
                    flagged=f"http://{host}{req.url.path_text}",
                )
            if req.verify_off and (req.path, req.http.span, "tls") not in seen:
                seen.add((req.path, req.http.span, "tls"))
                yield self.make_finding(
                    req.path, req.http.span,
                    f"TLS verification is turned off (verify=False or an unverified SSL context) for "
                    f"{req.endpoint} on {host}: anyone on the network path can read the token; "
                    f"remove it, or point verify= at your proxy's CA bundle",
                    flagged=f"verify-off {host}{req.url.path_text}",
                )


def _host(text: str) -> str | None:
    try:
        host = urlsplit(text.replace("{}", "x")).hostname
    except ValueError:
        return None
    return host
