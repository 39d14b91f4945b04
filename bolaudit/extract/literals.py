"""The literal part of the fact extractor: string literals that look like URLs, paths or bol media types.

Recorded with their positions as ``LiteralFact``s (read by ``resolve.literals``): the request rules point at a literal version or host even where no
request could be resolved. Docstrings and bare strings are left out; secret-shaped text is
redacted and query values are hidden, since a URL may carry a secret.
"""

from __future__ import annotations


import libcst as cst

from bolaudit.extract.core import ExtractorBase
from bolaudit.extract.exprtools import redact
from bolaudit.facts import LiteralFact


MAX_LITERAL = 300
MAX_LITERALS = 2000


class LiteralsMixin(ExtractorBase):
    """Literals: a part of ``FactExtractor`` (``extract.core`` declares what it shares)."""

    def __init__(self) -> None:
        self._bare_strings: set[cst.CSTNode] = set()
        self.literals: list[LiteralFact] = []

    def visit_Expr(self, node: cst.Expr) -> None:
        # A string on its own line is a docstring or a comment, not a value the code sends.
        self._bare_strings.add(node.value)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if node in self._bare_strings:
            return
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001 - an odd literal is simply not recorded
            return
        if isinstance(value, str):
            self._note_literal(node, value)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        if node not in self._bare_strings:
            text = "".join(
                p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in node.parts
            )
            self._note_literal(node, text)

    def _note_literal(self, node: cst.CSTNode, text: str) -> None:
        if len(text) > MAX_LITERAL or len(self.literals) >= MAX_LITERALS:
            return
        if "/" not in text and "vnd." not in text and "bol.com" not in text:
            return
        self.literals.append(LiteralFact(self.span(node), mask_query(redact(text))))


def mask_query(text: str) -> str:
    """A URL with the values of its query parameters hidden (they may be secrets)."""
    if "?" not in text:
        return text
    head, _, query = text.partition("?")
    pairs = []
    for pair in query.split("&"):
        key, eq, value = pair.partition("=")
        pairs.append(f"{key}={'…' if value else ''}" if eq else key)
    return head + "?" + "&".join(pairs)
