"""String expressions built from literals, read as the value they make.

A secret split over several literals is still one secret: ``"Vb7)kQ2" + "!mX9..."``, implicit
concatenation, an f-string whose parts are literals (``f"{'Vb7)kQ2'}!mX9..."``), or
``"".join(["Vb7)", "kQ2!", ...])`` / ``"/".join((...))``. ``compose`` turns such an expression
into the text it evaluates to, with ``HOLE`` (a character no credential shape contains) for
every part that is not a literal (a name, a call, a ``%`` format...), and remembers which
characters of that text come from which literal, so a finding inside one literal can still point
at its own characters. Nothing is evaluated: only literals and the three ways of joining them.
"""

from __future__ import annotations


import libcst as cst

from bolaudit.credentials.literals import literal_value
from bolaudit.extract.exprtools import literal_value as source_value
from bolaudit.records import record

HOLE = "\x00"
# A long SQL or help text can chain thousands of pieces; such an expression is left to the
# per-literal scan (credentials are a few pieces, not hundreds).
MAX_PIECES = 128
MAX_DEPTH = 48


@record(slots=True)
class Piece:
    """``value[start:end]`` of a ``Composed`` is the literal ``node`` (a ``SimpleString`` or an
    f-string's text part); ``verbatim`` when those characters stand in its source as they are."""

    start: int
    end: int
    node: cst.CSTNode
    verbatim: bool


@record(slots=True)
class Composed:
    value: str
    pieces: tuple[Piece, ...]
    nodes: tuple[cst.CSTNode, ...]  # every string node it read, to mark them judged

    @property
    def literal_only(self) -> bool:
        return HOLE not in self.value

    @property
    def single(self) -> Piece | None:
        """The one literal this is, when it is exactly one literal verbatim and nothing else."""
        if len(self.pieces) == 1 and self.literal_only:
            piece = self.pieces[0]
            if piece.verbatim and piece.start == 0 and piece.end == len(self.value):
                return piece
        return None

    def piece_at(self, start: int, end: int) -> Piece | None:
        """The literal holding all of ``value[start:end]`` verbatim, if one does."""
        for piece in self.pieces:
            if piece.start <= start and end <= piece.end:
                return piece if piece.verbatim else None
        return None


def is_join(node: cst.Call) -> bool:
    """``"<sep>".join([...])`` or ``(...)`` with a literal list or tuple."""
    func = node.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == "join"
        and isinstance(func.value, (cst.SimpleString, cst.ConcatenatedString))
        and len(node.args) == 1
        and node.args[0].keyword is None
        and not node.args[0].star
        and isinstance(node.args[0].value, (cst.List, cst.Tuple))
    )


def composable(node: cst.CSTNode) -> bool:
    """Whether ``node`` is an expression ``compose`` may read as one string."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return True
    if isinstance(node, cst.BinaryOperation):
        return isinstance(node.operator, cst.Add)
    return isinstance(node, cst.Call) and is_join(node)


def compose(node: cst.BaseExpression) -> Composed | None:
    """The text ``node`` makes from its literals, or None when it holds no literal at all, or
    more than ``MAX_PIECES``, or a literal whose value cannot be read."""
    builder = _Builder()
    if not builder.add(node, 0) or not builder.pieces:
        return None
    return Composed("".join(builder.text), tuple(builder.pieces), tuple(builder.nodes))


class _Builder:
    def __init__(self) -> None:
        self.text: list[str] = []
        self.size = 0
        self.pieces: list[Piece] = []
        self.nodes: list[cst.CSTNode] = []

    def _put(self, value: str, node: cst.CSTNode | None, verbatim: bool = False) -> bool:
        if node is not None:
            if len(self.pieces) >= MAX_PIECES:
                return False
            self.pieces.append(Piece(self.size, self.size + len(value), node, verbatim))
        self.text.append(value)
        self.size += len(value)
        return True

    def add(self, node: cst.BaseExpression, depth: int) -> bool:
        if depth > MAX_DEPTH:
            return False
        if isinstance(node, cst.SimpleString):
            value = literal_value(node)
            if value is None:
                return False
            self.nodes.append(node)
            return self._put(value, node, value in node.value)
        if isinstance(node, cst.ConcatenatedString):
            self.nodes.append(node)
            return self.add(node.left, depth + 1) and self.add(node.right, depth + 1)
        if isinstance(node, cst.FormattedString):
            self.nodes.append(node)
            return all(self._fstring_part(node, part, depth) for part in node.parts)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            self.nodes.append(node)
            return self.add(node.left, depth + 1) and self.add(node.right, depth + 1)
        if isinstance(node, cst.Call) and is_join(node):
            self.nodes.append(node)
            func = node.func
            assert isinstance(func, cst.Attribute) and isinstance(node.args[0].value, (cst.List, cst.Tuple))
            separator = func.value
            for n, element in enumerate(node.args[0].value.elements):
                if n and not self.add(separator, depth + 1):
                    return False
                if isinstance(element, cst.StarredElement):
                    self._put(HOLE, None)
                elif not self.add(element.value, depth + 1):
                    return False
            return True
        self._put(HOLE, None)  # a name, a call, a format: not a literal
        return True

    def _fstring_part(self, node: cst.FormattedString, part: cst.BaseFormattedStringContent, depth: int) -> bool:
        if isinstance(part, cst.FormattedStringText):
            prefix = node.start.replace("f", "").replace("F", "")
            quote = prefix.lstrip("rRbBuU")
            raw = prefix + part.value.replace("{{", "{").replace("}}", "}") + quote
            value = source_value(raw)
            if value is None:
                return False
            self.nodes.append(part)
            return self._put(value, part, value == part.value)
        if isinstance(part, cst.FormattedStringExpression):
            if part.conversion is None and part.format_spec is None and part.equal is None:
                if composable(part.expression):
                    return self.add(part.expression, depth + 1)
        self._put(HOLE, None)
        return True
