"""The cache folder comes from the audited repository (``cache-dir``, or its ``.bolaudit_cache``):
one that git tracks, that is or lies under a symlink, or that holds audited files is refused with a
one-line notice, and the run goes on without a cache, auditing that folder like any other. Nothing
in it ever runs code: the pickles of earlier versions are never read."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from bolaudit.pipeline.cache import Cache, project_folder
from bolaudit.config import Config
from bolaudit.pipeline.engine import run
from bolaudit.facts import ModuleFacts
from bolaudit.pipeline.filestage import FileResult
from bolaudit.findings import ProblemKind
from conftest import git, write_tree

SECRET = "Pq3!xT7@vB2-kN9+zR4(mW6)yH1?cJ8_dF5eL0gS3aU7iO2nK4tV9wX1rQ6bM8zD"
LEAK = f"BOL_CLIENT_SECRET = '{SECRET}'\n"
NOTICE = "not used as the cache folder"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("BOLAUDIT_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "bolaudit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def project(root: Path, cache_dir: str | None, files: dict[str, str], *, in_git: bool) -> Path:
    table = f"[tool.bolaudit]\ncache-dir = {json.dumps(cache_dir)}\n" if cache_dir is not None else ""
    write_tree(root, {"pyproject.toml": "[project]\nname = 'shop'\n" + table, **files})
    if in_git:
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "shop")
    return root


def notices(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stderr.splitlines() if NOTICE in line]


@pytest.mark.parametrize("in_git", [True, False], ids=["git", "walk"])
def test_a_cache_dir_of_sources_is_refused_and_audited(tmp_path: Path, in_git: bool) -> None:
    """``cache-dir = "src"`` neither hides src/ from the audit nor gets a ``*`` .gitignore."""
    root = project(tmp_path / "shop", "src", {"src/settings.py": LEAK, "src/app.py": "x = 1\n"}, in_git=in_git)
    proc = cli(root, "check", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert [f["path"] for f in json.loads(proc.stdout)["findings"]] == ["src/settings.py"]
    (line,) = notices(proc)
    assert line.startswith("src: cache: ") and "holds files bolaudit did not write" in line
    assert {"kind": "cache", "path": "src", "message": line.removeprefix("src: cache: ")} in json.loads(proc.stdout)["problems"]
    assert sorted(p.name for p in (root / "src").iterdir()) == ["app.py", "settings.py"]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("cache_dir", [".", ".."])
def test_a_cache_dir_that_holds_the_project_is_refused(tmp_path: Path, cache_dir: str) -> None:
    root = project(tmp_path / "shop", cache_dir, {"settings.py": LEAK}, in_git=False)
    proc = cli(root, "check")
    assert proc.returncode == 1 and "settings.py" in proc.stdout
    (line,) = notices(proc)
    assert "it holds the files being audited" in line
    assert "not fully audited" not in proc.stdout  # a notice about the cache, not a file left out
    assert not (root / ".gitignore").exists() and not (tmp_path / ".gitignore").exists()


def test_a_committed_cache_is_refused(tmp_path: Path) -> None:
    """A pull request commits a well-formed cache whose entry for the leaking file, under that
    file's own content key, says it holds nothing. Untracked (this machine's own cache) it would
    be used; tracked, it is refused and the secret is found."""
    root = project(tmp_path / "shop", None, {"settings.py": LEAK, "app.py": "x = 1\n"}, in_git=True)
    config = Config(root=root, jobs=1)
    assert [f.code for f in run([root], config, debug=True).findings] == ["BOL101"]
    cache_dir = root / ".bolaudit_cache"
    crafted = Cache(cache_dir, root)
    crafted.put("settings.py", crafted.keys["settings.py"], FileResult(ModuleFacts("settings.py", "settings")))
    assert crafted.save()
    (project_folder(cache_dir, root) / "last_run.json").unlink(missing_ok=True)
    assert run([root], config, debug=True).findings == []  # the control: a well-formed entry is used
    git(root, "add", "-f", ".bolaudit_cache")
    git(root, "commit", "-qm", "a cache")
    result = run([root], config, debug=True)
    assert [f.code for f in result.findings] == ["BOL101"]
    assert [(p.kind, p.path) for p in result.problems] == [(ProblemKind.CACHE, ".bolaudit_cache")]
    assert "git tracks files in it" in result.problems[0].message


def test_a_committed_symlink_as_the_cache_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    root = project(tmp_path / "shop", None, {"settings.py": LEAK}, in_git=False)
    (root / ".bolaudit_cache").symlink_to(outside)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "a link")
    proc = cli(root, "check")
    assert proc.returncode == 1 and "BOL101" in proc.stdout
    (line,) = notices(proc)
    assert line.startswith(".bolaudit_cache: cache: ") and "it is a symbolic link" in line
    assert list(outside.iterdir()) == []  # no .gitignore of "*", no results written there


def test_a_cache_folder_under_a_symlink_inside_the_project_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    root = project(tmp_path / "shop", "build/cache", {"settings.py": LEAK}, in_git=False)
    (root / "build").symlink_to(outside)
    proc = cli(root, "check")
    assert proc.returncode == 1
    (line,) = notices(proc)
    assert "it lies under a symbolic link inside the project (build)" in line
    assert list(outside.iterdir()) == []


def test_a_symlink_outside_the_project_on_the_way_is_fine(tmp_path: Path) -> None:
    """The user's own ``--cache-dir`` through a link of theirs (``~/cache -> /scratch``)."""
    real = tmp_path / "scratch"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    root = project(tmp_path / "shop", None, {"settings.py": LEAK}, in_git=False)
    proc = cli(root, "check", "--cache-dir", str(tmp_path / "link" / "cache"))
    assert proc.returncode == 1 and notices(proc) == []
    assert list((real / "cache").rglob("results.json"))


@pytest.mark.parametrize("value", ["cache\\u0000dir", "cache\\u001b[2Jdir", "cache\\ndir"])
def test_a_cache_dir_with_control_characters_is_a_clear_error(tmp_path: Path, value: str) -> None:
    root = tmp_path / "shop"
    write_tree(root, {"pyproject.toml": f'[tool.bolaudit]\ncache-dir = "{value}"\n', "settings.py": LEAK})
    proc = cli(root, "check")
    assert proc.returncode == 2
    assert "cache-dir: expected a path without NUL or other control characters" in proc.stderr
    assert "Traceback" not in proc.stderr and "\x1b" not in proc.stderr


class _Planted:
    """Unpickling this creates ``marker``: what a crafted pickle could do, harmlessly."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def test_a_crafted_pickle_in_the_cache_never_runs(tmp_path: Path) -> None:
    """The pickles earlier versions read, and pickle bytes under the new names: none is loaded."""
    from bolaudit.pipeline.cache import CACHE_GITIGNORE

    root = project(tmp_path / "shop", None, {"settings.py": LEAK}, in_git=False)
    marker = tmp_path / "ran"
    planted = pickle.dumps(_Planted(marker))
    cache_dir = root / ".bolaudit_cache"
    write_tree(cache_dir, {".gitignore": CACHE_GITIGNORE, "v0.1.0/results.pickle": planted,
                           "v0.1.0/last_run.pickle": planted})
    inner = project_folder(cache_dir, root).relative_to(cache_dir).as_posix()
    write_tree(cache_dir, {f"{inner}/results.json": planted, f"{inner}/last_run.json": planted})
    for args in (["check"], ["check", "settings.py"], ["scopes"]):
        proc = cli(root, *args)
        assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
        assert notices(proc) == []
    assert not marker.exists()
    assert not (cache_dir / "v0.1.0" / "results.pickle").exists()
    assert (project_folder(cache_dir, root) / "results.json").read_bytes().startswith(b'{"bolaudit":"results"')
