"""Running the per-file stage: in this process for a few files, else in a pool of processes.

A worker that dies (a native crash in a parser, the OOM killer) breaks the pool; the remaining
files then go one at a time through a fresh worker, so the file that kills it is named (a BOL000)
and every other file is still audited.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from bolaudit.pipeline.filestage import FileJob, FileResult, safe_analyze, warm

if TYPE_CHECKING:
    from bolaudit.pipeline.analyst import Analyst

# Below this many files, or this many bytes, to parse, a process pool costs more than it saves.
# Workers are forked after this process has imported LibCST and the extractors (``warm``), so
# they start with them: what a pool costs is the fork and sending facts back, not the 0.4 s of
# CPU each worker used to spend importing. Measured on the public bol clients (8-20 files,
# 25-60 KB): about even at 32 KB on two cores; a generated client's 38 context modules (200 KB)
# went from 1.8 s to under 1 s. Where workers are spawned (not Linux) they import on their own,
# and the old bound holds.
POOL_THRESHOLD = 8
POOL_BYTES = 64 * 1024
SPAWNED_POOL_BYTES = 256 * 1024


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, which containers and ``taskset``
    narrow), else the machine's count."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def worker_count(processes: int, files: int) -> int:
    """How many worker processes to start: ``processes`` (0: one per CPU), never more than the
    CPUs available (a repository's ``jobs = 100`` must not start 100 processes on 2 cores) nor
    than there are files."""
    cpus = available_cpus()
    return max(1, min(processes or cpus, cpus, files))


def analyze_all(jobs: list[FileJob], processes: int, debug: bool,
                progress: Callable[[int, int], None] | None = None,
                analyst: Analyst | None = None) -> list[FileResult]:
    """Every job's result, in order: by the ``analyst`` where there is one (a run on named
    files, ``pipeline.analyst``), else in this process for a few files, else in a process pool.
    ``progress`` is told (done, total) as results come in."""
    workers = worker_count(processes, len(jobs))
    told = progress or (lambda done, total: None)
    size = sum(len(j.data) for j in jobs)
    # (multiprocessing is imported only when a pool may be used)
    forked = len(jobs) >= POOL_THRESHOLD and workers > 1 and size >= POOL_BYTES and _forks()
    small = len(jobs) < POOL_THRESHOLD or workers <= 1 or size < (POOL_BYTES if forked else SPAWNED_POOL_BYTES)
    if analyst is not None and small:
        answered = analyst.analyse(jobs, debug, told)
        if None in answered:  # a child died: its files one by one, each in a fresh worker
            _one_by_one(jobs, answered, debug)
        return [r if r is not None else _crashed(j) for r, j in zip(answered, jobs)]
    if small:
        done: list[FileResult] = []
        for job in jobs:
            done.append(safe_analyze(job, debug))
            told(len(done), len(jobs))
        return done
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    if forked:
        warm()
    chunk = max(1, len(jobs) // (workers * 8))
    results: list[FileResult | None] = [None] * len(jobs)
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for i, res in enumerate(pool.map(safe_analyze, jobs, [debug] * len(jobs), chunksize=chunk)):
                results[i] = res
                told(i + 1, len(jobs))
    except BrokenProcessPool:
        # A worker died (a native crash in a parser, the OOM killer): the pool is gone and the
        # culprit unknown. Finish one file at a time in a fresh worker, so the file that kills it
        # is named and every other file is still audited.
        _one_by_one(jobs, results, debug)
    return [r if r is not None else _crashed(j) for r, j in zip(results, jobs)]


def _forks() -> bool:
    import multiprocessing

    return multiprocessing.get_start_method(allow_none=False) == "fork"


def _one_by_one(jobs: list[FileJob], results: list[FileResult | None], debug: bool) -> None:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=1)
    try:
        for i, job in enumerate(jobs):
            if results[i] is not None:
                continue
            try:
                results[i] = pool.submit(safe_analyze, job, debug).result()
            except BrokenProcessPool:
                results[i] = _crashed(job)
                pool.shutdown(wait=False, cancel_futures=True)
                pool = ProcessPoolExecutor(max_workers=1)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _crashed(job: FileJob) -> FileResult:
    from bolaudit.facts import ModuleFacts
    from bolaudit.findings import Span

    message = "the process analysing this file crashed (a parser bug); the file was not audited"
    return FileResult(ModuleFacts(job.rel, job.module, job.is_package, errors=((message, Span.at(1)),)))
