"""``bolaudit scopes --format json``: a stable interface other tools read.

Shape (keys in this order, indent 2)::

    {"version": "...",
     "operations": [{"method", "path", "api", "operation_id", "resource", "group", "right",
                     "deprecated", "replaced_by", "locations": [{"path", "line"}], "notes": ["..."]}],
     "unresolved": [{"path", "line", "reason"}],
     "complete": true | false,
     "not_covered": [{"path", "line", "reason"}],
     "required": [{"group", "resource", "right"}],
     "token": null | {"client_id", "client_name", "seller_id", "scopes", "expires_at",
                      "signature_verified", "warnings": ["..."]},
     "missing": [{"resource", "needed", "granted"}],
     "insufficient": [...], "unused": [...],
     "expiring": [{"subject", "expires_at", "message"}]}

``resource`` is bol's resource as a lower-case hyphenated id (``orders``, ``shipping-labels``);
``group`` the dashboard group (null for a resource outside bol's table); ``right`` ``read`` or
``manage``; ``needed``/``granted`` a right or null. ``operations`` holds every resolved operation,
process status included (it needs no grant of its own, so it is in no ``required`` entry).
``complete`` is false while any call that may reach a covered bol API is unresolved: ``required``
is then what the code needs at least. ``not_covered`` lists calls to bol APIs outside the catalog
(Advertising, the retired Plaza API), which no Retailer right covers. ``replaced_by`` (in an
operation) names the v10 operation for one that v10 removed; ``notes`` what its calls should
still know (the media type sent names another version than the operation's: the path decides,
the call is listed, and BOL303 or the server's 406 will say the rest). Location paths are
relative to the current folder. Adding a key is a compatible change; renaming or removing one is
not. ``expiring`` holds the BOL404 warnings (empty without a token);
``token.warnings`` what the token's claims say that bol's tokens do not (``nbf`` in the future,
an ``iss`` other than ``https://login.bol.com``).
"""

from __future__ import annotations

import json
from typing import Any

from bolaudit.report.scopes_report import ScopesReport
from bolaudit.tokens.grants import Gap


def render(report: ScopesReport) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=True) + "\n"


def document(report: ScopesReport) -> dict[str, Any]:
    audit = report.audit
    need = audit.needs
    comparison = audit.comparison
    token = report.token
    return {
        "version": report.version,
        "operations": [
            {
                "method": used.operation.method,
                "path": used.operation.path,
                "api": used.operation.api,
                "operation_id": used.operation.operation_id,
                "resource": used.operation.resource_id,
                "group": used.operation.group,
                "right": used.operation.right,
                "deprecated": used.operation.deprecated,
                # Removed before v10 (the call fails): what v10 has instead, else null.
                "replaced_by": used.operation.removed or None,
                "locations": [{"path": report.display_path(loc.path), "line": loc.line}
                              for loc in used.locations],
                # What the calls should still know: a media type naming another version.
                "notes": list(used.notes),
            }
            for used in need.operations
        ],
        "unresolved": [
            {"path": report.display_path(c.location.path), "line": c.location.line,
             "reason": c.reason}
            for c in need.unresolved
        ],
        # False while any call that may reach bol is unresolved: then "required" is a floor.
        "complete": need.complete,
        "not_covered": [
            {"path": report.display_path(c.location.path), "line": c.location.line,
             "reason": c.reason}
            for c in need.not_covered
        ],
        "required": [
            {"group": req.resource.group, "resource": req.resource.id, "right": req.right}
            for req in need.required
        ],
        "token": None if token is None else {
            "client_id": token.client_id,
            "client_name": token.client_name,
            "seller_id": token.seller_id,
            "scopes": list(token.scopes),
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
            "signature_verified": token.signature_verified,
            "warnings": list(token.warnings),
        },
        "missing": _gaps(comparison.missing if comparison else ()),
        "insufficient": _gaps(comparison.insufficient if comparison else ()),
        "unused": _gaps(comparison.unused if comparison else ()),
        "expiring": [
            {"subject": w.subject, "expires_at": w.expires_at.isoformat(), "message": w.message}
            for w in audit.expiring
        ],
    }


def _gaps(gaps: tuple[Gap, ...]) -> list[dict[str, Any]]:
    return [{"resource": g.resource.id, "needed": g.needed, "granted": g.granted} for g in gaps]
