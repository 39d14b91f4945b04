"""The last run's outcome, reused as is while no file, folder or setting it depended on changed.

Kept apart from the per-file entries (``cache``) in a small JSON file of its own beside them, so
that a run on an unchanged tree loads the result it prints, a ``freshness.Snapshot`` to check and
the results file's header, and nothing else: no file is listed, read or parsed, no rule module is
imported. Facts come back from the per-file entries only if a command asks for the project
(``scopes``, ``--verify-credentials``).

The record holds the content key of every file it analysed, and is reused only while the results
file holds those same keys: a record whose results were never saved (a full disk), or were
replaced since, means a full run. It is read with the same schema check as the results
(``jsoncodec``): a broken or foreign record is ignored.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bolaudit.findings import Finding, Problem
from bolaudit.pipeline.freshness import Snapshot
from bolaudit.pipeline.suppress import Suppressed, UnusedSuppression
from bolaudit.records import record

if TYPE_CHECKING:
    from bolaudit.config import Config
    from bolaudit.pipeline.jsoncodec import Codec

FORMAT = 2
FILE_NAME = "last_run.json"


@record
class LastRun:
    key: str  # run_key(): the settings, the paths asked for, bolaudit's code
    snapshot: Snapshot
    findings: tuple[Finding, ...]
    problems: tuple[Problem, ...]
    suppressed: tuple[Suppressed, ...]
    unused: tuple[UnusedSuppression, ...]
    analysed: tuple[str, ...]
    keys: tuple[str, ...]  # the content key of each analysed file, as the results file holds it
    files_seen: int


def run_key(paths: Sequence[Path], config: Config) -> str:
    """What a run's result depends on besides the files: the paths asked for, the whole
    configuration and bolaudit's own code (its catalog included)."""
    from bolaudit.pipeline.cache import code_version

    h = hashlib.sha256()
    asked = sorted(os.path.abspath(p) for p in paths) or [os.getcwd()]
    for part in (code_version(), str(FORMAT), repr(config), repr(asked)):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def _file(cache_dir: Path, root: Path) -> Path:
    from bolaudit.pipeline.cache import project_folder

    return project_folder(cache_dir, root) / FILE_NAME


@functools.cache
def _codec() -> Codec:
    from bolaudit.pipeline.cache import valid_span
    from bolaudit.findings import Span
    from bolaudit.pipeline.jsoncodec import Codec

    return Codec(LastRun, checks={Span: valid_span})


def load(cache_dir: Path, root: Path, key: str) -> LastRun | None:
    """The last run, if it had the same ``key``, the results file still holds every content key
    it recorded, and nothing it depended on changed since."""
    from bolaudit.pipeline.cache import no_gc, stored_keys
    from bolaudit.pipeline.jsoncodec import SchemaError

    try:
        with no_gc():
            loaded = json.loads(_file(cache_dir, root).read_bytes())
            if not (isinstance(loaded, dict) and loaded.get("bolaudit") == "last-run"
                    and loaded.get("format") == FORMAT and loaded.get("root") == os.fsdecode(root)
                    and loaded.get("key") == key):
                return None
            last: LastRun = _codec().decode(LastRun, loaded.get("record"))
    except (OSError, ValueError, RecursionError, MemoryError, SchemaError):
        return None  # a missing, broken or foreign record is as good as none
    if last.key != key or len(last.keys) != len(last.analysed):
        return None
    if last.analysed:
        stored = stored_keys(cache_dir, root)
        if stored is None or any(stored.get(rel) != k for rel, k in zip(last.analysed, last.keys)):
            return None
    return last if last.snapshot.unchanged() else None


def store(cache_dir: Path, root: Path, last: LastRun) -> None:
    """Write the record atomically (after the results it depends on); a read-only checkout or
    a full disk just keeps none."""
    from bolaudit.pipeline.cache import write_atomically

    try:
        record = _codec().dumps(last)
    except (TypeError, ValueError, RecursionError):
        forget(cache_dir, root)
        return
    text = f'{{"bolaudit":"last-run","format":{FORMAT},"root":{json.dumps(os.fsdecode(root))},' \
           f'"key":{json.dumps(last.key)},"record":{record}}}\n'
    if not write_atomically(cache_dir, _file(cache_dir, root), text):
        forget(cache_dir, root)


def forget(cache_dir: Path, root: Path) -> None:
    """Drop the record (a run that could not snapshot the tree, or save its results, must not
    leave an older one)."""
    try:
        _file(cache_dir, root).unlink(missing_ok=True)
    except OSError:
        return
