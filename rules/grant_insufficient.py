"""BOL402 grant-insufficient."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import Finding, GrantAudit, Invalid, Severity, Span, TokenRule, Valid


_STOCK = """
import requests

BOL = "https://api.bol.com/retailer"
MEDIA = "application/vnd.retailer.v10+json"


def offer(token, offer_id):
    headers = {"Accept": MEDIA, "Authorization": f"Bearer {token}"}
    return requests.get(f"{BOL}/offers/{offer_id}", headers=headers, timeout=30)


def push_stock(token, offer_id, amount):
    headers = {"Accept": MEDIA, "Content-Type": MEDIA, "Authorization": f"Bearer {token}"}
    body = {"amount": amount, "managedByRetailer": True}
    return requests.put(f"{BOL}/offers/{offer_id}/stock", json=body, headers=headers, timeout=30)
"""

_READ_ONLY = """
import requests

HEADERS = {"Accept": "application/vnd.retailer.v10+json"}


def returns(token):
    headers = {**HEADERS, "Authorization": f"Bearer {token}"}
    return requests.get("https://api.bol.com/retailer/returns", headers=headers, timeout=30)
"""


class GrantInsufficient(TokenRule):
    """The token grants Read on a resource the code changes (it needs Manage).

    ## What it does
    `bolaudit scopes` with a token: for every resource the code writes to (a PUT, POST, PATCH
    or DELETE that bol documents as needing the manage right), it checks that the token grants
    Manage, not only Read, and reports the first call that needs Manage. It does not run in
    `bolaudit check`, which has no token.

    ## Why is this bad
    Read lets an integration retrieve; only Manage lets it create, change or delete (bol's
    fine-grained access, since July 2026). With Read alone the stock update, the shipment or
    the cancellation is refused, usually long after the seller clicked through the
    authorisation screen.

    ## Example
    ```python
    # the token grants offers.read
    requests.put(f"{BOL}/offers/{offer_id}/stock", json=body, headers=headers)
    ```

    ## Use instead
    Ask the seller to grant Manage on the resource (here Assortment Management > Offers:
    Manage), or leave the change to another tool.

    ## Fix
    No automatic fix: the seller grants Manage on bol's authorisation screen; `bolaudit scopes`
    prints the checklist.

    ## References
    - Fine-grained access: resources and their Read/Manage rights: <https://api.bol.com/retailer/public/Retailer-API/fine-grained-access.html>
    """

    code = "BOL402"
    name = "grant-insufficient"
    severity = Severity.ERROR

    VALID = [
        Valid(_STOCK, token_claims={"scopes": "offers.manage"}),
        Valid(_READ_ONLY, token_claims={"scopes": "returns.read"}),
        Valid(_STOCK, token_claims={"scopes": "invoices.read"}, note="missing (BOL401), not insufficient"),
    ]
    INVALID = [
        Invalid(_STOCK, token_claims={"scopes": "offers.read"}, line=15, count=1,
                message="Assortment Management > Offers: Manage"),
        Invalid(_STOCK, token_claims={"scopes": ["offers.read", "orders.manage"]}, line=15,
                message="update-offer-stock"),
    ]

    def check_grants(self, audit: GrantAudit) -> Iterator[Finding]:
        if audit.comparison is None:
            return
        for gap in audit.comparison.insufficient:
            assert gap.site is not None and gap.needed is not None and gap.granted is not None
            resource = gap.resource
            group = f"{resource.group} > " if resource.group else ""
            requirement = audit.needs.requirement(resource.id)
            ops = [] if requirement is None else [
                used.operation.operation_id for used in requirement.operations
                if used.operation.right == gap.needed and gap.site in used.locations]
            what = f" ({', '.join(ops)})" if ops else ""
            message = (f"the token grants {resource.name} {gap.granted.capitalize()}, but this "
                       f"call{what} needs {gap.needed.capitalize()}: grant {group}{resource.name}: "
                       f"{gap.needed.capitalize()}")
            yield self.make_finding(
                gap.site.path, Span.at(gap.site.line, gap.site.column), message,
                flagged=f"{resource.id}:{gap.needed}:{gap.granted}",
                properties=(("resource", resource.id), ("needed", gap.needed),
                            ("granted", gap.granted)),
            )
