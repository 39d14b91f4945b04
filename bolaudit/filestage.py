"""The per-file stage: one file's bytes in, its facts and per-file findings out. Never raises.

Runs in worker processes, so everything it takes and returns pickles. A Python file is parsed
once with LibCST and walked once by a batch of visitors: the fact extractor, the credential
visitor and every per-file rule. Text files go through the detect-secrets adapter. What cannot be
decoded or parsed becomes an error fact (reported as BOL000) and the run goes on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bolaudit.facts import ModuleFacts
from bolaudit.findings import Finding, Problem, ProblemKind, Span
from bolaudit.suppress import Suppression, suppressions_in

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FileJob:
    path: str  # absolute
    rel: str
    kind: str  # python | notebook | text
    module: str
    is_package: bool
    data: bytes


@dataclass(frozen=True, slots=True)
class FileResult:
    facts: ModuleFacts
    findings: tuple[Finding, ...] = ()
    problems: tuple[Problem, ...] = ()
    suppressions: tuple[Suppression, ...] = ()  # the file's inline directives, applied later


def analyze(job: FileJob) -> FileResult:
    """Analyse one file; any failure caused by the file's content is a fact, not an exception."""
    try:
        result = _analyze(job)
    except RecursionError:
        result = _error(job, "the file nests too deeply to analyse", Span.at(1))
    except MemoryError:
        result = _error(job, "the file is too large to analyse in memory", Span.at(1))
    found = suppressions_in(job.rel, job.data)
    return dataclasses.replace(result, suppressions=found) if found else result


def _error(job: FileJob, message: str, span: Span) -> FileResult:
    return FileResult(ModuleFacts(job.rel, job.module, job.is_package, errors=((message, span),)))


def _analyze(job: FileJob) -> FileResult:
    from bolaudit import sources

    decoded = sources.decode_for(job.kind, job.rel, job.data)
    if isinstance(decoded, Problem):
        return FileResult(ModuleFacts(job.rel, job.module), problems=(decoded,))
    if isinstance(decoded, sources.DecodeFailure):
        result = _error(job, decoded.message, Span.at(decoded.line, decoded.column))
        return _with_text_scan(result, job, job.data.decode("latin-1"))
    if job.kind == "text":
        return _scan_text(job, decoded.text)
    result = _analyze_python(job, decoded.text)
    if decoded.line_map:
        line_map = decoded.line_map
        result = remap_lines(result, lambda line: line_map[line - 1] if 0 < line <= len(line_map) else line)
    return result


def _scan_text(job: FileJob, text: str) -> FileResult:
    from bolaudit.analysis.deploy_sources import scan_deploy
    from bolaudit.secrets import scan_text

    sightings, sources_ = scan_text(job.rel, text)
    # Compose/Kubernetes/workflow units and secret references, .env definitions (for BOL103).
    deploy = scan_deploy(job.rel, text) if job.kind == "text" else None
    facts = ModuleFacts(
        job.rel, "", sightings=tuple(sightings),
        secret_sources=tuple(sources_) + (deploy.sources if deploy else ()),
        extra=deploy.extra if deploy else (),
    )
    return FileResult(facts)


def _with_text_scan(result: FileResult, job: FileJob, text: str) -> FileResult:
    """A file we could not parse may still hold a secret: scan it as text."""
    scanned = _scan_text(job, text)
    facts = dataclasses.replace(
        result.facts,
        sightings=scanned.facts.sightings,
        secret_sources=scanned.facts.secret_sources,
    )
    return FileResult(facts, result.findings, result.problems)


def _analyze_python(job: FileJob, text: str) -> FileResult:
    import ast
    import warnings

    import libcst as cst

    from bolaudit.analysis.credential_visitor import CredentialVisitor
    from bolaudit.analysis.extract import FactExtractor
    from bolaudit.analysis.positions import traverse
    from bolaudit.rule import all_rules
    from bolaudit.rule_cst import Rule

    # CPython's parser first: it is exact about syntax errors, a third of LibCST's cost, its tree
    # gives the spans (analysis.positions), and it refuses the deep nesting that crashes LibCST's
    # native parser (the whole process, not an exception: a fuzzed "(" * 5000, "1 + " * 20000).
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the audited code's invalid escapes are not ours
            tree = ast.parse(text)
    except SyntaxError as err:
        span = Span.at(err.lineno or 1, max(err.offset or 1, 1))
        return _with_text_scan(_error(job, f"syntax error: {err.msg}", span), job, text)
    except (RecursionError, MemoryError, ValueError):
        message = "the file nests too deeply for a parser (Python cannot compile it either)"
        return _with_text_scan(_error(job, message, Span.at(1)), job, text)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        message = f"LibCST cannot parse this file, though Python can ({exc.message})"
        span = Span.at(exc.editor_line, exc.editor_column)
        return _with_text_scan(_error(job, message, span), job, text)
    extractor = FactExtractor(job.rel, job.module, job.is_package)
    credentials = CredentialVisitor(job.rel)
    rules = [r(job.rel, text) for r in all_rules() if issubclass(r, Rule)]
    positions = traverse(module, text, [extractor, credentials, *rules], tree)
    facts = dataclasses.replace(
        extractor.facts(),
        sightings=tuple(credentials.sightings),
        secret_sources=tuple(credentials.secret_sources),
    )
    findings = [f for rule in rules for f in _finish(rule, positions)]
    return FileResult(facts, tuple(findings))


def _finish(rule: Any, positions: Any) -> list[Finding]:
    from bolaudit.findings import Fix

    out: list[Finding] = []
    for pending in rule.pending:
        span = positions.span(pending.node)
        fix = None
        if pending.fix_replacement is not None:
            fix = Fix(pending.fix_description, span, pending.fix_replacement)
        out.append(
            rule.make_finding(
                rule.path, span, pending.message, flagged=pending.flagged, fix=fix,
                properties=pending.properties,
            )
        )
    return out


def remap_lines(obj: T, line_of: Callable[[int], int]) -> T:
    """Rewrite every ``Span`` inside ``obj`` (nested frozen dataclasses and tuples) through ``line_of``."""

    def walk(value: Any) -> Any:
        if isinstance(value, Span):
            return Span(line_of(value.line), value.column, line_of(value.end_line), value.end_column)
        if isinstance(value, tuple):
            return tuple(walk(v) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: walk(getattr(value, f.name)) for f in dataclasses.fields(value)}
            return dataclasses.replace(value, **changes)
        return value

    result: T = walk(obj)
    return result


def internal_problem(rel: str, exc: BaseException) -> Problem:
    """A bolaudit bug met while analysing ``rel``. The exception's text may quote the audited
    file (a literal in a KeyError), so secret-shaped runs in it are redacted and it is cut short."""
    from bolaudit.analysis.exprtools import redact

    text = redact(str(exc))
    text = text if len(text) <= 200 else text[:200] + "…"
    return Problem(
        ProblemKind.INTERNAL, rel, f"internal error (a bolaudit bug) while analysing: {type(exc).__name__}: {text}"
    )
