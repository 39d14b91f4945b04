"""The SARIF 2.1.0 format, shaped for GitHub code scanning.

What GitHub reads and we therefore fill: ``tool.driver.rules`` (id, name, short and full
description, ``help`` text and markdown shown on the alert page, default level, ``properties.tags``
and ``security-severity`` for security rules), and per result ``ruleId``/``ruleIndex``, ``level``,
``message.text``, the first location's ``artifactLocation.uri`` and ``region``, and
``partialFingerprints`` so an alert keeps its identity across runs when lines move. We also emit
``fixes`` (deletedRegion + insertedContent), suppressed results with their ``suppressions``
(inline: ``inSource`` with the reason; baseline: ``external``), and problems as
``invocations[0].toolExecutionNotifications``.

URIs are relative to the repository's top (``uriBaseId`` ``%SRCROOT%``, which
``originalUriBaseIds`` gives as an absolute ``file:`` URI), whatever folder the run started in: what
GitHub resolves them against. Each rule's ``helpUri`` is its anchor in the README. Columns count Unicode code points, as LibCST and
Python strings do (``columnKind``); SARIF's default would be UTF-16 units. No source text is ever
copied in (no ``snippet``): the flagged text may be a secret.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from bolaudit import REPOSITORY_URL
from bolaudit.findings import Finding, Problem, ProblemKind, RuleInfo, Severity, Span, name_bytes
from bolaudit.report.model import Report
from bolaudit.pipeline.suppress import Suppressed

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = REPOSITORY_URL
FINGERPRINT_KEY = "bolauditFingerprint/v1"
SRCROOT = "%SRCROOT%"
_MAX_DESCRIPTION = 1000  # GitHub truncates longer descriptions

# Rule classification by code. Codes are permanent, so this table is stable; it would sit better
# on RuleInfo once rules declare their own tags.
_FAMILY_TAGS = {
    "BOL0": ("tool",),
    "BOL1": ("credentials",),
    "BOL2": ("tokens",),
    "BOL3": ("api-requests",),
    "BOL4": ("authorization",),
}
_SECURITY_CODES = frozenset(
    {"BOL101", "BOL102", "BOL103", "BOL204", "BOL205", "BOL304", "BOL305", "BOL403"}
)
_SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.NOTE: "3.0"}
_PROBLEM_LEVEL = {
    ProblemKind.SKIPPED_LARGE: "note",
    ProblemKind.SKIPPED_BINARY: "note",
    ProblemKind.UNREADABLE: "warning",
    ProblemKind.CONFIG: "error",
    ProblemKind.CACHE: "note",
    ProblemKind.INTERNAL: "error",
}
_SECTIONS = ("what it does", "why is this bad", "example", "use instead", "fix", "references")


def render(report: Report) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=True) + "\n"


def document(report: Report) -> dict[str, Any]:
    """The SARIF log as plain JSON data (what ``render`` serialises)."""
    rules = _rules(report)
    index = {info.code: i for i, info in enumerate(rules)}
    entries: list[tuple[Finding, Suppressed | None]] = [(f, None) for f in report.findings]
    entries += [(s.finding, s) for s in report.suppressed]
    entries.sort(key=lambda e: (report.display_path(e[0].path), e[0].span, e[0].code))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "bolaudit",
                "version": report.version,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(info) for info in rules],
            }
        },
        "invocations": [
            {
                "executionSuccessful": not any(
                    p.kind in (ProblemKind.INTERNAL, ProblemKind.CONFIG) for p in report.problems
                ),
                "toolExecutionNotifications": _notifications(report),
            }
        ],
        "originalUriBaseIds": {SRCROOT: {"uri": _root_uri(report)}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(report, f, s, index[f.code]) for f, s in entries],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _rules(report: Report) -> list[RuleInfo]:
    """The rules that ran, plus any rule a finding names that the report did not list."""
    infos = dict(report.rules)
    for f in (*report.findings, *(s.finding for s in report.suppressed)):
        infos.setdefault(f.code, report.rule_info(f))
    return [infos[code] for code in sorted(infos)]


def _rule(info: RuleInfo) -> dict[str, Any]:
    docs = info.docs.strip() or info.summary
    tags = ["security"] if info.code in _SECURITY_CODES else []
    tags += _FAMILY_TAGS.get(info.code[:4], ())
    properties: dict[str, Any] = {"tags": tags}
    if info.code in _SECURITY_CODES:
        properties["security-severity"] = _SECURITY_SEVERITY[info.severity]
    return {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": _clip(info.summary or info.name)},
        "fullDescription": {"text": _clip(_section(docs, "what it does") or info.summary)},
        "helpUri": help_uri(info.code),
        "help": {"text": docs, "markdown": docs},
        "defaultConfiguration": {"level": info.severity.value},
        "properties": properties,
    }


def help_uri(code: str) -> str:
    """The rule's anchor in the README (the Rules table names each code with ``id``)."""
    return f"{REPOSITORY_URL}#{code.lower()}"


def _root_uri(report: Report) -> str:
    """The top of the run as an absolute ``file:`` URI ending in ``/`` (SARIF 3.14.14)."""
    uri = report.root.absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _section(docs: str, name: str) -> str:
    """The text under a docs heading (``## What it does``, ``What it does:``), or ""."""
    taken: list[str] = []
    inside = False
    for line in docs.splitlines():
        heading = line.strip().strip("#*_:?").strip().lower()
        if heading in _SECTIONS:
            if inside:
                break
            inside = heading == name
        elif inside:
            taken.append(line)
    return " ".join(" ".join(taken).split())


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_DESCRIPTION else text[: _MAX_DESCRIPTION - 1] + "…"


def _result(report: Report, f: Finding, suppressed: Suppressed | None, rule_index: int) -> Any:
    location = _artifact(report, f.path)
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": f.severity.value,
        "message": {"text": f.message},
        "locations": [
            {"physicalLocation": {"artifactLocation": location, "region": _region(f.span)}}
        ],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
    }
    if f.fix is not None and not f.fix.withheld:
        result["fixes"] = [
            {
                "description": {"text": f.fix.description},
                "artifactChanges": [
                    {
                        "artifactLocation": location,
                        "replacements": [
                            {
                                "deletedRegion": _region(f.fix.span),
                                "insertedContent": {"text": f.fix.replacement},
                            }
                        ],
                    }
                ],
            }
        ]
    properties: dict[str, Any] = dict(f.properties)
    if f.fix is not None and f.fix.withheld:  # code scanning would show a credential in the fix
        properties["fixWithheld"] = f"{f.fix.description}: {f.fix.withheld}"
    if properties:
        if "tags" in properties:  # SARIF reserves "tags" for a list of strings
            properties["tags"] = [properties["tags"]]
        result["properties"] = properties
    if suppressed is not None:
        suppression: dict[str, Any] = {"kind": suppressed.kind.value, "status": "accepted"}
        if suppressed.reason:
            suppression["justification"] = suppressed.reason
        result["suppressions"] = [suppression]
    return result


def _artifact(report: Report, path: str) -> dict[str, Any]:
    # A URI names bytes: a file name that is not UTF-8 keeps its own bytes (%E9), per RFC 3986.
    return {"uri": quote(name_bytes(report.display_path(path)), safe="/"), "uriBaseId": SRCROOT}


def _region(span: Span) -> dict[str, int]:
    """A SARIF region; values clamped so an odd span can never make the log invalid."""
    line = max(span.line, 1)
    column = max(span.column, 1)
    end_line = max(span.end_line, line)
    end_column = max(span.end_column, column if end_line == line else 1)
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _notifications(report: Report) -> list[dict[str, Any]]:
    problems = sorted(report.problems, key=lambda p: (p.path, p.kind.value, p.message))
    notes = [_problem(report, p) for p in problems]
    for unused in report.unused_suppressions:
        codes = ", ".join(unused.codes) or "all codes"
        region = {"startLine": max(unused.line, 1)}
        notes.append(
            {
                "level": "note",
                "descriptor": {"id": "unused-suppression"},
                "message": {"text": f"Unused suppression for {codes}: it matches no finding."},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": _artifact(report, unused.path),
                            "region": region,
                        }
                    }
                ],
            }
        )
    return notes


def _problem(report: Report, problem: Problem) -> dict[str, Any]:
    note: dict[str, Any] = {
        "level": _PROBLEM_LEVEL[problem.kind],
        "descriptor": {"id": problem.kind.value},
        "message": {"text": problem.message},
    }
    if problem.path:
        artifact = _artifact(report, problem.path)
        note["locations"] = [{"physicalLocation": {"artifactLocation": artifact}}]
    return note
