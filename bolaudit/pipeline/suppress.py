"""Inline suppressions: ``# bolaudit: ignore[BOL101] reason`` and ``# noqa: BOL101``.

A suppression lets a reviewed exception live next to the code it excuses, with the reason where the
next reader will see it. It applies to findings that *start* on its own line, and, when the comment
is alone on its line, to findings that start on the next line.

Forms understood:

* ``bolaudit: ignore[BOL101, BOL102] reason``: those codes; ``bolaudit: ignore`` alone: all codes.
  The reason may be introduced by ``--`` or ``because``. The comment opener may be ``#``, ``//``
  (JSONC-ish files) or ``<!--`` (Markdown).
* ``# noqa: BOL101,BOL102``: the flake8 form; only ``BOL`` codes are ours, and a bare ``# noqa``
  belongs to other tools, so it suppresses nothing here.

In Python files only real comments count (found with ``tokenize``): ``"# noqa: BOL101"`` inside a
string literal is data, and honouring it would let a string hide a finding. Other files (YAML,
.env, shell, TOML, INI, Dockerfile, Markdown, JSON) are scanned line by line; in a notebook
(``.ipynb``) each code line is a JSON string on its own file line, which the scan unwraps.

A suppression that suppressed nothing is reported as unused, so stale ones get cleaned up; only
codes of rules that ran count, since a disabled rule cannot have matched.
"""

from __future__ import annotations

import enum
import io
import re
import tokenize
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple

from bolaudit.findings import Finding
from bolaudit.records import record

PYTHON_SUFFIXES = (".py", ".pyi", ".pyw")
# In Markdown "#" starts a heading and text shows code: only an HTML comment is a directive there,
# so documentation that shows "# bolaudit: ignore[...]" in a code block suppresses nothing.
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")

# Cheap pre-check: most files hold no directive at all, and tokenizing them would be wasted work.
# Where a directive could start: tells most files apart without tokenizing them. A ``noqa`` counts
# only with one of our codes after it on its line: generated clients carry ``# noqa: E501`` on
# every long line, and tokenizing them all took a tenth of a run over a generated package.
_MAYBE = re.compile(r"bolaudit\s*:\s*ignore|noqa\s*:[^\n]*bol", re.IGNORECASE)
_MAYBE_BYTES = re.compile(_MAYBE.pattern.encode(), re.IGNORECASE)
_IGNORE = re.compile(
    r"(?:#|//|<!--)\s*bolaudit\s*:\s*ignore\b(?P<rest>.*)", re.IGNORECASE | re.DOTALL
)
_BRACKET = re.compile(r"\s*\[(?P<codes>[^\]\[]*)\](?P<rest>.*)", re.DOTALL)
_NOQA = re.compile(
    r"#\s*noqa\s*:\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*)(?P<rest>.*)",
    re.IGNORECASE | re.DOTALL,
)
_CODE = re.compile(r"[A-Za-z]+[0-9]+")
_OUR_CODE = re.compile(r"BOL[0-9]+")
# Where a reason ends: another comment in the same comment ("# noqa: E501"; "#12" stays), or the
# close of an HTML comment.
_REASON_END = re.compile(r"\s#(?![0-9])|-->|\*/")
_REASON_INTRO = re.compile(r"^(?:--+|[:\-–—]|because\b)\s*", re.IGNORECASE)
# Where a comment may start, in the line scan.
_OPENER = re.compile(r"#|//|<!--")
_HTML_OPENER = re.compile(r"<!--")
# Line breaks as Python, LibCST and editors count them (str.splitlines also breaks at \f, \x1c,
# \u2028 and more, which would shift every later line number).
_NEWLINE = re.compile(r"\r\n|\r|\n")
_NOTEBOOK_STRING_END = re.compile(r'(?:\\n)?"\s*,?\s*$')


class Style(enum.Enum):
    """Which spelling a suppression used (kept so messages can quote it back)."""

    BOLAUDIT = "bolaudit"
    NOQA = "noqa"


@record(slots=True)
class Suppression:
    """One directive in a file.

    ``codes`` is empty when the directive covers every code (``bolaudit: ignore`` alone).
    ``own_line`` is true when the comment is alone on its line; then it also covers the next line.
    """

    path: str
    line: int
    codes: tuple[str, ...]
    reason: str
    style: Style
    own_line: bool

    @property
    def covers_all(self) -> bool:
        return not self.codes

    def covers(self, finding: Finding) -> bool:
        if self.covers_all or finding.code in self.codes:
            start = finding.span.line
            return start == self.line or (self.own_line and start == self.line + 1)
        return False


class SuppressionKind(enum.Enum):
    """Where a suppression is kept; the values are SARIF's ``suppression.kind``."""

    IN_SOURCE = "inSource"
    EXTERNAL = "external"  # the baseline, or configuration


@record(slots=True)
class Suppressed:
    """A finding that was found and then accepted, with why (shown in SARIF, counted in text)."""

    finding: Finding
    kind: SuppressionKind
    reason: str = ""


@record(slots=True)
class UnusedSuppression:
    """A directive (or some of its codes) that matched no finding: ``codes`` empty means "all"."""

    path: str
    line: int
    codes: tuple[str, ...]


def suppressions_in(path: str, data: bytes) -> tuple[Suppression, ...]:
    """``parse_suppressions`` on a file's bytes, read as UTF-8 (a directive is ASCII)."""
    if not _MAYBE_BYTES.search(data):
        return ()
    return parse_suppressions(path, data.decode("utf-8", "replace"))


def parse_suppressions(path: str, text: str) -> tuple[Suppression, ...]:
    """Every directive in one file's text; ``path`` picks Python (tokenize) or the line scan."""
    if not _MAYBE.search(text):
        return ()
    comments: Iterable[tuple[int, str, bool]] | None = None
    lowered = path.lower()
    if lowered.endswith(PYTHON_SUFFIXES):
        comments = _python_comments(text)
    if comments is None:
        markdown = lowered.endswith(MARKDOWN_SUFFIXES)
        comments = _scanned_comments(text, notebook=lowered.endswith(".ipynb"), markdown=markdown)
    return tuple(
        s for line, comment, own in comments for s in _directives(path, line, comment, own)
    )


def _python_comments(text: str) -> list[tuple[int, str, bool]] | None:
    """(line, comment text, alone on its line) for each real comment, or None if untokenizable."""
    found: list[tuple[int, str, bool]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text, newline=None).readline):
            if tok.type == tokenize.COMMENT:
                row, col = tok.start
                found.append((row, tok.string, not tok.line[:col].strip()))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return found


def _scanned_comments(
    text: str, *, notebook: bool = False, markdown: bool = False
) -> Iterator[tuple[int, str, bool]]:
    """Comments found by a plain line scan: from the first opener that starts a directive.

    In a notebook a source line reads ``    "x = 1  # noqa: BOL101\\n",``: the opening quote
    does not make the comment a trailing one, and the string's end is not part of the reason.
    """
    for number, line in enumerate(_NEWLINE.split(text), start=1):
        if not _MAYBE.search(line):
            continue
        for opener in (_HTML_OPENER if markdown else _OPENER).finditer(line):
            start = opener.start()
            if _IGNORE.match(line, start) or _NOQA.match(line, start):
                before, comment = line[:start].strip(), line[start:]
                if notebook:
                    before = before.removeprefix('"')
                    comment = _NOTEBOOK_STRING_END.sub("", comment)
                yield number, comment, not before
                break


def _directives(path: str, line: int, comment: str, own_line: bool) -> Iterator[Suppression]:
    """The directives in one comment; it may hold several (``# noqa: E1  # bolaudit: ...``)."""
    for opener in _OPENER.finditer(comment):
        start = opener.start()
        if match := _IGNORE.match(comment, start):
            parsed = _parse_ignore(match.group("rest"))
            if parsed is not None:
                codes, reason = parsed
                yield Suppression(path, line, codes, reason, Style.BOLAUDIT, own_line)
        elif match := _NOQA.match(comment, start):
            ours = tuple(c for c in _codes(match.group("codes")) if _OUR_CODE.fullmatch(c))
            if ours:
                reason = _reason(match.group("rest"))
                yield Suppression(path, line, ours, reason, Style.NOQA, own_line)


def _parse_ignore(rest: str) -> tuple[tuple[str, ...], str] | None:
    """(codes, reason) after ``bolaudit: ignore``; None for a malformed code list.

    A malformed list (``ignore[BOL101`` or ``ignore[]``) must not silently turn into "ignore
    everything", so it suppresses nothing.
    """
    if rest.lstrip().startswith("["):
        bracket = _BRACKET.match(rest)
        if bracket is None:
            return None
        codes = _codes(bracket.group("codes"))
        if not codes:
            return None
        return codes, _reason(bracket.group("rest"))
    return (), _reason(rest)


def _codes(raw: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for token in re.split(r"[\s,]+", raw):
        if _CODE.fullmatch(token):
            seen[token.upper()] = None
    return tuple(seen)


def _reason(rest: str) -> str:
    rest = _REASON_END.split(rest, maxsplit=1)[0].strip()
    return _REASON_INTRO.sub("", rest, count=1).strip()


class Applied(NamedTuple):
    """What ``apply`` decided: what is still reported, what was accepted, what is stale.

    A named tuple so callers may unpack it: ``kept, suppressed, unused = apply(...)``.
    """

    kept: tuple[Finding, ...]
    suppressed: tuple[Suppressed, ...]
    unused: tuple[UnusedSuppression, ...]


def apply(
    findings: Iterable[Finding],
    suppressions_by_path: Mapping[str, Sequence[Suppression]],
    enabled_codes: Collection[str],
) -> Applied:
    """Split findings by the inline suppressions of their files, and find the stale directives.

    ``suppressions_by_path`` should hold every audited file's directives (not only files with
    findings), or a directive in a now-clean file would never be reported as unused. A finding
    covered by several directives marks all of them used; the reason shown is the first non-empty
    one, same-line directives first.
    """
    used: set[tuple[Suppression, str]] = set()
    kept: list[Finding] = []
    suppressed: list[Suppressed] = []
    for finding in findings:
        covering = [s for s in suppressions_by_path.get(finding.path, ()) if s.covers(finding)]
        if not covering:
            kept.append(finding)
            continue
        covering.sort(key=lambda s: s.line != finding.span.line)
        used.update((s, finding.code) for s in covering)
        reason = next((s.reason for s in covering if s.reason), "")
        suppressed.append(Suppressed(finding, SuppressionKind.IN_SOURCE, reason))
    unused = _unused(suppressions_by_path, used, enabled_codes)
    return Applied(tuple(kept), tuple(suppressed), unused)


def _unused(
    suppressions_by_path: Mapping[str, Sequence[Suppression]],
    used: set[tuple[Suppression, str]],
    enabled_codes: Collection[str],
) -> tuple[UnusedSuppression, ...]:
    used_any = {s for s, _ in used}
    stale: list[UnusedSuppression] = []
    for path in sorted(suppressions_by_path):
        for s in suppressions_by_path[path]:
            if s.covers_all:
                if s not in used_any and enabled_codes:
                    stale.append(UnusedSuppression(s.path, s.line, ()))
                continue
            codes = tuple(c for c in s.codes if c in enabled_codes and (s, c) not in used)
            if codes:
                stale.append(UnusedSuppression(s.path, s.line, codes))
    stale.sort(key=lambda u: (u.path, u.line, u.codes))
    return tuple(stale)
