"""Which listed paths the configs leave out, judged level by level as a walk prunes.

A folder or file is left out when the config judging its folder (the nearest above it: a config
does not speak about the folder it sits in) or ``--exclude`` matches it, and everything under a
left-out folder is left out. So a config's patterns stop where a nearer config starts, as ruff's
do, and a file's verdict never depends on the other paths of the run.

A path named on the command line is audited even when a config excludes it (``bolaudit check
examples`` audits the examples a config leaves out of the whole-repository audit), as ruff does;
below it, the patterns that matched it are set aside and the others still apply.
``--force-exclude`` (the pre-commit hook sets it) excludes named paths too.
"""

from __future__ import annotations

import os
from pathlib import Path

from bolaudit.bounded.files import text_within

from bolaudit.config import Config, Layer
from bolaudit.config.tree import ConfigTree, home_folder


class Exclusions:
    """The configs of one run, found as the files are listed, and the verdicts on their paths."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.tree = ConfigTree(config.root, home_folder(os.environ)) if config.nested else None
        self._scopes: dict[Path, Scope] = {}

    def layer_of(self, folder: Path | str) -> Layer:
        """The layer judging the entries of ``folder`` (real and absolute)."""
        found = self.tree.governing(folder) if self.tree is not None else None
        return found if found is not None else self.config.base

    def layers(self) -> tuple[Layer, ...]:
        return self.tree.layers if self.tree is not None else self.config.layers

    def watched(self) -> list[str]:
        return self.tree.watched if self.tree is not None else []

    def scope(self, named: Path) -> Scope:
        """Verdicts under a folder named on the command line (real and absolute)."""
        found = self._scopes.get(named)
        if found is None:
            found = self._scopes[named] = Scope(self, named)
        return found

    def named_excluded(self, path: Path) -> bool:
        """Whether a path named on the command line is left out (only with ``--force-exclude``)."""
        if not self.config.command_line.force_exclude:
            return False
        return self.scope(self.config.root).excluded(path, os.path.isdir(path))

    def matches(self, layer: Layer, path: Path, is_dir: bool, dropped: frozenset[Dropped] = frozenset()) -> bool:
        """Whether ``layer``'s exclude or ``--exclude`` matches ``path``, the ``dropped``
        patterns set aside."""
        if not layer.exclude and not self.config.command_line.exclude:
            return False  # nothing to match: most trees, most layers
        rel = _relative(path, self.config.root)
        if rel is None or not layer.contains(rel):
            return False
        suffix = "/" if is_dir else ""
        own = tuple(p for p in layer.exclude if (_key(layer), p) not in dropped)
        if own and _match(own, layer.local(rel) + suffix):
            return True
        cli = tuple(p for p in self.config.command_line.exclude if (CLI, p) not in dropped)
        return bool(cli) and _match(cli, rel + suffix)

    def matching(self, layer: Layer, folder: Path) -> frozenset[Dropped]:
        """The patterns (of ``layer`` and ``--exclude``) that match ``folder`` each on its own."""
        rel = _relative(folder, self.config.root)
        if rel is None:
            return frozenset()
        own = [(_key(layer), p) for p in layer.exclude if layer.contains(rel) and _match((p,), layer.local(rel) + "/")]
        cli = [(CLI, p) for p in self.config.command_line.exclude if _match((p,), rel + "/")]
        return frozenset(own + cli)


Dropped = tuple[tuple[str, str], str]  # (the layer's place, or CLI), pattern
CLI = ("--exclude", "")


def _key(layer: Layer) -> tuple[str, str]:
    return (layer.inner, layer.outer)


def _match(patterns: tuple[str, ...], rel: str) -> bool:
    from bolaudit.config.patterns import pattern_set

    return pattern_set(patterns).match(rel)


class Scope:
    """Verdicts on the paths below one named folder (or, for ``--force-exclude``, the root)."""

    def __init__(self, owner: Exclusions, top: Path) -> None:
        self.owner = owner
        self.top = top
        self._top_text = os.fspath(top)
        self._folders: dict[str, bool] = {self._top_text: False}
        # A listed file's folder (by its text): whether it is left out, and the layer judging it.
        self._parents: dict[str, tuple[bool, Layer]] = {}
        self._dropped: frozenset[Dropped] = frozenset()
        if top != owner.config.root and not owner.config.command_line.force_exclude:
            self._dropped = owner.matching(owner.layer_of(top.parent), top)

    def excluded(self, path: Path, is_dir: bool) -> bool:
        """Whether ``path`` (at or below the scope's top) is left out."""
        text = os.fspath(path)
        if text == self._top_text:
            return False
        parent = os.path.dirname(text)
        known = self._parents.get(parent)
        if known is None:  # once per folder: the files of a folder share its verdict and layer
            known = self._parents[parent] = (self.folder_excluded(parent), self.owner.layer_of(parent))
        if known[0]:
            return True
        return self.owner.matches(known[1], path, is_dir, self._dropped)

    def folder_excluded(self, folder: Path | str) -> bool:
        """Whether ``folder`` or a folder above it (below the top) is left out. By the folders'
        text: made and compared once per folder of a large tree, pathlib's parsing adds up."""
        chain: list[str] = []
        current = os.fspath(folder)
        while current not in self._folders:
            if not text_within(current, self._top_text) or current == os.path.dirname(current):
                return False
            chain.append(current)
            current = os.path.dirname(current)
        verdict = self._folders[current]
        cli = bool(self.owner.config.command_line.exclude)
        for below in reversed(chain):
            if not verdict:
                layer = self.owner.layer_of(os.path.dirname(below))
                if layer.exclude or cli:  # else nothing can match: most trees, most layers
                    verdict = self.owner.matches(layer, Path(below), True, self._dropped)
            self._folders[below] = verdict
        return verdict


def _relative(path: Path, root: Path) -> str | None:
    text, base = str(path), str(root)
    if text.startswith(base) and text[len(base):len(base) + 1] == os.sep:
        rel = text[len(base) + 1:]
        return rel if os.sep == "/" else rel.replace(os.sep, "/")
    return None
