"""BOL401 grant-missing."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import Finding, GrantAudit, Invalid, Severity, Span, TokenRule, Valid


_ORDERS = """
import requests

BOL = "https://api.bol.com/retailer"
HEADERS = {"Accept": "application/vnd.retailer.v10+json"}


def open_orders(token):
    headers = {**HEADERS, "Authorization": f"Bearer {token}"}
    return requests.get(BOL + "/orders", headers=headers, timeout=30).json()
"""

_TWO_MODULES = {
    "shop/api.py": """
        import requests

        BOL = "https://api.bol.com/retailer"


        def call(method, path, **kwargs):
            headers = {"Accept": "application/vnd.retailer.v10+json"}
            return requests.request(method, BOL + path, headers=headers, timeout=30, **kwargs)
    """,
    "shop/sync.py": """
        from shop.api import call


        def sync(order_id):
            call("GET", f"/orders/{order_id}")
            call("POST", "/shipping-labels", json={"orderItems": []})
    """,
}


class GrantMissing(TokenRule):
    """The code calls a resource the token does not grant at all.

    ## What it does
    `bolaudit scopes` with a token (`--token-file`, `--token-env`, `--live`): for every resource
    the code calls (orders, offers, shipping labels, ...) it checks that the token's scopes grant
    it, and reports a resource with no right at all at the first call site that uses it. It
    does not run in `bolaudit check`, which has no token.

    ## Why is this bad
    Since July 2026 a seller who grants or renews a Code Flow connection picks, per resource,
    Read or Manage. bol rejects every call to a resource that was not picked, so the feature
    built on it stops working the day the authorisation is renewed without it.

    ## Example
    ```python
    # the token grants offers.read only
    requests.get(BOL + "/orders", headers=headers)  # Orders: not granted
    ```

    ## Use instead
    Ask the seller to grant exactly what `bolaudit scopes` lists (here Logistics > Orders: Read)
    when authorising or renewing, or stop calling the resource.

    ## Fix
    No automatic fix: the seller grants the right on bol's authorisation screen; `bolaudit
    scopes` prints the checklist.

    ## References
    - Fine-grained access: resources and their Read/Manage rights: <https://api.bol.com/retailer/public/Retailer-API/fine-grained-access.html>
    """

    code = "BOL401"
    name = "grant-missing"
    severity = Severity.ERROR

    VALID = [
        Valid(_ORDERS, token_claims={"scopes": "orders.read"}),
        Valid(_ORDERS, token_claims={"scopes": "RETAILER"}, note="legacy full access covers it"),
        Valid(_TWO_MODULES, token_claims={"scopes": "orders.read shipping-labels.read"},
              note="insufficient (BOL402), not missing"),
    ]
    INVALID = [
        Invalid(_ORDERS, token_claims={"scopes": "offers.read"}, line=9, count=1,
                message="Logistics > Orders: Read"),
        Invalid(_TWO_MODULES, token_claims={"scopes": "orders.manage"}, path="shop/sync.py",
                line=6, count=1, message="Shipping Labels"),
        Invalid(_ORDERS, token_claims={"scope": "offline_access"}, line=9,
                message="offline_access"),
    ]

    def check_grants(self, audit: GrantAudit) -> Iterator[Finding]:
        if audit.comparison is None:
            return
        grants = audit.comparison.grants
        for gap in audit.comparison.missing:
            assert gap.site is not None and gap.needed is not None
            resource = gap.resource
            group = f"{resource.group} > " if resource.group else ""
            message = (f"the code calls {resource.name} but the token grants no {resource.name} "
                       f"right: grant {group}{resource.name}: {gap.needed.capitalize()}")
            if grants.unknown:
                message += (f" (the token also has scopes bolaudit does not know: "
                            f"{', '.join(grants.unknown)}; map them in [tool.bolaudit.scopes])")
            elif grants.flow and not grants.rights:
                message += (f" ({', '.join(grants.flow)} only asks for a refresh token and grants "
                            "no resource)")
            yield self.make_finding(
                gap.site.path, Span.at(gap.site.line, gap.site.column), message,
                flagged=f"{resource.id}:{gap.needed}",
                properties=(("resource", resource.id), ("needed", gap.needed)),
            )
