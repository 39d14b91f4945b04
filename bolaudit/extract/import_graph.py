"""Which modules a Python file imports, read from its bytes with a regex, and the closures the
prefilter follows over them: the files that import bol code, and what bol code imports. No
parse: deciding which files to parse is what these are for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

# ``from X import a, b`` (X in group 1, the names in group 2) or ``import a, b`` (group 3).
IMPORT_LINE = re.compile(
    rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+\(?([^\n#;]*)|import[ \t]+([^\n#;]+))",
    re.MULTILINE,
)


def imported_modules(data: bytes, module: str, is_package: bool) -> set[str]:
    """Absolute names of modules a file imports (``from .x import y`` -> ``pkg.x`` and ``pkg.x.y``)."""
    out: set[str] = set()
    for m in IMPORT_LINE.finditer(data):
        if m.group(3) is not None:
            for part in m.group(3).split(b","):
                name = part.strip().split(b" ")[0].decode("ascii", "replace")
                if name:
                    out.add(name)
            continue
        raw = m.group(1).decode("ascii", "replace")
        level = len(raw) - len(raw.lstrip("."))
        base = absolute(raw.lstrip("."), level, module, is_package)
        if base:
            out.add(base)
        for part in m.group(2).replace(b"(", b"").split(b","):
            name = part.strip().split(b" ")[0].decode("ascii", "replace")
            if name and name.isidentifier():
                out.add(f"{base}.{name}" if base else name)
    return out


def called_imports(data: bytes, module: str, is_package: bool) -> set[str]:
    """``imported_modules`` a file calls into: the modules it imports a name from (or imports)
    where that name is then called or has an attribute read (``ApiClient.get_default()``,
    ``rest.RESTClientObject(...)``), not only named in an annotation. A guess, from the bytes."""
    out: set[str] = set()
    for m in IMPORT_LINE.finditer(data):
        if m.group(3) is not None:
            for part in m.group(3).split(b","):
                words = part.split()
                if words:
                    local = words[2] if len(words) >= 3 and words[1] == b"as" else words[0].split(b".")[0]
                    if _used(data, local):
                        out.add(words[0].decode("ascii", "replace"))
            continue
        raw = m.group(1).decode("ascii", "replace")
        level = len(raw) - len(raw.lstrip("."))
        base = absolute(raw.lstrip("."), level, module, is_package)
        names = m.group(2)
        if b"(" in m.group(0):  # ``from x import (`` and its names up to the ``)``
            close = data.find(b")", m.end())
            names = data[m.start(2): close if close >= 0 else m.end()]
        for part in names.replace(b"\n", b",").split(b","):
            words = part.split()
            if not words or not _IDENTIFIER.fullmatch(words[0]):
                continue
            local = words[2] if len(words) >= 3 and words[1] == b"as" else words[0]
            if _used(data, local):
                name = words[0].decode("ascii", "replace")
                out.update((base, f"{base}.{name}") if base else (name,))
    return out


_IDENTIFIER = re.compile(rb"[A-Za-z_]\w*")


def _used(data: bytes, local: bytes) -> bool:
    """``local`` is called or has an attribute read somewhere but in an import statement."""
    if not _IDENTIFIER.fullmatch(local):
        return False
    for m in re.finditer(local + rb"(?<![\w.]" + local + rb")\s*[(.]", data):
        line = data[data.rfind(b"\n", 0, m.start()) + 1 : m.start()].lstrip()
        if not line.startswith((b"from ", b"import ")):
            return True
    return False


def absolute(name: str, level: int, module: str, is_package: bool) -> str:
    if level == 0:
        return name
    parts = module.split(".") if module else []
    keep = len(parts) - level + (1 if is_package else 0)
    base = parts[: max(keep, 0)]
    return ".".join([*base, name] if name else base)


def importers_closure(
    api: Mapping[str, tuple[str, bool]],
    python: Mapping[str, bytes],
    module_of: Callable[[str], tuple[str, bool]],
    memo: dict[str, set[str]] | None = None,
) -> set[str]:
    """Python files that import, directly or through others, a module that mentions bol's API.

    ``api`` maps the paths of such modules to (dotted name, is-package); ``python`` holds every
    Python file's bytes. A file can only import module ``a.b.c`` if its bytes contain ``c`` (or
    ``b`` for ``from a import b``): that substring test picks the few candidates whose imports
    are then read, so unrelated files cost one fast scan per frontier module, and no regex.
    A generated client's files all say its package's name: each file's imports are read once
    (``memo``, by path, may be shared between the closures of one run).
    """
    imports = _ImportsOf(python, module_of, memo)
    result: set[str] = set(api)
    frontier = dict(api)
    while frontier:
        aliases = module_aliases((path, name) for path, (name, _) in frontier.items())
        words = {part.encode() for name, _ in frontier.values() for part in name.split(".")[-2:] if part}
        next_frontier: dict[str, tuple[str, bool]] = {}
        reaches: dict[str, bool] = {}  # imported name -> names a frontier module
        for path, data in python.items():
            if path in result or not any(w in data for w in words):
                continue
            for name in imports(path):
                hit = reaches.get(name)
                if hit is None:
                    hit = reaches[name] = lookup_module(name, aliases) is not None
                if hit:
                    next_frontier[path] = module_of(path)
                    break
        result.update(next_frontier)
        frontier = next_frontier
    return result


def imports_closure(
    start: Iterable[str],
    python: Mapping[str, bytes],
    module_of: Callable[[str], tuple[str, bool]],
    hops: int = 3,
    memo: dict[str, set[str]] | None = None,
) -> set[str]:
    """Project modules that files in ``start`` import, directly or through up to ``hops``
    imports: the base class, the constants module and the endpoint groups of an integration
    often never say "bol", yet its requests are built from them."""
    imports = _ImportsOf(python, module_of, memo)
    aliases = module_aliases((path, module_of(path)[0]) for path in python)
    seen = set(start)
    found: set[str] = set()
    frontier = [p for p in seen if p in python]
    for _ in range(hops):
        following: list[str] = []
        for path in frontier:
            for name in imports(path):
                target = lookup_module(name, aliases)
                if target is not None and target not in seen:
                    seen.add(target)
                    found.add(target)
                    following.append(target)
        frontier = following
    return found


class _ImportsOf:
    """``imported_modules`` of a file by its path, each file's read once."""

    def __init__(self, python: Mapping[str, bytes], module_of: Callable[[str], tuple[str, bool]],
                 memo: dict[str, set[str]] | None) -> None:
        self.python, self.module_of = python, module_of
        self.memo: dict[str, set[str]] = {} if memo is None else memo

    def __call__(self, path: str) -> set[str]:
        found = self.memo.get(path)
        if found is None:
            found = self.memo[path] = imported_modules(self.python[path], *self.module_of(path))
        return found


def module_aliases(modules: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Names by which each module can be imported -> its path (exact dotted names win)."""
    exact: dict[str, str] = {}
    loose: dict[str, str | None] = {}
    for path, name in modules:
        if not name:
            continue
        exact[name] = path
        parts = name.split(".")
        for i in range(1, len(parts)):
            suffix = ".".join(parts[i:])
            loose[suffix] = None if suffix in loose and loose[suffix] != path else path
    out = {k: v for k, v in loose.items() if v is not None}
    out.update(exact)
    return out


def lookup_module(name: str, aliases: Mapping[str, str]) -> str | None:
    """The path of the module imported as ``name``; tries shorter suffixes for namespace layouts."""
    parts = name.split(".")
    for i in range(len(parts)):
        found = aliases.get(".".join(parts[i:]))
        if found is not None:
            return found
    return None
