"""The Markdown format: a pull request comment, or ``$GITHUB_STEP_SUMMARY``.

A heading with the counts, one summary line (files audited, suppressed, fixable), a table per
rule, and the findings folded in ``<details>`` (and the problems, when there are any). GitHub
keeps a comment to 65,536 characters, so the findings table stops before the output reaches
``MAX_CHARS`` and says how many it left out; the other formats carry them all.

Everything from the audited code (file names, the names in messages) is escaped for GitHub
Flavored Markdown: it cannot close a table cell (``|``), open HTML, mention anyone (``@``) or
format text; code spans stay code spans. Secrets are masked in messages as in every format.
"""

from __future__ import annotations

import re
from collections import Counter

from bolaudit.findings import Finding
from bolaudit.report.model import Report, printable
from bolaudit.report.text import FIXABLE_MARK, fixable_line, summary

MAX_CHARS = 60_000  # GitHub: a comment holds at most 65,536 characters
# Inside a table cell only these format text or end the cell; the block markers (#, -, >, 1.)
# count at the start of a line only, and a cell never starts one.
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "@": "&#64;"}


def render(report: Report) -> str:
    findings = report.sorted_findings()
    head = "## bolaudit: "
    if findings:
        files = len({f.path for f in findings})
        head += f"{_plural(len(findings), 'finding')} in {_plural(files, 'file')}"
    else:
        head += "no findings"
    lines = [head, "", _text(summary(report))]
    if report.fixable:
        lines += ["", _text(fixable_line(report.fixable))]
    if findings:
        lines += ["", *_rule_table(report, findings)]
        lines += ["", "<details>", f"<summary>{_plural(len(findings), 'finding')}</summary>", ""]
        lines += _finding_rows(report, findings, MAX_CHARS - sum(len(line) + 1 for line in lines))
        lines += ["", "</details>"]
    if report.problems:
        lines += ["", "<details>", f"<summary>{_plural(len(report.problems), 'problem')}: files not "
                  "(fully) audited</summary>", ""]
        lines += [f"- {_code(report.display_path(p.path)) if p.path else 'bolaudit'}: "
                  f"{_text(p.message)}" for p in report.problems[:50]]
        if len(report.problems) > 50:
            lines.append(f"- and {len(report.problems) - 50} more")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _rule_table(report: Report, findings: list[Finding]) -> list[str]:
    counts = Counter(f.code for f in findings)
    fixable = Counter(f.code for f in findings if f.fix is not None)
    first = {f.code: f for f in reversed(findings)}
    rows = ["| rule | severity | findings | fixable |", "| --- | --- | ---: | ---: |"]
    for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        info = report.rule_info(first[code])
        rows.append(f"| {code} {_text(info.name)} | {info.severity.value} | {n} | {fixable[code] or ''} |")
    return rows


def _finding_rows(report: Report, findings: list[Finding], budget: int) -> list[str]:
    rows = ["| where | rule | message |", "| --- | --- | --- |"]
    used = sum(len(row) + 1 for row in rows) + 200  # room for the line saying what was left out
    for i, f in enumerate(findings):
        where = _code(f"{report.display_path(f.path)}:{f.span.line}:{f.span.column}")
        mark = f" {FIXABLE_MARK}" if f.fix is not None else ""
        row = f"| {where} | {f.code}{_text(mark)} | {_text(f.message)} |"
        if used + len(row) + 1 > budget:
            left = len(findings) - i
            rows += ["", f"… and {_plural(left, 'more finding')}, left out to fit a comment: the "
                     "`json`, `sarif` and `text` formats list them all."]
            break
        rows.append(row)
        used += len(row) + 1
    return rows


def _text(text: str) -> str:
    """Text for a table cell: code spans kept as code, the rest escaped."""
    parts = printable(text).replace("\r", " ").replace("\n", " ").split("`")
    if len(parts) % 2 == 0:  # an odd number of backticks: no code spans
        return _escape("`".join(parts))
    return "".join(_code(part) if i % 2 else _escape(part) for i, part in enumerate(parts))


def _escape(text: str) -> str:
    text = _SPECIAL.sub(r"\\\1", text)
    return "".join(_HTML.get(char, char) for char in text)


def _code(text: str) -> str:
    """A code span holding ``text`` exactly (a fence longer than any backtick run in it)."""
    text = printable(text).replace("|", "\\|").replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _plural(n: int, singular: str) -> str:
    return f"{n} {singular if n == 1 else singular + 's'}"

