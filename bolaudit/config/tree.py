"""Which config judges each file, and the top that every path is shown relative to.

Each file is judged by the nearest config file above it (``files.config_in``), looked for from the
file's folder upward. The search never leaves the file's repository: it stops at the first folder
holding ``.git`` (a folder, or a file in a worktree or submodule). Outside a repository it stops at
the home folder, or, for files outside the home folder, at the top of the run, so a stray
``pyproject.toml`` in ``/tmp`` or ``/`` cannot silence an audit.

The top of the run (``Config.root``): the repository holding the paths; outside a repository the
current folder, or (for paths outside it) the folder holding them all. Every report shows paths
relative to it, so they mean the same from any folder the command is run in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from bolaudit.bounded.files import is_within, text_within
from bolaudit.config.keys import ConfigError
from bolaudit.records import record

_UNKNOWN = object()  # not asked yet (None is an answer: the defaults)


@record
class Layer:
    """What one config file says about the files it judges (its folder and below, until a nearer
    config). Patterns are relative to the config's folder; ``local`` turns a root-relative path
    into that. ``config_file`` None: a folder where the search stops (a nested repository) and
    the defaults judge. ``error``: the file is broken; its files are not audited."""

    config_file: Path | None
    inner: str  # the folder, relative to the root, with a final "/" ("": the root or above)
    outer: str = ""  # a config above the root: the root's path relative to its folder, with "/"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    error: str = ""

    def contains(self, rel: str) -> bool:
        return rel.startswith(self.inner)

    def local(self, rel: str) -> str:
        return self.outer + rel[len(self.inner):]

    @property
    def depth(self) -> tuple[int, int]:
        """Sorts nearer configs last: deeper folders, then (above the root) the nearer one."""
        return (self.inner.count("/"), -self.outer.count("/"))


def repository_top(folder: Path) -> Path | None:
    """The first folder at or above ``folder`` that holds ``.git``, or None."""
    for candidate in (folder, *folder.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    return None


def home_folder(environ: Mapping[str, str]) -> Path | None:
    """The home folder, resolved; None when unknown or the file system's root."""
    home = environ.get("HOME", "")
    if not home or not os.path.isabs(home):
        return None
    real = Path(os.path.realpath(home))
    return None if real == real.parent else real


def run_top(paths: Sequence[Path], cwd: Path) -> Path:
    """The folder every path is shown relative to (see the module docs); ``cwd`` resolved."""
    anchors: list[str] = []
    for path in paths or [cwd]:
        folder = _folder_of(path)
        top = repository_top(folder)
        if top is not None:
            anchors.append(str(top))
        elif folder == cwd or folder.is_relative_to(cwd):
            anchors.append(str(cwd))
        else:
            anchors.append(str(folder))
    return Path(os.path.commonpath(anchors))


def common_folder(paths: Sequence[Path], cwd: Path) -> Path:
    """The deepest folder holding every path: its config sets the run's own settings."""
    return Path(os.path.commonpath([str(_folder_of(p)) for p in paths or [cwd]]))


def _folder_of(path: Path) -> Path:
    real = Path(os.path.realpath(path))
    return real if os.path.isdir(real) else real.parent


@dataclass
class ConfigTree:
    """The nearest config of each folder, found once per folder and kept for the run.

    ``watched`` gathers every folder looked in and every config file read, so a whole-run record
    (``freshness``) is dropped when a config is added, removed or edited anywhere it could count.
    """

    root: Path
    home: Path | None
    watched: list[str] = field(default_factory=list)
    # By the folder's text: a Path hashes and compares its parts on every lookup, and listing
    # a large tree looks up every folder and its parents.
    _by_folder: dict[str, Layer | None] = field(default_factory=dict)
    _layers: dict[Path, Layer] = field(default_factory=dict)
    _answers: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._root = os.fspath(self.root)
        self._home = os.fspath(self.home) if self.home is not None else None
        # Outside the home folder, the search also stops at the top of the run.
        self._stop_at_root = not (self.home is not None and is_within(self.root, self.home))

    def governing(self, folder: Path | str) -> Layer | None:
        """The layer judging files directly in ``folder`` (a real, absolute path); None: the
        defaults (no config up to where the search stops)."""
        key = os.fspath(folder)  # a Path hashes its parts on every lookup; its text is kept
        known = self._answers.get(key, _UNKNOWN)
        if known is not _UNKNOWN:  # asked once per file listed: pathlib's checks add up
            return cast("Layer | None", known)
        found = self._governing(key)
        self._answers[key] = found
        return found

    def _governing(self, folder: str) -> Layer | None:
        if not text_within(folder, self._root):
            return None  # only files under the root are audited with a config (see ``run_top``)
        passed: list[str] = []
        found: Layer | None = None
        current = folder
        while True:  # the folder, then its parents, made one at a time
            if current in self._by_folder:
                found = self._by_folder[current]
                break
            passed.append(current)
            self.watched.append(current)
            found = self._read(current)
            if found is not None or self._stops(current):
                if found is None and current != self._root and text_within(current, self._root):
                    found = self._layer(Path(current), None, {})  # a nested repository: defaults there
                break
            current = os.path.dirname(current)
        for current in passed:
            self._by_folder[current] = found
        return found

    @property
    def layers(self) -> tuple[Layer, ...]:
        return tuple(sorted(self._layers.values(), key=lambda layer: (layer.depth, layer.inner)))

    def _stops(self, folder: str) -> bool:
        """Where the search ends, this folder included: a repository's top, the home folder, the
        file system's root, or (outside the home folder) the top of the run."""
        if os.path.lexists(os.path.join(folder, ".git")) or folder == os.path.dirname(folder) or folder == self._home:
            return True
        return folder == self._root and self._stop_at_root

    def _read(self, folder: str) -> Layer | None:
        from bolaudit.config.files import CONFIG_NAME, PYPROJECT, config_in, file_values

        present = [name for name in (CONFIG_NAME, PYPROJECT) if os.path.isfile(os.path.join(folder, name))]
        # Watched: an edit that adds or drops [tool.bolaudit].
        self.watched.extend(os.path.join(folder, name) for name in present)
        if not present:
            return None  # most folders: two stats, no second look
        where = Path(folder)
        try:
            found = config_in(where)
            if found is None:
                return None
            path, table = found
            values, _ = file_values(path, table, where)
        except ConfigError as error:
            broken = where / (CONFIG_NAME if os.path.isfile(where / CONFIG_NAME) else PYPROJECT)
            return self._layer(where, broken, {}, str(error))
        return self._layer(where, path, values)

    def _layer(self, folder: Path, path: Path | None, values: Mapping[str, object], error: str = "") -> Layer:
        if folder.is_relative_to(self.root):
            inner = folder.relative_to(self.root).as_posix() + "/" if folder != self.root else ""
            outer = ""
        else:
            inner, outer = "", self.root.relative_to(folder).as_posix() + "/"
        layer = Layer(path, inner, outer, error=error, **per_file(values))
        self._layers[folder] = layer
        return layer


def per_file(values: Mapping[str, object]) -> dict[str, Any]:
    """The settings of a config's values that judge single files (``Layer``'s fields)."""
    return {key: values[key] for key in ("select", "ignore", "exclude", "per_file_ignores") if key in values}
