"""BOL202 token-not-reused."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import (
    chain_text,
    Finding,
    Invalid,
    PerCallFetch,
    Project,
    ProjectRule,
    Severity,
    Valid,
)


REASON = (
    "bol's tokens are meant to be reused until they expire, and the token service's rate limits are "
    "far lower than the API's (a token per request gets the IP banned)"
)
ADVICE = (
    "cache the token until `expires_in` minus a small margin, or use an OAuth2 session that "
    "refreshes it by itself"
)

_AUTH = '''
import requests

TOKEN_URL = "https://login.bol.com/token"


def get_token(client_id, client_secret):
    resp = requests.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        auth=(client_id, client_secret),
        headers={"Accept": "application/json"},
        timeout=10,
    )
    resp.raise_for_status()
    return resp.json()["access_token"]
'''


class TokenNotReused(ProjectRule):
    """A function requests a new bol token every time it is called, for a single API request.

    ## What it does
    Reports the token request of a function that fetches a new token on every call and is
    itself called for each API request: a method that posts to `login.bol.com/token` and then
    sends one API request, a `_headers()` helper that builds the `Authorization` header with a
    fresh token for every request, a web route that logs in for every page view, an
    `OAuth2Session` built and `fetch_token`-ed for each request. The message names the function
    called per request and the chain down to the token request
    (`via BolClient.get_order -> BolClient._headers`).

    Entry points count as callers that run once per outside event, whatever they send: a
    Django function or class-based view (its `setup()`/`__init__` too: `as_view()` makes an
    instance per request), a DRF `APIView`/`ViewSet` method, a Flask/FastAPI/Starlette route and
    a FastAPI dependency (`Depends(...)`) of one, a Celery task, an AWS Lambda or Cloud Functions
    handler, an MCP tool, an Odoo cron method or button (`_cron_*`, `action_*`), a scheduler job
    (`schedule.every(1).minutes.do(job)`, APScheduler's `add_job`/`@scheduled_job`). The message
    names the entry point. A token kept on `flask.g` or on a view instance lives for one request,
    so it is no cache.

    It also reports a token cache that can never hit: a refresh margin at least as long as the
    token lives (`time.time() < expires_at - 300` when `expires_at = now + expires_in` and bol's
    tokens live 299 s) makes every call fetch a new token. The margin counts wherever it is
    written, in the stored expiry (`now + timedelta(seconds=expires_in - 300)`) or in the
    comparison, in seconds, `timedelta`, `time.time()`, `time.monotonic()`,
    `datetime.now()`/`utcnow()`, module constants, or against the JWT's own `exp` claim (bol's:
    `exp - iat` is 300 s).

    Not reported: a token kept on `self`, in a `global`, a dict, a file or a database row with an
    expiry check, a caching decorator (`functools.lru_cache`, `cachetools.cached(TTLCache(...))`),
    a re-login only after a 401, a function that fetches one token for a batch of requests, a
    scheduler job that only refreshes a stored token or runs less often than a token lives
    (hourly), and a script's `main()` run once. A cache that keeps a token too long is BOL206's.

    ## Why is this bad
    bol's tokens live 299 seconds and are meant to be reused until they expire. The token
    service's rate limits are far lower than the API's; integrations that request a token per
    API call overload it and get their IP address banned, which stops every request of the
    integration. A token request also doubles the latency of every API call.

    ## Example
    ```python
    def get_order(self, order_id):
        token = requests.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                              auth=(self.client_id, self.client_secret)).json()["access_token"]
        return requests.get(f"{API}/orders/{order_id}", headers={"Authorization": f"Bearer {token}"})
    ```

    ## Use instead
    ```python
    def _get_token(self):
        if self._token and time.time() < self._expires_at - 30:
            return self._token
        body = requests.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                             auth=(self.client_id, self.client_secret)).json()
        self._token, self._expires_at = body["access_token"], time.time() + body["expires_in"]
        return self._token
    ```
    Keep the margin small (seconds, not minutes), or let `requests_oauthlib.OAuth2Session` /
    `authlib` keep and refresh the token.

    ## Fix
    No automatic fix: caching a token is a design change (a cache with its expiry, or an OAuth2
    session).

    ## References
    - bol's token service (client credentials: Basic auth, `grant_type=client_credentials`): <https://login.bol.com/token>
    """

    code = "BOL202"
    name = "token-not-reused"
    severity = Severity.ERROR

    VALID = [
        Valid(
            """
            import time
            import requests

            class BolClient:
                def __init__(self, client_id, client_secret):
                    self.client_id, self.client_secret = client_id, client_secret
                    self.session = requests.Session()
                    self._token = None
                    self._expires_at = 0.0

                def _headers(self):
                    if self._token is None or time.time() >= self._expires_at - 30:
                        resp = self.session.post("https://login.bol.com/token",
                                                 data={"grant_type": "client_credentials"},
                                                 auth=(self.client_id, self.client_secret))
                        body = resp.json()
                        self._token = body["access_token"]
                        self._expires_at = time.time() + body["expires_in"]
                    return {"Authorization": f"Bearer {self._token}",
                            "Accept": "application/vnd.retailer.v10+json"}

                def get_order(self, order_id):
                    url = f"https://api.bol.com/retailer/orders/{order_id}"
                    return self.session.get(url, headers=self._headers()).json()
            """,
            note="an instance attribute guarded by an expiry check",
        ),
        Valid(
            """
            import time
            import requests

            _TOKENS = {}

            def token_for(shop):
                cached = _TOKENS.get(shop.id)
                if cached and cached["expires_at"] > time.time() + 20:
                    return cached["token"]
                resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=(shop.client_id, shop.client_secret))
                body = resp.json()
                _TOKENS[shop.id] = {"token": body["access_token"], "expires_at": time.time() + body["expires_in"]}
                return body["access_token"]

            def open_orders(shop):
                return requests.get("https://api.bol.com/retailer/orders",
                                    headers={"Authorization": "Bearer " + token_for(shop),
                                             "Accept": "application/vnd.retailer.v10+json"}).json()
            """,
            note="a dict cache keyed by shop",
        ),
        Valid(
            """
            import json
            import os
            import time
            import requests

            CACHE = os.path.expanduser("~/.cache/bol-token.json")

            def token():
                if os.path.exists(CACHE) and time.time() - os.path.getmtime(CACHE) < 240:
                    with open(CACHE) as fh:
                        return json.load(fh)["access_token"]
                resp = requests.post("https://login.bol.com/token?grant_type=client_credentials",
                                     auth=(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"]))
                with open(CACHE, "w") as fh:
                    json.dump(resp.json(), fh)
                return resp.json()["access_token"]

            def invoices():
                return requests.get("https://api.bol.com/retailer/invoices",
                                    headers={"Authorization": f"Bearer {token()}",
                                             "Accept": "application/vnd.retailer.v10+json"}).json()
            """,
            note="a file cache",
        ),
        Valid(
            {
                "bol/__init__.py": "",
                "bol/auth.py": _AUTH,
                "bol/jobs.py": """
                    import sqlite3

                    from bol.auth import get_token

                    def refresh_token_job(db_path, client_id, client_secret):
                        # runs every 4 minutes from the scheduler
                        token = get_token(client_id, client_secret)
                        conn = sqlite3.connect(db_path)
                        conn.execute("UPDATE bol_token SET value = ?, fetched_at = datetime('now')", (token,))
                        conn.commit()
                """,
                "bol/orders.py": """
                    import sqlite3
                    import requests

                    def get_order(db_path, order_id):
                        conn = sqlite3.connect(db_path)
                        token = conn.execute("SELECT value FROM bol_token").fetchone()[0]
                        return requests.get(f"https://api.bol.com/retailer/orders/{order_id}",
                                            headers={"Authorization": f"Bearer {token}",
                                                     "Accept": "application/vnd.retailer.v10+json"}).json()
                """,
            },
            note="a DB row refreshed by a scheduler job that makes no API call",
        ),
        Valid(
            """
            import requests

            class Bol:
                def __init__(self, client_id, client_secret):
                    self.client_id, self.client_secret = client_id, client_secret
                    self.session = requests.Session()
                    self.session.headers["Accept"] = "application/vnd.retailer.v10+json"
                    self._login()

                def _login(self):
                    resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                         auth=(self.client_id, self.client_secret))
                    self.session.headers["Authorization"] = "Bearer " + resp.json()["access_token"]

                def get(self, path):
                    resp = self.session.get("https://api.bol.com/retailer" + path)
                    if resp.status_code == 401:
                        self._login()
                        resp = self.session.get("https://api.bol.com/retailer" + path)
                    return resp.json()
            """,
            note="log in once, and again only after a 401",
        ),
        Valid(
            {
                "bol/__init__.py": "",
                "bol/auth.py": _AUTH,
                "sync.py": """
                    import os
                    import requests

                    from bol.auth import get_token

                    def sync_returns(store):
                        token = get_token(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])
                        headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.retailer.v10+json"}
                        for page in range(1, 100):
                            resp = requests.get("https://api.bol.com/retailer/returns",
                                                params={"page": page}, headers=headers)
                            items = resp.json().get("returns", [])
                            if not items:
                                break
                            store.save(items)
                """,
            },
            note="one token for a whole batch of requests",
        ),
        Valid(
            """
            import functools
            import requests
            from cachetools import TTLCache, cached

            @cached(TTLCache(maxsize=1, ttl=240))
            def bol_token():
                resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=("client-id", "client-secret"))
                return resp.json()["access_token"]

            def shipment(shipment_id):
                return requests.get(f"https://api.bol.com/retailer/shipments/{shipment_id}",
                                    headers={"Authorization": f"Bearer {bol_token()}",
                                             "Accept": "application/vnd.retailer.v10+json"}).json()
            """,
            note="a TTL cache decorator",
        ),
        Valid(
            """
            from requests_oauthlib import OAuth2Session
            from oauthlib.oauth2 import BackendApplicationClient

            TOKEN_URL = "https://login.bol.com/token"

            class Bol:
                def __init__(self, client_id, client_secret, token):
                    self.session = OAuth2Session(client_id, token=token, auto_refresh_url=TOKEN_URL,
                                                 auto_refresh_kwargs={"client_id": client_id,
                                                                      "client_secret": client_secret},
                                                 token_updater=self.save_token)

                def save_token(self, token):
                    self.token = token

                def get_order(self, order_id):
                    return self.session.get(f"https://api.bol.com/retailer/orders/{order_id}",
                                            headers={"Accept": "application/vnd.retailer.v10+json"}).json()
            """,
            note="an OAuth2 session that refreshes its token by itself",
        ),
        Valid(
            {
                "bol/__init__.py": "",
                "bol/auth.py": _AUTH,
                "jobs.py": """
                    import os
                    import requests
                    from apscheduler.schedulers.blocking import BlockingScheduler

                    from bol.auth import get_token

                    scheduler = BlockingScheduler()

                    @scheduler.scheduled_job("cron", minute=5)
                    def sync_stock():
                        token = get_token(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])
                        requests.get("https://api.bol.com/retailer/inventory",
                                     headers={"Authorization": f"Bearer {token}",
                                              "Accept": "application/vnd.retailer.v10+json"})
                """,
            },
            note="an hourly scheduler job: one token per run is one per lifetime at most",
        ),
        Valid(
            """
            import json
            import os
            from pathlib import Path
            import requests

            TOKEN_FILE = Path("bol_token.json")
            _tokens = {}

            def _new_token():
                resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"]))
                _tokens["access_token"] = resp.json()["access_token"]
                TOKEN_FILE.write_text(json.dumps(_tokens))
                return _tokens["access_token"]

            def _token():
                if "access_token" not in _tokens and TOKEN_FILE.exists():
                    _tokens.update(json.loads(TOKEN_FILE.read_text()))
                return _tokens.get("access_token") or _new_token()

            def get(path):
                headers = {"Accept": "application/vnd.retailer.v10+json"}
                resp = requests.get("https://api.bol.com/retailer" + path,
                                    headers={**headers, "Authorization": f"Bearer {_token()}"})
                if resp.status_code == 401:
                    resp = requests.get("https://api.bol.com/retailer" + path,
                                        headers={**headers, "Authorization": f"Bearer {_new_token()}"})
                return resp.json()
            """,
            note="a module dict and a file, renewed only on 401",
        ),
        Valid(
            """
            import time
            import jwt
            import requests

            class Client:
                def __init__(self, auth):
                    self.auth, self._token = auth, None

                def _fresh(self):
                    if self._token is None:
                        return False
                    return jwt.decode(self._token, options={"verify_signature": False})["exp"] - 60 > time.time()

                def orders(self):
                    if not self._fresh():
                        self._token = requests.post("https://login.bol.com/token", auth=self.auth,
                                                    data={"grant_type": "client_credentials"}).json()["access_token"]
                    return requests.get("https://api.bol.com/retailer/orders",
                                        headers={"Authorization": f"Bearer {self._token}",
                                                 "Accept": "application/vnd.retailer.v10+json"}).json()
            """,
            note="refresh decided from the JWT's own exp, 60 s early",
        ),
    ]
    INVALID = [
        Invalid(
            """
            import requests

            class BolClient:
                def __init__(self, client_id, client_secret):
                    self.client_id, self.client_secret = client_id, client_secret
                    self.session = requests.Session()

                def _headers(self):
                    resp = self.session.post("https://login.bol.com/token",
                                             data={"grant_type": "client_credentials"},
                                             auth=(self.client_id, self.client_secret))
                    return {"Authorization": "Bearer " + resp.json()["access_token"],
                            "Accept": "application/vnd.retailer.v10+json"}

                def get_order(self, order_id):
                    return self.session.get(f"https://api.bol.com/retailer/orders/{order_id}",
                                            headers=self._headers()).json()

                def get_shipment(self, shipment_id):
                    return self.session.get(f"https://api.bol.com/retailer/shipments/{shipment_id}",
                                            headers=self._headers()).json()
            """,
            line=9,
            count=1,
            message="via BolClient.get_order -> BolClient._headers",
        ),
        Invalid(
            {
                "bol/__init__.py": "",
                "bol/auth.py": _AUTH,
                "bol/orders.py": """
                    import os
                    import requests

                    from bol import auth

                    def get_order(order_id):
                        token = auth.get_token(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])
                        return requests.get(f"https://api.bol.com/retailer/orders/{order_id}",
                                            headers={"Authorization": f"Bearer {token}",
                                                     "Accept": "application/vnd.retailer.v10+json"}).json()
                """,
            },
            path="bol/auth.py",
            line=7,
            message="`get_order` calls it for each API request (via get_order -> get_token)",
        ),
        Invalid(
            """
            import time
            import requests

            class Client:
                def __init__(self, client_id, client_secret):
                    self.client_id, self.client_secret = client_id, client_secret
                    self.token = None
                    self.expires_at = 0

                def access_token(self):
                    if self.token and time.time() < self.expires_at - 300:
                        return self.token
                    resp = requests.post("https://login.bol.com/token",
                                         data={"grant_type": "client_credentials"},
                                         auth=(self.client_id, self.client_secret))
                    data = resp.json()
                    self.token = data["access_token"]
                    self.expires_at = time.time() + data["expires_in"]
                    return self.token
            """,
            line=13,
            message="can never hit",
        ),
        Invalid(
            """
            from oauthlib.oauth2 import BackendApplicationClient
            from requests_oauthlib import OAuth2Session

            def commission(ean, client_id, client_secret):
                oauth = OAuth2Session(client=BackendApplicationClient(client_id=client_id))
                oauth.fetch_token(token_url="https://login.bol.com/token",
                                  client_id=client_id, client_secret=client_secret)
                return oauth.get(f"https://api.bol.com/retailer/commission/{ean}",
                                 headers={"Accept": "application/vnd.retailer.v10+json"}).json()
            """,
            line=6,
            message="`commission` requests a new bol token and then calls the API",
        ),
        Invalid(
            """
            import os
            import requests
            from flask import Flask, jsonify

            app = Flask(__name__)

            def bol_token():
                resp = requests.post("https://login.bol.com/token?grant_type=client_credentials",
                                     auth=(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"]),
                                     headers={"Accept": "application/json"})
                return resp.json()["access_token"]

            @app.get("/dashboard/orders")
            def open_orders():
                resp = requests.get("https://api.bol.com/retailer/orders",
                                    headers={"Authorization": f"Bearer {bol_token()}",
                                             "Accept": "application/vnd.retailer.v10+json"})
                return jsonify(resp.json())
            """,
            line=8,
            message="via open_orders -> bol_token",
        ),
        Invalid(
            {
                "bol/__init__.py": "",
                "bol/auth.py": _AUTH,
                "orders/__init__.py": "",
                "orders/views.py": """
                    import os
                    import requests
                    from django.http import JsonResponse

                    from bol.auth import get_token

                    def order_detail(request, order_id):
                        token = get_token(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])
                        resp = requests.get(f"https://api.bol.com/retailer/orders/{order_id}",
                                            headers={"Authorization": f"Bearer {token}",
                                                     "Accept": "application/vnd.retailer.v10+json"})
                        return JsonResponse(resp.json())
                """,
            },
            path="bol/auth.py",
            line=7,
            message="`order_detail` requests a new bol token every time it runs",
        ),
        Invalid(
            {
                "bol/__init__.py": "",
                "bol/auth.py": _AUTH,
                "catalog/__init__.py": "",
                "catalog/views.py": """
                    import os
                    import requests
                    from rest_framework import viewsets
                    from rest_framework.response import Response

                    from bol.auth import get_token

                    class OfferViewSet(viewsets.ModelViewSet):
                        def destroy(self, request, *args, **kwargs):
                            token = get_token(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])
                            requests.delete(f"https://api.bol.com/retailer/offers/{kwargs['pk']}",
                                            headers={"Authorization": f"Bearer {token}",
                                                     "Accept": "application/vnd.retailer.v10+json"})
                            return Response(status=204)
                """,
            },
            path="bol/auth.py",
            line=7,
            message="`OfferViewSet.destroy` requests a new bol token every time it runs",
        ),
        Invalid(
            {
                "bol/__init__.py": "",
                "bol/auth.py": _AUTH,
                "bolsync/__init__.py": "",
                "bolsync/tasks.py": """
                    import os
                    import requests
                    from celery import shared_task

                    from bol.auth import get_token

                    @shared_task(bind=True, max_retries=5)
                    def push_stock(self, offer_id, amount):
                        token = get_token(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])
                        requests.put(f"https://api.bol.com/retailer/offers/{offer_id}/stock",
                                     json={"amount": amount, "managedByRetailer": True},
                                     headers={"Authorization": f"Bearer {token}",
                                              "Accept": "application/vnd.retailer.v10+json",
                                              "Content-Type": "application/vnd.retailer.v10+json"})
                """,
            },
            path="bol/auth.py",
            line=7,
            message="the Celery task `push_stock`",
        ),
        Invalid(
            """
            import time
            import schedule
            import requests

            def token():
                return requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=("client-id", "client-secret")).json()["access_token"]

            def import_new_orders():
                orders = requests.get("https://api.bol.com/retailer/orders",
                                      headers={"Authorization": f"Bearer {token()}",
                                               "Accept": "application/vnd.retailer.v10+json"}).json()
                for order in orders.get("orders", []):
                    print(order["orderId"])

            schedule.every(1).minutes.do(import_new_orders)

            while True:
                schedule.run_pending()
                time.sleep(1)
            """,
            line=6,
            message="the scheduler job `import_new_orders`",
        ),
        Invalid(
            """
            import json
            import os
            import requests

            def get_token():
                return requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])).json()["access_token"]

            def lambda_handler(event, context):
                token = get_token()
                for record in event["Records"]:
                    shipment = json.loads(record["body"])
                    requests.post("https://api.bol.com/retailer/shipments",
                                  json={"orderItems": [{"orderItemId": shipment["orderItemId"]}]},
                                  headers={"Authorization": f"Bearer {token}",
                                           "Accept": "application/vnd.retailer.v10+json",
                                           "Content-Type": "application/vnd.retailer.v10+json"})
            """,
            line=6,
            message="the Lambda handler `lambda_handler`",
        ),
        Invalid(
            """
            import os
            import httpx
            from mcp.server.fastmcp import FastMCP

            mcp = FastMCP("bol-seller")

            async def bol_get(path):
                async with httpx.AsyncClient() as client:
                    login = await client.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                              auth=(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"]))
                    resp = await client.get("https://api.bol.com/retailer" + path,
                                            headers={"Authorization": "Bearer " + login.json()["access_token"],
                                                     "Accept": "application/vnd.retailer.v10+json"})
                    return resp.json()

            @mcp.tool()
            async def order_overview(order_id: str) -> dict:
                return await bol_get(f"/orders/{order_id}")
            """,
            line=9,
            message="`order_overview` requests a new bol token every time it runs",
        ),
        Invalid(
            """
            import os
            import requests
            from flask import Flask, g, jsonify

            app = Flask(__name__)

            def get_token():
                return requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])).json()["access_token"]

            def bol_token():
                if "bol_token" not in g:
                    g.bol_token = get_token()
                return g.bol_token

            @app.get("/orders")
            def list_open_orders():
                resp = requests.get("https://api.bol.com/retailer/orders",
                                    headers={"Authorization": f"Bearer {bol_token()}",
                                             "Accept": "application/vnd.retailer.v10+json"})
                return jsonify(resp.json())
            """,
            line=8,
            message="`list_open_orders` requests a new bol token every time it runs",
        ),
        Invalid(
            """
            from datetime import datetime, timedelta
            import requests

            class BolAuth:
                def __init__(self, client_id, client_secret):
                    self._credentials = (client_id, client_secret)
                    self._access_token, self._expires_at = None, datetime.min

                def token(self):
                    now = datetime.now()
                    if self._access_token and now < self._expires_at:
                        return self._access_token
                    resp = requests.post("https://login.bol.com/token", auth=self._credentials,
                                         data={"grant_type": "client_credentials"})
                    data = resp.json()
                    self._access_token = data["access_token"]
                    # renew five minutes early, to be on the safe side
                    self._expires_at = now + timedelta(seconds=data["expires_in"] - 300)
                    return self._access_token
            """,
            line=13,
            message="can never hit",
        ),
        Invalid(
            """
            import time
            import jwt
            import requests

            LEEWAY = 5 * 60

            class Client:
                def __init__(self, auth):
                    self.auth, self._token = auth, None

                def _fresh(self):
                    if self._token is None:
                        return False
                    return jwt.decode(self._token, options={"verify_signature": False})["exp"] - LEEWAY > time.time()

                def orders(self):
                    if not self._fresh():
                        self._token = requests.post("https://login.bol.com/token", auth=self.auth,
                                                    data={"grant_type": "client_credentials"}).json()["access_token"]
                    return requests.get("https://api.bol.com/retailer/orders",
                                        headers={"Authorization": f"Bearer {self._token}",
                                                 "Accept": "application/vnd.retailer.v10+json"}).json()
            """,
            line=18,
            message="refreshes 300 s before the token expires",
        ),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        for found in project.tokenflow.per_call:
            site = found.request.site
            yield self.make_finding(
                site.path,
                site.span,
                _message(found),
                flagged="|".join(s[1] or "<module>" for s in found.chain) or (site.func or ""),
            )


def _message(found: PerCallFetch) -> str:
    fetcher = found.request.site.func or "<module>"
    if found.never_hit is not None:
        nh = found.never_hit
        return (
            f"the token cache in `{nh.scope[1]}` can never hit: it refreshes {nh.margin:g} s before the "
            f"token expires, but bol's tokens live {nh.lifetime} s, so every call requests a new token; "
            f"{REASON}: refresh a few seconds before expiry (e.g. `expires_at - 30`)"
        )
    caller = found.scope[1] or "<module>"
    more = f" (and {found.others} more function{'s' if found.others > 1 else ''})" if found.others else ""
    more = f" (and {found.others} more function{'s' if found.others > 1 else ''})" if found.others else ""
    if found.entry:
        via = f" (via {chain_text(found.chain)})" if len(found.chain) > 1 else ""
        return (f"{found.entry} requests a new bol token every time it runs{via}, and it runs once per "
                f"outside event (a request to the app, a task, a tool call, a job run), with no cache that "
                f"outlives the run{more}; {REASON}: keep the token in a cache shared across runs (a module-"
                f"level cache, Django's cache, a database row) until `expires_in` minus a small margin")
    if caller == fetcher:
        return f"`{caller}` requests a new bol token and then calls the API, on every call{more}; {REASON}: {ADVICE}"
    names = chain_text(found.chain)
    return (
        f"`{fetcher}` requests a new bol token every time it is called, and `{caller}` calls it for "
        f"each API request (via {names}){more}; {REASON}: {ADVICE}"
    )
