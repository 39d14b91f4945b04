"""``bolaudit check``'s inputs and ruff's habits (issue 15 items 1 and 3): selectors and paths
that select nothing are errors, standard input, statistics, quiet, output files, the file list,
fixable marks and the summary's counts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from bolaudit.cli import main
from conftest import write_tree

SECRET = "Pq3!xT7@vB2-kN9+zR4(mW6)yH1?cJ8_dF5eL0gS3aU7iO2nK4tV9wX1rQ6bM8zD"
CLIENT = (
    "import requests\n\n"
    'BASE = "https://api.bol.com/retailer"\n\n\n'
    "def orders(token: str):\n"
    '    return requests.get(f"{BASE}/orders", headers={"Authorization": f"Bearer {token}"})\n'
)
SHOP = {
    "pyproject.toml": '[project]\nname = "shop"\n\n[tool.bolaudit]\nexclude = ["tests/fixtures/"]\n',
    "shop/__init__.py": "",
    "shop/client.py": CLIENT,
    "shop/settings.py": f'import os\n\nBOL_CLIENT_SECRET = os.getenv("BOL_CLIENT_SECRET", "{SECRET}")\n',
    "tests/fixtures/.env": f"BOL_CLIENT_SECRET={SECRET}\n",
}


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "shop"
    write_tree(root, SHOP)
    (root / ".git").mkdir()  # the repository's top (no git needed for these)
    monkeypatch.chdir(root)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    return root


def check(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", "--no-cache", *args], input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# -- item 1: strict inputs --------------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["--select", "BOL999"], "--select: BOL999 matches no rule (did you mean BOL306, BOL305 or BOL304?)"),
    (["--select", "BOL9"], "--select: BOL9 matches no rule (did you mean BOL3, BOL2 or BOL1?)"),
    (["--ignore", "BOL1,BOL307"], "--ignore: BOL307 matches no rule (did you mean BOL306"),
    (["--extend-select", "BOL401"], "--extend-select: BOL401 is a rule `bolaudit check` never runs"),
    (["--select", "BOL4"], "BOL4 selects BOL401, BOL402, BOL403 and BOL404, rules `bolaudit check` never runs"),
    (["--select", "bol1011"], 'expected rule codes or prefixes like "BOL101" or "BOL1", got "BOL1011"'),
])
def test_a_selector_that_selects_no_rule_check_runs_is_exit_2(shop: Path, args: list[str], message: str) -> None:
    code, out, err = check(*args)
    assert code == 2 and out == ""
    assert message in err


@pytest.mark.parametrize(("body", "message"), [
    ('select = ["BOL9"]', 'pyproject.toml: [tool.bolaudit] select: BOL9 matches no rule'),
    ('ignore = ["BOL403"]', "ignore: BOL403 is a rule `bolaudit check` never runs"),
    ('per-file-ignores = { "tests/*" = ["BOL40"] }', 'per-file-ignores."tests/*": BOL40 selects'),
])
def test_a_config_selector_that_selects_nothing_is_exit_2(shop: Path, body: str, message: str) -> None:
    (shop / "pyproject.toml").write_text(f"[tool.bolaudit]\n{body}\n")
    code, _, err = check()
    assert code == 2 and message in err, err


def test_a_path_that_does_not_exist_is_exit_2(shop: Path) -> None:
    code, out, err = check("shop", "shpo/client.py")
    assert code == 2 and out == "" and "path shpo/client.py does not exist" in err
    os.symlink("gone.py", shop / "link.py")
    assert "path link.py does not exist (a symlink to nowhere)" in check("link.py")[2]
    scopes = CliRunner().invoke(main, ["scopes", "/nonexistent"])
    assert scopes.exit_code == 2 and "path /nonexistent does not exist" in scopes.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder whatever its permissions")
def test_a_path_that_cannot_be_read_is_exit_2(shop: Path) -> None:
    (shop / "shop").chmod(0)
    try:
        code, _, err = check("shop")
    finally:
        (shop / "shop").chmod(0o755)
    assert code == 2 and "cannot be read" in err


def test_standard_input_is_audited_as_the_file_named(shop: Path) -> None:
    leak = f'BOL_CLIENT_SECRET = "{SECRET}"\n'
    code, out, _ = check("-", "--stdin-filename", "shop/new_settings.py", stdin=leak)
    assert code == 1 and out.startswith("shop/new_settings.py:1:21: BOL101 ")
    assert "1 file audited" in out
    code, out, _ = check("--stdin-filename", "shop/new_settings.py", stdin=leak)  # no path: the same
    assert code == 1 and "BOL101" in out
    # Judged by its config as that file would be: a named file is audited, unless --force-exclude.
    assert check("-", "--stdin-filename", "tests/fixtures/x.env", stdin=f"BOL_CLIENT_SECRET={SECRET}\n")[0] == 1
    code, out, _ = check("--force-exclude", "-", "--stdin-filename", "tests/fixtures/x.env",
                         stdin=f"BOL_CLIENT_SECRET={SECRET}\n")
    assert code == 0 and "no file audited" in out
    # Its imports are read from disk (a named file's context): the base URL resolves.
    code, out, _ = check("--select", "BOL301", "-", "--stdin-filename", "shop/client.py", stdin=CLIENT)
    assert code == 1 and "shop/client.py:7:" in out


@pytest.mark.parametrize(("args", "message"), [
    (["-"], "name it with --stdin-filename PATH"),
    (["-", "shop", "--stdin-filename", "a.py"], "'-' (standard input) must be the only path"),
    (["shop", "--stdin-filename", "a.py"], "--stdin-filename names standard input"),
    (["-", "--stdin-filename", "a.py", "--fix"], "--fix cannot write back to standard input"),
])
def test_standard_input_usage_errors(shop: Path, args: list[str], message: str) -> None:
    code, _, err = check(*args, stdin="x = 1\n")
    assert code == 2 and message in err


def test_the_pre_commit_hook_excludes_what_the_config_excludes() -> None:
    hooks = (Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "entry: bolaudit check --force-exclude" in hooks


# -- item 3: ruff's habits --------------------------------------------------------------------


def test_statistics_is_the_table_only_and_json_with_the_json_format(shop: Path) -> None:
    code, out, _ = check("--statistics")
    assert code == 1
    assert out.splitlines() == ["1  BOL101  hardcoded-client-secret", "1  BOL301  [*] missing-accept"]
    code, out, _ = check("--statistics", "--format", "json")
    assert code == 1 and json.loads(out) == [
        {"code": "BOL101", "name": "hardcoded-client-secret", "count": 1, "fixable": 0},
        {"code": "BOL301", "name": "missing-accept", "count": 1, "fixable": 1},
    ]
    assert "--statistics prints a table (text) or JSON" in check("--statistics", "--format", "sarif")[2]


def test_fixable_findings_are_marked_and_the_summary_counts_files(shop: Path) -> None:
    code, out, _ = check()
    assert code == 1
    assert out.splitlines() == [
        "shop/client.py:7:12: BOL301 [*] GET /retailer/orders is sent without an Accept "
        "header; send Accept: application/vnd.retailer.v10+json",
        f"shop/settings.py:3:52: BOL101 bol client secret `{SECRET[:4]}…{SECRET[-3:]}` is hard-coded "
        "(default of os.getenv('BOL_CLIENT_SECRET')); load it from the environment or a secret store, "
        'e.g. os.environ["BOL_CLIENT_SECRET"]',
        "Found 2 findings (1 BOL101, 1 BOL301) in 2 files; 4 files audited, 2 parsed.",
        "[*] 1 fixable with `bolaudit check --fix`.",
    ]


def test_quiet_prints_the_findings_only(shop: Path) -> None:
    (shop / "pyproject.toml").write_text('[tool.bolaudit]\ntoken-url = "https://example.com/t"\n')
    code, out, err = check("--quiet")
    assert code == 1 and len(out.splitlines()) == 3  # the .env fixture is no longer excluded
    assert all(line.split(":")[0] in ("shop/client.py", "shop/settings.py", "tests/fixtures/.env")
               for line in out.splitlines())
    assert err == ""  # not even the notice about token-url
    assert "token-url ignored" in check()[2]


def test_output_file_takes_the_report(shop: Path, sarif_validator: object) -> None:
    code, out, err = check("--format", "sarif", "--output-file", "reports/bolaudit.sarif")
    assert (code, out) == (2, "") and "cannot write reports/bolaudit.sarif" in err  # no such folder
    (shop / "reports").mkdir()
    code, out, err = check("--format", "sarif", "-o", "reports/bolaudit.sarif")
    assert (code, out, err) == (1, "", "")
    log = json.loads((shop / "reports" / "bolaudit.sarif").read_text(encoding="utf-8"))
    assert not list(sarif_validator.iter_errors(log))  # type: ignore[attr-defined]
    assert len(log["runs"][0]["results"]) == 2


def test_show_files_lists_what_would_be_audited_and_by_which_config(shop: Path) -> None:
    write_tree(shop, {"vendor/bol/.bolaudit.toml": 'ignore = ["BOL3"]\n', "vendor/bol/api.py": CLIENT})
    code, out, _ = check("--show-files")
    assert code == 0
    assert out.splitlines() == [
        "pyproject.toml  pyproject.toml",
        "shop/__init__.py  pyproject.toml",
        "shop/client.py  pyproject.toml",
        "shop/settings.py  pyproject.toml",
        "vendor/bol/.bolaudit.toml  vendor/bol/.bolaudit.toml",
        "vendor/bol/api.py  vendor/bol/.bolaudit.toml",
    ]


def test_rule_is_an_alias_of_rules() -> None:
    runner = CliRunner()
    one, other = runner.invoke(main, ["rule", "bol201"]), runner.invoke(main, ["rules", "BOL201"])
    assert one.exit_code == other.exit_code == 0 and one.stdout == other.stdout
    assert one.stdout.startswith("BOL201 token-fetch-in-loop")
    assert runner.invoke(main, ["rule", "BOL999"]).exit_code == 2


def test_check_help_lists_the_exit_codes_and_what_extends_the_config() -> None:
    text = " ".join(CliRunner().invoke(main, ["check", "--help"]).stdout.split())
    assert "Exit codes: 0 no findings" in text and "1 findings" in text and "2 a usage or configuration error" in text
    assert "on top of each config's ignore" in text and "on top of each config's exclude" in text
    assert "--extend-select" in text and "--force-exclude" in text and "--show-files" in text


def test_diff_quotes_file_names_as_git_does_and_applies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    from conftest import git

    root = tmp_path / "shop"
    write_tree(root, {"shop/my client.py": CLIENT, "shop/café.py": CLIENT, "shop/plain.py": CLIENT})
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "init")
    monkeypatch.chdir(root)
    code, out, _ = check("--diff")
    assert code == 1
    headers = [line for line in out.splitlines() if line.startswith(("--- ", "+++ "))]
    assert headers == [
        '--- "a/shop/caf\\303\\251.py"', '+++ "b/shop/caf\\303\\251.py"',
        '--- "a/shop/my client.py"', '+++ "b/shop/my client.py"',
        "--- a/shop/plain.py", "+++ b/shop/plain.py",
    ]
    (root / "fix.patch").write_text(out, encoding="utf-8")
    subprocess.run(["git", "apply", "fix.patch"], cwd=root, check=True, capture_output=True)
    assert "application/vnd.retailer.v10+json" in (root / "shop" / "my client.py").read_text(encoding="utf-8")
    assert check("--select", "BOL301", "shop")[0] == 0
