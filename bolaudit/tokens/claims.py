"""What a token's claims say about when it is valid and who issued it, read strictly.

``exp`` and ``nbf`` are NumericDates (RFC 7519: a JSON number of seconds since 1970). One that is
a string, a bool, null, NaN or out of range for a date cannot be read, and is an error rather
than "no expiry": a token that says nothing readable about its end must not look like one that
never ends. ``nbf`` in the future and an ``iss`` other than bol's are warnings (``ClaimWarning``):
the token can be shown, but it is not what a bol integration would use now.

Also the JWT's shape before anything parses it: a header or payload nested too deep for the
JSON parser's recursion is refused here (``too_deep_part``).
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta, timezone
from typing import Any

from bolaudit.catalog import knowledge
from bolaudit.bounded import jsontext as bounded_json
from bolaudit.bounded.printable import printable
from bolaudit.records import record


BOL_ISSUER = knowledge.issuer()  # the iss of every token bol's token service issues
NBF_LEEWAY = timedelta(seconds=60)  # clocks differ a little; a token minted "now" is not news
_JSON_TYPES: dict[type, str] = {str: "string", list: "list", dict: "JSON object"}


@record
class ClaimWarning:
    """A claim that makes the token unlike one bol issued for use now (``nbf``, ``iss``)."""

    claim: str
    message: str

    def json(self) -> dict[str, str]:
        return {"claim": self.claim, "message": self.message}


def timestamp(value: object) -> datetime | None:
    """A NumericDate claim as a date; None when absent or unreadable (``tokens.decode`` refuses
    an unreadable ``exp`` or ``nbf`` first, see ``date_problem``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def date_problem(claims: dict[str, Any], name: str) -> str:
    """What is wrong with the NumericDate claim ``name``, or "" (also when it is absent)."""
    if name not in claims:
        return ""
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        what = ("null" if value is None else "true or false" if isinstance(value, bool)
                else f"a {_JSON_TYPES.get(type(value), 'value')}")
        return f"is {what}, not a number of seconds"
    if value != value or value in (float("inf"), float("-inf")):
        return "is not a number (NaN or infinite)"
    if timestamp(value) is None:
        return f"{shown_value(value)} is out of range for a date"
    return ""


def too_deep_part(token: str) -> str:
    """Which part of a JWT-shaped token nests its JSON too deep to be parsed safely, or ""."""
    parts = token.split(".")
    if len(parts) != 3:
        return ""
    for name, part in zip(("header", "payload"), parts[:2], strict=True):
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
            depth = bounded_json.nesting(raw.decode("utf-8"), stop=bounded_json.MAX_DEPTH)
        except (binascii.Error, ValueError):
            continue  # not base64url or not UTF-8: PyJWT's refusal says so
        if depth > bounded_json.MAX_DEPTH:
            return f"{name} is nested more than {bounded_json.MAX_DEPTH} levels deep"
    return ""


def shown_value(value: object) -> str:
    """A claim's value in a message: printable, quoted when text, at most 40 characters."""

    text = repr(value) if isinstance(value, str) else str(value)
    text = printable(text)
    return text if len(text) <= 40 else text[:39] + "…"
