"""BOL201 token-fetch-in-loop."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import (
    callee_text,
    chain_text,
    Finding,
    Invalid,
    Project,
    ProjectRule,
    Severity,
    Valid,
)


ADVICE = (
    "request the token once and reuse it: cache it until `expires_in` minus a small margin "
    "(bol's tokens live 299 s), or use an OAuth2 session that refreshes it by itself"
)

_CLIENT = '''
import requests

TOKEN_URL = "https://login.bol.com/token"
API = "https://api.bol.com/retailer"


class BolClient:
    def __init__(self, client_id, client_secret):
        self.client_id = client_id
        self.client_secret = client_secret
        self.session = requests.Session()

    def _headers(self):
        resp = self.session.post(
            TOKEN_URL,
            data={"grant_type": "client_credentials"},
            auth=(self.client_id, self.client_secret),
            headers={"Accept": "application/json"},
        )
        resp.raise_for_status()
        token = resp.json()["access_token"]
        return {"Authorization": f"Bearer {token}", "Accept": "application/vnd.retailer.v10+json"}

    def get_order(self, order_id):
        return self.session.get(f"{API}/orders/{order_id}", headers=self._headers()).json()
'''

_CACHED_CLIENT = '''
import time

import requests

TOKEN_URL = "https://login.bol.com/token"
API = "https://api.bol.com/retailer"


class BolClient:
    def __init__(self, client_id, client_secret):
        self.client_id = client_id
        self.client_secret = client_secret
        self.session = requests.Session()
        self._token = None
        self._expires_at = 0.0

    def _get_token(self):
        if self._token is not None and time.time() < self._expires_at - 30:
            return self._token
        resp = self.session.post(
            TOKEN_URL,
            data={"grant_type": "client_credentials"},
            auth=(self.client_id, self.client_secret),
            headers={"Accept": "application/json"},
        )
        resp.raise_for_status()
        body = resp.json()
        self._token = body["access_token"]
        self._expires_at = time.time() + body["expires_in"]
        return self._token

    def get_order(self, order_id):
        headers = {"Authorization": f"Bearer {self._get_token()}",
                   "Accept": "application/vnd.retailer.v10+json"}
        return self.session.get(f"{API}/orders/{order_id}", headers=headers).json()
'''


_WORK_ITEMS = '''
            import os
            import requests

            ACCOUNTS = {"nl-shop": "SHOP_NL", "be-shop": "SHOP_BE"}

            def get_token(account):
                prefix = ACCOUNTS[account]
                resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=(os.environ[prefix + "_CLIENT_ID"], os.environ[prefix + "_CLIENT_SECRET"]),
                                     headers={"Accept": "application/json"})
                return resp.json()["access_token"]

            def confirm(token, line):
                requests.post("https://api.bol.com/retailer/shipments",
                              json={"orderItems": [{"orderItemId": line.order_item_id}]},
                              headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.retailer.v10+json",
                                       "Content-Type": "application/vnd.retailer.v10+json"})
            '''


class TokenFetchInLoop(ProjectRule):
    """A loop that calls the bol API requests a new token on every iteration.

    ## What it does
    Finds a call inside a loop body (`for`, `while`, `async for`, comprehensions, `map(...)`,
    `asyncio.gather(*(... for ...))`) that requests a new token from `login.bol.com/token` every
    time it runs, directly or through a chain of calls in any module (`sync.py` loops over
    orders and calls `BolClient.get_order`, which calls `self._headers()`, which posts to the
    token service), when the same loop also makes API requests. It is reported at the call in
    the loop body, with the chain that leads to the token request.

    A token fetched behind a working cache (an attribute or `global` with an expiry check, a
    dict, file or database cache, a caching decorator), a re-login after a 401, a retry loop
    around the token request alone, and one token per account in a loop over accounts or shops
    (the loop's variable feeds the credentials) are not reported.

    ## Why is this bad
    bol's tokens are meant to be reused until they expire (`expires_in`: 299 seconds). The
    token service's rate limits are far lower than the API's, and bol bans the IP address of
    integrations that request a token per API call. A loop over a few hundred orders is enough to
    hit the limit, and then every request of the integration fails, not just this loop.

    ## Example
    ```python
    def sync(client, order_ids):
        for order_id in order_ids:
            client.get_order(order_id)  # get_order posts to login.bol.com/token every time
    ```

    ## Use instead
    ```python
    class BolClient:
        def _get_token(self):
            if self._token and time.time() < self._expires_at - 30:
                return self._token
            body = self.session.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                                     auth=(self.client_id, self.client_secret)).json()
            self._token = body["access_token"]
            self._expires_at = time.time() + body["expires_in"]
            return self._token
    ```
    Or fetch one token before the loop, or use `requests_oauthlib.OAuth2Session` /
    `authlib`'s `OAuth2Session`, which keep the token and refresh it when it expires.

    ## Fix
    No automatic fix: caching a token is a design change (a cache with its expiry, or an OAuth2
    session).

    ## References
    - bol's token service (client credentials: Basic auth, `grant_type=client_credentials`): <https://login.bol.com/token>
    """

    code = "BOL201"
    name = "token-fetch-in-loop"
    severity = Severity.ERROR

    VALID = [
        Valid(
            {
                "shop/__init__.py": "",
                "shop/bol/__init__.py": "",
                "shop/bol/client.py": _CACHED_CLIENT,
                "shop/sync.py": """
                    from shop.bol.client import BolClient

                    def sync(order_ids, store):
                        client = BolClient(store.client_id, store.client_secret)
                        for order_id in order_ids:
                            store.save(client.get_order(order_id))
                """,
            },
            note="the client caches its token on self with an expiry check",
        ),
        Valid(
            """
            import requests

            TOKEN_URL = "https://login.bol.com/token"
            API = "https://api.bol.com/retailer"

            def get_token(client_id, client_secret):
                resp = requests.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                                     auth=(client_id, client_secret), headers={"Accept": "application/json"})
                resp.raise_for_status()
                return resp.json()["access_token"]

            def list_orders(token, page):
                headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.retailer.v10+json"}
                return requests.get(f"{API}/orders", params={"page": page}, headers=headers).json()

            def sync_all(accounts):
                for account in accounts:
                    token = get_token(account.client_id, account.client_secret)
                    for page in range(1, 50):
                        orders = list_orders(token, page).get("orders", [])
                        if not orders:
                            break
                        account.store(orders)
            """,
            note="one token per account in a loop over accounts",
        ),
        Valid(
            """
            import time
            import requests

            TOKEN_URL = "https://login.bol.com/token"
            API = "https://api.bol.com/retailer"

            def fetch_token(client_id, client_secret):
                for attempt in range(3):
                    try:
                        resp = requests.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                                             auth=(client_id, client_secret), timeout=10)
                        resp.raise_for_status()
                        return resp.json()["access_token"]
                    except requests.RequestException:
                        time.sleep(2 ** attempt)
                raise RuntimeError("bol token service unavailable")

            def ship_all(client_id, client_secret, shipments):
                token = fetch_token(client_id, client_secret)
                headers = {"Authorization": f"Bearer {token}",
                           "Accept": "application/vnd.retailer.v10+json",
                           "Content-Type": "application/vnd.retailer.v10+json"}
                for shipment in shipments:
                    requests.post(f"{API}/shipments", json=shipment, headers=headers)
            """,
            note="a retry loop around the token request alone; one token for the batch",
        ),
        Valid(
            """
            import time
            import requests

            TOKEN_URL = "https://login.bol.com/token"
            _TOKEN = None
            _EXPIRES_AT = 0.0

            def bol_token():
                global _TOKEN, _EXPIRES_AT
                if _TOKEN is None or time.time() > _EXPIRES_AT - 15:
                    resp = requests.post(TOKEN_URL + "?grant_type=client_credentials",
                                         auth=("id", "secret"), headers={"Accept": "application/json"})
                    body = resp.json()
                    _TOKEN = body["access_token"]
                    _EXPIRES_AT = time.time() + body["expires_in"]
                return _TOKEN

            def stock_levels(offer_ids):
                return [
                    requests.get(f"https://api.bol.com/retailer/offers/{offer_id}",
                                 headers={"Authorization": "Bearer " + bol_token(),
                                          "Accept": "application/vnd.retailer.v10+json"}).json()
                    for offer_id in offer_ids
                ]
            """,
            note="a module-level global token cache",
        ),
        Valid(
            """
            from oauthlib.oauth2 import BackendApplicationClient
            from requests_oauthlib import OAuth2Session

            TOKEN_URL = "https://login.bol.com/token"

            def make_session(client_id, client_secret):
                session = OAuth2Session(client=BackendApplicationClient(client_id=client_id),
                                        auto_refresh_url=TOKEN_URL)
                session.fetch_token(token_url=TOKEN_URL, client_id=client_id, client_secret=client_secret)
                return session

            def returns(client_id, client_secret, return_ids):
                session = make_session(client_id, client_secret)
                for return_id in return_ids:
                    session.get(f"https://api.bol.com/retailer/returns/{return_id}",
                                headers={"Accept": "application/vnd.retailer.v10+json"})
            """,
            note="an OAuth2 session made once, outside the loop",
        ),
        Valid(
            """
            import requests

            TOKEN_URL = "https://login.bol.com/token"
            API = "https://api.bol.com/retailer"

            def login(client_id, client_secret):
                resp = requests.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                                     auth=(client_id, client_secret))
                return resp.json()["access_token"]

            def fetch_orders(client_id, client_secret, order_ids):
                token = login(client_id, client_secret)
                out = []
                for order_id in order_ids:
                    resp = requests.get(f"{API}/orders/{order_id}",
                                        headers={"Authorization": f"Bearer {token}",
                                                 "Accept": "application/vnd.retailer.v10+json"})
                    if resp.status_code == 401:
                        token = login(client_id, client_secret)
                        resp = requests.get(f"{API}/orders/{order_id}",
                                            headers={"Authorization": f"Bearer {token}",
                                                     "Accept": "application/vnd.retailer.v10+json"})
                    out.append(resp.json())
                return out
            """,
            note="re-login only after a 401",
        ),
        Valid(
            {
                "shop/__init__.py": "",
                "shop/bol/__init__.py": "",
                "shop/bol/client.py": _CLIENT,
                "shop/jobs.py": """
                    from shop.bol.client import BolClient

                    def sync_shops(shops):
                        for shop in shops:
                            client = BolClient(shop.client_id, shop.client_secret)
                            shop.save(client.get_order(shop.last_order_id))
                """,
            },
            note="a client per shop, with that shop's credentials",
        ),
        Valid(
            _WORK_ITEMS + '''
            from collections import defaultdict

            def push_tracking(lines):
                by_account = defaultdict(list)
                for line in lines:
                    by_account[line.account_name].append(line)
                for account, items in by_account.items():
                    token = get_token(account)
                    for line in items:
                        confirm(token, line)
            ''',
            note="order lines grouped by account first: one token per account for all of its lines",
        ),
    ]
    INVALID = [
        Invalid(
            {
                "shop/__init__.py": "",
                "shop/bol/__init__.py": "",
                "shop/bol/client.py": _CLIENT,
                "shop/sync.py": """
                    from shop.bol.client import BolClient

                    def sync(order_ids, store):
                        client = BolClient(store.client_id, store.client_secret)
                        for order_id in order_ids:
                            store.save(client.get_order(order_id))
                """,
            },
            path="shop/sync.py",
            line=6,
            count=1,
            message="via BolClient.get_order -> BolClient._headers",
        ),
        Invalid(
            {
                "bol/__init__.py": "",
                "bol/aio.py": """
                    import httpx

                    class AsyncBol:
                        def __init__(self, client_id, client_secret):
                            self.client_id = client_id
                            self.client_secret = client_secret
                            self.http = httpx.AsyncClient(base_url="https://api.bol.com/retailer")

                        async def _token(self):
                            resp = await self.http.post("https://login.bol.com/token",
                                                        data={"grant_type": "client_credentials"},
                                                        auth=(self.client_id, self.client_secret))
                            return resp.json()["access_token"]

                        async def get_order(self, order_id):
                            token = await self._token()
                            resp = await self.http.get(f"/orders/{order_id}",
                                                       headers={"Authorization": f"Bearer {token}",
                                                                "Accept": "application/vnd.retailer.v10+json"})
                            return resp.json()
                """,
                "app.py": """
                    import asyncio
                    import os

                    from bol.aio import AsyncBol

                    async def main(order_ids):
                        client = AsyncBol(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])
                        return await asyncio.gather(*(client.get_order(o) for o in order_ids))
                """,
            },
            path="app.py",
            line=8,
            message="via AsyncBol.get_order -> AsyncBol._token",
        ),
        Invalid(
            """
            import requests
            from concurrent.futures import ThreadPoolExecutor

            def token():
                resp = requests.post("https://login.bol.com/token",
                                     data={"grant_type": "client_credentials"}, auth=("id", "secret"))
                return resp.json()["access_token"]

            def fetch(order_id):
                return requests.get(f"https://api.bol.com/retailer/orders/{order_id}",
                                    headers={"Authorization": f"Bearer {token()}",
                                             "Accept": "application/vnd.retailer.v10+json"}).json()

            def fetch_all(order_ids):
                with ThreadPoolExecutor(8) as pool:
                    return list(pool.map(fetch, order_ids))
            """,
            line=16,
            message="via fetch -> token",
        ),
        Invalid(
            """
            import requests

            def confirm_shipments(shipments, client_id, client_secret):
                for shipment in shipments:
                    resp = requests.post("https://login.bol.com/token",
                                         data={"grant_type": "client_credentials"},
                                         auth=(client_id, client_secret))
                    token = resp.json()["access_token"]
                    requests.put(f"https://api.bol.com/retailer/orders/{shipment['order_item_id']}/shipment",
                                 json={"shipmentReference": shipment["reference"]},
                                 headers={"Authorization": f"Bearer {token}",
                                          "Accept": "application/vnd.retailer.v10+json",
                                          "Content-Type": "application/vnd.retailer.v10+json"})
            """,
            line=5,
            count=1,
        ),
        Invalid(
            {
                "integrations/__init__.py": "",
                "integrations/bol.py": """
                    import os
                    import requests

                    class Bol:
                        def __init__(self):
                            self.session = requests.Session()
                            self.session.headers["Accept"] = "application/vnd.retailer.v10+json"
                            self._login()

                        def _login(self):
                            resp = requests.post("https://login.bol.com/token?grant_type=client_credentials",
                                                 auth=(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"]))
                            self.session.headers["Authorization"] = "Bearer " + resp.json()["access_token"]

                        def offer(self, offer_id):
                            return self.session.get(f"https://api.bol.com/retailer/offers/{offer_id}").json()
                """,
                "integrations/prices.py": """
                    from integrations.bol import Bol

                    def current_prices(offer_ids):
                        prices = {}
                        for offer_id in offer_ids:
                            prices[offer_id] = Bol().offer(offer_id)["pricing"]
                        return prices
                """,
            },
            path="integrations/prices.py",
            line=6,
            message="via Bol.__init__ -> Bol._login",
        ),
        Invalid(
            _WORK_ITEMS + '''
            def push_tracking(lines):
                for line in lines:
                    token = get_token(line.account_name)
                    confirm(token, line)
            ''',
            line=21,
            message="the call to `get_token` requests a new bol token on every iteration",
        ),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        flow = project.tokenflow
        for fetch in flow.loop_fetches:
            path = fetch.scope[0]
            site = fetch.request.site
            where = f"line {site.span.line}" if site.path == path else f"{site.path}:{site.span.line}"
            loop = {"comprehension": "comprehension", "map": "`map`"}.get(fetch.loop.kind, f"`{fetch.loop.kind}` loop")
            if fetch.chain:
                names = chain_text(fetch.chain)
                first = fetch.chain[0][1] or "<module>"
                if first.endswith(".__init__"):
                    what = f"creating a `{first[: -len('.__init__')]}`"
                else:
                    what = f"the call to `{first}`"
                message = (
                    f"{what} requests a new bol token on every iteration of this {loop} "
                    f"(via {names}; token request at {where}), and the loop also calls the API: {ADVICE}"
                )
                flagged = f"{callee_text(fetch.call.callee)}|{names}"
            else:
                message = (
                    f"this token request runs on every iteration of the {loop}, which also calls "
                    f"the API: {ADVICE}"
                )
                flagged = f"token-request|{fetch.scope[1]}"
            yield self.make_finding(path, fetch.call.span, message, flagged=flagged,
                                    properties=(("token_request", f"{site.path}:{site.span.line}"),))
