"""Ask bol's token service for a client-credentials token, exactly as bol documents it, and no more.

One POST with Basic auth, ``Accept: application/json`` and ``grant_type=client_credentials``. The
token service's rate limits are low and abuse ends in an IP ban, so: a ``RequestBudget`` the caller
owns caps token requests per run; a 429 is honoured once, only when its Retry-After is short.
Transport rules (https or loopback, no redirects) are ``token_http``'s. The same function serves
``--live`` and verifying leaked credentials, so it reports a typed outcome instead of raising for
what the server answers.
No message, outcome or ``repr`` contains the secret or the token.
"""

from __future__ import annotations

import base64
import email.utils
import http
import re
import time
import urllib.request
from collections.abc import Callable
from dataclasses import field, replace
from datetime import datetime, timezone
from typing import Any

from bolaudit.bounded import jsontext as bounded_json
from bolaudit.records import record
from bolaudit.tokens.echo import forms, scrub, shown
from bolaudit.tokens.http import MAX_BODY, check_url, send
from bolaudit.tokens.jwt import DecodedToken, TokenError, decode

MAX_RETRY_AFTER = 10.0  # seconds; a longer wait means "come back later", not "retry now"
DEFAULT_RETRY_AFTER = 2.0  # bol sometimes sends 429 without Retry-After
_USER_AGENT = "bolaudit"
_DELTA_SECONDS = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,6})?", re.ASCII)  # not "²", not "-1"


class RequestBudget:
    """At most ``limit`` token requests in one run; the caller creates one and passes it along.

    A retry after a 429 is part of the same request and is not charged again.
    """

    __slots__ = ("limit", "used")

    def __init__(self, limit: int = 1) -> None:
        self.limit = limit
        self.used = 0

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def take(self) -> None:
        if self.used >= self.limit:
            raise TokenError(f"token request refused: this run may make at most {self.limit} "
                             f"token request{'s' if self.limit != 1 else ''}", kind="budget")
        self.used += 1


@record
class FetchLive:
    """The credentials work: bol issued a token. ``access_token`` is kept only in memory."""

    decoded: DecodedToken
    access_token: str = field(repr=False)
    expires_in: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        return f"token service issued a token ({self.decoded.masked})"


@record
class FetchRejected:
    """The token service refused the credentials (401): they are not (or no longer) live.

    Only 401: a 403 may be a blocked IP or a WAF, which says nothing about the credentials.
    """

    status: int
    title: str | None
    detail: str | None
    notes: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        return f"token service rejected the credentials: {_status_text(self.status, self.title, self.detail)}"


@record
class FetchUnverified:
    """No answer either way (timeout, 5xx, 400, 403, 429, malformed body): say why, claim nothing."""

    reason: str
    status: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        return f"token request failed: {self.reason}"


FetchOutcome = FetchLive | FetchRejected | FetchUnverified


def require_live(outcome: FetchOutcome) -> FetchLive:
    """For ``--live``: anything but a token is an error with the outcome's one-line message."""
    if isinstance(outcome, FetchLive):
        return outcome
    raise TokenError(outcome.message, kind="fetch")


def fetch_client_credentials(
    client_id: str, client_secret: str, token_url: str, *, timeout: float, budget: RequestBudget,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchOutcome:
    """One client-credentials token request (plus at most one retry after a short 429).

    Raises ``TokenError`` only for what the caller got wrong (bad URL, empty credentials, budget
    spent); everything the server or network does becomes an outcome.
    """
    check_url(token_url)
    if not client_id or not client_secret:
        raise TokenError("client id and client secret must both be set", kind="fetch")
    if ":" in client_id:
        raise TokenError("client id must not contain ':' (it cannot be sent with Basic auth)", kind="fetch")
    budget.take()
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
    request = urllib.request.Request(
        token_url, method="POST", data=b"grant_type=client_credentials",
        headers={"Authorization": f"Basic {basic}", "Accept": "application/json",
                 "Content-Type": "application/x-www-form-urlencoded", "User-Agent": _USER_AGENT},
    )
    secrets = forms(client_id, client_secret)
    notes: list[str] = []
    for attempt in (1, 2):
        status, headers, body, failure = send(request, timeout)
        if failure is not None:
            return FetchUnverified(failure, notes=tuple(notes))
        if status == 429 and attempt == 1:
            asked = headers.get("retry-after")
            wait = retry_after_seconds(asked, datetime.now(timezone.utc))
            if wait is None or wait > MAX_RETRY_AFTER:
                said = ("" if wait is None else " and asks to wait more than a day" if wait > 86400
                        else f" and asks to wait {wait:.0f} s")
                return FetchUnverified(f"HTTP 429 Too Many Requests: the token service is rate limiting"
                                       f"{said}; try again later", status=429, notes=tuple(notes))
            why = "as its Retry-After asked" if asked else "(it sent no Retry-After)"
            notes.append(f"the token service answered 429 Too Many Requests; waited {wait:g} s {why}, "
                         "then retried once")
            sleep(wait)
            continue
        return _outcome(status, body, tuple(notes), secrets)
    raise AssertionError("unreachable")  # pragma: no cover


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); the default when absent.

    None for what is neither (``-1``, ``²``, ``soon``): the caller then does not retry. Never
    raises: the header comes from the network. A date in the past is 0; the caller bounds the rest.
    """
    if value is None or not value.strip():
        return DEFAULT_RETRY_AFTER
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return float(value)
    if value.isascii() and value.isdigit():  # more digits than any sane wait
        return float("inf")
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return max((when - now).total_seconds(), 0.0)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


def _outcome(status: int, body: bytes, notes: tuple[str, ...], secrets: tuple[str, ...]) -> FetchOutcome:
    if status == 200:
        return _live(body, notes, secrets)
    title, detail = _problem(body, secrets)
    if status == 401:
        return FetchRejected(status, title, detail, notes)
    if 300 <= status < 400:
        return FetchUnverified(f"HTTP {status}: the token service redirected; redirects are not followed",
                               status=status, notes=notes)
    return FetchUnverified(_status_text(status, title, detail), status=status, notes=notes)


def _live(body: bytes, notes: tuple[str, ...], secrets: tuple[str, ...]) -> FetchOutcome:
    try:
        data = bounded_json.loads(body, max_bytes=MAX_BODY)
    except bounded_json.JSONLimit as error:
        return FetchUnverified(f"HTTP 200 but the body is {error}", status=200, notes=notes)
    except ValueError:  # UnicodeDecodeError is one
        return FetchUnverified("HTTP 200 but the body is not JSON", status=200, notes=notes)
    token = data.get("access_token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token:
        return FetchUnverified("HTTP 200 but the body has no access_token", status=200, notes=notes)
    try:
        decoded = decode(token)
    except TokenError as error:
        if error.decoded is None:  # only "expired" carries claims here: a clock skew, still live
            why = shown(str(error), secrets)
            return FetchUnverified(f"HTTP 200 but the access token is unusable: {why}", status=200,
                                   notes=notes)
        decoded = error.decoded
    assert isinstance(data, dict)
    expires_in = data.get("expires_in")
    usable = isinstance(expires_in, int) and not isinstance(expires_in, bool)
    return FetchLive(scrub_decoded(decoded, secrets), token, expires_in if usable else None, notes)


def scrub_decoded(decoded: DecodedToken, secrets: tuple[str, ...]) -> DecodedToken:
    """The token's claims as the service wrote them, but no piece of the credentials we sent
    (``secrets``: ``token_echo.forms`` of them)."""
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return scrub(value, secrets)
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, dict):
            return {scrub(str(k), secrets): clean(v) for k, v in value.items()}
        return value

    def text(value: str | None) -> str | None:
        return None if value is None else scrub(value, secrets)

    return replace(decoded, header=clean(decoded.header), claims=clean(decoded.claims),
                   client_id=text(decoded.client_id), client_name=text(decoded.client_name),
                   seller_id=text(decoded.seller_id), issuer=text(decoded.issuer),
                   scopes=tuple(scrub(scope, secrets) for scope in decoded.scopes))


def _problem(body: bytes, secrets: tuple[str, ...]) -> tuple[str | None, str | None]:
    """bol's problem JSON ``title``/``detail`` (or OAuth's ``error``/``error_description``), one line each."""
    try:
        data = bounded_json.loads(body, max_bytes=MAX_BODY)
    except ValueError:  # not JSON, too big or too deep: the status says enough
        return None, None
    if not isinstance(data, dict):
        return None, None
    title = data.get("title") or data.get("error")
    detail = data.get("detail") or data.get("error_description")
    return _clean(title, secrets), _clean(detail, secrets)


def _clean(value: object, secrets: tuple[str, ...]) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return shown(value, secrets)


def _status_text(status: int, title: str | None, detail: str | None) -> str:
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    text = f"HTTP {status} {phrase}".rstrip()
    extra = [part for part in (title, detail) if part and part.lower() != phrase.lower()]
    return text + "".join(f": {part}" for part in extra)


def fetch_jwks(url: str, *, timeout: float = 10.0) -> dict[str, Any]:
    """The JWKS at ``url`` for ``--jwks-url`` (same https-or-loopback rule); any failure is a TokenError."""
    check_url(url, what="JWKS URL")
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": _USER_AGENT})
    status, _, body, failure = send(request, timeout)
    if failure is not None:
        raise TokenError(f"could not fetch the JWKS: {failure}", kind="key")
    if status != 200:
        raise TokenError(f"could not fetch the JWKS: {_status_text(status, None, None)}", kind="key")
    try:
        data = bounded_json.loads(body, max_bytes=MAX_BODY)
    except bounded_json.JSONLimit as error:
        raise TokenError(f"the JWKS is {error}", kind="key") from None
    except ValueError:
        raise TokenError("the JWKS is not JSON", kind="key") from None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise TokenError("the JWKS is not a JSON object with a 'keys' list", kind="key")
    return data
