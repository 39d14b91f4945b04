"""The token analysis behind BOL201-BOL205: token requests, token sources, cache checks, chains."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bolaudit.project import Project
from bolaudit.tokens.flow import TokenFlow
from conftest import audit, write_tree

TOKEN_POST = (
    'requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"}, '
    'auth=(CLIENT_ID, CLIENT_SECRET))'
)
API_GET = (
    'requests.get("https://api.bol.com/retailer/orders", '
    'headers={"Authorization": "Bearer " + TOKEN, "Accept": "application/vnd.retailer.v10+json"})'
)


def project_of(tree: Path, files: dict[str, str] | str) -> Project:
    if isinstance(files, str):
        files = {"example.py": files}
    write_tree(tree, {p: textwrap.dedent(c).lstrip("\n") for p, c in files.items()})
    project = audit(tree, select=("BOL000",)).project
    assert isinstance(project, Project)
    return project


def flow_of(tree: Path, files: dict[str, str] | str) -> TokenFlow:
    return project_of(tree, files).tokenflow


def module(body: str) -> str:
    """A module with the usual imports and names, then ``body`` (``TOKEN`` in API_GET is a stand-in)."""
    head = (
        "import functools, json, os, sqlite3, time\nimport requests\nfrom cachetools import TTLCache, cached\n"
        "CLIENT_ID = os.environ['BOL_CLIENT_ID']\nCLIENT_SECRET = os.environ['BOL_CLIENT_SECRET']\n"
    )
    return head + textwrap.dedent(body).lstrip("\n")


CROSS_MODULE = {
    "shop/__init__.py": "",
    "shop/bol/__init__.py": "",
    "shop/bol/client.py": """
        import requests

        class BolClient:
            def __init__(self, client_id, client_secret):
                self.auth = (client_id, client_secret)
                self.session = requests.Session()

            def _headers(self):
                resp = self.session.post("https://login.bol.com/token",
                                         data={"grant_type": "client_credentials"}, auth=self.auth)
                return {"Authorization": "Bearer " + resp.json()["access_token"]}

            def get_order(self, order_id):
                return self.session.get(f"https://api.bol.com/retailer/orders/{order_id}",
                                        headers=self._headers()).json()
    """,
    "shop/sync.py": """
        from shop.bol.client import BolClient

        def sync(order_ids):
            client = BolClient("id", "secret")
            for order_id in order_ids:
                client.get_order(order_id)
    """,
}


def test_sources_and_chains_across_modules(tree: Path) -> None:
    flow = flow_of(tree, CROSS_MODULE)
    client, sync = "shop/bol/client.py", "shop/sync.py"
    assert flow.sources[(client, "BolClient._headers")].target is None
    assert flow.sources[(client, "BolClient.get_order")].target == (client, "BolClient._headers")
    assert flow.chain((sync, "sync")) == (
        (sync, "sync"), (client, "BolClient.get_order"), (client, "BolClient._headers"))
    assert (client, "BolClient.__init__") not in flow.sources
    [fetch] = flow.loop_fetches
    assert fetch.scope == (sync, "sync") and fetch.call.span.line == 6
    assert fetch.chain == ((client, "BolClient.get_order"), (client, "BolClient._headers"))
    [per_call] = flow.per_call
    assert per_call.scope == (client, "BolClient.get_order") and per_call.request.site.func == "BolClient._headers"


FRESH = {
    "plain function": f"""
        def token():
            return {TOKEN_POST}.json()["access_token"]
    """,
    "condition on something never written": f"""
        def token():
            if not CLIENT_SECRET:
                raise RuntimeError("no secret")
            return {TOKEN_POST}.json()["access_token"]
    """,
    "retry loop around the request": f"""
        def token():
            for attempt in range(3):
                try:
                    return {TOKEN_POST}.json()["access_token"]
                except requests.RequestException:
                    time.sleep(attempt)
    """,
    "cache margin that never hits": f"""
        class C:
            def token(self):
                if self._token and time.time() < self._expires_at - 300:
                    return self._token
                body = {TOKEN_POST}.json()
                self._token, self._expires_at = body["access_token"], time.time() + body["expires_in"]
                return self._token
    """,
}

CACHED = {
    "attribute with expiry": f"""
        class C:
            def token(self):
                if self._token is None or time.time() > self._expires_at - 30:
                    body = {TOKEN_POST}.json()
                    self._token = body["access_token"]
                    self._expires_at = time.time() + body["expires_in"]
                return self._token
    """,
    "local read from an attribute": f"""
        class C:
            def token(self):
                current = self._token
                if current and current.valid():
                    return current
                self._token = {TOKEN_POST}.json()
                return self._token
    """,
    "global token": f"""
        _TOKEN = None
        def token():
            global _TOKEN
            if _TOKEN is None:
                _TOKEN = {TOKEN_POST}.json()["access_token"]
            return _TOKEN
    """,
    "dict keyed by account": f"""
        _TOKENS = {{}}
        def token(account):
            cached_token = _TOKENS.get(account)
            if cached_token and cached_token["expires_at"] > time.time():
                return cached_token["token"]
            _TOKENS[account] = {{"token": {TOKEN_POST}.json()["access_token"], "expires_at": time.time() + 280}}
            return _TOKENS[account]["token"]
    """,
    "file": f"""
        def token():
            if os.path.exists("/tmp/bol.json"):
                with open("/tmp/bol.json") as fh:
                    return json.load(fh)["access_token"]
            body = {TOKEN_POST}.json()
            with open("/tmp/bol.json", "w") as fh:
                json.dump(body, fh)
            return body["access_token"]
    """,
    "database row": f"""
        def token(conn):
            row = conn.execute("SELECT value, expires_at FROM bol_token").fetchone()
            if row and row[1] > time.time():
                return row[0]
            value = {TOKEN_POST}.json()["access_token"]
            conn.execute("UPDATE bol_token SET value = ?", (value,))
            conn.commit()
            return value
    """,
    "redis": f"""
        import redis
        r = redis.Redis()
        def token():
            hit = r.get("bol-token")
            if hit:
                return hit
            value = {TOKEN_POST}.json()["access_token"]
            r.setex("bol-token", 280, value)
            return value
    """,
    "helper method": f"""
        class C:
            def _valid(self):
                return self._token is not None and time.time() < self._expires_at
            def token(self):
                if not self._valid():
                    self._token = {TOKEN_POST}.json()["access_token"]
                    self._expires_at = time.time() + 280
                return self._token
    """,
    "lru_cache": f"""
        @functools.lru_cache(maxsize=1)
        def token():
            return {TOKEN_POST}.json()["access_token"]
    """,
    "cachetools TTL": f"""
        @cached(TTLCache(maxsize=1, ttl=240))
        def token():
            return {TOKEN_POST}.json()["access_token"]
    """,
    "re-login in an except handler": f"""
        class Unauthorized(Exception):
            pass
        def get(path, token):
            try:
                return requests.get("https://api.bol.com/retailer" + path, headers={{"Authorization": token}})
            except Unauthorized:
                token = {TOKEN_POST}.json()["access_token"]
                return requests.get("https://api.bol.com/retailer" + path, headers={{"Authorization": token}})
    """,
    "re-login after a 401": f"""
        def get(path, token):
            resp = requests.get("https://api.bol.com/retailer" + path, headers={{"Authorization": token}})
            if resp.status_code == 401:
                token = {TOKEN_POST}.json()["access_token"]
                resp = requests.get("https://api.bol.com/retailer" + path, headers={{"Authorization": token}})
            return resp
    """,
    "a caller's cache": f"""
        def fetch():
            return {TOKEN_POST}.json()["access_token"]
        class C:
            def token(self):
                if self._token is None or time.time() > self._expires_at:
                    self._token = fetch()
                    self._expires_at = time.time() + 280
                return self._token
    """,
}


@pytest.mark.parametrize("body", FRESH.values(), ids=FRESH.keys())
def test_fresh_sources(body: str, tree: Path) -> None:
    flow = flow_of(tree, module(body))
    assert flow.requests
    assert [s for s in flow.sources if s[1] in ("token", "C.token")]


@pytest.mark.parametrize("body", CACHED.values(), ids=CACHED.keys())
def test_cached_sources_are_not_sources(body: str, tree: Path) -> None:
    flow = flow_of(tree, module(body))
    assert flow.requests
    assert [s for s in flow.sources if s[1] in ("token", "C.token", "get")] == []


@pytest.mark.parametrize(
    ("check", "write", "grant", "never"),
    [
        ("time.time() < self._expires_at - 300", 'time.time() + body["expires_in"]', "client_credentials", 300),
        ("time.time() < self._expires_at - 30", 'time.time() + body["expires_in"]', "client_credentials", None),
        ("self._expires_at - time.time() > 299", 'time.time() + body["expires_in"]', "client_credentials", 299),
        ("datetime.now() + timedelta(minutes=5) < self._expires_at",
         'datetime.now() + timedelta(seconds=body["expires_in"])', "client_credentials", 300),
        ("time.time() < self._expires_at - 300", "time.time() + 3600", "client_credentials", None),
        ("time.time() < self._expires_at - 300", 'time.time() + body["expires_in"]', "refresh_token", None),
    ],
    ids=["300 against 299", "30 s", "299 the other way round", "timedelta", "own lifetime", "code flow 599"],
)
def test_cache_that_can_never_hit(check: str, write: str, grant: str, never: int | None, tree: Path) -> None:
    source = f"""
        import time
        from datetime import datetime, timedelta
        import requests

        class C:
            def token(self):
                if self._token and {check}:
                    return self._token
                body = requests.post("https://login.bol.com/token", data={{"grant_type": "{grant}"}}).json()
                self._token = body["access_token"]
                self._expires_at = {write}
                return self._token
    """
    flow = flow_of(tree, source)
    src = flow.sources.get(("example.py", "C.token"))
    if never is None:
        assert src is None
    else:
        assert src is not None and src.never_hit is not None and src.never_hit.margin == never
        assert [p.never_hit for p in flow.per_call] == [src.never_hit]


def test_recursion_and_dynamic_dispatch_end_the_search(tree: Path) -> None:
    flow = flow_of(tree, module(f"""
        def a(n):
            return b(n - 1) if n else None

        def b(n):
            requests.post("https://login.bol.com/token", data={{"grant_type": "client_credentials"}})
            return a(n)

        class Dispatch:
            def run(self, name, *args):
                return getattr(self, name)(*args)

            def again(self):
                return self.again()

        HANDLERS = {{"b": b}}

        def loop(ids, kind):
            for i in ids:
                a(i)
                HANDLERS[kind](i)
                Dispatch().run("again")
                requests.get(f"https://api.bol.com/retailer/orders/{{i}}")
    """))
    assert {("example.py", "a"), ("example.py", "b"), ("example.py", "loop")} <= set(flow.sources)
    assert [f.call.span.line for f in flow.loop_fetches] == [24]
    assert flow.chain(("example.py", "loop"))[:3] == (("example.py", "loop"), ("example.py", "a"), ("example.py", "b"))


PER_ACCOUNT = {
    "arguments": ("for acc in accounts:", "token = get_token(acc.client_id, acc.secret)", False),
    "lookup by the loop variable": ("for shop in shops:", "token = get_token(CREDS[shop][0], CREDS[shop][1])", False),
    "arguments spread from a lookup": ("for shop in shops:", "token = get_token(*CREDS[shop])", False),
    "a client per shop": ("for shop in shops:", "token = Client(shop.id, shop.secret).token()", False),
    "fixed credentials": ("for order_id in ids:", "token = get_token(CLIENT_ID, CLIENT_SECRET)", True),
    "the loop variable feeds the URL only": ("for order_id in ids:", "token = Client(CLIENT_ID, CLIENT_SECRET).order_token(order_id)", True),
}


@pytest.mark.parametrize(("head", "fetch", "flagged"), PER_ACCOUNT.values(), ids=PER_ACCOUNT.keys())
def test_one_token_per_account_is_fine(head: str, fetch: str, flagged: bool, tree: Path) -> None:
    flow = flow_of(tree, module(f"""
        CREDS = {{}}

        def get_token(client_id, secret):
            return requests.post("https://login.bol.com/token", data={{"grant_type": "client_credentials"}},
                                 auth=(client_id, secret)).json()["access_token"]

        class Client:
            def __init__(self, client_id, secret):
                self.client_id, self.secret = client_id, secret
            def token(self):
                return get_token(self.client_id, self.secret)
            def order_token(self, order_id):
                print(order_id)
                return get_token(self.client_id, self.secret)

        def run(accounts, shops, ids):
            {head}
                {fetch}
                requests.get("https://api.bol.com/retailer/orders", headers={{"Authorization": "Bearer " + token}})
    """))
    assert bool(flow.loop_fetches) is flagged


@pytest.mark.parametrize(
    ("body", "reach"),
    [
        ("requests.get(URL)", "single"),
        ("for page in range(1, 50):\n    requests.get(URL, params={'page': page})", "batch"),
        ("for attempt in range(3):\n    resp = requests.get(URL)\n    if resp.ok:\n        break", "single"),
        ("helper()", "single"),
        ("[helper() for _ in ids]", "batch"),
        ("print(URL)", None),
    ],
    ids=["one request", "pagination", "retries", "through a call", "a call in a loop", "no request"],
)
def test_api_reach(body: str, reach: str | None, tree: Path) -> None:
    indented = textwrap.indent(body, "    ")
    source = (
        "import requests\nURL = 'https://api.bol.com/retailer/orders'\nids = []\n\n"
        "def helper():\n    return requests.get(URL)\n\n"
        f"def f():\n{indented}\n"
    )
    flow = flow_of(tree, source)
    assert flow.graph.api(("example.py", "f")) == reach


@pytest.mark.parametrize(
    ("call", "grant", "wrong"),
    [
        ('requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"})',
         "client_credentials", False),
        ('requests.post("https://login.bol.com/token?grant_type=client_credentials")', "client_credentials", False),
        ('requests.post(TOKEN_URL, params={"grant_type": "refresh_token", "refresh_token": rt})',
         "refresh_token", False),
        ('requests.post("https://api.bol.com/retailer/oauth/token", data="grant_type=client_credentials")',
         "client_credentials", True),
        ('requests.post("https://login.bol.com/oauth/token", auth=(cid, secret))', None, True),
        ('requests.post(os.environ["BOL_TOKEN_URL"], data={"grant_type": "client_credentials"})',
         "client_credentials", False),
        ('requests.post("https://oauth2.googleapis.com/token", data={"grant_type": "refresh_token"})', "none", False),
        ('requests.post("https://api.bol.com/retailer/orders", json={"grant_type": 1})', "none", False),
        ('requests.get("https://login.bol.com/")', "none", False),
        ('OAuth2Session(cid).fetch_token("https://login.bol.com/token", client_secret=secret)', None, False),
    ],
    ids=["form body", "query string", "params", "wrong host", "basic to a token path", "from the environment",
         "another provider", "an API call", "the login page", "OAuth2 session"],
)
def test_token_requests(call: str, grant: str | None, wrong: bool, tree: Path) -> None:
    flow = flow_of(tree, f"""
        import os
        import requests
        from requests_oauthlib import OAuth2Session
        TOKEN_URL = "https://login.bol.com/token"

        def f(cid, secret, rt):
            return {call}
    """)
    if grant == "none":
        assert flow.requests == []
        return
    [req] = flow.requests
    assert (req.grant, req.wrong_endpoint) == (grant, wrong)


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ('log.info("token %s", token)', "access token"),
        ('log.info("token %s…", token[:4])', None),
        ('log.info("expires in %s", body["expires_in"])', None),
        ('logging.warning(f"headers {headers}")', "access token"),
        ('print(json.dumps(body))', "token response, access token included"),
        ('print(body["refresh_token"])', "refresh token"),
        ('print(os.environ["BOL_CLIENT_SECRET"])', "client secret"),
        ('print(len(CLIENT_SECRET))', None),
        ('print(mask(token))', None),
        ('print(bearer())', "access token"),
        ('raise ValueError("bad secret " + CLIENT_SECRET)', "client secret"),
        ('log.debug("client %s", CLIENT_ID)', None),
    ],
)
def test_exposures(line: str, what: str | None, tree: Path) -> None:
    exposures = project_of(tree, f"""
        import json, logging, os
        import requests

        log = logging.getLogger(__name__)
        CLIENT_ID = os.environ["BOL_CLIENT_ID"]
        CLIENT_SECRET = os.environ["BOL_CLIENT_SECRET"]

        def mask(value):
            return value[:4] + "…"

        def bearer():
            return "Bearer " + requests.post("https://login.bol.com/token?grant_type=client_credentials").json()["access_token"]

        def f():
            body = requests.post("https://login.bol.com/token?grant_type=client_credentials").json()
            token = body["access_token"]
            headers = {{"Authorization": f"Bearer {{token}}"}}
            {line}
    """).exposures
    found = [e.what for e in exposures if e.func == "f"]
    assert found == ([what] if what else [])


def test_guard_reads_follow_locals_and_db_writes(tree: Path) -> None:
    project = project_of(tree, module(f"""
        _TOKENS = {{}}
        def token(conn, account):
            cached_token = _TOKENS.get(account)
            row = conn.execute("SELECT value FROM t").fetchone()
            if cached_token or row:
                return cached_token
            conn.execute("INSERT INTO t VALUES (?)", ({TOKEN_POST},))
    """))
    [post] = [c for c in project.index.calls_in[("example.py", "token")] if "post" in repr(c.callee)]
    reads = post.guards[0].reads
    assert "item:_TOKENS" in reads and "db" in reads
    assert "db" in project.index.functions[("example.py", "token")].writes


def test_nothing_is_computed_without_token_requests(tree: Path) -> None:
    flow = flow_of(tree, """
        import requests

        def sync(ids):
            for i in ids:
                requests.get(f"https://api.bol.com/retailer/orders/{i}")
    """)
    assert flow.requests == [] and flow.sources == {}
    assert flow.loop_fetches == [] and flow.per_call == []
    assert "_origins" not in vars(flow.graph)  # API reach is only computed for loops that fetch


def test_module_level_loops(tree: Path) -> None:
    flow = flow_of(tree, module(f"""
        def token():
            return {TOKEN_POST}.json()["access_token"]

        TOKEN = None
        for order_id in ["1", "2"]:
            TOKEN = token()
            {API_GET}
    """))
    [fetch] = flow.loop_fetches
    assert fetch.scope == ("example.py", None) and fetch.call.span.line == 11
    assert flow.per_call == []  # module code runs once per process; the loop is BOL201's


@pytest.mark.parametrize(
    ("path", "head", "flagged"),
    [
        ("web.py", '@app.route("/debug/token")', True),
        ("web.py", '@router.post("/token", response_model=dict)', True),
        ("shop/views.py", "", True),
        ("shop/services.py", "", False),
        ("web.py", "@functools.cache", False),
    ],
    ids=["flask", "fastapi", "django view", "a plain function", "a decorator that is no route"],
)
def test_routes_that_return_tokens(path: str, head: str, flagged: bool, tree: Path) -> None:
    source = f"""
        import functools
        import requests
        from flask import Flask
        app = Flask(__name__)
        router = None

        {head}
        def token_view(request):
            body = requests.post("https://login.bol.com/token?grant_type=client_credentials").json()
            return {{"token": body["access_token"]}}
    """
    exposures = project_of(tree, {path: source, "shop/__init__.py": ""}).exposures
    assert [e.sink for e in exposures] == (["the response of route `token_view`"] if flagged else [])


HEADER_CACHE = {
    "shop/cache.py": '''
        CACHE = {}


        class CacheHandler:
            def __init__(self, folder):
                self.folder = folder

            def get(self, key):
                if key in CACHE:
                    return CACHE[key]
                try:
                    with open(f"{self.folder}/{key}.txt") as f:
                        CACHE[key] = f.read()
                except OSError:
                    return None
                return CACHE[key]

            def put(self, key, value):
                with open(f"{self.folder}/{key}.txt", "w") as f:
                    f.write(value)
                CACHE[key] = value
    ''',
    "shop/api.py": '''
        import requests

        from shop.cache import CacheHandler


        class Api:
            def __init__(self, client_id, client_secret):
                self.client_id, self.client_secret = client_id, client_secret
                self.headers = {"Accept": "application/vnd.retailer.v10+json"}
                self.cache = CacheHandler("/tmp")

            def _set_token(self, token):
                self.headers.update({"Authorization": "Bearer " + token})

            def _ensure_token(self):
                if "Authorization" not in self.headers:
                    cached = self.cache.get(self.client_id)
                    if cached is None:
                        self.login()
                    else:
                        self._set_token(cached)

            def login(self):
                r = requests.post("https://login.bol.com/token", auth=(self.client_id, self.client_secret),
                                  headers={"Accept": "application/json"})
                token = r.json()["access_token"]
                self.cache.put(self.client_id, token)
                self._set_token(token)

            def get(self, path):
                self._ensure_token()
                response = requests.get("https://api.bol.com/retailer/" + path, headers=self.headers)
                if response.status_code == 401:
                    self.login()
                    response = requests.get("https://api.bol.com/retailer/" + path, headers=self.headers)
                return response
    ''',
    "shop/jobs.py": '''
        from shop.api import Api


        def sync(api: Api, order_ids):
            for order_id in order_ids:
                api.get(f"orders/{order_id}")
    ''',
}


def test_a_token_kept_on_the_headers_by_a_helper_is_a_cache(tree: Path) -> None:
    """python-bol-retailer-api's shape: the check reads ``self.headers``, which the login writes
    through a helper method; a module dict and a file keep the token; a 401 logs in again."""
    flow = flow_of(tree, HEADER_CACHE)
    assert flow.loop_fetches == []
    assert flow.per_call == []


def test_the_same_client_without_the_helper_writing_is_a_fetch_per_iteration(tree: Path) -> None:
    files = dict(HEADER_CACHE)
    files["shop/api.py"] = files["shop/api.py"].replace(
        'self.headers.update({"Authorization": "Bearer " + token})', 'return token')
    flow = flow_of(tree, files)
    assert [(f.scope, f.call.span.line) for f in flow.loop_fetches] == [(("shop/jobs.py", "sync"), 6)]


def test_an_item_of_the_loop_variable_is_no_token_cache(tree: Path) -> None:
    """``line.meta["token"] = get_token()`` in ``for line in lines`` keeps nothing between
    iterations (each line is a new object): the check on it is no cache, the loop fetches a token
    per line. A dict of the module written the same way is a cache."""
    body = """
        CACHE = {{}}

        def get_token():
            return requests.post("https://login.bol.com/token", data={{"grant_type": "client_credentials"}},
                                 auth=("id", "secret")).json()["access_token"]

        def push(lines):
            for line in lines:
                if not {store}.get("token"):
                    {store}["token"] = get_token()
                requests.put("https://api.bol.com/retailer/orders/" + line.order_id,
                             headers={{"Authorization": "Bearer " + {store}["token"]}})
    """
    per_item = flow_of(tree / "item", module(body.format(store="line.meta")))
    assert [f.scope[1] for f in per_item.loop_fetches] == ["push"]
    module_dict = flow_of(tree / "module", module(body.format(store="CACHE")))
    assert module_dict.loop_fetches == []


def test_a_call_through_an_import_alias_is_followed(tree: Path) -> None:
    """``from shop.bol import get_order as fetch_order``: the loop calls the function by its alias."""
    files = {
        "shop/bol.py": '''
            import requests


            def get_order(client_id, secret, order_id):
                token = requests.post("https://login.bol.com/token", auth=(client_id, secret),
                                      data={"grant_type": "client_credentials"}).json()["access_token"]
                return requests.get(f"https://api.bol.com/retailer/orders/{order_id}",
                                    headers={"Authorization": f"Bearer {token}"})
        ''',
        "shop/sync.py": '''
            from shop.bol import get_order as fetch_order


            def sync(client_id, secret, ids):
                for i in ids:
                    fetch_order(client_id, secret, i)
        ''',
    }
    flow = flow_of(tree, files)
    assert [(f.scope, f.call.span.line) for f in flow.loop_fetches] == [(("shop/sync.py", "sync"), 6)]
