"""BOL101 hardcoded-client-secret."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote
from collections.abc import Iterator

from bolaudit.rules_api import (
    advice,
    CLIENT_SECRET,
    Finding,
    Invalid,
    Project,
    ProjectRule,
    Severity,
    Valid,
)


# Fake credentials, random but fixed. They are kept in pieces so that this file itself holds no
# credential bolaudit would report; ``_fill`` puts them into the cases.
_FAKES = {
    "@ID@": "b0892e17-df55-42c4-8289-94c36a5c0b3f",
    "@ORDER@": "02f56b60-af68-4130-8a94-1f0f7dc6ac80",
    "@SECRET@": "(?c7?DijVWQ?LR9AHW9tWgQ68wh+GP9" "!6NeUlX0wvYkGMAZx+(jvbss9tbVqcJzT",
    "@SECRET2@": "_1-g7)55VmlQj5IZovjH4VgwdSueGV+V" "Xvt4AyOiSlvl56)x(_5TN!HI4s(8c_mZ",
    "@URLSAFE@": "W4gf79GYy2kClBq48kVUJLI3Jb4n9Zhm" "9diUBSjHZUn463FmvZw58kqJEeExSkZQ",
    "@LEGACY@": "103VZ2WTCGa53XhMAG0ref0M09cTbQTNJoD29APk" "vms7gfmpNW2UUiLfZxiBXhLQ2_siFNNSuGhxPM4dzF_Mcg",
}
_FAKES["@BASIC@"] = base64.b64encode(f"{_FAKES['@ID@']}:{_FAKES['@SECRET@']}".encode()).decode()
# Pieces, for secrets a project builds from several literals.
for _n, (_a, _b) in enumerate(((0, 16), (16, 32), (32, 48), (48, 64))):
    _FAKES[f"@SECRET2_{_n}@"] = _FAKES["@SECRET2@"][_a:_b]
    _FAKES[f"@URLSAFE_{_n}@"] = _FAKES["@URLSAFE@"][_a:_b]
_FAKES["@SECRET_PCT@"] = quote(_FAKES["@SECRET@"], safe="")
_FAKES["@DIGEST_0@"], _FAKES["@DIGEST_1@"] = "9f86d081884c7d659a2feaa0c55ad015", "a3bf4f1b2b0b822cd15d6c15b0f00a08"


def _fill(text: str) -> str:
    for marker, value in _FAKES.items():
        text = text.replace(marker, value)
    return text


def _notebook(*lines: str, markdown: tuple[str, ...] = ()) -> str:
    cells: list[dict[str, object]] = []
    if markdown:
        cells.append({"cell_type": "markdown", "metadata": {}, "source": [_fill(line) for line in markdown]})
    cells.append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                  "source": [_fill(line) for line in lines]})
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


class HardcodedClientSecret(ProjectRule):
    """A bol.com client secret is written into the code, a config file or the docs.

    ## What it does
    Finds bol Retailer API client secrets in Python (assignments, class attributes, keyword
    arguments, dict values, `auth=` tuples, `HTTPBasicAuth(...)`, defaults of `os.getenv` /
    `os.environ.get` / `x or "..."`, comments, and strings built from literal pieces with `+`,
    implicit concatenation, f-strings or `"".join([...])`), in form bodies and query strings
    (`client_secret=...`, percent-encoded too), in a ready `"Basic <base64>"` header whose
    decoded form is `client_id:client_secret`, and in `.env`, YAML, JSON, TOML, INI, Dockerfiles,
    shell scripts, docker-compose files (UTF-8 or UTF-16), every cell and output of a notebook,
    and Markdown. A value must have the shape bol gives secrets: 64 characters of letters, digits and
    punctuation such as `!?()@+-_` (2024 onwards), or 86-87 characters of base64url (2019). Under
    a credential name (`client_secret`, `BOL_CLIENT_SECRET`, the second half of an `auth=` pair
    whose first half is a client id...) the shape is enough; anywhere else only the unmistakable
    shapes count (the modern one with punctuation no base64 has, or the legacy one), so SHA-256
    digests, base64 blobs and long identifiers are not reported. Placeholders (`<CLIENT_SECRET>`,
    `your-client-secret`, `${BOL_CLIENT_SECRET}`, `changeme`), masked values (`d3u2…Ngw`,
    `****`), bol's documented example secret and values read from the environment are not
    findings. A real-looking secret under a test-looking name is: bol's demo environment takes
    the same credentials as production. The message shows the value masked, never in full.

    ## Why is this bad
    bol's rule is that credentials must not be in source control. Client credentials give
    access to a seller's whole shop (orders, offers, prices, customer addresses, invoices); one
    leaked secret in a repository, a Docker image layer or a shared notebook is enough, and it
    stays in the history after the line is deleted. The only remedy is to rotate it: create new
    credentials in the seller dashboard and delete the old ones.

    ## Example
    ```python
    CLIENT_ID = os.environ["BOL_CLIENT_ID"]
    CLIENT_SECRET = "d3u2MrLqPqp32j9T…"  # the real 64-character secret
    ```

    ## Use instead
    ```python
    CLIENT_SECRET = os.environ["BOL_CLIENT_SECRET"]  # set by the deployment or a secret store
    ```
    Commit a `.env.example` with placeholders, keep `.env` in `.gitignore`, write
    `${BOL_CLIENT_SECRET}` in compose files, and show `<BOL_CLIENT_SECRET>` in documentation.
    If a secret was ever pushed, rotate it in the seller dashboard.

    ## Fix
    No automatic fix: where the secret should come from (the environment, a secret store) is the
    project's choice, and a secret that was committed must be rotated in the seller dashboard
    whatever the code does next.

    ## References
    - bol's token service, which takes the client id and secret: <https://login.bol.com/token>
    - Retailer API v10 (OpenAPI): <https://api.bol.com/retailer/public/apispec/Retailer%20API%20-%20v10>
    """

    code = "BOL101"
    name = "hardcoded-client-secret"
    severity = Severity.ERROR

    VALID = [
        Valid(
            """
            import os
            import requests

            CLIENT_ID = os.environ["BOL_CLIENT_ID"]
            CLIENT_SECRET = os.getenv("BOL_CLIENT_SECRET")

            def fetch_token():
                return requests.post(
                    "https://login.bol.com/token",
                    auth=(CLIENT_ID, CLIENT_SECRET),
                    data={"grant_type": "client_credentials"},
                    headers={"Accept": "application/json"},
                )
            """,
            note="read from the environment",
        ),
        Valid(
            {
                ".env.example": "BOL_CLIENT_ID=<your-client-id>\nBOL_CLIENT_SECRET=<your-client-secret>\n",
                "docker-compose.yml": """
                    services:
                      sync:
                        image: shop/sync
                        environment:
                          BOL_CLIENT_ID: ${BOL_CLIENT_ID}
                          BOL_CLIENT_SECRET: ${BOL_CLIENT_SECRET:?set it in .env}
                    """,
            },
            note="placeholders and references",
        ),
        Valid(
            {
                "README.md": """
                    # Shop sync

                    Ask the seller for API credentials (Settings > API settings). bol's example:

                    | setting | value |
                    | --- | --- |
                    | client id | `b9e44ad0-32fa-4gv7-9705-c107d8ceg80c` |
                    | client secret | `d3u2MrLqPqp32j9Tg8!?Xr4Zq(Pe7@mW2sKc-Nf5+Bh_Ly6)Dt3Vj9Qa1Gz0sNgw` |

                    The logs show the secret masked: `d3u2…Ngw`, or `****************`.
                    """,
            },
            note="bol's documented example values and masked values",
        ),
        Valid(
            _fill(
                """
                LABEL_SHA256 = "33d1ca888ac12acde5f5d899124cde1604cf84fc10a1a4a31a10986b6c1e72fc"
                PROCESS_STATUS_ID = "@ORDER@"
                client_secret_digest = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
                """
            ),
            note="SHA-256 hex digests are 64 characters too",
        ),
        Valid(
            _fill('CSRF_TOKEN = "@URLSAFE@"\nSESSION_KEY = b"@URLSAFE@"\n'),
            note="a random 64-character token without bol punctuation or a credential name",
        ),
        Valid(
            _fill('AZURE_CLIENT_ID = "@ID@"\nAZURE_CLIENT_SECRET = "@SECRET@"\n'),
            note="another service's credentials",
        ),
        Valid(
            'CLIENT_SECRET = "changeme"\nBOL_CLIENT_SECRET = os.getenv("BOL_CLIENT_SECRET", "your-client-secret")\n',
            note="placeholders as defaults",
        ),
        Valid(
            _fill(
                """
                import os
                import requests

                TOKEN_URL = "https://login.bol.com/token"
                LABEL_DIGEST = "@DIGEST_0@" + "@DIGEST_1@"

                def fetch_token() -> str:
                    body = ("grant_type=client_credentials&client_id=" + os.environ["BOL_CLIENT_ID"]
                            + "&client_secret=" + os.environ["BOL_CLIENT_SECRET"])
                    headers = {"Accept": "application/json",
                               "Content-Type": "application/x-www-form-urlencoded"}
                    return requests.post(TOKEN_URL, data=body, headers=headers).json()["access_token"]

                def order_url(order_id: str) -> str:
                    return "/".join(["https://api.bol.com/retailer", "orders", order_id])
                """
            ),
            note="a form body built from the environment, a digest in two pieces",
        ),
        Valid(
            {"docs/token.md": "Send `grant_type=client_credentials&client_id=<client-id>&client_secret=<client-secret>`"
                              " as the form body; never put the secret in the URL (`?client_secret=...`).\n"},
            note="placeholders in a documented form body",
        ),
    ]
    INVALID = [
        Invalid(
            _fill(
                """
                import os

                BOL_CLIENT_ID = os.environ["BOL_CLIENT_ID"]
                BOL_CLIENT_SECRET = "@URLSAFE@"
                """
            ),
            line=4,
            message='os.environ["BOL_CLIENT_SECRET"]',
            note="settings module; the shape needs the name here",
        ),
        Invalid(
            {".env": _fill("# bol.com\nBOL_CLIENT_ID=@ID@\nBOL_CLIENT_SECRET='@SECRET@'\n")},
            line=3,
            path=".env",
            count=1,
        ),
        Invalid(
            {
                "docker-compose.yml": _fill(
                    """
                    services:
                      sync:
                        image: shop/sync
                        environment:
                          - BOL_CLIENT_ID=@ID@
                          - BOL_CLIENT_SECRET=@SECRET2@
                    """
                )
            },
            line=6,
        ),
        Invalid(
            {
                "README.md": _fill(
                    """
                    # Shop sync

                    Fetch a token by hand:

                    ```bash
                    curl -u @ID@:@SECRET@ -X POST \\
                      'https://login.bol.com/token?grant_type=client_credentials'
                    ```
                    """
                )
            },
            line=6,
        ),
        Invalid({"explore.ipynb": _notebook("import requests\n", 'client_secret = "@SECRET@"\n')}, count=1),
        Invalid(
            _fill(
                """
                import requests
                from requests.auth import HTTPBasicAuth

                def token():
                    auth = HTTPBasicAuth("@ID@", "@URLSAFE@")
                    return requests.post("https://login.bol.com/token", auth=auth,
                                         data={"grant_type": "client_credentials"})
                """
            ),
            line=5,
        ),
        Invalid(
            _fill('HEADERS = {"Authorization": "Basic @BASIC@", "Accept": "application/json"}\n'),
            line=1,
            message="Basic header",
        ),
        Invalid(
            _fill('import os\n\nSECRET = os.getenv("BOL_CLIENT_SECRET", "@URLSAFE@")\n'),
            line=3,
            message="default of os.getenv('BOL_CLIENT_SECRET')",
        ),
        Invalid(
            _fill(
                """
                class BolSettings:
                    api_url = "https://api.bol.com/retailer"
                    client_id = "@ID@"
                    client_secret = "@LEGACY@"
                """
            ),
            line=4,
            message="class attribute client_secret",
            note="a legacy (2019) base64url secret",
        ),
        Invalid(
            {"config/bol.json": _fill('{"bol": {"clientId": "@ID@", "clientSecret": "@LEGACY@"}}\n')},
            line=1,
        ),
        Invalid(
            _fill('import os\n\nCLIENT_SECRET = os.getenv("BOL_CLIENT_SECRET") or "@URLSAFE@"\n'),
            line=3,
            message="fallback when BOL_CLIENT_SECRET is unset",
        ),
        Invalid(
            _fill(
                """
                # Split so that the repository's secret scanner does not see it.
                BOL_CLIENT_SECRET = "@SECRET2_0@" + "@SECRET2_1@" + "@SECRET2_2@" + "@SECRET2_3@"
                """
            ),
            line=2,
            message="assignment to BOL_CLIENT_SECRET",
            note="a secret built from pieces is still the secret",
        ),
        Invalid(
            _fill(
                """
                import requests

                def token(client_id: str) -> dict:
                    r = requests.post(
                        "https://login.bol.com/token",
                        data="grant_type=client_credentials&client_id=" + client_id
                        + "&client_secret=" + "".join(["@URLSAFE_0@", "@URLSAFE_1@", "@URLSAFE_2@", "@URLSAFE_3@"]),
                        headers={"Accept": "application/json"},
                    )
                    return r.json()
                """
            ),
            line=6,
            count=1,
            message="client_secret string built from literals",
        ),
        Invalid(
            _fill(
                """
                import requests

                TOKEN_URL = "https://login.bol.com/token?grant_type=client_credentials&client_secret=@SECRET_PCT@"

                def token() -> str:
                    return requests.post(TOKEN_URL, headers={"Accept": "application/json"}).json()["access_token"]
                """
            ),
            line=3,
            count=1,
            note="percent-encoded in a query string",
        ),
        Invalid(
            {"notebooks/explore.ipynb": _notebook(
                "import os\n", "client_secret = os.environ['BOL_CLIENT_SECRET']\n",
                markdown=("## Setup\n", "\n", "For the workshop: `BOL_CLIENT_SECRET=@SECRET@`\n"))},
            line=9,
            count=1,
            message="notebook text BOL_CLIENT_SECRET",
            note="a notebook's markdown cell",
        ),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        for path in sorted(project.modules):
            for s in project.modules[path].sightings:
                if s.kind != CLIENT_SECRET:
                    continue
                yield self.make_finding(
                    path,
                    s.span,
                    f"bol client secret `{s.masked}` is hard-coded ({s.context}); {advice(path, s.kind)}",
                    flagged=s.fingerprint,
                    properties=(("masked", s.masked), ("fingerprint", s.fingerprint)),
                )
