"""Scope frames the extractor keeps while it walks a module: module, class and function levels."""

from __future__ import annotations

from dataclasses import dataclass, field

from bolaudit.facts import Expr, Guard, Import, LoopVar, ParamSpec, Param, Name
from bolaudit.findings import Span


@dataclass
class Fork:
    """A compound statement being walked (``extract.envs``): the locals before it, the locals
    that reach its end, and (for ``try``) the locals at the end of the ``try`` body."""

    before: dict[str, Expr]
    ends: list[dict[str, Expr]] = field(default_factory=list)
    tried: dict[str, Expr] | None = None
    tried_falls_through: bool = True


@dataclass
class Frame:
    """A function (``qualname`` set) or the module (``qualname`` None)."""

    qualname: str | None
    cls: str | None = None
    params: dict[str, ParamSpec] = field(default_factory=dict)
    self_names: tuple[str, ...] = ()
    locals: dict[str, Expr] = field(default_factory=dict)
    imports: dict[str, Import] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    writes: list[str] = field(default_factory=list)
    returns: list[Expr] = field(default_factory=list)
    early: list[Guard] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)
    loops: list[int] = field(default_factory=list)
    depth: int = 0  # nesting of blocks (if/for/while/try/with) inside the function body
    decorators: tuple[Expr, ...] = ()
    is_async: bool = False
    span: Span | None = None
    return_annotation: Expr | None = None
    # Compound statements being walked, innermost last (``extract.envs``); function frames only.
    forks: list[Fork] = field(default_factory=list)

    def write(self, state: str) -> None:
        if state not in self.writes:
            self.writes.append(state)

    def lookup(self, name: str) -> Expr | None:
        if name in self.locals:
            return self.locals[name]
        if self.qualname is not None and name in self.params:
            if name in self.self_names:
                return Name("self") if self.self_names[0] == name else Name("cls")
            return Param(self.qualname, name)
        return None

    def bind_loop(self, loop: int, names: tuple[str, ...]) -> None:
        for n in names:
            self.locals[n] = LoopVar(loop, n)


@dataclass
class ClassFrame:
    qualname: str
    bases: tuple[Expr, ...]
    span: Span
    attrs: dict[str, Expr] = field(default_factory=dict)
    instance_attrs: list[tuple[str, Expr, str]] = field(default_factory=list)
    annotated: list[tuple[str, Expr, Span]] = field(default_factory=list)

    def instance_value(self, attr: str) -> Expr | None:
        for name, value, _ in reversed(self.instance_attrs):
            if name == attr:
                return value
        return None
