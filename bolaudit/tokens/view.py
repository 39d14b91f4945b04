"""What ``bolaudit token`` says about a decoded token, and BOL404 (authorization-expiring).

Pure functions of a ``DecodedToken`` and a clock: the CLI prints what they return. Only the masked
token is ever shown, and the signature status is always part of the output, because a decoded but
unverified token is only what it claims to be. Mapping scopes to resources and rights belongs to
the catalog; it comes in as a callable (``load_catalog().scope_grants``) so this module does not
depend on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from bolaudit.records import record
from bolaudit.tokens.claims import BOL_ISSUER, NBF_LEEWAY, ClaimWarning, shown_value
from bolaudit.tokens.jwt import SCOPE_CLAIMS, DecodedToken, SignatureStatus

ScopeGrants = Callable[[str], Sequence[tuple[str, str]] | None]
"""scope string -> [(resource id, right)], or None for a scope the catalog does not know."""

SHORT_LIVED = timedelta(days=1)  # access tokens (5-10 min) expire by design: no BOL404 for them
ALL_RESOURCES = "*"  # what the catalog says the legacy RETAILER scope grants
_SHOWN_CLAIMS = frozenset({"iss", "sub", "azp", "clientname", "aid", "iat", "exp", "nbf"})


@record
class ExpiryWarning:
    """BOL404 authorization-expiring: a long-lived token (refresh token) ends within the window."""

    subject: str  # "access token", "refresh token"
    expires_at: datetime
    message: str
    code: str = "BOL404"
    name: str = "authorization-expiring"


def expiry_warning(decoded: DecodedToken, warn_days: int, now: datetime, *,
                   subject: str = "access token") -> ExpiryWarning | None:
    """BOL404 when a long-lived token ends within ``warn_days`` (or has ended).

    Short-lived access tokens (lifetime up to a day; bol's live 5-10 minutes) are skipped: they
    expire by design and are simply fetched again. What runs out and needs a human is the Code
    Flow authorisation, i.e. the refresh token (365 days; bol advises renewing two months ahead).
    """
    if decoded.expires_at is None:
        return None
    lifetime = decoded.lifetime
    if lifetime is not None and lifetime <= SHORT_LIVED:
        return None
    left = decoded.expires_at - _aware(now)
    if left > timedelta(days=warn_days):
        return None
    when = decoded.expires_at.strftime("%Y-%m-%d")
    if left <= timedelta(0):
        state = f"expired on {when}"
    elif left.days >= 1:
        state = f"expires on {when}, in {left.days} days"
    else:
        state = f"expires on {when}, within a day"
    return ExpiryWarning(
        subject=subject, expires_at=decoded.expires_at,
        message=f"{subject} {state}: renew the authorisation (bol advises within two months of expiry)",
    )


def relative(moment: datetime, now: datetime) -> str:
    """"in 4 min" / "2 h ago": rounded down, so an expiry never looks further away than it is."""
    seconds = (moment - _aware(now)).total_seconds()
    size = abs(seconds)
    if size < 60:
        amount = f"{int(size)} s"
    elif size < 90 * 60:
        amount = f"{int(size // 60)} min"
    elif size < 48 * 3600:
        amount = f"{int(size // 3600)} h"
    else:
        amount = f"{int(size // 86400)} days"
    return f"in {amount}" if seconds > 0 else f"{amount} ago"


def render_token_text(decoded: DecodedToken, now: datetime, *, grants: ScopeGrants | None = None) -> str:
    """The human view: one ``label  value`` line per fact, scopes with what they grant."""
    rows: list[tuple[str, str]] = [
        ("token", decoded.masked),
        ("signature", _signature_text(decoded)),
        ("header", ", ".join(f"{k}={_short(v)}" for k, v in decoded.header.items()) or "-"),
        ("issuer", _short(decoded.issuer or "-")),
        ("client id", _short(decoded.client_id or "-")),
        ("client name", _short(decoded.client_name or "-")),
        ("seller id", _short(decoded.seller_id or "-")),
    ]
    scope_lines = [_scope_text(scope, grants) for scope in decoded.scopes] or ["- (no scopes claim)"]
    rows += [("scopes" if i == 0 else "", line) for i, line in enumerate(scope_lines)]
    rows.append(("issued", _time_text(decoded.issued_at, now, "issued")))
    if decoded.not_before is not None:
        rows.append(("not before", _time_text(decoded.not_before, now, "valid")))
    rows.append(("expires", _time_text(decoded.expires_at, now, "expires")))
    scope_claim = next((name for name in SCOPE_CLAIMS if decoded.claims.get(name) is not None), None)
    others = {k: v for k, v in decoded.claims.items() if k not in _SHOWN_CLAIMS and k != scope_claim}
    if others:
        rows.append(("other claims", ", ".join(f"{k}={_short(v)}" for k, v in others.items())))
    width = max(len(label) for label, _ in rows) + 2
    return "\n".join(f"{label:<{width}}{value}".rstrip() for label, value in rows) + "\n"


def token_json(decoded: DecodedToken, *, now: datetime | None = None,
               grants: ScopeGrants | None = None) -> dict[str, Any]:
    """The machine view (``--format json``): JSON-safe, token masked, signature status always there."""
    result: dict[str, Any] = {
        "token": decoded.masked,
        "signature": {"status": decoded.signature.value, "detail": decoded.signature_detail},
        "header": decoded.header,
        "claims": decoded.claims,
        "issuer": decoded.issuer,
        "client_id": decoded.client_id,
        "client_name": decoded.client_name,
        "seller_id": decoded.seller_id,
        "scopes": list(decoded.scopes),
        "issued_at": decoded.issued_at.isoformat() if decoded.issued_at else None,
        "expires_at": decoded.expires_at.isoformat() if decoded.expires_at else None,
        "not_before": decoded.not_before.isoformat() if decoded.not_before else None,
    }
    if grants is not None:
        result["grants"] = {scope: _grants_json(grants, scope) for scope in decoded.scopes}
    if now is not None and decoded.expires_at is not None:
        result["expired"] = decoded.is_expired(now)
        result["expires_in_seconds"] = int((decoded.expires_at - _aware(now)).total_seconds())
    if now is not None:

        result["claim_warnings"] = [w.json() for w in claim_warnings(decoded, now)]
    return result


def _signature_text(decoded: DecodedToken) -> str:
    if decoded.signature is SignatureStatus.VERIFIED:
        return f"verified ({decoded.signature_detail})" if decoded.signature_detail else "verified"
    label = "NOT VERIFIED" if decoded.signature is SignatureStatus.NOT_VERIFIED else "INVALID"
    return f"{label}: {decoded.signature_detail}" if decoded.signature_detail else label


def _scope_text(scope: str, grants: ScopeGrants | None) -> str:
    shown = _short(scope)
    if grants is None:
        return shown
    found = _lookup(grants, scope)
    if found is None:
        return f"{shown}: unknown scope (not in the catalog)"
    named = (f"{'all resources' if res == ALL_RESOURCES else res} ({right})" for res, right in found)
    return f"{shown}: " + (", ".join(named) or "grants nothing")


def _grants_json(grants: ScopeGrants, scope: str) -> list[dict[str, str]] | None:
    found = _lookup(grants, scope)
    return None if found is None else [{"resource": resource, "right": right} for resource, right in found]


def _lookup(grants: ScopeGrants, scope: str) -> Sequence[tuple[str, str]] | None:
    """Tokens say ``RETAILER``, specs say ``retailer``: try as given, then lower case."""
    found = grants(scope)
    return grants(scope.lower()) if found is None and scope != scope.lower() else found


def _time_text(moment: datetime | None, now: datetime, verb: str) -> str:
    if moment is None:
        return "- (no claim)"
    local = moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    rel = relative(moment, now)
    if rel.endswith("ago"):
        phrase = {"expires": f"expired {rel}", "valid": f"valid since {rel}"}.get(verb, f"{verb} {rel}")
    else:
        phrase = f"{verb} {rel}"
    return f"{local} ({phrase}; {moment.isoformat()})"


def _short(value: object) -> str:
    """One printable line: claims are attacker-controlled text headed for a terminal."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return text if len(text) <= 80 else text[:79] + "…"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def claim_warnings(decoded: DecodedToken, now: datetime) -> tuple[ClaimWarning, ...]:
    """``nbf`` later than now (beyond a minute of clock skew), and an issuer that is not bol."""
    found: list[ClaimWarning] = []
    moment = now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)
    if decoded.not_before is not None and decoded.not_before > moment + NBF_LEEWAY:
        when = decoded.not_before.strftime("%Y-%m-%d %H:%M:%S UTC")
        found.append(ClaimWarning("nbf", f"the token is not valid before {when} (nbf is in the future); "
                                         "bol refuses it until then"))
    issuer = decoded.claims.get("iss")
    if issuer != BOL_ISSUER:
        said = "has no iss claim" if issuer is None else f"was issued by {shown_value(issuer)} (iss)"
        found.append(ClaimWarning("iss", f"the token {said}, not by bol's {BOL_ISSUER}: it is not a "
                                         "token from bol's token service"))
    return tuple(found)
