"""Whether a tree is unchanged since the last run, told without listing or reading it again.

A run that audited folders records a ``Snapshot``: the size and mtime of every file it audited,
of every folder of the tree (adding, removing or renaming a file changes its folder's mtime), of
every ``.gitignore`` (editing one changes what is listed, not its folder) and of git's index, its
exclude files and the configuration that names them. The next run with the same settings stats
those paths and nothing else; when all of them match, the last result stands. That is a stat per
path (about 30 ms for Django's 9,000 files and folders) instead of ``git ls-files``, reading every
file and deciding what matters.

Conservative by construction: the folder walk enters ignored folders too (their changes cost a
full run, never a stale one), and a path modified shortly before the run started is not trusted
(it could change again within the same mtime tick, with the same size, as git's "racy" index
entries can), so that run records no snapshot. "Shortly" is ``RACY_NS`` where the filesystem keeps
mtimes below the second, and ``COARSE_RACY_NS`` where every mtime is a whole second (FAT, HFS+). Folders with more than
``MAX_ENTRIES`` paths record none either: statting them would cost what a listing costs.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bolaudit.pipeline.listing import SKIP_DIRS, VENV_MARKER
from bolaudit.records import record

RACY_NS = 100_000_000  # many clock ticks of a filesystem that keeps nanoseconds
COARSE_RACY_NS = 2_000_000_000  # FAT keeps mtimes to 2 s
MAX_ENTRIES = 200_000

Entry = tuple[str, int, int]  # path, size (-1: did not exist), mtime in ns


@record
class Snapshot:
    """Paths NUL-joined, sizes and mtimes as machine integers: a record of 10,000 paths loads in
    a millisecond (a tuple per path took five)."""

    paths: str
    sizes: bytes  # array("q"); -1: the path did not exist
    mtimes: bytes  # array("q"), ns

    @classmethod
    def of(cls, entries: Sequence[Entry]) -> Snapshot:
        return cls(
            "\0".join(path for path, _, _ in entries),
            array("q", [size for _, size, _ in entries]).tobytes(),
            array("q", [mtime for _, _, mtime in entries]).tobytes(),
        )

    def unchanged(self) -> bool:
        """Whether every path still has the size and mtime it had (or is still missing)."""
        sizes, mtimes = array("q"), array("q")
        sizes.frombytes(self.sizes)
        mtimes.frombytes(self.mtimes)
        paths = self.paths.split("\0") if self.paths else []
        if not len(paths) == len(sizes) == len(mtimes):
            return False
        stat = os.stat
        for path, size, mtime in zip(paths, sizes, mtimes):
            try:
                st = stat(path)
            except OSError:
                if size != -1:
                    return False
                continue
            if st.st_mtime_ns != mtime or st.st_size != size:
                return False
        return True


@dataclass
class Watch:
    """The paths a listing depended on, gathered while listing (``sources.discover``)."""

    paths: list[str] = field(default_factory=list)
    complete: bool = True  # False: too many folders to watch; record no snapshot

    def listed_folder(self, folder: Path, top: Path, skip: Path | None, git: bool) -> None:
        """``folder`` was listed, by git (``top`` is its work tree) or by a walk from ``top``."""
        tree = tree_paths(folder, skip)
        if tree is None:
            self.complete = False
            return
        self.paths += tree + ancestor_paths(folder, top)
        if git:
            self.paths += git_paths(top)

    def file(self, path: Path) -> None:
        self.paths.append(os.fspath(path))


def take(paths: Iterable[str], started_ns: int) -> Snapshot | None:
    """The paths' sizes and mtimes; None if one cannot be told apart from a change made during
    the run (modified too shortly before ``started_ns``), or cannot be stat'ed."""
    entries: list[Entry] = []
    for path in dict.fromkeys(paths):
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            entries.append((path, -1, 0))
            continue
        except OSError:
            return None
        entries.append((path, st.st_size, st.st_mtime_ns))
    coarse = all(mtime % 1_000_000_000 == 0 for _, size, mtime in entries if size != -1)
    newest = started_ns - (COARSE_RACY_NS if coarse else RACY_NS)
    if any(mtime >= newest for _, size, mtime in entries if size != -1):
        return None
    return Snapshot.of(entries)


def tree_paths(folder: Path, skip: Path | None) -> list[str] | None:
    """``folder`` and every folder under it, and each ``.gitignore`` among them; the folders the
    listing leaves out (``SKIP_DIRS``, virtualenvs, ``skip``) and symlinks are not entered.
    None when there are more than ``MAX_ENTRIES``."""
    found: list[str] = []
    stack = [os.fspath(folder)]
    skipped = os.path.realpath(skip) if skip is not None else None
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            with os.scandir(current) as scan:
                entries = list(scan)
        except OSError:
            continue  # recorded as a folder; the listing reports what it cannot read
        for entry in entries:
            if entry.name == ".gitignore":
                found.append(entry.path)
            elif entry.name not in SKIP_DIRS and _is_folder(entry) and entry.path != skipped:
                if not os.path.exists(os.path.join(entry.path, VENV_MARKER)):
                    stack.append(entry.path)
        if len(found) > MAX_ENTRIES:
            return None
    return found


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def ancestor_paths(folder: Path, top: Path) -> list[str]:
    """The folders from ``top`` down to ``folder``'s parent and their ``.gitignore`` files (which
    apply to ``folder`` too), whether or not those exist yet."""
    folder, top = folder.resolve(), top.resolve()
    try:
        relative = folder.relative_to(top)
    except ValueError:
        return []
    found: list[str] = []
    for depth in range(len(relative.parts)):
        base = top.joinpath(*relative.parts[:depth])
        found += [os.fspath(base), os.fspath(base / ".gitignore")]
    return found


def git_paths(top: Path) -> list[str]:
    """What ``git ls-files --exclude-standard`` reads besides the tree: the index, the exclude
    files (the repository's, the user's global one) and the configuration files naming it."""
    dot_git = top / ".git"
    git_dir = dot_git
    if dot_git.is_file():  # a worktree or a submodule: "gitdir: <path>"
        try:
            pointer = dot_git.read_text("utf-8", "replace").strip()
        except OSError:
            pointer = ""
        if pointer.startswith("gitdir:"):
            git_dir = (top / pointer.removeprefix("gitdir:").strip()).resolve()
    common = git_dir
    try:  # a worktree shares the main repository's info/exclude and config
        common = (git_dir / (git_dir / "commondir").read_text("utf-8").strip()).resolve()
    except OSError:
        pass
    home = Path.home()
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    paths = [
        dot_git, git_dir / "index", git_dir / "info" / "exclude", git_dir / "config",
        git_dir / "commondir", common / "info" / "exclude", common / "config", home / ".gitconfig", xdg / "git" / "config", xdg / "git" / "ignore",
    ]
    excludes = _global_excludes(top)
    if excludes:
        paths.append(Path(excludes))
    return [os.fspath(p) for p in paths]


def _global_excludes(top: Path) -> str:
    import subprocess

    try:
        done = subprocess.run(
            ["git", "-C", str(top), "config", "--path", "--get", "core.excludesFile"],
            stdin=subprocess.DEVNULL, capture_output=True, check=False,
        )
    except OSError:
        return ""
    return os.fsdecode(done.stdout.strip()) if done.returncode == 0 else ""
