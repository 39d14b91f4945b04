"""The text format: ``path:line:col: CODE message``, one finding a line, then a summary.

That shape is what editors, terminals and ``grep`` understand, so every line is clickable. A
finding ``--fix`` can fix shows ``[*]`` after its code, as ruff's do, and the summary counts them.
Colour is ANSI and only when asked (the CLI asks on a TTY without ``NO_COLOR``); file names and
messages are escaped so they cannot carry terminal control sequences.
"""

from __future__ import annotations

from collections import Counter

from bolaudit.findings import ProblemKind, Severity
from bolaudit.report.model import Report, printable
from bolaudit.pipeline.suppress import SuppressionKind, UnusedSuppression

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_GREEN = "\x1b[32m"
_SEVERITY_COLOUR = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[1;33m",
    Severity.NOTE: "\x1b[1;36m",
}


FIXABLE_MARK = "[*]"


def render(report: Report, *, color: bool) -> str:
    """Findings, unused suppressions, and (unless ``quiet``) the summary."""

    def paint(style: str, text: str) -> str:
        return f"{style}{text}{_RESET}" if color else text

    lines: list[str] = []
    for f in report.sorted_findings():
        where = f"{printable(report.display_path(f.path))}:{f.span.line}:{f.span.column}:"
        code = paint(_SEVERITY_COLOUR[f.severity], f.code)
        mark = f" {FIXABLE_MARK}" if f.fix is not None else ""
        lines.append(f"{paint(_BOLD, where)} {code}{mark} {printable(f.message)}")
    for unused in report.unused_suppressions:
        where = f"{printable(report.display_path(unused.path))}:{unused.line}:"
        lines.append(f"{paint(_BOLD, where)} {paint(_DIM, _unused_text(unused))}")
    if not report.quiet:
        lines.append(paint(_GREEN if not report.findings else _BOLD, summary(report)))
        if report.fixable:
            lines.append(fixable_line(report.fixable))
    return "".join(line + "\n" for line in lines)


def fixable_line(count: int) -> str:
    return f"{FIXABLE_MARK} {count} fixable with `bolaudit check --fix`."


def _unused_text(unused: UnusedSuppression) -> str:
    if not unused.codes:
        return "unused suppression (bolaudit: ignore, all codes): it matches no finding"
    return f"unused suppression for {', '.join(unused.codes)}: it matches no finding"


def summary(report: Report) -> str:
    """One line: ``Found 3 findings (2 BOL101, 1 BOL301) in 2 files.``, or ``No findings.``.

    Notes follow a semicolon: ``...; 2 suppressed inline, 1 unused suppression.``
    """
    if report.findings:
        by_code = Counter(f.code for f in report.findings)
        counts = ", ".join(f"{n} {code}" for code, n in sorted(by_code.items()))
        files = len({f.path for f in report.findings})
        head = (
            f"Found {_plural(len(report.findings), 'finding')} ({counts}) "
            f"in {_plural(files, 'file')}"
        )
    else:
        head = "No findings"
    notes: list[str] = []
    if report.files_audited is not None:
        notes.append(files_note(report.files_audited, report.files_parsed))
    inline = report.count_suppressed(SuppressionKind.IN_SOURCE)
    external = report.count_suppressed(SuppressionKind.EXTERNAL)
    if inline:
        notes.append(f"{inline} suppressed inline")
    if external:
        notes.append(f"{external} hidden by the baseline")
    if report.unused_suppressions:
        notes.append(_plural(len(report.unused_suppressions), "unused suppression"))
    if report.baseline_unmatched:
        entries = _plural(report.baseline_unmatched, "baseline entry", "baseline entries")
        notes.append(f"{entries} matching nothing")
    problems = [p for p in report.problems if p.kind is not ProblemKind.CACHE]  # a notice, not a gap
    unaudited = {p.path for p in problems if p.path}
    if unaudited:
        notes.append(f"{_plural(len(unaudited), 'file')} not fully audited")
    if other := sum(1 for p in problems if not p.path):
        notes.append(_plural(other, "other problem"))
    return f"{head}; {', '.join(notes)}." if notes else f"{head}."


def files_note(audited: int, parsed: int | None) -> str:
    """``12 files audited, 4 parsed``; ``no file audited`` says that everything was left out."""
    if audited == 0:
        return "no file audited (nothing there, or every file excluded)"
    parsed_part = f", {parsed} parsed" if parsed is not None else ""
    return f"{_plural(audited, 'file')} audited{parsed_part}"


def render_problems(report: Report, *, color: bool) -> str:
    """Problems (files not fully audited), one a line, for stderr; empty when there are none."""
    lines = []
    for p in sorted(report.problems, key=lambda p: (p.path, p.kind.value, p.message)):
        where = printable(report.display_path(p.path)) or "bolaudit"
        kind = f"\x1b[1;33m{p.kind.value}{_RESET}" if color else p.kind.value
        lines.append(f"{where}: {kind}: {printable(p.message)}")
    return "".join(line + "\n" for line in lines)


def _plural(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
