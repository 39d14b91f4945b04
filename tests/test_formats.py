"""The GitLab and Markdown formats (issue 15 item 5), checked against what reads them: GitLab's
documented Code Quality shape, and a GitHub Flavored Markdown parser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import mistune
import pytest

from bolaudit.findings import Finding, Fix, Problem, ProblemKind, Severity, Span, text_hash
from bolaudit.report import Report, render
from bolaudit.report.markdown import MAX_CHARS
from bolaudit.rulebase import all_rules

# GitLab's Code Quality report as its documentation describes it: an array of issues, each with
# these fields required; severity one of five words; a line under lines.begin or positions.begin.
GITLAB_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path"],
                "properties": {
                    "path": {"type": "string", "minLength": 1, "not": {"pattern": "^(/|\\.\\./)"}},
                    "lines": {"type": "object", "required": ["begin"],
                              "properties": {"begin": {"type": "integer", "minimum": 1},
                                             "end": {"type": "integer", "minimum": 1}}},
                    "positions": {"type": "object", "required": ["begin"]},
                },
                "anyOf": [{"required": ["lines"]}, {"required": ["positions"]}],
            },
        },
    },
}
SECRET = "Pq3!xT7@vB2-kN9+zR4(mW6)yH1?cJ8_dF5eL0gS3aU7iO2nK4tV9wX1rQ6bM8zD"


def finding(code: str, path: str, line: int, message: str, severity: Severity = Severity.ERROR,
            fix: Fix | None = None, flagged: str = "x") -> Finding:
    rule = next(r for r in all_rules() if r.code == code)
    return Finding(code, rule.name, severity, message, path, Span(line, 5, line, 40), text_hash(flagged), fix)


FINDINGS = (
    finding("BOL101", "shop/settings.py", 3, "bol client secret `Pq3!…8zD` is hard-coded", flagged=SECRET),
    finding("BOL101", "shop/settings.py", 9, "bol client secret `Pq3!…8zD` is hard-coded", flagged=SECRET),
    finding("BOL301", "shop/client.py", 12, "GET /retailer/orders is sent without an Accept header",
            fix=Fix("add Accept", Span(12, 5, 12, 40), "x")),
    finding("BOL102", "docs/setup|notes <b>@team</b>.md", 1, "client id `3f0c…c30` in `a|b` *here*",
            Severity.WARNING),
)


def report(findings: tuple[Finding, ...] = FINDINGS, **changes: Any) -> Report:
    return Report(findings=findings, root=Path("/checkout"), files_audited=12, files_parsed=5, **changes)


def test_gitlab_report_has_gitlabs_documented_shape() -> None:
    issues = json.loads(render(report(), "gitlab"))
    jsonschema.validate(issues, GITLAB_SCHEMA)
    assert len(issues) == 4
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == 4  # the same secret twice in a file: two issues, not one
    first = next(i for i in issues if i["location"]["lines"]["begin"] == 3)
    assert first == {
        "description": "BOL101 bol client secret `Pq3!…8zD` is hard-coded",
        "check_name": "BOL101 hardcoded-client-secret",
        "fingerprint": FINDINGS[0].fingerprint,  # the one baselines and SARIF use
        "severity": "critical",
        "location": {"path": "shop/settings.py", "lines": {"begin": 3, "end": 3}},
    }
    by_code = {i["check_name"].split()[0]: i["severity"] for i in issues}
    assert by_code == {"BOL101": "critical", "BOL102": "minor", "BOL301": "major"}
    assert json.loads(render(report(findings=()), "gitlab")) == []
    assert SECRET not in render(report(), "gitlab")


def _cells(node: dict[str, Any]) -> list[str]:
    def text(n: dict[str, Any]) -> str:
        return n.get("raw", "") + "".join(text(c) for c in n.get("children", []))
    return [text(cell) for cell in node["children"]]


def _tables(markdown: str) -> list[list[list[str]]]:
    ast = mistune.create_markdown(renderer="ast", plugins=["table"])(markdown)
    found: list[list[list[str]]] = []

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            if node["type"] == "table":
                head, body = node["children"]
                found.append([_cells(head), *(_cells(row) for row in body["children"])])
            walk(node.get("children", []))
    walk(ast)  # type: ignore[arg-type]
    return found


def test_markdown_report_for_a_pull_request() -> None:
    out = render(report(), "markdown")
    assert out.startswith("## bolaudit: 4 findings in 3 files\n")
    assert "12 files audited, 5 parsed" in out
    assert "\\[\\*\\] 1 fixable with `bolaudit check --fix`" in out
    rules, rows = _tables(out)
    assert rules == [["rule", "severity", "findings", "fixable"],
                     ["BOL101 hardcoded-client-secret", "error", "2", ""],
                     ["BOL102 hardcoded-client-id", "warning", "1", ""],
                     ["BOL301 missing-accept", "error", "1", "1"]]
    assert rows[0] == ["where", "rule", "message"]
    assert all(len(row) == 3 for row in rows)  # a | in a file name or message ends no cell
    odd = next(row for row in rows if row[1] == "BOL102")
    assert odd[0] == "docs/setup\\|notes <b>@team</b>.md:1:5"  # in a code span: shown, not HTML
    assert odd[2] == "client id 3f0c…c30 in a\\|b *here*"  # the emphasis escaped
    assert "html_inline" not in json.dumps(mistune.create_markdown(renderer="ast", plugins=["table"])(out))
    assert "<details>" in out and "<summary>4 findings</summary>" in out and out.rstrip().endswith("</details>")
    assert SECRET not in out


def test_markdown_report_without_findings_and_with_problems() -> None:
    problems = (Problem(ProblemKind.UNREADABLE, "data/x.json", "unreadable: permission denied"),)
    out = render(report(findings=(), problems=problems), "markdown")
    assert out.startswith("## bolaudit: no findings\n")
    assert "<summary>1 problem: files not (fully) audited</summary>" in out
    assert "`data/x.json`: unreadable: permission denied" in out


def test_markdown_report_fits_a_comment() -> None:
    many = tuple(finding("BOL303", f"shop/module_{i}.py", i + 1, "application/vnd.retailer.v9+json asks "
                         "for Retailer API v9: bol ended it on 2024-11-01") for i in range(3000))
    out = render(report(findings=many), "markdown")
    assert len(out) <= MAX_CHARS < 65536
    rows = _tables(out)[1]
    left = 3000 - (len(rows) - 1)
    assert left > 0 and f"… and {left} more findings, left out to fit a comment" in out
    assert out.rstrip().endswith("</details>")


@pytest.mark.parametrize("name", ["`tick.py", "a``b.py", "pipe|name.py"])
def test_markdown_code_spans_hold_odd_file_names(name: str) -> None:
    out = render(report(findings=(finding("BOL101", name, 1, "m", flagged=name),)), "markdown")
    (row,) = _tables(out)[1][1:]
    assert row[0].replace("\\|", "|").strip() == f"{name}:1:5"
