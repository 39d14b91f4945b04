"""Which files an audit analyses, decided from their bytes and their imports; nothing is parsed.

``select`` keeps the files that mention bol's API (hosts, media types, bol-named identifiers,
token grants), that may hold a credential (a credential word and a value's shape), that deploy
an app (for BOL103), or that Python cannot decode (a BOL000); then the Python files that import
those, and that they import. Files named one by one (pre-commit) get ``context_files``: the
modules they import, found by name, so a base URL or a wrapper defined elsewhere still resolves.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path

from bolaudit.config import DEFAULT_MAX_FILE_SIZE, Config
from bolaudit.findings import Problem, ProblemKind
from bolaudit.pipeline.sources import SourceFile

Datas = dict[str, tuple[SourceFile, bytes]]


def module_name(path: Path, rel: str) -> tuple[str, bool]:
    """Dotted module name of a Python file by its package folders (``__init__.py``), and is-package."""
    stem = path.stem
    is_package = stem == "__init__"
    parts: list[str] = [] if is_package else [stem]
    folder = path.parent
    while _is_package(folder):
        parts.append(folder.name)
        folder = folder.parent
    if not parts and is_package:
        parts = [path.parent.name]
    name = ".".join(reversed(parts))
    return (name if all(p.isidentifier() for p in parts) else ""), is_package


@cache
def _is_package(folder: Path) -> bool:
    return (folder / "__init__.py").is_file()


_SKIP, _NOTHING, _API, _WANTED = range(4)  # what select makes of one file's bytes


def select(
    datas: Datas, candidate: re.Pattern[bytes], named: Iterable[str] = (), context: bool = True
) -> tuple[Callable[[str], tuple[str, bool]], set[str], dict[str, bool]]:
    """Which files can matter, decided from their bytes and the import closure; no parsing.

    Returns the module namer, the wanted files, and the deferred ones among them (each with
    whether it is inert): Python modules wanted only because a wanted file imports them, whose
    bytes say nothing of bol, OAuth, credentials or HTTP (``prefilter.http_words``), and that are
    no package's ``__init__``. Such a module can only lend definitions (an endpoint class, a
    constant, a helper) to the code that imports it; the engine analyses it when the project
    stage asks for one of its names (``FactIndex.asked``), not before. A generated client's
    hundreds of model modules are never asked for. ``named`` files (given one by one) are never
    deferred; with ``context`` (a run that reports on the named files only) every other module
    is, but one that may hold a credential when a named file may too, and one is inert only if
    neither it nor a module it imports speaks HTTP, bol or a token grant."""
    from bolaudit.extract import import_graph, prefilter
    from bolaudit.credentials.apps import deploy_matters

    names: dict[str, tuple[str, bool]] = {}

    def module_of(rel: str) -> tuple[str, bool]:
        if rel not in names:
            names[rel] = module_name(datas[rel][0].path, rel)
        return names[rel]

    tops: set[str] = set()

    def in_project(name: str) -> bool:
        """``name`` is in one of the project's own top-level packages (or modules), read or not:
        a pre-commit run reads only the modules a named file imports."""
        if not tops:
            tops.update(module_of(rel)[0].split(".")[0] for rel, (f, _) in datas.items() if f.kind == "python")
            tops.add("")
        return name.split(".")[0] in tops and bool(name)

    def verdict(item: tuple[str, tuple[SourceFile, bytes]]) -> int:
        rel, (f, data) = item
        if f.kind == "text" and b"\0" in data[:8192]:
            data = _as_utf8(data)  # UTF-16/32: judged by its text
            if b"\0" in data[:8192]:
                return _SKIP  # binary: skipped silently
        low = data.lower()
        # A Python file's importers are followed, so OAuth words alone do not make it matter
        # (``prefilter.OAUTH_WORDS``); a text file's words are only its own.
        if prefilter.api_matters(data, low, oauth_alone=f.kind != "python"):
            if f.kind != "python" or prefilter.api_in_code(data, *module_of(rel), in_project):
                return _API
        if prefilter.credentials_matter(data, candidate, low):
            return _WANTED
        if f.kind == "text" and deploy_matters(rel, low):
            return _WANTED  # a compose env_file or a mounted bol secret: BOL103 reads the units
        if f.kind == "python" and not _decodes(data):
            return _WANTED  # cheap to tell, and worth a BOL000: Python cannot read this file
        return _NOTHING

    from bolaudit.pipeline.forked import map_in_halves

    items = list(datas.items())
    verdicts = map_in_halves(verdict, items, [len(data) for _, (_, data) in items])
    wanted: set[str] = set()
    api: dict[str, tuple[str, bool]] = {}
    python: dict[str, bytes] = {}
    for (rel, (f, data)), v in zip(items, verdicts):
        if v == _SKIP:
            continue
        if f.kind == "python":
            python[rel] = data
            if v == _API:
                api[rel] = module_of(rel)
        if v in (_API, _WANTED):
            wanted.add(rel)
    deferred: set[str] = set()
    if api:
        memo: dict[str, set[str]] = {}  # each file's imports, read once for the closures
        wanted |= import_graph.importers_closure(api, python, module_of, memo)
        imported = import_graph.imports_closure(wanted, python, module_of, memo=memo)
        wanted |= imported
        def inert(rel: str) -> bool:
            low = python[rel].lower()
            return not any(word in low for word in prefilter.http_words()) and not prefilter.oauth_words(low)

        keep = set(named)
        if keep and context:
            # A named run reports on the named files only: every other module is there to lend
            # them definitions (its requests and tokens are asked for through the names the
            # named files use), so it waits to be asked for, unless it may hold a credential
            # and so may a named file (credentials are compared across files; a model whose
            # example UUID looks like a client id holds nothing a named API module is judged by).
            # One that speaks HTTP, says bol or a token grant, or imports one that does, is
            # asked for also when analysed code merely calls into it (a loop's callee may
            # request a token).
            holders = any(prefilter.credentials_matter(datas[rel][1], candidate) for rel in keep if rel in datas)
            deferred = {
                rel for rel in wanted - keep
                if datas[rel][0].kind == "python" and not module_of(rel)[1]
                and _decodes(python[rel]) and not (holders and prefilter.credentials_matter(python[rel], candidate))
            }
            active = {rel: module_of(rel) for rel in wanted if rel in python and (rel in api or not inert(rel))}
            reaching = import_graph.importers_closure(active, python, module_of, memo) if active else set()
            return module_of, wanted, {rel: rel not in reaching for rel in deferred}
        deferred = {
            rel for rel in imported
            # A package's ``__init__`` re-exports: nearly every name lookup passes through it.
            if rel not in keep and datas[rel][0].kind == "python" and not module_of(rel)[1] and inert(rel)
        }
    return module_of, wanted, dict.fromkeys(deferred, True)


# How far from the named files, and how much, a named run's analyst parses before it is asked.
LIKELY_HOPS = 2
LIKELY_BYTES = 256 * 1024


def likely_asked(named: set[str], deferred: Mapping[str, bool], datas: Datas,
                 module_of: Callable[[str], tuple[str, bool]]) -> list[str]:
    """Deferred modules a named run's project stage will likely ask for, nearest first: those
    that are not inert (they speak HTTP, bol or a token grant, or import one that does) and that
    the named files call into (``import_graph.called_imports``), or that such a module calls
    into (``LIKELY_HOPS``). A generated client's endpoint group calls into its ``api_client``,
    which calls into ``rest`` and ``configuration``: each of those used to be asked for in a
    round of its own. Packages' re-exports are not followed (a client's ``__init__`` imports
    every module it has)."""
    from bolaudit.extract import import_graph

    active = [rel for rel, inert in deferred.items() if not inert]
    if not active:
        return []
    aliases = import_graph.module_aliases((rel, module_of(rel)[0]) for rel in active)
    found: list[str] = []
    size = 0
    frontier = sorted(rel for rel in named if rel in datas and datas[rel][0].kind == "python")
    for _ in range(LIKELY_HOPS):
        following: list[str] = []
        for rel in frontier:
            for name in sorted(import_graph.called_imports(datas[rel][1], *module_of(rel))):
                target = import_graph.lookup_module(name, aliases)
                if target is None or target in found:
                    continue
                size += len(datas[target][1])
                if size > LIKELY_BYTES:
                    return found
                found.append(target)
                following.append(target)
        frontier = following
    return found


def _as_utf8(data: bytes) -> bytes:
    """A UTF-16/32 text file's bytes as UTF-8, so the byte scans see its words; else as it is."""
    from bolaudit.extract.decoding import wide_encoding

    encoding = wide_encoding(data)
    if encoding is None:
        return data
    try:
        return data.decode(encoding).encode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return data


def read_all(
    files: Iterable[SourceFile], datas: Datas, problems: list[Problem], limit: int = DEFAULT_MAX_FILE_SIZE
) -> None:
    """Each file's bytes into ``datas``; ``limit`` is the size cap (``max-file-size``)."""
    from bolaudit.bounded.files import read_regular

    for f in files:
        if f.rel in datas:
            continue
        try:
            # The size was checked when the file was listed; a file that became a FIFO or grew
            # since must neither block the run nor fill its memory.
            data = f.data if f.data is not None else read_regular(f.path, max(f.size, limit))
            datas[f.rel] = (f, data)
        except OSError as exc:
            problems.append(
                Problem(ProblemKind.UNREADABLE, f.rel, f"cannot read: {exc.strerror or exc}")
            )


# Context for files named one by one: enough for a wrapper, its base class and its settings,
# bounded so that one named file of a large codebase does not read half of it (pre-commit speed).
MAX_CONTEXT_FILES = 120
MAX_CONTEXT_DEPTH = 3


def context_files(datas: Datas, config: Config) -> list[SourceFile]:
    """Python files the named files import, transitively, found by module name under the root."""
    from bolaudit.pipeline import sources
    from bolaudit.extract import import_graph
    from bolaudit.bounded.files import read_regular

    roots: list[Path] = [config.root, config.root / "src"]
    todo: list[tuple[Path, bytes, int]] = []
    for f, data in datas.values():
        path = f.path
        if f.kind != "python":
            continue
        module, is_package = module_name(path, "")
        depth = module.count(".") + (1 if is_package else 0) + 1
        roots.append(path.parents[depth - 1] if depth <= len(path.parents) else path.parent)
        todo.append((path, data, 0))
    seen = {f.path.resolve() for f, _ in datas.values()}
    found: list[Path] = []
    files = _ModuleFiles(roots)
    tried: set[Path] = set()
    while todo and len(found) < MAX_CONTEXT_FILES:
        path, data, depth = todo.pop(0)
        if depth >= MAX_CONTEXT_DEPTH:
            continue
        module, is_package = module_name(path, "")
        # In a fixed order: where ``MAX_CONTEXT_FILES`` cuts must not depend on hash seeds.
        for name in sorted(import_graph.imported_modules(data, module, is_package)):
            candidate = files.find(name)
            if candidate is not None and candidate not in tried:
                tried.add(candidate)
                real = files.real(candidate)
                if real in seen:
                    continue
                seen.add(real)
                found.append(candidate)
                try:
                    todo.append((candidate, read_regular(candidate, config.max_file_size), depth + 1))
                except OSError:
                    continue
    if not found:
        return []
    return sources.discover(found, config)[0]


class _ModuleFiles:
    """The file of a module name under the first root that has it (``a/b.py``, else
    ``a/b/__init__.py``). Generated clients' modules import the same names over and over, most
    of them from other distributions (``typing``, ``pydantic``): each name is looked up once, and
    a root without the name's top-level package or module is not searched for it."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = [str(root) for root in dict.fromkeys(roots)]
        self.found: dict[str, Path | None] = {}
        self.tops: dict[tuple[str, str], bool] = {}
        self.folders: dict[str, str] = {}  # folder -> its real path

    def real(self, path: Path) -> Path:
        """``path.resolve()``, its folder's real path looked up once."""
        if os.path.islink(path):
            return path.resolve()
        folder = os.path.dirname(path)
        found = self.folders.get(folder)
        if found is None:
            found = self.folders[folder] = os.path.realpath(folder)
        return Path(found, path.name)

    def find(self, name: str) -> Path | None:
        if name not in self.found:
            self.found[name] = self._find(name)
        return self.found[name]

    def _find(self, name: str) -> Path | None:
        parts = name.split(".")
        for root in self.roots:
            key = (root, parts[0])
            if key not in self.tops:
                top = os.path.join(root, parts[0])
                self.tops[key] = os.path.isdir(top) or os.path.isfile(top + ".py")
            if not self.tops[key]:
                continue
            base = os.path.join(root, *parts)
            for candidate in (base + ".py", os.path.join(base, "__init__.py")):
                if os.path.isfile(candidate):
                    return Path(candidate)
        return None


def _decodes(data: bytes) -> bool:
    """Whether a Python file's bytes decode as its PEP 263 declaration (or UTF-8) says; no parse."""
    from bolaudit.extract.decoding import DecodeFailure, decode_python

    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return not isinstance(decode_python(data), DecodeFailure)
