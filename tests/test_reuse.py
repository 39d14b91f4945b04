"""Whole-run reuse: an unchanged tree reuses the last result without listing or reading it, and
every kind of change that could alter the result makes the next run a real one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bolaudit.config import Config
from bolaudit.pipeline.engine import RunResult, run
from conftest import age, git, write_tree

SECRET = "Pq3!xT7@vB2-kN9+zR4(mW6)yH1?cJ8_dF5eL0gS3aU7iO2nK4tV9wX1rQ6bM8zD"
LEAK = f"BOL_CLIENT_SECRET = '{SECRET}'\n"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def audit(root: Path, **settings: object) -> RunResult:
    """A run with the cache beside the tree (creating it inside would touch the tree)."""
    settings.setdefault("cache_dir", root.parent / "cache")
    return run([root], Config(root=root, jobs=1, **settings), debug=True)  # type: ignore[arg-type]


def codes(result: RunResult) -> list[tuple[str, str]]:
    return sorted((f.path, f.code) for f in result.findings)


def reused_then(root: Path, change: object) -> RunResult:
    """Record a run, check that an unchanged tree reuses it, apply ``change``, run again."""
    age(root)
    first = audit(root)
    second = audit(root)
    assert not first.reused and second.reused
    assert codes(second) == codes(first)
    assert callable(change)
    change()
    return audit(root)


def test_a_reused_run_still_gives_the_project_and_the_files(tree: Path) -> None:
    write_tree(tree, {"settings.py": LEAK, "other.py": "x = 1\n"})
    age(tree)
    first, second = audit(tree), audit(tree)
    assert second.reused and second.findings == first.findings
    assert second.files_seen == first.files_seen and second.problems == first.problems
    assert second.project is not None and "settings.py" in second.project.modules  # type: ignore[attr-defined]
    assert second.texts["settings.py"] == LEAK.encode()


def test_an_edit_that_keeps_the_size_is_seen(tree: Path) -> None:
    write_tree(tree, {"settings.py": LEAK})
    fixed = "BOL_CLIENT_SECRET = os.environ['X']\n"
    fixed = fixed.ljust(len(LEAK) - 1) + "\n"
    assert len(fixed) == len(LEAK)
    third = reused_then(tree, lambda: write_tree(tree, {"settings.py": fixed}))
    assert not third.reused and codes(third) == []


def test_a_new_file_in_a_folder_of_ignored_files_is_seen(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_tree(repo, {".gitignore": "*.log\n", "logs/today.log": "x\n", "app.py": "x = 1\n"})
    git(repo, "init", "-q")
    third = reused_then(repo, lambda: write_tree(repo, {"logs/leak.py": LEAK}))
    assert not third.reused and codes(third) == [("logs/leak.py", "BOL101")]


def test_an_edited_gitignore_is_seen(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_tree(repo, {".gitignore": "local_settings.py\n", "local_settings.py": LEAK, "app.py": "x = 1\n"})
    git(repo, "init", "-q")
    third = reused_then(repo, lambda: write_tree(repo, {".gitignore": "*.log\n"}))
    assert not third.reused and codes(third) == [("local_settings.py", "BOL101")]


def test_a_file_git_add_forces_in_is_seen(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_tree(repo, {".gitignore": "local_settings.py\n", "local_settings.py": LEAK, "app.py": "x = 1\n"})
    git(repo, "init", "-q")
    third = reused_then(repo, lambda: git(repo, "add", "-f", "local_settings.py"))
    assert not third.reused and codes(third) == [("local_settings.py", "BOL101")]


def test_a_deleted_file_and_a_new_folder_outside_git_are_seen(tree: Path) -> None:
    write_tree(tree, {"shop/settings.py": LEAK, "shop/other.py": "x = 1\n"})
    third = reused_then(tree, lambda: (tree / "shop/settings.py").unlink())
    assert not third.reused and codes(third) == []
    fourth = reused_then(tree, lambda: write_tree(tree, {"shop/deep/er/leak.py": LEAK}))
    assert not fourth.reused and codes(fourth) == [("shop/deep/er/leak.py", "BOL101")]


def test_other_settings_are_another_run(tree: Path) -> None:
    write_tree(tree, {"settings.py": LEAK})
    age(tree)
    audit(tree)
    assert audit(tree).reused
    other = audit(tree, select=("BOL2",))
    assert not other.reused and other.findings == []


def test_a_file_changed_just_before_the_run_is_not_trusted(tree: Path) -> None:
    """Within the racy window a second edit could keep size and mtime: no record is kept."""
    write_tree(tree, {"settings.py": LEAK})
    audit(tree)
    assert not audit(tree).reused
    age(tree)
    audit(tree)
    assert audit(tree).reused


def test_the_cache_inside_the_tree_is_reused_from_the_second_run_on(tree: Path) -> None:
    """Making .bolaudit_cache/ changes the tree's folder during the first run: that run keeps no
    record; the next one does."""
    write_tree(tree, {"settings.py": LEAK})
    age(tree)
    config = Config(root=tree, jobs=1)
    assert not run([tree], config, debug=True).reused
    age(tree)
    assert not run([tree], config, debug=True).reused
    assert run([tree], config, debug=True).reused
    assert (tree / ".bolaudit_cache" / ".gitignore").is_file()


def test_files_named_one_by_one_are_never_reused(tree: Path) -> None:
    write_tree(tree, {"settings.py": LEAK})
    age(tree)
    named = [tree / "settings.py"]
    config = Config(root=tree, jobs=1)
    assert not run(named, config, debug=True).reused
    assert not run(named, config, debug=True).reused


def test_a_broken_record_is_ignored(tree: Path) -> None:
    write_tree(tree, {"settings.py": LEAK})
    age(tree)
    audit(tree)
    records = list((tree.parent / "cache").rglob("last_run.json"))
    assert records
    for record in records:
        record.write_bytes(b"not JSON")
    again = audit(tree)
    assert not again.reused and codes(again) == [("settings.py", "BOL101")]


# -- never stale: whatever changes, a run with the cache gives what a run without it gives --------

FILES = ["app.py", "shop/settings.py", "shop/client.py", "logs/today.log", "docs/notes.md"]
CONTENTS = [
    LEAK,
    "x = 1\n",
    "y = 2\n",  # the same size as the line above: only the mtime tells them apart
    "import requests\n\nrequests.get('https://api.bol.com/retailer/orders')\n",
    f"client_secret: {SECRET}\n",
]
Change = tuple[str, int, int]  # (kind, file index, content index)


def apply_change(root: Path, change: Change) -> None:
    kind, f, c = change
    path = root / FILES[f]
    if kind == "write":
        write_tree(root, {FILES[f]: CONTENTS[c]})
    elif kind == "delete":
        path.unlink(missing_ok=True)
    elif kind == "ignore":
        write_tree(root, {".gitignore": "*.log\n" + ("shop/\n" if c % 2 else "")})
    elif kind == "touch" and path.exists():
        os.utime(path)


changes = st.tuples(
    st.sampled_from(["write", "delete", "ignore", "touch"]),
    st.integers(0, len(FILES) - 1),
    st.integers(0, len(CONTENTS) - 1),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.lists(st.tuples(st.integers(0, len(FILES) - 1), st.integers(0, len(CONTENTS) - 1)), max_size=5),
       steps=st.lists(st.lists(changes, min_size=1, max_size=3), min_size=1, max_size=3))
def test_a_cached_run_never_differs_from_a_fresh_one(
    tmp_path_factory: pytest.TempPathFactory, start: list[tuple[int, int]], steps: list[list[Change]]
) -> None:
    base = tmp_path_factory.mktemp("tree")
    root = base / "repo"
    write_tree(root, {FILES[f]: CONTENTS[c] for f, c in start} or {"app.py": "x = 1\n"})
    git(root, "init", "-q")
    cached = Config(root=root, jobs=1, cache_dir=base / "cache")
    fresh = Config(root=root, jobs=1, use_cache=False)
    for batch in steps:
        age(root)
        run([root], cached, debug=True)  # records the tree as it is
        for change in batch:
            apply_change(root, change)
        got, want = run([root], cached, debug=True), run([root], fresh, debug=True)
        assert codes(got) == codes(want)
        assert sorted(p.path for p in got.problems) == sorted(p.path for p in want.problems)


def test_a_cache_folder_named_relative_to_the_current_folder_is_left_out_of_the_snapshot(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writing the cache changes its folders; were they watched, no run would ever be reused."""
    write_tree(tree, {"settings.py": LEAK})
    monkeypatch.chdir(tree)
    config = Config(root=tree, jobs=1, cache_dir=Path("build-cache"))
    run([tree], config, debug=True)  # makes build-cache/ inside the tree
    age(tree)
    assert not run([tree], config, debug=True).reused
    assert run([tree], config, debug=True).reused


def test_a_gitignore_above_the_audited_folder_is_watched(tree: Path) -> None:
    """``bolaudit check shop/`` outside git honours the root's ``.gitignore`` too; a new one there
    changes what is listed."""
    write_tree(tree, {"shop/local_settings.py": LEAK, "shop/app.py": "x = 1\n"})
    age(tree)
    config = Config(root=tree, jobs=1, cache_dir=tree.parent / "cache")
    first = run([tree / "shop"], config, debug=True)
    assert run([tree / "shop"], config, debug=True).reused
    write_tree(tree, {".gitignore": "local_settings.py\n"})
    after = run([tree / "shop"], config, debug=True)
    assert codes(first) == [("shop/local_settings.py", "BOL101")]
    assert not after.reused and codes(after) == []


def test_a_cache_that_cannot_be_written_costs_only_speed(tree: Path) -> None:
    """A read-only checkout, or a cache path under a file: no cache, no record, no error."""
    write_tree(tree, {"settings.py": LEAK})
    blocker = tree.parent / "not-a-folder"
    blocker.write_text("x\n")
    age(tree)
    config = Config(root=tree, jobs=1, cache_dir=blocker / "cache")
    first, second = run([tree], config, debug=True), run([tree], config, debug=True)
    assert codes(first) == codes(second) == [("settings.py", "BOL101")]
    assert not second.reused and first.problems == second.problems == []
