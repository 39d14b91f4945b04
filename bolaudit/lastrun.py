"""The last run's outcome, reused as is while no file, folder or setting it depended on changed.

Kept apart from the per-file entries (``cache``) in a small file of its own, so that a run on an
unchanged tree loads the result it prints and a ``freshness.Snapshot`` to check, and nothing else:
no file is listed, read or parsed, no rule module is imported. Facts come back from the per-file
entries only if a command asks for the project (``scopes``, ``--verify-credentials``).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bolaudit import __version__

if TYPE_CHECKING:
    from bolaudit.config import Config
    from bolaudit.findings import Finding, Problem
    from bolaudit.freshness import Snapshot
    from bolaudit.suppress import Suppressed, UnusedSuppression

FORMAT = 1
FILE_NAME = "last_run.pickle"


@dataclass(frozen=True)
class LastRun:
    key: str  # run_key(): the settings, the paths asked for, bolaudit's code
    snapshot: Snapshot
    findings: tuple[Finding, ...]
    problems: tuple[Problem, ...]
    suppressed: tuple[Suppressed, ...]
    unused: tuple[UnusedSuppression, ...]
    analysed: tuple[str, ...]
    files_seen: int


def run_key(paths: Sequence[Path], config: Config) -> str:
    """What a run's result depends on besides the files: the paths asked for, the whole
    configuration and bolaudit's own code."""
    from bolaudit.cache import code_version

    h = hashlib.sha256()
    asked = sorted(os.path.abspath(p) for p in paths) or [os.getcwd()]
    for part in (code_version(), str(FORMAT), repr(config), repr(asked)):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def _file(cache_dir: Path) -> Path:
    return cache_dir / f"v{__version__}" / FILE_NAME


def load(cache_dir: Path, key: str) -> LastRun | None:
    """The last run, if it had the same ``key`` and nothing it depended on changed since."""
    try:
        with _file(cache_dir).open("rb") as fh:
            loaded = pickle.load(fh)
    except Exception:  # noqa: BLE001 - a missing or broken record is as good as none
        return None
    if not isinstance(loaded, LastRun) or loaded.key != key:
        return None
    return loaded if loaded.snapshot.unchanged() else None


def store(cache_dir: Path, last: LastRun) -> None:
    """Write the record atomically; a read-only checkout or a full disk just keeps none."""
    from bolaudit.cache import dump_atomically

    dump_atomically(cache_dir, _file(cache_dir), last)


def forget(cache_dir: Path) -> None:
    """Drop the record (a run that could not snapshot the tree must not leave an older one)."""
    try:
        _file(cache_dir).unlink(missing_ok=True)
    except OSError:
        return
