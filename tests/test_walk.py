"""bolaudit's own traversal visits what LibCST's would, in the same order, calling the same hooks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest

from bolaudit.extract.walk import children, walk

REPO = Path(__file__).resolve().parents[1]
SOURCES = [
    "x = f(a)(b) if g(c) else h(d)\n",
    "@deco(arg)\n@other\nasync def f(a: int = g(), *args, k=h(), **kw) -> T[x]:\n    return [i(j) for j in k(l) if m(j)]\n",
    "class C(Base, metaclass=M):\n    x = {k(a): v(b) for a, b in items()}\n    def m(self):\n        with open(p) as fh, lock():\n            yield from gen(fh)\n",
    "try:\n    a()\nexcept (E, F) as e:\n    b(e)\nelse:\n    c()\nfinally:\n    d()\n",
    "s = f'{a(1)!r:>{w(2)}}' 'plain' \"more\"\nt = lambda q=r(): q(s)\nmatch p():\n    case [1, *rest] if g(rest):\n        pass\n",
    "for i, (j, k) in enumerate(z()):\n    while cond(i):\n        del x[i:j(k)]\n        global g\n        assert ok(), msg()\n",
]


class Recorder(cst.BatchableCSTVisitor):
    """Records calls, strings, names, and attribute hooks of FunctionDef, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.events.append("Call")

    def leave_Call(self, original_node: cst.Call) -> None:
        self.events.append("/Call")

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.events.append("str " + node.value)

    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self.events.append("def-body")

    def leave_FunctionDef_decorators(self, node: cst.FunctionDef) -> None:
        self.events.append("/def-decorators")

    def visit_Name(self, node: cst.Name) -> None:
        self.events.append("name " + node.value)


@pytest.mark.parametrize("source", SOURCES)
def test_same_events_as_libcst(source: str) -> None:
    module = cst.parse_module(source)
    theirs, ours = Recorder(), Recorder()
    cst.MetadataWrapper(module).visit_batched([theirs])
    walk(module, [ours])
    assert ours.events == theirs.events
    assert ours.events, "the recorder saw nothing: the test would pass vacuously"


def test_generated_field_order_matches_the_installed_libcst() -> None:
    proc = subprocess.run(
        [sys.executable, "scripts/gen_cst_fields.py", "--check"], cwd=REPO, capture_output=True
    )
    assert proc.returncode == 0, "run scripts/gen_cst_fields.py: LibCST's field order changed"


def test_the_node_classes_from_the_generated_table_are_libcsts() -> None:
    from bolaudit.extract.cst_order import all_node_classes, scan_node_classes

    assert all_node_classes() == scan_node_classes()


def _every_node(node: cst.CSTNode) -> list[cst.CSTNode]:
    out = [node]
    for child in node.children:
        out.extend(_every_node(child))
    return out


_PUNCTUATION = (
    cst.BaseParenthesizableWhitespace, cst.TrailingWhitespace, cst.EmptyLine, cst.Newline, cst.Comment,
    cst.Comma, cst.Dot, cst.Colon, cst.Semicolon, cst.AssignEqual, cst.LeftParen, cst.RightParen,
    cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.ImportStar,
)


@pytest.mark.parametrize("source", SOURCES)
def test_children_are_libcsts_without_whitespace_and_punctuation(source: str) -> None:
    """``walk.children`` (which the condition checks walk) gives what LibCST's ``children`` gives,
    in the same order, less whitespace and punctuation, at every node of the module."""
    module = cst.parse_module(source)
    nodes = _every_node(module)
    for node in nodes:
        expected = [c for c in node.children if not isinstance(c, _PUNCTUATION)]
        assert children(node) == expected, type(node).__name__
    assert len(nodes) > 20
