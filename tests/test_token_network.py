"""A hostile token service on loopback: it drips, it sends odd Retry-After values, deep or huge JSON,
and echoes the secret with terminal escapes. bolaudit must stay bounded, never crash, keep the
``check --verify-credentials`` report, and print no piece of the secret and no raw control character.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

import jwt
import pytest

from bolaudit.commands import check
from bolaudit.config import Config
from bolaudit.tokens.service import (MAX_RETRY_AFTER, FetchLive, FetchOutcome, FetchRejected, FetchUnverified,
                                  RequestBudget, fetch_client_credentials, retry_after_seconds)
from conftest import write_tree

try:
    from tokenserver import (  # type: ignore[import-not-found]
        CLIENT_ID, CLIENT_SECRET, KID, Reply, TokenServer, bol_claims, mint, signing_key, token_server)
except ModuleNotFoundError:  # tests/ became a package
    from tests.tokenserver import (
        CLIENT_ID, CLIENT_SECRET, KID, Reply, TokenServer, bol_claims, mint, signing_key, token_server)

__all__ = ["token_server"]

PAIR_ENV = f"BOL_CLIENT_ID={CLIENT_ID}\nBOL_CLIENT_SECRET={CLIENT_SECRET}\n"
BASIC = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # \t and \n are ours
SLACK = 1.0  # seconds past the deadline a loaded 2-core machine may need to notice and return


def fetch(server: TokenServer, *, timeout: float = 5.0, sleeps: list[float] | None = None) -> FetchOutcome:
    record = sleeps if sleeps is not None else []
    return fetch_client_credentials(CLIENT_ID, CLIENT_SECRET, server.token_url, timeout=timeout,
                                    budget=RequestBudget(), sleep=record.append)


def leaked_pieces(text: str, size: int = 16) -> list[str]:
    """Every ``size``-character piece of the secret, in the forms it travels in, found in ``text``."""
    forms = [CLIENT_SECRET, BASIC, urllib.parse.quote(CLIENT_SECRET, safe=""),
             urllib.parse.quote_plus(CLIENT_SECRET), base64.b64encode(CLIENT_SECRET.encode()).decode()]
    folded = text.lower()
    return [form[i : i + size] for form in forms for i in range(len(form) - size + 1)
            if form[i : i + size].lower() in folded]


def shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    write_tree(root, {".env": PAIR_ENV})
    return root


def verify_in_process(root: Path, server: TokenServer, *, fmt: str = "json", timeout: float = 5.0) -> check.Outcome:
    config = Config(root=root, jobs=1, use_cache=False, token_url=server.token_url)
    return check.run([root], config, fmt=fmt, verify_credentials=True, timeout=timeout)


def bol101(outcome: check.Outcome) -> dict[str, object]:
    (found,) = [f for f in json.loads(outcome.stdout)["findings"] if f["code"] == "BOL101"]
    assert isinstance(found, dict)
    return found


# -- a total deadline, not a per-read timeout -----------------------------------------------------


@pytest.mark.parametrize("after_head", [False, True], ids=["status-line-drips", "body-drips"])
def test_a_dripping_token_service_is_abandoned_at_the_deadline(token_server: TokenServer, after_head: bool) -> None:
    token_server.script(Reply.dripping(0.2, after_head=after_head))  # each read gets a byte in time
    started = time.monotonic()
    outcome = fetch(token_server, timeout=1.5)
    took = time.monotonic() - started
    assert isinstance(outcome, FetchUnverified)
    assert outcome.reason == "no answer within 1.5 s (timeout)"
    assert 1.4 <= took < 1.5 + SLACK, took


def test_a_quick_drip_that_ends_in_time_is_an_answer(token_server: TokenServer) -> None:
    token_server.script(Reply.dripping(0.0005, after_head=True))
    assert isinstance(fetch(token_server, timeout=10), FetchLive)


def test_check_keeps_its_report_when_the_token_service_drips(tmp_path: Path, token_server: TokenServer) -> None:
    root = shop(tmp_path)
    token_server.script(Reply.dripping(0.5))
    started = time.monotonic()
    outcome = verify_in_process(root, token_server, timeout=1.0)
    took = time.monotonic() - started
    assert outcome.exit_code == 1
    assert "unverified (no answer within 1 s (timeout))" in str(bol101(outcome)["message"])
    assert took < 1.0 + SLACK + 5, took  # the deadline plus the audit of one small file


def test_check_timeout_option_bounds_each_request(tmp_path: Path, token_server: TokenServer) -> None:
    root = shop(tmp_path)
    token_server.script(Reply.dripping(1.0))  # about 1000 s for the whole answer
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOL")}
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "bolaudit", "check", "--no-cache", "--verify-credentials",
                          "--token-url", token_server.token_url, "--timeout", "2", "--format", "sarif"],
                         cwd=root, env={**env, "NO_COLOR": "1"}, capture_output=True, text=True, timeout=120)
    took = time.monotonic() - started
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    (result,) = [r for r in json.loads(run.stdout)["runs"][0]["results"] if r["ruleId"] == "BOL101"]
    assert result["properties"]["verification_reason"] == "no answer within 2 s (timeout)"
    assert took < 2 + 15, took  # start-up and the audit on a busy machine; never the ~1000 s drip
    assert len(token_server.requests) == 1


def test_check_timeout_needs_verify_credentials(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "bolaudit", "check", "--timeout", "3"], cwd=shop(tmp_path),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "--timeout is only used with --verify-credentials" in run.stderr


# -- Retry-After, read defensively ---------------------------------------------------------------

NOW = datetime(2024, 5, 6, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("header", "seconds"), [
    ("3", 3.0),
    ("0", 0.0),
    (" 7 ", 7.0),
    ("1.5", 1.5),
    (None, 2.0),  # bol sometimes sends none: the documented default
    ("", 2.0),
    ("²", None),  # str.isdigit() says yes; float() says no
    ("٣", None),  # an Arabic-Indic three
    ("-5", None),
    ("1e3", None),
    ("soon", None),
    ("99999999999999999999999999", float("inf")),
    ("Mon, 06 May 2024 12:00:05 GMT", 5.0),
    ("Mon, 06 May 2024 11:00:00 GMT", 0.0),  # in the past: now
    ("Fri, 31 Dec 9999 23:59:59 GMT", (datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc) - NOW).total_seconds()),
    ("Mon, 99 Foo 2024 99:99:99 GMT", None),
    ("Mon, 06 May 99999 12:00:00 GMT", None),
])
def test_retry_after_values(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header, NOW) == seconds


@pytest.mark.parametrize("header", ["²", "99999999999999999999999999", "-1", "Fri, 31 Dec 9999 23:59:59 GMT",
                                    "Mon, 99 Foo 2024 99:99:99 GMT", "0"])
def test_any_retry_after_is_a_bounded_wait_and_at_most_one_retry(token_server: TokenServer, header: str) -> None:
    token_server.script(Reply.rate_limited(header), Reply.rate_limited(header), Reply.rate_limited(header))
    sleeps: list[float] = []
    outcome = fetch(token_server, sleeps=sleeps)
    assert isinstance(outcome, FetchUnverified) and outcome.status == 429
    assert all(0 <= wait <= MAX_RETRY_AFTER for wait in sleeps) and len(sleeps) <= 1
    assert len(token_server.requests) == len(sleeps) + 1


def test_a_huge_retry_after_is_said_plainly(token_server: TokenServer) -> None:
    token_server.script(Reply.rate_limited("99999999999999999999999999"))
    outcome = fetch(token_server)
    assert isinstance(outcome, FetchUnverified)
    assert outcome.reason == ("HTTP 429 Too Many Requests: the token service is rate limiting and asks to wait "
                              "more than a day; try again later")


def test_check_report_survives_a_superscript_retry_after(tmp_path: Path, token_server: TokenServer) -> None:
    token_server.script(Reply.rate_limited("²"))
    outcome = verify_in_process(shop(tmp_path), token_server)
    assert outcome.exit_code == 1
    assert "unverified (HTTP 429 Too Many Requests: the token service is rate limiting; try again later)" in str(
        bol101(outcome)["message"])


# -- JSON: depth and size bounded ----------------------------------------------------------------

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000


def deep_token() -> str:
    """A real RS256 JWT whose payload nests 20,000 levels deep (PyJWT would recurse on it)."""
    payload = b'{"iss":"https://login.bol.com","x":' + b"[" * 20_000 + b"]" * 20_000 + b"}"
    return jwt.api_jws.encode(payload, signing_key(), algorithm="RS256", headers={"kid": KID})


@pytest.mark.parametrize(("reply", "reason"), [
    (Reply(200, DEEP), "HTTP 200 but the body is nested more than 32 levels deep"),
    (Reply(200, DEEP_OBJECT), "HTTP 200 but the body is nested more than 32 levels deep"),
    (Reply(200, b'{"access_token": "x", "pad": "' + b"y" * (2 * 1024 * 1024) + b'"}'),
     "the answer is larger than 1024 KiB; not read"),
])
def test_deep_or_huge_json_from_the_token_service(token_server: TokenServer, reply: Reply, reason: str) -> None:
    token_server.script(reply)
    outcome = fetch(token_server)
    assert isinstance(outcome, FetchUnverified) and outcome.reason == reason


def test_a_deep_problem_body_is_still_a_rejection(token_server: TokenServer) -> None:
    token_server.script(Reply(401, DEEP_OBJECT))
    outcome = fetch(token_server)
    assert isinstance(outcome, FetchRejected) and (outcome.title, outcome.detail) == (None, None)


def test_a_deeply_nested_token_payload(tmp_path: Path, token_server: TokenServer) -> None:
    from bolaudit.tokens.jwt import TokenError, decode

    token = deep_token()
    with pytest.raises(TokenError, match="not a usable JWT: the payload is nested more than 32 levels deep"):
        decode(token)
    body = json.dumps({"access_token": token, "token_type": "Bearer", "expires_in": 299}).encode()
    token_server.script(Reply(200, body))
    outcome = verify_in_process(shop(tmp_path), token_server)
    assert outcome.exit_code == 1
    assert "unverified (HTTP 200 but the access token is unusable: not a usable JWT" in str(bol101(outcome)["message"])


def test_bolaudit_token_on_a_deeply_nested_payload(tmp_path: Path) -> None:
    for given in (deep_token(), '{"access_token": ' + "[" * 20_000 + "]" * 20_000 + "}"):
        run = subprocess.run([sys.executable, "-m", "bolaudit", "token"], cwd=tmp_path, input=given,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
        assert "nested more than 32 levels deep" in run.stderr


# -- what the service says is shown without the secret and without control characters -------------

ESCAPES = "\x1b[2J\x1b]0;owned\x07\x9b31m\u202e"


def echoes() -> list[tuple[str, str]]:
    half = len(CLIENT_SECRET) // 2
    return [
        (f"Denied for {CLIENT_SECRET}", "raw"),
        (f"client_secret={urllib.parse.quote(CLIENT_SECRET, safe='')}", "url-encoded"),
        (f"client_secret={urllib.parse.quote_plus(CLIENT_SECRET).lower()}", "url-encoded, lower-case escapes"),
        (f"got '{CLIENT_SECRET[:half]}' and '{CLIENT_SECRET[half:]}'", "split"),
        (f"secret {CLIENT_SECRET[:20]}", "cut short"),
        (f"Authorization: Basic {BASIC}", "basic"),
        (f"Authorization: basic {BASIC[:40]}", "basic, cut short"),
        (f"secret (base64) {base64.b64encode(CLIENT_SECRET.encode()).decode()}", "base64"),
    ]


@pytest.mark.parametrize(("detail", "form"), echoes(), ids=[form for _, form in echoes()])
def test_an_echoed_secret_is_never_shown(token_server: TokenServer, detail: str, form: str) -> None:
    token_server.script(Reply.problem(401, f"Unauthorized{ESCAPES}", detail + ESCAPES))
    outcome = fetch(token_server)
    assert isinstance(outcome, FetchRejected)
    shown = outcome.message + repr(outcome)
    assert leaked_pieces(shown) == [], (form, shown)
    assert not CONTROL.search(outcome.message), outcome.message
    assert "\\x1b" in outcome.message  # escaped, visible


def test_the_reports_hold_no_echo_and_no_escape(tmp_path: Path, token_server: TokenServer) -> None:
    root = shop(tmp_path)
    everything = ESCAPES.join(text for text, _ in echoes())
    for fmt in ("text", "json", "sarif", "github"):
        token_server.script(Reply.problem(403, "Forbidden" + ESCAPES, everything))
        outcome = verify_in_process(root, token_server, fmt=fmt)
        output = outcome.stdout + outcome.stderr
        assert leaked_pieces(output) == [], fmt
        assert not CONTROL.search(output), (fmt, output)


def test_live_stderr_holds_no_echo_and_no_escape(tmp_path: Path, token_server: TokenServer) -> None:
    everything = ESCAPES.join(text for text, _ in echoes())
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOL_")}
    env.update(BOL_CLIENT_ID=CLIENT_ID, BOL_CLIENT_SECRET=CLIENT_SECRET)
    for command in ("token", "scopes"):
        token_server.script(Reply.problem(500, "Oops" + ESCAPES, everything))
        run = subprocess.run([sys.executable, "-m", "bolaudit", command, "--live", "--token-url",
                              token_server.token_url], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 2 and run.stderr.startswith("bolaudit: token request failed: HTTP 500")
        assert leaked_pieces(run.stdout + run.stderr) == []
        assert not CONTROL.search(run.stdout + run.stderr)


def test_claims_that_echo_the_secret_are_not_shown(tmp_path: Path, token_server: TokenServer) -> None:
    token = mint(bol_claims(client_name=CLIENT_SECRET, note=f"Basic {BASIC}",
                            nested={"seen": [urllib.parse.quote(CLIENT_SECRET, safe="")]}))
    body = json.dumps({"access_token": token, "token_type": "Bearer", "expires_in": 299}).encode()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOL_")}
    env.update(BOL_CLIENT_ID=CLIENT_ID, BOL_CLIENT_SECRET=CLIENT_SECRET)
    for fmt in ("text", "json"):
        token_server.script(Reply(200, body))
        run = subprocess.run([sys.executable, "-m", "bolaudit", "token", "--live", "--token-url",
                              token_server.token_url, "--format", fmt], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert leaked_pieces(run.stdout + run.stderr) == [], fmt
        assert CLIENT_ID in run.stdout  # the client id is no secret: still shown


@pytest.mark.parametrize(("text", "depth"), [
    ('{"detail": "' + "[" * 500 + '"}', 1),  # brackets inside a string do not nest
    ('{"detail": "say \\"[[[[\\" and \\\\", "x": [[1]]}', 3),  # escaped quotes and backslashes
    ("[" * 33 + "]" * 33, 33),
    ('{"a": {"b": [1, {"c": []}]}}', 5),
])
def test_nesting_is_counted_outside_strings(text: str, depth: int) -> None:
    from bolaudit.bounded import jsontext as bounded_json

    assert bounded_json.nesting(text) == depth
    if depth <= bounded_json.MAX_DEPTH:
        assert bounded_json.loads(text, max_bytes=10_000) == json.loads(text)
    else:
        with pytest.raises(bounded_json.JSONLimit, match="nested more than 32 levels deep"):
            bounded_json.loads(text, max_bytes=10_000)
