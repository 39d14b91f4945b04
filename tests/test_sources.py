"""Sources: which files an audit reads (git-aware, .gitignore, excludes, size cap) and decoding."""

from __future__ import annotations

import codecs
import json
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bolaudit.config import CommandLine, Config
from bolaudit.extract.decoding import Decoded, DecodeFailure
from bolaudit.findings import Problem, ProblemKind
from bolaudit.pipeline.sources import (
    SourceFile,
    decode,
    decode_for,
    discover,
    read_bytes,
    read_source,
)

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git config (a global excludes file would change what git lists)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def write(path: Path, content: str | bytes = "x = 1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def git(repo: Path, *args: str) -> None:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
    subprocess.run(["git", *identity, *args], cwd=repo, check=True, capture_output=True)


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    return path.resolve()


def commit_all(repo: Path) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "files")


def rels(paths: list[Path], config: Config) -> list[str]:
    files, _ = discover(paths, config)
    return [f.rel for f in files]


def problems_of(paths: list[Path], config: Config) -> dict[str, tuple[ProblemKind, str]]:
    _, problems = discover(paths, config)
    return {p.path: (p.kind, p.message) for p in problems}


def source(path: Path, kind: str = "python") -> SourceFile:
    return SourceFile(path, path.name, kind, path.stat().st_size)  # type: ignore[arg-type]


# -- inside git ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_git_lists_tracked_and_untracked_but_not_ignored(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    write(repo / ".gitignore", "*.log\nbuild/\nsecret.env\n")
    write(repo / "app.py")
    write(repo / "gone.py")
    write(repo / "pkg" / "client.py")
    write(repo / "pkg" / ".gitignore", "generated_*.py\n")
    write(repo / "secret.env", "KEY=1\n")
    write(repo / "force.log", "tracked even though ignored\n")
    git(repo, "add", "-f", "force.log")
    commit_all(repo)
    (repo / "gone.py").unlink()  # deleted but still tracked: skipped silently
    write(repo / "new file.py")  # untracked, not ignored: listed
    write(repo / "pkg" / "generated_api.py")
    write(repo / "debug.log", "ignored\n")
    write(repo / "build" / "lib.py")
    config = Config(root=repo)
    assert rels([repo], config) == [
        ".gitignore",
        "app.py",
        "force.log",
        "new file.py",
        "pkg/.gitignore",
        "pkg/client.py",
    ]
    assert problems_of([repo], config) == {}


@pytest.mark.slow
def test_git_handles_names_that_are_not_utf8(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    name = os.fsdecode(b"caf\xe9.py")
    write(repo / name)
    write(repo / "sub dir" / "a b.py")
    files, problems = discover([repo], Config(root=repo))
    assert sorted(f.path.name for f in files) == sorted(["a b.py", name])
    assert problems == []
    assert read_bytes(next(f for f in files if f.path.name == name)) == b"x = 1\n"


@pytest.mark.slow
def test_git_a_subfolder_lists_only_that_subfolder(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    write(repo / "a" / "one.py")
    write(repo / "a" / "[weird]" / "two.py")  # glob characters are taken literally
    write(repo / "b" / "three.py")
    config = Config(root=repo)
    assert rels([repo / "a"], config) == ["a/[weird]/two.py", "a/one.py"]
    assert rels([repo / "a" / "[weird]", repo / "b"], config) == ["a/[weird]/two.py", "b/three.py"]


@pytest.mark.slow
def test_git_skips_caches_and_virtualenvs_it_would_track(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    write(repo / "app.py")
    write(repo / ".bolaudit_cache" / "facts.json", "{}")
    write(repo / "env" / "pyvenv.cfg", "home = /usr\n")
    write(repo / "env" / "lib" / "site.py")
    write(repo / "node_modules" / "x" / "index.js", "")
    write(repo / "custom-cache" / "facts.json", "{}")
    config = Config(root=repo, cache_dir=repo / "custom-cache")
    assert rels([repo], config) == ["app.py"]


@pytest.mark.slow
def test_git_applies_the_config_exclude(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    write(repo / "app.py")
    write(repo / "tests" / "fixtures" / "leak.py")
    write(repo / "tests" / "test_app.py")
    config = Config(root=repo, exclude=("tests/fixtures/**",))
    assert rels([repo], config) == ["app.py", "tests/test_app.py"]


@pytest.mark.slow
def test_a_symlink_to_a_folder_is_not_followed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    write(repo / "real" / "a.py")
    os.symlink("real", repo / "link")
    os.symlink("..", repo / "real" / "loop")
    assert rels([repo], Config(root=repo)) == ["real/a.py"]


# -- outside git ----------------------------------------------------------------------------------


def test_walk_honours_gitignore_at_every_level(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write(root / ".gitignore", "*.log\n/dist/\nvendor/\n")
    write(root / "app.py")
    write(root / "app.log", "")
    write(root / "dist" / "x.py")
    write(root / "sub" / "dist" / "y.py")  # "/dist/" is anchored to the root
    write(root / "sub" / ".gitignore", "!keep.log\n*.tmp\n")
    write(root / "sub" / "keep.log", "")
    write(root / "sub" / "other.log", "")
    write(root / "sub" / "x.tmp", "")
    write(root / "vendor" / "lib.py")
    write(root / "sub" / "vendor" / "lib.py")
    config = Config(root=root)
    assert rels([root], config) == [
        ".gitignore",
        "app.py",
        "sub/.gitignore",
        "sub/dist/y.py",
        "sub/keep.log",
    ]


def test_walk_of_a_subfolder_honours_the_gitignore_files_above_it(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write(root / ".gitignore", "*_generated.py\n")
    write(root / "src" / "api_generated.py")
    write(root / "src" / "api.py")
    assert rels([root / "src"], Config(root=root)) == ["src/api.py"]


def test_walk_skips_folders_no_audit_wants(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write(root / "app.py")
    for folder in (".git", ".bolaudit_cache", "__pycache__", "node_modules", ".tox"):
        write(root / folder / "x.py")
    write(root / "venv" / "pyvenv.cfg", "home = /usr\n")
    write(root / "venv" / "lib" / "site.py")
    write(root / "mycache" / "x.py")
    config = Config(root=root, cache_dir=root / "mycache")
    assert rels([root], config) == ["app.py"]


def test_walk_applies_the_config_exclude(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write(root / "app.py")
    write(root / "examples" / "demo.py")
    write(root / "docs" / "a.md", "")
    write(root / "docs" / "b.txt", "")
    config = Config(root=root, exclude=("examples/", "docs/*.md"))
    assert rels([root], config) == ["app.py", "docs/b.txt"]


def test_walk_does_not_follow_symlinked_folders(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write(root / "a" / "x.py")
    os.symlink("..", root / "a" / "up")
    os.symlink(root / "a", root / "b")
    assert rels([root], Config(root=root)) == ["a/x.py"]


def test_symlinked_file_is_read_under_its_own_name(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write(root / "real.py", "y = 2\n")
    os.symlink("real.py", root / "alias.py")
    files, _ = discover([root], Config(root=root))
    assert [f.rel for f in files] == ["alias.py", "real.py"]
    assert read_bytes(files[0]) == b"y = 2\n"


@pytest.mark.parametrize("in_git", [False, True])
def test_a_listed_symlink_that_leads_outside_is_not_read(tmp_path: Path, in_git: bool) -> None:
    """A committed link to the CI machine's own files is a problem, never content to scan; a file
    named on the command line is the user's choice and is followed."""
    outside = write(tmp_path / "home" / "creds.env", "BOL_CLIENT_SECRET=x\n")
    root = make_repo(tmp_path / "proj") if in_git else tmp_path / "proj"
    write(root / "real.py", "y = 2\n")
    os.symlink(outside, root / "creds.env")
    os.symlink("/proc/self/environ", root / "environ.txt")
    os.symlink("real.py", root / "alias.py")  # stays inside: read
    if in_git:
        commit_all(root)
    config = Config(root=root)
    assert rels([root], config) == ["alias.py", "real.py"]
    message = (ProblemKind.UNREADABLE, "skipped: a symlink that leads outside the project")
    assert problems_of([root], config) == {"creds.env": message, "environ.txt": message}
    assert rels([root / "creds.env"], config) == ["creds.env"]


# -- explicit files -------------------------------------------------------------------------------


def test_explicit_files_are_taken_even_if_gitignored(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write(root / ".gitignore", "*.env\n")
    env = write(root / "prod.env", "KEY=1\n")
    assert rels([env], Config(root=root)) == ["prod.env"]


def test_explicit_files_are_audited_though_excluded_unless_forced(tmp_path: Path) -> None:
    """As ruff: a path named on the command line is audited even when the config excludes it;
    ``--force-exclude`` (what the pre-commit hook passes) excludes it too."""
    root = tmp_path / "proj"
    leak = write(root / "tests" / "fixtures" / "leak.py")
    app = write(root / "app.py")
    config = Config(root=root, exclude=("tests/fixtures/**",))
    assert rels([leak, app], config) == ["app.py", "tests/fixtures/leak.py"]
    assert rels([root], config) == ["app.py"]
    forced = Config(root=root, exclude=("tests/fixtures/**",), command_line=CommandLine(force_exclude=True))
    assert rels([leak, app], forced) == ["app.py"]
    assert rels([root / "tests"], forced) == []


def test_a_named_folder_sets_aside_only_the_patterns_that_match_it(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    for rel in ("examples/shop/sync.py", "examples/shop/gen/api.py", "examples/shop/notes.md", "src/app.py"):
        write(root / rel)
    config = Config(root=root, exclude=("examples/", "gen/", "*.md"))
    assert rels([root], config) == ["src/app.py"]
    assert rels([root / "examples"], config) == ["examples/shop/sync.py"]
    assert rels([root / "examples" / "shop"], config) == ["examples/shop/sync.py"]
    cli = Config(root=root, command_line=CommandLine(exclude=("examples/", "gen/")))
    assert rels([root / "examples"], cli) == ["examples/shop/notes.md", "examples/shop/sync.py"]


def test_duplicates_are_listed_once_and_sorted(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    b = write(root / "b.py")
    write(root / "a.py")
    assert rels([b, root, b, Path("proj/b.py")], Config(root=root)) == ["a.py", "b.py"]


def test_relative_paths_and_files_outside_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "proj"
    write(root / "a.py")
    outside = write(tmp_path / "other" / "c.py")
    elsewhere = tmp_path / "far"
    files, _ = discover([Path("proj"), outside], Config(root=root))
    assert [(f.rel, f.path) for f in files] == [
        ("a.py", (root / "a.py").resolve()),
        ("other/c.py", outside.resolve()),
    ]
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert rels([outside], Config(root=root)) == [outside.resolve().as_posix()]


def test_no_paths_mean_the_current_folder(tmp_path: Path) -> None:
    write(tmp_path / "a.py")
    assert rels([], Config(root=tmp_path.resolve())) == ["a.py"]


# -- kinds, sizes, and what cannot be read --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("a.py", "x = 1\n", "python"),
        ("stubs.pyi", "x: int\n", "python"),
        ("gui.PYW", "x = 1\n", "python"),
        ("run", "#!/usr/bin/env python3\nprint(1)\n", "python"),
        ("deploy", "#!/bin/sh\necho hi\n", "text"),
        (".env", "BOL_CLIENT_SECRET=abc\n", "text"),
        ("Dockerfile", "FROM python:3.11\n", "text"),
        ("settings.yaml", "a: 1\n", "text"),
        ("book.ipynb", "{}", "notebook"),
    ],
)
def test_kinds(tmp_path: Path, name: str, content: str, kind: str) -> None:
    path = write(tmp_path / name, content)
    files, _ = discover([path], Config(root=tmp_path.resolve()))
    assert [(f.rel, f.kind, f.size) for f in files] == [(name, kind, len(content))]


@pytest.mark.parametrize("name", ["logo.png", "dist.tar.gz", "mod.cpython-311.pyc", "lib.so"])
def test_binary_by_name_is_skipped_silently(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, b"\x89PNG\r\n\x1a\n\0\0")
    assert discover([path, tmp_path], Config(root=tmp_path.resolve())) == ([], [])


def test_binary_by_content_is_a_problem_when_decoded(tmp_path: Path) -> None:
    path = write(tmp_path / "blob.dat", b"abc\0def")
    (file,) = discover([path], Config(root=tmp_path.resolve()))[0]
    assert file.kind == "text"
    message = "skipped: binary file (a null byte in the first 8 KiB)"
    assert read_source(file) == Problem(ProblemKind.SKIPPED_BINARY, "blob.dat", message)


def test_files_over_the_size_cap_are_a_problem_and_not_read(tmp_path: Path) -> None:
    write(tmp_path / "big.py", b"x" * (5 * 1024 * 1024))
    write(tmp_path / "ok.py", b"x" * 1024)
    config = Config(root=tmp_path.resolve(), max_file_size=1024 * 1024)
    assert rels([tmp_path], config) == ["ok.py"]
    assert problems_of([tmp_path], config) == {
        "big.py": (
            ProblemKind.SKIPPED_LARGE,
            "skipped: 5.0 MiB is over the 1.0 MiB size cap (max-file-size)",
        )
    }


def test_a_broken_symlink_is_a_problem(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    os.symlink("missing.py", root / "dangling.py")
    write(root / "a.py")
    expected = {"dangling.py": (ProblemKind.UNREADABLE, "unreadable: broken symlink")}
    assert problems_of([root], Config(root=root)) == expected
    assert problems_of([root / "dangling.py"], Config(root=root)) == expected
    assert rels([root], Config(root=root)) == ["a.py"]


def test_a_missing_argument_is_a_problem(tmp_path: Path) -> None:
    assert problems_of([Path("nope.py")], Config(root=tmp_path.resolve())) == {
        "nope.py": (ProblemKind.UNREADABLE, "unreadable: no such file or directory")
    }


def test_a_fifo_is_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    write(tmp_path / "a.py")
    config = Config(root=tmp_path.resolve())
    assert discover([tmp_path], config) == discover([tmp_path / "a.py"], config)
    assert problems_of([tmp_path / "pipe"], config) == {
        "pipe": (ProblemKind.UNREADABLE, "skipped: not a regular file")
    }


@pytest.mark.skipif(IS_ROOT, reason="root reads every file whatever its permissions")
def test_an_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    locked = write(tmp_path / "locked.py")
    locked.chmod(0)
    try:
        assert problems_of([tmp_path], Config(root=tmp_path.resolve())) == {
            "locked.py": (ProblemKind.UNREADABLE, "unreadable: permission denied")
        }
    finally:
        locked.chmod(0o644)


def test_read_bytes_reports_a_vanished_file(tmp_path: Path) -> None:
    path = write(tmp_path / "a.py")
    file = source(path)
    path.unlink()
    message = "unreadable: the file vanished"
    assert read_bytes(file) == Problem(ProblemKind.UNREADABLE, "a.py", message)


def test_read_bytes_guards_a_file_that_grew(tmp_path: Path) -> None:
    path = write(tmp_path / "a.py", b"x" * 10)
    file = source(path)
    path.write_bytes(b"x" * 3000)
    message = "skipped: 2.9 KiB is over the 2.0 KiB size cap (max-file-size)"
    assert read_bytes(file, limit=2048) == Problem(ProblemKind.SKIPPED_LARGE, "a.py", message)
    assert read_bytes(file, limit=4096) == b"x" * 3000


# -- decoding Python ------------------------------------------------------------------------------

LATIN1 = "# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"x = 'caf\xc3\xa9'\n", Decoded("x = 'café'\n", "utf-8")),
        (codecs.BOM_UTF8 + b"x = 1\n", Decoded("x = 1\n", "utf-8-sig")),
        (LATIN1, Decoded("# -*- coding: latin-1 -*-\nname = 'café'\n", "iso8859-1")),
        (
            b"#!/usr/bin/env python\n# coding=cp1252\ns = '\x80'\n",
            Decoded("#!/usr/bin/env python\n# coding=cp1252\ns = '€'\n", "cp1252"),
        ),
        (
            b"# vim: set fileencoding=utf-8 :\nx = 1\n",
            Decoded("# vim: set fileencoding=utf-8 :\nx = 1\n", "utf-8"),
        ),
        # A declaration on line 3, or on line 2 after code, does not count (PEP 263).
        (b"x = 1\n# coding: latin-1\ns = '\xe9'\n", DecodeFailure(
            "cannot decode byte 0xE9 as UTF-8; save it as UTF-8 or declare its encoding "
            "(PEP 263: # -*- coding: latin-1 -*-)", 3, 6)),
        (b"import os\ns = 'caf\xe9'\n", DecodeFailure(
            "cannot decode byte 0xE9 as UTF-8; save it as UTF-8 or declare its encoding "
            "(PEP 263: # -*- coding: latin-1 -*-)", 2, 9)),
        (b"# coding: ascii\ns = '\xc3\xa9'\n", DecodeFailure(
            "cannot decode byte 0xC3 as the declared encoding ascii", 2, 6)),
        (b"# coding: klingon\nx = 1\n", DecodeFailure(
            "unknown encoding 'klingon' in the coding declaration", 1)),
        (codecs.BOM_UTF8 + b"# coding: latin-1\nx = 1\n", DecodeFailure(
            "a UTF-8 BOM contradicts the declared encoding 'latin-1'", 1)),
        (b"x = 1\ny = 'a\0b'\n", DecodeFailure("source contains a null byte", 2, 7)),
        (b"\n\n\n", Decoded("\n\n\n", "utf-8")),
    ],
)
def test_decode_python(tmp_path: Path, data: bytes, expected: Decoded | DecodeFailure) -> None:
    file = source(write(tmp_path / "m.py", data))
    assert decode(file, data) == expected
    assert read_source(file) == expected


def test_a_python_file_with_a_bad_byte_is_never_guessed_as_latin1(tmp_path: Path) -> None:
    data = "s = 'é'\n".encode("latin-1")
    result = decode(source(write(tmp_path / "m.py", data)), data)
    assert isinstance(result, DecodeFailure)
    assert (result.line, result.column) == (1, 6)


# -- decoding text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"KEY=abc\n", Decoded("KEY=abc\n", "utf-8")),
        (codecs.BOM_UTF8 + b"KEY=abc\n", Decoded("KEY=abc\n", "utf-8")),
        ("KEY=café\n".encode("utf-16"), Decoded("KEY=café\n", "utf-16")),
        (codecs.BOM_UTF16_BE + "K=1\n".encode("utf-16-be"), Decoded("K=1\n", "utf-16")),
        ("K=é\n".encode("utf-32"), Decoded("K=é\n", "utf-32")),
        ("naïve=1\n".encode("latin-1"), Decoded("naïve=1\n", "latin-1")),
    ],
)
def test_decode_text(tmp_path: Path, data: bytes, expected: Decoded) -> None:
    file = source(write(tmp_path / "settings.env", data), kind="text")
    assert decode(file, data) == expected


def test_null_bytes_after_the_first_8_kib_do_not_make_a_file_binary(tmp_path: Path) -> None:
    data = b"a" * 9000 + b"\0"
    file = source(write(tmp_path / "log.txt", data), kind="text")
    assert decode(file, data) == Decoded("a" * 9000 + "\0", "utf-8")


# -- notebooks -------------------------------------------------------------------------------------


def notebook(cells: list[dict[str, object]], language: str = "python") -> str:
    document = {
        "cells": cells,
        "metadata": {"language_info": {"name": language}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1, ensure_ascii=False)


def code(source: list[str] | str) -> dict[str, object]:
    return {"cell_type": "code", "metadata": {}, "outputs": [], "source": source}


def decoded_notebook(tmp_path: Path, text: str) -> Decoded:
    file = source(write(tmp_path / "book.ipynb", text), kind="notebook")
    result = read_source(file)
    assert isinstance(result, Decoded)
    return result


def file_line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_notebook_code_cells_become_one_module_with_a_line_map(tmp_path: Path) -> None:
    text = notebook(
        [
            {"cell_type": "markdown", "metadata": {}, "source": ["%not code\n", "# Title"]},
            code(["%matplotlib inline\n", "import requests\n", "!pip install httpx\n"]),
            code(["for i in range(3):\n", "    !echo {i}\n", "files = !ls\n", "requests.get?"]),
            code("%%bash\ncurl -u id:secret https://x\n"),
            code(["%%time\n", "total = (1\n", "    % 2)\n", "tpl = '''\n", "%s\n", "'''\n"]),
            code([]),
        ]
    )
    result = decoded_notebook(tmp_path, text)
    assert result.text.splitlines() == [
        "pass  # %matplotlib inline",
        "import requests",
        "pass  # !pip install httpx",
        "for i in range(3):",
        "    pass  # !echo {i}",
        "pass  # files = !ls",
        "pass  # requests.get?",
        "# %%bash",
        "# curl -u id:secret https://x",
        "pass  # %%time",
        "total = (1",
        "    % 2)",  # continues an expression: not a magic
        "tpl = '''",
        "%s",  # inside a string: not a magic
        "'''",
    ]
    compile(result.text, "book.ipynb", "exec")
    assert result.file_line(2) == file_line_of(text, '"import requests\\n"')
    assert result.file_line(5) == file_line_of(text, '"    !echo {i}\\n"')
    assert result.file_line(7) == file_line_of(text, '"requests.get?"')
    # One source string holding two lines: both lines sit on the string's line.
    bash = file_line_of(text, '"%%bash')
    assert (result.file_line(8), result.file_line(9)) == (bash, bash)
    assert result.file_line(14) == file_line_of(text, '"%s\\n"')


def test_notebook_source_strings_split_mid_line(tmp_path: Path) -> None:
    text = notebook([code(["x = ", "1\n", "y = 2"])])
    result = decoded_notebook(tmp_path, text)
    assert result.text == "x = 1\ny = 2\n"
    assert result.line_map == (file_line_of(text, '"x = "'), file_line_of(text, '"y = 2"'))


def test_notebook_of_another_language_is_all_comments(tmp_path: Path) -> None:
    text = notebook([code(["library(httr)\n", "x <- GET(url)"])], language="R")
    result = decoded_notebook(tmp_path, text)
    assert result.text == "# library(httr)\n# x <- GET(url)\n"
    compile(result.text, "book.ipynb", "exec")


def test_notebook_format_3(tmp_path: Path) -> None:
    document = {"worksheets": [{"cells": [{"cell_type": "code", "input": ["a = 1\n", "b = 2"]}]}]}
    result = decoded_notebook(tmp_path, json.dumps(document, indent=1))
    assert result.text == "a = 1\nb = 2\n"
    assert result.line_map == (8, 9)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"cells": [\n  {"cell_type": "code",}\n]}', DecodeFailure(
            "malformed notebook: Expecting property name enclosed in double quotes", 2, 24)),
        (b"[1, 2]", DecodeFailure("malformed notebook: no list of cells")),
        (b'{"cells": "none"}', DecodeFailure("malformed notebook: no list of cells")),
        (b'{"cells": []}\n\xff', DecodeFailure("notebook is not UTF-8 (byte 0xFF)", 2)),
        (b"[" * 100_000, DecodeFailure("malformed notebook: nested too deeply")),
        (b"", DecodeFailure("malformed notebook: Expecting value", 1, 1)),
    ],
)
def test_malformed_notebooks(tmp_path: Path, data: bytes, expected: DecodeFailure) -> None:
    file = source(write(tmp_path / "book.ipynb", data), kind="notebook")
    assert read_source(file) == expected


def test_decoded_file_line_without_a_map_is_the_line() -> None:
    assert Decoded("x\n", "utf-8").file_line(7) == 7
    assert Decoded("x\n", "utf-8", (4, 9)).file_line(2) == 9
    assert Decoded("x\n", "utf-8", (4, 9)).file_line(5) == 9


# -- never a traceback ----------------------------------------------------------------------------

ANY_TEXT = st.text(alphabet=st.sampled_from(list("%!?()[]{}'\"\\ \t\nab=:#\0é")), max_size=40)


@settings(deadline=None, max_examples=300)
@given(kind=st.sampled_from(["python", "notebook", "text"]), data=st.binary(max_size=200))
def test_decoding_any_bytes_never_raises(kind: str, data: bytes) -> None:
    result = decode_for(kind, "f", data)
    assert isinstance(result, (Decoded, DecodeFailure, Problem))


@settings(deadline=None, max_examples=300)
@given(cells=st.lists(st.one_of(ANY_TEXT, st.lists(ANY_TEXT, max_size=5)), max_size=4))
def test_any_code_cells_keep_one_map_entry_per_line(cells: list[str | list[str]]) -> None:
    text = notebook([code(source) for source in cells])
    result = decode_for("notebook", "book.ipynb", text.encode())
    assert isinstance(result, Decoded)
    assert result.line_map is not None
    assert len(result.line_map) == result.text.count("\n")  # every line ends with one
    assert all(1 <= line <= text.count("\n") + 1 for line in result.line_map)
