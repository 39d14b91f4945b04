"""The separate programs of one repository, and which places each one reads (for BOL103).

bol asks for credentials per app. Beside separately deployed apps (``apps``), one repository often
holds several programs that run on their own: a pipeline script and, beside it, an MCP server; a
web app and a reporting script; a scheduler job. A *program* here is:

* an entry module: a Python module with a main guard (``if __name__ == "__main__":``) or that
  makes a server or worker at module level (``FastMCP(...)``/the MCP SDK's ``Server(...)``,
  ``FastAPI()``, ``Flask(...)``, ``Starlette(...)``, ``Quart(...)``, ``Celery(...)``); never a
  module under ``tests/``, ``examples/``, ``docs/`` or a test file, ``setup.py``, ``conftest.py``;
* with everything it reaches: the project modules it imports, transitively; the modules named by
  a dotted string (``"shop.settings"`` for ``DJANGO_SETTINGS_MODULE``, ``ROOT_URLCONF``, a Celery
  ``include``); and the config files any of those names by a literal file name
  (``open("config.json")``, ``Path(__file__).parent / "bol.yaml"``, ``load_dotenv("pipeline.env")``).

A place (a module or a config file) belongs to every program that reaches it: a library imported
by two scripts belongs to both. A place no program reaches belongs to none, and then takes no part.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from bolaudit.extract.exprtools import dotted
from bolaudit.facts import (
    Attr,
    CallExpr,
    Choice,
    Concat,
    Const,
    DictExpr,
    Expr,
    Format,
    Join,
    ModuleFacts,
    Seq,
    Subscript,
)
from bolaudit.records import record

if TYPE_CHECKING:
    from bolaudit.resolve.index import FactIndex

SERVERS = ("mcp.server.fastmcp.FastMCP", "fastmcp.FastMCP", "mcp.server.Server", "mcp.server.lowlevel.Server",
           "fastapi.FastAPI", "flask.Flask", "starlette.applications.Starlette", "quart.Quart", "celery.Celery")
_NOT_PROGRAMS = re.compile(
    r"(?:^|/)(?:tests?|testing|examples?|samples?|docs?)/|(?:^|/)(?:test_[^/]*|[^/]*_test|conftest|setup|noxfile"
    r"|fabfile)\.py$"
)
_CONFIG = re.compile(r"(?:^|/)(?:[\w.-]*\.(?:json|ya?ml|toml|ini|cfg|conf|env)|\.env[\w.-]*)$", re.IGNORECASE)
_DOTTED = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")
MAX_REACH = 4000  # places one program is followed to, so that a huge tree stays cheap
MAX_DEPTH = 8


@record(slots=True)
class Program:
    """An entry module; ``kind`` says why it is one (``main guard``, ``MCP server``...)."""

    path: str
    kind: str


@record
class ProgramMap:
    programs: tuple[Program, ...]
    reach: Mapping[str, frozenset[str]]  # place (path) -> the entry paths of the programs reaching it

    def of(self, path: str) -> frozenset[str]:
        return self.reach.get(path, frozenset())

    def program(self, path: str) -> Program | None:
        return next((p for p in self.programs if p.path == path), None)


def excluded(path: str) -> bool:
    """Tests, examples and docs: neither programs nor places of one."""
    return _NOT_PROGRAMS.search(path) is not None


def find_programs(index: FactIndex) -> ProgramMap:
    programs = [p for path, facts in sorted(index.modules.items()) if (p := _entry(index, path, facts))]
    by_module = {f.module: p for p, f in index.modules.items() if f.module}
    configs = [p for p in index.modules if not p.endswith((".py", ".ipynb")) and _CONFIG.search(p)]
    reach: dict[str, set[str]] = {}
    for program in programs:
        for place in _reached(index, program.path, by_module, configs):
            if not excluded(place):
                reach.setdefault(place, set()).add(program.path)
    return ProgramMap(tuple(programs), {k: frozenset(v) for k, v in reach.items()})


def _entry(index: FactIndex, path: str, facts: ModuleFacts) -> Program | None:
    if not path.endswith(".py") or excluded(path):
        return None
    kind = ""
    for call in facts.calls:
        if call.func is not None:
            continue
        if any(g.kind == "if" and "global:__name__" in g.reads for g in call.guards):
            kind = kind or "script"
        name = dotted(call.callee)
        qual = index.qualified(path, name) if name is not None else None
        if qual in SERVERS:
            return Program(path, _server_kind(qual))
    return Program(path, kind) if kind else None


def _server_kind(qual: str) -> str:
    if qual.startswith(("mcp.", "fastmcp")):
        return "MCP server"
    if qual == "celery.Celery":
        return "worker"
    return "web app"


def _reached(index: FactIndex, entry: str, by_module: Mapping[str, str], configs: list[str]) -> set[str]:
    """The modules and config files the program of ``entry`` reaches."""
    seen = {entry}
    todo = [entry]
    while todo and len(seen) < MAX_REACH:
        path = todo.pop()
        facts = index.modules.get(path)
        if facts is None or not path.endswith(".py"):
            continue
        targets: set[str] = set()
        for imp in facts.imports:
            found = index.module_path(f"{imp.module}.{imp.name}") if imp.name else None
            found = found or index.module_path(imp.module)
            if found is not None:
                targets.add(found)
        for text in _strings(facts):
            if _DOTTED.match(text) and text in by_module:
                targets.add(by_module[text])
            elif _CONFIG.search(text):
                targets.update(_config_files(text, path, configs))
        for target in targets - seen:
            seen.add(target)
            todo.append(target)
    return seen


def _config_files(text: str, module: str, configs: list[str]) -> list[str]:
    """The config files a literal file name may mean, seen from ``module``: the path from the
    root, from the module's folder, else the one file whose path ends with it (the nearest to
    the module when several do)."""
    name = text.replace("\\", "/").lstrip("/")
    while name.startswith("./"):
        name = name[2:]
    folder = posixpath.dirname(module)
    for candidate in (name, posixpath.normpath(posixpath.join(folder, name))):
        if candidate in configs:
            return [candidate]
    ends = [c for c in configs if c.endswith("/" + name)]
    if len(ends) <= 1:
        return ends
    near = [c for c in ends if c.startswith(folder + "/")] if folder else []
    return near if len(near) == 1 else []


def _strings(facts: ModuleFacts) -> Iterator[str]:
    """Every string constant in the module's calls and constants (file names, module names)."""
    for call in facts.calls:
        for expr in (call.callee, *call.args, *(v for _, v in call.kwargs)):
            yield from _consts(expr, 0)
    for _, value in facts.constants:
        yield from _consts(value, 0)
    for cls in facts.classes:
        for _, value in cls.class_attrs:
            yield from _consts(value, 0)


def _consts(expr: Expr, depth: int) -> Iterator[str]:
    if depth > MAX_DEPTH:
        return
    d = depth + 1
    if isinstance(expr, Const):
        if isinstance(expr.value, str) and len(expr.value) < 300:
            yield expr.value
    elif isinstance(expr, Concat):
        last = expr.parts[-1] if expr.parts else None
        if isinstance(last, Const) and isinstance(last.value, str):
            yield last.value  # ``BASE_DIR / "config.json"``, ``os.path.join(HERE, "bol.yaml")``
        for part in expr.parts:
            yield from _consts(part, d)
    elif isinstance(expr, CallExpr):
        for sub in (expr.func, *expr.args, *(v for _, v in expr.kwargs)):
            yield from _consts(sub, d)
    elif isinstance(expr, (Attr, Subscript)):
        yield from _consts(expr.base, d)
    elif isinstance(expr, (Seq, Choice, Join, Format, DictExpr)):
        subs: tuple[Expr, ...]
        if isinstance(expr, Seq):
            subs = expr.items
        elif isinstance(expr, Choice):
            subs = expr.options
        elif isinstance(expr, Join):
            subs = (expr.items,)
        elif isinstance(expr, Format):
            subs = (expr.template, *expr.args)
        else:
            subs = tuple(v for _, v in expr.items)
        for sub in subs:
            yield from _consts(sub, d)
