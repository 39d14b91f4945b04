"""The forked analysts of a named run: the same results as this process's per-file stage, whatever
the children were told to guess, whatever happens to them, and no process left behind."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bolaudit.pipeline import analyst as analyst_module
from bolaudit.pipeline import engine, filestage, workers
from bolaudit.pipeline.analyst import Analyst
from bolaudit.pipeline.filestage import FileJob, FileResult
from bolaudit.pipeline.forked import fork_is_safe

REPO = Path(__file__).resolve().parent.parent
needs_fork = pytest.mark.skipif(not fork_is_safe(), reason="forks only on Linux without threads")
INTEGRATION = REPO / "tests" / "fixtures" / "generated" / "og"


def _jobs(root: Path) -> list[FileJob]:
    from bolaudit.pipeline.selection import module_name

    jobs = []
    for path in sorted(root.rglob("*.py")):
        rel = str(path.relative_to(root))
        module, is_package = module_name(path, rel)
        jobs.append(FileJob(str(path), rel, "python", module, is_package, path.read_bytes()))
    return jobs


def _gone(pid: int) -> bool:
    """``pid`` has ended (a zombie waiting for its new parent counts): polled, for up to 5 s."""
    for _ in range(100):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().split(")")[-1].split()[0] in ("Z", "X"):
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def _ended(child: Analyst) -> None:
    pids = [m.pid for m in child.members if m.pid is not None]
    child.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)  # the first child was reaped
    assert all(_gone(pid) for pid in pids)


@needs_fork
def test_the_children_answer_as_this_process_would() -> None:
    jobs = _jobs(INTEGRATION)
    assert len(jobs) >= 4
    expected = [workers.safe_analyze(job) for job in jobs]
    child = Analyst.start()
    assert child is not None
    try:
        child.guess(jobs[::2])  # some guessed, some not
        told: list[tuple[int, int]] = []
        got = child.analyse(jobs, False, lambda done, total: told.append((done, total)))
        assert got == expected
        assert told[-1] == (len(jobs), len(jobs))
        helpers = [m for m in child.members[1:] if m.pid is not None]
        assert len(helpers) == analyst_module.HELPERS  # each said who it is with its first answer
        assert child.analyse(jobs[:1], False, lambda done, total: None) == expected[:1]  # asked again
    finally:
        _ended(child)


@needs_fork
def test_a_guessed_file_that_changed_since_is_analysed_again() -> None:
    first, *_ = _jobs(INTEGRATION)
    changed = FileJob(first.path, first.rel, first.kind, first.module, first.is_package,
                      b'BASE = "https://api.bol.com/retailer"\n')
    child = Analyst.start()
    assert child is not None
    try:
        child.guess([first])
        time.sleep(0.2)  # time to analyse the guess
        [got] = child.analyse([changed], False, lambda done, total: None)
        assert got == workers.safe_analyze(changed)
        assert got != workers.safe_analyze(first)
    finally:
        _ended(child)


@needs_fork
def test_a_file_that_kills_its_child_is_reported_as_crashed_and_the_others_analysed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    jobs = _jobs(INTEGRATION)
    crasher = jobs[1].rel
    real = filestage.analyze

    def analyze(job: FileJob) -> FileResult:
        if job.rel == crasher:
            os._exit(9)  # as a parser's native crash would: no answer, no exception
        return real(job)

    monkeypatch.setattr(filestage, "analyze", analyze)  # before the fork: the children inherit it
    child = Analyst.start()
    assert child is not None
    try:
        got = workers.analyze_all(jobs, 1, False, None, child)
    finally:
        _ended(child)
    for job, result in zip(jobs, got):
        if job.rel == crasher:
            assert [m for m, _ in result.facts.errors] == [
                "the process analysing this file crashed (a parser bug); the file was not audited"
            ]
        else:
            assert result == real(job)


@needs_fork
def test_with_debug_a_bug_in_a_child_is_raised_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def analyze(job: FileJob) -> FileResult:
        raise LookupError(f"a bug met in {job.rel}")

    monkeypatch.setattr(filestage, "analyze", analyze)
    child = Analyst.start()
    assert child is not None
    try:
        with pytest.raises(LookupError, match="a bug met in"):
            child.analyse(_jobs(INTEGRATION)[:1], True, lambda done, total: None)
        assert not child.alive
    finally:
        _ended(child)


@needs_fork
def test_what_a_child_has_not_read_yet_waits_here() -> None:
    """A job holds a file's bytes, a pipe 64 KB: writing to a child still importing must not
    stop this process."""
    read_end, write_end = os.pipe()
    member = analyst_module._Member(None, write_end, read_end)
    try:
        started = time.perf_counter()
        member.queue(("guess", [b"x" * (4 << 20)], False))  # nobody reads
        assert time.perf_counter() - started < 5
        assert member.outbox  # the rest waits for the pipe
        assert member.alive
    finally:
        member.close()


def test_no_analyst_where_this_process_has_the_per_file_stage_already() -> None:
    import libcst  # noqa: F401 - as a long-lived process (this one) has

    assert not analyst_module.worth_starting()


def _named_outcome(root: Path, named: Path) -> tuple[list[str], list[str], list[str]]:
    from bolaudit.config import Config

    result = engine.run([named], Config(root=root, use_cache=False), debug=True)
    assert result.project is not None
    findings = sorted(f"{f.path}:{f.span.line} {f.code} {f.message}" for f in result.findings)
    requests = sorted(f"{r.site.path}:{r.site.span.line} {r.kind} {r.endpoint}" for r in result.project.requests)
    return sorted(result.project.modules), findings, requests


TREES = [
    REPO / "examples" / "shop-sync",
    INTEGRATION,
    REPO / "tests" / "fixtures" / "token_apps" / "django_view",
    REPO / "tests" / "fixtures" / "token_apps" / "odoo_cron",
]


@needs_fork
@pytest.mark.parametrize("root", [t for t in TREES if t.is_dir()], ids=lambda p: p.name)
def test_a_named_run_gives_the_same_result_with_analysts_or_without(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pre-commit's runs on every Python file of a tree, with the per-file stage in forked
    children (started as a run from the command line starts them) and in this process."""
    started: list[Analyst] = []
    real_start = Analyst.start

    def start(helpers: int = analyst_module.HELPERS) -> Analyst | None:
        child = real_start(helpers)
        if child is not None:
            started.append(child)
        return child

    paths = sorted(p for p in root.rglob("*.py") if ".git" not in p.parts)
    assert paths
    without = [_named_outcome(root, path) for path in paths]
    monkeypatch.setattr(analyst_module, "worth_starting", lambda: True)
    monkeypatch.setattr(Analyst, "start", staticmethod(start))
    assert [_named_outcome(root, path) for path in paths] == without
    assert len(started) == len(paths)
    assert not any(child.alive for child in started)  # each run ended its children


@pytest.mark.parametrize(("code", "called"), [
    ("from client.api_client import ApiClient\napi = ApiClient.get_default()\n",
     {"client.api_client", "client.api_client.ApiClient"}),
    ("from client.rest import RESTResponseType\ndef f() -> RESTResponseType: ...\n", set()),
    ("from client import rest\nclient = rest.RESTClientObject(config)\n", {"client", "client.rest"}),
    ("from client.exceptions import (\n    ApiValueError,\n    ApiException,\n)\n"
     "raise ApiException.from_response(r)\n", {"client.exceptions", "client.exceptions.ApiException"}),
    ("import client.models\nx = client.models.Order\n", {"client.models"}),
    ("import requests as rq\nrq.get(url)\n", {"requests"}),
    ("from client.api_client import ApiClient as Client\nClient()\n",
     {"client.api_client", "client.api_client.ApiClient"}),
    ("from client.api_client import ApiClient\nx: ApiClient\nMyApiClient()\n", set()),
    ("from . import paths\nurl = paths.ORDERS\n", {"shop", "shop.paths"}),
])
def test_what_a_file_calls_into(code: str, called: set[str]) -> None:
    """A named run's likely modules: what a file imports and then calls or reads an attribute
    of, not what it names only in an annotation or an import."""
    from bolaudit.extract import import_graph

    assert import_graph.called_imports(code.encode(), "shop.sync", False) == called


def test_the_likely_modules_of_a_generated_endpoint_group_are_those_the_stage_asks_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """openapi-generator's layout: ``orders_api`` calls into ``api_client``, which calls into
    ``configuration`` and ``rest``; not the other endpoint groups the package re-exports. (The
    tree is small: deferred as a large tree is.)"""
    from conftest import write_tree
    from test_deferred import GROUPS_SHARING_A_CLIENT

    from bolaudit.config import Config
    from bolaudit.catalog.credentials import CANDIDATE_BYTES
    from bolaudit.pipeline import selection, sources

    monkeypatch.setattr(engine, "DEFER_BYTES", 0)
    monkeypatch.setattr(engine, "DEFER_ONE_BYTES", 0)
    write_tree(tmp_path, GROUPS_SHARING_A_CLIENT)
    root = tmp_path
    named = root / "client" / "api" / "orders_api.py"
    config = Config(root=root, use_cache=False)
    files, _, config = sources.gather([named], config, None, None)
    datas: selection.Datas = {}
    selection.read_all(files, datas, [], config.max_file_size)
    reported = set(datas)
    selection.read_all(selection.context_files(datas, config), datas, [], config.max_file_size)
    modules, _, deferred = selection.select(datas, CANDIDATE_BYTES, reported)
    likely = selection.likely_asked(reported, deferred, datas, modules)
    result = engine.run([named], config, debug=True)
    assert result.project is not None
    asked = set(result.project.modules) & set(deferred)
    assert likely == ["client/api_client.py", "client/configuration.py", "client/rest.py"]
    # The other groups and the sandbox are asked for as call sites of ``ApiClient`` (they make
    # one), which is no import of the named file's: not guessed.
    assert set(likely) < asked


@needs_fork
def test_files_left_by_children_that_are_gone_are_not_parsed_in_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both children dead before a request (a guess crashed them): the files go one at a time to
    fresh workers, never to this process, where a parser's crash would end the run."""
    jobs = _jobs(INTEGRATION)[:3]
    expected = [workers.safe_analyze(job) for job in jobs]
    child = Analyst.start()
    assert child is not None
    _ended(child)
    here = os.getpid()
    real = filestage.analyze

    def analyze(job: FileJob) -> FileResult:
        assert os.getpid() != here, "parsed in this process"
        return real(job)

    monkeypatch.setattr(filestage, "analyze", analyze)
    assert workers.analyze_all(jobs, 1, True, None, child) == expected
