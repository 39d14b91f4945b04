"""BOL203 token-request-accept."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import (
    AcceptSent,
    Finding,
    Invalid,
    Project,
    ProjectRule,
    ResolvedRequest,
    Severity,
    Valid,
    accept_json_fix,
    accept_sent,
    by_call,
)


class TokenRequestAccept(ProjectRule):
    """A token request asks for a media type other than `application/json`, or for none.

    ## What it does
    Checks the effective `Accept` header of every request to bol's token service: the call's
    own headers, a session's default headers set anywhere in the project (`Session(headers=...)`,
    `session.headers.update(...)`, `session.headers["Accept"] = ...`), headers passed through a
    wrapper's `**kwargs`, and constants from other modules. It reports a token request whose
    `Accept` lists no `application/json`; the most common cause is a session whose default
    `Accept` is the Retailer API's `application/vnd.retailer.v10+json`, used for the token
    request too. It also reports a token request that sets no `Accept` at all (or only `*/*`):
    requests, httpx and aiohttp then send `*/*`, urllib and urllib3 send no `Accept`. An OAuth2
    session's `fetch_token()` (requests-oauthlib, authlib) sends `Accept: application/json` by
    itself and is fine, unless it is given `headers=`, which replace the library's own. When the
    call can take the header safely (a literal headers dict, or no headers), `--fix` adds
    `"Accept": "application/json"`.

    ## Why is this bad
    bol's token service only supports `Accept: application/json`. A Retailer media type or
    `application/xml` there gets an error instead of a token, often only in production, where the
    session's defaults differ from the test's mocks. A request that leaves the choice to the
    library's `*/*` relies on what bol does with an Accept it does not support today.

    ## Example
    ```python
    session.headers.update({"Accept": "application/vnd.retailer.v10+json"})
    session.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                 auth=(client_id, client_secret))
    ```

    ## Use instead
    ```python
    session.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                 auth=(client_id, client_secret), headers={"Accept": "application/json"})
    ```

    ## Fix
    Fix available: `bolaudit check --fix` adds `"Accept": "application/json"` to a token request
    that sends none (its literal headers dict, or a call that passes no headers); a wrong Accept is
    left for you to correct.

    ## References
    - bol's token service, which answers application/json only: <https://login.bol.com/token>
    """

    code = "BOL203"
    name = "token-request-accept"
    severity = Severity.WARNING

    VALID = [
        Valid(
            """
            import requests

            resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                 auth=("id", "secret"), headers={"Accept": "application/json"})
            """
        ),
        Valid(
            """
            import requests

            class Bol:
                def __init__(self, client_id, client_secret):
                    self.session = requests.Session()
                    self.session.headers.update({"Accept": "application/vnd.retailer.v10+json"})
                    token = requests.post("https://login.bol.com/token?grant_type=client_credentials",
                                          auth=(client_id, client_secret),
                                          headers={"Accept": "application/json"}).json()["access_token"]
                    self.session.headers["Authorization"] = f"Bearer {token}"

                def orders(self):
                    return self.session.get("https://api.bol.com/retailer/orders").json()
            """,
            note="the session's Retailer Accept is not used for the token request",
        ),
        Valid(
            """
            import httpx

            async def token(client_id, client_secret):
                async with httpx.AsyncClient() as http:
                    resp = await http.post("https://login.bol.com/token",
                                           data={"grant_type": "client_credentials"},
                                           auth=(client_id, client_secret),
                                           headers={"accept": "application/json; charset=utf-8"})
                    return resp.json()["access_token"]
            """,
        ),
        Valid(
            """
            import requests

            class Client:
                def __init__(self, client_id, client_secret):
                    self.client_id, self.client_secret = client_id, client_secret
                    self.session = requests.Session()
                    self._login()

                def _login(self):
                    self.session.headers.clear()
                    self.session.headers.update({"Accept": "application/json"})
                    body = {"client_id": self.client_id, "client_secret": self.client_secret,
                            "grant_type": "client_credentials"}
                    token = self.session.post("https://login.bol.com/token", data=body).json()["access_token"]
                    self.session.headers.update({"Accept": "application/vnd.retailer.v10+json",
                                                 "Authorization": "Bearer " + token})
            """,
            note="the session switches to the Retailer media type only after the token request",
        ),
        Valid(
            """
            import os

            from oauthlib.oauth2 import BackendApplicationClient
            from requests_oauthlib import OAuth2Session

            CLIENT_ID = os.environ["BOL_CLIENT_ID"]

            def bol_session():
                session = OAuth2Session(client=BackendApplicationClient(client_id=CLIENT_ID))
                session.fetch_token("https://login.bol.com/token", client_id=CLIENT_ID,
                                    client_secret=os.environ["BOL_CLIENT_SECRET"])
                session.headers["Accept"] = "application/vnd.retailer.v10+json"
                return session
            """,
            note="requests-oauthlib's fetch_token sends Accept: application/json by itself",
        ),
        Valid(
            """
            import os

            from authlib.integrations.httpx_client import AsyncOAuth2Client

            async def bol_client():
                client = AsyncOAuth2Client(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"],
                                           token_endpoint="https://login.bol.com/token",
                                           headers={"Accept": "application/vnd.retailer.v10+json"})
                await client.fetch_token("https://login.bol.com/token", grant_type="client_credentials")
                return client
            """,
            note="authlib's token request sends its own Accept: application/json, whatever the client's default",
        ),
    ]
    INVALID = [
        Invalid(
            """
            import requests

            class Bol:
                def __init__(self, client_id, client_secret):
                    self.client_id, self.client_secret = client_id, client_secret
                    self.session = requests.Session()
                    self.session.headers.update({"Accept": "application/vnd.retailer.v10+json"})

                def login(self):
                    resp = self.session.post("https://login.bol.com/token",
                                             data={"grant_type": "client_credentials"},
                                             auth=(self.client_id, self.client_secret))
                    self.session.headers["Authorization"] = "Bearer " + resp.json()["access_token"]
            """,
            line=10,
            message="application/vnd.retailer.v10+json",
        ),
        Invalid(
            {
                "bol/__init__.py": "",
                "bol/settings.py": """
                    HEADERS = {"Accept": "application/vnd.retailer.v10+json",
                               "Content-Type": "application/vnd.retailer.v10+json"}
                    TOKEN_URL = "https://login.bol.com/token"
                """,
                "bol/auth.py": """
                    import requests

                    from bol.settings import HEADERS, TOKEN_URL

                    def fetch_token(client_id, client_secret):
                        resp = requests.post(TOKEN_URL, params={"grant_type": "client_credentials"},
                                             auth=(client_id, client_secret), headers=HEADERS)
                        return resp.json()
                """,
            },
            path="bol/auth.py",
            line=6,
        ),
        Invalid(
            """
            import requests

            def _post(url, accept, **kwargs):
                return requests.post(url, headers={"Accept": accept}, **kwargs)

            def token(client_id, client_secret):
                return _post("https://login.bol.com/token", "application/xml",
                             data={"grant_type": "client_credentials"},
                             auth=(client_id, client_secret)).json()
            """,
            line=7,
            message="application/xml",
        ),
        Invalid(
            """
            import os
            import time

            import requests

            TOKEN_URL = "https://login.bol.com/token"
            _cache = {"token": None, "expires_at": 0.0}

            def bol_token():
                if _cache["token"] is None or time.time() > _cache["expires_at"] - 30:
                    resp = requests.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                                         auth=(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"]),
                                         timeout=10)
                    resp.raise_for_status()
                    body = resp.json()
                    _cache.update(token=body["access_token"], expires_at=time.time() + body["expires_in"])
                return _cache["token"]
            """,
            line=11,
            count=1,
            message="sets no Accept header, so requests sends `Accept: */*`",
            fixed="""
            import os
            import time

            import requests

            TOKEN_URL = "https://login.bol.com/token"
            _cache = {"token": None, "expires_at": 0.0}

            def bol_token():
                if _cache["token"] is None or time.time() > _cache["expires_at"] - 30:
                    resp = requests.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                                         auth=(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"]),
                                         timeout=10,
                                         headers={"Accept": "application/json"})
                    resp.raise_for_status()
                    body = resp.json()
                    _cache.update(token=body["access_token"], expires_at=time.time() + body["expires_in"])
                return _cache["token"]
            """,
            note="no Accept at all: the library's */* goes out",
        ),
        Invalid(
            """
            import base64
            import json
            import urllib.parse
            import urllib.request

            def fetch_token(client_id: str, client_secret: str) -> dict:
                basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
                request = urllib.request.Request(
                    "https://login.bol.com/token",
                    data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
                    headers={"Authorization": f"Basic {basic}",
                             "Content-Type": "application/x-www-form-urlencoded"},
                    method="POST",
                )
                with urllib.request.urlopen(request, timeout=10) as response:
                    return json.load(response)
            """,
            line=8,
            message="sets no Accept header, and urllib sends none",
            fixed="""
            import base64
            import json
            import urllib.parse
            import urllib.request

            def fetch_token(client_id: str, client_secret: str) -> dict:
                basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
                request = urllib.request.Request(
                    "https://login.bol.com/token",
                    data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
                    headers={"Authorization": f"Basic {basic}",
                             "Content-Type": "application/x-www-form-urlencoded",
                             "Accept": "application/json"},
                    method="POST",
                )
                with urllib.request.urlopen(request, timeout=10) as response:
                    return json.load(response)
            """,
            note="a literal headers dict without Accept gets the entry",
        ),
        Invalid(
            """
            import os

            from oauthlib.oauth2 import BackendApplicationClient
            from requests_oauthlib import OAuth2Session

            def bol_session():
                client_id = os.environ["BOL_CLIENT_ID"]
                session = OAuth2Session(client=BackendApplicationClient(client_id=client_id))
                session.fetch_token("https://login.bol.com/token", client_id=client_id,
                                    client_secret=os.environ["BOL_CLIENT_SECRET"],
                                    headers={"User-Agent": "shop-sync/2.3"})
                return session
            """,
            line=9,
            message="sets no Accept header",
            note="headers= replaces requests-oauthlib's own Accept: application/json",
        ),
        Invalid(
            """
            import httpx

            BOL_TOKEN_URL = "https://login.bol.com/token"

            async def token(http: httpx.AsyncClient, client_id: str, client_secret: str) -> str:
                resp = await http.post(BOL_TOKEN_URL, data={"grant_type": "client_credentials"},
                                       auth=(client_id, client_secret), headers={"Accept": "*/*"})
                return resp.json()["access_token"]
            """,
            line=6,
            message="`Accept: */*`",
            note="a wildcard is what the library sends anyway",
        ),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        sites = {(r.site.path, r.site.span) for r in project.tokenflow.requests}
        done: set[tuple[str, object]] = set()
        for reqs in by_call(project.requests).values():
            found = [(r, accept_sent(project.index, project.evaluator, r))
                     for r in reqs if (r.site.path, r.site.span) in sites]
            # The fix goes on the HTTP call: only when every request it sends is a token request
            # that sets no Accept (a wrapper that also sends API requests is left alone).
            fixable = len(found) == len(reqs) and all(a.state == "default" for _, a in found)
            for req, accept in found:
                site = (req.site.path, req.site.span)
                if site in done or accept.state == "unknown" or accept.asks_json:
                    continue
                done.add(site)
                fix = None
                if fixable and project.config.fixes and req.site.path == req.path:
                    fix = accept_json_fix(project, reqs)
                yield self.make_finding(
                    req.site.path, req.site.span, _message(req, accept),
                    # A wrong Accept keeps the fingerprint it always had (baselines stay valid).
                    flagged=f"{req.site.func}|{accept.value if accept.state == 'sent' else '(none)'}", fix=fix,
                )


def _message(req: ResolvedRequest, accept: AcceptSent) -> str:
    wanted = "bol's token service only supports `Accept: application/json`"
    if accept.state == "default":
        lib = req.library if req.library != "unknown" else "the HTTP library"
        sends = f"so {lib} sends `Accept: {accept.value}`" if accept.value else f"and {lib} sends none"
        return f"this token request sets no Accept header, {sends}; {wanted}: add `\"Accept\": \"application/json\"`"
    if accept.wildcard_only:
        return (f"this token request sends `Accept: {accept.value}`, what the library would send anyway; "
                f"{wanted}: send that instead")
    return (f"this token request sends `Accept: {accept.value}`, but {wanted}: send that header on the "
            "token request (a session's default Retailer media type applies to every request made with it)")
