"""BOL404 authorization-expiring."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import Finding, GrantAudit, Invalid, Severity, Span, TokenRule, Valid


DAY = 86400
_ORDERS = """
import requests

HEADERS = {"Accept": "application/vnd.retailer.v10+json"}


def orders(token):
    headers = {**HEADERS, "Authorization": f"Bearer {token}"}
    return requests.get("https://api.bol.com/retailer/orders", headers=headers, timeout=30)
"""


class AuthorizationExpiring(TokenRule):
    """The authorisation behind a token ends within the warning window.

    ## What it does
    `bolaudit scopes` and `bolaudit token`: reports a token, or the refresh token of a token
    response (when it is a JWT), whose `exp` falls within `--warn-days` (default 60) or has
    passed. Short-lived access tokens (a lifetime of a day or less; bol's live 5-10 minutes)
    are left alone on purpose: they expire by design and are fetched again. What runs out and
    needs a person is the Code Flow authorisation, i.e. the refresh token (365 days).

    ## Why is this bad
    When a Code Flow authorisation ends, every call of the integration fails until the seller
    authorises again; bol advises renewing within two months of the expiry. Since July 2026 the
    renewal is also when the seller picks Read or Manage per resource again.

    ## Example
    ```text
    refresh token expires on 2026-09-01, in 30 days
    ```

    ## Use instead
    Ask the seller to renew the authorisation now, and grant exactly what `bolaudit scopes`
    lists.

    ## Fix
    No automatic fix: the seller renews the authorisation (Code Flow) before it ends.

    ## References
    - Code Flow authorisation: <https://login.bol.com/authorize>
    - Fine-grained access: <https://api.bol.com/retailer/public/Retailer-API/fine-grained-access.html>
    """

    code = "BOL404"
    name = "authorization-expiring"
    severity = Severity.WARNING

    VALID = [
        Valid(_ORDERS, token_claims={"scopes": "orders.read", "iat": -10 * DAY, "exp": 200 * DAY}),
        Valid(_ORDERS, token_claims={"scopes": "orders.read", "iat": -60, "exp": 240},
              note="an access token expiring in minutes is by design, not an authorisation"),
    ]
    INVALID = [
        Invalid(_ORDERS, token_claims={"scopes": "orders.read", "iat": -335 * DAY, "exp": 30 * DAY},
                count=1, message="in 30 days"),
        Invalid(_ORDERS, token_claims={"scopes": "orders.read", "iat": -364 * DAY, "exp": DAY // 2},
                count=1, message="within a day"),
    ]

    def check_grants(self, audit: GrantAudit) -> Iterator[Finding]:
        for warning in audit.expiring:
            yield self.make_finding(
                "", Span.at(1), warning.message,
                flagged=f"{warning.subject}:{warning.expires_at.isoformat()}",
                properties=(("subject", warning.subject),
                            ("expires_at", warning.expires_at.isoformat())),
            )
