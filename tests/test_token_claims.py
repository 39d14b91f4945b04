"""A token's exp, nbf and iss: unreadable dates are errors, a future nbf and a foreign iss warnings.

Real RS256 JWTs from ``tokenserver`` (bol's claims, one claim changed), through ``tokens.decode``
and through ``bolaudit token`` / ``bolaudit scopes`` in a subprocess, in text and JSON, and from
the loopback token service for ``--live``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bolaudit.tokens.jwt import TokenError, decode

try:
    from tokenserver import CLIENT_ID, CLIENT_SECRET, Reply, TokenServer, bol_claims, mint, token_server  # type: ignore[import-not-found]
except ModuleNotFoundError:  # tests/ became a package
    from tests.tokenserver import CLIENT_ID, CLIENT_SECRET, Reply, TokenServer, bol_claims, mint, token_server

__all__ = ["token_server"]

FIXTURE = Path(__file__).parent / "fixtures" / "scopes" / "webshop"
HOUR = 3600


def bolaudit(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOL_")}
    env.update(NO_COLOR="1", BOL_CLIENT_ID=CLIENT_ID, BOL_CLIENT_SECRET=CLIENT_SECRET)
    run = subprocess.run([sys.executable, "-m", "bolaudit", *args], cwd=cwd, env=env, input=stdin,
                         capture_output=True, text=True, timeout=300)
    assert "Traceback" not in run.stderr, run.stderr
    return run


@pytest.fixture
def webshop(tmp_path: Path) -> Path:
    root = tmp_path / "webshop"
    shutil.copytree(FIXTURE, root)
    return root


def token_with(**claims: Any) -> str:
    return mint(bol_claims(**claims))


# -- exp and nbf that cannot be read are errors, never "no expiry" --------------------------------

MALFORMED = [
    ("1999999999", "is a string, not a number of seconds"),  # a date as text: not a NumericDate
    (True, "is true or false, not a number of seconds"),
    (None, "is null, not a number of seconds"),
    (float("nan"), "is not a number (NaN or infinite)"),
    (float("inf"), "is not a number (NaN or infinite)"),
    (10**20, "100000000000000000000 is out of range for a date"),
    (-(10**15), "-1000000000000000 is out of range for a date"),
    ([1999999999], "is a list, not a number of seconds"),
]


@pytest.mark.parametrize("claim", ["exp", "nbf"])
@pytest.mark.parametrize(("value", "says"), MALFORMED)
def test_a_malformed_date_claim_is_an_error(claim: str, value: object, says: str) -> None:
    with pytest.raises(TokenError) as caught:
        decode(token_with(**{claim: value}))
    assert caught.value.kind == "claims"
    assert str(caught.value) == (f"the token's {claim} claim {says}; bolaudit cannot tell when the token is "
                                 "valid (signature not verified)")


@pytest.mark.parametrize("exp", [int(time.time()) + HOUR, time.time() + HOUR + 0.5, 253402300000 - 1])
def test_readable_dates_are_fine_even_far_ahead(exp: float) -> None:
    decoded = decode(token_with(exp=exp, nbf=int(time.time()) - 5))
    assert decoded.expires_at is not None and decoded.not_before is not None


@pytest.mark.parametrize("claim", ["exp", "nbf"])
def test_bolaudit_token_and_scopes_exit_2_on_a_malformed_date(webshop: Path, claim: str) -> None:
    token = token_with(**{claim: "tomorrow"})
    for command in ("token", "scopes"):
        run = bolaudit(command, "--token-file", "-", cwd=webshop, stdin=token)
        assert run.returncode == 2, (command, run.stdout, run.stderr)
        assert run.stderr == (f"bolaudit: the token's {claim} claim is a string, not a number of seconds; "
                              "bolaudit cannot tell when the token is valid (signature not verified)\n")
        assert "never" not in run.stdout


def test_a_refresh_token_with_a_malformed_exp_is_an_error(webshop: Path) -> None:
    response = json.dumps({"access_token": token_with(), "refresh_token": token_with(exp=float("nan"))})
    run = bolaudit("token", cwd=webshop, stdin=response)
    assert run.returncode == 2
    assert run.stderr.startswith("bolaudit: refresh token: the token's exp claim is not a number")


def test_a_malformed_exp_from_the_token_service_is_an_error(webshop: Path, token_server: TokenServer) -> None:
    body = json.dumps({"access_token": token_with(exp="never"), "token_type": "Bearer", "expires_in": 299})
    token_server.script(Reply(200, body.encode(), (("Content-Type", "application/json"),)))
    run = bolaudit("token", "--live", "--token-url", token_server.token_url, cwd=webshop)
    assert run.returncode == 2
    assert run.stderr == ("bolaudit: token request failed: HTTP 200 but the access token is unusable: the "
                          "token's exp claim is a string, not a number of seconds; bolaudit cannot tell when "
                          "the token is valid (signature not verified)\n")


# -- nbf in the future and a foreign issuer are warnings -----------------------------------------


def test_nbf_in_the_future_is_a_warning_in_token_and_scopes(webshop: Path) -> None:
    now = int(time.time())
    token = token_with(iat=now, nbf=now + 2 * HOUR, lifetime=3 * HOUR)
    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(now + 2 * HOUR))
    message = f"the token is not valid before {when} (nbf is in the future); bol refuses it until then"
    text = bolaudit("token", cwd=webshop, stdin=token)
    assert text.returncode == 0, text.stderr
    assert f"warning: {message}" in text.stdout.splitlines()
    assert "(valid in 1 h;" in text.stdout  # the "not before" row
    as_json = json.loads(bolaudit("token", "--format", "json", cwd=webshop, stdin=token).stdout)
    assert as_json["claim_warnings"] == [{"claim": "nbf", "message": message}]
    assert as_json["not_before"].startswith(time.strftime("%Y-%m-%d", time.gmtime(now + 2 * HOUR)))
    scopes = bolaudit("scopes", "--token-file", "-", cwd=webshop, stdin=token)
    assert f"  warning: {message}" in scopes.stdout.splitlines()
    scopes_json = bolaudit("scopes", "--token-file", "-", "--format", "json", cwd=webshop, stdin=token)
    assert json.loads(scopes_json.stdout)["token"]["warnings"] == [message]


@pytest.mark.parametrize("offset", [-HOUR, 0, 30])  # past, now, within a minute of clock skew
def test_nbf_now_or_past_is_not_a_warning(offset: int) -> None:
    from bolaudit.tokens.view import claim_warnings
    from datetime import datetime, timezone

    now = int(time.time())
    decoded = decode(token_with(iat=now, nbf=now + offset))
    assert claim_warnings(decoded, datetime.fromtimestamp(now, timezone.utc)) == ()


@pytest.mark.parametrize(("iss", "said"), [
    ("https://login.bol.com.example.net", "was issued by 'https://login.bol.com.example.net' (iss)"),
    ("http://login.bol.com", "was issued by 'http://login.bol.com' (iss)"),
    (None, "has no iss claim"),
    ("https://x.example\x1b]0;pwned\x07", "was issued by 'https://x.example\\x1b]0;pwned\\x07' (iss)"),
])
def test_an_issuer_other_than_bol_is_a_warning(webshop: Path, iss: str | None, said: str) -> None:
    claims = bol_claims()
    if iss is None:
        del claims["iss"]
    else:
        claims["iss"] = iss
    token = mint(claims)
    message = (f"the token {said}, not by bol's https://login.bol.com: it is not a token from bol's "
               "token service")
    text = bolaudit("token", cwd=webshop, stdin=token)
    assert text.returncode == 0, text.stderr
    assert f"warning: {message}" in text.stdout.splitlines()
    assert "\x1b" not in text.stdout + text.stderr
    assert json.loads(bolaudit("token", "--format", "json", cwd=webshop, stdin=token).stdout)[
        "claim_warnings"] == [{"claim": "iss", "message": message}]
    scopes = bolaudit("scopes", "--token-file", "-", "--format", "json", cwd=webshop, stdin=token)
    assert json.loads(scopes.stdout)["token"]["warnings"] == [message]


def test_a_bol_token_has_no_claim_warnings(webshop: Path) -> None:
    token = token_with()
    text = bolaudit("token", cwd=webshop, stdin=token)
    assert "warning:" not in text.stdout
    assert json.loads(bolaudit("token", "--format", "json", cwd=webshop, stdin=token).stdout)["claim_warnings"] == []
