"""`bolaudit check` from the command line: exit codes, config errors, cache, baseline, big trees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import write_tree

SECRET = "Pq3!xT7@vB2-kN9+zR4(mW6)yH1?cJ8_dF5eL0gS3aU7iO2nK4tV9wX1rQ6bM8zD"
LEAK = {".env": f"BOL_CLIENT_SECRET={SECRET}\n"}


def bolaudit(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full.pop("BOLAUDIT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "bolaudit.cli", *args], cwd=cwd, env=full, capture_output=True, text=True
    )


def test_exit_codes(tree: Path) -> None:
    write_tree(tree, {"app.py": "import os\nSECRET = os.environ['BOL_CLIENT_SECRET']\n"})
    clean = bolaudit(tree, "check")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "No findings" in clean.stdout
    write_tree(tree, LEAK)
    dirty = bolaudit(tree, "check")
    assert dirty.returncode == 1
    assert dirty.stdout.startswith(".env:1:19: BOL101 ")
    assert bolaudit(tree, "check", "--exit-zero").returncode == 0
    assert bolaudit(tree, "check", "--select", "BOL3").returncode == 0
    assert bolaudit(tree, "check", "--ignore", "BOL101").returncode == 0


def test_usage_and_config_errors_exit_2_naming_file_and_key(tree: Path) -> None:
    assert bolaudit(tree, "check", "--format", "xml").returncode == 2
    (tree / "pyproject.toml").write_text("[tool.bolaudit]\njobs = 'two'\nselekt = ['BOL1']\n")
    proc = bolaudit(tree, "check")
    assert proc.returncode == 2
    assert "pyproject.toml" in proc.stderr and ("jobs" in proc.stderr or "selekt" in proc.stderr)
    assert "Traceback" not in proc.stderr


def test_cache_never_changes_results(tree: Path) -> None:
    write_tree(
        tree,
        {
            **LEAK,
            "shop/__init__.py": "",
            "shop/config.py": "BASE = 'https://api.bol.com/retailer'\n",
            "shop/client.py": (
                "import requests\nfrom shop.config import BASE\n\n"
                "def orders():\n    return requests.get(BASE + '/orders', headers={'Accept': 'application/json'})\n"
            ),
        },
    )
    cold = bolaudit(tree, "check", "--format", "json")
    assert (tree / ".bolaudit_cache" / ".gitignore").is_file()
    warm = bolaudit(tree, "check", "--format", "json")
    uncached = bolaudit(tree, "check", "--format", "json", "--no-cache")
    assert json.loads(cold.stdout) == json.loads(warm.stdout) == json.loads(uncached.stdout)
    assert cold.returncode == warm.returncode == 1


def test_parallel_workers_give_the_same_findings(tree: Path) -> None:
    files = {f"pkg/mod{i}.py": f"BOL_CLIENT_SECRET = '{SECRET}'\n" for i in range(20)}
    write_tree(tree, files)
    one = bolaudit(tree, "check", "--format", "json", "--no-cache", "--jobs", "1")
    two = bolaudit(tree, "check", "--format", "json", "--no-cache", "--jobs", "2")
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert len(json.loads(one.stdout)["findings"]) == 20


def test_baseline_hides_accepted_findings_until_they_change(tree: Path) -> None:
    write_tree(tree, {"settings.py": f"X = 1\nBOL_CLIENT_SECRET = '{SECRET}'\n"})
    assert bolaudit(tree, "check", "--write-baseline", "bl.json").returncode == 0
    assert SECRET not in (tree / "bl.json").read_text()
    assert bolaudit(tree, "check", "--baseline", "bl.json").returncode == 0
    # Lines move: still hidden.
    write_tree(tree, {"settings.py": f"X = 1\n\n\nY = 2\nBOL_CLIENT_SECRET = '{SECRET}'\n"})
    assert bolaudit(tree, "check", "--baseline", "bl.json").returncode == 0
    # The secret changes: raised again.
    other = SECRET[::-1]
    write_tree(tree, {"settings.py": f"BOL_CLIENT_SECRET = '{other}'\n"})
    proc = bolaudit(tree, "check", "--baseline", "bl.json")
    assert proc.returncode == 1 and "BOL101" in proc.stdout


def test_big_messy_tree_finishes_without_a_traceback(tree: Path) -> None:
    """Thousands of unrelated files, a syntax error, a binary, a Latin-1 file and a 5 MB file."""
    files: dict[str, str | bytes] = {
        f"lib/pkg{i // 100}/mod{i}.py": f"def f{i}(x):\n    return x * {i}\n" for i in range(3000)
    }
    files.update(
        {
            "lib/broken_bol.py": "import requests\nBOL = 'https://api.bol.com/retailer'\ndef f(:\n",
            "assets/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
            "lib/legacy.py": "# old module\nNAME = 'caf\xe9'\n".encode("latin-1"),
            "lib/declared.py": "# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n".encode("latin-1"),
            "data/huge.py": "X = 1\n" * 900_000,
            **LEAK,
        }
    )
    write_tree(tree, files)
    proc = bolaudit(tree, "check", "--format", "json")
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    by_code = {(f["code"], f["path"]) for f in report["findings"]}
    assert ("BOL000", "lib/broken_bol.py") in by_code
    assert ("BOL000", "lib/legacy.py") in by_code  # not UTF-8 and no declaration
    assert ("BOL101", ".env") in by_code
    assert not any(path == "lib/declared.py" for _, path in by_code)
    kinds = {(p["kind"], p["path"]) for p in report["problems"]}
    assert ("skipped-large", "data/huge.py") in kinds


def test_named_files_are_reported_alone_with_their_imports_as_context(tree: Path) -> None:
    """pre-commit names the staged files: only they are reported, their imports only read."""
    write_tree(
        tree,
        {
            "shop/__init__.py": "",
            "shop/settings.py": f"BOL_CLIENT_SECRET = '{SECRET}'\nBASE = 'https://api.bol.com/retailer'\n",
            "shop/sync.py": "from shop.settings import BASE\n\nURL = BASE + '/orders'\n",
        },
    )
    assert bolaudit(tree, "check", "shop/sync.py").returncode == 0
    proc = bolaudit(tree, "check", "shop/settings.py", "shop/sync.py")
    assert proc.returncode == 1 and proc.stdout.startswith("shop/settings.py:1:")

    from bolaudit.config import Config
    from bolaudit.pipeline.engine import run

    result = run([tree / "shop/sync.py"], Config(root=tree, use_cache=False), debug=True)
    assert "shop/settings.py" in result.project.modules  # type: ignore[attr-defined]


def test_bolaudit_audits_its_own_repository_clean() -> None:
    """Dogfood: the repository's own [tool.bolaudit] keeps deliberate fixtures out, nothing else."""
    repo = Path(__file__).resolve().parents[1]
    proc = bolaudit(repo, "check", "--no-cache", "--format", "json")
    assert proc.returncode == 0, proc.stdout[:2000] + proc.stderr[:2000]


def test_a_worker_that_dies_costs_one_file_not_the_run(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A native crash (LibCST's parser has segfaulted on input CPython accepts) kills a worker;
    the file that did it becomes a BOL000 and every other file is still audited."""
    import bolaudit.pipeline.engine as engine
    import bolaudit.pipeline.filestage as filestage
    import bolaudit.pipeline.workers as workers
    from bolaudit.config import Config

    real = filestage.analyze

    def crashing(job: workers.FileJob) -> workers.FileResult:
        if job.rel == "pkg/crash.py":
            os._exit(139)  # what a SIGSEGV in native code looks like to the pool
        return real(job)

    monkeypatch.setattr(filestage, "analyze", crashing)
    # A tree this small is analysed in-process (no pool under POOL_BYTES); the pool is what keeps
    # a native crash to one file, so this test makes the pool run.
    monkeypatch.setattr(workers, "POOL_BYTES", 0)
    files = {f"pkg/mod{i}.py": f"BOL_CLIENT_SECRET = '{SECRET}'\n" for i in range(12)}
    files["pkg/crash.py"] = "BOL_URL = 'https://api.bol.com/retailer'\n"
    write_tree(tree, files)
    result = engine.run([tree], Config(root=tree, jobs=2, use_cache=False))
    codes = sorted((f.path, f.code) for f in result.findings)
    assert ("pkg/crash.py", "BOL000") in codes
    assert sum(1 for _, code in codes if code == "BOL101") == 12
