"""String literals the request rules report at: URLs, paths and bol media types, with positions.

The extractor (``extract.http``) records them in ``ModuleFacts.extra`` under
``LITERAL_KEY`` as JSON ``[line, column, end_line, end_column, text]``; query values are masked
there, so no secret is cached. An f-string's text has ``{}`` where its expressions are.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from bolaudit.findings import Span
from bolaudit.records import record

if TYPE_CHECKING:
    from bolaudit.resolve.index import FactIndex
    from bolaudit.facts import ModuleFacts



@record(slots=True)
class Literal:
    path: str
    span: Span
    text: str


def literals_of(facts: ModuleFacts) -> list[Literal]:
    return [Literal(facts.path, lit.span, lit.text) for lit in facts.literals]


def all_literals(index: FactIndex) -> Iterator[Literal]:
    """The literals that may reach a request: not those only compared, searched for, logged,
    raised or used as an XML namespace (``LiteralFact.use``), unless the literal is a module
    constant that another module imports (it may be sent there)."""
    imported = _imported_names(index)
    for path, facts in index.iter_modules():
        for lit in facts.literals:
            if not lit.use or (lit.name and ({(path, lit.name), (path, "*")} & imported)):
                yield Literal(facts.path, lit.span, lit.text)


def _imported_names(index: FactIndex) -> set[tuple[str, str]]:
    """(file, name) for every ``from module import name`` of a project module; (file, "*") for
    ``import module`` and ``from module import *``."""
    out: set[tuple[str, str]] = set()
    for path, _facts in index.iter_modules():
        for imp in index.imports_of(path).values():
            where = index.module_path(imp.module, ask=False)  # a module not read has no literals
            if where is not None:
                out.add((where, imp.name if imp.name is not None else "*"))
    return out


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
