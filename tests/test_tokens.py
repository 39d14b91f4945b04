"""Tokens: decoding bol JWTs offline, fetching one from a real (loopback) token service, rendering.

The token service is ``tokenserver.TokenServer``: a real HTTP server on 127.0.0.1. Every message
and rendering is scanned for the secret and the token, because leaking them is the one thing this
layer must never do.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

try:
    from tokenserver import (  # type: ignore[import-not-found]
        CLIENT_ID, CLIENT_NAME, CLIENT_SECRET, FINE_SCOPES, KID, SELLER_ID, Reply, TokenServer, bol_claims,
        jwks_for, mint, public_pem, signing_key, token_server,
    )
except ModuleNotFoundError:  # tests/ became a package
    from tests.tokenserver import (
        CLIENT_ID, CLIENT_NAME, CLIENT_SECRET, FINE_SCOPES, KID, SELLER_ID, Reply, TokenServer, bol_claims,
        jwks_for, mint, public_pem, signing_key, token_server,
    )

from bolaudit.tokens.service import (
    DEFAULT_RETRY_AFTER, FetchLive, FetchRejected, FetchUnverified, RequestBudget, check_url,
    fetch_client_credentials, fetch_jwks, require_live, retry_after_seconds,
)
from bolaudit.tokens.view import expiry_warning, relative, render_token_text, token_json
from bolaudit.tokens.jwt import SignatureStatus, TokenError, decode, granted_scopes, mask, read_token_text

__all__ = ["token_server"]  # the fixture, imported for pytest

BASIC = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
T0 = int(NOW.timestamp())


def b64(data: Any) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def assert_no_leak(text: str, *values: str) -> None:
    """Neither the secret, its Basic form, nor any given token (or its signature) is in ``text``."""
    for value in (CLIENT_SECRET, BASIC, *values):
        assert value not in text
        if value.count(".") == 2:  # a JWT: no part of it either
            for part in value.split("."):
                assert len(part) < 8 or part not in text


def fetch(server: TokenServer, *, budget: RequestBudget | None = None, secret: str = CLIENT_SECRET,
          timeout: float = 5.0, sleeps: list[float] | None = None) -> Any:
    waits = sleeps if sleeps is not None else []
    return fetch_client_credentials(CLIENT_ID, secret, server.token_url, timeout=timeout,
                                    budget=budget or RequestBudget(), sleep=waits.append)


# --- decode -------------------------------------------------------------------------------------

def test_decode_legacy_bol_token() -> None:
    token = mint(bol_claims(iat=T0 - 10))
    decoded = decode(token, now=NOW)
    assert decoded.header == {"alg": "RS256", "kid": KID, "typ": "JWT"}
    assert (decoded.client_id, decoded.client_name, decoded.seller_id) == (CLIENT_ID, CLIENT_NAME, SELLER_ID)
    assert decoded.issuer == "https://login.bol.com"
    assert decoded.scopes == ("RETAILER",)
    assert decoded.issued_at == NOW - timedelta(seconds=10)
    assert decoded.expires_at == NOW + timedelta(seconds=290)
    assert decoded.lifetime == timedelta(seconds=300)
    assert decoded.signature is SignatureStatus.NOT_VERIFIED
    assert decoded.masked == mask(token) and decoded.masked.startswith("eyJ")
    assert_no_leak(repr(decoded), token)


@pytest.mark.parametrize("claim", ["scopes", "scope", "scp"])
@pytest.mark.parametrize("value", [
    "orders.read offers.manage", "orders.read,offers.manage", "orders.read, offers.manage",
    ["orders.read", "offers.manage"], ["orders.read offers.manage"], "orders.read offers.manage orders.read",
])
def test_decode_fine_grained_scopes_in_any_claim_and_shape(claim: str, value: Any) -> None:
    decoded = decode(mint(bol_claims(iat=T0, scopes=value, scope_claim=claim)), now=NOW)
    assert decoded.scopes == ("orders.read", "offers.manage")


@pytest.mark.parametrize(("claims", "expected"), [
    ({}, ()),
    ({"scopes": "RETAILER", "scope": "offers.read"}, ("RETAILER",)),  # bol's own claim wins
    ({"scope": ""}, ()),
    ({"scp": [1, "offers.read", None]}, ("offers.read",)),
    ({"scopes": 42}, ()),
])
def test_granted_scopes(claims: dict[str, Any], expected: tuple[str, ...]) -> None:
    assert granted_scopes(claims) == expected


def test_seller_and_client_from_aid_when_sub_is_missing() -> None:
    claims = bol_claims(iat=T0)
    del claims["sub"], claims["azp"]
    decoded = decode(mint(claims), now=NOW)
    assert (decoded.client_id, decoded.seller_id) == (CLIENT_ID, SELLER_ID)


@pytest.mark.parametrize(("token", "says"), [
    ("", "empty"),
    ("abcdefghijklmnop", "expected 3 dot-separated parts, found 1"),
    ("abcdefgh.ijklmnop", "found 2"),
    ("a.b.c.d", "found 4"),
    ("!!!not-base64!!!." + b64({"sub": "x"}) + ".c2ln", "header is not base64url"),
    (b64(b"not json at all") + "." + b64({"sub": "x"}) + ".c2ln", "header is not base64url-encoded JSON"),
    (b64({"alg": "RS256"}) + "." + b64([1, 2]) + ".c2ln", "payload is not a JSON object"),
    (b64({"alg": "RS256"}) + ".###." + "c2ln", "payload is not base64url"),
    (b64({"alg": "RS256"}) + "." + b64({"sub": "x"}) + ".s!g", "signature is not base64url"),
])
def test_malformed_tokens_get_a_clear_message_without_the_token(token: str, says: str) -> None:
    with pytest.raises(TokenError) as caught:
        decode(token)
    assert caught.value.kind == "malformed"
    assert says in str(caught.value)
    assert "\n" not in str(caught.value)
    if len(token) > 8:
        assert_no_leak(str(caught.value), token)


@pytest.mark.parametrize("alg", ["none", "None", "NONE", ""])
def test_unsigned_tokens_are_refused(alg: str) -> None:
    token = b64({"alg": alg, "typ": "JWT"}) + "." + b64(bol_claims(iat=T0)) + "."
    with pytest.raises(TokenError) as caught:
        decode(token, now=NOW)
    assert caught.value.kind == "unsigned"
    assert caught.value.decoded is None


def test_unsigned_tokens_are_refused_even_with_a_key() -> None:
    token = b64({"alg": "none"}) + "." + b64(bol_claims(iat=T0)) + "."
    with pytest.raises(TokenError) as caught:
        decode(token, public_key_pem=public_pem(signing_key()), now=NOW)
    assert caught.value.kind == "unsigned"


def test_expired_token_is_an_error_that_still_carries_the_claims() -> None:
    token = mint(bol_claims(iat=T0 - 3600))
    with pytest.raises(TokenError) as caught:
        decode(token, now=NOW)
    error = caught.value
    assert error.kind == "expired" and "expired" in str(error)
    assert error.decoded is not None
    assert error.decoded.seller_id == SELLER_ID and error.decoded.scopes == ("RETAILER",)
    assert error.decoded.signature is SignatureStatus.NOT_VERIFIED
    assert_no_leak(str(error) + repr(error.decoded), token)


def test_expiry_boundary_uses_the_given_clock() -> None:
    token = mint(bol_claims(iat=T0 - 300))  # exp == NOW
    with pytest.raises(TokenError):
        decode(token, now=NOW)
    assert decode(token, now=NOW - timedelta(seconds=1)).expires_at == NOW


# --- signature verification -----------------------------------------------------------------------

def test_verified_with_the_right_public_key() -> None:
    decoded = decode(mint(bol_claims(iat=T0)), public_key_pem=public_pem(signing_key()), now=NOW)
    assert decoded.signature is SignatureStatus.VERIFIED


def test_wrong_key_is_an_error_marking_the_signature_invalid() -> None:
    token = mint(bol_claims(iat=T0))
    with pytest.raises(TokenError) as caught:
        decode(token, public_key_pem=public_pem(signing_key("other")), now=NOW)
    assert caught.value.kind == "signature"
    assert "does not match" in str(caught.value)
    assert caught.value.decoded is not None and caught.value.decoded.signature is SignatureStatus.INVALID


def test_expired_but_verified_token_says_both() -> None:
    with pytest.raises(TokenError) as caught:
        decode(mint(bol_claims(iat=T0 - 3600)), public_key_pem=public_pem(signing_key()), now=NOW)
    assert caught.value.kind == "expired"
    assert caught.value.decoded is not None and caught.value.decoded.signature is SignatureStatus.VERIFIED


def test_other_algorithms_are_not_accepted_when_verifying() -> None:
    token = __import__("jwt").encode(bol_claims(iat=T0), "a-shared-secret-of-32-bytes-len!", algorithm="HS256")
    with pytest.raises(TokenError) as caught:
        decode(token, public_key_pem=public_pem(signing_key()), now=NOW)
    assert caught.value.kind == "signature" and "only RS256" in str(caught.value)


@pytest.mark.parametrize(("pem", "says"), [
    ("not a key", "not a PEM public key"),
    (public_pem(signing_key()).replace("PUBLIC", "PRIVATE"), "not a PEM public key"),
])
def test_unusable_public_key(pem: str, says: str) -> None:
    with pytest.raises(TokenError) as caught:
        decode(mint(bol_claims(iat=T0)), public_key_pem=pem, now=NOW)
    assert caught.value.kind == "key" and says in str(caught.value)


def test_verified_with_a_jwks() -> None:
    decoded = decode(mint(bol_claims(iat=T0)), jwks=jwks_for(signing_key()), now=NOW)
    assert decoded.signature is SignatureStatus.VERIFIED


@pytest.mark.parametrize(("jwks", "says"), [
    (jwks_for(signing_key(), kid="rsa4"), "no RS256 key with kid 'rsa3'"),
    ({"keys": []}, "no usable keys"),
    ({"keys": [{"kty": "nonsense"}]}, "no usable keys"),
    ({"nothing": 1}, "no usable keys"),
])
def test_jwks_without_the_tokens_key(jwks: dict[str, Any], says: str) -> None:
    with pytest.raises(TokenError) as caught:
        decode(mint(bol_claims(iat=T0)), jwks=jwks, now=NOW)
    assert caught.value.kind == "key" and says in str(caught.value)


def test_jwks_from_the_wrong_key_is_a_signature_error() -> None:
    with pytest.raises(TokenError) as caught:
        decode(mint(bol_claims(iat=T0)), jwks=jwks_for(signing_key("other")), now=NOW)
    assert caught.value.kind == "signature"


def test_jwks_served_over_loopback_verifies_a_minted_token(token_server: TokenServer) -> None:
    jwks = fetch_jwks(token_server.jwks_url, timeout=5)
    outcome = fetch(token_server)
    assert isinstance(outcome, FetchLive)
    assert decode(outcome.access_token, jwks=jwks).signature is SignatureStatus.VERIFIED


def test_fetch_jwks_errors(token_server: TokenServer) -> None:
    with pytest.raises(TokenError, match="404"):
        fetch_jwks(token_server.base_url + "/nope.json", timeout=5)
    with pytest.raises(TokenError, match="https"):
        fetch_jwks("http://keys.example.com/jwks.json")


# --- reading token input ----------------------------------------------------------------------------

def test_read_token_text_shapes() -> None:
    token = mint()
    assert read_token_text(token + "\n").access_token == token
    assert read_token_text(f"Bearer {token}").access_token == token
    both = read_token_text(json.dumps({"access_token": token, "refresh_token": "opaque-refresh-value"}))
    assert (both.access_token, both.refresh_token) == (token, "opaque-refresh-value")
    assert read_token_text(json.dumps({"access_token": token, "expires_in": 299})).refresh_token is None
    assert_no_leak(repr(both), token, "opaque-refresh-value")


@pytest.mark.parametrize(("text", "says"), [
    ("", "empty"), ("   \n", "empty"), ('{"access_token": ', "not valid JSON"),
    ('{"token_type": "Bearer"}', "no access_token"), ('{"access_token": 42}', "no access_token"),
    ("two words", "more than one word"), ("Bearer", "no token after"), ("bearer  \n", "no token after"), ("x" * 70000, "too large"),
])
def test_read_token_text_errors(text: str, says: str) -> None:
    with pytest.raises(TokenError) as caught:
        read_token_text(text)
    assert says in str(caught.value) and caught.value.kind == "malformed"
    assert len(str(caught.value)) < 200


# --- fetching from the loopback token service ---------------------------------------------------------

def test_fetch_happy_path_sends_exactly_what_bol_documents(token_server: TokenServer) -> None:
    budget = RequestBudget()
    outcome = fetch(token_server, budget=budget)
    assert isinstance(outcome, FetchLive)
    assert outcome.decoded.client_id == CLIENT_ID and outcome.decoded.scopes == ("RETAILER",)
    assert outcome.expires_in == 299 and outcome.notes == ()
    [seen] = token_server.requests
    assert (seen.method, seen.path, seen.query) == ("POST", "/token", "")
    assert seen.header("Authorization") == f"Basic {BASIC}"
    assert seen.header("Accept") == "application/json"
    assert seen.header("Content-Type") == "application/x-www-form-urlencoded"
    assert seen.body == b"grant_type=client_credentials"
    assert budget.used == 1 and budget.remaining == 0
    assert_no_leak(repr(outcome) + outcome.message, outcome.access_token)


def test_fetch_fine_grained_token(token_server: TokenServer) -> None:
    token_server.scopes = FINE_SCOPES
    outcome = require_live(fetch(token_server))
    assert outcome.decoded.scopes == ("orders.read", "offers.manage")


def raw_post(server: TokenServer, query: str, body: bytes, accept: str) -> int:
    """The fake service's own checks, probed without our client."""
    import urllib.error
    import urllib.request
    request = urllib.request.Request(server.token_url + query, data=body,
                                     headers={"Authorization": f"Basic {BASIC}", "Accept": accept})
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=5) as answer:
            assert "access_token" in json.loads(answer.read())
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize(("query", "body", "accept", "status"), [
    ("?grant_type=client_credentials", b"", "application/json", 200),  # older clients do this
    ("", b"grant_type=client_credentials", "application/json", 200),
    ("", b"grant_type=client_credentials", "*/*", 406),
    ("", b"grant_type=password", "application/json", 400),
    ("", b"", "application/json", 400),
])
def test_the_fake_token_service_checks_what_bol_checks(token_server: TokenServer, query: str, body: bytes,
                                                       accept: str, status: int) -> None:
    assert raw_post(token_server, query, body, accept) == status


def test_wrong_secret_is_rejected_with_status_and_bol_detail(token_server: TokenServer) -> None:
    wrong = "Zz9!wrong-secret-but-same-shape-as-a-real-one-0123456789abcdefghij"
    outcome = fetch(token_server, secret=wrong)
    assert isinstance(outcome, FetchRejected)
    assert (outcome.status, outcome.title, outcome.detail) == (401, "Unauthorized", "Bad credentials")
    assert outcome.message == "token service rejected the credentials: HTTP 401 Unauthorized: Bad credentials"
    with pytest.raises(TokenError) as caught:
        require_live(outcome)
    assert caught.value.kind == "fetch" and "401" in str(caught.value)
    assert_no_leak(str(caught.value) + repr(outcome), wrong)
    assert wrong not in str(caught.value)


def test_a_server_echoing_the_secret_never_gets_it_into_a_message(token_server: TokenServer) -> None:
    token_server.script(Reply.problem(401, f"Denied for {CLIENT_SECRET}", f"Authorization: Basic {BASIC}"))
    outcome = fetch(token_server)
    assert isinstance(outcome, FetchRejected) and outcome.status == 401
    assert_no_leak(outcome.message + repr(outcome))
    assert mask(CLIENT_SECRET) in outcome.message


def test_429_waits_once_as_asked_then_succeeds(token_server: TokenServer) -> None:
    token_server.script(Reply.rate_limited("3"))
    sleeps: list[float] = []
    budget = RequestBudget()
    outcome = fetch(token_server, sleeps=sleeps, budget=budget)
    assert isinstance(outcome, FetchLive)
    assert sleeps == [3.0]
    assert len(token_server.requests) == 2 and budget.used == 1
    assert any("429" in note and "waited 3 s" in note for note in outcome.notes)


def test_second_429_is_an_error_and_no_third_request(token_server: TokenServer) -> None:
    token_server.script(Reply.rate_limited("1"), Reply.rate_limited("1"))
    sleeps: list[float] = []
    outcome = fetch(token_server, sleeps=sleeps)
    assert isinstance(outcome, FetchUnverified) and outcome.status == 429
    assert "429" in outcome.message
    assert sleeps == [1.0] and len(token_server.requests) == 2


def test_429_asking_for_a_long_wait_is_not_retried(token_server: TokenServer) -> None:
    token_server.script(Reply.rate_limited("120"))
    sleeps: list[float] = []
    outcome = fetch(token_server, sleeps=sleeps)
    assert isinstance(outcome, FetchUnverified) and "wait 120 s" in outcome.message
    assert sleeps == [] and len(token_server.requests) == 1


def test_429_without_retry_after_waits_the_default_once(token_server: TokenServer) -> None:
    token_server.script(Reply.rate_limited(None))
    sleeps: list[float] = []
    assert isinstance(fetch(token_server, sleeps=sleeps), FetchLive)
    assert sleeps == [DEFAULT_RETRY_AFTER]


@pytest.mark.parametrize(("value", "seconds"), [
    ("5", 5.0), (" 0 ", 0.0), (None, DEFAULT_RETRY_AFTER), ("", DEFAULT_RETRY_AFTER), ("soon", None),
    ("Sun, 01 Mar 2026 12:00:07 GMT", 7.0), ("Sun, 01 Mar 2026 11:00:00 GMT", 0.0),
])
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds


@pytest.mark.parametrize(("reply", "says"), [
    (Reply.problem(500, "Internal Server Error", "Something broke"), "HTTP 500 Internal Server Error: Something broke"),
    (Reply.not_json(503), "HTTP 503 Service Unavailable"),
    (Reply.not_json(200), "HTTP 200 but the body is not JSON"),
    (Reply(200, b'{"token_type": "Bearer"}'), "no access_token"),
    (Reply(200, b'{"access_token": "not-a-jwt"}'), "access token is unusable: not a JWT"),
    (Reply.problem(400, "Bad Request", "Unsupported grant_type"), "HTTP 400 Bad Request: Unsupported grant_type"),
    (Reply.problem(403, "Forbidden", "IP blocked"), "HTTP 403 Forbidden: IP blocked"),  # not proof of a dead secret
    (Reply(302, b"", (("Location", "http://elsewhere.example/token"),)), "redirects are not followed"),
])
def test_server_trouble_is_unverified_with_a_one_line_reason(token_server: TokenServer, reply: Reply,
                                                              says: str) -> None:
    token_server.script(reply)
    outcome = fetch(token_server)
    assert isinstance(outcome, FetchUnverified)
    assert says in outcome.message and "\n" not in outcome.message
    assert len(token_server.requests) == 1
    assert_no_leak(outcome.message + repr(outcome))
    with pytest.raises(TokenError, match="token request failed"):
        require_live(outcome)


def test_slow_token_service_times_out(token_server: TokenServer) -> None:
    token_server.script(Reply.slow(delay=10))  # released at teardown; the client gives up at 0.5 s
    outcome = fetch(token_server, timeout=0.5)
    assert isinstance(outcome, FetchUnverified)
    assert "timeout" in outcome.message and outcome.status is None


def test_unreachable_token_service() -> None:
    server = TokenServer().start()
    url = server.token_url
    server.stop()
    outcome = fetch_client_credentials(CLIENT_ID, CLIENT_SECRET, url, timeout=2, budget=RequestBudget())
    assert isinstance(outcome, FetchUnverified) and "could not connect" in outcome.message


def test_budget_refuses_a_second_token_request(token_server: TokenServer) -> None:
    budget = RequestBudget()
    assert isinstance(fetch(token_server, budget=budget), FetchLive)
    with pytest.raises(TokenError) as caught:
        fetch(token_server, budget=budget)
    assert caught.value.kind == "budget" and "at most 1 token request" in str(caught.value)
    assert len(token_server.requests) == 1


def test_budget_of_n() -> None:
    budget = RequestBudget(2)
    budget.take()
    budget.take()
    with pytest.raises(TokenError, match="at most 2 token requests"):
        budget.take()


@pytest.mark.parametrize("url", [
    "https://login.bol.com/token", "http://127.0.0.1:8080/token", "http://localhost/token",
    "http://[::1]:9000/token", "http://127.0.0.2/token", "HTTPS://login.bol.com/token",
])
def test_https_or_loopback_urls_are_allowed(url: str) -> None:
    assert check_url(url) == url


@pytest.mark.parametrize(("url", "says"), [
    ("http://login.bol.com/token", "must use https"),
    ("http://10.0.0.1/token", "must use https"),
    ("ftp://login.bol.com/token", "must use https"),
    ("file:///etc/passwd", "has no host"),
    ("login.bol.com/token", "has no host"),
    ("https://user:hunter2-secret@login.bol.com/token", "must not contain credentials"),
    ("https://login.bol.com:99999/token", "not a valid URL"),
])
def test_other_urls_are_refused_before_any_request(url: str, says: str) -> None:
    budget = RequestBudget()
    with pytest.raises(TokenError) as caught:
        fetch_client_credentials(CLIENT_ID, CLIENT_SECRET, url, timeout=1, budget=budget)
    assert caught.value.kind == "url" and says in str(caught.value)
    assert "hunter2" not in str(caught.value)
    assert budget.used == 0


def test_empty_or_unsendable_credentials_are_refused_before_any_request(token_server: TokenServer) -> None:
    for client_id, secret in (("", CLIENT_SECRET), (CLIENT_ID, ""), ("a:b", CLIENT_SECRET)):
        with pytest.raises(TokenError) as caught:
            fetch_client_credentials(client_id, secret, token_server.token_url, timeout=1, budget=RequestBudget())
        assert_no_leak(str(caught.value))
    assert token_server.requests == []


# --- rendering ----------------------------------------------------------------------------------------

def grants(scope: str) -> list[tuple[str, str]] | None:
    table = {"retailer": [("*", "manage")], "offers.manage": [("offers", "manage")],
             "orders.read": [("orders", "read")]}
    return table.get(scope)


def test_render_text_shows_everything_but_the_token() -> None:
    token = mint(bol_claims(iat=T0 - 10, scopes=FINE_SCOPES + " shipments.weird"))
    decoded = decode(token, now=NOW)
    text = render_token_text(decoded, NOW, grants=grants)
    for expected in (decoded.masked, "NOT VERIFIED", CLIENT_ID, CLIENT_NAME, SELLER_ID, "https://login.bol.com",
                     "orders.read: orders (read)", "offers.manage: offers (manage)",
                     "shipments.weird: unknown scope", "expires in 4 min", "issued 10 s ago",
                     "2026-03-01T12:04:50+00:00", "kid=rsa3", "jti="):
        assert expected in text
    assert_no_leak(text, token)


def test_render_text_of_an_expired_verified_legacy_token() -> None:
    token = mint(bol_claims(iat=T0 - 7500))
    with pytest.raises(TokenError) as caught:
        decode(token, public_key_pem=public_pem(signing_key()), now=NOW)
    assert caught.value.decoded is not None
    text = render_token_text(caught.value.decoded, NOW, grants=grants)
    assert "verified (RS256)" in text and "expired 2 h ago" in text
    assert "RETAILER: all resources (manage)" in text  # upper case in the token, lower in the catalog
    assert_no_leak(text, token)


def test_token_json_is_json_safe_and_masked() -> None:
    token = mint(bol_claims(iat=T0 - 10))
    data = token_json(decode(token, now=NOW), now=NOW, grants=grants)
    text = json.dumps(data)
    assert data["token"] == mask(token)
    assert data["signature"]["status"] == "not verified"
    assert data["seller_id"] == SELLER_ID and data["scopes"] == ["RETAILER"]
    assert data["grants"] == {"RETAILER": [{"resource": "*", "right": "manage"}]}
    assert data["expires_at"] == "2026-03-01T12:04:50+00:00" and data["expired"] is False
    assert data["expires_in_seconds"] == 290
    assert_no_leak(text, token)
    assert "grants" not in token_json(decode(token, now=NOW))


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0 s ago"), (59, "in 59 s"), (299, "in 4 min"), (-7200, "2 h ago"), (89 * 60, "in 89 min"),
    (3 * 86400 + 5, "in 3 days"), (-47 * 3600, "47 h ago"),
])
def test_relative(seconds: int, text: str) -> None:
    assert relative(NOW + timedelta(seconds=seconds), NOW) == text


@pytest.mark.parametrize(("secret", "shown"), [
    ("d3u2MrLqPqp32j9TxyzNgw", "d3u2…Ngw"), ("", "…"), ("short", "…"), ("fifteen-chars!!", "…"),
    ("sixteen-chars!!!", "sixt…!!!"),
])
def test_mask(secret: str, shown: str) -> None:
    assert mask(secret) == shown


# --- BOL404 --------------------------------------------------------------------------------------------

def test_short_lived_access_tokens_never_warn() -> None:
    decoded = decode(mint(bol_claims(iat=T0 - 10)), now=NOW)
    assert expiry_warning(decoded, 60, NOW) is None


@pytest.mark.parametrize(("days_left", "says"), [(30, "in 30 days"), (0.5, "within a day"), (61, None)])
def test_refresh_token_expiring_within_the_window(days_left: float, says: str | None) -> None:
    exp = T0 + int(days_left * 86400)
    refresh = decode(mint(bol_claims(iat=exp - 365 * 86400, lifetime=365 * 86400)), now=NOW)
    warning = expiry_warning(refresh, 60, NOW, subject="refresh token")
    if says is None:
        assert warning is None
    else:
        assert warning is not None and warning.code == "BOL404" and warning.name == "authorization-expiring"
        assert says in warning.message and warning.message.startswith("refresh token expires")


def test_expired_refresh_token_warns_as_expired() -> None:
    token = mint(bol_claims(iat=T0 - 400 * 86400, lifetime=365 * 86400))
    with pytest.raises(TokenError) as caught:
        decode(token, now=NOW)
    assert caught.value.decoded is not None
    warning = expiry_warning(caught.value.decoded, 60, NOW, subject="refresh token")
    assert warning is not None and "expired on" in warning.message


def test_token_without_iat_warns_by_expiry_alone() -> None:
    claims = bol_claims(iat=T0)
    del claims["iat"]
    claims["exp"] = T0 + 10 * 86400
    assert expiry_warning(decode(mint(claims), now=NOW), 60, NOW) is not None


def test_render_with_the_real_catalog() -> None:
    catalog = pytest.importorskip("bolaudit.catalog").load_catalog()
    decoded = decode(mint(bol_claims(iat=T0, scopes="RETAILER offers.manage")), now=NOW)
    text = render_token_text(decoded, NOW, grants=catalog.scope_grants)
    assert "RETAILER: all resources (manage)" in text and "offers.manage: offers (manage)" in text


def test_claims_cannot_drive_the_terminal() -> None:
    decoded = decode(mint(bol_claims(iat=T0, client_name="shop\x1b[2J\nevil", extra_claim="a\rb")), now=NOW)
    text = render_token_text(decoded, NOW)
    assert "\x1b" not in text and "\r" not in text
    assert "shop\\x1b[2J\\nevil" in text and "extra_claim=a\\rb" in text
    assert not any(line.startswith("evil") for line in text.splitlines())  # no injected line


def test_other_claims_show_a_second_scope_claim_but_not_the_one_used() -> None:
    decoded = decode(mint(bol_claims(iat=T0, scopes="RETAILER", scope="offers.read")), now=NOW)
    other = next(line for line in render_token_text(decoded, NOW).splitlines() if line.startswith("other"))
    assert "scope=offers.read" in other and "scopes=" not in other
