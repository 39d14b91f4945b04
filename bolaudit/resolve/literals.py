"""String literals the request rules report at: URLs, paths and bol media types, with positions.

The extractor (``extract.http``) records them in ``ModuleFacts.extra`` under
``LITERAL_KEY`` as JSON ``[line, column, end_line, end_column, text]``; query values are masked
there, so no secret is cached. An f-string's text has ``{}`` where its expressions are.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bolaudit.findings import Span

if TYPE_CHECKING:
    from bolaudit.resolve.index import FactIndex
    from bolaudit.facts import ModuleFacts



@dataclass(frozen=True, slots=True)
class Literal:
    path: str
    span: Span
    text: str


def literals_of(facts: ModuleFacts) -> list[Literal]:
    return [Literal(facts.path, lit.span, lit.text) for lit in facts.literals]


def all_literals(index: FactIndex) -> Iterator[Literal]:
    """The literals that may reach a request: not those only compared, searched for, logged,
    raised or used as an XML namespace (``LiteralFact.use``)."""
    for _path, facts in index.iter_modules():
        yield from (Literal(facts.path, lit.span, lit.text) for lit in facts.literals if not lit.use)


def within(span: Span, inner: Span) -> bool:
    return (span.line, span.column) <= (inner.line, inner.column) and (
        inner.end_line,
        inner.end_column,
    ) <= (span.end_line, span.end_column)


def literals_in(index: FactIndex, path: str, span: Span) -> list[Literal]:
    """The recorded literals of ``path`` inside ``span`` (e.g. the arguments of a call)."""
    facts = index.modules.get(path)
    if facts is None:
        return []
    return [lit for lit in literals_of(facts) if within(span, lit.span)]
