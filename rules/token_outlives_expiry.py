"""BOL206 token-outlives-expiry."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import (
    Finding,
    Invalid,
    Outlives,
    Project,
    ProjectRule,
    Severity,
    Valid,
    outliving,
)

_FETCH = """
                response = requests.post(
                    "https://login.bol.com/token",
                    auth=(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"]),
                    data={"grant_type": "client_credentials"},
                    headers={"Accept": "application/json"},
                    timeout=10,
                )
                response.raise_for_status()
"""


class TokenOutlivesExpiry(ProjectRule):
    """A token cache keeps a bol token longer than the token lives, and nothing renews it.

    ## What it does
    Finds a token that is kept past its 299 seconds with no renewal when bol answers 401: a cache
    check with no expiry (`if "token" not in _cache`, `return cached or fetch()`), a fixed validity
    longer than the token lives (`time.monotonic() - fetched_at < 3600`), a caching decorator
    without a TTL (`functools.lru_cache`, `functools.cache`) or with a longer one
    (`cachetools.cached(TTLCache(ttl=3600))`), and a token requested once at import or in
    `__init__` and kept on a session's headers. It is reported where the token is kept: the
    guarded call, the decorated function, or the call that fetches it once.

    Not reported: a cache whose check reads the token's expiry (`expires_at`, the JWT's `exp`;
    BOL202 judges its margin), and any cache where a 401 (or an exception handler around the API
    call) requests a new token.

    ## Why is this bad
    bol's access tokens live 299 seconds. A token kept longer is dead: every API call with it
    fails with 401 (Expired JWT) until the process restarts or the cache file is deleted. A
    scheduler, a web app or a Lambda container lives far longer than five minutes.

    ## Example
    ```python
    @functools.lru_cache(maxsize=1)
    def token():
        return requests.post(TOKEN_URL, auth=AUTH, data=GRANT).json()["access_token"]
    ```

    ## Use instead
    ```python
    def token():
        if _cache.get("expires_at", 0) > time.time() + 30:
            return _cache["token"]
        body = requests.post(TOKEN_URL, auth=AUTH, data=GRANT).json()
        _cache.update(token=body["access_token"], expires_at=time.time() + body["expires_in"])
        return _cache["token"]
    ```
    or renew the token when bol answers 401 and send the request again.

    ## Fix
    No automatic fix: keep the expiry with the token (`expires_in`), or renew on a 401.

    ## References
    - bol's token service: tokens live 299 s (`expires_in`): <https://login.bol.com/token>
    """

    code = "BOL206"
    name = "token-outlives-expiry"
    severity = Severity.WARNING

    VALID = [
        Valid(
            """
            import os
            import time

            import requests

            _cache = {}


            def token():
                if _cache.get("expires_at", 0) > time.time() + 30:
                    return _cache["token"]
            """ + _FETCH + """
                body = response.json()
                _cache.update(token=body["access_token"], expires_at=time.time() + body["expires_in"])
                return _cache["token"]
            """,
        ),
        Valid(
            """
            # A token kept with no expiry, renewed when bol answers 401.
            import os

            import requests

            _tokens = {}


            def _new_token():
            """ + _FETCH + """
                _tokens["access_token"] = response.json()["access_token"]
                return _tokens["access_token"]


            def get(path):
                token = _tokens.get("access_token") or _new_token()
                response = requests.get("https://api.bol.com/retailer" + path,
                                        headers={"Authorization": f"Bearer {token}",
                                                 "Accept": "application/vnd.retailer.v10+json"})
                if response.status_code == 401:
                    response = requests.get("https://api.bol.com/retailer" + path,
                                            headers={"Authorization": f"Bearer {_new_token()}",
                                                     "Accept": "application/vnd.retailer.v10+json"})
                return response.json()
            """,
        ),
        Valid(
            """
            # A fixed validity shorter than the token's life.
            import os
            import time

            import requests

            _token, _at = None, 0.0


            def get_token():
                global _token, _at
                if _token and time.monotonic() - _at < 240:
                    return _token
            """ + _FETCH + """
                _token, _at = response.json()["access_token"], time.monotonic()
                return _token
            """,
        ),
        Valid(
            """
            import requests
            from cachetools import TTLCache, cached

            @cached(TTLCache(maxsize=1, ttl=240))
            def bol_token():
                return requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=("id", "secret"), headers={"Accept": "application/json"}).json()["access_token"]
            """,
            note="a TTL shorter than the token's life",
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

                def bearer(self):
                    if not self._fresh():
                        self._token = requests.post("https://login.bol.com/token", auth=self.auth,
                                                    data={"grant_type": "client_credentials"},
                                                    headers={"Accept": "application/json"}).json()["access_token"]
                    return {"Authorization": f"Bearer {self._token}"}
            """,
            note="refresh decided from the JWT's own exp, 60 s early",
        ),
    ]

    INVALID = [
        Invalid(
            """
            import functools
            import os

            import requests


            @functools.lru_cache(maxsize=1)
            def token():
            """ + _FETCH + """
                return response.json()["access_token"]
            """,
            line=8,
            message="keeps the bol token with `functools.lru_cache`",
        ),
        Invalid(
            """
            import os
            import time

            import requests

            TOKEN_TTL = 3600
            _token, _at = None, 0.0


            def get_token():
                global _token, _at
                if _token and time.monotonic() - _at < TOKEN_TTL:
                    return _token
            """ + _FETCH + """
                _token, _at = response.json()["access_token"], time.monotonic()
                return _token
            """,
            line=15,
            message="keeps the bol token for 3600 s",
        ),
        Invalid(
            """
            import os

            import requests

            _tokens = {}


            def _new_token():
            """ + _FETCH + """
                _tokens["access_token"] = response.json()["access_token"]
                return _tokens["access_token"]


            def token():
                return _tokens.get("access_token") or _new_token()
            """,
            line=24,
            message="keeps the bol token with no expiry",
        ),
        Invalid(
            """
            import os

            import requests


            class BolShop:
                def __init__(self):
                    self.session = requests.Session()
                    self.login()

                def login(self):
                    response = self.session.post(
                        "https://login.bol.com/token",
                        auth=(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"]),
                        headers={"Accept": "application/json"},
                    )
                    self.session.headers["Authorization"] = "Bearer " + response.json()["access_token"]

                def inventory(self):
                    return self.session.get("https://api.bol.com/retailer/inventory",
                                            headers={"Accept": "application/vnd.retailer.v10+json"}).json()
            """,
            line=9,
            message="from when the object is made, for as long as it lives",
        ),
        Invalid(
            """
            from datetime import datetime, timedelta
            import requests

            class Auth:
                def __init__(self, auth):
                    self.auth, self.token, self.valid_until = auth, None, datetime.min

                def get(self):
                    if self.token and datetime.utcnow() < self.valid_until:
                        return self.token
                    self.token = requests.post("https://login.bol.com/token", auth=self.auth,
                                               data={"grant_type": "client_credentials"},
                                               headers={"Accept": "application/json"}).json()["access_token"]
                    self.valid_until = datetime.utcnow() + timedelta(seconds=535)
                    return self.token
            """,
            message="535 s",
        ),
        Invalid(
            """
            import requests
            from cachetools import TTLCache, cached

            @cached(cache=TTLCache(maxsize=1, ttl=3600))
            def authenticate():
                return requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=("id", "secret"), headers={"Accept": "application/json"}).json()["access_token"]

            def returns():
                return requests.get("https://api.bol.com/retailer/returns",
                                    headers={"Authorization": f"Bearer {authenticate()}",
                                             "Accept": "application/vnd.retailer.v10+json"}).json()
            """,
            message="3600 s",
        ),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        for found in outliving(project.tokenflow):
            yield self.make_finding(found.path, found.span, _message(found), flagged=found.func or "<module>")


def _message(found: Outlives) -> str:
    where = f"`{found.func}`" if found.func else "this module"
    life = found.request.lifetime
    return (f"{where} keeps the bol token {found.how}, and nothing requests a new one when bol "
            f"answers 401: bol's tokens live {life} s, after which every API call with it fails "
            f"(Expired JWT); keep `expires_in` with the token and renew before it passes, or renew "
            f"on a 401 and send the request again")
