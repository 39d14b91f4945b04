"""Where expressions are evaluated, and the small helpers every part of the evaluator shares.

A ``Ctx`` names the module an expression was written in, the function whose parameters it may
mention, the class ``self`` is an instance of, and (when a call site is being followed) the
arguments bound to the parameters. A ``Callee`` is a project function a call reaches, and how.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field
from typing import TYPE_CHECKING, Protocol, TypeVar

from bolaudit.extract.exprtools import dotted
from bolaudit.facts import Attr, CallExpr, CallFact, Const, Expr, LoopVar, Name, Param, Subscript
from bolaudit.records import record
from bolaudit.resolve.values import Obj, SVal

if TYPE_CHECKING:
    from bolaudit.resolve.index import FactIndex

MAX_ALTERNATIVES = 16
MAX_DEPTH = 30
T = TypeVar("T")


@record(slots=True)
class Ctx:
    """Where an expression is evaluated. ``depth`` bounds the work and is not part of identity
    (so results are shared between depths); the hash is computed once, as contexts nest."""

    path: str
    func: str | None = None
    self_cls: tuple[str, str] | None = None
    bindings: tuple[tuple[str, Expr, Ctx], ...] | None = None
    depth: int = field(default=0, compare=False)
    # Entered to read state (``self.x`` set in a method): that method's parameters are bound by
    # whoever calls it, not by the request being resolved.
    state: bool = False
    _hash: int = field(default=0, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self._hash:
            object.__setattr__(self, "_hash", hash((self.path, self.func, self.self_cls, self.bindings, self.state)))

    def __hash__(self) -> int:
        return self._hash

    def deeper(self) -> Ctx:
        return Ctx(self.path, self.func, self.self_cls, self.bindings, self.depth + 1, self.state, self._hash)


@record(slots=True)
class Callee:
    """A project function a call reaches: ``how`` is direct, self, super, method or init."""

    target: tuple[str, str]
    how: str
    self_cls: tuple[str, str] | None


Callers = dict[tuple[str, str], list[tuple[str, CallFact, Callee]]]
"""Function -> the call sites that reach it: (caller path, the call, how it is reached)."""


class EvaluatorParts(Protocol):
    """What the evaluator's parts (``binding``, ``objects``) ask of the evaluator they belong to.

    A protocol, so that the parts need not import the evaluator (which imports them)."""

    index: FactIndex
    callers: Callers
    allow_by_name: bool

    def resolve(self, expr: Expr, ctx: Ctx) -> list[tuple[Expr, Ctx]]: ...
    def objects(self, expr: Expr, ctx: Ctx) -> list[Obj]: ...
    def callees_of(self, expr: CallExpr, ctx: Ctx) -> list[Callee]: ...
    def ctx_for(self, path: str, func: str | None) -> Ctx: ...
    def memoised(self, kind: str, expr: Expr, ctx: Ctx, compute: object) -> object: ...
    def strings(self, expr: Expr, ctx: Ctx) -> list[SVal]: ...
    def string(self, expr: Expr, ctx: Ctx) -> SVal: ...
    def dict_item(self, expr: Expr, key: str, ctx: Ctx) -> list[tuple[Expr, Ctx]]: ...
    def sites_of(self, key: tuple[str, str]) -> list[tuple[str, CallFact, Callee]]: ...
    def dict_lookup(self, expr: Expr, key: str, ctx: Ctx) -> tuple[list[tuple[Expr, Ctx]], bool]: ...


def dedupe(items: Iterable[T]) -> list[T]:
    """Distinct items in order, at most ``MAX_ALTERNATIVES``."""
    out: list[T] = []
    for i in items:
        if i not in out:
            out.append(i)
            if len(out) >= MAX_ALTERNATIVES:
                break
    return out


def describe(expr: Expr) -> str:
    name = dotted(expr) if isinstance(expr, (Name, Attr)) else None
    if name is not None:
        return f"`{name}` is not known statically"
    if isinstance(expr, Param):
        return f"parameter `{expr.name}` of `{expr.func}` has no known caller"
    if isinstance(expr, LoopVar):
        return f"loop variable `{expr.name}`"
    if isinstance(expr, CallExpr):
        return f"result of `{render(expr)}`"
    if isinstance(expr, Subscript):
        return f"`{render(expr)}` is not known statically"
    return "a value not known statically"


def render(expr: Expr, depth: int = 0) -> str:
    """A short source-like text of a name/attribute/call/item chain, for messages."""
    if depth > 6:
        return "…"
    if isinstance(expr, Name):
        return expr.id
    if isinstance(expr, Param):
        return expr.name
    if isinstance(expr, LoopVar):
        return expr.name
    if isinstance(expr, Attr):
        return f"{render(expr.base, depth + 1)}.{expr.attr}"
    if isinstance(expr, CallExpr):
        return f"{render(expr.func, depth + 1)}({'...' if expr.args or expr.kwargs else ''})"
    if isinstance(expr, Subscript):
        key = repr(expr.key.value) if isinstance(expr.key, Const) else "..."
        return f"{render(expr.base, depth + 1)}[{key}]"
    if isinstance(expr, Const):
        return repr(expr.value)
    return "…"


def param_key(expr: Expr, ctx: Ctx) -> str:
    """``path::qualname`` of the function when ``expr`` is one of its parameters, or an
    attribute/item/method of one (its callers may bind it); "" otherwise."""
    while isinstance(expr, (Attr, Subscript, CallExpr)):
        if isinstance(expr, Subscript) and isinstance(expr.key, Param):
            return f"{ctx.path}::{expr.key.func}"  # ``ENDPOINTS[kind]``: the caller picks the key
        if isinstance(expr, CallExpr) and isinstance(expr.func, Attr) and expr.func.attr in ("get", "pop"):
            if expr.args and isinstance(expr.args[0], Param):
                return f"{ctx.path}::{expr.args[0].func}"  # ``ENDPOINTS.get(kind)``
        expr = expr.base if isinstance(expr, (Attr, Subscript)) else expr.func
    return f"{ctx.path}::{expr.func}" if isinstance(expr, Param) else ""


def func_key(path: str, func: str | None) -> str:
    return f"{path}::{func}"
