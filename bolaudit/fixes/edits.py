"""Safe, mechanical fixes: build them from a file's source, and apply them to text.

A ``Fix`` (``bolaudit.findings``) replaces the text of one span. Rules describe *what* to add;
this module turns that into the exact new text with LibCST, which keeps every comment, quote
style and line break of the code it touches: a header is added to a literal ``headers={...}``
dict (the dict's span is replaced), or ``headers={...}`` is added to a call that passes none
(the call's span is replaced). Anything else (a headers variable, a ``**kwargs`` spread) is not
changed: a fix must never guess.

Applying is plain text surgery on spans, so the same fixes render in SARIF and apply in
``bolaudit check --fix``. Identical fixes (two rules proposing the same edit) are applied once;
a fix overlapping another is skipped and reported, never merged.
"""

from __future__ import annotations

import bisect
import functools
import re

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bolaudit import clients
from bolaudit.findings import Fix, Span
from bolaudit.records import record

if TYPE_CHECKING:
    import ast

    import libcst as cst

    from bolaudit.extract.positions import Positions

    Parsed = tuple[cst.Module, Positions, dict[Span, cst.Call], ast.Module]

Item = TypeVar("Item", "cst.BaseDictElement", "cst.Arg")


@record(slots=True)
class Applied:
    """The text after applying fixes, which were applied and which were skipped (overlaps)."""

    text: str
    applied: tuple[Fix, ...]
    skipped: tuple[Fix, ...]


def locate(rel: str, root: Path) -> Path:
    """The file a finding's path names: relative to the root, or to the current folder when it
    lies outside the root (``../x``), or absolute."""
    path = Path(rel)
    if path.is_absolute():
        return path
    return (Path.cwd() if rel.startswith("../") else root) / rel


# ---------------------------------------------------------------------------------- building


def header_fix(
    source: str,
    call_span: Span,
    add: Sequence[tuple[str, str]],
    description: str,
    library: str = "",
) -> Fix | None:
    """A fix that adds the headers ``add`` (name, value) to the HTTP call at ``call_span``.

    None when the call cannot be changed safely: not found, headers given as a variable or a
    call, a ``**`` spread that may carry headers, or every header already written in the dict.
    In a big module (``extract.slicing``) only the top-level statement holding the call is
    parsed, not the whole file.
    """
    from bolaudit.bounded.limits import SLICE_ABOVE

    if len(source) > SLICE_ABOVE:
        return _header_fix_in_statement(source, call_span, add, description, library)
    return _header_fix(source, call_span, add, description, library)


def _header_fix_in_statement(
    source: str, call_span: Span, add: Sequence[tuple[str, str]], description: str, library: str
) -> Fix | None:
    """``header_fix`` on the lines of the top-level statement holding the call, shifted back."""
    from bolaudit.extract.slicing import enclosing_statement

    found = enclosing_statement(source, call_span.line, call_span.end_line)
    if found is None:
        return None
    first, last = found
    statement = "".join(line + "\n" for line in source.split("\n")[first - 1 : last])
    shift = first - 1
    inner = Span(call_span.line - shift, call_span.column, call_span.end_line - shift, call_span.end_column)
    fix = _header_fix(statement, inner, add, description, library)
    if fix is None:
        return None
    import dataclasses

    span = fix.span
    return dataclasses.replace(fix, span=Span(span.line + shift, span.column, span.end_line + shift, span.end_column))


def _header_fix(
    source: str,
    call_span: Span,
    add: Sequence[tuple[str, str]],
    description: str,
    library: str,
) -> Fix | None:
    import libcst as cst

    parsed = _parsed(source)
    if parsed is None:
        return None
    module, positions, calls, _ = parsed
    call = calls.get(call_span)
    if call is None or any(a.star == "**" for a in call.args):
        return None
    given = _headers_arg(call, library)
    if given is None:
        quote = '"'
        entries = [_element(name, value, quote) for name, value in add]
        value = cst.Dict([e.with_changes(comma=cst.MaybeSentinel.DEFAULT) for e in entries][:1])
        for entry in entries[1:]:
            value = value.with_changes(elements=_appended(list(value.elements), entry, value.lbrace.whitespace_after))
        arg = cst.Arg(
            value,
            keyword=cst.Name("headers"),
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        )
        args = _appended(list(call.args), arg, call.whitespace_before_args)
        return _replacing(parsed, source, call, call.with_changes(args=args), call_span, description)
    if not isinstance(given.value, cst.Dict):
        return None
    old = given.value
    written = {_key(e).lower() for e in old.elements if _key(e) is not None}  # type: ignore[union-attr]
    todo = [(n, v) for n, v in add if n.lower() not in written]
    if not todo:
        return None
    quote = _quote_of(old)
    elements = list(old.elements)
    for name, text in todo:
        elements = _appended(elements, _element(name, text, quote), old.lbrace.whitespace_after)
    new_dict = old.with_changes(elements=elements)
    return _replacing(parsed, source, old, new_dict, positions.span(old), description)


def _replacing(
    parsed: Parsed, source: str, old: cst.CSTNode, new: cst.CSTNode, span: Span, description: str
) -> Fix | None:
    """The fix replacing ``old`` (at ``span``) by ``new``, with the new lines indented as the block
    they are in: rendered alone when ``old`` renders alone exactly as written, else from the
    whole module rendered with the change (the reference; ten times slower)."""
    module, _, _, tree = parsed
    starts = _line_starts(source)
    begin = _offset(starts, span.line, span.column)
    end = _offset(starts, span.end_line, span.end_column)
    if begin is None or end is None:
        return None
    alone = _rendered_alone(module, tree, source, starts, old, new, source[begin:end], span)
    if alone is not None:
        return Fix(description, span, alone)
    code = module.deep_replace(old, new).code  # type: ignore[attr-defined]
    if not code.startswith(source[:begin]) or not code.endswith(source[end:]):
        return None
    return Fix(description, span, code[begin : len(code) - (len(source) - end)])


def _rendered_alone(
    module: cst.Module,
    tree: ast.Module,
    source: str,
    starts: list[int],
    old: cst.CSTNode,
    new: cst.CSTNode,
    written: str,
    span: Span,
) -> str | None:
    """``new``'s code at ``old``'s place. A node rendered alone lacks the indentation of its
    block on its continuation lines; that is the leading whitespace of the innermost statement
    holding it. None unless ``old`` rendered the same way gives back exactly what is written
    (a multi-line string inside, say, must not gain an indent)."""
    stmt_line = _statement_line(tree, span)
    if stmt_line is None:
        return None
    first = source[starts[stmt_line - 1] :].split("\n", 1)[0]
    indent = first[: len(first) - len(first.lstrip(" \t"))]
    if module.code_for_node(old).replace("\n", "\n" + indent) != written:
        return None
    return module.code_for_node(new).replace("\n", "\n" + indent)


def _statement_line(tree: ast.Module, span: Span) -> int | None:
    """The first line of the innermost statement whose lines hold ``span``."""
    import ast

    found: int | None = None
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if not isinstance(node, ast.stmt):
            continue
        end = node.end_lineno or node.lineno
        if node.lineno <= span.line and span.end_line <= end:
            found = node.lineno
            todo = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]
    return found


@functools.lru_cache(maxsize=16)
def _parsed(source: str) -> Parsed | None:
    """The module, its positions, its calls by span and its ``ast``; parsed once per source for
    all its fixes (a rule builds one fix per HTTP call, and a client module has many)."""
    import ast
    import warnings

    import libcst as cst

    from bolaudit.extract.positions import traverse

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
        module = cst.parse_module(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError, cst.ParserSyntaxError):
        return None
    positions = traverse(module, source, [], tree)
    calls = {positions.span(n): n for n in positions.anchors.index if isinstance(n, cst.Call)}
    return module, positions, calls, tree


def _headers_arg(call: cst.Call, library: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "headers":
            return arg
    pos = clients.library(library).headers_position  # urllib.request.Request(url, data, headers)
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if pos is not None and pos < len(positional):
        return positional[pos]
    return None


def _key(element: cst.BaseDictElement) -> str | None:
    import libcst as cst

    if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
        value = element.key.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _quote_of(node: cst.Dict) -> str:
    import libcst as cst

    for e in node.elements:
        if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString):
            return e.key.quote[-1]
    return '"'


def _element(name: str, value: str, quote: str) -> cst.DictElement:
    import libcst as cst

    def lit(text: str) -> cst.SimpleString:
        return cst.SimpleString(f"{quote}{text}{quote}")

    return cst.DictElement(lit(name), lit(value))


def _appended(items: list[Item], new: Item, opening: cst.BaseParenthesizableWhitespace) -> list[Item]:
    """``items`` with ``new`` added at the end in the same layout: the separator between the
    last two items is reused (or a space, or the opening bracket's line break for a single
    item), and a trailing comma stays trailing."""
    import libcst as cst

    if not items:
        return [new]
    last = items[-1]
    earlier = items[-2].comma if len(items) >= 2 else None
    if isinstance(earlier, cst.Comma):
        sep = earlier
    elif isinstance(opening, cst.ParenthesizedWhitespace):
        # The line break after the bracket, without the comment lines that follow it.
        sep = cst.Comma(whitespace_after=opening.with_changes(empty_lines=()))
    else:
        sep = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    trailing = last.comma
    out = list(items[:-1])
    out.append(last.with_changes(comma=sep))
    out.append(new.with_changes(comma=trailing))
    return out


# ------------------------------------------------------------------------- credentials in fixes

WITHHELD = "not shown: its text would show a hard-coded credential; bolaudit check --fix applies it"


def guarded(fix: Fix, source: str, credentials: Sequence[Span]) -> Fix | None:
    """``fix`` as it may be shown and kept, for a file whose credentials sit at ``credentials``.

    A fix that replaces a whole call or dict copies whatever the call holds, a ``Basic`` header
    or a ``?client_secret=`` included, into reports (JSON, SARIF for code scanning) and the run
    record. Such a fix is narrowed to the text it really changes (what it inserts, at the place
    it inserts it) and marked ``withheld``: reports say it exists without showing it, ``--fix``
    applies it. None when even the narrowed text would hold a credential.
    """
    if not _shows_credential(fix.span, fix.replacement, credentials):
        return fix
    narrow = narrowed(fix, source)
    if narrow is None or _shows_credential(narrow.span, narrow.replacement, credentials):
        return None
    return Fix(fix.description, narrow.span, narrow.replacement, WITHHELD)


def narrowed(fix: Fix, source: str) -> Fix | None:
    """The same edit with the text it leaves unchanged at both ends taken out of its span."""
    starts = _line_starts(source)
    begin = _offset(starts, fix.span.line, fix.span.column)
    end = _offset(starts, fix.span.end_line, fix.span.end_column)
    if begin is None or end is None or end < begin or end > len(source):
        return None
    old, new = source[begin:end], fix.replacement
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return Fix(
        fix.description,
        Span(*_position(starts, begin + head), *_position(starts, end - tail)),
        new[head : len(new) - tail],
        fix.withheld,
    )


def _shows_credential(span: Span, text: str, credentials: Sequence[Span]) -> bool:
    from bolaudit.extract.exprtools import redact

    start, end = (span.line, span.column), (span.end_line, span.end_column)
    for c in credentials:
        if start < (c.end_line, c.end_column) and (c.line, c.column) < end:
            return True
    return redact(text) != text  # a secret's shape, a base64 id:secret pair, a token


def _position(starts: list[int], offset: int) -> tuple[int, int]:
    line = bisect.bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1


# ---------------------------------------------------------------------------------- applying


def apply_fixes(text: str, fixes: Sequence[Fix]) -> Applied:
    """Apply non-overlapping fixes to ``text`` (spans are 1-based lines and code-point columns,
    end exclusive). Duplicates are applied once; a fix overlapping an earlier one is skipped."""
    starts = _line_starts(text)
    unique: list[Fix] = []
    for f in fixes:
        if f not in unique:
            unique.append(f)
    placed: list[tuple[int, int, Fix]] = []
    skipped: list[Fix] = []
    for f in sorted(unique, key=lambda f: (f.span.line, f.span.column, f.span.end_line, f.span.end_column)):
        begin, end = _offset(starts, f.span.line, f.span.column), _offset(starts, f.span.end_line, f.span.end_column)
        if begin is None or end is None or end < begin:
            skipped.append(f)
            continue
        if placed and begin < placed[-1][1]:
            skipped.append(f)
            continue
        placed.append((begin, end, f))
    out = text
    for begin, end, f in reversed(placed):
        out = out[:begin] + f.replacement + out[end:]
    return Applied(out, tuple(f for _, _, f in placed), tuple(skipped))


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer("\n", text))]


def _offset(starts: list[int], line: int, column: int) -> int | None:
    if line < 1 or line > len(starts) or column < 1:
        return None
    return starts[line - 1] + column - 1
