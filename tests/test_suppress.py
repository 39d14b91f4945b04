"""Inline suppressions: what the directives mean, where they apply, and which are stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bolaudit.findings import Finding, Severity, Span, text_hash
from bolaudit.pipeline.suppress import (
    Style,
    Suppression,
    SuppressionKind,
    UnusedSuppression,
    apply,
    parse_suppressions,
)


def finding(line: int, code: str = "BOL101", path: str = "app.py") -> Finding:
    span = Span(line, 5, line, 20)
    return Finding(code, "rule-name", Severity.ERROR, "msg", path, span, text_hash("x"))


def parsed(path: str, text: str) -> list[tuple[int, tuple[str, ...], str, Style, bool]]:
    found = parse_suppressions(path, text)
    return [(s.line, s.codes, s.reason, s.style, s.own_line) for s in found]


B, N = Style.BOLAUDIT, Style.NOQA


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('x = 1  # bolaudit: ignore[BOL101]', [(("BOL101",), "", B, False)]),
        (
            'x = 1  # bolaudit: ignore[BOL101, BOL102] test fixture',
            [(("BOL101", "BOL102"), "test fixture", B, False)],
        ),
        (
            "# bolaudit: ignore[BOL101] -- rotated, harmless",
            [(("BOL101",), "rotated, harmless", B, True)],
        ),
        ("  # bolaudit: ignore[BOL101] because a test", [(("BOL101",), "a test", B, True)]),
        ("x = 1  # bolaudit: ignore", [((), "", B, False)]),
        ("x = 1  # bolaudit:ignore because a sandbox key", [((), "a sandbox key", B, False)]),
        ("x = 1  #bolaudit: IGNORE[bol101,bol204]", [(("BOL101", "BOL204"), "", B, False)]),
        ("x = 1  # bolaudit: ignore[BOL101 BOL101]", [(("BOL101",), "", B, False)]),
        ("x = 1  # bolaudit: ignore[BOL101] see #12", [(("BOL101",), "see #12", B, False)]),
        ("x = 1  # noqa: BOL101", [(("BOL101",), "", N, False)]),
        ("x = 1  # noqa:BOL101,BOL102", [(("BOL101", "BOL102"), "", N, False)]),
        ("x = 1  # NOQA: E501, BOL101", [(("BOL101",), "", N, False)]),
        ("x = 1  # noqa: BOL101 -- fixture", [(("BOL101",), "fixture", N, False)]),
        (
            "x = 1  # type: ignore  # bolaudit: ignore[BOL101] fake key  # noqa: BOL102",
            [(("BOL101",), "fake key", B, False), (("BOL102",), "", N, False)],
        ),
        # Not ours, or not well-formed: these suppress nothing (a malformed list must never turn
        # into "ignore everything").
        ("x = 1  # noqa", []),
        ("x = 1  # noqa: E501", []),
        ("x = 1  # bolaudit: ignore[BOL101", []),
        ("x = 1  # bolaudit: ignore[]", []),
        ("x = 1  # bolaudit: ignore[, ]", []),
        ("x = 1  # bolaudit: ignored", []),
        ("x = 1  # see the bolaudit docs", []),
        ("x = 1  # bolaudit ignore[BOL101]", []),
    ],
)
def test_directive_table(
    line: str, expected: list[tuple[tuple[str, ...], str, Style, bool]]
) -> None:
    got = parsed("app.py", line + "\n")
    assert [(codes, reason, style, own) for _, codes, reason, style, own in got] == expected
    assert all(number == 1 for number, *_ in got)


@pytest.mark.parametrize(
    "source",
    [
        's = "# bolaudit: ignore[BOL101]"\n',
        "s = 'x  # noqa: BOL101'\n",
        's = """\n# bolaudit: ignore[BOL101]\n"""\n',
        'f"{x}  # noqa: BOL101"\n',
    ],
)
def test_python_strings_are_not_comments(source: str) -> None:
    assert parse_suppressions("app.py", source) == ()


def test_python_comment_after_string_with_hash() -> None:
    source = 'URL = "https://x#frag"  # bolaudit: ignore[BOL304] local mock\n'
    assert parsed("app.py", source) == [(1, ("BOL304",), "local mock", B, False)]


@pytest.mark.parametrize("odd", ["\f", "\x1c", "\u2028", "\x85", "\v"])
def test_line_numbers_count_only_real_line_breaks(odd: str) -> None:
    text = f"a: 1 {odd} 2\r\nb: 2\rc: 3  # bolaudit: ignore[BOL101]\n"
    assert [s.line for s in parse_suppressions("config.yaml", text)] == [3]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_python_line_endings(newline: str) -> None:
    text = newline.join(["import os", "", "S = 'x'  # bolaudit: ignore[BOL101]", ""])
    assert [s.line for s in parse_suppressions("app.py", text)] == [3]


def test_untokenizable_python_falls_back_to_line_scan() -> None:
    source = "def f(:\n    secret = 'abc'  # bolaudit: ignore[BOL101]\n"
    assert parsed("broken.py", source) == [(2, ("BOL101",), "", B, False)]


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("config.yaml", "secret: abc  # bolaudit: ignore[BOL101] demo\n", (1, "demo", False)),
        (".env", "# bolaudit: ignore[BOL101]\nBOL_CLIENT_SECRET=abc\n", (1, "", True)),
        ("deploy.sh", 'export S=abc  # noqa: BOL101\n', (1, "", False)),
        ("pyproject.toml", 'secret = "abc"  # bolaudit: ignore[BOL101]\n', (1, "", False)),
        ("setup.cfg", "# bolaudit: ignore[BOL101] sandbox\nsecret = abc\n", (1, "sandbox", True)),
        ("Dockerfile", "ENV SECRET=abc # bolaudit: ignore[BOL101]\n", (1, "", False)),
        (
            "README.md",
            "<!-- bolaudit: ignore[BOL101] sample value -->\n`abc`\n",
            (1, "sample value", True),
        ),
        ("settings.json", '  "secret": "abc" // bolaudit: ignore[BOL101]\n', (1, "", False)),
        # Line scan for non-Python files: a "#" inside a quoted value is not where the comment
        # starts, the later one is.
        ("config.yaml", 'url: "http://x#a"  # bolaudit: ignore[BOL304]\n', (1, "", False)),
    ],
)
def test_other_file_types(path: str, text: str, expected: tuple[int, str, bool]) -> None:
    got = parse_suppressions(path, text)
    assert len(got) == 1
    assert (got[0].line, got[0].reason, got[0].own_line) == expected
    assert got[0].path == path


def test_notebook_source_lines() -> None:
    cell = {
        "cell_type": "code",
        "metadata": {},
        "source": [
            "import os\n",
            "# bolaudit: ignore[BOL101] demo notebook\n",
            "SECRET = 'abc'\n",
            "ID = 'x'  # noqa: BOL102\n",
        ],
    }
    text = json.dumps({"cells": [cell], "nbformat": 4}, indent=1)
    lines = text.splitlines()

    def line_of(fragment: str) -> int:
        return next(i for i, line in enumerate(lines, start=1) if fragment in line)

    assert parsed("demo.ipynb", text) == [
        (line_of("# bolaudit"), ("BOL101",), "demo notebook", B, True),
        (line_of("# noqa"), ("BOL102",), "", N, False),
    ]


def sup(
    line: int,
    codes: tuple[str, ...] = ("BOL101",),
    own_line: bool = False,
    reason: str = "",
    path: str = "app.py",
) -> Suppression:
    return Suppression(path, line, codes, reason, Style.BOLAUDIT, own_line)


@pytest.mark.parametrize(
    ("suppression", "finding_line", "code", "covered"),
    [
        (sup(5), 5, "BOL101", True),  # same line
        (sup(5), 5, "BOL102", False),  # other code
        (sup(5, own_line=True), 6, "BOL101", True),  # comment-only line before
        (sup(5, own_line=False), 6, "BOL101", False),  # trailing comment covers its own line only
        (sup(5, own_line=True), 7, "BOL101", False),  # two lines before
        (sup(5, own_line=True), 4, "BOL101", False),  # never the line above the comment
        (sup(5, codes=()), 5, "BOL204", True),  # ignore alone: every code
        (sup(5, codes=("BOL102", "BOL101")), 5, "BOL101", True),
    ],
)
def test_where_a_suppression_applies(
    suppression: Suppression, finding_line: int, code: str, covered: bool
) -> None:
    enabled = {"BOL101", "BOL102", "BOL204"}
    kept, suppressed, _ = apply([finding(finding_line, code)], {"app.py": [suppression]}, enabled)
    assert (len(suppressed) == 1) is covered
    assert (len(kept) == 1) is not covered


def test_apply_end_to_end_from_source() -> None:
    source = (
        "import os\n"
        "SECRET = 'aaaa'  # bolaudit: ignore[BOL101] sandbox only\n"
        "# noqa: BOL102\n"
        "CLIENT_ID = 'bbbb'\n"
        "OTHER = 'cccc'\n"
    )
    sups = {"app.py": parse_suppressions("app.py", source)}
    findings = [finding(2), finding(4, "BOL102"), finding(5)]
    kept, suppressed, unused = apply(findings, sups, {"BOL101", "BOL102"})
    assert kept == (finding(5),)
    assert [(s.finding.span.line, s.kind, s.reason) for s in suppressed] == [
        (2, SuppressionKind.IN_SOURCE, "sandbox only"),
        (4, SuppressionKind.IN_SOURCE, ""),
    ]
    assert unused == ()


def test_other_files_suppressions_do_not_apply() -> None:
    kept, suppressed, unused = apply([finding(5, path="b.py")], {"app.py": [sup(5)]}, {"BOL101"})
    assert kept == (finding(5, path="b.py"),) and suppressed == ()
    assert unused == (UnusedSuppression("app.py", 5, ("BOL101",)),)


def test_unused_reports_only_unmatched_enabled_codes() -> None:
    sups = {
        "app.py": [
            # BOL101 is used, BOL102 is not, BOL999 is not enabled.
            sup(1, codes=("BOL101", "BOL102", "BOL999")),
            sup(3, codes=()),  # ignore-all that matches nothing
            sup(7, codes=("BOL305",)),  # rule not enabled: cannot be called unused
        ],
        "z.py": [sup(2, codes=("BOL102",), path="z.py")],
    }
    _, _, unused = apply([finding(1)], sups, {"BOL101", "BOL102"})
    assert unused == (
        UnusedSuppression("app.py", 1, ("BOL102",)),
        UnusedSuppression("app.py", 3, ()),
        UnusedSuppression("z.py", 2, ("BOL102",)),
    )


def test_ignore_all_is_not_unused_when_no_rule_ran() -> None:
    assert apply([], {"app.py": [sup(3, codes=())]}, set()).unused == ()


def test_several_covering_suppressions_all_count_as_used_and_same_line_reason_wins() -> None:
    sups = {
        "app.py": [
            sup(4, own_line=True, reason="from the line above"),
            Suppression("app.py", 5, ("BOL101",), "on the line", Style.NOQA, False),
        ]
    }
    _, suppressed, unused = apply([finding(5)], sups, {"BOL101"})
    assert [s.reason for s in suppressed] == ["on the line"]
    assert unused == ()


def test_reason_falls_back_to_any_covering_suppression() -> None:
    sups = {"app.py": [sup(5), sup(4, own_line=True, reason="reviewed")]}
    _, suppressed, _ = apply([finding(5)], sups, {"BOL101"})
    assert [s.reason for s in suppressed] == ["reviewed"]


def test_files_without_directives_are_cheap_and_empty() -> None:
    assert parse_suppressions("app.py", "x = 1\n" * 1000) == ()


def test_markdown_takes_only_html_comments() -> None:
    text = (
        "Suppress a line with `# bolaudit: ignore[BOL101]` in code.\n"
        "<!-- bolaudit: ignore[BOL102] -- an example id -->\n"
        "client id: 0f8fad5b-d9cb-469f-a165-70867728950e\n"
    )
    found = parse_suppressions("docs/setup.md", text)
    assert [(s.line, s.codes) for s in found] == [(2, ("BOL102",))]


def test_a_run_applies_directives_in_any_case_and_a_mention_is_not_one(tmp_path: Path) -> None:
    """The per-file stage finds the directives: ``# NOQA: BOL101`` counts as ``# noqa:`` does, a
    file that only mentions bolaudit or noqa has none (and is not tokenized for them)."""
    from bolaudit.config import Config
    from bolaudit.pipeline.engine import run
    from conftest import write_tree

    secret = "Pq3!xT7@vB2-kN9+zR4(mW6)yH1?cJ8_dF5eL0gS3aU7iO2nK4tV9wX1rQ6bM8zD"
    write_tree(tmp_path, {
        "upper.py": f"BOL_CLIENT_SECRET = '{secret}'  # NOQA: BOL101 - rotated, kept for the docs\n",
        "mention.py": f"# audited by bolaudit; see noqa docs\nBOL_CLIENT_SECRET = '{secret}'\n",
    })
    result = run([tmp_path], Config(root=tmp_path, jobs=1, use_cache=False), debug=True)
    assert [(f.path, f.code) for f in result.findings] == [("mention.py", "BOL101")]
    assert [(s.finding.path, s.reason) for s in result.suppressed] == [
        ("upper.py", "rotated, kept for the docs")
    ]
    assert result.unused_suppressions == []
