"""BOL203 token-request-accept."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import accept_sent, Finding, Invalid, Project, ProjectRule, Severity, Valid


ACCEPTED = ("application/json", "application/*", "*/*")


class TokenRequestAccept(ProjectRule):
    """A token request asks for a media type other than `application/json`.

    ## What it does
    Checks the effective `Accept` header of every request to bol's token service: the call's
    own headers, a session's default headers set anywhere in the project (`Session(headers=...)`,
    `session.headers.update(...)`, `session.headers["Accept"] = ...`), headers passed through a
    wrapper's `**kwargs`, and constants from other modules. It reports a token request whose
    `Accept` lists no `application/json` (or a wildcard). A token request without an `Accept`
    header is not reported. The most common cause is a session whose default `Accept` is the
    Retailer API's `application/vnd.retailer.v10+json`, used for the token request too.

    ## Why is this bad
    bol's token service only supports `Accept: application/json`. A Retailer media type or
    `application/xml` there gets an error instead of a token, often only in production, where the
    session's defaults differ from the test's mocks.

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
    No automatic fix: set `Accept: application/json` (or leave Accept out) on the token request.

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
                                          auth=(client_id, client_secret)).json()["access_token"]
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
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        sites = {(r.site.path, r.site.span) for r in project.tokenflow.requests}
        done: set[tuple[str, object]] = set()
        for req in project.requests:
            key = (req.site.path, req.site.span)
            if key not in sites or key in done:
                continue
            value = accept_sent(project.index, project.evaluator, req)
            if value is None or _accepts_json(value):
                continue
            done.add(key)
            yield self.make_finding(
                req.site.path,
                req.site.span,
                f"this token request sends `Accept: {value}`, but bol's token service only supports "
                "`Accept: application/json`: send that header on the token request (a session's default "
                "Retailer media type applies to every request made with it)",
                flagged=f"{req.site.func}|{value}",
            )


def _accepts_json(value: str) -> bool:
    types = [part.split(";", 1)[0].strip().lower() for part in value.split(",")]
    return any(t in ACCEPTED for t in types)
