"""The fact extractor's shared state and helpers, declared once for all of its parts.

``FactExtractor`` (``extract.extractor``) is one LibCST visitor made of parts that each record one
kind of fact: assignments (``assign``), HTTP calls and sessions (``http``), literals
(``literals``), control flow (``blocks``), the state conditions read and calls write
(``state``). They share the scope frames, the facts collected so far and a few helpers. This
base declares that shared surface, so each part type-checks on its own and none imports the
extractor; the stubs only tell the type checker (the real methods come
earlier in ``FactExtractor``'s MRO, which lists this base last).
"""

from __future__ import annotations

import libcst as cst

from bolaudit.extract.frames import ClassFrame, Frame
from bolaudit.extract.visitors import FastVisitor
from bolaudit.facts import (
    Branch,
    CallFact,
    ClassFact,
    Expr,
    FunctionFact,
    Guard,
    Import,
    LiteralFact,
    LoopFact,
    Param,
    ParamSpec,
    VerifyOff,
)
from bolaudit.findings import Span


class ExtractorBase(FastVisitor):
    path: str
    statement: cst.CSTNode | None
    frames: list[Frame]
    classes: list[ClassFrame]
    kinds: list[str]
    constants: dict[str, Expr]
    imports: list[Import]
    functions: list[FunctionFact]
    class_facts: list[ClassFact]
    calls: list[CallFact]
    loops: list[LoopFact]
    literals: list[LiteralFact]
    branches: list[Branch]
    verify_offs: list[VerifyOff]
    _assigned: dict[cst.CSTNode, str]
    _awaited: set[cst.CSTNode]
    _comp_saved: list[dict[str, Expr | None]]

    # -- from the extractor itself

    @property
    def frame(self) -> Frame:
        raise NotImplementedError

    def span(self, node: cst.CSTNode) -> Span:
        raise NotImplementedError

    def expr(self, node: cst.BaseExpression | None) -> Expr:
        raise NotImplementedError

    def qualify(self, expr: Expr) -> str | None:
        raise NotImplementedError

    def _state(self, node: cst.BaseExpression) -> str | None:
        raise NotImplementedError

    def _guard(self, kind: str, test: cst.BaseExpression) -> Guard:
        raise NotImplementedError

    def _number_constant(self, name: str) -> float | None:
        raise NotImplementedError

    def _normal_state(self, dotted_name: str) -> str:
        raise NotImplementedError

    _numbers: dict[str, float]
    _tests: dict[int, tuple[cst.BaseExpression, tuple[bool, float | None, int | None, float | None]]]

    # -- from the assignments part (``assign``)

    def _class_of_frame(self) -> ClassFrame | None:
        raise NotImplementedError

    # -- from the HTTP part (``http``)

    def branch_enter(self, test: cst.BaseExpression, positive: bool) -> None:
        raise NotImplementedError

    def branch_leave(self) -> None:
        raise NotImplementedError

    def defaulted(self, name: str, value: Expr) -> Expr:
        raise NotImplementedError

    def local_item(self, target: cst.Subscript, value: Expr) -> None:
        raise NotImplementedError

    def header_assignment(self, target: cst.Attribute, value: Expr) -> None:
        raise NotImplementedError

    def verify_assignment(self, target: cst.Attribute, value: Expr) -> None:
        raise NotImplementedError

    def header_item(self, target: cst.Subscript, key: Expr, value: Expr) -> None:
        raise NotImplementedError

    def _param_spec(self, param: Param) -> ParamSpec | None:
        raise NotImplementedError
