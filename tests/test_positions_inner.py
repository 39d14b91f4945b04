"""Spans of strings inside other strings without LibCST's whole-module positions (issue 16).

A piece of an implicit concatenation (``("https://api.bol.com" "/retailer/orders")``) or a literal
in an f-string's expression has no ``ast`` node of its own, so it used to cost the module's
``PositionProvider`` (0.65 s a module on site-packages). Its span now comes from the anchored
outer string and LibCST's positions over that one expression; each must equal what the
whole-module provider says.
"""

from __future__ import annotations

import ast

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from bolaudit.extract.positions import traverse
from bolaudit.findings import Span

SOURCES = {
    "indented, continued in parentheses": (
        "class Bol:\n"
        "    def orders(self):\n"
        "        if self.demo:\n"
        "            url = ('https://api.bol.com/retailer-demo'\n"
        "                   '/orders'  # the demo host\n"
        "                        '?page=1')\n"
        "        return url\n"
    ),
    "tabs": "def f():\n\tx = (\n\t\t'a/b'\n\t\t'c/d')\n",
    "f-string pieces and literals in f-strings": (
        "def path(order_id):\n"
        "    return (f\"/retailer/orders/{order_id}\"\n"
        "            \"/shipment\" f\"{'a/b'}\"\n"
        "            )\n"
    ),
    "non-ASCII before the string": "TITLE = 'Bestellingen ë'; URL = ('é/x' 'ü/y')\n",
    "crlf": "def f():\r\n    u = ('a/b'\r\n         'c/d')\r\n    return u\r\n",
    "triple-quoted piece": "X = ('''one/\n  two/''' \"three/\"\n     'four/')\n",
    "backslash continuation": "def f():\n    return 'a/b' \\\n        'c/d'\n",
    "nested parentheses and call": "def f(s):\n    s.get(('/orders'\n           '/' + ('x/' 'y/')), timeout=3)\n",
}


@pytest.mark.parametrize("source", SOURCES.values(), ids=SOURCES.keys())
def test_strings_inside_strings_have_the_module_positions_span(source: str) -> None:
    module = cst.parse_module(source)
    positions = traverse(module, source, [], ast.parse(source))
    inside = list(positions.anchors.inside)
    assert inside, "the case has strings inside strings"
    mine = {node: positions.span(node) for node in inside}
    assert positions.fallbacks == 0
    full = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    for node, span in mine.items():
        r = full[node]
        assert span == Span(r.start.line, r.start.column + 1, r.end.line, r.end.column + 1), module.code_for_node(node)


def test_the_outer_string_falls_back_and_its_pieces_follow() -> None:
    """When the module's pairing is off (here: a call ``ast`` has and the walk never saw), the
    whole-module positions answer, for the pieces too."""
    source = "X = ('a/b'\n     'c/d')\n"
    module = cst.parse_module(source)
    positions = traverse(module, source, [], ast.parse("Y = f()\n" + source))
    piece = next(n for n in positions.anchors.inside if isinstance(n, cst.SimpleString) and n.value == "'c/d'")
    positions._twins = {}  # what a disagreement leaves
    assert positions.span(piece) == Span(2, 6, 2, 11)
    assert positions.fallbacks == 1
