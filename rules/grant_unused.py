"""BOL403 grant-unused."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import Finding, GrantAudit, Invalid, Severity, Span, TokenRule, Valid


_ORDERS = """
import requests

HEADERS = {"Accept": "application/vnd.retailer.v10+json"}


def order(token, order_id):
    headers = {**HEADERS, "Authorization": f"Bearer {token}"}
    return requests.get(f"https://api.bol.com/retailer/orders/{order_id}", headers=headers, timeout=30)
"""


class GrantUnused(TokenRule):
    """The token grants a resource, or a right, the code never uses.

    ## What it does
    `bolaudit scopes` with a token: reports every resource the token grants that the code
    never calls, and every Manage granted where the code only reads. A legacy full-access
    token (`RETAILER`) grants everything, so everything the code does not call is listed: that
    is what a fine-grained renewal can leave off. It has no location: the excess is in the
    grant, not in the code. It does not run in `bolaudit check`, which has no token.

    ## Why is this bad
    Every right granted is a right a leaked token or a bug can use. bol introduced Read/Manage
    per resource (July 2026) so that sellers grant an integration what it needs and no more;
    extra rights are privilege nobody needs.

    ## Example
    ```python
    # the token grants orders.manage and invoices.read
    requests.get(f"{BOL}/orders/{order_id}", headers=headers)  # only reads orders
    ```

    ## Use instead
    At the next renewal grant exactly the checklist `bolaudit scopes` prints (here Logistics >
    Orders: Read) and nothing else.

    ## Fix
    No automatic fix: leave the right off at the next authorisation; `bolaudit scopes` prints
    the checklist.

    ## References
    - Fine-grained access: resources and their Read/Manage rights: <https://api.bol.com/retailer/public/Retailer-API/fine-grained-access.html>
    """

    code = "BOL403"
    name = "grant-unused"
    severity = Severity.WARNING

    VALID = [
        Valid(_ORDERS, token_claims={"scopes": "orders.read"}),
        Valid(_ORDERS, token_claims={"scopes": "orders.read offline_access"},
              note="offline_access asks for a refresh token; it is no resource grant"),
    ]
    INVALID = [
        Invalid(_ORDERS, token_claims={"scopes": "orders.manage invoices.read"}, count=2,
                message="Invoices: Read is granted but the code never calls Invoices"),
        Invalid(_ORDERS, token_claims={"scopes": "orders.manage"}, count=1,
                message="Orders: Manage is granted but the code only needs Read"),
        Invalid(_ORDERS, token_claims={"scopes": "RETAILER"},
                message="by the legacy full access"),
    ]

    def check_grants(self, audit: GrantAudit) -> Iterator[Finding]:
        if audit.comparison is None:
            return
        legacy = " by the legacy full access (retailer)" if audit.comparison.grants.legacy else ""
        for gap in audit.comparison.unused:
            assert gap.granted is not None
            name = gap.resource.name
            granted = gap.granted.capitalize()
            if gap.needed is None:
                message = (f"{name}: {granted} is granted{legacy} but the code never calls "
                           f"{name}: leave it off")
            else:
                message = (f"{name}: {granted} is granted{legacy} but the code only needs "
                           f"{gap.needed.capitalize()}: grant {gap.needed.capitalize()}")
            yield self.make_finding(
                "", Span.at(1), message, flagged=f"{gap.resource.id}:{gap.needed}:{gap.granted}",
                properties=(("resource", gap.resource.id), ("needed", gap.needed or ""),
                            ("granted", gap.granted)),
            )
