"""``bolaudit scopes --format markdown``: for a pull request comment or partner documentation.

A table of what to grant (group, resource, right, the operations behind it), the checklist a
seller ticks on the authorisation screen, the calls that could not be resolved, and with a token
the comparison. Pure: report in, Markdown out; text from the audited code or the token's claims
is made printable and cannot break out of a table cell or a code span.
"""

from __future__ import annotations

from bolaudit.report.model import printable
from bolaudit.report.scopes_text import comparison_lines, headline, rows, token_lines, verdict
from bolaudit.report.scopes_report import ScopesReport
from bolaudit.tokens.grants import Location, group_name


def render(report: ScopesReport) -> str:
    need = report.audit.needs
    out = ["## bol.com Retailer API access this code needs", "", f"_{headline(report)}_", ""]
    if need.required:
        out += ["| Group | Resource | Right | Operations |", "| --- | --- | --- | --- |"]
        for req in need.required:
            ops = "<br>".join(f"{_code(u.operation.method + ' ' + u.operation.path)} "
                              f"({_cell(u.operation.operation_id)}"
                              f"{', deprecated' if u.operation.deprecated else ''})"
                              for u in req.operations) or "(unresolved calls only)"
            out.append(f"| {_cell(group_name(req.resource))} | {_cell(req.resource.name)} | "
                       f"**{req.right.capitalize()}** | {ops} |")
        out += ["", "### Grant exactly this", "",
                "On bol's authorisation screen, tick these and leave everything else off:", ""]
        out += [f"- [ ] {_cell(group_name(r.resource))} › {_cell(r.resource.name)}: "
                f"**{r.right.capitalize()}**" for r in need.required]
    elif need.complete:
        out.append("The code calls no bol resource that needs a grant.")
    else:
        out.append("No resource was found that needs a grant, but the list is incomplete.")
    if not need.complete and need.required:
        out += ["", "**This list is incomplete**: the calls under *Not resolved* may need more rights."]
    if need.operations:
        out += ["", "<details><summary>Operations and call sites</summary>", ""]
        for used in need.operations:
            sites = ", ".join(_where(report, loc) for loc in used.locations)
            notes = "".join(f" (note: {_cell(n)})" for n in used.notes)
            out.append(f"- {_code(used.operation.label())}: {sites}{notes}")
        out += ["", "</details>"]
    if need.unresolved:
        out += ["", "### Not resolved", "",
                "bolaudit could not tell which operation these calls are; check them by hand:", ""]
        out += [f"- {_where(report, c.location)}: {_cell(c.reason)}" for c in need.unresolved]
    if need.not_covered:
        out += ["", "### Not covered", "",
                "Calls to bol APIs outside the Retailer API's fine-grained access:", ""]
        out += [f"- {_where(report, c.location)}: {_cell(c.reason)}" for c in need.not_covered]
    comparison = report.audit.comparison
    if report.token is not None and comparison is not None:
        out += ["", "### Token", ""]
        out += [f"- {_cell(line.strip())}" for line in token_lines(report.token, report.now)]
        out += [f"- {_cell(line.strip())}" for line in comparison_lines(comparison)]
        out += ["", f"**{verdict(comparison)}**"]
    found = rows(report)
    if found:
        out += ["", "### Findings", ""]
        for row in found:
            where = f"{_code(f'{row.path}:{row.line}')} " if row.path else ""
            out.append(f"- {where}**{row.code}** {row.name}: {_cell(row.message)}")
    return "\n".join(out) + "\n"


def _where(report: ScopesReport, location: Location) -> str:
    return _code(report.where(location))


def _cell(text: str) -> str:
    """Printable, and inert in a table: no pipes, no HTML, no line breaks."""
    text = printable(text).replace("\\", "\\\\").replace("|", "\\|")
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("`", "'")


def _code(text: str) -> str:
    """A code span whose fence no backtick in ``text`` can close."""
    text = printable(text)
    longest = 0
    run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
