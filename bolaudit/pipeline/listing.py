"""Which files a folder holds: what git tracks or would track, else a walk honouring .gitignore.

One ``git ls-files`` per repository (never one per file), names read NUL-separated so spaces and
non-UTF-8 bytes survive. Outside git, a walk that reads ``.gitignore`` at every level with git's
precedence (the deepest file that has a say decides; an ignored folder is not entered) and never
follows a symlink to a folder, so a link loop cannot hang the run. Knows nothing of ``Config``:
``sources`` passes in what to prune.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bolaudit.records import record

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

# Folders no audit wants: VCS data, caches, installed dependencies. Venvs are found by pyvenv.cfg.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bolaudit_cache",
        "__pycache__",
        "node_modules",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
    }
)
VENV_MARKER = "pyvenv.cfg"
# git opens every .gitignore it meets with a plain open(): one that is a FIFO blocks it for good.
# A listing that takes longer than this is given up, and the folders are walked (FIFO-safe).
GIT_TIMEOUT = 30.0


class GitTimeout(Exception):
    """``git ls-files`` did not finish in ``GIT_TIMEOUT`` seconds."""


# A .gitignore bigger than this is not one (git itself reads any size; we do not follow it there).
MAX_GITIGNORE = 4 * 1024 * 1024


@record
class Listing:
    """Files found (absolute, symlinks not resolved) and folders that could not be read."""

    files: list[Path]
    errors: list[tuple[Path, str]]


def git_toplevel(folder: Path) -> Path | None:
    """The top of the git work tree holding ``folder``, or None (no git, not a work tree)."""
    result = _git(folder, "rev-parse", "--show-toplevel")
    if result is None:
        return None
    top = os.fsdecode(result.rstrip(b"\r\n"))
    return Path(top) if top else None


def git_files(top: Path, folders: Sequence[Path], skip: Path | None = None) -> list[Path] | None:
    """Files under ``folders`` that git tracks or would track (untracked, not ignored).

    Like the walk, leaves out ``SKIP_DIRS``, virtualenvs and the ``skip`` folder (the cache),
    which git lists when nobody ignored them. Tracked files that were deleted are still listed;
    the caller's ``stat`` drops them. None when git fails, so the caller can walk instead.
    """
    specs = []
    for folder in folders:
        try:
            relative = folder.resolve().relative_to(top)
        except ValueError:
            return None
        specs.append(relative.as_posix() if relative.parts else ".")
    args = ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *specs]
    try:
        output = _git(top, "--literal-pathspecs", *args, timeout=GIT_TIMEOUT)
    except TimeoutError:
        raise GitTimeout(f"git ls-files gave no answer within {GIT_TIMEOUT:g} s (is a .gitignore a FIFO?); "
                         "the folders were walked instead") from None
    if output is None:
        return None
    names = {os.fsdecode(name) for name in output.split(b"\0") if name}
    # Folders as "a/b/" prefixes: string tests, since Path.parents is slow on thousands of files.
    venvs = [name.removesuffix(VENV_MARKER) for name in names if name.endswith("/" + VENV_MARKER)]
    if skip is not None and skip != top and skip.is_relative_to(top):
        venvs.append(skip.relative_to(top).as_posix() + "/")
    unwanted = tuple(venvs)
    return [
        top / name
        for name in sorted(names)
        if not (unwanted and name.startswith(unwanted))
        and not in_skipped_folder(name.split("/")[:-1])
    ]


def _git(folder: Path, *args: str, timeout: float | None = None) -> bytes | None:
    """git's output, or None when git fails; ``TimeoutError`` when it runs past ``timeout``."""
    import subprocess

    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:  # the child was killed
        raise TimeoutError from None
    except OSError:  # git is not installed, or the folder vanished
        return None
    return done.stdout if done.returncode == 0 else None


def gitignore_spec(path: Path) -> GitIgnoreSpec | None:
    """A ``.gitignore`` file's patterns; None when absent or unreadable. Bad lines are
    dropped one by one, as git ignores them, instead of dropping the whole file."""
    from pathspec import GitIgnoreSpec

    from bolaudit.bounded.files import read_regular

    try:  # a committed .gitignore symlink to /dev/zero or a FIFO is no .gitignore
        lines = read_regular(path, MAX_GITIGNORE).decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    try:
        return GitIgnoreSpec.from_lines(lines)
    except ValueError:
        return GitIgnoreSpec.from_lines(line for line in lines if _valid_pattern(line))


def _valid_pattern(line: str) -> bool:
    from pathspec import GitIgnoreSpec

    try:
        GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True


Ignores = tuple[tuple[Path, "GitIgnoreSpec"], ...]


def is_ignored(path: Path, is_dir: bool, ignores: Ignores) -> bool:
    """git's answer for ``path`` under the ``.gitignore`` files (base folder, spec) in scope."""
    for base, spec in reversed(ignores):
        relative = path.relative_to(base).as_posix() + ("/" if is_dir else "")
        verdict = spec.check_file(relative).include
        if verdict is not None:
            return verdict
    return False


def walk(folder: Path, inherited: Ignores, prune: Callable[[Path, bool], bool]) -> Listing:
    """Files under ``folder``, honouring ``.gitignore`` files from ``inherited`` down.

    ``prune(path, is_dir)`` lets the caller drop folders (not entered) and files, e.g. by the
    config's ``exclude``. Symlinks to files are listed (the caller reports broken ones);
    symlinks to folders are not followed.
    """
    files: list[Path] = []
    errors: list[tuple[Path, str]] = []
    stack: list[tuple[Path, Ignores]] = [(folder, inherited)]
    while stack:
        current, ignores = stack.pop()
        spec = gitignore_spec(current / ".gitignore")
        if spec is not None:
            ignores = (*ignores, (current, spec))
        try:
            with os.scandir(current) as scan:
                entries = list(scan)
        except OSError as error:
            errors.append((current, error.strerror or str(error)))
            continue
        for entry in entries:
            path = current / entry.name
            kind = _entry_kind(entry)
            if kind == "folder":
                if entry.name in SKIP_DIRS or os.path.exists(path / VENV_MARKER):
                    continue
                if not is_ignored(path, True, ignores) and not prune(path, True):
                    stack.append((path, ignores))
            elif kind == "file" and not is_ignored(path, False, ignores):
                if not prune(path, False):
                    files.append(path)
    return Listing(files, errors)


def _entry_kind(entry: os.DirEntry[str]) -> str:
    """"folder" (a real one), "file" (a file, or a symlink that is not to a folder: the caller
    reports broken ones), or "" for what is not listed (links to folders, FIFOs, sockets)."""
    try:
        if entry.is_symlink():
            return "" if entry.is_dir(follow_symlinks=True) else "file"
        if entry.is_dir(follow_symlinks=False):
            return "folder"
        return "file" if entry.is_file(follow_symlinks=False) else ""
    except OSError:
        return "file"  # let the caller's stat say what is wrong with it


def ancestors_ignores(root: Path, folder: Path) -> Ignores:
    """The ``.gitignore`` files of the folders from ``root`` down to ``folder``'s parent, which
    also apply to a walk that starts at ``folder``."""
    try:
        relative = folder.relative_to(root)
    except ValueError:
        return ()
    found: list[tuple[Path, GitIgnoreSpec]] = []
    for depth in range(len(relative.parts)):
        base = root.joinpath(*relative.parts[:depth])
        spec = gitignore_spec(base / ".gitignore")
        if spec is not None:
            found.append((base, spec))
    return tuple(found)


def in_skipped_folder(parts: Iterable[str]) -> bool:
    """Whether a relative path runs through one of ``SKIP_DIRS``."""
    return any(part in SKIP_DIRS for part in parts)
