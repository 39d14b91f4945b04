"""The JSON format: a stable interface other tools read.

Shape (keys in this order, indent 2)::

    {"version": "...",
     "findings": [{"code", "name", "severity", "message", "path", "line", "column",
                   "end_line", "end_column", "fingerprint",
                   "properties": {...}  (only when the finding has properties),
                   "fix": {"description", "line", "column", "end_line", "end_column",
                           "replacement"}  (only when it has a fix),
                   or "fix": {"description", "withheld"}  (a fix whose text would show a
                           credential: it exists, ``--fix`` applies it, it is not shown)}],
     "problems": [{"kind", "path", "message"}],
     "unused_suppressions": [{"path", "line", "codes"}],
     "credentials": [{"fingerprint", "kind", "app", "path", "line"}]  (from ``bolaudit check``)}

``path`` is relative to the current directory. ``codes`` is empty for an unused
``bolaudit: ignore`` that covered every code. ``credentials`` lists every bol credential
sighting (suppressed or not): ``fingerprint`` is the unsalted SHA-256 of the value, which joins the
same credential across repositories; ``kind`` is ``client_id`` or ``client_secret``; ``app`` the
app it is in, or null. Adding a key is a compatible change; renaming or removing one is not.
"""

from __future__ import annotations

import json
from typing import Any

from bolaudit.findings import Finding
from bolaudit.report.model import Report


def render(report: Report) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=True) + "\n"


def document(report: Report) -> dict[str, Any]:
    """The report as plain JSON data (what ``render`` serialises)."""
    data: dict[str, Any] = {
        "version": report.version,
        "findings": [_finding(report, f) for f in report.sorted_findings()],
        "problems": [
            {"kind": p.kind.value, "path": report.display_path(p.path), "message": p.message}
            for p in sorted(report.problems, key=lambda p: (p.path, p.kind.value, p.message))
        ],
        "unused_suppressions": [
            {"path": report.display_path(u.path), "line": u.line, "codes": list(u.codes)}
            for u in report.unused_suppressions
        ],
    }
    if report.credentials is not None:
        data["credentials"] = [
            {"fingerprint": c.fingerprint, "kind": c.kind, "app": c.app,
             "path": report.display_path(c.path), "line": c.line}
            for c in report.credentials
        ]
    return data


def _finding(report: Report, f: Finding) -> dict[str, Any]:
    item: dict[str, Any] = {
        "code": f.code,
        "name": f.name,
        "severity": f.severity.value,
        "message": f.message,
        "path": report.display_path(f.path),
        "line": f.span.line,
        "column": f.span.column,
        "end_line": f.span.end_line,
        "end_column": f.span.end_column,
        "fingerprint": f.fingerprint,
    }
    if f.properties:
        item["properties"] = dict(f.properties)
    if f.fix is not None and f.fix.withheld:
        item["fix"] = {"description": f.fix.description, "withheld": f.fix.withheld}
    elif f.fix is not None:
        item["fix"] = {
            "description": f.fix.description,
            "line": f.fix.span.line,
            "column": f.fix.span.column,
            "end_line": f.fix.span.end_line,
            "end_column": f.fix.span.end_column,
            "replacement": f.fix.replacement,
        }
    return item
