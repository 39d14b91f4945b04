"""``bolaudit check``: run the pipeline, apply the baseline, render the report, pick the exit code."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from bolaudit.config import Config
from bolaudit.findings import ProblemKind, RuleInfo, Span
from bolaudit.records import record

if TYPE_CHECKING:
    from bolaudit.project import Project
    from bolaudit.report import CredentialRecord
    from bolaudit.credentials.verify import Verification
    from bolaudit.pipeline.engine import Progress

# Problems that mean the audit itself failed (exit 2), not just that a file was skipped.
FATAL = (ProblemKind.CONFIG, ProblemKind.INTERNAL)
# Formats that show or mark what ``--fix`` can fix (so the fixes are built for them).
MARKS_FIXES = ("text", "json", "sarif", "markdown")


@record
class Outcome:
    stdout: str
    stderr: str
    exit_code: int


def run(
    paths: Sequence[Path],
    config: Config,
    *,
    fmt: str = "text",
    baseline: Path | None = None,
    write_baseline: Path | None = None,
    statistics: bool = False,
    color: bool = False,
    fix: bool = False,
    diff: bool = False,
    verify_credentials: bool = False,
    verified: Mapping[str, Verification] | None = None,
    timeout: float | None = None,
    quiet: bool = False,
    stdin: tuple[Path, bytes] | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """``fix``: apply the findings' safe fixes to the files, then report what is left (audited
    again). ``diff``: show those fixes as a unified diff instead of the report, changing
    nothing; exit 1 when there is something to fix. ``verified``: credential verifications
    made before ``--fix`` rewrote the files, by finding fingerprint (no request is made again).
    ``timeout``: seconds each verification request may take in all (default ``verify``'s).
    ``statistics``: the counts per rule instead of the findings (a table, or JSON).
    ``quiet``: the findings and problems only (no summary, no notes). ``stdin``: a file's name
    and content from standard input, audited as that file."""
    from bolaudit.pipeline import engine
    from bolaudit.report import Report, render
    from bolaudit.report.text import render_problems
    from bolaudit.pipeline.suppress import Suppressed, SuppressionKind

    # Fixes cost a LibCST pass over each file they touch: built where they are shown, marked or used.
    config = dataclasses.replace(config, fixes=fix or diff or fmt in MARKS_FIXES or statistics)
    # What is written back (--fix, --write-baseline) must come from the files' content, not from a
    # whole-run record trusted by sizes and mtimes (an edit may keep both).
    result = engine.run(paths, config, trust_stat=not fix and write_baseline is None, stdin=stdin,
                        progress=progress)
    findings = list(result.findings)
    suppressed = list(result.suppressed)
    notes: list[str] = []
    unmatched = 0
    if baseline is not None:
        from bolaudit.pipeline.baseline import BaselineError, load_baseline

        try:
            accepted = load_baseline(baseline)
        except BaselineError as exc:
            return Outcome("", f"bolaudit: {exc}\n", 2)
        findings, hidden = accepted.split(findings)
        suppressed.extend(Suppressed(f, SuppressionKind.EXTERNAL, "baseline") for f in hidden)
        unmatched = sum(e.count for e in accepted.unmatched(result.findings))
    if verified:
        from bolaudit.commands.verify import reapply

        carried = verified
        findings, suppressed = reapply(findings, suppressed, lambda f: carried.get(f.fingerprint))
    elif verify_credentials and not diff:  # before --fix rewrites the values it reads back
        from bolaudit.commands.verify import annotate
        from bolaudit.tokens.jwt import TokenError

        try:
            from bolaudit.credentials.verify import DEFAULT_TIMEOUT

            annotated = annotate(findings, suppressed, result.project, config.token_url, result.texts,
                                 timeout=DEFAULT_TIMEOUT if timeout is None else timeout)
        except TokenError as exc:
            return Outcome("", f"bolaudit: {exc}\n", 2)
        findings, suppressed = annotated.findings, annotated.suppressed
        verified = annotated.by_fingerprint
        notes.append(annotated.note)
    if fix or diff:
        from bolaudit.commands.fixes import apply as apply_fixes

        fixed = apply_fixes(findings, config.root, write=fix and not diff,
                            credentials=_credential_spans(result.project), analysed=result.texts)
        if diff:
            code = 2 if any(p.kind in FATAL for p in result.problems) else (1 if fixed.fixed else 0)
            return Outcome(fixed.diff, fixed.summary(wrote=False), code)
        notes.append(fixed.summary(wrote=True))
        if fixed.files:
            return _after_fix(paths, config, notes, fmt, baseline, write_baseline, statistics, color,
                              verified, quiet)
    if write_baseline is not None:
        from bolaudit.pipeline.baseline import BaselineError
        from bolaudit.pipeline.baseline import write_baseline as write

        try:
            write(write_baseline, findings)
        except (OSError, BaselineError) as exc:
            return Outcome("", f"bolaudit: cannot write the baseline {write_baseline}: {exc}\n", 2)
        notes.append(f"bolaudit: wrote {len(findings)} finding(s) to the baseline {write_baseline}\n")
        findings = []
    # Only SARIF describes the rules (every rule check runs that the command line leaves on: a
    # config anywhere may enable it); the other formats take a finding's name from the finding,
    # so the rule modules need not be imported for them.
    infos: Mapping[str, RuleInfo] = {}
    if fmt == "sarif":
        from bolaudit.config.rulesets import CHECK_CODES
        from bolaudit.rulebase import rule_infos

        infos = {c: i for c, i in rule_infos().items() if c in CHECK_CODES and config.enabled_by_command_line(c)}
    report = Report(
        findings=tuple(findings),
        root=config.root,
        rules=infos,
        problems=tuple(result.problems),
        suppressed=tuple(suppressed),
        unused_suppressions=tuple(result.unused_suppressions),
        baseline_unmatched=unmatched,
        statistics=statistics,
        quiet=quiet,
        files_audited=result.files_seen,
        files_parsed=result.files_analysed,
        credentials=_credentials(result.project, result.texts) if fmt == "json" and not statistics else None,
    )
    if statistics:
        from bolaudit.report.statistics import render as render_statistics

        stdout = render_statistics(report, fmt)
    else:
        stdout = render(report, fmt, color=color)
    stderr = render_problems(report, color=color) + ("" if quiet else "".join(notes))
    if any(p.kind in FATAL for p in result.problems):
        code = 2
    else:
        code = 1 if findings else 0
    return Outcome(stdout, stderr, code)


def _after_fix(
    paths: Sequence[Path],
    config: Config,
    notes: list[str],
    fmt: str,
    baseline: Path | None,
    write_baseline: Path | None,
    statistics: bool,
    color: bool,
    verified: Mapping[str, Verification] | None,
    quiet: bool,
) -> Outcome:
    """The report on the files as ``--fix`` left them (positions have moved)."""
    after = run(paths, config, fmt=fmt, baseline=baseline, write_baseline=write_baseline,
                statistics=statistics, color=color, verified=verified, quiet=quiet)
    return Outcome(after.stdout, ("" if quiet else "".join(notes)) + after.stderr, after.exit_code)


def _credential_spans(project: Project | None) -> dict[str, list[Span]]:
    """Where each file's credentials are (every sighting, reported or not): what ``--diff``
    must not show."""
    if project is None:
        return {}
    return {path: [s.span for s in m.sightings] for path, m in project.modules.items() if m.sightings}


def _credentials(project: Project | None, reported: Collection[str]) -> tuple[CredentialRecord, ...]:
    """Every credential sighting with its fingerprint and app, for the JSON report."""
    from bolaudit.credentials.sharing import sightings_in_apps
    from bolaudit.report import CredentialRecord

    if project is None:
        return ()
    return tuple(CredentialRecord(s.fingerprint, s.kind, app.name if app else None, path, s.span.line)
                 for path, s, app in sightings_in_apps(project.modules, project.apps, reported))
