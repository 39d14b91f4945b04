"""The README shows real output and snippets that work (issue 15 item 7).

Every output block marked ``<!-- example: NAME -->`` is compared with what bolaudit prints for
it, and every snippet marked ``<!-- snippet: NAME -->`` is checked for what it must hold and its
commands are run (the install from the repository's URL with this checkout standing in for it;
GitHub's and GitLab's own actions are not ours to run).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from bolaudit import REPOSITORY_URL
from conftest import git, write_tree

try:
    from tokenserver import CLIENT_ID, CLIENT_SECRET, TokenServer, bol_claims, mint, token_server  # type: ignore[import-not-found]
except ModuleNotFoundError:  # tests/ became a package
    from tests.tokenserver import CLIENT_ID, CLIENT_SECRET, TokenServer, bol_claims, mint, token_server

__all__ = ["token_server"]  # the fixture, imported for pytest

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"<!-- (example|snippet): ([\w-]+)[^>]*-->\n```\w*\n(.*?)```", re.S)
BLOCKS = {(kind, name): body for kind, name, body in BLOCK.findall(README)}
SECRET = "Lp4(vQ9!zK2?xW7)mN5@bR8+tH3-jF6_cY1!gD0?sA4(uE9)oT2@iM7+rP5-kL8_"


def block(kind: str, name: str) -> str:
    assert (kind, name) in BLOCKS, f"README has no {kind} {name}"
    return BLOCKS[(kind, name)]


def bolaudit(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "NO_COLOR": "1", **(env or {})}
    environ.pop("BOLAUDIT_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "bolaudit", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=300)


def shown(command: str, run: subprocess.CompletedProcess[str]) -> str:
    return f"$ {command}\n{run.stdout}"


# -- output examples --------------------------------------------------------------------------


def test_every_output_example_is_checked() -> None:
    names = {name for kind, name in BLOCKS if kind == "example"}
    assert names == {"check-statistics", "scopes-webshop", "scopes-token", "shared-credentials",
                     "verify-credentials"}


def test_check_statistics_example(tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples" / "shop-sync", tmp_path / "examples" / "shop-sync")
    git(tmp_path, "init", "-q")
    command = "bolaudit check --statistics examples/shop-sync"
    run = bolaudit(tmp_path, *shlex.split(command)[1:])
    assert run.returncode == 1
    assert shown(command, run) == block("example", "check-statistics")


def test_scopes_examples(tmp_path: Path) -> None:
    webshop = tmp_path / "webshop"
    shutil.copytree(REPO / "tests" / "fixtures" / "scopes" / "webshop", webshop)
    run = bolaudit(webshop, "scopes")
    assert run.returncode == 0 and run.stdout == block("example", "scopes-webshop")
    claims = bol_claims(scopes="orders.manage offers.read retailer-info.read invoices.read")
    (webshop / "token.jwt").write_text(mint(claims))
    run = bolaudit(webshop, "scopes", "--token-file", "token.jwt")
    assert run.returncode == 1

    def same(text: str) -> str:  # the token's mask and expiry differ per token
        text = re.sub(r"eyJh…\S{3}", "eyJh…***", text)
        return re.sub(r"expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ \(in \d min\)", "expires …", text)

    example = block("example", "scopes-token")
    tail = run.stdout.splitlines(keepends=True)[-len(example.splitlines()):]
    assert same("".join(tail)) == same(example)


def test_shared_credentials_example(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "orders-sync/pyproject.toml": "[project]\nname = 'orders-sync'\n",
        "stock-sync/pyproject.toml": "[project]\nname = 'stock-sync'\n",
        ".env": f"BOL_CLIENT_SECRET={SECRET}\n",
        "orders-sync/.env": f"# orders-sync settings\nBOL_CLIENT_SECRET={SECRET}\n",
        "stock-sync/.env": f"# stock-sync settings\nLOG_LEVEL=info\nBOL_CLIENT_SECRET={SECRET}\n",
        "docker-compose.yml": (
            "# Both sync services read the same secret from .env: one set of credentials for two apps.\n"
            "services:\n  orders:\n    build: ./orders-sync\n    environment:\n"
            "      BOL_CLIENT_SECRET: ${BOL_CLIENT_SECRET}\n"
            "  stock:\n    build: ./stock-sync\n    env_file: ./stock-sync/.env\n    environment:\n"
            "      BOL_CLIENT_SECRET: ${BOL_CLIENT_SECRET}\n"
        ),
    })
    command = "bolaudit check --select BOL103"
    run = bolaudit(tmp_path, *shlex.split(command)[1:])
    assert run.returncode == 1 and shown(command, run) == block("example", "shared-credentials")


def test_verify_credentials_example(tmp_path: Path, token_server: TokenServer) -> None:

    write_tree(tmp_path, {"config/bol.yaml": f'bol:\n  client_id: {CLIENT_ID}\n  client_secret: "{CLIENT_SECRET}"\n'})
    command = "bolaudit check --verify-credentials --select BOL101"
    # bol's token service stands in on loopback (--token-url, which the README leaves at bol's).
    run = bolaudit(tmp_path, *shlex.split(command)[1:], "--token-url", token_server.token_url)
    assert run.returncode == 1 and shown(command, run) == block("example", "verify-credentials")


# -- snippets -----------------------------------------------------------------------------------


def repository_urls() -> set[str]:
    return set(re.findall(r"https://example\.invalid/[\w./-]*|" + re.escape(REPOSITORY_URL) + r"[\w./-]*", README))


def test_one_repository_url_everywhere() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["urls"]["Repository"] == REPOSITORY_URL
    for url in repository_urls():
        assert url == REPOSITORY_URL or url.startswith(REPOSITORY_URL + "@"), url


def install_line(snippet: str) -> tuple[str, str]:
    """The snippet's pip install: (the requirement, the rev it names)."""
    (requirement,) = re.findall(r'pip install "(bolaudit @ git\+[^"]+)"', snippet)
    url, rev = requirement.removeprefix("bolaudit @ git+").rsplit("@", 1)
    assert url == REPOSITORY_URL
    return requirement, rev


def existing_rev(rev: str) -> None:
    """``rev`` names a tag or a commit of this repository."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: the tags are not here to check")
    shallow = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--is-shallow-repository"],
                             capture_output=True, text=True).stdout.strip() == "true"
    tags = subprocess.run(["git", "-C", str(REPO), "tag", "--list"], capture_output=True, text=True).stdout.split()
    if rev.startswith("v") and (shallow or not tags):
        pytest.skip("a shallow or tagless clone (as some CI checkouts are): the tag cannot be looked up here")
    found = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                           capture_output=True, text=True)
    assert found.returncode == 0, f"the README's rev {rev} is neither a tag nor a commit of this repository"
    assert rev.startswith("v") or re.fullmatch(r"[0-9a-f]{40}", rev), "a tag, or a commit's full sha"


def leaky_repository(root: Path) -> Path:
    write_tree(root, {"shop/settings.py": f'BOL_CLIENT_SECRET = "{SECRET}"\n',
                      "pyproject.toml": '[project]\nname = "shop"\n'})
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "init")
    return root


def run_steps(commands: list[str], cwd: Path, env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    """Each command as a CI step runs it: bash, in the checkout, with bolaudit on PATH."""
    bin_dir = str(Path(sys.executable).parent)
    environ = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"], "NO_COLOR": "1", **env}
    environ.pop("BOLAUDIT_DEBUG", None)
    return [subprocess.run(["bash", "-e", "-c", command], cwd=cwd, env=environ, capture_output=True,
                           text=True, timeout=300) for command in commands]


def test_github_actions_snippet(tmp_path: Path, sarif_validator: Any) -> None:
    workflow = yaml.safe_load(block("snippet", "github-actions"))
    assert workflow["permissions"]["security-events"] == "write"
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert not any("continue-on-error" in step for step in steps)
    runs = [step["run"] for step in steps if "run" in step]
    install, *commands = runs
    existing_rev(install_line(install)[1])
    sarif_step = next(c for c in commands if "--format sarif" in c)
    assert "--exit-zero" in sarif_step
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert f"--output-file {upload['with']['sarif_file']}" in sarif_step

    checkout = leaky_repository(tmp_path / "checkout")
    summary = tmp_path / "step-summary.md"
    sarif_run, summary_run = run_steps(commands, checkout, {"GITHUB_STEP_SUMMARY": str(summary)})
    assert sarif_run.returncode == 0, sarif_run.stderr  # the upload step runs
    log = json.loads((checkout / upload["with"]["sarif_file"]).read_text(encoding="utf-8"))
    assert not list(sarif_validator.iter_errors(log))
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]] == [
        "shop/settings.py"]
    assert summary_run.returncode == 1  # the verdict: the job fails on findings
    assert summary.read_text(encoding="utf-8").startswith("## bolaudit: 1 finding in 1 file\n")


def test_gitlab_ci_snippet(tmp_path: Path) -> None:
    from test_formats import GITLAB_SCHEMA
    import jsonschema

    job = yaml.safe_load(block("snippet", "gitlab-ci"))["bolaudit"]
    install, *commands = job["script"]
    existing_rev(install_line(install)[1])
    report = job["artifacts"]["reports"]["codequality"]
    assert job["artifacts"]["when"] == "always"
    quality = next(c for c in commands if "--format gitlab" in c)
    assert "--exit-zero" in quality and f"--output-file {report}" in quality
    checkout = leaky_repository(tmp_path / "checkout")
    quality_run, gate = run_steps(commands, checkout, {})
    assert quality_run.returncode == 0 and gate.returncode == 1
    issues = json.loads((checkout / report).read_text(encoding="utf-8"))
    jsonschema.validate(issues, GITLAB_SCHEMA)
    assert [i["location"]["path"] for i in issues] == ["shop/settings.py"]


def test_pre_commit_snippet_names_a_rev_that_exists() -> None:
    config = yaml.safe_load(block("snippet", "pre-commit"))
    (entry,) = config["repos"]
    assert entry["repo"] == REPOSITORY_URL
    existing_rev(entry["rev"])
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in entry["hooks"]] == [h["id"] for h in hooks]


@pytest.mark.slow
def test_pre_commit_snippet_runs_at_its_rev(tmp_path: Path) -> None:
    """pre-commit clones the repository at the snippet's rev (this checkout standing in for the
    URL) and runs the hook from it: a leaked secret fails the commit."""
    config = yaml.safe_load(block("snippet", "pre-commit"))
    existing_rev(config["repos"][0]["rev"])
    config["repos"][0]["repo"] = str(REPO)
    work = leaky_repository(tmp_path / "work")
    (work / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PIP_NO_INDEX": "1",
           "PIP_NO_BUILD_ISOLATION": "0",  # pip reads "0" here as: build without isolation
           "PYTHONPATH": os.pathsep.join(sorted(paths)), "NO_COLOR": "1"}
    env.pop("BOLAUDIT_DEBUG", None)
    run = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=work, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "shop/settings.py:1:21: BOL101" in run.stdout and SECRET not in run.stdout


@pytest.mark.slow
def test_install_from_the_repository_url_at_the_rev(tmp_path: Path) -> None:
    """The snippets' pip install, with this checkout standing in for the repository's URL."""
    requirement, rev = install_line(block("snippet", "github-actions"))
    existing_rev(rev)
    local = requirement.replace(REPOSITORY_URL, "file://localhost" + REPO.as_posix())  # pip 23 wants a host
    target = tmp_path / "site"
    started = time.time()
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                           "--no-build-isolation", "--target", str(target), local],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert (target / "bolaudit" / "cli.py").is_file() and time.time() - started < 600
    # -S: without site-packages, where this checkout's editable install would answer instead.
    version = subprocess.run([sys.executable, "-S", "-c", "import bolaudit; print(bolaudit.__file__)"],
                             env={**os.environ, "PYTHONPATH": str(target)}, cwd=tmp_path,
                             capture_output=True, text=True)
    assert version.stdout.startswith(str(target))
