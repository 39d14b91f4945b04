"""``bolaudit token`` and the token sources of ``bolaudit scopes``, end to end.

Every test runs ``python -m bolaudit`` in a subprocess, with fake credentials in its environment,
against ``tokenserver.TokenServer``: a real HTTP server on 127.0.0.1 playing bol's token service.
Every output is checked for the secret and the token, and the server's request count for "at
most one token request per run".
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

try:
    from tokenserver import (  # type: ignore[import-not-found]
        CLIENT_ID, CLIENT_SECRET, SELLER_ID, Reply, TokenServer, bol_claims, mint, public_pem,
        signing_key, token_server,
    )
except ModuleNotFoundError:  # tests/ became a package
    from tests.tokenserver import (
        CLIENT_ID, CLIENT_SECRET, SELLER_ID, Reply, TokenServer, bol_claims, mint, public_pem,
        signing_key, token_server,
    )

__all__ = ["token_server"]  # the fixture, imported for pytest

FIXTURE = Path(__file__).parent / "fixtures" / "scopes" / "webshop"
BASIC = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
CREDENTIALS = {"BOL_CLIENT_ID": CLIENT_ID, "BOL_CLIENT_SECRET": CLIENT_SECRET}
JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
DAY = 86400
FINE = "orders.manage offers.read retailer-info.read invoices.read"


def bolaudit(*args: str, cwd: Path, stdin: str | None = None,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BOL_")}
    environ.update(NO_COLOR="1", **(CREDENTIALS if env is None else env))
    run = subprocess.run([sys.executable, "-m", "bolaudit", *args], cwd=cwd, env=environ,
                         input=stdin, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in run.stderr, run.stderr
    assert_no_leak(run.stdout + run.stderr)
    return run


def assert_no_leak(text: str, *tokens: str) -> None:
    """Neither the secret, its Basic form, nor any whole JWT (or a part of a given one)."""
    assert CLIENT_SECRET not in text and BASIC not in text
    assert not JWT_SHAPE.search(text), "a JWT-shaped string in the output"
    for token in tokens:
        for part in token.split("."):
            assert part not in text


def fields(text: str) -> list[tuple[str, str]]:
    """``bolaudit token``'s text as (label, value) rows; a continued row has the label ""."""
    rows = [re.split(r"\s{2,}", line, maxsplit=1) for line in text.splitlines()]
    return [(row[0], row[1] if len(row) > 1 else "") for row in rows]


def value(text: str, label: str) -> str:
    return next(v for k, v in fields(text) if k == label)


def issue(server: TokenServer, **claims: Any) -> str:
    """Script the server's next answer: a token response carrying a token we know."""
    token = mint(bol_claims(**claims))
    body = {"access_token": token, "token_type": "Bearer", "expires_in": 299, "scope": "RETAILER"}
    server.script(Reply(200, json.dumps(body).encode(), (("Content-Type", "application/json"),)))
    return token


@pytest.fixture
def webshop(tmp_path: Path) -> Path:
    root = tmp_path / "webshop"
    shutil.copytree(FIXTURE, root)
    return root


# --- scopes --live ------------------------------------------------------------------------------

def test_scopes_live_against_the_token_service(webshop: Path, token_server: TokenServer) -> None:
    token_server.scopes = FINE
    run = bolaudit("scopes", "--live", "--token-url", token_server.token_url, "--format", "json", cwd=webshop)
    assert run.returncode == 1, run.stderr
    data = json.loads(run.stdout)
    assert data["missing"] == [{"resource": "shipping-labels", "needed": "manage", "granted": None}]
    assert data["insufficient"] == [{"resource": "offers", "needed": "manage", "granted": "read"}]
    assert data["unused"] == [{"resource": "orders", "needed": "read", "granted": "manage"},
                              {"resource": "invoices", "needed": None, "granted": "read"}]
    assert data["token"] == {"client_id": CLIENT_ID, "client_name": "Shop integratie", "seller_id": SELLER_ID,
                             "scopes": FINE.split(), "expires_at": data["token"]["expires_at"],
                             "signature_verified": False, "warnings": []}
    assert len(token_server.requests) == 1
    sent = token_server.requests[0]
    assert (sent.path, sent.header("Authorization"), sent.header("Accept")) == \
        ("/token", f"Basic {BASIC}", "application/json")
    assert sent.body == b"grant_type=client_credentials"


def test_scopes_live_text_never_shows_or_stores_the_token(webshop: Path, token_server: TokenServer) -> None:
    token = issue(token_server, scopes=FINE)
    run = bolaudit("scopes", "--live", "--token-url", token_server.token_url, cwd=webshop)
    assert run.returncode == 1
    assert_no_leak(run.stdout + run.stderr, token)
    assert " BOL401 grant-missing: " in run.stdout and " BOL402 grant-insufficient: " in run.stdout
    source = f"the token service at {token_server.token_url} (client credentials)"
    assert f"Token {token[:4]}…{token[-3:]} from {source}" in run.stdout
    written = [p for p in webshop.rglob("*") if p.is_file()]
    assert any(".bolaudit_cache" in p.parts for p in written)  # the cache was used, and holds no token
    for path in written:
        data = path.read_bytes()
        assert CLIENT_SECRET.encode() not in data
        assert not any(part.encode() in data for part in token.split("."))
    assert len(token_server.requests) == 1


def test_scopes_live_legacy_token_covers_the_code(webshop: Path, token_server: TokenServer) -> None:
    run = bolaudit("scopes", "--live", "--token-url", token_server.token_url, cwd=webshop)
    assert run.returncode == 0, run.stderr
    assert "legacy full access (retailer)" in run.stdout
    assert "signature NOT VERIFIED" in run.stdout
    assert len(token_server.requests) == 1


def test_credential_variable_names_come_from_the_user_config(
        webshop: Path, token_server: TokenServer, tmp_path: Path) -> None:
    user = tmp_path / "xdg"
    (user / "bolaudit").mkdir(parents=True)
    (user / "bolaudit" / "config.toml").write_text(
        f'client-id-env = "SHOP_BOL_ID"\nclient-secret-env = "SHOP_BOL_SECRET"\ntoken-url = "{token_server.token_url}"\n')
    env = {"SHOP_BOL_ID": CLIENT_ID, "SHOP_BOL_SECRET": CLIENT_SECRET, "XDG_CONFIG_HOME": str(user)}
    run = bolaudit("scopes", "--live", "--format", "json", cwd=webshop, env=env)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["token"]["scopes"] == ["RETAILER"]
    assert len(token_server.requests) == 1


def test_credential_variable_names_from_the_command_line(webshop: Path, token_server: TokenServer) -> None:
    env = {"SHOP_BOL_ID": CLIENT_ID, "SHOP_BOL_SECRET": CLIENT_SECRET}
    run = bolaudit("token", "--live", "--token-url", token_server.token_url, "--client-id-env", "SHOP_BOL_ID",
                   "--client-secret-env", "SHOP_BOL_SECRET", cwd=webshop, env=env)
    assert run.returncode == 0, run.stderr
    assert value(run.stdout, "client id") == CLIENT_ID
    assert len(token_server.requests) == 1


def test_scopes_live_verifies_with_the_jwks(webshop: Path, token_server: TokenServer) -> None:
    run = bolaudit("scopes", "--live", "--token-url", token_server.token_url, "--jwks-url",
                   token_server.jwks_url, "--format", "json", cwd=webshop)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["token"]["signature_verified"] is True
    assert [r.path for r in token_server.requests] == ["/token"]  # the JWKS is a GET, not a token request


# --- what goes wrong ----------------------------------------------------------------------------

FAILED = "token request failed: "


@pytest.mark.parametrize(("reply", "says"), [
    # no scripted reply: the server refuses the wrong secret as bol does
    (None, "token service rejected the credentials: HTTP 401 Unauthorized: Bad credentials"),
    (Reply.problem(400, "Bad Request", "Unsupported grant_type"), FAILED + "HTTP 400 Bad Request: Unsupported grant_type"),
    (Reply.problem(403, "Forbidden", "Your IP is blocked"), FAILED + "HTTP 403 Forbidden: Your IP is blocked"),
    (Reply.problem(500, "Internal Server Error", "Try later"), FAILED + "HTTP 500 Internal Server Error: Try later"),
    (Reply.not_json(503), FAILED + "HTTP 503 Service Unavailable"),
    (Reply.not_json(200), FAILED + "HTTP 200 but the body is not JSON"),
    (Reply(200, b'{"token_type": "Bearer"}'), FAILED + "HTTP 200 but the body has no access_token"),
    (Reply.rate_limited("3600"), FAILED + "HTTP 429 Too Many Requests: the token service is rate limiting "
                                          "and asks to wait 3600 s; try again later"),
])
def test_token_service_errors_are_one_line_and_exit_2(
        webshop: Path, token_server: TokenServer, reply: Reply | None, says: str) -> None:
    env = dict(CREDENTIALS)
    if reply is None:
        env["BOL_CLIENT_SECRET"] = "wrong-" + CLIENT_SECRET[6:]
    for command in ("scopes", "token"):
        token_server.requests.clear()
        if reply is not None:
            token_server.script(reply)
        run = bolaudit(command, "--live", "--token-url", token_server.token_url, cwd=webshop, env=env)
        assert run.returncode == 2
        assert (run.stdout, run.stderr) == ("", f"bolaudit: {says}\n")
        assert env["BOL_CLIENT_SECRET"] not in run.stderr
        assert len(token_server.requests) == 1


def test_a_short_429_is_waited_out_once_and_said(webshop: Path, token_server: TokenServer) -> None:
    token_server.script(Reply.rate_limited("0"))
    run = bolaudit("scopes", "--live", "--token-url", token_server.token_url, cwd=webshop)
    assert run.returncode == 0
    assert "bolaudit: the token service answered 429 Too Many Requests; waited 0 s as its Retry-After " \
           "asked, then retried once" in run.stderr.splitlines()
    assert len(token_server.requests) == 2  # one token request, retried once after the 429


def test_a_second_429_is_not_retried_again(webshop: Path, token_server: TokenServer) -> None:
    token_server.script(Reply.rate_limited("0"), Reply.rate_limited("0"))
    run = bolaudit("token", "--live", "--token-url", token_server.token_url, cwd=webshop)
    assert run.returncode == 2
    assert "HTTP 429 Too Many Requests" in run.stderr and "retried once" in run.stderr
    assert len(token_server.requests) == 2


def test_a_silent_token_service_times_out(webshop: Path, token_server: TokenServer) -> None:
    token_server.script(Reply.slow(60))
    run = bolaudit("token", "--live", "--token-url", token_server.token_url, "--timeout", "0.5", cwd=webshop)
    assert run.returncode == 2
    assert run.stderr == "bolaudit: token request failed: no answer within 0.5 s (timeout)\n"


def test_live_without_credentials_makes_no_request(webshop: Path, token_server: TokenServer) -> None:
    run = bolaudit("scopes", "--live", "--token-url", token_server.token_url, cwd=webshop,
                   env={"BOL_CLIENT_ID": CLIENT_ID})
    assert run.returncode == 2
    assert run.stderr == ("bolaudit: --live needs the client credentials in the environment: "
                          "set BOL_CLIENT_SECRET\n")
    assert token_server.requests == []


@pytest.mark.parametrize(("args", "says"), [
    (("--live", "--token-url", "http://login.example.com/token"), "--token-url: expected an https:// URL"),
    (("--live", "--token-url", "ftp://127.0.0.1/token"), "--token-url: expected an https:// URL"),
    (("--token-url", "https://login.bol.com/token", "--token-env", "T"), "--token-url only applies with --live"),
    (("--client-secret-env", "SHOP_SECRET", "--token-env", "T"), "--client-secret-env only applies with --live"),
    (("--live", "--client-id-env", "SHOP-ID"), "--client-id-env: expected the name of an environment variable"),
    (("--live", "--token-env", "T"), "give the token one way only, not --token-env and --live"),
    (("--jwks-url", "https://x.example/jwks", "--public-key", "k.pem", "--token-env", "T"),
     "give --jwks-url or --public-key, not both"),
])
def test_usage_errors(webshop: Path, token_server: TokenServer, args: tuple[str, ...], says: str) -> None:
    for command in ("scopes", "token"):
        run = bolaudit(command, *args, cwd=webshop)
        assert run.returncode == 2
        assert says in run.stderr
    assert token_server.requests == []


def test_a_plain_http_token_url_in_the_user_config_is_refused(
        webshop: Path, token_server: TokenServer, tmp_path: Path) -> None:
    user = tmp_path / "xdg"
    (user / "bolaudit").mkdir(parents=True)
    (user / "bolaudit" / "config.toml").write_text('token-url = "http://login.example.com/token"\n')
    run = bolaudit("scopes", "--live", cwd=webshop, env={**CREDENTIALS, "XDG_CONFIG_HOME": str(user)})
    assert run.returncode == 2 and "config.toml: token-url: expected an https:// URL" in run.stderr
    assert token_server.requests == []


# --- token sources and bolaudit token -----------------------------------------------------------

def test_token_from_a_file_stdin_and_the_environment(webshop: Path) -> None:
    token = mint(bol_claims(scopes="orders.read offers.manage"))
    path = webshop.parent / "token.txt"
    path.write_text(f"Bearer {token}\n")
    runs = [
        bolaudit("token", "--token-file", str(path), cwd=webshop),
        bolaudit("token", "--token-file", "-", cwd=webshop, stdin=token),
        bolaudit("token", cwd=webshop, stdin=json.dumps({"access_token": token, "expires_in": 299})),
        bolaudit("token", "--token-env", "SHOP_TOKEN", cwd=webshop, env={"SHOP_TOKEN": token}),
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert_no_leak(run.stdout, token)
        rows = fields(run.stdout)
        assert ("token", f"{token[:4]}…{token[-3:]}") in rows
        assert ("client id", CLIENT_ID) in rows and ("seller id", SELLER_ID) in rows
        assert ("scopes", "orders.read: orders (read)") in rows
        assert ("", "offers.manage: offers (manage)") in rows
        assert value(run.stdout, "signature").startswith("NOT VERIFIED: no key given")
        assert "(expires in 4 min;" in value(run.stdout, "expires")
    assert [value(r.stdout, "source") for r in runs] == [
        f"file {path}", "standard input", "standard input", "environment variable SHOP_TOKEN"]


def test_token_json(webshop: Path, token_server: TokenServer) -> None:
    run = bolaudit("token", "--live", "--token-url", token_server.token_url, "--format", "json", cwd=webshop)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert (data["client_id"], data["seller_id"], data["scopes"]) == (CLIENT_ID, SELLER_ID, ["RETAILER"])
    assert data["signature"]["status"] == "not verified"
    assert data["grants"] == {"RETAILER": [{"resource": "*", "right": "manage"}]}
    assert data["refresh_token"] is None and data["warnings"] == []
    assert data["token"].startswith("eyJ") and "…" in data["token"]
    assert len(token_server.requests) == 1


def test_refresh_token_expiring_is_bol404_in_token_and_scopes(webshop: Path) -> None:
    now = int(time.time())
    access = mint(bol_claims(scopes="orders.read offers.manage shipping-labels.manage retailer-info.read",
                             lifetime=599))
    refresh = mint(bol_claims(scopes="offline_access", iat=now - 335 * DAY, lifetime=365 * DAY))
    response = json.dumps({"access_token": access, "refresh_token": refresh, "expires_in": 599,
                           "scope": "offline_access"})
    token = bolaudit("token", cwd=webshop, stdin=response)
    scopes = bolaudit("scopes", "--token-file", "-", "--format", "json", cwd=webshop, stdin=response)
    quiet = bolaudit("scopes", "--token-file", "-", "--warn-days", "20", "--format", "json", cwd=webshop,
                     stdin=response)
    for run in (token, scopes, quiet):
        assert run.returncode == 0, run.stderr
        assert_no_leak(run.stdout, access, refresh)
    assert "BOL404 authorization-expiring: refresh token expires on " in token.stdout
    assert ", in 29 days: renew the authorisation" in token.stdout
    assert [w["subject"] for w in json.loads(scopes.stdout)["expiring"]] == ["refresh token"]
    assert json.loads(quiet.stdout)["expiring"] == []


def test_an_opaque_refresh_token_is_masked_and_said_to_be_opaque(webshop: Path) -> None:
    opaque = "r1-" + "x7Kq" * 12
    response = json.dumps({"access_token": mint(bol_claims()), "refresh_token": opaque})
    run = bolaudit("token", cwd=webshop, stdin=response)
    assert run.returncode == 0
    assert opaque not in run.stdout
    assert value(run.stdout, "refresh") == f"{opaque[:4]}…{opaque[-3:]} (not a JWT: its expiry is not known)"


def test_verifying_with_a_public_key(webshop: Path, tmp_path: Path) -> None:
    token = mint(bol_claims())
    good, bad = tmp_path / "bol.pem", tmp_path / "other.pem"
    good.write_text(public_pem(signing_key()))
    bad.write_text(public_pem(signing_key("another")))
    ok = bolaudit("token", "--public-key", str(good), cwd=webshop, stdin=token)
    assert ok.returncode == 0 and value(ok.stdout, "signature") == "verified (RS256)"
    for command in ("token", "scopes"):
        wrong = bolaudit(command, "--public-key", str(bad), "--token-file", "-", cwd=webshop, stdin=token)
        assert wrong.returncode == 2
        assert wrong.stderr.splitlines()[0] == \
            "bolaudit: signature check failed: the signature does not match the given key"
        assert "Shop integratie" in wrong.stdout + wrong.stderr  # the claims, beside the error


def test_verifying_with_the_jwks_of_the_token_service(webshop: Path, token_server: TokenServer) -> None:
    ok = bolaudit("token", "--jwks-url", token_server.jwks_url, cwd=webshop, stdin=mint(bol_claims()))
    assert ok.returncode == 0 and value(ok.stdout, "signature") == "verified (RS256)"
    unknown_kid = bolaudit("token", "--jwks-url", token_server.jwks_url, cwd=webshop,
                           stdin=mint(bol_claims(), kid="nope"))
    assert unknown_kid.returncode == 2
    assert unknown_kid.stderr == "bolaudit: signature check failed: the JWKS has no RS256 key with kid 'nope'\n"
    assert token_server.requests == []  # a JWKS is fetched with GET; no token request was made


def b64(data: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(("given", "says"), [
    ("not-a-token-at-all", "bolaudit: not a JWT: expected 3 dot-separated parts, found 1"),
    ("", "bolaudit: no token given: the input is empty"),
    (b64({"alg": "none"}) + "." + b64({"sub": "x", "scopes": "RETAILER"}) + ".",
     "bolaudit: the token is unsigned (alg 'none' or missing); bol tokens are RS256-signed, refusing it"),
    ('{"access_token": 42}', "bolaudit: token response JSON has no access_token string"),
])
def test_bad_tokens_get_a_clear_message_and_exit_2(webshop: Path, given: str, says: str) -> None:
    for command in ("token", "scopes"):
        run = bolaudit(command, "--token-file", "-", cwd=webshop, stdin=given)
        assert run.returncode == 2
        assert (run.stdout, run.stderr) == ("", says + "\n")


def test_an_expired_token_exits_2_and_still_shows_its_claims(webshop: Path) -> None:
    token = mint(bol_claims(iat=int(time.time()) - 900))
    token_run = bolaudit("token", "--token-env", "T", cwd=webshop, env={"T": token})
    assert token_run.returncode == 2
    assert token_run.stderr.startswith("bolaudit: the token expired at ")
    assert value(token_run.stdout, "client id") == CLIENT_ID
    assert "(expired 10 min ago;" in value(token_run.stdout, "expires")
    json_run = bolaudit("token", "--token-env", "T", "--format", "json", cwd=webshop, env={"T": token})
    assert json_run.returncode == 2
    shown = json.loads(json_run.stdout)
    assert (shown["expired"], shown["client_name"]) == (True, "Shop integratie")
    assert shown["error"].startswith("the token expired at ")
    assert_no_leak(token_run.stdout + json_run.stdout, token)


def test_scopes_compares_an_expired_token_with_a_warning(webshop: Path) -> None:
    """An access token lives 299 s; the one pasted from a log has often expired, and its grants
    still say what the seller granted: compared, with a warning (issue 15 item 6)."""
    token = mint(bol_claims(scopes=FINE, iat=int(time.time()) - 900))
    run = bolaudit("scopes", "--token-env", "T", cwd=webshop, env={"T": token})
    assert run.returncode == 1, run.stderr  # grants missing, as for a live token with these scopes
    assert re.match(r"bolaudit: the token expired 10 min ago \(\S+\); its grants are compared all the "
                    r"same, but it no longer works", run.stderr)
    assert "BOL401 grant-missing" in run.stdout and "BOL402 grant-insufficient" in run.stdout
    assert "  warning: the token expired 10 min ago" in run.stdout
    as_json = bolaudit("scopes", "--token-env", "T", "--format", "json", cwd=webshop, env={"T": token})
    data = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and data["missing"] and data["token"]["client_id"] == CLIENT_ID
    assert any(w.startswith("the token expired 10 min ago") for w in data["token"]["warnings"])
    legacy = mint(bol_claims(iat=int(time.time()) - 900))  # full access: covers the code
    assert bolaudit("scopes", "--token-env", "T", cwd=webshop, env={"T": legacy}).returncode == 0
    # Verified with the key: still compared; a signature that fails is still an error.
    key = webshop / "bol.pem"
    key.write_text(public_pem(signing_key()))
    assert bolaudit("scopes", "--token-env", "T", "--public-key", str(key), cwd=webshop,
                    env={"T": token}).returncode == 1
    key.write_text(public_pem(signing_key("other")))
    forged = bolaudit("scopes", "--token-env", "T", "--public-key", str(key), cwd=webshop, env={"T": token})
    assert forged.returncode == 2 and "signature check failed" in forged.stderr
    assert_no_leak(run.stdout + run.stderr + as_json.stdout, token)


@pytest.mark.parametrize("args", [("--token-file", "missing.jwt"), ("--token-env", "UNSET_TOKEN")])
def test_a_missing_source_is_an_error(webshop: Path, args: tuple[str, ...]) -> None:
    run = bolaudit("token", *args, cwd=webshop)
    assert run.returncode == 2
    assert run.stderr in ("bolaudit: cannot read the token file missing.jwt: No such file or directory\n",
                          "bolaudit: the environment variable UNSET_TOKEN is not set or empty\n")
