"""bol client credentials: shapes, names, placeholders, the Python visitor, the text scan, the
detect-secrets plugins and the CANDIDATE_BYTES pre-filter."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import sysconfig
import types
from pathlib import Path
from urllib.parse import quote

import libcst as cst

from bolaudit.extract.positions import traverse
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bolaudit.catalog import credentials as cr
from bolaudit.credentials.groups import Candidate, judge
from bolaudit.credentials.readback import read_back
from bolaudit.credentials.python_visitor import CredentialVisitor
from bolaudit.facts import CredentialSighting, ModuleFacts, SecretSource
from bolaudit.findings import Span, text_hash
from bolaudit.credentials.detectors import plugins
from bolaudit.credentials.textscan import PATTERNS, scan_text

# Fake credentials, random but fixed. Kept in pieces so that this file holds no credential in one
# literal (bolaudit audits its own repository; only tests/fixtures is excluded).
MODERN = "Qv3S!SJzmhSBo3ef5rkB1VcoM1SgqM7(" "7Vcw9sQfbZ-E7j?4i3LNZgvT@BUSp@NO"
MODERN2 = "WP!S+VH!tQ)GK2nA@NrZKU5b(59uW2Ge" "mqQF-yB6I6J@Uqct)a4qLHM8LU06Wmb4"
LEGACY = "Nzk5CbPOrHdQsM1LRHta4yXmMQUcqMdnNO_81iN" "lpJZ06LukekaHhvzcEnZfAPQuEV1YzPEOePG9_dqkqTVQEw"
URLSAFE = "ZSYuNGrwqd4PmURzuPZfM14JZM3MsI0j" "fYHbtsy1kX2akEMMEomTV-beJIWbbbAk"  # needs a name
ID = "017c4260-e624-4dc6-966d-053ef50843c5"
ID2 = "65b822cb-1dbd-4555-bbf4-f6127fb4459c"
ORDER = "54c3bfe1-b4e2-450e-9578-ec3f88b24d43"
BASIC = base64.b64encode(f"{ID}:{MODERN}".encode()).decode()
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
EXAMPLE_SECRET = cr.DOCUMENTED_SECRET_PREFIX + MODERN[16:]
FAKES = {cr.fingerprint(v): v for v in (MODERN, MODERN2, LEGACY, LEGACY + "Q", URLSAFE, ID, ID2, ORDER)}


_SLICE = re.compile(r"@([A-Z0-9]+):(\d+)(?::(\d+))?@")


PCT = quote(MODERN, safe="")  # percent-encoded, as a form body or a query string holds it


def fill(text: str) -> str:
    """``@NAME@`` is a fake value; ``@NAME:a:b@`` the slice ``[a:b]`` of it (a piece)."""
    if "@" in text:
        text = _SLICE.sub(lambda m: fill(f"@{m[1]}@")[int(m[2]) : int(m[3]) if m[3] else None], text)
    for marker, value in (("@MODERN2@", MODERN2), ("@MODERN@", MODERN), ("@LEGACY@", LEGACY),
                          ("@URLSAFE@", URLSAFE), ("@ID2@", ID2), ("@ID@", ID), ("@ORDER@", ORDER),
                          ("@BASIC@", BASIC), ("@SHA@", SHA), ("@EXAMPLE@", EXAMPLE_SECRET), ("@PCT@", PCT)):
        text = text.replace(marker, value)
    return text


def visit(source: str) -> CredentialVisitor:
    visitor = CredentialVisitor("example.py")
    traverse(cst.parse_module(source), source, [visitor])
    return visitor


def text_at(text: str, span: Span) -> str:
    lines = text.split("\n")
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1 : span.end_column - 1]
    parts = [lines[span.line - 1][span.column - 1 :], *lines[span.line : span.end_line - 1]]
    return "\n".join([*parts, lines[span.end_line - 1][: span.end_column - 1]])


def summary(sightings: list[CredentialSighting]) -> set[tuple[str, int]]:
    return {(s.kind, s.span.line) for s in sightings}


def assert_spans_read_back(text: str, sightings: list[CredentialSighting]) -> None:
    """Every span covers exactly the value (what --verify-credentials relies on)."""
    for s in sightings:
        value = read_back(text_at(text, s.span), s.kind)
        assert value is not None and cr.fingerprint(value) == s.fingerprint, (s, text_at(text, s.span))


# ------------------------------------------------------------------------------------------
# Shapes, names, placeholders

SHAPES = [
    (MODERN, False, True),
    (MODERN2, False, True),
    (LEGACY, False, True),
    (LEGACY + "Q", False, True),
    (URLSAFE, True, True),
    (URLSAFE, False, False),  # a random 64-char token without bol punctuation needs a name
    (SHA, True, False),  # SHA-256 hex: 64 characters, no upper case
    (SHA.upper(), True, False),
    ("0NHS09TV1tfY2drb3N3e3+Dh4uPk5ebn6Onq6+zt7u/w8fLz9PX29/j5+vv8/f7/", True, False),  # base64 with "/"
    ("test_client_credentials_are_loaded_from_the_environment_variable", True, False),
    ("ThisIsMyVerySecretClientSecretForTesting1234567890ABCDEFGHIJKLMN", True, False),
    ("A" * 64, True, False),
    (MODERN[:63], True, False),
    (MODERN + "x", True, False),
    (LEGACY[:85], True, False),
    (MODERN[:30] + "xxxxxx" + MODERN[36:], True, False),
    (MODERN[:30] + "******" + MODERN[36:], True, False),
    (EXAMPLE_SECRET, True, False),  # bol's documented example
    ("eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYTMifQ", True, False),
]


@pytest.mark.parametrize(("value", "in_context", "expected"), SHAPES)
def test_secret_shapes(value: str, in_context: bool, expected: bool) -> None:
    assert len(value) in (63, 64, 65, 85, 86, 87, 38) or value == SHA.upper()
    assert cr.is_secret(value, in_context=in_context) is expected


PLACEHOLDERS = [
    "<CLIENT_SECRET>", "your-client-secret", "jouw_client_secret", "changeme", "xxxxxxxxxxxx",
    "********************", "${BOL_CLIENT_SECRET}", "{{ bol_client_secret }}", "%(secret)s",
    "{client_secret}", "d3u2…Ngw", MODERN[:20] + "...", "REPLACE_ME_WITH_THE_SECRET", "secret",
]


@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_placeholders(value: str) -> None:
    assert cr.is_placeholder(value)


@pytest.mark.parametrize("value", [MODERN, MODERN2, LEGACY, URLSAFE, ID, ORDER])
def test_real_looking_values_are_not_placeholders(value: str) -> None:
    assert not cr.is_placeholder(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ID, True), (ID.upper(), True), (ORDER, True),
        ("00000000-0000-0000-0000-000000000000", False),
        ("12345678-1234-5678-1234-567812345678", False),
        ("deadbeef-0c4f-4b1e-9a2d-5e6f7a8b9c0d", False),
        (cr.DOCUMENTED_CLIENT_ID, False),
        (ID.replace("-", ""), False),
        (ID + "0", False),
    ],
)
def test_client_id_shapes(value: str, expected: bool) -> None:
    assert cr.is_client_id(value) is expected


ROLES = [
    ("client_id", "client_id"), ("clientId", "client_id"), ("ClientID", "client_id"),
    ("CLIENT_ID", "client_id"), ("client-id", "client_id"), ("BOL_CLIENT_ID", "client_id"),
    ("SHOP1_CLIENT_ID", "client_id"), ("client id", "client_id"), ("BOL_USER", "client_id"),
    ("client_secret", "client_secret"), ("clientSecret", "client_secret"),
    ("CLIENT_SECRET", "client_secret"), ("bol_client_secret", "client_secret"),
    ("BOL_SECRET", "client_secret"), ("BOL_API_KEY", "client_secret"), ("bolApiKey", "client_secret"),
    ("BOL_PROD_CLIENT_SECRET", "client_secret"), ("bol.com client secret", "client_secret"),
    ("order_id", None), ("ORDER_ID", None), ("offerId", None), ("BOL_ORDER_ID", None),
    ("processStatusId", None), ("symbol_id", None), ("client_name", None),
    ("client_credentials", None), ("CLIENT_IDENTIFIER", None), ("AZURE_CLIENT_ID", None),
    ("SHOPIFY_CLIENT_SECRET", None), ("secret", None), ("password", None), ("username", None),
    ("grant_type", None), ("", None),
]


@pytest.mark.parametrize(("name", "role"), ROLES)
def test_credential_roles(name: str, role: str | None) -> None:
    assert cr.credential_role(name) == role


@pytest.mark.parametrize(
    ("name", "role"),
    [("username", "client_id"), ("user", "client_id"), ("login", "client_id"),
     ("password", "client_secret"), ("api_secret", "client_secret"), ("secret", "client_secret"),
     ("order_id", None), ("token", None)],
)
def test_weak_roles(name: str, role: str | None) -> None:
    assert cr.weak_role(name) == role


def test_decode_basic_round_trip_and_refusals() -> None:
    assert cr.decode_basic(f"Basic {BASIC}") == (ID, MODERN)
    assert cr.decode_basic(BASIC) == (ID, MODERN)
    assert cr.decode_basic("Basic " + base64.b64encode(f"shop:{MODERN}".encode()).decode()) is None
    assert cr.decode_basic("Basic " + base64.b64encode(f"{ID}:".encode()).decode() + "AAAA") is None
    assert cr.decode_basic("Basic !!!not-base64!!!" * 3) is None
    assert cr.decode_basic("Basic " + base64.b64encode(b"\xff\xfe" * 40).decode()) is None
    assert cr.split_pair(f"{ID}:{MODERN}") == (ID, MODERN)
    assert cr.split_pair(f"{ID}-{MODERN}") is None


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        (f'"{MODERN}"', "client_secret", MODERN),
        (f"b'{MODERN}'", "client_secret", MODERN),
        (f'"{MODERN[:10]}"\n    "{MODERN[10:]}"', "client_secret", MODERN),
        (f'f"{MODERN}"', "client_secret", MODERN),
        (f'"Basic {BASIC}"', "client_id", ID),
        (f'"Basic {BASIC}"', "client_secret", MODERN),
        (f"Basic {BASIC}", "client_secret", MODERN),
        (f"{ID}:{MODERN}", "client_id", ID),
        (MODERN, "client_secret", MODERN),
        (f'"{MODERN[:10]}" + "{MODERN[10:]}"', "client_secret", MODERN),
        (f'"".join(["{MODERN[:10]}", "{MODERN[10:]}"])', "client_secret", MODERN),
        (f"f\"{MODERN[:10]}{{'{MODERN[10:]}'}}\"", "client_secret", MODERN),
        (f'"client_id=" + cid + "&client_secret=" + "{URLSAFE[:9]}" "{URLSAFE[9:]}"', "client_secret", URLSAFE),
        (f'cid + "&client_id={ID}"', "client_id", ID),
        (f"({MODERN[:-1]}", "client_secret", f"({MODERN[:-1]}"),  # a raw value starting with "("
        (PCT, "client_secret", MODERN),
        (f'"client_id={ID}&client_secret={PCT}"', "client_secret", MODERN),
        ('"unterminated', "client_secret", None),
    ],
)
def test_read_back(text: str, kind: str, expected: str | None) -> None:
    assert read_back(text, kind) == expected


def test_mask_and_fingerprint_never_show_the_value() -> None:
    assert cr.mask(MODERN) == "Qv3S…@NO"[:4] + "…" + MODERN[-3:]
    assert cr.mask(ID) == ID[:4] + "…" + ID[-3:]
    assert cr.fingerprint(MODERN) == text_hash(MODERN)


@pytest.mark.parametrize(
    ("path", "fragment"),
    [("shop/bol.py", 'os.environ["BOL_CLIENT_SECRET"]'), (".env", ".env.example"),
     ("deploy/docker-compose.yml", "${BOL_CLIENT_SECRET}"), ("Dockerfile", "docker run -e"),
     ("README.md", "<BOL_CLIENT_SECRET>"), ("config/bol.yaml", "config file"),
     ("nb.ipynb", "os.environ")],
)
def test_advice_fits_the_file(path: str, fragment: str) -> None:
    assert fragment in cr.advice(path, "client_secret")


def test_judge_pairs_by_name_and_promotes_weak_names_only_together() -> None:
    cands = [
        Candidate(ID, ("BOL_NL_CLIENT_ID",), ref=0), Candidate(URLSAFE, ("BOL_NL_CLIENT_SECRET",), ref=1),
        Candidate(ID2, ("BOL_BE_CLIENT_ID",), ref=2), Candidate(MODERN, ("BOL_BE_CLIENT_SECRET",), ref=3),
        Candidate(ORDER, ("ORDER_ID",), ref=4),
    ]
    verdicts = {v.ref: v for v in judge(cands)}
    assert set(verdicts) == {0, 1, 2, 3}
    assert verdicts[0].pair == verdicts[1].pair != verdicts[2].pair == verdicts[3].pair
    weak = judge([Candidate(ID, ("username",), ref=0), Candidate(URLSAFE, ("password",), ref=1)])
    assert {(v.ref, v.kind) for v in weak} == {(0, "client_id"), (1, "client_secret")}
    assert judge([Candidate(ID, ("username",), ref=0), Candidate("hunter2", ("password",), ref=1)]) == []
    assert judge([Candidate(URLSAFE, ("password",), ref=0)]) == []


# ------------------------------------------------------------------------------------------
# The Python visitor

PY_POSITIVE = [
    ("assignments", 'CLIENT_ID = "@ID@"\nCLIENT_SECRET = "@URLSAFE@"\n',
     {("client_id", 1), ("client_secret", 2)}, "assignment to CLIENT_SECRET", True),
    ("annotated", 'BOL_CLIENT_SECRET: str = "@URLSAFE@"\n', {("client_secret", 1)}, "assignment to", False),
    ("keywords", 'c = Client(client_id="@ID@", client_secret="@URLSAFE@")\n',
     {("client_id", 1), ("client_secret", 1)}, "keyword client_secret=", True),
    ("dict", 'data = {"grant_type": "client_credentials", "client_id": "@ID@", "client_secret": "@URLSAFE@"}\n',
     {("client_id", 1), ("client_secret", 1)}, "dict key 'client_secret'", True),
    ("auth tuple", 'requests.post(URL, auth=("@ID@", "@URLSAFE@"))\n',
     {("client_id", 1), ("client_secret", 1)}, "auth= tuple", True),
    ("auth id only", 'requests.post(URL, auth=("@ID@", os.environ["BOL_CLIENT_SECRET"]))\n',
     {("client_id", 1)}, "auth= tuple", False),
    ("auth id from name", 'requests.post(URL, auth=(CLIENT_ID, "@URLSAFE@"))\n',
     {("client_secret", 1)}, "auth= tuple", False),
    ("session auth", 'session.auth = ("@ID@", "@URLSAFE@")\n',
     {("client_id", 1), ("client_secret", 1)}, "assignment to auth", True),
    ("HTTPBasicAuth", 'a = HTTPBasicAuth("@ID@", "@URLSAFE@")\n',
     {("client_id", 1), ("client_secret", 1)}, "HTTPBasicAuth(...)", True),
    ("httpx BasicAuth keywords", 'a = httpx.BasicAuth(username="@ID@", password=secret)\n',
     {("client_id", 1)}, "BasicAuth(...)", False),
    ("username/password", 'oauth.fetch_token(TOKEN_URL, username="@ID@", password="@URLSAFE@")\n',
     {("client_id", 1), ("client_secret", 1)}, "keyword password=", True),
    ("Basic header", 'HEADERS = {"Authorization": "Basic @BASIC@"}\n',
     {("client_id", 1), ("client_secret", 1)}, "Basic header", True),
    ("Basic header concatenated", 'H = ("Basic "\n     "@BASIC@")\n',
     {("client_id", 1), ("client_secret", 1)}, "Basic header", True),
    ("bare base64 pair", 'CREDENTIALS_B64 = "@BASIC@"\n',
     {("client_id", 1), ("client_secret", 1)}, "base64 id:secret", True),
    ("getenv default", 'SECRET = os.getenv("BOL_CLIENT_SECRET", "@URLSAFE@")\n',
     {("client_secret", 1)}, "default of os.getenv('BOL_CLIENT_SECRET')", False),
    ("environ.get default", 'SECRET = os.environ.get("BOL_CLIENT_SECRET", default="@URLSAFE@")\n',
     {("client_secret", 1)}, "default of os.environ.get('BOL_CLIENT_SECRET')", False),
    ("decouple default", 'SECRET = config("BOL_CLIENT_SECRET", default="@URLSAFE@")\n',
     {("client_secret", 1)}, "default of config('BOL_CLIENT_SECRET')", False),
    ("or fallback", 'secret = os.getenv("BOL_CLIENT_SECRET") or "@URLSAFE@"\n',
     {("client_secret", 1)}, "fallback when BOL_CLIENT_SECRET is unset", False),
    ("if-else fallback", 'k = os.getenv("BOL_CLIENT_SECRET") if os.getenv("BOL_CLIENT_SECRET") else "@URLSAFE@"\n',
     {("client_secret", 1)}, "fallback when BOL_CLIENT_SECRET is unset", False),
    ("class attributes", 'class Settings:\n    client_id = "@ID@"\n    client_secret = "@LEGACY@"\n',
     {("client_id", 2), ("client_secret", 3)}, "class attribute client_secret", True),
    ("self attributes", 'class C:\n    def __init__(self):\n        self.client_id = "@ID@"\n        self.client_secret = "@URLSAFE@"\n',
     {("client_id", 3), ("client_secret", 4)}, "assignment to self.client_secret", True),
    ("parameter defaults", 'def connect(client_id="@ID@", client_secret="@URLSAFE@"):\n    pass\n',
     {("client_id", 1), ("client_secret", 1)}, "default of parameter client_secret", True),
    ("implicit concatenation", 'CLIENT_SECRET = (\n    "@URLSAFE@"[:0] or "ZSYu"\n)\nBOL_CLIENT_SECRET = ("@MODERN@"\n    "")\n',
     {("client_secret", 4)}, "assignment to BOL_CLIENT_SECRET", False),
    ("f-string without placeholders", 'CLIENT_SECRET = f"@URLSAFE@"\n', {("client_secret", 1)}, "assignment", False),
    ("tuple unpacking", 'CLIENT_ID, CLIENT_SECRET = "@ID@", "@URLSAFE@"\n',
     {("client_id", 1), ("client_secret", 1)}, "assignment to CLIENT_SECRET", True),
    ("subscript target", 'os.environ["BOL_CLIENT_SECRET"] = "@URLSAFE@"\n', {("client_secret", 1)},
     "assignment to", False),
    ("lone modern secret", 'def f():\n    return "@MODERN@"\n', {("client_secret", 2)}, "string literal", False),
    ("lone legacy secret", 'TOKENS = ["@LEGACY@"]\n', {("client_secret", 1)}, "string literal", False),
    ("bytes literal", 'KEY = b"@MODERN@"\n', {("client_secret", 1)}, "assignment to KEY", False),
    ("id:secret string", 'CREDS = "@ID@:@MODERN@"\n', {("client_id", 1), ("client_secret", 1)},
     "id:secret string", True),
    ("side by side", 'ACCOUNTS = [("@ID@", "@URLSAFE@")]\n', {("client_id", 1), ("client_secret", 1)},
     "id and secret in a tuple", True),
    ("docstring .env example", '"""Set up:\n\n    BOL_CLIENT_ID=@ID@\n    BOL_CLIENT_SECRET=@URLSAFE@\n"""\n',
     {("client_id", 3), ("client_secret", 4)}, "BOL_CLIENT_SECRET inside a string literal", True),
    ("secret after an escape", 'BANNER = "token:\\n@MODERN@\\n"\n', {("client_secret", 1)},
     "inside a string literal", False),
    ("f-string text part", 'url = f"{BASE}/token?secret=@MODERN@&x={x}"\n', {("client_secret", 1)},
     "inside a string literal", False),
    ("test-looking name", 'TEST_CLIENT_SECRET = "@URLSAFE@"\n', {("client_secret", 1)}, "assignment", False),
    # Built from literals: one secret, however many pieces.
    ("+ of literals", 'PREFIX = "@MODERN:0:24@" + "x"\n'
     'CLIENT_SECRET = "@MODERN:0:24@" + "@MODERN:24:48@" + "@MODERN:48@"\n', {("client_secret", 2)},
     "assignment to CLIENT_SECRET", False),
    ("f-string of literals", "CLIENT_SECRET = f\"@URLSAFE:0:30@{'@URLSAFE:30@'}\"\n", {("client_secret", 1)},
     "assignment to CLIENT_SECRET", False),
    ("join of literals", 'settings = {"client_secret": "".join(["@MODERN:0:16@", "@MODERN:16:32@", '
     '"@MODERN:32:48@", "@MODERN:48@"])}\n', {("client_secret", 1)}, "dict key 'client_secret'", False),
    ("env default joined", 'SECRET = os.getenv("BOL_CLIENT_SECRET", "@URLSAFE:0:40@" "@URLSAFE:40@")\n',
     {("client_secret", 1)}, "default of os.getenv('BOL_CLIENT_SECRET')", False),
    ("auth secret in pieces", 'requests.post(URL, auth=("@ID@", "@URLSAFE:0:32@" + "@URLSAFE:32@"))\n',
     {("client_id", 1), ("client_secret", 1)}, "auth= tuple", True),
    ("form body", 'requests.post(TOKEN_URL, data="grant_type=client_credentials&client_id=@ID@&client_secret=@URLSAFE@")\n',
     {("client_id", 1), ("client_secret", 1)}, "client_secret inside a string literal", True),
    ("query string", 'TOKEN_URL = "https://login.bol.com/token?grant_type=client_credentials&client_secret=@URLSAFE@"\n',
     {("client_secret", 1)}, "client_secret inside a string literal", False),
    ("form body built with +", 'body = "grant_type=client_credentials&client_id=" + cid + "&client_secret=" '
     '+ "@URLSAFE:0:32@" + "@URLSAFE:32@"\n', {("client_secret", 1)}, "client_secret string built from literals", False),
    ("form body f-string", 'body = f"grant_type=client_credentials&client_id={cid}&client_secret=@URLSAFE@"\n',
     {("client_secret", 1)}, "client_secret inside a string literal", False),
    ("Basic header built with +", 'H = {"Authorization": "Basic " + "@BASIC:0:60@" + "@BASIC:60@"}\n',
     {("client_id", 1), ("client_secret", 1)}, "Basic header", True),
    ("percent-encoded form body", 'requests.post(TOKEN_URL, data="grant_type=client_credentials&client_id=@ID@'
     '&client_secret=@PCT@")\n', {("client_id", 1), ("client_secret", 1)}, "client_secret inside a string literal",
     True),
    ("url join", 'URL = "&".join(["grant_type=client_credentials", "client_id=@ID@", "client_secret=@URLSAFE@"])\n',
     {("client_id", 1), ("client_secret", 1)}, "client_secret inside a string literal", False),
]


@pytest.mark.parametrize(("source", "expected", "context", "paired"),
                         [pytest.param(fill(s), e, c, p, id=n) for n, s, e, c, p in PY_POSITIVE])
def test_visitor_finds(source: str, expected: set[tuple[str, int]], context: str, paired: bool) -> None:
    v = visit(source)
    assert summary(v.sightings) == expected, v.sightings
    assert any(context in s.context for s in v.sightings), [s.context for s in v.sightings]
    assert_spans_read_back(source, v.sightings)
    pairs = {s.pair for s in v.sightings}
    assert (len(pairs) == 1 and "" not in pairs) if paired else True


PY_NEGATIVE = [
    ("order ids", 'ORDER_ID = "@ORDER@"\nx = {"orderId": "@ORDER@", "offerId": "@ID@"}\nship(order_id="@ORDER@")\n'),
    ("ids in urls", 'r = s.get("https://api.bol.com/shared/process-status/@ORDER@")\nr2 = s.get(f"/orders/{oid}")\n'),
    ("transport and label ids", 'body = {"transportId": "@ID@", "shippingLabelId": "@ORDER@"}\n'),
    ("a UUID alone", 'def test_parse():\n    assert parse("@ID@") == "@ID@"\n'),
    ("env reads", 'ID = os.environ["BOL_CLIENT_ID"]\nS = os.getenv("BOL_CLIENT_SECRET")\nauth = (ID, S)\n'),
    ("placeholders", 'CLIENT_SECRET = "<CLIENT_SECRET>"\nCLIENT_ID = "your-client-id"\nc = Client(client_id="xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", client_secret="changeme")\n'),
    ("env default placeholders", 'S = os.getenv("BOL_CLIENT_SECRET", "")\nT = os.getenv("BOL_CLIENT_SECRET", "your-client-secret")\n'),
    ("documented examples", 'c = Client(client_id="b9e44ad0-32fa-4gv7-9705-c107d8ceg80c", client_secret="@EXAMPLE@")\n'),
    ("masked", 'log.info("secret %s", "Qv3S…@NO")\nCLIENT_SECRET = "****************************************************************"\n'),
    ("sha256", 'DIGEST = "@SHA@"\nclient_secret_sha256 = "@SHA@"\n'),
    ("random token without a name", 'CSRF = "@URLSAFE@"\nNONCE = "@URLSAFE@"\n'),
    ("other vendors", 'AZURE_CLIENT_ID = "@ID@"\nAZURE_CLIENT_SECRET = "@MODERN@"\n'),
    ("weak names alone", 'user = "@ID@"\npassword = "hunter2hunter2"\n'),
    ("concatenated without a name", 'Y = ("Qv3S!SJzmhSBo3ef5rkB1VcoM1SgqM7(" "7Vcw9sQfbZ-E7j?4i3LNZgvT@BUSp@NO")\n'),
    ("escaped secret without a name", 'X = "\\x51v3S!SJzmhSBo3ef5rkB1VcoM1SgqM7(7Vcw9sQfbZ-E7j?4i3LNZgvT@BUSp@NO"\n'),
    ("f-string placeholders", 'CLIENT_SECRET = f"{prefix}@URLSAFE@"\n'),
    # The same shapes with ids that are not credentials, digests and placeholders.
    ("order ids built into urls", 'url = BASE + "/orders/" + "@ORDER@" + "?page=" + str(page)\n'
     'path = "/".join(["shared", "process-status", "@ORDER@"])\nurl2 = f"{BASE}/offers/{\'@ID@\'}"\n'),
    ("order ids in a form body", 'body = "orderId=@ORDER@&offerId=" + "@ID@" + "&transportId=" + "@ID2@"\n'),
    ("digest in pieces", 'CLIENT_SECRET_SHA256 = "@SHA:0:32@" + "@SHA:32@"\n'
     'checksum = "".join(["@SHA:0:32@", "@SHA:32@"])\n'),
    ("placeholders in a form body", 'body = "grant_type=client_credentials&client_id=<your-client-id>&client_secret=" + "<your-client-secret>"\n'
     'url = "https://login.bol.com/token?client_secret=" + os.environ["BOL_CLIENT_SECRET"]\n'),
    ("pieces of a secret without a name", 'Y = "@MODERN:0:32@" + "@MODERN:32@"\nZ = "".join(["@MODERN:0:32@", "@MODERN:32@"])\n'),
    ("percent-encoded without a name", 'NEXT = "https://shop.example/login?next=@PCT@"\n'
     'STATE = "state=@PCT@&nonce=@PCT@"\n'),
    ("a secret shape in a long sentence", 'HELP = ("Set " + "client_secret" + " in the environment; it is "\n'
     '        "the 64-character value from the seller dashboard.")\n'),
]


@pytest.mark.parametrize("source", [pytest.param(fill(s), id=n) for n, s in PY_NEGATIVE])
def test_visitor_ignores(source: str) -> None:
    assert visit(source).sightings == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('import os\nA = os.getenv("BOL_CLIENT_SECRET")\nB = os.environ["BOL_CLIENT_ID"]\n',
         {("BOL_CLIENT_SECRET", "client_secret", 2), ("BOL_CLIENT_ID", "client_id", 3)}),
        ('A = os.environ.get("CLIENT_SECRET", "")\nB = environ["CLIENT_ID"]\n',
         {("CLIENT_SECRET", "client_secret", 1), ("CLIENT_ID", "client_id", 2)}),
        ('A = env("BOL_API_KEY")\nB = os.getenv("HOME")\nC = os.getenv("AZURE_CLIENT_SECRET")\n',
         {("BOL_API_KEY", "client_secret", 1)}),
        ('settings.BOL_CLIENT_SECRET\nconfig.get("client_secret")\n', set()),
    ],
)
def test_visitor_records_env_sources(source: str, expected: set[tuple[str, str, int]]) -> None:
    v = visit(source)
    assert {(s.name, s.role, s.span.line) for s in v.secret_sources} == expected
    assert all(s.kind == "env" for s in v.secret_sources)


def test_visitor_pairs_only_what_belongs_together() -> None:
    source = fill(
        'BOL_NL_CLIENT_ID = "@ID@"\nBOL_BE_CLIENT_ID = "@ID2@"\n'
        'BOL_NL_CLIENT_SECRET = "@URLSAFE@"\nBOL_BE_CLIENT_SECRET = "@MODERN@"\n'
    )
    by_line = {s.span.line: s.pair for s in visit(source).sightings}
    assert by_line[1] == by_line[3] != by_line[2] == by_line[4] != ""
    separate = visit(fill('CLIENT_ID = "@ID@"\n\ndef f():\n    x = {"client_secret": "@URLSAFE@"}\n'))
    assert [s.pair for s in separate.sightings] == ["", ""]


def test_visitor_survives_odd_literals() -> None:
    source = 'A = "\\d" * 40 + "' + "\\d" * 40 + '"\nB = b"\\xff' + "x" * 70 + '"\nC = rb"' + "\\" * 50 + '"\n'
    assert visit(source).sightings == []


@pytest.mark.parametrize("path", ["rules/hardcoded_client_secret.py", "rules/hardcoded_client_id.py",
                                  "tests/test_credentials.py", "bolaudit/catalog/credentials.py"])
def test_our_own_files_hold_no_credential(path: str) -> None:
    root = Path(__file__).resolve().parent.parent
    source = (root / path).read_text(encoding="utf-8")
    v = visit(source)
    assert v.sightings == [], [(s.span, s.context) for s in v.sightings]


# ------------------------------------------------------------------------------------------
# Text files

TEXT_POSITIVE = [
    (".env", "# bol\nexport BOL_CLIENT_ID=@ID@\nBOL_CLIENT_SECRET=\"@URLSAFE@\"\n",
     {("client_id", 2), ("client_secret", 3)}, ".env entry BOL_CLIENT_SECRET", True),
    ("prod.env", "BOL_CLIENT_ID='@ID@'\r\nBOL_CLIENT_SECRET=@MODERN@\r\n",
     {("client_id", 1), ("client_secret", 2)}, ".env entry", True),
    ("config/bol.yaml", "bol:\n  client_id: @ID@\n  client_secret: '@URLSAFE@'\norders:\n  order_id: @ORDER@\n",
     {("client_id", 2), ("client_secret", 3)}, "YAML key client_secret", True),
    ("settings.json", '{"clientId": "@ID@", "clientSecret": "@URLSAFE@", "offerId": "@ORDER@"}\n',
     {("client_id", 1), ("client_secret", 1)}, "JSON key clientSecret", True),
    ("pyproject.toml", '[tool.shop.bol]\nclient_id = "@ID@"\nclient_secret = "@LEGACY@"\n[x]\nprocess_status_id = "@ORDER@"\n',
     {("client_id", 2), ("client_secret", 3)}, "TOML key client_secret", True),
    ("setup.cfg", "[bol]\nclient_id = @ID@\nclient_secret = @URLSAFE@\n",
     {("client_id", 2), ("client_secret", 3)}, "INI key client_secret", True),
    ("README.md", "# Shop\n\nOur client secret: `@MODERN@`\n\n| client id | `@ID@` |\n\nLabel @ORDER@.\n",
     {("client_secret", 3), ("client_id", 5)}, "Markdown client", False),
    ("docs/token.md", "```bash\ncurl -u @ID@:@URLSAFE@ -X POST https://login.bol.com/token\n```\n",
     {("client_id", 2), ("client_secret", 2)}, "id:secret string", True),
    ("Dockerfile", "FROM python:3.12\nENV BOL_CLIENT_ID=@ID@\nARG BOL_CLIENT_SECRET @URLSAFE@\n",
     {("client_id", 2), ("client_secret", 3)}, "Dockerfile BOL_CLIENT_SECRET", True),
    ("scripts/run.sh", 'export BOL_CLIENT_SECRET="${BOL_CLIENT_SECRET:-@URLSAFE@}"\n',
     {("client_secret", 1)}, "default of ${BOL_CLIENT_SECRET}", False),
    ("scripts/token.sh", 'curl -H "Authorization: Basic @BASIC@" https://login.bol.com/token\n',
     {("client_id", 1), ("client_secret", 1)}, "Basic header", True),
    ("docker-compose.yml",
     "services:\n  web:\n    environment:\n      - BOL_CLIENT_ID=@ID@\n      - BOL_CLIENT_SECRET=@URLSAFE@\n"
     "  worker:\n    environment:\n      BOL_CLIENT_SECRET: \"@MODERN@\"\n",
     {("client_id", 4), ("client_secret", 5), ("client_secret", 8)}, "compose environment", False),
    ("k8s/deploy.yaml", "env:\n  - name: BOL_CLIENT_SECRET\n    value: \"@URLSAFE@\"\n",
     {("client_secret", 3)}, "YAML key BOL_CLIENT_SECRET", False),
    ("notes.txt", "@LEGACY@\n", {("client_secret", 1)}, "text", False),
    ("export.json", '{"log": "token request\\n@MODERN@\\n"}\n', {("client_secret", 1)}, "JSON", False),
    ("app.ini", "[bol]\nusername = @ID@\npassword = @URLSAFE@\n", {("client_id", 2), ("client_secret", 3)},
     "INI key password", True),
    ("TEST.md", "Test credentials: `@ID@:@URLSAFE@`\n", {("client_id", 1), ("client_secret", 1)}, "id:secret", True),
    (".env.prod", "TOKEN_URL=https://login.bol.com/token?grant_type=client_credentials&client_secret=@PCT@\n",
     {("client_secret", 1)}, ".env entry client_secret", False),
    ("docs/token.md", "```\ncurl -d 'grant_type=client_credentials&client_id=@ID@&client_secret=@PCT@' "
     "https://login.bol.com/token\n```\n", {("client_id", 2), ("client_secret", 2)}, "Markdown client_secret", True),
]


@pytest.mark.parametrize(("path", "text", "expected", "context", "paired"),
                         [pytest.param(p, fill(t), e, c, pr, id=p) for p, t, e, c, pr in TEXT_POSITIVE])
def test_scan_text_finds(path: str, text: str, expected: set[tuple[str, int]], context: str, paired: bool) -> None:
    sightings, _ = scan_text(path, text)
    assert summary(sightings) == expected, sightings
    assert any(context in s.context for s in sightings), [s.context for s in sightings]
    assert_spans_read_back(text.replace("\r", ""), sightings)
    if paired:
        assert len({s.pair for s in sightings}) == 1 and sightings[0].pair


TEXT_NEGATIVE = [
    (".env.example", "BOL_CLIENT_ID=<your-client-id>\nBOL_CLIENT_SECRET=${BOL_CLIENT_SECRET}\nX=changeme\n"),
    ("orders.json", '{"orderId": "@ORDER@", "offerId": "@ID@", "transportId": "@ID2@"}\n'),
    ("README.md", "Example: client id `b9e44ad0-32fa-4gv7-9705-c107d8ceg80c`, secret `@EXAMPLE@`.\n"
                  "Masked: `Qv3S…@NO`, `****************`.\n"),
    ("checksums.txt", "@SHA@  shop.tar.gz\n" + "#" * 64 + "\n" + "-" * 64 + "\n"),
    ("config.yaml", "csrf_token: @URLSAFE@\nazure_client_id: @ID@\nAZURE_CLIENT_SECRET: @MODERN@\n"),
    ("docker-compose.yml", "services:\n  web:\n    environment:\n      BOL_CLIENT_SECRET: ${BOL_CLIENT_SECRET}\n"),
    ("token.jwt", "eyJraWQiOiJyc2EzIiwiYWxnIjoiUlMyNTYifQ.@LEGACY@.c2ln\n"),
    ("lock.json", '"integrity": "sha512-' + "Ab1" * 29 + '=="\n'),
    ("mail.txt", "Subject: =?iso-2022-jp?b?dGVzdC1qYSAbJEIkWEVqOUYkNSRsJD8lYSE8JWskTztKGyhC?=\n"),
]


@pytest.mark.parametrize(("path", "text"), [pytest.param(p, fill(t), id=p) for p, t in TEXT_NEGATIVE])
def test_scan_text_ignores(path: str, text: str) -> None:
    assert scan_text(path, text)[0] == []


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        (".env", "BOL_CLIENT_SECRET=${VAULT_BOL_SECRET}\nBOL_CLIENT_ID=$BOL_ID\nHOME=${HOME}\n",
         {("env-file", "VAULT_BOL_SECRET", "client_secret", "", 1), ("env-file", "BOL_ID", "client_id", "", 2)}),
        ("docker-compose.yml",
         "services:\n  web:\n    environment:\n      - BOL_CLIENT_SECRET=${BOL_CLIENT_SECRET}\n"
         "  worker:\n    environment:\n      BOL_CLIENT_ID:\n      - CLIENT_SECRET\n      - DEBUG\n",
         {("compose-env", "BOL_CLIENT_SECRET", "client_secret", "web", 4),
          ("compose-env", "BOL_CLIENT_ID", "client_id", "worker", 7),
          ("compose-env", "CLIENT_SECRET", "client_secret", "worker", 8)}),
        ("config.yaml", "bol:\n  client_secret: ${BOL_CLIENT_SECRET}\n", set()),
    ],
)
def test_scan_text_env_sources(path: str, text: str, expected: set[tuple[str, str, str, str, int]]) -> None:
    sources: list[SecretSource] = scan_text(path, text)[1]
    assert {(s.kind, s.name, s.role, s.unit, s.span.line) for s in sources} == expected


@pytest.mark.parametrize(
    ("path", "text", "pairs"),
    [
        ("docker-compose.yml",
         "services:\n  web:\n    environment:\n      - BOL_CLIENT_ID=@ID@\n      - BOL_CLIENT_SECRET=@URLSAFE@\n"
         "  worker:\n    environment:\n      BOL_CLIENT_SECRET: \"@MODERN@\"\n",
         [(4, 5)]),
        ("accounts.ini", "[nl]\nclient_id = @ID@\nclient_secret = @URLSAFE@\n[be]\nclient_id = @ID2@\n"
                         "client_secret = @MODERN@\n", [(2, 3), (5, 6)]),
        ("README.md", "client id: @ID@\n\nclient secret: @URLSAFE@\n", []),
        (".env", "BOL_CLIENT_ID=@ID@\n\n\nBOL_CLIENT_SECRET=@URLSAFE@\n", [(1, 4)]),
    ],
)
def test_scan_text_pairs_within_a_section(path: str, text: str, pairs: list[tuple[int, int]]) -> None:
    sightings, _ = scan_text(path, fill(text))
    by_pair: dict[str, list[int]] = {}
    for s in sightings:
        if s.pair:
            by_pair.setdefault(s.pair, []).append(s.span.line)
    assert sorted(tuple(sorted(lines)) for lines in by_pair.values()) == pairs


@pytest.mark.parametrize("text", ["", "\x00\xff\xfe" * 1000, "a" * 200_000, "\n" * 5000, "Basic " + "A" * 5000])
def test_scan_text_survives_odd_input(text: str) -> None:
    assert scan_text("blob.bin", text) == ([], [])


def test_nothing_shows_a_secret_in_full() -> None:
    outputs = [repr(visit(fill(s)).sightings) for _, s, *_ in PY_POSITIVE]
    outputs += [repr(scan_text(p, fill(t))) for p, t, *_ in TEXT_POSITIVE]
    # A secret in key position must not show up in the context of the value next to it either.
    outputs.append(repr(visit(fill('X = {"@MODERN2@": "@MODERN@"}\ny = os.getenv("@MODERN2@", "@MODERN@")\n')).sightings))
    outputs.append(repr(scan_text("c.yaml", fill("@MODERN2@: @MODERN@\n"))))
    for secret in (MODERN, MODERN2, LEGACY, URLSAFE, ID, BASIC):
        windows = {secret[i : i + 8] for i in range(len(secret) - 7)}
        assert not [w for w in windows for out in outputs if w in out], secret


# ------------------------------------------------------------------------------------------
# detect-secrets plugins


def test_plugins_are_detect_secrets_detectors_with_permanent_types() -> None:
    from detect_secrets.plugins.base import RegexBasedDetector

    assert [p.secret_type for p in plugins()] == ["bol client secret", "bol client id", "bol basic auth header"]
    assert all(isinstance(p, RegexBasedDetector) for p in plugins())


def test_the_text_scan_runs_the_plugins_patterns() -> None:
    """The scan and a ``detect-secrets --plugin`` run match the same text: one table feeds both."""
    assert {p.secret_type: tuple(p.denylist) for p in plugins()} == PATTERNS


def test_a_check_run_does_not_import_detect_secrets(tmp_path: Path) -> None:
    """detect-secrets loads requests, urllib3 and ssl on import (a fifth of a small run's start-up);
    bolaudit's own scan needs none of it, also when it finds credentials in text and comments."""
    (tmp_path / ".env").write_text(fill("BOL_CLIENT_ID=@ID@\nBOL_CLIENT_SECRET=@URLSAFE@\n"))
    (tmp_path / "app.py").write_text(fill("# BOL_CLIENT_SECRET=@URLSAFE@\nimport requests\n"))
    code = (
        "import sys\n"
        "from bolaudit.cli import main\n"
        "try:\n"
        f"    main(['check', '--no-cache', '--select', 'BOL101', {str(tmp_path)!r}])\n"
        "except SystemExit as e:\n"
        "    print('exit', e.code)\n"
        "print('detect_secrets' in sys.modules, 'requests' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "BOL101" in result.stdout and "exit 1" in result.stdout, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "False False"


def test_plugins_analyze_line_with_context() -> None:
    secret, client_id, basic = plugins()
    line = fill("BOL_CLIENT_ID=@ID@ BOL_CLIENT_SECRET=@URLSAFE@")
    assert {s.secret_value for s in secret.analyze_line("x.env", line, 1)} == {URLSAFE}
    assert {s.secret_value for s in client_id.analyze_line("x.env", line, 1)} == {ID}
    assert client_id.analyze_line("x.json", fill('"orderId": "@ORDER@"'), 1) == set()
    assert {s.secret_value for s in basic.analyze_line("x.sh", fill("Authorization: Basic @BASIC@"), 1)} == {
        f"Basic {BASIC}"
    }


# ------------------------------------------------------------------------------------------
# CANDIDATE_BYTES: no false negative on anything the detectors find, and selective


ALL_POSITIVES = [pytest.param(fill(s), id=f"py-{n}") for n, s, *_ in PY_POSITIVE] + [
    pytest.param(fill(t), id=f"text-{p}") for p, t, *_ in TEXT_POSITIVE
] + [
    pytest.param(fill('import os\nX = os.getenv("BOL_CLIENT_SECRET")\n'), id="env-read"),
    pytest.param(fill('x = os.environ["BOL_API_KEY"]\n'), id="env-read-bol-name"),
    pytest.param(fill("@MODERN@"), id="file-starts-with-secret"),
    pytest.param(fill("@ID@:@URLSAFE@"), id="file-starts-with-pair"),
    pytest.param(fill("@BASIC@\n"), id="file-is-base64-pair"),
]


@pytest.mark.parametrize("text", ALL_POSITIVES)
def test_candidate_bytes_has_no_false_negative(text: str) -> None:
    assert cr.CANDIDATE_BYTES.search(text.encode("utf-8")) is not None


def test_candidate_bytes_covers_whole_file_positives() -> None:
    for text in (fill("@MODERN@"), fill("@ID@:@URLSAFE@"), fill("@BASIC@\n")):
        assert scan_text("secret.txt", text)[0], text


@pytest.mark.parametrize(
    "text",
    [
        "import os\n\ndef main() -> None:\n    print(os.getcwd())\n",
        "# " + "#" * 78 + "\n# " + "-" * 78 + "\n",
        f"DIGEST = '{SHA}'\n",
        "def test_client_credentials_are_loaded_from_the_environment_variable_when_set(self):\n",
        "session.get(BASE + '/retailer/orders', headers=HEADERS)\n",
        "symbol_table = {}\nbolt_size = 3\n",
        "x = 'Basically fine'\n",
    ],
)
def test_candidate_bytes_rejects_ordinary_code(text: str) -> None:
    assert cr.CANDIDATE_BYTES.search(text.encode()) is None


def test_candidate_bytes_is_selective_on_the_standard_library() -> None:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = [p for p in [*root.glob("*.py"), *root.glob("email/*.py"), *root.glob("http/*.py"),
                         *root.glob("json/*.py"), *root.glob("logging/*.py"), *root.glob("asyncio/*.py")]]
    assert len(files) > 100
    matched = [p for p in files if cr.CANDIDATE_BYTES.search(p.read_bytes())]
    assert len(matched) <= len(files) // 20, matched


# ------------------------------------------------------------------------------------------
# The rules


def test_rules_report_each_sighting_masked() -> None:
    from bolaudit.rules.hardcoded_client_id import HardcodedClientId
    from bolaudit.rules.hardcoded_client_secret import HardcodedClientSecret

    text = fill("BOL_CLIENT_ID=@ID@\nBOL_CLIENT_SECRET=@MODERN@\n")
    sightings, _ = scan_text(".env", text)
    source = fill('CLIENT_SECRET = "@URLSAFE@"\n')
    project = types.SimpleNamespace(modules={
        ".env": ModuleFacts(".env", "", sightings=tuple(sightings)),
        "shop/settings.py": ModuleFacts("shop/settings.py", "shop.settings", sightings=tuple(visit(source).sightings)),
    })
    secrets = list(HardcodedClientSecret().check(project))  # type: ignore[arg-type]
    ids = list(HardcodedClientId().check(project))  # type: ignore[arg-type]
    assert [(f.path, f.span.line) for f in secrets] == [(".env", 2), ("shop/settings.py", 1)]
    assert [(f.path, f.span.line, f.severity.value) for f in ids] == [(".env", 1, "warning")]
    assert secrets[1].message == (
        f"bol client secret `{cr.mask(URLSAFE)}` is hard-coded (assignment to CLIENT_SECRET); load it from "
        'the environment or a secret store, e.g. os.environ["BOL_CLIENT_SECRET"]'
    )
    assert "keep .env out of version control" in secrets[0].message
    assert dict(secrets[1].properties) == {"masked": cr.mask(URLSAFE), "fingerprint": cr.fingerprint(URLSAFE)}
    assert secrets[1].flagged_hash == text_hash(cr.fingerprint(URLSAFE))
    for f in secrets + ids:
        assert not any(v in repr(f) for v in (MODERN, URLSAFE, ID))


_NAMES = ["client_id", "CLIENT_SECRET", "BOL_CLIENT_ID", "bolApiKey", "username", "password", "token", "x",
          "order_id", "auth", ""]
_VALUES = [MODERN, LEGACY, URLSAFE, ID, f"Basic {BASIC}", BASIC, f"{ID}:{URLSAFE}", SHA, "changeme", PCT,
           quote(URLSAFE + "!")]
_JUNK = "ab _-:=\"'`()[]{}\\n\\t$#%&/.,;!?@+*\n\t"


@settings(derandomize=True, max_examples=300, deadline=None)
@given(
    before=st.text(alphabet=_JUNK, max_size=6),
    name=st.sampled_from(_NAMES),
    sep=st.sampled_from(["=", ": ", " = ", " ", "=\"", ": '", "(\"", "\\n"]),
    value=st.sampled_from(_VALUES),
    after=st.text(alphabet=_JUNK, max_size=6),
    path=st.sampled_from([".env", "README.md", "config.yaml", "data.json", "run.sh", "notes"]),
)
def test_candidate_bytes_covers_whatever_the_text_scan_finds(
    before: str, name: str, sep: str, value: str, after: str, path: str
) -> None:
    text = f"{before}{name}{sep}{value}{after}"
    if scan_text(path, text)[0]:
        assert cr.CANDIDATE_BYTES.search(text.encode("utf-8")) is not None, text


@settings(derandomize=True, max_examples=300, deadline=None)
@given(
    name=st.sampled_from([n for n in _NAMES if n]),
    value=st.sampled_from(_VALUES),
    form=st.sampled_from(['{n} = "{v}"', '{n} = ("{h}"\n    "{t}")', 'f({n}="{v}")', '{{"{n}": b"{v}"}}',
                          'x = os.getenv("{n}", "{v}")', 'r.post(u, auth=("{v}", "{v}"))', '"""{n}: {v}"""',
                          's = "\\t{v}\\n"', 'HTTPBasicAuth("{h}" "{t}", "{v}")', 'x = f"{{a}}{v}"',
                          '{n} = "{h}" + "{t}"', 'x = "".join(["{h}", "{t}"])', 'b = "{n}=" + "{h}" + x + "{t}"',
                          'b = f"{n}={{x}}&s={h}" "{t}"', 'r.post(u, auth=(i, "{h}" + "{t}"))']),
)
def test_candidate_bytes_covers_whatever_the_visitor_finds(name: str, value: str, form: str) -> None:
    source = form.format(n=name, v=value, h=value[:20], t=value[20:]) + "\n"
    try:
        sightings = visit(source).sightings
    except cst.ParserSyntaxError:
        return
    if sightings:
        assert cr.CANDIDATE_BYTES.search(source.encode("utf-8")) is not None, source


def test_candidate_bytes_covers_every_percent_encoded_finding() -> None:
    """Encoded secrets have no run the pre-filter sees, so only names may let them count."""
    seps = ["=", ": ", " = ", " ", "=\"", ": '", "(\"", "\\n", "&client_secret=", "?x=1&"]
    found = 0
    for name in _NAMES:
        for sep in seps:
            for path in (".env", "README.md", "config.yaml", "run.sh", "notes"):
                text = f"{name}{sep}{PCT}\n"
                if scan_text(path, text)[0]:
                    found += 1
                    assert cr.CANDIDATE_BYTES.search(text.encode()) is not None, text
                source = f'x = "{name}{sep}{PCT}"\n'.replace('""', '"')
                try:
                    sightings = visit(source).sightings
                except cst.ParserSyntaxError:
                    continue
                if sightings:
                    assert cr.CANDIDATE_BYTES.search(source.encode()) is not None, source
    assert found > 20


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
       st.sampled_from(["\\n", "\\t", "\\\\", "\\'", "\\x41", "\\u00e9", "\\N{BULLET}", "\\d", "\\0", "\\101"]),
       st.sampled_from(["", "u", "U"]))
@settings(max_examples=300, deadline=None)
def test_a_literal_with_escapes_reads_as_python_reads_it(text: str, escape: str, prefix: str) -> None:
    """String values with escapes are decoded without compiling them (``exprtools.literal_value``):
    the same value as ``ast.literal_eval`` or None where Python would not compile the literal."""
    import ast
    import warnings

    from bolaudit.extract.exprtools import literal_value

    raw = prefix + "'" + text.replace("\\", "\\\\").replace("'", "\\'") + escape + "'"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected: object = ast.literal_eval(raw)
    except (SyntaxError, ValueError):
        expected = None
    assert literal_value(raw) == expected
