"""The project stage's view of all facts: modules, symbols across imports, classes, callers.

``Project`` indexes the ``ModuleFacts`` of every analysed file and answers the questions rules
ask: what a name in a module refers to (following imports, ``from x import y as z``, package
re-exports), the method resolution order of project classes, which functions a call reaches
(``self.m()``, ``super().m()``, ``obj.m()`` with ``obj`` an instance of a project class,
constructors), and who calls a function. Resolved requests and the call graph are built lazily on
first use and shared by every rule of the run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from bolaudit.extract import prefilter
from bolaudit.config import Config
from bolaudit.facts import (
    Name,
    Attr,
    CallFact,
    ClassFact,
    Expr,
    FunctionFact,
    HeaderSet,
    HttpCall,
    Import,
    LoopFact,
    ModuleFacts,
    SessionFact,
)

from bolaudit.resolve.evaluate import Callee

if TYPE_CHECKING:
    from bolaudit.resolve.evaluate import Evaluator
    from bolaudit.resolve.requests import ResolvedRequest
    from bolaudit.tokens.flow import TokenFlow
    from bolaudit.catalog import Catalog

MAX_IMPORT_HOPS = 8


@dataclass(frozen=True, slots=True)
class Symbol:
    """What a module-level name is. ``kind``: constant, function, class, module, external, unknown."""

    kind: str
    path: str = ""
    name: str = ""  # qualname (function/class), constant name, or qualified external name
    value: Expr | None = None


FuncKey = tuple[str, str]  # (path, qualname)


class Project:
    def __init__(self, modules: Mapping[str, ModuleFacts], config: Config | None = None) -> None:
        self.modules: dict[str, ModuleFacts] = dict(modules)
        self.config = config or Config()
        self._aliases = prefilter.module_aliases((p, m.module) for p, m in self.modules.items())
        self._module_paths: dict[str, str | None] = {}
        self.functions: dict[FuncKey, FunctionFact] = {}
        self.classes: dict[FuncKey, ClassFact] = {}
        self.calls: dict[tuple[str, int], CallFact] = {}
        self.sessions: dict[tuple[str, int], SessionFact] = {}
        self.loops: dict[tuple[str, int], LoopFact] = {}
        self.calls_in: dict[tuple[str, str | None], list[CallFact]] = {}
        self.http_in: dict[tuple[str, str | None], list[HttpCall]] = {}
        self.header_sets_in: dict[str, list[HeaderSet]] = {}
        self._by_method_name: dict[str, list[FuncKey]] | None = None
        self._callers: dict[FuncKey, list[tuple[str, CallFact, Callee]]] | None = None
        self._constants: dict[str, dict[str, Expr]] = {}
        self._imports: dict[str, dict[str, Import]] = {}
        for path, m in self.modules.items():
            self._constants[path] = dict(m.constants)
            self._imports[path] = {i.local: i for i in m.imports}
            for f in m.functions:
                self.functions[(path, f.qualname)] = f
            for c in m.classes:
                self.classes[(path, c.qualname)] = c
            for call in m.calls:
                self.calls[(path, call.id)] = call
                self.calls_in.setdefault((path, call.func), []).append(call)
            for h in m.http_calls:
                self.http_in.setdefault((path, h.func), []).append(h)
            for s in m.sessions:
                self.sessions[(path, s.call)] = s
            for loop in m.loops:
                self.loops[(path, loop.id)] = loop
            self.header_sets_in[path] = list(m.header_sets)

    # ------------------------------------------------------------------ modules and names

    def module_path(self, name: str) -> str | None:
        if name not in self._module_paths:
            self._module_paths[name] = prefilter.lookup_module(name, self._aliases)
        return self._module_paths[name]

    def imports_of(self, path: str) -> Mapping[str, Import]:
        return self._imports.get(path, {})

    def constant(self, path: str, name: str) -> Expr | None:
        return self._constants.get(path, {}).get(name)

    def symbol(self, path: str, name: str, hops: int = 0) -> Symbol:
        """What ``name`` means at the top level of module ``path``."""
        if hops > MAX_IMPORT_HOPS:
            return Symbol("unknown", path, name)
        if (path, name) in self.classes:
            return Symbol("class", path, name)
        if (path, name) in self.functions:
            return Symbol("function", path, name)
        value = self.constant(path, name)
        if value is not None:
            return Symbol("constant", path, name, value)
        imp = self.imports_of(path).get(name)
        if imp is None:
            return Symbol("unknown", path, name)
        return self.imported(imp, hops + 1)

    def imported(self, imp: Import, hops: int = 0) -> Symbol:
        if imp.name is None:
            target = self.module_path(imp.module)
            if target is None:
                return Symbol("external", "", imp.module)
            return Symbol("module", target, imp.module)
        target = self.module_path(imp.module)
        if target is not None:
            sym = self.symbol(target, imp.name, hops)
            if sym.kind != "unknown":
                return sym
        sub = self.module_path(f"{imp.module}.{imp.name}")
        if sub is not None:
            return Symbol("module", sub, f"{imp.module}.{imp.name}")
        if target is None:
            return Symbol("external", "", f"{imp.module}.{imp.name}")
        return Symbol("unknown", target, imp.name)

    def qualified(self, path: str, dotted: str) -> str | None:
        """Import-qualified name of a dotted expression outside the project (``httpx.Client``)."""
        head, _, rest = dotted.partition(".")
        imp = self.imports_of(path).get(head)
        if imp is None:
            return dotted if head in ("os", "str", "dict", "super", "map") else None
        base = imp.module + ("." + imp.name if imp.name else "")
        return base + ("." + rest if rest else "")

    # ------------------------------------------------------------------ classes

    def class_symbol(self, path: str, expr: Expr) -> FuncKey | None:
        from bolaudit.extract.exprtools import dotted

        name = dotted(expr)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        sym = self.symbol(path, head)
        while rest and sym.kind == "module":
            part, _, rest = rest.partition(".")
            sym = self.symbol(sym.path, part)
        if rest:
            if sym.kind == "class" and (sym.path, f"{sym.name}.{rest}") in self.classes:
                return (sym.path, f"{sym.name}.{rest}")
            return None
        return (sym.path, sym.name) if sym.kind == "class" else None

    def mro(self, cls: FuncKey) -> list[FuncKey]:
        """Project classes in method resolution order (depth-first, no duplicates; enough here)."""
        out: list[FuncKey] = []
        stack = [cls]
        while stack and len(out) < 32:
            cur = stack.pop(0)
            if cur in out or cur not in self.classes:
                continue
            out.append(cur)
            bases = [self.class_symbol(cur[0], b) for b in self.classes[cur].bases]
            stack = [b for b in bases if b is not None] + stack
        return out

    def external_bases(self, cls: FuncKey) -> list[str]:
        from bolaudit.extract.exprtools import dotted

        out: list[str] = []
        for c in self.mro(cls):
            for b in self.classes[c].bases:
                name = dotted(b)
                if name is not None and self.class_symbol(c[0], b) is None:
                    q = self.qualified(c[0], name)
                    if q is not None:
                        out.append(q)
        return out

    def method(self, cls: FuncKey, name: str, after: FuncKey | None = None) -> FuncKey | None:
        """``name`` looked up along the MRO of ``cls`` (after ``after`` for ``super()``)."""
        order = self.mro(cls)
        if after is not None and after in order:
            order = order[order.index(after) + 1 :]
        for c in order:
            key = (c[0], f"{c[1]}.{name}")
            if key in self.functions:
                return key
        return None

    def class_of(self, func: FuncKey) -> FuncKey | None:
        f = self.functions.get(func)
        if f is None or f.cls is None:
            return None
        return (func[0], f.cls)

    def methods_named(self, name: str) -> list[FuncKey]:
        """Every project method called ``name`` (for calls on objects of unknown type)."""
        if self._by_method_name is None:
            self._by_method_name = {}
            for key, f in self.functions.items():
                if f.cls is not None and key[1] == f"{f.cls}.{key[1].rsplit('.', 1)[-1]}":
                    self._by_method_name.setdefault(key[1].rsplit(".", 1)[-1], []).append(key)
        return self._by_method_name.get(name, [])

    def subclasses(self, cls: FuncKey) -> list[FuncKey]:
        return [c for c in self.classes if c != cls and cls in self.mro(c)]

    # ------------------------------------------------------------------ derived, built lazily

    @cached_property
    def catalog(self) -> Catalog:
        from bolaudit.catalog import load_catalog

        cat = load_catalog()
        if self.config.scopes:
            cat = cat.with_overrides(scope_map=self.config.scopes)
        return cat

    @cached_property
    def evaluator(self) -> Evaluator:
        from bolaudit.resolve.evaluate import Evaluator

        return Evaluator(self)

    @property
    def callers(self) -> dict[FuncKey, list[tuple[str, CallFact, Callee]]]:
        """Function -> the call sites that reach it: (caller path, the call, how it is reached).

        Resolving a callee may itself need callers (``self.client`` set from a constructor
        argument), so the index is built in rounds: each round resolves what it can with the
        index so far, until nothing new is found.
        """
        if self._callers is None:
            self._callers = {}
            self._build_callers(self._callers)
        return self._callers

    def _build_callers(self, index: dict[FuncKey, list[tuple[str, CallFact, Callee]]]) -> None:
        ev = self.evaluator
        # A call can only reach a project function whose name it ends in (or a class, for a
        # constructor): the others (print, json, requests.get...) are never evaluated, in no round.
        names = {q.rsplit(".", 1)[-1] for _, q in self.functions} | {
            q.rsplit(".", 1)[-1] for _, q in self.classes
        }
        pending = sorted(
            (kv for kv in self.calls.items() if _callee_name(kv[1].callee) in names),
            key=lambda kv: (kv[0][0], kv[0][1]),
        )
        ev.allow_by_name = False
        for round_ in range(6):
            ev.clear()
            unresolved: list[tuple[tuple[str, int], CallFact]] = []
            found = False
            for (path, cid), call in pending:
                callees = ev.callees(path, call)
                if not callees:
                    unresolved.append(((path, cid), call))
                    continue
                found = True
                for callee in callees:
                    index.setdefault(callee.target, []).append((path, call, callee))
            pending = unresolved
            if not pending or (not found and ev.allow_by_name):
                break
            if not found or round_ == 4:
                ev.allow_by_name = True
        ev.allow_by_name = True
        ev.clear()

    @cached_property
    def requests(self) -> list[ResolvedRequest]:
        from bolaudit.resolve.requests import resolve_all

        return resolve_all(self)

    @cached_property
    def tokenflow(self) -> TokenFlow:
        """Token requests, token sources and the call chains to them (the BOL2xx rules share it)."""
        from bolaudit.tokens.flow import TokenFlow

        return TokenFlow(self)

    def iter_modules(self) -> Iterator[tuple[str, ModuleFacts]]:
        yield from sorted(self.modules.items())


def _callee_name(expr: Expr) -> str | None:
    """The name a call ends in: ``f`` for ``f()``, ``m`` for ``a.b.m()``; None for other shapes."""
    if isinstance(expr, Name):
        return expr.id
    if isinstance(expr, Attr):
        return expr.attr
    return None
