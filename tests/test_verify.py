"""``bolaudit check --verify-credentials`` against a real loopback server playing bol's token service.

Every test writes a small tree with fake credentials, runs the check (in process through
``commands.check.run``, or through the CLI in a subprocess), and looks at what the server saw:
exactly one request per distinct id/secret pair, none without the flag, and never a secret or a
token in any output.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bolaudit.commands import check
from bolaudit.config import Config
from bolaudit.findings import Span
from bolaudit.credentials.verify import PairRef, Place, value_at, verify
from conftest import write_tree

try:
    from tokenserver import CLIENT_ID, CLIENT_SECRET, CLIENT_NAME, SELLER_ID, Reply, TokenServer, token_server  # type: ignore[import-not-found]
except ModuleNotFoundError:  # tests/ became a package
    from tests.tokenserver import CLIENT_ID, CLIENT_SECRET, CLIENT_NAME, SELLER_ID, Reply, TokenServer, token_server

__all__ = ["token_server"]  # the fixture, imported for pytest

# A second, well-formed secret the server does not know (random, fixed; kept in pieces).
WRONG = "tR4(kP9!wZ2?mQ7)vX5@nB8+cL3-hJ6_" "gD1!sF0?yA4(eU9)oI2@rK7+lM5-pW8_"
OTHER_ID = "5b0e8c61-3f2a-4d9e-8b7c-1a2f3e4d5c6b"
PAIR_ENV = f"BOL_CLIENT_ID={CLIENT_ID}\nBOL_CLIENT_SECRET={CLIENT_SECRET}\n"
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
BASIC = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def _secret(n: int) -> str:
    """The n-th of many distinct, well-formed fake secrets."""
    import hashlib

    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!?()@+-_"
    digest = hashlib.sha512(f"fake secret {n}".encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest) + "!"[: 64 - len(digest)]


def run_check(tree: Path, server: TokenServer | None, *, verify_flag: bool = True, fmt: str = "text",
              baseline: Path | None = None) -> check.Outcome:
    token_url = server.token_url if server is not None else "https://login.bol.com/token"
    config = Config(root=tree, jobs=1, use_cache=False, token_url=token_url)
    return check.run([tree], config, fmt=fmt, verify_credentials=verify_flag, baseline=baseline)


def findings_of(outcome: check.Outcome) -> list[dict[str, object]]:
    found: list[dict[str, object]] = json.loads(outcome.stdout)["findings"]
    return found


def assert_no_secret(text: str, *secrets: str) -> None:
    assert not JWT.search(text), "an access token in the output"
    for secret in (CLIENT_SECRET, WRONG, *secrets):
        for form in (secret, base64.b64encode(f"{CLIENT_ID}:{secret}".encode()).decode(), json.dumps(secret)[1:-1]):
            assert form not in text


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "shop"
    root.mkdir()
    monkeypatch.chdir(root)  # reports show paths relative to the current folder
    return root


# -- outcomes


def test_live_pair_says_verified_live_with_the_credentials_name_and_seller(tree: Path, token_server: TokenServer) -> None:
    write_tree(tree, {".env": PAIR_ENV})
    out = run_check(tree, token_server, fmt="json")
    (secret,) = [f for f in findings_of(out) if f["code"] == "BOL101"]
    assert f"verified live (credentials '{CLIENT_NAME}', seller {SELLER_ID})" in str(secret["message"])
    assert secret["properties"] == {
        "masked": "Xq7!…Q3?", "fingerprint": secret["properties"]["fingerprint"],  # type: ignore[index]
        "verification": "live", "client_name": CLIENT_NAME, "seller_id": SELLER_ID,
    }
    (request,) = token_server.requests
    assert request.header("Authorization") == "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert request.header("Accept") == "application/json"
    assert request.body == b"grant_type=client_credentials"
    assert "1 id/secret pair(s), 1 request(s)" in out.stderr and "1 verified live" in out.stderr
    assert out.exit_code == 1
    assert_no_secret(out.stdout + out.stderr)


def test_wrong_secret_is_rejected(tree: Path, token_server: TokenServer) -> None:
    write_tree(tree, {"settings.py": f'CLIENT_ID = "{CLIENT_ID}"\nCLIENT_SECRET = "{WRONG}"\n'})
    out = run_check(tree, token_server, fmt="json")
    (secret,) = [f for f in findings_of(out) if f["code"] == "BOL101"]
    assert "rejected by bol's token service" in str(secret["message"])
    assert secret["properties"]["verification"] == "rejected"  # type: ignore[index]
    assert len(token_server.requests) == 1
    assert_no_secret(out.stdout + out.stderr)


def test_one_request_per_pair_however_many_files_hold_it(tree: Path, token_server: TokenServer) -> None:
    write_tree(tree, {
        ".env": PAIR_ENV,
        "deploy/.env.production": PAIR_ENV,
        "config/bol.yaml": f"bol:\n  client_id: {CLIENT_ID}\n  client_secret: '{CLIENT_SECRET}'\n",
        "shop/settings.py": f'BOL_CLIENT_ID = "{CLIENT_ID}"\nBOL_CLIENT_SECRET = "{CLIENT_SECRET}"\n',
        "scripts/token.sh": f"curl -u {CLIENT_ID}:{CLIENT_SECRET} -X POST https://login.bol.com/token\n",
        "other.py": f'auth = ("{CLIENT_ID}", "{WRONG}")\n',
        "headers.py": f'HEADERS = {{"Authorization": "Basic {BASIC}"}}\n',
        "explore.ipynb": json.dumps({"cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Try the API\n"]},
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
             "source": ["import requests\n", f'client_id = "{CLIENT_ID}"\n', f'client_secret = "{CLIENT_SECRET}"\n']},
        ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1),
    })
    out = run_check(tree, token_server, fmt="json")
    secrets = [f for f in findings_of(out) if f["code"] == "BOL101"]
    assert len(secrets) == 8
    verdicts = sorted(str(f["properties"]["verification"]) for f in secrets)  # type: ignore[index]
    assert verdicts == ["live"] * 7 + ["rejected"]
    assert len(token_server.requests) == 2  # the seven copies of one pair, and the other pair
    assert_no_secret(out.stdout + out.stderr)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_request_without_the_flag(tree: Path, token_server: TokenServer, fmt: str) -> None:
    write_tree(tree, {".env": PAIR_ENV})
    out = run_check(tree, token_server, verify_flag=False, fmt=fmt)
    assert out.exit_code == 1 and "BOL101" in out.stdout
    assert "; verified live" not in out.stdout and '"verification"' not in out.stdout
    assert "verify-credentials" not in out.stderr
    assert token_server.requests == []


def test_429_is_honoured_then_the_pair_is_verified(tree: Path, token_server: TokenServer) -> None:
    token_server.script(Reply.rate_limited("0"))
    write_tree(tree, {".env": PAIR_ENV})
    out = run_check(tree, token_server)
    assert "verified live" in out.stdout
    assert len(token_server.requests) == 2  # the 429 and its one retry: one request of the budget
    assert "429 Too Many Requests" in out.stderr and "1 request(s)" in out.stderr


def test_long_429_stops_asking(tree: Path, token_server: TokenServer) -> None:
    token_server.script(Reply.rate_limited("3600"))
    write_tree(tree, {"a/.env": PAIR_ENV, "b/.env": f"BOL_CLIENT_ID={OTHER_ID}\nBOL_CLIENT_SECRET={WRONG}\n"})
    out = run_check(tree, token_server, fmt="json")
    messages = sorted(str(f["message"]) for f in findings_of(out) if f["code"] == "BOL101")
    assert "unverified (HTTP 429 Too Many Requests" in messages[0]
    assert "unverified (not asked: the token service did not answer an earlier request)" in messages[1]
    assert len(token_server.requests) == 1


def test_server_down_is_unverified(tree: Path) -> None:
    server = TokenServer().start()
    url = server.token_url
    server.stop()
    write_tree(tree, {".env": PAIR_ENV})
    config = Config(root=tree, jobs=1, use_cache=False, token_url=url)
    out = check.run([tree], config, verify_credentials=True)
    assert "unverified (could not connect" in out.stdout
    assert out.exit_code == 1
    assert_no_secret(out.stdout + out.stderr)


def test_timeout_is_unverified(token_server: TokenServer) -> None:
    token_server.script(Reply.slow(30))
    text = PAIR_ENV
    place = Place(".env", Span(2, 19, 2, 19 + len(CLIENT_SECRET)))
    ref = PairRef(Place(".env", Span(1, 15, 1, 51)), _fp(CLIENT_ID), place, _fp(CLIENT_SECRET))
    results, summary = verify([place], {place: ref}, lambda path: text, token_url=token_server.token_url, timeout=0.2)
    assert results[place].text() == "unverified (no answer within 0.2 s (timeout))"
    assert summary.requests == 1


def test_at_most_ten_requests(tree: Path, token_server: TokenServer) -> None:
    files = {f"app{n:02}/.env": f"BOL_CLIENT_ID={CLIENT_ID}\nBOL_CLIENT_SECRET={_secret(n)}\n" for n in range(12)}
    write_tree(tree, files)
    out = run_check(tree, token_server, fmt="json")
    verdicts = [f["properties"]["verification"] for f in findings_of(out) if f["code"] == "BOL101"]  # type: ignore[index]
    assert verdicts.count("rejected") == 10 and verdicts.count("unverified") == 2
    assert "not asked: at most 10 token requests per run" in out.stdout
    assert len(token_server.requests) == 10
    assert_no_secret(out.stdout + out.stderr, *(_secret(n) for n in range(12)))


# -- pairing


def test_pairs_within_an_app_but_never_guesses(tree: Path, token_server: TokenServer) -> None:
    write_tree(tree, {
        "orders/pyproject.toml": "[project]\nname = 'orders'\n",
        "orders/orders/settings.py": f'BOL_CLIENT_ID = "{CLIENT_ID}"\n',
        "orders/.env": f"BOL_CLIENT_SECRET={CLIENT_SECRET}\n",
        "stock/pyproject.toml": "[project]\nname = 'stock'\n",
        "stock/.env": f"BOL_CLIENT_SECRET={WRONG}\n",
        "multi/pyproject.toml": "[project]\nname = 'multi'\n",
        "multi/nl.py": f'BOL_CLIENT_ID = "{CLIENT_ID}"\n',
        "multi/be.py": f'BOL_CLIENT_ID = "{OTHER_ID}"\n',
        "multi/.env": f"BOL_CLIENT_SECRET={WRONG}\n",
    })
    out = run_check(tree, token_server, fmt="json")
    by_path = {f["path"]: str(f["message"]) for f in findings_of(out) if f["code"] == "BOL101"}
    assert "verified live" in by_path["orders/.env"]
    assert "unverified (no client id found with it in its file or app)" in by_path["stock/.env"]
    assert "unverified (several client ids found with it" in by_path["multi/.env"]
    assert len(token_server.requests) == 1


def test_suppressed_and_baselined_secrets_are_verified_too(tree: Path, token_server: TokenServer) -> None:
    write_tree(tree, {"settings.py": f'CLIENT_ID = "{CLIENT_ID}"\nCLIENT_SECRET = "{CLIENT_SECRET}"  # bolaudit: ignore[BOL101] rotated\n'})
    out = run_check(tree, token_server, fmt="sarif")
    results = json.loads(out.stdout)["runs"][0]["results"]
    (secret,) = [r for r in results if r["ruleId"] == "BOL101"]
    assert secret["suppressions"] and secret["properties"]["verification"] == "live"
    assert "verified live" in secret["message"]["text"]
    assert len(token_server.requests) == 1


def test_the_baseline_still_matches_a_verified_finding(tree: Path, token_server: TokenServer) -> None:
    write_tree(tree, {".env": PAIR_ENV})
    baseline = tree / "baseline.json"
    config = Config(root=tree, jobs=1, use_cache=False, token_url=token_server.token_url)
    assert check.run([tree], config, write_baseline=baseline).exit_code == 0
    out = run_check(tree, token_server, baseline=baseline)
    assert out.exit_code == 0 and "BOL101" not in out.stdout, out.stdout
    assert len(token_server.requests) == 1  # baselined findings are verified as well


def test_nothing_to_verify_makes_no_request(tree: Path, token_server: TokenServer) -> None:
    write_tree(tree, {"app.py": 'import os\nSECRET = os.environ["BOL_CLIENT_SECRET"]\n'})
    out = run_check(tree, token_server)
    assert out.exit_code == 0 and "no hard-coded client secret (BOL101) to verify" in out.stderr
    assert token_server.requests == []


# -- the command line


def _cli(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOL")}
    env["NO_COLOR"] = "1"
    return subprocess.run([sys.executable, "-m", "bolaudit", "check", "--no-cache", *args], cwd=tree,
                          env=env, capture_output=True, text=True, timeout=300)


def test_cli_flag_and_token_url(tree: Path, token_server: TokenServer) -> None:
    write_tree(tree, {".env": PAIR_ENV})
    plain = _cli(tree)
    assert plain.returncode == 1 and token_server.requests == []
    proc = _cli(tree, "--verify-credentials", "--token-url", token_server.token_url, "--format", "sarif")
    assert proc.returncode == 1, proc.stderr
    results = json.loads(proc.stdout)["runs"][0]["results"]
    assert [r["properties"]["verification"] for r in results if r["ruleId"] == "BOL101"] == ["live"]
    assert len(token_server.requests) == 1
    assert_no_secret(proc.stdout + proc.stderr + plain.stdout + plain.stderr)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--token-url", "https://login.example.com/token"), "--token-url is only used with --verify-credentials"),
        (("--verify-credentials", "--token-url", "http://login.example.com/token"), "https"),
    ],
)
def test_cli_usage_errors(tree: Path, args: tuple[str, ...], message: str) -> None:
    write_tree(tree, {".env": PAIR_ENV})
    proc = _cli(tree, *args)
    assert proc.returncode == 2 and message in proc.stderr


# -- reading values back


def _fp(value: str) -> str:
    from bolaudit.catalog.credentials import fingerprint

    return fingerprint(value)


@pytest.mark.parametrize(
    ("text", "span", "kind", "expected"),
    [
        (PAIR_ENV, Span(2, 19, 2, 83), "client_secret", CLIENT_SECRET),
        (PAIR_ENV, Span(1, 15, 1, 51), "client_id", CLIENT_ID),
        (f'S = ("{CLIENT_SECRET[:30]}"\n     "{CLIENT_SECRET[30:]}")\n', Span(1, 6, 2, 42), "client_secret", CLIENT_SECRET),
        (f'{{"secret": "{CLIENT_SECRET}"}}', Span(1, 13, 1, 77), "client_secret", CLIENT_SECRET),
        (f"H = 'Basic {base64.b64encode(f'{CLIENT_ID}:{CLIENT_SECRET}'.encode()).decode()}'\n",
         Span(1, 5, 1, 5 + 8 + 136), "client_secret", CLIENT_SECRET),
        (PAIR_ENV, Span(2, 19, 2, 82), "client_secret", None),  # one character short: not the value
        (PAIR_ENV, Span(9, 1, 9, 5), "client_secret", None),  # the file changed since
    ],
)
def test_value_at(text: str, span: Span, kind: str, expected: str | None) -> None:
    fingerprint = _fp(expected if expected is not None else CLIENT_SECRET)
    assert value_at(text, span, kind, fingerprint) == expected


def test_fix_keeps_the_verification_without_asking_again(tree: Path, token_server: TokenServer) -> None:
    """``--fix --verify-credentials``: the report after the fix (the files are audited again and
    the secret moved a line down) still says the pair is live, from the one request made."""
    write_tree(tree, {"shop/bol.py": (
        "import requests\n\nBOL = 'https://api.bol.com/retailer'\n\n\n"
        "def orders(token):\n"
        "    return requests.get(\n"
        "        BOL + '/orders',\n"
        "        headers={\n"
        "            'Authorization': f'Bearer {token}',\n"
        "        },\n"
        "        timeout=30,\n"
        "    )\n\n\n"
        f"CLIENT_ID = '{CLIENT_ID}'\nCLIENT_SECRET = '{CLIENT_SECRET}'\n"
    )})
    config = Config(root=tree, jobs=1, use_cache=False, token_url=token_server.token_url)
    out = check.run([tree], config, fmt="json", fix=True, verify_credentials=True)
    assert "fixed 1 finding(s)" in out.stderr
    found = findings_of(out)
    assert [(f["code"], f["line"]) for f in found] == [("BOL102", 17), ("BOL101", 18)]  # 16, 17 before
    assert found[1]["properties"]["verification"] == "live"  # type: ignore[index]
    assert len(token_server.requests) == 1
    assert_no_secret(out.stdout + out.stderr)
