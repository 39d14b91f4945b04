"""Report formats: text, JSON, SARIF and GitHub annotations are interfaces; pin them down."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bolaudit.findings import (
    Finding,
    Fix,
    Mask,
    Problem,
    ProblemKind,
    RuleInfo,
    Severity,
    Span,
    text_hash,
)
from bolaudit.report import FORMATS, Report, color_wanted, printable, render
from bolaudit.report.github import escape_data, escape_property
from bolaudit.report.text import render_problems
from bolaudit.pipeline.suppress import Suppressed, SuppressionKind, UnusedSuppression
from conftest import shared

DATA = Path(__file__).parent / "data"
SCHEMA = DATA / "sarif-schema-2.1.0.json"
ROOT = Path("/project")

SECRET = "d3u2Kx9QmW7pLr4TzB8vN1cY6hJ5gF0sAeNgw"
MASKED = str(Mask.of(SECRET))

RULES = {
    "BOL101": RuleInfo(
        "BOL101",
        "hardcoded-client-secret",
        Severity.ERROR,
        "A bol client secret in source.",
        "A bol client secret in source.\n\n## What it does\nFinds bol client secrets in code,\n"
        "config and docs.\n\n## Why is this bad\nbol: credentials must not be in source control.\n",
    ),
    "BOL301": RuleInfo("BOL301", "missing-accept", Severity.WARNING, "Request without Accept."),
    "BOL202": RuleInfo("BOL202", "token-not-reused", Severity.ERROR, "Token fetched per call."),
}


def finding(
    code: str = "BOL101",
    path: str = "app/settings.py",
    span: Span = Span(3, 14, 3, 52),
    message: str = f"client secret {MASKED} in source",
    severity: Severity = Severity.ERROR,
    fix: Fix | None = None,
    properties: tuple[tuple[str, str], ...] = (),
) -> Finding:
    name = RULES[code].name if code in RULES else "some-rule"
    return Finding(code, name, severity, message, path, span, text_hash(SECRET), fix, properties)


SECRET_FINDING = finding(
    fix=Fix(
        "Read the secret from the environment",
        Span(3, 14, 3, 52),
        'os.environ["BOL_CLIENT_SECRET"]',
    ),
    properties=(("masked", MASKED), ("tags", "credential")),
)
ACCEPT_FINDING = finding(
    "BOL301", "app/client.py", Span(10, 5, 12, 6), "GET /retailer/orders has no Accept header",
    Severity.WARNING,
)


def report(**changes: Any) -> Report:
    fields: dict[str, Any] = {
        "findings": (SECRET_FINDING, ACCEPT_FINDING),
        "root": ROOT,
        "rules": RULES,
    }
    fields.update(changes)
    return Report(**fields)


FULL = report(
    problems=(
        Problem(ProblemKind.SKIPPED_LARGE, "data/dump.json", "larger than 1 MiB"),
        Problem(ProblemKind.CONFIG, "", "unknown key 'selct' in pyproject.toml"),
    ),
    suppressed=(
        Suppressed(finding(path="tests/fixture.py"), SuppressionKind.IN_SOURCE, "fake key"),
        Suppressed(finding("BOL202", "app/old.py", Span(7, 1, 7, 1)), SuppressionKind.EXTERNAL),
    ),
    unused_suppressions=(
        UnusedSuppression("app/client.py", 20, ("BOL301",)),
        UnusedSuppression("app/x.py", 2, ()),
    ),
    baseline_unmatched=1,
)

# ---------------------------------------------------------------------------------------------
# text


def test_text_lines_are_sorted_and_clickable() -> None:
    out = render(report(findings=(SECRET_FINDING, ACCEPT_FINDING)), "text", color=False)
    assert out.splitlines() == [
        "app/client.py:10:5: BOL301 GET /retailer/orders has no Accept header",
        f"app/settings.py:3:14: BOL101 [*] client secret {MASKED} in source",
        "Found 2 findings (1 BOL101, 1 BOL301) in 2 files.",
        "[*] 1 fixable with `bolaudit check --fix`.",
    ]


def test_text_sorts_by_line_then_column_then_code() -> None:
    a = finding("BOL301", span=Span(10, 2, 10, 3))
    b = finding("BOL101", span=Span(10, 2, 10, 3))
    c = finding("BOL101", span=Span(2, 30, 2, 31))
    d = finding("BOL101", span=Span(10, 1, 10, 3))
    lines = render(report(findings=(a, b, c, d)), "text").splitlines()
    assert [line.split(" ")[0] + line.split(" ")[1] for line in lines[:4]] == [
        "app/settings.py:2:30:BOL101",
        "app/settings.py:10:1:BOL101",
        "app/settings.py:10:2:BOL101",
        "app/settings.py:10:2:BOL301",
    ]


@pytest.mark.parametrize(
    ("rep", "summary"),
    [
        (report(findings=()), "No findings."),
        (report(findings=(ACCEPT_FINDING,)), "Found 1 finding (1 BOL301) in 1 file."),
        (
            report(findings=(ACCEPT_FINDING, ACCEPT_FINDING, ACCEPT_FINDING), files_audited=12, files_parsed=4),
            "Found 3 findings (3 BOL301) in 1 file; 12 files audited, 4 parsed.",
        ),
        (report(findings=(), files_audited=1, files_parsed=0), "No findings; 1 file audited, 0 parsed."),
        (
            report(findings=(), files_audited=0, files_parsed=0),
            "No findings; no file audited (nothing there, or every file excluded).",
        ),
        (
            FULL,
            "Found 2 findings (1 BOL101, 1 BOL301) in 2 files; 1 suppressed inline, "
            "1 hidden by the baseline, 2 unused suppressions, 1 baseline entry matching nothing, "
            "1 file not fully audited, 1 other problem.",
        ),
        (
            report(findings=(), suppressed=FULL.suppressed[:1]),
            "No findings; 1 suppressed inline.",
        ),
    ],
)
def test_text_summary_line(rep: Report, summary: str) -> None:
    lines = render(rep, "text").splitlines()
    assert lines[-1] == summary or (lines[-2] == summary and lines[-1].startswith("[*] "))


def test_fixable_findings_are_marked_and_counted() -> None:
    withheld = finding("BOL301", "app/b.py", fix=Fix("Add Accept", Span(1, 1, 1, 1), "", withheld="a secret"))
    lines = render(report(findings=(SECRET_FINDING, ACCEPT_FINDING, withheld)), "text").splitlines()
    assert [line.split(" ")[2] for line in lines[:3]] == ["[*]", "GET", "[*]"]  # b.py, client.py, settings.py
    assert lines[-1] == "[*] 2 fixable with `bolaudit check --fix`."
    assert "[*]" not in render(report(findings=(ACCEPT_FINDING,)), "text")


def test_quiet_text_is_the_findings_only() -> None:
    lines = render(report(quiet=True, files_audited=3), "text").splitlines()
    assert len(lines) == 2 and all(line.startswith("app/") for line in lines)
    assert render(report(findings=(), quiet=True), "text") == ""


def test_text_lists_unused_suppressions_where_they_are() -> None:
    lines = render(FULL, "text").splitlines()
    assert "app/client.py:20: unused suppression for BOL301: it matches no finding" in lines
    unused_all = "unused suppression (bolaudit: ignore, all codes): it matches no finding"
    assert f"app/x.py:2: {unused_all}" in lines


@pytest.mark.parametrize("fmt", FORMATS)
def test_paths_are_relative_to_the_top_from_any_folder(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every format shows a path as the finding holds it (relative to the repository's top),
    whatever the current folder: never ``../``, the same from a subfolder or from outside."""
    (tmp_path / "app").mkdir()
    outputs = set()
    for where in (tmp_path, tmp_path / "app", Path("/")):
        monkeypatch.chdir(where)
        outputs.add(render(report(root=tmp_path), fmt))
    (out,) = outputs
    assert "app/client.py" in out and "../" not in out


def test_colour_only_when_asked() -> None:
    plain = render(FULL, "text", color=False)
    coloured = render(FULL, "text", color=True)
    assert "\x1b" not in plain
    assert "\x1b[" in coloured
    assert "\x1b[1;31mBOL101\x1b[0m" in coloured
    # Same text once the colour is taken out.
    import re

    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
    assert "\x1b" not in render_problems(FULL, color=False)


@pytest.mark.parametrize(
    ("isatty", "environ", "wanted"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": "0"}, False),  # any non-empty value
        (True, {"NO_COLOR": ""}, True),  # empty means unset
        (False, {"NO_COLOR": ""}, False),
    ],
)
def test_color_wanted(isatty: bool, environ: dict[str, str], wanted: bool) -> None:
    assert color_wanted(isatty, environ) is wanted


def test_text_escapes_control_characters_from_paths_and_messages() -> None:
    evil = finding(path="app/\x1b[2Jx.py", message="bad\nline\x1b]0;title\x07 \u202eevil")
    out = render(report(findings=(evil,)), "text", color=False)
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert out.splitlines()[0] == (
        "app/\\x1b[2Jx.py:3:14: BOL101 bad\\x0aline\\x1b]0;title\\x07 \\u202eevil"
    )


def test_statistics_table_and_json() -> None:
    from bolaudit.report import statistics

    many = report(findings=(SECRET_FINDING,) * 12 + (ACCEPT_FINDING,), statistics=True)
    assert statistics.render(many, "text").splitlines() == [
        "12  BOL101  [*] hardcoded-client-secret",
        " 1  BOL301  missing-accept",
    ]
    assert json.loads(statistics.render(many, "json")) == [
        {"code": "BOL101", "name": "hardcoded-client-secret", "count": 12, "fixable": 12},
        {"code": "BOL301", "name": "missing-accept", "count": 1, "fixable": 0},
    ]
    assert statistics.render(report(findings=()), "text") == ""
    assert json.loads(statistics.render(report(findings=()), "json")) == []
    with pytest.raises(ValueError, match="no statistics in the sarif format"):
        statistics.render(many, "sarif")


def test_problems_for_stderr() -> None:
    assert render_problems(FULL, color=False).splitlines() == [
        "bolaudit: config: unknown key 'selct' in pyproject.toml",
        "data/dump.json: skipped-large: larger than 1 MiB",
    ]
    assert render_problems(report(), color=False) == ""


def test_printable_keeps_ordinary_text() -> None:
    assert printable("héllo wörld → ok") == "héllo wörld → ok"
    assert printable("a\nb", keep="\n") == "a\nb"


# ---------------------------------------------------------------------------------------------
# JSON

FINDING_KEYS = [
    "code", "name", "severity", "message", "path", "line", "column", "end_line", "end_column",
    "fingerprint",
]  # fmt: skip


def test_json_shape_is_exact() -> None:
    data = json.loads(render(FULL, "json"))
    assert list(data) == ["version", "findings", "problems", "unused_suppressions"]
    assert data["version"] == FULL.version
    accept, secret = data["findings"]
    assert list(accept) == FINDING_KEYS
    assert accept == {
        "code": "BOL301",
        "name": "missing-accept",
        "severity": "warning",
        "message": "GET /retailer/orders has no Accept header",
        "path": "app/client.py",
        "line": 10,
        "column": 5,
        "end_line": 12,
        "end_column": 6,
        "fingerprint": ACCEPT_FINDING.fingerprint,
    }
    assert list(secret) == FINDING_KEYS + ["properties", "fix"]
    assert secret["properties"] == {"masked": MASKED, "tags": "credential"}
    assert secret["fix"] == {
        "description": "Read the secret from the environment",
        "line": 3,
        "column": 14,
        "end_line": 3,
        "end_column": 52,
        "replacement": 'os.environ["BOL_CLIENT_SECRET"]',
    }
    assert data["problems"] == [
        {"kind": "config", "path": "", "message": "unknown key 'selct' in pyproject.toml"},
        {"kind": "skipped-large", "path": "data/dump.json", "message": "larger than 1 MiB"},
    ]
    assert data["unused_suppressions"] == [
        {"path": "app/client.py", "line": 20, "codes": ["BOL301"]},
        {"path": "app/x.py", "line": 2, "codes": []},
    ]


def test_json_is_indented_stable_and_relative_to_the_top() -> None:
    out = render(report(), "json")
    assert out == render(report(), "json")
    assert out.startswith('{\n  "version": ')
    assert [f["path"] for f in json.loads(out)["findings"]] == ["app/client.py", "app/settings.py"]


def test_json_empty_run() -> None:
    assert json.loads(render(report(findings=()), "json")) == {
        "version": FULL.version,
        "findings": [],
        "problems": [],
        "unused_suppressions": [],
    }


# ---------------------------------------------------------------------------------------------
# SARIF


def test_schema_validation_rejects_a_broken_log(
    sarif_validator: jsonschema.Draft7Validator,
) -> None:
    log = json.loads(render(FULL, "sarif"))
    log["runs"][0]["results"][0]["suppressions"] = [{"kind": "bogus"}]
    log["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    log["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["tags"] = "security"
    log["unexpected"] = True
    messages = sorted(e.message for e in sarif_validator.iter_errors(log))
    assert len(messages) == 4, messages


def test_schema_copy_is_the_shared_one() -> None:
    assert SCHEMA.read_bytes() == shared("sarif", "sarif-schema-2.1.0.json").read_bytes()


ODD = finding(
    path="app/with space/ünï.py",
    span=Span(0, 0, 0, 0),  # an engine bug must still not make the log invalid
    message="",
)


@pytest.mark.parametrize(
    "rep",
    [
        FULL,
        report(findings=()),
        report(findings=(ODD, ACCEPT_FINDING), rules={}),
        report(root=Path("/elsewhere/checkout")),
    ],
    ids=["full", "empty", "odd-and-unknown-rules", "other-root"],
)
def test_sarif_validates_against_the_schema(
    rep: Report, sarif_validator: jsonschema.Draft7Validator
) -> None:
    log = json.loads(render(rep, "sarif"))
    errors = sorted(sarif_validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def sarif(rep: Report) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(render(rep, "sarif"))
    assert log["version"] == "2.1.0" and "$schema" in log and len(log["runs"]) == 1
    run: dict[str, Any] = log["runs"][0]
    return run


def test_sarif_rules_carry_what_github_shows() -> None:
    run = sarif(FULL)
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("bolaudit", FULL.version)
    assert driver["informationUri"].startswith("https://")
    rules = {r["id"]: r for r in driver["rules"]}
    assert list(rules) == ["BOL101", "BOL202", "BOL301"]
    secret = rules["BOL101"]
    assert secret["name"] == "hardcoded-client-secret"
    assert secret["shortDescription"] == {"text": "A bol client secret in source."}
    full = "Finds bol client secrets in code, config and docs."
    assert secret["fullDescription"] == {"text": full}
    assert secret["help"]["markdown"] == RULES["BOL101"].docs.strip()
    assert "Why is this bad" in secret["help"]["text"]
    assert secret["defaultConfiguration"] == {"level": "error"}
    assert secret["properties"]["tags"][0] == "security"
    assert secret["properties"]["security-severity"] == "8.0"
    assert rules["BOL301"]["defaultConfiguration"] == {"level": "warning"}
    assert "security" not in rules["BOL301"]["properties"]["tags"]
    assert "security-severity" not in rules["BOL301"]["properties"]
    # A rule without docs still has help text.
    assert rules["BOL301"]["help"]["text"] == "Request without Accept."


def _uri(item: dict[str, Any]) -> str:
    uri: str = item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    return uri


def test_sarif_results() -> None:
    run = sarif(FULL)
    assert run["columnKind"] == "unicodeCodePoints"
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    results = run["results"]
    for result in results:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
    by_key = {(r["ruleId"], _uri(r)): r for r in results}
    assert len(by_key) == 4

    secret = by_key[("BOL101", "app/settings.py")]
    location = secret["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "app/settings.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 3, "startColumn": 14, "endLine": 3, "endColumn": 52}
    assert secret["level"] == "error"
    assert secret["message"] == {"text": f"client secret {MASKED} in source"}
    assert secret["partialFingerprints"] == {"bolauditFingerprint/v1": SECRET_FINDING.fingerprint}
    assert secret["properties"] == {"masked": MASKED, "tags": ["credential"]}
    assert secret["fixes"] == [
        {
            "description": {"text": "Read the secret from the environment"},
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": "app/settings.py", "uriBaseId": "%SRCROOT%"},
                    "replacements": [
                        {
                            "deletedRegion": {
                                "startLine": 3,
                                "startColumn": 14,
                                "endLine": 3,
                                "endColumn": 52,
                            },
                            "insertedContent": {"text": 'os.environ["BOL_CLIENT_SECRET"]'},
                        }
                    ],
                }
            ],
        }
    ]
    assert "suppressions" not in secret and "fixes" not in by_key[("BOL301", "app/client.py")]
    assert by_key[("BOL101", "tests/fixture.py")]["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "fake key"}
    ]
    external = [{"kind": "external", "status": "accepted"}]
    assert by_key[("BOL202", "app/old.py")]["suppressions"] == external


def test_sarif_problems_and_unused_suppressions_are_notifications() -> None:
    invocation = sarif(FULL)["invocations"][0]
    assert invocation["executionSuccessful"] is False  # a config problem
    notes = invocation["toolExecutionNotifications"]
    assert [(n["level"], n["descriptor"]["id"]) for n in notes] == [
        ("error", "config"),
        ("note", "skipped-large"),
        ("note", "unused-suppression"),
        ("note", "unused-suppression"),
    ]
    assert "locations" not in notes[0]
    assert _uri(notes[1]) == "data/dump.json"
    assert notes[2]["locations"][0]["physicalLocation"]["region"] == {"startLine": 20}
    skipped = report(problems=(Problem(ProblemKind.SKIPPED_BINARY, "a.bin", "binary"),))
    assert sarif(skipped)["invocations"][0]["executionSuccessful"] is True


def test_sarif_uri_is_percent_encoded_and_clamped_region() -> None:
    result = sarif(report(findings=(ODD,)))["results"][0]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app/with%20space/%C3%BCn%C3%AF.py"
    assert location["region"] == {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}


def test_sarif_unknown_rule_gets_a_descriptor() -> None:
    run = sarif(report(findings=(finding("BOL000", message="cannot decode"),), rules={}))
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["BOL000"]
    assert run["results"][0]["ruleIndex"] == 0


# ---------------------------------------------------------------------------------------------
# GitHub


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
        ("%0A", "%250A", "%250A"),
    ],
)
def test_github_escaping(raw: str, data: str, prop: str) -> None:
    assert escape_data(raw) == data
    assert escape_property(raw) == prop


def test_github_annotations() -> None:
    weird = finding(path="app/a,b:c.py", message="line1\nline2 50%", severity=Severity.NOTE)
    out = render(report(findings=(SECRET_FINDING, ACCEPT_FINDING, weird)), "github")
    assert out.splitlines() == [
        "::notice file=app/a%2Cb%3Ac.py,line=3,col=14,endLine=3,endColumn=52,"
        "title=BOL101 hardcoded-client-secret::line1%0Aline2 50%25",
        # Multi-line span: GitHub takes no columns then.
        "::warning file=app/client.py,line=10,endLine=12,title=BOL301 missing-accept"
        "::GET /retailer/orders has no Accept header",
        "::error file=app/settings.py,line=3,col=14,endLine=3,endColumn=52,"
        f"title=BOL101 hardcoded-client-secret::client secret {MASKED} in source",
    ]


def test_github_problems_and_unused_suppressions() -> None:
    lines = render(FULL, "github").splitlines()
    assert lines[2:] == [
        "::error title=bolaudit%3A config::unknown key 'selct' in pyproject.toml",
        "::notice file=data/dump.json,title=bolaudit%3A skipped-large::larger than 1 MiB",
        "::notice file=app/client.py,line=20,title=bolaudit%3A unused suppression"
        "::Unused suppression for BOL301: it matches no finding; remove it.",
        "::notice file=app/x.py,line=2,title=bolaudit%3A unused suppression"
        "::Unused suppression for all codes: it matches no finding; remove it.",
    ]
    assert render(report(findings=()), "github") == ""


def test_github_message_cannot_inject_a_second_command() -> None:
    evil = finding(message="x\n::error file=other.py::fake\x1b[31m")
    (line,) = render(report(findings=(evil,)), "github").splitlines()
    assert line.endswith("::x%0A::error file=other.py::fake\\x1b[31m")


# ---------------------------------------------------------------------------------------------
# dispatch and redaction


def test_unknown_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown report format 'xml'"):
        render(report(), "xml")


def test_no_format_shows_more_than_the_masked_secret(tmp_path: Path) -> None:
    """Reporters get masked messages only; none may add the secret (e.g. a source excerpt)."""
    source = tmp_path / "app" / "settings.py"
    source.parent.mkdir()
    source.write_text(f'import os\n\nCLIENT_SECRET = "{SECRET}"\n', encoding="utf-8")
    column = 18
    span = Span(3, column, 3, column + len(SECRET) + 2)
    masked = finding(
        span=span,
        fix=Fix("Read it from the environment", span, 'os.environ["BOL_CLIENT_SECRET"]'),
        properties=(("masked", MASKED), ("credential", text_hash(SECRET)[:12])),
    )
    rep = Report(
        findings=(masked,),
        root=tmp_path,
        rules=RULES,
        suppressed=(Suppressed(masked, SuppressionKind.IN_SOURCE, "reviewed"),),
        statistics=True,
    )
    windows = {SECRET[i : i + 8] for i in range(len(SECRET) - 7)}
    for fmt in FORMATS:
        for color in (False, True):
            out = render(rep, fmt, color=color)
            assert MASKED in out or MASKED.encode("ascii", "backslashreplace").decode() in out
            leaked = sorted(w for w in windows if w in out)
            assert not leaked, (fmt, leaked)
