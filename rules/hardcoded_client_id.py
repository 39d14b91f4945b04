"""BOL102 hardcoded-client-id."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import (
    advice,
    CLIENT_ID,
    Finding,
    Invalid,
    Project,
    ProjectRule,
    Severity,
    Valid,
)


# Fake ids, random but fixed. A UUID alone is no finding, so they can sit here whole; the secret
# is kept in pieces so that this file holds no credential bolaudit would report.
_FAKES = {
    "@ID@": "ae818bd8-2a90-4831-9a22-c9e17fd7ef76",
    "@ORDER@": "3de846a4-90e0-4516-a4bf-01b6bbc78723",
    "@OFFER@": "7341c751-4ce0-4e7b-b3b4-0f196313c44c",
    "@LABEL@": "996eb5fc-5e0f-4bd5-87e1-5553d4801ee0",
    "@SECRET@": "ROOjP9x-_Mt_g1FDpKW@0hT4dfR6kq(y" "ma6vBpdpqTcWV!2MamrNF?Llvfqm+_(0",
}


def _fill(text: str) -> str:
    for marker, value in _FAKES.items():
        text = text.replace(marker, value)
    return text


class HardcodedClientId(ProjectRule):
    """A bol.com client id is written into the code or a config file.

    ## What it does
    Finds a bol Retailer API client id (a UUID) where it is used as one: under a name or key such
    as `client_id`, `clientId`, `BOL_CLIENT_ID` or `CLIENT_ID`, as the first half of an `auth=`
    tuple or `HTTPBasicAuth(...)`, as `username=` next to a client secret, in a `uuid:secret`
    pair (`curl -u`) or inside a ready `Basic` header. In Python, `.env`, YAML, JSON, TOML, INI,
    Dockerfiles, shell, docker-compose files, notebooks and Markdown. Order, offer, shipping
    label, transport and process-status ids are UUIDs too and are never reported; nor are
    placeholders (`<CLIENT_ID>`, the nil UUID), bol's documented example id, other services'
    client ids (`AZURE_CLIENT_ID`) or ids read from the environment.

    ## Why is this bad
    bol's rule is that credentials must not be in source control, and the client id is half of
    the credential pair: it names the seller's API credentials, so a leaked id makes a leaked or
    guessed secret usable and ties the repository to one shop. It is a warning, not an error,
    because the id alone cannot fetch a token. Hard-coding it also pins the code to one set of
    credentials, so rotating them in the seller dashboard means a code change.

    ## Example
    ```python
    requests.post(TOKEN_URL, auth=("0f6c…e2a", os.environ["BOL_CLIENT_SECRET"]))  # a real UUID here
    ```

    ## Use instead
    ```python
    requests.post(TOKEN_URL, auth=(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"]))
    ```
    Keep both halves in the environment or a secret store, and show `<BOL_CLIENT_ID>` in docs.

    ## Fix
    No automatic fix: load the client id from the same place as the secret.

    ## References
    - bol's token service, which takes the client id and secret: <https://login.bol.com/token>
    - Retailer API v10 (OpenAPI): <https://api.bol.com/retailer/public/apispec/Retailer%20API%20-%20v10>
    """

    code = "BOL102"
    name = "hardcoded-client-id"
    severity = Severity.WARNING

    VALID = [
        Valid(
            _fill(
                """
                import requests

                ORDER_ID = "@ORDER@"

                def ship(session: requests.Session, order_item_id: str) -> None:
                    session.put(
                        "https://api.bol.com/retailer/orders/shipment",
                        json={"orderItems": [{"orderItemId": order_item_id}],
                              "shippingLabelId": "@LABEL@"},
                    )
                    session.get("https://api.bol.com/shared/process-status/@OFFER@")
                """
            ),
            note="order, label and process-status ids",
        ),
        Valid(
            {
                "tests/data/offers.json": _fill(
                    '{"offerId": "@OFFER@", "ean": "8712345678904", "transportId": "@LABEL@"}\n'
                ),
                "docs/orders.md": _fill("Order `@ORDER@` was shipped with transport @LABEL@.\n"),
            },
            note="ids of orders, offers and transports in data and docs",
        ),
        Valid(
            """
            import os

            CLIENT_ID = os.environ["BOL_CLIENT_ID"]
            client = Client(client_id=os.getenv("BOL_CLIENT_ID"), client_secret=os.getenv("BOL_CLIENT_SECRET"))
            """,
            note="read from the environment",
        ),
        Valid(
            {
                ".env.example": "BOL_CLIENT_ID=00000000-0000-0000-0000-000000000000\nBOL_CLIENT_SECRET=\n",
                "README.md": "Example client id: `b9e44ad0-32fa-4gv7-9705-c107d8ceg80c`; use <CLIENT_ID>.\n",
            },
            note="the nil UUID, bol's documented example and placeholders",
        ),
        Valid(
            _fill('AZURE_CLIENT_ID = "@ID@"\nGRAPH_SCOPE = "https://graph.microsoft.com/.default"\n'),
            note="another service's client id",
        ),
        Valid(
            _fill(
                """
                import requests

                BASE = "https://api.bol.com/retailer"

                def order(session: requests.Session) -> dict:
                    return session.get(BASE + "/orders/" + "@ORDER@").json()

                def status(session: requests.Session) -> dict:
                    return session.get("/".join([BASE.replace("/retailer", "/shared"), "process-status", "@OFFER@"])).json()

                LABEL_QUERY = f"shippingLabelId={'@LABEL@'}&orderId=" + "@ORDER@"
                """
            ),
            note="order, process-status and label ids in concatenations, joins and f-strings",
        ),
    ]
    INVALID = [
        Invalid(
            _fill(
                """
                import os

                CLIENT_ID = "@ID@"
                CLIENT_SECRET = os.environ["BOL_CLIENT_SECRET"]
                """
            ),
            line=3,
            message='os.environ["BOL_CLIENT_ID"]',
        ),
        Invalid({".env": _fill("BOL_CLIENT_ID=@ID@\nBOL_CLIENT_SECRET=${VAULT_BOL_SECRET}\n")}, line=1, path=".env"),
        Invalid(
            _fill(
                """
                import os
                import requests

                def token() -> str:
                    r = requests.post("https://login.bol.com/token",
                                      auth=("@ID@", os.environ["BOL_CLIENT_SECRET"]),
                                      data={"grant_type": "client_credentials"})
                    return r.json()["access_token"]
                """
            ),
            line=6,
            message="auth= tuple",
        ),
        Invalid(
            _fill('from requests.auth import HTTPBasicAuth\n\nAUTH = HTTPBasicAuth("@ID@", SECRET)\n'),
            line=3,
        ),
        Invalid(
            {"config/settings.yaml": _fill("bol:\n  client_id: '@ID@'\n  retailer_url: https://api.bol.com/retailer\n")},
            line=2,
        ),
        Invalid(
            {"shop/orders.json": _fill('{"clientId": "@ID@", "orderId": "@ORDER@"}\n')},
            count=1,
        ),
        Invalid(
            {"Dockerfile": _fill("FROM python:3.12-slim\nENV BOL_CLIENT_ID=@ID@\n")},
            line=2,
        ),
        Invalid(
            {"scripts/token.sh": _fill("curl -u '@ID@:@SECRET@' -X POST https://login.bol.com/token\n")},
            line=1,
        ),
        Invalid(
            _fill(
                """
                import os
                import requests

                def token() -> str:
                    body = f"grant_type=client_credentials&client_id=@ID@&client_secret={os.environ['BOL_CLIENT_SECRET']}"
                    return requests.post("https://login.bol.com/token", data=body,
                                         headers={"Accept": "application/json"}).json()["access_token"]
                """
            ),
            line=5,
            count=1,
            message="client_id inside a string literal",
            note="in a form body",
        ),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        for path in sorted(project.modules):
            for s in project.modules[path].sightings:
                if s.kind != CLIENT_ID:
                    continue
                yield self.make_finding(
                    path,
                    s.span,
                    f"bol client id `{s.masked}` is hard-coded ({s.context}); {advice(path, s.kind)}",
                    flagged=s.fingerprint,
                    properties=(("masked", s.masked), ("fingerprint", s.fingerprint)),
                )
