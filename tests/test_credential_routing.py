"""Credentials go only where the user says: a hostile repository cannot redirect them.

The attack: a pull request adds ``token-url`` (its own server) and ``client-id-env`` /
``client-secret-env`` (any variable of the CI job) to ``[tool.bolaudit]``, or commits a symlink to
a credentials file of the machine that audits it. Two real loopback servers play bol (``honest``,
named in the user's config) and the attacker (named by the project); the attacker must receive
nothing, and the user is told why the project's settings were not used.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bolaudit.commands import check
from bolaudit.config import load_config
from conftest import write_tree

try:
    from tokenserver import CLIENT_ID, CLIENT_SECRET, TokenServer  # type: ignore[import-not-found]
except ModuleNotFoundError:  # tests/ became a package
    from tests.tokenserver import CLIENT_ID, CLIENT_SECRET, TokenServer

FIXTURE = Path(__file__).parent / "fixtures" / "scopes" / "webshop"
# What else a CI job holds: the attacker names these variables in the project's config.
CI_SECRET = "ghp_" + "Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz0Xc"
CI_ID = "deploy-bot"
# A pair that lives outside the repository (a developer's or CI machine's own credentials file).
OUTSIDE_ID = "5b0e8c61-3f2a-4d9e-8b7c-1a2f3e4d5c6b"
OUTSIDE_SECRET = "tR4(kP9!wZ2?mQ7)vX5@nB8+cL3-hJ6_" "gD1!sF0?yA4(eU9)oI2@rK7+lM5-pW8_"
NOTICE = ("client-id-env, client-secret-env and token-url ignored: where credentials go is set only on "
          "the command line or in your user config (")


@pytest.fixture
def servers() -> Iterator[tuple[TokenServer, TokenServer]]:
    honest, attacker = TokenServer().start(), TokenServer().start()
    try:
        yield honest, attacker
    finally:
        honest.stop()
        attacker.stop()


def hostile_project(root: Path, attacker: TokenServer) -> None:
    with (root / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write(f'token-url = "{attacker.token_url}"\n'
                     'client-id-env = "CI_DEPLOY_ID"\nclient-secret-env = "CI_DEPLOY_TOKEN"\n')


def user_config(home: Path, honest: TokenServer) -> Path:
    folder = home / "xdg" / "bolaudit"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text(f'token-url = "{honest.token_url}"\n')
    return home / "xdg"


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOL_", "XDG_CONFIG"))}
    env.update(NO_COLOR="1", CI_DEPLOY_ID=CI_ID, CI_DEPLOY_TOKEN=CI_SECRET, **extra)
    return env


def bolaudit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    run = subprocess.run([sys.executable, "-m", "bolaudit", *args], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=300)
    assert "Traceback" not in run.stderr, run.stderr
    assert CI_SECRET not in run.stdout + run.stderr and CLIENT_SECRET not in run.stdout + run.stderr
    return run


def sent_secret(server: TokenServer) -> list[str]:
    """The secret of each Basic header the server received."""
    out = []
    for request in server.requests:
        header = request.header("Authorization") or ""
        out.append(base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")[2])
    return out


@pytest.fixture
def webshop(tmp_path: Path) -> Path:
    root = tmp_path / "webshop"
    shutil.copytree(FIXTURE, root)
    return root


@pytest.mark.parametrize("command", ["scopes", "token"])
def test_live_sends_nothing_where_the_project_says(
        webshop: Path, tmp_path: Path, servers: tuple[TokenServer, TokenServer], command: str) -> None:
    honest, attacker = servers
    hostile_project(webshop, attacker)
    env = environment(XDG_CONFIG_HOME=str(user_config(tmp_path, honest)),
                      BOL_CLIENT_ID=CLIENT_ID, BOL_CLIENT_SECRET=CLIENT_SECRET)
    run = bolaudit(command, "--live", cwd=webshop, env=env)
    assert run.returncode in (0, 1), run.stderr
    assert attacker.requests == []
    assert sent_secret(honest) == [CLIENT_SECRET]  # the user's variables, to the user's server
    assert [line for line in run.stderr.splitlines() if "ignored" in line] == [
        f"bolaudit: pyproject.toml: [tool.bolaudit] {NOTICE}{tmp_path / 'xdg' / 'bolaudit' / 'config.toml'}), "
        "never by the audited project"]


def test_live_without_the_users_variables_asks_for_them_not_for_the_projects(
        webshop: Path, servers: tuple[TokenServer, TokenServer]) -> None:
    honest, attacker = servers
    hostile_project(webshop, attacker)
    run = bolaudit("token", "--live", cwd=webshop, env=environment())
    assert run.returncode == 2
    assert run.stderr.splitlines()[-1] == ("bolaudit: --live needs the client credentials in the environment: "
                                           "set BOL_CLIENT_ID and BOL_CLIENT_SECRET")
    assert attacker.requests == [] and honest.requests == []


def test_verify_credentials_sends_nothing_where_the_project_says(
        tmp_path: Path, servers: tuple[TokenServer, TokenServer]) -> None:
    honest, attacker = servers
    root = tmp_path / "shop"
    write_tree(root, {".env": f"BOL_CLIENT_ID={CLIENT_ID}\nBOL_CLIENT_SECRET={CLIENT_SECRET}\n",
                      "pyproject.toml": f'[project]\nname = "shop"\n\n[tool.bolaudit]\ntoken-url = "{attacker.token_url}"\n'})
    env = environment(XDG_CONFIG_HOME=str(user_config(tmp_path, honest)))
    run = bolaudit("check", "--no-cache", "--verify-credentials", "--format", "json", cwd=root, env=env)
    assert run.returncode == 1
    assert attacker.requests == [] and sent_secret(honest) == [CLIENT_SECRET]
    (found,) = [f for f in json.loads(run.stdout)["findings"] if f["code"] == "BOL101"]
    assert found["properties"]["verification"] == "live"
    assert "pyproject.toml: [tool.bolaudit] token-url ignored: where credentials go" in run.stderr


def test_the_notice_appears_without_any_request_too(tmp_path: Path, servers: tuple[TokenServer, TokenServer]) -> None:
    _, attacker = servers
    root = tmp_path / "shop"
    write_tree(root, {"app.py": "print('hello')\n", ".bolaudit.toml": f'token-url = "{attacker.token_url}"\n'})
    run = bolaudit("check", "--no-cache", cwd=root, env=environment())
    assert run.returncode == 0
    assert run.stderr.startswith("bolaudit: .bolaudit.toml: token-url ignored: where credentials go is set only")
    assert attacker.requests == []


# -- symlinks that leave the audited root ---------------------------------------------------------


def committed_repo(tmp_path: Path) -> Path:
    """A git repository with a committed symlink to a credentials file outside it, and one inside."""
    outside = tmp_path / "home" / ".config" / "shop" / "credentials.env"
    write_tree(outside.parent, {outside.name: f"BOL_CLIENT_ID={OUTSIDE_ID}\nBOL_CLIENT_SECRET={OUTSIDE_SECRET}\n"})
    root = tmp_path / "repo"
    write_tree(root, {"config/shared.env": f"BOL_CLIENT_ID={CLIENT_ID}\nBOL_CLIENT_SECRET={CLIENT_SECRET}\n"})
    (root / "config" / "prod.env").symlink_to(outside)
    (root / "deploy").mkdir()
    (root / "deploy" / "app.env").symlink_to(Path("..") / "config" / "shared.env")  # stays inside: fine
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "config"], check=True)
    return root


def test_a_symlink_out_of_the_root_is_not_read_back_or_sent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = committed_repo(tmp_path)
    monkeypatch.chdir(root)
    server = TokenServer().start()
    try:
        config = load_config([root], {"token_url": server.token_url}, environ={})
        out = check.run([root], config, fmt="json", verify_credentials=True)
    finally:
        server.stop()
    assert OUTSIDE_SECRET not in "".join(sent_secret(server))
    assert sent_secret(server) == [CLIENT_SECRET]  # the link inside the repository was verified
    report = json.loads(out.stdout)
    by_path = {f["path"]: f for f in report["findings"] if f["code"] == "BOL101"}
    assert "config/prod.env" not in by_path  # the file scan does not read what the link leads to
    assert {"path": "config/prod.env", "message": "skipped: a symlink that leads outside the project"} in [
        {"path": p["path"], "message": p["message"]} for p in report["problems"]]
    assert by_path["deploy/app.env"]["properties"]["verification"] == "live"
    assert OUTSIDE_SECRET not in out.stdout + out.stderr
