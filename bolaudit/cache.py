"""The per-file result cache: ``.bolaudit_cache/`` keyed by path, content hash, tool version and config.

One pickle per project root holds the latest result of every analysed file; a run loads it once
and writes it back once (atomically) if anything changed. Entries never hold secrets: facts keep
credential hashes and masked forms only. A missing, corrupt or foreign cache is ignored, never an
error: the cache can only make a run faster, never change its results.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING

from bolaudit import __version__

if TYPE_CHECKING:
    from bolaudit.filestage import FileResult

CACHE_GITIGNORE = "# Created by bolaudit; the cache is local to this machine.\n*\n"
FORMAT = 4


@functools.cache
def code_version() -> str:
    """The version, plus a digest of bolaudit's own source files (names, sizes, mtimes).

    A development checkout changes facts without changing ``__version__``; stale cached facts
    would then be used silently. Stat calls on ~100 files cost about a millisecond.
    """
    h = hashlib.sha256(__version__.encode())
    roots = {os.path.dirname(os.path.realpath(__file__))}
    pack = importlib.import_module("bolaudit.rules")
    roots.update(os.path.realpath(p) for p in pack.__path__)
    for root in sorted(roots):
        for folder, dirs, files in sorted(os.walk(root)):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in sorted(files):
                if not name.endswith(".py"):
                    continue
                try:
                    st = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                h.update(f"{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def content_key(data: bytes, kind: str, module: str, config_key: str) -> str:
    h = hashlib.sha256()
    for part in (code_version(), str(FORMAT), kind, module, config_key):
        h.update(part.encode())
        h.update(b"\0")
    h.update(data)
    return h.hexdigest()


class Cache:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.entries: dict[str, tuple[str, FileResult]] = {}
        self.dirty = False
        if folder is not None:
            self._load()

    @property
    def file(self) -> Path | None:
        return None if self.folder is None else self.folder / f"v{__version__}" / "results.pickle"

    def _load(self) -> None:
        f = self.file
        if f is None or not f.is_file():
            return
        try:
            with f.open("rb") as fh:
                loaded = pickle.load(fh)
        except Exception:  # noqa: BLE001 - a broken cache is as good as none
            return
        if isinstance(loaded, dict) and loaded.get("format") == FORMAT:
            entries = loaded.get("entries")
            if isinstance(entries, dict):
                self.entries = entries

    def get(self, rel: str, key: str) -> FileResult | None:
        hit = self.entries.get(rel)
        if hit is not None and hit[0] == key:
            return hit[1]
        return None

    def put(self, rel: str, key: str, result: FileResult) -> None:
        self.entries[rel] = (key, result)
        self.dirty = True

    def save(self) -> None:
        f = self.file
        if f is None or not self.dirty or self.folder is None:
            return
        dump_atomically(self.folder, f, {"format": FORMAT, "entries": self.entries})


def dump_atomically(cache_dir: Path, target: Path, state: object) -> None:
    """Pickle ``state`` to ``target`` in the cache folder, all or nothing; a read-only checkout
    or a full disk just keeps no cache (the audit must not fail for it)."""
    import tempfile

    try:
        ensure_folder(cache_dir)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(state, fh, protocol=5)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return


def ensure_folder(folder: Path) -> None:
    """The cache folder and its versioned subfolder, with a ``.gitignore`` that keeps it out of
    git (and so out of every git-aware listing, ours included)."""
    (folder / f"v{__version__}").mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text(CACHE_GITIGNORE)
