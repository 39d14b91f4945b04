"""bolaudit's benchmark: bolaudit and its peers, on the same corpora, in the same run.

    python benchmarks/run.py [--runs N] [--quick] [--corpus NAME]

Prepares the corpora (``corpus.py``: Django's sdist, and a generated bol-heavy tree;
``corpus_real.py``: the realworld bol clients and a venv's site-packages), then
measures each command in a fresh process (``measure.py``) several times and reports the median
wall time, the median CPU time (user + system of the whole process tree) and the peak memory of
its largest process; then checks the targets of DESIGN.md (Speed) as ratios between rows of the
same corpus. Prints a table and writes ``benchmarks/results/latest.json``. A peer that is not
installed (``pip install -e '.[bench]'``) is reported as such. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from collections.abc import Callable

import corpus as corpora
import corpus_real
import report

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results" / "latest.json"
# A command whose first run takes longer than this is run once: its median would cost minutes
# and tell nothing the one run does not (these are the peers, and the one-process parse).
SLOW_SECONDS = 30.0
# Commands run with bytecode caching on, as on a user's machine where pip compiled the package
# (some environments set PYTHONDONTWRITEBYTECODE, which makes every start compile bolaudit anew).
# The caches go to a folder of their own, so the benchmark writes nothing into the source tree.
PYCACHE = corpora.CORPORA / "pycache"


@dataclass(frozen=True)
class Step:
    """One command to measure on one corpus."""

    corpus: str
    key: str  # stable id, used by the targets: cold, warm, one-file, parse-1, parse-n, ruff, ...
    label: str
    argv: tuple[str, ...] | None  # None: the tool is not installed
    cwd: Path
    ok_exits: frozenset[int] = frozenset({0, 1})
    prime: bool = False  # run once unmeasured first (fills the cache for the warm run)
    peer: bool = False  # one of the minute-long peers that --quick leaves out
    # The warm row: the priming run must leave a whole-run reuse record in this cache folder, or
    # the row would time a per-file-cache run under the warm label.
    record_in: Path | None = None


@dataclass
class Row:
    corpus: str
    key: str
    label: str
    command: str
    status: str = "ok"  # ok | not installed | skipped (--quick) | error: ...
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)

    @property
    def wall(self) -> float | None:
        return statistics.median(self.walls) if self.walls and self.status == "ok" else None

    @property
    def cpu(self) -> float | None:
        return statistics.median(self.cpus) if self.cpus and self.status == "ok" else None

    @property
    def peak_mb(self) -> float | None:
        return max(self.rss_mb) if self.rss_mb and self.status == "ok" else None


def tool(name: str) -> str | None:
    """An executable from this interpreter's environment, else from PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def bolaudit_argv() -> tuple[str, ...]:
    found = tool("bolaudit")
    return (found,) if found else (sys.executable, "-m", "bolaudit.cli")


def steps(c: corpora.Corpus, cache_dir: Path) -> list[Step]:
    bolaudit = bolaudit_argv()
    cpus = os.cpu_count() or 1
    parse = (sys.executable, str(HERE / "libcst_parse.py"))
    ruff, bandit, detect, fixit = (tool(n) for n in ("ruff", "bandit", "detect-secrets", "fixit"))
    root = c.root
    return [
        # Primed: one unmeasured run first compiles the modules it imports into PYCACHE.
        Step(c.name, "cold", "bolaudit check (cold, --no-cache)", (*bolaudit, "check", "--no-cache", "."), root,
             prime=True),
        Step(c.name, "warm", "bolaudit check (warm cache)",
             (*bolaudit, "check", "--cache-dir", str(cache_dir), "."), root, prime=True,
             record_in=cache_dir),
        Step(c.name, "one-file", "bolaudit check FILE (one file, --no-cache)",
             (*bolaudit, "check", "--no-cache", c.one_file), root),
        Step(c.name, "parse-1", "bare LibCST parse, 1 process", (*parse, "--jobs", "1", "."), root, frozenset({0})),
        Step(c.name, "parse-n", f"bare LibCST parse, --jobs {cpus}", (*parse, "--jobs", str(cpus), "."), root, frozenset({0})),
        Step(c.name, "ruff", "ruff check --select S --no-cache",
             (ruff, "check", "--select", "S", "--no-cache", ".") if ruff else None, root),
        Step(c.name, "bandit", "bandit -q -r", (bandit, "-q", "-r", ".") if bandit else None, root, peer=True),
        Step(c.name, "detect-secrets", "detect-secrets scan --all-files",
             (detect, "scan", "--all-files", ".") if detect else None, root, frozenset({0}), peer=True),
        # Fixit loads the local rule relative to the folder it runs in: the rule's folder.
        # Fixit exits 1 for findings, 2 for files it cannot parse (both corpora have some), 3 both.
        Step(c.name, "fixit", "fixit lint, one trivial rule",
             (fixit, "--rules", ".fixit_trivial", "lint", str(root)) if fixit else None, HERE,
             frozenset({0, 1, 2, 3}), peer=True),
    ]


def run_step(step: Step, runs: int, quick: bool, log: corpora.Log) -> Row:
    row = Row(step.corpus, step.key, step.label, " ".join(step.argv or ()))
    if step.argv is None:
        row.status = "not installed"
        return row
    if quick and step.peer:
        row.status = "skipped (--quick)"
        return row
    if step.prime:
        first = measure(step)
        if "error" in first or first["exit"] not in step.ok_exits:
            row.status = _failure(first)
            return row
        if step.record_in is not None and not any(step.record_in.glob("v*/*/last_run.json")):
            row.status = "error: the first run kept no reuse record (a file changed during it?)"
            return row
    for i in range(runs):
        result = measure(step)
        if "error" in result or result["exit"] not in step.ok_exits:
            row.status = _failure(result)
            break
        row.walls.append(float(result["wall"]))
        row.cpus.append(float(result["cpu"]))
        row.rss_mb.append(float(result["rss_mb"]))
        log(f"  {step.corpus} {step.key}: {row.walls[-1]:.2f} s")
        if i == 0 and row.walls[0] > SLOW_SECONDS:
            break
    return row


def measure(step: Step) -> dict[str, Any]:
    assert step.argv is not None
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    proc = subprocess.run(
        [sys.executable, str(HERE / "measure.py"), "--cwd", str(step.cwd), "--", *step.argv],
        capture_output=True, text=True, check=False, env=env,
    )
    try:
        result: dict[str, Any] = json.loads(proc.stdout)
    except ValueError:
        return {"error": f"the measuring process failed: {proc.stderr.strip()[-300:]}"}
    return result


def _failure(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"error: {result['error']}"
    last = str(result.get("stderr", "")).strip().splitlines()[-1:] or [""]
    return f"error: exit {result['exit']}: {last[0][:200]}"


def startup(runs: int, log: corpora.Log) -> tuple[Row, list[str]]:
    """``bolaudit --version``: its time, and which heavy modules importing the CLI pulls in."""
    step = Step("-", "version", "bolaudit --version (start-up)", (*bolaudit_argv(), "--version"), REPO,
                frozenset({0}), prime=True)
    row = run_step(step, runs, False, log)
    probe = (
        "import sys\nfrom bolaudit.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print('heavy:' + ','.join(m for m in ('libcst', 'detect_secrets') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False, cwd=REPO)
    found = [line.removeprefix("heavy:") for line in proc.stdout.splitlines() if line.startswith("heavy:")]
    if not found:
        raise SystemExit(f"cannot import bolaudit.cli: {proc.stderr.strip()[-500:]}")
    return row, [m for m in found[0].split(",") if m]


def warm_page_cache(root: Path) -> None:
    """Read every file once, so the first measured command does not pay for the disk."""
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            try:
                with open(os.path.join(dirpath, name), "rb") as handle:
                    while handle.read(1 << 20):
                        pass
            except OSError:
                continue


def machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        ram = 0.0
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(ram, 1),
        "python": platform.python_version(), "os": platform.platform(),
    }


def versions() -> dict[str, str]:
    out: dict[str, str] = {}
    commands = {"bolaudit": bolaudit_argv(), **{n: (p,) for n in ("ruff", "bandit", "detect-secrets", "fixit") if (p := tool(n))}}
    for name, argv in commands.items():
        proc = subprocess.run([*argv, "--version"], capture_output=True, text=True, check=False)
        text = (proc.stdout or proc.stderr).strip().splitlines()
        # "ruff 0.17.6", "fixit, version 2.2.1", "1.5.0": keep the version.
        out[name] = text[0].removeprefix(name).removeprefix(",").strip().removeprefix("version ") if text else "?"
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    out["bolaudit commit"] = commit.stdout.strip() or "?"
    return out


# Each corpus name on the command line -> the corpora it prepares (``realworld`` is four trees,
# each its own git repository and its own rows). The default runs all of them.
PREPARE: dict[str, Callable[[argparse.Namespace, corpora.Log], list[corpora.Corpus]]] = {
    "django": lambda args, log: [corpora.django(log)],
    "bol-heavy": lambda args, log: [corpora.bol_heavy(log, args.files)],
    "realworld": lambda args, log: corpus_real.realworld(log),
    "site-packages": lambda args, log: [corpus_real.site_packages(log)],
    "generated-clients": lambda args, log: [corpus_real.generated_clients(log)],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="measured runs per command (default 3)")
    parser.add_argument("--quick", action="store_true", help="one run each; leave out bandit, detect-secrets and Fixit")
    parser.add_argument("--corpus", choices=tuple(PREPARE), action="append", help="only this corpus (repeatable)")
    parser.add_argument("--files", type=int, default=3000, help="size of the bol-heavy tree (default 3000)")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else max(1, args.runs)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    wanted = args.corpus or list(PREPARE)
    prepared = [c for name in dict.fromkeys(wanted) for c in PREPARE[name](args, log)]
    started = datetime.now(timezone.utc)
    version_row, heavy = startup(runs, log)
    rows = [version_row]
    for c in prepared:
        log(f"measuring on {c.name} ({c.python_files} Python files)")
        warm_page_cache(c.root)
        with tempfile.TemporaryDirectory(prefix="bolaudit-bench-cache-") as cache_dir:
            for step in steps(c, Path(cache_dir)):
                rows.append(run_step(step, runs, args.quick, log))
    targets = report.targets(rows, heavy)
    document = {
        "date": started.isoformat(timespec="seconds"),
        "took_s": round((datetime.now(timezone.utc) - started).total_seconds()),
        "machine": machine(),
        "versions": versions(),
        "runs": runs,
        "quick": args.quick,
        "corpora": [{**asdict(c), "root": str(c.root.relative_to(REPO))} for c in prepared],
        "rows": [report.row_json(r) for r in rows],
        "targets": [asdict(t) for t in targets],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    partial = RESULTS.with_name(RESULTS.name + ".tmp")
    partial.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    partial.replace(RESULTS)
    print(report.render(document, rows, targets))
    print(f"\nwritten to {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
