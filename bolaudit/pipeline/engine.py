"""The pipeline: paths -> sources -> per-file stage (parallel, cached) -> project stage -> findings.

``run`` never raises because of what is in the audited files: unreadable, undecodable or
unparsable files become problems or BOL000 findings and the run goes on. Filtering by the enabled
rules, per-file ignores and inline suppressions happens here; baselines and output are the CLI's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bolaudit.config import Config, Layer
from bolaudit.findings import Finding, Problem, ProblemKind
from bolaudit.pipeline import filejobs
from bolaudit.pipeline.suppress import Suppressed, Suppression, UnusedSuppression

if TYPE_CHECKING:
    from bolaudit.project import Project
    from bolaudit.facts import ModuleFacts
    from bolaudit.pipeline.filestage import FileResult
    from bolaudit.pipeline.freshness import Watch
    from bolaudit.pipeline.analyst import Analyst
    from bolaudit.pipeline.lastrun import LastRun
    from bolaudit.resolve.index import Deferred

# Deferring modules pays when parsing them would cost more than running the project stage once
# more (``_project_stage``): on the public bol clients a round costs about what LibCST and the
# extractors take for 40-60 KB of Python. Below that, a module is deferred on its own when it is
# large enough that parsing it costs about a round (8 KB: ~35 ms): if nothing asks for it (a
# client's response models), the parse is saved, and if something does, little is lost.
DEFER_BYTES = 48 * 1024
DEFER_ONE_BYTES = 8 * 1024


@dataclass
class RunResult:
    findings: list[Finding]
    problems: list[Problem]
    suppressed: list[Suppressed] = field(default_factory=list)
    unused_suppressions: list[UnusedSuppression] = field(default_factory=list)
    files_seen: int = 0
    files_analysed: int = 0
    files_cached: int = 0
    texts: Mapping[str, bytes] = field(default_factory=dict)
    reused: bool = False  # the whole result came from the cache (nothing changed)
    _project: Project | None = None
    _project_factory: Callable[[], Project] | None = None

    @property
    def project(self) -> Project | None:
        """The project stage's view; rebuilt from cached facts on first use after a reused run."""
        if self._project is None and self._project_factory is not None:
            self._project = self._project_factory()
        return self._project


class _DiskTexts(Mapping[str, bytes]):
    """File contents read on demand (a reused run keeps no file in memory)."""

    def __init__(self, root: Path, rels: Sequence[str]) -> None:
        self.root = root
        self.rels = list(rels)
        self._known = frozenset(self.rels)

    def __getitem__(self, rel: str) -> bytes:
        if rel not in self._known:
            raise KeyError(rel)
        from bolaudit.bounded.files import read_regular

        try:
            return read_regular(self.root / rel)
        except OSError as exc:
            raise KeyError(rel) from exc

    def __iter__(self) -> Iterator[str]:
        return iter(self.rels)

    def __len__(self) -> int:
        return len(self.rels)


Progress = filejobs.Progress  # (stage, done, total): "parsing" files, "checking"


def run(
    paths: Sequence[Path], config: Config, *, debug: bool = False, trust_stat: bool = True,
    rules: bool = True, stdin: tuple[Path, bytes] | None = None, progress: Progress | None = None,
) -> RunResult:
    """``trust_stat``: a whole-run record may be reused when the sizes and mtimes it recorded
    still match. False when the result will be written back into files (``--fix``,
    ``--write-baseline``): there the files' content decides (the per-file entries are keyed by it).
    ``rules``: False for ``bolaudit scopes``, which needs the project stage's requests and none of
    ``check``'s findings; such a run keeps no whole-run record (it has no findings to reuse).
    ``stdin``: a file's name and content read from standard input, audited as that file.
    ``progress`` is told how the per-file stage goes."""
    import os

    from bolaudit.pipeline.cache_folder import with_cache_folder

    # BOLAUDIT_DEBUG=1: a bolaudit bug raises (with its traceback) instead of becoming an
    # "internal" problem; for bolaudit's own tests and for reporting a bug.
    debug = debug or os.environ.get("BOLAUDIT_DEBUG", "") not in ("", "0")

    config, refused = with_cache_folder(config, paths)
    # Files named one by one (pre-commit) are read with the modules they import, found by name:
    # no listing to snapshot, so no whole-run reuse (each file's facts are still cached).
    named = stdin is not None or (bool(paths) and all(p.is_file() for p in paths))
    analyst = _start_analyst() if named else None
    try:
        return _run(paths, config, debug, trust_stat, rules, stdin, progress, refused, named, analyst)
    finally:
        if analyst is not None:
            analyst.close()


def _run(
    paths: Sequence[Path], config: Config, debug: bool, trust_stat: bool, rules: bool,
    stdin: tuple[Path, bytes] | None, progress: Progress | None, refused: list[Problem], named: bool,
    analyst: Analyst | None,
) -> RunResult:
    import time

    key: str | None = None
    if config.use_cache and not named:
        from bolaudit.pipeline import lastrun

        key = lastrun.run_key(paths, config)
        last = lastrun.load(config.cache_path, config.root, key) if trust_stat else None
        if last is not None:
            return _reused(last, paths, config)
        _make_folder(config)  # now, or the root's mtime would change during the run
    started = time.time_ns()

    from bolaudit.pipeline import selection
    from bolaudit.pipeline import sources
    from bolaudit.catalog.credentials import CANDIDATE_BYTES
    from bolaudit.pipeline.cache import Cache

    watch: Watch | None = None
    if key is not None:
        from bolaudit.pipeline.freshness import Watch

        watch = Watch()
    files, problems, config = sources.gather(paths, config, watch, stdin)  # with the configs found
    result = RunResult([], [*refused, *problems], files_seen=len(files))
    cache_ = Cache(config.cache_path if config.use_cache else None, config.root)

    datas: dict[str, tuple[sources.SourceFile, bytes]] = {}
    selection.read_all(files, datas, result.problems, config.max_file_size)
    if analyst is not None:  # the named files, while this process reads what they import
        named_at = {rel: selection.module_name(f.path, rel) for rel, (f, _) in datas.items()}
        analyst.guess(filejobs.file_jobs(list(datas), datas, named_at.__getitem__, {}))
    reported: set[str] | None = None
    if named:
        # Report on the named files, but read the modules they import too, so a base URL or a
        # wrapper defined elsewhere still resolves.
        reported = set(datas)
        selection.read_all(selection.context_files(datas, config), datas, [], config.max_file_size)

    # ``scopes`` lists every request the run reads, so its named runs defer as whole-tree runs do.
    modules, wanted, deferred = selection.select(datas, CANDIDATE_BYTES, reported or (), context=rules)
    keys: dict[str, str] = {}
    seeds = filejobs.slice_seeds(sorted(wanted), datas, modules)  # deferred modules count too

    counts: dict[str, int] = {}

    def analyse(rels: list[str]) -> dict[str, FileResult]:
        found = filejobs.analysed(
            rels, datas, modules, cache_, config, debug, counts, keys, seeds, progress, analyst
        )
        result.files_cached = counts.get("cached", 0)
        return found

    if sum(len(datas[rel][1]) for rel in deferred) < DEFER_BYTES:
        # Parsing them costs less than one more round of the project stage, but for large ones.
        deferred = {rel: inert for rel, inert in deferred.items() if len(datas[rel][1]) >= DEFER_ONE_BYTES}
    if analyst is not None and wanted:
        # What it is about to be asked for, then the deferred modules the project stage will
        # likely ask for (it parses them while this process runs the stage's first round); and
        # this process imports the project stage meanwhile.
        likely = selection.likely_asked(reported or set(), deferred, datas, modules)
        analyst.guess(filejobs.file_jobs(sorted(wanted - deferred.keys()) + likely, datas, modules, seeds))
        if rules:
            _prepare_project_stage()
    results = analyse(sorted(wanted - deferred.keys())) if wanted else {}
    if results and not any(map(_says_something, results.values())):
        # Text files that held nothing after all (a document whose words only looked like
        # credentials): no rule can find anything, so no rule module is imported.
        facts = {rel: r.facts for rel, r in results.items()}
        result._project_factory = lambda: _project(facts, config)
    elif results:
        if progress is not None:
            progress("checking", len(results), len(results))
        pending = {rel: _deferred(modules(rel)[0], datas[rel][1], inert) for rel, inert in deferred.items()}
        _project_stage(result, results, reported, config, debug, rules, pending, analyse)
        result.texts = {rel: datas[rel][1] for rel in results if reported is None or rel in reported}
        _apply_suppressions(result, result.findings, {rel: r.suppressions for rel, r in results.items()}, config)
    else:  # nothing can matter: no project stage, no rule module imported
        result._project_factory = lambda: _project({}, config)
    result.files_analysed = len(results)
    saved = cache_.save()  # before the record, which is only good with the results it names
    if key is not None and watch is not None and rules:
        _remember(result, key, watch, started, {rel: keys[rel] for rel in sorted(results)}, config, saved)
    return result


def _project_stage(
    result: RunResult,
    results: dict[str, FileResult],
    reported: set[str] | None,
    config: Config,
    debug: bool,
    rules: bool,
    pending: Mapping[str, Deferred],
    analyse: Callable[[list[str]], dict[str, FileResult]],
) -> None:
    """Cross-file findings, filtered by the config (``result.findings``; the caller applies the
    inline suppressions).

    Deferred modules (``selection.select``) are analysed when the project stage asks for one of
    their names: the stage runs, the modules it asked for are analysed and added to ``results``,
    and it runs again, until it asks for nothing new. Only the last round's findings count; a
    module nothing asks for is never parsed."""
    while True:
        facts = {rel: r.facts for rel, r in sorted(results.items())}
        project = _project(facts, config, {rel: d for rel, d in pending.items() if rel not in results})
        problems: list[Problem] = []
        findings = _project_findings(project, config, debug, problems) if rules else []
        if not rules:
            project.requests  # what ``scopes`` reads: asks the same questions
        asked = sorted(project.index.asked - results.keys())
        if not asked:
            break
        results.update(analyse(asked))
    result._project = project
    for r in results.values():
        result.problems.extend(r.problems)
    result.problems.extend(problems)
    findings = [f for f in findings if _enabled(f, config)]
    if reported is not None:
        findings = [f for f in findings if f.path in reported]
    result.findings = findings


def _says_something(r: FileResult) -> bool:
    """Whether a file's result can give a rule anything: Python code always can; a text file only
    with what its scan found (sightings, sources, units, definitions), an error, a problem, or an
    inline directive (reported when unused)."""
    f = r.facts
    return bool(f.module or f.path.endswith((".py", ".pyi", ".pyw", ".ipynb")) or f.functions or f.calls
                or f.sightings or f.secret_sources or f.units or f.env_defines or f.errors
                or r.problems or r.suppressions)


def _project(facts: Mapping[str, ModuleFacts], config: Config, deferred: Mapping[str, Deferred] | None = None) -> Project:
    from bolaudit.project import Project

    return Project(facts, config, deferred)


def _start_analyst() -> Analyst | None:
    """A forked process for the per-file stage of a run on named files (``pipeline.analyst``),
    started first, so that it imports the stage while this process reads and chooses the files;
    None where there is no second CPU to run it on, or it is not worth it."""
    from bolaudit.pipeline import analyst, workers

    if workers.available_cpus() < 2 or not analyst.worth_starting():
        return None
    return analyst.Analyst.start()


def _prepare_project_stage() -> None:
    """Import the project stage (the resolver, the rules) and read the catalog."""
    from bolaudit import project  # noqa: F401
    from bolaudit.catalog import load_catalog
    from bolaudit.rulebase import all_rules

    all_rules()
    load_catalog()


def _deferred(module: str, data: bytes, inert: bool) -> Deferred:
    from bolaudit.resolve.index import Deferred

    return Deferred(module, data, inert)


def _make_folder(config: Config) -> None:
    from bolaudit.pipeline.cache import ensure_folder, project_folder

    try:
        ensure_folder(config.cache_path, project_folder(config.cache_path, config.root))
    except OSError:
        return  # a read-only checkout: no cache, no reuse


def _remember(
    result: RunResult, key: str, watch: Watch, started: int, analysed: dict[str, str],
    config: Config, saved: bool,
) -> None:
    """Record the run for reuse while its files and folders stay as they were (``freshness``)
    and the results file holds what it analysed (``saved``)."""
    from bolaudit.pipeline import freshness
    from bolaudit.pipeline import lastrun

    snapshot = freshness.take(watch.paths, started) if watch.complete and saved else None
    if snapshot is None or any(p.kind is ProblemKind.INTERNAL for p in result.problems):
        lastrun.forget(config.cache_path, config.root)
        return
    last = lastrun.LastRun(
        key, snapshot, tuple(result.findings), tuple(result.problems), tuple(result.suppressed),
        tuple(result.unused_suppressions), tuple(analysed), tuple(analysed.values()), result.files_seen,
    )
    lastrun.store(config.cache_path, config.root, last)


def _reused(last: LastRun, paths: Sequence[Path], config: Config) -> RunResult:
    def project() -> Project:
        from bolaudit.project import Project
        from bolaudit.pipeline.cache import Cache

        wanted = dict(zip(last.analysed, last.keys))
        entries = Cache(config.cache_path, config.root).lookup(wanted)
        if len(entries) == len(wanted):
            return Project({rel: entries[rel].facts for rel in last.analysed}, config)
        # The results changed since the record was read, or an entry did not fit the schema.
        fresh = run(paths, config, trust_stat=False).project
        assert fresh is not None  # a run that is not reused always has its project stage
        return fresh

    result = RunResult(
        list(last.findings), list(last.problems), list(last.suppressed), list(last.unused),
        files_seen=last.files_seen, files_analysed=len(last.analysed),
        files_cached=len(last.analysed), texts=_DiskTexts(config.root, last.analysed),
        reused=True,
    )
    result._project_factory = project
    return result


def _project_findings(
    project: Project, config: Config, debug: bool, problems: list[Problem]
) -> list[Finding]:
    from bolaudit.pipeline.filestage import internal_problem
    from bolaudit.rulebase import ProjectRule, all_rules

    out: list[Finding] = []
    for rule_cls in all_rules():
        if not issubclass(rule_cls, ProjectRule) or not config.rule_enabled(rule_cls.code):
            continue
        rule = rule_cls()
        try:
            out.extend(rule.check(project))
        except Exception as exc:  # noqa: BLE001 - one broken rule must not sink the run
            if debug:
                raise
            problems.append(internal_problem(rule_cls.code, exc))
    return out


def _enabled(f: Finding, config: Config) -> bool:
    if not config.rule_enabled(f.code, f.path):  # by the config judging the file
        return False
    ignored = config.ignored_codes_for(f.path)
    return not any(f.code.startswith(code) for code in ignored)


def _apply_suppressions(
    result: RunResult,
    findings: list[Finding],
    suppressions: Mapping[str, tuple[Suppression, ...]],
    config: Config,
) -> None:
    """Inline ``# bolaudit: ignore[...]`` / ``# noqa: BOLxxx`` comments (found by the per-file
    stage), in every reported file (so that suppressions matching nothing are reported too)."""
    from bolaudit.pipeline import suppress
    from bolaudit.rulebase import all_rules

    # Unused directives are told by the rules that run on their file: one pass per config.
    by_path = {rel: found for rel in result.texts if (found := suppressions[rel])}
    groups: dict[Layer, tuple[set[str], list[Finding]]] = {}
    for rel in {*by_path, *(f.path for f in findings)}:
        groups.setdefault(config.layer_for(rel), (set(), []))[0].add(rel)
    for f in findings:
        groups[config.layer_for(f.path)][1].append(f)
    codes = [r.code for r in all_rules()]
    result.findings, result.suppressed, result.unused_suppressions = [], [], []
    for rels, in_group in groups.values():
        sample = next(iter(rels))
        enabled = frozenset(code for code in codes if config.rule_enabled(code, sample))
        applied = suppress.apply(in_group, {rel: by_path[rel] for rel in rels if rel in by_path}, enabled)
        result.findings.extend(applied.kept)
        result.suppressed.extend(applied.suppressed)
        result.unused_suppressions.extend(applied.unused)
    result.findings.sort(key=Finding.sort_key)
    result.unused_suppressions.sort(key=lambda u: (u.path, u.line, u.codes))
