"""The per-file stage, driven: content keys, the cache, the jobs and what big modules' slices keep.

``analysed`` is called by the engine for the files a run analyses up front and again for the
deferred modules each project-stage round asks for; ``slice_seeds`` is worked out once per run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from bolaudit.config import Config
from bolaudit.findings import ProblemKind

Progress = Callable[[str, int, int], None]  # (stage, done, total): "parsing" files, "checking"

if TYPE_CHECKING:
    from bolaudit.pipeline.analyst import Analyst
    from bolaudit.pipeline.cache import Cache
    from bolaudit.pipeline.filestage import FileJob, FileResult
    from bolaudit.pipeline.sources import SourceFile


def analysed(
    wanted: list[str],
    datas: dict[str, tuple[SourceFile, bytes]],
    modules: Callable[[str], tuple[str, bool]],
    cache_: Cache,
    config: Config,
    debug: bool,
    counts: dict[str, int],
    keys: dict[str, str],
    seeds: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]],
    progress: Progress | None = None,
    analyst: Analyst | None = None,
) -> dict[str, FileResult]:
    """The per-file stage's result for each wanted file: from the cache, else analysed.

    ``keys`` gets each file's content key and ``counts["cached"]`` how many came from the cache;
    ``seeds``: what each big module's slice keeps (``slice_seeds``, worked out once per run over
    every file it may analyse, deferred ones included); ``analyst``: the forked process that
    analyses a named run's files (``pipeline.analyst``)."""
    from bolaudit.pipeline.cache import content_key
    from bolaudit.pipeline.workers import analyze_all

    located: dict[str, tuple[str, bool]] = {}
    for rel in wanted:
        f, data = datas[rel]
        module, is_package = modules(rel) if f.kind == "python" else ("", False)
        located[rel] = (module, is_package)
        kept, follow = seeds.get(rel, ((), ()))
        context = repr((kept, follow)) if kept or follow else ""  # a slice depends on them
        keys[rel] = content_key(data, f.kind, module, config.cache_key() + context)
    results = cache_.lookup({rel: keys[rel] for rel in wanted})
    counts["cached"] = counts.get("cached", 0) + len(results)
    jobs = file_jobs([rel for rel in wanted if rel not in results], datas, located.__getitem__, seeds)
    told = None if progress is None else (lambda done, total: progress("parsing", done, total))
    for job, res in zip(jobs, analyze_all(jobs, config.jobs, debug, told, analyst)):
        results[job.rel] = res
        if not any(p.kind is ProblemKind.INTERNAL for p in res.problems):
            cache_.put(job.rel, keys[job.rel], res)
    return results


def file_jobs(
    rels: list[str],
    datas: Mapping[str, tuple[SourceFile, bytes]],
    modules: Callable[[str], tuple[str, bool]],
    seeds: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]],
) -> list[FileJob]:
    """The per-file stage's jobs for files: each with its module name and is-package (for a
    Python file) and what its slice keeps (``slice_seeds``)."""
    from bolaudit.pipeline.filestage import FileJob

    jobs = []
    for rel in rels:
        f, data = datas[rel]
        module, is_package = modules(rel) if f.kind == "python" else ("", False)
        kept, follow = seeds.get(rel, ((), ()))
        jobs.append(FileJob(str(f.path), rel, f.kind, module, is_package, data, kept, follow))
    return jobs


def slice_seeds(
    wanted: list[str],
    datas: dict[str, tuple[SourceFile, bytes]],
    modules: Callable[[str], tuple[str, bool]],
) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """For each big Python file or notebook (analysed by slice): the names the other analysed
    files take from it (a base class or a constant used elsewhere is kept though nothing in it
    says bol), and the last names of the modules that mention bol (what uses them is kept)."""
    from bolaudit.bounded.limits import SLICE_ABOVE

    code = [rel for rel in wanted if datas[rel][0].kind in ("python", "notebook")]
    big = [rel for rel in code if len(datas[rel][1]) > SLICE_ABOVE]
    if not big:
        return {}
    from bolaudit.extract.prefilter import api_matters
    from bolaudit.extract.slicing import imported_names

    follow = tuple(sorted({
        name.rsplit(".", 1)[-1] for rel in code
        if datas[rel][0].kind == "python" and (name := modules(rel)[0]) and api_matters(datas[rel][1])
    }))
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for rel in big:
        module = modules(rel)[0] if datas[rel][0].kind == "python" else ""
        others = (datas[other][1] for other in code if other != rel)
        out[rel] = (tuple(sorted(imported_names(module, others))) if module else (), follow)
    return out
