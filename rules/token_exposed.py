"""BOL204 token-exposed."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import Finding, Invalid, Project, ProjectRule, Severity, Valid


_AUTH = '''
import requests

class BolAuth:
    def __init__(self, client_id, client_secret):
        self.client_id = client_id
        self.client_secret = client_secret

    def get_token(self):
        resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                             auth=(self.client_id, self.client_secret),
                             headers={"Accept": "application/json"})
        resp.raise_for_status()
        return resp.json()["access_token"]
'''


class TokenExposed(ProjectRule):
    """An access token, a refresh token or a client secret is printed, logged or handed out.

    ## What it does
    Follows tokens and secrets (names such as `token`, `access_token`, `client_secret`,
    `BOL_CLIENT_SECRET`; `data["access_token"]`; the body of a token response; whatever a
    function that returns a token returns, in any module) through local assignments, f-strings,
    concatenation, `%`/`.format`, `json.dumps` and header dicts, and reports the call that
    writes one to `print`, a `logging` call (or any logger's `debug`/`info`/`warning`/`error`/
    `exception`), `warnings.warn`, an exception message, or that a web route (Flask, FastAPI,
    Django views) returns to its caller. A transformed value (`token[:4]`, `mask(token)`,
    `len(token)`) is not reported, nor is the response body logged only on an error path.

    ## Why is this bad
    bol's rule: secrets and tokens must not end up in logs or URLs. Logs are shipped to
    aggregators, error trackers and support tickets, and readable by far more people than the
    seller's credentials should be. An access token gives full access to the seller's shop
    (orders, customer addresses, offers, prices) until it expires; a refresh token or a client
    secret gives it for up to a year, and the only remedy is to rotate the credentials. A route
    that returns a token hands it to any browser that can reach it.

    ## Example
    ```python
    token = resp.json()["access_token"]
    logger.debug("bol token: %s", token)
    ```

    ## Use instead
    ```python
    logger.debug("bol token refreshed, expires in %s s", resp.json()["expires_in"])
    logger.debug("bol token %s…", token[:4])  # a masked prefix at most
    ```

    ## Fix
    No automatic fix: what to log instead (nothing, or a masked form) is for the code's author
    to decide.

    ## References
    - bol's token service, whose tokens and secrets these are: <https://login.bol.com/token>
    - Retailer API v10 (OpenAPI): <https://api.bol.com/retailer/public/apispec/Retailer%20API%20-%20v10>
    """

    code = "BOL204"
    name = "token-exposed"
    severity = Severity.ERROR

    VALID = [
        Valid(
            """
            import logging
            import requests

            log = logging.getLogger(__name__)

            def refresh(client_id, client_secret):
                resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=(client_id, client_secret))
                body = resp.json()
                log.info("bol token for %s refreshed, expires in %s s", client_id, body["expires_in"])
                log.debug("bol token %s…", body["access_token"][:4])
                return body["access_token"]
            """,
            note="the client id, the expiry and a masked prefix are fine",
        ),
        Valid(
            """
            import requests

            class BolAuthError(Exception):
                pass

            def fetch(client_id, client_secret):
                resp = requests.post("https://login.bol.com/token?grant_type=client_credentials",
                                     auth=(client_id, client_secret))
                if resp.status_code != 200:
                    raise BolAuthError(f"bol token request failed: {resp.status_code} {resp.text}")
                return resp.json()["access_token"]
            """,
            note="the error body of a failed token request holds no token",
        ),
        Valid(
            {
                "bol/__init__.py": "",
                "bol/auth.py": _AUTH,
                "web/__init__.py": "",
                "web/app.py": """
                    import os
                    import requests
                    from flask import Flask, jsonify

                    from bol.auth import BolAuth

                    app = Flask(__name__)
                    auth = BolAuth(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])

                    @app.get("/orders")
                    def orders():
                        resp = requests.get("https://api.bol.com/retailer/orders",
                                            headers={"Authorization": f"Bearer {auth.get_token()}",
                                                     "Accept": "application/vnd.retailer.v10+json"})
                        return jsonify(resp.json())
                """,
            },
            note="a route that uses the token but returns only the API's data",
        ),
        Valid(
            """
            import logging

            logger = logging.getLogger("bol")

            def connect(settings):
                if not settings.BOL_CLIENT_SECRET:
                    logger.error("BOL_CLIENT_SECRET is not set")
                    raise RuntimeError("set BOL_CLIENT_SECRET in the environment")
                print("connecting to bol as", settings.BOL_CLIENT_ID)
            """,
            note="naming the setting is fine, printing its value is not",
        ),
    ]
    INVALID = [
        Invalid(
            """
            import logging
            import requests

            logger = logging.getLogger(__name__)

            def get_token(client_id, client_secret):
                resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=(client_id, client_secret))
                token = resp.json()["access_token"]
                logger.debug("Got bol token %s", token)
                return token
            """,
            line=10,
            message="access token",
        ),
        Invalid(
            {
                "bol/__init__.py": "",
                "bol/auth.py": _AUTH,
                "scripts/debug_token.py": """
                    import os

                    from bol.auth import BolAuth

                    auth = BolAuth(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])
                    print(f"Authorization: Bearer {auth.get_token()}")
                """,
            },
            path="scripts/debug_token.py",
            line=6,
            message="the result of `BolAuth.get_token()`",
        ),
        Invalid(
            """
            import os
            import warnings

            CLIENT_ID = os.environ["BOL_CLIENT_ID"]
            CLIENT_SECRET = os.environ["BOL_CLIENT_SECRET"]

            class BolConfigError(Exception):
                pass

            def check_credentials():
                if len(CLIENT_SECRET) != 64:
                    warnings.warn(f"unexpected bol secret {CLIENT_SECRET}")
                if not CLIENT_ID:
                    raise BolConfigError(f"missing client id for secret {CLIENT_SECRET}")
            """,
            line=12,
            count=2,
            message="client secret",
        ),
        Invalid(
            {
                "bol/__init__.py": "",
                "bol/auth.py": _AUTH,
                "api/__init__.py": "",
                "api/routes.py": """
                    from fastapi import APIRouter

                    from bol.auth import BolAuth

                    router = APIRouter()

                    @router.get("/internal/bol-token")
                    def bol_token(auth: BolAuth):
                        return {"access_token": auth.get_token(), "token_type": "Bearer"}
                """,
            },
            path="api/routes.py",
            line=8,
            message="route `bol_token`",
        ),
        Invalid(
            """
            import requests

            def token(client_id, client_secret):
                resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=(client_id, client_secret), headers={"Accept": "application/json"})
                print(resp.json())
                return resp.json()["access_token"]
            """,
            line=6,
            message="token response",
        ),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        seen: set[tuple[str, object]] = set()
        for exp in project.exposures:
            key = (exp.path, exp.span)
            if key in seen:
                continue
            seen.add(key)
            yield self.make_finding(
                exp.path,
                exp.span,
                f"{_sink_text(exp.sink)} the {exp.what} ({exp.shown}): {_advice(exp.sink)}; secrets "
                "and tokens must not end up in logs, error reports or responses",
                flagged=f"{exp.sink}|{exp.what}|{exp.shown}|{exp.func}",
            )


def _sink_text(sink: str) -> str:
    if sink == "a log call":
        return "this log call writes"
    if sink == "an exception message":
        return "this exception's message carries"
    if sink.startswith("the response of"):
        return f"{sink} hands out"
    if sink == "warnings.warn":
        return "this warning carries"
    return f"this {sink} call writes out"


def _advice(sink: str) -> str:
    if sink.startswith("the response of"):
        return "keep tokens on the server and return only the data the caller needs"
    return "log or show a masked form (the first 4 characters and `…`) or nothing at all"
