"""Read and decode bol access tokens offline, safely.

People paste live tokens into web debuggers to see what they grant; ``bolaudit token`` does it
locally instead. A token is a bearer credential, so this module never puts one into a message, a
``repr`` or an exception: only ``mask()`` of it. Decoding goes through PyJWT; without a key the
signature is *not verified* and every result says so (``SignatureStatus``), because bol publishes no
JWKS and introspection must not pretend otherwise. With a key, only RS256 is accepted.

Everything that goes wrong here is a ``TokenError`` with a one-line message (the CLI prints it and
exits 2); an expired token or a bad signature still carries what was decoded, so the claims can be
shown next to the error. Fetching tokens lives in ``token_fetch``; rendering and BOL404 in
``token_view``.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import re
from dataclasses import field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from bolaudit.bounded import jsontext as bounded_json
from bolaudit.findings import Mask
from bolaudit.records import record
from bolaudit.tokens.claims import date_problem, timestamp, too_deep_part

TokenErrorKind = Literal["malformed", "claims", "unsigned", "expired", "signature", "key", "url", "budget",
                         "fetch"]

MAX_TOKEN_INPUT = 64 * 1024  # a bol token is about 1 KB; anything huge is not a token
SHORT_SECRET = 16  # below this, showing 7 characters would give most of the value away
ACCEPTED_ALGORITHMS = ["RS256"]  # what bol signs with; never taken from the token itself
SCOPE_CLAIMS = ("scopes", "scope", "scp")  # bol's own is "scopes"; the others for what may come
_B64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")


class TokenError(Exception):
    """The one error of the token layer: a one-line message that never contains a token or secret.

    ``decoded`` is set when the token could be read but must not be trusted as is (expired, bad
    signature), so the CLI can still show the claims beside the error.
    """

    def __init__(self, message: str, *, kind: TokenErrorKind, decoded: DecodedToken | None = None):
        super().__init__(" ".join(message.split()))
        self.kind: TokenErrorKind = kind
        self.decoded = decoded


class SignatureStatus(enum.Enum):
    """Whether the signature was checked. INVALID only ever travels inside a ``TokenError``."""

    VERIFIED = "verified"
    NOT_VERIFIED = "not verified"
    INVALID = "invalid"


@record
class DecodedToken:
    """What a bol JWT says about itself. Holds no copy of the token, only its masked form."""

    header: dict[str, Any]
    claims: dict[str, Any]
    client_id: str | None
    client_name: str | None
    seller_id: str | None
    issuer: str | None
    scopes: tuple[str, ...]
    issued_at: datetime | None
    expires_at: datetime | None
    signature: SignatureStatus
    masked: str
    signature_detail: str = ""  # why it is not verified / invalid, for the reader
    not_before: datetime | None = None  # nbf: the token is not to be accepted before this

    @property
    def lifetime(self) -> timedelta | None:
        return self.expires_at - self.issued_at if self.issued_at and self.expires_at else None

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= _aware(now)


@record
class TokenText:
    """A token as the user handed it over; ``repr`` hides both values."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)


def mask(secret: str) -> str:
    """The first 4 and last 3 characters at most (``d3u2…Ngw``); short values are fully hidden."""
    if len(secret) < SHORT_SECRET:
        return "…"
    return Mask.of(secret, 4, 3).shown


def read_token_text(text: str) -> TokenText:
    """Accept what people have at hand: a raw JWT, ``Bearer <jwt>``, or a token response JSON."""
    if len(text) > MAX_TOKEN_INPUT:
        raise TokenError(f"token input is too large ({len(text)} characters); a bol token is about 1 KB",
                         kind="malformed")
    stripped = text.strip()
    if not stripped:
        raise TokenError("no token given: the input is empty", kind="malformed")
    if stripped.startswith("{"):
        return _read_response_json(stripped)
    bearer = re.match(r"bearer(?:\s+|$)", stripped, re.IGNORECASE)
    if bearer:
        stripped = stripped[bearer.end():]
        if not stripped:
            raise TokenError("no token after 'Bearer'", kind="malformed")
    if any(ch.isspace() for ch in stripped):
        raise TokenError("not a token: the input has more than one word "
                         "(give one JWT or a token response JSON)", kind="malformed")
    return TokenText(stripped)


def _read_response_json(text: str) -> TokenText:
    try:
        data = bounded_json.loads(text, max_bytes=MAX_TOKEN_INPUT * 4)
    except bounded_json.JSONLimit as exc:
        raise TokenError(f"token input looks like JSON but is {exc}", kind="malformed") from None
    except json.JSONDecodeError as exc:  # its message has a position, never the content
        raise TokenError(f"token input looks like JSON but is not valid JSON ({exc.msg}, "
                         f"line {exc.lineno})", kind="malformed") from None
    if not isinstance(data, dict):
        raise TokenError("token response JSON must be an object with an access_token", kind="malformed")
    access = data.get("access_token")
    if not isinstance(access, str) or not access.strip():
        raise TokenError("token response JSON has no access_token string", kind="malformed")
    refresh = data.get("refresh_token")
    refresh = refresh.strip() if isinstance(refresh, str) and refresh.strip() else None
    return TokenText(access.strip(), refresh)


def decode(token: str, *, public_key_pem: str | bytes | None = None,
           jwks: dict[str, Any] | None = None, now: datetime | None = None) -> DecodedToken:
    """Decode a JWT; verify its RS256 signature when a key or JWKS is given.

    Order matters for what the user learns: malformed and unsigned tokens are refused first; then
    a bad signature (its claims are untrustworthy); then a malformed ``exp`` or ``nbf`` (a date
    that cannot be read must not read as "never expires"); then expiry, which still carries the
    claims.
    """
    token = token.strip()
    if len(token) > MAX_TOKEN_INPUT:
        raise TokenError(f"not a bol token: {len(token)} characters long; a bol token is about 1 KB",
                         kind="malformed")
    too_deep = too_deep_part(token)
    if too_deep:
        raise TokenError(f"not a usable JWT: the {too_deep}", kind="malformed")
    try:
        complete = jwt.decode_complete(token, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, TypeError, RecursionError):
        raise TokenError(_diagnose(token), kind="malformed") from None
    header: dict[str, Any] = complete["header"]
    claims: dict[str, Any] = complete["payload"]
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.strip().lower() in ("", "none"):
        raise TokenError("the token is unsigned (alg 'none' or missing); bol tokens are RS256-signed, "
                         "refusing it", kind="unsigned")
    if public_key_pem is None and jwks is None:
        status, detail = SignatureStatus.NOT_VERIFIED, "no key given (use --jwks-url or --public-key)"
    else:
        status, detail = SignatureStatus.VERIFIED, "RS256"
        failure = _verify(token, header, public_key_pem, jwks)
        if failure is not None:
            kind, why = failure
            status, detail = SignatureStatus.INVALID, why
            result = _result(token, header, claims, status, detail)
            raise TokenError(f"signature check failed: {why}", kind=kind,
                             decoded=result if kind == "signature" else None)
    for name in ("exp", "nbf"):
        problem = date_problem(claims, name)
        if problem:
            raise TokenError(f"the token's {name} claim {problem}; bolaudit cannot tell when the token "
                             f"is valid (signature {status.value})", kind="claims")
    result = _result(token, header, claims, status, detail)
    moment = _aware(now) if now is not None else datetime.now(timezone.utc)
    if result.is_expired(moment):
        assert result.expires_at is not None
        raise TokenError(f"the token expired at {result.expires_at.isoformat()} "
                         f"(signature {status.value})", kind="expired", decoded=result)
    return result


def _verify(token: str, header: dict[str, Any], public_key_pem: str | bytes | None,
            jwks: dict[str, Any] | None) -> tuple[TokenErrorKind, str] | None:
    """None when the signature holds; else what kind of failure and why, in the user's words."""
    key: RSAPublicKey | jwt.PyJWK | str
    if public_key_pem is not None:
        key = _key_from_pem(public_key_pem)
    else:
        assert jwks is not None
        key = _key_from_jwks(jwks, header.get("kid"))
    if isinstance(key, str):
        return "key", key
    if header.get("alg") not in ACCEPTED_ALGORITHMS:
        alg = str(header.get("alg"))[:20]
        return "signature", f"the token is signed with {alg!r}; only RS256 is accepted"
    try:
        # The key object, not the PyJWK: older PyJWT (pyproject allows 2.8) cannot take a PyJWK here.
        raw = key.key if isinstance(key, jwt.PyJWK) else key
        jwt.PyJWS().decode(token, raw, algorithms=ACCEPTED_ALGORITHMS)
    except jwt.InvalidSignatureError:
        return "signature", "the signature does not match the given key"
    except jwt.InvalidAlgorithmError:
        return "signature", "the token's algorithm does not match the key's"
    except (jwt.InvalidKeyError, ValueError, TypeError):
        return "key", "the key could not be used to check an RS256 signature"
    except jwt.PyJWTError:
        return "signature", "the signature could not be checked"
    return None


def _key_from_pem(pem: str | bytes) -> RSAPublicKey | str:
    """The RSA public key in ``pem``; else a reason (a private key is refused: it should not be here)."""
    try:
        loaded = load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return "the public key is not a PEM public key"
    return loaded if isinstance(loaded, RSAPublicKey) else "the public key is not an RSA key (bol uses RS256)"


def _key_from_jwks(jwks: dict[str, Any], kid: object) -> jwt.PyJWK | str:
    """The RS256 key for ``kid`` (or the only one when the token names none); else a reason."""
    try:
        keys = [k for k in jwt.PyJWKSet.from_dict(jwks).keys if k.algorithm_name == "RS256"]
    except (jwt.PyJWTError, AttributeError, TypeError):
        return "the JWKS holds no usable keys"
    if kid is None:
        return keys[0] if len(keys) == 1 else "the token names no key (kid) and the JWKS has not exactly one"
    for key in keys:
        if key.key_id == kid:
            return key
    return f"the JWKS has no RS256 key with kid {str(kid)[:40]!r}"


def _result(token: str, header: dict[str, Any], claims: dict[str, Any], status: SignatureStatus,
            detail: str) -> DecodedToken:
    aid = _parse_aid(claims.get("aid"))
    client_id = _first_str(claims, "azp", "sub", "client_id") or aid.get("CLNTC")
    return DecodedToken(
        header=header, claims=claims, client_id=client_id,
        client_name=_first_str(claims, "clientname"), seller_id=aid.get("SLR"),
        issuer=_first_str(claims, "iss"), scopes=granted_scopes(claims),
        issued_at=timestamp(claims.get("iat")), expires_at=timestamp(claims.get("exp")),
        signature=status, masked=mask(token), signature_detail=detail,
        not_before=timestamp(claims.get("nbf")),
    )


def granted_scopes(claims: dict[str, Any]) -> tuple[str, ...]:
    """Scopes from the first of ``scopes``, ``scope``, ``scp`` present: a string split on spaces or
    commas, or a list. bol has not documented how fine-grained tokens carry them, so take all."""
    for name in SCOPE_CLAIMS:
        value = claims.get(name)
        if value is None:
            continue
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        parts = (part for item in items if isinstance(item, str) for part in re.split(r"[\s,]+", item))
        return tuple(dict.fromkeys(part for part in parts if part))
    return ()


def _parse_aid(value: object) -> dict[str, str]:
    """``"CLNTC:<client uuid> SLR:<seller id>"`` -> {"CLNTC": ..., "SLR": ...}."""
    if not isinstance(value, str):
        return {}
    parts = (item.partition(":") for item in value.split())
    return {name: rest for name, sep, rest in parts if sep and rest}


def _first_str(claims: dict[str, Any], *names: str) -> str | None:
    return next((value for name in names if isinstance(value := claims.get(name), str) and value), None)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _diagnose(token: str) -> str:
    """Say why a string is not a JWT, without echoing any of it."""
    if not token:
        return "not a JWT: the token is empty"
    parts = token.split(".")
    if len(parts) != 3:
        return f"not a JWT: expected 3 dot-separated parts, found {len(parts)}"
    for name, part in zip(("header", "payload", "signature"), parts, strict=True):
        if not _B64URL.fullmatch(part):
            return f"not a JWT: the {name} is not base64url"
        if name == "signature":
            break
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
            data = bounded_json.loads(raw, max_bytes=MAX_TOKEN_INPUT)
        except (binascii.Error, ValueError):
            return f"not a JWT: the {name} is not base64url-encoded JSON"
        if not isinstance(data, dict):
            return f"not a JWT: the {name} is not a JSON object"
    return "not a valid JWT"
