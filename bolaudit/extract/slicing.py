"""Big Python files: analyse only the statements that can matter, so cost follows bol content.

LibCST costs about 20 s and 600 MB per MiB of Python. A module over ``SLICE_ABOVE`` characters (a
generated client, a vendored SDK, a data table in code) is cut, with Python's tokenizer (0.5 s per
MiB, streaming), into units: top-level statements, and the members of top-level classes. A unit is
kept when its text mentions bol's API or may hold a credential (the same byte tests that choose
files), and so is everything connected to it by name: units that use a name a kept unit defines
(callers of a bol wrapper, transitively), the units that define the names a kept unit uses (its
base URL, its helpers, the class it is a method of), and every import. The kept units, whole lines
at their own columns, make a smaller module with a ``line_map`` back to the file, analysed like
a notebook's cells. Names are matched as identifiers in the text, never resolved, so a unit is
kept whenever it might be connected: the slice can be too big, never too small by a name.
"""

from __future__ import annotations

import functools
import io
import keyword
import re
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bolaudit.bounded.limits import SLICE_ABOVE
from bolaudit.records import record

__all__ = ["SLICE_ABOVE", "Sliced", "enclosing_statement", "slice_module"]

# Keep the whole module when the slice would hold nearly all of it anyway.
_WORTH_IT = 0.85

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CONTINUES = frozenset({"elif", "else", "except", "finally"})
_ASSIGN = frozenset({"=", ":=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^=", ">>=", "<<="})


@record(slots=True)
class Sliced:
    """The kept units as one module; ``line_map[n - 1]`` is the file's line of its line ``n``."""

    text: str
    line_map: tuple[int, ...]


@dataclass(slots=True)
class _Logical:
    """One logical line: its first and last physical lines, indent level, first word, the names it
    binds (or changes: ``session.headers.update(...)`` changes ``session``)."""

    first: int
    last: int
    level: int
    word: str
    binds: set[str]


@dataclass(slots=True)
class _Unit:
    first: int
    last: int
    binds: set[str] = field(default_factory=set)
    is_import: bool = False
    owner: int = -1  # a class member: the index of its class's header unit
    members: list[int] = field(default_factory=list)  # a class header: its member units
    always: bool = False  # a member kept with its class: dunders and class attributes


def logical_lines(text: str) -> Iterator[_Logical]:
    """The logical lines of ``text``; raises ``tokenize.TokenError``/``SyntaxError`` on bad code."""
    level = 0
    tokens: list[tokenize.TokenInfo] = []
    line_level = 0
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        kind = tok.type
        if kind == tokenize.INDENT:
            level += 1
        elif kind == tokenize.DEDENT:
            level -= 1
        elif kind in (tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER):
            continue
        elif kind == tokenize.NEWLINE:
            if tokens:
                yield _logical(tokens, line_level, tok.end[0])
            tokens = []
        else:
            if not tokens:
                line_level = level
            tokens.append(tok)
    if tokens:  # the last line without a newline token (tokenize adds one; kept for safety)
        yield _logical(tokens, line_level, tokens[-1].end[0])


def _logical(tokens: list[tokenize.TokenInfo], level: int, last: int) -> _Logical:
    # What a line deeper than a class member binds is local to a function (or rarely matters).
    binds = _binds(tokens) if level <= 1 else set()
    return _Logical(tokens[0].start[0], last, level, tokens[0].string, binds)


def _binds(tokens: list[tokenize.TokenInfo]) -> set[str]:
    """Names a logical line binds or changes at its own level (an over-approximation)."""
    names = [t.string if t.type == tokenize.NAME else "" for t in tokens]
    words = [t.string for t in tokens]
    out: set[str] = set()
    head = 1 if words[0] == "async" else 0
    if words[head : head + 1] in (["def"], ["class"]) and len(names) > head + 1:
        return {names[head + 1]}
    if words[0] in ("import", "from"):
        start = words.index("import") + 1 if words[0] == "from" and "import" in words else 1
        for part in " ".join(words[start:]).replace("(", "").replace(")", "").split(","):
            bits = part.split()
            if bits:
                out.add(bits[-1] if len(bits) >= 3 and bits[-2] == "as" else bits[0].split(".")[0])
        return out
    depth = 0
    last_target = -1
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.OP:
            if tok.string in "([{":
                depth += 1
            elif tok.string in ")]}":
                depth -= 1
            elif depth == 0 and tok.string in _ASSIGN:
                last_target = i
            elif depth == 0 and tok.string == ":" and words[0] not in keyword.kwlist:
                last_target = max(last_target, i)  # an annotation: ``x: int = 1``
        elif tok.string == "as" and i + 1 < len(names) and names[i + 1]:
            out.add(names[i + 1])
    if words[0] == "for" and "in" in words:
        last_target = max(last_target, words.index("in"))
    for i in range(last_target):
        if names[i] and not keyword.iskeyword(names[i]) and (i == 0 or words[i - 1] != "."):
            out.add(names[i])
    if names[0] and not keyword.iskeyword(names[0]) and len(words) > 1 and words[1] in (".", "["):
        out.add(names[0])  # ``session.headers.update(...)``, ``HEADERS["Accept"] = ...``
    return out


def _units(lines: list[_Logical]) -> list[_Unit]:
    """Top-level statements, and the members of top-level classes whose body has lines of its own."""
    units: list[_Unit] = []
    i = 0
    while i < len(lines):
        group = [lines[i]]
        i += 1
        while i < len(lines) and (
            lines[i].level > 0 or lines[i].word in _CONTINUES or group[-1].word == "@"
        ):
            group.append(lines[i])
            i += 1
        units.extend(_unit(group, len(units)))
    return units


def _unit(group: list[_Logical], index: int) -> list[_Unit]:
    head = next((g for g in group if g.level == 0 and g.word != "@"), group[0])
    first, last = group[0].first, group[-1].last
    if head.word in ("def", "async"):
        return [_Unit(first, last, set(head.binds))]
    if head.word != "class":
        binds = set().union(*(g.binds for g in group))
        return [_Unit(first, last, binds, is_import=head.word in ("import", "from"))]
    body = [g for g in group if g.level == 1 and g.first > head.last]
    if not body or len(body) != sum(1 for g in group if g.level == 1):
        return [_Unit(first, last, set(head.binds))]  # ``class A: pass``: one unit
    header = _Unit(first, head.last, set(head.binds))
    out = [header]
    members = [g for g in group if g.level >= 1]
    j = 0
    while j < len(members):
        part = [members[j]]
        j += 1
        while j < len(members) and (
            members[j].level > 1 or members[j].word in _CONTINUES or part[-1].word == "@"
        ):
            part.append(members[j])
            j += 1
        lead = next((p for p in part if p.word != "@"), part[0])
        binds = set(lead.binds) if lead.word in ("def", "async") else set().union(*(p.binds for p in part))
        name = next(iter(lead.binds), "") if lead.word in ("def", "async") else ""
        always = lead.word not in ("def", "async") or (name.startswith("__") and name.endswith("__"))
        member = _Unit(part[0].first, part[-1].last, binds, owner=index, always=always)
        header.members.append(index + len(out))
        out.append(member)
    return out


def imported_names(module: str, importers: Iterable[bytes]) -> set[str]:
    """Names other files may take from ``module``: ``from <...>module import A, B`` and
    ``module.A`` (by its last component, so aliases of the package path count too)."""
    last = re.escape(module.rsplit(".", 1)[-1].encode())
    from_import = re.compile(
        rb"from[ \t]+\.*(?:[\w.]*\.)?" + last + rb"[ \t]+import[ \t]*(\([^)]*\)|[^\n#;]*)"
    )
    alias = re.compile(rb"\b" + last + rb"[ \t]+as[ \t]+([A-Za-z_]\w*)")  # import a.b as c
    out: set[str] = set()
    for data in importers:
        names = [last, *(re.escape(a) for a in set(alias.findall(data)))]
        attribute = re.compile(rb"\b(?:" + b"|".join(names) + rb")\.([A-Za-z_]\w*)")
        for match in from_import.finditer(data):
            for part in match.group(1).strip(b"()").split(b","):
                words = part.split()
                if words:
                    out.add(words[0].decode("ascii", "replace"))
        out.update(name.decode("ascii") for name in attribute.findall(data))
    return out


def slice_module(
    text: str, matters: re.Pattern[bytes], seeds: Iterable[str] = (), follow: Iterable[str] = ()
) -> Sliced | None:
    """The units of ``text`` that can matter, as a module; None when the text cannot be tokenized
    (the parser then names the error) or when the slice would be nearly all of it. ``seeds``:
    names other files import from this module (``imported_names``), kept too; ``follow``: the
    last name of each project module that mentions bol, whose imports here count as bol code
    (what uses ``BolClient`` or ``config`` from there is kept)."""
    from bolaudit.extract import prefilter

    if "\r" in text.replace("\r\n", ""):
        return None  # old Mac line ends: the tokenizer's lines would not be the parser's
    try:
        units = _units(list(logical_lines(text)))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    rows = text.split("\n")
    texts = ["\n".join(rows[u.first - 1 : u.last]) for u in units]
    defined: dict[str, list[int]] = {}
    for i, unit in enumerate(units):
        for name in unit.binds:
            defined.setdefault(name, []).append(i)
    uses = [set(_IDENT.findall(t)).intersection(defined) for t in texts]
    users: dict[str, list[int]] = {}
    for i, names in enumerate(uses):
        for name in names:
            users.setdefault(name, []).append(i)

    wanted = frozenset(seeds)
    modules = frozenset(follow)

    def relevant(i: int) -> bool:
        if not wanted.isdisjoint(units[i].binds):
            return True
        if units[i].is_import and modules and not modules.isdisjoint(_IDENT.findall(texts[i])):
            return True
        data = texts[i].encode("utf-8", "surrogatepass")
        low = data.lower()
        return (
            # HTTP code is what the rules read, wherever it is called from: a unit that speaks
            # HTTP is kept even when nothing in the file names it (``client.login()``).
            any(word in low for word in prefilter.http_words())
            or prefilter.api_matters(data, low)
            or matters.search(data) is not None
        )

    # Forward: what uses a name a relevant unit defines (callers of a bol wrapper), transitively;
    # a class with such a member is kept whole (its methods share ``self``'s session and headers).
    kept = {i for i in range(len(units)) if relevant(i)}
    todo = list(kept)
    while todo:
        unit = units[todo.pop()]
        following = [user for name in unit.binds for user in users.get(name, ())]
        if unit.owner >= 0:
            following.extend(units[unit.owner].members)
        for user in following:
            if user not in kept:
                kept.add(user)
                todo.append(user)
    # Backward: what the kept units need (definitions of the names they use, their class), and
    # every import.
    kept |= {i for i, u in enumerate(units) if u.is_import}
    todo = list(kept)
    while todo:
        i = todo.pop()
        unit = units[i]
        needed = [d for name in uses[i] for d in defined[name]]
        if unit.owner >= 0:
            needed.append(unit.owner)
        if unit.members:  # a class keeps its dunders and attributes, and a body that parses
            needed.extend(m for m in unit.members if units[m].always)
            needed.append(unit.members[0])
        for j in needed:
            if j not in kept:
                kept.add(j)
                todo.append(j)
    chosen = {line for i in kept for line in range(units[i].first, units[i].last + 1)}
    chosen.update(_telling_comments(rows, units, matters))
    line_map = sorted(chosen)
    lines = len(rows) - (rows[-1] == "")
    if len(line_map) >= _WORTH_IT * lines or not _dropped_compile(units, kept, rows):
        return None
    body = "".join(rows[line - 1] + "\n" for line in line_map)
    return Sliced(body, tuple(line_map))


def _telling_comments(rows: list[str], units: list[_Unit], matters: re.Pattern[bytes]) -> list[int]:
    """Comment lines between statements that hold what a detector matches (a commented-out
    secret): kept, since the comment scan reads the slice. A comment line may stand anywhere."""
    covered = bytearray(len(rows) + 1)
    for unit in units:
        covered[unit.first : unit.last + 1] = b"\1" * (unit.last + 1 - unit.first)
    return [
        n for n, row in enumerate(rows, 1)
        if not covered[n] and row.lstrip().startswith("#")
        and matters.search(row.encode("utf-8", "surrogatepass")) is not None
    ]


def _dropped_compile(units: list[_Unit], kept: set[int], rows: list[str]) -> bool:
    """Whether every top-level statement left out of the slice compiles. A syntax error anywhere
    is still a BOL000, as for a small file: then the caller parses the whole text, which names it.
    One statement at a time, so memory stays that of the largest statement, not of the file."""
    import ast
    import warnings

    for i, unit in enumerate(units):
        if unit.owner >= 0:
            continue
        parts = [i, *unit.members]
        if all(p in kept for p in parts):
            continue
        last = max(units[p].last for p in parts)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the audited code's invalid escapes are not ours
                compile("\n".join(rows[unit.first - 1 : last]), "<slice>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


@functools.lru_cache(maxsize=4)
def _statement_lines(text: str) -> tuple[tuple[int, int], ...] | None:
    try:
        units = _units(list(logical_lines(text)))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    out: list[tuple[int, int]] = []
    for unit in units:
        if unit.owner < 0:
            end = max([unit.last, *(units[m].last for m in unit.members)])
            out.append((unit.first, end))
    return tuple(out)


def enclosing_statement(text: str, first: int, last: int) -> tuple[int, int] | None:
    """The first and last line of the top-level statement holding lines ``first``-``last``."""
    if "\r" in text.replace("\r\n", ""):
        return None
    for start, end in _statement_lines(text) or ():
        if start <= first and last <= end:
            return start, end
    return None
