"""The per-file stage: one file's bytes in, its facts out. Never raises.

Runs in worker processes, so everything it takes and returns pickles. A Python file is parsed
once with LibCST and walked once by a batch of visitors: the fact extractor and the credential
visitor. Every rule runs later, on the facts of all files (``bolaudit.project``). Text files go through the detect-secrets adapter. What cannot be
decoded or parsed becomes an error fact (reported as BOL000) and the run goes on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from bolaudit.facts import ModuleFacts
from bolaudit.findings import Problem, ProblemKind, Span
from bolaudit.bounded.limits import SLICE_ABOVE
from bolaudit.pipeline.suppress import Suppression, suppressions_in
from bolaudit.records import record

T = TypeVar("T")
Seen = dict[str, set[str]]  # credential values found in the file, by kind; in memory only


@record(slots=True)
class FileJob:
    path: str  # absolute
    rel: str
    kind: str  # python | notebook | text
    module: str
    is_package: bool
    data: bytes
    # A big module's names that other files import, and the project modules that mention bol:
    # what its slice keeps besides its own bol code (``extract.slicing``).
    seeds: tuple[str, ...] = ()
    follow: tuple[str, ...] = ()


@record(slots=True)
class FileResult:
    facts: ModuleFacts
    problems: tuple[Problem, ...] = ()
    suppressions: tuple[Suppression, ...] = ()  # the file's inline directives, applied later


def analyze(job: FileJob) -> FileResult:
    """Analyse one file; any failure caused by the file's content is a fact, not an exception.

    What the result keeps of the file's text holds no piece of a credential found in it
    (``credentials.scrub``): it is cached and sent between processes."""
    seen: Seen = {}
    try:
        result = _analyze(job, seen)
    except RecursionError:
        result = _error(job, "the file nests too deeply to analyse", Span.at(1))
    except MemoryError:
        result = _error(job, "the file is too large to analyse in memory", Span.at(1))
    found = suppressions_in(job.rel, job.data)
    if found:
        result = dataclasses.replace(result, suppressions=found)
    if seen:
        from bolaudit.catalog.credentials import CLIENT_ID, CLIENT_SECRET
        from bolaudit.credentials.scrub import Scrubber

        scrubber = Scrubber(seen.get(CLIENT_ID, ()), seen.get(CLIENT_SECRET, ()))
        result = scrubber.scrub(result)
    return result


def safe_analyze(job: FileJob, debug: bool = False) -> FileResult:
    """``analyze``, with a bolaudit bug an internal problem of the file (raised with ``debug``)."""
    if debug:
        return analyze(job)
    try:
        return analyze(job)
    except Exception as exc:  # noqa: BLE001 - a bolaudit bug in one file must not sink the run
        from bolaudit.facts import ModuleFacts

        return FileResult(ModuleFacts(job.rel, job.module), problems=(internal_problem(job.rel, exc),))


def warm() -> None:
    """Import what the per-file stage needs, before a pool or an analyst forks: every worker
    starts with it."""
    import libcst  # noqa: F401

    from bolaudit.credentials import python_visitor, textscan  # noqa: F401
    from bolaudit.extract import extractor, positions  # noqa: F401


def _error(job: FileJob, message: str, span: Span) -> FileResult:
    return FileResult(ModuleFacts(job.rel, job.module, job.is_package, errors=((message, span),)))


def _analyze(job: FileJob, seen: Seen) -> FileResult:
    from bolaudit.pipeline import sources

    rest: list[str] = []  # a notebook's cells other than Python code, and its outputs
    if job.kind == "notebook":
        from bolaudit.extract.notebooks import notebook_module

        decoded: sources.Decoded | sources.DecodeFailure | Problem = notebook_module(job.data, rest)
    else:
        decoded = sources.decode_for(job.kind, job.rel, job.data)
    if isinstance(decoded, Problem):
        return FileResult(ModuleFacts(job.rel, job.module), problems=(decoded,))
    if isinstance(decoded, sources.DecodeFailure):
        result = _error(job, decoded.message, Span.at(decoded.line, decoded.column))
        return _with_text_scan(result, job, job.data.decode("latin-1"), seen)
    if job.kind == "text":
        return _scan_text(job, decoded.text, seen)
    text, line_map = decoded.text, decoded.line_map
    if len(text) > SLICE_ABOVE:  # a big module: only what can matter is parsed (``slicing``)
        from bolaudit.catalog.credentials import CANDIDATE_BYTES
        from bolaudit.extract.slicing import slice_module

        sliced = slice_module(text, CANDIDATE_BYTES, job.seeds, job.follow)
        if sliced is not None:
            outer = line_map
            text = sliced.text
            line_map = tuple(outer[n - 1] for n in sliced.line_map) if outer else sliced.line_map
    result = _analyze_python(job, text, seen)
    if line_map:
        lines = line_map
        result = remap_lines(result, lambda line: lines[line - 1] if 0 < line <= len(lines) else line)
    if rest:
        result = _with_notebook_text(result, job, rest[0], seen)
    return result


def _with_notebook_text(result: FileResult, job: FileJob, text: str, seen: Seen) -> FileResult:
    """A notebook's markdown and raw cells, outputs and metadata hold secrets as often as its
    code: scanned as text, at the notebook's own lines and columns."""
    return _with_text_sightings(result, job, text, seen, "notebook")


def _with_text_sightings(result: FileResult, job: FileJob, text: str, seen: Seen, kind: str) -> FileResult:
    from bolaudit.credentials.textscan import scan_text

    found, _ = scan_text(job.rel, text, seen, kind=kind)
    if not found:
        return result
    # Pair ids are per file: keep the text scan's apart from the code's.
    found = [dataclasses.replace(s, pair=f"{kind}-{s.pair}") if s.pair else s for s in found]
    sightings = tuple(sorted((*result.facts.sightings, *found), key=lambda s: (s.span, s.kind)))
    return dataclasses.replace(result, facts=dataclasses.replace(result.facts, sightings=sightings))


def _scan_text(job: FileJob, text: str, seen: Seen) -> FileResult:
    from bolaudit.extract.deploy_names import may_deploy
    from bolaudit.credentials.textscan import scan_text

    sightings, sources_ = scan_text(job.rel, text, seen)
    # Compose/Kubernetes/workflow units and secret references, .env definitions (for BOL103).
    deploy = None
    if job.kind == "text" and may_deploy(job.rel):
        from bolaudit.extract.deploy_sources import scan_deploy  # (PyYAML: only for these)

        deploy = scan_deploy(job.rel, text)
    facts = ModuleFacts(
        job.rel, "", sightings=tuple(sightings),
        secret_sources=tuple(sources_) + (deploy.sources if deploy else ()),
        units=deploy.units if deploy else (),
        env_defines=deploy.defines if deploy else (),
    )
    return FileResult(facts)


def _with_text_scan(result: FileResult, job: FileJob, text: str, seen: Seen) -> FileResult:
    """A file we could not parse may still hold a secret: scan it as text."""
    scanned = _scan_text(job, text, seen)
    facts = dataclasses.replace(
        result.facts,
        sightings=scanned.facts.sightings,
        secret_sources=scanned.facts.secret_sources,
    )
    return FileResult(facts, result.problems)


def _analyze_python(job: FileJob, text: str, seen: Seen) -> FileResult:
    import ast
    import warnings

    import libcst as cst

    from bolaudit.credentials.python_visitor import CredentialVisitor
    from bolaudit.extract.extractor import FactExtractor
    from bolaudit.extract.positions import traverse

    # CPython's parser first: it is exact about syntax errors, a third of LibCST's cost, its tree
    # gives the spans (extract.positions), and it refuses the deep nesting that crashes LibCST's
    # native parser (the whole process, not an exception: a fuzzed "(" * 5000, "1 + " * 20000).
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the audited code's invalid escapes are not ours
            tree = ast.parse(text)
    except SyntaxError as err:
        span = Span.at(err.lineno or 1, max(err.offset or 1, 1))
        return _with_text_scan(_error(job, f"syntax error: {err.msg}", span), job, text, seen)
    except (RecursionError, MemoryError, ValueError):
        message = "the file nests too deeply for a parser (Python cannot compile it either)"
        return _with_text_scan(_error(job, message, Span.at(1)), job, text, seen)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        message = f"LibCST cannot parse this file, though Python can ({exc.message})"
        span = Span.at(exc.editor_line, exc.editor_column)
        return _with_text_scan(_error(job, message, span), job, text, seen)
    extractor = FactExtractor(job.rel, job.module, job.is_package)
    credentials = CredentialVisitor(job.rel)
    traverse(module, text, [extractor, credentials], tree)
    for kind, values in credentials.found.items():
        seen.setdefault(kind, set()).update(values)
    facts = dataclasses.replace(
        extractor.facts(),
        sightings=tuple(credentials.sightings),
        secret_sources=tuple(credentials.secret_sources),
    )
    result = FileResult(facts)
    from bolaudit.credentials.comments import comments_only

    comments = comments_only(text)
    return result if comments is None else _with_text_sightings(result, job, comments, seen, "comment")


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
    from bolaudit.extract.exprtools import redact

    text = redact(str(exc))
    text = text if len(text) <= 200 else text[:200] + "…"
    return Problem(
        ProblemKind.INTERNAL, rel, f"internal error (a bolaudit bug) while analysing: {type(exc).__name__}: {text}"
    )
