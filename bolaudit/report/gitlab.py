"""The GitLab format: a Code Quality report, for ``artifacts: reports: codequality``.

A JSON array with one object per finding, in GitLab's documented shape: ``description``,
``check_name`` (the rule's code and name), ``fingerprint``, ``severity`` (``info``, ``minor``,
``major``, ``critical`` or ``blocker``) and ``location`` with the ``path`` relative to the
repository and ``lines.begin``. GitLab keeps one issue per fingerprint, so a finding that repeats
(the same secret twice in one file) gets its occurrence folded into the fingerprint; the first
keeps the finding's own, which baselines and SARIF use too. Suppressed findings and problems are
not issues and are left out (the text and SARIF reports have them).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bolaudit.findings import Finding, Severity, name_bytes
from bolaudit.report.model import Report

# Leaked credentials and what exposes them rank above other errors in the merge request widget.
_CRITICAL = frozenset({"BOL101", "BOL102", "BOL103", "BOL204", "BOL305"})
_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.NOTE: "info"}


def render(report: Report) -> str:
    return json.dumps(issues(report), indent=2, ensure_ascii=True) + "\n"


def issues(report: Report) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for f in report.sorted_findings():
        n = seen.get(f.fingerprint, 0)
        seen[f.fingerprint] = n + 1
        out.append(_issue(report, f, n))
    return out


def _issue(report: Report, f: Finding, occurrence: int) -> dict[str, Any]:
    fingerprint = f.fingerprint
    if occurrence:
        fingerprint = hashlib.sha256(f"{fingerprint}\0{occurrence}".encode()).hexdigest()[:32]
    line = max(f.span.line, 1)
    return {
        "description": f"{f.code} {f.message}",
        "check_name": f"{f.code} {f.name}",
        "fingerprint": fingerprint,
        "severity": "critical" if f.code in _CRITICAL and f.severity is Severity.ERROR else _SEVERITY[f.severity],
        "location": {
            # A name that is not UTF-8 keeps its bytes, escaped, as JSON text must be Unicode.
            "path": name_bytes(report.display_path(f.path)).decode("utf-8", "backslashreplace"),
            "lines": {"begin": line, "end": max(f.span.end_line, line)},
        },
    }
