"""Spans of LibCST nodes without paying for LibCST's ``PositionProvider``.

``PositionProvider`` re-renders the whole module while tracking every node: measured on Django's
``db/models`` (28k lines), 8.2 s against 2.8 s for the parse itself. Facts need spans for a few
node kinds only (calls, string literals, definitions, loops, imports, assignments), and Python's
own ``ast`` parser (C, a third of LibCST's parse time) knows their exact positions. LibCST visits
nodes in source order, and so does a position sort of ``ast`` nodes, so the k-th call LibCST
visits is the k-th call by position in ``ast``: the ``Anchors`` visitor, first in the batch,
numbers each anchored node as it is visited, and ``Positions.span`` looks its twin up. Every pair
is checked (a call's name, a definition's name); a module where anything disagrees, and any node
kind that is not anchored, falls back to ``PositionProvider`` for that module, once. Spans are
1-based lines and columns, end exclusive, as ``findings.Span``.
"""

from __future__ import annotations

import functools
import ast
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Protocol, cast

import libcst as cst

from bolaudit.extract.visitors import FastVisitor
from bolaudit.extract.walk import walk
from libcst.metadata import MetadataWrapper, PositionProvider

from bolaudit.findings import Span

# LibCST node type -> the ast node types that are its twin.
_KINDS: dict[type[cst.CSTNode], tuple[type[ast.AST], ...]] = {
    cst.Call: (ast.Call,),
    cst.FunctionDef: (ast.FunctionDef, ast.AsyncFunctionDef),
    cst.ClassDef: (ast.ClassDef,),
    cst.For: (ast.For, ast.AsyncFor),
    cst.While: (ast.While,),
    cst.Import: (ast.Import,),
    cst.ImportFrom: (ast.ImportFrom,),
    cst.Assign: (ast.Assign,),
    cst.AnnAssign: (ast.AnnAssign,),
    cst.AugAssign: (ast.AugAssign,),
    cst.ListComp: (ast.ListComp,),
    cst.SetComp: (ast.SetComp,),
    cst.DictComp: (ast.DictComp,),
    cst.GeneratorExp: (ast.GeneratorExp,),
    cst.Return: (ast.Return,),
}
_STRING = "string"  # top-level string literals: a whole implicit concatenation is one


def _key(node: cst.CSTNode) -> type[cst.CSTNode] | str | None:
    t = type(node)
    if t in _KINDS:
        return t
    if t in (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString):
        return _STRING
    return None


class Anchors(FastVisitor):
    """Numbers anchored nodes in visit (= source) order; runs first in the batched traversal."""

    def __init__(self) -> None:
        super().__init__()
        self.index: dict[cst.CSTNode, tuple[object, int]] = {}
        self.counts: dict[object, int] = {}
        # A string inside an anchored one (a piece of an implicit concatenation, a literal in an
        # f-string's expression) -> that outermost string: ``ast`` has no node for it.
        self.inside: dict[cst.CSTNode, cst.CSTNode] = {}
        self._in_string = 0
        self._outer: cst.CSTNode | None = None

    def _add(self, node: cst.CSTNode, key: object) -> None:
        n = self.counts.get(key, 0)
        self.counts[key] = n + 1
        self.index[node] = (key, n)

    # Separate methods, not aliases: LibCST finds visitor methods by their ``__name__``.
    def _on_string(self, node: cst.CSTNode) -> None:
        if self._in_string == 0:
            self._add(node, _STRING)
            self._outer = node
        elif self._outer is not None:
            self.inside[node] = self._outer
        self._in_string += 1

    def _off_string(self) -> None:
        self._in_string -= 1
        if self._in_string == 0:
            self._outer = None

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self._on_string(node)

    def leave_SimpleString(self, original_node: cst.SimpleString) -> None:
        self._off_string()

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._on_string(node)

    def leave_FormattedString(self, original_node: cst.FormattedString) -> None:
        self._off_string()

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        self._on_string(node)

    def leave_ConcatenatedString(self, original_node: cst.ConcatenatedString) -> None:
        self._off_string()

    def visit_Call(self, node: cst.Call) -> None:
        self._add(node, cst.Call)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._add(node, cst.FunctionDef)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._add(node, cst.ClassDef)

    def visit_For(self, node: cst.For) -> None:
        self._add(node, cst.For)

    def visit_While(self, node: cst.While) -> None:
        self._add(node, cst.While)

    def visit_Import(self, node: cst.Import) -> None:
        self._add(node, cst.Import)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._add(node, cst.ImportFrom)

    def visit_Assign(self, node: cst.Assign) -> None:
        self._add(node, cst.Assign)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._add(node, cst.AnnAssign)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._add(node, cst.AugAssign)

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._add(node, cst.ListComp)

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._add(node, cst.SetComp)

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._add(node, cst.DictComp)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._add(node, cst.GeneratorExp)

    def visit_Return(self, node: cst.Return) -> None:
        self._add(node, cst.Return)


class Positioned(Protocol):
    positions: Positions | None


def traverse(
    module: cst.Module, source: str, visitors: Sequence[cst.BatchableCSTVisitor], tree: ast.AST | None = None
) -> Positions:
    """One batched traversal of ``module`` by ``visitors``, with spans available throughout.

    Visitors with a ``positions`` attribute get the module's ``Positions``; ``tree`` is the
    module's ``ast`` if the caller parsed it already (the file stage does, to vet the source).
    """
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    anchors = Anchors()
    positions = Positions(wrapper, source, anchors, tree)
    for v in visitors:
        if hasattr(v, "positions"):
            cast(Positioned, v).positions = positions
    walk(module, [anchors, *visitors])
    return positions


class Positions:
    """``span(node)`` for nodes of one module; computed lazily, cheaply where it can be."""

    def __init__(
        self, wrapper: MetadataWrapper, source: str, anchors: Anchors, tree: ast.AST | None = None
    ) -> None:
        self.wrapper = wrapper
        self.source = source
        self.anchors = anchors
        self._tree = tree
        self._twins: dict[object, list[ast.AST]] | None = None
        self._full: Any = None
        self._lines: list[str] | None = None
        self._within: dict[cst.CSTNode, tuple[Any, list[str]]] = {}
        self.fallbacks = 0  # how often the slow path ran (for the benchmark)

    def span(self, node: cst.CSTNode) -> Span:
        found = self.anchors.index.get(node)
        if found is not None and self._full is None:
            twins = self._ast_twins()
            if twins is not None:
                key, n = found
                same = twins.get(key, [])
                if n < len(same) and _agree(node, same[n]):
                    return self._span_of(same[n])
                self._twins = {}
        elif self._full is None and (outer := self.anchors.inside.get(node)) is not None:
            return self._inner(node, outer)
        return self._slow(node)

    def _inner(self, node: cst.CSTNode, outer: cst.CSTNode) -> Span:
        """A string inside the anchored string ``outer``: ``outer``'s span, plus where ``node``
        sits in ``outer``'s own code (LibCST's positions over that one expression, not the
        module: measured 0.65 s per module on site-packages for the whole-module provider)."""
        start = self.span(outer)
        if self._full is not None:  # ``outer`` itself fell back: the module's positions are there
            return self._slow(node)
        within = self._within.get(outer)
        if within is None:
            within = self._within[outer] = _positions_within(outer)
        positions, code_lines = within
        rng = positions[node]

        def column(line: int, col: int) -> int:  # ``line`` of the expression's own code, 1-based
            if line == 1:
                return start.column + col
            return 1 + col + self._indent(start.line + line - 1, code_lines[line - 1])

        return Span(
            start.line + rng.start.line - 1, column(rng.start.line, rng.start.column),
            start.line + rng.end.line - 1, column(rng.end.line, rng.end.column),
        )

    def _indent(self, line: int, code_line: str) -> int:
        """How much further right a line of an expression's code sits in the file: the block's
        indentation, which LibCST adds to a line that continues in parentheses (and which the
        expression's own code, rendered outside its block, does not have)."""
        if self._lines is None:
            self._lines = _split_lines(self.source)
        text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
        return max(_leading(text) - _leading(code_line), 0)

    # ------------------------------------------------------------------

    def _slow(self, node: cst.CSTNode) -> Span:
        if self._full is None:
            self.fallbacks += 1
            self._full = self.wrapper.resolve(PositionProvider)
        rng = self._full[node]
        return Span(rng.start.line, rng.start.column + 1, rng.end.line, rng.end.column + 1)

    def _ast_twins(self) -> dict[object, list[ast.AST]] | None:
        if self._twins is None:
            tree = self._tree
            if tree is None:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        tree = ast.parse(self.source)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    self._twins = {}
                    return None
            self._twins = _collect(tree)
        return self._twins or None

    def _span_of(self, node: ast.AST) -> Span:
        line, col = node.lineno, node.col_offset  # type: ignore[attr-defined]
        end_line, end_col = node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]
        return Span(line, self._chars(line, col) + 1, end_line, self._chars(end_line, end_col) + 1)

    def _chars(self, line: int, byte_col: int) -> int:
        """ast columns count UTF-8 bytes; ours count characters."""
        if self._lines is None:
            self._lines = _split_lines(self.source)
        if line - 1 >= len(self._lines):
            return byte_col
        text = self._lines[line - 1]
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))


def _positions_within(outer: cst.CSTNode) -> tuple[Any, list[str]]:
    """LibCST's positions of the nodes of one string expression, as if it started at line 1,
    column 0 (its parentheses left out: ``ast``'s span, which places it, leaves them out too),
    and the lines of its code."""
    bare = outer.with_changes(lpar=(), rpar=()) if getattr(outer, "lpar", None) else outer
    assert isinstance(bare, cst.BaseExpression)
    module = cst.Module(body=[cst.SimpleStatementLine(body=[cst.Expr(value=bare)])])
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return positions, _split_lines(module.code_for_node(bare))


def _leading(text: str) -> int:
    return len(text) - len(text.lstrip(" \t\f"))


def _agree(node: cst.CSTNode, twin: ast.AST) -> bool:
    """A cheap check that the pairing is right (a name where the node has one)."""
    if isinstance(node, cst.Call) and isinstance(twin, ast.Call):
        return _callee_name(node.func) == _ast_callee_name(twin.func)
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        return node.name.value == getattr(twin, "name", None)
    return True


def _callee_name(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def _ast_callee_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


@functools.cache
def _by_ast() -> dict[type[ast.AST], object]:
    return {t: cst_type for cst_type, ast_types in _KINDS.items() for t in ast_types}


def _collect(tree: ast.AST) -> dict[object, list[ast.AST]]:
    by_ast = _by_ast()
    out: dict[object, list[ast.AST]] = {}
    # Strings inside f-strings are not anchored (LibCST does not anchor them either); calls are.
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, in_fstring = stack.pop()
        kind = type(node)
        key: object | None = by_ast.get(kind)
        if key is None and (
            kind is ast.JoinedStr or (kind is ast.Constant and isinstance(node.value, (str, bytes)))  # type: ignore[attr-defined]
        ):
            key = None if in_fstring else _STRING
        if key is not None:
            out.setdefault(key, []).append(node)
        inner = in_fstring or kind is ast.JoinedStr
        for name in kind._fields:
            if name == "ctx":
                continue
            value = getattr(node, name, None)
            if type(value) is list:
                stack.extend((item, inner) for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append((value, inner))
    order: Callable[[ast.AST], tuple[int, int, int, int]] = lambda n: (
        n.lineno,  # type: ignore[attr-defined]
        n.col_offset,  # type: ignore[attr-defined]
        -n.end_lineno,  # type: ignore[attr-defined]
        -n.end_col_offset,  # type: ignore[attr-defined]
    )
    for nodes in out.values():
        nodes.sort(key=order)
    return out


def _split_lines(source: str) -> list[str]:
    """Lines as Python's tokenizer counts them (``\\r\\n``, ``\\r`` and ``\\n`` end a line)."""
    return source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
