"""Decide from a file's bytes, cheaply, whether it can matter; only files that can are parsed.

A Python file matters when its bytes mention bol (hosts, media types, credential names, token
grants) or hold a credential shape, or when it imports a module that matters (a loop in
``sync.py`` that calls ``BolClient.get_order`` from ``bol/client.py`` matters, though it never says
"bol"). The import closure runs over the regex-extracted imports of every Python file, so the
decision needs no parse. Most files of a large unrelated codebase match nothing and cost one regex
search.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

BOL_BYTES = re.compile(
    rb"bol\.com|plazaapi|vnd\.retailer|vnd\.economic-operator|vnd\.delivery-promise|vnd\.advertiser"
    rb"|retailer-demo|\bBOL_|\bbol_|\bBol[A-Z_]|client_credentials|grant_type|fetch_token"
    rb"|fetch_access_token|OAuth2Session|OAuth2Client|[Cc]lient_?[Ss]ecret|CLIENT_SECRET"
)

_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+\(?([^\n#;]*)|import[ \t]+([^\n#;]+))",
    re.MULTILINE,
)


def content_matters(data: bytes, extra: re.Pattern[bytes] | None = None) -> bool:
    if BOL_BYTES.search(data):
        return True
    return extra is not None and extra.search(data) is not None


def imported_modules(data: bytes, module: str, is_package: bool) -> set[str]:
    """Absolute names of modules a file imports (``from .x import y`` -> ``pkg.x`` and ``pkg.x.y``)."""
    out: set[str] = set()
    for m in _IMPORT.finditer(data):
        if m.group(3) is not None:
            for part in m.group(3).split(b","):
                name = part.strip().split(b" ")[0].decode("ascii", "replace")
                if name:
                    out.add(name)
            continue
        raw = m.group(1).decode("ascii", "replace")
        level = len(raw) - len(raw.lstrip("."))
        base = _absolute(raw.lstrip("."), level, module, is_package)
        if base:
            out.add(base)
        for part in m.group(2).replace(b"(", b"").split(b","):
            name = part.strip().split(b" ")[0].decode("ascii", "replace")
            if name and name.isidentifier():
                out.add(f"{base}.{name}" if base else name)
    return out


def _absolute(name: str, level: int, module: str, is_package: bool) -> str:
    if level == 0:
        return name
    parts = module.split(".") if module else []
    keep = len(parts) - level + (1 if is_package else 0)
    base = parts[: max(keep, 0)]
    return ".".join([*base, name] if name else base)


def closure(
    matters: Mapping[str, bool], imports: Mapping[str, set[str]], aliases: Mapping[str, str]
) -> set[str]:
    """Paths that matter: by content, or by importing (transitively) a module that matters.

    ``matters`` and ``imports`` are keyed by path; ``aliases`` maps every name a module can be
    imported by (its dotted name, and shorter suffixes for scripts run from their folder) to its
    path.
    """
    result = {p for p, m in matters.items() if m}
    importers: dict[str, set[str]] = {}
    for path, names in imports.items():
        for name in names:
            target = lookup_module(name, aliases)
            if target is not None and target != path:
                importers.setdefault(target, set()).add(path)
    todo = list(result)
    while todo:
        cur = todo.pop()
        for imp in importers.get(cur, ()):
            if imp not in result:
                result.add(imp)
                todo.append(imp)
    return result


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
