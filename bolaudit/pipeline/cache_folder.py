"""Whether a cache folder may be used: never one the audited repository could have filled or aimed.

The folder's name comes from the repository's own configuration (``cache-dir``) or is its
``.bolaudit_cache``, so a pull request could commit a crafted cache, commit the folder as a
symlink to somewhere else (bolaudit would write a ``.gitignore`` of ``*`` there), or name a folder
of its sources (which bolaudit would then leave out of the audit as its own). A folder is refused,
with the reason, when

* it is a symbolic link, or lies under one inside the project;
* it holds the project root or a path being audited (``cache-dir = "."``);
* it holds anything bolaudit does not write there (``cache-dir = "src"``): only its
  ``.gitignore``, ``v<version>/`` folders, one folder per project root in those, and the
  results, record and temporary files in that;
* git tracks a file in it (a committed cache).

A refused folder costs speed, never results: the run goes on without a cache and audits the
folder like any other. A folder that does not exist yet is fine; it is made on the first write.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

from bolaudit.pipeline.cache import CACHE_GITIGNORE, LEGACY, RESULTS
from bolaudit.config import Config
from bolaudit.findings import Problem, ProblemKind
from bolaudit.pipeline.lastrun import FILE_NAME as RECORD

_VERSION = re.compile(r"v[0-9][0-9A-Za-z.+_-]*")
_PROJECT = re.compile(r"[0-9a-f]{16}")
_OWN_FILES = frozenset({RESULTS, RECORD})
_TEMPORARY = re.compile(r"\.(results|last_run)-[^/]*\.tmp")
# The first line of the .gitignore bolaudit writes (what follows may change between versions).
_OUR_IGNORE = CACHE_GITIGNORE.splitlines(keepends=True)[0]


def with_cache_folder(config: Config, paths: Sequence[Path]) -> tuple[Config, list[Problem]]:
    """``config`` with the cache folder it may use, or without a cache and a problem saying why
    (a one-line notice). Without a cache, no folder is left out of the listing as the cache."""
    if not config.use_cache:
        return dataclasses.replace(config, cache_dir=None), []
    folder = checked(config.cache_path, config.root, paths)
    if isinstance(folder, Path):
        return dataclasses.replace(config, cache_dir=folder), []
    try:
        shown = config.cache_path.relative_to(config.root).as_posix()
    except ValueError:
        shown = str(config.cache_path)
    message = f"not used as the cache folder: {folder}; the run goes on without a cache"
    problem = Problem(ProblemKind.CACHE, shown, message)
    return dataclasses.replace(config, use_cache=False, cache_dir=None), [problem]


def checked(folder: Path, root: Path, asked: Sequence[Path]) -> Path | str:
    """The folder to use (without symbolic links in its path), or why it is refused."""
    absolute = Path(os.path.abspath(folder))
    project = Path(os.path.realpath(root))
    why = _linked(absolute, project)
    if why:
        return why
    real = Path(os.path.realpath(absolute))
    for path in (project, *asked):
        audited = Path(os.path.realpath(path))
        if audited == real or audited.is_relative_to(real):
            return "it holds the files being audited"
    try:
        entries = list(os.scandir(real))
    except OSError:
        return real  # not there yet (made when written), or not a folder: writing it will fail
    foreign = _foreign(real, entries)
    if foreign:
        return f"it holds files bolaudit did not write ({foreign})"
    why = _tracked(real) if entries else ""
    return why or real


def _linked(path: Path, project: Path) -> str:
    """Why ``path`` may not be used because of a symbolic link on the way to it, or ""."""
    current = Path(path.anchor)
    real = current
    for part in path.parts[1:]:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except OSError:
            return ""  # the rest does not exist yet
        if stat.S_ISLNK(mode):
            if current == path:
                return "it is a symbolic link"
            if real == project or real.is_relative_to(project):
                return f"it lies under a symbolic link inside the project ({part})"
            real = Path(os.path.realpath(current))
        else:
            real = real / part
    return ""


def _foreign(folder: Path, entries: list[os.DirEntry[str]]) -> str:
    """The first entry (as a path relative to ``folder``) bolaudit would not have written, or ""."""
    for entry in entries:
        if entry.name == ".gitignore" and entry.is_file(follow_symlinks=False):
            if _read(entry.path).startswith(_OUR_IGNORE):
                continue
            return entry.name
        if not (_VERSION.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)):
            return entry.name
        for inner in _scan(entry.path):
            name = f"{entry.name}/{inner.name}"
            if inner.name in LEGACY and inner.is_file(follow_symlinks=False):
                continue
            if not (_PROJECT.fullmatch(inner.name) and inner.is_dir(follow_symlinks=False)):
                return name
            for file in _scan(inner.path):
                own = file.name in _OWN_FILES or _TEMPORARY.fullmatch(file.name)
                if not (own and file.is_file(follow_symlinks=False)):
                    return f"{name}/{file.name}"
    if entries and not any(e.name == ".gitignore" for e in entries):
        return "no .gitignore of bolaudit's"
    return ""


def _scan(path: str) -> list[os.DirEntry[str]]:
    try:
        return list(os.scandir(path))
    except OSError:
        return []


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read(len(_OUR_IGNORE))
    except (OSError, UnicodeDecodeError):
        return ""


def _tracked(folder: Path) -> str:
    """Why git's view of ``folder`` refuses it (a tracked file in it, or git cannot tell: not
    installed, or the repository is not trusted), or "". Git is asked only inside a work tree."""
    if not any(os.path.lexists(os.path.join(above, ".git")) for above in (folder, *folder.parents)):
        return ""
    import subprocess

    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "ls-files", "-z", "--cached", "--", "."],
            stdin=subprocess.DEVNULL, capture_output=True, check=False,
        )
    except OSError:
        return "git cannot tell whether it tracks files in it (git is not installed)"
    if done.returncode != 0:
        return "git cannot tell whether it tracks files in it"
    return "git tracks files in it" if done.stdout else ""
