"""The pre-commit hook, for real: `pre-commit try-repo` builds the hook from this repository and
runs it on a temporary git repository, as a user's pre-commit would.

No network: pip inside pre-commit's hook environment gets `--no-index`, and sees the packages of
the interpreter running the tests through PYTHONPATH, so it builds bolaudit from this checkout
and finds its dependencies already installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SECRET = "Q7!v(Xk2@pL9-zR+_aM4)tY8?wN3eB6uJ1cH5gD0fS2kV7xZ9qW4rT8yU3iO6pA1"
CLIENT_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"

pytestmark = pytest.mark.slow


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd, check=True, capture_output=True,
    )


def _try_repo(work: Path, home: Path) -> subprocess.CompletedProcess[str]:
    paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",
        "PYTHONPATH": os.pathsep.join(sorted(paths)),
        "NO_COLOR": "1",
    }
    env.pop("BOLAUDIT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "bolaudit", "--all-files"],
        cwd=work, env=env, capture_output=True, text=True, timeout=600,
    )


@pytest.fixture(scope="module")
def precommit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One hook environment for the module: building it is the slow part.
    return tmp_path_factory.mktemp("pre-commit-home")


def test_hook_blocks_a_leaked_secret(tmp_path: Path, precommit_home: Path) -> None:
    work = tmp_path / "shop"
    work.mkdir()
    (work / ".env").write_text(f"BOL_CLIENT_ID={CLIENT_ID}\nBOL_CLIENT_SECRET={SECRET}\n")
    (work / "sync.py").write_text("import os\n\nCLIENT_SECRET = os.environ['BOL_CLIENT_SECRET']\n")
    _git(work, "init", "-q")
    _git(work, "add", ".")
    _git(work, "commit", "-qm", "init")

    proc = _try_repo(work, precommit_home)

    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "bolaudit" in output and "Failed" in output
    assert ".env:2:" in output and "BOL101" in output
    assert SECRET not in output, "the hook printed the secret in full"


def test_hook_passes_a_clean_repository(tmp_path: Path, precommit_home: Path) -> None:
    work = tmp_path / "clean"
    work.mkdir()
    (work / "sync.py").write_text(
        "import os\n\nBOL_CLIENT_SECRET = os.environ['BOL_CLIENT_SECRET']\n"
    )
    (work / "README.md").write_text("Set BOL_CLIENT_ID and BOL_CLIENT_SECRET in the environment.\n")
    _git(work, "init", "-q")
    _git(work, "add", ".")
    _git(work, "commit", "-qm", "init")

    proc = _try_repo(work, precommit_home)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


def test_hook_keeps_what_the_config_excludes_excluded(tmp_path: Path, precommit_home: Path) -> None:
    """pre-commit names every file, and a named file is audited unless --force-exclude: the hook
    passes it, so the project's excluded fixtures stay excluded, as in CI."""
    work = tmp_path / "fixtures-repo"
    work.mkdir()
    (work / "pyproject.toml").write_text('[project]\nname = "shop"\n\n[tool.bolaudit]\nexclude = ["tests/fixtures/"]\n')
    (work / "tests" / "fixtures").mkdir(parents=True)
    (work / "tests" / "fixtures" / "leak.env").write_text(f"BOL_CLIENT_SECRET={SECRET}\n")
    (work / "sync.py").write_text("import os\n\nBOL_CLIENT_SECRET = os.environ['BOL_CLIENT_SECRET']\n")
    _git(work, "init", "-q")
    _git(work, "add", ".")
    _git(work, "commit", "-qm", "init")

    proc = _try_repo(work, precommit_home)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout and "BOL101" not in proc.stdout
