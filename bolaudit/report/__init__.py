"""Reports: one frozen ``Report`` in, one string out, per format.

Every format is a pure function in a sibling module (``text``, ``json_format``, ``sarif``,
``github``, ``gitlab``, ``markdown``): it reads the report (``report.model``) and returns text.
Printing, choosing colour and exit codes are the CLI's job. Reporters never read the audited
files: all they show comes from the findings, whose messages hold masked values only, so no
format can leak a secret by quoting source.
"""

from __future__ import annotations

from bolaudit.report.model import FORMATS as FORMATS
from bolaudit.report.model import CredentialRecord as CredentialRecord
from bolaudit.report.model import Report as Report
from bolaudit.report.model import color_wanted as color_wanted
from bolaudit.report.model import printable as printable


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    """The report in format ``fmt`` (one of ``FORMATS``); only ``text`` uses ``color``."""
    if fmt == "text":
        from bolaudit.report import text

        return text.render(report, color=color)
    if fmt == "json":
        from bolaudit.report import json_format

        return json_format.render(report)
    if fmt == "sarif":
        from bolaudit.report import sarif

        return sarif.render(report)
    if fmt == "github":
        from bolaudit.report import github

        return github.render(report)
    if fmt == "gitlab":
        from bolaudit.report import gitlab

        return gitlab.render(report)
    if fmt == "markdown":
        from bolaudit.report import markdown

        return markdown.render(report)
    raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
