"""``bolaudit check --fix`` / ``--diff``: apply the findings' fixes to the files, or show them.

Fixes are applied per file, all at once, to the file as it is on disk (decoded as Python reads
it, written back in the same encoding through ``safe_io``: atomically and keeping its permissions,
through a symlink that stays inside the project, in place for a hard-linked file, never over a
FIFO or device), and only when its content is still what the run analysed. A file whose fixed
text would not parse is left alone, and so is a fix that overlaps another; both are counted as
skipped. Nothing here prints: the command returns the diff and a summary for the CLI.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bolaudit.findings import Finding, Span


@dataclass
class FixOutcome:
    """What ``--fix``/``--diff`` did: the unified diff, the fixed findings, files changed, and
    fixes that could not be applied (with why, per file), and where the diff leaves a change out
    because its lines would show a credential (``path:line``)."""

    diff: str = ""
    fixed: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)

    def summary(self, wrote: bool) -> str:
        if not self.fixed and not self.skipped:
            return ""
        verb = "fixed" if wrote else "would fix"
        text = f"bolaudit: {verb} {len(self.fixed)} finding(s) in {len(self.files)} file(s)"
        if self.skipped:
            text += f"; {len(self.skipped)} fix(es) not applied: " + "; ".join(self.skipped)
        if self.withheld and not wrote:
            text += (
                f"; {len(self.withheld)} change(s) not shown because their lines hold a hard-coded "
                f"credential ({', '.join(self.withheld)}): bolaudit check --fix applies them"
            )
        return text + "\n"


def apply(
    findings: Sequence[Finding],
    root: Path,
    *,
    write: bool,
    credentials: Mapping[str, Sequence[Span]] | None = None,
    analysed: Mapping[str, bytes] | None = None,
) -> FixOutcome:
    """Apply (``write``) or show the findings' fixes. ``credentials``: where each file's
    credentials are (the run's sightings); the diff shows no change whose lines touch one.
    ``analysed``: each file's bytes as the run read them; a file whose content differs now
    (edited since the analysis) is left alone with a notice, never given fixes made for other
    code. Files are read and written through ``safe_io``: only regular files, symlinks written
    through (within ``root``), hard links kept."""
    from bolaudit.extract.decoding import Decoded, decode_python
    from bolaudit.fixes.edits import apply_fixes, locate
    from bolaudit.bounded.files import read_regular

    out = FixOutcome()
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        if f.fix is not None:
            by_path.setdefault(f.path, []).append(f)
    diffs: list[str] = []
    for rel, group in sorted(by_path.items()):
        file = locate(rel, root)
        try:
            data = read_regular(file)
        except OSError as exc:
            out.skipped.append(f"{rel}: cannot read ({exc.strerror or exc})")
            continue
        if analysed is not None and _changed(data, analysed.get(rel)):
            out.skipped.append(f"{rel}: changed since it was analysed; run again")
            continue
        decoded = decode_python(data)
        if not isinstance(decoded, Decoded) or not rel.endswith(".py"):
            out.skipped.append(f"{rel}: not a Python source file bolaudit can rewrite")
            continue
        applied = apply_fixes(decoded.text, [f.fix for f in group if f.fix is not None])
        out.skipped.extend(f"{rel}:{s.span.line}: overlaps another fix" for s in applied.skipped)
        if applied.text == decoded.text or not applied.applied:
            continue
        if not _parses(applied.text):
            out.skipped.append(f"{rel}: the fixed file would not parse; left unchanged")
            continue
        out.fixed.extend(f for f in group if f.fix in applied.applied)
        out.files.append(rel)
        hidden = _lines(credentials.get(rel, ()) if credentials else ())
        hidden |= _lines(f.span for f in applied.applied if f.withheld)
        shown, left_out = _diff(rel, decoded.text, applied.text, hidden)
        diffs.append(shown)
        out.withheld.extend(f"{rel}:{line}" for line in left_out)
        if write:
            from bolaudit.bounded.files import write_regular

            try:
                write_regular(file, applied.text.encode(decoded.encoding), expected=data, inside=root)
            except (OSError, UnicodeEncodeError) as exc:
                why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                out.skipped.append(f"{rel}: cannot write ({why})")
                out.fixed = [f for f in out.fixed if f.path != rel]
                out.files.remove(rel)
    out.diff = "".join(diffs)
    return out


def _parses(text: str) -> bool:
    from bolaudit.bounded.limits import SLICE_ABOVE

    if len(text) > SLICE_ABOVE:  # a big module: Python's own parser, a tenth of LibCST's memory
        import ast
        import warnings

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
        return True
    import libcst as cst

    try:
        cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError):
        return False
    return True


def _lines(spans: Iterable[Span]) -> set[int]:
    return {n for s in spans for n in range(s.line, s.end_line + 1)}


_HUNK = re.compile(r"@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")
_C_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r"}


def quoted(name: str) -> str:
    """A diff header's file name as git writes it: in double quotes with C escapes (bytes that
    are not printable ASCII as octal) when it holds a space, a quote, a backslash, a control
    character or anything but ASCII; as it is otherwise. ``git apply`` and GNU patch read both."""
    from bolaudit.findings import name_bytes

    raw = name_bytes(name)
    if all(33 <= b < 127 and b not in b'"\\' for b in raw):
        return name
    out = []
    for b in raw:
        if b in _C_ESCAPES:
            out.append(_C_ESCAPES[b])
        elif 32 <= b < 127:
            out.append(chr(b))
        else:
            out.append(f"\\{b:03o}")
    return '"' + "".join(out) + '"'


def _diff(rel: str, old: str, new: str, hidden: set[int]) -> tuple[str, list[int]]:
    """The unified diff of ``old`` to ``new``, without the hunks that would show a credential:
    one with a line in ``hidden`` (old line numbers), or a line shaped like a secret. The hunks
    kept still apply (their new-file positions are moved by what was left out). Also the first
    changed line of each hunk left out."""
    from bolaudit.extract.exprtools import redact

    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), quoted(f"a/{rel}"), quoted(f"b/{rel}")
    )
    text = [line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines]
    if not text:
        return "", []
    hunks: list[list[str]] = []
    for line in text[2:]:
        if line.startswith("@@"):
            hunks.append([])
        hunks[-1].append(line)
    out: list[str] = []
    left_out: list[int] = []
    shift = 0  # lines the hunks left out would have added to the new file
    for hunk in hunks:
        m = _HUNK.match(hunk[0])
        assert m is not None, hunk[0]
        old_line, body = int(m[1]), hunk[1:]
        numbers: list[int] = []
        first_change = 0
        for line in body:
            if line[:1] in (" ", "-"):
                numbers.append(old_line)
                if line[:1] == "-" and not first_change:
                    first_change = old_line
                old_line += 1
            elif line[:1] == "+" and not first_change:
                first_change = old_line
        if hidden.intersection(numbers) or any(redact(line) != line for line in body):
            shift += sum(line[:1] == "+" for line in body) - sum(line[:1] == "-" for line in body)
            left_out.append(first_change or int(m[1]))
            continue
        out.append(f"@@ -{m[1]}{m[2] or ''} +{int(m[3]) - shift}{m[4] or ''} @@{hunk[0][m.end():]}")
        out.extend(body)
    return ("".join(text[:2] + out) if out else ""), left_out


def _changed(now: bytes, analysed: bytes | None) -> bool:
    """Whether the content hash differs from what the run analysed (unknown counts as changed)."""
    import hashlib

    return analysed is None or hashlib.sha256(now).digest() != hashlib.sha256(analysed).digest()
