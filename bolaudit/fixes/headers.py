"""BOL301/BOL302's shared parts: one finding per HTTP call, and the safe fix that adds the
missing Accept (and Content-Type) at that call; and BOL203's fix, which adds
``Accept: application/json`` to a token request that sets none.

One fix per HTTP call, shared by both rules (so ``--fix`` applies it once): it adds a header only
when every request the call sends lacks it and all of them want the same media type; a call that
also reaches hosts that are not bol's API, or that some request leaves unresolved, is left alone.
The text is made by ``bolaudit.fixes.edits`` from the file as it is on disk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from bolaudit.resolve.media import Verdict, accept_verdict, content_type_verdict
from bolaudit.findings import Finding, Fix

if TYPE_CHECKING:
    from bolaudit.project import Project
    from bolaudit.resolve.requests import ResolvedRequest
    from bolaudit.catalog import Catalog
    from bolaudit.rulebase import ProjectRule


def header_findings(
    rule: ProjectRule,
    project: Project,
    verdict_of: Callable[[ResolvedRequest, Catalog], Verdict | None],
    header: str,
) -> Iterator[Finding]:
    """One finding per HTTP call any of whose requests ``verdict_of`` faults, at the call."""
    from bolaudit.resolve.requests import by_call

    cat = project.catalog
    for (path, _call), reqs in by_call(project.requests).items():
        bad = [(r, v) for r in reqs if (v := verdict_of(r, cat)) is not None]
        if not bad:
            continue
        req, verdict = bad[0]
        message = verdict.text
        if req.site != req.call_site:
            message += f" (the endpoint is chosen at {req.site.path}:{req.site.span.line})"
        if len(bad) > 1:
            message += f"; and {len(bad) - 1} more request(s) through this call"
        yield rule.make_finding(
            path,
            req.http.span,
            message,
            flagged=f"{req.endpoint} {header}={verdict.sent}",
            fix=missing_headers_fix(project, reqs) if project.config.fixes else None,
        )

_CACHE: WeakKeyDictionary[Project, dict[tuple[str, int], Fix | None]] = WeakKeyDictionary()


def missing_headers_fix(project: Project, requests: Sequence[ResolvedRequest]) -> Fix | None:
    """The fix for the HTTP call all ``requests`` are sent by, or None."""
    if not requests:
        return None
    first = requests[0]
    key = (first.path, first.http.call)
    cache = _CACHE.setdefault(project, {})
    if key not in cache:
        cache[key] = _build(project, requests)
    return cache[key]


def _build(project: Project, requests: Sequence[ResolvedRequest]) -> Fix | None:
    cat = project.catalog
    if any(r.kind != "api" or r.unresolved is not None for r in requests):
        return None
    add: list[tuple[str, str]] = []
    checks: list[Callable[..., Verdict | None]] = [accept_verdict, content_type_verdict]
    for check in checks:
        verdicts = [check(r, cat) for r in requests]
        wanted = {v.wanted for v in verdicts if v is not None}
        if all(v is not None and v.absent for v in verdicts) and len(wanted) == 1:
            value = wanted.pop()
            if value is not None:
                add.append((verdicts[0].header if verdicts[0] else "", value))
    if not add:
        return None
    first = requests[0]
    text = source_text(project, first.path)
    if text is None:
        return None
    from bolaudit.fixes.edits import guarded, header_fix

    names = " and ".join(f"{name}: {value}" for name, value in add)
    fix = header_fix(text, first.http.span, add, f"add {names}", first.library)
    if fix is None:
        return None
    facts = project.modules.get(first.path)
    return guarded(fix, text, [s.span for s in facts.sightings] if facts is not None else [])


def accept_json_fix(project: Project, requests: Sequence[ResolvedRequest]) -> Fix | None:
    """The fix that adds ``Accept: application/json`` to the HTTP call that sends ``requests``,
    token requests that all set no ``Accept`` (the caller checks): a literal headers dict gets
    the entry, a call without headers gets ``headers={...}``; anything else is left alone."""
    if not requests:
        return None
    first = requests[0]
    text = source_text(project, first.path)
    if text is None:
        return None
    from bolaudit.fixes.edits import guarded, header_fix

    fix = header_fix(text, first.http.span, [("Accept", "application/json")], "add Accept: application/json",
                     first.library)
    if fix is None:
        return None
    facts = project.modules.get(first.path)
    return guarded(fix, text, [s.span for s in facts.sightings] if facts is not None else [])


def source_text(project: Project, rel: str) -> str | None:
    """A Python file's text as the per-file stage read it; None for notebooks and files that are
    gone or changed encoding since."""
    from bolaudit.fixes.edits import locate

    if not rel.endswith(".py"):
        return None
    from bolaudit.bounded.files import read_regular

    try:
        data = read_regular(locate(rel, project.config.root), project.config.max_file_size)
    except OSError:
        return None
    from bolaudit.extract.decoding import Decoded, decode_python

    decoded = decode_python(data)
    return decoded.text if isinstance(decoded, Decoded) else None
