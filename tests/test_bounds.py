"""Bounded everything: hostile names, nesting, numbers and folders end in a message, never a
traceback, and big tables cost what they should (issue 11, item 4)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from bolaudit.config import Config
from bolaudit.config.patterns import IgnoreTable, PatternSet
from bolaudit.pipeline.workers import available_cpus, worker_count
from conftest import write_tree

SECRET = "Pq3!xT7@vB2-kN9+zR4(mW6)yH1?cJ8_dF5eL0gS3aU7iO2nK4tV9wX1rQ6bM8zD"
NAME = b"caf\xe9_sync.py"  # Latin-1, as an old Windows share or zip leaves it: not UTF-8
MODULE = (
    "import requests\n\n"
    f"BOL_CLIENT_SECRET = '{SECRET}'\n\n\n"
    "def orders(token):\n"
    "    return requests.get('https://api.bol.com/retailer/orders', headers={'Authorization': token})\n"
).encode()


def cli(cwd: Path | str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """The installed command line, bytes in and out: a name that is not UTF-8 is not text."""
    full = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full.pop("BOLAUDIT_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "bolaudit", *args], cwd=cwd, env=full, capture_output=True)


def no_traceback(proc: subprocess.CompletedProcess[bytes]) -> None:
    assert b"Traceback" not in proc.stderr, proc.stderr.decode("utf-8", "replace")


@pytest.fixture
def latin1_tree(tree: Path) -> Path:
    if sys.platform == "darwin":
        pytest.skip("macOS file systems refuse names that are not UTF-8")
    (tree / "shop").mkdir()
    (tree / "shop").joinpath(os.fsdecode(NAME)).write_bytes(MODULE)
    return tree


# A strict UTF-8 locale, as on a developer's machine: printing a lone surrogate there raises.
STRICT = {"PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_a_file_name_that_is_not_utf8_is_reported_in_every_format(latin1_tree: Path, fmt: str) -> None:
    proc = cli(latin1_tree, "check", "--no-cache", "--format", fmt, env=STRICT)
    no_traceback(proc)
    assert proc.returncode == 1
    out = proc.stdout
    if fmt == "json":
        paths = {f["path"] for f in json.loads(out)["findings"]}
        # Python's own spelling of the name (PEP 383): os.fsencode gives the bytes on disk back.
        assert {os.fsencode(p) for p in paths} == {b"shop/" + NAME}
    elif fmt == "sarif":
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for r in json.loads(out)["runs"][0]["results"]}
        assert uris == {"shop/caf%E9_sync.py"}  # the name's bytes, percent-encoded (RFC 3986)
    else:
        out.decode("utf-8")  # valid text: the undecodable byte is shown escaped, like a control character
        assert b"shop/caf\\xe9_sync.py" in out


def test_a_baseline_of_a_file_name_that_is_not_utf8_hides_its_findings(latin1_tree: Path) -> None:
    wrote = cli(latin1_tree, "check", "--no-cache", "--write-baseline", "baseline.json", env=STRICT)
    no_traceback(wrote)
    assert wrote.returncode == 0
    entries = json.loads((latin1_tree / "baseline.json").read_bytes())["findings"]
    assert entries and all(os.fsencode(e["path"]) == b"shop/" + NAME for e in entries)
    again = cli(latin1_tree, "check", "--no-cache", "--baseline", "baseline.json", env=STRICT)
    assert again.returncode == 0, again.stdout + again.stderr
    assert b"hidden by the baseline" in again.stdout


def test_scopes_and_diff_with_a_file_name_that_is_not_utf8(latin1_tree: Path) -> None:
    for args in (("scopes", "--no-cache"), ("scopes", "--no-cache", "--format", "json"),
                 ("scopes", "--no-cache", "--format", "markdown"), ("check", "--no-cache", "--diff")):
        proc = cli(latin1_tree, *args, env=STRICT)
        no_traceback(proc)
        assert proc.returncode in (0, 1)


def test_a_deleted_current_folder_is_a_usage_error(tmp_path: Path) -> None:
    gone = tmp_path / "build"
    gone.mkdir()
    code = (
        "import os, subprocess, sys\n"
        f"os.chdir({str(gone)!r}); os.rmdir({str(gone)!r})\n"
        "for args in (['check'], ['check', sys.argv[1]], ['scopes'], ['token', '--token-file', sys.argv[1]]):\n"
        "    p = subprocess.run([sys.executable, '-m', 'bolaudit', *args], capture_output=True, text=True)\n"
        "    print(p.returncode, p.stderr.strip().splitlines()[-1])\n"
    )
    env = {**os.environ}
    env.pop("BOLAUDIT_DEBUG", None)
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, env=env)
    lines = proc.stdout.splitlines()
    assert len(lines) == 4, proc.stdout + proc.stderr
    for line in lines:
        assert line.startswith("2 Error: the current folder cannot be used (it was deleted)"), line


# ------------------------------------------------------------------------------ nesting


def test_a_deeply_nested_baseline_is_refused_with_a_message(tree: Path) -> None:
    write_tree(tree, {".env": f"BOL_CLIENT_SECRET={SECRET}\n"})
    deep = '{"baseline_version": 1, "findings": [' + "[" * 50_000 + "]" * 50_000 + "]}"
    (tree / "baseline.json").write_text(deep)
    proc = cli(tree, "check", "--no-cache", "--baseline", "baseline.json")
    no_traceback(proc)
    assert proc.returncode == 2
    assert b"baseline baseline.json is nested more than 32 levels deep" in proc.stderr
    # Brackets inside strings are text, not nesting: a real baseline with odd paths still loads.
    entry = {"code": "BOL101", "path": "docs/[[[[" * 20 + ".md", "fingerprint": "0" * 32, "count": 1}
    (tree / "baseline.json").write_text(json.dumps({"baseline_version": 1, "findings": [entry]}))
    assert cli(tree, "check", "--no-cache", "--baseline", "baseline.json").returncode == 1


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pyproject.toml", "[tool.bolaudit]\nselect = " + "[" * 20_000 + "]" * 20_000 + "\n"),
        ("pyproject.toml", "[project]\nx = " + "[" * 5_000 + "]" * 5_000 + "\n[tool.bolaudit]\njobs = 1\n"),
        (".bolaudit.toml", "apps = " + "{a = " * 5_000 + "1" + "}" * 5_000 + "\n"),
    ],
)
def test_a_deeply_nested_config_is_a_config_error(tree: Path, name: str, text: str) -> None:
    (tree / name).write_text(text)
    proc = cli(tree, "check", "--no-cache")
    no_traceback(proc)
    assert proc.returncode == 2
    assert f"Error: {name}: arrays or tables nest deeper than 32 levels".encode() in proc.stderr


def test_brackets_in_toml_strings_and_comments_are_not_nesting(tree: Path) -> None:
    (tree / ".bolaudit.toml").write_text(
        "# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n"
        'exclude = ["docs/' + "[[" * 40 + '", \'\'\'x' + "{" * 40 + "'''" + ']\n'
    )
    proc = cli(tree, "check", "--no-cache")
    assert b"nest" not in proc.stderr
    assert proc.returncode in (0, 2)  # the patterns may be invalid, but not for their nesting


# ------------------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "--jobs", "99999999999999999999"), "Invalid value for '--jobs' / '-j'"),
        (("scopes", "--jobs", "257"), "Invalid value for '--jobs' / '-j'"),
        (("scopes", "--warn-days", "99999999999999999999"), "Invalid value for '--warn-days'"),
        (("token", "--warn-days", "3651"), "Invalid value for '--warn-days'"),
        (("token", "--timeout", "nan"), "Invalid value for '--timeout': 'nan' is not a number of seconds"),
        (("scopes", "--timeout", "1e400"), "Invalid value for '--timeout'"),
        (("token", "--timeout", "-1"), "Invalid value for '--timeout'"),
    ],
)
def test_numeric_options_are_range_checked(tree: Path, args: tuple[str, ...], message: str) -> None:
    proc = cli(tree, *args)
    no_traceback(proc)
    assert proc.returncode == 2
    assert message.encode() in proc.stderr


def test_jobs_never_exceed_the_cpus_available(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bolaudit.pipeline.workers.available_cpus", lambda: 2)
    assert worker_count(100, 500) == 2
    assert worker_count(0, 500) == 2
    assert worker_count(1, 500) == 1
    assert worker_count(8, 3) == 2
    assert worker_count(2, 1) == 1
    assert 1 <= available_cpus() <= (os.cpu_count() or 1)


def test_a_repository_asking_for_100_jobs_gets_the_cpu_count(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool is really started with no more workers than CPUs (a config's ``jobs = 100``)."""
    import concurrent.futures

    from bolaudit.config import load_config
    from bolaudit.pipeline.engine import run

    (tree / "pyproject.toml").write_text("[tool.bolaudit]\njobs = 100\n")
    write_tree(tree, {f"shop/m{i}.py": f"BOL_CLIENT_SECRET = '{SECRET[:-2]}{i:02d}'\n" for i in range(12)})
    started: list[int | None] = []
    real = concurrent.futures.ProcessPoolExecutor.__init__

    def spy(self: object, max_workers: int | None = None, *args: object, **kwargs: object) -> None:
        started.append(max_workers)
        real(self, max_workers, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(concurrent.futures.ProcessPoolExecutor, "__init__", spy)
    monkeypatch.setattr("bolaudit.pipeline.workers.POOL_BYTES", 0)  # 12 small files: pooled anyway
    config = load_config([tree], {"use_cache": False})
    assert config.jobs == 100
    result = run([tree], config)
    assert len([f for f in result.findings if f.code == "BOL101"]) == 12
    cpus = available_cpus()
    assert started == ([] if cpus == 1 else [cpus])


# ------------------------------------------------------------------------------ patterns


PATTERN_PARTS = ["src", "tests", "a", "b.py", "*.py", "**", "*", "?.py", "[ab]*", "docs/", "x/**/y.py"]
PATHS = [
    "src/a.py", "src/b.py", "a", "a/b.py", "tests/a/b.py", "docs/index.md", "docs", "x/y.py",
    "x/1/2/y.py", "srcs/a.py", "b.py", "deep/src/a.py", "tests/", "src/", "a/tests/x.py", "c.py",
]


def test_combined_patterns_answer_exactly_as_pathspec() -> None:
    from pathspec import GitIgnoreSpec

    rng = random.Random(11)
    for _ in range(300):
        patterns = []
        for _ in range(rng.randint(1, 6)):
            parts = [rng.choice(PATTERN_PARTS) for _ in range(rng.randint(1, 3))]
            pattern = "/".join(parts).replace("//", "/")
            patterns.append(("/" if rng.random() < 0.2 else "") + pattern)
        combined = PatternSet(patterns)
        assert combined._regex is not None  # really one pass, not pathspec's loop
        for path in PATHS:
            expected = GitIgnoreSpec.from_lines(patterns).match_file(path)
            assert combined.match(path) == expected, (patterns, path)


def test_negations_keep_their_order() -> None:
    patterns = PatternSet(["tests/", "!tests/keep.py"])
    assert patterns._regex is None  # the last match decides: pathspec's job
    assert patterns.match("tests/x.py") and not patterns.match("tests/keep.py")


def test_per_file_ignores_table_unions_codes_of_every_matching_pattern() -> None:
    table = IgnoreTable([("scripts/*.py", ("BOL201",)), ("scripts/", ("BOL3",)), ("*.md", ("BOL101",))])
    assert table.codes_for("scripts/sync.py") == {"BOL201", "BOL3"}
    assert table.codes_for("docs/readme.md") == {"BOL101"}
    assert table.codes_for("app.py") == frozenset()
    config = Config(per_file_ignores=(("scripts/*.py", ("BOL201",)), ("legacy/**", ("BOL1",))))
    assert config.is_code_ignored("BOL101", "legacy/x/y.py")
    assert not config.is_code_ignored("BOL201", "legacy.py")
    assert not config.is_code_ignored("BOL201", "../scripts/x.py")  # outside the root


def test_two_thousand_per_file_ignores_cost_about_a_second(tree: Path) -> None:
    """2,000 entries over 120 findings took 20-60 s when each pattern was compiled per finding."""
    import time

    from bolaudit.config import load_config
    from bolaudit.pipeline.engine import run

    lines = ["[tool.bolaudit.per-file-ignores]"]
    lines += [f'"legacy/area_{n}/*.py" = ["BOL301"]' for n in range(1999)]
    lines.append('"shop/m1*.py" = ["BOL3"]')
    (tree / "pyproject.toml").write_text("\n".join(lines) + "\n")
    write_tree(tree, {
        f"shop/m{i}.py": "import requests\n\ndef f(t):\n"
                         "    return requests.get('https://api.bol.com/retailer/orders', headers={'X': t})\n"
        for i in range(120)
    })
    started = time.perf_counter()
    config = load_config([tree], {"use_cache": False, "jobs": 1})
    result = run([tree], config)
    elapsed = time.perf_counter() - started
    shown = {f.path for f in result.findings if f.code == "BOL301"}
    assert len(shown) == 120 - 31  # m1, m10..m19 and m100..m119 are ignored
    assert "shop/m1.py" not in shown and "shop/m2.py" in shown
    assert elapsed < 15, f"{elapsed:.1f} s"


def test_a_few_small_files_are_analysed_without_a_pool(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pool's workers each import LibCST before their first file: for a small client (12 files,
    well under ``POOL_BYTES``) that costs more than the parsing, so no pool is started."""
    import concurrent.futures

    from bolaudit.config import load_config
    from bolaudit.pipeline.engine import run

    write_tree(tree, {f"shop/m{i}.py": f"BOL_CLIENT_SECRET = '{SECRET[:-2]}{i:02d}'\n" for i in range(12)})

    def refuse(self: object, *args: object, **kwargs: object) -> None:
        raise AssertionError("a pool was started")

    monkeypatch.setattr(concurrent.futures.ProcessPoolExecutor, "__init__", refuse)
    result = run([tree], load_config([tree], {"use_cache": False, "jobs": 2}))
    assert len([f for f in result.findings if f.code == "BOL101"]) == 12
