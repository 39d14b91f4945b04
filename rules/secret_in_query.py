"""BOL305 secret-in-query."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qsl

from bolaudit.rules_api import (
    Finding,
    Invalid,
    Literal,
    literals_in,
    literals_of,
    Project,
    ProjectRule,
    REDACTED,
    ResolvedRequest,
    Severity,
    Span,
    Valid,
)


SECRET_NAMES = frozenset({
    "apikey", "api_key", "api-key", "key", "client_secret", "clientsecret", "secret", "access_token",
    "accesstoken", "refresh_token", "id_token", "token", "password", "bearer", "authorization",
})
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.")


class SecretInQuery(ProjectRule):
    """A token, client secret or API key is put in the query string of a bol URL.

    ## What it does
    Reports a request to a bol host (the API, the token service, the authorise page) whose URL
    query string, or whose `params=`, carries a parameter named like a secret (`apikey`,
    `client_secret`, `access_token`, `refresh_token`, `token`, `password`...), or a value that
    looks like a token or a client secret (a JWT, a bol secret's shape). The URL is followed through constants, f-strings, `%` and
    `.format`. It is reported at the URL literal when there is one, else at the HTTP call.
    Values are never shown.

    ## Why is this bad
    bol rejects secrets and tokens in URL query parameters. URLs also end up in server,
    proxy and application logs, browser history and error trackers: a client secret or a
    bearer token there is a leaked credential. The `?apikey=` style belonged to the retired
    Open API.

    ## Example
    ```python
    requests.post(f"https://login.bol.com/token?client_id={cid}&client_secret={secret}"
                  "&grant_type=client_credentials")
    ```

    ## Use instead
    ```python
    requests.post("https://login.bol.com/token", auth=(cid, secret),
                  data={"grant_type": "client_credentials"},
                  headers={"Accept": "application/json"})
    ```
    and send an access token as `Authorization: Bearer <token>`.

    ## Fix
    No automatic fix: move the value into a header (`Authorization`) or the form body.

    ## References
    - bol's token service: credentials in the Basic header, never the URL: <https://login.bol.com/token>
    - Code Flow authorisation, which rejects secrets and tokens in query parameters: <https://login.bol.com/authorize>
    """

    code = "BOL305"
    name = "secret-in-query"
    severity = Severity.ERROR

    VALID = [
        Valid(
            """
            import requests

            def token(cid, secret):
                return requests.post("https://login.bol.com/token?grant_type=client_credentials",
                                     auth=(cid, secret), headers={"Accept": "application/json"})
            """,
            note="grant_type in the query is seen in the wild and is no secret",
        ),
        Valid(
            """
            import requests

            def orders(token, page):
                return requests.get("https://api.bol.com/retailer/orders",
                                    params={"page": page, "fulfilment-method": "FBR"},
                                    headers={"Authorization": f"Bearer {token}",
                                             "Accept": "application/vnd.retailer.v10+json"})
            """
        ),
        Valid(
            """
            import requests

            def weather(key):
                return requests.get(f"https://api.example.com/v1/forecast?apikey={key}")
            """,
            note="not a bol host",
        ),
        Valid(
            """
            import logging

            log = logging.getLogger(__name__)

            def redact(url):
                if "client_secret=" in url:
                    log.warning("https://login.bol.com/token?client_secret=... must not be used")
                return url.split("?", 1)[0]
            """,
            note="a secret-looking query only compared and logged: nothing is sent",
        ),
    ]
    INVALID = [
        Invalid(
            """
            import requests

            def token(cid, secret):
                url = f"https://login.bol.com/token?client_id={cid}&client_secret={secret}&grant_type=client_credentials"
                return requests.post(url, headers={"Accept": "application/json"})
            """,
            line=4,
            message="client_secret",
        ),
        Invalid(
            {
                "bol/urls.py": 'ORDERS = "https://api.bol.com/retailer/orders?access_token=%s"\n',
                "bol/sync.py": """
                    import requests
                    from bol import urls

                    def orders(token):
                        return requests.get(urls.ORDERS % token)
                    """,
            },
            path="bol/sync.py",
            line=5,
            message="access_token",
        ),
        Invalid(
            """
            import requests

            API_KEY = "open-api-key"

            def search(q):
                return requests.get("https://api.bol.com/catalog/v4/search/", params={"q": q, "apikey": API_KEY})
            """,
            line=6,
            message="apikey",
        ),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        seen: set[tuple[str, Span, str]] = set()
        for req in project.requests:
            if not req.is_bol:
                continue
            for name in _secret_params(req):
                lit = _url_literal(project, req, name)
                path, span = (lit.path, lit.span) if lit is not None else (req.path, req.http.span)
                if (path, span, name) in seen:
                    continue
                seen.add((path, span, name))
                what = "a token-looking value" if name == "" else f"`{name}`"
                yield self.make_finding(
                    path, span,
                    f"the query string of {req.endpoint} on {req.url.host} carries {what}: bol rejects "
                    f"secrets and tokens in URL query parameters, and URLs end up in logs; send a "
                    f"token as Authorization: Bearer, client credentials as Basic auth",
                    flagged=f"{req.url.host}{req.url.path_text}?{name}",
                )


def _secret_params(req: ResolvedRequest) -> list[str]:
    """Names of secret-looking query parameters ("" for a token-looking value under any name)."""
    found: list[str] = []
    pairs = parse_qsl(req.url.query or "", keep_blank_values=True)
    pairs += [(name, value.known or "") for name, _, value in req.params.entries]
    for name, value in pairs:
        key = name.lower()
        if key in SECRET_NAMES and key not in found:
            found.append(key)
        elif (_JWT.search(value) or REDACTED in value) and "" not in found:
            found.append("")
    return found


def _url_literal(project: Project, req: ResolvedRequest, name: str) -> Literal | None:
    """The URL literal carrying the parameter: in the call, or anywhere in the modules involved."""
    needle = f"{name}=" if name else "?"
    for path, span in ((req.path, req.http.span), (req.site.path, req.site.span)):
        for lit in literals_in(project.index, path, span):
            if needle in lit.text.lower():
                return lit
    host = req.url.host or ""
    for path in {req.path, req.site.path}:
        facts = project.modules.get(path)
        if facts is None:
            continue

        for lit in literals_of(facts):
            if needle in lit.text.lower() and host in lit.text:
                return lit
    return None
