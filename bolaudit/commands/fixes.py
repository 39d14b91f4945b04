"""``bolaudit check --fix`` / ``--diff``: apply the findings' fixes to the files, or show them.

Fixes are applied per file, all at once, to the file as it is on disk (decoded as Python reads
it, written back in the same encoding, atomically, keeping its permissions). A file whose fixed
text would not parse is left alone, and so is a fix that overlaps another; both are counted as
skipped. Nothing here prints: the command returns the diff and a summary for the CLI.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bolaudit.findings import Finding


@dataclass
class FixOutcome:
    """What ``--fix``/``--diff`` did: the unified diff, the fixed findings, files changed, and
    fixes that could not be applied (with why, per file)."""

    diff: str = ""
    fixed: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def summary(self, wrote: bool) -> str:
        if not self.fixed and not self.skipped:
            return ""
        verb = "fixed" if wrote else "would fix"
        text = f"bolaudit: {verb} {len(self.fixed)} finding(s) in {len(self.files)} file(s)"
        if self.skipped:
            text += f"; {len(self.skipped)} fix(es) not applied: " + "; ".join(self.skipped)
        return text + "\n"


def apply(findings: Sequence[Finding], root: Path, *, write: bool) -> FixOutcome:
    from bolaudit.decoding import Decoded, decode_python
    from bolaudit.fixes import apply_fixes, locate

    out = FixOutcome()
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        if f.fix is not None:
            by_path.setdefault(f.path, []).append(f)
    diffs: list[str] = []
    for rel, group in sorted(by_path.items()):
        file = locate(rel, root)
        try:
            data = file.read_bytes()
        except OSError as exc:
            out.skipped.append(f"{rel}: cannot read ({exc.strerror or exc})")
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
        diffs.append(_diff(rel, decoded.text, applied.text))
        if write:
            try:
                _write(file, applied.text.encode(decoded.encoding))
            except (OSError, UnicodeEncodeError) as exc:
                out.skipped.append(f"{rel}: cannot write ({exc})")
                out.fixed = [f for f in out.fixed if f.path != rel]
                out.files.remove(rel)
    out.diff = "".join(diffs)
    return out


def _parses(text: str) -> bool:
    import libcst as cst

    try:
        cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError):
        return False
    return True


def _diff(rel: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{rel}", f"b/{rel}"
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def _write(path: Path, data: bytes) -> None:
    """Replace the file atomically, keeping its permission bits."""
    mode = path.stat().st_mode
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".bolaudit")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
