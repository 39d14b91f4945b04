"""BOL205 wrong-token-endpoint."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import Finding, Invalid, Project, ProjectRule, Severity, TOKEN_URL, Valid


class WrongTokenEndpoint(ProjectRule):
    """A token is requested from a bol URL other than `https://login.bol.com/token`.

    ## What it does
    Finds requests that carry a token grant (`grant_type=...` in the form body, the query string
    or `params`), OAuth2 sessions' `fetch_token(token_url=...)`, and Basic-authenticated posts
    to a token-looking path (`.../oauth/token`), whose URL, resolved across modules, is a bol
    host but not `login.bol.com/token`: `https://api.bol.com/retailer/oauth/token`,
    `https://login.bol.com/oauth2/token`, `https://api.bol.com/token`. Token URLs of other
    providers and URLs bolaudit cannot resolve (read from the environment without a default)
    are not reported; an `http://` token URL is BOL304's.

    ## Why is this bad
    bol has one token service, `https://login.bol.com/token`, for client credentials and the Code
    Flow alike. Another URL answers with an error (or a login page) instead of a token, and
    posting the client's Basic credentials to it sends the client secret where it does not
    belong. URLs copied from other providers' OAuth documentation or from old Plaza-era
    examples are the usual cause.

    ## Example
    ```python
    requests.post("https://api.bol.com/retailer/oauth/token",
                  data={"grant_type": "client_credentials"}, auth=(client_id, client_secret))
    ```

    ## Use instead
    ```python
    requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                  auth=(client_id, client_secret), headers={"Accept": "application/json"})
    ```

    ## Fix
    No automatic fix: point the token request at bol's token service.

    ## References
    - bol's token service: <https://login.bol.com/token>
    """

    code = "BOL205"
    name = "wrong-token-endpoint"
    severity = Severity.ERROR

    VALID = [
        Valid(
            """
            import requests

            def token(client_id, client_secret):
                return requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=(client_id, client_secret)).json()["access_token"]
            """
        ),
        Valid(
            {
                "bol/__init__.py": "",
                "bol/config.py": 'TOKEN_URL = "https://login.bol.com/token?grant_type=client_credentials"\n',
                "bol/auth.py": """
                    import requests

                    from bol.config import TOKEN_URL

                    def token(client_id, client_secret):
                        return requests.post(TOKEN_URL, auth=(client_id, client_secret)).json()
                """,
            },
        ),
        Valid(
            """
            import os
            import requests

            def google_token(refresh_token):
                return requests.post("https://oauth2.googleapis.com/token",
                                     data={"grant_type": "refresh_token", "refresh_token": refresh_token,
                                           "client_id": os.environ["GOOGLE_CLIENT_ID"]}).json()

            def bol_token():
                return requests.post(os.environ["BOL_TOKEN_URL"], data={"grant_type": "client_credentials"},
                                     auth=(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])).json()
            """,
            note="another provider's token URL; a URL read from the environment",
        ),
    ]
    INVALID = [
        Invalid(
            """
            import requests

            def token(client_id, client_secret):
                resp = requests.post("https://api.bol.com/retailer/oauth/token",
                                     data={"grant_type": "client_credentials"}, auth=(client_id, client_secret))
                return resp.json()["access_token"]
            """,
            line=4,
            message="https://api.bol.com/retailer/oauth/token",
        ),
        Invalid(
            {
                "bol/__init__.py": "",
                "bol/config.py": """
                    import os

                    BASE_URL = os.getenv("BOL_BASE_URL", "https://api.bol.com")
                    TOKEN_URL = BASE_URL + "/token"
                """,
                "bol/client.py": """
                    import requests

                    from bol import config

                    class Client:
                        def __init__(self, client_id, client_secret):
                            self.session = requests.Session()
                            self.auth = (client_id, client_secret)

                        def _token(self):
                            return self.session.post(config.TOKEN_URL, params={"grant_type": "client_credentials"},
                                                     auth=self.auth).json()["access_token"]
                """,
            },
            path="bol/client.py",
            line=11,
            message="https://api.bol.com/token",
        ),
        Invalid(
            """
            import base64
            import requests

            def login(client_id, client_secret):
                basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
                return requests.post("https://login.bol.com/oauth2/token",
                                     headers={"Authorization": f"Basic {basic}", "Accept": "application/json"}).json()
            """,
            line=6,
        ),
        Invalid(
            """
            from authlib.integrations.requests_client import OAuth2Session

            def session(client_id, client_secret):
                oauth = OAuth2Session(client_id, client_secret)
                oauth.fetch_token("https://login.bol.com/oauth/token", grant_type="client_credentials")
                return oauth
            """,
            line=5,
        ),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        for req in project.tokenflow.requests:
            if not req.wrong_endpoint:
                continue
            url = req.url_text
            yield self.make_finding(
                req.site.path,
                req.site.span,
                f"this {req.describe} goes to `{url}`, but bol's token service is `{TOKEN_URL}` (for client "
                "credentials and the Code Flow alike): send token requests there",
                flagged=f"{req.site.func}|{url}",
            )
