"""A token's claims, read strictly.

The JWT's shape before anything parses it: a header or payload nested too deep for the JSON
parser's recursion is refused here (``too_deep_part``).
"""

from __future__ import annotations

import base64
import binascii

from bolaudit import bounded_json


def too_deep_part(token: str) -> str:
    """Which part of a JWT-shaped token nests its JSON too deep to be parsed safely, or ""."""
    parts = token.split(".")
    if len(parts) != 3:
        return ""
    for name, part in zip(("header", "payload"), parts[:2], strict=True):
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
            depth = bounded_json.nesting(raw.decode("utf-8"))
        except (binascii.Error, ValueError):
            continue  # not base64url or not UTF-8: PyJWT's refusal says so
        if depth > bounded_json.MAX_DEPTH:
            return f"{name} is nested more than {bounded_json.MAX_DEPTH} levels deep"
    return ""
