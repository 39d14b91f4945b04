"""No output, cache, record or baseline may hold a secret, or any 16-character piece of one, whatever
the format, the command or the shape the secret was planted in."""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import string
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "leaky"
SECRETS = (
    "Vb7)kQ2!mX9@rT4-nL6+wP1(zJ8?cF3_hD5eG0sA2uY7iK4oB9tR6vN1xM3qW8yE",
    "mH3kQ9xR2vL7nT4pW8zJ1cF6bD5sG0aY3eK9uI2oP7qV4tN8wX1rM6yC5hB0jZ3dS7fL2gA9kE4uT8nR1vQ6xW",
)


def _forms(secret: str) -> list[str]:
    """The secret, and the forms it could leak in: JSON-escaped, base64 of an id:secret pair."""
    pair = f"7c9e6679-7425-40de-944b-e07fc1f90ae7:{secret}"
    return [secret, secret.replace("\\", "\\\\"), base64.b64encode(pair.encode()).decode()]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("leaky") / "shop"
    shutil.copytree(FIXTURE, root)
    return root


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("BOLAUDIT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "bolaudit.cli", *args], cwd=project, env=env, capture_output=True
    )


@pytest.mark.parametrize(
    "args",
    [["--format", fmt] for fmt in ("text", "json", "sarif", "github", "gitlab", "markdown")]
    + [["--format", fmt, "--statistics"] for fmt in ("text", "json")],
    ids=lambda args: " ".join(args[1:]),
)
def test_no_format_prints_a_secret(project: Path, args: list[str]) -> None:
    proc = _run(project, "check", *args)
    assert proc.returncode == 1, proc.stderr.decode()
    out = proc.stdout + proc.stderr
    assert b"BOL101" in out
    for secret in SECRETS:
        for form in _forms(secret):
            assert form.encode() not in out, f"{args} output holds a secret in full"


def _age(root: Path) -> None:
    """Older than the reuse record's racy window, so that a run keeps a record."""
    past = time.time() - 3600
    for path in [root, *root.rglob("*")]:
        os.utime(path, (past, past))


def test_cache_reuse_record_and_baseline_hold_no_secret(project: Path) -> None:
    baseline = project / "baseline.json"
    _run(project, "check")  # makes .bolaudit_cache/ in the tree
    _age(project)
    assert _run(project, "check").returncode == 1  # keeps a whole-run reuse record
    as_json = _run(project, "check", "--format", "json")  # another key: a record of its own
    reused = _run(project, "check", "--format", "json")  # printed from that record
    assert _run(project, "check", "--write-baseline", str(baseline)).returncode == 0
    stored = [baseline.read_bytes(), as_json.stdout, reused.stdout + reused.stderr]
    assert reused.stdout == as_json.stdout
    files = [p for p in (project / ".bolaudit_cache").rglob("*") if p.is_file()]
    assert any(p.name == "last_run.json" for p in files), "the run should have kept a record"
    stored += [p.read_bytes() for p in files]
    for blob in stored:
        for secret in SECRETS:
            for form in _forms(secret):
                assert form.encode() not in blob


def test_rules_explain_without_leaking_a_users_secret(project: Path) -> None:
    proc = _run(project, "rules", "BOL101")
    assert proc.returncode == 0
    for secret in SECRETS:
        assert secret.encode() not in proc.stdout


def test_an_internal_error_never_quotes_a_secret() -> None:
    from bolaudit.pipeline.filestage import internal_problem

    problem = internal_problem("settings.py", KeyError(f"unexpected literal {SECRETS[0]!r}"))
    assert SECRETS[0] not in problem.message
    assert "bolaudit bug" in problem.message


# -- every output and every written file, with secrets planted where they hide ------------------
#
# Each planted secret has a shape of its own (built from pieces, in a form body, in a query string,
# in a Basic header of a call that gets a fix, in UTF-16 files, in a notebook's markdown, output and
# raw cells), so a leak names the shape that leaked. The values are made here from a fixed seed.


def _fake_secret(seed: int) -> str:
    from bolaudit.catalog import credentials as cr

    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + cr.SECRET_PUNCTUATION
    while True:
        value = "".join(rng.choice(alphabet) for _ in range(64))
        if cr.is_secret(value, in_context=False):
            return value


def _fake_id(seed: int) -> str:
    return str(uuid.UUID(int=random.Random(seed).getrandbits(128), version=4))


PLANTED = {shape: _fake_secret(n) for n, shape in enumerate(
    ["plus", "implicit", "fstring", "join", "form", "form-encoded", "query", "basic", "utf16", "utf16-nobom",
     "markdown", "output", "raw"], start=1100)}
IDS = {name: _fake_id(n) for n, name in enumerate(["settings", "form", "basic", "env", "raw"], start=2100)}


def _b64(client_id: str, secret: str) -> str:
    return base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _notebook() -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": [
            "# Orders export\n", "\n", "Credentials for the demo shop (rotate after the workshop):\n", "\n",
            f"    BOL_CLIENT_SECRET={PLANTED['markdown']}\n"]},
        {"cell_type": "code", "execution_count": 3, "metadata": {}, "source": [
            "import os\n", "print('client_secret:', os.environ['BOL_CLIENT_SECRET'])"],
         "outputs": [{"output_type": "stream", "name": "stdout", "text": [f"client_secret: {PLANTED['output']}\n"]}]},
        {"cell_type": "raw", "metadata": {}, "source": [
            f"curl -u {IDS['raw']}:{PLANTED['raw']} -X POST https://login.bol.com/token\n"]},
    ]
    return json.dumps({"cells": cells, "metadata": {"language_info": {"name": "python"}},
                       "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def _tree() -> dict[str, str | bytes]:
    s, i = PLANTED, IDS
    settings = (
        "import os\n\n"
        f'BOL_CLIENT_ID = "{i["settings"]}"\n'
        f'BOL_CLIENT_SECRET = "{s["plus"][:20]}" + "{s["plus"][20:44]}" + "{s["plus"][44:]}"\n'
        f'BOL_PROD_CLIENT_SECRET = ("{s["implicit"][:32]}"\n                          "{s["implicit"][32:]}")\n'
        f"CLIENT_SECRET_FALLBACK = f\"{s['fstring'][:30]}{{'{s['fstring'][30:]}'}}\"\n"
        f'SHOP_CLIENT_SECRET = "".join(["{s["join"][:16]}", "{s["join"][16:32]}", "{s["join"][32:48]}", '
        f'"{s["join"][48:]}"])\n'
    )
    client = (
        "import requests\n\n"
        'API = "https://api.bol.com/retailer"\n\n\n'
        "def token():\n"
        "    return requests.post(\n"
        '        "https://login.bol.com/token",\n'
        f'        data="grant_type=client_credentials&client_id={i["form"]}&client_secret={s["form"]}",\n'
        '        headers={"Accept": "application/json"},\n'
        "    )\n\n\n"
        "def token_for(client_id):\n"
        "    return requests.post(\n"
        '        "https://login.bol.com/token",\n'
        f'        data="grant_type=client_credentials&client_id=" + client_id + "&client_secret={quote(s["form-encoded"], safe="")}",\n'
        '        headers={"Accept": "application/json"},\n'
        "    )\n\n\n"
        "def orders():\n"
        "    return requests.get(\n"
        '        API + "/orders",\n'
        f'        headers={{"Authorization": "Basic {_b64(i["basic"], s["basic"])}"}},\n'
        "    )\n\n\n"
        "def order():\n"
        f'    return requests.get(API + "/orders/1042?client_secret=" + "{s["query"][:32]}" + "{s["query"][32:]}")\n'
    )
    return {
        "shop/__init__.py": "",
        "shop/settings.py": settings,
        "shop/bol_client.py": client,
        ".env": f"BOL_CLIENT_ID={i['env']}\r\nBOL_CLIENT_SECRET={s['utf16']}\r\n".encode("utf-16"),
        "config/bol.yaml": f"bol:\n  client_id: {i['env']}\n  client_secret: {s['utf16-nobom']}\n".encode("utf-16-le"),
        "notebooks/explore.ipynb": _notebook(),
    }


def _pieces() -> dict[str, set[bytes]]:
    """Every 16-character piece of each secret, raw, URL-encoded and in its Basic form."""
    out: dict[str, set[bytes]] = {}
    for shape, secret in PLANTED.items():
        forms = [secret, quote(secret, safe=""), quote_plus(secret), *(_b64(v, secret) for v in IDS.values())]
        out[shape] = {f[n : n + 16].encode() for f in forms for n in range(len(f) - 15)}
    return out


def _leaks(blobs: dict[str, bytes]) -> list[str]:
    pieces = _pieces()
    return sorted({f"{shape} in {name}" for name, blob in blobs.items() for shape, found in pieces.items()
                   if any(p in blob for p in found)})


def _cli(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, bytes]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BOL_", "BOLAUDIT_DEBUG"))}
    environ.update(NO_COLOR="1", **(env or {}))
    proc = subprocess.run([sys.executable, "-m", "bolaudit", *args], cwd=root, env=environ,
                          capture_output=True, timeout=300)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    return proc.returncode, proc.stdout + b"\n--- stderr ---\n" + proc.stderr


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_no_output_and_no_written_file_holds_a_piece_of_a_planted_secret(tmp_path: Path) -> None:
    from conftest import write_tree
    from tokenserver import Reply, TokenServer

    from bolaudit.catalog import credentials as cr

    root = tmp_path / "shop"
    write_tree(root, _tree())
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    before = _files(root)
    outputs: dict[str, bytes] = {}

    def run(name: str, *args: str, codes: tuple[int, ...] = (0, 1), env: dict[str, str] | None = None) -> bytes:
        code, out = _cli(root, *args, env=env)
        assert code in codes, (name, code, out.decode())
        outputs[name] = out
        return out

    run("check text", "check")  # makes the cache
    _age(root)
    run("check text again", "check", "--statistics")  # keeps a whole-run record
    shown = run("check json", "check", "--format", "json")
    run("check json reused", "check", "--format", "json")
    for fmt in ("sarif", "github", "gitlab", "markdown"):
        run(f"check {fmt}", "check", "--format", fmt)
    run("check json statistics", "check", "--format", "json", "--statistics")
    run("check no cache", "check", "--no-cache", "--format", "json", "--select", "BOL1,BOL3")
    run("check diff", "check", "--diff")
    run("write baseline", "check", "--write-baseline", "baseline.json")
    run("with baseline", "check", "--baseline", "baseline.json", "--format", "sarif")
    for fmt in ("text", "json", "markdown"):
        run(f"scopes {fmt}", "scopes", "--format", fmt)
    for args in (("rules",), ("rules", "BOL101"), ("rules", "BOL102"), ("rules", "BOL305")):
        run(" ".join(args), *args)
    server = TokenServer(client_id=IDS["form"], client_secret=PLANTED["form"]).start()
    try:
        run("verify credentials", "check", "--verify-credentials", "--token-url", server.token_url,
            "--format", "json")
        creds = {"BOL_CLIENT_ID": IDS["form"], "BOL_CLIENT_SECRET": PLANTED["form"]}
        run("token live", "token", "--live", "--token-url", server.token_url, env=creds, codes=(0,))
        run("token live json", "token", "--live", "--token-url", server.token_url, "--format", "json",
            env=creds, codes=(0,))
        wrong = {"BOL_CLIENT_ID": IDS["basic"], "BOL_CLIENT_SECRET": PLANTED["basic"]}
        run("token rejected", "token", "--live", "--token-url", server.token_url, env=wrong, codes=(2,))
        # A token service that echoes what it was sent, URL-encoded, split and with escapes.
        echoed = PLANTED["basic"]
        server.script(Reply.problem(
            400, "Bad Request", f"invalid_client: client_secret={quote(echoed, safe='')} "
            f"(received '{echoed[:32]}' '{echoed[32:]}' as Basic {_b64(IDS['basic'], echoed)})\x1b[2J"))
        said = run("token echoed", "token", "--live", "--token-url", server.token_url, env=wrong, codes=(2,))
        assert b"400" in said and b"\x1b" not in said, said
        run("scopes live", "scopes", "--live", "--token-url", server.token_url, env=creds)
        assert any(r.header("Authorization") for r in server.requests), "the loopback service was asked"
    finally:
        server.stop()

    # Every planted shape is found (so that the absence of leaks means something) ...
    report = json.loads(shown.split(b"\n--- stderr ---\n")[0])
    fingerprints = {c["fingerprint"] for c in report["credentials"]}
    assert {s: cr.fingerprint(v) in fingerprints for s, v in PLANTED.items()} == {s: True for s in PLANTED}
    withheld = [f for f in report["findings"] if "withheld" in f.get("fix", {})]
    assert len(withheld) == 2, [f.get("fix") for f in report["findings"]]  # the Basic header, the query

    # ... and no output, nor any file bolaudit wrote, holds a piece of one.
    after = _files(root)
    written = {name: data for name, data in after.items() if before.get(name) != data}
    assert written, "the cache and the baseline should be there"
    assert all(n.startswith(".bolaudit_cache/") or n == "baseline.json" for n in written), sorted(written)
    assert _leaks({**outputs, **{f"file {n}": d for n, d in written.items()}}) == []

    # --fix applies the fixes whose text is withheld, writing nothing else.
    code, out = _cli(root, "check", "--fix")
    assert code == 1 and b"fixed 2 finding(s)" in out, out.decode()
    changed = {n for n, d in _files(root).items() if after.get(n) != d}
    assert {n for n in changed if not n.startswith(".bolaudit_cache/")} == {"shop/bol_client.py"}
    assert _leaks({"check --fix": out, **{f"file {n}": d for n, d in _files(root).items()
                                           if n.startswith(".bolaudit_cache/")}}) == []


def test_rule_docs_show_their_example_credentials_masked() -> None:
    """``bolaudit rules CODE`` prints the rule's cases: their made-up credentials are masked, so no
    secret scanner reading a CI log flags them (the cases themselves run unmasked as tests)."""
    from bolaudit.extract.exprtools import redact
    from bolaudit.commands.rules import render
    from bolaudit.rulebase import all_rules
    from bolaudit.rules import hardcoded_client_id, hardcoded_client_secret

    fakes = [v for module in (hardcoded_client_secret, hardcoded_client_id) for k, v in module._FAKES.items()
             if k not in ("@ID@", "@ORDER@", "@OFFER@", "@LABEL@")]
    assert len(fakes) >= 6
    for rule in all_rules():
        text, status = render(rule.code)
        assert status == 0
        assert redact(text) == text, rule.code
        assert not [f for f in fakes for n in range(len(f) - 15) if f[n : n + 16] in text], rule.code
    assert "`d3u2…Ngw`" in render("BOL101")[0]  # masked values are shown as they are
