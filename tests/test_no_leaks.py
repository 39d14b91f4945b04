"""No output, cache or baseline may hold a fixture secret in full, whatever the format."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

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


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_format_prints_a_secret(project: Path, fmt: str) -> None:
    proc = _run(project, "check", "--format", fmt, "--statistics")
    assert proc.returncode == 1, proc.stderr.decode()
    out = proc.stdout + proc.stderr
    assert b"BOL101" in out
    for secret in SECRETS:
        for form in _forms(secret):
            assert form.encode() not in out, f"{fmt} output holds a secret in full"


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
    from bolaudit.filestage import internal_problem

    problem = internal_problem("settings.py", KeyError(f"unexpected literal {SECRETS[0]!r}"))
    assert SECRETS[0] not in problem.message
    assert "bolaudit bug" in problem.message
