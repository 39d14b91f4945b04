"""Configuration per file: each file is judged by the nearest config above it in its repository,
whatever the order of the paths given, and every format shows paths relative to the repository's
top, from any folder (issue 15 item 2)."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bolaudit.cli import main
from conftest import age, git, write_tree

# Made-up secrets in the shape of bol's (64 characters).
ROOT_TOOL_SECRET = "Vb7)kQ2!mX9@pL4-zR8+wN3(yT6?cJ1_dF5eH0gS7aU2iO9nK4tV6xZ1rQ8bM3eW"
LEGACY_SECRET = "Hd8(Tn3!vQ6@kP1-xM7+zL2)wB5?cR9_fG4eJ0sA3uY8iN2oK6rV1tX5mZ7qW9bC"
ORDERS_SECRET = "Qz4!hT8(pW2@nL6-vK9+xR3)mB7?yC1_dG5eF0jS8aU4iO2tN6kV9rX3wZ7qM1bH"
FIXTURE_SECRET = "Lm2@Wq8!zT4(kP9-vN3+xR6)yB1?cH7_dF5eJ0gS2aU8iO4nK6tV3rX9mZ1qW7bE"
STOCK_SECRET = "Rk5!vB9(qT2@hL7-mX4+wN8)zP1?cJ6_dG3eF0sA5uY9iK2oT7rV4xM8nZ1qW6bD"
STOCK_TOOL_SECRET = "Nt6@Xp1!kW5(vQ8-zM2+rL9)yB4?cH3_dF7eJ0gS6aU1iO5nK8tV2xR4mZ9qW3bF"

# A monorepo: the platform's config at the top, one per service below it.
MONOREPO = {
    "pyproject.toml": (
        '[project]\nname = "shop-platform"\nversion = "1.0"\n\n'
        '[tool.bolaudit]\nexclude = ["legacy/"]\nper-file-ignores = { "tools/*.py" = ["BOL101"] }\n'
    ),
    "tools/rotate.py": (
        '"""Rotates the bol credentials in the vault (the old secret stays until it expires)."""\n'
        f'OLD_BOL_CLIENT_SECRET = "{ROOT_TOOL_SECRET}"\n'
    ),
    "legacy/old_client.py": f'BOL_CLIENT_SECRET = "{LEGACY_SECRET}"\n',
    "services/orders/.bolaudit.toml": 'select = ["BOL1", "BOL3"]\nexclude = ["fixtures/"]\n',
    "services/orders/orders/__init__.py": "",
    "services/orders/orders/client.py": (
        "import requests\n\n"
        'BASE = "https://api.bol.com/retailer"\n\n\n'
        "def token(client_id, client_secret):\n"
        "    response = requests.post(\n"
        '        "https://login.bol.com/token",\n'
        "        auth=(client_id, client_secret),\n"
        '        data={"grant_type": "client_credentials"},\n'
        '        headers={"Accept": "application/json"},\n'
        "    )\n"
        '    return response.json()["access_token"]\n\n\n'
        "def open_orders(client_id, client_secret):\n"
        "    for page in range(1, 4):\n"
        '        headers = {"Authorization": f"Bearer {token(client_id, client_secret)}",\n'
        '                   "Accept": "application/vnd.retailer.v9+json"}\n'
        '        yield requests.get(f"{BASE}/orders", params={"page": page}, headers=headers).json()\n'
    ),
    "services/orders/orders/settings.py": (
        "import os\n\n"
        'BOL_CLIENT_ID = os.environ.get("BOL_CLIENT_ID", "7c1e4b2a-9d3f-4e6a-8b5c-2f7d9a1e3c6b")\n'
        f'BOL_CLIENT_SECRET = "{ORDERS_SECRET}"\n'
    ),
    "services/orders/fixtures/leak.env": f"BOL_CLIENT_SECRET={FIXTURE_SECRET}\n",
    "services/stock/pyproject.toml": (
        '[project]\nname = "stock-sync"\nversion = "2.3"\n\n[tool.bolaudit]\nignore = ["BOL303"]\n'
    ),
    "services/stock/stock/__init__.py": "",
    "services/stock/stock/sync.py": (
        "import requests\n\n"
        f'SECRET = "{STOCK_SECRET}"\n\n\n'
        "def push_stock(session: requests.Session, offer_id: str, amount: int) -> None:\n"
        "    session.put(\n"
        '        f"https://api.bol.com/retailer/offers/{offer_id}/stock",\n'
        '        json={"amount": amount, "managedByRetailer": True},\n'
        '        headers={"Accept": "application/vnd.retailer.v9+json",\n'
        '                 "Content-Type": "application/vnd.retailer.v9+json"},\n'
        "    )\n"
    ),
    "services/stock/tools/rotate.py": f'NEW_BOL_CLIENT_SECRET = "{STOCK_TOOL_SECRET}"\n',
}
# What each config lets through: the root's per-file-ignores stop at the services' configs, the
# root's exclude drops legacy/, the orders config drops its fixtures and runs BOL1 and BOL3 only
# (not BOL202: a new token for every request), the stock config ignores BOL303.
EXPECTED = [
    ("services/orders/orders/client.py", 19, "BOL303"),
    ("services/orders/orders/settings.py", 3, "BOL102"),
    ("services/orders/orders/settings.py", 4, "BOL101"),
    ("services/stock/stock/sync.py", 3, "BOL101"),
    ("services/stock/tools/rotate.py", 1, "BOL101"),
]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    write_tree(root, MONOREPO)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "init")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.chdir(root)
    return root


def check(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", *args], input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def found(*args: str) -> list[tuple[str, int, str]]:
    code, out, err = check("--format", "json", "--no-cache", *args)
    assert code in (0, 1), err
    return [(f["path"], f["line"], f["code"]) for f in json.loads(out)["findings"]]


def test_each_file_is_judged_by_its_nearest_config(repo: Path) -> None:
    assert found() == EXPECTED
    assert found(".") == EXPECTED


@pytest.mark.parametrize(("paths", "expected"), [
    (["services/stock", "tools", "services/orders/orders/settings.py"],
     [EXPECTED[1], EXPECTED[2], EXPECTED[3], EXPECTED[4]]),
    (["services/orders", "services/stock/stock", "tools/rotate.py", "legacy/old_client.py"],
     [("legacy/old_client.py", 1, "BOL101"), *EXPECTED[:4]]),  # a file named: audited though excluded
], ids=["folders-and-a-file", "with-an-excluded-file"])
def test_findings_do_not_depend_on_the_order_of_paths(
    repo: Path, paths: list[str], expected: list[tuple[str, int, str]]
) -> None:
    results = {tuple(found(*order)) for order in itertools.permutations(paths)}
    assert results == {tuple(expected)}


def test_staged_files_in_any_order_give_the_same_verdict(repo: Path) -> None:
    """What pre-commit passes: file names, in an order of its own, with --force-exclude."""
    staged = ["tools/rotate.py", "services/stock/stock/sync.py", "services/orders/orders/settings.py",
              "services/orders/fixtures/leak.env", "legacy/old_client.py"]
    results = {tuple(found("--force-exclude", *order)) for order in itertools.permutations(staged)}
    assert results == {(
        ("services/orders/orders/settings.py", 3, "BOL102"),
        ("services/orders/orders/settings.py", 4, "BOL101"),
        ("services/stock/stock/sync.py", 3, "BOL101"),
    )}


def test_every_format_shows_paths_from_the_repository_top_from_anywhere(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sarif_validator: Any
) -> None:
    outputs: dict[str, set[str]] = {}
    for cwd, target in ((repo / "services" / "orders", "."), (tmp_path, "repo/services/orders"),
                        (repo, "services/orders")):
        monkeypatch.chdir(cwd)
        for fmt in ("text", "json", "sarif", "github", "gitlab", "markdown"):
            code, out, err = check("--format", fmt, "--no-cache", target)
            assert code == 1, err
            assert "services/orders/orders/settings.py" in out, (fmt, out)
            assert not any(bad in out for bad in ("../", "./services", str(tmp_path))) or fmt == "sarif", out
            outputs.setdefault(fmt, set()).add(out)
    assert all(len(seen) == 1 for seen in outputs.values()), [f for f, s in outputs.items() if len(s) > 1]
    log = json.loads(next(iter(outputs["sarif"])))
    assert not list(sarif_validator.iter_errors(log))
    run = log["runs"][0]
    assert str(tmp_path) not in json.dumps(run["results"]) and "../" not in json.dumps(run["results"])
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": repo.resolve().as_uri() + "/"}}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"services/orders/orders/client.py", "services/orders/orders/settings.py"}
    assert all((repo / uri).is_file() for uri in uris)


def test_config_option_judges_every_file_by_that_file(repo: Path) -> None:
    """``--config``: its settings (its excludes included) for every file, its paths from the top."""
    write_tree(repo, {"ci/bolaudit.toml": 'exclude = ["services/stock/", "legacy/"]\nignore = ["BOL102"]\n'})
    assert found("--config", "ci/bolaudit.toml") == [
        ("services/orders/fixtures/leak.env", 1, "BOL101"),  # the orders config is not read
        ("services/orders/orders/client.py", 7, "BOL202"),  # a token per request: its select
        ("services/orders/orders/client.py", 19, "BOL303"),
        ("services/orders/orders/settings.py", 4, "BOL101"),
        ("tools/rotate.py", 2, "BOL101"),  # nor the root's per-file-ignores
    ]


def test_a_named_folder_that_a_config_excludes_is_audited_unless_forced(repo: Path) -> None:
    assert found("legacy") == [("legacy/old_client.py", 1, "BOL101")]
    assert found("services/orders/fixtures") == [("services/orders/fixtures/leak.env", 1, "BOL101")]
    assert found("--force-exclude", "legacy") == []
    code, out, _ = check("--force-exclude", "--no-cache", "legacy")
    assert code == 0 and "no file audited" in out


def test_the_command_line_adjusts_every_config(repo: Path) -> None:
    # --ignore adds to each config's ignore: the stock config's BOL303 stays ignored.
    assert found("--ignore", "BOL102") == [e for e in EXPECTED if e[2] != "BOL102"]
    assert ("services/orders/orders/client.py", 19, "BOL303") not in found("--ignore", "BOL3")
    # --exclude adds to each config's exclude (relative to the repository's top).
    assert found("--exclude", "services/stock/tools/") == EXPECTED[:-1]
    # --extend-select adds to the orders config's select.
    assert ("services/orders/orders/client.py", 7, "BOL202") in found("--extend-select", "BOL2")
    assert ("services/orders/orders/client.py", 7, "BOL202") not in found()
    # --select replaces each config's select and ignore: BOL303 comes back in stock.
    only_303 = found("--select", "BOL303")
    assert ("services/orders/orders/client.py", 19, "BOL303") in only_303
    assert any(path == "services/stock/stock/sync.py" for path, _, _ in only_303)
    assert {code for _, _, code in only_303} == {"BOL303"}


def test_the_run_settings_come_from_the_config_nearest_the_paths(repo: Path) -> None:
    write_tree(repo, {"services/orders/.bolaudit.toml": MONOREPO["services/orders/.bolaudit.toml"]
                      + 'cache-dir = "build/bolaudit"\n'})
    assert check("services/orders")[0] == 1
    assert (repo / "services/orders/build/bolaudit").is_dir()
    assert not (repo / ".bolaudit_cache").exists()
    assert check(".")[0] == 1  # the top's config: the default cache folder
    assert (repo / ".bolaudit_cache").is_dir()


def test_the_cache_follows_every_config(repo: Path) -> None:
    """The whole-run record is dropped when a config anywhere is added, edited or removed."""
    assert check()[0] == 1
    age(repo)
    assert found_cached() == EXPECTED
    stock = repo / "services/stock/pyproject.toml"
    stock.write_text(MONOREPO["services/stock/pyproject.toml"].replace('["BOL303"]', '["BOL303", "BOL101"]'))
    assert found_cached() == found() == [e for e in EXPECTED if not e[0].startswith("services/stock")]
    age(repo)
    nested = repo / "services/stock/stock/.bolaudit.toml"
    nested.write_text('select = ["BOL3"]\n')
    assert found_cached() == found()
    assert {(p, c) for p, _, c in found_cached() if p.startswith("services/stock/stock")} == {
        ("services/stock/stock/sync.py", "BOL303")}
    age(repo)
    nested.unlink()
    assert found_cached() == found()


def found_cached() -> list[tuple[str, int, str]]:
    code, out, err = check("--format", "json")
    assert code in (0, 1), err
    return [(f["path"], f["line"], f["code"]) for f in json.loads(out)["findings"]]


def test_a_broken_config_is_exit_2_and_the_other_files_are_audited(repo: Path) -> None:
    (repo / "services/stock/pyproject.toml").write_text('[tool.bolaudit]\nselect = ["BOL9"]\n')
    code, out, err = check("--format", "json", "--no-cache")
    assert code == 2
    assert "services/stock/pyproject.toml: [tool.bolaudit] select: BOL9 matches no rule" in err
    paths = {f["path"] for f in json.loads(out)["findings"]}
    assert "services/orders/orders/settings.py" in paths
    assert not any(p.startswith("services/stock/") for p in paths)


def test_a_config_above_the_repository_is_never_read(tmp_path: Path, repo: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.bolaudit]\nexclude = ["*"]\n')
    assert found() == EXPECTED


def bolaudit(cwd: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "NO_COLOR": "1"}
    env.pop("BOLAUDIT_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "bolaudit", "check", "--no-cache", *args], cwd=cwd,
                          env=env, capture_output=True, text=True)


STRAY = '[tool.bolaudit]\nexclude = ["*"]\n'
LEAK = {"src/settings.py": f'BOL_CLIENT_SECRET = "{ORDERS_SECRET}"\n'}


def test_outside_a_repository_the_search_stops_at_the_home_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write_tree(tmp_path, {"pyproject.toml": STRAY})  # above the home folder: never read
    project = home / "work" / "shop"
    write_tree(project, LEAK)
    run = bolaudit(project / "src", home=home)
    assert run.returncode == 1 and "src/settings.py:1:" not in run.stdout, run.stdout
    assert "settings.py:1:21: BOL101" in run.stdout  # from the current folder, the top of the run
    write_tree(project, {"pyproject.toml": '[tool.bolaudit]\nignore = ["BOL101"]\n'})
    assert bolaudit(project / "src", home=home).returncode == 0  # inside home: found above cwd


def test_outside_a_repository_and_home_the_search_stops_at_the_top_of_the_run(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": STRAY, "shop/pyproject.toml": "[project]\nname = 'shop'\n"})
    write_tree(tmp_path / "shop", LEAK)
    run = bolaudit(tmp_path / "shop", home=tmp_path / "elsewhere")
    assert run.returncode == 1 and "src/settings.py:1:21: BOL101" in run.stdout, run.stdout + run.stderr
    (tmp_path / "elsewhere").mkdir()
    outside = bolaudit(tmp_path / "elsewhere", str(tmp_path / "shop"), home=tmp_path / "elsewhere")
    assert "src/settings.py:1:21: BOL101" in outside.stdout, outside.stdout + outside.stderr
