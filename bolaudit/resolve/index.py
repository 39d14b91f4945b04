"""The fact index: every analysed file's facts, and names resolved across modules.

``FactIndex`` indexes the ``ModuleFacts`` of every analysed file and answers questions of the
facts alone: what a name in a module refers to (following imports, ``from x import y as z``,
package re-exports), the method resolution order of project classes, a method looked up along
it. It evaluates nothing: values, callers and requests are built on top of it
(``resolve.evaluate``, ``resolve.callers``, ``resolve.requests``), and the whole project stage is
put together in one place, ``bolaudit.project``.

May import: the leaf types, ``extract`` (module names of paths). Nothing else of bolaudit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from bolaudit.extract import import_graph
from bolaudit.facts import (
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
from bolaudit.records import record

MAX_IMPORT_HOPS = 8
# A def or class at the start of a line, after its indentation: one pass finds both what a
# module defines and its methods (a ``^``-anchored regex tries every position of the bytes).
_DEFINITION = re.compile(rb"\n([ \t]*)(?:async[ \t]+)?(def|class)[ \t]+([A-Za-z_][A-Za-z0-9_]*)")


@record(slots=True)
class Symbol:
    """What a module-level name is. ``kind``: constant, function, class, module, external, unknown."""

    kind: str
    path: str = ""
    name: str = ""  # qualname (function/class), constant name, or qualified external name
    value: Expr | None = None


def caller_word(qualname: str) -> str:
    """The word a call of function ``qualname`` says: its name, or its class's for ``__init__``."""
    parts = qualname.split(".")
    return parts[-2] if parts[-1] == "__init__" and len(parts) > 1 else parts[-1]


class Deferred:
    """A module the engine has not analysed yet: its dotted name and its bytes. What its bytes
    define is read once, though the project stage runs once per round of deferral."""

    __slots__ = ("module", "data", "inert", "_defined", "_methods", "_says")

    def __init__(self, module: str, data: bytes, inert: bool = True) -> None:
        self.module = module
        self.data = data
        # Neither it nor what it imports speaks HTTP, bol or a token grant: a call into it from
        # analysed code reaches no request (so building the callers index does not ask for it).
        self.inert = inert
        self._defined: frozenset[str] | None = None
        self._methods: frozenset[str] = frozenset()
        self._says: dict[bytes, bool] = {}

    def __repr__(self) -> str:
        return f"Deferred({self.module!r}, {len(self.data)} bytes, inert={self.inert})"

    def defined(self) -> frozenset[str]:
        """The functions and classes its bytes define, at any depth."""
        if self._defined is None:
            defined: set[str] = set()
            methods: set[str] = set()
            for indent, kind, name in _DEFINITION.findall(b"\n" + self.data):
                text = name.decode("ascii", "replace")
                defined.add(text)
                if indent and kind == b"def":
                    methods.add(text)
            self._defined, self._methods = frozenset(defined), frozenset(methods)
        return self._defined

    def methods(self) -> frozenset[str]:
        """The functions its bytes define indented: methods (and nested functions)."""
        self.defined()
        return self._methods

    def mentions(self, word: bytes) -> bool:
        """Its bytes say ``word`` as a call, an argument or a base class would, or import it
        ``as`` another name (``_mentions``); asked again in every round of the project stage."""
        found = self._says.get(word)
        if found is None:
            found = self._says[word] = word in self.data and _mentions(self.data, word)
        return found


FuncKey = tuple[str, str]  # (path, qualname)
Scope = tuple[str, str | None]  # (path, qualname of a function, or None: module level)


class FactIndex:
    """The facts of every analysed module, indexed; names resolved across imports."""

    def __init__(self, modules: Mapping[str, ModuleFacts], deferred: Mapping[str, Deferred] | None = None) -> None:
        self.modules: dict[str, ModuleFacts] = dict(modules)
        # Modules not analysed yet (``selection.select``): a name that leads into one is answered
        # as unknown, and the module is recorded in ``asked``; the engine then analyses what
        # was asked for and builds the project again, until nothing new is asked.
        self._deferred = {p: d for p, d in (deferred or {}).items() if p not in self.modules}
        self.asked: set[str] = set()
        # False while the callers index is built: that an inert deferred function is called
        # from analysed code says nothing until the function itself is asked for (the index is
        # built again, with it, in the round that analyses its module).
        self.asking = True
        self.deferred_hits = 0  # answers that a deferred module made unknown (asked or not)
        self._mentions: dict[bytes, list[str]] = {}
        self._deferred_defs: dict[str, list[str]] | None = None
        self._aliases = import_graph.module_aliases(
            [*((p, m.module) for p, m in self.modules.items()), *((p, d.module) for p, d in self._deferred.items())]
        )
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
        self._mro: dict[FuncKey, tuple[FuncKey, ...]] = {}  # the index is read-only once built
        self._subclasses: dict[FuncKey, list[FuncKey]] | None = None
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

    def module_path(self, name: str, ask: bool = True) -> str | None:
        """The analysed project module imported as ``name``; ``ask``: a deferred one is asked
        for (False where an answer about a module not analysed changes nothing)."""
        if name not in self._module_paths:
            self._module_paths[name] = import_graph.lookup_module(name, self._aliases)
        path = self._module_paths[name]
        if path is not None and path in self._deferred:
            self.deferred_hits += 1
            if ask:
                self.ask([path])
            return None
        return path

    def ask(self, paths: list[str]) -> None:
        self.asked.update(p for p in paths if self.asking or not self._deferred[p].inert)

    def ask_mentions(self, name: str) -> None:
        """A question about every module (the call sites of a function ``name``, the subclasses
        of a class ``name``): the deferred modules whose bytes say ``name`` where a call, an
        argument or a base class list would (before ``(``, ``,`` or ``)``), or import it under
        another name, are asked for. An import's list of names is no such place: every module of
        a generated client imports ``ApiClient``, and none calls it."""
        if not self._deferred:
            return
        word = name.encode()
        found = self._mentions.get(word)
        if found is None:
            found = self._mentions[word] = [p for p, d in self._deferred.items() if d.mentions(word)]
        self.ask(found)

    def deferred_names(self) -> set[str]:
        """The functions and classes deferred modules define, read from their bytes."""
        return set().union(*(d.defined() for d in self._deferred.values()))

    def deferred_methods(self, name: str) -> list[str]:
        """Deferred modules whose bytes define a method ``name`` (an indented ``def``)."""
        if self._deferred_defs is None:
            self._deferred_defs = {}
            for p, d in self._deferred.items():
                for found in d.methods():
                    self._deferred_defs.setdefault(found, []).append(p)
        return list(self._deferred_defs.get(name, ()))

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
        found = self._mro.get(cls)
        if found is None:
            hits = self.deferred_hits
            found = tuple(self._mro_of(cls))
            if hits == self.deferred_hits:  # not cut short by a module not analysed yet
                self._mro[cls] = found
        return list(found)

    def _mro_of(self, cls: FuncKey) -> list[FuncKey]:
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
        self.ask_mentions(cls[1].rsplit(".", 1)[-1])
        found = self._subclasses
        if found is None:
            hits, found = self.deferred_hits, {}
            for c in self.classes:
                for base in self.mro(c)[1:]:
                    found.setdefault(base, []).append(c)
            if hits == self.deferred_hits:
                self._subclasses = found
        return list(found.get(cls, ()))

    def iter_modules(self) -> Iterator[tuple[str, ModuleFacts]]:
        yield from sorted(self.modules.items())


def _mentions(data: bytes, word: bytes) -> bool:
    """``data`` says ``word`` as a call, an argument or a base class, or imports it ``as`` another
    name (whose calls then do not say ``word``)."""
    # The word first, then what precedes it: a search that starts with a look-behind tries
    # every position of the bytes, one that starts with the word skips to it.
    w = re.escape(word)
    at_start = rb"(?<!\w" + w + rb")"
    if re.search(w + at_start + rb"\s+as\s", data):
        return True
    return any(not _in_import(data, m.start()) for m in re.finditer(w + at_start + rb"\s*[(),]", data))


def _in_import(data: bytes, at: int) -> bool:
    """Position ``at`` is in an import statement: on a ``from``/``import`` line or in the
    parenthesised names of a ``from x import (...)`` (which hold no parenthesis of their own)."""
    if data[data.rfind(b"\n", 0, at) + 1 : at].lstrip().startswith((b"from ", b"import ")):
        return True
    opened = data.rfind(b"import (", 0, at)
    return (opened >= 0 and b")" not in data[opened:at]
            and data[data.rfind(b"\n", 0, opened) + 1 : opened].lstrip().startswith(b"from "))
