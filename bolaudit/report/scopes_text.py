"""``bolaudit scopes --format text``: grouped like bol's seller dashboard, then a checklist.

Group, resource and right as the seller sees them on the authorisation screen, each with the
operations and call sites behind it; the calls bolaudit could not resolve, with why; a "grant
exactly this" checklist; and, with a token, what it grants and the BOL401-BOL404 findings
(``path:line:col: CODE message`` where there is a call site). Pure: report in, text out. Text
that comes from the audited code or the token's claims goes through ``printable``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from bolaudit.records import record
from bolaudit.report.model import printable
from bolaudit.report.scopes_report import ScopesReport, TokenSummary
from bolaudit.tokens.grants import Comparison, Requirement, UsedOperation, group_name


def render(report: ScopesReport) -> str:
    need = report.audit.needs
    lines = [headline(report), ""]
    group = None
    for req in need.required:
        if group_name(req.resource) != group:
            lines += [] if group is None else [""]
            group = group_name(req.resource)
            lines.append(group)
        lines.append(f"  {req.resource.name}: {req.right.capitalize()}")
        lines.extend(_operations(report, req.operations, req))
        extra = [c for c in need.unresolved if c.counted and c.counted[0] == req.resource.id]
        lines.extend(f"    one of several operations (see Not resolved)\n"
                     f"      {printable(report.where(c.location))}" for c in extra)
    if need.free:
        lines += ["", "Needs no grant of its own"]
        for rid in dict.fromkeys(u.operation.resource_id for u in need.free):
            resource = report.catalog.resources[rid]
            note = f" ({resource.note})" if resource.note else ""
            lines.append(f"  {resource.name}{note}")
            lines.extend(_operations(report, tuple(u for u in need.free
                                                   if u.operation.resource_id == rid), None))
    if need.unresolved:
        count = len(need.unresolved)
        lines += ["", f"Not resolved: {count} call{'s' if count != 1 else ''}; check "
                      f"{'them' if count != 1 else 'it'} by hand, more rights may be needed"]
        lines.extend(f"  {printable(report.where(c.location))}: {printable(c.reason)}"
                     for c in need.unresolved)
    if need.not_covered:
        count = len(need.not_covered)
        lines += ["", f"Not covered: {count} call{'s' if count != 1 else ''} to bol APIs outside the "
                      "Retailer API's fine-grained access (no right to grant for them here)"]
        lines.extend(f"  {printable(report.where(c.location))}: {printable(c.reason)}"
                     for c in need.not_covered)
    lines += ["", *checklist(report)]
    if report.token is not None and report.audit.comparison is not None:
        lines += ["", *token_lines(report.token, report.now),
                  *comparison_lines(report.audit.comparison)]
    findings = _findings(report)
    if findings:
        lines += ["", *findings]
    if report.audit.comparison is not None:
        lines += ["", verdict(report.audit.comparison)]
    return "\n".join(lines) + "\n"


def headline(report: ScopesReport) -> str:
    need = report.audit.needs
    ops = len(need.operations)
    sites = len({loc for used in need.operations for loc in used.locations})
    resources = len(need.required)
    return (f"bolaudit scopes: {ops} bol operation{'s' if ops != 1 else ''} at {sites} call "
            f"site{'s' if sites != 1 else ''}; the code needs {resources} "
            f"resource{'s' if resources != 1 else ''}")


def _operations(report: ScopesReport, operations: tuple[UsedOperation, ...],
                req: Requirement | None) -> Iterator[str]:
    for used in operations:
        op = used.operation
        marks = [op.right.capitalize()] if req is not None and op.right != req.right else []
        if op.deprecated:
            marks.append("deprecated" + (f", ends {op.end_date}" if op.end_date else ""))
        extra = f" [{'; '.join(marks)}]" if marks else ""
        yield f"    {op.label()}{extra}"
        yield f"      {', '.join(printable(report.where(loc)) for loc in used.locations)}"
        for note in used.notes:
            yield f"      note: {printable(note)}"


def checklist(report: ScopesReport) -> list[str]:
    need = report.audit.needs
    required = need.required
    if not need.complete:
        count = len(need.unresolved)
        first = (f"This list is incomplete: {count} call{'s' if count != 1 else ''} could not be "
                 "resolved (see Not resolved) and may need more rights.")
        if not required:
            return [first, "No resource was found that needs a grant; do not grant anything "
                           "before the calls above are checked by hand."]
        return [first, "Grant at least this on bol's authorisation screen, and check the calls above:",
                *(f"  [ ] {label(req)}" for req in required)]
    if not required:
        return ["Grant nothing: the code calls no bol resource that needs a grant."]
    lines = ["Grant exactly this on bol's authorisation screen, and leave everything else off:"]
    lines += [f"  [ ] {label(req)}" for req in required]
    return lines


def label(req: Requirement) -> str:
    return f"{group_name(req.resource)} > {req.resource.name}: {req.right.capitalize()}"


def token_lines(token: TokenSummary, now: datetime | None) -> list[str]:
    who = ", ".join(part for part in (
        f'client "{printable(token.client_name)}"' if token.client_name else "",
        f"id {printable(token.client_id)}" if token.client_id else "",
        f"seller {printable(token.seller_id)}" if token.seller_id else "") if part)
    signature = ("verified" if token.signature_verified else
                 f"NOT VERIFIED: {printable(token.signature_detail)}")
    expires = "no exp claim"
    if token.expires_at is not None:
        expires = token.expires_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
        if now is not None:
            from bolaudit.tokens.view import relative

            expires += f" ({relative(token.expires_at, now)})"
    return [
        f"Token {token.masked} from {printable(token.source)}" + (f": {who}" if who else ""),
        f"  signature {signature}",
        f"  expires {expires}",
        f"  scopes: {printable(' '.join(token.scopes)) or '(none)'}",
        *(f"  warning: {printable(warning)}" for warning in token.warnings),
    ]


def comparison_lines(comparison: Comparison) -> list[str]:
    grants = comparison.grants
    lines: list[str] = []
    if grants.legacy:
        lines.append("  legacy full access (retailer): it grants every resource, so it covers "
                     "this code; a fine-grained renewal should grant only the checklist above")
    if grants.flow:
        lines.append(f"  {', '.join(grants.flow)}: asks for a refresh token; grants no resource")
    if grants.unknown:
        lines.append(f"  scopes bolaudit does not know: {printable(', '.join(grants.unknown))} "
                     "(map them in [tool.bolaudit.scopes] if they grant resources)")
    if not grants.rights and not grants.legacy:
        lines.append("  the token grants no resource bolaudit knows of; if it is a Code Flow token "
                     "from before fine-grained access, map its scope to full access: "
                     '[tool.bolaudit.scopes] offline_access = "*:manage"')
    return lines


def verdict(comparison: Comparison) -> str:
    counts = (f"{len(comparison.missing)} missing, {len(comparison.insufficient)} insufficient, "
              f"{len(comparison.unused)} unused")
    if comparison.covered:
        return f"The token covers this code ({counts})."
    return f"The token does NOT cover this code ({counts})."


@record
class Row:
    """A finding as the text and Markdown formats list it; ``path`` empty when it has no place."""

    path: str
    line: int
    column: int
    code: str
    name: str
    message: str


def rows(report: ScopesReport) -> list[Row]:
    """The findings, but a legacy token's many BOL403 in one row: they all say the same, that
    full access is more than the code needs."""
    comparison = report.audit.comparison
    legacy = comparison is not None and comparison.grants.legacy
    out = [Row(report.display_path(f.path), f.span.line, f.span.column, f.code, f.name, f.message)
           for f in report.findings if not (legacy and f.code == "BOL403")]
    if legacy and comparison is not None and comparison.unused:
        unused = [f"{g.resource.name} ({g.granted.capitalize() if g.granted else '-'})"
                  for g in comparison.unused]
        out.append(Row("", 0, 0, "BOL403", "grant-unused",
                       f"the legacy full access grants more than this code needs on {len(unused)} "
                       f"resources: {', '.join(unused)}; a fine-grained renewal should grant only "
                       "the checklist above"))
    return out


def _findings(report: ScopesReport) -> list[str]:
    lines = []
    for row in rows(report):
        text = f"{row.code} {row.name}: {printable(row.message)}"
        lines.append(f"{printable(row.path)}:{row.line}:{row.column}: {text}" if row.path else text)
    return lines
