"""The per-file result cache: each analysed file's result, keyed by path and content key.

One JSON file per project root (``<cache>/v<version>/<digest of the root>/results.json``), so
checkouts that share a cache folder never see each other's results. A run loads it once and
writes it back once (atomically) if anything changed. The first line is a header: the format,
the root and every entry's path and content key (what the whole-run record checks, without
reading the rest); then one line per entry, ``[path, key, result]``, parsed and checked against
the schema (``jsoncodec``) only when that entry is wanted. A file or entry that is missing,
broken, foreign or does not fit the schema is ignored: the cache can make a run slower or
faster, never change its results, and reading it never runs code.

Entries never hold secrets: facts keep credential hashes and masked forms only.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from bolaudit import __version__

if TYPE_CHECKING:
    from bolaudit.pipeline.filestage import FileResult
    from bolaudit.findings import Span
    from bolaudit.pipeline.jsoncodec import Codec

CACHE_GITIGNORE = "# Created by bolaudit; the cache is local to this machine.\n*\n"
FORMAT = 5
RESULTS = "results.json"
# What earlier versions kept (pickles, which run code when read): removed, never read.
LEGACY = ("results.pickle", "last_run.pickle")


@functools.cache
def code_version() -> str:
    """The version, plus a digest of bolaudit's own files: the names, sizes and mtimes of its
    source files and the content of its data (the catalog).

    A development checkout changes facts without changing ``__version__``; stale cached facts
    would then be used silently. Stat calls on ~100 files cost about a millisecond; the catalog
    is hashed, since regenerating it may keep its size.
    """
    roots = {os.path.dirname(os.path.dirname(os.path.realpath(__file__)))}  # the bolaudit package
    pack = importlib.import_module("bolaudit.rules")
    roots.update(os.path.realpath(p) for p in pack.__path__)
    return code_digest(__version__, sorted(roots))


def code_digest(version: str, roots: list[str]) -> str:
    """``code_version`` of the code in ``roots``."""
    h = hashlib.sha256(version.encode())
    for root in roots:
        for folder, dirs, files in sorted(os.walk(root)):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in sorted(files):
                path = os.path.join(folder, name)
                try:
                    if name.endswith(".py"):
                        st = os.stat(path)
                        h.update(f"{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
                    elif name.endswith(".json"):
                        with open(path, "rb") as fh:
                            h.update(f"{name}:".encode() + hashlib.sha256(fh.read()).digest())
                except OSError:
                    continue
    return h.hexdigest()[:16]


def content_key(data: bytes, kind: str, module: str, config_key: str) -> str:
    h = hashlib.sha256()
    for part in (code_version(), str(FORMAT), kind, module, config_key):
        h.update(part.encode())
        h.update(b"\0")
    h.update(data)
    return h.hexdigest()


def project_folder(cache_dir: Path, root: Path) -> Path:
    """This project's part of a cache folder: one per version and project root."""
    digest = hashlib.sha256(os.fsencode(root)).hexdigest()[:16]
    return cache_dir / f"v{__version__}" / digest


def valid_span(span: Span) -> bool:
    """1-based, and the end not before the start: what every reader of a span assumes."""
    return (1 <= span.line <= span.end_line and span.column >= 1 and span.end_column >= 1
            and (span.end_line > span.line or span.end_column >= span.column))


@functools.cache
def _codec() -> Codec:
    from bolaudit.pipeline.filestage import FileResult
    from bolaudit.findings import Span
    from bolaudit.pipeline.jsoncodec import Codec

    return Codec(FileResult, checks={Span: valid_span})


def _belongs(result: FileResult, rel: str) -> bool:
    """Whether a stored result speaks of ``rel`` only (as every result the per-file stage makes)."""
    return result.facts.path == rel and all(
        item.path == rel for items in (result.problems, result.suppressions) for item in items
    )


@contextmanager
def no_gc() -> Iterator[None]:
    """Parsing builds many objects and no cycles; the collector would only slow it (2-4x)."""
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _header(line: str, root: Path) -> list[tuple[str, str]] | None:
    """The (path, key) of every entry, from the first line; None if it is not ours."""
    try:
        head = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(head, dict) or head.get("bolaudit") != "results" or head.get("format") != FORMAT:
        return None
    entries = head.get("entries")
    if head.get("root") != os.fsdecode(root) or not isinstance(entries, list):
        return None
    pairs = []
    for entry in entries:
        if not (isinstance(entry, list) and len(entry) == 2 and all(type(x) is str for x in entry)):
            return None
        pairs.append((entry[0], entry[1]))
    return pairs


def stored_keys(cache_dir: Path, root: Path) -> dict[str, str] | None:
    """Each entry's content key as the results file holds it (its header only), or None."""
    try:
        with (project_folder(cache_dir, root) / RESULTS).open(encoding="utf-8") as fh:
            line = fh.readline()
    except (OSError, UnicodeDecodeError):
        return None
    pairs = _header(line, root)
    return None if pairs is None else dict(pairs)


class Cache:
    def __init__(self, folder: Path | None, root: Path) -> None:
        self.folder = folder
        self.root = root
        self.keys: dict[str, str] = {}  # path -> content key, of every entry
        self._lines: dict[str, str] = {}  # path -> its entry's line, as read (parsed when wanted)
        self._new: dict[str, tuple[str, FileResult]] = {}  # entries made by this run
        self.dirty = False
        if folder is not None:
            self._load()

    @property
    def file(self) -> Path | None:
        return None if self.folder is None else project_folder(self.folder, self.root) / RESULTS

    def _load(self) -> None:
        assert self.file is not None
        try:
            text = self.file.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return
        lines = text.split("\n")
        pairs = _header(lines[0], self.root)
        if pairs is None or len(lines) != len(pairs) + 2 or lines[-1] != "":
            return
        self.keys = dict(pairs)
        self._lines = {rel: line for (rel, _), line in zip(pairs, lines[1:])}

    def lookup(self, wanted: Mapping[str, str]) -> dict[str, FileResult]:
        """The stored result of each wanted path whose entry has the wanted content key and fits
        the schema. An entry that does not is dropped (its file is analysed again)."""
        from bolaudit.pipeline.filestage import FileResult
        from bolaudit.pipeline.jsoncodec import SchemaError

        found: dict[str, FileResult] = {}
        if not self._lines and not self._new:
            return found  # no cache, or a cold one: the decoder (10 ms of type hints) is not needed
        decode = _codec().decoder(FileResult)
        with no_gc():
            for rel, key in wanted.items():
                if rel in self._new:
                    if self._new[rel][0] == key:
                        found[rel] = self._new[rel][1]
                    continue
                line = self._lines.get(rel)
                if line is None or self.keys.get(rel) != key:
                    continue
                try:
                    entry = json.loads(line)
                    if not (type(entry) is list and len(entry) == 3 and entry[:2] == [rel, key]):
                        raise SchemaError("not this entry")
                    result = decode(entry[2])
                    if not _belongs(result, rel):
                        raise SchemaError("a result of another file")
                    found[rel] = result
                except (ValueError, TypeError, RecursionError, MemoryError):  # SchemaError is one
                    self._drop(rel)
        return found

    def _drop(self, rel: str) -> None:
        self._lines.pop(rel, None)
        self.keys.pop(rel, None)
        self.dirty = True

    def put(self, rel: str, key: str, result: FileResult) -> None:
        self._new[rel] = (key, result)
        self.keys[rel] = key
        self._lines.pop(rel, None)
        self.dirty = True

    def save(self) -> bool:
        """Write the entries back if anything changed; whether the file now holds every entry
        (False: a read-only checkout or a full disk; the run goes on without)."""
        if self.folder is None or not self.dirty:
            return self.folder is not None
        assert self.file is not None
        codec = _codec()
        lines: list[str] = []
        pairs: list[list[str]] = []
        for rel, line in self._lines.items():
            pairs.append([rel, self.keys[rel]])
            lines.append(line)
        complete = True
        for rel, (key, result) in self._new.items():
            try:
                lines.append(codec.dumps([rel, key, result]))
            except (TypeError, ValueError, RecursionError):  # not storable: analysed next time
                complete = False
                continue
            pairs.append([rel, key])
        head = {"bolaudit": "results", "format": FORMAT, "root": os.fsdecode(self.root), "entries": pairs}
        text = "\n".join([json.dumps(head, separators=(",", ":")), *lines]) + "\n"
        return write_atomically(self.folder, self.file, text) and complete


def write_atomically(cache_dir: Path, target: Path, text: str) -> bool:
    """Write ``text`` to ``target`` in the cache folder, all or nothing; whether it was written
    (a read-only checkout or a full disk just keeps no cache: the audit must not fail for it)."""
    import tempfile

    try:
        ensure_folder(cache_dir, target.parent)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, UnicodeEncodeError):
        return False
    return True


def ensure_folder(folder: Path, inner: Path | None = None) -> None:
    """The cache folder, with a ``.gitignore`` that keeps it out of git (and so out of every
    git-aware listing, ours included), and ``inner`` (a folder in it)."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text(CACHE_GITIGNORE)
    if inner is not None:
        inner.mkdir(parents=True, exist_ok=True)
        for name in LEGACY:
            (inner.parent / name).unlink(missing_ok=True)
