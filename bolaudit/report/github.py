"""The GitHub Actions format: workflow commands that become annotations on a pull request.

``::error file=app.py,line=3,col=5,endLine=3,endColumn=40,title=BOL101 hardcoded-client-secret::m``

GitHub's escaping: in the message ``%``, CR and LF become ``%25``, ``%0D``, ``%0A``; property values
also escape ``:`` and ``,`` (``%3A``, ``%2C``), which otherwise end the value. Columns are only sent
for one-line spans: GitHub does not take ``col``/``endColumn`` when ``line`` and ``endLine`` differ.
Problems become warnings or notices on their file, and unused suppressions notices on their line.
"""

from __future__ import annotations

from bolaudit.findings import ProblemKind, Severity
from bolaudit.report.model import Report, printable

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
_PROBLEM_COMMAND = {
    ProblemKind.SKIPPED_LARGE: "notice",
    ProblemKind.SKIPPED_BINARY: "notice",
    ProblemKind.UNREADABLE: "warning",
    ProblemKind.CONFIG: "error",
    ProblemKind.CACHE: "notice",
    ProblemKind.INTERNAL: "error",
}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int) -> str:
    """One workflow command line; properties in the order given."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def render(report: Report) -> str:
    lines: list[str] = []
    for f in report.sorted_findings():
        line = max(f.span.line, 1)
        where: dict[str, str | int] = {"file": _path(report, f.path), "line": line}
        if f.span.end_line <= f.span.line:
            column = max(f.span.column, 1)
            where |= {"col": column, "endLine": line, "endColumn": max(f.span.end_column, column)}
        else:
            where["endLine"] = f.span.end_line
        title = f"{f.code} {f.name}"
        lines.append(command(_COMMAND[f.severity], _message(f.message), **where, title=title))
    for p in sorted(report.problems, key=lambda p: (p.path, p.kind.value, p.message)):
        where = {"file": _path(report, p.path)} if p.path else {}
        title = f"bolaudit: {p.kind.value}"
        lines.append(command(_PROBLEM_COMMAND[p.kind], _message(p.message), **where, title=title))
    for u in report.unused_suppressions:
        codes = ", ".join(u.codes) or "all codes"
        lines.append(
            command(
                "notice",
                f"Unused suppression for {codes}: it matches no finding; remove it.",
                file=_path(report, u.path),
                line=max(u.line, 1),
                title="bolaudit: unused suppression",
            )
        )
    return "".join(line + "\n" for line in lines)


def _path(report: Report, path: str) -> str:
    return printable(report.display_path(path))


def _message(text: str) -> str:
    """Control characters escaped, except line breaks, which GitHub's own escaping carries."""
    return printable(text, keep="\r\n")
