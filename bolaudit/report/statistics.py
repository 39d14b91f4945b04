"""``check --statistics``: the findings counted per rule, instead of the findings themselves.

Text is a table, most frequent first (``12  BOL101  [*] hardcoded-client-secret``, ``[*]`` when
``--fix`` can fix some of them); JSON a list of ``{"code", "name", "count", "fixable"}`` (how many
of them ``--fix`` can fix), in the same order, for scripts. Other formats have no statistics.
"""

from __future__ import annotations

import json
from collections import Counter

from bolaudit.records import record
from bolaudit.report.model import Report
from bolaudit.report.text import FIXABLE_MARK

FORMATS = ("text", "json")


@record
class Row:
    code: str
    name: str
    count: int
    fixable: int


def rows(report: Report) -> list[Row]:
    counts = Counter(f.code for f in report.findings)
    fixable = Counter(f.code for f in report.findings if f.fix is not None)
    names = {f.code: report.rule_info(f).name for f in report.findings}
    order = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [Row(code, names[code], n, fixable[code]) for code, n in order]


def render(report: Report, fmt: str) -> str:
    table = rows(report)
    if fmt == "json":
        data = [{"code": r.code, "name": r.name, "count": r.count, "fixable": r.fixable} for r in table]
        return json.dumps(data, indent=2) + "\n"
    if fmt != "text":
        raise ValueError(f"no statistics in the {fmt} format; choose one of {', '.join(FORMATS)}")
    width = max((len(str(r.count)) for r in table), default=1)
    return "".join(
        f"{r.count:>{width}}  {r.code}  {FIXABLE_MARK + ' ' if r.fixable else ''}{r.name}\n" for r in table
    )
